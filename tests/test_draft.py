"""`draft`: offline extractive drafts and model-written ones over real HTTP, with a .bib beside."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import bibtexparser
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.library import Library
from tests.openai_server import ScriptedOpenAI, Step

runner = CliRunner()
TOPIC = "privacy-preserving neural network inference"


def _cited_keys(text: str) -> set[str]:
    return set(re.findall(r"@([A-Za-z0-9_:\-]+)", text))


def _latex_keys(text: str) -> set[str]:
    return {k for group in re.findall(r"\\cite\{([^}]*)\}", text) for k in group.split(",")}


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip() and not p.lstrip().startswith(("#", "<!--"))]


@pytest.mark.parametrize("fmt", ["md", "latex"])
def test_offline_draft_writes_paragraphs_and_matching_bib(
    shared_sample_library: Library, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / ("rw.md" if fmt == "md" else "rw.tex")
    result = runner.invoke(app, ["draft", TOPIC, "--out", str(out), "--format", fmt])
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    keys = _cited_keys(text) if fmt == "md" else _latex_keys(text)
    body = [p for p in _paragraphs(text) if not p.startswith(("\\section", "\\subsection", "%"))]
    substantial = [p for p in body if len(p.split()) >= 80]
    assert len(substantial) >= 2
    assert len(keys) >= 5
    library_keys = {p.key for p in shared_sample_library.papers()}
    assert keys <= library_keys
    bib = bibtexparser.parse_string(out.with_suffix(".bib").read_text())
    assert not bib.failed_blocks
    assert {e.key for e in bib.entries} == keys
    assert "Extractive" in text and "Coverage:" in result.stderr


def test_offline_draft_json_reports_coverage(shared_sample_library: Library) -> None:
    result = runner.invoke(app, ["draft", TOPIC, "--json"])
    data = json.loads(result.stdout)
    assert data["mode"] == "extractive" and len(data["themes"]) >= 2
    coverage = data["coverage"]
    assert coverage["cited"] == len(coverage["cited_keys"]) >= 5
    assert coverage["candidates"] == coverage["cited"] + len(coverage["left_out"])


def _responder(fail_after: int | None = None, judge: str | None = None) -> Any:
    calls = {"paragraphs": 0}

    def respond(body: dict[str, Any]) -> Step:
        prompt = body["messages"][-1]["content"]
        if "CLAIM:" in prompt:  # the verification pass
            if judge is None:
                return Step(status=500)
            return Step(reply=judge.format(count=len(re.findall(r"^\d+\. CLAIM:", prompt, re.M))))
        if "Group 1:" in prompt:
            groups = re.findall(r"^Group (\d+):", prompt, re.MULTILINE)
            lines = [f"Group {g}: Theme number {g}" for g in reversed(groups)]
            return Step(reply="\n".join(lines))
        calls["paragraphs"] += 1
        if fail_after is not None and calls["paragraphs"] > fail_after:
            return Step(status=500)
        papers = re.findall(r'<paper key="([^"]+)">.*?abstract: (.*?)\n</paper>', prompt, re.S)
        sentences = [f"{abstract.split('. ')[0].rstrip('.')} [@{key}]." for key, abstract in papers]
        sentences.append("This line cites a paper that does not exist [@ghost2099nothing].")
        return Step(reply=" ".join(sentences))

    return respond


def test_model_draft_verifies_citations_and_orders_themes(
    shared_sample_library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedOpenAI(responder=_responder()) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["draft", TOPIC, "--json", "--out", str(tmp_path / "d.md")])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "llm"
    names = [t["name"] for t in data["themes"]]
    assert names == [f"Theme number {n}" for n in range(len(names), 0, -1)]
    rejected = data["coverage"]["rejected_citations"]
    assert {r["key"] for r in rejected} == {"ghost2099nothing"}
    assert all(r["reason"] == "unknown_key" for r in rejected)
    text = (tmp_path / "d.md").read_text()
    assert "ghost2099nothing" not in text
    bib = bibtexparser.parse_string((tmp_path / "d.bib").read_text())
    assert {e.key for e in bib.entries} == _cited_keys(text)


def test_model_judge_checks_the_whole_draft_in_one_call(
    shared_sample_library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge = '1: CONTRADICTED "the abstract says otherwise"\n2: SUPPORTED'
    with ScriptedOpenAI(responder=_responder(judge=judge)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        result = runner.invoke(app, ["draft", TOPIC, "--json", "--out", str(tmp_path / "d.md")])
        judge_calls = [
            r for r in server.requests if "CLAIM:" in r["body"]["messages"][-1]["content"]
        ]
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verification"] == "model" and len(judge_calls) == 1
    assert data["usage"]["total_tokens"] > 0
    first = judge_calls[0]["body"]["messages"][-1]["content"]
    rejected_key = re.search(r"^1\. CLAIM: .*\n\s*PAPER @(\S+)", first, re.M).group(1)
    judged = [r for r in data["coverage"]["rejected_citations"] if r["reason"] == "judge"]
    assert [(r["key"], r["verdict"]) for r in judged] == [(rejected_key, "contradicted")]
    evidence = [e for t in data["themes"] for s in t["sentences"] for e in s["evidence"]]
    assert [e["judge"] for e in evidence if e["judge"]][:2] == ["contradicted", "supported"]
    # the rejected citation is gone from the written draft, its sentence marked unsupported
    assert judged[0]["sentence"] in data["coverage"]["unsupported_sentences"]
    text = " ".join((tmp_path / "d.md").read_text().split())
    sentence = judged[0]["sentence"].rstrip(".")
    assert sentence in text and f"{sentence} [@{rejected_key}" not in text


def test_a_failing_judge_leaves_the_local_verdicts_and_says_so(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedOpenAI(responder=_responder(judge=None)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("LITREVIEW_LLM_MAX_RETRIES", "0")
        result = runner.invoke(app, ["draft", TOPIC, "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verification"] == "model-failed"
    assert "Model verification did not run" in data["note"]
    assert data["coverage"]["cited"] >= 2


def test_failure_mid_draft_keeps_written_paragraphs(
    shared_sample_library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedOpenAI(responder=_responder(fail_after=1)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("LITREVIEW_LLM_MAX_RETRIES", "0")
        result = runner.invoke(app, ["draft", TOPIC, "--json", "--out", str(tmp_path / "d.md")])
    assert result.exit_code == 6
    data = json.loads(result.stdout)
    assert data["incomplete"] and "paragraph 2" in data["problem"]
    assert len(data["themes"]) == 1 and data["themes"][0]["paragraph"]
    assert (tmp_path / "d.md").exists()


def test_given_papers_and_errors(shared_sample_library: Library, tmp_path: Path) -> None:
    keys = [p.key for p in shared_sample_library.papers()[:6]]
    result = runner.invoke(app, ["draft", "hardware", "--papers", ",".join(keys), "--json"])
    data = json.loads(result.stdout)
    assert set(data["coverage"]["cited_keys"]) | {
        x["key"] for x in data["coverage"]["left_out"]
    } == set(keys)
    missing = runner.invoke(app, ["draft", "x", "--papers", "nosuchkey"])
    assert missing.exit_code == 3 and "nosuchkey" in missing.stderr
    off_topic = runner.invoke(app, ["draft", "sourdough bread baking"])
    assert off_topic.exit_code == 2 and "relevant" in off_topic.stderr
