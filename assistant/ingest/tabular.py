"""CSV (and TSV) files: header names mapped to fields, `--map field=Column` for the others.

Exports from Scopus, Lens, Web of Science (tab-delimited), Zotero and PubMed are read as the `csv`
module reads them: quoted fields may hold commas, doubled quotes, newlines and references lists
of any size. The delimiter (`,` `;` or tab) is the one under which the header and the first rows
agree on the number of fields, not a guess from the header line alone.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import (
    clean_text,
    parse_date,
    parse_flag,
    parse_year,
    person_names,
    split_authors,
    split_keywords,
)
from assistant.ingest.kinds import kind_named
from assistant.ingest.values import arxiv_id_of, doi_in
from assistant.models import Paper, Source

# Field -> header spellings seen in exports (Zotero, Web of Science, Scopus, Semantic Scholar),
# compared after lower-casing and dropping everything but letters and digits.
# Lens: "Author/s", "Source Title", "Date Published", "Lens ID"; Scopus: "Authors", "Source
# title", "Author Keywords", "Link"; Web of Science tab-delimited: two-letter tags (TI, AB, AF,
# AU, PY, SO, DI, DE); Zotero: "Abstract Note", "Publication Title", "Manual Tags"; PubMed:
# "Journal/Book", "Create Date", "PMID"; Embase: "Author Names"; SpringerLink: "Item Title",
# "Item DOI"; OpenAlex: "display_name" (the title), "authorships.author.display_name" ("A|B"),
# "primary_location.source.display_name".
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "key": ("key", "id", "citationkey", "bibtexkey", "paperid"),
    "title": ("title", "articletitle", "documenttitle", "papertitle", "ti", "itemtitle",
              "displayname"),
    "abstract": ("abstract", "abstractnote", "summary", "ab", "text"),
    # Scopus "Author full names" ("Khalid, Eman (57209); ...") before its "Authors" ("Khalid E.")
    "authors": ("authorfullnames", "authors", "author", "af", "au", "creators", "authornames",
                "authorshipsauthordisplayname"),
    "year": ("year", "publicationyear", "py", "pubyear"),
    "date": ("date", "publicationdate", "datepublished", "published", "pd", "createdate"),
    # IEEE Xplore's short layout: "Publication"
    "venue": ("venue", "journal", "sourcetitle", "publicationtitle", "booktitle", "so",
              "journalbook", "primarylocationsourcedisplayname", "publication"),
    "doi": ("doi", "di", "itemdoi"),
    "arxiv_id": ("arxivid", "arxiv"),
    # Scopus and Lens "Document Type"/"Publication Type", Zotero "Item Type", Web of Science DT
    # IEEE Xplore: "Document Identifier" ("IEEE Conferences"), its short layout's "Category"
    "kind": ("kind", "documenttype", "publicationtype", "itemtype", "referencetype", "doctype",
             "entrytype", "type", "dt", "documentidentifier", "category"),
    # Publish or Perish "ArticleURL", IEEE Xplore "PDF Link"
    "url": ("url", "link", "pdfurl", "externalurl", "sourceurls", "articleurl", "pdflink"),
    "categories": ("keywords", "categories", "authorkeywords", "manualtags", "de",
                   "fieldsofstudy"),
    # what litreview's own export says it made up or shortened (export -> ingest keeps it)
    "title_derived": ("titlederived",),
    "year_inferred": ("yearinferred",),
    "authors_truncated": ("authorstruncated",),
}  # fmt: skip
FIELDS = tuple(HEADER_NAMES)


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _columns(header: list[str], field_map: dict[str, str] | None, file: str) -> dict[str, str]:
    """Field -> column name of this file."""
    columns: dict[str, str] = {}
    by_squashed = {_squash(h): h for h in header}
    for field, spellings in HEADER_NAMES.items():
        for spelling in spellings:
            if spelling in by_squashed:
                columns[field] = by_squashed[spelling]
                break
    if {"cites", "articleurl", "source"} <= by_squashed.keys() and "venue" not in columns:
        columns["venue"] = by_squashed["source"]  # Publish or Perish: "Source" is the venue
    for field, column in (field_map or {}).items():
        if field not in HEADER_NAMES:
            raise InputError(file, f"--map {field}=...: unknown field (known: {', '.join(FIELDS)})")
        if column not in header:
            found = ", ".join(header)
            raise InputError(file, f"--map {field}={column}: no such column (columns: {found})", 1)
        columns[field] = column
    if "title" not in columns and "abstract" not in columns:
        raise InputError(
            file,
            "no title or abstract column; name one with --map abstract=COLUMN "
            f"(columns: {', '.join(header)})",
            1,
        )
    return columns


def _extra_columns(header: list[str], columns: dict[str, str]) -> dict[str, int]:
    """Name -> index of the columns litreview's own CSV export writes for `extra` fields (volume,
    pages, publisher...): in its files only (all its columns present), never a database's other
    columns (Scopus "Cited by", "EID")."""
    from assistant.export import CSV_FIELDS

    if not set(CSV_FIELDS) <= set(header):
        return {}
    taken = set(CSV_FIELDS) | set(columns.values())
    return {name: i for i, name in enumerate(header) if name and name not in taken}


class _Dialect(csv.excel):
    strict = True  # an unclosed quote is an error, not the rest of the file in one field


_SAMPLE_ROWS = 20
_AUTHOR_ID = re.compile(r"\s*\(\d{5,}\)")  # Scopus author ids after each full name
_MAX_FIELD = 1 << 30  # a references list or an abstract of any size


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, fields) of every row, read with the csv module."""
    dialect = type("Dialect", (_Dialect,), {"delimiter": delimiter})
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "end of data" in str(exc):
                raise csv.Error(f"a quote opened on line {line} is never closed") from None
            if "expected after '\"'" in str(exc):
                # IEEE Xplore writes a quote inside a quoted field as it is ("EUROCON 2007 - The
                # International Conference on "Computer as a Tool"",...): from this row on, a
                # quote closes its field only where a delimiter or the line's end follows
                start = 0
                for _ in range(line - 1):
                    start = text.index("\n", start) + 1
                yield from _tolerant_rows(text, delimiter, start, line)
                return
            raise csv.Error(f"line {reader.line_num}: {exc}") from None
        yield line, row
        line = reader.line_num + 1


