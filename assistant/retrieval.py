"""Hybrid search: BM25 (bm25s) and dense chunks (Chroma) fused by reciprocal rank fusion.

The keyword index and the records table are cached on disk per store revision, so a search loads
them once instead of rebuilding them. Options (all in `RetrievalSettings`): weighted RRF or
normalised score fusion, a paper's dense score from its best chunk or best two, the title's
weight and BM25's k1/b/stemming/stop words/scoring variant (`KeywordParams`, part of the index),
and RM3 pseudo-relevance
feedback for BM25. `benchmarks/retrieval_beir.py` measures each against the defaults.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple

from assistant.errors import StoreError, UsageError
from assistant.models import Hit, Paper

if TYPE_CHECKING:
    import numpy as np

    from assistant.embeddings import E5Embedder, Embedder
    from assistant.settings import RetrievalSettings
    from assistant.store import ChunkMatch, PaperStore

_INDEX_FORMAT = 9  # bump when the cached index layout changes
_YEAR_RANGE = re.compile(r"^\s*(\d{4})?\s*(?:(\.\.|-)\s*(\d{4})?)?\s*$")


@dataclass
class SearchFilters:
    """Optional restrictions; every given one must hold."""

    year_from: int | None = None
    year_to: int | None = None
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        year: str | None = None,
        authors: Sequence[str] = (),
        categories: Sequence[str] = (),
        sources: Sequence[str] = (),
    ) -> SearchFilters:
        year_from = year_to = None
        if year:
            match = _YEAR_RANGE.match(year)
            if not match or not (match.group(1) or match.group(3)):
                raise UsageError(f"--year {year!r}: use 2023, 2022..2024, 2022.. or ..2024")
            year_from = int(match.group(1)) if match.group(1) else None
            year_to = int(match.group(3)) if match.group(3) else None
            if not match.group(2):
                year_to = year_from
            if year_from and year_to and year_from > year_to:
                raise UsageError(f"--year {year!r}: the range is empty")
        return cls(year_from, year_to, list(authors), list(categories), list(sources))

    @property
    def active(self) -> bool:
        return bool(
            self.year_from or self.year_to or self.authors or self.categories or self.sources
        )

    def accepts(self, paper: Paper) -> bool:
        return self.accepts_facets(Facets.of(paper))

    def accepts_facets(self, facets: Facets) -> bool:
        if self.year_from or self.year_to:
            if facets.year is None:
                return False
            if self.year_from and facets.year < self.year_from:
                return False
            if self.year_to and facets.year > self.year_to:
                return False
        if self.authors and not all(a.lower() in facets.authors for a in self.authors):
            return False
        if self.categories:
            wanted = {c.lower() for c in self.categories}
            if not any(w in facets.categories or f"cs.{w}" in facets.categories for w in wanted):
                return False
        if self.sources:
            files = [f.lower() for f in facets.files]
            if not any(w.lower() in f for w in self.sources for f in files):
                return False
        return True


class KeywordParams(NamedTuple):
    """How the keyword index is built: what it counts and how BM25 weighs it."""

    title_weight: int = 2  # a real title is the densest statement of the topic: count it twice
    k1: float = 1.5
    b: float = 0.75
    stemming: bool = True
    stop_words: str = "litreview"  # a name of STOP_WORD_LISTS
    method: str = "lucene"  # bm25s's scoring variant (BM25_METHODS)
    delta: float = 0.5  # BM25L's and BM25+'s delta (the others ignore it)

    @classmethod
    def of(cls, settings: RetrievalSettings | None) -> KeywordParams:
        if settings is None:
            return cls()
        return cls(
            settings.title_weight,
            settings.bm25_k1,
            settings.bm25_b,
            settings.stemming,
            settings.stop_words,
            settings.bm25_method,
            settings.bm25_delta,
        )

    @property
    def tag(self) -> str:
        return (
            f"title={self.title_weight},k1={self.k1},b={self.b},stem={int(self.stemming)},"
            f"stop={self.stop_words}:{_stop_words_hash(self.stop_words)},"
            f"bm25={self.method},delta={self.delta}"
        )


# bm25s's scoring variants (Kamphuis et al., ECIR 2020); lucene is bm25s's default and litreview's
BM25_METHODS = ("lucene", "robertson", "atire", "bm25l", "bm25+")
# the stop words BM25 drops: litreview's own (`assistant.text.STOP_WORDS`: Lucene's 33 and the
# closed-class words questions and abstracts are full of, 111), Lucene's (bm25s's default), NLTK's
# English list (179, bm25s's `en_plus`), or none
STOP_WORD_LISTS = ("litreview", "lucene", "nltk", "none")


@lru_cache(maxsize=8)
def keyword_stop_words(name: str) -> tuple[str, ...]:
    """The stop words BM25 drops under a STOP_WORD_LISTS name, sorted."""
    if name == "litreview":
        from assistant.text import STOP_WORDS

        return tuple(sorted(STOP_WORDS))
    if name == "none":
        return ()
    from bm25s import stopwords

    if name == "lucene":
        return tuple(sorted(stopwords.STOPWORDS_EN))
    if name == "nltk":
        return tuple(sorted(stopwords.STOPWORDS_EN_PLUS))
    raise UsageError(f"unknown stop-word list {name!r}: one of {', '.join(STOP_WORD_LISTS)}")


def _stop_words_hash(name: str) -> str:
    """A short hash of the list's words: a cached index is not reused once they change."""
    return hashlib.sha256(" ".join(keyword_stop_words(name)).encode()).hexdigest()[:8]


