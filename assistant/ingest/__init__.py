"""Parsing user files into Paper records: format detection and dispatch to one module per format."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import NamedTuple

from assistant.errors import InputError
from assistant.models import Paper

FORMATS = (
    *("seed", "bibtex", "ris", "csv", "jsonl", "atom", "csljson", "pubmed", "wos", "endnote"),
    "enw",  # EndNote's tagged format; "endnote" is EndNote XML
)
_MAX_SKIPS = 10_000


class ParsedFile(NamedTuple):
    """What parsing one file gave: the records kept, the errors of records left out, and how
    many records the file holds (kept or not)."""

    records: list[Paper]
    skipped: list[InputError]
    count: int


class RecordError(InputError):
    """A bad record whose extent in the text is known: `span` is its (start, end) character
    offsets. --skip-invalid blanks exactly those characters (line breaks kept, so later lines
    keep their numbers) and parses the rest again: a JSON array item or an XML record on a
    one-line file is left out alone."""

    def __init__(self, file: str, message: str, line: int | None, span: tuple[int, int]) -> None:
        super().__init__(file, message, line)
        self.span = span


def _parse(fmt: str, text: str, name: str, field_map: dict[str, str] | None) -> Iterable[Paper]:
    if fmt == "seed":
        from assistant.ingest.pages import parse_seed_page

        return parse_seed_page(text, name)
    if fmt == "bibtex":
        from assistant.ingest.bibtex import iter_bibtex

        return iter_bibtex(text, name)
    if fmt == "ris":
        from assistant.ingest.ris import iter_ris

        return iter_ris(text, name)
    if fmt == "csv":
        from assistant.ingest.tabular import iter_csv

        return iter_csv(text, name, field_map)
    if fmt == "jsonl":
        from assistant.ingest.jsonl import iter_jsonl

        return iter_jsonl(text, name)
    if fmt == "atom":
        from assistant.ingest.atom import iter_atom

        return iter_atom(text, name)
    if fmt == "csljson":
        from assistant.ingest.csljson import iter_csljson

        return iter_csljson(text, name)
    if fmt == "pubmed":
        from assistant.ingest.pubmed import iter_pubmed

        return iter_pubmed(text, name)
    if fmt == "wos":
        from assistant.ingest.wos import iter_wos

        return iter_wos(text, name)
    if fmt == "endnote":
        from assistant.ingest.endnote import iter_endnote

        return iter_endnote(text, name)
    if fmt == "enw":
        from assistant.ingest.enw import iter_enw

        return iter_enw(text, name)
    raise InputError(name, f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


# Where a bad record ends, so --skip-invalid can blank it out and parse the rest again.
_RECORD_STARTS = {
    "jsonl": lambda line: True,
    "csv": lambda line: True,
    "bibtex": lambda line: line.lstrip().startswith("@"),
    "ris": lambda line: line.startswith("TY  -"),
    "pubmed": lambda line: line.startswith("PMID-"),
    "wos": lambda line: line.startswith("PT "),
}


def _blank_span(lines: list[str], span: tuple[int, int]) -> bool:
    """Blank the characters of a record (a RecordError's span), keeping line breaks; False when
    there was nothing left to blank (the same error again)."""
    import re

    text = "\n".join(lines)
    start, end = span
    blanked = re.sub(r"[^\n]", " ", text[start:end])
    if blanked == text[start:end]:
        return False
    lines[:] = (text[:start] + blanked + text[end:]).split("\n")
    return True


def _blank_record(lines: list[str], fmt: str, line_no: int) -> bool:
    """Blank the record starting on `line_no`; False when it was blank already (parsing again
    would give the same error: a CSV header that names no title, say)."""
    starts = _RECORD_STARTS[fmt]
    index = line_no - 1
    changed = bool(lines[index])
    lines[index] = ""
    index += 1
    while index < len(lines) and not starts(lines[index]):
        changed = changed or bool(lines[index])
        lines[index] = ""
        index += 1
    return changed


def parse_file(
    path: Path,
    fmt: str | None = None,
    field_map: dict[str, str] | None = None,
    skip_invalid: bool = False,
    keep: Callable[[Paper], bool] | None = None,
) -> ParsedFile:
    """Records of one file, and (with skip_invalid) the errors of records left out.

    Each record's source gets the digest of the record as parsed. `keep` sees each record as
    it is parsed; those it declines are counted but not held (a re-import of a big file keeps
    only what changed, not a second copy of the library).
    """
    from assistant.ingest.detect import detect_format, read_text

    text = read_text(path)
    name = path.name
    fmt = fmt or detect_format(path, text)
    if fmt not in FORMATS:
        raise InputError(name, f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if field_map and fmt != "csv":
        raise InputError(name, "--map applies to CSV files only")
    try:
        kept, count = _collect(_parse(fmt, text, name, field_map), keep)
        return ParsedFile(kept, [], count)
    except InputError as error:
        first_error = error
    # Split into lines only now: a valid file is parsed once, without a second copy of its text.
    lines = text.split("\n")
    del text
    if not skip_invalid:
        trial = lines[:]  # blanking the bad record is only a trial here
        recoverable = _recoverable(first_error, trial, fmt)
        others = trial[1:] if fmt == "csv" else trial  # a CSV header is no record
        if recoverable and any(line.strip() for line in others):
            # one bad record among others: say how to import them
            hint = f"{first_error.detail} (--skip-invalid imports the other records)"
            raise InputError(first_error.file, hint, first_error.line) from None
        raise first_error
    skipped: list[InputError] = []
    error = first_error
    while True:
        recoverable = _recoverable(error, lines, fmt)
        if not recoverable or len(skipped) >= _MAX_SKIPS:
            skipped.append(error)  # the whole file is left out
            return ParsedFile([], skipped, 0)
        skipped.append(error)
        try:
            kept, count = _collect(_parse(fmt, "\n".join(lines), name, field_map), keep)
            return ParsedFile(kept, skipped, count)
        except InputError as next_error:
            error = next_error


def _recoverable(error: InputError, lines: list[str], fmt: str) -> bool:
    """Whether the record `error` names can be left out (its lines blanked in `lines`) and the
    rest of the file read."""
    span = getattr(error, "span", None)
    recoverable = span is not None or (
        fmt in _RECORD_STARTS
        and error.line
        and error.line <= len(lines)
        and not (fmt == "csv" and error.line == 1)  # the header: no row can be read without
    )
    if not recoverable:
        return False
    return _blank_span(lines, span) if span is not None else _blank_record(lines, fmt, error.line)


def _collect(
    records: Iterable[Paper], keep: Callable[[Paper], bool] | None
) -> tuple[list[Paper], int]:
    """Stamp each record's source with the record's digest; hold those `keep` accepts. A record
    with a field too large for any real one is refused (see `check_sizes`); markup and links are
    read out of its fields (see `tidy_record`); a key that cannot
    be cited is made citable (see `make_citable`); a preprint called an article is a preprint
    (see `settle_kind`)."""
    import hashlib

    from assistant.ingest.fields import check_sizes, record_json, tidy_record
    from assistant.ingest.kinds import settle_kind
    from assistant.ingest.merge import make_citable

    kept: list[Paper] = []
    count = 0
    for paper in records:
        count += 1
        check_sizes(paper)
        tidy_record(paper)
        make_citable(paper)
        settle_kind(paper)
        digest = hashlib.blake2b(record_json(paper).encode(), digest_size=12).hexdigest()
        for source in paper.sources:
            source.digest = digest
        if keep is None or keep(paper):
            kept.append(paper)
    return kept, count


def import_fingerprint(path: Path, fmt: str | None, field_map: dict[str, str] | None) -> str:
    """What the records parsed from a file depend on: its bytes, the options, the parser's code.

    Equal fingerprints mean an import would parse the same records again. The parser modules
    are hashed, so a new version's parsing never hides behind an old fingerprint.
    """
    import hashlib
    import json

    digest = hashlib.blake2b(_parser_code_digest(), digest_size=16)
    digest.update(json.dumps([fmt, field_map], sort_keys=True).encode())
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    return digest.hexdigest()


@cache
def _parser_code_digest() -> bytes:
    """The parser modules and the record model, hashed once per process."""
    import hashlib

    here = Path(__file__).parent
    digest = hashlib.blake2b(digest_size=16)
    for module in [*sorted(here.glob("*.py")), here.parent / "models.py"]:
        digest.update(module.read_bytes())
    return digest.digest()
