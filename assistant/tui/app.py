"""The litreview terminal UI: chat with sources, library browser, drafts and history.

A thin layer over `Workspace` (the same core the CLI calls). Every model, store and file
operation runs in a worker thread and reports back with `call_from_thread`, so the interface
never freezes; failures become notifications, never crashes. The library opens in the
background so the first paint does not wait for Chroma or the embedding model.

Each part lives in `screens/` as a container mounted in one pane of a TabbedContent, not as a
Screen switched through App MODES: the tab bar, the Header and the Footer stay on one screen as
they always were (the snapshots pin that layout), the Chat tab keeps its answer while you browse
the Library, and app-wide keys (F2..F5, Ctrl+Y, Ctrl+Up/Down) reach every part without being
declared per screen. This module holds what is shared: the workspace, the status bar, the keys,
failure notices, and routing the messages one part posts for another.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import Footer, Header, TabbedContent, TabPane

from assistant.tui.helpers import AppPart, counted, error_text, while_mounted
from assistant.tui.screens.chat import ChatTab
from assistant.tui.screens.draft import DraftTab
from assistant.tui.screens.help import HelpScreen
from assistant.tui.screens.history import HistoryTab
from assistant.tui.screens.library import LibraryTab
from assistant.tui.widgets.sources_pane import EVIDENCE_STYLE
from assistant.tui.widgets.status_bar import StatusBar
from assistant.workspace import Workspace

if TYPE_CHECKING:
    from textual.driver import Driver
    from textual.screen import Screen

    from assistant.draft import Draft
    from assistant.models import Paper
    from assistant.tui.widgets.answer_view import AnswerView

__all__ = ["EVIDENCE_STYLE", "HelpScreen", "LitreviewApp", "run_tui"]


_CHAT_ACTIONS = frozenset({"citation", "copy_answer"})
_CITATIONS = Binding.Group("Citations", compact=True)


class LitreviewApp(App[None]):
    TITLE = "litreview"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        # the tab bar names the tabs and F1 lists their keys: in the footer they pushed Ctrl+N
        # and the citation keys off an 80-column line
        Binding("f2", "tab('chat')", "Chat", show=False),
        Binding("f3", "tab('library')", "Library", show=False),
        Binding("f4", "tab('draft')", "Draft", show=False),
        Binding("f5", "tab('history')", "History", show=False),
        Binding("ctrl+y", "copy_answer", "Copy answer"),
        Binding("ctrl+n", "new_session", "New session"),
        Binding("ctrl+l", "load_sample", "Load sample", show=False),
        # one footer entry for the pair ("^↑^↓ Citations"): two left the last one under the
        # command palette's key at 80 columns
        Binding("ctrl+up,left_square_bracket", "citation(-1)", "Prev cite", group=_CITATIONS),
        Binding("ctrl+down,right_square_bracket", "citation(1)", "Next cite", group=_CITATIONS),
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
        self.ready = False  # the library is open
        self.paper_count = 0

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        workspace = self.workspace
        yield StatusBar(workspace.mode_label(), workspace.session, "opening the library…",
                        id="status")  # fmt: skip
        with TabbedContent(initial="chat"):
            with TabPane("Chat", id="chat"):
                yield ChatTab()
            with TabPane("Library", id="library"):
                yield LibraryTab(id="library-box")
            with TabPane("Draft", id="draft"):
                yield DraftTab()
            with TabPane("History", id="history"):
                yield HistoryTab()
        yield Footer()

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        try:  # Textual's internals: should a later Textual move them, the app reads as before
            from textual.drivers.linux_driver import LinuxDriver

            from assistant.tui.paste import safe_paste_driver
        except ImportError:
            return driver
        # a paste holding escape sequences reached the widgets scrambled, its line breaks as Enter
        return safe_paste_driver(driver) if issubclass(driver, LinuxDriver) else driver

    @property
    def chat_tab(self) -> ChatTab:
        return self.query_one(ChatTab)

    @property
    def library_tab(self) -> LibraryTab:
        return self.query_one(LibraryTab)

    @property
    def draft_tab(self) -> DraftTab:
        return self.query_one(DraftTab)

    @property
    def history_tab(self) -> HistoryTab:
        return self.query_one(HistoryTab)

    def on_mount(self) -> None:
        self.chat_tab.activated()
        self.open_library()

    def call_from_thread(self, callback: Any, *args: Any, **kwargs: Any) -> Any:
        """Workers report back through here; once the app is closing there is nobody to tell.
        (Handlers that touch widgets are wrapped in `while_mounted` for the same reason.)"""
        if not self.is_running:
            return None
        try:
            return super().call_from_thread(callback, *args, **kwargs)
        except RuntimeError:  # the event loop closed between the check and the call
            return None

    def panic(self, *renderables: Any) -> None:
        # Textual panics when its input thread fails; that is a crash too, not a clean exit
        if self.return_code is None:
            self._return_code = 1
        super().panic(*renderables)

    # -- the status bar and failures ----------------------------------------------------------
    @while_mounted
    def set_status(self, state: str) -> None:
        workspace = self.workspace
        self.query_one("#status", StatusBar).show(workspace.mode_label(), workspace.session, state)

    def fail(self, what: str, exc: BaseException) -> None:
        self.notify(f"{what}: {error_text(exc)}", severity="error", timeout=8)
        self.set_status("error (see notification)")

    # -- opening the library --------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="open")
    def open_library(self) -> None:
        try:
            count = self.workspace.warm_up()
        except Exception as exc:  # noqa: BLE001 - a broken store must not kill the UI
            self.call_from_thread(self.fail, "cannot open the library", exc)
            return
        self.call_from_thread(self.library_ready, count)

    @while_mounted
    def library_ready(self, count: int) -> None:
        self.ready = True
        self.paper_count = count
        self.set_status(f"{count} papers" if count else "library is empty")
        self.library_tab.library_opened(count)
        self.history_tab.refresh_sessions()

    # -- what one part posts for another ------------------------------------------------------
    def on_library_tab_papers_imported(self, message: LibraryTab.PapersImported) -> None:
        self.library_ready(message.count)

    def on_chat_tab_answer_recorded(self) -> None:
        self.history_tab.refresh_sessions()

    @while_mounted
    def on_history_tab_session_reopened(self, message: HistoryTab.SessionReopened) -> None:
        self.chat_tab.show_session(message.answers)
        self.query_one(TabbedContent).active = "chat"
        self.set_status(f"reopened {message.name} ({counted(len(message.answers), 'turn')})")
        self.chat_tab.activated()

    # -- keys and commands ----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The answer's keys (copy it, walk its citations) are offered on the Chat tab only."""
        if action in _CHAT_ACTIONS:
            tabs = self.query(TabbedContent)
            return bool(tabs) and tabs.first().active == "chat"
        return True

    def on_tabbed_content_tab_activated(self) -> None:
        self.refresh_bindings()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(f"TabPane#{tab}").query_one(AppPart).activated()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_citation(self, step: int) -> None:
        self.chat_tab.move_citation(step)

    def action_copy_answer(self) -> None:
        self.chat_tab.copy_answer()

    def action_new_session(self) -> None:
        self.chat_tab.new_session()

    def action_plan_outline(self) -> None:
        self.action_tab("draft")
        self.draft_tab.action_plan_outline()

    def action_load_sample(self) -> None:
        self.library_tab.load_sample()

    def get_system_commands(self, screen: Screen) -> Any:
        yield from super().get_system_commands(screen)
        commands = [
            ("Chat", "Ask questions about the library", lambda: self.action_tab("chat")),
            ("Library", "Browse, filter, import", lambda: self.action_tab("library")),
            ("Draft", "Write a related-work draft", lambda: self.action_tab("draft")),
            ("Plan draft outline", "Themes and papers first, to edit", self.action_plan_outline),
            ("History", "Past sessions", lambda: self.action_tab("history")),
            ("Copy answer", "Copy the last answer", self.action_copy_answer),
            ("New session", "Start a new chat session", self.action_new_session),
            ("Load sample corpus", "Import the bundled papers", self.action_load_sample),
            ("Help", "Keys and what the marks mean", self.action_help),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

    # -- the parts' state, as tests and scripts read it off the app -----------------------------
    @property
    def current_view(self) -> AnswerView | None:
        return self.chat_tab.current_view

    @property
    def busy(self) -> bool:
        return self.chat_tab.busy

    @property
    def draft_result(self) -> Draft | None:
        return self.draft_tab.draft_result

    @property
    def all_papers(self) -> list[Paper]:
        """Every paper, once the library table has read them. Until then this raises
        AttributeError, so `hasattr(app, "all_papers")` says whether they have been read."""
        try:
            papers = self.library_tab.table.papers
        except NoMatches:
            papers = None
        if papers is None:
            raise AttributeError("all_papers: the library has not been read yet")
        return papers

    def fill_papers(self, papers: list[Paper]) -> None:
        self.library_tab.fill_papers(papers)

    def filter_changed(self) -> None:
        self.library_tab.filter_changed()


def run_tui(offline: bool = False, data_dir: Path | None = None) -> None:
    app = LitreviewApp(offline=offline, data_dir=data_dir)
    app.run()
    if app.return_code:  # a crash printed its traceback; the shell must not read it as success
        raise SystemExit(app.return_code)
