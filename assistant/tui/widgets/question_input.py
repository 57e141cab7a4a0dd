"""The chat's question input: what is pasted into it is cleaned, and a paste never asks."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from assistant.tui.paste import clean_paste


class QuestionInput(Input):
    """An Input whose paste is one line of plain text, whole: Textual's Input kept only the
    first line of a multi-line paste, with any control characters in it."""

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # the Input's own handler would insert the raw first line
        text = clean_paste(event.text)
        if not text:
            return
        if self.selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *self.selection)
