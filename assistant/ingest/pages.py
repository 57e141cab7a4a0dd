"""Parsers for the seed page dumps: a scholar profile, a paper list, a daily-papers page, and bare
`Abstract:` lists.

Pages show dates without a year for the current year only, so a yearless date gets the year after
the latest year the page shows, flagged `year_inferred`. Fields a page does not give stay empty.
"""

from __future__ import annotations

import re
from datetime import date

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.models import Paper, Source

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_MONTH_NUMBER = {m: i for i, m in enumerate(_MONTHS.split("|"), 1)}
# "LGAug 1, 2022Code", "26.8LGMay 19", "CRAug 25, 2023"
_HEADER = re.compile(
    rf"^(?P<score>\d+(?:\.\d+)?)?(?P<cat>[A-Z]{{2}})(?P<mon>{_MONTHS}) (?P<day>\d{{1,2}})"
    rf"(?:, (?P<year>\d{{4}}))?(?P<code>Code)?$"
)
_DATE_LINE = re.compile(
    rf"^(?P<mon>{_MONTHS}) (?P<day>\d{{1,2}})(?:, (?P<year>\d{{4}}))?(?: (?P<up>\d+))?$"
)
_EXPLICIT_YEAR = re.compile(rf"(?<![a-z])(?:{_MONTHS}) \d{{1,2}}, (\d{{4}})")
_AUTHOR_COUNT = re.compile(r"^\s*•\s*(\d+)\s+authors?\s*$")
# A person's name: capitalised tokens (hyphenated or with an apostrophe allowed), or initials.
_TOKEN = r"(?:[A-Z][a-z]+(?:[-'][A-Za-z][a-z]*)*|[A-Z]\.)"
_NAME = rf"{_TOKEN}(?: {_TOKEN})+"
_AUTHORS = re.compile(rf"^(?P<names>{_NAME}(?:, {_NAME})*)(?P<etal> et al\.)?(?: · (?P<orgs>.+))?$")
_ABSTRACT_LINE = re.compile(r"^Abstract:\s*(?P<text>.*)$")

PROFILE, PAPER_LIST, DAILY, ABSTRACTS = "profile", "paper_list", "daily", "abstracts"


