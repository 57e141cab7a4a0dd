"""The library as a table, narrowed by what the filter inputs hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.errors import UsageError
from assistant.ingest.fields import short_authors
from assistant.text import plain
from assistant.tui.widgets.fitting_table import Cells, FittingTable
from assistant.workspace import search_filters

if TYPE_CHECKING:
    from assistant.models import Paper
    from assistant.retrieval import SearchFilters

YEAR_HINT = " (year: use 2023, 2022..2024, 2022.. or ..2024)"
# the authors are listed in full only where titles still get this much room beside them (in a
# 140-column terminal they are "Xu et al.", as the CLI's search tables show them)
WIDE_TITLE = 90


@dataclass(frozen=True)
class PaperFilter:
    """What the filter inputs hold: words to find in key, title or abstract, and the year,
    author and category read as the CLI reads --year, --author and --category."""

    text: str = ""
    year: str = ""
    author: str = ""
    category: str = ""

    def search_filters(self) -> SearchFilters | None:
        """None while the year is half typed ("2022.", "20x")."""
        try:
            return search_filters(self.year, [self.author], [self.category])
        except UsageError:
            return None

    def accepts(self, paper: Paper, filters: SearchFilters | None) -> bool:
        """Every typed word is in the paper, and `filters` (from `search_filters`) accept it."""
        words = self.text.strip().lower().split()
        haystack = f"{paper.key} {paper.title} {paper.abstract}".lower()
        if words and not all(word in haystack for word in words):
            return False
        return filters is None or filters.accepts(paper)


class PaperTable(FittingTable):
    """Key, year, title and authors of the papers a `PaperFilter` lets through, as wide as the
    table: titles cut after a whole word, authors as "Xu et al." when the table is narrow."""

    DEFAULT_CSS = """
    PaperTable {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("key", "year", "title", "authors", flex=2, id=id, zebra_stripes=True)
        self.papers: list[Paper] | None = None  # the whole library, once it has been read

    def show(self, papers: list[Paper], paper_filter: PaperFilter) -> str:
        """Keep `papers` and list those the filter accepts; returns the count for the subtitle,
        with a hint on the year's syntax while it cannot be read."""
        self.papers = papers
        filters = paper_filter.search_filters()
        shown = [p for p in papers if paper_filter.accepts(p, filters)]
        rows: list[tuple[str, Cells]] = []
        for paper in shown:
            authors = ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "")
            # as the CLI lists it: "D^{2}MoE" is D^2MoE, "$\times$" is x
            title = plain(paper.title) + (" (derived title)" if paper.title_derived else "")
            # shown as Text: a str cell is markup, and a title such as "[Re] ... [/x]" raised
            rows.append((paper.key, (paper.key, str(paper.year or ""), title, authors)))
        # kept on its row number: after a removal the next paper is under it
        self.fill(rows)
        return f"{len(shown)} of {len(papers)} papers" + ("" if filters is not None else YEAR_HINT)

    def shown_cells(self, rows: list[tuple[str, Cells]], width: int) -> list[tuple[str, Cells]]:
        if self.flex_room(self.widths(rows), width) >= WIDE_TITLE:
            return rows
        short = {p.key: short_authors(p.authors) for p in self.papers or []}
        return [(key, (*cells[:3], short.get(key, cells[3]))) for key, cells in rows]

    def paper(self, key: str | None) -> Paper | None:
        return next((p for p in self.papers or [] if p.key == key), None)

    def cursor_key(self) -> str | None:
        """The key of the paper under the cursor; None when the table is empty."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
