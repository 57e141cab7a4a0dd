"""Pasted text, made safe before any widget sees it.

Textual's xterm parser reads an escape sequence inside a bracketed paste as keys: the text from
the ESC on arrives as key presses ahead of the Paste event (so the order is scrambled), ESC as a
`^`, and a line break in it as Enter, which submits the chat question. Terminals differ in
whether they strip ESC from a paste (tmux 3.3 does not), so the paste body is cleaned here, in
a parser that holds it until the paste ends, before Textual's parser reads it.
"""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import Any

from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from assistant.text import terminal_safe

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"


def clean_paste(text: str) -> str:
    """A paste as one line of plain text: escape sequences and control characters dropped, in
    order; line breaks and runs of blanks become one space."""
    return " ".join(terminal_safe(text).split())


def _marker_start(text: str) -> str:
    """The end of `text` that begins a paste marker ("\x1b", "\x1b[2", ...), if any."""
    for n in range(len(PASTE_START) - 1, 0, -1):
        if text.endswith(PASTE_START[:n]):
            return PASTE_START[:n]
    return ""


class SafePasteParser(XTermParser):
    """An XTermParser that is handed each bracketed paste whole, its body without escape
    sequences or control characters (line breaks kept, for the widget to decide on)."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._paste: str | None = None  # the body of an unfinished paste
        self._tail = ""  # the start of a paste marker that ended the last read

    def feed(self, data: str) -> Iterable[Any]:
        if not data:  # the end of input
            return super().feed(data)
        filtered = self._filter(data)
        # a read wholly inside a paste is held: feeding "" would tell the parser input ended
        return super().feed(filtered) if filtered else ()

    def _filter(self, data: str) -> str:
        out: list[str] = []
        while data:
            if self._paste is None:
                rest = PASTE_START[len(self._tail) :]
                if self._tail and data.startswith(rest):  # the marker was split between reads
                    out.append(rest)
                    data, self._paste, self._tail = data[len(rest) :], "", ""
                    continue
                start = data.find(PASTE_START)
                if start < 0:
                    out.append(data)
                    # not held back: a lone ESC may be the Escape key, which must not wait
                    self._tail = _marker_start(data)
                    break
                out.append(data[: start + len(PASTE_START)])
                data, self._paste, self._tail = data[start + len(PASTE_START) :], "", ""
                continue
            # the whole body first: a sequence may be split between two reads
            body = self._paste + data
            end = body.find(PASTE_END)
            if end < 0:
                self._paste = body
                break
            out.append(terminal_safe(body[:end], keep_newlines=True) + PASTE_END)
            data, self._paste = body[end + len(PASTE_END) :], None
        return "".join(out)


def safe_paste_driver(base: type[LinuxDriver] = LinuxDriver) -> type[LinuxDriver]:
    """`base` reading input with SafePasteParser. Its input loop names XTermParser as a global,
    so the loop is reused with that one name bound to ours (no copy of it, nothing patched for
    other apps); should a later Textual stop naming it, the loop runs as it is."""
    loop = base.run_input_thread
    names = {**loop.__globals__, "XTermParser": SafePasteParser}
    run_input_thread = types.FunctionType(
        loop.__code__, names, loop.__name__, loop.__defaults__, loop.__closure__
    )
    return type(f"SafePaste{base.__name__}", (base,), {"run_input_thread": run_input_thread})
