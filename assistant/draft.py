"""Related-work drafts: gather candidates, group them into themes, write one paragraph per theme,
verify every citation with the same checker as `ask`, and report coverage.

With a model, the model names and orders the themes and writes the paragraphs; offline, themes are
named by their distinctive words and paragraphs are built from each paper's key sentence.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.answer import (
    RELEVANCE_MIN,
    GroundedWriter,
    add_usage,
    evidence_out,
    format_evidence,
    judge_failed_note,
)
from assistant.citations import CitedSentence, parse_claims, render, verify
from assistant.errors import LLMError, UsageError
from assistant.models import Hit, Paper, SentenceOut
from assistant.text import RESEARCH_WORDS, STOP_WORDS, split_sentences
from assistant.text import words as text_words

if TYPE_CHECKING:
    import numpy as np

    from assistant.library import Library
    from assistant.retrieval import SearchFilters

# words too common in this field to name a theme: stop and research words, and these
_GENERIC = STOP_WORDS | RESEARCH_WORDS | {
    "achieve", "achieves", "achieving", "across", "address", "challenges", "compared", "data",
    "deep", "demonstrate", "different", "efficiency", "efficient", "enable", "enables", "existing",
    "experimental", "experiments", "first", "framework", "high", "however", "improve", "improved",
    "improves", "key", "large", "learning", "model", "models", "network", "networks", "neural",
    "papers", "performance", "problem", "problems", "reduce", "reduces", "reduction", "result",
    "results", "significant", "significantly", "state-of-the-art", "task", "tasks", "three",
    "times", "various", "within", "without"
}  # fmt: skip


@dataclass
class Theme:
    name: str
    keys: list[str]
    paragraph: str = ""
    sentences: list[dict[str, Any]] = field(default_factory=list)


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

    def coverage(self) -> dict[str, Any]:
        return {
            "candidates": len(self.candidates),
            "cited": len(self.cited),
            "cited_keys": self.cited,
            "left_out": self.left_out,
            "rejected_citations": self.rejected_citations,
            "unsupported_sentences": self.unsupported_sentences,
            "coverage": round(len(self.cited) / len(self.candidates), 3) if self.candidates else 0,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "mode": self.mode,
            "model": self.model,
            "themes": [
                {"name": t.name, "keys": t.keys, "paragraph": t.paragraph, "sentences": t.sentences}
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


def _kmeans(vectors: np.ndarray, k: int, seed: int = 0, rounds: int = 50) -> np.ndarray:
    """Spherical k-means with k-means++ starts; deterministic for a given seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    centers = [vectors[rng.integers(len(vectors))]]
    for _ in range(1, k):
        distance = np.min(1 - vectors @ np.array(centers).T, axis=1).clip(0)
        probabilities = distance**2 / max(float((distance**2).sum()), 1e-12)
        centers.append(vectors[rng.choice(len(vectors), p=probabilities)])
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


