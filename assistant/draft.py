"""Related-work drafts: decide which papers the section covers, group them into themes, write one
paragraph per theme, verify every citation with the same checks as `ask`, and report coverage.

1. Candidates (`assistant.selection`): a calibrated relevance decision over the whole library,
   from the topic, its abbreviations both ways, and (with a model) the facets the model proposes.
   `papers` adds keys, `exclude` removes them; near-copies, papers without an abstract and papers
   beyond `k` are left out, each with its reason; papers just below the cut are listed as
   borderline.
2. The outline: themes of three to eight papers (a lone paper folds into its nearest theme),
   named by their distinctive terms (or by the model), the theme closest to the topic first.
3. Paragraphs. Offline: a lead sentence, then each paper by its system name or first author with
   its contribution quoted from its own abstract, joined by connectives drawn from the papers'
   years. With a model: one paragraph per theme under a token cap, a repetition stop and a time
   budget; a paragraph that fails them (or comes back with nothing verifiable) is asked for once
   more, then replaced by the theme's extractive paragraph, and the report says so.
4. Verification: every (sentence, key) through `assistant.citations.verify`, then (with a model)
   the judge over the whole draft. A sentence left without a verified citation is dropped and
   listed, or with `keep_unsupported` kept with a visible mark.

`Drafter.plan` stops after step 2 with an `Outline` (shown, and edited with `Outline.edited` or
as JSON through `outline_from_dict`); `Drafter.write` runs steps 3 and 4 from it, a candidate
no theme holds any more left out "removed in the outline". `Drafter.draft` is both in one go.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from assistant.answer import GroundedWriter, add_usage, evidence_out, format_evidence
from assistant.attribution import contribution, short_name, states_contribution
from assistant.citations import CitedSentence, parse_claims, verify
from assistant.errors import LLMError, UsageError
from assistant.llm import repeating
from assistant.models import Paper, SentenceOut
from assistant.text import RESEARCH_WORDS, STOP_WORDS, plain, split_sentences
from assistant.text import words as text_words

if TYPE_CHECKING:
    import numpy as np

    from assistant.library import Library
    from assistant.retrieval import SearchFilters
    from assistant.selection import Selection

UNSUPPORTED_MARK = "[unsupported: no verified citation]"
MIN_THEME, MAX_THEME = 3, 8
PARAGRAPH_TOKENS = 3.0  # a paragraph's token cap: this many tokens per word asked for
PARAGRAPH_SECONDS = 120.0  # and its time budget
LISTED_COPIES = 10  # near-copies listed by name in the report; the rest are counted
EXCLUDED = "excluded (--exclude)"  # a left-out paper's reason, as reported

# words too common in this field to name a theme: stop and research words, and these
_GENERIC = STOP_WORDS | RESEARCH_WORDS | {
    "achieve", "achieves", "achieving", "across", "address", "challenges", "compared", "data",
    "deep", "demonstrate", "different", "efficiency", "efficient", "enable", "enables", "existing",
    "experimental", "experiments", "first", "framework", "high", "however", "improve", "improved",
    "improves", "key", "large", "learning", "model", "models", "network", "networks", "neural",
    "papers", "performance", "problem", "problems", "reduce", "reduces", "reduction", "result",
    "results", "significant", "significantly", "state-of-the-art", "task", "tasks", "three",
    "times", "various", "within", "without", "even", "well", "works", "enabling", "support",
    "supports", "techniques", "technique", "improvement", "improvements", "language", "approaches",
    "accuracy", "novel", "new", "proposed", "further", "often", "still", "thus",
    "original", "provide", "provides", "previous", "prior", "recent", "recently",
}  # fmt: skip


@dataclass
class Theme:
    name: str
    keys: list[str]
    paragraph: str = ""
    sentences: list[dict[str, Any]] = field(default_factory=list)
    # extractive | llm | fallback (the extractive paragraph after the model failed twice)
    written_by: str = "extractive"
    named: bool = False  # renamed in the outline: the offline lead says this name


@dataclass
class Draft:
    topic: str
    mode: str  # "llm" | "extractive"
    themes: list[Theme]
    candidates: list[str]
    cited: list[str]
    left_out: list[dict[str, str]]
    rejected_citations: list[dict[str, str]]
    unsupported_sentences: list[str]
    model: str | None = None
    incomplete: bool = False
    problem: str | None = None
    seconds: float = 0.0
    note: str | None = None
    verification: str = "local"  # local | model | model-failed | off
    usage: dict[str, int] = field(default_factory=dict)  # tokens of every model call
    borderline: list[dict[str, Any]] = field(default_factory=list)
    dropped_sentences: list[dict[str, str]] = field(default_factory=list)
    fallbacks: list[dict[str, str]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    expansions: dict[str, str] = field(default_factory=dict)
    keep_unsupported: bool = False
    more_copies: int = 0  # near-copies above the cut beyond the ones listed in left_out

    def coverage(self) -> dict[str, Any]:
        return {
            "candidates": len(self.candidates),
            "cited": len(self.cited),
            "cited_keys": self.cited,
            "left_out": self.left_out,
            "more_copies_left_out": self.more_copies,
            "borderline": self.borderline,
            "rejected_citations": self.rejected_citations,
            "unsupported_sentences": self.unsupported_sentences,
            "dropped_sentences": self.dropped_sentences,
            "fallbacks": self.fallbacks,
            "queries": self.queries,
            "expansions": self.expansions,
            "coverage": round(len(self.cited) / len(self.candidates), 3) if self.candidates else 0,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "mode": self.mode,
            "model": self.model,
            "themes": [
                {
                    "name": t.name,
                    "keys": t.keys,
                    "paragraph": t.paragraph,
                    "sentences": t.sentences,
                    "written_by": t.written_by,
                }
                for t in self.themes
            ],
            "coverage": self.coverage(),
            "incomplete": self.incomplete,
            "problem": self.problem,
            "note": self.note,
            "verification": self.verification,
            "usage": self.usage,
            "seconds": round(self.seconds, 2),
        }


# -- the outline: a draft's plan, shown (and edited) before a paragraph is written -------------
OUTLINE_FORMAT = "litreview-outline/1"
REMOVED_IN_OUTLINE = "removed in the outline"
THEME_NAME_CHARS = 80
_NAME_MARKUP = re.compile(r"[\[\]{}<>`\\|@]")  # citation, link, HTML and LaTeX syntax
_CITATION_IN_NAME = re.compile(r"\[[^\[\]]*@[^\[\]]*\]|(?<![\w.])@[\w:.\-/]+")
_OUTLINE_FIELDS = ("format", "topic", "planned_by", "model", "themes", "candidates", "coverage",
                   "notes", "usage", "seconds")  # fmt: skip
_COVERAGE_FIELDS = ("left_out", "more_copies_left_out", "borderline", "queries", "expansions")


def clean_theme_name(name: str) -> str:
    """A theme name as plain text: no escape sequences or line breaks, no Markdown, LaTeX,
    citation or link syntax, at most THEME_NAME_CHARS characters."""
    from assistant.text import terminal_safe

    # a citation goes whole: "quantization [@guo2022ant]" left "quantization guo2022ant"
    text = _NAME_MARKUP.sub("", _CITATION_IN_NAME.sub(" ", plain(terminal_safe(name))))
    text = " ".join(text.split()).strip(" #*_~>\"'")
    return text[:THEME_NAME_CHARS].rstrip()


@dataclass
class Outline:
    """A draft's plan before any paragraph: the candidates, their themes (name and papers, in
    the order the section presents them) and what the coverage report needs from choosing them.
    `edited` gives a checked copy with other themes; a candidate no theme holds is left out of
    the draft, "removed in the outline"."""

    topic: str
    themes: list[Theme]
    papers: dict[str, Paper]  # every candidate, in the plan's order
    planned_by: str = "extractive"  # extractive | llm
    model: str | None = None
    left_out: list[dict[str, str]] = field(default_factory=list)
    borderline: list[dict[str, Any]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    expansions: dict[str, str] = field(default_factory=dict)
    more_copies: int = 0
    notes: list[str] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def removed(self) -> list[str]:
        """Candidates no theme holds any more, in the plan's order."""
        placed = {key for theme in self.themes for key in theme.keys}
        return [key for key in self.papers if key not in placed]

    def edited(self, themes: Sequence[tuple[str, Sequence[str]]]) -> Outline:
        """This outline with `themes` as (name, keys) pairs, checked: every key one of its
        candidates and in one theme only, names plain text and distinct; a theme left without
        papers is dropped; within a theme, papers in the draft's order (surveys, then by year).
        A UsageError names the field at fault (`themes[1].keys[0]: ...`)."""
        placed: dict[str, int] = {}
        names: dict[str, int] = {}
        kept: list[Theme] = []
        planned = {theme.name: theme.named for theme in self.themes}  # a new name is named
        if not isinstance(themes, (list, tuple)):
            raise UsageError("themes: expected a list of themes")
        for i, (name, keys) in enumerate(themes):
            where = f"themes[{i}]"
            if not isinstance(name, str):
                raise UsageError(f"{where}.name: expected text")
            if not isinstance(keys, (list, tuple)):
                raise UsageError(f"{where}.keys: expected a list of paper keys")
            for j, key in enumerate(keys):
                if not isinstance(key, str):
                    raise UsageError(f"{where}.keys[{j}]: expected a paper key (text)")
                if key not in self.papers:
                    raise UsageError(
                        f"{where}.keys[{j}]: {key!r} is not one of the outline's candidates "
                        "(papers are added when planning: --papers)"
                    )
                if key in placed:
                    other = "this theme" if placed[key] == i else f"themes[{placed[key]}]"
                    raise UsageError(
                        f"{where}.keys[{j}]: {key!r} is already in {other}; a paper belongs to "
                        "one theme (move it: delete it from the other)"
                    )
                placed[key] = i
            if not keys:
                continue  # an empty theme is dropped
            clean = clean_theme_name(name)
            if not clean:
                raise UsageError(f"{where}.name: empty; a theme needs a name")
            if clean.casefold() in names:
                raise UsageError(
                    f"{where}.name: {clean!r} already names themes[{names[clean.casefold()]}]; "
                    "give each theme its own name"
                )
            names[clean.casefold()] = i
            ordered = sorted(keys, key=lambda key: _paper_order(self.papers[key]))
            kept.append(Theme(clean, ordered, named=planned.get(clean, True)))
        if not kept:
            raise UsageError("themes: no paper is left in the outline")
        return replace(self, themes=kept)

    def as_dict(self) -> dict[str, Any]:
        """The outline as `draft --outline-only --json` prints it and `--outline FILE` reads it
        back: edit `themes` (rename, move keys between them, delete keys) and write from it."""
        return {
            "format": OUTLINE_FORMAT,
            "topic": self.topic,
            "planned_by": self.planned_by,
            "model": self.model,
            # planned_name: the name as planned, so a renamed theme is told apart on reading
            "themes": [
                {"name": t.name, "keys": list(t.keys)}
                | ({} if t.named else {"planned_name": t.name})
                for t in self.themes
            ],
            "candidates": [
                {"key": p.key, "title": p.title, "year": p.year} for p in self.papers.values()
            ],
            "coverage": {
                "left_out": self.left_out,
                "more_copies_left_out": self.more_copies,
                "borderline": self.borderline,
                "queries": self.queries,
                "expansions": self.expansions,
            },
            "notes": self.notes,
            "usage": self.usage,
            "seconds": round(self.seconds, 2),
        }

    def to_markdown(self) -> str:
        """The outline for a reader: each theme with its papers (key, title, year)."""
        lines = [f"## Outline: {self.topic}", ""]
        for n, theme in enumerate(self.themes, 1):
            lines += [f"### {n}. {theme.name}", ""]
            for key in theme.keys:
                paper = self.papers[key]
                year = f" ({paper.year})" if paper.year else ""
                # as `litreview library` prints it: "D^2MoE", not its markup "D^{2}MoE"
                lines.append(f"- {key}: {' '.join(plain(paper.title).split())}{year}")
            lines.append("")
        if self.removed:
            lines += [f"Removed in the outline: {', '.join(self.removed)}", ""]
        return "\n".join(lines)


