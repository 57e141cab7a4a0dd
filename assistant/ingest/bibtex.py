"""BibTeX files, parsed with bibtexparser (v2); entries keep their own keys.

Text fields are decoded from LaTeX to Unicode with pylatexenc (accents, `\\&`, `~`, `--`, text
macros such as `\\textquotesingle`, math-mode Greek, braces that protect capitals), so search,
keys and exports see "Frédéric" and "Analysis & Design", not their escapes. Identifiers (DOI, URL,
eprint) are kept as written. A trailing `and others` (BibTeX's et al.) marks the author list
truncated. Two entries under one key are both read: merging decides whether they are one work
(merged) or two (the later one gets a suffixed key, with a warning).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from assistant.errors import InputError
from assistant.export import BIB_VENUE_FIELD, OWN_FIELD, VERBATIM_FIELDS, bib_text
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import MAX_ABSTRACT, parse_flag, parse_year
from assistant.ingest.kinds import PREPRINT_VENUE, kind_named
from assistant.ingest.values import arxiv_id_of, arxiv_in, month_date
from assistant.models import Paper, Source

_KNOWN = {"title", "author", "year", "date", "journal", "booktitle", "doi", "url", "eprint",
          "archiveprefix", "keywords", "abstract", "month"}  # fmt: skip
_EPRINT = {"eprint", "archiveprefix"}
_LATEX_ESCAPE = re.compile(r"\\([_%&#$])")
_MADE_UP = ("title-derived", "year-inferred")  # what litreview's export flags (see export.py)
_LATEX_HINT = re.compile(r"[\\{}~$]|--")
_URL_LIKE = re.compile(r"://|\\url\b|^\s*www\.")  # a howpublished that is a link, not a venue
# where a venue may stand, by entry type: journal or booktitle, else the kind's own field
_VENUE_FIELDS = sorted(set(BIB_VENUE_FIELD.values()))


def _kind_and_venue(entry_type: str, fields: dict[str, str]) -> tuple[str | None, str | None]:
    """The kind an entry type names, and which field holds the venue: journal or booktitle, else
    the field the kind's export writes it to (howpublished, series, school, institution), the
    way `export` writes it; a howpublished that is a link is no venue."""
    kind = kind_named(entry_type)
    # BibLaTeX names the journal `journaltitle`
    venue_field = next(
        (name for name in ("journal", "journaltitle", "booktitle") if fields.get(name)), None
    )
    name = BIB_VENUE_FIELD.get(kind or "")
    if not venue_field and name and fields.get(name) and not _URL_LIKE.search(fields[name]):
        venue_field = name
    # a @misc of arXiv (its own BibTeX: eprint and archivePrefix) or of another preprint server
    # (`export` writes preprints so)
    server = venue_field == "howpublished" and PREPRINT_VENUE.search(fields[venue_field])
    if kind in ("misc", None) and (arxiv_id_of(fields.get("eprint")) or server):
        kind = "preprint"
    return kind, venue_field


# aas_macros.sty (AAS, 2018): the journal macros ADS's BibTeX uses, as they print
_AAS_JOURNALS = {
    "aj": "AJ", "actaa": "Acta Astron.", "araa": "ARA&A", "apj": "ApJ", "apjl": "ApJL",
    "apjs": "ApJS", "ao": "Appl. Opt.", "apss": "Ap&SS", "aap": "A&A", "aapr": "A&A Rev.",
    "aaps": "A&AS", "azh": "AZh", "baas": "BAAS", "bac": "Bull. astr. Inst. Czechosl.",
    "caa": "Chinese Astron. Astrophys.", "cjaa": "Chinese J. Astron. Astrophys.",
    "icarus": "Icarus", "jcap": "J. Cosmology Astropart. Phys.", "jrasc": "JRASC",
    "memras": "MmRAS", "mnras": "MNRAS", "na": "New A", "nar": "New A Rev.",
    "pra": "Phys. Rev. A", "prb": "Phys. Rev. B", "prc": "Phys. Rev. C", "prd": "Phys. Rev. D",
    "pre": "Phys. Rev. E", "prl": "Phys. Rev. Lett.", "pasa": "PASA", "pasp": "PASP",
    "pasj": "PASJ", "psj": "PSJ", "rmxaa": "Rev. Mexicana Astron. Astrofis.", "qjras": "QJRAS",
    "skytel": "S&T", "solphys": "Sol. Phys.", "sovast": "Soviet Ast.", "ssr": "Space Sci. Rev.",
    "zap": "ZAp", "nat": "Nature", "iaucirc": "IAU Circ.", "aplett": "Astrophys. Lett.",
    "apspr": "Astrophys. Space Phys. Res.", "bain": "Bull. Astron. Inst. Netherlands",
    "fcp": "Fund. Cosmic Phys.", "gca": "Geochim. Cosmochim. Acta",
    "grl": "Geophys. Res. Lett.", "jcp": "J. Chem. Phys.", "jgr": "J. Geophys. Res.",
    "jqsrt": "J. Quant. Spec. Radiat. Transf.", "memsai": "Mem. Soc. Astron. Italiana",
    "nphysa": "Nucl. Phys. A", "physrep": "Phys. Rep.", "physscr": "Phys. Scr",
    "planss": "Planet. Space Sci.", "procspie": "Proc. SPIE",
}  # fmt: skip


@cache
def _decoder() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    # `$\mathsf{Nimbus}$` reads "Nimbus": the font is not the word, and search and the citation
    # checks find the letters, not 𝖭𝗂𝗆𝖻𝗎𝗌; `\textasciicircum` is the ASCII caret (export writes it)
    context = get_default_latex_context_db()
    # `\mbox{$\mu$}` reads "μ": pylatexenc drops a box and what it holds ("200\,{\mbox{$\mu$}}{J}"
    # was "200 J")
    fonts = ("mathsf", "mathrm", "mathbf", "mathit", "mathtt", "mathcal", "mbox")
    macros = [MacroTextSpec(name, "%(1)s") for name in fonts]
    # the TeX logos and biblatex's \hyphen print their names: "The {\TeX book}" was "The book"
    logos = {"TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX",
             "XeTeX": "XeTeX", "XeLaTeX": "XeLaTeX", "LuaTeX": "LuaTeX", "LuaLaTeX": "LuaLaTeX",
             "AmSTeX": "AmS-TeX", "ConTeXt": "ConTeXt", "hyphen": "-"}  # fmt: skip
    macros += [MacroTextSpec(name, text) for name, text in logos.items()]
    # NASA ADS writes journals as the macros of AAS's aas_macros.sty ("journal = {\\apj}"):
    # they print the journal's abbreviation; unknown, pylatexenc printed nothing
    macros += [MacroTextSpec(name, text) for name, text in _AAS_JOURNALS.items()]
    context.add_context_category("litreview", macros + [MacroTextSpec("textasciicircum", "^")],
                                 prepend=True)  # fmt: skip
    return LatexNodes2Text(latex_context=context, math_mode="text")


def decode_latex(value: str) -> str:
    """LaTeX markup as the Unicode text it prints, whitespace collapsed."""
    if not _LATEX_HINT.search(value) or len(value) > MAX_ABSTRACT:
        # too large for any field: refused once parsed (check_sizes), and pylatexenc's time
        # grows faster than the text (a 1.6 MB field took 76 s)
        return " ".join(value.split())
    # NIME-style `\''{u}` means an umlaut (two apostrophes for a double quote)
    value = value.replace("\\''", '\\"')
    # NASA ADS breaks an abstract's paragraphs with two literal backslashes
    value = value.replace("\\textbackslash\\textbackslash", " ")
    try:
        text = _decoder().latex_to_text(value)
    except Exception:  # noqa: BLE001 - pylatexenc on malformed markup: keep the text as written
        text = value
    return " ".join(text.split())


def _top_level_split(value: str, separator: re.Pattern[str], quotes: bool = False) -> list[str]:
    """`value` split at `separator` where it is not inside braces ({Barnes and Noble} stays),
    nor, with `quotes`, inside a "quoted" string (the parts of a # concatenation)."""
    parts, depth, start, quoted = [], 0, 0, False
    masked = []
    for char in value:
        depth += char == "{"
        quoted ^= quotes and char == '"' and depth == 0
        masked.append(char if depth == 0 and not quoted else "\x00")
        depth -= char == "}" and depth > 0
    masked_text = "".join(masked)
    for match in separator.finditer(masked_text):
        parts.append(value[start : match.start()])
        start = match.end()
    parts.append(value[start:])
    return parts


def _authors(value: str) -> tuple[list[str], bool]:
    """The names, and whether the list ends in BibTeX's `and others` (et al.: not complete);
    a braced `{others}` is a name."""
    names, truncated = [], False
    for raw in _top_level_split(value.strip(), re.compile(r"\s+and\s+")):
        raw = " ".join(raw.split())
        if not raw:
            continue
        if raw.lower() == "others":
            truncated = True
            continue
        pieces = _top_level_split(raw, re.compile(","))
        if len(pieces) >= 2:  # "Last, First" or "Last, Jr, First" -> "First Last Jr"
            last, first = pieces[0].strip(), pieces[-1].strip()
            suffix = " ".join(p.strip() for p in pieces[1:-1])
            raw = " ".join(part for part in (first, last, suffix) if part)
        name = decode_latex(raw)
        if name:
            names.append(name)
    return names, truncated


def _take_raw(fields: dict[str, str], name: str) -> None:
    """A title or venue that `export` wrote as LaTeX comes back as the library held it (its
    `litreview-` field), unless the LaTeX was edited since: then the edit counts."""
    raw = fields.pop(OWN_FIELD.format(name), None)
    if raw is not None and name in fields and decode_latex(bib_text(raw)) == fields[name]:
        fields[name] = raw


# fields a repeat of which adds to the list ("keywords = {a}", "keywords = {b}")
_LIST_FIELDS = frozenset({"keywords", "keyword", "note", "annote", "funding_details"})


def _field_values(entry: Any) -> dict[str, str]:
    """An entry's fields by lower-case name. A repeated field loses nothing: a list field's
    values are joined ("a; b"), another field keeps its first value and the next ones go under
    "name-2", "name-3" (kept with the record's other fields)."""
    values: dict[str, list[str]] = {}
    for field in entry.fields:
        seen = values.setdefault(field.key.lower(), [])
        value = str(field.value)
        if value.strip() and value not in seen or not seen:
            seen.append(value)
    out: dict[str, str] = {}
    for name, found in values.items():
        if len(found) > 1 and name in _LIST_FIELDS:
            out[name] = "; ".join(v.strip() for v in found)
            continue
        out[name] = found[0]
        for n, more in enumerate(found[1:], 2):
            out[f"{name}-{n}"] = more
    return out


_PART_TYPES = frozenset({"inproceedings", "conference", "incollection", "inbook"})
# biblatex entries that are no work of their own: a @set groups others (`entryset = {a,b}`),
# an @xdata holds fields other entries take in (`xdata = {x}`)
_NOT_WORKS = frozenset({"set", "xdata"})
# a proceedings volume or a collection named by nothing but its editors holds no paper to cite
_CONTAINERS = frozenset({"proceedings", "mvproceedings", "collection", "mvcollection",
                         "periodical"})  # fmt: skip


def _inherited(
    raw: dict[str, str], entry_type: str, by_key: dict[str, dict[str, str]]
) -> dict[str, str]:
    """An entry with the fields it lacks taken from the entry its `crossref` names, as BibTeX
    does ("@Article{Old:Key, crossref = {journals/ai/X12}}" is the other entry under an old key);
    a paper in proceedings takes their title as its booktitle, never as its own title."""
    merged = dict(raw)
    # biblatex's `xdata = {a, b}`: the fields of those @xdata entries, as if written here
    for name in re.split(r"\s*,\s*", raw.get("xdata", "").strip().lower()):
        for field, value in by_key.get(name, {}).items() if name else ():
            merged.setdefault(field, value)
    crossref = raw.get("crossref", "").strip().lower()
    parent = by_key.get(crossref) if crossref else None
    if parent is None or parent is raw:
        return merged
    part = entry_type.lower() in _PART_TYPES
    for name, value in parent.items():
        if name == "title" and part:
            merged.setdefault("booktitle", value)
        elif name not in merged and not name.startswith("crossref"):
            merged[name] = value
    return merged


# EndNote writes its entries without a key ("@article{\n  author = {...},") and Mendeley with an
# empty one ("@web_page{,"): each gets a placeholder for the parser, and litreview makes its key
# as for any record without one
_KEYLESS_ENTRY = re.compile(
    r"(@\s*(?!string\b|preamble\b|comment\b)[A-Za-z_]+\s*\{)"
    r"(?:(?=\s*[A-Za-z][\w\-]*\s*=)|\s*,)",
    re.IGNORECASE,
)
_NO_KEY = "litreview-no-key-"
# Mendeley writes a key edited to "Neeson, 2015" as it is ("@article{Neeson, 2015,"): read as
# "Neeson2015", where the parser refused the file
_KEY_WITH_A_COMMA = re.compile(
    r"^(@\s*[A-Za-z]+\s*\{)([^,\s{}=@\"]+), ([^,\s{}=@\"]+),[ \t]*$", re.MULTILINE
)


def _placeholder_key() -> Callable[[re.Match[str]], str]:
    numbers = itertools.count(1)
    return lambda match: f"{match.group(1)}{_NO_KEY}{next(numbers)},"


_MONTHS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May",
    "jun": "June", "jul": "July", "aug": "August", "sep": "September", "oct": "October",
    "nov": "November", "dec": "December",
}  # fmt: skip