def keyword_text(paper: Paper, title_weight: int = 2) -> str:
    title = "" if paper.title_derived else f"{paper.title} " * title_weight
    return f"{title}{paper.abstract}"


_TOKENIZE_BATCH = 1000  # texts tokenized at a time while an index is built


def _tokenize(
    texts: Sequence[str], stemming: bool = True, stop_words: str = "litreview"
) -> list[list[str]]:
    """bm25s's word pattern, with the stemmer of `assistant.text` and a list of stop words
    (`keyword_stop_words`; litreview's own by default)."""
    import bm25s

    from assistant.text import stemmer

    return bm25s.tokenize(
        list(texts),
        stopwords=list(keyword_stop_words(stop_words)),
        stemmer=stemmer() if stemming else None,
        return_ids=False,
        show_progress=False,
    )


class Feedback(NamedTuple):
    """RM3 pseudo-relevance feedback: the `docs` best BM25 hits lend `terms` expansion terms,
    which make up `weight` of the new query."""

    docs: int
    terms: int = 10
    weight: float = 0.5

    @classmethod
    def of(cls, settings: RetrievalSettings) -> Feedback | None:
        if settings.prf_docs <= 0 or settings.prf_weight <= 0:
            return None
        return cls(settings.prf_docs, settings.prf_terms, settings.prf_weight)


_PHRASE_DEPTH = 200  # the best BM25 hits read for phrases: those a phrase can lift into the top


