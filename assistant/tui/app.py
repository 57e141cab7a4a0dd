"""The litreview terminal UI: chat with sources, library browser, drafts and history.

A thin layer over `Workspace` (the same core the CLI calls). Every model, store and file
operation runs in a worker thread and reports back with `call_from_thread`, so the interface
never freezes; failures become notifications, never crashes. The library opens in the
background so the first paint does not wait for Chroma or the embedding model.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Markdown,
    Static,
    TabbedContent,
    TabPane,
)

from assistant.errors import UsageError
from assistant.workspace import Workspace, search_filters

if TYPE_CHECKING:
    from textual.screen import Screen

    from assistant.draft import Draft
    from assistant.models import Answer
    from assistant.retrieval import SearchFilters

HELP_TEXT = """\
# litreview — keys

| key | what it does |
| --- | --- |
| F2 / F3 / F4 / F5 | Chat / Library / Draft / History |
| Enter (in an input) | ask, filter, draft, import |
| Ctrl+↑ / Ctrl+↓ (or `[` / `]`) | previous / next citation marker; the sources pane follows |
| Ctrl+Y | copy the last answer to the clipboard |
| Ctrl+N | start a new chat session |
| Ctrl+P | command palette |
| Delete (library) | remove the selected paper |
| Ctrl+L | load the bundled sample corpus |
| F1 | this help; Escape closes it |
| Ctrl+Q | quit |

