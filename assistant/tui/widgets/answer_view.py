"""One question and its answer in the chat transcript."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from assistant.text import terminal_safe

if TYPE_CHECKING:
    from assistant.models import Answer


class AnswerView(Static):
    """One question and its answer: streamed text first, then verified sentences with markers."""

    DEFAULT_CSS = """
    AnswerView {
        margin: 1 0;
    }
    """

    def __init__(self, question: str) -> None:
        super().__init__(classes="answer")
        self.question = question
        self.streamed = ""
        self.answer: Answer | None = None
        self.markers: list[tuple[int, str]] = []  # (sentence index, key), in reading order
        self.current = -1
        self._show(Text("…", style="dim"))

    def _show(self, body: Text) -> None:
        # a question from the history may hold control characters (asked from the CLI)
        head = Text.assemble(("Q: ", "bold cyan"), (terminal_safe(self.question), "bold"), "\n")
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

    def select(self, index: int) -> None:
        """Select marker `index` (-1: none of this answer's) and redraw."""
        self.current = index
        self.render_answer()

    def selected(self) -> tuple[str, str] | None:
        """The selected marker as (the sentence it ends, the cited key), if any."""
        if self.answer is None or self.current < 0:
            return None
        index, key = self.markers[self.current]
        return self.answer.sentences[index].text, key
