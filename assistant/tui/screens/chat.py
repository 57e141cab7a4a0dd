"""The Chat tab: questions and answers on the left, the cited papers on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input

from assistant.text import terminal_safe
from assistant.tui.helpers import AppPart, counted, error_text, while_mounted
from assistant.tui.widgets.answer_view import AnswerView
from assistant.tui.widgets.question_input import QuestionInput
from assistant.tui.widgets.sources_pane import SourcesPane
from assistant.workspace import MAX_QUERY_CHARS

if TYPE_CHECKING:
    from assistant.models import Answer


class ChatTab(AppPart):
    DEFAULT_CSS = """
    ChatTab {
        #chat-body {
            height: 1fr;
        }
        #transcript {
            width: 3fr;
            padding: 0 1;
            /* the scrollbar appearing would rewrap the answers after they were scrolled to */
            scrollbar-gutter: stable;
        }
        #question {
            dock: bottom;
        }
    }
    """

    class AnswerRecorded(Message):
        """An answer was shown and saved as a turn of the session."""

    def __init__(self) -> None:
        super().__init__()
        self.current_view: AnswerView | None = None  # the latest answer
        self.busy = False  # a question is being answered; the next one waits
        # Ctrl+N while answering: the session to start once the answer is recorded in its own
        self.pending_session: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="chat-body"):
            yield VerticalScroll(id="transcript")
            yield SourcesPane(id="sources")
        yield QuestionInput(placeholder="Ask a question about your library…", id="question")

    def activated(self) -> None:
        self.query_one("#question", Input).focus()

    # -- asking ---------------------------------------------------------------------------------
    @on(Input.Submitted, "#question")
    def submit_question(self, event: Input.Submitted) -> None:
        # typed text may hold what a terminal passed through; the history keeps what was asked
        question = " ".join(terminal_safe(event.value).split())
        if not question:
            return
        if self.busy:
            self.notify("Still answering the previous question…", severity="warning")
            return
        if len(question) > MAX_QUERY_CHARS:
            # said before the box is cleared: the text stays there to be shortened
            self.notify(
                f"The question is {len(question):,} characters long; at most "
                f"{MAX_QUERY_CHARS:,} are taken. Shorten it and press Enter again.",
                severity="error",
            )
            return
        event.input.value = ""
        view = AnswerView(question)
        self.current_view = view
        self.query_one("#transcript", VerticalScroll).mount(view)
        view.scroll_visible()
        self.busy = True
        self.litreview.set_status("answering…")
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
            self.call_from_thread(self.answer_failed, question, view, exc)
            return
        self.call_from_thread(self.show_answer, view, answer)

    def _answered(self) -> bool:
        """The question is done; True if its session is still the one shown. Otherwise the
        new session asked for meanwhile starts now, after the answer went to its own."""
        self.busy = False
        if self.pending_session is None:
            return True
        self.workspace.new_session(self.pending_session)
        self.pending_session = None
        return False

    def answer_failed(self, question: str, view: AnswerView, exc: BaseException) -> None:
        view.update(Text(f"Q: {question}\n✗ {error_text(exc)}", "red"))
        if not self._answered():
            self.notify(f"The previous session's question failed: {error_text(exc)}",
                        severity="warning")  # fmt: skip
            self.litreview.set_status("new session")
            return
        self.litreview.fail("could not answer", exc)

    @while_mounted
    def show_answer(self, view: AnswerView, answer: Answer) -> None:
        if not self._answered():  # recorded in its session; this transcript is another's
            self.notify(f"The answer to the previous question was kept in session "
                        f"{answer.session} (F5 History to reopen it).")  # fmt: skip
            self.litreview.set_status("new session")
            self.post_message(self.AnswerRecorded())
            return
        view.set_answer(answer)
        self.call_after_refresh(self.read_from_start, view)
        state = (
            "abstained" if answer.abstained else f"{counted(len(answer.citations), 'paper')} cited"
        )
        if answer.incomplete:
            state = "incomplete answer"
            self.notify(answer.note or "The answer is incomplete.", severity="warning")
        self.litreview.set_status(state)
        self.select_marker(view, view.current)
        self.post_message(self.AnswerRecorded())

    @while_mounted
    def read_from_start(self, view: AnswerView) -> None:
        """Scroll `view` (laid out at its full height) to the top of the transcript: scrolled
        only into sight, a new answer showed its question and two lines above the input."""
        if view.is_attached:  # only the transcript scrolls, never the screen around it
            transcript = self.query_one("#transcript", VerticalScroll)
            transcript.scroll_to_widget(view, top=True, animate=False)

    @while_mounted
    def select_marker(self, view: AnswerView, index: int) -> None:
        """Select marker `index` of `view` (-1: none) and show that answer's sources. Every other
        answer's marker is cleared: the transcript highlights one marker, the one shown."""
        for other in self.query(AnswerView):
            if other is not view and other.current >= 0:
                other.select(-1)
        view.select(index)
        if view.answer is not None:
            self.query_one("#sources", SourcesPane).show(
                view.answer, view.selected(), self.workspace
            )

    # -- what the app's keys and commands do here --------------------------------------------
    def move_citation(self, step: int) -> None:
        """Select the previous/next citation marker of the whole transcript, every answer's in
        reading order (a reopened session's earlier answers are worth checking too); the
        sources pane follows to the answer of the selected marker."""
        markers = [(view, i) for view in self.query(AnswerView) for i in range(len(view.markers))]
        if not markers:
            return
        at = next((n for n, (view, i) in enumerate(markers) if view.current == i), None)
        if at is None:  # the latest answer cites nothing: start from either end
            at = -1 if step > 0 else 0
        view, index = markers[(at + step) % len(markers)]
        if view.current < 0:  # another answer: bring it into sight
            view.scroll_visible()
        self.select_marker(view, index)

    def copy_answer(self) -> None:
        if self.current_view is None or self.current_view.answer is None:
            self.notify("No answer to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(self.current_view.answer.answer)
        self.notify("Answer copied to the clipboard.")

    def new_session(self) -> None:
        import time

        name = time.strftime("tui-%Y%m%d-%H%M%S")
        self.query_one("#transcript", VerticalScroll).remove_children()
        self.query_one("#sources", SourcesPane).clear()
        self.current_view = None
        if self.busy:
            # the workspace records an answer in its current session: switching now would file
            # the pending answer (and its turn) under the new one, so switch when it lands
            self.pending_session = name
            self.litreview.set_status(f"new session after the answer for {self.workspace.session}")
            return
        self.workspace.new_session(name)
        self.litreview.set_status("new session")

    def show_session(self, answers: list[Answer]) -> None:
        """Replace the transcript with a reopened session's answers; the last one is current."""
        transcript = self.query_one("#transcript", VerticalScroll)
        transcript.remove_children()
        for answer in answers:
            view = AnswerView(answer.question)
            transcript.mount(view)
            view.set_answer(answer)
            self.current_view = view
        if self.current_view:
            self.select_marker(self.current_view, self.current_view.current)
            # the current answer is the last: shown where the sources pane's answer is
            self.call_after_refresh(self.read_from_start, self.current_view)
