"""The library as a table, narrowed by what the filter inputs hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import DataTable

from assistant.errors import UsageError
from assistant.text import plain
from assistant.workspace import search_filters

if TYPE_CHECKING:
    from assistant.models import Paper
    from assistant.retrieval import SearchFilters

YEAR_HINT = " (year: use 2023, 2022..2024, 2022.. or ..2024)"


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


class PaperTable(DataTable):
    """Key, year, title and authors of the papers a `PaperFilter` lets through."""

    DEFAULT_CSS = """
    PaperTable {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.papers: list[Paper] | None = None  # the whole library, once it has been read

    def on_mount(self) -> None:
        self.add_columns("key", "year", "title", "authors")

    def show(self, papers: list[Paper], paper_filter: PaperFilter) -> str:
        """Keep `papers` and list those the filter accepts; returns the count for the subtitle,
        with a hint on the year's syntax while it cannot be read."""
        self.papers = papers
        row = self.cursor_coordinate.row  # kept: after a removal the next paper is under it
        self.clear()
        filters = paper_filter.search_filters()
        shown = [p for p in papers if paper_filter.accepts(p, filters)]
        for paper in shown:
            authors = ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "")
            # as the CLI lists it: "D^{2}MoE" is D^2MoE, "$\times$" is x
            title = plain(paper.title) + (" (derived title)" if paper.title_derived else "")
            # as Text: a str cell is markup, and a title such as "[Re] ... [/x]" raised
            self.add_row(
                Text(paper.key), str(paper.year or ""), Text(title[:90]), Text(authors[:40]),
                key=paper.key,
            )  # fmt: skip
        if shown:
            self.move_cursor(row=min(row, len(shown) - 1))
        return f"{len(shown)} of {len(papers)} papers" + ("" if filters is not None else YEAR_HINT)

    def paper(self, key: str | None) -> Paper | None:
        return next((p for p in self.papers or [] if p.key == key), None)

    def cursor_key(self) -> str | None:
        """The key of the paper under the cursor; None when the table is empty."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
