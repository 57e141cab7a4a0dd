"""The offline eval suite gates CI: it passes on the landed code, fails when verification is off,
names stale fixtures, and records fresh replies from an endpoint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.evaluation.cases import default_evals_dir, load_suite
from assistant.evaluation.runner import EvalRunner, prepare_library
from tests.openai_server import ScriptedOpenAI, Step

runner = CliRunner()

METRICS = (
    "recall_at_k",
    "ndcg_at_10",
    "citation_precision",
    "citation_recall",
    "hallucination_catch_rate",
    "refusal_accuracy",
    "draft_coverage",
)


@pytest.fixture(scope="module")
def eval_library_dir(sample_library_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample library plus the planted records, as `litreview eval` builds it."""
    data = tmp_path_factory.mktemp("eval") / "eval-library"
    shutil.copytree(sample_library_dir, data)
    (data / "history.db").unlink(missing_ok=True)
    prepare_library(data, load_suite())
    return data


@pytest.fixture
def eval_data_dir(eval_library_dir: Path, isolated_env: Path) -> Path:
    shutil.copytree(eval_library_dir, isolated_env / "eval-library")
    return isolated_env


def test_eval_passes_on_the_landed_code(eval_data_dir: Path) -> None:
    result = runner.invoke(app, ["eval", "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0, (report["failures"], report["below_threshold"])
    assert report["cases"] >= 40
    assert set(METRICS) <= set(report["metrics"])
    assert report["metrics"]["hallucination_catch_rate"] == 1.0
    assert report["metrics"]["refusal_accuracy"] >= 0.9


def test_the_suite_has_teeth_without_citation_verification(eval_library_dir: Path) -> None:
    library = prepare_library(eval_library_dir, load_suite())
    report = EvalRunner(library, load_suite(), verify_citations=False).run()
    assert not report.ok
    failing = {item["metric"] for item in report.below_threshold}
    assert {"hallucination_catch_rate", "citation_precision"} <= failing


def test_a_stale_fixture_names_the_case_to_rerecord(eval_data_dir: Path, tmp_path: Path) -> None:
    evals = tmp_path / "evals"
    shutil.copytree(default_evals_dir(), evals)
    recording = evals / "responses" / "a01.json"
    data = json.loads(recording.read_text())
    data[0]["prompt_hash"] = "0" * 16
    recording.write_text(json.dumps(data))
    result = runner.invoke(app, ["eval", "--json", "--cases", str(evals)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["stale_fixtures"] == ["a01"]
    reason = next(f["reason"] for f in report["failures"] if f["case"] == "a01")
    assert "re-record case a01" in reason and "litreview eval --record" in reason


def test_record_writes_fresh_replies_from_the_endpoint(
    eval_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evals = tmp_path / "evals"
    shutil.copytree(default_evals_dir(), evals)
    for path in (evals / "responses").glob("q*.json"):
        path.unlink()
    assert runner.invoke(app, ["eval", "--record"]).exit_code == 2  # no endpoint configured
    with ScriptedOpenAI(default=Step(reply="The library does not answer this question.")) as s:
        monkeypatch.setenv("OPENAI_BASE_URL", s.base_url)
        result = runner.invoke(app, ["eval", "--json", "--record", "--cases", str(evals)])
    report = json.loads(result.stdout)
    suite = load_suite(evals)
    # every question reaches the model; refusals with no relevant evidence abstain before it
    recorded = set(report["recorded"])
    assert {c.id for c in suite.questions} <= recorded
    assert recorded <= {c.id for c in suite.questions + suite.refusals}
    assert (evals / "responses" / "q01.json").is_file()
    # a model that refuses everything fails the gate: the questions were answerable
    assert result.exit_code == 1
    assert report["metrics"]["refusal_accuracy"] < 0.6
