"""A table as wide as its widget: one column (a title, a question) takes the room the others
leave, its cells cut after a whole word with "…", and the rows are refitted when the width
changes. A DataTable sizes its columns to their longest cell: at 80 columns a title ran off the
right edge cut mid-word ("... and Hete") and the columns after it were off-screen, to be
scrolled to sideways."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from assistant.tui.helpers import shortened

# the flexible column is never squeezed below this (a narrower terminal scrolls sideways)
MIN_FLEX_WIDTH = 12

Cells = tuple[str, ...]


class FittingTable(DataTable):
    """Rows are given whole (`fill`) as plain strings; each is shown as Text (never markup),
    the cells of column `flex` shortened to fit, after the last whole word that fits (inside a
    word only when the first word alone is too long)."""

    def __init__(
        self, *columns: str, flex: int, id: str | None = None, zebra_stripes: bool = False
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=zebra_stripes)
        self.labels = columns
        self.flex = flex
        self._rows: list[tuple[str, Cells]] = []
        self._fitted_to: int | None = None  # the width the rows were last cut for

    def on_mount(self) -> None:
        for label in self.labels:
            self.add_column(label, key=label)

    # -- what a subclass may narrow -------------------------------------------------------------
    def shown_cells(self, rows: list[tuple[str, Cells]], width: int) -> list[tuple[str, Cells]]:
        """The rows as they are to be shown in `width` cells, before the flexible column is
        cut: a subclass shortens other columns here (the Library's authors)."""
        return rows

    # -- fitting ----------------------------------------------------------------------------------
    def fill(self, rows: list[tuple[str, Cells]], row: int | None = None) -> None:
        """Show `rows` (key, cells), the cursor on `row` (None: kept on its row number)."""
        self._rows = rows
        self._refit(self.cursor_coordinate.row if row is None else row)

    def widths(self, rows: list[tuple[str, Cells]]) -> list[int]:
        """Each column's width for `rows`: its longest cell or its label."""
        widths = [cell_len(label) for label in self.labels]
        for _, cells in rows:
            widths = [max(w, cell_len(cell)) for w, cell in zip(widths, cells, strict=True)]
        return widths

    def flex_room(self, widths: list[int], width: int) -> int:
        """The room the other columns (`widths`) leave the flexible one in `width` cells."""
        padding = 2 * self.cell_padding
        return width - sum(w + padding for n, w in enumerate(widths) if n != self.flex) - padding

    def available_width(self) -> int:
        """The width the columns share: the widget's, less the vertical scrollbar when the rows
        will need one (counted before it appears, so a first fill is already right)."""
        width = self.size.width
        if len(self._rows) > self.size.height - (self.header_height if self.show_header else 0):
            width -= self.styles.scrollbar_size_vertical
        return width

    def _refit(self, row: int) -> None:
        width = self.available_width()
        self._fitted_to = width
        rows = self.shown_cells(self._rows, width) if width > 0 else self._rows
        widths = self.widths(rows)
        room = self.flex_room(widths, width)
        if width > 0:  # laid out: otherwise shown whole until the first resize
            room = max(room, MIN_FLEX_WIDTH, cell_len(self.labels[self.flex]))
            widths[self.flex] = min(widths[self.flex], room)
        self.clear()
        for column, column_width in zip(self.columns.values(), widths, strict=True):
            column.auto_width = False
            column.width = column_width
        for key, cells in rows:
            texts = [Text(cell) for cell in cells]
            if width > 0:
                texts[self.flex] = shortened(texts[self.flex], room, slack=room)
            self.add_row(*texts, key=key)
        if rows:
            self.move_cursor(row=min(row, len(rows) - 1), animate=False)

    def on_resize(self, event: events.Resize) -> None:
        if self.available_width() != self._fitted_to:
            self._refit(self.cursor_coordinate.row)
