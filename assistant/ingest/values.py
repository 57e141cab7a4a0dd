"""Values the tagged and XML formats spell alike: dates with month names, DOIs in any dress."""

from __future__ import annotations

import re

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}
_MONTH_DAY = re.compile(r"([A-Za-z]+)\.?(?:[\s-]+(\d{1,2})\b)?")
_DOI = re.compile(r"\b(10\.\d{4,9}/\S+)")
_ARXIV = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.|(?:^|preprint\s+)arxiv:\s*)"
    r"(\d{4}\.\d{4,5}|[a-z.-]+/\d{7})",
    re.IGNORECASE,
)


def month_date(year: int | None, text: str) -> str | None:
    """ISO date from a year and what follows it in MEDLINE, Web of Science or EndNote: "Dec 27",
    "JAN 15", "Jan-Feb" (the first month), "Mar 3", or a month's number alone (BibTeX's
    `month = 1`); None for seasons or nothing."""
    if year is None:
        return None
    if text.strip().isdigit():
        month = int(text)
        return f"{year}-{month:02d}" if 1 <= month <= 12 else None
    match = _MONTH_DAY.search(text)
    if not match or match.group(1).lower() not in _MONTHS:
        return None
    month = _MONTHS[match.group(1).lower()]
    day = int(match.group(2)) if match.group(2) else 0
    return f"{year}-{month:02d}" + (f"-{day:02d}" if 1 <= day <= 31 else "")


def doi_in(value: str | None) -> str | None:
    """The DOI in "10.1/x", "doi:10.1/x", "https://doi.org/10.1/x"; None when there is none."""
    match = _DOI.search(value or "")
    return match.group(1).rstrip(".,;") if match else None


def arxiv_in(*values: str | None) -> str | None:
    """The arXiv id (without version) in an arxiv.org URL, an arXiv DOI, "arXiv:2101.00001" or
    Google Scholar's journal "arXiv preprint arXiv:2101.00001"."""
    for value in values:
        match = _ARXIV.search((value or "").strip())
        if match:
            return match.group(1)
    return None


_ARXIV_ID = re.compile(r"(?:arxiv:\s*)?(\d{4}\.\d{4,5}|[a-z.-]+/\d{7})(?:v\d+)?", re.IGNORECASE)


def arxiv_id_of(eprint: str | None) -> str | None:
    """The arXiv id (without version) a BibTeX eprint field holds: "1011.1669", "arXiv:1011.1669v3",
    "hep-th/9901001"; None for an eprint that is no arXiv id ("ecog.02097", "9403132")."""
    match = _ARXIV_ID.fullmatch((eprint or "").strip())
    return match.group(1) if match else None
