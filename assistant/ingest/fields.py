"""Field clean-up shared by the importers: text, years, dates, author lists, keyword lists."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.models import Paper

# The largest value a real record holds, by field: a title of 5,000 characters or an abstract
# of 200,000 (a whole paper's text) is more than any export has; beyond them a file is not a
# bibliography. Titles lead every chunk that is embedded, so their size counts many times.
MAX_TITLE = 5_000
MAX_ABSTRACT = 200_000
MAX_OTHER = 50_000  # venue, identifiers, each author, keyword or extra field
MAX_AUTHORS = 20_000  # names (a collaboration paper lists ~3,000)


def text_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(offset, end offset, the line without its line break) for each line of a text, one at a
    time: a 100,000-record file is not held twice as a list of lines."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        yield start, end, text[start:end].rstrip("\r")
        start = end + 1


def parse_flag(value: Any) -> bool:
    """A yes/no column or field as litreview's exports write it ("True", true, "1", "yes")."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"true", "1", "yes", "y"}


def clean_text(value: Any) -> str:
    """Whitespace collapsed; missing values become the empty string."""
    return " ".join(str(value).split()) if value not in (None, "") else ""


# a date written into the year field: "January 1978", "Jun. 1980", "Spring 2019"
_YEAR_AFTER_MONTH = re.compile(
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|spring|summer|"
    r"autumn|fall|winter)\s*,?\s*(?:\d{1,2}(?:st|nd|rd|th)?\s*,?\s*)?(\d{4})",
    re.IGNORECASE,
)


# TRID's RIS "PY  - Start date: 20170812": a labelled date, its year first
_LABELLED_DATE = re.compile(r"[A-Za-z ]{1,20}:\s*((?:1[5-9]|20)\d\d)(?:[-/.]?\d\d){0,2}")

# what a year field says of a work that has none (yet)
_NO_YEAR = {"unknown", "n.d", "n. d", "nd", "no date", "undated", "in press", "forthcoming",
            "to appear", "submitted", "accepted", "?", "-"}  # fmt: skip


def parse_year(value: Any, file: str, line: int | None) -> int | None:
    """A four-digit year from "2023", "2023///", "2023-05-01", "January 1978"; empty stays
    None."""
    text = clean_text(value)
    if not text or text.lower().strip(" .") in _NO_YEAR:
        return None
    match = (
        re.match(r"\d{4}", text)
        or _YEAR_AFTER_MONTH.fullmatch(text)
        or _LABELLED_DATE.fullmatch(text)
    )
    if not match:
        raise InputError(file, f"year {text!r} is not a year", line)
    year = int(match.group(match.lastindex or 0))
    if not 1000 <= year <= 2999:
        raise InputError(file, f"year {text!r} is out of range", line)
    return year


def parse_date(value: Any) -> str | None:
    """ISO date (YYYY-MM-DD or YYYY-MM) from "2023/05/01", "2023-05-01T12:00:00Z"; else None."""
    match = re.match(r"(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?", clean_text(value))
    if not match:
        return None
    year, month, day = match.groups()
    if not 1 <= int(month) <= 12:
        return None
    return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day and int(day) else "")


# What an export writes where a record has no author: Scopus "[No author name available]", Web
# of Science "[Anonymous]". Not a name: a record without one has no authors.
_NO_AUTHOR = re.compile(r"\[(?:no author name available|anonymous)\]", re.IGNORECASE)


def person_names(names: list[str]) -> list[str]:
    """Each name as `person_name` gives it; blanks and no-author placeholders left out."""
    return [
        person_name(name)
        for name in names
        if name.strip() and not _NO_AUTHOR.fullmatch(name.strip())
    ]


# Particles that begin a surname ("Ludwig van Beethoven", "Aaron Van Den Oord") when a given
# name comes before them; the first word is never one ("Di He", "Le Song": given names).
_PARTICLES = {"van", "von", "der", "den", "de", "da", "del", "dos", "das", "la", "le", "di", "du",
              "ter", "ten"}  # fmt: skip


def split_name(name: str) -> tuple[str, str]:
    """(given names, surname) of a "First Last" name: the last word and the particles before
    it, lower-case as BibTeX reads them or two capitalised ones ("Van Den"); one capitalised
    word is a middle name ("Thanh Van Nguyen"). A "Last, First" name splits at its comma."""
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip(), last.strip()
    name = without_suffix(name)[0]
    words = name.split()
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    run = words[start:-1]
    if len(run) == 1 and not run[0].islower():
        start += 1
    return " ".join(words[:start]), " ".join(words[start:])


