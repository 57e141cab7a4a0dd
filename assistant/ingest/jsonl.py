"""JSON Lines records: `id`/`key` (or BEIR `_id`), `title`, `abstract` (or BEIR `text`), `authors`,
`year`, and optional `venue`, `doi`, `url`, `categories`/`keywords`.

Semantic Scholar papers (`externalIds`, `journal` as an object, authors as objects) and OpenAlex
works (`display_name`, `publication_year`, `authorships`, `abstract_inverted_index`,
`primary_location`) are read as what they are, a line each or as an API response: one JSON
object whose `data` (Semantic Scholar) or `results` (OpenAlex) list holds them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import (
    clean_text,
    parse_date,
    parse_flag,
    parse_year,
    split_authors,
    split_keywords,
    text_lines,
)
from assistant.ingest.kinds import KINDS, kind_named
from assistant.ingest.values import arxiv_in, doi_in
from assistant.models import Paper, Source

_TEXT_FIELDS = ("title", "abstract", "text", "venue", "doi", "url")
_RESPONSE_LISTS = ("data", "results")  # Semantic Scholar's and OpenAlex's API responses
_RESPONSE_START = re.compile(r'\s*\{\s*"(?:meta|total|offset|next|token|data|results)"\s*:')


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
    return _checked(item, file, number)


def _checked(item: dict[str, Any], file: str, number: int) -> dict[str, Any]:
    try:
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(file, "invalid text: a lone surrogate (\\ud800-\\udfff)", number) from None
    except (RecursionError, ValueError) as exc:
        raise InputError(file, f"invalid JSON: {exc}", number) from None
    for name in _TEXT_FIELDS:
        if item.get(name) is not None and not isinstance(item[name], str):
            raise InputError(file, f"{name} must be text, not {type(item[name]).__name__}", number)
    journal = item.get("journal")  # Semantic Scholar: {"name", "volume", "pages"}
    if journal is not None and not isinstance(journal, (str, dict)):
        raise InputError(file, f"journal must be text, not {type(journal).__name__}", number)
    key = item.get("id", item.get("key", item.get("_id")))
    if key is not None and (isinstance(key, bool) or not isinstance(key, (str, int))):
        raise InputError(file, f"id must be a string or a number, not {type(key).__name__}", number)
    return item


def _response_items(text: str, file: str) -> list[tuple[int, dict[str, Any]]] | None:
    """(line, item) of each record of an API response (one JSON object holding a `data` or
    `results` list of objects); None when the text is not one."""
    if not _RESPONSE_START.match(text):
        return None
    from assistant.ingest.csljson import decode_at

    decoder = json.JSONDecoder()  # a number too long to read refuses the file, as a line's does
    start = len(text) - len(text.lstrip())
    response, end = decode_at(decoder, text, start, file)
    name = next((n for n in _RESPONSE_LISTS if isinstance(response.get(n), list)), None)
    if name is None or text[end:].strip():
        return None  # JSON Lines whose first record has a "data" field, say
    items: list[tuple[int, dict[str, Any]]] = []
    found = re.search(rf'"{name}"\s*:\s*\[', text)
    position = found.end() if found else len(text)
    for value in response[name]:  # each item's line: walk the list as it is written
        position = len(text) - len(text[position:].lstrip(" \t\r\n,"))
        try:
            _, position_end = decoder.raw_decode(text, position)
            line = text.count("\n", 0, position) + 1
            position = position_end
        except json.JSONDecodeError:
            line = 1
        if not isinstance(value, dict):
            raise InputError(file, f"each item of the {name!r} list must be a JSON object", line)
        items.append((line, _checked(value, file, line)))
    return items


def _lines(text: str, file: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, (_, _, raw) in enumerate(text_lines(text), 1):
        if raw.strip():
            yield number, _load(raw, file, number)


def _inverted_abstract(index: Any) -> str:
    """OpenAlex's abstract_inverted_index ({"word": [positions]}) as the text it indexes."""
    if not isinstance(index, dict):
        return ""
    placed = [
        (position, word)
        for word, positions in index.items()
        if isinstance(positions, list)
        for position in positions
        if isinstance(position, int)
    ]
    return " ".join(word for _, word in sorted(placed))


