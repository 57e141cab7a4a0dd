"""What every part of the terminal UI shares: the base of the tab contents (with the export rule
of the CLI) and two small guards."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual.containers import Vertical
from textual.css.query import NoMatches

if TYPE_CHECKING:
    from rich.text import Text

    from assistant.tui.app import LitreviewApp
    from assistant.workspace import Workspace


def while_mounted(method: Any) -> Any:
    """For handlers that may run after the screen is torn down (a late row highlight, a worker
    finishing at exit): a missing widget then means there is nothing left to update."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except NoMatches:
            return None

    return wrapper


def error_text(exc: BaseException) -> str:
    """A failure as one line for a notification: our own errors speak for themselves."""
    from assistant.errors import LitreviewError

    if isinstance(exc, LitreviewError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class AppPart(Vertical):
    """The content of one tab. Parts report to the app (status bar, failure notices) by calling
    it; what another part must follow they post as a message, and the app routes it."""

    @property
    def litreview(self) -> LitreviewApp:
        return cast("LitreviewApp", self.app)

    @property
    def workspace(self) -> Workspace:
        return self.litreview.workspace

    def call_from_thread(self, callback: Any, *args: Any, **kwargs: Any) -> Any:
        """For workers: run `callback` on the UI thread (a no-op once the app is closing)."""
        return self.app.call_from_thread(callback, *args, **kwargs)

    def write_outputs(self, paths: list[Path], write: Callable[[], Any], done: str) -> None:
        """Write files as the CLI does: a missing or unwritable directory is refused before
        anything is written, and files that exist are overwritten only after a yes (the
        CLI's --force). `write` writes all of `paths`; `done` is the notice after it."""
        from assistant.tui.screens.confirm import ConfirmScreen
        from assistant.workspace import check_outputs

        try:
            check_outputs(paths, force=True)  # the directories, before any question
        except Exception as exc:  # noqa: BLE001
            self.litreview.fail("not exported", exc)
            return

        def run() -> None:
            try:
                write()
            except Exception as exc:  # noqa: BLE001
                self.litreview.fail("export failed", exc)
                return
            self.notify(done)
            self.litreview.set_status(done.rstrip("."))  # not the last failure, still shown

        existing = [path for path in paths if path.exists()]
        if not existing:
            run()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                run()
            else:
                self.notify("Not exported: nothing was overwritten.", severity="warning")

        names = " and ".join(str(path) for path in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        self.app.push_screen(ConfirmScreen(f"{names} {verb}. Overwrite?"), answered)

    def activated(self) -> None:
        """The tab was switched to by key or command: focus where typing starts."""


def counted(number: int, noun: str) -> str:
    """ "1 theme", "3 themes"."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def shortened(text: Text, width: int, slack: int = 12) -> Text:
    """`text` in `width` cells, ending in "…" after the last whole word if that word ends
    within `slack` cells of the cut (else cut inside the word)."""
    if text.cell_len <= width:
        return text
    cut = text.copy()
    cut.truncate(max(width - 1, 0))
    space = cut.plain.rfind(" ")
    if space > len(cut.plain) - slack:
        cut = cut[:space]
    cut.rstrip()
    return cut + "…"
