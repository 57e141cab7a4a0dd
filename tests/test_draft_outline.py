"""The outline step of `draft`: plan the themes and their papers, edit them (rename a theme,
move a paper, remove one), then write the paragraphs from the edited outline; in the core, on
the command line (`--outline-only`, `--outline-out`, `--outline FILE`) and in the TUI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.draft import (
    REMOVED_IN_OUTLINE,
    THEME_NAME_CHARS,
    Drafter,
    Outline,
    outline_from_dict,
    to_markdown,
)
from assistant.errors import UsageError
from assistant.library import Library

runner = CliRunner()
TOPIC = "numerical data formats for low-bit quantization"  # two themes on the sample corpus
# its offline outline: theme 1 holds the integer-format papers, theme 2 the LLM-era formats
FIRST = ["anon2020hawqv3", "guo2022ant", "guo2022squant", "li2022efficient", "anon2024accurateb"]
SECOND = ["anon2024accurate", "anon2024bitmod", "anon2025elutq", "anon2025int", "anon2026arcquant"]
MOVED, REMOVED = "anon2024bitmod", "guo2022ant"


def _without_seconds(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "seconds"}


def _cited(text: str) -> set[str]:
    return set(re.findall(r"@([A-Za-z0-9_:\-]+)", text))


# -- the core -------------------------------------------------------------------------------------
def test_the_plan_has_themes_and_papers_but_no_paragraphs_and_writing_it_is_the_one_go_draft(
    shared_sample_library: Library,
) -> None:
    drafter = Drafter(shared_sample_library)
    plan = drafter.plan(TOPIC)
    assert [t.keys for t in plan.themes] == [FIRST, SECOND]
    assert [t.name for t in plan.themes] == ["DNN and integer", "Perplexity and NVFP4"]
    assert all(not t.paragraph and not t.sentences for t in plan.themes)
    assert len(plan.papers) == 10
    assert plan.removed == [] and plan.borderline and plan.queries
    once = drafter.draft(TOPIC)
    written = drafter.write(plan)
    assert _without_seconds(written.as_dict()) == _without_seconds(once.as_dict())
    assert to_markdown(written, "r.bib") == to_markdown(once, "r.bib")
    # and through its JSON form, as --outline-only writes it and --outline reads it back
    again = drafter.write(outline_from_dict(json.loads(json.dumps(plan.as_dict())),
                                            shared_sample_library))  # fmt: skip
    assert _without_seconds(again.as_dict()) == _without_seconds(once.as_dict())


def test_an_edited_outline_is_written_with_its_names_moves_and_removals(
    shared_sample_library: Library,
) -> None:
    drafter = Drafter(shared_sample_library)
    plan = drafter.plan(TOPIC)
    edited = plan.edited(
        [
            ("Integer formats", [k for k in FIRST if k != REMOVED] + [MOVED]),
            ("Formats for LLMs", [k for k in SECOND if k != MOVED]),
        ]
    )
    assert edited.removed == [REMOVED] and plan.removed == []  # the plan itself is unchanged
    # a moved paper takes its place in the theme's order (surveys, then by year)
    assert edited.themes[0].keys == ["anon2020hawqv3", "guo2022squant", "li2022efficient",
                                     "anon2024accurateb", MOVED]  # fmt: skip
    draft = drafter.write(edited)
    assert [t.name for t in draft.themes] == ["Integer formats", "Formats for LLMs"]
    assert MOVED in draft.themes[0].keys and MOVED in _cited(draft.themes[0].paragraph)
    assert MOVED not in _cited(draft.themes[1].paragraph)
    coverage = draft.coverage()
    assert REMOVED not in coverage["cited_keys"] and REMOVED not in draft.candidates
    left = {item["key"]: item["reason"] for item in coverage["left_out"]}
    assert left == {REMOVED: REMOVED_IN_OUTLINE}
    assert coverage["candidates"] == 9 and len(coverage["cited_keys"]) == 9
    # offline, a theme the user named leads with that name, not with terms mined afresh
    assert draft.themes[0].paragraph.startswith("Work on integer formats includes ")
    assert draft.themes[1].paragraph.startswith("Work on formats for LLMs includes ")


def test_a_theme_renamed_to_words_its_papers_do_not_bear_out_still_has_a_lead(
    shared_sample_library: Library,
) -> None:
    plan = Drafter(shared_sample_library).plan(TOPIC)
    edited = plan.edited([("Reading list for Monday", FIRST), ("Formats for LLMs", SECOND)])
    draft = Drafter(shared_sample_library).write(edited)
    assert draft.themes[0].name == "Reading list for Monday"
    first = draft.themes[0].paragraph.split("\n")[0]
    # none of the papers is about the user's words: the lead says what two or more are about
    # (with their titles in it, the sentence held for any words)
    assert first.startswith("Work on ") and "Monday" not in first
    assert len(_cited(first)) >= 2
    assert draft.themes[1].paragraph.startswith("Work on formats for LLMs includes ")


def test_edits_are_checked_and_each_refusal_names_its_field(shared_sample_library: Library) -> None:
    plan = Drafter(shared_sample_library).plan(TOPIC)

    def refused(themes: list[tuple[Any, Any]]) -> str:
        with pytest.raises(UsageError) as caught:
            plan.edited(themes)
        return str(caught.value)

    assert refused([("A", FIRST + ["nosuchkey"]), ("B", SECOND)]).startswith(
        "themes[0].keys[5]: 'nosuchkey' is not one of the outline's candidates"
    )
    assert refused([("A", FIRST), ("B", SECOND + [FIRST[0]])]).startswith(
        f"themes[1].keys[5]: '{FIRST[0]}' is already in themes[0]; a paper belongs to one theme"
    )
    assert refused([("A", FIRST + FIRST[:1])]).startswith("themes[0].keys[5]: ")
    assert refused([("Same", FIRST), ("same", SECOND)]).startswith(
        "themes[1].name: 'same' already names themes[0]"
    )
    assert refused([("[]<>`", FIRST)]) == "themes[0].name: empty; a theme needs a name"
    assert refused([("A", []), ("B", [])]) == "themes: no paper is left in the outline"
    # an empty theme is dropped; its papers, listed nowhere, are removed
    kept = plan.edited([("Empty", []), ("B", SECOND)])
    assert [t.name for t in kept.themes] == ["B"] and sorted(kept.removed) == sorted(FIRST)
    # names are plain text, capped: no markup, escape sequences or line breaks
    name = "**Bold** [@fake2020] <b>x</b>\n# \x1b[31mred\x1b[0m `code` \\emph{e} " + "y" * 200
    clean = plan.edited([(name, FIRST)]).themes[0].name
    assert clean.startswith("Bold bx/b # red code e y")  # the citation goes whole
    assert len(clean) == THEME_NAME_CHARS
    assert not set("[]<>`@\\\n\x1b") & set(clean)


def test_an_outline_file_with_unknown_fields_is_refused(shared_sample_library: Library) -> None:
    data = Drafter(shared_sample_library).plan(TOPIC).as_dict()
    for change, field in [
        (lambda d: d.update(bogus=1), "bogus: unknown field"),
        (lambda d: d["themes"][0].update(title="x"), "themes[0].title: unknown field"),
        (lambda d: d["coverage"].update(extra=[]), "coverage.extra: unknown field"),
        (lambda d: d["candidates"][0].update(key="nosuchkey"), "candidates[0].key: 'nosuchkey'"),
        (lambda d: d.update(format="v0"), "format: expected 'litreview-outline/1'"),
        (lambda d: d["themes"][1].pop("keys"), "themes[1].keys: missing"),
    ]:
        edited = json.loads(json.dumps(data))
        change(edited)
        with pytest.raises(UsageError) as caught:
            outline_from_dict(edited, shared_sample_library)
        assert str(caught.value).startswith(field), str(caught.value)


# -- the command line -----------------------------------------------------------------------------
def test_cli_round_trip_outline_edit_and_write(
    shared_sample_library: Library, tmp_path: Path
) -> None:
    planned = runner.invoke(app, ["draft", TOPIC, "--outline-only", "--json"])
    assert planned.exit_code == 0, planned.stderr
    outline = json.loads(planned.stdout)
    assert [t["keys"] for t in outline["themes"]] == [FIRST, SECOND]
    assert "paragraph" not in planned.stdout and "writing paragraph" not in planned.stderr
    outline["themes"][0]["name"] = "Integer formats for quantization"
    outline["themes"][0]["keys"].remove(REMOVED)
    outline["themes"][1]["keys"].remove(MOVED)
    outline["themes"][0]["keys"].append(MOVED)
    path = tmp_path / "outline.json"
    path.write_text(json.dumps(outline, indent=2))
    out = tmp_path / "rw.md"
    result = runner.invoke(app, ["draft", TOPIC, "--outline", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    sections = dict(re.findall(r"### (.+)\n\n(.+)\n", text))
    assert list(sections) == ["Integer formats for quantization", "Perplexity and NVFP4"]
    assert MOVED in _cited(sections["Integer formats for quantization"])
    assert MOVED not in _cited(sections["Perplexity and NVFP4"])
    # the renamed theme leads with its new name; the one kept as planned does not change
    assert sections["Integer formats for quantization"].startswith(
        "Work on integer formats for quantization includes "
    )
    assert outline["themes"][1]["planned_name"] == "Perplexity and NVFP4"
    assert REMOVED not in _cited(text)
    assert REMOVED not in out.with_suffix(".bib").read_text()
    assert f"left out {REMOVED}: removed in the outline" in result.stderr
    assert "Coverage: 9/9 candidate papers cited" in result.stderr
    # the same edit as JSON: the removed paper is listed in the coverage report
    data = json.loads(runner.invoke(app, ["draft", TOPIC, "--outline", str(path), "--json"]).stdout)
    assert {i["key"]: i["reason"] for i in data["coverage"]["left_out"]} == {
        REMOVED: "removed in the outline"
    }
    assert data["themes"][0]["name"] == "Integer formats for quantization"
    assert MOVED in data["themes"][0]["keys"] and REMOVED not in data["coverage"]["cited_keys"]


def test_cli_outline_out_saves_json_and_prints_a_readable_outline(
    shared_sample_library: Library, tmp_path: Path
) -> None:
    path = tmp_path / "plan.json"
    result = runner.invoke(app, ["draft", TOPIC, "--outline-out", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"## Outline: {TOPIC}\n\n### 1. DNN and integer\n\n")
    assert "- guo2022ant: ANT: Exploiting Adaptive Numerical Data Type" in result.stdout
    assert "### 2. Perplexity and NVFP4" in result.stdout
    assert f"wrote {path}" in result.stderr and f"--outline {path}" in result.stderr
    saved = json.loads(path.read_text())
    assert saved["format"] == "litreview-outline/1" and saved["topic"] == TOPIC
    again = runner.invoke(app, ["draft", TOPIC, "--outline-out", str(path)])
    assert again.exit_code == 2 and "exists; use --force" in again.stderr
    # unedited, it writes the draft the one-go command writes
    one_go = runner.invoke(app, ["draft", TOPIC])
    from_file = runner.invoke(app, ["draft", TOPIC, "--outline", str(path)])
    assert from_file.exit_code == 0 and from_file.stdout == one_go.stdout


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("d['themes'][0]['keys'].append('nosuchkey')",
         "themes[0].keys[5]: 'nosuchkey' is not one of the outline's candidates"),
        ("d['themes'][1]['keys'].append('guo2022ant')",
         "themes[1].keys[5]: 'guo2022ant' is already in themes[0]"),
        ("d['themes'][0]['nmae'] = 'x'", "themes[0].nmae: unknown field"),
        ("d['themes'][0]['name'] = 3", "themes[0].name: expected text"),
        ("d['topic'] = 'KV cache compression'",
         f"topic: the outline is for 'KV cache compression', not '{TOPIC}'"),
    ],
)  # fmt: skip
def test_a_bad_outline_file_is_one_line_naming_the_file_and_the_field(
    shared_sample_library: Library, tmp_path: Path, edit: str, message: str
) -> None:
    planned = runner.invoke(app, ["draft", TOPIC, "--outline-only", "--json"])
    d = json.loads(planned.stdout)
    exec(edit)  # noqa: S102 - the edit a user makes by hand
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    result = runner.invoke(app, ["draft", TOPIC, "--outline", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"litreview: {path}: {message}"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_outline_file_and_option_errors(shared_sample_library: Library, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "litreview-outline/1",\n  "themes": [\n')
    cases = [
        (["--outline", str(broken)], 2, f"{broken}:3: not JSON"),
        (["--outline", str(tmp_path / "none.json")], 2, "none.json: no such file"),
        (["--outline", str(broken), "--outline-only"], 2, "--outline writes from one"),
        (["--outline", str(broken), "--exclude", "guo2022ant"], 2, "edit the outline file"),
        (["--outline", str(broken), "--year", "2024"], 2, "edit the outline file"),
        (["--outline-only", "--out", str(tmp_path / "x.md")], 2, "--outline-out FILE"),
    ]
    for args, code, message in cases:
        result = runner.invoke(app, ["draft", TOPIC, *args])
        assert result.exit_code == code and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_with_a_model_the_outline_comes_first_and_its_edits_reach_the_paragraph_prompts(
    shared_sample_library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.openai_server import Step, use_server
    from tests.test_draft_llm import _faithful, _kind, _papers, _server

    with _server(lambda body: Step(reply=_faithful(body))) as server:
        use_server(monkeypatch, server, LITREVIEW_VERIFY="local", LITREVIEW_LLM_MAX_RETRIES="0")
        planned = runner.invoke(app, ["draft", TOPIC, "--outline-only", "--json"])
        assert planned.exit_code == 0, planned.stderr
        # planning asks for facets and theme names, never a paragraph
        assert [_kind(r["body"]) for r in server.requests] == ["facets", "outline"]
        outline = json.loads(planned.stdout)
        assert outline["planned_by"] == "llm" and outline["model"] == "scripted-model"
        assert [t["name"] for t in outline["themes"]] == ["Model theme 2", "Model theme 1"]
        first = outline["themes"][0]
        first["name"] = "Renamed by the author"
        gone = first["keys"].pop()
        path = tmp_path / "outline.json"
        path.write_text(json.dumps(outline))
        server.requests.clear()
        result = runner.invoke(app, ["draft", TOPIC, "--outline", str(path), "--json"])
        assert result.exit_code == 0, result.stderr
        bodies = [r["body"] for r in server.requests]
    assert [_kind(b) for b in bodies] == ["paragraph", "paragraph"]  # no planning again
    prompt = bodies[0]["messages"][-1]["content"]
    assert 'for the theme "Renamed by the author"' in prompt
    assert [k for k, _ in _papers(bodies[0])] == first["keys"]  # the removed paper is not sent
    assert all(gone not in [k for k, _ in _papers(b)] for b in bodies)
    data = json.loads(result.stdout)
    assert data["mode"] == "llm" and data["themes"][0]["name"] == "Renamed by the author"
    assert data["themes"][0]["written_by"] == "llm" and gone not in data["coverage"]["cited_keys"]
    left = {item["key"]: item["reason"] for item in data["coverage"]["left_out"]}
    assert left[gone] == "removed in the outline"


# -- the terminal UI ------------------------------------------------------------------------------
def test_tui_plans_the_outline_edits_it_and_writes_the_draft(sample_library: Library) -> None:
    from textual.widgets import Markdown

    from assistant.tui.app import LitreviewApp
    from assistant.tui.screens.outline_edit import MoveScreen, RenameScreen
    from assistant.tui.widgets.outline_tree import OutlineTree
    from tests.test_tui import _drive, _until

    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f4")
        assert "ctrl+o" in app.screen.active_bindings  # shown in the footer
        await pilot.press(*TOPIC, "ctrl+o")
        tree = app.query_one("#outline", OutlineTree)
        await _until(pilot, lambda: tree.outline is not None, seconds=60)
        assert app.focused is tree and app.draft_result is None
        assert [t.keys for t in tree.outline.themes] == [FIRST, SECOND]
        assert not app.query_one("#draft-scroll").display  # no paragraph before the outline
        status = str(app.query_one("#draft-status").render())
        assert "Outline: 2 themes, 10 papers" in status and "w write the draft" in status
        assert {"r", "m", "x", "w"} <= set(app.screen.active_bindings)  # the footer's keys
        # the first line is the first theme: rename it
        await pilot.press("r")
        await _until(pilot, lambda: isinstance(app.screen, RenameScreen))
        await pilot.press("ctrl+u", *"Integer formats [b]bold[/b]", "enter")
        await _until(pilot, lambda: tree.outline.themes[0].name == "Integer formats bbold/b")
        # the third line is the first theme's second paper (guo2022ant): remove it
        await pilot.press("down", "down")
        assert tree.paper_key() == REMOVED
        await pilot.press("x")
        await pilot.pause(0.1)
        assert tree.outline.removed == [REMOVED]
        assert "1 removed" in str(app.query_one("#draft-status").render())
        # move a paper of the second theme into the first
        tree.cursor_line = len(FIRST) + 1  # theme 1, its 6 papers left, theme 2, its 1st
        assert tree.paper_key() == SECOND[0]
        tree.cursor_line += 1
        assert tree.paper_key() == MOVED
        await pilot.press("m")
        await _until(pilot, lambda: isinstance(app.screen, MoveScreen))
        await pilot.press("enter")  # the only other theme is offered first
        await _until(pilot, lambda: MOVED in tree.outline.themes[0].keys)
        assert tree.paper_key() == MOVED  # the cursor follows the paper
        await pilot.press("w")
        await _until(pilot, lambda: app.draft_result is not None, seconds=60)
        draft = app.draft_result
        shown = app.query_one("#draft-text", Markdown).source
        assert "### Integer formats bbold/b" in shown and "### Perplexity and NVFP4" in shown
        assert REMOVED not in draft.cited and REMOVED not in _cited(shown)
        assert MOVED in draft.themes[0].keys and MOVED in draft.cited
        assert f"left out: {REMOVED} (removed in the outline)" in shown
        assert app.query_one("#draft-scroll").display and tree.display  # both, to edit again
        status = str(app.query_one("#draft-status").render())
        assert "extractive draft: 2 themes, 9 papers cited" in status

    _drive(app, script)


def test_tui_outline_shows_titles_and_names_as_plain_text(sample_library: Library) -> None:
    from assistant.tui.app import LitreviewApp
    from assistant.tui.widgets.outline_tree import OutlineTree
    from tests.test_tui import _drive

    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        plan: Outline = app.workspace.plan_draft(TOPIC)
        key = plan.themes[0].keys[0]
        plan.papers[key] = plan.papers[key].model_copy(
            update={"title": "[bold red]Loud[/] \x1b[31mtitle"}
        )
        plan.themes[0].name = "[link=http://x]Theme[/link]"  # as a model might name it
        await pilot.press("f4")
        app.draft_tab.show_outline(plan)
        tree = app.query_one("#outline", OutlineTree)
        await pilot.pause(0.1)
        theme = tree.root.children[0]
        assert str(theme.label) == "1. [link=http://x]Theme[/link]  (5 papers)"
        paper = str(theme.children[0].label)
        assert paper == f"{key}  [bold red]Loud[/] title ({plan.papers[key].year})"

    _drive(app, script)


def test_a_theme_name_loses_its_citations_whole() -> None:
    # renamed "Integer-only **quantization** [@guo2022ant]", the heading read "Integer-only
    # quantization guo2022ant" and the lead "Work on integer-only quantization guo2022ant ..."
    from assistant.draft import clean_theme_name

    assert clean_theme_name("Integer-only **quantization** [@guo2022ant]") == (
        "Integer-only quantization"
    )
    assert clean_theme_name("KV caches, after @he2025treekv") == "KV caches, after"
