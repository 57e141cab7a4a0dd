"""Which papers a related-work section is about: a relevance decision over the whole library.

A topic becomes several sub-queries: the topic itself, the topic with its abbreviations spelt out
or abbreviated ("MoE inference" for "mixture-of-experts inference"), and, with a model, the
facets it proposes. The abbreviations are learnt from the library: every "long form (ABBR)" its
abstracts define. Each sub-query's hybrid search gathers a pool; each pooled paper then gets one
score that is comparable across topics and library sizes:

- `dense`: the best cosine between a sub-query and the paper (its best chunk, or its whole
  abstract), MiniLM;
- `lexical`: the share of the topic's concepts (a word, or an abbreviation with its long form
  counting as one) the paper's title and abstract contain, each concept weighted by its rarity
  in the library, so "KV" weighs more than "compression";
- `focus`: the share of the abstract's sentences that name the topic's rarest concept: a paper
  about the topic keeps naming it, one that mentions it in passing does not.

In a large library the hits of a sub-query can be the copies of a paper rather than the paper
(second versions, compilations quoting its sentences): the papers outside the pool that hold a
piece of a pooled abstract naming the topic join it (`originals_of_copies`).

A paper is chosen when its combined score clears both an absolute floor and a fraction of the
best scores (relative to the top, so the cut holds whether 3 or 300 papers score well). The
weights and both cut parameters were chosen on the tuning half of the labelled topics
(`evals/cases/draft_topics.jsonl`) only; `benchmarks/draft_selection.py` measures both halves at
136 and 10,000 papers.
"""

from __future__ import annotations

import math
import re
import weakref
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from assistant.text import (
    RESEARCH_WORDS,
    STOP_WORDS,
    abstract_pieces,
    plain,
    split_sentences,
    stem,
)

if TYPE_CHECKING:
    from assistant.library import Library
    from assistant.models import Paper
    from assistant.retrieval import LibraryIndex, SearchFilters


@dataclass(frozen=True)
class SelectionParams:
    """The relevance decision's knobs (chosen on the tuning topics; see the module doc)."""

    dense_weight: float = 1.0
    feedback_weight: float = 0.25
    lexical_weight: float = 0.25
    focus_weight: float = 0.5
    floor: float = 0.6  # an absolute minimum combined score
    focus_min: float = 0.3  # and a minimum share of the abstract on the topic
    relative: float = 0.75  # a paper must reach this share of the top score
    top_n: int = 2  # "the top score": the mean of the best top_n (one outlier does not set it)
    borderline: float = 0.10  # below the cut by at most this much: shown as borderline
    pool: int = 100  # hits gathered per sub-query
    seeds: int = 3  # the best papers of the first round: their titles query a second round
    # an abstract whose sentences share few words and do not bear out its title (`originality`)
    # is not taken as one paper's: every one of the sample's 136 papers scores 0.48 or more; the
    # compilations the tuning topics chose in the 10,000-paper mix before this gate 0.13-0.31
    # (tune precision is the same for any value from 0.35 to 0.5)
    min_originality: float = 0.4
    # the best paper's cosine with the topic: below it the library holds nothing on the topic
    # (made-up topics top out at 0.16 on the sample, the labelled tuning topics start at 0.58)
    on_topic: float = 0.3


DEFAULT_PARAMS = SelectionParams()

# words a topic is phrased with that do not say what it is about
_TOPIC_FILLER = STOP_WORDS | RESEARCH_WORDS | {
    "towards", "toward", "related", "survey", "techniques", "technique", "approaches", "methods",
    "systems", "system", "efficient", "efficiency", "using", "based", "via",
}  # fmt: skip


# -- abbreviations learnt from the library ---------------------------------------------------------

_DEFINITION = re.compile(r"\(([A-Za-z0-9][A-Za-z0-9\-]{0,11})\)")
_NUMBER_WORDS = {"1": "o", "2": "t", "3": "t", "4": "f", "5": "f", "6": "s", "8": "e", "9": "n"}


