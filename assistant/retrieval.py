"""Hybrid search: BM25 (bm25s) and dense chunks (Chroma) fused by reciprocal rank fusion.

The keyword index and the records table are cached on disk per store revision, so a search loads
them once instead of rebuilding them.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import UsageError
from assistant.models import Hit, Paper

if TYPE_CHECKING:
    import numpy as np

    from assistant.embeddings import Embedder
    from assistant.settings import RetrievalSettings
    from assistant.store import PaperStore

_INDEX_FORMAT = 2  # bump when the cached index layout changes
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
        if self.year_from or self.year_to:
            if paper.year is None:
                return False
            if self.year_from and paper.year < self.year_from:
                return False
            if self.year_to and paper.year > self.year_to:
                return False
        if self.authors:
            names = " | ".join(paper.authors).lower()
            if not all(a.lower() in names for a in self.authors):
                return False
        if self.categories:
            cats = {c.lower() for c in paper.categories}
            wanted = {c.lower() for c in self.categories}
            if not any(w in cats or f"cs.{w}" in cats for w in wanted):
                return False
        if self.sources:
            files = [s.file.lower() for s in paper.sources]
            if not any(w.lower() in f for w in self.sources for f in files):
                return False
        return True


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def keyword_text(paper: Paper) -> str:
    # a real title is the densest statement of the topic: count it twice
    title = "" if paper.title_derived else f"{paper.title} {paper.title} "
    return f"{title}{paper.abstract}"


class KeywordIndex:
    """BM25 over title + abstract, stemmed, English stop words removed."""

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s

        self._stemmer = _stemmer()
        tokens = self._tokenize(texts)
        self.size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index(tokens, show_progress=False)

    def _tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        import bm25s

        return bm25s.tokenize(
            list(texts),
            stopwords="en",
            stemmer=self._stemmer,
            return_ids=False,
            show_progress=False,
        )

    def scores(self, query: str) -> np.ndarray:
        import numpy as np

        tokens = self._tokenize([query])[0]
        ids = self._bm25.get_tokens_ids(tokens) if self.size else []
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return self._bm25.get_scores_from_ids(ids)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_stemmer", None)  # a C object; rebuilt on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._stemmer = _stemmer()


@dataclass
class LibraryIndex:
    """The records of one store revision with their keyword index."""

    papers: list[Paper]
    keywords: KeywordIndex
    position: dict[str, int]

    @classmethod
    def build(cls, papers: list[Paper]) -> LibraryIndex:
        papers = sorted(papers, key=lambda p: p.key)
        keywords = KeywordIndex([keyword_text(p) for p in papers])
        return cls(papers, keywords, {p.key: i for i, p in enumerate(papers)})


# Loaded indexes, by cache file: unpickling 10,000 papers costs ~160 ms, so a process (the TUI, a
# batch of searches) loads each revision once and later searches only compare the revision tag.
_LOADED: dict[Path, tuple[str, LibraryIndex]] = {}


def load_index(store: PaperStore, cache_dir: Path) -> LibraryIndex:
    """The cached index for the store's current revision, rebuilt when stale."""
    tag = f"{_INDEX_FORMAT}|{store.location}|{store.name}|{store.revision}"
    name = hashlib.sha256(f"{store.location}|{store.name}".encode()).hexdigest()[:16]
    path = cache_dir / f"index-{name}.pickle"
    loaded = _LOADED.get(path)
    if loaded is not None and loaded[0] == tag:
        return loaded[1]
    index = _read_or_build(store, path, tag)
    _LOADED[path] = (tag, index)
    return index


def _read_or_build(store: PaperStore, path: Path, tag: str) -> LibraryIndex:
    cache_dir = path.parent
    if path.is_file():
        try:
            with path.open("rb") as handle:
                cached_tag, index = pickle.load(handle)
            if cached_tag == tag:
                return index
        except Exception:  # a torn or foreign cache file is just rebuilt
            pass
    from assistant.memory import release_freed_memory

    index = LibraryIndex.build(store.papers())
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump((tag, index), handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)  # atomic: a concurrent reader sees the old or the new file
    release_freed_memory()  # the build's buffers, so a long session does not carry them
    return index


