"""One Pilot flow per part of the terminal UI (chat, library, draft, history, help), on what
tests/test_tui.py does not already drive: keys and focus, warnings, the year hint, restoring a
reopened session, and the help modal. Also the paper table's filter logic on its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Button, DataTable, Input, Label, Markdown, Static, TabbedContent

from assistant.library import Library
from assistant.settings import load_settings
from assistant.tui.app import HelpScreen, LitreviewApp
from assistant.tui.screens.confirm import ConfirmScreen
from assistant.tui.widgets.answer_view import AnswerView
from assistant.tui.widgets.paper_table import YEAR_HINT, PaperFilter, PaperTable
from tests.test_tui import _drive, _until


def _messages(app: LitreviewApp) -> list[str]:
    return [n.message for n in app._notifications]


async def _ask(pilot, app: LitreviewApp, question: str) -> None:  # noqa: ANN001
    """Type `question` in the Chat tab and wait for its answer."""
    answers = len(app.query(".answer"))
    app.chat_tab.activated()
    await pilot.press(*question, "enter")
    await _until(pilot, lambda: not app.busy and len(app.query(".answer")) == answers + 1)


# -- chat -------------------------------------------------------------------------------------
def test_chat_keys_copy_move_between_markers_and_start_a_new_session(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("ctrl+y")
        assert "No answer to copy yet." in _messages(app)
        await _ask(pilot, app, "secure two-party inference for transformers")
        answer = app.current_view.answer
        assert answer is not None and len(app.current_view.markers) > 1
        await pilot.press("ctrl+y")
        assert app.clipboard == answer.answer
        assert "Answer copied to the clipboard." in _messages(app)
        # `]` moves to the next marker once the focus is out of the question input
        app.set_focus(None)
        first = app.current_view.selected()
        await pilot.press("right_square_bracket")
        second = app.current_view.selected()
        assert second is not None and second != first
        selected = app.query(".source.selected")
        assert len(selected) == 1 and f"@{second[1]}" in str(selected.first().render())
        await pilot.press("left_square_bracket")
        assert app.current_view.selected() == first
        # F3 then F2 comes back to the question input with the answer still there
        await pilot.press("f3", "f2")
        assert app.focused is app.query_one("#question")
        assert len(app.query(".answer")) == 1
        await pilot.press("ctrl+n")
        await pilot.pause(0.1)
        assert app.current_view is None and not app.query(".answer")
        assert app.workspace.session.startswith("tui-")
        assert "new session" in str(app.query_one("#status").render())

    _drive(app, script)


def _highlighted(app: LitreviewApp) -> list[tuple[AnswerView, int]]:
    """The citation markers the transcript draws as selected: (their answer, their number)."""
    found = []
    for view in app.query(AnswerView):
        content = view.content
        assert isinstance(content, Text)
        for span in content.spans:
            if str(span.style) == "bold reverse green":
                found.append((view, int(content.plain[span.start : span.end].strip(" []"))))
    return found


def _marker_and_source(app: LitreviewApp) -> tuple[AnswerView, int]:
    """The one highlighted marker, checked against the sources pane: the pane lists that
    marker's answer's papers and has that marker's paper selected."""
    [(view, number)] = _highlighted(app)
    assert view.answer is not None
    key = view.answer.citations[number - 1].key
    assert len(app.query(".source")) == len(view.answer.citations)
    selected = app.query(".source.selected")
    assert len(selected) == 1
    card = str(selected.first().render())
    assert card.startswith(f"[{number}] ") and f"@{key}" in card
    return view, number