_HASH = re.compile("#")


def _concatenated(value: str, strings: dict[str, str]) -> str | None:
    """A value joined from parts with # (`FRD # { and Bonasso, P.}`, `jan # { 5}`), its
    @string names read (an undefined one as its name, never dropped); None if it joins none."""
    parts = [part.strip() for part in _top_level_split(value, _HASH, quotes=True)]
    if len(parts) < 2 or not all(parts):
        return None
    texts = []
    for part in parts:
        inner = _strip_enclosing(part)
        if inner != part or part.isdigit():
            texts.append(inner)
        else:
            name = part.lower()
            texts.append(strings.get(name, _MONTHS.get(name, part)))
    return "{" + "".join(texts) + "}"


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def _unbraced(value: str) -> str:
    """An identifier without the braces around it: Web of Science writes `DOI = {{10.1/x}}`."""
    while len(value) >= 2 and value[0] == "{" and value[-1] == "}" and _balanced(value[1:-1]):
        value = value[1:-1].strip()
    return value


def _strip_enclosing(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] + value[-1] in ("{}", '""') else value


class _Concatenations:
    """A bibtexparser middleware: the # concatenations its string resolution leaves."""

    def __init__(self, allow_inplace_modification: bool = True) -> None:
        self.allow_inplace_modification = allow_inplace_modification

    def transform(self, library: Any) -> Any:
        strings = {
            key.lower(): _strip_enclosing(str(s.value)) for key, s in library.strings_dict.items()
        }
        for entry in library.entries:
            for field in entry.fields:
                if isinstance(field.value, str) and "#" in field.value:
                    joined = _concatenated(field.value, strings)
                    if joined is not None:
                        field.value = joined
        return library


