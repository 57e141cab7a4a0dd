"""The papers an answer cites, each with the evidence the checks verified highlighted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from assistant.text import plain

if TYPE_CHECKING:
    from assistant.models import Answer, CitationOut, Paper
    from assistant.workspace import Workspace

EVIDENCE_STYLE = "black on yellow"
EMPTY = "Sources appear here after an answer."


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


class SourcesPane(VerticalScroll):
    """One card per cited paper; the card of the selected citation marker is marked and shown."""

    DEFAULT_CSS = """
    SourcesPane {
        width: 2fr;
        border-left: solid $primary;
        padding: 0 1;
        .source {
            margin-bottom: 1;
            padding: 0 1;
        }
        .source.selected {
            border-left: thick $success;
        }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(EMPTY, id="source-detail")

    def clear(self) -> None:
        """Back to the state before any answer (a new session)."""
        self.query(".source").remove()
        self.query_one("#source-detail").display = True

    def show(self, answer: Answer, selected: tuple[str, str] | None, workspace: Workspace) -> None:
        """Replace the cards with the papers `answer` cites; `selected` is the (sentence, key)
        of the current citation marker, whose quote is the one highlighted for that paper."""
        self.query(".source").remove()
        self.query_one("#source-detail").display = False  # the hint before any answer
        if not answer.citations:
            self.mount(Static("No paper supports this answer.", classes="source"))
            return
        from assistant.errors import NotFoundError

        for number, citation in enumerate(answer.citations, 1):
            is_selected = selected is not None and selected[1] == citation.key
            classes = "source selected" if is_selected else "source"
            try:
                paper = workspace.library.get(citation.key)
            except NotFoundError:  # removed since the answer cited it: the answer still stands
                card = Static(_gone_text(number, citation), classes=classes)
                self.mount(card)
                if is_selected:
                    self.app.call_after_refresh(card.scroll_visible)
                continue
            # the selected marker's sentence, else the first sentence citing this paper
            if selected is not None and is_selected:
                claim: str | None = selected[0]
            else:
                claim = next(
                    (s.text for s in answer.sentences if citation.key in s.citations), None
                )
            span = _evidence_span(answer, claim, citation.key, paper.abstract)
            if span is None and claim:
                support = workspace.supporting_sentence(claim, citation.key)
                found = paper.abstract.find(support)
                span = (found, found + len(support)) if support and found >= 0 else None
            card = Static(_card_text(number, paper, span), classes=classes)
            self.mount(card)
            if is_selected:
                self.app.call_after_refresh(card.scroll_visible)


def _gone_text(number: int, citation: CitationOut) -> Text:
    """The card of a cited paper the library no longer holds: what the answer recorded of it."""
    return Text.assemble(
        (f"[{number}] ", "bold green"),
        (citation.title, "bold"),
        f"\n{citation.year or 'n.d.'} · @{citation.key}\n",
        ("This paper is no longer in the library (removed since it was cited).", "italic yellow"),
    )


def _card_text(number: int, paper: Paper, span: tuple[int, int] | None) -> Text:
    """The paper's heading, then its abstract with `span` (the evidence) highlighted."""
    text = Text.assemble(
        (f"[{number}] ", "bold green"),
        (plain(paper.title), "bold"),
        f"\n{', '.join(paper.authors[:4]) or 'authors unknown'}"
        f"{' et al.' if len(paper.authors) > 4 or paper.authors_truncated else ''}"
        f" · {paper.year or 'n.d.'} · @{paper.key}\n",
    )
    # as a reader sees it: "$\mathsf{Nimbus}$" is Nimbus. The evidence span is an offset into
    # the stored abstract, so each side of it is made plain apart (it ends at a sentence's end)
    if span is None:
        text.append(plain(paper.abstract))
        return text
    start, end = span
    before, quote, after = (
        plain(part)
        for part in (paper.abstract[:start], paper.abstract[start:end], paper.abstract[end:])
    )
    text.append(f"{before} " if before else "")
    text.append(quote, style=EVIDENCE_STYLE)
    text.append(f" {after}" if after else "")
    return text
