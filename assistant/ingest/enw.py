"""EndNote's tagged import format (`.enw`; the Unix `refer` format it grew from).

What Google Scholar's "EndNote" link, ScienceDirect, Springer, CNKI, BibSonomy and JabRef write,
and EndNote itself imports: one field a line, `%` and a one-character tag, a space and the value
(`%T Title`, `%A Surname, Given`, one `%A` an author). A record starts at its `%0` reference type
(`%0 Journal Article`) or, in refer files without one, after a blank line. A line without a tag
continues the field before it, so an abstract may run on over lines and paragraphs. Tags as in
EndNote's own import filter: %T title, %A author (%E editor), %J journal (%B the secondary title:
a book's or a conference's name), %D year, %8 date, %X abstract, %R DOI, %U URL, %K keywords,
%F label (the citation key, as JabRef writes it, when it looks like one), %M accession number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.errors import InputError
from assistant.ingest import RecordError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import (
    clean_text,
    parse_date,
    parse_year,
    person_name,
    split_keywords,
    text_lines,
)
from assistant.ingest.kinds import kind_named
from assistant.ingest.values import arxiv_in, doi_in, month_date
from assistant.models import Paper, Source

# a tag is % and one character of EndNote's table (letters, digits and the punctuation it uses)
_TAG = re.compile(r"%([0-9A-Za-z@!#$&()*+\[\]^<>=~?|])(?:[ \t]+(.*?))?[ \t]*$")
_KEY = re.compile(r"(?=.{4})[A-Za-z][\w:.+/-]*\d[\w:.+/-]*")


class _Record:
    __slots__ = ("start", "line", "end", "fields")

    def __init__(self, start: int, line: int) -> None:
        self.start, self.line, self.end = start, line, start
        self.fields: dict[str, list[str]] = {}  # tag -> its values, in order


def is_enw(head: str) -> bool:
    """Whether a text opens as a tagged EndNote file: its first line a tag, and a title,
    author or reference type among its first lines."""
    lines = [line.strip() for line in head.lstrip("\ufeff").splitlines() if line.strip()][:40]
    if not lines or not _TAG.fullmatch(lines[0]):
        return False
    tags = {match.group(1) for match in map(_TAG.fullmatch, lines) if match}
    return bool(tags & {"0", "T", "A"}) and sum(bool(_TAG.fullmatch(x)) for x in lines) >= 2


def _records(text: str, file: str) -> Iterator[_Record]:
    record: _Record | None = None
    values: list[str] | None = None  # the field a tagless line continues
    gap = False  # a blank line since the last field
    for number, (line_start, end, raw) in enumerate(text_lines(text), 1):
        if number == 1:
            raw = raw.lstrip("\ufeff")
        if not raw.strip():
            gap = True
            continue
        match = _TAG.fullmatch(raw.strip())
        if match is None:
            if values is None:
                raise InputError(
                    file,
                    "expected an EndNote tag such as '%0 Journal Article' or '%T Title' "
                    "('%', one character, a space, the value)",
                    number,
                )
            # a value running on: an abstract's next line or paragraph (CNKI writes blank
            # lines inside one), one more keyword
            values[-1] = f"{values[-1]}\n{raw.strip()}"
            if record is not None:
                record.end = end
            gap = False
            continue
        tag, value = match.group(1), (match.group(2) or "")
        # A blank line ends a record. %0 does not start one by itself: CiNii and AIS write it
        # after the title, a catalogue writes two; it does after a whole record written
        # without a blank line between.
        fields = record.fields if record is not None else {}
        if record is None or gap or (tag == "0" and "0" in fields and "T" in fields):
            if record is not None:
                yield record
            record = _Record(line_start, number)
        gap = False
        values = record.fields.setdefault(tag, [])
        values.append(value)
        record.end = end
    if record is not None:
        yield record


def _first(record: _Record, tag: str) -> str:
    """A field's first value: Wanfang gives the journal twice (in Chinese, then English)."""
    return next((clean_text(v) for v in record.fields.get(tag, []) if v.strip()), "")


def _joined(record: _Record, tag: str) -> str:
    return clean_text(" ".join(record.fields.get(tag, [])))


def _people(values: list[str]) -> list[str]:
    """Authors, one a line; a line holding several ("Smith, J.; Lee, K." as CNKI and some sites
    write) is split at its semicolons. A name ending in a comma is EndNote's corporate author."""
    names: list[str] = []
    for value in values:
        parts = value.split(";") if ";" in value else [value]
        for part in parts:
            part = clean_text(part)
            if not part:
                continue
            names.append(part.rstrip(", ") if part.endswith(",") else person_name(part))
    return [name for name in names if name]


def _keywords(values: list[str]) -> list[str]:
    words: list[str] = []
    for value in values:
        for line in value.split("\n"):
            for word in split_keywords(line):
                if word.lower() not in {w.lower() for w in words}:
                    words.append(word)
    return words


def _paper(record: _Record, file: str, position: int) -> Paper:
    span = (record.start, record.end)
    title = _first(record, "T")
    abstract = _joined(record, "X")
    if not title and not abstract:
        raise RecordError(
            file, "record has neither a title (%T) nor an abstract (%X)", record.line, span
        )
    dated = _first(record, "8")
    # CNKI dates a newspaper article by %8 alone ("2023-09-21")
    year_text = _first(record, "D") or (dated if re.match(r"\d{4}\b", dated) else "")
    try:
        year = parse_year(year_text or None, file, record.line)
    except InputError as error:
        raise RecordError(file, f"%D: {error.detail}", record.line, span) from None
    urls = [u for u in _joined(record, "U").split() if re.match(r"https?://", u)]
    # %R holds a DOI, bare or as a link, or another identifier (oai:..., URN:NBN:...)
    doi = next(filter(None, map(doi_in, [*record.fields.get("R", []), *urls])), None)
    venue = _first(record, "J") or _first(record, "B") or None
    label = _first(record, "F")
    key = label if _KEY.fullmatch(label) else ""
    extra = {"accession": _first(record, "M")} if _first(record, "M") else {}
    return Paper(
        key=key,
        own_key=bool(key),
        title=title or derive_title(abstract),
        title_derived=not title,
        authors=_people(record.fields.get("A") or record.fields.get("E") or []),
        year=year,
        date=parse_date(dated) or parse_date(_first(record, "D")) or month_date(year, dated),
        venue=venue,
        kind=next(filter(None, map(kind_named, record.fields.get("0", []))), None),
        doi=doi,
        url=urls[0] if urls else None,
        arxiv_id=arxiv_in(*urls, doi, venue),
        categories=_keywords(record.fields.get("K", [])),
        abstract=abstract,
        extra=extra,
        sources=[Source(file=file, position=position, line=record.line, format="enw")],
    )


def iter_enw(text: str, file: str) -> Iterator[Paper]:
    count = 0
    for record in _records(text, file):
        count += 1
        yield _paper(record, file, count)
    if not count:
        raise InputError(file, "no EndNote records ('%0 Journal Article', '%T Title' ...) found")


def parse_enw(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_enw`, which yields them as they are read)."""
    return list(iter_enw(text, file))