def _closing_quote(text: str, start: int, delimiter: str) -> int:
    """Where the quoted field opened before `start` closes: the first quote a delimiter, a line
    end or the text's end follows; -1 when none does. (A scan, not a regex: no backtracking,
    and the same on every Python.)"""
    at = start
    while True:
        at = text.find('"', at)
        if at < 0:
            return -1
        if text[at + 1 : at + 2] in (delimiter, "\n", ""):
            return at
        at += 1


def _tolerant_rows(
    text: str, delimiter: str, start: int, line: int
) -> Iterator[tuple[int, list[str]]]:
    """Rows from `start` (on `line`) on, a quote that no delimiter or line end follows being
    part of its field; a doubled quote is one quote, as usual."""
    bare = re.compile(rf"[^{re.escape(delimiter)}\n]*")
    pos = start
    while pos < len(text):
        row: list[str] = []
        first = line
        while True:
            if text.startswith('"', pos):
                end = _closing_quote(text, pos + 1, delimiter)
                if end < 0:
                    raise csv.Error(f"a quote opened on line {line} is never closed")
                row.append(text[pos + 1 : end].replace('""', '"'))
                line += text.count("\n", pos, end)
                pos = end + 1
            else:
                match = bare.match(text, pos)
                row.append(match.group())
                pos = match.end()
            if pos >= len(text) or text[pos] == "\n":
                pos += 1
                line += 1
                break
            pos += 1  # the delimiter
        yield first, row


def _delimiter(text: str) -> str:
    """The delimiter under which the header and the first rows agree on their width."""
    best, best_width = ",", 0
    for delimiter in (",", "\t", ";"):
        try:
            sample = []
            for _, row in _rows(text, delimiter):
                sample.append(row)
                if len(sample) > _SAMPLE_ROWS:
                    break
        except csv.Error:
            continue
        width = len(sample[0]) if sample else 0
        if width < 2:
            continue
        fits = all(len(_trimmed(row)) <= width for row in sample[1:] if any(row))
        if fits and width > best_width:
            best, best_width = delimiter, width
    return best


def _trimmed(row: list[str]) -> list[str]:
    """A row without the empty fields a trailing delimiter leaves (Web of Science rows)."""
    while row and not row[-1]:
        row = row[:-1]
    return row


# SpringerLink's CSV runs its authors together: "Araz R. AlievNigar T. Ismayilova". A name ends
# where a lower-case letter meets a capital, unless the word so far is a surname prefix
# ("LeCun", "McDonald", "DeVito", "MacKay", "O'Neil" has no such join).
_RUN_TOGETHER = re.compile(r"(?<=[a-z.])(?=[A-Z])")
_SURNAME_PREFIXES = {"mc", "mac", "le", "la", "de", "di", "da", "du", "van", "von", "del", "des"}


def _springer_authors(text: str) -> list[str]:
    names: list[str] = []
    current = ""
    for piece in _RUN_TOGETHER.split(text):
        last_word = current.split()[-1].rstrip(".").lower() if current.split() else ""
        if current and " " in current.strip() and last_word not in _SURNAME_PREFIXES:
            names.append(current.strip())
            current = piece
        else:
            current += piece
    if current.strip():
        names.append(current.strip())
    return person_names(names)