def short_authors(authors: list[str]) -> str:
    """ "Xu et al.": the first author's surname, as a one-line table cell (the CLI's search
    tables and the terminal UI's narrow Library table)."""
    if not authors:
        return ""
    surname = split_name(authors[0])[1]
    return f"{surname} et al." if len(authors) > 1 else surname


_SUFFIX = re.compile(r"(?:jr|sr|jnr|snr)\.?|i{2,3}|iv|2nd|3rd|[4-9]th", re.IGNORECASE)


def without_suffix(name: str) -> tuple[str, str]:
    """("Martin Luther King", "Jr.") of "Martin Luther King Jr.": the surname is the word
    before the suffix."""
    words = name.split()
    if len(words) >= 3 and _SUFFIX.fullmatch(words[-1]):
        return " ".join(words[:-1]), words[-1]
    return name, ""


def _suffix_written(suffix: str) -> str:
    return suffix.upper() if re.fullmatch(r"[ivIV]+", suffix) else suffix[:1].upper() + suffix[1:]


def person_name(raw: str) -> str:
    """ "Last, First" and "Last I." (Embase, Vancouver style: "Adler D.G.") become "First Last"
    and "I. Last"; other forms are kept."""
    raw = " ".join(raw.split())
    if raw.count(",") == 2:
        # a suffix: "Carriker, M. A., jr." (Web of Science) or BibTeX's "King, Jr., Martin"
        last, second, third = (part.strip() for part in raw.split(","))
        for suffix, first in ((third, second), (second, third)):
            if _SUFFIX.fullmatch(suffix) and first:
                return f"{first} {last} {_suffix_written(suffix)}"
    if raw.count(",") == 1:
        last, _, first = raw.partition(",")
        if first.strip():
            return f"{first.strip()} {last.strip()}"
    words = raw.strip(", ").split()
    initials = 0
    while initials < len(words) - 1 and _is_initials(words[-1 - initials]):
        initials += 1
    if initials and not _is_initials(words[0]):
        return " ".join(words[-initials:] + words[:-initials])
    return raw.strip(", ")


def _is_initials(word: str) -> bool:
    return bool(_INITIALS.fullmatch(word)) and word[0].isupper()


# Initials as Scopus writes them after a surname: "P.", "N.V.", "J.-C.", "Ch."
_INITIALS = re.compile(r"(?:[^\W\d_][^\W\d_]?\.(?:-|\s)?)+")


_VANCOUVER_NAME = re.compile(
    r"([^\W\d_][^\d_,;]*?)\s([A-Z]{1,4})(?:\s(2nd|3rd|[2-9]th|Jr|Sr|I{2,3}|IV))?\.?"
)


def _vancouver_names(text: str) -> list[str] | None:
    """ "Lim SM, Shiau CWC, Cheng LJ, Lau Y." (PubMed's CSV, Vancouver style: surname, then
    initials without points) as "S.M. Lim", ...; None unless every name is written so."""
    names = []
    for part in text.rstrip(".").split(","):
        match = _VANCOUVER_NAME.fullmatch(part.strip())
        if not match or match.group(1).isupper():  # "SMITH JA" may be a surname and initials,
            return None  # or a shouted name: left as written
        surname, initials, suffix = match.groups()
        names.append(f"{'.'.join(initials)}. {surname}" + (f" {suffix}" if suffix else ""))
    return names