def cluster(keys: Sequence[str], vectors: np.ndarray, max_themes: int = 5) -> list[list[str]]:
    """Group papers into 2..max_themes themes (k chosen by silhouette), largest first."""
    n = len(keys)
    if n < 4:
        return [list(keys)]
    best: tuple[float, Any] | None = None
    for k in range(2, min(max_themes, n // 3) + 1):
        for seed in range(8):  # restarts: k-means++ can start badly
            labels = _kmeans(vectors, k, seed)
            if len(set(labels.tolist())) < k or min(Counter(labels.tolist()).values()) < 3:
                continue  # a theme of one or two papers makes a thin paragraph
            score = _silhouette(vectors, labels)
            if best is None or score > best[0] + 1e-9:
                best = (score, labels)
    if best is None:
        return [list(keys)]
    groups: dict[int, list[str]] = {}
    for key, label in zip(keys, best[1].tolist()):
        groups.setdefault(label, []).append(key)
    return sorted(groups.values(), key=lambda g: (-len(g), keys.index(g[0])))


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


def keyword_theme_name(papers: Sequence[Paper], others: Sequence[Paper]) -> str:
    """The phrases that set these papers apart from the other candidates (class TF-IDF)."""
    inside: Counter[str] = Counter()
    for paper in papers:
        inside.update(_terms(paper))
    outside: Counter[str] = Counter()
    for paper in others:
        outside.update(_terms(paper))
    needed = 2 if len(papers) > 2 else 1
    scored = {
        term: (count / len(papers))
        * math.log(1 + (len(others) + 1) / (outside[term] + 1))
        * (1.3 if " " in term else 1.0)
        for term, count in inside.items()
        if count >= needed
    }
    chosen: list[str] = []
    for term, _ in sorted(scored.items(), key=lambda x: (-x[1], x[0])):
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == 2:
            break
    if not chosen:
        return "Related approaches"
    name = " and ".join(chosen)
    return name[:1].upper() + name[1:]


def _short_name(paper: Paper) -> str:
    """`Nimbus` from `Nimbus: Secure ...`; else the first author's surname et al."""
    if not paper.title_derived and ":" in paper.title:
        head = paper.title.split(":", 1)[0].strip()
        if len(head.split()) <= 4:
            return head
    if paper.authors:
        surname = paper.authors[0].split()[-1]
        return f"{surname} et al." if len(paper.authors) > 1 or paper.authors_truncated else surname
    return "Another study"


class Drafter(GroundedWriter):
    """Drafts related-work sections by theme; the CLI, the TUI and the evals call it alike."""

    def candidates(
        self,
        topic: str,
        k: int,
        filters: SearchFilters | None,
        papers: Sequence[str] | None,
    ) -> list[Paper]:
        if papers:
            return [self.library.get(key) for key in dict.fromkeys(papers)]
        hits: dict[str, Hit] = {}
        queries = [topic]
        queries += [f"{topic} {word}" for word in ("method", "evaluation")]
        for batch in self.library.search_many(queries, k, filters):
            for hit in batch:
                if (hit.dense_similarity or 0) >= RELEVANCE_MIN and hit.paper.key not in hits:
                    hits[hit.paper.key] = hit
        ranked = sorted(hits.values(), key=lambda h: -(h.dense_similarity or 0))
        if not ranked:
            return []
        # a draft stays on topic: keep papers about as close to the topic as the best ones
        floor = max(RELEVANCE_MIN + 0.05, 0.6 * (ranked[0].dense_similarity or 0))
        return [h.paper for h in ranked[:k] if (h.dense_similarity or 0) >= floor]

    def draft(
        self,
        topic: str,
        k: int = 30,
        filters: SearchFilters | None = None,
        papers: Sequence[str] | None = None,
        words: int = 150,
        progress: Callable[[str], None] | None = None,
    ) -> Draft:
        if not topic.strip():
            raise UsageError("the topic is empty")
        started = time.perf_counter()
        say = progress or (lambda message: None)
        say("gathering candidates")
        candidates = self.candidates(topic, k, filters, papers)
        if len(candidates) < 2:
            raise UsageError(
                f"only {len(candidates)} paper(s) in the library are relevant to {topic!r}; "
                "a related-work draft needs at least two"
            )
        by_key = {p.key: p for p in candidates}
        vectors = self.library.paper_vectors(list(by_key))
        keys = [key for key in by_key if key in vectors]
        import numpy as np

        say("grouping into themes")
        groups = cluster(keys, np.array([vectors[key] for key in keys]))
        mode = "llm" if self.gateway else "extractive"
        usage: dict[str, int] = {}
        themes = self._name_themes(topic, groups, by_key, usage)
        draft = Draft(topic, mode, themes, list(by_key), [], [], [], [], usage=usage)
        draft.model = self.gateway.model if self.gateway else None
        draft.verification = "local" if self.verify_citations else "off"
        for n, theme in enumerate(themes, 1):
            say(f"writing paragraph {n}/{len(themes)}: {theme.name}")
            try:
                self._write(topic, theme, by_key, words, draft)
            except LLMError as error:  # keep what is written; say what failed
                draft.incomplete = True
                draft.problem = f"paragraph {n} ({theme.name}) failed: {error}"
                draft.themes = [t for t in themes if t.paragraph]
                break
        if draft.themes:
            self._judge(draft, candidates)
        draft.cited = [k for k in by_key if any(k in s["citations"] for t in draft.themes
                                                for s in t.sentences)]  # fmt: skip
        rejected_keys = {r["key"] for r in draft.rejected_citations}
        for key in by_key:
            if key in draft.cited:
                continue
            reason = (
                "its citation failed verification"
                if key in rejected_keys
                else "no key sentence close enough to its theme"
                if mode == "extractive"
                else "the model did not cite it"
            )
            draft.left_out.append({"key": key, "title": by_key[key].title, "reason": reason})
        if mode == "extractive":
            draft.note = (
                "Extractive draft (no language model): themes found by clustering, paragraphs "
                "built from each paper's key sentence."
            )
        draft.seconds = time.perf_counter() - started
        return draft

    def _judge(self, draft: Draft, papers: Sequence[Paper]) -> None:
        """One model verification call over every citation of the draft (see `ask`)."""
        sentences = [
            (theme, SentenceOut.model_validate(sentence))
            for theme in draft.themes
            for sentence in theme.sentences
        ]
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
        for theme in draft.themes:
            mine = [s for t, s in sentences if t is theme]
            theme.sentences = [s.model_dump(mode="json") for s in mine]
            theme.paragraph = render(
                [CitedSentence(s.text, s.citations, s.supported) for s in mine]
            )
        draft.rejected_citations += [r.model_dump(mode="json") for r in rejected]
        newly = [r.sentence for r in rejected]
        draft.unsupported_sentences += [
            s.text for _, s in sentences if not s.supported and s.text in newly
        ]

    # -- themes ---------------------------------------------------------------------------------
    def _name_themes(
        self, topic: str, groups: list[list[str]], by_key: dict[str, Paper], usage: dict[str, int]
    ) -> list[Theme]:
        themes = []
        for group in groups:
            others = [p for k, p in by_key.items() if k not in group]
            themes.append(Theme(keyword_theme_name([by_key[k] for k in group], others), group))
        if not self.gateway or len(themes) < 2:
            return themes
        listing = "\n\n".join(
            f"Group {n}:\n" + "\n".join(f"- {by_key[k].title}" for k in t.keys)
            for n, t in enumerate(themes, 1)
        )
        prompt = self.prompts["draft_themes"].render(topic=topic, groups=listing)
        result = self.gateway.chat([{"role": "user", "content": prompt}])
        add_usage(usage, result.usage)
        ordered: list[Theme] = []
        for line in result.text.splitlines():
            match = re.match(r"\W*group\s+(\d+)\s*[:.\-–]\s*(.+)", line.strip(), re.IGNORECASE)
            if match and 1 <= int(match.group(1)) <= len(themes):
                theme = themes[int(match.group(1)) - 1]
                if theme not in ordered:
                    theme.name = match.group(2).strip().strip("*\"'")[:80] or theme.name
                    ordered.append(theme)
        # malformed or partial output: keep the model's names where given, our order for the rest
        return ordered + [t for t in themes if t not in ordered]

    # -- paragraphs -----------------------------------------------------------------------------
    def _write(
        self, topic: str, theme: Theme, by_key: dict[str, Paper], words: int, draft: Draft
    ) -> None:
        papers = [by_key[k] for k in theme.keys]
        if self.gateway:
            evidence = format_evidence(self.prompts, papers)
            prompt = self.prompts["draft_paragraph"].render(
                topic=topic, theme=theme.name, words=str(words), evidence=evidence
            )
            messages = [
                {"role": "system", "content": self.prompts["system"].text},
                {"role": "user", "content": prompt},
            ]
            result = self.gateway.chat(messages)
            add_usage(draft.usage, result.usage)
            if not result.complete:
                raise LLMError(result.problem or "the stream was cut")
            text = result.text.strip()
        else:
            text = self._extractive_paragraph(theme, papers)
        parsed = parse_claims(text)
        scorer = self.scorer if self.verify_citations else None
        shown = [by_key[k] for k in theme.keys if k in by_key]
        check = verify(parsed, self._lookup(by_key), set(theme.keys), scorer, shown_papers=shown)
        theme.paragraph = render(check.sentences)
        theme.sentences = [
            {
                "text": s.text,
                "citations": s.citations,
                "supported": s.supported,
                "evidence": [evidence_out(e).model_dump(mode="json") for e in s.evidence],
            }
            for s in check.sentences
        ]
        draft.rejected_citations += [
            {"key": r.key, "sentence": r.sentence, "reason": r.reason, "verdict": r.verdict}
            for r in check.rejected
        ]
        draft.unsupported_sentences += [s.text for s in check.sentences if not s.supported]

    def _lookup(self, by_key: dict[str, Paper]) -> Callable[[str], Paper | None]:
        index = self.library.index()

        def lookup(key: str) -> Paper | None:
            if key in by_key:
                return by_key[key]
            return index.get(key)

        return lookup

    def _key_sentence(self, paper: Paper, centroid: Any) -> str | None:
        sentences = [
            s for s in split_sentences(" ".join(paper.abstract.split())) if 40 <= len(s) <= 400
        ]
        if not sentences:
            return None
        # prefer the sentence that states the contribution, then the one nearest the theme
        vectors = self.library.embedder.embed(sentences)
        scores = vectors @ centroid
        for i, sentence in enumerate(sentences):
            if re.search(r"\b(we|this paper|this work)\s+(propose|present|introduce|develop)",
                         sentence, re.IGNORECASE):  # fmt: skip
                scores[i] += 0.15
        return sentences[int(scores.argmax())]

    def _extractive_paragraph(self, theme: Theme, papers: Sequence[Paper]) -> str:
        """Each paper's key sentence, quoted and attributed; the papers nearest the theme first."""
        import numpy as np

        vectors = self.library.paper_vectors([p.key for p in papers])
        centroid = np.mean([vectors[p.key] for p in papers if p.key in vectors], axis=0)
        parts = []
        for paper in papers:
            sentence = self._key_sentence(paper, centroid)
            if not sentence:
                continue
            year = f" ({paper.year})" if paper.year else ""
            quoted = sentence.rstrip().rstrip(".")
            parts.append(f'{_short_name(paper)}{year}: "{quoted}" [@{paper.key}].')
        return " ".join(parts)


# -- export ---------------------------------------------------------------------------------------
def to_markdown(draft: Draft, bib_name: str) -> str:
    lines = ["## Related Work", ""]
    if draft.note:
        lines += [f"<!-- {draft.note} Bibliography: {bib_name} -->", ""]
    for theme in draft.themes:
        lines += [f"### {theme.name}", "", theme.paragraph, ""]
    return "\n".join(lines)


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                  "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "\\": r"\textbackslash{}"}  # fmt: skip


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def to_latex(draft: Draft, bib_name: str) -> str:
    lines = ["\\section{Related Work}", ""]
    if draft.note:
        lines += [f"% {draft.note}", f"% Bibliography: {bib_name}", ""]
    for theme in draft.themes:
        lines += [f"\\subsection*{{{_latex_escape(theme.name)}}}", ""]
        sentences = []
        for sentence in theme.sentences:
            text = _latex_escape(sentence["text"])
            if sentence["citations"]:
                cite = f"~\\cite{{{','.join(sentence['citations'])}}}"
                text = f"{text[:-1]}{cite}{text[-1]}" if text[-1:] in ".!?" else text + cite
            sentences.append(text)
        lines += [" ".join(sentences), ""]
    return "\n".join(lines)


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