def _name_of(value: Any) -> str:
    """A venue given as text or as an object with a name (Semantic Scholar's journal)."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("display_name")
    return clean_text(value) if isinstance(value, str) else ""


def _own_fields(item: dict[str, Any]) -> dict[str, Any]:
    """What litreview's own JSONL export holds beyond the bibliographic fields (`extra` fields,
    organizations, page metadata), each taken when it has its type: foreign files may use
    the same names for other things."""
    own: dict[str, Any] = {}
    extra = item.get("extra")
    if isinstance(extra, dict):
        own["extra"] = {str(k): clean_text(v) for k, v in extra.items() if isinstance(v, str)}
    organizations = item.get("organizations")
    if isinstance(organizations, list):
        own["organizations"] = [clean_text(o) for o in organizations if isinstance(o, str)]
    for name, kind in (("author_count", int), ("upvotes", int), ("score", (int, float))):
        value = item.get(name)
        if isinstance(value, kind) and not isinstance(value, bool):
            own[name] = value
    if isinstance(item.get("has_code"), bool):
        own["has_code"] = item["has_code"]
    return own


def _kind(item: dict[str, Any]) -> str | None:
    """litreview's own `kind`, else the first of Semantic Scholar's publicationTypes that names
    one ("Conference", "JournalArticle", "BookSection")."""
    if item.get("kind") in KINDS:
        return item["kind"]
    types = item.get("publicationTypes")
    if isinstance(types, list):
        return next((kind_named(t) for t in types if isinstance(t, str) and kind_named(t)), None)
    return None


def iter_jsonl(text: str, file: str) -> Iterator[Paper]:
    count = 0
    response = _response_items(text, file)
    for number, item in response if response is not None else _lines(text, file):
        key = item.get("id", item.get("key", item.get("_id")))
        if isinstance(key, str) and "://" in key:  # an OpenAlex or Semantic Scholar URL
            key = None
        abstract = clean_text(item.get("abstract", item.get("text")))
        abstract = abstract or clean_text(_inverted_abstract(item.get("abstract_inverted_index")))
        title = clean_text(item.get("title")) or clean_text(item.get("display_name"))
        if not abstract and not title:
            raise InputError(file, "record has neither an abstract nor a title", number)
        try:
            authors = split_authors(
                item.get("authors", item.get("author", item.get("authorships")))
            )
        except ValueError as exc:
            raise InputError(file, f"authors: {exc}", number) from None
        categories = split_keywords(item.get("categories", item.get("keywords")) or [])
        ids = item.get("externalIds") or item.get("externalids") or {}  # Semantic Scholar
        ids = ids if isinstance(ids, dict) else {}
        location = item.get("primary_location")  # OpenAlex: {"source": {"display_name"}}
        source = location.get("source") if isinstance(location, dict) else None
        doi = clean_text(item.get("doi")) or clean_text(ids.get("DOI"))
        arxiv = clean_text(ids.get("ArXiv")) or clean_text(item.get("arxiv_id"))
        url = clean_text(item.get("url")) or clean_text(item.get("article_url")) or None
        count += 1
        yield Paper(
            key=str(key).strip() if key not in (None, "") else "",
            own_key=key not in (None, ""),
            title=title or derive_title(abstract),
            title_derived=not title or parse_flag(item.get("title_derived")),
            authors=authors,
            authors_truncated=parse_flag(item.get("authors_truncated")),
            year=parse_year(item.get("year", item.get("publication_year")), file, number),
            year_inferred=parse_flag(item.get("year_inferred")),
            date=parse_date(
                item.get("date") or item.get("publication_date") or item.get("publicationDate")
            ),
            venue=clean_text(item.get("venue"))
            or _name_of(item.get("journal"))
            or _name_of(source)
            or None,
            kind=_kind(item),
            doi=doi_in(doi) or doi or None,  # OpenAlex writes https://doi.org/10...
            url=url,
            arxiv_id=arxiv_in(f"arXiv:{arxiv}" if arxiv else None, url),
            categories=[str(c) for c in categories],
            abstract=abstract,
            sources=[Source(file=file, position=count, line=number, format="jsonl")],
            **_own_fields(item),
        )
    if not count:
        raise InputError(file, "no records in the file")


def parse_jsonl(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_jsonl`, which yields them as they are parsed)."""
    return list(iter_jsonl(text, file))