def outline_from_dict(data: Any, library: Library) -> Outline:
    """An outline as `Outline.as_dict` writes it (possibly edited), checked field by field;
    `candidates` may be left out (the themes' papers are then the candidates). A UsageError
    names the field at fault."""
    if not isinstance(data, dict):
        raise UsageError("expected a JSON object (an outline from draft --outline-only --json)")
    for name in data:
        if name not in _OUTLINE_FIELDS:
            raise UsageError(f"{name}: unknown field (an outline has {', '.join(_OUTLINE_FIELDS)})")
    if data.get("format") != OUTLINE_FORMAT:
        raise UsageError(
            f"format: expected {OUTLINE_FORMAT!r} (write an outline with --outline-only --json)"
        )
    topic = data.get("topic")
    if not isinstance(topic, str) or not topic.strip():
        raise UsageError("topic: expected the draft's topic (text)")
    themes = data.get("themes")
    if not isinstance(themes, list):
        raise UsageError('themes: expected a list of {"name": ..., "keys": [...]} objects')
    pairs: list[tuple[Any, Any]] = []
    planned: list[Theme] = []  # the names as planned; a theme without one was named by hand
    for i, theme in enumerate(themes):
        if not isinstance(theme, dict):
            raise UsageError(f"themes[{i}]: expected an object with name and keys")
        for name in theme:
            if name not in ("name", "keys", "planned_name"):
                raise UsageError(
                    f"themes[{i}].{name}: unknown field (a theme has name, keys and planned_name)"
                )
        for name in ("name", "keys"):
            if name not in theme:
                raise UsageError(f"themes[{i}].{name}: missing")
        pairs.append((theme["name"], theme["keys"]))
        if isinstance(theme.get("planned_name"), str):
            planned.append(Theme(theme["planned_name"], []))
    index = library.index()
    candidates = data.get("candidates")
    if candidates is None:  # a hand-written outline: its themes' papers are the candidates
        for i, (_, keys) in enumerate(pairs):
            for j, key in enumerate(keys if isinstance(keys, list) else []):
                if isinstance(key, str) and index.get(key) is None:
                    raise UsageError(f"themes[{i}].keys[{j}]: {key!r} is not in the library")
        given = [k for _, keys in pairs if isinstance(keys, list) for k in keys]
        candidates = [{"key": k} for k in dict.fromkeys(k for k in given if isinstance(k, str))]
    keys = _candidate_keys(candidates)
    papers: dict[str, Paper] = {}
    for n, key in enumerate(keys):
        paper = index.get(key)
        if paper is None:
            raise UsageError(f"candidates[{n}].key: {key!r} is not in the library")
        papers[key] = paper
    outline = Outline(topic, planned, papers)
    planned_by = data.get("planned_by", "extractive")
    if planned_by not in ("extractive", "llm"):
        raise UsageError("planned_by: expected extractive or llm")
    outline.planned_by = planned_by
    outline.model = _optional_text(data, "model")
    _read_coverage(data.get("coverage", {}), outline)
    outline.notes = _texts(data.get("notes", []), "notes")
    usage = data.get("usage", {})
    if not isinstance(usage, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in usage.items()
    ):
        raise UsageError('usage: expected token counts ({"prompt_tokens": 12, ...})')
    outline.usage = dict(usage)
    seconds = data.get("seconds", 0.0)
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        raise UsageError("seconds: expected a number of seconds")
    outline.seconds = float(seconds)
    return outline.edited(pairs)


def _candidate_keys(candidates: Any) -> list[str]:
    if not isinstance(candidates, list):
        raise UsageError('candidates: expected a list of {"key": ...} objects')
    keys: list[str] = []
    for n, item in enumerate(candidates):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise UsageError(f"candidates[{n}].key: expected a paper key (text)")
        for name in item:
            if name not in ("key", "title", "year"):
                raise UsageError(
                    f"candidates[{n}].{name}: unknown field (a candidate has key, title, year)"
                )
        if item["key"] in keys:
            raise UsageError(f"candidates[{n}].key: {item['key']!r} is listed twice")
        keys.append(item["key"])
    return keys


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{name}: expected text or null")
    return value


