"""Hybrid search over the sample corpus: topical queries, filters, batch mode."""

from __future__ import annotations

import pytest

from assistant.errors import UsageError
from assistant.library import Library
from assistant.retrieval import SearchFilters

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