class HybridSearcher:
    """Ranks papers for queries with BM25 + dense retrieval and reciprocal rank fusion."""

    def __init__(
        self,
        store: PaperStore,
        index: LibraryIndex,
        embedder: Embedder,
        settings: RetrievalSettings,
    ) -> None:
        self.store = store
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def _allowed(self, filters: SearchFilters | None) -> list[int] | None:
        if not filters or not filters.active:
            return None
        return [i for i, p in enumerate(self.index.papers) if filters.accepts(p)]

    def _keyword_ranking(self, query: str, allowed: list[int] | None, depth: int) -> list[int]:
        import numpy as np

        scores = self.index.keywords.scores(query)
        if allowed is not None:
            mask = np.zeros_like(scores)
            mask[allowed] = 1
            scores = scores * mask
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        top = positive[np.argsort(-scores[positive], kind="stable")][:depth]
        return [int(i) for i in top]

    def search_many(
        self, queries: Sequence[str], k: int = 10, filters: SearchFilters | None = None
    ) -> list[list[Hit]]:
        """Rank papers for each query; query embeddings are computed in one batch."""
        for query in queries:
            if not query or not query.strip():
                raise UsageError("the query is empty")
        if k <= 0:
            raise UsageError("--k must be at least 1")
        papers = self.index.papers
        if not papers:
            return [[] for _ in queries]
        allowed = self._allowed(filters)
        if allowed is not None and not allowed:
            return [[] for _ in queries]
        depth = max(50, 5 * k)
        keys = [papers[i].key for i in allowed] if allowed is not None else None
        if keys is not None and len(keys) > 20000:
            keys = None  # a huge $in clause is slower than over-fetching and filtering
        vectors = self.embedder.embed(list(queries))
        dense = self.store.query(vectors, n_results=depth * 3, keys=keys)
        allowed_set = set(allowed) if allowed is not None else None
        results = []
        for query, matches in zip(queries, dense):
            dense_rank: dict[int, int] = {}
            best_chunk: dict[int, str] = {}
            similarity: dict[int, float] = {}
            for match in matches:
                i = self.index.position.get(match.key)
                if i is None or i in dense_rank:
                    continue
                if allowed_set is not None and i not in allowed_set:
                    continue
                dense_rank[i] = len(dense_rank) + 1
                best_chunk[i] = match.text
                similarity[i] = 1.0 - match.distance
            keyword_rank = {
                i: r + 1 for r, i in enumerate(self._keyword_ranking(query, allowed, depth))
            }
            results.append(self._fuse(dense_rank, keyword_rank, best_chunk, similarity, k))
        return results

    def _fuse(
        self,
        dense_rank: dict[int, int],
        keyword_rank: dict[int, int],
        best_chunk: dict[int, str],
        similarity: dict[int, float],
        k: int,
    ) -> list[Hit]:
        c = self.settings.rrf_k
        fused: dict[int, float] = {}
        for i, rank in dense_rank.items():
            fused[i] = fused.get(i, 0.0) + self.settings.dense_weight / (c + rank)
        for i, rank in keyword_rank.items():
            fused[i] = fused.get(i, 0.0) + self.settings.keyword_weight / (c + rank)
        order = sorted(fused, key=lambda i: (-fused[i], self.index.papers[i].key))[:k]
        return [
            Hit(
                paper=self.index.papers[i],
                score=fused[i],
                dense_rank=dense_rank.get(i),
                keyword_rank=keyword_rank.get(i),
                best_chunk=best_chunk.get(i),
                dense_similarity=similarity.get(i),
            )
            for i in order
        ]

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        return self.search_many([query], k, filters)[0]
