"""One exception family: each carries a message written for the user and an exit code."""

from __future__ import annotations


class LitreviewError(Exception):
    """Base of every error the CLI and the TUI show as one line."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(LitreviewError):
    """A file the user gave cannot be read or parsed: `FILE:LINE: what is wrong`."""

    exit_code = 2

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        where = f"{file}:{line}" if line is not None else file
        message = _one_short_line(message)
        super().__init__(f"{where}: {message}")
        self.file = file
        self.line = line
        self.detail = message


_MAX_MESSAGE = 300


def _one_short_line(message: str) -> str:
    """A message quoting what it refuses stays one readable line: a value of a million
    characters (or with line breaks in it) is shown by its ends."""
    if "\n" in message or "\r" in message:
        message = " ".join(message.split())
    if len(message) > _MAX_MESSAGE:
        message = f"{message[:200]} … {message[-80:]}"
    return message


class UsageError(LitreviewError):
    """The command was called with values that make no sense (empty query, bad range...)."""

    exit_code = 2


class NotFoundError(LitreviewError):
    """A key or session the user named does not exist."""

    exit_code = 3


class StoreError(LitreviewError):
    """The vector store cannot be opened or used (wrong model, server down...)."""

    exit_code = 4


class DataDirError(LitreviewError):
    """The data dir cannot hold the library: it is a file, read-only, not writable, or its disk
    is full."""

    exit_code = 7


class LLMError(LitreviewError):
    """The model endpoint failed in a way retries did not fix."""

    exit_code = 5
