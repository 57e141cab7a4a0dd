"""BibTeX files, parsed with bibtexparser (v2); entries keep their own keys."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.models import Paper, Source

_KNOWN = {"title", "author", "year", "date", "journal", "booktitle", "doi", "url", "eprint",
          "archiveprefix", "keywords", "abstract", "month"}  # fmt: skip


def _authors(value: str) -> list[str]:
    names = []
    for raw in re.split(r"\s+and\s+", value.strip()):
        raw = " ".join(raw.split())
        if not raw:
            continue
        if "," in raw:  # "Last, First" -> "First Last"
            last, _, first = raw.partition(",")
            raw = f"{first.strip()} {last.strip()}".strip()
        names.append(raw)
    return names


def iter_bibtex(text: str, file: str) -> Iterator[Paper]:
    import bibtexparser

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # we report failures ourselves
    library = bibtexparser.parse_string(text)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        line = (block.start_line or 0) + 1
        what = type(block).__name__
        message = "duplicate key" if "Duplicate" in what else "malformed entry"
        key = getattr(block, "key", None)
        raise InputError(file, f"{message}" + (f" {key!r}" if key else ""), line)
    if not library.entries:
        raise InputError(file, "no BibTeX entries in the file")
    for position, entry in enumerate(library.entries, 1):
        fields = {name.lower(): f.value for name, f in entry.fields_dict.items()}
        title = " ".join(str(fields.get("title", "")).split())
        abstract = " ".join(str(fields.get("abstract", "")).split())
        line = (entry.start_line or 0) + 1
        if not title and not abstract:
            raise InputError(file, f"entry {entry.key!r} has neither a title nor an abstract", line)
        year_text = str(fields.get("year", "") or fields.get("date", ""))[:4]
        year = int(year_text) if year_text.isdigit() else None
        date = fields.get("date")
        keywords = [k.strip() for k in str(fields.get("keywords", "")).split(",") if k.strip()]
        yield Paper(
            key=entry.key,
            own_key=True,
            title=title or derive_title(abstract),
            title_derived=not title,
            authors=_authors(str(fields.get("author", ""))),
            year=year,
            date=str(date) if date else None,
            venue=fields.get("journal") or fields.get("booktitle") or None,
            doi=fields.get("doi") or None,
            url=fields.get("url") or None,
            arxiv_id=fields.get("eprint") or None,
            categories=keywords,
            abstract=abstract,
            extra={k: str(v) for k, v in fields.items() if k not in _KNOWN},
            sources=[Source(file=file, position=position, line=line, format="bibtex")],
        )


def parse_bibtex(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_bibtex`, which yields them as they are parsed)."""
    return list(iter_bibtex(text, file))
