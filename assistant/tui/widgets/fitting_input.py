"""An input whose placeholder is as long as its width shows whole."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.widgets import Input


class FittingInput(Input):
    """Shows the longest of `placeholders` (longest first) that fits its width, else the last.
    A placeholder wider than the input wraps at a space and shows its first line: at 80 columns
    'year or 2022..2024' read 'year or', and the import box 'import: path to a'."""

    def __init__(self, *placeholders: str, **kwargs: Any) -> None:
        super().__init__(placeholder=placeholders[0], **kwargs)
        self.placeholders = placeholders

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        fits = (text for text in self.placeholders if cell_len(text) <= width)
        self.placeholder = next(fits, self.placeholders[-1])
