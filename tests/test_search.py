"""Hybrid search over the sample corpus: topical queries, filters, batch mode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.errors import UsageError
from assistant.library import Library
from assistant.models import Paper
from assistant.retrieval import LibraryIndex, SearchFilters

TOPICAL = [
    ("secure two-party inference for transformers with homomorphic encryption", "Nimbus"),
    ("KV cache compression for long-context LLM inference", "TreeKV"),
    ("data-free quantization using the Hessian", "SQuant"),
    ("skipping tokens in transformer layers to speed up question answering", "Block-Skim"),
    ("machine learning dataset for electronic design automation", "CircuitNet"),
    ("LLM generation of Verilog hardware code", "Verilog"),
    ("fuzzing processors with multi-armed bandits", "MABFuzz"),
]


@pytest.mark.parametrize(("query", "title_part"), TOPICAL)
def test_topical_queries_find_the_paper_in_the_top_3(
    shared_sample_library: Library, query: str, title_part: str
) -> None:
    hits = shared_sample_library.search(query, k=3)
    assert any(title_part in h.paper.title for h in hits), [h.paper.title for h in hits]


def test_semantic_match_without_shared_keywords(shared_sample_library: Library) -> None:
    hits = shared_sample_library.search(
        "keeping clients' data secret while a server runs the model"
    )
    titles = " ".join(h.paper.title for h in hits[:5])
    assert any(w in titles for w in ("Secure", "Private", "Privacy", "MPC", "Encrypted"))


def test_year_filter(shared_sample_library: Library) -> None:
    hits = shared_sample_library.search(
        "quantization", k=20, filters=SearchFilters.build(year="2022..2023")
    )
    assert hits and all(2022 <= h.paper.year <= 2023 for h in hits)


def test_author_and_category_filters(shared_sample_library: Library) -> None:
    hits = shared_sample_library.search(
        "transformer", k=50, filters=SearchFilters.build(authors=["Jingwen Leng"])
    )
    assert hits and all(any("Jingwen Leng" in a for a in h.paper.authors) for h in hits)
    hits = shared_sample_library.search(
        "inference", k=50, filters=SearchFilters.build(categories=["CR"])
    )
    assert hits and all("cs.CR" in h.paper.categories for h in hits)


def test_source_filter(shared_sample_library: Library) -> None:
    hits = shared_sample_library.search(
        "attention", k=50, filters=SearchFilters.build(sources=["003_"])
    )
    assert hits and all(any(s.file.startswith("003_") for s in h.paper.sources) for h in hits)


def test_bad_year_and_empty_query(shared_sample_library: Library) -> None:
    with pytest.raises(UsageError):
        SearchFilters.build(year="twenty")
    with pytest.raises(UsageError):
        SearchFilters.build(year="2024..2020")
    with pytest.raises(UsageError):
        shared_sample_library.search("   ")


def test_batch_equals_single(shared_sample_library: Library) -> None:
    queries = [q for q, _ in TOPICAL]
    batch = shared_sample_library.search_many(queries, k=5)
    for query, hits in zip(queries, batch):
        single = shared_sample_library.search(query, k=5)
        assert [h.paper.key for h in hits] == [h.paper.key for h in single]


def test_index_records_round_trip_in_key_order(shared_sample_library: Library) -> None:
    from_index = shared_sample_library.papers()
    from_store = sorted(shared_sample_library.store.papers(), key=lambda p: p.key)
    assert [p.model_dump() for p in from_index] == [p.model_dump() for p in from_store]


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters.build(year="2023"),
        SearchFilters.build(year="..2021", categories=["LG"]),
        SearchFilters.build(authors=["leng"]),
        SearchFilters.build(sources=["002_"]),
    ],
)
def test_index_facets_filter_like_the_papers(
    shared_sample_library: Library, filters: SearchFilters
) -> None:
    everything = shared_sample_library.papers()
    expected = [p.key for p in everything if filters.accepts(p)]
    assert expected and len(expected) < len(everything)
    assert [p.key for p in shared_sample_library.papers(filters)] == expected


def test_keyword_index_built_in_batches_scores_like_one_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The contract with bm25s: our own CSC builder and token-id documents (its internals) score
    exactly as its public path does, with our stop words and stemmer."""
    from assistant import retrieval
    from assistant.text import STOP_WORDS, stemmer

    texts = [
        "Quantization of large language models with Hessian information.",
        "Secure inference for transformers under homomorphic encryption.",
        "KV cache compression for long-context inference.",
        "Fuzzing processors with multi-armed bandits.",
        "Post-training quantization without data.",
        "Privacy-preserving transformers and secure multiparty computation.",
        "",
    ]
    import bm25s
    import numpy as np

    stop = sorted(STOP_WORDS)
    reference = bm25s.BM25()  # bm25s's own path: token strings, its own CSC builder
    reference.index(bm25s.tokenize(texts, stopwords=stop, stemmer=stemmer(), show_progress=False))
    whole = retrieval.KeywordIndex.from_texts(texts)
    monkeypatch.setattr(retrieval, "_TOKENIZE_BATCH", 2)
    batched = retrieval.KeywordIndex.from_texts(texts)
    for query in ("quantization data", "secure transformers", "bandit fuzzing", "attention"):
        tokens = bm25s.tokenize([query], stopwords=stop, stemmer=stemmer(), return_ids=False)[0]
        expected = reference.get_scores(tokens)
        assert whole.scores(query).tolist() == batched.scores(query).tolist()
        np.testing.assert_allclose(whole.scores(query), expected, rtol=1e-6)
    assert whole.scores("quantization").argmax() in (0, 4)
    assert not whole.scores("attention").any()


