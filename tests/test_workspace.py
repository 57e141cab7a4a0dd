"""The core service under every front end: one reading of filters, settings passed not leaked."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.library import Library
from assistant.settings import Settings, load_settings
from assistant.workspace import Workspace, search_filters
from tests.test_tui import _drive, _until

runner = CliRunner()

# (year, author, category): each narrows the sample library differently
FILTER_CASES = [
    ("2022..", None, None),
    ("..2024", None, None),
    ("2022..2024", None, None),
    (None, None, "CR"),
    (None, "Wang", None),
    ("2024", "Li", "cs.CR"),
]


def _cli_keys(year: str | None, author: str | None, category: str | None) -> list[str]:
    args = ["library", "--json"]
    for flag, value in (("--year", year), ("--author", author), ("--category", category)):
        if value:
            args += [flag, value]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return [paper["key"] for paper in json.loads(result.stdout)]


def _tui_keys(year: str | None, author: str | None, category: str | None) -> list[str]:
    from textual.widgets import DataTable, Input

    from assistant.tui.app import LitreviewApp

    app_ = LitreviewApp(offline=True)
    keys: list[str] = []

    async def script(pilot) -> None:  # noqa: ANN001
        app_.action_tab("library")
        for selector, value in (
            ("#filter-year", year),
            ("#filter-author", author),
            ("#filter-category", category),
        ):
            app_.query_one(selector, Input).value = value or ""
        table = app_.query_one("#papers", DataTable)
        await _until(pilot, lambda: hasattr(app_, "all_papers"))
        app_.filter_changed()
        await pilot.pause(0.1)
        keys.extend(str(row.value) for row in table.rows)

    _drive(app_, script)
    return keys


@pytest.mark.parametrize(("year", "author", "category"), FILTER_CASES)
def test_the_same_filters_give_the_same_papers_in_core_cli_and_tui(
    sample_library: Library, year: str | None, author: str | None, category: str | None
) -> None:
    everything = {p.key for p in sample_library.papers()}
    core = [p.key for p in Workspace.open().papers(search_filters(year, [author], [category]))]
    assert core and set(core) < everything  # the filter narrows, and something is left
    assert _cli_keys(year, author, category) == core
    assert sorted(_tui_keys(year, author, category)) == sorted(core)
    papers = {p.key: p for p in sample_library.papers()}
    if year == "2022..":
        assert all(papers[k].year and papers[k].year >= 2022 for k in core)
        assert any(p.year and p.year < 2022 for p in papers.values())
    if year == "..2024":
        assert all(papers[k].year and papers[k].year <= 2024 for k in core)


def test_blank_filter_inputs_filter_nothing(sample_library: Library) -> None:
    every = Workspace.open().papers(search_filters("", ["", " "], [""], []))
    assert len(every) == len(sample_library.papers())


def test_data_dir_is_passed_and_its_config_file_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "config.toml").write_text("answer_k = 5\n[retrieval]\nrrf_k = 17\n")
    settings = Settings(data_dir=elsewhere)
    assert settings.answer_k == 5 and settings.retrieval.rrf_k == 17
    assert load_settings().answer_k == 8  # the environment's data dir has no config
    before = os.environ["LITREVIEW_DATA_DIR"]
    result = runner.invoke(app, ["--data-dir", str(elsewhere), "config", "show", "--json"])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["data_dir"] == str(elsewhere.resolve())
    assert shown["config_file"] == str(elsewhere.resolve() / "config.toml")
    assert os.environ["LITREVIEW_DATA_DIR"] == before  # passed, not written into the env


def test_cache_dir_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITREVIEW_CACHE_DIR", str(tmp_path / "models"))
    assert load_settings().cache_dir == tmp_path / "models"
    result = runner.invoke(app, ["config", "show", "--json"])
    assert json.loads(result.stdout)["cache_dir"] == str(tmp_path / "models")
