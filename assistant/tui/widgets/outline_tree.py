"""A draft's outline as a tree (themes and their papers) that the keys edit before the
paragraphs are written: r renames a theme, m moves a paper to another theme (or back from the
removed ones), x removes a paper, w writes the draft.

Every edit goes through `Outline.edited`, the check the CLI's `--outline FILE` runs, so a name
the outline refuses (empty, or another theme's) is a notice and nothing changes. Titles and
theme names (a model may have written them) are shown as plain text, never as markup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree

from assistant.text import plain, terminal_safe
from assistant.tui.helpers import shortened
from assistant.tui.screens.outline_edit import NEW_THEME, MoveScreen, RenameScreen

if TYPE_CHECKING:
    from rich.style import Style
    from textual.widgets.tree import TreeNode

    from assistant.draft import Outline

# what a line of the tree stands for: ("theme", its index), ("paper", key), ("removed", None)
NodeData = tuple[str, Any]


class OutlineTree(Tree[NodeData]):
    DEFAULT_CSS = """
    OutlineTree {
        height: 1fr;
        border: round $primary;
        border-title-color: $text;
    }
    """
    # The footer lists these first: "Rename theme", "Move paper" and the Draft tab's and app's
    # keys made it wider than 80 columns, the last under the command palette's key. The tree
    # says what is a theme and what a paper; the tooltips say it in full.
    BINDINGS = [
        Binding("r", "rename", "Rename", tooltip="Rename the theme", id="outline.rename"),
        Binding("m", "move", "Move", tooltip="Move the paper to another theme", id="outline.move"),
        Binding(
            "x,delete",
            "remove",
            "Remove",
            key_display="x",
            id="outline.remove",
            tooltip="Remove the paper from the draft",
        ),
        Binding("w", "write", "Write draft", id="outline.write"),
        # Ctrl+O and Ctrl+N act here as anywhere, but leave the footer to the outline's keys:
        # the nearest binding of a key is the one the footer shows (F1 lists both)
        Binding("ctrl+o", "app.plan_outline", "Plan outline", show=False),
        Binding("ctrl+n", "app.new_session", "New session", show=False),
    ]

    class Changed(Message):
        """The user edited the outline; `outline` is the checked result."""

        def __init__(self, outline: Outline) -> None:
            super().__init__()
            self.outline = outline

    class WriteRequested(Message):
        """Write the draft from `outline`."""

        def __init__(self, outline: Outline) -> None:
            super().__init__()
            self.outline = outline

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("outline", id=id)
        self.show_root = False
        self.outline: Outline | None = None
        self.border_title = "Outline"

    # -- showing it ---------------------------------------------------------------------------
    def show(self, outline: Outline, focus: NodeData | None = None) -> None:
        """List `outline`'s themes and papers (and the removed ones); the cursor goes to
        `focus` if given, else stays on its line."""
        line = max(self.cursor_line, 0)
        self.outline = outline
        self.clear()
        lines: dict[NodeData, int] = {}
        for n, theme in enumerate(outline.themes):
            lines[("theme", n)] = len(lines)
            node = self.root.add(_theme_label(n, theme.name, len(theme.keys)),
                                 data=("theme", n), expand=True)  # fmt: skip
            for key in theme.keys:
                lines[("paper", key)] = len(lines)
                node.add_leaf(self._paper_label(key), data=("paper", key))
        if outline.removed:
            lines[("removed", None)] = len(lines)
            node = self.root.add(
                Text(f"Removed: left out of the draft ({len(outline.removed)})", style="dim"),
                data=("removed", None),
                expand=True,
            )
            for key in outline.removed:
                lines[("paper", key)] = len(lines)
                node.add_leaf(self._paper_label(key, removed=True), data=("paper", key))
        self.cursor_line = min(lines.get(focus, line) if focus else line, len(lines) - 1)
        if self.cursor_node is not None:
            self.scroll_to_node(self.cursor_node, animate=False)

    def _paper_label(self, key: str, removed: bool = False) -> Text:
        assert self.outline is not None
        paper = self.outline.papers[key]
        title = terminal_safe(" ".join(plain(paper.title).split()))  # as the Library tab shows it
        year = f" ({paper.year})" if paper.year else ""
        style = "dim strike" if removed else ""
        return Text.assemble(
            (terminal_safe(key), "dim" if removed else "cyan"), "  ", (title, style), (year, "dim")
        )

    def render_label(self, node: TreeNode[NodeData], base_style: Style, style: Style) -> Text:
        """The label, shortened to the box's width: a long title ran past the box's edge, to be
        scrolled sideways ("... with Tree Structu"), and took the paper's year with it."""
        label = super().render_label(node, base_style, style)
        depth, above = 0, node.parent
        while above is not None and above is not self.root:
            depth, above = depth + 1, above.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth
        if room <= 0 or label.cell_len <= room:  # not laid out yet, or it fits
            return label
        paper = self.outline.papers.get(node.data[1]) if self.outline and node.data else None
        # a paper's year ends its label: the title before it gives way
        year = len(f" ({paper.year})") if paper and paper.year and depth else 0
        if not year or room <= year + 8:
            return shortened(label, room)
        return shortened(label[: len(label) - year], room - year) + label[len(label) - year :]

    def theme_index(self) -> int | None:
        """The theme under the cursor, or the theme of the paper under it."""
        node = self.cursor_node
        if node is None or node.data is None:
            return None
        kind, value = node.data
        if kind == "theme":
            return int(value)
        parent = node.parent
        if kind == "paper" and parent is not None and parent.data and parent.data[0] == "theme":
            return int(parent.data[1])
        return None

    def paper_key(self) -> str | None:
        node = self.cursor_node
        if node is None or node.data is None or node.data[0] != "paper":
            return None
        return str(node.data[1])

    # -- editing it ---------------------------------------------------------------------------
    def _pairs(self) -> list[tuple[str, list[str]]]:
        assert self.outline is not None
        return [(theme.name, list(theme.keys)) for theme in self.outline.themes]

    def apply(self, pairs: list[tuple[str, list[str]]], focus: NodeData | None = None) -> bool:
        """Check the edited themes; show them and tell the screen, or say why not."""
        from assistant.errors import LitreviewError

        assert self.outline is not None
        try:
            outline = self.outline.edited(pairs)
        except LitreviewError as error:
            self.notify(f"Outline not changed: {error}", severity="warning", timeout=6)
            return False
        self.show(outline, focus)
        self.post_message(self.Changed(outline))
        return True

    def rename(self, index: int, name: str) -> bool:
        pairs = self._pairs()
        pairs[index] = (name, pairs[index][1])
        return self.apply(pairs, ("theme", index))

    def move(self, key: str, target: int | str) -> bool:
        """Put `key` in theme `target` (an index), or in a new theme (NEW_THEME)."""
        pairs = [(name, [k for k in keys if k != key]) for name, keys in self._pairs()]
        if target == NEW_THEME:
            taken = {name.casefold() for name, _ in pairs}
            n = 1
            while f"new theme {n}" in taken:
                n += 1
            pairs.append((f"New theme {n}", [key]))
        else:
            pairs[int(target)][1].append(key)
        return self.apply(pairs, ("paper", key))

    def remove(self, key: str) -> bool:
        pairs = [(name, [k for k in keys if k != key]) for name, keys in self._pairs()]
        return self.apply(pairs)

    # -- the keys -------------------------------------------------------------------------------
    def action_rename(self) -> None:
        index = self.theme_index()
        if self.outline is None or index is None:
            self.notify("Put the cursor on a theme (or one of its papers) to rename it.")
            return
        name = self.outline.themes[index].name

        def renamed(new: str | None) -> None:
            if new is not None and new != name:
                self.rename(index, new)

        self.app.push_screen(RenameScreen(name), renamed)

    def action_move(self) -> None:
        key = self.paper_key()
        if self.outline is None or key is None:
            self.notify("Put the cursor on a paper to move it to another theme.")
            return
        here = self.theme_index()
        names = [theme.name for theme in self.outline.themes]

        def moved(target: int | str | None) -> None:
            if target is not None:
                self.move(key, target)

        self.app.push_screen(MoveScreen(key, names, here), moved)

    def action_remove(self) -> None:
        key = self.paper_key()
        if self.outline is None or key is None:
            self.notify("Put the cursor on a paper to remove it from the draft.")
            return
        if self.theme_index() is None:
            self.notify(f"{key} is removed already; m moves it back into a theme.")
            return
        self.remove(key)

    def action_write(self) -> None:
        if self.outline is not None:
            self.post_message(self.WriteRequested(self.outline))


def _theme_label(n: int, name: str, count: int) -> Text:
    papers = f"  ({count} paper{'s' if count != 1 else ''})"
    return Text.assemble((f"{n + 1}. ", "bold"), (terminal_safe(name), "bold"), (papers, "dim"))