def test_ingest_leaves_the_new_index_built(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from assistant import retrieval

    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        '{"title": "Sparse attention kernels for long sequences", "abstract": "We present '
        'block-sparse attention kernels that cut the cost of long sequences on GPUs."}\n'
    )
    sample_library.ingest([extra])
    sample_library.indexes.clear()  # a new process: only the cache file can answer

    def no_build(papers: object, *params: object) -> None:
        raise AssertionError("the index was rebuilt at search time")

    monkeypatch.setattr(retrieval.LibraryIndex, "build", no_build)
    hits = Library(sample_library.settings).search("block-sparse attention kernels", k=1)
    assert hits[0].paper.title == "Sparse attention kernels for long sequences"


@pytest.mark.parametrize("depth", [1, 5, 50])
def test_keyword_ranking_equals_a_full_stable_sort(
    shared_sample_library: Library, depth: int
) -> None:
    import numpy as np

    searcher = shared_sample_library.searcher()
    for query, _ in TOPICAL + [("inference", ""), ("model", "")]:
        scores = searcher.index.keywords.scores(query)
        positive = np.flatnonzero(scores > 0)
        expected = positive[np.argsort(-scores[positive], kind="stable")][:depth].tolist()
        assert searcher._keyword_ranking(query, None, depth) == expected


def assert_same_index(index: LibraryIndex, reference: LibraryIndex) -> None:
    assert index.keys == reference.keys
    assert index.papers() == reference.papers()
    assert index.facets == reference.facets
    assert index.originality == reference.originality
    assert (index.shared.hashes == reference.shared.hashes).all()
    assert (index.shared.owners == reference.shared.owners).all()
    queries = ["quantization of large language models", "sparse attention kernels", "zzqx"]
    for query in queries + [reference.paper(i).title for i in range(0, len(reference), 17)]:
        assert np.allclose(index.keywords.scores(query), reference.keywords.scores(query))


def test_an_ingest_and_a_removal_update_the_index_like_a_full_build(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from assistant import retrieval

    sample_library.index()  # built as the library was, before the changes
    build = retrieval.LibraryIndex.build
    builds: list[int] = []

    def counted_build(papers: object, *params: object) -> LibraryIndex:
        builds.append(1)
        return build(papers, *params)

    monkeypatch.setattr(retrieval.LibraryIndex, "build", counted_build)
    extra = tmp_path / "extra.jsonl"
    extra.write_text(
        '{"title": "Sparse attention kernels for long sequences", "abstract": "We present '
        'block-sparse attention kernels that cut the cost of long sequences on GPUs."}\n'
        '{"id": "x9", "title": "Zzqx probes", "abstract": "A new word: zzqx, zzqx again."}\n'
    )
    sample_library.ingest([extra])
    assert_same_index(sample_library.index(), build(sample_library.store.iter_papers()))
    sample_library.remove("x9")
    sample_library.remove(sample_library.papers()[40].key)
    index = sample_library.index()
    assert len(index) == 136 and "x9" not in index.position
    assert_same_index(index, build(sample_library.store.iter_papers()))
    sample_library.indexes.clear()  # a new process reads what the update saved
    assert_same_index(sample_library.index(), build(sample_library.store.iter_papers()))
    assert builds == []  # every index came from an update, none from a build


def test_the_index_finds_every_paper_that_holds_a_piece_of_an_abstract() -> None:
    original = Paper(
        key="emg2024",
        title="EMG-Chat: intent detection from surface EMG",
        abstract="Surface electromyography reveals the intent of a patient to move a hand. "
        "We detect that intent with a language model that reads the raw signal windows. "
        "Short.",
    )
    # a second version ends its copy at "e.g." and goes on; a cut piece still matches
    copy = Paper(
        key="copy2025",
        title="A review",
        abstract="Surface electromyography reveals the intent of a patient to move a hand. "
        "Rainfall models are calibrated against gauge readings every single season.",
    )
    other = Paper(key="other", title="Rain", abstract="Rainfall models need gauges; short.")
    index = LibraryIndex.build([original, copy, other])
    shared = "surface electromyography reveals the intent of a patient to move a hand"
    assert [index.keys[i] for i in index.holding([shared])] == ["copy2025", "emg2024"]
    assert index.holding(["short"]) == []  # under eight words: not a piece
    assert index.holding([]) == []
    assert (
        index.originality[index.position["emg2024"]] > index.originality[index.position["copy2025"]]
    )
