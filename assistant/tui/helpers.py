"""What every part of the terminal UI shares: the base of the tab contents and two small guards."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, cast

from textual.containers import Vertical
from textual.css.query import NoMatches

if TYPE_CHECKING:
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

    def activated(self) -> None:
        """The tab was switched to by key or command: focus where typing starts."""