def _is_abbreviation(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return len(letters) >= 2 and (upper >= 2 or (upper >= 1 and any(c.isdigit() for c in token)))


def long_form(short: str, before: str) -> str | None:
    """Schwartz & Hearst's rule: the shortest text before "(SHORT)" whose words hold SHORT's
    letters in order, the first letter starting a word ("2" may stand for "two")."""
    letters = [_NUMBER_WORDS.get(c, c).lower() for c in short if c.isalnum()]
    if not letters or not letters[0].isalpha():
        return None
    text = before.rstrip()
    s, i = len(letters) - 1, len(text) - 1
    while s >= 0:
        c = letters[s]
        while i >= 0 and (text[i].lower() != c or (s == 0 and i > 0 and text[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    start = text.rfind(" ", 0, i + 1) + 1
    found = text[start:].strip(" ,;:-")
    words = found.replace("-", " ").split()
    if len(words) < 2 and "-" not in found or len(words) > len(letters) + 3:
        return None
    if short.lower() in found.lower() or not found[:1].isalpha():
        return None
    return found


def mine_abbreviations(texts: Sequence[str]) -> dict[str, Counter[str]]:
    """Every "long form (ABBR)" the texts define: ABBR -> how often each long form defines it."""
    found: dict[str, Counter[str]] = {}
    for text in texts:
        for match in _DEFINITION.finditer(text):
            short = match.group(1)
            if not _is_abbreviation(short):
                continue
            if short.endswith("s") and _is_abbreviation(short[:-1]):
                short = short[:-1]  # "GNNs": the plural of GNN
            before = text[max(0, match.start() - 120) : match.start()]
            before = re.split(r"[.;:()\[\]]", before)[-1]
            long = long_form(short, before)
            if long:
                found.setdefault(short, Counter())[" ".join(_words(long))] += 1
    # "graph neural network" and "graph neural networks" are one long form: count them together
    # under the form used most
    merged: dict[str, Counter[str]] = {}
    for short, forms in found.items():
        by_stems: dict[tuple[str, ...], Counter[str]] = {}
        for form, count in forms.items():
            by_stems.setdefault(tuple(_stems(form.split())), Counter())[form] += count
        merged[short] = Counter(
            {group.most_common(1)[0][0]: sum(group.values()) for group in by_stems.values()}
        )
    return merged


_MINED: dict[int, tuple[Any, dict[str, str]]] = {}


def commonest_forms(mined: dict[str, Counter[str]]) -> dict[str, str]:
    """ABBR -> the long form the texts give it most often."""
    return {short: forms.most_common(1)[0][0] for short, forms in mined.items()}


def library_abbreviations(index: LibraryIndex) -> dict[str, str]:
    """ABBR -> its most frequent long form, over every abstract of the library (once per index
    revision; ~0.3 s at 10,000 papers)."""
    cached = _MINED.get(id(index))
    if cached is not None and cached[0]() is index:
        return cached[1]
    import json
    import zlib

    texts = []
    for record in index.records:  # the stored JSON, not Papers: 10x faster at 100,000
        raw = zlib.decompress(record)
        if b"(" in raw:
            data = json.loads(raw)
            texts.append(f"{data.get('title', '')}. {data.get('abstract', '')}")
    mined = mine_abbreviations(texts)
    table = commonest_forms(mined)
    _MINED.clear()  # one library per process at a time; no growth
    _MINED[id(index)] = (weakref.ref(index), table)
    return table


# -- topics as concepts --------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """Lower-case words, hyphens split ("mixture-of-experts" -> mixture, of, experts)."""
    return [w for w in re.findall(r"[a-z0-9]+", plain(text).lower()) if w]


def _stems(words: Sequence[str]) -> list[str]:
    return [stem(w) for w in words]


@dataclass
class Concept:
    """One thing the topic names, in each form a paper may name it (stem sequences)."""

    label: str
    forms: list[tuple[str, ...]]
    words: list[tuple[str, ...]]  # the same forms as written, for the keyword index
    weight: float = 1.0

    def found_in(self, stems: Sequence[str], joined: str) -> bool:
        return any(
            (f" {' '.join(form)} " in joined) if len(form) > 1 else form[0] in stems
            for form in self.forms
        )


@dataclass
class TopicPlan:
    topic: str
    queries: list[str]
    concepts: list[Concept]
    expansions: dict[str, str] = field(default_factory=dict)  # ABBR -> long form used
    anchors: list[Concept] | None = None  # set once the nearest papers are known


def _find(sequence: Sequence[str], part: Sequence[str]) -> int:
    for i in range(len(sequence) - len(part) + 1):
        if list(sequence[i : i + len(part)]) == list(part):
            return i
    return -1


def plan_topic(topic: str, abbreviations: dict[str, str], facets: Sequence[str] = ()) -> TopicPlan:
    """The topic's sub-queries and concepts, its abbreviations expanded both ways."""
    words = _words(topic)
    lowered = {short.lower(): short for short in abbreviations}
    expansions: dict[str, str] = {}
    spans: list[tuple[int, int, str]] = []  # (start, end, abbreviation) over `words`
    for i, word in enumerate(words):
        short = lowered.get(word) or (lowered.get(word[:-1]) if word.endswith("s") else None)
        if short and word not in STOP_WORDS:
            expansions[short] = abbreviations[short]
            spans.append((i, i + 1, short))
    topic_stems = _stems(words)
    for short, long in abbreviations.items():
        long_stems = _stems(long.split())
        at = _find(topic_stems, long_stems) if len(long_stems) >= 2 else -1
        if at < 0 or any(a < at + len(long_stems) and at < b for a, b, _ in spans):
            continue
        expansions[short] = long
        spans.append((at, at + len(long_stems), short))
    queries = [topic]
    for short, long in expansions.items():
        long_re = r"[\s\-]+".join(re.escape(w) for w in long.split()) + r"s?"
        swapped = re.sub(rf"\b{long_re}\b", short, topic, flags=re.IGNORECASE)
        if swapped == topic:
            swapped = re.sub(rf"\b{re.escape(short)}s?\b", long, topic, flags=re.IGNORECASE)
        if swapped != topic and swapped not in queries:
            queries.append(swapped)
    queries += [f for f in facets if f and f not in queries]
    concepts: list[Concept] = []
    covered: set[int] = set()
    for start, end, short in sorted(spans):
        covered.update(range(start, end))
        long = expansions[short].split()
        written = [(short.lower(),), tuple(long)]
        head = re.match(r"[a-z]+(?=[A-Z])", short)
        if head and len(long) > len(head.group()):
            # "sEMG" is a surface EMG, "vDiT" a video DiT: the bare form names the same thing
            written += [(short[head.end() :].lower(),), tuple(long[len(head.group()) :])]
        concepts.append(Concept(short, [tuple(_stems(w)) for w in written], written))
    for i, word in enumerate(words):
        if i in covered or word in _TOPIC_FILLER or len(word) < 2:
            continue
        concepts.append(Concept(word, [(stem(word),)], [(word,)]))
    return TopicPlan(topic, queries, concepts, expansions)


# -- scoring -------------------------------------------------------------------------------------


@dataclass
class Scored:
    paper: Paper
    dense: float
    lexical: float
    focus: float
    feedback: float = 0.0
    evenness: float = 0.0
    score: float = 0.0

    @property
    def key(self) -> str:
        return self.paper.key


@dataclass
class Selection:
    """The decision: chosen papers (best first), the ones just below the cut, and why."""

    plan: TopicPlan
    chosen: list[Scored]
    borderline: list[Scored]
    cut: float
    scored: list[Scored]  # the whole pool, best first (near-duplicates included)
    similar: dict[str, list[str]] = field(default_factory=dict)  # key -> papers it repeats
    # key -> originality, for papers whose abstract does not read as one paper's own
    incoherent: dict[str, float] = field(default_factory=dict)


def _paper_stems(paper: Paper) -> tuple[list[str], str]:
    title = "" if paper.title_derived else paper.title
    stems = _stems(_words(f"{title} {paper.abstract}"))
    return stems, f" {' '.join(stems)} "


def _weigh(
    concepts: list[Concept],
    index: LibraryIndex,
    min_originality: float = DEFAULT_PARAMS.min_originality,
) -> None:
    """Rarer concepts weigh more: BM25's idf over the library, a concept's document frequency
    being that of its most common form ("neural network" makes NN common however rare the
    letters are), and a phrase's the number of papers holding all its words. Only the papers
    that read as one paper's own count (`originality` >= `min_originality`): a compilation
    repeating a topic's sentences is no paper of its own, and in the 10,000-paper mix hundreds
    of them made the topic's words look common (tuning topics at 10,000 papers: recall 0.885 ->
    0.922 on one draw, 0.922 unchanged on the other; nothing changes at 136)."""
    import numpy as np

    own = np.frombuffer(index.originality, dtype=np.float64) >= min_originality
    if not own.any():  # no abstract reads as its own (none given, say): every paper counts
        own = np.ones(len(index), dtype=bool)
    total = max(int(np.count_nonzero(own)), 1)
    for concept in concepts:
        frequencies = []
        for form in concept.words:
            words = [w for w in form if w not in STOP_WORDS]
            if words:
                present = np.logical_and.reduce([index.keywords.scores(w) > 0 for w in words])
                frequencies.append(int(np.count_nonzero(present & own)))
        df = max(frequencies) if frequencies else 0
        concept.weight = math.log(1 + (total - df + 0.5) / (df + 0.5))


def combined(item: Scored, params: SelectionParams) -> float:
    return (
        params.dense_weight * item.dense
        + params.feedback_weight * item.feedback
        + params.lexical_weight * item.lexical
        + params.focus_weight * item.focus
    )


class _Sentences:
    """The stemmed sentences of pooled papers, split once per selection."""

    def __init__(self) -> None:
        self._cache: dict[str, list[tuple[list[str], str]]] = {}

    def of(self, paper: Paper) -> list[tuple[list[str], str]]:
        found = self._cache.get(paper.key)
        if found is None:
            found = []
            for sentence in split_sentences(" ".join(paper.abstract.split())):
                stems = _stems(_words(sentence))
                found.append((stems, f" {' '.join(stems)} "))
            self._cache[paper.key] = found
        return found


_GENERIC_STEMS = frozenset(stem(w) for w in _TOPIC_FILLER) | {
    stem(w)
    for w in (
        "model", "models", "large", "language", "performance", "data", "results", "existing",
        "challenge", "challenges", "significant", "significantly", "achieve", "achieves",
        "reduce", "reduces", "high", "improve", "framework", "design", "compared", "however",
        "first", "key", "different", "various", "across", "extensive", "experiments", "llms",
        "llm", "neural", "network", "networks", "deep", "learning", "computation",
        "computational", "demonstrate", "state", "art", "sota", "while", "without", "further",
    )
}  # fmt: skip


def anchors(plan: TopicPlan) -> list[Concept]:
    """The topic's specific concepts: those nearly as rare as its rarest ("MoE", not
    "inference"; all three of "KV cache compression"), among those the papers nearest the topic
    use (so "preserving" of "privacy-preserving" does not count, "privacy" does)."""
    if plan.anchors is not None:
        return plan.anchors
    if not plan.concepts:
        return []
    top = max(c.weight for c in plan.concepts)
    return [c for c in plan.concepts if c.weight >= 0.6 * top]


def choose_anchors(plan: TopicPlan, nearest: Sequence[Paper], share: float = 0.65) -> None:
    """Set the plan's anchors from the concepts the nearest papers use (two of them, or one
    when only one paper is near)."""
    used = []
    for concept in plan.concepts:
        users = 0
        for paper in nearest:
            stems, joined = _paper_stems(paper)
            users += concept.found_in(stems, joined)
        # an abbreviation the library defines ("PIM") is a term of art the topic names on
        # purpose: one near paper using it is enough (else "accelerators" anchored
        # "processing-in-memory accelerators" and any accelerator was on the topic)
        needed = 1 if concept.label in plan.expansions else min(2, len(nearest))
        if users >= needed:
            used.append(concept)
    if used:
        top = max(c.weight for c in used)
        plan.anchors = [c for c in used if c.weight >= share * top]


def question_anchors(index: LibraryIndex, question: str, nearest: Sequence[Paper]) -> list[Concept]:
    """The specific things a question names, as a topic's anchors are chosen (`anchors`): its
    concepts weighted by rarity in the library, among those the papers nearest it use. The
    abbreviations are those the nearest papers define ("graph neural networks (GNNs)"): mining
    the whole library's would cost an answer seconds at 100,000 papers."""
    mined = mine_abbreviations([f"{p.title}. {p.abstract}" for p in nearest])
    plan = plan_topic(question, commonest_forms(mined))
    _weigh(plan.concepts, index)
    choose_anchors(plan, nearest)
    return anchors(plan) if plan.anchors is not None else []


_PREFIX_MAX = 7  # "cryptographically" is named by "cryptographic"


def names_any(paper: Paper, concepts: Sequence[Concept]) -> bool:
    """Whether the paper's title or abstract names one of the concepts, a word also in a form
    the stemmer keeps apart ("private" and "privacy", "accelerator" and "accelerating": all but
    its last two letters shared, five at least and seven at most)."""
    stems, joined = _paper_stems(paper)
    if any(concept.found_in(stems, joined) for concept in concepts):
        return True
    words = set(stems)
    for concept in concepts:
        for form in concept.forms:
            if len(form) == 1 and len(form[0]) >= 5:
                prefix = form[0][: max(5, min(len(form[0]) - 2, _PREFIX_MAX))]
                if any(word.startswith(prefix) for word in words):
                    return True
    return False


def associated_terms(
    plan: TopicPlan, papers: Sequence[Paper], sentences: _Sentences, limit: int = 20
) -> set[str]:
    """Words the pool's sentences use with the topic's anchors far more than without them
    ("expert", "routing", "offloading" beside "MoE"): the topic as the library writes it."""
    specific = anchors(plan)
    inside: Counter[str] = Counter()
    everywhere: Counter[str] = Counter()
    papers_with: dict[str, set[str]] = {}
    anchored = total = 0
    for paper in papers:
        for stems, joined in sentences.of(paper):
            unique = {s for s in stems if len(s) > 2 and s not in _GENERIC_STEMS}
            everywhere.update(unique)
            total += 1
            if any(c.found_in(stems, joined) for c in specific):
                anchored += 1
                inside.update(unique)
                for term in unique:
                    papers_with.setdefault(term, set()).add(paper.key)
    if not anchored:
        return set()
    own = {form for c in plan.concepts for f in c.forms for form in f}
    ranked = []
    for term, count in inside.items():
        if count < 3 or len(papers_with[term]) < 2 or term in own or term.isdigit():
            continue
        lift = (count / anchored) / (everywhere[term] / total)
        if lift >= 2.0:
            ranked.append((count * math.log(lift), term))
    return {term for _, term in sorted(ranked, reverse=True)[:limit]}


def score_papers(
    plan: TopicPlan,
    papers: Sequence[Paper],
    dense: dict[str, float],
    params: SelectionParams,
    feedback: dict[str, float] | None = None,
    sentences: _Sentences | None = None,
) -> list[Scored]:
    sentences = sentences or _Sentences()
    weights = sum(c.weight for c in plan.concepts) or 1.0
    specific = anchors(plan)
    terms = associated_terms(plan, papers, sentences)
    # the topic's other words count as associated ones ("code", "generation" beside "Verilog")
    terms |= {
        form[0]
        for c in plan.concepts
        if c not in specific
        for form in c.forms
        if len(form) == 1 and form[0] not in _GENERIC_STEMS
    }
    scored = []
    for paper in papers:
        stems, joined = _paper_stems(paper)
        lexical = sum(c.weight for c in plan.concepts if c.found_in(stems, joined)) / weights
        # focus: the share of the abstract's sentences about the topic (naming an anchor, or
        # two of its associated words): a paper on the topic stays on it
        own = sentences.of(paper)
        on_topic = 0.0
        for s_stems, s_joined in own:
            if any(c.found_in(s_stems, s_joined) for c in specific):
                on_topic += 1
            else:
                on_topic += min(1.0, len(terms.intersection(s_stems)) / 2)
        focus = on_topic / len(own) if own else 0.0
        item = Scored(paper, dense.get(paper.key, 0.0), lexical, focus)
        item.feedback = (feedback or {}).get(paper.key, 0.0)
        item.score = combined(item, params)
        scored.append(item)
    return sorted(scored, key=lambda s: (-s.score, s.key))


def _sentence_keys(paper: Paper) -> set[str]:
    """What a copy repeats: the abstract's pieces of eight words or more (`_keyed_abstract`)."""
    return set(_keyed_sentences(paper))


_STOP_STEMS = frozenset(stem(w) for w in STOP_WORDS)


def _keyed_sentences(paper: Paper) -> dict[str, frozenset[str]]:
    """The abstract's pieces of eight words or more: normalised text -> content stems
    (generic words left out: "model" and "performance" tie any two sentences together)."""
    return _keyed_abstract(paper.abstract)


@lru_cache(maxsize=4096)  # a selection reads each pooled abstract twice, a draft four times
def _keyed_abstract(abstract: str) -> dict[str, frozenset[str]]:
    keyed = {}
    for piece in abstract_pieces(abstract):
        stems = {stem(w) for w in piece.split() if len(w) > 2 and not w.isdigit()}
        keyed[piece] = frozenset(stems - _GENERIC_STEMS - _STOP_STEMS)
    return keyed


def coherence(paper: Paper) -> float:
    """How much an abstract's sentences are about one thing: the mean over its sentences of the
    share of their content stems the other sentences use. An original keeps writing about what
    each of its sentences says; a compilation of other papers' sentences does not."""
    return _coherence(paper.abstract)


def _coherence(abstract: str) -> float:
    keyed = _keyed_abstract(abstract)
    # a stem another piece uses is one at least two pieces hold (each holds a stem once)
    holding = Counter(stem for stems in keyed.values() for stem in stems)
    shares = [sum(holding[stem] > 1 for stem in own) / len(own) for own in keyed.values() if own]
    return sum(shares) / len(shares) if len(shares) > 1 else 1.0


def title_support(paper: Paper) -> float:
    """The share of the title's words its own abstract uses: an original's abstract bears out
    its title; a compilation of other papers' sentences under a borrowed title does not."""
    return _title_support(paper.title, paper.title_derived, paper.abstract)


def _title_support(title_text: str, title_derived: bool, abstract: str) -> float:
    if title_derived or not abstract:
        return 1.0
    title = {stem(w) for w in _words(title_text) if len(w) > 2 and w not in _TOPIC_FILLER}
    if not title:
        return 1.0
    return len(title & set(_stems(_words(abstract)))) / len(title)


def originality(paper: Paper) -> float:
    """How much an abstract reads as a paper's own: its `coherence` plus half its
    `title_support`. On the tuning topics' pools in the 10,000-paper mix (43 real papers, 2,988
    compilations) coherence alone ranks a real paper above a compilation with AUC 0.999, title
    support 0.996, and this sum 1.000."""
    return _originality(paper.title, paper.title_derived, paper.abstract)


@lru_cache(maxsize=4096)  # a selection asks for each pooled paper's three or four times
def _originality(title: str, title_derived: bool, abstract: str) -> float:
    return _coherence(abstract) + 0.5 * _title_support(title, title_derived, abstract)


def near_duplicates(scored: Sequence[Scored], shared: int = 1) -> dict[str, list[str]]:
    """Papers whose abstract repeats `shared` or more whole sentences of papers kept before
    them (a second version, a compilation, a copy): key -> the papers it repeats. The paper
    whose abstract reads most as its own (`originality`) is kept first, then the one more
    focused on the topic, so the original outlives the copy that quotes it. (Title support
    alone misjudged compilations at scale: among 10,000 papers, some spliced titles happen to
    be borne out by their random sentences better than a real paper's own title is.)"""
    owner: dict[str, str] = {}
    similar: dict[str, list[str]] = {}
    order = sorted(
        scored, key=lambda s: (-round(originality(s.paper), 2), -s.focus, -s.score, s.key)
    )
    for item in order:
        mine = _sentence_keys(item.paper)
        repeated = [owner[k] for k in mine if k in owner]
        if len(repeated) >= shared:
            similar[item.key] = sorted(set(repeated))
            continue
        for k in mine:
            owner.setdefault(k, item.key)
    return similar


def decide(
    scored: list[Scored], params: SelectionParams
) -> tuple[list[Scored], list[Scored], float]:
    """The cut: an absolute floor and a share of the top score, whichever is higher."""
    if not scored or max(s.dense for s in scored) < params.on_topic:
        # relative to the top, the best of unrelated papers would pass: "zebra migration
        # patterns" drafted three papers that say "pattern", on focus alone
        return [], [], params.floor
    top = sum(s.score for s in scored[: params.top_n]) / min(params.top_n, len(scored))
    cut = max(params.floor, params.relative * top)
    chosen = [s for s in scored if s.score >= cut and s.focus >= params.focus_min]
    near = cut - params.borderline
    borderline = [
        s for s in scored if s not in chosen and s.score >= near and s.focus >= params.focus_min / 2
    ]
    return chosen, borderline, cut


def second_round_seeds(
    first: Sequence[Scored],
    copies: dict[str, list[str]],
    embedded: Collection[str],
    params: SelectionParams,
) -> list[Scored]:
    """The best papers of the first round, whose titles search again and whose vectors make the
    feedback centroid: never a copy, nor an abstract that does not read as one paper's own (a
    compilation's title is spliced from two others: as a query it finds neither topic)."""
    return [
        s
        for s in first
        if s.key in embedded
        and s.key not in copies
        and originality(s.paper) >= params.min_originality
    ][: params.seeds]


def originals_of_copies(
    index: LibraryIndex,
    pool: dict[str, Paper],
    specific: Sequence[Concept],
    filters: SearchFilters | None,
    params: SelectionParams,
) -> list[Paper]:
    """The papers outside the pool whose abstracts hold a piece on the topic (one naming an
    anchor) of a pooled paper's, and that read as one paper's own (`originality`).

    A search returns the texts nearest the query, and in a large library those can be the
    copies of a paper rather than the paper: second versions, or compilations quoting its best
    sentences. In the 10,000-paper mix a small topic's sentences recur in hundreds of
    compilations, which fill every sub-query's hits and leave the original unpooled; the
    original holds the pieces they repeat, so it is found through them."""
    pieces = set()
    for paper in pool.values():
        for piece in _keyed_abstract(paper.abstract):
            stems = _stems(piece.split())
            joined = f" {' '.join(stems)} "
            if any(c.found_in(stems, joined) for c in specific):
                pieces.add(piece)
    positions = index.holding(pieces)
    allowed = index.matching(filters)
    if allowed is not None:
        positions = sorted(set(positions).intersection(allowed))
    return [
        index.paper(i)
        for i in positions
        if index.originality[i] >= params.min_originality and index.keys[i] not in pool
    ]


def _chunk_vectors(library: Library, keys: Sequence[str]) -> dict[str, Any]:
    """Each paper's stored chunk vectors (rows, L2-normalised), read from the store."""
    import numpy as np

    grouped = library.store.entry_ids(set(keys))
    stored = library.store.embeddings_for([i for ids in grouped.values() for i in ids])
    out = {}
    for key, ids in grouped.items():
        rows = [stored[i][0] for i in ids if i in stored]
        if rows:
            matrix = np.asarray(rows, dtype=np.float32)
            out[key] = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return out


def select(
    library: Library,
    topic: str,
    facets: Sequence[str] = (),
    filters: SearchFilters | None = None,
    params: SelectionParams = DEFAULT_PARAMS,
) -> Selection:
    """Score every paper the topic's sub-queries reach and decide which the section covers.

    Two rounds: the sub-queries find the papers that plainly match; the titles of the best few
    then find their neighbours (papers on the topic that name it differently: "secure
    multi-party computation" for "2PC"), and every paper is also scored by its closeness to the
    best few's centroid (pseudo-relevance feedback)."""
    import numpy as np

    index = library.index()
    plan = plan_topic(topic, library_abbreviations(index), facets)
    _weigh(plan.concepts, index, params.min_originality)
    query_vectors = library.embedder.embed(plan.queries)
    pool: dict[str, Paper] = {}
    chunks: dict[str, Any] = {}

    def gather(queries: list[str]) -> None:
        new = [
            hit.paper
            for hits in library.search_many(queries, params.pool, filters)
            for hit in hits
            if hit.paper.key not in pool
        ]
        for paper in new:
            pool.setdefault(paper.key, paper)
        chunks.update(_chunk_vectors(library, [p.key for p in new if p.key not in chunks]))

    def dense_of(key: str) -> float:
        return float((chunks[key] @ query_vectors.T).max()) if key in chunks else 0.0

    def add(new: list[Paper]) -> None:
        for paper in new:
            pool[paper.key] = paper
        chunks.update(_chunk_vectors(library, [p.key for p in new if p.key not in chunks]))

    def gather_keyword(query: str) -> None:
        # the papers that name the topic's specific words most: BM25 ranks a paper that keeps
        # writing "MoE" above one that mentions it once, where the fused ranking may not
        weights = index.keywords.scores(query)
        allowed = index.matching(filters)
        if allowed is not None:
            mask = np.zeros_like(weights)
            mask[allowed] = 1
            weights = weights * mask
        top = np.argsort(-weights, kind="stable")[: params.pool]
        new = [index.paper(int(i)) for i in top if weights[i] > 0]
        add([p for p in new if p.key not in pool])

    sentences = _Sentences()
    gather(plan.queries)
    nearest = sorted(pool.values(), key=lambda p: (-dense_of(p.key), p.key))[:10]
    choose_anchors(plan, nearest)
    specific = " ".join(" ".join(c.words[0]) for c in anchors(plan))
    if specific.strip():
        gather_keyword(specific)
    add(originals_of_copies(index, pool, anchors(plan), filters, params))
    first = score_papers(
        plan, list(pool.values()), {k: dense_of(k) for k in pool}, params, None, sentences
    )
    copies = near_duplicates(first)
    seeds = second_round_seeds(first, copies, chunks.keys(), params)
    titles = [s.paper.title for s in seeds if s.paper.title and not s.paper.title_derived]
    if titles:
        gather(titles)
    centroid = None
    if seeds:
        means = [chunks[s.key].mean(axis=0) for s in seeds]
        means = [m / max(float(np.linalg.norm(m)), 1e-12) for m in means]
        centroid = np.mean(means, axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    feedback = {}
    for key in pool:
        if centroid is not None and key in chunks:
            mean = chunks[key].mean(axis=0)
            feedback[key] = float(mean @ centroid) / max(float(np.linalg.norm(mean)), 1e-12)
    scored = score_papers(
        plan, list(pool.values()), {k: dense_of(k) for k in pool}, params, feedback, sentences
    )
    if centroid is not None:
        for item in scored:
            if item.key in chunks:
                item.evenness = float((chunks[item.key] @ centroid).min())
    similar = near_duplicates(scored)
    incoherent = {
        s.key: round(value, 3)
        for s in scored
        if s.key not in similar and (value := originality(s.paper)) < params.min_originality
    }
    chosen, borderline, cut = decide(
        [s for s in scored if s.key not in similar and s.key not in incoherent], params
    )
    return Selection(plan, chosen, borderline, cut, scored, similar, incoherent)