def detect_seed_page(text: str) -> str | None:
    """Which kind of page dump this is, or None."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    if all(_ABSTRACT_LINE.match(line) for line in lines):
        return ABSTRACTS
    headers = sum(1 for line in lines if _HEADER.match(line))
    if headers:
        if re.search(r"^\d+ Papers$", text, re.MULTILINE) or re.search(r"^h-index", text, re.M):
            return PROFILE
        return PAPER_LIST
    if "Daily Papers" in text[:500]:
        return DAILY
    return None


def parse_seed_page(text: str, file: str) -> list[Paper]:
    kind = detect_seed_page(text)
    if kind is None:
        raise InputError(
            file, "not a recognised page (profile, paper list, daily papers, Abstract: list)"
        )
    page_year = _current_year_of(text)
    if kind == ABSTRACTS:
        return _parse_abstracts(text, file)
    if kind == DAILY:
        return _parse_daily(text, file, page_year)
    return _parse_header_pages(text, file, kind, page_year)


def _current_year_of(text: str) -> int | None:
    years = [int(y) for y in _EXPLICIT_YEAR.findall(text)]
    return max(years) + 1 if years else None


def _date(
    mon: str, day: str, year: str | None, page_year: int | None
) -> tuple[str | None, int | None, bool]:
    """(ISO date, year, year_inferred)."""
    if year:
        y = int(year)
        return date(y, _MONTH_NUMBER[mon], int(day)).isoformat(), y, False
    if page_year is None:
        return None, None, False
    return date(page_year, _MONTH_NUMBER[mon], int(day)).isoformat(), page_year, True


def split_authors(line: str) -> tuple[list[str], bool, list[str]] | None:
    """(authors, truncated, organisations) if the whole line is an author list."""
    match = _AUTHORS.match(line.strip())
    if not match:
        return None
    orgs = [o.strip() for o in (match.group("orgs") or "").split(",") if o.strip()]
    return match.group("names").split(", "), bool(match.group("etal")), orgs


def split_title_authors(line: str) -> tuple[str, str] | None:
    """`...QuantizationCong Guo, Chen Zhang et al.` -> (title, author line).

    The author list starts at a capital glued to the title's last character; the leftmost such
    place where the rest parses as a complete author list wins, so a three-word first author
    ("Bo Yang Hsueh") is not cut short.
    """
    for i in range(1, len(line)):
        if line[i].isupper() and not line[i - 1].isspace() and _AUTHORS.match(line[i:]):
            title = line[:i].strip()
            if title:
                return title, line[i:]
    return None


def _source(file: str, position: int, line: int, kind: str) -> list[Source]:
    return [Source(file=file, position=position, line=line, format=f"seed-{kind}")]


def _parse_header_pages(text: str, file: str, kind: str, page_year: int | None) -> list[Paper]:
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if _HEADER.match(line.strip())]
    papers = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = [(i, lines[i].strip()) for i in range(start + 1, end) if lines[i].strip()]
        header = _HEADER.match(lines[start].strip())
        assert header is not None
        where = start + 1
        title, title_derived = "", False
        if kind == PROFILE and len(body) == 3:
            title, author_line, abstract = body[0][1], body[1][1], body[2][1]
        elif kind == PROFILE and len(body) == 2:
            author_line, abstract = body[0][1], body[1][1]  # the page shows no title
        elif kind == PAPER_LIST and len(body) == 2:
            split = split_title_authors(body[0][1])
            if split is None:
                raise InputError(file, "cannot tell the title from the author list", body[0][0] + 1)
            title, author_line = split
            abstract = body[1][1]
        else:
            raise InputError(
                file, f"entry has {len(body)} lines; expected title, authors, abstract", where
            )
        parsed = split_authors(author_line)
        if parsed is None:
            raise InputError(file, f"not an author list: {author_line[:60]!r}", where + 1)
        authors, truncated, orgs = parsed
        if not title:
            title, title_derived = derive_title(abstract), True
        iso, year, inferred = _date(header["mon"], header["day"], header["year"], page_year)
        papers.append(
            Paper(
                title=title,
                title_derived=title_derived,
                authors=authors,
                authors_truncated=truncated,
                organizations=orgs,
                year=year,
                year_inferred=inferred,
                date=iso,
                categories=[f"cs.{header['cat']}"],
                abstract=abstract,
                has_code=bool(header["code"]),
                score=float(header["score"]) if header["score"] else None,
                sources=_source(file, n + 1, where, kind),
            )
        )
    return papers


def _paragraphs(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of each blank-line separated block."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not current:
                first = number
            current.append(line)
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _is_meta(block: list[str]) -> bool:
    return any(line.strip() == "·" for line in block) or bool(_AUTHOR_COUNT.match(block[0]))


def _organization(line: str) -> str:
    """`ByteDance-Seed ByteDance Seed` (handle, then display name) -> `ByteDance Seed`."""
    handle, _, name = line.strip().partition(" ")
    if name and handle.replace("-", " ").lower() == name.lower():
        return name
    if name and handle.lower() == name.replace(" ", "").lower():
        return name
    return line.strip()


def _parse_daily(text: str, file: str, page_year: int | None) -> list[Paper]:
    blocks = _paragraphs(text)
    # the page header ends with the page's own date ("Mar 4") on a line of its own
    start = next(
        (
            i + 1
            for i, (_, b) in enumerate(blocks)
            if len(b) == 1 and _DATE_LINE.match(b[0].strip())
        ),
        None,
    )
    if start is None:
        raise InputError(file, "daily-papers page without its date line")
    papers = []
    i = start
    while i < len(blocks):
        line_no, title_block = blocks[i]
        if len(title_block) != 1 or i + 1 >= len(blocks):
            raise InputError(file, "expected a title line followed by an abstract", line_no)
        title = title_block[0].strip()
        abstract = " ".join(line.strip() for line in blocks[i + 1][1])
        i += 2
        author_count, orgs, iso, year, inferred, upvotes = None, [], None, None, False, None
        if i < len(blocks) and _is_meta(blocks[i][1]):
            meta_line, meta = blocks[i]
            i += 1
            for line in meta:
                stripped = line.strip()
                if count := _AUTHOR_COUNT.match(line):
                    author_count = int(count.group(1))
                elif date_match := _DATE_LINE.match(stripped):
                    iso, year, inferred = _date(
                        date_match["mon"], date_match["day"], date_match["year"], page_year
                    )
                    upvotes = int(date_match["up"]) if date_match["up"] else None
                elif stripped != "·":
                    orgs.append(_organization(stripped))
        papers.append(
            Paper(
                title=title,
                author_count=author_count,
                organizations=orgs,
                year=year,
                year_inferred=inferred,
                date=iso,
                abstract=abstract,
                upvotes=upvotes,
                sources=_source(file, len(papers) + 1, line_no, DAILY),
            )
        )
    return papers


def _parse_abstracts(text: str, file: str) -> list[Paper]:
    papers = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _ABSTRACT_LINE.match(line)
        if not match:
            continue
        abstract = match.group("text").strip()
        if not abstract:
            raise InputError(file, "empty abstract", number)
        papers.append(
            Paper(
                title=derive_title(abstract),
                title_derived=True,
                abstract=abstract,
                sources=_source(file, len(papers) + 1, number, ABSTRACTS),
            )
        )
    return papers
