"""Reading user files safely and telling their format from the extension or the content."""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.errors import InputError

_BY_EXTENSION = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".ris": "ris",
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xml": "atom",  # unless the root is EndNote's <xml> (see detect_format)
    ".atom": "atom",
    ".nbib": "pubmed",
    ".ciw": "wos",
    ".isi": "wos",
    ".enw": "enw",
}
# EndNote XML: <xml><records> after the declaration; Web of Science plain text: the FN/VR header
# or a first record's "PT J" (the tab-delimited export starts "PT<tab>AU": that is a CSV);
# CSL-JSON: an array, or objects with keys only CSL has.
_ENDNOTE = re.compile(r"\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<xml>\s*<records[\s>/]", re.S)
_WOS = re.compile(r"(?:FN .*\n(?:VR .*\n)?\s*)?PT [A-Z]\s*\n")
_API_RESPONSE = re.compile(r'\{\s*"(?:meta|total|offset|next|token|data|results)"\s*:')
_CSL = re.compile(
    r'"(?:issued|container-title|citation-key|date-parts)"\s*:|"author"\s*:\s*\[\s*\{'
)


# Files people keep beside their reference exports (the papers, their figures): what they are,
# by their first bytes or, failing that, their extension. A folder being imported sets these
# aside (and says so); named on their own, they are refused with this name.
_DOCUMENT_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"{\\rtf", "word-processor document"),
    (b"AT&TFORM", "DjVu document"),
    (b"%!PS", "PostScript document"),
)
_DOCUMENT_EXTENSIONS = {
    **dict.fromkeys((".pdf",), "PDF"),
    **dict.fromkeys(
        (".png", ".jpg", ".jpeg", ".gif", ".webp", ".tif", ".tiff", ".bmp", ".svg"), "image"
    ),  # fmt: skip
    **dict.fromkeys((".doc", ".docx", ".odt", ".rtf", ".pages"), "word-processor document"),
    **dict.fromkeys((".epub", ".djvu", ".ps", ".eps"), "document"),
}
_SAVE_AS_CSV = "save it as CSV (or tab-delimited text) and ingest that"
_SPREADSHEET_EXTENSIONS = {".xlsx", ".xls", ".xlsm", ".ods", ".numbers"}


def document_kind(path: Path, head: bytes) -> str | None:
    """ "PDF", "image" or another kind of document (not a reference export) from a file's first
    bytes, else from its extension; None for anything that may be one."""
    for magic, kind in _DOCUMENT_MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    return _DOCUMENT_EXTENSIONS.get(path.suffix.lower())


def _not_text(path: Path, data: bytes) -> str | None:
    """Why a file is not a reference export, with what to do instead; None if it may be one.
    (A tab-delimited export saved as `.xls` is text, and is read as such.)"""
    head = data[:16]
    binary = b"\x00" in data[:8192] or head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))
    kind = document_kind(path, head)
    if binary and path.suffix.lower() in _SPREADSHEET_EXTENSIONS:
        return f"a spreadsheet workbook, not text: {_SAVE_AS_CSV}"
    if kind:
        kind = "PDF document" if kind == "PDF" else kind
        article = "an" if kind[0] in "aeiou" else "a"
        return (
            f"{article} {kind}, not a reference export: import the papers' records instead "
            "(BibTeX, RIS, CSV ... from a reference manager or the publisher)"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return f"a Microsoft Office file, not text: {_SAVE_AS_CSV}"
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive: unpack it and ingest the files (or the folder) inside"
    return None


def read_text(path: Path) -> str:
    """The file's text, or an InputError naming the file: missing, a directory, empty, binary,
    or not UTF-8."""
    name = str(path)
    if not path.exists():
        raise InputError(name, "no such file")
    if path.is_dir():
        raise InputError(name, "is a directory, not a file")
    if not path.is_file():
        raise InputError(name, "not a regular file (a pipe, device or socket)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror}") from None
    if not data.strip():
        raise InputError(name, "the file is empty")
    why_not = _not_text(path, data)
    if why_not:
        raise InputError(name, why_not)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 (Web of Science tab-delimited)
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(name, f"not UTF-16 text as its byte-order mark says: {exc}") from None
    if b"\x00" in data[:8192]:
        raise InputError(name, "binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        newline = b"\n" if b"\n" in data else b"\r"
        line = data[: exc.start].count(newline) + 1
        raise InputError(
            name,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); if it is "
            "Latin-1 or Windows-1252, save it as UTF-8 (e.g. iconv -f cp1252 -t utf-8)",
            line,
        ) from None
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")  # CR-only line ends (classic Mac OS exports)
    return text


def detect_format(path: Path, text: str) -> str:
    """bibtex, ris, csv, jsonl, atom, csljson, pubmed, wos, endnote, enw or seed: by extension
    first, then by content."""
    if path.suffix.lower() == ".xml" and _ENDNOTE.match(text):
        return "endnote"
    by_extension = _BY_EXTENSION.get(path.suffix.lower())
    if by_extension == "ris" and _WOS.match(text.lstrip("\ufeff")):
        return "wos"  # Web of Science's tagged text saved as .ris (rispy's example_wos.ris)
    if by_extension:
        return by_extension
    head = text.lstrip()[:2000]
    first_line = head.split("\n", 1)[0].strip()
    if head.startswith("@") and "{" in first_line:
        return "bibtex"
    if head.startswith(("TY  -", "TY - ")):
        return "ris"
    if re.match(r"PMID- ?\d", head):
        return "pubmed"
    if _WOS.match(head):
        return "wos"
    if _ENDNOTE.match(head):
        return "endnote"
    from assistant.ingest.enw import is_enw

    if is_enw(head):
        return "enw"  # EndNote's tagged format in a .txt: CNKI, Google Scholar saved by hand
    if head.startswith("<?xml") or head.startswith("<feed"):
        return "atom"
    if _API_RESPONSE.match(head):
        return "jsonl"  # a Semantic Scholar or OpenAlex API response: their records, as JSON
    if head.startswith("[") or (head.startswith("{") and _CSL.search(head)):
        return "csljson"
    if first_line.startswith("{"):
        try:
            json.loads(first_line)
            return "jsonl"
        except json.JSONDecodeError:
            pass
    from assistant.ingest.pages import detect_seed_page

    if detect_seed_page(text):
        return "seed"
    if ("," in first_line and not first_line.endswith(".")) or first_line.count("\t") >= 2:
        return "csv"  # a comma header, or a tab-delimited one (Web of Science, Lens, Excel)
    from assistant.ingest.atom import unread_xml

    if unread_xml(head):
        raise InputError(path.name, unread_xml(head) or "", 1)
    raise InputError(
        path.name,
        "unknown format; use --format "
        "seed|bibtex|ris|csv|jsonl|atom|csljson|pubmed|wos|endnote|enw to say which",
    )
