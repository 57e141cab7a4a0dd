"""Duplicate detection across sources, merging into the richest record, and citation keys.

Keys are a function of the merged library's content, never of ingest order: the same files give the
same keys whichever order they arrive in.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from assistant.models import Paper, Source

_STOPWORDS = {
    "a", "an", "the", "on", "of", "for", "to", "in", "and", "with", "towards", "toward", "via",
    "is", "are", "from", "by", "at", "as", "into", "using", "we", "our", "this",
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")
_PARTICLES = {"van", "von", "der", "de", "da", "del", "la", "le", "di", "du"}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def normalize_title(title: str) -> str:
    return " ".join(_WORD.findall(_ascii(title)))


def abstract_fingerprint(abstract: str) -> str:
    """The first 40 words, normalised: catches the same abstract copied from two pages."""
    words = _WORD.findall(_ascii(abstract))
    return " ".join(words[:40]) if len(words) >= 12 else ""


def _identities(paper: Paper) -> list[str]:
    ids = []
    if paper.own_key and paper.key:
        ids.append(f"key:{paper.key}")
    if paper.doi:
        ids.append(f"doi:{paper.doi.lower().strip()}")
    if paper.arxiv_id:
        ids.append(f"arxiv:{paper.arxiv_id.lower().split('v')[0]}")
    if paper.title and not paper.title_derived:
        norm = normalize_title(paper.title)
        if len(norm) >= 12:
            ids.append(f"title:{norm}")
    fingerprint = abstract_fingerprint(paper.abstract)
    if fingerprint:
        ids.append(f"abstract:{fingerprint}")
    return ids


def group_duplicates(papers: list[Paper]) -> list[list[Paper]]:
    """Union-find over shared identities (key, DOI, arXiv id, title, abstract opening)."""
    parent = list(range(len(papers)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for i, paper in enumerate(papers):
        for identity in _identities(paper):
            if identity in seen:
                a, b = find(seen[identity]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                seen[identity] = i
    groups: dict[int, list[Paper]] = defaultdict(list)
    for i, paper in enumerate(papers):
        groups[find(i)].append(paper)
    return list(groups.values())


def _source_order(source: Source) -> tuple[str, int]:
    return (source.file, source.position)


def _richness(paper: Paper) -> tuple:
    """Which record's fields win: real titles, dated, longer author lists, longer abstracts."""
    return (
        not paper.title_derived,
        paper.year is not None and not paper.year_inferred,
        len(paper.authors),
        len(paper.abstract),
        min((_source_order(s) for s in paper.sources), default=("", 0)),
    )


def merge_group(group: list[Paper], copy: bool = True) -> Paper:
    """One record keeping every source and, field by field, the richest value.

    With copy=False the richest record itself becomes the merged one (changed in place).
    """
    if len(group) == 1:
        return group[0].model_copy(deep=True) if copy else group[0]
    ranked = sorted(group, key=_richness, reverse=True)
    merged = ranked[0].model_copy(deep=True) if copy else ranked[0]
    for other in ranked[1:]:
        for field in ("venue", "url", "doi", "arxiv_id", "has_code", "upvotes", "score"):
            if getattr(merged, field) in (None, "") and getattr(other, field) not in (None, ""):
                setattr(merged, field, getattr(other, field))
        if merged.year is None and other.year is not None:
            merged.year, merged.year_inferred = other.year, other.year_inferred
            merged.date = merged.date or other.date
        if merged.author_count is None:
            merged.author_count = other.author_count
        if len(other.abstract) > len(merged.abstract) and not merged.abstract:
            merged.abstract = other.abstract
        for value in other.categories:
            if value not in merged.categories:
                merged.categories.append(value)
        for value in other.organizations:
            if value not in merged.organizations:
                merged.organizations.append(value)
        for name, value in other.extra.items():
            merged.extra.setdefault(name, value)
    own_keys = sorted(p.key for p in group if p.own_key and p.key)
    merged.own_key = bool(own_keys)
    merged.key = own_keys[0] if own_keys else ""
    sources = {(s.file, s.position): s for p in group for s in p.sources}
    merged.sources = sorted(sources.values(), key=_source_order)
    return merged


def _surname(author: str) -> str:
    parts = [p for p in re.split(r"\s+", author.strip()) if p]
    if not parts:
        return ""
    if "," in author:  # "Last, First"
        return author.split(",")[0].split()[-1]
    # "Ludwig van Beethoven" -> "vanbeethoven" is noisy; BibTeX tools use the last token
    tail = parts[-1]
    return tail if tail.lower() not in _PARTICLES else "".join(parts[-2:])


def base_key(paper: Paper) -> str:
    """`guo2023olive`: first author's surname, year, first significant title word."""
    surname = "".join(_WORD.findall(_ascii(_surname(paper.authors[0])))) if paper.authors else ""
    words = [w for w in _WORD.findall(_ascii(paper.title)) if w not in _STOPWORDS]
    word = words[0] if words else "untitled"
    year = str(paper.year) if paper.year else ""
    return f"{surname or 'anon'}{year}{word}"


def _suffix(n: int) -> str:
    """0 -> '', 1 -> 'b', ... 25 -> 'z', 26 -> 'ba'..."""
    if n == 0:
        return ""
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters


def assign_keys(papers: list[Paper]) -> None:
    """Give every record without its own key a unique, content-determined key (in place)."""
    taken = {p.key for p in papers if p.own_key and p.key}
    by_base: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        if not (paper.own_key and paper.key):
            by_base[base_key(paper)].append(paper)
    for base, group in sorted(by_base.items()):
        # order inside a collision group is by content, so it does not depend on ingest order
        group.sort(key=lambda p: (normalize_title(p.title), p.abstract, p.embedding_text_hash()))
        n = 0
        for paper in group:
            while (candidate := base + _suffix(n)) in taken:
                n += 1
            paper.key = candidate
            taken.add(candidate)
            n += 1


def merge_library(papers: list[Paper], copy: bool = True) -> list[Paper]:
    """Merge duplicates and assign keys; the result is sorted by key.

    copy=False merges into the given records themselves, for callers done with them: 100,000
    records are then held once, not twice.
    """
    merged = [merge_group(group, copy) for group in group_duplicates(papers)]
    assign_keys(merged)
    return sorted(merged, key=lambda p: p.key)