def _texts(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: expected a list of text")
    return list(value)


def _read_coverage(coverage: Any, outline: Outline) -> None:
    """What planning found for the coverage report: papers left out, borderline, queries."""
    if not isinstance(coverage, dict):
        raise UsageError("coverage: expected an object")
    for name in coverage:
        if name not in _COVERAGE_FIELDS:
            raise UsageError(
                f"coverage.{name}: unknown field (coverage has {', '.join(_COVERAGE_FIELDS)})"
            )
    left_out = coverage.get("left_out", [])
    if not isinstance(left_out, list):
        raise UsageError("coverage.left_out: expected a list")
    for n, item in enumerate(left_out):
        if (
            not isinstance(item, dict)
            or sorted(item) != ["key", "reason", "title"]
            or not all(isinstance(v, str) for v in item.values())
        ):
            raise UsageError(
                f'coverage.left_out[{n}]: expected {{"key", "title", "reason"}} (text)'
            )
    borderline = coverage.get("borderline", [])
    if not isinstance(borderline, list):
        raise UsageError("coverage.borderline: expected a list")
    for n, item in enumerate(borderline):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise UsageError(f"coverage.borderline[{n}].key: expected a paper key (text)")
        for name, value in item.items():
            if name not in ("key", "title", "score", "cut", "hint"):
                raise UsageError(f"coverage.borderline[{n}].{name}: unknown field")
            numeric = name in ("score", "cut")
            if (numeric and not isinstance(value, (int, float))) or (
                not numeric and not isinstance(value, str)
            ):
                raise UsageError(f"coverage.borderline[{n}].{name}: expected a "
                                 + ("number" if numeric else "text"))  # fmt: skip
    expansions = coverage.get("expansions", {})
    if not isinstance(expansions, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in expansions.items()
    ):
        raise UsageError('coverage.expansions: expected {"ABBR": "long form"} text pairs')
    copies = coverage.get("more_copies_left_out", 0)
    if not isinstance(copies, int) or isinstance(copies, bool) or copies < 0:
        raise UsageError("coverage.more_copies_left_out: expected a count")
    outline.left_out = [dict(item) for item in left_out]
    outline.borderline = [dict(item) for item in borderline]
    outline.queries = _texts(coverage.get("queries", []), "coverage.queries")
    outline.expansions = dict(expansions)
    outline.more_copies = copies


def read_outline(path: Any, library: Library, topic: str | None = None) -> Outline:
    """An outline file (JSON, as `draft --outline-only --json` writes it), checked; anything
    wrong is an InputError naming the file and the field. With `topic`, the outline must be
    for that topic."""
    import json
    from pathlib import Path

    from assistant.errors import InputError
    from assistant.ingest.detect import read_text

    path = Path(path)
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(str(path), f"not JSON: {error.msg}", error.lineno) from None
    try:
        outline = outline_from_dict(data, library)
    except UsageError as error:
        raise InputError(str(path), str(error)) from None
    if (
        topic is not None
        and " ".join(topic.split()).casefold() != " ".join(outline.topic.split()).casefold()
    ):
        raise InputError(
            str(path), f"topic: the outline is for {outline.topic!r}, not {topic.strip()!r}"
        )
    return outline


# -- themes ---------------------------------------------------------------------------------------


def _kmeans(vectors: np.ndarray, k: int, seed: int = 0, rounds: int = 50) -> np.ndarray:
    """Spherical k-means with k-means++ starts; deterministic for a given seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centers = [vectors[rng.integers(len(vectors))]]
    for _ in range(1, k):
        distance = np.min(1 - vectors @ np.array(centers).T, axis=1).clip(0)
        probabilities = distance**2 / max(float((distance**2).sum()), 1e-12)
        if not np.isfinite(probabilities).all() or probabilities.sum() <= 0:
            probabilities = np.full(len(vectors), 1 / len(vectors))
        centers.append(vectors[rng.choice(len(vectors), p=probabilities / probabilities.sum())])
    centroids = np.array(centers)
    labels = np.zeros(len(vectors), dtype=int)
    for _ in range(rounds):
        new = np.argmax(vectors @ centroids.T, axis=1)
        if _ and np.array_equal(new, labels):
            break
        labels = new
        for c in range(k):
            members = vectors[labels == c]
            if len(members):
                mean = members.mean(axis=0)
                centroids[c] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return labels


def _silhouette(vectors: np.ndarray, labels: np.ndarray) -> float:
    import numpy as np

    distance = 1 - vectors @ vectors.T
    scores = []
    for i in range(len(vectors)):
        same = labels == labels[i]
        if same.sum() <= 1:
            scores.append(0.0)
            continue
        a = distance[i, same].sum() / (same.sum() - 1)
        b = min(distance[i, labels == c].mean() for c in set(labels.tolist()) if c != labels[i])
        scores.append((b - a) / max(a, b, 1e-12))
    return float(np.mean(scores))


def _fold_small(vectors: np.ndarray, labels: np.ndarray, smallest: int) -> np.ndarray:
    """Each paper of a group smaller than `smallest` joins the nearest other group's centroid."""
    import numpy as np

    labels = labels.copy()
    while True:
        counts = Counter(labels.tolist())
        small = [c for c, n in counts.items() if n < smallest]
        if not small or len(counts) == 1:
            return labels
        group = min(small, key=lambda c: (counts[c], c))
        others = [c for c in counts if c != group]
        centroids = {c: vectors[labels == c].mean(axis=0) for c in others}
        for i in np.flatnonzero(labels == group):
            labels[i] = max(others, key=lambda c: float(vectors[i] @ centroids[c]))


def cluster(
    keys: Sequence[str],
    vectors: np.ndarray,
    smallest: int = MIN_THEME,
    largest: int = MAX_THEME,
    split_min: float = 0.12,
) -> list[list[str]]:
    """Papers in themes of `smallest`..`largest` papers (k chosen by silhouette); a group that
    comes out smaller is folded into its nearest neighbour. Up to `largest` papers stay one
    theme unless two clear groups (silhouette >= split_min) exist."""
    n = len(keys)
    if n < 2 * smallest:
        return [list(keys)]
    low = max(2, math.ceil(n / largest))
    high = max(low, n // smallest)
    best: tuple[float, Any] | None = None
    for k in range(low, high + 1):
        for seed in range(8):  # restarts: k-means++ can start badly
            labels = _fold_small(vectors, _kmeans(vectors, k, seed), smallest)
            counts = Counter(labels.tolist())
            if len(counts) < 2 or max(counts.values()) > largest:
                continue
            score = _silhouette(vectors, labels)
            if best is None or score > best[0] + 1e-9:
                best = (score, labels)
    if best is None or (n <= largest and best[0] < split_min):
        if n <= largest:
            return [list(keys)]
        return _chunks(keys, vectors, largest)
    groups: dict[int, list[str]] = {}
    for key, label in zip(keys, best[1].tolist()):
        groups.setdefault(label, []).append(key)
    return list(groups.values())


def _chunks(keys: Sequence[str], vectors: np.ndarray, largest: int) -> list[list[str]]:
    """No clustering fits: papers in similarity order, cut into near-equal runs."""
    import numpy as np

    order = [0]
    left = set(range(1, len(keys)))
    while left:
        last = vectors[order[-1]]
        nearest = max(left, key=lambda i: float(vectors[i] @ last))
        order.append(nearest)
        left.remove(nearest)
    parts = math.ceil(len(keys) / largest)
    return [[keys[i] for i in chunk] for chunk in np.array_split(order, parts)]


def _terms(paper: Paper) -> set[str]:
    """Unigrams and bigrams of content words (title and abstract)."""
    text = f"{'' if paper.title_derived else paper.title}. {paper.abstract}".lower()
    terms: set[str] = set()
    for sentence in re.split(r"[.;:,()]", text):
        words = [w for w in text_words(sentence) if len(w) > 2 and w[0].isalpha()]
        for i, word in enumerate(words):
            if word in _GENERIC:
                continue
            terms.add(word)
            if i + 1 < len(words) and words[i + 1] not in _GENERIC:
                terms.add(f"{word} {words[i + 1]}")
    return terms


def theme_terms(
    papers: Sequence[Paper],
    others: Sequence[Paper],
    count: int = 2,
    rarity: Callable[[str], float] | None = None,
) -> list[str]:
    """The phrases that set these papers apart from the other candidates (class TF-IDF), each
    weighed by `rarity` in the whole library so "improvement" never names a theme."""
    inside: Counter[str] = Counter()
    for paper in papers:
        inside.update(_terms(paper))
    outside: Counter[str] = Counter()
    for paper in others:
        outside.update(_terms(paper))
    needed = 2 if len(papers) > 2 else 1
    scored = {
        term: (n / len(papers))
        * math.log(1 + (len(others) + 1) / (outside[term] + 1))
        * (1.3 if " " in term else 1.0)
        * (rarity(term) if rarity else 1.0)
        for term, n in inside.items()
        if n >= needed
    }
    chosen: list[str] = []
    for term, _ in sorted(scored.items(), key=lambda x: (-x[1], x[0])):
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == count:
            break
    return chosen


def _as_written(term: str, papers: Sequence[Paper]) -> str:
    """A lower-cased term in the casing the papers use most ("MoE", not "moe")."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.IGNORECASE)
    forms: Counter[str] = Counter()
    for paper in papers:
        forms.update(pattern.findall(f"{paper.title} {paper.abstract}"))
    if not forms:
        return term
    best = forms.most_common(1)[0][0]
    # a capital that only starts a sentence is not the term's own
    return best if any(c.isupper() for c in best[1:]) or best.isupper() else term


def keyword_theme_name(
    papers: Sequence[Paper],
    others: Sequence[Paper],
    rarity: Callable[[str], float] | None = None,
) -> str:
    chosen = [_as_written(t, papers) for t in theme_terms(papers, others, rarity=rarity)]
    if not chosen:
        return "Related approaches"
    name = " and ".join(chosen)
    return name[:1].upper() + name[1:]


# -- how a paper is named and quoted: assistant/attribution.py ---------------------------------


def _connectives(papers: Sequence[Paper]) -> list[str]:
    """How each paper follows the one before it, from their years (facts of the records only),
    never the same words twice in a row ("In the same year," four times read as a list)."""
    years = [p.year for p in papers if p.year]
    first_year = min(years) if years else None
    out: list[str] = []
    for n, paper in enumerate(papers):
        previous = papers[n - 1] if n else None
        if previous is None:
            link = ""
        elif paper.year is None or previous.year is None:
            link = "Alongside it, " if n == 1 else "Alongside these, "
        elif paper.year == previous.year:
            link = "In the same year, "
            if out[-1] == link:
                link = f"Also in {paper.year}, "
            elif out[-1].startswith("Also in"):
                link = ""
        elif n == len(papers) - 1 and first_year is not None and paper.year > first_year:
            link = "Most recently, "
        elif paper.year == previous.year + 1:
            link = "A year later, "
        else:
            link = f"In {paper.year}, "
        out.append("" if n and link and link == out[-1] else link)
    return out


def _lowered(text: str) -> str:
    """A sentence that follows a connective starts lower-case unless it starts with a name."""
    head = text.split(" ", 1)[0]
    if head in ("As", "The", "One", "A"):
        return head.lower() + text[len(head) :]
    return text


class Drafter(GroundedWriter):
    """Drafts related-work sections by theme; the CLI, the TUI and the evals call it alike."""

    # -- candidates -------------------------------------------------------------------------------
    def facets(self, topic: str, usage: dict[str, int]) -> tuple[list[str], str | None]:
        """The lines of work the model says the topic covers (plain text, one a line: small
        models have no JSON mode), and a note when it gave none."""
        if self.gateway is None:
            return [], None
        prompt = self.prompts["draft_facets"].render(topic=topic)
        try:
            result = self.gateway.chat(
                [{"role": "user", "content": prompt}], max_tokens=120, budget=PARAGRAPH_SECONDS
            )
        except LLMError as error:
            return [], f"The model proposed no facets ({error}); the topic alone was searched."
        add_usage(usage, result.usage)
        found: list[str] = []
        for line in result.text.splitlines():
            line = re.sub(r"^\s*(?:[-*•]|\d+[.)]|facet\s*\d*:)\s*", "", line, flags=re.I)
            line = line.strip().strip("\"'*`").rstrip(".;,")
            words = line.split()
            if line.endswith(":") or re.match(r"(sure|here|certainly)\b", line, re.I):
                continue  # the model's preamble, not a facet
            if 1 <= len(words) <= 8 and line.lower() != topic.lower() and line not in found:
                found.append(line)
        return found[:5], None

    def select(self, topic: str, facets: Sequence[str], filters: SearchFilters | None) -> Selection:
        from assistant.selection import select

        return select(self.library, topic, facets, filters)

    # -- the whole draft --------------------------------------------------------------------------
    def draft(
        self,
        topic: str,
        k: int = 30,
        filters: SearchFilters | None = None,
        papers: Sequence[str] | None = None,
        words: int = 150,
        progress: Callable[[str], None] | None = None,
        exclude: Sequence[str] | None = None,
        keep_unsupported: bool = False,
    ) -> Draft:
        """The plan, then the paragraphs written from it (`plan` and `write` in one go)."""
        outline = self.plan(topic, k, filters, papers, progress, exclude)
        return self.write(outline, words, progress, keep_unsupported)

    def plan(
        self,
        topic: str,
        k: int = 30,
        filters: SearchFilters | None = None,
        papers: Sequence[str] | None = None,
        progress: Callable[[str], None] | None = None,
        exclude: Sequence[str] | None = None,
    ) -> Outline:
        """The candidates and their themes, with what the coverage report needs from choosing
        them; no paragraph is written (`write` does that, from this outline or an edited one)."""
        if not topic.strip():
            raise UsageError("the topic is empty")
        if k < 2:
            raise UsageError("--k must be at least 2: a related-work draft needs two papers")
        started = time.perf_counter()
        say = progress or (lambda message: None)
        outline = Outline(topic, [], {}, planned_by="llm" if self.gateway else "extractive")
        outline.model = self.gateway.model if self.gateway else None
        if not len(self.library.index()):
            raise UsageError("the library is empty (litreview ingest FILE, or --sample)")
        allowed = self.library.index().matching(filters)
        if allowed is not None and not len(allowed) and not papers:
            raise UsageError("no paper in the library matches the filters")
        say("gathering candidates")
        facets, note = self.facets(topic, outline.usage)
        if note:
            outline.notes.append(note)
        chosen = self._candidates(topic, facets, filters, papers, exclude, k, outline)
        if not chosen and not outline.borderline:
            raise UsageError(f"no paper in the library is about {topic!r}")
        if len(chosen) < 2:
            # the papers the user excluded are relevant too: say so, not that the library lacks them
            excluded = sum(1 for item in outline.left_out if item["reason"] == EXCLUDED)
            raise UsageError(
                f"only {len(chosen)} paper(s) in the library are relevant to {topic!r}"
                + (f" once {excluded} excluded with --exclude are left out" if excluded else "")
                + "; a related-work draft needs at least two"
                + (f" (borderline: {', '.join(b['key'] for b in outline.borderline)})"
                   if outline.borderline else "")
            )  # fmt: skip
        outline.papers = {p.key: p for p in chosen}
        say("grouping into themes")
        outline.themes = self.outline(topic, outline.papers, outline.usage, outline.notes)
        outline.seconds = time.perf_counter() - started
        return outline

    def write(
        self,
        outline: Outline,
        words: int = 150,
        progress: Callable[[str], None] | None = None,
        keep_unsupported: bool = False,
    ) -> Draft:
        """One paragraph per theme of `outline` (as planned or edited), every citation verified;
        a candidate the outline no longer places is left out, "removed in the outline"."""
        started = time.perf_counter()
        say = progress or (lambda message: None)
        mode = "llm" if self.gateway else "extractive"
        left_out = [dict(item) for item in outline.left_out]
        draft = Draft(outline.topic, mode, [], [], [], left_out, [], [],
                      keep_unsupported=keep_unsupported)  # fmt: skip
        draft.model = self.gateway.model if self.gateway else None
        draft.verification = "local" if self.verify_citations else "off"
        draft.usage = dict(outline.usage)
        draft.queries = list(outline.queries)
        draft.expansions = dict(outline.expansions)
        draft.borderline = [dict(item) for item in outline.borderline]
        draft.more_copies = outline.more_copies
        notes = list(outline.notes)
        for key in outline.removed:
            self._leave(draft, outline.papers[key], REMOVED_IN_OUTLINE)
        placed = {key for theme in outline.themes for key in theme.keys}
        by_key = {key: paper for key, paper in outline.papers.items() if key in placed}
        if not by_key:
            raise UsageError("the outline has no papers left to write about")
        draft.candidates = list(by_key)
        draft.themes = [
            Theme(t.name, list(t.keys), named=t.named) for t in outline.themes if t.keys
        ]
        for n, theme in enumerate(draft.themes, 1):
            say(f"writing paragraph {n}/{len(draft.themes)}: {theme.name}")
            self._write(outline.topic, theme, by_key, words, draft)
        draft.themes = [t for t in draft.themes if t.sentences]
        if draft.themes:
            self._judge(draft, list(by_key.values()))
        self._finish(draft, by_key)
        if mode == "extractive":
            notes.insert(
                0,
                "Extractive draft (no language model): themes found by clustering, each paper's "
                "contribution quoted from its abstract.",
            )
        if draft.fallbacks:
            notes.append(
                f"{len(draft.fallbacks)} paragraph(s) fell back to the extractive text: "
                + "; ".join(f"{f['theme']}: {f['reason']}" for f in draft.fallbacks)
                + "."
            )
        draft.note = " ".join(([draft.note] if draft.note else []) + notes) or None
        draft.seconds = outline.seconds + time.perf_counter() - started
        return draft

    def _candidates(
        self,
        topic: str,
        facets: Sequence[str],
        filters: SearchFilters | None,
        papers: Sequence[str] | None,
        exclude: Sequence[str] | None,
        k: int,
        draft: Draft | Outline,
    ) -> list[Paper]:
        """The relevance decision, the user's additions and removals, and every paper left out
        on the way with its reason."""
        given = [self.library.get(key) for key in dict.fromkeys(papers or ())]
        removed = set(exclude or ())
        for key in removed:
            self.library.get(key)  # an unknown key is an error, not a silent no-op
        selection = self.select(topic, facets, filters)
        draft.queries = selection.plan.queries
        draft.expansions = selection.plan.expansions
        chosen: list[Paper] = []
        for paper in [*given, *(s.paper for s in selection.chosen)]:
            if paper.key in removed or any(p.key == paper.key for p in chosen):
                continue
            if not paper.abstract.strip():
                self._leave(draft, paper, "no abstract: nothing to quote or check a claim against")
                continue
            chosen.append(paper)
        for key in sorted(removed):
            self._leave(draft, self.library.get(key), EXCLUDED)
        if len(chosen) > k:
            for paper in chosen[k:]:
                self._leave(draft, paper, f"beyond the --k {k} best")
            chosen = chosen[:k]
        above = {s.key: s for s in selection.scored if s.score >= selection.cut}
        copies = [(key, reps) for key, reps in selection.similar.items() if key in above]
        for key, repeats in copies[:LISTED_COPIES]:
            if key in removed:
                continue
            self._leave(
                draft,
                above[key].paper,
                f"too similar to {', '.join(repeats[:3])}: repeats its abstract's sentences",
            )
        draft.more_copies = max(0, len(copies) - LISTED_COPIES)
        for key in selection.incoherent:
            if key in above and key not in removed:
                self._leave(
                    draft,
                    above[key].paper,
                    "its abstract does not read as one paper's: its sentences share few "
                    "words and do not bear out its title; add with --papers "
                    f"{key} if it is on the topic",
                )
        taken = {p.key for p in chosen} | removed
        draft.borderline = [
            {
                "key": s.key,
                "title": s.paper.title,
                "score": round(s.score, 3),
                "cut": round(selection.cut, 3),
                "hint": f"add with --papers {s.key}",
            }
            for s in selection.borderline
            if s.key not in taken
        ][:5]
        return chosen

    @staticmethod
    def _leave(draft: Draft | Outline, paper: Paper, reason: str) -> None:
        if not any(item["key"] == paper.key for item in draft.left_out):
            draft.left_out.append({"key": paper.key, "title": paper.title, "reason": reason})

    def _finish(self, draft: Draft, by_key: dict[str, Paper]) -> None:
        cited = {k for t in draft.themes for s in t.sentences for k in s["citations"]}
        draft.cited = [k for k in by_key if k in cited]
        rejected_keys = {r["key"] for r in draft.rejected_citations}
        for key in by_key:
            if key in cited:
                continue
            reason = (
                "its citation failed verification"
                if key in rejected_keys
                else "the model did not cite it"
                if draft.mode == "llm"
                and any(key in t.keys and t.written_by == "llm" for t in draft.themes)
                else "no sentence of its abstract could be quoted"
            )
            self._leave(draft, by_key[key], reason)

    # -- the outline ------------------------------------------------------------------------------
    def outline(
        self,
        topic: str,
        by_key: dict[str, Paper],
        usage: dict[str, int] | None = None,
        notes: list[str] | None = None,
    ) -> list[Theme]:
        """Themes and their papers, in the order the section presents them."""
        import numpy as np

        vectors = self.library.paper_vectors(list(by_key))
        keys = [key for key in by_key if key in vectors]
        keys += [key for key in by_key if key not in vectors]  # never embedded: still drafted
        matrix = np.array([vectors[k] for k in keys if k in vectors])
        groups = cluster([k for k in keys if k in vectors], matrix) if len(matrix) else [[]]
        missing = [k for k in keys if k not in vectors]
        if missing:
            groups[0] = groups[0] + missing
        topic_vector = self.library.embedder.embed([topic])[0]

        def centrality(group: list[str]) -> float:
            present = [vectors[k] for k in group if k in vectors]
            return float(np.mean(present, axis=0) @ topic_vector) if present else 0.0

        # the theme closest to the topic as a whole first: the general before the specific
        groups.sort(key=lambda g: (-centrality(g), g[0]))
        themes = []
        for group in groups:
            ordered = sorted(group, key=lambda k: _paper_order(by_key[k]))
            others = [p for key, p in by_key.items() if key not in group]
            # one theme has nothing to stand apart from: it is the topic itself
            name = (
                keyword_theme_name([by_key[k] for k in ordered], others, self.rarity())
                if others
                else _heading_case(topic)
            )
            themes.append(Theme(name, ordered))
        _distinct_names(themes, by_key)
        if self.gateway is not None and len(themes) >= 2:
            themes = self._model_outline(topic, themes, by_key, usage or {}, notes)
        return themes

    def _model_outline(
        self,
        topic: str,
        themes: list[Theme],
        by_key: dict[str, Paper],
        usage: dict[str, int],
        notes: list[str] | None,
    ) -> list[Theme]:
        assert self.gateway is not None
        listing = "\n\n".join(
            f"Group {n}:\n" + "\n".join(f"- {by_key[k].title}" for k in t.keys)
            for n, t in enumerate(themes, 1)
        )
        prompt = self.prompts["draft_themes"].render(topic=topic, groups=listing)
        try:
            result = self.gateway.chat(
                [{"role": "user", "content": prompt}],
                max_tokens=40 * len(themes) + 40,
                budget=PARAGRAPH_SECONDS,
            )
        except LLMError as error:
            if notes is not None:
                notes.append(f"The model did not name the themes ({error}); keyword names kept.")
            return themes
        add_usage(usage, result.usage)
        ordered: list[Theme] = []
        for line in result.text.splitlines():
            match = re.match(r"\W*group\s+(\d+)\s*[:.\-–]\s*(.+)", line.strip(), re.IGNORECASE)
            if match and 1 <= int(match.group(1)) <= len(themes):
                theme = themes[int(match.group(1)) - 1]
                if theme not in ordered:
                    full = _theme_text(match.group(2))
                    name = _theme_name(match.group(2))
                    if name and _one_papers_title(full, by_key.values()):
                        # a small model copies a title it was shown: that names one paper,
                        # not what the theme's papers share
                        if notes is not None:
                            notes.append(
                                f"The model named theme {match.group(1)} after one of its "
                                f"papers; its keyword name '{theme.name}' was kept."
                            )
                        name = ""
                    theme.name = name or theme.name
                    ordered.append(theme)
        # malformed or partial output: keep the model's names where given, our order for the rest
        return ordered + [t for t in themes if t not in ordered]

    # -- paragraphs -------------------------------------------------------------------------------
    def _write(
        self, topic: str, theme: Theme, by_key: dict[str, Paper], words: int, draft: Draft
    ) -> None:
        papers = [by_key[k] for k in theme.keys]
        if self.gateway is None:
            self._settle(
                theme, self._extractive_paragraph(theme, papers, by_key, topic), by_key, draft
            )
            return
        problems: list[str] = []
        for _attempt in range(2):  # the paragraph, and one retry
            text, problem = self._model_paragraph(topic, theme, papers, words, draft)
            if problem is None and text:
                check = self._check(text, theme, by_key)
                if any(s.citations for s in check.sentences):
                    theme.written_by = "llm"
                    self._record(theme, check, draft)
                    return
                problem = "no sentence kept a verified citation"
            problems.append(problem or "the reply was empty")
        theme.written_by = "fallback"
        same = len(set(problems)) == 1
        reason = f"{problems[0]}, on the retry too" if same else "; then ".join(problems)
        draft.fallbacks.append({"theme": theme.name, "reason": reason})
        self._settle(theme, self._extractive_paragraph(theme, papers, by_key, topic), by_key, draft)

    def _model_paragraph(
        self, topic: str, theme: Theme, papers: Sequence[Paper], words: int, draft: Draft
    ) -> tuple[str, str | None]:
        """One reply for one theme, within its token cap, repetition stop and time budget."""
        assert self.gateway is not None
        evidence = format_evidence(self.prompts, papers)
        prompt = self.prompts["draft_paragraph"].render(
            topic=topic, theme=theme.name, words=str(words), evidence=evidence
        )
        messages = [
            {"role": "system", "content": self.prompts["system"].text},
            {"role": "user", "content": prompt},
        ]
        try:
            result = self.gateway.chat(
                messages,
                max_tokens=max(64, int(words * PARAGRAPH_TOKENS)),
                stop_when=repeating,
                budget=PARAGRAPH_SECONDS,
            )
        except LLMError as error:
            return "", str(error)
        add_usage(draft.usage, result.usage)
        if result.stopped:
            return "", result.stopped
        if not result.complete:
            return "", result.problem or "the stream was cut"
        if result.finish_reason == "length":
            return "", "the model hit its output limit"
        return result.text.strip(), None

    def _check(self, text: str, theme: Theme, by_key: dict[str, Paper]) -> Any:
        parsed = parse_claims(text)
        scorer = self.scorer if self.verify_citations else None
        shown = [by_key[k] for k in theme.keys if k in by_key]
        if not self.verify_citations:  # teeth test: every citation taken at its word
            from assistant.answer import _unverified

            return _unverified([(p.text, p.keys) for p in parsed])
        return verify(parsed, self._lookup(by_key), set(theme.keys), scorer, shown_papers=shown)

    def _settle(self, theme: Theme, text: str, by_key: dict[str, Paper], draft: Draft) -> None:
        self._record(theme, self._check(text, theme, by_key), draft, inline=text)

    def _record(self, theme: Theme, check: Any, draft: Draft, inline: str | None = None) -> None:
        """Keep the verified sentences; drop the rest (or mark them, with keep_unsupported)."""
        originals = _inline_sentences(inline) if inline else {}
        kept: list[dict[str, Any]] = []
        for sentence in check.sentences:
            if not sentence.citations and _dropped(
                draft, theme.name, sentence.text, "no verified citation"
            ):
                continue
            kept.append(
                {
                    "text": sentence.text,
                    "citations": sentence.citations,
                    "supported": sentence.supported,
                    "evidence": [
                        evidence_out(e).model_dump(mode="json") for e in sentence.evidence
                    ],
                    "display": _display(sentence, originals),
                }
            )
        theme.sentences = kept
        theme.paragraph = render_paragraph(kept)
        draft.rejected_citations += [
            {"key": r.key, "sentence": r.sentence, "reason": r.reason, "verdict": r.verdict}
            for r in check.rejected
        ]

    def _judge(self, draft: Draft, papers: Sequence[Paper]) -> None:
        """One model verification call over every citation the model wrote (see `ask`). A
        paragraph that fell back to the extractive text quotes the cited abstracts themselves:
        the judge has nothing to add there, and reading it cost a small local model a minute."""
        from assistant.answer import judge_failed_note

        sentences = [
            (theme, SentenceOut.model_validate(sentence))
            for theme in draft.themes
            if theme.written_by == "llm"
            for sentence in theme.sentences
        ]
        if not sentences:
            if self.gateway is not None and self.verify_mode == "model" and self.verify_citations:
                skipped = (
                    "Model verification did not run: nothing the model wrote was kept (every "
                    "paragraph quotes the abstracts, checked locally)."
                )
                draft.note = f"{draft.note} {skipped}" if draft.note else skipped
            return
        result, rejected = self.judge_sentences([s for _, s in sentences], papers)
        if result is None:
            return
        add_usage(draft.usage, result.usage)
        if not result.ran:
            draft.verification = "model-failed"
            failed = judge_failed_note(result.problem)
            draft.note = f"{draft.note} {failed}" if draft.note else failed
            return
        draft.verification = "model"
        draft.rejected_citations += [r.model_dump(mode="json") for r in rejected]
        for theme in {id(t): t for t, _ in sentences}.values():  # the judged themes
            old = {s["text"]: s for s in theme.sentences}
            mine = [s for t, s in sentences if t is theme]
            updated = []
            for sentence in mine:
                entry = sentence.model_dump(mode="json")
                before = old.get(sentence.text, {})
                same = before.get("citations") == sentence.citations
                entry["display"] = before.get("display") if same else None
                if not sentence.citations and _dropped(
                    draft, theme.name, sentence.text, "the model judge rejected its citations"
                ):
                    continue
                updated.append(entry)
            theme.sentences = updated
            theme.paragraph = render_paragraph(updated)
        draft.themes = [t for t in draft.themes if t.sentences]

    def _lookup(self, by_key: dict[str, Paper]) -> Callable[[str], Paper | None]:
        index = self.library.index()

        def lookup(key: str) -> Paper | None:
            if key in by_key:
                return by_key[key]
            return index.get(key)

        return lookup

    def rarity(self) -> Callable[[str], float]:
        """A term's rarity in the library: the idf of its commoner word (cached per call)."""
        import numpy as np

        index = self.library.index()
        total = max(len(index), 1)
        cache: dict[str, float] = {}

        def idf(word: str) -> float:
            if word not in cache:
                df = int(np.count_nonzero(index.keywords.scores(word))) if word else 0
                cache[word] = math.log(1 + total / (df + 1))
            return cache[word]

        return lambda term: min(idf(w) for w in term.split())

    # -- offline prose ----------------------------------------------------------------------------
    def key_sentence(self, paper: Paper, centroid: Any) -> str | None:
        """The sentence that states the paper's contribution ("we propose AdapMoE, ..."; one
        that names the paper first), else the one nearest the theme."""
        from assistant.citations import is_instruction_like

        sentences = [
            part
            for s in split_sentences(" ".join(paper.abstract.split()))
            # "..., etc. To address this, we propose" and "overhead.To accelerate" are two
            # sentences to a reader: a quote is one of them, not cut in two when shown
            for part in re.split(r"(?<=\betc\.)\s+(?=[A-Z][a-z])|(?<=[a-z]\.)(?=[A-Z][a-z])", s)
            if 40 <= len(part) <= 600 and not is_instruction_like(part)  # an abstract is data
        ]
        if not sentences:
            return None
        stated = [s for s in sentences if states_contribution(s)]
        name = short_name(paper)
        named = [s for s in stated if name in s]
        if named:
            return named[0]
        if len(stated) == 1:
            return stated[0]
        pool = stated or sentences
        if centroid is None or len(pool) == 1:
            return pool[0]
        scores = self.library.embedder.embed(pool) @ centroid
        return pool[int(scores.argmax())]

    def _lead(
        self,
        theme: Theme,
        papers: Sequence[Paper],
        others: Sequence[Paper],
        by_key: dict[str, Paper],
        topic: str,
    ) -> str | None:
        """The theme's opening, naming the papers that bear out what it says they are about: the
        name the user gave the theme where two do, else whichever of its heading, the draft's
        topic and its distinctive terms most of them bear out (the first of equals)."""
        rarity = self.rarity()
        best: tuple[int, str] | None = None  # (papers named, lead)
        subjects = [lambda named: _sentence_case(theme.name)] if theme.named else []
        # terms mined afresh from a subset of the papers come last: they read worst ("scores
        # and evict", "FP16 and NVFP4"), where the heading and the topic are names
        subjects += [
            lambda named: _sentence_case(theme.name),
            lambda named: _sentence_case(" ".join(topic.split())),
            lambda named: _lead_subject(named, others, rarity) or _sentence_case(theme.name),
        ]
        tried: set[tuple[str, tuple[str, ...]]] = set()
        for subject_of in subjects:
            named = list(papers)
            while len(named) > 1 and (best is None or len(named) > best[0]):
                subject = subject_of(named)
                if (subject.lower(), tuple(p.key for p in named)) in tried:
                    break
                tried.add((subject.lower(), tuple(p.key for p in named)))
                lead = _lead(subject, named)
                # each paper must bear out the subject itself (their names in the sentence make
                # it hold for any subject: "Work on zebra migration includes ANT") and the lead
                markers = "; ".join(f"@{p.key}" for p in named)
                bare = self._check(f"Work on {subject} [{markers}].", theme, by_key)
                held = set(bare.sentences[0].citations)
                # or its abstract uses most of the subject's words (a short phrase, "lookup
                # tables", scores low against whole sentences)
                held |= {p.key for p in named if self.scorer.lexical(subject, p) >= 0.5}
                held &= set(self._check(lead, theme, by_key).sentences[0].citations)
                if len(held) == len(named):
                    best = (len(named), lead)
                    break
                named = [p for p in named if p.key in held]
            if best is not None and (best[0] == len(papers) or theme.named):
                break  # a name the user gave leads wherever it holds for two papers
        return best[1] if best else None

    def _extractive_paragraph(
        self, theme: Theme, papers: Sequence[Paper], by_key: dict[str, Paper], topic: str = ""
    ) -> str:
        """A lead sentence naming the theme's papers, then each paper's contribution quoted from
        its abstract, in the theme's order, joined by connectives from the papers' years."""
        import numpy as np

        vectors = self.library.paper_vectors([p.key for p in papers])
        present = [vectors[p.key] for p in papers if p.key in vectors]
        centroid = np.mean(present, axis=0) if present else None
        others = [p for key, p in by_key.items() if key not in theme.keys]
        parts = []
        lead = self._lead(theme, papers, others, by_key, topic)
        if lead:
            parts.append(lead)
        quoted: list[tuple[Paper, str]] = []
        for paper in papers:
            sentence = self.key_sentence(paper, centroid)
            if not sentence:
                continue
            # as a reader sees it: LaTeX markup gone, "overhead.To" split
            sentence = re.sub(r"(?<=[a-z]\.)(?=[A-Z][a-z])", " ", plain(sentence))
            # quotes inside the quoted contribution: LaTeX ``x'' and "x" read as ‘x’
            sentence = re.sub(
                r"``(.*?)''|\"([^\"]*)\"", lambda m: f"‘{m.group(1) or m.group(2)}’", sentence
            )
            quoted.append((paper, contribution(paper, sentence, short_name(paper))))
        for link, (_, statement) in zip(_connectives([p for p, _ in quoted]), quoted):
            parts.append(link + (_lowered(statement) if link else statement))
        return "\n".join(parts)


def _dropped(draft: Draft, theme: str, text: str, reason: str) -> bool:
    """Record a sentence without a verified citation; True when it is dropped from the draft
    (False: kept, marked, with --keep-unsupported)."""
    draft.unsupported_sentences.append(text)
    if draft.keep_unsupported:
        return False
    draft.dropped_sentences.append({"theme": theme, "sentence": text, "reason": reason})
    return True


def _paper_order(paper: Paper) -> tuple[int, int, str]:
    """Within a theme: surveys first (they frame the rest), then the oldest."""
    survey = re.search(r"\b(survey|review|overview)\b", paper.title, re.IGNORECASE) is not None
    return (0 if survey else 1, paper.year or 9999, paper.key)


def _distinct_names(themes: list[Theme], by_key: dict[str, Paper]) -> None:
    """Two themes never share a name: the later one adds its next distinctive term."""
    seen: set[str] = set()
    for theme in themes:
        if theme.name.lower() in seen:
            others = [p for key, p in by_key.items() if key not in theme.keys]
            terms = theme_terms([by_key[k] for k in theme.keys], others, count=3)  # plain TF-IDF
            extra = [t for t in terms if t.lower() not in theme.name.lower()]
            theme.name = f"{theme.name}: {extra[0]}" if extra else f"{theme.name} (continued)"
        seen.add(theme.name.lower())


_THEME_NAME_CHARS = 80


def _theme_text(raw: str) -> str:
    """A theme name as the model wrote it, without markup."""
    return plain(raw).strip().strip("*\"'").strip()


def _theme_name(raw: str) -> str:
    """`_theme_text`, cut at a word if it runs long."""
    name = _theme_text(raw)
    if len(name) <= _THEME_NAME_CHARS:
        return name
    cut = name[: _THEME_NAME_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return cut + "…"


def _one_papers_title(name: str, papers: Iterable[Paper]) -> bool:
    """Whether a theme name is a paper's title, or its opening ("TreeKV: Smooth Key-Value
    Cache Compression ..."), rather than a name of its own; its last word may be cut short
    ("... Accelerator Design" of "... Accelerator Designs Targeting ...")."""
    named = text_words(name.lower())
    if len(named) < 3:
        return False
    for paper in papers:
        title = text_words(paper.title.lower())
        if not title or paper.title_derived:
            continue
        if named[: len(title)] == title:
            return True
        n = len(named)
        if title[: n - 1] == named[:-1] and len(title) >= n and title[n - 1].startswith(named[-1]):
            return True
    return False


def _lead_subject(
    papers: Sequence[Paper],
    others: Sequence[Paper],
    rarity: Callable[[str], float] | None = None,
) -> str:
    """The distinctive terms of a theme's papers, as their abstracts write them ("" if none)."""
    terms = theme_terms(papers, others, rarity=rarity) if others else []
    return " and ".join(_as_written(t, papers) for t in terms)


def _lead(subject: str, papers: Sequence[Paper]) -> str:
    """The theme's opening: its subject and the papers that bear it out, all cited."""
    names = [_lowered(short_name(p)) for p in papers]  # "... and one paper", mid-sentence
    # "Guo et al., Guo et al. and Wang et al.": one name for two papers is said once
    counts = {n: names.count(n) for n in names}
    numbers = {2: "two", 3: "three", 4: "four", 5: "five"}
    names = [
        f"{numbers.get(counts[n], counts[n])} papers by {n}" if counts[n] > 1 else n
        for n in dict.fromkeys(names)
    ]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    markers = "; ".join(f"@{p.key}" for p in papers)
    return f"Work on {subject} includes {listed} [{markers}]."


def _heading_case(text: str) -> str:
    """A topic as a heading: a capital first, unless its first word has capitals of its own
    ("sEMG intent detection" stays, where it became "SEMG")."""
    text = " ".join(text.split())
    head = text.split(" ", 1)[0]
    return text if any(c.isupper() for c in head[1:]) else text[:1].upper() + text[1:]


def _sentence_case(name: str) -> str:
    """A heading inside a sentence: "Mixture-of-experts inference" -> "mixture-of-experts
    inference"; "KV cache compression" stays."""
    head = name.split(" ", 1)[0]
    return name if any(c.isupper() for c in head[1:]) else name[:1].lower() + name[1:]


def _inline_sentences(text: str) -> dict[str, str]:
    """Our own extractive sentences as written (markers beside the names), keyed by the text
    `parse_claims` makes of them, so a fully verified one is shown as written."""
    out = {}
    for line in text.split("\n"):
        line = line.strip()
        if line:
            parsed = parse_claims(line)
            if len(parsed) == 1:
                out[parsed[0].text] = line
    return out


def _display(sentence: CitedSentence, originals: dict[str, str]) -> str | None:
    original = originals.get(sentence.text)
    if original is None:
        return None
    written = re.findall(r"@([^\s;,\]]+)", original)
    return original if written == sentence.citations else None


def render_sentence(sentence: dict[str, Any]) -> str:
    """A kept sentence as Markdown: as written when all its citations held, otherwise its text
    with the verified keys at the end; a sentence with none carries the unsupported mark."""
    if sentence.get("display") and sentence["citations"]:
        return sentence["display"]
    text = sentence["text"]
    if sentence["citations"]:
        marker = "[" + "; ".join(f"@{k}" for k in sentence["citations"]) + "]"
        return f"{text[:-1]} {marker}{text[-1]}" if text[-1:] in ".!?" else f"{text} {marker}"
    return f"{text} {UNSUPPORTED_MARK}"


def render_paragraph(sentences: Sequence[dict[str, Any]]) -> str:
    return " ".join(render_sentence(s) for s in sentences)


# -- export ---------------------------------------------------------------------------------------
def _bibliography(bib_name: str | None) -> str:
    """Where the draft's .bib is; a draft printed to the screen has none written."""
    return bib_name or "none written (draft --out FILE writes FILE and its .bib)"


def to_markdown(draft: Draft, bib_name: str | None) -> str:
    lines = ["## Related Work", ""]
    if draft.note:
        lines += [f"<!-- {draft.note} Bibliography: {_bibliography(bib_name)} -->", ""]
    for theme in draft.themes:
        lines += [f"### {theme.name}", "", theme.paragraph, ""]
    return "\n".join(lines)


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                  "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "\\": r"\textbackslash{}"}  # fmt: skip


# what prose needs beyond escaping: quotes as TeX writes them (a straight " prints as a closing
# quote mark) and a superscript as math (D^2MoE, D^{2}MoE: "Missing $ inserted" escaped or not)
_PROSE_MARKS = re.compile(r'"|“|”|‘|’|\^(?:\{([0-9A-Za-z+\-]{1,8})\}|(\d+|[A-Za-z]))')


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def _latex_prose(text: str) -> str:
    """Text for the body of a LaTeX draft: escaped, with TeX quotes and superscripts."""
    out, done = [], 0
    for mark in _PROSE_MARKS.finditer(text):
        out.append(_latex_escape(text[done : mark.start()]))
        found = mark.group()
        if script := mark.group(1) or mark.group(2):
            out.append(f"$^{{{script}}}$")
        elif found == '"':
            opening = mark.start() == 0 or text[mark.start() - 1] in " \t\n([{‘“-–—"
            out.append("``" if opening else "''")
        else:
            out.append({"“": "``", "”": "''", "‘": "`", "’": "'"}[found])
        done = mark.end()
    out.append(_latex_escape(text[done:]))
    return "".join(out)


def _latex_sentence(sentence: dict[str, Any]) -> str:
    display = sentence.get("display") if sentence["citations"] else None
    if display:
        # our own sentence: each marker becomes \cite where it stands
        pieces = re.split(r"(\[[^\[\]]*@[^\[\]]*\])", display)
        out = []
        for piece in pieces:
            keys = re.findall(r"@([^\s;,\]]+)", piece) if piece.startswith("[") else []
            out.append(f"~\\cite{{{','.join(keys)}}}" if keys else _latex_prose(piece))
        return re.sub(r"\s+~\\cite", "~\\\\cite", "".join(out))
    text = _latex_prose(sentence["text"])
    if sentence["citations"]:
        cite = f"~\\cite{{{','.join(sentence['citations'])}}}"
        return f"{text[:-1]}{cite}{text[-1]}" if text[-1:] in ".!?" else text + cite
    # kept with --keep-unsupported: visible in the source, flagged for the author
    return f"{text} % litreview: UNSUPPORTED, no verified citation\n"


def to_latex(draft: Draft, bib_name: str | None) -> str:
    lines = ["\\section{Related Work}", ""]
    if draft.note:
        lines += [f"% {draft.note}", f"% Bibliography: {_bibliography(bib_name)}", ""]
    for theme in draft.themes:
        lines += [f"\\subsection*{{{_latex_escape(theme.name)}}}", ""]
        text = " ".join(_latex_sentence(s) for s in theme.sentences)
        lines += [text.replace("\n ", "\n").rstrip(), ""]
    return "\n".join(lines)


def coverage_lines(draft: Draft) -> list[str]:
    """The coverage report as people read it (the CLI's stderr, the MCP tool's text): what was
    cited, and what was left out, dropped or rejected, and why."""
    coverage = draft.coverage()
    lines = [
        f"Coverage: {coverage['cited']}/{coverage['candidates']} candidate papers cited "
        f"({draft.mode}{', ' + draft.model if draft.model else ''}; "
        f"citations checked: {draft.verification}; {draft.seconds:.1f} s)"
    ]
    for item in coverage["left_out"]:
        lines.append(f"  left out {item['key']}: {item['reason']}")
    if coverage.get("more_copies_left_out"):
        more = coverage["more_copies_left_out"]
        lines.append(f"  left out {more} more paper(s) that repeat sentences of the cited ones")
    for item in coverage["borderline"]:
        lines.append(f"  borderline {item['key']} (just below the cut): {item['hint']}")
    for item in coverage["fallbacks"]:
        lines.append(f"  extractive paragraph for {item['theme']!r}: {item['reason']}")
    for item in coverage["dropped_sentences"]:
        lines.append(f"  dropped ({item['reason']}): {item['sentence'][:100]}")
    for item in coverage["rejected_citations"]:
        verdict = item.get("verdict", "unsupported")
        lines.append(f"  rejected @{item['key']}: {verdict}, {item['reason']}")
    if coverage["unsupported_sentences"]:
        fate = "kept, marked" if draft.keep_unsupported else "dropped"
        count = len(coverage["unsupported_sentences"])
        lines.append(f"  {count} sentence(s) without a verified citation ({fate})")
    if draft.note:
        lines.append(draft.note)
    return lines


def write_draft(draft: Draft, library: Library, out: Any, fmt: str) -> tuple[Any, Any]:
    """Write the draft and `<stem>.bib` beside it (exactly the cited entries)."""
    from pathlib import Path

    from assistant.export import to_bibtex

    out = Path(out)
    bib = out.with_suffix(".bib")
    text = to_markdown(draft, bib.name) if fmt == "md" else to_latex(draft, bib.name)
    papers = [library.get(key) for key in draft.cited]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        bib.write_text(to_bibtex(papers), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{out}: cannot write: {exc.strerror}") from None
    return out, bib