def test_citation_markers_walk_every_answer_and_the_source_follows_the_marker(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    def number(view: AnswerView, marker: int) -> int:
        keys = [citation.key for citation in view.answer.citations]
        return keys.index(view.markers[marker][1]) + 1

    async def walk(pilot) -> None:  # noqa: ANN001
        """From the latest answer's first marker, `]` through every marker of the transcript in
        reading order and round to the start again; `[` goes back."""
        views = list(app.query(AnswerView))
        assert len(views) == 2 and all(view.markers for view in views)
        order = [(view, number(view, m)) for view in views for m in range(len(view.markers))]
        start = len(order) - len(views[-1].markers)
        assert _marker_and_source(app) == order[start]
        app.set_focus(None)
        for step in range(1, len(order) + 1):
            await pilot.press("right_square_bracket")
            assert _marker_and_source(app) == order[(start + step) % len(order)], step
        await pilot.press("left_square_bracket")
        assert _marker_and_source(app) == order[start - 1]

    async def script(pilot) -> None:  # noqa: ANN001
        await _ask(pilot, app, "secure two-party inference for transformers")
        await _ask(pilot, app, "sparse attention accelerators")
        await walk(pilot)
        # the same session reopened from the History tab
        await pilot.press("f5")
        table = app.query_one("#sessions", DataTable)
        table.move_cursor(row=table.get_row_index("tui"))
        await pilot.press("enter")
        await _until(pilot, lambda: app.query_one(TabbedContent).active == "chat")
        await pilot.pause(0.1)
        await walk(pilot)

    _drive(app, script)


# -- library ------------------------------------------------------------------------------------
def test_library_filters_narrow_the_table_and_the_detail_follows_the_cursor(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        table = app.query_one("#papers", DataTable)

        def count() -> str:  # the Library tab's own count line
            return str(app.query_one("#library-count", Static).render())

        await pilot.press("f3")
        assert app.focused is app.query_one("#filter")
        await _until(pilot, lambda: table.row_count == 136)
        assert count() == "136 of 136 papers"
        year = app.query_one("#filter-year", Input)
        year.value = "2022."  # half typed: not read yet, and the subtitle says how to write it
        await pilot.pause(0.2)
        assert table.row_count == 136 and count() == "136 of 136 papers" + YEAR_HINT
        year.value = "2022.."
        await pilot.pause(0.2)
        after_2022 = table.row_count
        assert 0 < after_2022 < 136 and count() == f"{after_2022} of 136 papers"
        shown = {str(row.value) for row in table.rows}
        assert all(p.year and p.year >= 2022 for p in app.all_papers if p.key in shown)
        app.query_one("#filter-category", Input).value = "CR"
        await pilot.pause(0.2)
        assert 0 < table.row_count < after_2022
        # the detail pane shows the paper under the cursor
        table.focus()
        await pilot.press("down", "down")
        await pilot.pause(0.2)
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        paper = sample_library.get(key)
        detail = str(app.query_one("#abstract", Static).render())
        assert paper.title in detail and paper.abstract[:60] in detail
        app.query_one("#filter", Input).value = "no paper has this word xyzzy"
        await pilot.pause(0.2)
        assert table.row_count == 0 and count() == "0 of 136 papers"
        # the detail pane no longer shows a paper the filter left out
        detail = str(app.query_one("#abstract", Static).render())
        assert paper.title not in detail and "No paper matches" in detail

    _drive(app, script)


def test_delete_on_the_library_table_removes_the_paper_after_a_yes(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        table = app.query_one("#papers", PaperTable)
        await pilot.press("f3")
        await _until(pilot, lambda: table.row_count == 136)
        await pilot.press("delete")  # in the filter input Delete edits the text
        assert not isinstance(app.screen, ConfirmScreen)
        table.focus()
        await pilot.press("down")
        key = table.cursor_key()
        # Delete asks as the "Remove selected" button does; No keeps the paper
        await pilot.press("delete")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert f"Remove {key} from the library?" in str(app.screen.query_one(Label).render())
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert app.paper_count == 136 and table.cursor_key() == key
        await pilot.press("delete")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#yes")
        row = table.cursor_coordinate.row
        await _until(pilot, lambda: app.paper_count == 135)
        assert f"Removed {key}." in _messages(app)
        # the cursor stays on the row it was on, so papers can be removed one after another
        assert table.cursor_coordinate.row == row and table.cursor_key() != key
        assert "135 papers" in str(app.query_one("#status", Static).render())
        assert key not in {str(row.value) for row in table.rows}

    _drive(app, script)


def test_the_library_table_shows_papers_in_an_80x24_terminal(sample_library: Library) -> None:
    import asyncio

    app = LitreviewApp()

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(pilot, lambda: app.ready)
            await pilot.press("f3")
            table = app.query_one("#papers", PaperTable)
            await _until(pilot, lambda: table.row_count == 136)
            await pilot.pause(0.1)
            # the abstract pane's fixed 10 rows left the table its header and one blank row
            assert table.region.height - 1 >= 4, table.region
            assert app.query_one("#abstract").region.height >= 4

    asyncio.run(main())


def test_paper_filter_reads_the_inputs_as_the_cli_does(shared_sample_library: Library) -> None:
    papers = shared_sample_library.papers()
    paper = next(p for p in papers if p.year and p.authors and p.categories)
    assert PaperFilter(year=f"{paper.year}.").search_filters() is None
    assert PaperFilter(year="20x").search_filters() is None
    exact = PaperFilter(
        text=f"{paper.key.upper()}  {paper.title.split()[0]}",
        year=str(paper.year),
        author=paper.authors[0].split()[-1],
        category=paper.categories[0],
    )
    assert exact.accepts(paper, exact.search_filters())
    assert not PaperFilter(year=f"..{paper.year - 1}").accepts(
        paper, PaperFilter(year=f"..{paper.year - 1}").search_filters()
    )
    assert not PaperFilter(text=f"{paper.key} xyzzy").accepts(paper, None)


# -- draft --------------------------------------------------------------------------------------
def test_draft_shows_the_paragraphs_and_exports_markdown_with_its_bibliography(
    sample_library: Library, tmp_path: Path
) -> None:
    app = LitreviewApp()
    out = tmp_path / "out" / "related.md"
    out.parent.mkdir()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f4")
        assert app.focused is app.query_one("#topic")
        await pilot.press("enter")
        assert "Type a topic first." in _messages(app)
        await pilot.click("#export-md")
        assert "Write a draft first." in _messages(app)
        await pilot.click("#topic")
        await pilot.press(*"numerical data formats for low-bit quantization", "enter")
        await _until(pilot, lambda: app.draft_result is not None, seconds=60)
        draft = app.draft_result
        assert draft.mode == "extractive" and len(draft.themes) >= 2 and draft.cited
        shown = app.query_one("#draft-text", Markdown).source
        for theme in draft.themes:
            assert f"### {theme.name}" in shown and theme.paragraph in shown
            assert "[@" in theme.paragraph
        assert f"{len(draft.cited)} papers cited" in str(app.query_one("#draft-status").render())
        assert "**Coverage**" in shown
        app.query_one("#export-path", Input).value = str(out)
        await pilot.click("#export-md")
        await pilot.pause(0.2)
        assert f"Wrote {out} and {out.with_suffix('.bib')}." in _messages(app)
        written = out.read_text()
        assert all(theme.paragraph in written for theme in draft.themes)
        bib = out.with_suffix(".bib").read_text()
        assert bib.count("\n@") + bib.startswith("@") == len(draft.cited)
        assert all(f"{{{key}," in bib for key in draft.cited)

    _drive(app, script)
    assert sorted(p.name for p in out.parent.iterdir()) == ["related.bib", "related.md"]


# -- history --------------------------------------------------------------------------------------
def test_history_lists_the_sessions_and_reopening_restores_the_answers(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await _ask(pilot, app, "sparse attention accelerators")
        await _ask(pilot, app, "what speedups do they report")
        before = [view.answer.answer for view in app.query(".answer")]
        await pilot.press("ctrl+n")
        await _ask(pilot, app, "secure inference")
        await pilot.press("f5")
        table = app.query_one("#sessions", DataTable)
        assert app.focused is table and table.row_count == 2
        rows = {str(row.value): [str(cell) for cell in table.get_row(row)] for row in table.rows}
        assert rows["tui"][1:] == ["2", "what speedups do they report"]
        table.move_cursor(row=table.get_row_index("tui"))
        await pilot.press("enter")
        await _until(pilot, lambda: app.query_one(TabbedContent).active == "chat")
        assert app.workspace.session == "tui"
        assert [view.answer.answer for view in app.query(".answer")] == before
        assert app.current_view is app.query(".answer").last()
        assert len(app.query(".source")) == len(app.current_view.answer.citations)
        assert "reopened tui (2 turns)" in str(app.query_one("#status").render())
        assert app.focused is app.query_one("#question")

    _drive(app, script)


def test_reopening_a_session_of_one_turn_says_1_turn(sample_library: Library) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await _ask(pilot, app, "secure inference")
        await pilot.press("ctrl+n", "f5")
        table = app.query_one("#sessions", DataTable)
        await _until(pilot, lambda: table.row_count == 1)
        await pilot.press("enter")
        await _until(pilot, lambda: app.query_one(TabbedContent).active == "chat")
        status = str(app.query_one("#status").render())
        assert "reopened tui (1 turn)" in status, status

    _drive(app, script)


# -- help -----------------------------------------------------------------------------------------
def test_help_opens_with_f1_and_closes_with_escape_f1_q_or_its_button(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        question = app.query_one("#question")
        for close in ("escape", "f1", "q", "#help-close"):
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            text = app.screen.query_one(Markdown).source
            assert "Ctrl+Y" in text and "⚠ unsupported" in text
            if close.startswith("#"):
                app.screen.query_one(close).scroll_visible(animate=False)
                await pilot.pause(0.1)
                await pilot.click(close)
            else:
                await pilot.press(close)
            await pilot.pause(0.1)
            assert not isinstance(app.screen, HelpScreen), close
            assert app.focused is question
        # the command palette offers every part and action
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Chat", "Library", "Draft", "History", "Copy answer", "New session",
                      "Load sample corpus", "Help"):  # fmt: skip
            assert title in titles
        library = next(c for c in app.get_system_commands(app.screen) if c.title == "Library")
        library.callback()
        await pilot.pause(0.1)
        assert app.query_one(TabbedContent).active == "library"
        assert app.focused is app.query_one("#filter")

    _drive(app, script)


# -- papers removed after an answer cited them ------------------------------------------------
def test_a_cited_paper_removed_from_the_library_leaves_a_card_not_a_crash(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await _ask(pilot, app, "How can transformer inference be kept private?")
        assert "li2024nimbus" in {c.key for c in app.current_view.answer.citations}
        # removed from the Library tab, as a user does it
        table = app.query_one("#papers", PaperTable)
        await pilot.press("f3")
        await _until(pilot, lambda: table.row_count == 136)
        app.query_one("#filter", Input).value = "li2024nimbus"
        await _until(pilot, lambda: table.row_count == 1)
        table.focus()
        await pilot.press("delete")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#yes")
        await _until(pilot, lambda: app.paper_count == 135)
        await pilot.press("f2")
        app.set_focus(None)
        for _ in range(len(app.current_view.markers) + 1):
            await pilot.press("ctrl+up")
            await pilot.pause(0.05)
        assert app.is_running
        cards = [str(card.render()) for card in app.query(".source")]
        gone = [card for card in cards if "@li2024nimbus" in card]
        assert len(gone) == 1 and "no longer in the library" in gone[0]
        assert len(cards) == len(app.current_view.answer.citations)
        # the same answer reopened from the History tab
        await pilot.press("ctrl+n")
        await pilot.press("f5")
        sessions = app.query_one("#sessions", DataTable)
        sessions.move_cursor(row=sessions.get_row_index("tui"))
        await pilot.press("enter")
        await _until(pilot, lambda: app.query_one(TabbedContent).active == "chat")
        app.set_focus(None)
        for _ in range(len(app.current_view.markers) + 1):
            await pilot.press("ctrl+down")
            await pilot.pause(0.05)
        assert app.is_running
        assert any("no longer in the library" in str(c.render()) for c in app.query(".source"))

    _drive(app, script)


def test_a_crash_exits_with_a_failure_code(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.tui import app as tui_app

    def crashed(self: LitreviewApp) -> None:
        self._return_code = 1  # what Textual records when a handler raises

    monkeypatch.setattr(tui_app.LitreviewApp, "run", crashed)
    with pytest.raises(SystemExit) as exit_info:
        tui_app.run_tui(offline=True)
    assert exit_info.value.code == 1


# -- the yes/no question ----------------------------------------------------------------------
def test_confirm_dialog_defaults_to_no_and_answers_y_n_and_escape(
    sample_library: Library,
) -> None:
    app = LitreviewApp()
    answers: list[bool | None] = []

    async def ask(pilot) -> ConfirmScreen:  # noqa: ANN001
        app.push_screen(ConfirmScreen("Remove it?"), answers.append)
        await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause(0.1)
        return app.screen

    async def script(pilot) -> None:  # noqa: ANN001
        screen = await ask(pilot)
        # Enter on the focused button must not be the destructive answer
        assert app.focused is screen.query_one("#no")
        box = screen.query_one("#confirm-box").region
        assert box.height <= 9, box  # a compact box, not the full height
        buttons = screen.query_one("#no").region
        assert buttons.y > screen.query_one(Label).region.y  # under the question
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert answers == [False]
        for key, expected in (("y", True), ("n", False), ("escape", False)):
            await ask(pilot)
            await pilot.press(key)
            await pilot.pause(0.1)
            assert answers[-1] is expected, key
            assert not isinstance(app.screen, ConfirmScreen)

    _drive(app, script)


def test_enter_on_the_remove_question_keeps_the_paper(sample_library: Library) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        table = app.query_one("#papers", PaperTable)
        await pilot.press("f3")
        await _until(pilot, lambda: table.row_count == 136)
        table.focus()
        await pilot.press("delete")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.paper_count == 136 and len(app.workspace.papers()) == 136

    _drive(app, script)


# -- pasted and untrusted questions -----------------------------------------------------------
HOSTILE_QUESTION = "What is \x1b[31mRED\x1b[0m [/x] quantization?\x07"


def test_a_paste_into_the_question_is_cleaned_joined_and_never_submits(
    sample_library: Library,
) -> None:
    from textual import events

    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        question = app.query_one("#question", Input)
        assert app.focused is question
        question.post_message(events.Paste("What is \x1b[31mRED\x1b[0m quantization?"))
        await pilot.pause(0.1)
        assert question.value == "What is RED quantization?"
        question.value = ""
        question.post_message(events.Paste("line one\nline two\r\n\tthree\r"))
        await pilot.pause(0.2)
        assert question.value == "line one line two three"
        assert not app.busy and not app.query(AnswerView)

    _drive(app, script)


def test_escape_sequences_in_a_bracketed_paste_arrive_as_one_clean_paste() -> None:
    from textual import events

    from assistant.tui.paste import PASTE_END, PASTE_START, SafePasteParser

    wire = f"ab{PASTE_START}What is \x1b[31mRED\x1b[0m\rquantization?\x1b]8;;x\x07{PASTE_END}c"
    # as one read, split between two reads, and in three with one wholly inside the paste
    for cut in (None, 3, 9, 14, len(wire) - 4, (14, 20)):
        parser = SafePasteParser()
        if isinstance(cut, tuple):
            chunks = [wire[: cut[0]], wire[cut[0] : cut[1]], wire[cut[1] :]]
        else:
            chunks = [wire] if cut is None else [wire[:cut], wire[cut:]]
        got = [event for chunk in chunks for event in parser.feed(chunk)]
        keys = [e.character for e in got if isinstance(e, events.Key)]
        pastes = [e.text for e in got if isinstance(e, events.Paste)]
        assert pastes == ["What is RED\nquantization?"], cut
        assert keys == ["a", "b", "c"], cut  # in order, and no Enter from the paste


def test_the_app_reads_the_terminal_with_the_safe_paste_parser(isolated_env: Path) -> None:
    from textual.drivers.linux_driver import LinuxDriver

    from assistant.tui.paste import SafePasteParser

    driver = LitreviewApp(offline=True).driver_class
    if issubclass(driver, LinuxDriver):
        loop = driver.run_input_thread
        assert loop.__globals__["XTermParser"] is SafePasteParser


def test_questions_with_control_characters_are_shown_clean_in_transcript_and_history(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        # typed (or pasted on a terminal that left them in): the question is asked clean
        app.query_one("#question", Input).value = HOSTILE_QUESTION
        await pilot.press("enter")
        await _until(pilot, lambda: app.current_view is not None and not app.busy)
        asked = app.workspace.history.answers("tui")[-1].question
        assert asked == "What is RED [/x] quantization?"
        # an old session (asked from the CLI) holding them is shown clean too
        app.workspace.ask(HOSTILE_QUESTION, session="cli-old")
        await pilot.press("f5")
        table = app.query_one("#sessions", DataTable)
        await _until(pilot, lambda: table.row_count == 2)
        cells = [str(cell) for row in table.rows for cell in table.get_row(row)]
        assert cells and not any(c in cell for cell in cells for c in "\x1b\x07")
        assert any("RED [/x] quantization?" in cell for cell in cells)
        table.move_cursor(row=table.get_row_index("cli-old"))
        await pilot.press("enter")
        await _until(pilot, lambda: app.query_one(TabbedContent).active == "chat")
        shown = str(app.current_view.render())
        assert "\x1b" not in shown and "\x07" not in shown
        assert "What is RED [/x] quantization?" in shown
        assert app.is_running

    _drive(app, script)


def test_library_table_shows_titles_with_brackets_as_written(
    sample_library: Library, tmp_path: Path
) -> None:
    import json

    title = "[Re] Breaking [bold]markup[/bold] titles [/x]"
    source = tmp_path / "brackets.jsonl"
    source.write_text(json.dumps({"id": "brk1", "title": title, "abstract": "Tags [/x]."}) + "\n")
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        app.workspace.ingest([source])
        app.library_tab.load_papers()
        table = app.query_one("#papers", PaperTable)
        await pilot.press("f3")
        await _until(pilot, lambda: table.row_count == 137)
        app.query_one("#filter", Input).value = "brk1"
        await _until(pilot, lambda: table.row_count == 1)
        await pilot.pause(0.1)
        assert app.is_running
        assert str(table.get_row_at(0)[2]) == title

    _drive(app, script)


def test_library_shows_a_latex_title_as_the_cli_does_not_as_its_markup(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        table = app.query_one("#papers", PaperTable)
        await pilot.press("f3")
        await _until(pilot, lambda: table.row_count == 136)
        app.query_one("#filter", Input).value = "anon2025d"
        await _until(pilot, lambda: table.row_count == 1)
        await pilot.pause(0.1)
        title = str(table.get_row_at(0)[2])
        assert title.startswith("D^2MoE: Dual Routing"), title
        table.focus()
        table.move_cursor(row=0)
        await pilot.pause(0.1)
        detail = str(app.query_one("#abstract", Static).render())
        assert "D^2MoE: Dual Routing" in detail
        assert "^{" not in detail

    _drive(app, script)


def test_a_panic_is_a_failure_too(isolated_env: Path) -> None:
    import asyncio

    app = LitreviewApp(offline=True)

    async def main() -> None:
        async with app.run_test(size=(80, 24)):
            app.panic(Text("the input thread failed"))

    asyncio.run(main())
    assert app.return_code == 1


# -- new sessions -----------------------------------------------------------------------------
def test_new_session_clears_the_sources_pane_too(sample_library: Library) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await _ask(pilot, app, "How can transformer inference be kept private?")
        assert app.query(".source")
        await pilot.press("ctrl+n")
        await pilot.pause(0.1)
        assert not app.query(".source")
        detail = app.query_one("#sources").query_one("#source-detail", Static)
        assert "Sources appear here after an answer." in str(detail.render())

    _drive(app, script)


def test_new_session_while_answering_keeps_the_answer_in_the_session_it_was_asked_in(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    app = LitreviewApp()
    gate = threading.Event()

    async def script(pilot) -> None:  # noqa: ANN001
        asker = app.workspace.asker
        answer_now = asker.ask

        def slow_ask(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            gate.wait(20)
            return answer_now(*args, **kwargs)

        monkeypatch.setattr(asker, "ask", slow_ask)
        await pilot.press(*"How can transformer inference be kept private?", "enter")
        await _until(pilot, lambda: app.busy)
        await pilot.press("ctrl+n")
        await pilot.pause(0.1)
        new = app.chat_tab.pending_session  # started once the answer is filed under "tui"
        assert new and app.workspace.session == "tui"
        assert "after the answer for tui" in str(app.query_one("#status").render())
        assert not app.query(AnswerView) and not app.query(".source")
        gate.set()
        await _until(pilot, lambda: not app.busy)
        await pilot.pause(0.1)
        # the answer went to "tui", where it was asked; the new session starts empty
        assert [a.question for a in app.workspace.history.answers("tui")] == [
            "How can transformer inference be kept private?"
        ]
        assert app.workspace.session == new and new != "tui"
        assert app.workspace.history.answers(new) == [] and app.workspace.turns == []
        assert not app.query(AnswerView) and not app.query(".source")
        assert "cited" not in str(app.query_one("#status").render())
        assert any("kept in session tui" in m for m in _messages(app))
        # and the new session takes the next question
        await _ask(pilot, app, "sparse attention accelerators")
        assert [a.question for a in app.workspace.history.answers(new)] == [
            "sparse attention accelerators"
        ]

    try:
        _drive(app, script)
    finally:
        gate.set()


def test_reopening_a_session_waits_for_the_answer_being_written(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    app = LitreviewApp()
    gate = threading.Event()

    async def script(pilot) -> None:  # noqa: ANN001
        await _ask(pilot, app, "sparse attention accelerators")
        await pilot.press("ctrl+n")
        asker = app.workspace.asker
        answer_now = asker.ask

        def slow_ask(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            gate.wait(20)
            return answer_now(*args, **kwargs)

        monkeypatch.setattr(asker, "ask", slow_ask)
        new = app.workspace.session
        await pilot.press(*"secure inference", "enter")
        await _until(pilot, lambda: app.busy)
        await pilot.press("f5")
        table = app.query_one("#sessions", DataTable)
        table.move_cursor(row=table.get_row_index("tui"))
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert any("Wait for the answer" in m for m in _messages(app))
        assert app.workspace.session == new
        gate.set()
        await _until(pilot, lambda: not app.busy)
        assert [a.question for a in app.workspace.history.answers(new)] == ["secure inference"]
        assert len(app.workspace.history.answers("tui")) == 1

    try:
        _drive(app, script)
    finally:
        gate.set()


# -- the status bar and the header -------------------------------------------------------------
def test_a_failure_status_gives_way_to_the_next_success(
    sample_library: Library, tmp_path: Path
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await _ask(pilot, app, "sparse attention accelerators")
        await pilot.press("f5")
        path = app.query_one("#history-path", Input)
        path.value = str(tmp_path / "missing" / "s.md")
        export = app.query_one("#history-export", Button)
        # pressed, not clicked: a click lands wherever the button was last laid out, and under
        # CI load it missed once (the file never came)
        export.press()
        await _until(pilot, lambda: "error" in str(app.query_one("#status").render()))
        assert "error" in str(app.query_one("#status").render())
        path.value = str(tmp_path / "s.md")
        export.press()
        await _until(pilot, lambda: (tmp_path / "s.md").exists())
        await pilot.pause(0.1)
        status = str(app.query_one("#status").render())
        assert "error" not in status and "s.md" in status
        # a draft written after a failure clears it too
        app.fail("draft failed", RuntimeError("x"))
        await pilot.press("f4")
        await pilot.press(*"sparse attention accelerators", "enter")
        await _until(pilot, lambda: app.draft_result is not None, seconds=60)
        await pilot.pause(0.1)
        assert "error" not in str(app.query_one("#status").render())

    _drive(app, script)


def test_the_library_filter_count_stays_in_the_library_tab(sample_library: Library) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        table = app.query_one("#papers", DataTable)
        await pilot.press("f3")
        await _until(pilot, lambda: table.row_count == 136)
        app.query_one("#filter", Input).value = "no paper has this word xyzzy"
        await pilot.pause(0.2)
        count = app.query_one("#library-count", Static)
        assert "0 of 136 papers" in str(count.render())
        assert "papers" not in app.sub_title
        await pilot.press("f2")
        assert "0 of 136" not in app.sub_title

    _drive(app, script)


# -- scrolling to the answer -------------------------------------------------------------------
def _top_visible(app: LitreviewApp, view: AnswerView) -> bool:
    """The answer is read from its start: its first line is the transcript's first, or all of it
    is in sight."""
    transcript = app.query_one("#transcript")
    top, bottom = view.virtual_region.y, view.virtual_region.bottom
    height = transcript.scrollable_content_region.height
    seen = transcript.scroll_y
    return top == seen + view.styles.margin.top or (seen <= top and bottom <= seen + height)


def test_the_transcript_scrolls_to_the_new_answer_and_to_the_last_of_a_reopened_session(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        # questions several papers answer about as closely: their answers quote several
        questions = (
            "How can transformer inference be kept private?",
            "How is the KV cache compressed?",
            "How are mixture-of-experts models served efficiently on edge devices?",
        )
        for question in questions:
            await _ask(pilot, app, question)
            await pilot.pause(0.2)
            assert _top_visible(app, app.current_view), question
        transcript = app.query_one("#transcript")
        assert transcript.max_scroll_y > 0  # the test needs answers longer than the screen
        await pilot.press("ctrl+n")
        await pilot.press("f5")
        sessions = app.query_one("#sessions", DataTable)
        sessions.move_cursor(row=sessions.get_row_index("tui"))
        await pilot.press("enter")
        await _until(pilot, lambda: app.query_one(TabbedContent).active == "chat")
        await pilot.pause(0.3)
        assert _top_visible(app, app.current_view)
        assert app.current_view is app.query(AnswerView).last()

    _drive(app, script)


def test_the_last_row_of_every_tab_is_above_the_footer(sample_library: Library) -> None:
    import asyncio

    from textual.widgets import Footer

    for size in ((120, 40), (80, 24), (200, 50)):
        app = LitreviewApp()

        async def main(size: tuple[int, int] = size, app: LitreviewApp = app) -> None:
            async with app.run_test(size=size) as pilot:
                await _until(pilot, lambda: app.ready)
                footer = app.query_one(Footer).region.y
                for tab, last in (("f2", "#question"), ("f3", "#remove"),
                                  ("f4", "#export-tex"), ("f5", "#history-export")):  # fmt: skip
                    await pilot.press(tab)
                    await pilot.pause(0.1)
                    assert app.query_one(last).region.bottom <= footer, (size, last)
                assert app.screen.max_scroll_y == 0, size

        asyncio.run(main())


# -- small terminals ------------------------------------------------------------------------------
def _shown(widget) -> str:  # noqa: ANN001
    """What `widget` shows on screen (cropped to its size), line by line."""
    return "\n".join(
        "".join(segment.text for segment in widget.render_line(y))
        for y in range(widget.size.height)
    )


def _drive_at(app: LitreviewApp, size: tuple[int, int], script) -> None:  # noqa: ANN001
    import asyncio

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await _until(pilot, lambda: app.ready)
            await script(pilot)

    asyncio.run(main())


def test_the_status_bar_shows_what_happened_in_an_80_column_terminal(
    sample_library: Library,
) -> None:
    import re

    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        status = app.query_one("#status")
        await _ask(pilot, app, "secure two-party inference for transformers")
        await pilot.pause(0.1)
        shown = _shown(status)
        # the mode and session filled the line: "1 paper cited" showed as "1 paper"
        assert re.search(r"\d+ papers? cited", shown), shown
        assert "extractive" in shown and "tui" in shown, shown
        # a new session's longer name leaves the state whole as well
        await pilot.press("ctrl+n")
        await _ask(pilot, app, "secure two-party inference for transformers")
        await pilot.pause(0.1)
        shown = _shown(status)
        assert re.search(r"\d+ papers? cited", shown), shown
        assert app.workspace.session in shown, shown
        # and wide again, the whole line is back
        await pilot.resize_terminal(140, 45)
        await pilot.pause(0.2)
        assert _shown(status).startswith(" Mode: extractive, offline (no model endpoint)  │  ")

    _drive_at(app, (80, 24), script)


def test_the_outline_stays_usable_beside_its_draft_in_an_80x24_terminal(
    sample_library: Library,
) -> None:
    from assistant.tui.widgets.outline_tree import OutlineTree

    for size in ((80, 24), (120, 40)):
        app = LitreviewApp()

        async def script(pilot, app: LitreviewApp = app, size: tuple[int, int] = size) -> None:  # noqa: ANN001
            await pilot.press("f4", *"KV cache compression", "ctrl+o")
            tree = app.query_one("#outline", OutlineTree)
            await _until(pilot, lambda: tree.outline is not None, seconds=60)
            await pilot.press("w")
            await _until(pilot, lambda: app.draft_result is not None, seconds=60)
            await pilot.pause(0.2)
            lines = tree.outline.themes[0].keys
            # the draft took two thirds of 12 rows: the outline box showed its theme line alone
            assert tree.size.height >= 5, (size, tree.size)
            assert len(lines) >= 4 and lines[3] in _shown(tree), (size, _shown(tree))
            draft = app.query_one("#draft-scroll")
            assert draft.size.height >= 4, (size, draft.size)
            if size == (120, 40):  # the draft keeps the larger part, as it did
                assert draft.size.height > tree.region.height, (tree.region, draft.region)
            assert app.screen.max_scroll_y == 0, size

        _drive_at(app, size, script)


def test_the_help_fits_an_80_column_terminal(sample_library: Library) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f1")
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-box")
        # 90 columns wide, the box lost its right border and the table's descriptions their end
        assert box.region.x >= 0 and box.region.right <= 80, box.region
        inside = [w for w in box.walk_children() if w.display and w.region.width]
        assert all(w.region.right <= box.region.right for w in inside), box.region

    _drive_at(app, (80, 24), script)


def test_the_draft_status_line_is_never_cut_off_in_an_80_column_terminal(
    sample_library: Library,
) -> None:
    from assistant.tui.widgets.outline_tree import OutlineTree

    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        status = app.query_one("#draft-status")
        await pilot.press("f4", *"KV cache compression", "ctrl+o")
        tree = app.query_one("#outline", OutlineTree)
        await _until(pilot, lambda: tree.outline is not None, seconds=60)
        await pilot.pause(0.1)
        shown = " ".join(_shown(status).split())
        # it read '... (0.4s) — r rename theme · m move paper · x remove', the rest cut off;
        # the keys are in the footer too, so the hint goes when it does not fit
        assert shown.startswith("Outline: 1 theme, 5 papers ("), shown
        assert "w write the draft" in shown or "rename" not in shown, shown
        await pilot.press("w")
        await _until(pilot, lambda: app.draft_result is not None, seconds=60)
        await pilot.pause(0.1)
        shown = " ".join(_shown(status).split())
        assert "5 papers cited" in shown, shown
        assert "write it again)" in shown or "(edit" not in shown, shown
        # a long message wraps rather than losing its end
        long = "✗ " + "the model endpoint said something rather long about this " * 2 + "END"
        app.draft_tab._status(long)
        await pilot.pause(0.1)
        assert " ".join(_shown(status).split()).endswith("END"), _shown(status)
        assert app.screen.max_scroll_y == 0

    _drive_at(app, (80, 24), script)


def test_the_library_detail_of_a_paper_without_categories_has_no_dangling_dot(
    sample_library: Library,
) -> None:
    paper = next(p for p in sample_library.papers() if not p.categories and p.year)
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f3")
        table = app.query_one("#papers", PaperTable)
        await _until(pilot, lambda: table.row_count == 136)
        app.query_one("#filter", Input).value = paper.key
        await _until(pilot, lambda: table.row_count == 1)
        table.focus()
        await pilot.pause(0.2)
        lines = str(app.query_one("#abstract", Static).render()).splitlines()
        # it read 'authors unknown · 2020 ·', the categories left out after their separator
        assert lines[1].endswith(str(paper.year)), lines[:3]

    _drive_at(app, (120, 40), script)


def test_the_library_detail_says_what_kind_of_work_and_where_it_appeared(
    isolated_env: Path, tmp_path: Path
) -> None:
    # the detail line read 'Bo Kim · 2024': a conference paper and its venue were not shown
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@inproceedings{kim2024fast, title={Fast Things}, author={Kim, Bo}, year={2024},\n"
        "  booktitle={Proceedings of ISCA}, abstract={We make things fast.}}\n"
    )
    Library(load_settings()).ingest([bib])
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f3")
        table = app.query_one("#papers", PaperTable)
        await _until(pilot, lambda: table.row_count == 1)
        table.focus()
        await pilot.pause(0.2)
        lines = str(app.query_one("#abstract", Static).render()).splitlines()
        assert lines[1] == "Bo Kim · 2024 · conference paper · Proceedings of ISCA", lines[:3]

    _drive_at(app, (120, 40), script)


def test_a_draft_written_from_the_outline_shows_its_text_in_an_80x24_terminal(
    sample_library: Library,
) -> None:
    from textual.widgets import Button

    from assistant.tui.widgets.outline_tree import OutlineTree

    for size in ((80, 24), (120, 40)):
        app = LitreviewApp()

        async def script(pilot, app: LitreviewApp = app, size: tuple[int, int] = size) -> None:  # noqa: ANN001
            await pilot.press("f4", *"KV cache compression", "ctrl+o")
            tree = app.query_one("#outline", OutlineTree)
            await _until(pilot, lambda: tree.outline is not None, seconds=60)
            await pilot.press("w")
            await _until(pilot, lambda: app.draft_result is not None, seconds=60)
            await pilot.pause(0.2)
            # 5 rows under the outline held the draft's two headings and not a word of its text
            draft = app.query_one("#draft-scroll")
            assert draft.size.height >= 8, (size, draft.size)
            assert tree.size.height >= 5, (size, tree.size)
            tall = size[1] >= 30  # a tall terminal keeps the bordered inputs and buttons
            for widget in app.query_one("#draft-controls").query("Input, Button"):
                assert widget.compact is not tall, (size, widget)
            assert app.query_one("#export-tex", Button).region.bottom <= app.screen.size.height - 1
            assert app.screen.max_scroll_y == 0, size

        _drive_at(app, size, script)


def test_the_outline_shows_a_latex_title_as_the_library_does_not_as_its_markup(
    sample_library: Library,
) -> None:
    from assistant.tui.widgets.outline_tree import OutlineTree

    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f4", *"mixture-of-experts inference", "ctrl+o")
        tree = app.query_one("#outline", OutlineTree)
        await _until(pilot, lambda: tree.outline is not None, seconds=60)
        await pilot.pause(0.2)
        assert "anon2025d" in tree.outline.papers, list(tree.outline.papers)
        shown = _shown(tree)
        # the outline listed "D^{2}MoE: Dual Routing ..." where the Library tab says D^2MoE
        assert "D^2MoE: Dual Routing" in shown, shown
        assert "^{" not in shown

    _drive_at(app, (140, 40), script)


def _footer_keys(app: LitreviewApp) -> tuple[list[str], set[str]]:
    """The footer keys that end under the command palette's key (docked on the right) or past
    the footer's edge, and the descriptions (or group labels) of every key shown."""
    from textual.widgets import Footer

    footer = app.query_one(Footer)
    shown_keys = [k for k in footer.query("FooterKey, FooterLabel") if k.display]
    keys = [k for k in shown_keys if not k.has_class("-command-palette")]
    edge = min(
        [k.region.x for k in shown_keys if k.has_class("-command-palette")] + [footer.region.right]
    )
    # a key's description, or a group's label ("^↑^↓ Citations")
    shown = {getattr(k, "description", "") or str(k.render()).strip() for k in keys}
    cut = [str(k.render()) for k in keys if k.region.right > edge]
    return cut, shown


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_every_footer_key_shows_whole_on_every_tab_and_focus(
    sample_library: Library, size: tuple[int, int]
) -> None:
    from assistant.tui.widgets.outline_tree import OutlineTree

    app = LitreviewApp()

    async def check_every_focus(pilot, state: str) -> None:  # noqa: ANN001
        pane = app.query_one(TabbedContent).active_pane
        assert pane is not None
        tab = pane.id
        for widget in [w for w in pane.query("*") if w.focusable and w.region.area]:
            widget.focus()
            await pilot.pause(0.05)
            await _until(pilot, lambda: bool(_footer_keys(app)[1]))  # the footer recomposed
            cut, shown = _footer_keys(app)
            where = (size, state, tab, widget.id or type(widget).__name__)
            # the tab keys (F2..F5, already on the tab bar) filled the Chat line: "^y Cop▏";
            # then "^↓ ▏^p palette": the palette key, docked on the right, covered the last
            # one; on the outline: "w Write draft  ^o Pla▏^p palette", Quit and Help gone
            assert not cut, (where, cut, shown)
            assert {"Quit", "Help"} <= shown, (where, shown)
            on_chat = {"Copy answer", "Citations"}
            assert on_chat <= shown if tab == "chat" else not on_chat & shown, (where, shown)
            if isinstance(widget, OutlineTree):
                assert {"Rename", "Move", "Remove", "Write draft"} <= shown, (where, shown)
            else:
                assert "New session" in shown, (where, shown)

    async def script(pilot) -> None:  # noqa: ANN001
        for tab in ("f2", "f3", "f4", "f5"):
            await pilot.press(tab)
            await pilot.pause(0.2)
            await check_every_focus(pilot, "start")
        await pilot.press("f4", *"KV cache compression", "ctrl+o")
        tree = app.query_one("#outline", OutlineTree)
        await _until(pilot, lambda: tree.outline is not None, seconds=60)
        await check_every_focus(pilot, "outline planned")
        tree.focus()
        await pilot.press("w")
        await _until(pilot, lambda: app.draft_result is not None, seconds=60)
        await check_every_focus(pilot, "draft written")
        # left out of the footer on the outline, Ctrl+O and Ctrl+N still act there
        tree.focus()
        await pilot.press("ctrl+o")
        await _until(pilot, lambda: app.draft_result is None, seconds=60)
        session = app.workspace.session
        await pilot.press("ctrl+n")
        await _until(pilot, lambda: app.workspace.session != session)

    _drive_at(app, size, script)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (140, 45)])
def test_every_input_placeholder_shows_whole(
    sample_library: Library, size: tuple[int, int]
) -> None:
    from rich.cells import cell_len

    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        for tab in ("f2", "f3", "f4", "f5"):
            await pilot.press(tab)
            await pilot.pause(0.2)
            pane = app.query_one(TabbedContent).active_pane
            assert pane is not None
            inputs = [i for i in pane.query(Input) if i.region.area and not i.value]
            assert inputs, (size, tab)
            for field in inputs:
                width = field.scrollable_content_region.width
                # at 80 columns 'year or 2022..2024' read 'year or', and the import path's
                # 'import: path to a .bib/.ris/…' read 'import: path to a'
                assert field.placeholder.strip(), (size, field.id)
                assert cell_len(field.placeholder) <= width, (size, field.id, field.placeholder)
        # shortened, the year's placeholder still shows how to type a range
        assert ".." in app.query_one("#filter-year", Input).placeholder, size

    _drive_at(app, size, script)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_the_outline_shortens_a_long_title_rather_than_cutting_its_line(
    sample_library: Library, size: tuple[int, int]
) -> None:
    from assistant.tui.widgets.outline_tree import OutlineTree

    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f4", *"KV cache compression", "ctrl+o")
        tree = app.query_one("#outline", OutlineTree)
        await _until(pilot, lambda: tree.outline is not None, seconds=60)
        await pilot.pause(0.2)
        outline = tree.outline
        shown = _shown(tree)
        # the lines ran on past the box, scrolled sideways: 'TreeKV: ... with Tree Structu',
        # 'Accurate Block Quantization in LLMs with Outliers (202'
        assert tree.max_scroll_x == 0, (size, shown)
        for key in outline.themes[0].keys:
            paper = outline.papers[key]
            line = next(line for line in shown.splitlines() if f" {key}  " in line)
            assert not paper.year or f"({paper.year})" in line, (size, line)
            if paper.title not in line:
                assert "…" in line, (size, line)
        assert any("…" in line for line in shown.splitlines()), (size, shown)

    _drive_at(app, size, script)


def test_the_help_table_reads_row_by_row_in_an_80_column_terminal(sample_library: Library) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f1")
        await pilot.pause(0.3)
        cells = list(app.screen.query("MarkdownTableCellContents"))
        assert cells
        tallest = max(cells, key=lambda cell: cell.region.height)
        # the key column (11 columns here) held 'Ctrl+↑ / Ctrl+↓ ([ / ] outside the question
        # box)' over 7 lines, broken inside its brackets: 'Ctrl+↓ ([', '/ ]', 'outside', ...
        assert tallest.region.height <= 3, _shown(tallest)

    _drive_at(app, (80, 24), script)


# -- tables that fit their width ------------------------------------------------------------------
LONG_QUESTION = (
    "how do hardware accelerators exploit dynamic sparsity in the attention of transformer "
    "models during inference on edge devices with tight memory budgets"
)


def _clipped_on_a_word(shown: str, full: str) -> bool:
    """`shown` is `full` whole, or a start of it that ends on a whole word, then "…"."""
    if shown == full:
        return True
    if not shown.endswith("…"):
        return False
    start = shown[:-1].rstrip()
    return bool(start) and full.startswith(start) and full[len(start)] == " "


def _check_fits(table: DataTable, full: dict[str, str], column: int, header: str) -> list[str]:
    """The table's lines as shown: nothing is off to the right, the last column's `header` is
    on screen, and every visible cell of `column` is its `full` text cut on a word."""
    shown = _shown(table)
    lines = shown.splitlines()
    assert table.max_scroll_x == 0, shown
    assert header in lines[0], shown
    assert lines[0].rstrip().endswith(header), shown  # the last column, whole
    top = table.scroll_offset.y
    for n in range(top, min(top + table.size.height - 1, table.row_count)):
        key = table.coordinate_to_cell_key((n, 0)).row_key.value
        cell = str(table.get_row_at(n)[column])
        assert _clipped_on_a_word(cell, full[key]), (cell, full[key])
        assert cell in lines[n - top + 1], (cell, lines[n - top + 1])
    return lines


def _check_library_fits(app: LitreviewApp) -> list[str]:
    from assistant.text import plain

    table = app.query_one("#papers", PaperTable)
    full = {
        p.key: plain(p.title) + (" (derived title)" if p.title_derived else "")
        for p in table.papers or []
    }
    return _check_fits(table, full, 2, "authors")


def _check_history_fits(app: LitreviewApp) -> list[str]:
    table = app.query_one("#sessions", DataTable)
    full = {s.name: s.last_question for s in app.workspace.history.sessions()}
    return _check_fits(table, full, 2, "last question")


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_the_library_table_fits_its_width_with_titles_cut_on_a_word(
    sample_library: Library, size: tuple[int, int]
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f3")
        table = app.query_one("#papers", PaperTable)
        await _until(pilot, lambda: table.row_count == 136)
        await pilot.pause(0.2)
        # titles ran off the right edge cut mid-word ('... and Hete') and the authors column
        # was off-screen, to be scrolled to sideways
        lines = _check_library_fits(app)
        assert any("…" in line for line in lines[1:]), lines
        # papers with authors show them short: the first author's surname
        app.query_one("#filter-author", Input).value = "Guan"
        await _until(pilot, lambda: 0 < table.row_count < 136)
        await pilot.pause(0.2)
        lines = _check_library_fits(app)
        from assistant.ingest.fields import short_authors

        for n in range(table.row_count):
            paper = table.paper(table.coordinate_to_cell_key((n, 0)).row_key.value)
            assert paper is not None and str(table.get_row_at(n)[3]) == short_authors(paper.authors)
        assert any(line.rstrip().endswith("Guan et al.") for line in lines[1:]), lines

    _drive_at(app, size, script)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
def test_the_history_table_fits_its_width_with_questions_cut_on_a_word(
    sample_library: Library, size: tuple[int, int]
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        app.workspace.ask(LONG_QUESTION, session="long")
        app.workspace.ask("secure inference", session="short")
        await pilot.press("f5")
        table = app.query_one("#sessions", DataTable)
        await _until(pilot, lambda: table.row_count == 2)
        await pilot.pause(0.2)
        lines = _check_history_fits(app)
        assert any("…" in line for line in lines[1:]), lines
        assert any(line.rstrip().endswith("secure inference") for line in lines), lines

    _drive_at(app, size, script)


def test_the_library_and_history_tables_refit_when_the_terminal_narrows(
    sample_library: Library,
) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        app.workspace.ask(LONG_QUESTION, session="long")
        await pilot.press("f3")
        table = app.query_one("#papers", PaperTable)
        await _until(pilot, lambda: table.row_count == 136)
        await pilot.pause(0.2)
        wide = _check_library_fits(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        narrow = _check_library_fits(app)
        assert len(narrow[1]) < len(wide[1]) and "…" in "".join(narrow[1:]), narrow
        await pilot.press("f5")
        await _until(pilot, lambda: app.query_one("#sessions", DataTable).row_count == 1)
        await pilot.pause(0.2)
        _check_history_fits(app)
        # and wide again: the long question whole
        await pilot.resize_terminal(200, 45)
        await pilot.pause(0.3)
        lines = _check_history_fits(app)
        assert LONG_QUESTION in lines[1], lines

    _drive_at(app, (140, 45), script)


def test_a_question_too_long_stays_in_the_box_to_be_shortened(
    shared_sample_library: Library,
) -> None:
    # 6,000 pasted characters and Enter: echoed as "Q: ..." with the refusal, and the box
    # cleared, so the text was gone
    app = LitreviewApp()
    long_question = "Which methods compress the KV cache? " + "x" * 6000

    async def script(pilot) -> None:  # noqa: ANN001
        box = app.query_one("#question", Input)
        box.value = long_question
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert box.value == long_question
        assert not app.query(AnswerView) and not app.busy
        assert any("characters long; at most 5,000" in m for m in _messages(app))

    _drive(app, script)
