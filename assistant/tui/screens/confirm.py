"""A yes/no question in a modal, for what cannot be undone."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmScreen(ModalScreen[bool]):
    """Dismissed with True for Yes (or `y`); False for No, `n` or Escape. No has the focus, so
    an Enter typed out of habit never does what cannot be undone."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        #confirm-box {
            width: 60;
            height: auto;
            background: $surface;
            border: thick $error;
            padding: 1 2;
        }
        #confirm-question {
            width: 1fr;
        }
        #confirm-buttons {
            height: auto;
            margin-top: 1;
            align-horizontal: right;
        }
        #confirm-buttons Button {
            margin-left: 2;
        }
    }
    """
    BINDINGS = [
        Binding("escape,n", "dismiss(False)", "No"),
        Binding("y", "dismiss(True)", "Yes"),
    ]
    AUTO_FOCUS = "#no"

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(Text(self.question), id="confirm-question")  # paths: text, not markup
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    @on(Button.Pressed)
    def answer(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
