"""Writing the library out: BibTeX (bibtexparser), JSONL, CSV and CSL-JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from assistant.ingest.fields import split_name, without_suffix
from assistant.ingest.kinds import export_kind
from assistant.models import Paper

CSV_FIELDS = ["key", "title", "title_derived", "authors", "authors_truncated", "year",
               "year_inferred", "date", "venue", "kind", "categories", "doi", "url", "arxiv_id",
               "abstract", "sources"]  # fmt: skip


_BIB_SPECIAL = str.maketrans({"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "$": r"\$",
                              "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                              "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"})  # fmt: skip


_LIGATURES = re.compile(r"(?<=-)(?=-)|(?<=')(?=')|(?<=`)(?=`)")


def bib_escape(text: str) -> str:
    """Text as a BibTeX value that prints it: & % # _ $ braces ~ and backslash escaped, and the
    pairs LaTeX would join (-- '' ``) kept apart (Unicode letters stay as they are; biber and
    bibtex8 read UTF-8)."""
    return _LIGATURES.sub("{}", text.translate(_BIB_SPECIAL))


# What a field may use and still be written as the LaTeX it is: commands of the LaTeX kernel (no
# package needed), text mode and math mode apart. A macro the source defined (\method, \bert{})
# or took from a package (\hl, \text, \mathbb) would not compile in the reader's document.
_TEXT_MACROS = frozenset({
    "'", "`", '"', "^", "~", "=", ".", "c", "v", "u", "H", "k", "r", "d", "b", "t",  # accents
    "%", "&", "#", "$", "_", "{", "}", ",", "textit", "textbf", "textsc", "texttt", "textrm",
    "textsf", "textsl", "emph", "textsuperscript", "textsubscript", "textasciitilde",
    "textasciicircum", "textbackslash", "textendash", "textemdash", "ldots", "dots", "ss", "ae",
    "AE", "oe", "OE", "aa", "AA", "o", "O", "l", "L", "i", "j", "S", "P", "TeX", "LaTeX",
})  # fmt: skip
_MATH_MACROS = frozenset({
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau",
    "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
    "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega", "times", "sim", "approx", "simeq", "cdot",
    "cdots", "ldots", "dots", "leq", "geq", "le", "ge", "neq", "ne", "ll", "gg", "pm", "mp",
    "div", "infty", "propto", "in", "notin", "subset", "subseteq", "cup", "cap", "to",
    "rightarrow", "leftarrow", "Rightarrow", "mapsto", "prime", "circ", "ast", "star", "partial",
    "nabla", "forall", "exists", "log", "ln", "exp", "min", "max", "lim", "sup", "inf", "sum",
    "prod", "int", "frac", "sqrt", "mathsf", "mathrm", "mathbf", "mathit", "mathtt", "mathcal",
    "%", "&", "#", "$", "_", "{", "}", ",", ";", "!", ":", "quad", "qquad",
})  # fmt: skip
_TEXT_SPECIALS = {"~", "--", "---", "``", "''", "`", "'"}
_NOT_LATEX = re.compile(r"(?<!\\)[%&#]|\\\\")  # a comment, an alignment tab, a line break


def _balanced(text: str) -> bool:
    r"""Braces close where they open, counting `\{` too as BibTeX does."""
    depth = 0
    for char in re.findall(r"[{}]", text):
        depth += 1 if char == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def _as_latex(text: str) -> str | None:
    r"""`text` as LaTeX that compiles and prints what it means, if it is LaTeX: braces and
    `$...$` balanced, kernel commands or math spans in it, and nothing that is not LaTeX (`%`,
    `&`, `#`, a `_` in text). A `^{2}` outside math ("Missing $ inserted") goes into math,
    `D$^{2}$MoE`; a command the source defined (`\bert{}`) is escaped in place, printing as
    written. None when unsure."""
    if not re.search(r"[\\$]|[\^_]\{", text) or _NOT_LATEX.search(text) or not _balanced(text):
        return None
    from pylatexenc import latexwalker as lw

    try:
        nodes = lw.LatexWalker(text, tolerant_parsing=False).get_latex_nodes()[0]
    except lw.LatexWalkerError:
        return None
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in `text`

    def walk(nodes: list, math: bool) -> bool | None:
        """Whether the nodes hold LaTeX to keep (None: something not to trust)."""
        found, done_to = False, -1  # a group taken as a script or an argument: done
        for i, node in enumerate(nodes):
            if node is None or node.pos < done_to:
                continue
            if node.isNodeType(lw.LatexCharsNode):
                if math:
                    continue
                chars, following = node.chars, nodes[i + 1] if i + 1 < len(nodes) else None
                if "^" in chars[:-1] or "_" in chars[:-1]:
                    return None
                if chars[-1] in "^_":
                    if following is None or not following.isNodeType(lw.LatexGroupNode):
                        return None
                    if walk(following.nodelist, True) is None:
                        return None
                    done_to = following.pos + following.len
                    script = node.pos + node.len - 1
                    edits.extend([(script, script, "$"), (done_to, done_to, "$")])
                    found = True
            elif node.isNodeType(lw.LatexMathNode):
                if math or node.delimiters != ("$", "$") or walk(node.nodelist, True) is None:
                    return None
                found = True
            elif node.isNodeType(lw.LatexMacroNode):
                if node.macroname in (_MATH_MACROS if math else _TEXT_MACROS):
                    args = node.nodeargd.argnlist if node.nodeargd else []
                    if walk(args, math) is None:
                        return None
                    found = True
                elif math:
                    return None
                else:  # escaped with the groups right after it (its arguments): `\bert{}`
                    done_to = node.pos + node.len
                    for group in nodes[i + 1 :]:
                        if group is None or not group.isNodeType(lw.LatexGroupNode):
                            break
                        if group.pos != done_to:
                            break
                        done_to = group.pos + group.len
                    edits.append((node.pos, done_to, bib_escape(text[node.pos : done_to])))
            elif node.isNodeType(lw.LatexGroupNode):
                inner = walk(node.nodelist, math)
                if inner is None:
                    return None
                found = found or inner
            elif not node.isNodeType(lw.LatexSpecialsNode):
                return None  # an environment, a comment
            elif not math and node.specials_chars not in _TEXT_SPECIALS:
                return None
        return found

    if not walk(nodes, False):
        return None
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def bib_text(text: str) -> str:
    """A text field (title, abstract) for BibTeX: LaTeX the source wrote kept as LaTeX, so that
    `$\\mathsf{GELU}$` prints GELU; anything else escaped to print as written (`bib_escape`)."""
    latex = _as_latex(text)
    return bib_escape(text) if latex is None else latex


# litreview's own fields, which BibTeX styles ignore and `ingest` reads back: litreview-title /
# -journal keep a title or venue written as LaTeX exactly as the library holds it (the importer
# reads LaTeX as what it prints: `BERT$'$s` would come back `BERT's`); litreview-title-derived /
# -year-inferred say what litreview made up
OWN_FIELD = "litreview-{}"


def _printed(name: str, value: str) -> list[tuple[str, str]]:
    """A title or venue as LaTeX that prints what it means, with the text as held beside it
    when that LaTeX differs from the plain escape. A title's acronyms and system names are
    braced, as styles that lower-case titles would print "Hybrimoe: hybrid cpu-gpu ..."."""
    written, escaped = bib_text(value), bib_escape(value)
    own = [(OWN_FIELD.format(name), escaped)] if written != escaped else []
    return [(name, protect_capitals(written) if name == "title" else written)] + own


_WORD_PART = re.compile(r"[^\W\d_]\w*(?:-\w+)*")  # a word, or words joined by hyphens


def protect_capitals(latex: str) -> str:
    """Each word with a capital after its first letter ("HybriMoE", "CPU", "vTensor", "T-MAC")
    braced; words with LaTeX of their own (braces, macros, math) are left as they are."""
    out = []
    for token in re.split(r"(\s+)", latex):
        if any(c in token for c in "{}\\$"):
            out.append(token)
            continue
        out.append(_WORD_PART.sub(_braced_if_capitalised, token))
    return "".join(out)


def _braced_if_capitalised(part: re.Match[str]) -> str:
    word = part.group()
    capitalised = any(any(c.isupper() for c in piece[1:]) for piece in word.split("-"))
    return f"{{{word}}}" if capitalised else word


# BibTeX's entry type and the field that names the venue, by kind: a preprint as biblatex and
# natbib styles cite one, `@misc` with its eprint and the server (if any) as howpublished
BIB_ENTRY_TYPE = {"article": "article", "inproceedings": "inproceedings", "preprint": "misc",
                  "book": "book", "incollection": "incollection", "thesis": "phdthesis",
                  "report": "techreport", "misc": "misc"}  # fmt: skip
BIB_VENUE_FIELD = {"article": "journal", "inproceedings": "booktitle", "preprint": "howpublished",
                   "book": "series", "incollection": "booktitle", "thesis": "school",
                   "report": "institution", "misc": "howpublished"}  # fmt: skip


def _bib_fields(paper: Paper) -> list[tuple[str, str]]:
    """Text fields escaped for BibTeX; identifiers (DOI, URL, eprint) as they are. Abstracts are
    escaped to print as written: no style prints them, and they round-trip as they are."""
    fields = _printed("title", paper.title)
    if paper.authors:
        names = [_bib_name(a) for a in paper.authors]
        # BibTeX's own "et al.": styles print it, and a shortened list does not pass for whole
        fields.append(("author", " and ".join(names + ["others"] * paper.authors_truncated)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.date and len(paper.date) >= 10:
        fields.append(("date", paper.date))
    elif paper.date and len(paper.date) == 7 and paper.date[:4] == str(paper.year):
        fields.append(("month", str(int(paper.date[5:7]))))  # "2018-01": a month, no day
    if paper.venue:
        fields += _printed(BIB_VENUE_FIELD[export_kind(paper)], paper.venue)
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
    # the record's other fields (volume, pages, publisher, series, ISSN...): a citation needs
    # them, and ingest reads them back as they were
    written = {name for name, _ in fields}
    for name, value in paper.extra.items():
        name = name.lower()
        if name in written or name.startswith(OWN_FIELD.format("")) or not _FIELD_NAME.match(name):
            continue
        written.add(name)
        fields.append((name, _verbatim(value) if name in VERBATIM_FIELDS else bib_escape(value)))
    # what litreview made up (a title from the abstract's opening, a year from the page's): no
    # style prints these fields, and ingest reads them back
    for flag in ("title_derived", "year_inferred"):
        if getattr(paper, flag):
            fields.append((OWN_FIELD.format(flag.replace("_", "-")), "true"))
    return fields


_FIELD_NAME = re.compile(r"[a-z][a-z0-9_.:+-]*\Z")  # what a BibTeX field name may be
# identifiers written as they are, and read so by ingest (assistant/ingest/bibtex.py)
VERBATIM_FIELDS = {"doi", "url", "eprint", "archiveprefix", "file", "isbn", "issn", "pmid"}


def _verbatim(value: str) -> str:
    """An identifier as written, less any brace that opens or closes nothing: one stray "}"
    ended the entry early, and the fields after it were lost on reading it back."""
    kept, opened = [], []
    for c in " ".join(value.split()):
        if c == "{":
            opened.append(len(kept))
        elif c == "}":
            if not opened:
                continue
            opened.pop()
        kept.append(c)
    for position in reversed(opened):
        del kept[position]
    return "".join(kept)


def _bib_name(name: str) -> str:
    """A name BibTeX splits the way it was meant: "Barnes and Noble" (one organisation) braced,
    a person called "others" too (bare, it is BibTeX's "et al."), and a surname of capitalised
    particles written first ("Van Den Oord, Aaron")."""
    escaped = bib_escape(name)
    braced = " and " in f" {name} " or "," in name or name.lower() == "others"
    if braced:
        return f"{{{escaped}}}"
    given, surname = split_name(name)
    suffix = without_suffix(name)[1]
    if suffix:  # "Martin Luther King Jr.": BibTeX would read "Jr." as the surname
        return f"{bib_escape(surname)}, {bib_escape(suffix)}, {bib_escape(given)}"
    if " " in surname and surname[0].isupper():  # "Van Den Oord": BibTeX would read "Oord"
        return f"{bib_escape(surname)}, {bib_escape(given)}"  # "von Last, First" form
    return escaped


def to_bibtex(papers: Sequence[Paper]) -> str:
    """One entry per paper, of its kind (`export_kind`): `@inproceedings` with a booktitle,
    `@article` with a journal, a preprint `@misc` with its eprint..."""
    import bibtexparser
    from bibtexparser.model import Entry, Field

    library = bibtexparser.Library()
    for paper in papers:
        entry_type = BIB_ENTRY_TYPE[export_kind(paper)]
        library.add(Entry(entry_type, paper.key, [Field(k, v) for k, v in _bib_fields(paper)]))
    return bibtexparser.write_string(library)


def to_jsonl(papers: Sequence[Paper]) -> str:
    return "".join(json.dumps(p.public_dict(), ensure_ascii=False) + "\n" for p in papers)


def to_csv(papers: Sequence[Paper]) -> str:
    """One row a paper: litreview's fields, then a column for each `extra` field the papers hold
    (volume, pages, publisher...), which `ingest` reads back as extra fields."""
    out = io.StringIO()
    extra_columns = sorted({name for p in papers for name in p.extra} - set(CSV_FIELDS))
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS + extra_columns)
    writer.writeheader()
    for paper in papers:
        row = paper.public_dict()
        writer.writerow(
            {
                **{name: value for name, value in paper.extra.items() if name in extra_columns},
                **{f: row.get(f) for f in CSV_FIELDS},
                "kind": export_kind(paper),  # the kind the BibTeX export writes
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


# `extra` fields (as BibTeX names them) and their CSL-JSON variables
CSL_VARIABLES = {"volume": "volume", "pages": "page", "publisher": "publisher",
                 "address": "publisher-place", "edition": "edition", "series": "collection-title",
                 "issn": "ISSN", "isbn": "ISBN", "pmid": "PMID", "pmcid": "PMCID",
                 "chapter": "chapter-number", "language": "language"}  # fmt: skip


def _csl_extra(paper: Paper) -> dict[str, str]:
    """The `extra` fields CSL has variables for; BibTeX's `number` is a journal's issue, but a
    report's own number (an arXiv id, when there is one, holds CSL's number)."""
    item = {
        CSL_VARIABLES[name]: value for name, value in paper.extra.items() if name in CSL_VARIABLES
    }
    if "number" in paper.extra:
        if export_kind(paper) in ("article", "inproceedings", "incollection"):
            item["issue"] = paper.extra["number"]
        elif not paper.arxiv_id:
            item["number"] = paper.extra["number"]
    return item


# CSL 1.0.2's types: "article" is a preprint or working paper, "document" a generic work
CSL_TYPE = {"article": "article-journal", "inproceedings": "paper-conference",
            "preprint": "article", "book": "book", "incollection": "chapter", "thesis": "thesis",
            "report": "report", "misc": "document"}  # fmt: skip


def to_csljson(papers: Sequence[Paper]) -> str:
    """A CSL-JSON array (Zotero, Pandoc, citeproc): `id` and `citation-key` are the paper's key,
    so the file imports again under the same keys."""
    items = []
    for paper in papers:
        item: dict = {
            "id": paper.key,
            "citation-key": paper.key,
            "type": CSL_TYPE[export_kind(paper)],
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
        for name, value in _csl_extra(paper).items():
            item.setdefault(name, value)
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