class KeywordIndex:
    """BM25 over title + abstract, stemmed, English stop words removed.

    Documents are given flat: document i is `tokens[offsets[i]:offsets[i + 1]]` (vocabulary
    positions). They are kept, 4 bytes a token, so an update tokenizes only what it changes.
    """

    def __init__(
        self,
        tokens: np.ndarray,
        offsets: np.ndarray,
        vocab: dict[str, int],
        params: KeywordParams = KeywordParams(),  # noqa: B008 - an immutable tuple
    ) -> None:
        import logging

        import bm25s

        # bm25s sets its logger to DEBUG: once the model preparation's quantiser has given the
        # root logger a handler, "Building index from IDs" would reach the terminal
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.size = len(offsets) - 1
        self.vocab = vocab
        self.params = params
        self._tokens = tokens
        self._offsets = offsets
        # BM25L and BM25+ (as bm25s scores them, after Trotman et al. 2014) also give a document
        # without a query term that term's score at tf 0; bm25s takes it (the same for every
        # document: it is computed at the average length) off the matrix and adds it back per
        # query term, which `_weighted_sum` leaves out: bm25s's ranking, and a document matching
        # no term still scores 0. So BM25+'s delta shifts every document alike (it does not
        # change the ranking); BM25L's does. Lv and Zhai's form, delta for the terms a document
        # holds only, was measured too (RESULTS.md) and is not offered
        self._bm25 = bm25s.BM25(k1=params.k1, b=params.b, delta=params.delta, method=params.method)
        self._indexed = bool(vocab)
        if self._indexed:
            self._bm25._np_csc = _csc_in_document_order  # bm25s's hook for a CSC builder
            corpus = SimpleNamespace(ids=_Documents(tokens, offsets), vocab=vocab)
            self._bm25.index(corpus, show_progress=False)
            del self._bm25._np_csc

    def document(self, i: int) -> np.ndarray:
        """Document i's token ids (a view)."""
        return self._tokens[self._offsets[i] : self._offsets[i + 1]]

    def release(self) -> None:
        """Let the weights and documents go: an update has read what it needs of them."""
        import numpy as np

        self._bm25 = None
        self._indexed = False
        self._tokens = np.zeros(0, dtype=np.uint32)
        self._offsets = np.zeros(self.size + 1, dtype=np.int64)

    @classmethod
    def from_texts(
        cls,
        texts: Sequence[str],
        params: KeywordParams = KeywordParams(),  # noqa: B008 - an immutable tuple
    ) -> KeywordIndex:
        tokens = KeywordTokens(params=params)
        for text in texts:
            tokens.add(text)
        return tokens.index()

    def scores(
        self,
        query: str,
        feedback: Feedback | None = None,
        documents: Sequence[int] | None = None,
        phrase: float = 0.0,
    ) -> np.ndarray:
        """BM25 scores of every document for the query; with `feedback`, of the query expanded
        RM3-style from its best hits (or from `documents`, best first, if given); with `phrase`,
        the best hits holding the query's word pairs side by side scored up to 1 + phrase
        times higher."""
        import numpy as np

        tokens = _tokenize([query], self.params.stemming, self.params.stop_words)[0]
        ids = self._bm25.get_tokens_ids(tokens) if self._indexed else []
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        scores = self._weighted_sum(ids, None)
        if phrase > 0:
            scores = self._phrases(tokens, scores, phrase)
        if feedback is None:
            return scores
        terms, weights = self._expansion(ids, scores, feedback, documents)
        if not terms:
            return scores
        return self._weighted_sum(terms, weights)

    def _phrases(self, tokens: Sequence[str], scores: np.ndarray, weight: float) -> np.ndarray:
        """Scale the best hits' scores by the share of the query's adjacent word pairs (stop
        words removed on both sides) they hold adjacent too."""
        import numpy as np

        known = [self.vocab.get(t) for t in tokens]
        pairs = {(a, b) for a, b in zip(known, known[1:]) if a is not None and b is not None}
        if not pairs:
            return scores
        scores = scores.copy()
        positive = np.flatnonzero(scores > 0)
        if positive.size > _PHRASE_DEPTH:
            kth = np.partition(scores[positive], positive.size - _PHRASE_DEPTH)
            positive = positive[scores[positive] >= kth[positive.size - _PHRASE_DEPTH]]
        for i in positive:
            document = self.document(int(i))
            if document.size < 2:
                continue
            held = sum(bool(np.any((document[:-1] == a) & (document[1:] == b))) for a, b in pairs)
            if held:
                scores[i] *= 1 + weight * held / len(pairs)
        return scores

    def _weighted_sum(self, ids: Sequence[int], weights: Sequence[float] | None) -> np.ndarray:
        """Sum the terms' posting lists of bm25s's score matrix (times their weights) with one
        bincount: its numpy scorer's ufunc.at took ~18 ms a query at 100,000 abstracts, this ~3."""
        import numpy as np

        matrix = self._bm25.scores
        data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
        spans = [(int(indptr[i]), int(indptr[i + 1])) for i in ids]
        docs = np.concatenate([indices[a:b] for a, b in spans])
        if weights is None:
            values = np.concatenate([data[a:b] for a, b in spans])
        else:
            values = np.concatenate(
                [data[a:b] * np.float32(w) for (a, b), w in zip(spans, weights)]
            )
        return np.bincount(docs, weights=values, minlength=self.size).astype(np.float32)

    def _expansion(
        self,
        query_ids: Sequence[int],
        scores: np.ndarray,
        feedback: Feedback,
        documents: Sequence[int] | None = None,
    ) -> tuple[list[int], list[float]]:
        """RM3: a relevance model from the best hits (each term's share of a hit's words times
        its idf, the hits weighed by their scores, or alike when `documents` names them) mixed
        with the original query terms."""
        import numpy as np

        if documents is not None:
            top = np.asarray(list(documents)[: feedback.docs], dtype=np.int64)
            doc_weights = np.ones(top.size, dtype=np.float64)
        else:
            positive = np.flatnonzero(scores > 0)
            if positive.size > feedback.docs:  # the best few first: O(n), not a sort of all
                best = np.argpartition(-scores[positive], feedback.docs - 1)[: feedback.docs]
                positive = positive[best]
            top = positive[np.argsort(-scores[positive], kind="stable")[: feedback.docs]]
            doc_weights = scores[top].astype(np.float64)
        if top.size == 0 or doc_weights.sum() <= 0:
            return [], []
        indptr = self._bm25.scores["indptr"]
        frequency = np.diff(indptr).astype(np.float64)  # documents holding each term
        idf = np.log((self.size + 1) / (frequency + 0.5))
        model: dict[int, float] = {}
        doc_weights /= doc_weights.sum()
        for doc, doc_weight in zip(top, doc_weights):
            words = self.document(int(doc))
            if not words.size:
                continue
            terms, counts = np.unique(words, return_counts=True)
            known = terms < len(idf)
            terms, counts = terms[known], counts[known]
            shares = counts / words.size * idf[terms] * doc_weight
            for term, share in zip(terms.tolist(), shares.tolist()):
                model[term] = model.get(term, 0.0) + share
        chosen = sorted(model, key=lambda t: (-model[t], t))[: feedback.terms]
        total = sum(model[t] for t in chosen) or 1.0
        mixed: dict[int, float] = {}
        for term in query_ids:  # the original query, each term once per occurrence
            mixed[term] = mixed.get(term, 0.0) + (1 - feedback.weight) / len(query_ids)
        for term in chosen:
            mixed[term] = mixed.get(term, 0.0) + feedback.weight * model[term] / total
        terms = sorted(mixed)
        return terms, [mixed[t] for t in terms]