def _surname_initials_pairs(text: str) -> list[str] | None:
    """ "Fecil'ak, P., Pekár, A., Ádám, N." (Scopus CSV before 2023: commas between the names
    as well as inside them) as "Surname, I." names; None for any other list."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) < 4 or len(parts) % 2:
        return None
    surnames, initials = parts[0::2], parts[1::2]
    if not all(surnames) or not all(_is_initials(i) for i in initials):
        return None
    return [f"{surname}, {first}" for surname, first in zip(surnames, initials, strict=True)]


def author_name(value: Any) -> str:
    """An author of a JSON list: a name, or an object holding one: Semantic Scholar's
    {"authorId", "name"}, OpenAlex's {"author": {"display_name"}}, CSL's "given"/"family" or
    "literal". ValueError for an object with no name in it (never its text as a name)."""
    if not isinstance(value, dict):
        name = person_name(str(value)) if value is not None else ""
    else:
        person = value["author"] if isinstance(value.get("author"), dict) else value
        texts = {f: clean_text(v) for f, v in person.items() if isinstance(v, str)}
        name = texts.get("name") or texts.get("display_name") or texts.get("literal") or ""
        name = name or " ".join(texts[f] for f in ("given", "family") if texts.get(f))
        if not name:
            fields = ", ".join(person) or "none"
            raise ValueError(f"an author object without a name (its fields: {fields})")
    return "" if _NO_AUTHOR.fullmatch(name) else name


def split_authors(value: Any) -> list[str]:
    """Authors from a list, or a string separated by ";", " and ", commas between "Surname, I."
    names, or commas between full names."""
    if isinstance(value, list):
        # a list of BibTeX-joined strings ("Prasad Chaugule and Nutan Limaye") is its names
        if any(isinstance(v, str) and re.search(r"\s+and\s+", v) for v in value):
            return [name for v in value for name in split_authors(v)]
        return [name for name in map(author_name, value) if name]
    text = clean_text(value)
    if not text:
        return []
    if ";" in text:
        if vancouver := _vancouver_names(text.replace(";", ",")):
            return vancouver
        parts = text.split(";")
    elif re.search(r"\s+and\s+", text):
        parts = re.split(r"\s+and\s+", text)
        if not all(p.count(",") == 1 for p in parts):  # not "Smith, J. and Doe, J.": "A, B and C"
            parts = [q for p in parts for q in p.split(",")]
    elif pairs := _surname_initials_pairs(text):
        parts = pairs  # "Fecil'ak, P., Pekár, A."
    elif vancouver := _vancouver_names(text):
        return vancouver  # PubMed's CSV: "Lim SM, Shiau CWC, Lau Y."
    elif text.count(",") >= 1 and all(" " in p.strip() for p in text.split(",")):
        parts = text.split(",")  # "Jane Doe, John Smith"
    else:
        parts = [text]
    return person_names(parts)


def split_keywords(value: Any) -> list[str]:
    if isinstance(value, list):
        return [clean_text(v) for v in value if clean_text(v)]
    text = clean_text(value)
    separator = ";" if ";" in text else ","
    return [part.strip() for part in text.split(separator) if part.strip()]


def check_sizes(paper: Paper) -> None:
    """Refuse a record holding a field larger than any real one: `FILE:LINE: title is N
    characters long (at most M)`."""
    source = paper.sources[0] if paper.sources else None
    file, line = (source.file, source.line) if source else ("input", None)

    def check(name: str, value: str | None, limit: int) -> None:
        if value and len(value) > limit:
            raise InputError(
                file, f"{name} is {len(value):,} characters long (at most {limit:,})", line
            )

    check("title", paper.title, MAX_TITLE)
    check("abstract", paper.abstract, MAX_ABSTRACT)
    if len(paper.authors) > MAX_AUTHORS:
        raise InputError(file, f"{len(paper.authors):,} authors (at most {MAX_AUTHORS:,})", line)
    for name in ("key", "venue", "date", "url", "doi", "arxiv_id"):
        check(name, getattr(paper, name), MAX_OTHER)
    for name, values in (
        ("an author", paper.authors),
        ("a category", paper.categories),
        ("an organization", paper.organizations),
    ):
        for value in values:
            check(name, value, MAX_OTHER)
    for name, value in paper.extra.items():
        check(f"field {name[:40]!r}", value, MAX_OTHER)


def record_json(paper: Paper) -> str:
    """The record as JSON, or a refusal naming its place when it holds text no file can hold
    (a lone surrogate from a JSON escape)."""
    try:
        return paper.model_dump_json()
    except ValueError:  # pydantic's serialization error
        source = paper.sources[0] if paper.sources else None
        file, line = (source.file, source.line) if source else ("input", None)
        raise InputError(file, "invalid text: a lone surrogate (\\ud800-\\udfff)", line) from None


# What exports leave of their own markup in text: HTML / JATS / MathML inline tags (Web of
# Science "<i>Heliconia acuminata</i>", IEEE "<sup>1</sup>", Crossref "<jats:p>") and character
# references (ACM "Needs &#38; Motivations", Scopus "P &lt; 0.0001"). Only these tag names, in
# text that closes a tag somewhere, are taken as tags: "p<0.05" or "a <b> c" are prose.
_INLINE_TAG = re.compile(
    r"</?(?:jats:[\w-]+|mml:[\w-]+|i|b|u|em|strong|sup|sub|sc|scp|inf|span|p|br|div|tt|small|"
    r"big|italic|bold)(?:\s[^<>]{0,200})?\s*/?>",
    re.IGNORECASE,
)
# tags that end a paragraph or a line leave a space; the others ("CO<sub>2</sub>") none
_BREAKING_TAG = re.compile(r"</?(?:p|br|div|jats:(?:p|sec|title|list-item))\b", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# an address written beside a name: "Stillman, Andrew N. (andrew.stillman@uconn.edu)"
_EMAIL = re.compile(r"\s*[(<\[]?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*[)>\]]?")


def _character(reference: re.Match[str]) -> str:
    """A character reference read; one a title-casing exporter capitalised ("R&Amp;D",
    "BeClose&Trade;") is read as written in lower case."""
    written = reference.group()
    read = html.unescape(written)
    return html.unescape(written.lower()) if read == written else read


def without_markup(text: str) -> str:
    """Text with the exporter's inline tags dropped and character references read (again, while
    reading them uncovers more: Lens writes "&amp;lt;p&amp;gt;")."""
    before = text
    for _ in range(3):
        read = _markup_read(text)
        if read == text:
            break
        text = read
    if text == before:
        return text
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _markup_read(text: str) -> str:
    if "</" in text or "/>" in text:  # markup closes its tags; "a <b> c" alone is prose
        if "<AbstractText" in text:
            text = _ABSTRACT_SECTION.sub(_section_heading, text)
        if "</h" in text or "</H" in text:
            text = _HEADING.sub(lambda m: f" {m.group(2).strip().rstrip(':')}: ", text)
        text = _INLINE_TAG.sub(lambda m: " " if _BREAKING_TAG.match(m.group()) else "", text)
    if "&" in text:
        text = _ENTITY.sub(_character, text)
    return text


# PubMed's structured abstract as XML, passed on by Lens and Dimensions:
# '<AbstractText Label="OBJECTIVE" NlmCategory="OBJECTIVE">To analyze ...</AbstractText>'
_ABSTRACT_SECTION = re.compile(
    r'<AbstractText(?:\s[^<>]*?Label="([^"<>]*)")?[^<>]*>|</AbstractText>'
)


# Europe PMC's structured abstracts head their sections with HTML: "<h4>Background</h4>..."
_HEADING = re.compile(r"<h([1-6])(?:\s[^<>]{0,200})?>([^<>]{0,200})</h\1\s*>", re.IGNORECASE)


def _section_heading(tag: re.Match[str]) -> str:
    """A section of a structured abstract opens on its label, as PubMed shows it."""
    return f" {tag.group(1)}: " if tag.group(1) else " "


# what exporters write where a record has no abstract
_NO_ABSTRACT = re.compile(
    r"\W*(?:n/?a|none|null|not available|(?:no )?abstract (?:is )?not available|"
    r"no abstract(?: available)?)\W*",
    re.IGNORECASE,
)
# "...", "…", "et al.", and NASA ADS's ". . ." (as the name "{}, . . .")
_ELLIPSIS = re.compile(r"[\s,]*(?:\.{3}|\. \. \.|…|et\.? al\.?)\s*", re.IGNORECASE)


def tidy_record(paper: Paper) -> None:
    """What every importer's records get: markup out of the text, e-mail addresses out of the
    author names, a DOI written as a link ("http://dx.doi.org/10.1/x") as the DOI."""
    from assistant.ingest.values import doi_in

    paper.title = without_markup(paper.title)
    paper.abstract = without_markup(paper.abstract)
    if _NO_ABSTRACT.fullmatch(paper.abstract):
        paper.abstract = ""  # "AB  - NA" (R), "Not Available" (NASA ADS): the record has none
    if paper.venue:
        paper.venue = without_markup(paper.venue) or None
    names = []
    for name in paper.authors:
        name = without_markup(name)
        if "@" in name:
            name = " ".join(_EMAIL.sub(" ", name).split())
        if _ELLIPSIS.fullmatch(name):
            paper.authors_truncated = True  # Google Scholar's "A, B, C, …": not all of them
        elif name:
            names.append(name)
    paper.authors = names
    if paper.doi:
        paper.doi = doi_in(paper.doi) or paper.doi
    if paper.url and paper.url.startswith("//"):
        paper.url = f"https:{paper.url}"  # ScienceDirect's RIS "UR  - //www.sciencedirect.com/..."
