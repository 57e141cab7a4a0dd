"""The two questions an outline edit asks: a theme's new name, and where a paper goes."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from assistant.text import terminal_safe

NEW_THEME = "new"  # MoveScreen's answer for "a new theme"

_BOX = """
    align: center middle;
    #edit-box {
        width: 80;
        height: auto;
        max-height: 80%;
        background: $surface;
        border: thick $primary;
        padding: 1 2;
    }
    #edit-hint {
        color: $text-muted;
    }
    OptionList {
        height: auto;
        max-height: 20;
    }
"""


class RenameScreen(ModalScreen[str | None]):
    """A theme's new name (Enter), or None (Escape)."""

    DEFAULT_CSS = "RenameScreen {" + _BOX + "}"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.current = name

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-box"):
            yield Label(Text("Rename the theme", style="bold"))
            yield Input(value=self.current, id="rename-input", select_on_focus=True)
            yield Label(Text("Enter: rename · Escape: cancel"), id="edit-hint")

    @on(Input.Submitted, "#rename-input")
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class MoveScreen(ModalScreen[int | str | None]):
    """Where a paper goes: a theme's index, NEW_THEME, or None (Escape)."""

    DEFAULT_CSS = "MoveScreen {" + _BOX + "}"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, key: str, themes: list[str], current: int | None) -> None:
        super().__init__()
        self.key = key
        self.themes = themes
        self.current = current  # the paper's theme now (None: it is removed)

    def compose(self) -> ComposeResult:
        options = [
            Option(Text(f"{n + 1}. {terminal_safe(name)}"), id=str(n))
            for n, name in enumerate(self.themes)
            if n != self.current
        ]
        options.append(Option(Text("+ a new theme (rename it with r)"), id=NEW_THEME))
        with Vertical(id="edit-box"):
            yield Label(Text.assemble("Move ", (terminal_safe(self.key), "bold cyan"), " to:"))
            yield OptionList(*options, id="move-to")
            yield Label(Text("Enter: move · Escape: cancel"), id="edit-hint")

    @on(OptionList.OptionSelected, "#move-to")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        target = event.option.id
        self.dismiss(NEW_THEME if target == NEW_THEME else int(target or 0))