def _flatten(documents: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Documents as one array of token ids and the offsets where each starts."""
    import numpy as np

    lengths = np.fromiter((len(doc) for doc in documents), dtype=np.int64, count=len(documents))
    offsets = np.zeros(len(documents) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    tokens = np.empty(int(offsets[-1]), dtype=np.uint32)
    for doc, start, end in zip(documents, offsets[:-1], offsets[1:]):
        tokens[start:end] = np.asarray(doc, dtype=np.uint32)
    return tokens, offsets


class _Documents:
    """Flat documents as bm25s reads them: one list of token ids after another."""

    def __init__(self, tokens: np.ndarray, offsets: np.ndarray) -> None:
        self._tokens = tokens
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __iter__(self) -> Iterator[list[int]]:
        tokens, offsets = self._tokens, self._offsets.tolist()
        for start, end in zip(offsets[:-1], offsets[1:]):
            yield tokens[start:end].tolist()


def _csc_in_document_order(
    data: np.ndarray, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """bm25s's CSC layout (by token, then document) with one stable sort by token.

    bm25s emits entries document by document, so a stable sort by token alone leaves each token's
    documents in order; its own builder sorts packed 64-bit (token, document) pairs, which took
    ~440 MB more at 100,000 abstracts.
    """
    import numpy as np

    indptr = np.zeros(shape[1] + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=shape[1]), out=indptr[1:])
    order = np.argsort(cols, kind="stable")
    return data[order], rows[order], indptr


class KeywordTokens:
    """Documents' token ids, tokenized in batches as they are added.

    A document is an array of 4-byte token ids: lists of token strings for 100,000 abstracts
    took ~1 GB while an index was built.
    """

    def __init__(
        self,
        vocab: dict[str, int] | None = None,
        params: KeywordParams = KeywordParams(),  # noqa: B008 - an immutable tuple
    ) -> None:
        self.vocab: dict[str, int] = dict(vocab or {})  # an update extends the old vocabulary
        self.params = params
        self.docs: list[Sequence[int]] = []
        self._pending: list[str] = []

    def add(self, text: str) -> None:
        self._pending.append(text)
        if len(self._pending) >= _TOKENIZE_BATCH:
            self.flush()

    def flush(self) -> None:
        """Tokenize the documents added since the last batch."""
        if not self._pending:
            return
        vocab = self.vocab
        for tokens in _tokenize(self._pending, self.params.stemming, self.params.stop_words):
            self.docs.append(array("I", [vocab.setdefault(token, len(vocab)) for token in tokens]))
        self._pending = []

    def add_tokenized(self, token_ids: Sequence[int]) -> None:
        """A document tokenized before, against this vocabulary."""
        self.flush()
        self.docs.append(token_ids)

    def index(
        self,
        order: Sequence[int] | None = None,
        before_weighting: Callable[[], None] | None = None,
    ) -> KeywordIndex:
        """The BM25 index of the documents, in `order` (positions as added) if given.

        `before_weighting` runs once the documents are copied out, before the weights are
        computed (an update lets the previous index go there).
        """
        self.flush()
        docs = self.docs if order is None else [self.docs[i] for i in order]
        self.docs = []
        flat = _flatten(docs)
        del docs  # the arrays, before the weights are computed
        if before_weighting is not None:
            before_weighting()
        return KeywordIndex(*flat, self.vocab, self.params)


class Facets(NamedTuple):
    """What filters and library statistics read of a paper, without the paper."""

    year: int | None
    authors: str  # lower-cased names joined by " | "
    categories: frozenset[str]  # lower-cased
    files: tuple[str, ...]  # one per source, as given
    title_derived: bool

    @classmethod
    def of(cls, paper: Paper) -> Facets:
        return cls(
            paper.year,
            " | ".join(paper.authors).lower(),
            frozenset(sys.intern(c.lower()) for c in paper.categories),
            tuple(sys.intern(s.file) for s in paper.sources),
            paper.title_derived,
        )


def piece_hash(piece: str) -> int:
    """A stable 64-bit hash of an abstract piece (Python's own `hash` differs per process)."""
    digest = hashlib.blake2b(piece.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _add_papers(
    papers: Iterable[Paper],
    keys: list[str],
    records: list[bytes],
    facets: list[Facets],
    pieces: list[Any],
    originality: array,
    tokens: KeywordTokens,
) -> None:
    """Append each paper's key, compressed record, facets, abstract pieces, originality and
    keyword text to the columns."""
    from assistant.selection import originality as originality_of
    from assistant.text import abstract_pieces

    for paper in papers:
        keys.append(paper.key)
        records.append(zlib.compress(paper.model_dump_json(exclude_defaults=True).encode()))
        facets.append(Facets.of(paper))
        pieces.append(array("q", [piece_hash(p) for p in abstract_pieces(paper.abstract)]))
        originality.append(originality_of(paper))
        tokens.add(keyword_text(paper, tokens.params.title_weight))


@dataclass
class PieceIndex:
    """Which papers hold a piece of abstract (`text.abstract_pieces`): a copy, a second version
    or a compilation leads back to the papers whose text it repeats. Sorted piece hashes with
    the position of the paper holding each: 12 bytes a piece, ~12 MB for 100,000 abstracts."""

    hashes: Any  # numpy int64, sorted
    owners: Any  # numpy int32, the paper position of each hash

    @classmethod
    def of(cls, pieces: Sequence[Sequence[int]]) -> PieceIndex:
        import numpy as np

        counts = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
        hashes = np.fromiter(
            (h for paper in pieces for h in paper), dtype=np.int64, count=int(counts.sum())
        )
        owners = np.repeat(np.arange(len(pieces), dtype=np.int32), counts)
        order = np.argsort(hashes, kind="stable")
        return cls(hashes[order], owners[order])

    def per_paper(self, count: int) -> list[Any]:
        """Each of `count` papers' piece hashes (an update keeps the unchanged papers')."""
        import numpy as np

        order = np.argsort(self.owners, kind="stable")
        bounds = np.cumsum(np.bincount(self.owners, minlength=count))[:-1]
        return np.split(self.hashes[order], bounds)

    def holders(self, hashes: Iterable[int]) -> list[int]:
        """Positions of the papers holding any of these pieces, in position order."""
        import numpy as np

        wanted = np.unique(np.fromiter(hashes, dtype=np.int64))
        if not len(wanted) or not len(self.hashes):
            return []
        left = np.searchsorted(self.hashes, wanted, side="left")
        right = np.searchsorted(self.hashes, wanted, side="right")
        found = [self.owners[a:b] for a, b in zip(left, right, strict=True) if b > a]
        return sorted({int(i) for block in found for i in block})


@dataclass
class LibraryIndex:
    """The records of one store revision, compact, with their keyword index.

    Records are held as compressed JSON and become `Paper`s only when asked for: 100,000
    pydantic Papers take ~750 MB, their compressed JSON ~100 MB. `facets` answer filters.
    """

    keys: list[str]
    records: list[bytes]
    facets: list[Facets]
    shared: PieceIndex  # each paper's abstract pieces, hashed (`piece_hash`)
    # how much each abstract reads as one paper's own (`selection.originality`): drafts ask it
    # of thousands of papers at a time in a large library
    originality: array
    keywords: KeywordIndex
    position: dict[str, int]

    @classmethod
    def build(cls, papers: Iterable[Paper], params: KeywordParams | None = None) -> LibraryIndex:
        """Index papers (read one at a time: the iterable may stream them from the store)."""
        keys: list[str] = []
        records: list[bytes] = []
        facets: list[Facets] = []
        pieces: list[array] = []
        originality = array("d")
        tokens = KeywordTokens(params=params or KeywordParams())
        _add_papers(papers, keys, records, facets, pieces, originality, tokens)
        return cls._sorted(keys, records, facets, pieces, originality, tokens)

    def updated(
        self, papers: Iterable[Paper], removed: Iterable[str], consume: bool = False
    ) -> LibraryIndex:
        """This index with `papers` added or replaced (by key) and the `removed` keys gone.

        Only the given papers are serialised and tokenized; the others' records, facets and
        token ids are reused. BM25 weights depend on the whole collection, so those are
        computed again. Equals `build` over the resulting library. With `consume`, this
        index's keyword index is let go before the new one is weighted (it is then unusable).
        """
        keys: list[str] = []
        records: list[bytes] = []
        facets: list[Facets] = []
        pieces: list[Any] = []
        originality = array("d")
        tokens = KeywordTokens(self.keywords.vocab, self.keywords.params)
        _add_papers(papers, keys, records, facets, pieces, originality, tokens)
        dropped = set(removed).union(keys)
        kept_pieces = self.shared.per_paper(len(self.keys))
        for i, key in enumerate(self.keys):
            if key not in dropped:
                keys.append(key)
                records.append(self.records[i])
                facets.append(self.facets[i])
                pieces.append(kept_pieces[i])
                originality.append(self.originality[i])
                tokens.add_tokenized(self.keywords.document(i))
        release = self.keywords.release if consume else None
        return self._sorted(keys, records, facets, pieces, originality, tokens, release)

    @classmethod
    def _sorted(
        cls,
        keys: list[str],
        records: list[bytes],
        facets: list[Facets],
        pieces: Sequence[Sequence[int]],
        originality: array,
        tokens: KeywordTokens,
        before_weighting: Callable[[], None] | None = None,
    ) -> LibraryIndex:
        order = sorted(range(len(keys)), key=keys.__getitem__)
        keys = [keys[i] for i in order]
        return cls(
            keys,
            [records[i] for i in order],
            [facets[i] for i in order],
            PieceIndex.of([pieces[i] for i in order]),
            array("d", (originality[i] for i in order)),
            tokens.index(order, before_weighting),
            {key: i for i, key in enumerate(keys)},
        )

    def __len__(self) -> int:
        return len(self.keys)

    def paper(self, i: int) -> Paper:
        return decode_record(self.records[i])

    def get(self, key: str) -> Paper | None:
        """The paper under this key, or else the one holding it as an alias (biblatex `ids`:
        a key of its own that a merged record brought)."""
        i = self.position.get(key)
        if i is None:
            i = self._aliases.get(key.lower())
        return None if i is None else self.paper(i)

    @cached_property
    def _aliases(self) -> dict[str, int]:
        """alias (lower-cased) -> position, read from the records once, on the first miss."""
        from assistant.ingest.merge import split_ids

        found: dict[str, int] = {}
        for i, record in enumerate(self.records):
            raw = zlib.decompress(record)
            if b'"ids"' in raw:
                for alias in split_ids(json.loads(raw).get("extra", {}).get("ids", "")):
                    found.setdefault(alias.lower(), i)
        return found

    def papers(self, positions: Iterable[int] | None = None) -> list[Paper]:
        """Papers at positions (all of them by default), in key order."""
        chosen = range(len(self.keys)) if positions is None else positions
        return [self.paper(i) for i in chosen]

    def holding(self, pieces: Iterable[str]) -> list[int]:
        """Positions of the papers whose abstract holds any of these pieces
        (`text.abstract_pieces`)."""
        return self.shared.holders(piece_hash(p) for p in pieces)

    def matching(self, filters: SearchFilters | None) -> list[int] | None:
        """Positions of papers the filters accept; None when no filter is set."""
        if not filters or not filters.active:
            return None
        return [i for i, facets in enumerate(self.facets) if filters.accepts_facets(facets)]


def decode_record(record: bytes) -> Paper:
    """A `LibraryIndex.records` entry as a Paper."""
    return Paper.model_validate_json(zlib.decompress(record))


def _dependency_tag() -> str:
    """What a cached index depends on besides its own layout and `KeywordParams.tag` (which
    hashes the stop words it drops): the versions of bm25s (whose internals build it), PyStemmer
    and numpy."""
    from importlib import metadata

    versions = []
    for name in ("bm25s", "PyStemmer", "numpy"):
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    return ",".join(versions)


_BUILD_ATTEMPTS = 5


class IndexCache:
    """The indexes of one cache dir this process has loaded.

    Unpickling 10,000 papers costs ~160 ms, so a long-lived process (the TUI, a batch of searches)
    loads each revision once and later searches only compare the revision tag."""

    def __init__(self, cache_dir: Path, params: KeywordParams | None = None) -> None:
        self.cache_dir = cache_dir
        self.params = params or KeywordParams()
        self._loaded: dict[Path, tuple[str, LibraryIndex]] = {}
        self._dependencies = f"{_dependency_tag()}|{self.params.tag}"

    def _place(self, store: PaperStore, revision: int | None = None) -> tuple[Path, str]:
        """The cache file of the store's index, and the tag of a revision (the current one)."""
        revision = store.revision if revision is None else revision
        tag = f"{_INDEX_FORMAT}|{self._dependencies}|{store.location}|{store.name}|{revision}"
        name = hashlib.sha256(f"{store.location}|{store.name}".encode()).hexdigest()[:16]
        return self.cache_dir / f"index-{name}.pickle", tag

    def load(self, store: PaperStore) -> LibraryIndex:
        """The index of the store's current revision, rebuilt when stale."""
        path, tag = self._place(store)
        loaded = self._loaded.get(path)
        if loaded is not None and loaded[0] == tag:
            return loaded[1]
        self._loaded.pop(path, None)  # a stale revision's index: let it go before the new one
        loaded = None
        index = _read(path, tag)
        revision = store.revision
        for _attempt in range(_BUILD_ATTEMPTS):
            if index is not None:
                break
            built = LibraryIndex.build(store.iter_papers(), self.params)
            store.refresh()  # the collection's metadata is read once: read it again
            if store.revision == revision:
                index = built
                _save(index, path, tag)
                break
            # a writer committed while we read: what we read may mix two revisions
            revision = store.revision
            path, tag = self._place(store, revision)
            index = _read(path, tag)
        if index is None:
            raise StoreError("the library kept changing while its index was read; try again")
        self._loaded[path] = (tag, index)
        return index

    def read(self, store: PaperStore, revision: int) -> LibraryIndex | None:
        """The index of an earlier revision, if the cache still holds that one."""
        path, tag = self._place(store, revision)
        loaded = self._loaded.get(path)
        if loaded is not None and loaded[0] == tag:
            return loaded[1]
        return _read(path, tag)

    def unload(self, store: PaperStore) -> None:
        """Let this process's copy of the store's index go (the cache file stays)."""
        self._loaded.pop(self._place(store)[0], None)

    def save(self, store: PaperStore, index: LibraryIndex) -> None:
        """Make `index` the one of the store's current revision (built by the caller)."""
        path, tag = self._place(store)
        self._loaded.pop(path, None)
        _save(index, path, tag)
        self._loaded[path] = (tag, index)

    def clear(self) -> None:
        """Forget every loaded index, as a new process would."""
        self._loaded.clear()


def _read(path: Path, tag: str) -> LibraryIndex | None:
    if path.is_file():
        try:
            with path.open("rb") as handle:
                cached_tag, index = pickle.load(handle)
            if cached_tag == tag:
                return index
        except Exception:  # a torn or foreign cache file is just rebuilt
            pass
    return None


def _save(index: LibraryIndex, path: Path, tag: str) -> None:
    import os
    import tempfile

    from assistant.memory import release_freed_memory

    path.parent.mkdir(parents=True, exist_ok=True)
    # a temp name of its own: two processes saving at once must not share (or delete) one
    descriptor, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump((tag, index), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)  # atomic: a concurrent reader sees the old or the new file
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    release_freed_memory()  # the build's buffers, so a long session does not carry them


class DenseCandidates(NamedTuple):
    """The papers of a query's nearest chunks."""

    rank: dict[int, int]  # position -> dense rank
    score: dict[int, float]  # the paper's dense score (best chunk, or best two added)
    chunk: dict[int, str]  # its best chunk's text
    cosine: dict[int, float]  # its best chunk's cosine
    chunk_id: dict[int, str]  # its best chunk's entry id


class HybridSearcher:
    """Ranks papers for queries with BM25 + dense retrieval, fused by weighted reciprocal rank
    fusion (or, with `fusion = "score"`, by a weighted sum of min-max normalised scores).

    A ranking whose weight is 0 contributes no candidates (weight 0 on BM25 is dense-only).
    Feedback options: RM3 expansion of the BM25 query (from BM25's best hits or the fused
    ranking's) and Rocchio feedback for the dense query (its vector moved towards the best
    fused hits' chunk vectors, then searched again)."""

    def __init__(
        self,
        store: PaperStore,
        index: LibraryIndex,
        embedder: Embedder | E5Embedder,
        settings: RetrievalSettings,
    ) -> None:
        self.store = store
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def _keyword_ranking(
        self,
        query: str,
        allowed: list[int] | None,
        depth: int,
        scores: np.ndarray | None = None,
    ) -> list[int]:
        import numpy as np

        if scores is None:
            scores = self.index.keywords.scores(query)
        if allowed is not None:
            mask = np.zeros_like(scores)
            mask[allowed] = 1
            scores = scores * mask
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        if positive.size > depth:  # the depth best (and ties) before sorting: O(n), not n log n
            kth = np.partition(scores[positive], positive.size - depth)[positive.size - depth]
            positive = positive[scores[positive] >= kth]
        top = positive[np.argsort(-scores[positive], kind="stable")][:depth]
        return [int(i) for i in top]

    def _dense_papers(
        self, matches: Sequence[ChunkMatch], allowed: set[int] | None
    ) -> DenseCandidates:
        """Papers of the nearest chunks: their dense rank and score (best chunk, or best two
        added with `chunk_scores = "sum2"`), best chunk text, cosine and id."""
        best_chunk: dict[int, str] = {}
        similarity: dict[int, float] = {}
        chunk_id: dict[int, str] = {}
        second: dict[int, float] = {}
        for match in matches:  # nearest first
            i = self.index.position.get(match.key)
            if i is None or (allowed is not None and i not in allowed):
                continue
            if i in best_chunk:
                second.setdefault(i, 1.0 - match.distance)
                continue
            best_chunk[i] = match.text
            similarity[i] = 1.0 - match.distance
            chunk_id[i] = match.id
        if self.settings.chunk_scores == "sum2":
            score = {i: s + second.get(i, 0.0) for i, s in similarity.items()}
            order = sorted(score, key=lambda i: -score[i])  # stable: nearest first among ties
        else:
            score, order = similarity, list(similarity)
        rank = {i: r for r, i in enumerate(order, 1)}
        return DenseCandidates(rank, score, best_chunk, similarity, chunk_id)

    def search_many(
        self, queries: Sequence[str], k: int = 10, filters: SearchFilters | None = None
    ) -> list[list[Hit]]:
        """Rank papers for each query; query embeddings are computed in one batch."""
        import numpy as np

        for query in queries:
            if not query or not query.strip():
                raise UsageError("the query is empty")
        if k <= 0:
            raise UsageError("--k must be at least 1")
        index = self.index
        if not len(index):
            return [[] for _ in queries]
        allowed = index.matching(filters)
        if allowed is not None and not allowed:
            return [[] for _ in queries]
        settings = self.settings
        use_dense = settings.dense_weight > 0 or settings.keyword_weight <= 0
        use_keywords = settings.keyword_weight > 0
        feedback = Feedback.of(settings) if use_keywords else None
        late_feedback = feedback if settings.prf_source == "fused" else None
        early_feedback = None if late_feedback else feedback
        dense_feedback = settings.dense_prf_docs if settings.dense_prf_weight > 0 else 0
        dense_feedback = dense_feedback if use_dense else 0
        depth = max(50, 5 * k)
        keys = [index.keys[i] for i in allowed] if allowed is not None else None
        if keys is not None and len(keys) > 20000:
            keys = None  # a huge $in clause is slower than over-fetching and filtering
        allowed_set = set(allowed) if allowed is not None else None
        vectors = None
        if use_dense:
            embed = getattr(self.embedder, "embed_queries", self.embedder.embed)
            vectors = embed(list(queries))
            matches = self.store.query(vectors, n_results=depth * 3, keys=keys)
        else:
            matches = [[] for _ in queries]
        dense = [self._dense_papers(m, allowed_set) for m in matches]
        phrase = settings.phrase_weight
        bm25 = [
            index.keywords.scores(query, early_feedback, phrase=phrase) if use_keywords else None
            for query in queries
        ]
        if dense_feedback or late_feedback:
            # the first round's fused ranking chooses the feedback documents
            wanted = max(dense_feedback, late_feedback.docs if late_feedback else 0)
            tops = [
                self._order(self._fuse(d, self._ranks(q, allowed, depth, b), b), wanted)
                for q, d, b in zip(queries, dense, bm25)
            ]
            if late_feedback:
                bm25 = [
                    index.keywords.scores(query, late_feedback, top, phrase=phrase)
                    for query, top in zip(queries, tops)
                ]
            if dense_feedback and vectors is not None:
                chosen = [
                    [d.chunk_id[i] for i in top[:dense_feedback] if d.chunk_id.get(i)]
                    for d, top in zip(dense, tops)
                ]
                stored = self.store.vectors(sorted({i for ids in chosen for i in ids}))
                again = [q for q, ids in enumerate(chosen) if any(i in stored for i in ids)]
                if again:
                    weight = settings.dense_prf_weight
                    moved = []
                    for q in again:
                        centroid = np.mean([stored[i] for i in chosen[q] if i in stored], axis=0)
                        vector = (1 - weight) * vectors[q] + weight * centroid
                        moved.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
                    found = self.store.query(np.stack(moved), n_results=depth * 3, keys=keys)
                    for q, m in zip(again, found):
                        dense[q] = self._dense_papers(m, allowed_set)
        results = []
        for query, d, b in zip(queries, dense, bm25):
            keyword_rank = self._ranks(query, allowed, depth, b)
            fused = self._fuse(d, keyword_rank, b)
            results.append(
                [
                    Hit(
                        paper=index.paper(i),
                        score=fused[i],
                        dense_rank=d.rank.get(i),
                        keyword_rank=keyword_rank.get(i),
                        best_chunk=d.chunk.get(i),
                        dense_similarity=d.cosine.get(i),
                        keyword_score=(
                            float(b[i]) if b is not None and i in keyword_rank else None
                        ),
                    )
                    for i in self._order(fused, k)
                ]
            )
        return results

    def _ranks(
        self, query: str, allowed: list[int] | None, depth: int, scores: np.ndarray | None
    ) -> dict[int, int]:
        """BM25 ranks (1-based) of the best `depth` papers, from their scores."""
        if scores is None:
            return {}
        return {
            i: r + 1 for r, i in enumerate(self._keyword_ranking(query, allowed, depth, scores))
        }

    def _order(self, fused: dict[int, float], k: int) -> list[int]:
        keys = self.index.keys
        return sorted(fused, key=lambda i: (-fused[i], keys[i]))[:k]

    def _fuse(
        self,
        dense: DenseCandidates,
        keyword_rank: dict[int, int],
        keyword_scores: np.ndarray | None,
    ) -> dict[int, float]:
        if self.settings.fusion == "score":
            return self._fuse_scores(dense.score, keyword_rank, keyword_scores)
        return self._fuse_ranks(dense.rank, keyword_rank)

    def _fuse_ranks(
        self, dense_rank: dict[int, int], keyword_rank: dict[int, int]
    ) -> dict[int, float]:
        """Weighted reciprocal rank fusion: sum of weight / (rrf_k + rank) over the rankings."""
        c = self.settings.rrf_k
        fused: dict[int, float] = {}
        for weight, ranking in (
            (self.settings.dense_weight, dense_rank),
            (self.settings.keyword_weight, keyword_rank),
        ):
            if weight <= 0:
                continue
            for i, rank in ranking.items():
                fused[i] = fused.get(i, 0.0) + weight / (c + rank)
        return fused

    def _fuse_scores(
        self,
        dense_score: dict[int, float],
        keyword_rank: dict[int, int],
        keyword_scores: np.ndarray | None,
    ) -> dict[int, float]:
        """Weighted sum of min-max normalised scores over the candidates of both rankings. A
        candidate beyond the dense list gets its lowest score (its chunks are no nearer)."""
        candidates = set(dense_score) | set(keyword_rank)
        if not candidates:
            return {}
        fused = dict.fromkeys(candidates, 0.0)
        floor = min(dense_score.values()) if dense_score else 0.0
        parts = [(self.settings.dense_weight, {i: dense_score.get(i, floor) for i in candidates})]
        if keyword_scores is not None:
            parts.append(
                (self.settings.keyword_weight, {i: float(keyword_scores[i]) for i in candidates})
            )
        for weight, values in parts:
            low, high = min(values.values()), max(values.values())
            span = high - low
            for i, value in values.items():
                fused[i] += weight * ((value - low) / span if span > 0 else 1.0)
        return fused

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        return self.search_many([query], k, filters)[0]
