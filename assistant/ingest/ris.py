"""RIS files (EndNote, Zotero, Mendeley exports), parsed record by record with rispy."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import (
    clean_text,
    parse_date,
    parse_year,
    person_names,
    split_keywords,
)
from assistant.ingest.kinds import kind_named
from assistant.ingest.values import doi_in, month_date
from assistant.models import Paper, Source

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -( |$)")
# some EndNote exports write one space before the dash ("TY - JOUR"): read as the standard's two
_ONE_SPACE_TAG = re.compile(r"^([A-Z][A-Z0-9]) -(?= |$)")
# what Ovid writes between its records: a record number ("1.") and its links
_OVID_FURNITURE = re.compile(r"^\s*(?:\d+\.\s*$|Link to the (?:Ovid Full Text|External Link))")


_PROVIDER_HEADER = re.compile(r"^(?:Provider|Database|Content):\s")


def _records(text: str, file: str) -> list[tuple[int, list[str]]]:
    """(start line, lines) of each TY..ER record; stray text or an unclosed record is an error."""
    records: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    start = 0
    lines = text.splitlines()
    one_space = next((bool(_ONE_SPACE_TAG.match(x)) for x in lines if x.strip()), False)
    # CiteSource writes its records without a TY line, each closed by its ER: a file with no TY
    # at all and an ER line is read so, each record's type unknown
    tags = {_tag_of(x) for x in lines}
    typeless = "TY" not in tags and "ER" in tags
    for number, line in enumerate(lines, 1):
        if one_space:
            line = _ONE_SPACE_TAG.sub(r"\1  -", line, count=1)
        tag = _TAG.match(line)
        if current is None:
            if not line.strip() or _OVID_FURNITURE.match(line):
                continue
            if not records and _PROVIDER_HEADER.match(line):
                continue  # JSTOR's and PsycINFO's "Provider: ...", "Database: ...", "Content: ..."
            if tag and typeless:
                current, start = ["TY  - ", line], number
                continue
            if tag and tag.group(1) != "TY" and records:
                records[-1][1].insert(-1, line)  # Ovid writes "NL  - ..." after a record's ER
                continue
            if not tag or tag.group(1) != "TY":
                raise InputError(file, "expected a record starting with 'TY  - '", number)
            current, start = [line], number
            continue
        if tag and tag.group(1) == "TY":
            raise InputError(file, "record has no 'ER  - ' end line", start)
        current.append(line + " " if tag and line.endswith("-") else line)  # "ER  -" stripped
        if tag and tag.group(1) == "ER":
            records.append((start, current))
            current = None
    if current is not None:
        raise InputError(file, "record has no 'ER  - ' end line", start)
    return records


def _tag_of(line: str) -> str | None:
    tag = _TAG.match(line)
    return tag.group(1) if tag else None


def _l3_doi(entry: dict) -> str | None:
    """EBSCO writes the DOI under L3 ("related records" in the RIS spec): taken when it is one."""
    for value in (entry.get("unknown_tag") or {}).get("L3", []):
        doi = doi_in(clean_text(value))
        if doi:
            return doi
    return None


def iter_ris(text: str, file: str) -> Iterator[Paper]:
    import rispy

    count = 0
    for position, (line, lines) in enumerate(_records(text, file), 1):
        try:
            (entry,) = rispy.loads("\n".join(lines) + "\n")
        except Exception as exc:  # rispy raises plain IOError/ValueError on bad records
            raise InputError(file, f"malformed RIS record: {exc}", line) from None
        title = clean_text(entry.get("title") or entry.get("primary_title"))
        abstract = clean_text(entry.get("abstract") or entry.get("notes_abstract"))
        if not title and not abstract:
            raise InputError(file, "record has neither a title (TI) nor an abstract (AB)", line)
        authors = entry.get("authors") or entry.get("first_authors") or []
        year_value = entry.get("year") or entry.get("publication_year") or entry.get("date")
        urls = entry.get("urls") or []
        key = clean_text(entry.get("id"))
        if key.isdigit():
            key = ""  # EndNote's record number ("ID  - 243"), not a citation key
        count += 1
        yield Paper(
            key=key,
            own_key=bool(key),
            title=title or derive_title(abstract),
            title_derived=not title,
            authors=person_names(authors),
            year=(year := parse_year(year_value, file, line)),
            # DA "2018/11/05", PY or Y1 "2018/01/1", or DA "NOV" beside the year (Web of Science)
            date=parse_date(entry.get("date"))
            or parse_date(entry.get("year"))
            or parse_date(entry.get("publication_year"))
            or month_date(year, clean_text(entry.get("date"))),
            venue=clean_text(
                entry.get("journal_name")
                or entry.get("secondary_title")
                or entry.get("alternate_title3")
                or entry.get("alternate_title1")  # J2, the abbreviated journal: the last resort
            )
            or None,
            kind=kind_named(entry.get("type_of_reference")),  # TY: JOUR, CONF, CHAP, THES...
            doi=clean_text(entry.get("doi")) or _l3_doi(entry) or None,
            url=clean_text(urls[0]) if urls else None,
            categories=split_keywords(entry.get("keywords") or []),
            abstract=abstract,
            sources=[Source(file=file, position=position, line=line, format="ris")],
        )
    if not count:
        raise InputError(file, "no RIS records in the file")


def parse_ris(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_ris`, which yields them as they are parsed)."""
    return list(iter_ris(text, file))
