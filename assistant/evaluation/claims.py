"""Scoring the labelled answers: which citations the checker keeps and which it rejects.

Each case of `evals/cases/claims_*.jsonl` is a whole answer written the way a chat model writes
(paraphrase, synthesis, figures), with every (sentence, key) citation labelled correct or wrong and
by kind. The runner replays the answer through `ask` (retrieval, the real client over HTTP,
verification) and compares what survived with the labels.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.evaluation.cases import CORRECT_KINDS, WRONG_KINDS, ClaimsCase

if TYPE_CHECKING:
    from assistant.library import Library
    from assistant.models import Answer


@dataclass
class ClaimsScore:
    kept: Counter[str] = field(default_factory=Counter)  # correct citations kept, by kind
    correct: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)  # wrong citations rejected, by kind
    wrong: Counter[str] = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)  # "case: key (kind)" for the report
    dropped: list[str] = field(default_factory=list)

    def add(self, case: ClaimsCase, answer: Answer) -> str | None:
        """Score one answer; a problem string when the answer does not line up with its labels."""
        if answer.abstained:
            return "abstained on a labelled answer"
        if len(answer.sentences) != len(case.sentences):
            return (
                f"the answer split into {len(answer.sentences)} sentences, the labels into "
                f"{len(case.sentences)}"
            )
        for gold, got in zip(case.sentences, answer.sentences):
            for label in gold.labels:
                kept = label.key in got.citations
                if label.correct:
                    self.correct[label.kind] += 1
                    self.kept[label.kind] += kept
                    if not kept:
                        reason = next((e.reason for e in got.evidence if e.key == label.key), "")
                        self.dropped.append(f"{case.id}: @{label.key} ({label.kind}, {reason})")
                else:
                    self.wrong[label.kind] += 1
                    self.caught[label.kind] += not kept
                    if kept:
                        self.missed.append(f"{case.id}: @{label.key} ({label.kind})")
        return None

    def metrics(self, prefix: str) -> dict[str, float]:
        if not self.correct and not self.wrong:
            return {}
        out = {
            f"{prefix}kept_correct": _rate(sum(self.kept.values()), sum(self.correct.values())),
            f"{prefix}caught_wrong": _rate(sum(self.caught.values()), sum(self.wrong.values())),
        }
        for kind in WRONG_KINDS:
            if self.wrong[kind]:
                out[f"{prefix}caught_{kind}"] = _rate(self.caught[kind], self.wrong[kind])
        for kind in CORRECT_KINDS:
            if self.correct[kind]:
                out[f"{prefix}kept_{kind}"] = _rate(self.kept[kind], self.correct[kind])
        return out


def _rate(hits: int, total: int) -> float:
    return hits / total if total else 1.0


# -- quotes ---------------------------------------------------------------------------------------


def _window(text: str, words: int = 9) -> str:
    """A run of words from the middle of a text, as a model quoting it would copy them."""
    tokens = text.split()
    if len(tokens) <= words:
        return " ".join(tokens)
    start = (len(tokens) - words) // 2
    return " ".join(tokens[start : start + words])


def _altered(quote: str) -> str:
    """The quote with one word changed the way a model misremembers: a figure or a verb."""
    tokens = quote.split()
    for i, token in enumerate(tokens):
        if re.search(r"\d", token):
            tokens[i] = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), token, count=1)
            return " ".join(tokens)
    longest = max(range(len(tokens)), key=lambda i: len(tokens[i]))
    tokens[longest] = "substantially" if tokens[longest].lower() != "substantially" else "hardly"
    return " ".join(tokens)


def quote_checks(
    library: Library, cases: Sequence[ClaimsCase], verify_citations: bool = True
) -> dict[str, float]:
    """Quotes given with correct citations: verbatim ones must pass the quote check, altered and
    invented ones must reject the citation (`quote_mismatch`)."""
    from assistant.citations import (
        REASON_QUOTE,
        ParsedSentence,
        SupportScorer,
        parse_sentences,
        verify,
    )
    from assistant.text import sentence_spans

    scorer = SupportScorer(library.embedder) if verify_citations else None
    counts: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    labelled = [
        (gold.text, label.key)
        for case in cases
        for gold in case.sentences
        for label in gold.labels
        if label.correct
    ]
    keys = sorted({key for _, key in labelled})
    papers = {key: library.get(key) for key in keys}
    for n, (text, key) in enumerate(labelled):
        paper = papers[key]
        spans = sentence_spans(paper.abstract)
        if not spans:
            continue
        start, end = spans[n % len(spans)]
        verbatim = _window(paper.abstract[start:end])
        other = papers[keys[(keys.index(key) + 1) % len(keys)]]
        invented = _window(other.abstract) if other.key != key else "a claim nobody wrote"
        claim = parse_sentences(text)[0][0]
        for variant, quote in (
            ("verbatim", verbatim),
            ("altered", _altered(verbatim)),
            ("invented", invented),
        ):
            check = verify(
                [ParsedSentence(claim, [key], {key: quote})], papers.get, {key}, scorer, [paper]
            )
            mismatch = any(e.reason == REASON_QUOTE for e in check.sentences[0].evidence)
            totals[variant] += 1
            counts[variant] += (not mismatch) if variant == "verbatim" else mismatch
    return {
        "quotes_verbatim_kept": _rate(counts["verbatim"], totals["verbatim"]),
        "quotes_altered_caught": _rate(counts["altered"], totals["altered"]),
        "quotes_invented_caught": _rate(counts["invented"], totals["invented"]),
    }
