"""The Library tab: browse and filter the papers, read an abstract, import and remove."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Static

from assistant.ingest.kinds import kind_label
from assistant.text import plain
from assistant.tui.helpers import AppPart, while_mounted
from assistant.tui.screens.confirm import ConfirmScreen
from assistant.tui.widgets.fitting_input import FittingInput
from assistant.tui.widgets.paper_table import PaperFilter, PaperTable

if TYPE_CHECKING:
    from assistant.models import Paper


class LibraryTab(AppPart):
    DEFAULT_CSS = """
    LibraryTab {
        #filters {
            height: 3;
        }
        #filter {
            width: 3fr;
        }
        #filter-year, #filter-author, #filter-category {
            width: 1fr;
        }
        /* room for "2022..2024", "author" and "category" whole: at 80 columns a sixth each
           showed the year's box "year" alone (the filter's box keeps its own whole) */
        #filter-year {
            min-width: 16;
        }
        #filter-author {
            min-width: 12;
        }
        #filter-category {
            min-width: 14;
        }
        #library-count {
            height: 1;
            color: $text-muted;
            padding: 0 1;
        }
        #welcome {
            color: $warning;
            padding: 0 1;
        }
        #abstract {
            height: 10;
            /* at 80x24 a fixed 10 rows left the table its header and one blank row */
            max-height: 33%;
            overflow-y: auto;
            border-top: solid $primary;
            padding: 0 1;
        }
        #library-actions {
            height: 3;
        }
        #import-path {
            width: 1fr;
        }
    }
    """
    # on the table, Delete is the "Remove selected" button (the inputs keep it for their text)
    BINDINGS = [Binding("delete", "remove", "Remove paper")]

    class PapersImported(Message):
        """An import changed the library; `count` papers are in it now."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def compose(self) -> ComposeResult:
        with Horizontal(id="filters"):
            yield FittingInput("filter: title, key, abstract…", "title, key, abstract…",
                               "filter…", id="filter")  # fmt: skip
            yield FittingInput("year or 2022..2024", "year 2022..2024", "2022..2024", "year",
                               id="filter-year")  # fmt: skip
            yield Input(placeholder="author", id="filter-author")
            yield Input(placeholder="category", id="filter-category")
        yield Static("", id="welcome")
        yield Static("", id="library-count")
        yield PaperTable(id="papers")
        yield Static("", id="abstract")
        with Horizontal(id="library-actions"):
            yield FittingInput(
                "import: path to a .bib/.ris/.csv/.jsonl/.xml file",
                "path to a .bib/.ris/.csv/.jsonl/.xml file",
                "path to a .bib/.ris/.csv… file",
                "path: .bib/.ris/.csv…",
                "file to import",
                id="import-path",
            )
            yield Button("Import", id="import")
            yield Button("Load sample corpus", id="load-sample")
            yield Button("Remove selected", id="remove", variant="error")

    def activated(self) -> None:
        self.query_one("#filter", Input).focus()

    @property
    def table(self) -> PaperTable:
        return self.query_one("#papers", PaperTable)

    # -- reading the library ------------------------------------------------------------------
    def library_opened(self, count: int) -> None:
        """The library is open (or changed) with `count` papers: (re)read them."""
        self.load_papers()
        if not count:
            self.query_one("#welcome", Static).update(
                "Your library is empty. Press Ctrl+L or 'Load sample corpus' to load the bundled "
                "sample (136 papers), or import a file below."
            )

    @work(thread=True, exclusive=True, group="papers")
    def load_papers(self) -> None:
        try:
            papers = self.workspace.papers()
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self.litreview.fail, "cannot read the library", exc)
            return
        self.call_from_thread(self.fill_papers, papers)

    def paper_filter(self) -> PaperFilter:
        return PaperFilter(
            text=self.query_one("#filter", Input).value,
            year=self.query_one("#filter-year", Input).value,
            author=self.query_one("#filter-author", Input).value,
            category=self.query_one("#filter-category", Input).value,
        )

    @while_mounted
    def fill_papers(self, papers: list[Paper]) -> None:
        if self.litreview.paper_count != len(papers):  # a removal: the status bar counts too
            self.litreview.set_status(f"{len(papers)} papers" if papers else "library is empty")
        self.litreview.paper_count = len(papers)
        # this tab's own line: the app's header is seen from every tab
        self.query_one("#library-count", Static).update(
            Text(self.table.show(papers, self.paper_filter()))
        )
        if papers and not self.table.row_count:  # the preview showed a paper filtered out
            self.query_one("#abstract", Static).update("No paper matches the filter.")
        welcome = self.query_one("#welcome", Static)
        welcome.update(
            "" if papers else "Your library is empty. Press Ctrl+L or 'Load sample corpus'."
        )
        welcome.display = not papers

    @on(Input.Changed, "#filter, #filter-year, #filter-author, #filter-category")
    @while_mounted
    def filter_changed(self) -> None:
        if self.table.papers is not None:
            self.fill_papers(self.table.papers)

    @on(DataTable.RowHighlighted, "#papers")
    @while_mounted
    def paper_highlighted(self, event: DataTable.RowHighlighted) -> None:
        paper = self.table.paper(event.row_key.value if event.row_key else None)
        if paper is None:
            return
        sources = ", ".join(f"{s.file}#{s.position}" for s in paper.sources)
        about = [", ".join(paper.authors) or "authors unknown", str(paper.year or "n.d.")]
        about += [fact for fact in (kind_label(paper), plain(paper.venue or "")) if fact]
        if paper.categories:  # none: no separator left hanging at the end of the line
            about.append(", ".join(paper.categories))
        self.query_one("#abstract", Static).update(
            Text.assemble(
                (plain(paper.title), "bold"),
                f"\n{' · '.join(about)}\nsources: {sources}\n\n",
                plain(paper.abstract),
            )
        )

    # -- changing the library -----------------------------------------------------------------
    @on(Button.Pressed, "#load-sample")
    def load_sample(self) -> None:
        self.import_files([], sample=True)

    @on(Button.Pressed, "#import")
    @on(Input.Submitted, "#import-path")
    def import_pressed(self) -> None:
        raw = self.query_one("#import-path", Input).value.strip()
        if not raw:
            self.notify("Type the path of a file to import.", severity="warning")
            return
        self.import_files([Path(raw).expanduser()], sample=False)

    @work(thread=True, exclusive=True, group="ingest")
    def import_files(self, paths: list[Path], sample: bool) -> None:
        self.call_from_thread(self.litreview.set_status, "importing… (embedding new abstracts)")
        try:
            report = self.workspace.ingest(paths, sample=sample)
        except Exception as exc:  # noqa: BLE001 - a bad file is a notification
            self.call_from_thread(self.litreview.fail, "import failed", exc)
            return
        # "unchanged" counted the library's other papers, not the file's: the total says it
        records = f"{report.parsed} record{'' if report.parsed == 1 else 's'}"
        message = (
            f"Imported {records}: {report.added} added, {report.updated} updated, "
            f"{report.merged_duplicates} merged; {report.papers_after} papers in the library."
        )
        self.call_from_thread(self.notify, message)
        self.call_from_thread(self.post_message, self.PapersImported(report.papers_after))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # only the table has a selected paper: elsewhere Delete neither acts nor shows in the footer
        return isinstance(self.app.focused, PaperTable) if action == "remove" else True

    @on(Button.Pressed, "#remove")
    def action_remove(self) -> None:
        key = self.table.cursor_key()
        if key is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.remove_paper(key)

        self.app.push_screen(ConfirmScreen(f"Remove {key} from the library?"), confirmed)

    @work(thread=True, group="ingest")
    def remove_paper(self, key: str) -> None:
        try:
            self.workspace.remove(key)
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self.litreview.fail, "remove failed", exc)
            return
        self.call_from_thread(self.notify, f"Removed {key}.")
        self.call_from_thread(self.load_papers)
