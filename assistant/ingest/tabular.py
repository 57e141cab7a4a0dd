"""CSV (and TSV) files: header names mapped to fields, `--map field=Column` for the others."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import (
    clean_text,
    parse_date,
    parse_year,
    split_authors,
    split_keywords,
)
from assistant.models import Paper, Source

# Field -> header spellings seen in exports (Zotero, Web of Science, Scopus, Semantic Scholar),
# compared after lower-casing and dropping everything but letters and digits.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "key": ("key", "id", "citationkey", "bibtexkey", "paperid"),
    "title": ("title", "articletitle", "documenttitle", "papertitle", "ti"),
    "abstract": ("abstract", "abstractnote", "summary", "ab", "text"),
    "authors": ("authors", "author", "authorfullnames", "creators", "au"),
    "year": ("year", "publicationyear", "py", "pubyear"),
    "date": ("date", "publicationdate", "published"),
    "venue": ("venue", "journal", "sourcetitle", "publicationtitle", "booktitle", "so"),
    "doi": ("doi",),
    "url": ("url", "link", "pdfurl"),
    "categories": ("keywords", "categories", "authorkeywords", "manualtags", "de"),
}
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


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def iter_csv(text: str, file: str, field_map: dict[str, str] | None = None) -> Iterator[Paper]:
    reader = csv.reader(io.StringIO(text), _dialect(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(file, "no header line") from None
    columns = _columns(header, field_map, file)
    index = {field: header.index(column) for field, column in columns.items()}
    count = 0
    line = reader.line_num + 1
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                line = reader.line_num + 1
                continue
            if len(row) > len(header):
                raise InputError(file, f"{len(row)} fields but the header has {len(header)}", line)

            def cell(field: str, row: list[str] = row) -> str:
                i = index.get(field)
                return clean_text(row[i]) if i is not None and i < len(row) else ""

            title, abstract = cell("title"), cell("abstract")
            if not title and not abstract:
                raise InputError(file, "row has neither a title nor an abstract", line)
            key = cell("key")
            count += 1
            yield Paper(
                key=key,
                own_key=bool(key),
                title=title or derive_title(abstract),
                title_derived=not title,
                authors=split_authors(cell("authors")),
                year=parse_year(cell("year") or cell("date"), file, line),
                date=parse_date(cell("date")),
                venue=cell("venue") or None,
                doi=cell("doi") or None,
                url=cell("url") or None,
                categories=split_keywords(cell("categories")),
                abstract=abstract,
                sources=[Source(file=file, position=count, line=line, format="csv")],
            )
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(file, f"malformed CSV: {exc}", reader.line_num) from None
    if not count:
        raise InputError(file, "no rows in the file")


def parse_csv(text: str, file: str, field_map: dict[str, str] | None = None) -> list[Paper]:
    """Every record of the text (see `iter_csv`, which yields them as they are parsed)."""
    return list(iter_csv(text, file, field_map))
