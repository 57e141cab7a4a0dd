"""The Draft tab: a related-work draft on a topic, its coverage, and export.

Two ways to draft: Enter (or Draft) writes it in one go; Ctrl+O (or Plan outline) first shows
the outline, the themes and their papers, for the keys of `OutlineTree` to edit (rename a
theme, move or remove a paper), and w (or Write draft) writes the paragraphs from it. Planning
and writing run in worker threads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Markdown
from textual.worker import get_current_worker

from assistant.tui.helpers import AppPart, counted, error_text, while_mounted
from assistant.tui.widgets.outline_tree import OutlineTree
from assistant.tui.widgets.status_bar import HintedLine

if TYPE_CHECKING:
    from assistant.draft import Draft, Outline

OUTLINE_KEYS = "r rename theme · m move paper · x remove paper · w write the draft"
# Below this many rows the tab's inputs and buttons are one line each, not three: at 80x24 the
# outline and its draft shared 12 rows, and the draft's were its headings alone.
SHORT_TERMINAL = 30


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
            color: $text-muted;
        }
        #draft-scroll {
            height: 1fr;
        }
        #outline {
            display: none;
        }
        &.-outline {
            #outline {
                display: block;
            }
            #draft-scroll {
                display: none;
            }
        }
        &.-short {
            #draft-controls, #draft-export {
                height: 1;
            }
            #draft-export {
                margin-top: 1;
            }
        }
        &.-outline.-written {
            #draft-scroll {
                display: block;
                height: 2fr;
            }
            /* a third of 12 rows (80x24) left the box its theme line: 5 lines stay for the
               cursor's theme and papers, the draft the rest (from 120x40 up, the third is more) */
            #outline {
                min-height: 7;
            }
        }
    }
    """
    BINDINGS = [Binding("ctrl+o", "plan_outline", "Plan outline", id="draft.plan_outline")]

    def __init__(self) -> None:
        super().__init__()
        self.draft_result: Draft | None = None  # the latest draft; what the export buttons write
        self.outline: Outline | None = None  # the outline shown (as edited), if one was planned

    def compose(self) -> ComposeResult:
        with Horizontal(id="draft-controls"):
            yield Input(placeholder="related-work topic…", id="topic")
            yield Button("Plan outline", id="plan-outline")
            yield Button("Write draft", id="write-draft", disabled=True)
            yield Button("Draft", id="run-draft", variant="primary")
        yield HintedLine(id="draft-status")
        yield OutlineTree(id="outline")
        yield VerticalScroll(Markdown("", id="draft-text"), id="draft-scroll")
        with Horizontal(id="draft-export"):
            yield Input(value="related-work.md", id="export-path")
            yield Button("Export Markdown", id="export-md")
            yield Button("Export LaTeX", id="export-tex")

    def activated(self) -> None:
        self.query_one("#topic", Input).focus()

    def on_resize(self) -> None:
        short = self.screen.size.height < SHORT_TERMINAL
        self.set_class(short, "-short")
        for widget in self.query("#draft-controls > *, #draft-export > *"):
            if isinstance(widget, (Input, Button)):
                widget.compact = short

    def _topic(self) -> str | None:
        topic = self.query_one("#topic", Input).value.strip()
        if not topic:
            self.notify("Type a topic first.", severity="warning")
            return None
        return topic

    def _status(self, text: str, hint: str = "") -> None:
        """The status line; the text may quote titles or errors, so it is never markup. The
        hint follows it where both fit on the line (its keys are in the footer as well)."""
        self.query_one("#draft-status", HintedLine).show(text, hint)

    def _show_outline_pane(self, shown: bool) -> None:
        self.set_class(shown, "-outline")
        self.remove_class("-written")
        self.query_one("#write-draft", Button).disabled = not shown
        if not shown:
            self.outline = None

    @on(Button.Pressed, "#run-draft")
    @on(Input.Submitted, "#topic")
    def draft_pressed(self) -> None:
        topic = self._topic()
        if topic is None:
            return
        self._show_outline_pane(False)  # a one-go draft has no outline to edit
        self._status("Drafting: gathering candidates…")
        self.run_draft(topic)

    @work(thread=True, exclusive=True, group="draft")
    def run_draft(self, topic: str) -> None:
        def progress(message: str) -> None:
            self.call_from_thread(self._status, f"Drafting: {message}…")

        try:
            draft = self.workspace.draft(topic, progress=progress)
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self._status, f"✗ {error_text(exc)}")
            self.call_from_thread(self.litreview.fail, "draft failed", exc)
            return
        if not get_current_worker().is_cancelled:  # a newer request replaced it
            self.call_from_thread(self.show_draft, draft)

    # -- the outline first ----------------------------------------------------------------------
    @on(Button.Pressed, "#plan-outline")
    def action_plan_outline(self) -> None:
        topic = self._topic()
        if topic is None:
            return
        self._status("Planning the outline: gathering candidates…")
        self.run_plan(topic)

    @work(thread=True, exclusive=True, group="draft")
    def run_plan(self, topic: str) -> None:
        def progress(message: str) -> None:
            self.call_from_thread(self._status, f"Planning the outline: {message}…")

        try:
            outline = self.workspace.plan_draft(topic, progress=progress)
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self._status, f"✗ {error_text(exc)}")
            self.call_from_thread(self.litreview.fail, "outline failed", exc)
            return
        if not get_current_worker().is_cancelled:  # a newer request replaced it
            self.call_from_thread(self.show_outline, outline)

    @while_mounted
    def show_outline(self, outline: Outline) -> None:
        """The planned outline, ready to edit; the draft it replaces is gone."""
        self.draft_result = None
        self.query_one("#draft-text", Markdown).update("")
        self.litreview.set_status("outline planned")  # not an earlier failure, still shown
        self._show_outline_pane(True)
        self.outline = outline
        tree = self.query_one("#outline", OutlineTree)
        tree.show(outline, ("theme", 0))
        tree.focus()
        self._outline_status(outline)

    def _outline_status(self, outline: Outline, prefix: str = "Outline") -> None:
        papers = len(outline.papers) - len(outline.removed)
        removed = f", {len(outline.removed)} removed" if outline.removed else ""
        self._status(
            f"{prefix}: {counted(len(outline.themes), 'theme')}, "
            f"{counted(papers, 'paper')}{removed} ({outline.seconds:.1f}s)",
            f" — {OUTLINE_KEYS}",
        )

    @on(OutlineTree.Changed)
    def outline_changed(self, message: OutlineTree.Changed) -> None:
        self.outline = message.outline
        self._outline_status(message.outline, "Outline (edited)")

    @on(Button.Pressed, "#write-draft")
    def write_pressed(self) -> None:
        if self.outline is None:
            self.notify("Plan an outline first (Ctrl+O).", severity="warning")
            return
        self.write_outline(self.outline)

    @on(OutlineTree.WriteRequested)
    def write_requested(self, message: OutlineTree.WriteRequested) -> None:
        self.write_outline(message.outline)

    def write_outline(self, outline: Outline) -> None:
        self._status("Writing the draft from the outline…")
        self.run_write(outline)

    @work(thread=True, exclusive=True, group="draft")
    def run_write(self, outline: Outline) -> None:
        def progress(message: str) -> None:
            self.call_from_thread(self._status, f"Writing: {message}…")

        try:
            draft = self.workspace.draft_from_outline(outline, progress=progress)
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self._status, f"✗ {error_text(exc)}")
            self.call_from_thread(self.litreview.fail, "draft failed", exc)
            return
        if not get_current_worker().is_cancelled:  # a newer request replaced it
            self.call_from_thread(self.show_draft, draft)

    @while_mounted
    def show_draft(self, draft: Draft) -> None:
        from assistant.draft import to_markdown

        self.draft_result = draft
        self.litreview.set_status(f"{draft.mode} draft written")  # not an earlier failure
        coverage = draft.coverage()
        # keys are in the citation alphabet and reasons are litreview's own words: no markup
        left_out = (
            ", ".join(f"{item['key']} ({item['reason']})" for item in coverage["left_out"])
            or "none"
        )
        report = (
            f"\n\n---\n\n**Coverage**: {coverage['cited']} of {coverage['candidates']} candidate "
            f"papers cited ({coverage['coverage']:.0%}); left out: {left_out}; "
            f"rejected citations: {len(coverage['rejected_citations'])}; "
            f"unsupported sentences: {len(coverage['unsupported_sentences'])}."
        )
        self.query_one("#draft-text", Markdown).update(to_markdown(draft, "draft.bib") + report)
        if self.outline is not None:  # written from the outline, which stays to edit again
            self.add_class("-written")
        self._status(
            f"{draft.mode} draft: {counted(len(draft.themes), 'theme')}, "
            f"{counted(len(draft.cited), 'paper')} cited, "
            f"{draft.seconds:.1f}s" + (f" — {draft.problem}" if draft.problem else ""),
            " (edit the outline and press w to write it again)" if self.outline else "",
        )

    @on(Button.Pressed, "#export-md, #export-tex")
    def export_pressed(self, event: Button.Pressed) -> None:
        if self.draft_result is None:
            self.notify("Write a draft first.", severity="warning")
            return
        fmt = "latex" if event.button.id == "export-tex" else "md"
        out = Path(self.query_one("#export-path", Input).value.strip() or "related-work.md")
        # the whole path: the message says where the files are, wherever the UI was started
        out = out.expanduser().resolve().with_suffix(".tex" if fmt == "latex" else ".md")
        draft, bib = self.draft_result, out.with_suffix(".bib")
        self.write_outputs(
            [out, bib],
            lambda: self.workspace.export_draft(draft, out, fmt),
            f"Wrote {out} and {bib}.",
        )
