"""The status bar under the header: the answering mode, the session, and what just happened.

What just happened matters most, so in a narrow terminal the other parts give way first: the
"Mode:" label, then the endpoint's details, the "session:" label, and the mode and the session
themselves. (Cropped at 80 columns, the whole line lost its end: "1 paper cited" read "1 paper".)
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

SEPARATOR = "  │  "


def short_mode(mode: str) -> str:
    """The mode without its details: "extractive, offline", or the model without its endpoint."""
    for mark in (" @ ", " ("):
        mode = mode.split(mark, 1)[0]
    return mode


def status_lines(mode: str, session: str, state: str) -> list[str]:
    """The status line from the fullest to the shortest; the first that fits is shown."""
    return [
        f" Mode: {mode}{SEPARATOR}session: {session}{SEPARATOR}{state}",
        f" {mode}{SEPARATOR}session: {session}{SEPARATOR}{state}",
        f" {short_mode(mode)}{SEPARATOR}session: {session}{SEPARATOR}{state}",
        f" {short_mode(mode)}{SEPARATOR}{session}{SEPARATOR}{state}",
        f" {session}{SEPARATOR}{state}",
        f" {state}",
    ]


def fit_status(mode: str, session: str, state: str, width: int) -> str:
    lines = status_lines(mode, session, state)
    return next((line for line in lines if cell_len(line) <= width), lines[-1])


class StatusBar(Static):
    """One line; its text is plain (a state may quote a title or an error), never markup.
    A Static, as it was, for whoever queries it as one."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
    }
    """

    def __init__(self, mode: str, session: str, state: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode, self.session, self.state = mode, session, state

    def show(self, mode: str, session: str, state: str) -> None:
        self.mode, self.session, self.state = mode, session, state
        self.refresh()

    def render(self) -> Text:
        width = self.size.width or 10_000  # not laid out yet: the whole line
        return Text(fit_status(self.mode, self.session, self.state, width), no_wrap=True)


class HintedLine(Static):
    """A message and, when the two fit on one line, a hint after it (keys the footer lists as
    well); a message longer than the line wraps, so its end is never lost. Plain text."""

    DEFAULT_CSS = """
    HintedLine {
        height: auto;
        max-height: 3;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.message, self.hint = "", ""

    def show(self, message: str, hint: str = "") -> None:
        self.message, self.hint = message, hint
        self.refresh(layout=True)

    def render(self) -> Text:
        width = self.size.width or 10_000
        with_hint = f"{self.message}{self.hint}"
        return Text(with_hint if cell_len(with_hint) <= width else self.message)
