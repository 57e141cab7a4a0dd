"""PubMed/MEDLINE tagged text (`.nbib`, PubMed's "PubMed format" `.txt`), record by record.

Each line is `TAG - value` with the tag padded to four characters (`PMID- `, `TI  - `,
`FAU - `); a value runs on over lines indented by six spaces; records are separated by blank
lines. Records have no citation key of their own (the library makes one); the PMID becomes the
URL (https://pubmed.ncbi.nlm.nih.gov/PMID/) and `extra["pmid"]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.errors import InputError
from assistant.ingest import RecordError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import clean_text, parse_year, person_name, text_lines
from assistant.ingest.kinds import kind_named
from assistant.ingest.values import month_date
from assistant.models import Paper, Source

# a tag padded to four characters, then "-" ("TI  - ", "PMID- "), or one space later (ERIC)
# a tag is two to four capitals or digits: NASA ADS's MEDLARS export writes its URL as "4099- "
_TAG_LEAD = re.compile(r"([A-Z0-9][A-Z0-9]{1,3}) {0,3}-(?= |$)")
_ID_KIND = re.compile(r"^(.*?)\s*\[(\w+)\]$")
_INITIALS = re.compile(r"^(.*\S)\s+([A-Z]{1,4})$")  # "Woyach JA"
_RECORD_END = re.compile(r"\n(?:[ \t\r]*\n|PMID-)")  # a blank line, or the next record


class _Record:
    __slots__ = ("start", "line", "end", "fields")

    def __init__(self, start: int, line: int) -> None:
        self.start, self.line, self.end = start, line, start
        self.fields: list[list[str]] = []  # [tag, value] in file order


def _records(text: str, file: str) -> Iterator[_Record]:
    """Each record's fields, continuation lines joined, as the text is read."""
    record: _Record | None = None
    for number, (start, end, raw) in enumerate(text_lines(text), 1):
        if not raw.strip():
            if record is not None:
                yield record
                record = None
        elif raw[0] in " \t":
            if record is None or not record.fields:
                raise InputError(
                    file, "continuation line outside a record (expected 'TAG - value')", number
                )
            record.fields[-1][1] += " " + raw.strip()
            record.end = end
        else:
            # "TI  - ", "PMID- "; ERIC writes a four-letter tag with a space: "ISSN - ..."
            lead = _TAG_LEAD.match(raw)
            if lead is not None and lead.end() not in (5, 6):
                lead = None
            tag = lead.group(1) if lead else ""
            if lead is None:
                message = (
                    "not a MEDLINE line: expected 'TAG - value' or a continuation indented by "
                    "six spaces"
                )
                if record is None:
                    raise InputError(file, message, number)
                after = _RECORD_END.search(text, start)  # the whole record is left out, not half
                raise RecordError(
                    file, message, number, (record.start, after.start() if after else len(text))
                )
            if record is not None and tag == "PMID" and any(f[0] == "PMID" for f in record.fields):
                yield record  # a record started without a blank line before it
                record = None
            if record is None:
                record = _Record(start, number)
            record.fields.append([tag, raw[lead.end() :].strip()])
            record.end = end
    if record is not None:
        yield record


def _short_name(value: str) -> str:
    """ "Woyach JA" (an AU line) as "JA Woyach"; other forms kept."""
    match = _INITIALS.match(value)
    return f"{match.group(2)} {match.group(1)}" if match else value


def _identifier(values: list[str], kind: str) -> str | None:
    """The value of `10.1/x [doi]`-style lines (LID, AID) of one kind."""
    for value in values:
        match = _ID_KIND.match(value)
        if match and match.group(2).lower() == kind:
            return match.group(1).strip() or None
    return None


def _keywords(fields: list[list[str]]) -> list[str]:
    """OT keywords, then MeSH headings without qualifiers and stars ("Neoplasms/*therapy")."""
    words: list[str] = []
    for tag, value in fields:
        if tag == "OT":
            word = clean_text(value)
        elif tag == "MH":
            word = clean_text(value.split("/")[0].lstrip("*"))
        else:
            continue
        if word and word not in words:
            words.append(word)
    return words


def _title(value: str) -> str:
    """The title without the period MEDLINE ends it with; PubMed brackets the titles it
    translated: "[Diagnosis of x]." is "Diagnosis of x"."""
    title = clean_text(value)
    match = re.fullmatch(r"\[(.+)\]\.?", title)
    title = match.group(1) if match else title
    return title[:-1] if title.endswith(".") and not title.endswith("..") else title


def _kind(publication_types: list[str]) -> str | None:
    """The kind PT lines name ("Journal Article", "Review", "Preprint"): a preprint is also
    "Journal Article" in some records, so it wins."""
    kinds = [kind_named(value) for value in publication_types]
    for kind in ("preprint", "article"):
        if kind in kinds:
            return kind
    return next((kind for kind in kinds if kind), None)


def _paper(record: _Record, file: str, position: int) -> Paper:
    span = (record.start, record.end)
    values: dict[str, list[str]] = {}
    for tag, value in record.fields:
        values.setdefault(tag, []).append(value)

    def first(*tags: str) -> str:
        return next((clean_text(values[t][0]) for t in tags if values.get(t)), "")

    pmid = first("PMID")
    title = _title(first("TI", "BTI", "TT"))
    abstract = clean_text(" ".join(values.get("AB", [])))
    if not title and not abstract:
        raise RecordError(
            file, "record has neither a title (TI) nor an abstract (AB)", record.line, span
        )
    full, short = [], []
    for tag, value in record.fields:
        if tag == "FAU":
            full.append(person_name(value))
        elif tag == "AU":
            short.append(_short_name(clean_text(value)))
        elif tag == "CN":  # a group author, in both lists where it stands
            full.append(clean_text(value))
            short.append(clean_text(value))
    published = first("DP") or first("DEP")
    try:
        year = parse_year(published, file, record.line)
    except InputError as error:
        raise RecordError(file, f"DP: {error.detail}", record.line, span) from None
    doi = _identifier(values.get("LID", []), "doi") or _identifier(values.get("AID", []), "doi")
    extra = {"pmid": pmid} if pmid else {}
    if first("PMC"):
        extra["pmcid"] = first("PMC")
    return Paper(
        title=title or derive_title(abstract),
        title_derived=not title,
        authors=[a for a in (full if "FAU" in values else short) if a],
        year=year,
        date=month_date(year, published[4:]),
        venue=first("JT", "TA") or None,
        kind=_kind(values.get("PT", [])),
        doi=doi,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid.isdigit() else None,
        categories=_keywords(record.fields),
        abstract=abstract,
        extra=extra,
        sources=[Source(file=file, position=position, line=record.line, format="pubmed")],
    )


def iter_pubmed(text: str, file: str) -> Iterator[Paper]:
    count = 0
    for record in _records(text, file):
        count += 1
        yield _paper(record, file, count)
    if not count:
        raise InputError(file, "no MEDLINE records (starting 'PMID- ') in the file")


def parse_pubmed(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_pubmed`, which yields them as they are read)."""
    return list(iter_pubmed(text, file))
