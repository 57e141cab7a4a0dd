"""The terminal UI: Pilot flows for each screen, snapshots of the main screens, and the real app
driven in tmux."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from assistant.library import Library
from assistant.tui.app import HelpScreen, LitreviewApp
from assistant.tui.screens.confirm import ConfirmScreen
from tests.openai_server import ScriptedOpenAI, Step, use_server

SIZE = (140, 45)


def _drive(app: LitreviewApp, script: Callable[..., Awaitable[None]]) -> None:
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: app.ready)
            await script(pilot)

    asyncio.run(main())


async def _until(pilot: object, condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def test_chat_answers_offline_with_sources_and_markers(sample_library: Library) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        assert "extractive, offline" in str(app.query_one("#status").render())
        assert app.focused is app.query_one("#question")
        await pilot.press(*"secure two-party inference for transformers", "enter")
        await _until(pilot, lambda: app.current_view is not None and not app.busy)
        answer = app.current_view.answer
        assert answer is not None and answer.mode == "extractive" and answer.citations
        rendered = str(app.current_view.render())
        assert "[1]" in rendered and "secure two-party" in rendered.lower()
        sources = app.query(".source")
        assert len(sources) == len(answer.citations)
        assert answer.citations[0].title in str(sources.first().render())
        # moving between citation markers selects another source
        first = app.current_view.selected()
        await pilot.press("ctrl+down")
        await pilot.pause(0.1)
        if len(app.current_view.markers) > 1:
            assert app.current_view.selected() != first
        assert len(app.query(".source.selected")) == 1
        # a follow-up continues the same session
        await pilot.press(*"what overheads do they report", "enter")
        await _until(pilot, lambda: not app.busy and len(app.query(".answer")) == 2)
        assert app.workspace.history.sessions()[0].turns == 2

    _drive(app, script)


def test_unsupported_sentences_and_rejected_citations_are_visible(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = sample_library.search("secure two-party transformer inference", 1)[0].paper.key
    sentence = sample_library.get(key).abstract.split(". ")[0]
    reply = (
        f"{sentence} [@{key}]. Bananas ripen faster in paper bags [@{key}]. "
        "Everyone agrees on this [@nobody2030fake]."
    )
    with ScriptedOpenAI(default=Step(reply=reply)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        app = LitreviewApp()

        async def script(pilot) -> None:  # noqa: ANN001
            assert "@ http://127.0.0.1" in str(app.query_one("#status").render())
            await pilot.press(*"secure two-party transformer inference", "enter")
            await _until(pilot, lambda: app.current_view is not None and not app.busy)
            rendered = str(app.current_view.render())
            assert "⚠ unsupported" in rendered
            assert "nobody2030fake (unsupported: unknown_key)" in rendered
            assert f"{key} (unsupported: low_similarity)" in rendered

        _drive(app, script)


def test_sources_pane_highlights_the_verified_quote(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.text import Text

    from assistant.tui.app import EVIDENCE_STYLE

    key = sample_library.search("secure two-party transformer inference", 1)[0].paper.key
    first = sample_library.get(key).abstract.split(". ")[0]
    quote = " ".join(first.split()[2:9])  # a few words of the sentence, not all of it
    reply = f'{first} [@{key}, "{quote}"].'
    with ScriptedOpenAI(default=Step(reply=reply)) as server:
        use_server(monkeypatch, server)
        monkeypatch.setenv("LITREVIEW_VERIFY", "local")
        app = LitreviewApp()

        async def script(pilot) -> None:  # noqa: ANN001
            await pilot.press(*"secure two-party transformer inference", "enter")
            await _until(pilot, lambda: app.current_view is not None and not app.busy)
            assert app.current_view.answer.citations
            content = app.query(".source").first().content
            assert isinstance(content, Text)
            marked = [
                content.plain[s.start : s.end] for s in content.spans if s.style == EVIDENCE_STYLE
            ]
            assert marked == [" ".join(quote.split())]

        _drive(app, script)


def test_sources_pane_shows_abstracts_as_read_not_as_latex(sample_library: Library) -> None:
    from rich.text import Text

    from assistant.tui.app import EVIDENCE_STYLE

    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press(*"How can transformer inference be kept private?", "enter")
        await _until(pilot, lambda: app.current_view is not None and not app.busy)
        cards = [card.content for card in app.query(".source")]
        assert all(isinstance(card, Text) for card in cards)
        # Nimbus's abstract writes "$\mathsf{Nimbus}$" and "$2.9\times \sim 12.5\times$"
        nimbus = next(card for card in cards if "@li2024nimbus" in card.plain)
        assert "framework Nimbus for Transformer" in nimbus.plain
        assert "\\" not in nimbus.plain and "$" not in nimbus.plain
        marked = [nimbus.plain[s.start : s.end] for s in nimbus.spans if s.style == EVIDENCE_STYLE]
        assert marked and "Nimbus" in marked[0] and "\\" not in marked[0]

    _drive(app, script)


def test_model_errors_become_notifications_not_crashes(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ScriptedOpenAI(default=Step(status=401, error_message="bad key")) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        app = LitreviewApp()

        async def script(pilot) -> None:  # noqa: ANN001
            await pilot.press(*"secure inference", "enter")
            await _until(pilot, lambda: app.current_view is not None and not app.busy)
            messages = [n.message for n in app._notifications]
            assert any("401" in m for m in messages), messages
            assert app.is_running
            # the app still answers the next question
            await pilot.press(*"again", "enter")
            await _until(pilot, lambda: not app.busy and len(app.query(".answer")) == 2)

        _drive(app, script)


def test_library_filters_abstract_import_and_remove(
    sample_library: Library, tmp_path: Path
) -> None:
    app = LitreviewApp()
    bib = tmp_path / "one.bib"
    bib.write_text(
        "@article{zz2024tui, title={A Paper Imported From The Terminal UI}, "
        "author={Doe, Jane}, year={2024}, abstract={Terminal interfaces for reviews.}}\n"
    )

    async def script(pilot) -> None:  # noqa: ANN001
        table = app.query_one("#papers")
        await pilot.press("f3")
        await _until(pilot, lambda: table.row_count == 136)
        await pilot.press(*"quantization")
        await pilot.pause(0.2)
        filtered = table.row_count
        assert 0 < filtered < 136
        app.query_one("#filter-year").value = "2022"
        await pilot.pause(0.2)
        assert 0 < table.row_count < filtered
        app.query_one("#filter").value = ""
        app.query_one("#filter-year").value = ""
        app.query_one("#filter-author").value = "Cong Guo"
        await pilot.pause(0.2)
        assert table.row_count >= 5
        table.focus()
        await pilot.press("down")
        await pilot.pause(0.2)
        assert "Cong Guo" in str(app.query_one("#abstract").render())
        app.query_one("#filter-author").value = ""
        app.query_one("#import-path").value = str(bib)
        await pilot.click("#import")
        await _until(pilot, lambda: app.paper_count == 137)
        # one record, and the library's count, not "136 unchanged" of a one-entry file
        notes = [n.message for n in app._notifications]
        said = "Imported 1 record: 1 added, 0 updated, 0 merged; 137 papers in the library."
        assert said in notes
        app.query_one("#filter").value = "zz2024tui"
        await _until(pilot, lambda: table.row_count == 1)
        table.focus()
        await pilot.click("#remove")
        await pilot.pause(0.2)
        await pilot.click("#yes")
        await _until(pilot, lambda: app.paper_count == 136)
        # a bad file is a notification, not a crash
        app.query_one("#import-path").value = str(tmp_path / "missing.bib")
        await pilot.click("#import")
        await _until(pilot, lambda: any("no such file" in n.message for n in app._notifications))

    _drive(app, script)


def test_empty_library_welcome_then_load_sample(isolated_env: Path) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        assert app.paper_count == 0
        await pilot.press("f3")
        assert "library is empty" in str(app.query_one("#welcome").render())
        await pilot.press("ctrl+l")
        await _until(pilot, lambda: app.query_one("#papers").row_count == 136, seconds=120)
        assert not app.query_one("#welcome").display

    _drive(app, script)


def test_draft_screen_drafts_and_exports(sample_library: Library, tmp_path: Path) -> None:
    app = LitreviewApp()
    out = tmp_path / "rw.md"

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press("f4")
        await pilot.press(*"numerical data formats for low-bit quantization", "enter")
        await _until(pilot, lambda: app.draft_result is not None, seconds=60)
        status = str(app.query_one("#draft-status").render())
        assert "extractive draft" in status and "papers cited" in status
        app.query_one("#export-path").value = str(out)
        await pilot.click("#export-md")
        await _until(pilot, lambda: out.exists())
        await pilot.click("#export-tex")  # rw.bib exists now: overwritten after a yes
        await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#yes")
        await _until(pilot, lambda: out.with_suffix(".tex").exists())

    _drive(app, script)
    assert "[@" in out.read_text() and out.with_suffix(".bib").read_text().count("@") >= 5
    assert "\\cite{" in out.with_suffix(".tex").read_text()


def test_history_reopen_and_export(sample_library: Library, tmp_path: Path) -> None:
    app = LitreviewApp()

    async def script(pilot) -> None:  # noqa: ANN001
        await pilot.press(*"sparse attention accelerators", "enter")
        await _until(pilot, lambda: app.current_view is not None and not app.busy)
        await pilot.press("ctrl+n")
        await pilot.press("f5")
        await pilot.pause(0.2)
        assert app.query_one("#sessions").row_count == 1
        app.query_one("#history-path").value = str(tmp_path / "s.md")
        await pilot.click("#history-export")
        await pilot.click("#reopen")
        await pilot.pause(0.2)
        assert len(app.query(".answer")) == 1
        assert app.workspace.session == "tui"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")

    _drive(app, script)
    assert "sparse attention" in (tmp_path / "s.md").read_text().lower()


# -- snapshots -------------------------------------------------------------------------------
def _wait_ready(extra: Callable[[object], Awaitable[None]] | None = None):  # noqa: ANN202
    async def run_before(pilot) -> None:  # noqa: ANN001
        await _until(pilot, lambda: pilot.app.ready and pilot.app.paper_count > 0)
        for field in pilot.app.query(Input):  # a blinking cursor would make screenshots differ
            field.cursor_blink = False
        await pilot.pause(0.3)
        if extra:
            await extra(pilot)

    return run_before


def test_snapshot_chat_screen(snap_compare, sample_library: Library) -> None:  # noqa: ANN001
    assert snap_compare(LitreviewApp(), terminal_size=SIZE, run_before=_wait_ready())


def test_snapshot_library_screen(snap_compare, sample_library: Library) -> None:  # noqa: ANN001
    async def open_library(pilot) -> None:  # noqa: ANN001
        await pilot.press("f3")
        await _until(pilot, lambda: pilot.app.query_one("#papers").row_count == 136)
        await pilot.press("tab", "tab", "tab", "tab", "down")
        await pilot.pause(0.2)

    assert snap_compare(LitreviewApp(), terminal_size=SIZE, run_before=_wait_ready(open_library))


def test_snapshot_help_screen(snap_compare, sample_library: Library) -> None:  # noqa: ANN001
    async def open_help(pilot) -> None:  # noqa: ANN001
        await pilot.press("f1")
        await pilot.pause(0.2)

    assert snap_compare(LitreviewApp(), terminal_size=SIZE, run_before=_wait_ready(open_help))


# -- the real app in a real terminal ------------------------------------------------------------
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_real_terminal_session_in_tmux(sample_library: Library, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("litreview")
    session = f"litreview-test-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
    env["TERM"] = "xterm-256color"

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", *args], env=env, capture_output=True, text=True, check=False
        ).stdout

    command = f"env LITREVIEW_DATA_DIR={env['LITREVIEW_DATA_DIR']} HOME={env['HOME']} {exe}"
    tmux("new-session", "-d", "-s", session, "-x", "140", "-y", "45", command)
    try:
        deadline = time.monotonic() + 30
        while "136 papers" not in tmux("capture-pane", "-p", "-t", session):
            assert time.monotonic() < deadline, tmux("capture-pane", "-p", "-t", session)
            time.sleep(0.2)
        tmux("send-keys", "-t", session, "how do accelerators exploit sparse attention", "Enter")
        deadline = time.monotonic() + 15
        screen = ""
        while time.monotonic() < deadline:
            screen = tmux("capture-pane", "-p", "-J", "-t", session)
            if "[1]" in screen and re.search(r"\d+ papers? cited", screen):
                break
            time.sleep(0.2)
        assert re.search(r"\d+ papers? cited", screen), screen
        titles = [p.title for p in sample_library.papers() if not p.title_derived]
        assert any(title[:30] in screen for title in titles), screen  # a line of the sources pane
        assert "Traceback" not in screen
        tmux("send-keys", "-t", session, "C-q")
        time.sleep(0.5)
    finally:
        tmux("kill-session", "-t", session)
