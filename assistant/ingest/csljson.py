"""CSL-JSON (Zotero, Mendeley, Pandoc, Better BibTeX, Manubot): a JSON array of items, one
item alone, or items one after another. Items are decoded one at a time as the array is walked.

The key is the item's `citation-key` (CSL 1.0.2, Better BibTeX) or else its `id`, unless that id
is an item URI (Zotero's own export writes `http://zotero.org/users/1/items/ABCD2345`): such
items get a key from the library like any record without one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from assistant.errors import InputError
from assistant.ingest import RecordError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import (
    clean_text,
    parse_year,
    person_name,
    split_authors,
    split_keywords,
)
from assistant.ingest.kinds import kind_named
from assistant.ingest.values import arxiv_in, doi_in
from assistant.models import Paper, Source

_SPACE = re.compile(r"\s*")
# Markup CSL allows in text fields, and the JATS tags Crossref abstracts carry.
_MARKUP = re.compile(r"</?(?:jats:[\w-]+|i|b|sup|sub|sc|span|p|em|strong)\b[^>]*>")
_KEY_UNFIT = re.compile(r"://|\s")


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _items(text: str, file: str) -> Iterator[tuple[int, int, Any]]:
    """(start, end, value) of each top-level item: the array's elements, or each object of a
    text holding objects alone. A blanked item (--skip-invalid) leaves a stray comma: allowed."""
    decoder = json_decoder()
    position = _SPACE.match(text, 0).end()
    in_array = text.startswith("[", position)
    if in_array:
        position += 1
    expect_item = True
    while True:
        position = _SPACE.match(text, position).end()
        if position >= len(text):
            if in_array:
                raise InputError(
                    file, "the JSON array is not closed with ']'", _line(text, position)
                )
            return
        char = text[position]
        if in_array and char == "]":
            rest = _SPACE.match(text, position + 1).end()
            if rest < len(text):
                raise InputError(file, "text after the end of the JSON array", _line(text, rest))
            return
        if in_array and char == ",":
            position += 1
            expect_item = True
            continue
        if not expect_item:
            raise InputError(file, "expected ',' or ']' between items", _line(text, position))
        value, end = decode_at(decoder, text, position, file)
        yield position, end, value
        position = end
        expect_item = not in_array


def json_decoder() -> json.JSONDecoder:
    """A decoder that keeps an integer too long for int() (Python refuses > 4,300 digits) as its
    digits: the field holding it is then refused as the item's (a year out of range), not the
    whole file."""
    return json.JSONDecoder(parse_int=_integer)


def decode_at(decoder: json.JSONDecoder, text: str, position: int, file: str) -> tuple[Any, int]:
    """The JSON value at `position` and where it ends; bad JSON is one line naming its line."""
    try:
        return decoder.raw_decode(text, position)
    except json.JSONDecodeError as exc:
        raise InputError(
            file, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno
        ) from None
    except RecursionError:
        raise InputError(file, "invalid JSON: nested too deeply", _line(text, position)) from None
    except ValueError as exc:  # Python's limit on the digits of an integer (json_decoder has none)
        raise InputError(
            file, f"invalid JSON: a number too long to read ({exc})", _line(text, position)
        ) from None


def _integer(digits: str) -> int | str:
    return int(digits) if len(digits) <= 4000 else digits


def _unreadable(item: Any) -> str | None:
    """Why an item decoded from JSON cannot be taken, if it cannot: a lone surrogate
    (`"\\ud800"`), which no file or terminal can take, or nesting too deep to walk."""
    try:
        json.dumps(item, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "invalid text: a lone surrogate (\\ud800-\\udfff)"
    except (RecursionError, ValueError):
        return "invalid JSON: nested too deeply"
    return None


def _strip_markup(value: Any) -> str:
    return clean_text(_MARKUP.sub("", clean_text(value)))


def _name(person: Any) -> str:
    """ "Given family" from a CSL name object; `literal` names (organisations) as they are."""
    if isinstance(person, str):
        return person_name(person)
    if not isinstance(person, dict):
        return ""
    if person.get("literal"):
        return clean_text(person["literal"])
    family = " ".join(
        clean_text(person.get(part))
        for part in ("non-dropping-particle", "family")
        if clean_text(person.get(part))
    )
    given = " ".join(
        clean_text(person.get(part))
        for part in ("given", "dropping-particle")
        if clean_text(person.get(part))
    )
    name = f"{given} {family}".strip()
    suffix = clean_text(person.get("suffix"))
    return f"{name}, {suffix}" if name and suffix else name


def _issued(value: Any) -> tuple[Any, str | None]:
    """(year as written, ISO date or None) from `issued`: date-parts, raw or literal."""
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            first = [clean_text(p) for p in parts[0]]
            date = None
            if len(first) >= 2 and first[1].isdigit() and 1 <= int(first[1]) <= 12:
                date = f"{first[0]}-{int(first[1]):02d}"
                if len(first) >= 3 and first[2].isdigit() and 1 <= int(first[2]) <= 31:
                    date += f"-{int(first[2]):02d}"
            return first[0], date if re.fullmatch(r"\d{4}-\d\d(-\d\d)?", date or "") else None
        value = value.get("raw") or value.get("literal") or value.get("season")
    text = clean_text(value)
    match = re.search(r"\b\d{4}\b", text)
    if not match:
        return text or None, None
    iso = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    date = None
    if iso and 1 <= int(iso.group(2)) <= 12:
        date = iso.group(0)
    return match.group(), date


def _kind(csl_type: Any) -> str | None:
    """The kind a CSL type names: "article" is CSL's preprint or working paper (Zotero writes its
    preprints so), not a journal article ("article-journal")."""
    if not isinstance(csl_type, str):
        return None
    return "preprint" if csl_type.strip() == "article" else kind_named(csl_type)


def _extra(item: dict[str, Any]) -> dict[str, str]:
    """Volume, issue, page, publisher... under the names BibTeX and `export` give them (issue is
    BibTeX's number; a number holding the arXiv id is not kept twice)."""
    from assistant.export import CSL_VARIABLES

    extra: dict[str, str] = {}
    for name, variable in [*CSL_VARIABLES.items(), ("number", "issue"), ("number", "number")]:
        value = clean_text(_first(item.get(variable))) if item.get(variable) is not None else ""
        if value and not isinstance(_first(item.get(variable)), (dict, list)):
            extra.setdefault(name, value)
    if arxiv_in(extra.get("number")):
        del extra["number"]
    return extra


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _crossref_works(
    items: Iterator[tuple[int, int, Any]],
) -> Iterator[tuple[int, int, Any]]:
    """The works a Crossref API response holds ({"message-type": "work", "message": {...}}, or
    a "work-list" of "items"): CSL-JSON in all but the envelope."""
    for start, end, item in items:
        kind = item.get("message-type") if isinstance(item, dict) else None
        message = item.get("message") if kind else None
        if kind == "work" and isinstance(message, dict):
            yield start, end, message
        elif kind == "work-list" and isinstance(message, dict):
            for work in message.get("items") or []:
                yield start, end, work
        else:
            yield start, end, item


def iter_csljson(text: str, file: str) -> Iterator[Paper]:
    count = 0
    line, counted = 1, 0  # lines counted up to an offset as the items go, not from the start
    for start, end, item in _crossref_works(_items(text, file)):
        line += text.count("\n", counted, start)
        counted = start
        span = (start, end)
        if not isinstance(item, dict):
            raise RecordError(file, "each CSL item must be a JSON object", line, span)
        problem = _unreadable(item)
        if problem:
            raise RecordError(file, problem, line, span)
        title = _strip_markup(_first(item.get("title")))
        abstract = _strip_markup(item.get("abstract"))
        if not title and not abstract:
            raise RecordError(file, "item has neither a title nor an abstract", line, span)
        key = clean_text(item.get("citation-key") or item.get("id"))
        if _KEY_UNFIT.search(key):
            key = ""
        year_value, date = _issued(item.get("issued") or item.get("year"))
        try:
            year = parse_year(year_value, file, line)
        except InputError as error:
            raise RecordError(file, error.detail, line, span) from None
        try:  # CSL's "author", or "authors": names or objects holding them (Semantic Scholar)
            authors = item.get("author") or split_authors(item.get("authors"))
            if isinstance(authors, str):  # conference lists: "author": "A Lee; B Chen"
                authors = split_authors(authors)
        except ValueError as exc:
            raise RecordError(file, f"authors: {exc}", line, span) from None
        if not isinstance(authors, list):
            authors = [authors]
        keywords = item.get("keyword") or item.get("keywords") or []
        doi = doi_in(clean_text(_first(item.get("DOI"))))
        # and lists not CSL: "url", Publish or Perish's "article_url"
        url = (
            clean_text(_first(item.get("URL") or item.get("url") or item.get("article_url")))
            or None
        )
        # CSL's container-title; JSON lists not CSL ("venue": DBLP-made lists, "source":
        # Publish or Perish, "journal") say it so
        venue = next(
            (
                _strip_markup(value)
                for name in ("container-title", "venue", "journal", "source")
                if isinstance(value := _first(item.get(name)), str) and value.strip()
            ),
            None,
        )
        kind = _kind(item.get("type"))
        extra = _extra(item)
        cited = _embedded_bibtex(item.get("bibtex"), file)
        if cited is not None:  # what a conference list says only in its BibTeX (year, venue)
            year, date = year or cited.year, date or cited.date
            venue, kind, doi = venue or cited.venue, kind or cited.kind, doi or cited.doi
            url = url or cited.url or clean_text(item.get("site")) or None
            extra = {**cited.extra, **extra}  # pages, volume, series, editor
        count += 1
        yield Paper(
            key=key,
            own_key=bool(key),
            title=title or derive_title(abstract),
            title_derived=not title,
            authors=[name for name in (_name(a) for a in authors) if name],
            year=year,
            date=date,
            venue=venue,
            kind=kind,
            doi=doi,
            url=url,
            arxiv_id=arxiv_in(url, doi, clean_text(item.get("number"))),
            categories=split_keywords(keywords),
            abstract=abstract,
            extra=extra,
            sources=[Source(file=file, position=count, line=line, format="csljson")],
        )
    if not count:
        raise InputError(file, "no CSL items in the file")


def _embedded_bibtex(value: Any, file: str) -> Paper | None:
    """The record a "bibtex" string of an item holds (papercopilot/paperlists: the proceedings'
    own entry, with the year and venue the item leaves out); None when there is none or it
    cannot be read (it only fills gaps)."""
    if not isinstance(value, str) or "@" not in value:
        return None
    from assistant.ingest.bibtex import parse_bibtex

    try:
        papers = parse_bibtex(value, file)
    except InputError:
        return None
    return papers[0] if len(papers) == 1 else None


def parse_csljson(text: str, file: str) -> list[Paper]:
    """Every item of the text (see `iter_csljson`, which yields them as they are decoded)."""
    return list(iter_csljson(text, file))
