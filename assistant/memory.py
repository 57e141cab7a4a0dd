"""Handing freed heap back to the OS (glibc only; a no-op elsewhere).

Big imports interleave short-lived buffers (a file's text, pages of store rows) with long-lived
records; glibc keeps the freed holes in the process unless asked to trim them, so a 100,000-record
ingest would carry its parse and read buffers for the hour its embedding takes.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def trim_heap() -> None:
    """Return free heap pages to the OS (cheap: no garbage collection)."""
    libc = _libc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.malloc_trim(0)


def release_freed_memory() -> None:
    """Collect garbage, then trim the heap."""
    gc.collect()
    trim_heap()
