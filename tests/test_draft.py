"""`draft` offline: which papers it covers (and says it left out), how it groups them, the prose
it writes from their abstracts, and the files (Markdown or LaTeX with a .bib of the cited)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.library import Library

runner = CliRunner()
TOPIC = "mixture-of-experts inference"
# t02's core set (evals/cases/draft_topics.jsonl) but for DySHARP (zhang2026accelerating), whose
# abstract is about multi-GPU communication and falls just below the cut offline
MOE_CORE = {
    "zhong2024adapmoe", "zhong2025hybrimoe", "anon2025d", "anon2024survey", "anonomnimoe",
    "zhou2026moe",
}  # fmt: skip


def _cited_keys(text: str) -> set[str]:
    return set(re.findall(r"@([A-Za-z0-9_:\-]+)", text))


def _latex_keys(text: str) -> set[str]:
    return {k for group in re.findall(r"\\cite\{([^}]*)\}", text) for k in group.split(",")}


def _draft(*args: str) -> dict:
    result = runner.invoke(app, ["draft", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("fmt", ["md", "latex"])
def test_offline_draft_cites_the_topics_papers_with_a_matching_bib(
    shared_sample_library: Library, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / ("rw.md" if fmt == "md" else "rw.tex")
    result = runner.invoke(app, ["draft", TOPIC, "--out", str(out), "--format", fmt])
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    keys = _cited_keys(text) if fmt == "md" else _latex_keys(text)
    assert keys == MOE_CORE  # every paper that says only "MoE", nothing off-topic
    bib = bibtexparser.parse_string(out.with_suffix(".bib").read_text())
    assert not bib.failed_blocks
    assert {e.key for e in bib.entries} == keys
    assert "Extractive" in text and "Coverage: 6/6" in result.stderr
    if fmt == "latex":  # a citation stands beside the name it belongs to
        assert "AdapMoE~\\cite{zhong2024adapmoe} introduces ``an algorithm-system" in text
        # TeX quotes throughout (a straight " prints as a closing quote), D^{2} as math
        assert '"' not in text.split("\\subsection", 1)[1]
        assert "“" not in text and "”" not in text
        assert "D$^{2}$MoE~\\cite{anon2025d}" in text


def test_each_paper_is_named_and_its_contribution_quoted_from_its_own_abstract(
    shared_sample_library: Library,
) -> None:
    data = _draft(TOPIC)
    papers = {p.key: p for p in shared_sample_library.papers()}
    sentences = [s for theme in data["themes"] for s in theme["sentences"]]
    single = [s for s in sentences if len(s["citations"]) == 1]
    assert {s["citations"][0] for s in single} == MOE_CORE
    for sentence in single:
        shown = sentence["display"]
        assert shown.count('"') == 2, shown  # the contribution stays a quotation
        quote = shown.split('"')[1]
        abstract = " ".join(papers[sentence["citations"][0]].abstract.split())
        assert quote in abstract.replace("\\textit{", "").replace("}", ""), quote
        assert "Another study" not in shown
    adapmoe = next(s["display"] for s in single if s["citations"] == ["zhong2024adapmoe"])
    assert adapmoe.startswith('In the same year, AdapMoE [@zhong2024adapmoe] introduces "')
    # connectives come from the papers' years, not from filler
    assert sum(s["display"].startswith(("In the same year", "A year later", "Most recently",
                                         "In 20", "Alongside")) for s in single) >= 5  # fmt: skip


def test_a_quote_is_one_sentence_of_the_abstract_even_without_a_space_after_its_period(
    shared_sample_library: Library,
) -> None:
    # found by a tester: li2025efficient writes "overhead.To accelerate", and its quote was cut
    # there, unclosed, the second half dropped as a sentence without a citation
    data = _draft("privacy-preserving transformer inference", "--papers", "li2025efficient")
    assert not data["coverage"]["dropped_sentences"]
    shown = [s["display"] or s["text"] for t in data["themes"] for s in t["sentences"]]
    li = [s for s in shown if "li2025efficient" in s and "Work on" not in s]
    assert li and all(s.count('"') == 2 for s in li), li
    assert not any(".To " in s or "overhead. To" in s for s in li), li


def test_a_draft_to_the_screen_names_no_bib_and_a_directory_is_refused_first(
    shared_sample_library: Library, tmp_path: Path
) -> None:
    # found by a tester: the screen draft said "Bibliography: references.bib", a file never
    # written, and "--out DIR --force" drafted everything before failing on the directory
    shown = runner.invoke(app, ["draft", TOPIC])
    assert shown.exit_code == 0
    assert "references.bib" not in shown.stdout and "Bibliography: none written" in shown.stdout
    for command in (["draft", TOPIC, "--out", str(tmp_path), "--force"],
                    ["export", "--format", "bibtex", "--out", str(tmp_path)]):  # fmt: skip
        result = runner.invoke(app, command)
        assert result.exit_code == 2, command
        assert result.stderr.strip() == f"litreview: {tmp_path} is a directory; give a file name"


def test_every_sentence_written_is_verified(shared_sample_library: Library) -> None:
    data = _draft("KV cache compression")
    sentences = [s for theme in data["themes"] for s in theme["sentences"]]
    assert sentences and all(s["citations"] and s["supported"] for s in sentences)
    assert all(e["verdict"] in ("supported", "partial") for s in sentences for e in s["evidence"]
               if e["key"] in s["citations"])  # fmt: skip
    assert data["coverage"]["expansions"] == {"KV": "key value"}
    assert data["coverage"]["queries"] == ["KV cache compression", "key value cache compression"]


def test_themes_partition_the_papers_with_three_to_eight_each(
    shared_sample_library: Library,
) -> None:
    data = _draft("numerical data formats for low-bit quantization")
    themes = data["themes"]
    keys = [k for theme in themes for k in theme["keys"]]
    assert len(themes) >= 2 and len(keys) == len(set(keys)) == data["coverage"]["candidates"]
    assert all(3 <= len(theme["keys"]) <= 8 for theme in themes)
    names = [theme["name"] for theme in themes]
    assert len(set(names)) == len(names)


def test_exclude_removes_papers_and_papers_adds_them(shared_sample_library: Library) -> None:
    data = _draft(TOPIC, "--exclude", "anon2024survey,zhou2026moe", "--papers", "anon2025training")
    coverage = data["coverage"]
    cited = set(coverage["cited_keys"])
    assert cited == (MOE_CORE - {"anon2024survey", "zhou2026moe"}) | {"anon2025training"}
    left = {item["key"]: item["reason"] for item in coverage["left_out"]}
    assert left["anon2024survey"] == left["zhou2026moe"] == "excluded (--exclude)"
    unknown = runner.invoke(app, ["draft", TOPIC, "--exclude", "nosuchkey"])
    assert unknown.exit_code == 3 and "nosuchkey" in unknown.stderr


def test_excluding_the_relevant_papers_says_they_were_excluded(
    shared_sample_library: Library,
) -> None:
    # it said "only 1 paper(s) in the library are relevant", as if the library lacked them
    keep_one = sorted(MOE_CORE)[1:]
    result = runner.invoke(app, ["draft", TOPIC, "--exclude", ",".join(keep_one)])
    assert result.exit_code == 2
    assert f"{len(keep_one)} excluded with --exclude" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_topic_with_a_line_break_is_one_line(shared_sample_library: Library) -> None:
    # "## Outline: KV cache" then "compression" on a line of its own
    result = runner.invoke(app, ["draft", "KV cache\ncompression", "--outline-only"])
    assert result.exit_code == 0, result.stderr
    assert "## Outline: KV cache compression\n" in result.stdout


def test_the_printed_outline_shows_a_latex_title_as_the_library_does(
    shared_sample_library: Library,
) -> None:
    # "- anon2025d: D^{2}MoE: Dual Routing ..." where `litreview library` prints D^2MoE
    result = runner.invoke(app, ["draft", "mixture-of-experts inference", "--outline-only"])
    assert result.exit_code == 0, result.stderr
    assert "- anon2025d: D^2MoE: Dual Routing" in result.stdout, result.stdout
    assert "^{" not in result.stdout


def test_the_report_names_borderline_papers_and_how_to_add_them(
    shared_sample_library: Library,
) -> None:
    result = runner.invoke(app, ["draft", "numerical data formats for low-bit quantization"])
    assert result.exit_code == 0, result.stderr
    data = _draft("numerical data formats for low-bit quantization")
    borderline = data["coverage"]["borderline"]
    assert borderline, "a paper just below the cut is offered"
    first = borderline[0]
    assert first["key"] not in data["coverage"]["cited_keys"] and first["score"] < first["cut"]
    assert f"borderline {first['key']} (just below the cut): add with --papers {first['key']}" in (
        result.stderr
    )
    added = _draft("numerical data formats for low-bit quantization", "--papers", first["key"])
    assert first["key"] in added["coverage"]["cited_keys"]


def test_a_paper_without_an_abstract_is_left_out_with_that_reason(
    sample_library: Library, tmp_path: Path
) -> None:
    record = {"id": "bare2024moe", "title": "MoE inference on phones", "authors": ["A B"]}
    path = tmp_path / "bare.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    data = _draft(TOPIC, "--papers", "bare2024moe")
    left = {item["key"]: item["reason"] for item in data["coverage"]["left_out"]}
    assert left["bare2024moe"].startswith("no abstract")
    assert "bare2024moe" not in data["coverage"]["cited_keys"]


def test_an_abstract_that_does_not_read_as_one_papers_is_left_out_and_said_so(
    sample_library: Library, tmp_path: Path
) -> None:
    # the 10,000-paper mix: compilations of other papers' sentences under a spliced title were
    # drafted as work on the topic ("Towards Compute-Aware In-Switch Computing Key-Value Cache
    # Compression with Tree Structures" for KV cache compression)
    record = {
        "id": "mixedup2025",
        "title": "Spiking Neural Networks for Regional Weather Forecasting on FPGAs",
        "authors": ["Jane Roe"],
        "year": 2025,
        "abstract": "KV cache compression shrinks the key-value cache of long prompts by evicting "
        "or merging the keys and values of unimportant tokens. Regional rainfall forecasts rely "
        "on numerical simulation of the atmosphere over days. Compressing the KV cache to 2 bits "
        "keeps the perplexity of LLaMA within 0.1 of the full cache. Hydrologists calibrate "
        "river models against gauge readings every season.",
    }
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    data = _draft("KV cache compression")
    assert "mixedup2025" not in data["coverage"]["cited_keys"]
    assert {"he2025treekv", "yuan2025weightedkv"} <= set(data["coverage"]["cited_keys"])
    left = {item["key"]: item["reason"] for item in data["coverage"]["left_out"]}
    assert left["mixedup2025"].startswith("its abstract does not read as one paper's")
    added = _draft("KV cache compression", "--papers", "mixedup2025")
    assert "mixedup2025" in added["coverage"]["cited_keys"]


def test_k_caps_the_papers_and_says_which_were_cut(shared_sample_library: Library) -> None:
    data = _draft(TOPIC, "--k", "4")
    assert data["coverage"]["candidates"] == 4
    beyond = [i for i in data["coverage"]["left_out"] if i["reason"] == "beyond the --k 4 best"]
    assert len(beyond) == 2


def test_errors(shared_sample_library: Library) -> None:
    missing = runner.invoke(app, ["draft", "x", "--papers", "nosuchkey"])
    assert missing.exit_code == 3 and "nosuchkey" in missing.stderr
    off_topic = runner.invoke(app, ["draft", "sourdough bread baking"])
    assert off_topic.exit_code == 2
    assert "no paper in the library is about 'sourdough bread baking'" in off_topic.stderr


def test_filters_that_match_no_paper_say_so(shared_sample_library: Library) -> None:
    # it said "no paper in the library is about 'KV cache compression'", blaming the topic
    result = runner.invoke(app, ["draft", "KV cache compression", "--category", "cs.XX"])
    assert result.exit_code == 2
    assert "no paper in the library matches the filters" in result.stderr
    assert "is about" not in result.stderr


def test_a_quoted_contribution_keeps_no_latex_quote_marks(shared_sample_library: Library) -> None:
    # KV Packet's abstract writes ``packets'' (LaTeX quotes): inside a quotation they read as ‘’
    data = _draft("KV cache compression")
    shown = next(
        s["display"]
        for theme in data["themes"]
        for s in theme["sentences"]
        if s["citations"] == ["anonkv"]
    )
    assert "``" not in shown and "''" not in shown and "‘packets’" in shown, shown
    assert shown.count('"') == 2, shown


def test_the_format_follows_the_out_extension_unless_given(
    shared_sample_library: Library, tmp_path: Path
) -> None:
    # found by a tester: "--out auto.tex" wrote Markdown into the .tex file
    tex = tmp_path / "auto.tex"
    result = runner.invoke(app, ["draft", TOPIC, "--out", str(tex)])
    assert result.exit_code == 0, result.stderr
    assert "\\cite{" in tex.read_text() and "[@" not in tex.read_text()
    md = tmp_path / "auto-md.md"
    assert runner.invoke(app, ["draft", TOPIC, "--out", str(md)]).exit_code == 0
    assert "[@" in md.read_text()
    # an explicit --format wins where the extension names no format
    txt = tmp_path / "auto-txt.txt"
    latex = runner.invoke(app, ["draft", TOPIC, "--out", str(txt), "--format", "latex"])
    assert latex.exit_code == 0, latex.stderr
    assert "\\cite{" in txt.read_text()
    # one that contradicts the extension is refused before any work, as is a .bib name (the
    # bibliography is written beside the draft under that very name)
    for args, needle in (
        (["--out", str(tmp_path / "x.tex"), "--format", "md"], "--format md"),
        (["--out", str(tmp_path / "x.md"), "--format", "latex"], "--format latex"),
        (["--out", str(tmp_path / "x.bib")], "--out"),
    ):
        refused = runner.invoke(app, ["draft", TOPIC, *args])
        assert refused.exit_code == 2, args
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], refused.stderr
        assert not list(tmp_path.glob("x.*"))


@pytest.mark.parametrize("words", ["0", "-5", "100000"])
def test_words_out_of_range_is_refused_in_one_line(
    shared_sample_library: Library, words: str
) -> None:
    # found by a tester: --words 0 and --words -5 were taken (exit 0), unlike --k 0
    for extra in ([], ["--outline-only"]):
        result = runner.invoke(app, ["draft", TOPIC, "--words", words, *extra])
        assert result.exit_code == 2, (words, extra)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("litreview: --words must be"), lines


def test_words_offline_says_it_is_not_used(shared_sample_library: Library) -> None:
    given = runner.invoke(app, ["draft", TOPIC, "--words", "80"])
    assert given.exit_code == 0
    assert "--words only sets a model's paragraph length" in given.stderr
    default = runner.invoke(app, ["draft", TOPIC])
    assert "--words" not in default.stderr


def test_a_topic_that_starts_with_a_lower_case_abbreviation_keeps_it(
    shared_sample_library: Library,
) -> None:
    # "sEMG intent detection" was headed "SEMG intent detection"
    data = _draft("sEMG intent detection")
    assert data["themes"][0]["name"] == "sEMG intent detection"
    assert data["themes"][0]["paragraph"].startswith("Work on sEMG intent detection includes ")
