"""Writing the library out: BibTeX (bibtexparser), JSONL, CSV and CSL-JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from assistant.models import Paper

_CSV_FIELDS = ["key", "title", "title_derived", "authors", "authors_truncated", "year",
               "year_inferred", "date", "venue", "categories", "doi", "url", "arxiv_id",
               "abstract", "sources"]  # fmt: skip


_BIB_SPECIAL = str.maketrans({"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "$": r"\$",
                              "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                              "\\": r"\textbackslash{}"})  # fmt: skip


_LIGATURES = re.compile(r"(?<=-)(?=-)|(?<=')(?=')|(?<=`)(?=`)")


def bib_escape(text: str) -> str:
    """Text as a BibTeX value that prints it: & % # _ $ braces ~ and backslash escaped, and the
    pairs LaTeX would join (-- '' ``) kept apart (Unicode letters stay as they are; biber and
    bibtex8 read UTF-8)."""
    return _LIGATURES.sub("{}", text.translate(_BIB_SPECIAL))


def _bib_fields(paper: Paper) -> list[tuple[str, str]]:
    """Text fields escaped for BibTeX; identifiers (DOI, URL, eprint) as they are."""
    fields = [("title", bib_escape(paper.title))]
    if paper.authors:
        names = [_bib_name(a) for a in paper.authors]
        # BibTeX's own "et al.": styles print it, and a shortened list does not pass for whole
        fields.append(("author", " and ".join(names + ["others"] * paper.authors_truncated)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.date and len(paper.date) >= 10:
        fields.append(("date", paper.date))
    if paper.venue:
        fields.append(("journal", bib_escape(paper.venue)))
    if paper.doi:
        fields.append(("doi", paper.doi))
    if paper.url:
        fields.append(("url", paper.url))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archiveprefix", "arXiv")]
    if paper.categories:
        fields.append(("keywords", bib_escape(", ".join(paper.categories))))
    if paper.abstract:
        fields.append(("abstract", bib_escape(paper.abstract)))
    return fields


def _bib_name(name: str) -> str:
    """A name BibTeX splits the way it was meant: "Barnes and Noble" (one organisation) braced,
    and a person called "others" too (bare, it is BibTeX's "et al.")."""
    escaped = bib_escape(name)
    braced = " and " in f" {name} " or "," in name or name.lower() == "others"
    return f"{{{escaped}}}" if braced else escaped


def to_bibtex(papers: Sequence[Paper]) -> str:
    """One entry per paper; `@article` with a venue, `@misc` without one."""
    import bibtexparser
    from bibtexparser.model import Entry, Field

    library = bibtexparser.Library()
    for paper in papers:
        kind = "article" if paper.venue else "misc"
        library.add(Entry(kind, paper.key, [Field(k, v) for k, v in _bib_fields(paper)]))
    return bibtexparser.write_string(library)


def to_jsonl(papers: Sequence[Paper]) -> str:
    return "".join(json.dumps(p.public_dict(), ensure_ascii=False) + "\n" for p in papers)


def to_csv(papers: Sequence[Paper]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_CSV_FIELDS)
    writer.writeheader()
    for paper in papers:
        row = paper.public_dict()
        writer.writerow(
            {
                **{f: row.get(f) for f in _CSV_FIELDS},
                "authors": "; ".join(paper.authors),
                "categories": "; ".join(paper.categories),
                "sources": "; ".join(f"{s.file}#{s.position}" for s in paper.sources),
            }
        )
    return out.getvalue()


_PARTICLES = {"van", "von", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "ter"}


def _csl_name(name: str) -> dict[str, str]:
    """A CSL name from "Given Family": the last word the family name, lower-case particles
    before it (von, van der) its particle; one word, or a name with a comma, kept literal."""
    words = name.split()
    if len(words) < 2 or "," in name:
        return {"literal": name}
    particles = []
    given = words[:-1]
    while len(given) > 1 and given[-1] in _PARTICLES:
        particles.insert(0, given.pop())
    csl = {"family": words[-1], "given": " ".join(given)}
    if particles:
        csl["non-dropping-particle"] = " ".join(particles)
    return csl


def to_csljson(papers: Sequence[Paper]) -> str:
    """A CSL-JSON array (Zotero, Pandoc, citeproc): `id` and `citation-key` are the paper's key,
    so the file imports again under the same keys."""
    items = []
    for paper in papers:
        item: dict = {
            "id": paper.key,
            "citation-key": paper.key,
            "type": "article-journal" if paper.venue else "article",
            "title": paper.title,
        }
        if paper.authors:
            item["author"] = [_csl_name(a) for a in paper.authors]
        if paper.year:
            parts = [paper.year]
            if paper.date and paper.date[:4] == str(paper.year):
                parts += [int(p) for p in paper.date[5:].split("-") if p.isdigit()]
            item["issued"] = {"date-parts": [parts]}
        if paper.venue:
            item["container-title"] = paper.venue
        if paper.doi:
            item["DOI"] = paper.doi
        if paper.url:
            item["URL"] = paper.url
        if paper.arxiv_id:
            item["number"] = f"arXiv:{paper.arxiv_id}"
        if paper.categories:
            item["keyword"] = "; ".join(paper.categories)
        if paper.abstract:
            item["abstract"] = paper.abstract
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
