"""Web of Science plain text ("Other file formats > Plain text", `savedrecs.txt`; `.ciw`).

An `FN`/`VR` header, then records from `PT J` (or B, S, P) to `ER`, and `EF` at the end. Each
line is a two-character tag, a space and a value; a value runs on over lines indented by three
spaces, and in multi-value tags (AU, AF, CA, C1...) each such line is one more value. Records
have no citation key of their own; the accession number (UT) and the PubMed id (PM) are kept in
`extra`. The tab-delimited export is a CSV variant and read by the CSV importer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.errors import InputError
from assistant.ingest import RecordError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import (
    clean_text,
    parse_year,
    person_names,
    split_keywords,
    text_lines,
)
from assistant.ingest.kinds import wos_kind
from assistant.ingest.values import month_date
from assistant.models import Paper, Source

_TAG = re.compile(r"([A-Z][A-Z0-9])(?: (.*))?$")
_RECORD_END = re.compile(r"^ER[ \t\r]*$", re.MULTILINE)


class _Record:
    __slots__ = ("start", "line", "end", "fields")

    def __init__(self, start: int, line: int) -> None:
        self.start, self.line, self.end = start, line, start
        self.fields: dict[str, list[str]] = {}  # tag -> its lines (continuations included)


def _records(text: str, file: str) -> Iterator[_Record]:
    """Each PT..ER record's fields, as the text is read; stray text or an unclosed record is an
    error."""
    record: _Record | None = None
    current: list[str] | None = None
    for number, (line_start, end, raw) in enumerate(text_lines(text), 1):
        raw = raw.rstrip()
        if number == 1:
            raw = raw.lstrip("\ufeff")
        if not raw.strip():
            continue
        if record is None:
            if raw.startswith("PT "):
                record = _Record(line_start, number)
                current = record.fields.setdefault("PT", [])
                current.append(raw[3:].strip())
            elif raw == "EF":
                return
            elif not raw.startswith(("FN ", "VR ")):
                raise InputError(file, "expected a record starting with 'PT '", number)
            continue
        if raw.startswith("   "):
            if current is None:
                raise InputError(file, "continuation line before any tag", number)
            current.append(raw.strip())
            record.end = end
            continue
        match = _TAG.match(raw)
        if not match:
            after = _RECORD_END.search(text, line_start)  # the whole record is left out, not half
            raise RecordError(
                file,
                "not a Web of Science line: expected a two-letter tag and its value, or a "
                "continuation indented by three spaces",
                number,
                (record.start, after.end() if after else len(text)),
            )
        tag = match.group(1)
        if tag == "PT":
            raise InputError(file, "record has no 'ER' end line", record.line)
        if tag == "ER":
            record.end = end
            yield record
            record, current = None, None
            continue
        current = record.fields.setdefault(tag, [])
        current.append((match.group(2) or "").strip())
        record.end = end
    if record is not None:
        raise InputError(file, "record has no 'ER' end line", record.line)


def _paper(record: _Record, file: str, position: int) -> Paper:
    fields = record.fields
    span = (record.start, record.end)

    def joined(tag: str) -> str:
        return clean_text(" ".join(fields.get(tag, [])))

    title = joined("TI")
    abstract = joined("AB")
    if not title and not abstract:
        raise RecordError(
            file, "record has neither a title (TI) nor an abstract (AB)", record.line, span
        )
    people = fields.get("AF") or fields.get("AU") or []
    authors = person_names(people)
    authors += [clean_text(group) for group in fields.get("CA", []) if group.strip()]
    published = joined("PY") or joined("EA")  # EA: early access, "JAN 2021"
    found = re.search(r"\d{4}", published)
    try:
        if published and not found:
            raise InputError(file, f"PY {published!r} is not a year", record.line)
        year = parse_year(found.group() if found else None, file, record.line)
    except InputError as error:
        raise RecordError(file, error.detail, record.line, span) from None
    keywords: list[str] = []
    for word in split_keywords(joined("DE")) + split_keywords(joined("ID")):
        if word.lower() not in {k.lower() for k in keywords}:
            keywords.append(word)
    extra = {}
    if joined("UT"):
        extra["wos"] = joined("UT")
    if joined("PM"):
        extra["pmid"] = joined("PM")
    return Paper(
        title=title or derive_title(abstract),
        title_derived=not title,
        authors=authors,
        year=year,
        date=month_date(year, joined("PD")),
        venue=joined("SO") or joined("SE") or None,
        kind=wos_kind(joined("PT"), joined("DT")),
        # PLOS lists its figures' DOIs after the paper's ("10.1/x; 10.1/x.r001; ..."); a SICI
        # DOI holds a ";" of its own ("...2.0.CO;2")
        doi=re.split(r";\s", joined("DI"))[0].strip() or None,
        categories=keywords,
        abstract=abstract,
        extra=extra,
        sources=[Source(file=file, position=position, line=record.line, format="wos")],
    )


def iter_wos(text: str, file: str) -> Iterator[Paper]:
    count = 0
    for record in _records(text, file):
        count += 1
        yield _paper(record, file, count)
    if not count:
        raise InputError(file, "no Web of Science records (starting 'PT ') in the file")


def parse_wos(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_wos`, which yields them as they are read)."""
    return list(iter_wos(text, file))
