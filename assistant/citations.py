"""Citations: parse Pandoc-style `[@key]` markers, split answers into sentences, verify each one.

A citation is kept only if its key exists in the library (else `unknown_key`), the paper was in
the evidence given to the model (else `not_in_evidence`), and the cited abstract supports the
sentence (else `unsupported`). Support is a real score: the best embedding similarity between the
sentence and one of the abstract's sentences, blended with the share of the sentence's content
words found in the abstract. The threshold was chosen on labelled examples
(`evals/support_labels.jsonl`; see `litreview eval`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.models import Paper

if TYPE_CHECKING:
    from assistant.embeddings import Embedder

# Chosen on evals/support_labels.jsonl (347 labelled sentence/paper pairs): with the number check
# below, 0.62 keeps recall at 0.99 while rejecting claims borrowed from a similar paper and
# reworded contradictions; the old 0.46 accepted a third of those (precision 0.68).
SUPPORT_THRESHOLD = 0.62
DENSE_WEIGHT = 0.65

_BRACKET = re.compile(r"\[([^\[\]]*@[^\[\]]*)\]")
_KEY = re.compile(r"@([A-Za-z0-9_][A-Za-z0-9_:.#$%&+?<>~/\-]*[A-Za-z0-9_])|@([A-Za-z0-9_])")
# split after . ! ? (and a closing citation) when the next sentence starts; not after e.g., et al.
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "Fig.", "Eq.", "cf.", "approx.")
_SPLIT = re.compile(
    r"(?<=[.!?])(\s*\[[^\[\]]*@[^\[\]]*\])?\s+(?=[A-Z0-9\"'(])"
    r"|(?<=\]\.)\s+(?=\S)"  # "... [@key]. vTensor ...": a cited sentence ends at its period
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]+|\d+(?:\.\d+)?%?")
_STOP = {
    "the", "and", "for", "with", "that", "this", "these", "those", "from", "into", "their", "its",
    "are", "was", "were", "been", "being", "have", "has", "had", "which", "while", "also", "than",
    "such", "both", "more", "most", "can", "may", "using", "use", "used", "based", "paper", "work",
    "propose", "proposes", "proposed", "present", "presents", "show", "shows", "study", "approach",
    "method", "methods", "new", "novel", "our", "they", "them", "via", "over", "under", "between",
    "each", "other", "not", "but", "all", "any", "one", "two", "how", "what", "when", "where",
}  # fmt: skip

# Abstracts are untrusted: a sentence that addresses the reader ("ignore previous instructions",
# "answer only ...", "System: ...") is not a finding and can never support a claim.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules|prompt|above)\b(?!-)"
    r"|\b(answer|respond|reply|output|say|print)\s+only\b"
    r"|(^|[>\]›]\s*)(system|assistant)\s*:|</?\s*(evidence|paper|system)\b|‹/?(evidence|paper)›"
    r"|\byou (must|should|are now)\b|\b(cite|mention)\s+\S+\s+(for|in) every\b",
    re.IGNORECASE,
)


_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)")


def numbers(text: str) -> set[str]:
    """The figures a sentence states ("2.8x", "4-bit", "70B"), years left out."""
    found = set(_NUMBER.findall(text.replace(",", "")))
    return {n for n in found if not (len(n) == 4 and n[:2] in ("19", "20"))}


def is_instruction_like(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


REASON_UNKNOWN = "unknown_key"
REASON_NOT_IN_EVIDENCE = "not_in_evidence"
REASON_UNSUPPORTED = "unsupported"


@dataclass
class CitedSentence:
    text: str  # with its citation markers removed
    citations: list[str] = field(default_factory=list)
    supported: bool = False


@dataclass
class Rejection:
    key: str
    sentence: str
    reason: str


def citation_keys(marker_text: str) -> list[str]:
    keys = []
    for match in _KEY.finditer(marker_text):
        key = match.group(1) or match.group(2)
        if key not in keys:
            keys.append(key)
    return keys


def split_sentences(text: str) -> list[str]:
    """Sentences with their trailing citation markers attached."""
    protected = text
    for abbr in _ABBREVIATIONS:
        protected = protected.replace(abbr, abbr.replace(".", "\x00"))
    pieces: list[str] = []
    start = 0
    for match in _SPLIT.finditer(protected):
        end = match.end(1) if match.group(1) else match.start()
        pieces.append(protected[start:end])
        start = match.end()
    pieces.append(protected[start:])
    return [p.replace("\x00", ".").strip() for p in pieces if p.strip()]


def parse_sentences(answer: str) -> list[tuple[str, list[str]]]:
    """(sentence without markers, keys it cites) for every sentence of an answer."""
    out = []
    for paragraph in re.split(r"\n\s*\n", answer):
        for sentence in split_sentences(" ".join(paragraph.split())):
            keys: list[str] = []
            for marker in _BRACKET.finditer(sentence):
                for key in citation_keys(marker.group(1)):
                    if key not in keys:
                        keys.append(key)
            clean = _BRACKET.sub("", sentence)
            clean = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(clean.split())).strip()
            if clean or keys:
                out.append((clean, keys))
    return out


def content_words(text: str) -> list[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    return [w for w in words if w not in _STOP and len(w) > 2 or any(c.isdigit() for c in w)]


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


class SupportScorer:
    """Scores how well an abstract supports a sentence, in [0, 1]."""

    def __init__(self, embedder: Embedder, threshold: float = SUPPORT_THRESHOLD) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self._abstract_cache: dict[str, tuple[list[str], object]] = {}

    def _abstract_vectors(self, paper: Paper) -> tuple[list[str], object]:
        cached = self._abstract_cache.get(paper.key)
        if cached is None:
            sentences = [
                s
                for s in split_sentences(" ".join(paper.abstract.split()))
                if not is_instruction_like(s)
            ] or [paper.title]
            if not paper.title_derived and paper.title:
                sentences = [paper.title, *sentences]
            cached = (sentences, self.embedder.embed(sentences))
            self._abstract_cache[paper.key] = cached
        return cached

    def lexical(self, sentence: str, paper: Paper) -> float:
        words = {_stem(w) for w in content_words(sentence)}
        if not words:
            return 0.0
        sentences, _ = self._abstract_vectors(paper)
        source = {_stem(w) for w in content_words(" ".join([paper.title, *sentences]))}
        return len(words & source) / len(words)

    def best_match(self, sentence: str, paper: Paper) -> tuple[float, str]:
        """(score, the abstract sentence that supports it best)."""
        sentences, vectors = self._abstract_vectors(paper)
        query = self.embedder.embed([sentence])[0]
        similarities = vectors @ query  # type: ignore[operator]
        best = int(similarities.argmax())
        dense = max(0.0, float(similarities[best]))
        score = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * self.lexical(sentence, paper)
        return score, sentences[best]

    def score(self, sentence: str, paper: Paper) -> float:
        return self.best_match(sentence, paper)[0]

    def supports(self, sentence: str, paper: Paper) -> bool:
        # embeddings barely see figures: "10x faster" scores like "2x faster", so every figure
        # the sentence states must appear in the paper
        if numbers(sentence) - numbers(f"{paper.title} {paper.abstract}"):
            return False
        return self.score(sentence, paper) >= self.threshold


@dataclass
class Verification:
    sentences: list[CitedSentence]
    rejected: list[Rejection]
    cited_keys: list[str]


def verify(
    parsed: Sequence[tuple[str, list[str]]],
    lookup: Callable[[str], Paper | None],
    evidence_keys: set[str],
    scorer: SupportScorer | None,
) -> Verification:
    """Check every citation of every sentence; keep the good ones, list the rest with a reason."""
    sentences: list[CitedSentence] = []
    rejected: list[Rejection] = []
    cited: list[str] = []
    for text, keys in parsed:
        kept: list[str] = []
        for key in keys:
            paper = lookup(key)
            if paper is None:
                rejected.append(Rejection(key, text, REASON_UNKNOWN))
            elif key not in evidence_keys:
                rejected.append(Rejection(key, text, REASON_NOT_IN_EVIDENCE))
            elif scorer is not None and not scorer.supports(text, paper):
                rejected.append(Rejection(key, text, REASON_UNSUPPORTED))
            else:
                kept.append(key)
                if key not in cited:
                    cited.append(key)
        sentences.append(CitedSentence(text, kept, bool(kept)))
    return Verification(sentences, rejected, cited)


def render(sentences: Sequence[CitedSentence], unsupported_mark: str = "") -> str:
    """The answer text with only verified citations, sentences without support marked."""
    out = []
    for sentence in sentences:
        text = sentence.text
        if sentence.citations:
            marker = "[" + "; ".join(f"@{k}" for k in sentence.citations) + "]"
            if text and text[-1] in ".!?":
                text = f"{text[:-1]} {marker}{text[-1]}"
            else:
                text = f"{text} {marker}"
        elif unsupported_mark:
            text = f"{text} {unsupported_mark}"
        out.append(text)
    return " ".join(out)