_SHORT_DETAILS = re.compile(r"(.*?)\.?\s+(\d{4})\s*$")


def _legacy_pubmed(
    row: list[str], at: dict[str, int], title: str, abstract: str, file: str, line: int, n: int
) -> Paper:
    """A row of PubMed's old CSV layout (see `iter_csv`)."""

    def cell(name: str) -> str:
        return clean_text(row[at[name]]) if at[name] < len(row) else ""

    short = _SHORT_DETAILS.match(cell("shortdetails"))
    pmid = cell("entrezuid")
    return Paper(
        key="",
        title=title or derive_title(abstract),
        title_derived=not title,
        authors=split_authors(cell("description")),
        year=parse_year(short.group(2), file, line) if short else None,
        venue=(short.group(1).strip() or None) if short else cell("shortdetails") or None,
        doi=doi_in(cell("details")),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid.isdigit() else None,
        abstract=abstract,
        extra={"pmid": pmid} if pmid else {},
        sources=[Source(file=file, position=n, line=line, format="csv")],
    )


def iter_csv(text: str, file: str, field_map: dict[str, str] | None = None) -> Iterator[Paper]:
    csv.field_size_limit(max(csv.field_size_limit(), min(sys.maxsize, _MAX_FIELD)))
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # CR-only files (old Mac exports)
    rows = _rows(text, _delimiter(text))
    try:
        _, header = next(rows)
    except StopIteration:
        raise InputError(file, "no header line") from None
    except csv.Error as exc:
        raise InputError(file, f"malformed CSV: {exc}", 1) from None
    header = _trimmed([h.strip() for h in header])
    columns = _columns(header, field_map, file)
    index = {field: header.index(column) for field, column in columns.items()}
    extra_columns = _extra_columns(header, columns)
    squashed = {_squash(h): i for i, h in enumerate(header)}
    springer = {"itemtitle", "contenttype"} <= squashed.keys()
    # PubMed's old "Send to: File, CSV": authors under "Description", "Journal.  2019" under
    # "ShortDetails", the DOI inside "Details", the PMID as "EntrezUID"
    legacy = {"description", "shortdetails", "details", "entrezuid"} <= squashed.keys()
    legacy_pubmed = squashed if legacy else {}
    count = 0
    line = 2
    try:
        for line, row in rows:
            if not any(cell.strip() for cell in row):
                continue
            row = _trimmed(row)
            if len(row) > len(header):
                raise InputError(file, f"{len(row)} fields but the header has {len(header)}", line)

            def cell(field: str, row: list[str] = row) -> str:
                i = index.get(field)
                return clean_text(row[i]) if i is not None and i < len(row) else ""

            title, abstract = cell("title"), cell("abstract")
            if not title and not abstract:
                raise InputError(file, "row has neither a title nor an abstract", line)
            key = cell("key")
            if "://" in key:  # an OpenAlex or Semantic Scholar URL names no citation key
                key = ""
            count += 1
            if legacy_pubmed:
                yield _legacy_pubmed(row, legacy_pubmed, title, abstract, file, line, count)
                continue
            yield Paper(
                key=key,
                own_key=bool(key),
                title=title or derive_title(abstract),
                title_derived=not title or parse_flag(cell("title_derived")),
                authors=(
                    _springer_authors(cell("authors"))
                    if springer
                    else split_authors(_AUTHOR_ID.sub("", cell("authors")).replace("|", ";"))
                ),
                authors_truncated=parse_flag(cell("authors_truncated")),
                year=parse_year(cell("year") or cell("date"), file, line),
                year_inferred=parse_flag(cell("year_inferred")),
                date=parse_date(cell("date")),
                venue=cell("venue") or None,
                kind=kind_named(cell("kind")),
                doi=cell("doi") or None,
                arxiv_id=arxiv_id_of(cell("arxiv_id")),  # the column litreview's export writes
                url=cell("url") or None,
                categories=split_keywords(cell("categories")),
                abstract=abstract,
                extra={
                    name: clean_text(row[i])
                    for name, i in extra_columns.items()
                    if i < len(row) and clean_text(row[i])
                },
                sources=[Source(file=file, position=count, line=line, format="csv")],
            )
    except csv.Error as exc:
        where = re.search(r"line (\d+)", str(exc))
        raise InputError(
            file, f"malformed CSV: {exc}", int(where.group(1)) if where else line
        ) from None
    if not count:
        raise InputError(file, "no rows in the file")


def parse_csv(text: str, file: str, field_map: dict[str, str] | None = None) -> list[Paper]:
    """Every record of the text (see `iter_csv`, which yields them as they are parsed)."""
    return list(iter_csv(text, file, field_map))
