"""EndNote XML (`<xml><records><record>`; EndNote, Bookends, JabRef, Zotero write it).

Text fields come in `<style face=... font=... size=...>` runs, concatenated here. The XML is read
as it streams (records are let go once read); a DOCTYPE or entity declaration is refused, as for
Atom. EndNote writes the whole file on one line, so errors name the record by its position and
`rec-number` as well as by the line. A record's `<label>` is its citation key when it looks like
one (a word with a digit: `smith2020`, `test_item_2021`): EndNote's BibTeX export and Zotero's
importer read the label so; free-text labels ("Important") are not keys.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from assistant.errors import InputError
from assistant.ingest import RecordError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import clean_text, parse_year, person_name
from assistant.ingest.kinds import ENDNOTE_NUMBERS, kind_named
from assistant.ingest.values import arxiv_in, doi_in, month_date
from assistant.models import Paper, Source

_START = re.compile(r"<record(?=[\s>/])")
_KEY = re.compile(r"(?=.{4})[A-Za-z][\w:.+/-]*\d[\w:.+/-]*")
_END = re.compile(r"</record\s*>")
_CHUNK = 1 << 16


def _text(element: ET.Element | None) -> str:
    """The element's text, style runs and all."""
    return clean_text("".join(element.itertext())) if element is not None else ""


def _texts(record: ET.Element, path: str) -> list[str]:
    return [text for text in (_text(e) for e in record.iterfind(path)) if text]


def _first(record: ET.Element, *paths: str) -> str:
    return next((text for path in paths for text in _texts(record, path)), "")


def _keywords(record: ET.Element) -> list[str]:
    """Keywords, one an element or (from RIS imports) several on lines of one."""
    words: list[str] = []
    for keyword in record.iterfind("keywords/keyword"):
        for word in re.split(r"[\r\n]+", "".join(keyword.itertext())):
            word = clean_text(word)
            if word and word not in words:
                words.append(word)
    return words


def _kind(record: ET.Element) -> str | None:
    """The kind `<ref-type name="Conference Proceedings">10</ref-type>` names: by its name, else
    by EndNote's number for it."""
    ref_type = record.find("ref-type")
    if ref_type is None:
        return None
    return kind_named(ref_type.get("name")) or ENDNOTE_NUMBERS.get(_text(ref_type))


def _paper(record: ET.Element, file: str, position: int, line: int | None, span) -> Paper:
    number = _first(record, "rec-number")
    where = f"record {position}" + (f" (rec-number {number})" if number else "")
    title = _first(record, "titles/title")
    abstract = _first(record, "abstract")
    if not title and not abstract:
        raise RecordError(file, f"{where} has neither a <title> nor an <abstract>", line, span)
    year_text = _first(record, "dates/year")
    try:
        year = parse_year(year_text, file, line)
    except InputError as error:
        raise RecordError(file, f"{where}: {error.detail}", line, span) from None
    urls = [
        url
        for url in _texts(record, "urls/related-urls/url") + _texts(record, "urls/web-urls/url")
        if re.match(r"(?:https?|ftp)://", url)  # not file: PDFs nor "<Go to ISI>://..."
    ]
    doi = doi_in(_first(record, "electronic-resource-num"))
    label = _first(record, "label")
    key = label if _KEY.fullmatch(label) else ""
    people = _texts(record, "contributors/authors/author")
    people = people or _texts(record, "contributors/secondary-authors/author")  # editors
    return Paper(
        key=key,
        own_key=bool(key),
        title=title or derive_title(abstract),
        title_derived=not title,
        authors=[person_name(a) for a in people],
        year=year,
        date=month_date(year, _first(record, "dates/pub-dates/date")),
        venue=_first(record, "periodical/full-title", "titles/secondary-title", "periodical/abbr-1")
        or None,
        kind=_kind(record),
        doi=doi,
        url=urls[0] if urls else None,
        arxiv_id=arxiv_in(*urls, doi),
        categories=_keywords(record),
        abstract=abstract,
        sources=[Source(file=file, position=position, line=line, format="endnote")],
    )


def iter_endnote(text: str, file: str) -> Iterator[Paper]:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise InputError(file, "XML with a DOCTYPE or entities is not accepted")
    parser = ET.XMLPullParser(events=("start", "end"))
    starts, ends = _START.finditer(text), _END.finditer(text)
    line, counted = 1, 0  # lines counted up to an offset as the records go
    depth = 0
    records_parent: ET.Element | None = None
    count = 0
    for offset in range(0, max(len(text), 1), _CHUNK):
        try:
            parser.feed(text[offset : offset + _CHUNK])
            events = list(parser.read_events())
        except ET.ParseError as exc:
            raise _parse_error(file, exc) from None
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1 and element.tag != "xml":
                    raise InputError(
                        file, f"not EndNote XML (the root element is <{element.tag}>, not <xml>)", 1
                    )
                if depth == 2 and element.tag == "records":
                    records_parent = element
                continue
            depth -= 1
            if element.tag != "record" or depth != 2:
                continue
            count += 1
            start = next(starts, None)
            finish = next(ends, None)
            span = (start.start(), finish.end()) if start and finish else None
            if start:
                line += text.count("\n", counted, start.start())
                counted = start.start()
            try:
                yield _paper(element, file, count, line if start else None, span or (0, 0))
            finally:
                if records_parent is not None:
                    records_parent.remove(element)  # let each record go once read
    try:
        parser.close()
    except ET.ParseError as exc:
        raise _parse_error(file, exc) from None
    if not count:
        raise InputError(file, "no <record> elements in <xml><records>")


def _parse_error(file: str, exc: ET.ParseError) -> InputError:
    line = exc.position[0] if exc.position else None
    reason = re.sub(r":? ?line \d+, column \d+$", "", str(exc))
    column = f" (column {exc.position[1] + 1})" if exc.position else ""
    return InputError(file, f"malformed XML: {reason}{column}", line)


def parse_endnote(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_endnote`, which yields them as they are read)."""
    return list(iter_endnote(text, file))
