"""The Draft tab: a related-work draft on a topic, its coverage, and export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Markdown, Static

from assistant.tui.helpers import AppPart, error_text, while_mounted

if TYPE_CHECKING:
    from assistant.draft import Draft


class DraftTab(AppPart):
    DEFAULT_CSS = """
    DraftTab {
        #draft-controls, #draft-export {
            height: 3;
        }
        #topic, #export-path {
            width: 1fr;
        }
        #draft-status {
            height: 1;
            color: $text-muted;
        }
        #draft-scroll {
            height: 1fr;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.draft_result: Draft | None = None  # the latest draft; what the export buttons write

    def compose(self) -> ComposeResult:
        with Horizontal(id="draft-controls"):
            yield Input(placeholder="related-work topic…", id="topic")
            yield Button("Draft", id="run-draft", variant="primary")
        yield Static("", id="draft-status")
        yield VerticalScroll(Markdown("", id="draft-text"), id="draft-scroll")
        with Horizontal(id="draft-export"):
            yield Input(value="related-work.md", id="export-path")
            yield Button("Export Markdown", id="export-md")
            yield Button("Export LaTeX", id="export-tex")

    def activated(self) -> None:
        self.query_one("#topic", Input).focus()

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
            self.call_from_thread(status.update, f"✗ {error_text(exc)}")
            self.call_from_thread(self.litreview.fail, "draft failed", exc)
            return
        self.call_from_thread(self.show_draft, draft)

    @while_mounted
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
        out = out.expanduser().with_suffix(".tex" if fmt == "latex" else ".md")
        draft, bib = self.draft_result, out.with_suffix(".bib")
        self.write_outputs(
            [out, bib],
            lambda: self.workspace.export_draft(draft, out, fmt),
            f"Wrote {out} and {bib}.",
        )
