"""JSON Lines records: `id`/`key` (or BEIR `_id`), `title`, `abstract` (or BEIR `text`), `authors`,
`year`, and optional `venue`, `doi`, `url`, `categories`/`keywords`."""

from __future__ import annotations

import json
from typing import Any

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.models import Paper, Source


def _authors(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(a).strip() for a in value if str(a).strip()]
    if isinstance(value, str) and value.strip():
        parts = value.split(";") if ";" in value else value.split(" and ")
        return [p.strip() for p in parts if p.strip()]
    return []


def _year(value: Any, file: str, line: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(str(value).strip()[:4])
    except ValueError:
        raise InputError(file, f"year {value!r} is not a year", line) from None
    if not 1000 <= year <= 2999:
        raise InputError(file, f"year {value!r} is out of range", line)
    return year


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def parse_jsonl(text: str, file: str) -> list[Paper]:
    papers: list[Paper] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(
                file, f"invalid JSON: {exc.msg} (column {exc.colno})", number
            ) from None
        if not isinstance(item, dict):
            raise InputError(file, "each line must be a JSON object", number)
        key = item.get("id", item.get("key", item.get("_id")))
        abstract = _text(item.get("abstract", item.get("text")))
        title = _text(item.get("title"))
        if not abstract and not title:
            raise InputError(file, "record has neither an abstract nor a title", number)
        categories = item.get("categories", item.get("keywords")) or []
        if isinstance(categories, str):
            categories = [c.strip() for c in categories.replace(";", ",").split(",") if c.strip()]
        papers.append(
            Paper(
                key=str(key).strip() if key not in (None, "") else "",
                own_key=key not in (None, ""),
                title=title or derive_title(abstract),
                title_derived=not title,
                authors=_authors(item.get("authors", item.get("author"))),
                year=_year(item.get("year"), file, number),
                venue=_text(item.get("venue", item.get("journal"))) or None,
                doi=_text(item.get("doi")) or None,
                url=_text(item.get("url")) or None,
                categories=[str(c) for c in categories],
                abstract=abstract,
                sources=[Source(file=file, position=len(papers) + 1, line=number, format="jsonl")],
            )
        )
    if not papers:
        raise InputError(file, "no records in the file")
    return papers
