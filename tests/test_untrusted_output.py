"""Model output and library text are untrusted: reasoning blocks, malformed citation tokens,
empty replies and terminal escape sequences never reach the user as they came."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.library import Library
from assistant.llm import ReasoningFilter, strip_reasoning
from tests.openai_server import ScriptedOpenAI, Step, use_server

runner = CliRunner()
QUESTION = "How can two-party secure inference for transformers be made efficient?"
NIMBUS = "li2024nimbus"


def _first_sentence(library: Library) -> str:
    return library.get(NIMBUS).abstract.split(". ")[0].rstrip(".")


def test_reasoning_blocks_are_removed_from_stream_and_text() -> None:
    text = "<think>cite the wrong paper?</think>Answer one. <REASONING>x</REASONING>Two."
    assert strip_reasoning(text) == "Answer one. Two."
    assert strip_reasoning("reasoning without its opening tag</think>Answer.") == "Answer."
    filtered = ReasoningFilter()
    pieces = ["<thi", "nk>secret pl", "an</th", "ink>Vis", "ible <", "b>bold</b>."]
    shown = "".join(filtered.feed(p) for p in pieces) + filtered.flush()
    assert shown == "Visible <b>bold</b>."


def test_reasoning_and_malformed_citations_from_a_model(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _first_sentence(shared_sample_library)
    reply = (
        f"<think>I will cite {NIMBUS} for everything.</think>{first} [@{NIMBUS}]. "
        "Nothing supports this [@]. Nor this [@../../etc/passwd]. "
        f"Or this [@@{NIMBUS}]."
    )
    with ScriptedOpenAI(steps=[Step(reply=reply)]) as server:
        use_server(monkeypatch, server, LITREVIEW_VERIFY="local")
        result = runner.invoke(app, ["ask", QUESTION, "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert "think" not in data["answer"] and "for everything" not in data["answer"]
    assert data["sentences"][0]["citations"] == [NIMBUS]
    malformed = [r for r in data["rejected_citations"] if r["reason"] == "malformed_key"]
    assert [r["key"] for r in malformed] == ["", "../../etc/passwd", f"@{NIMBUS}"]
    assert all(not s["citations"] for s in data["sentences"][1:])


def test_an_empty_reply_shows_the_fallback_it_announces(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedOpenAI(steps=[Step(reply="<think>nothing to say</think>")]) as server:
        use_server(monkeypatch, server, LITREVIEW_VERIFY="local")
        result = runner.invoke(app, ["ask", QUESTION])
    assert result.exit_code == 0, result.stderr
    assert "showing sentences quoted" in result.stdout
    assert "[@" in result.stdout.split("showing sentences quoted")[0]  # the quoted sentences


HOSTILE = {
    "id": "evil1",
    "title": "Red \x1b[31mtitle\x1b[0m with an OSC \x1b]0;pwned\x07 link",
    "authors": ["Mallory \x1b[2J Clear"],
    "abstract": "Bell \x07 and backspace \x08 and CSI \x9b31m inside an abstract.",
}


def test_escape_sequences_never_reach_the_terminal(isolated_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "evil.jsonl"
    source.write_text(json.dumps(HOSTILE) + "\n")
    assert runner.invoke(app, ["ingest", str(source)]).exit_code == 0
    for command in (["show", "evil1"], ["library"], ["search", "red title"], ["library", "--wide"]):
        output = runner.invoke(app, command, env={"COLUMNS": "200"}).stdout
        assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output, command
        assert "\x08" not in output
    shown = runner.invoke(app, ["show", "evil1"]).stdout
    assert "Red title with an OSC link" in " ".join(shown.split())
    # JSON keeps the data as it is (escaped by JSON), for programs
    data = json.loads(runner.invoke(app, ["show", "evil1", "--json"]).stdout)
    assert data["title"] == HOSTILE["title"]
    removed = runner.invoke(app, ["remove", "evil1"]).stdout
    assert "\x1b" not in removed and "\x07" not in removed and "Red title" in removed


MARKUP_LIKE = {
    "id": "brk1",
    "title": r"[Re] Breaking [bold]markup[/bold] titles [/x] for $\mathsf{GELU}$ in BERT$'$s",
    "authors": ["Ada Lovelace"],
    "abstract": r"We study [/x] tags and $2.9\times \sim 12.5\times$ speedups in tables.",
}


def test_titles_are_shown_as_written_not_read_as_markup_and_latex_is_read(
    isolated_env: Path, tmp_path: Path
) -> None:
    # rich read "[/x]" in a title as a closing tag and the search table failed; LaTeX in
    # titles and abstracts was shown raw in the CLI while the TUI showed it as a reader sees it
    source = tmp_path / "brackets.jsonl"
    source.write_text(json.dumps(MARKUP_LIKE) + "\n")
    assert runner.invoke(app, ["ingest", str(source)]).exit_code == 0
    title = "[Re] Breaking [bold]markup[/bold] titles [/x] for GELU in BERT's"
    for command in (["library", "--wide"], ["search", "breaking markup titles", "--wide"],
                    ["show", "brk1"]):  # fmt: skip
        result = runner.invoke(app, command, env={"COLUMNS": "250"})
        assert result.exit_code == 0, (command, result.stderr)
        assert title in " ".join(result.stdout.split()), (command, result.stdout)
    shown = " ".join(runner.invoke(app, ["show", "brk1"]).stdout.split())
    assert "We study [/x] tags and 2.9x ~ 12.5x speedups" in shown


def test_output_files_are_not_overwritten_without_force(
    shared_sample_library: Library, tmp_path: Path
) -> None:
    out = tmp_path / "refs.bib"
    out.write_text("precious")
    result = runner.invoke(app, ["export", "--format", "bibtex", "--out", str(out)])
    assert result.exit_code == 2 and "exists" in result.stderr and "--force" in result.stderr
    assert out.read_text() == "precious"
    result = runner.invoke(app, ["export", "--format", "bibtex", "--out", str(out), "--force"])
    assert result.exit_code == 0 and out.read_text().startswith("@")
    draft = tmp_path / "rw.md"
    (tmp_path / "rw.bib").write_text("precious too")
    result = runner.invoke(app, ["draft", "secure inference", "--out", str(draft)])
    assert result.exit_code == 2 and "rw.bib" in result.stderr
    assert not draft.exists() and (tmp_path / "rw.bib").read_text() == "precious too"
    missing = tmp_path / "no-such-dir" / "rw.md"
    result = runner.invoke(app, ["draft", "secure inference", "--out", str(missing)])
    assert result.exit_code == 2 and "no-such-dir" in result.stderr


def test_only_regular_files_are_read(isolated_env: Path, tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.bib"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["ingest", str(fifo)])  # would block forever if opened
    assert result.exit_code == 2 and "not a regular file" in result.stderr
    result = runner.invoke(app, ["ingest", "/dev/zero", "--format", "csv"])
    assert result.exit_code == 2 and "not a regular file" in result.stderr


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"title": "Lone \\ud800 surrogate", "abstract": "x"}', "lone surrogate"),
        ('{"title": "Big", "abstract": "x", "year": ' + "9" * 5000 + "}", "too long"),
        ('{"id": {"a": 1}, "title": "Key as object", "abstract": "x"}', "id must be"),
        ('{"title": ["a", "list"], "abstract": "x"}', "title must be text"),
    ],
    ids=["deep", "surrogate", "huge-int", "object-key", "list-title"],
)
def test_hostile_jsonl_lines_are_refused_with_their_line(
    isolated_env: Path, tmp_path: Path, line: str, message: str
) -> None:
    source = tmp_path / "hostile.jsonl"
    good = json.dumps({"id": "ok1", "title": "A fine record", "abstract": "Fine."})
    source.write_text(good + "\n" + line + "\n")
    result = runner.invoke(app, ["ingest", str(source)])
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("litreview: hostile.jsonl:2: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    skipped = runner.invoke(app, ["ingest", str(source), "--skip-invalid", "--json"])
    assert skipped.exit_code == 0 and json.loads(skipped.stdout)["papers_after"] == 1


HOSTILE_TITLES = [
    {"id": "good2024nimbus", "title": "Nimbus: Secure two-party inference for transformers",
     "abstract": "We present Nimbus, a two-party inference framework for transformers that cuts "
                 "latency by 3x with a new encoding for matrix multiplication.",
     "authors": ["Li, A", "Yang, K"], "year": 2024},
    {"id": "evil2024foo",
     "title": "Foo [@good2024nimbus]: two-party transformer inference is broken",
     "abstract": "We propose a two-party inference attack on transformers that recovers inputs "
                 "from secure inference protocols.",
     "authors": ["Mallory, M"], "year": 2024},
]  # fmt: skip


def test_a_title_never_puts_a_citation_into_an_answer_or_a_draft(
    isolated_env: Path, tmp_path: Path
) -> None:
    # offline answers and drafts name a paper by its title's head ("Foo [@good2024nimbus]"): the
    # attack paper's sentence came out as 'Foo [@good2024nimbus] [@evil2024foo] proposes "a
    # two-party inference attack ..."', and the check kept both citations
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in HOSTILE_TITLES))
    assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    asked = runner.invoke(
        app, ["ask", "How is two-party transformer inference attacked?", "--json"]
    )
    drafted = runner.invoke(app, ["draft", "two-party transformer inference", "--json"])
    sentences = json.loads(asked.stdout)["sentences"] + [
        s for theme in json.loads(drafted.stdout)["themes"] for s in theme["sentences"]
    ]
    attack = [s for s in sentences if "attack" in s["text"]]
    assert attack, sentences
    for sentence in attack:
        assert sentence["citations"] == ["evil2024foo"], sentence
        assert "[@" not in sentence["text"] and "@good" not in sentence["text"], sentence


def test_an_author_name_never_puts_a_citation_into_prose() -> None:
    from assistant.attribution import short_name
    from assistant.models import Paper

    paper = Paper(
        key="evil2024bar", title="an untitled attack on private inference", year=2024,
        authors=["M. [@good2024nimbus]", "N. Other"], abstract="We attack it.",
    )  # fmt: skip
    assert "@" not in short_name(paper) and "[" not in short_name(paper)
    nobody = Paper(key="x", title="[@good2024nimbus]: {}", authors=["[@a]"], year=2024)
    assert short_name(nobody) == "A 2024 paper"
