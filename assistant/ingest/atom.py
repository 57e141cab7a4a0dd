"""arXiv API Atom feeds (`export.arxiv.org/api/query` results saved to a file)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import clean_text, parse_date
from assistant.models import Paper, Source

_NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
_ARXIV_ID = re.compile(r"arxiv\.org/abs/([^\s?#]+?)(v\d+)?$")


def _entry_lines(text: str) -> list[int]:
    """Line numbers where each <entry> starts, for error messages (ElementTree has none).

    Newlines are counted from the previous entry on, not from the start each time: counting
    from the start made a feed's parse time grow with the square of its entries."""
    lines: list[int] = []
    line, counted = 1, 0
    for match in re.finditer(r"<(?:\w+:)?entry[\s>]", text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        lines.append(line)
    return lines


# arXiv keeps a title's and an abstract's line breaks as submitted: one after the hyphen of a
# compound ("positron-\nproton") is no space in it
_HYPHEN_BREAK = re.compile(r"(?<=\w-)\s*\n\s*(?=\w)")


# XML exports litreview does not read, and what to export instead
_UNREAD_XML = (
    (re.compile(r"<(?:PubmedArticleSet|PubmedArticle|MedlineCitationSet|MedlineCitation)\b"),
     "PubMed XML is not read: save the results in PubMed format (.nbib) and ingest that"),
    (re.compile(r"<rdf:RDF\b"),
     "RDF (Zotero RDF) is not read: export BibTeX, RIS or CSL JSON, or ingest the Zotero "
     "database itself with --zotero"),
)  # fmt: skip


def unread_xml(head: str) -> str | None:
    """What to say of an XML export of a kind litreview does not read, from its opening."""
    return next((say for pattern, say in _UNREAD_XML if pattern.search(head)), None)


def _unwrapped(text: str) -> str:
    return clean_text(_HYPHEN_BREAK.sub("", text))


def iter_atom(text: str, file: str) -> Iterator[Paper]:
    other = unread_xml(text[:4000])
    if other:
        raise InputError(file, other, 1)
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise InputError(file, "XML with a DOCTYPE or entities is not accepted")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        reason = re.sub(r":? ?line \d+, column \d+$", "", str(exc))
        raise InputError(file, f"malformed XML: {reason}", line) from None
    if root.tag != f"{{{_NS['atom']}}}feed":
        raise InputError(file, "not an Atom feed (the root element is not <feed>)", 1)
    lines = _entry_lines(text)
    count = 0
    for position, entry in enumerate(root.findall("atom:entry", _NS), 1):
        line = lines[position - 1] if position <= len(lines) else None
        title = _unwrapped(entry.findtext("atom:title", "", _NS))
        abstract = _unwrapped(entry.findtext("atom:summary", "", _NS))
        if not title and not abstract:
            raise InputError(file, "entry has neither a <title> nor a <summary>", line)
        entry_id = clean_text(entry.findtext("atom:id", "", _NS))
        match = _ARXIV_ID.search(entry_id)
        published = entry.findtext("atom:published", "", _NS)
        date = parse_date(published)
        url = next(
            (
                link.get("href")
                for link in entry.findall("atom:link", _NS)
                if link.get("rel", "alternate") == "alternate" and link.get("href")
            ),
            entry_id or None,
        )
        categories = []
        primary = entry.find("arxiv:primary_category", _NS)
        if primary is not None and primary.get("term"):
            categories.append(primary.get("term"))
        for category in entry.findall("atom:category", _NS):
            term = category.get("term")
            if term and term not in categories:
                categories.append(term)
        count += 1
        yield Paper(
            title=title or derive_title(abstract),
            title_derived=not title,
            authors=[
                clean_text(a.findtext("atom:name", "", _NS))
                for a in entry.findall("atom:author", _NS)
                if clean_text(a.findtext("atom:name", "", _NS))
            ],
            year=int(date[:4]) if date else None,
            date=date,
            venue=clean_text(entry.findtext("arxiv:journal_ref", "", _NS)) or None,
            kind="preprint",  # the arXiv record, even of a paper published since (journal_ref)
            doi=clean_text(entry.findtext("arxiv:doi", "", _NS)) or None,
            url=url,
            arxiv_id=match.group(1) if match else None,
            categories=categories,
            abstract=abstract,
            sources=[Source(file=file, position=position, line=line, format="atom")],
        )
    if not count:
        raise InputError(file, "no <entry> elements in the feed")


def parse_atom(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_atom`, which yields them as they are parsed)."""
    return list(iter_atom(text, file))
