"""JSON Lines records: `id`/`key` (or BEIR `_id`), `title`, `abstract` (or BEIR `text`), `authors`,
`year`, and optional `venue`, `doi`, `url`, `categories`/`keywords`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import (
    clean_text,
    parse_flag,
    parse_year,
    split_authors,
    split_keywords,
    text_lines,
)
from assistant.models import Paper, Source

_TEXT_FIELDS = ("title", "abstract", "text", "venue", "journal", "doi", "url")


def _load(raw: str, file: str, number: int) -> dict[str, Any]:
    """One line as a JSON object, or a one-line refusal naming the line: malformed JSON, nesting
    too deep for the parser, integers too long to read, lone surrogates (which no file or
    terminal can take), fields of the wrong type."""
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(file, f"invalid JSON: {exc.msg} (column {exc.colno})", number) from None
    except RecursionError:
        raise InputError(file, "invalid JSON: nested too deeply", number) from None
    except ValueError as exc:  # Python's limit on the digits of an integer
        raise InputError(file, f"invalid JSON: a number too long to read ({exc})", number) from None
    if not isinstance(item, dict):
        raise InputError(file, "each line must be a JSON object", number)
    try:
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(file, "invalid text: a lone surrogate (\\ud800-\\udfff)", number) from None
    except (RecursionError, ValueError) as exc:
        raise InputError(file, f"invalid JSON: {exc}", number) from None
    for name in _TEXT_FIELDS:
        if item.get(name) is not None and not isinstance(item[name], str):
            raise InputError(file, f"{name} must be text, not {type(item[name]).__name__}", number)
    key = item.get("id", item.get("key", item.get("_id")))
    if key is not None and (isinstance(key, bool) or not isinstance(key, (str, int))):
        raise InputError(file, f"id must be a string or a number, not {type(key).__name__}", number)
    return item


def iter_jsonl(text: str, file: str) -> Iterator[Paper]:
    count = 0
    for number, (_, _, raw) in enumerate(text_lines(text), 1):
        if not raw.strip():
            continue
        item = _load(raw, file, number)
        key = item.get("id", item.get("key", item.get("_id")))
        abstract = clean_text(item.get("abstract", item.get("text")))
        title = clean_text(item.get("title"))
        if not abstract and not title:
            raise InputError(file, "record has neither an abstract nor a title", number)
        try:
            authors = split_authors(item.get("authors", item.get("author")))
        except ValueError as exc:
            raise InputError(file, f"authors: {exc}", number) from None
        categories = split_keywords(item.get("categories", item.get("keywords")) or [])
        count += 1
        yield Paper(
            key=str(key).strip() if key not in (None, "") else "",
            own_key=key not in (None, ""),
            title=title or derive_title(abstract),
            title_derived=not title or parse_flag(item.get("title_derived")),
            authors=authors,
            authors_truncated=parse_flag(item.get("authors_truncated")),
            year=parse_year(item.get("year"), file, number),
            year_inferred=parse_flag(item.get("year_inferred")),
            venue=clean_text(item.get("venue", item.get("journal"))) or None,
            doi=clean_text(item.get("doi")) or None,
            url=clean_text(item.get("url")) or None,
            categories=[str(c) for c in categories],
            abstract=abstract,
            sources=[Source(file=file, position=count, line=number, format="jsonl")],
        )
    if not count:
        raise InputError(file, "no records in the file")


def parse_jsonl(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_jsonl`, which yields them as they are parsed)."""
    return list(iter_jsonl(text, file))