Sentences marked **⚠ unsupported** have no citation that survived verification: no paper in
your library was found to back them. Citations the checker rejected are listed under the answer.
"""


def _while_mounted(method: Any) -> Any:
    """For handlers that may run after the screen is torn down (a late row highlight, a worker
    finishing at exit): a missing widget then means there is nothing left to update."""
    import functools

    from textual.css.query import NoMatches

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except NoMatches:
            return None

    return wrapper


def _error_text(exc: BaseException) -> str:
    from assistant.errors import LitreviewError

    if isinstance(exc, LitreviewError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP_TEXT)
            yield Button("Close", id="help-close")

    @on(Button.Pressed, "#help-close")
    def close(self) -> None:
        self.dismiss()


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(self.question)
            with Horizontal():
                yield Button("Yes", id="yes", variant="error")
                yield Button("No", id="no")

    @on(Button.Pressed)
    def answer(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


# -- chat -------------------------------------------------------------------------------------
class AnswerView(Static):
    """One question and its answer: streamed text first, then verified sentences with markers."""

    def __init__(self, question: str) -> None:
        super().__init__(classes="answer")
        self.question = question
        self.streamed = ""
        self.answer: Answer | None = None
        self.markers: list[tuple[int, str]] = []  # (sentence index, key), in reading order
        self.current = -1
        self._show(Text("…", style="dim"))

    def _show(self, body: Text) -> None:
        head = Text.assemble(("Q: ", "bold cyan"), (self.question, "bold"), "\n")
        self.update(head + body)

    def add_token(self, token: str) -> None:
        self.streamed += token
        self._show(Text(self.streamed))

    def restart(self) -> None:
        self.streamed = ""
        self._show(Text("(the stream was cut; retrying…)", style="yellow"))

    def set_answer(self, answer: Answer) -> None:
        self.answer = answer
        self.markers = [(i, k) for i, s in enumerate(answer.sentences) for k in s.citations]
        self.current = 0 if self.markers else -1
        self.render_answer()

    def render_answer(self) -> None:
        answer = self.answer
        if answer is None:
            return
        numbers = {c.key: n for n, c in enumerate(answer.citations, 1)}
        body = Text()
        if answer.abstained:
            body.append(answer.answer, style="italic yellow")
        for index, sentence in enumerate(answer.sentences if not answer.abstained else []):
            body.append(sentence.text.rstrip())
            for key in sentence.citations:
                selected = self.current >= 0 and self.markers[self.current] == (index, key)
                style = "bold reverse green" if selected else "bold green"
                body.append(f" [{numbers.get(key, '?')}]", style=style)
            if not sentence.supported:
                body.append(" ⚠ unsupported", style="bold red")
            body.append(" ")
        if answer.rejected_citations:
            body.append("\n\nRejected citations:", style="bold red")
            for rejected in answer.rejected_citations:
                body.append(
                    f"\n  ✗ @{rejected.key} ({rejected.verdict}: {rejected.reason})", style="red"
                )
        if answer.note:
            body.append(f"\n\n{answer.note}", style="dim")
        self._show(body)

    def move(self, step: int) -> tuple[str, str] | None:
        """Select the previous/next citation marker; returns (sentence, key)."""
        if not self.markers or self.answer is None:
            return None
        self.current = (self.current + step) % len(self.markers)
        self.render_answer()
        return self.selected()

    def selected(self) -> tuple[str, str] | None:
        if self.answer is None or self.current < 0:
            return None
        index, key = self.markers[self.current]
        return self.answer.sentences[index].text, key


class SourcesPane(VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Static("Sources appear here after an answer.", id="source-detail")


class ChatPane(Vertical):
    def compose(self) -> ComposeResult:
        with Horizontal(id="chat-body"):
            yield VerticalScroll(id="transcript")
            yield SourcesPane(id="sources")
        yield Input(placeholder="Ask a question about your library…", id="question")


# -- the app ----------------------------------------------------------------------------------
EVIDENCE_STYLE = "black on yellow"


def _evidence_span(
    answer: Answer, claim: str | None, key: str, abstract: str
) -> tuple[int, int] | None:
    """Where the evidence behind (claim, key) stands in the abstract: the quote the checks
    verified (the model's, or the span they found)."""
    for sentence in answer.sentences:
        if claim is not None and sentence.text != claim:
            continue
        for evidence in sentence.evidence:
            if evidence.key != key or evidence.start is None or evidence.end is None:
                continue
            if 0 <= evidence.start < evidence.end <= len(abstract):
                return evidence.start, evidence.end
    return None


class LitreviewApp(App[None]):
    TITLE = "litreview"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f2", "tab('chat')", "Chat"),
        Binding("f3", "tab('library')", "Library"),
        Binding("f4", "tab('draft')", "Draft"),
        Binding("f5", "tab('history')", "History"),
        Binding("ctrl+y", "copy_answer", "Copy answer"),
        Binding("ctrl+n", "new_session", "New session"),
        Binding("ctrl+l", "load_sample", "Load sample", show=False),
        Binding("ctrl+up,left_square_bracket", "citation(-1)", "Prev cite"),
        Binding("ctrl+down,right_square_bracket", "citation(1)", "Next cite"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(
        self,
        workspace: Workspace | None = None,
        offline: bool = False,
        data_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace or Workspace.open(data_dir, offline=offline, session="tui")
        self.ready = False
        self.paper_count = 0
        self.current_view: AnswerView | None = None
        self.draft_result: Draft | None = None
        self.busy = False

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(self._status_text("opening the library…"), id="status")
        with TabbedContent(initial="chat"):
            with TabPane("Chat", id="chat"):
                yield ChatPane()
            with TabPane("Library", id="library"), Vertical(id="library-box"):
                with Horizontal(id="filters"):
                    yield Input(placeholder="filter: title, key, abstract…", id="filter")
                    yield Input(placeholder="year or 2022..2024", id="filter-year")
                    yield Input(placeholder="author", id="filter-author")
                    yield Input(placeholder="category", id="filter-category")
                yield Static("", id="welcome")
                yield DataTable(id="papers", cursor_type="row", zebra_stripes=True)
                yield Static("", id="abstract")
                with Horizontal(id="library-actions"):
                    yield Input(placeholder="import: path to a .bib/.ris/.csv/.jsonl/.xml file",
                                id="import-path")  # fmt: skip
                    yield Button("Import", id="import")
                    yield Button("Load sample corpus", id="load-sample")
                    yield Button("Remove selected", id="remove", variant="error")
            with TabPane("Draft", id="draft"), Vertical():
                with Horizontal(id="draft-controls"):
                    yield Input(placeholder="related-work topic…", id="topic")
                    yield Button("Draft", id="run-draft", variant="primary")
                yield Static("", id="draft-status")
                yield VerticalScroll(Markdown("", id="draft-text"), id="draft-scroll")
                with Horizontal(id="draft-export"):
                    yield Input(value="related-work.md", id="export-path")
                    yield Button("Export Markdown", id="export-md")
                    yield Button("Export LaTeX", id="export-tex")
            with TabPane("History", id="history"), Vertical():
                yield DataTable(id="sessions", cursor_type="row")
                with Horizontal(id="history-actions"):
                    yield Button("Reopen", id="reopen", variant="primary")
                    yield Input(placeholder="export to FILE.md", id="history-path")
                    yield Button("Export", id="history-export")
        yield Footer()

    def _status_text(self, state: str) -> str:
        mode, session = self.workspace.mode_label(), self.workspace.session
        return f" Mode: {mode}  │  session: {session}  │  {state}"

    @_while_mounted
    def set_status(self, state: str) -> None:
        self.query_one("#status", Static).update(escape(self._status_text(state)))

    def on_mount(self) -> None:
        self.query_one("#papers", DataTable).add_columns("key", "year", "title", "authors")
        self.query_one("#sessions", DataTable).add_columns("session", "turns", "last question")
        self.query_one("#question", Input).focus()
        self.open_library()

    def call_from_thread(self, callback: Any, *args: Any, **kwargs: Any) -> Any:
        """Workers report back through here; once the app is closing there is nobody to tell.
        (Handlers that touch widgets are wrapped in `_while_mounted` for the same reason.)"""
        if not self.is_running:
            return None
        try:
            return super().call_from_thread(callback, *args, **kwargs)
        except RuntimeError:  # the event loop closed between the check and the call
            return None

    # -- background work ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="open")
    def open_library(self) -> None:
        try:
            count = self.workspace.warm_up()
        except Exception as exc:  # noqa: BLE001 - a broken store must not kill the UI
            self.call_from_thread(self.fail, "cannot open the library", exc)
            return
        self.call_from_thread(self.library_ready, count)

    @_while_mounted
    def library_ready(self, count: int) -> None:
        self.ready = True
        self.paper_count = count
        self.set_status(f"{count} papers" if count else "library is empty")
        self.refresh_library()
        self.refresh_history()
        if not count:
            self.query_one("#welcome", Static).update(
                "Your library is empty. Press Ctrl+L or 'Load sample corpus' to load the bundled "
                "sample (136 papers), or import a file below."
            )

    def fail(self, what: str, exc: BaseException) -> None:
        self.busy = False
        self.notify(f"{what}: {_error_text(exc)}", severity="error", timeout=8)
        self.set_status("error (see notification)")

    # -- chat -----------------------------------------------------------------------------------
    @on(Input.Submitted, "#question")
    def submit_question(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        if self.busy:
            self.notify("Still answering the previous question…", severity="warning")
            return
        event.input.value = ""
        view = AnswerView(question)
        self.current_view = view
        self.query_one("#transcript", VerticalScroll).mount(view)
        view.scroll_visible()
        self.busy = True
        self.set_status("answering…")
        self.ask(question, view)

    @work(thread=True, group="ask")
    def ask(self, question: str, view: AnswerView) -> None:
        def on_token(token: str) -> None:
            self.call_from_thread(view.add_token, token)

        def on_restart() -> None:
            self.call_from_thread(view.restart)

        try:
            answer = self.workspace.ask(question, on_token=on_token, on_restart=on_restart)
        except Exception as exc:  # noqa: BLE001 - model, network and store errors alike
            self.call_from_thread(view.update, Text(f"Q: {question}\n✗ {_error_text(exc)}", "red"))
            self.call_from_thread(self.fail, "could not answer", exc)
            return
        self.call_from_thread(self.show_answer, view, answer)

    @_while_mounted
    def show_answer(self, view: AnswerView, answer: Answer) -> None:
        self.busy = False
        view.set_answer(answer)
        view.scroll_visible()
        state = "abstained" if answer.abstained else f"{len(answer.citations)} papers cited"
        if answer.incomplete:
            state = "incomplete answer"
            self.notify(answer.note or "The answer is incomplete.", severity="warning")
        self.set_status(state)
        self.show_sources(answer)
        self.refresh_history()

    @_while_mounted
    def show_sources(self, answer: Answer) -> None:
        sources = self.query_one("#sources", SourcesPane)
        sources.remove_children()
        if not answer.citations:
            sources.mount(Static("No paper supports this answer.", classes="source"))
            return
        selected = self.current_view.selected() if self.current_view else None
        for number, citation in enumerate(answer.citations, 1):
            paper = self.workspace.library.get(citation.key)
            text = Text.assemble(
                (f"[{number}] ", "bold green"),
                (paper.title, "bold"),
                f"\n{', '.join(paper.authors[:4]) or 'authors unknown'}"
                f"{' et al.' if len(paper.authors) > 4 or paper.authors_truncated else ''}"
                f" · {paper.year or 'n.d.'} · @{paper.key}\n",
            )
            # the selected marker's sentence, else the first sentence citing this paper
            if selected and selected[1] == citation.key:
                claim: str | None = selected[0]
            else:
                claim = next(
                    (s.text for s in answer.sentences if citation.key in s.citations), None
                )
            span = _evidence_span(answer, claim, citation.key, paper.abstract)
            if span is None and claim:
                support = self.workspace.supporting_sentence(claim, citation.key)
                found = paper.abstract.find(support)
                span = (found, found + len(support)) if support and found >= 0 else None
            if span is not None:
                start, end = span
                before, quote, after = (
                    " ".join(part.split())
                    for part in (paper.abstract[:start], paper.abstract[start:end],
                                 paper.abstract[end:])
                )  # fmt: skip
                text.append(f"{before} " if before else "")
                text.append(quote, style=EVIDENCE_STYLE)
                text.append(f" {after}" if after else "")
            else:
                text.append(" ".join(paper.abstract.split()))
            classes = "source selected" if selected and selected[1] == citation.key else "source"
            widget = Static(text, classes=classes)
            sources.mount(widget)
            if selected and selected[1] == citation.key:
                self.call_after_refresh(widget.scroll_visible)

    def action_citation(self, step: int) -> None:
        if self.current_view is None or self.current_view.answer is None:
            return
        if self.current_view.move(step):
            self.show_sources(self.current_view.answer)

    def action_copy_answer(self) -> None:
        if self.current_view is None or self.current_view.answer is None:
            self.notify("No answer to copy yet.", severity="warning")
            return
        self.copy_to_clipboard(self.current_view.answer.answer)
        self.notify("Answer copied to the clipboard.")

    def action_new_session(self) -> None:
        import time

        self.workspace.new_session(time.strftime("tui-%Y%m%d-%H%M%S"))
        self.query_one("#transcript", VerticalScroll).remove_children()
        self.current_view = None
        self.set_status("new session")

    # -- library --------------------------------------------------------------------------------
    def refresh_library(self) -> None:
        if not self.ready:
            return
        self.load_papers()

    @work(thread=True, exclusive=True, group="papers")
    def load_papers(self) -> None:
        try:
            papers = self.workspace.papers()
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self.fail, "cannot read the library", exc)
            return
        self.call_from_thread(self.fill_papers, papers)

    def _typed_filters(self) -> SearchFilters | None:
        """The filter inputs read as the CLI reads --year, --author and --category; None while
        the year is half typed ("2022.", "20x")."""
        try:
            return search_filters(
                self.query_one("#filter-year", Input).value,
                [self.query_one("#filter-author", Input).value],
                [self.query_one("#filter-category", Input).value],
            )
        except UsageError:
            return None

    def _matches(self, paper: Any, filters: SearchFilters | None) -> bool:
        text = self.query_one("#filter", Input).value.strip().lower()
        if text and not all(
            word in f"{paper.key} {paper.title} {paper.abstract}".lower() for word in text.split()
        ):
            return False
        return filters is None or filters.accepts(paper)

    @_while_mounted
    def fill_papers(self, papers: list[Any]) -> None:
        self.all_papers = papers
        self.paper_count = len(papers)
        table = self.query_one("#papers", DataTable)
        table.clear()
        filters = self._typed_filters()
        shown = [p for p in papers if self._matches(p, filters)]
        for paper in shown:
            authors = ", ".join(paper.authors[:3]) + (" et al." if len(paper.authors) > 3 else "")
            title = paper.title + (" (derived title)" if paper.title_derived else "")
            table.add_row(paper.key, str(paper.year or ""), title[:90], authors[:40], key=paper.key)
        self.query_one("#welcome", Static).update(
            "" if papers else "Your library is empty. Press Ctrl+L or 'Load sample corpus'."
        )
        self.query_one("#welcome", Static).display = not papers
        self.sub_title = f"{len(shown)} of {len(papers)} papers" + (
            "" if filters is not None else " (year: use 2023, 2022..2024, 2022.. or ..2024)"
        )

    @on(Input.Changed, "#filter, #filter-year, #filter-author, #filter-category")
    @_while_mounted
    def filter_changed(self) -> None:
        if hasattr(self, "all_papers"):
            self.fill_papers(self.all_papers)

    @on(DataTable.RowHighlighted, "#papers")
    @_while_mounted
    def paper_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key else None
        paper = next((p for p in getattr(self, "all_papers", []) if p.key == key), None)
        if paper is None:
            return
        sources = ", ".join(f"{s.file}#{s.position}" for s in paper.sources)
        self.query_one("#abstract", Static).update(
            Text.assemble(
                (paper.title, "bold"),
                f"\n{', '.join(paper.authors) or 'authors unknown'} · {paper.year or 'n.d.'}"
                f" · {', '.join(paper.categories)}\nsources: {sources}\n\n",
                paper.abstract,
            )
        )

    @on(Button.Pressed, "#load-sample")
    def action_load_sample(self) -> None:
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
        self.call_from_thread(self.set_status, "importing… (embedding new abstracts)")
        try:
            report = self.workspace.ingest(paths, sample=sample)
        except Exception as exc:  # noqa: BLE001 - a bad file is a notification
            self.call_from_thread(self.fail, "import failed", exc)
            return
        message = (
            f"Imported {report.parsed} records: {report.added} added, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.merged_duplicates} merged."
        )
        self.call_from_thread(self.notify, message)
        self.call_from_thread(self.library_ready, report.papers_after)

    @on(Button.Pressed, "#remove")
    def remove_pressed(self) -> None:
        table = self.query_one("#papers", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.remove_paper(key)

        self.push_screen(ConfirmScreen(f"Remove {key} from the library?"), confirmed)

    @work(thread=True, group="ingest")
    def remove_paper(self, key: str) -> None:
        try:
            self.workspace.remove(key)
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self.fail, "remove failed", exc)
            return
        self.call_from_thread(self.notify, f"Removed {key}.")
        self.call_from_thread(self.load_papers)

    # -- drafts ---------------------------------------------------------------------------------
    @on(Button.Pressed, "#run-draft")
    @on(Input.Submitted, "#topic")
    def draft_pressed(self) -> None:
        topic = self.query_one("#topic", Input).value.strip()
        if not topic:
            self.notify("Type a topic first.", severity="warning")
            return
        self.query_one("#draft-status", Static).update("Drafting: gathering candidates…")
        self.run_draft(topic)

    @work(thread=True, exclusive=True, group="draft")
    def run_draft(self, topic: str) -> None:
        status = self.query_one("#draft-status", Static)

        def progress(message: str) -> None:
            self.call_from_thread(status.update, f"Drafting: {message}…")

        try:
            draft = self.workspace.draft(topic, progress=progress)
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(status.update, f"✗ {_error_text(exc)}")
            self.call_from_thread(self.fail, "draft failed", exc)
            return
        self.call_from_thread(self.show_draft, draft)

    @_while_mounted
    def show_draft(self, draft: Draft) -> None:
        from assistant.draft import to_markdown

        self.draft_result = draft
        coverage = draft.coverage()
        left_out = ", ".join(item["key"] for item in coverage["left_out"]) or "none"
        report = (
            f"\n\n---\n\n**Coverage**: {coverage['cited']} of {coverage['candidates']} candidate "
            f"papers cited ({coverage['coverage']:.0%}); left out: {left_out}; "
            f"rejected citations: {len(coverage['rejected_citations'])}; "
            f"unsupported sentences: {len(coverage['unsupported_sentences'])}."
        )
        self.query_one("#draft-text", Markdown).update(to_markdown(draft, "draft.bib") + report)
        self.query_one("#draft-status", Static).update(
            f"{draft.mode} draft: {len(draft.themes)} themes, {len(draft.cited)} papers cited, "
            f"{draft.seconds:.1f}s" + (f" — {draft.problem}" if draft.problem else "")
        )

    @on(Button.Pressed, "#export-md, #export-tex")
    def export_pressed(self, event: Button.Pressed) -> None:
        if self.draft_result is None:
            self.notify("Write a draft first.", severity="warning")
            return
        fmt = "latex" if event.button.id == "export-tex" else "md"
        out = Path(self.query_one("#export-path", Input).value.strip() or "related-work.md")
        out = out.with_suffix(".tex" if fmt == "latex" else ".md")
        try:
            written, bib = self.workspace.export_draft(self.draft_result, out, fmt)
        except Exception as exc:  # noqa: BLE001
            self.fail("export failed", exc)
            return
        self.notify(f"Wrote {written} and {bib}.")

    # -- history --------------------------------------------------------------------------------
    @_while_mounted
    def refresh_history(self) -> None:
        try:
            sessions = self.workspace.history.sessions()
        except Exception as exc:  # noqa: BLE001
            self.fail("cannot read the history", exc)
            return
        table = self.query_one("#sessions", DataTable)
        table.clear()
        for summary in sessions:
            table.add_row(
                summary.name, str(summary.turns), summary.last_question[:80], key=summary.name
            )

    def _selected_session(self) -> str | None:
        table = self.query_one("#sessions", DataTable)
        if not table.row_count:
            self.notify("No sessions yet.", severity="warning")
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @on(Button.Pressed, "#reopen")
    @on(DataTable.RowSelected, "#sessions")
    def reopen_session(self) -> None:
        name = self._selected_session()
        if name is None:
            return
        try:
            answers = self.workspace.reopen(name)
        except Exception as exc:  # noqa: BLE001
            self.fail("cannot reopen the session", exc)
            return
        transcript = self.query_one("#transcript", VerticalScroll)
        transcript.remove_children()
        for answer in answers:
            view = AnswerView(answer.question)
            transcript.mount(view)
            view.set_answer(answer)
            self.current_view = view
        self.query_one(TabbedContent).active = "chat"
        self.set_status(f"reopened {name} ({len(answers)} turns)")
        if self.current_view and self.current_view.answer:
            self.show_sources(self.current_view.answer)
        self.query_one("#question", Input).focus()

    @on(Button.Pressed, "#history-export")
    def export_session(self) -> None:
        name = self._selected_session()
        if name is None:
            return
        raw = self.query_one("#history-path", Input).value.strip() or f"{name}.md"
        try:
            markdown, sidecar = self.workspace.export_session(name, Path(raw).expanduser())
        except Exception as exc:  # noqa: BLE001
            self.fail("export failed", exc)
            return
        self.notify(f"Wrote {markdown} and {sidecar}.")

    # -- navigation -----------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        focus = {"chat": "#question", "library": "#filter", "draft": "#topic"}.get(tab)
        if focus:
            self.query_one(focus, Input).focus()
        elif tab == "history":
            self.refresh_history()
            self.query_one("#sessions", DataTable).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen) -> Any:
        yield from super().get_system_commands(screen)
        commands = [
            ("Chat", "Ask questions about the library", lambda: self.action_tab("chat")),
            ("Library", "Browse, filter, import", lambda: self.action_tab("library")),
            ("Draft", "Write a related-work draft", lambda: self.action_tab("draft")),
            ("History", "Past sessions", lambda: self.action_tab("history")),
            ("Copy answer", "Copy the last answer", self.action_copy_answer),
            ("New session", "Start a new chat session", self.action_new_session),
            ("Load sample corpus", "Import the bundled papers", self.action_load_sample),
            ("Help", "Keys and what the marks mean", self.action_help),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)


def run_tui(offline: bool = False, data_dir: Path | None = None) -> None:
    LitreviewApp(offline=offline, data_dir=data_dir).run()
