"""The `litreview` console script: the CLI imported, then run.

A module of its own so that a Ctrl-C while the CLI's modules are still being imported (the first
tenth of a second) ends as any other interrupt does, in one line with exit 130, not a traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from assistant.cli import run
    except KeyboardInterrupt:
        sys.stderr.write("litreview: interrupted\n")
        raise SystemExit(130) from None
    run()