def iter_bibtex(text: str, file: str) -> Iterator[Paper]:
    import bibtexparser
    from bibtexparser.middlewares import (
        RemoveEnclosingMiddleware,
        ResolveStringReferencesMiddleware,
    )

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # we report failures ourselves
    text = _KEYLESS_ENTRY.sub(_placeholder_key(), text)
    text = _KEY_WITH_A_COMMA.sub(r"\1\2\3,", text)
    library = bibtexparser.parse_string(
        text,
        parse_stack=[
            ResolveStringReferencesMiddleware(True),
            _Concatenations(True),
            RemoveEnclosingMiddleware(True),
        ],
    )
    entries = list(library.entries)
    for block in library.failed_blocks:
        if type(block).__name__ in ("DuplicateBlockKeyBlock", "DuplicateFieldKeyBlock"):
            # a second entry under one key, or a field repeated in an entry (ScienceDirect
            # writes one `keywords` line a keyword, Scopus repeats `funding_details`): read it,
            # its values unquoted as the parser does for the others ("2016", {2016})
            alone = bibtexparser.Library([block.ignore_error_block])
            entries.extend(RemoveEnclosingMiddleware(True).transform(alone).entries)
            continue
        key = getattr(block, "key", None)
        line = (block.start_line or 0) + 1
        why = _why_malformed(block, text)
        raise InputError(file, "malformed entry" + (f" {key!r}" if key else "") + why, line)
    if not entries:
        raise InputError(file, "no BibTeX entries in the file")
    entries.sort(key=lambda e: e.start_line or 0)
    raw_fields = {id(entry): _field_values(entry) for entry in entries}
    by_key = {entry.key.lower(): raw_fields[id(entry)] for entry in entries}
    for position, entry in enumerate(entries, 1):
        if entry.entry_type.lower() in _NOT_WORKS:
            continue
        raw = _inherited(raw_fields[id(entry)], entry.entry_type, by_key)
        fields = {
            name: (
                # DBLP escapes an identifier's underscores ("10.1007/978-3-642-24550-3\_29")
                _LATEX_ESCAPE.sub(r"\1", _unbraced(" ".join(value.split())))
                if name in VERBATIM_FIELDS
                else decode_latex(value)
            )
            for name, value in raw.items()
            if name != "author"
        }
        for name in ("title", *_VENUE_FIELDS):
            _take_raw(fields, name)
        kind, venue_field = _kind_and_venue(entry.entry_type, fields)
        if entry.entry_type.lower() == "mastersthesis":  # a thesis exported as @phdthesis
            fields.setdefault("type", "Master's thesis")  # says which (BibTeX styles print it)
        made_up = {flag: parse_flag(fields.pop(OWN_FIELD.format(flag), "")) for flag in _MADE_UP}
        title, abstract = fields.get("title", ""), fields.get("abstract", "")
        line = (entry.start_line or 0) + 1
        if not title and not abstract:
            if entry.entry_type.lower() in _CONTAINERS:
                continue  # PMLR's "@Proceedings{GPIP2006, title = {}, editor = ...}": a volume
            raise InputError(file, f"entry {entry.key!r} has neither a title nor an abstract", line)
        year = parse_year(fields.get("year") or fields.get("date"), file, line)
        date = fields.get("date") or month_date(year, fields.get("month", ""))
        keywords = [k.strip() for k in re.split(r"[,;]", fields.get("keywords", "")) if k.strip()]
        authors, truncated = _authors(raw.get("author", ""))
        keyless = entry.key.startswith(_NO_KEY)
        yield Paper(
            key="" if keyless else entry.key,
            own_key=not keyless,
            title=title or derive_title(abstract),
            title_derived=not title or made_up["title-derived"],
            authors=authors,
            authors_truncated=truncated,
            year=year,
            year_inferred=made_up["year-inferred"],
            date=date or None,
            venue=fields.get(venue_field or "") or None,
            kind=kind,
            doi=fields.get("doi") or None,
            url=fields.get("url") or None,
            arxiv_id=arxiv_id_of(fields.get("eprint"))
            or arxiv_in(fields.get("url"), fields.get("doi"), fields.get("journal"))
            or None,
            categories=keywords,
            abstract=abstract,
            extra={
                k: v
                for k, v in fields.items()
                if (k not in _KNOWN and k != venue_field)
                or (k in _EPRINT and not arxiv_id_of(fields.get("eprint")))
            },  # an eprint that is no arXiv id (Mendeley's "ecog.02097") is kept as written
            sources=[Source(file=file, position=position, line=line, format="bibtex")],
        )


def _why_malformed(block: Any, text: str) -> str:
    """Where bibtexparser stopped in a malformed entry and why (": parsing stopped on line 18:
    Expected a `=` after entry key ..."); "" when it does not say."""
    error = getattr(block, "error", None)
    reason = str(getattr(error, "abort_reason", "") or "").strip()
    end = getattr(error, "end_index", None)
    if not reason:
        return ""
    where = f" on line {text.count(chr(10), 0, end) + 1}" if isinstance(end, int) else ""
    return f": parsing stopped{where}: {reason[:200]}"


def parse_bibtex(text: str, file: str) -> list[Paper]:
    """Every record of the text (see `iter_bibtex`, which yields them as they are parsed)."""
    return list(iter_bibtex(text, file))
