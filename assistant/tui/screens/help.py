"""The help screen (F1): the keys, and what the marks on an answer mean."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Markdown

HELP_TEXT = """\
# litreview — keys

| key | what it does |
| --- | --- |
| F2 / F3 / F4 / F5 | Chat / Library / Draft / History |
| Enter (in an input) | ask, filter, draft, import |
| Ctrl+↑ / Ctrl+↓ | previous / next citation marker (`[` / `]` outside the question box) |
| Ctrl+Y | copy the last answer to the clipboard |
| Ctrl+N | start a new chat session |
| Ctrl+P | command palette |
| Delete (library) | remove the selected paper |
| Ctrl+O (draft) | plan the outline: themes and their papers, before any paragraph |
| r / m / x / w (outline) | rename a theme / move a paper / remove a paper / write the draft |
| Ctrl+L | load the bundled sample corpus |
| F1 | this help; Escape closes it |
| Ctrl+Q | quit |

Sentences marked **⚠ unsupported** have no citation that survived verification: no paper in
your library was found to back them. Citations the checker rejected are listed under the answer.
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        #help-box {
            width: 90;
            max-width: 100%;  /* 90 columns in an 80-column terminal lost the right edge */
            height: 80%;
            background: $surface;
            border: thick $primary;
            padding: 1 2;
        }
    }
    """
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP_TEXT)
            yield Button("Close", id="help-close")

    @on(Button.Pressed, "#help-close")
    def close(self) -> None:
        self.dismiss()
