"""The kind of work a record is (journal article, conference paper, preprint...): read from what
each format calls it, and guessed from the venue only where the source says nothing.

`Paper.kind` holds what the source said, in a small closed vocabulary (`KINDS`); `export_kind`
is what an export writes, the source's word or else a conservative guess from the venue.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.models import Paper

KINDS = ("article", "inproceedings", "preprint", "book", "incollection", "thesis", "report", "misc")

# Every format's name for a kind, lower-cased with everything but letters dropped: BibTeX and
# biblatex entry types, RIS TY, CSL types, Scopus/Lens "Document Type", Web of Science DT,
# EndNote reference types, Zotero item types, Semantic Scholar publicationTypes, PubMed PT.
_NAMES = {
    "article": (
        "article", "journalarticle", "articlejournal", "jour", "jfull", "ejour", "review",
        "letter", "note", "editorial", "shortsurvey", "datapaper", "erratum", "magazinearticle",
        "articlemagazine", "newspaperarticle", "articlenewspaper", "mgzn", "news",
        "electronicarticle", "journal", "magazine", "inpr",
        # IEEE Xplore's "Document Identifier"
        "ieeejournals", "ieeemagazines", "ieeeearlyaccessarticles",
    ),
    "inproceedings": (
        "inproceedings", "conference", "conferencepaper", "paperconference", "conf", "cpaper",
        "proceedingspaper", "conferencereview", "conferenceproceedings",
        "conferenceproceedingsarticle", "congress", "conferencepublication", "ieeeconferences",
    ),
    "preprint": ("preprint", "postedcontent"),
    "book": ("book", "mvbook", "proceedings", "ebook", "edbook", "editedbook", "booklet",
             "collection", "mvcollection", "mvproceedings", "ieeebooks", "bookwhole", "pamp"),
    "incollection": (
        "incollection", "inbook", "chapter", "bookchapter", "booksection", "chap", "echap",
        "bookpart",
    ),
    "thesis": ("thesis", "phdthesis", "mastersthesis", "thes", "dissertation",
               "thesisdissertation"),
    "report": ("report", "techreport", "rprt", "technicalreport", "manual", "standard",
               "ieeestandards", "govdoc", "stand"),
    # RIS's CASE (a legal case), SER (a serial), PAT, DATA, COMP (software) and ProCite's
    # "Miscellaneous" too
    "misc": (
        "misc", "unpublished", "unpb", "online", "webpage", "elec", "gen", "generic",
        "manuscript", "document", "patent", "unpublishedwork", "dataset", "software", "periodical",
        "miscellaneous", "case", "ser", "pat", "data", "comp", "blog", "slide", "video",
    ),
}  # fmt: skip
_BY_NAME = {name: kind for kind, names in _NAMES.items() for name in names}

# EndNote's reference type numbers, for a <ref-type> without its name
ENDNOTE_NUMBERS = {"17": "article", "10": "inproceedings", "47": "inproceedings", "6": "book",
                   "28": "book", "5": "incollection", "32": "thesis", "27": "report",
                   "13": "misc", "34": "misc"}  # fmt: skip


def kind_named(name: str | None) -> str | None:
    """The kind a format's type name means ("@InProceedings", "CONF", "paper-conference",
    "Conference Paper", "Book Section"...); None for a name that is none of them."""
    return _BY_NAME.get(re.sub(r"[^a-z]", "", (name or "").lower()))


def wos_kind(publication_type: str, document_types: str) -> str | None:
    """Web of Science PT (J journal, C conference, B book, S series) and DT ("Article;
    Proceedings Paper"): a proceedings paper in a journal issue (PT J) is a journal article."""
    kinds = [kind_named(part) for part in document_types.split(";")]
    if "incollection" in kinds:
        return "incollection"
    if "inproceedings" in kinds and publication_type != "J":
        return "inproceedings"
    by_letter = {"J": "article", "C": "inproceedings", "B": "book"}
    return by_letter.get(publication_type) or next((k for k in kinds if k), None)


# Venues of preprint servers (as DBLP, Google Scholar, Zotero and Scopus name them).
PREPRINT_VENUE = re.compile(
    r"^corr$|arxiv|biorxiv|medrxiv|chemrxiv|techrxiv|\bssrn\b|research square|"
    r"colloquium comput|colloquium on computational complexity|cryptol(?:ogy|\.) eprint",
    re.IGNORECASE,
)
_PROCEEDINGS_VENUE = re.compile(r"\b(?:proceedings|proc\.|conference|symposium|workshop)\b", re.I)
# journals whose names say "Proceedings": PNAS, Proceedings of the IEEE, the Royal Society's,
# PVLDB, PACM (Proceedings of the ACM on Programming Languages...)
_PROCEEDINGS_JOURNAL = re.compile(
    r"national academy|natl\.? acad|royal society|roy\. soc|proceedings of the ieee$|"
    r"^proc\. ieee$|vldb endowment|proceedings of the acm on|^proc\. acm [a-z]",
    re.IGNORECASE,
)


def on_preprint_server(paper: Paper) -> bool:
    """A preprint server as the venue, or an arXiv id and no venue."""
    if paper.venue:
        return bool(PREPRINT_VENUE.search(paper.venue.strip()))
    return bool(paper.arxiv_id)


def effective_kind(paper: Paper) -> str | None:
    """The source's kind; a preprint where the source called a preprint server's record an
    article (Google Scholar's `journal={arXiv preprint ...}`, DBLP's CoRR) or gave no kind; a
    conference paper where the venue says so; else None (nothing known)."""
    if paper.kind in (None, "article", "misc") and on_preprint_server(paper):
        return "preprint"
    if paper.kind:
        return paper.kind
    venue = (paper.venue or "").strip()
    if _PROCEEDINGS_VENUE.search(venue) and not _PROCEEDINGS_JOURNAL.search(venue):
        return "inproceedings"
    return None


def settle_kind(paper: Paper) -> None:
    """A record a source called an article or misc but is a preprint server's (Google Scholar's
    `@article{journal={arXiv preprint arXiv:...}}`) is held as the preprint it is (in place)."""
    if paper.kind in ("article", "misc") and on_preprint_server(paper):
        paper.kind = "preprint"


KIND_LABELS = {
    "article": "journal article",
    "inproceedings": "conference paper",
    "preprint": "preprint",
    "book": "book",
    "incollection": "book chapter",
    "thesis": "thesis",
    "report": "report",
}


def kind_label(paper: Paper) -> str | None:
    """The kind of work as a reader says it ("conference paper"); None when nothing is known."""
    return KIND_LABELS.get(effective_kind(paper) or "")


def export_kind(paper: Paper) -> str:
    """What an export writes: `effective_kind`, or as before a kind was known, an article
    with a venue and misc without one."""
    return effective_kind(paper) or ("article" if paper.venue else "misc")
