"""The History tab: past chat sessions, to reopen in the Chat tab or export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, DataTable, Input

from assistant.text import terminal_safe
from assistant.tui.helpers import AppPart, while_mounted
from assistant.tui.widgets.fitting_table import FittingTable

if TYPE_CHECKING:
    from assistant.models import Answer


class HistoryTab(AppPart):
    DEFAULT_CSS = """
    HistoryTab {
        #sessions {
            height: 1fr;
        }
        #history-actions {
            height: 3;
        }
        #history-path {
            width: 1fr;
        }
    }
    """

    class SessionReopened(Message):
        """Session `name` is current again; `answers` are its turns, oldest first."""

        def __init__(self, name: str, answers: list[Answer]) -> None:
            super().__init__()
            self.name = name
            self.answers = answers

    def compose(self) -> ComposeResult:
        # the last question takes the room left, cut after a whole word
        yield FittingTable("session", "turns", "last question", flex=2, id="sessions")
        with Horizontal(id="history-actions"):
            yield Button("Reopen", id="reopen", variant="primary")
            yield Input(placeholder="export to FILE.md", id="history-path")
            yield Button("Export", id="history-export")

    def activated(self) -> None:
        self.refresh_sessions()
        self.query_one("#sessions", DataTable).focus()

    @while_mounted
    def refresh_sessions(self) -> None:
        try:
            sessions = self.workspace.history.sessions()
        except Exception as exc:  # noqa: BLE001
            self.litreview.fail("cannot read the history", exc)
            return
        # shown as Text: a str cell is read as markup ("[/x]" in a question raised), and
        # questions asked from the CLI may hold control characters
        rows = [
            (summary.name, (terminal_safe(summary.name), str(summary.turns),
                            terminal_safe(summary.last_question)))
            for summary in sessions
        ]  # fmt: skip
        self.query_one("#sessions", FittingTable).fill(rows, row=0)

    def _selected_session(self) -> str | None:
        table = self.query_one("#sessions", DataTable)
        if not table.row_count:
            self.notify("No sessions yet.", severity="warning")
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @on(Button.Pressed, "#reopen")
    @on(DataTable.RowSelected, "#sessions")
    def reopen_session(self) -> None:
        if self.litreview.busy:  # the answer being written would be filed under this session
            self.notify("Wait for the answer being written, then reopen.", severity="warning")
            return
        name = self._selected_session()
        if name is None:
            return
        try:
            answers = self.workspace.reopen(name)
        except Exception as exc:  # noqa: BLE001
            self.litreview.fail("cannot reopen the session", exc)
            return
        self.post_message(self.SessionReopened(name, answers))

    @on(Button.Pressed, "#history-export")
    def export_session(self) -> None:
        name = self._selected_session()
        if name is None:
            return
        raw = self.query_one("#history-path", Input).value.strip() or f"{name}.md"
        out = Path(raw).expanduser()
        sidecar = out.with_suffix(".json")
        self.write_outputs(
            [out, sidecar],
            lambda: self.workspace.export_session(name, out),
            f"Wrote {out} and {sidecar}.",
        )
