"""Duplicate merging and citation keys on hand-made records."""

from __future__ import annotations

import random

from assistant.ingest.merge import assign_keys, base_key, merge_library
from assistant.models import Paper, Source

ABSTRACT = (
    "Post-training quantization of large language models suffers from outlier activations. "
    "We propose OliVe, an outlier-victim pair quantization that sacrifices the victims next to "
    "outliers and encodes them in a memory-aligned way, giving 4-bit inference on GPUs."
)


def paper(**fields: object) -> Paper:
    fields.setdefault("sources", [Source(file="f.txt", position=1)])
    return Paper(**fields)


def test_base_key_is_bibtex_style() -> None:
    p = paper(title="OliVe: Accelerating LLMs", authors=["Cong Guo", "Jiaming Tang"], year=2023)
    assert base_key(p) == "guo2023olive"


def test_base_key_skips_stop_words_and_accents() -> None:
    p = paper(title="The Élan of Transformers", authors=["José Núñez"], year=2021)
    assert base_key(p) == "nunez2021elan"


def test_base_key_without_author_or_year() -> None:
    assert base_key(paper(title="KV Packet: cache reuse", title_derived=True)) == "anonkv"


def test_same_abstract_from_two_pages_merges_keeping_both_sources_and_richest_fields() -> None:
    rich = paper(
        title="OliVe: Accelerating LLMs via Outlier-Victim Pair Quantization",
        authors=["Cong Guo", "Jiaming Tang"],
        year=2023,
        date="2023-04-15",
        categories=["cs.AR"],
        abstract=ABSTRACT,
        sources=[Source(file="000.txt", position=4)],
    )
    bare = paper(
        title="OliVe: Outlier-victim pair quantization",
        title_derived=True,
        abstract=ABSTRACT,
        sources=[Source(file="004.txt", position=2)],
    )
    merged = merge_library([bare, rich])
    assert len(merged) == 1
    only = merged[0]
    assert only.title == rich.title and not only.title_derived
    assert only.year == 2023 and only.authors == ["Cong Guo", "Jiaming Tang"]
    assert [(s.file, s.position) for s in only.sources] == [("000.txt", 4), ("004.txt", 2)]
    assert only.key == "guo2023olive"


def test_same_title_with_different_case_and_punctuation_merges() -> None:
    a = paper(title="Block-Skim: Efficient Question Answering", abstract="x" * 10)
    b = paper(
        title="block skim efficient question answering",
        abstract="y",
        sources=[Source(file="g.txt", position=9)],
    )
    assert len(merge_library([a, b])) == 1


def test_different_papers_do_not_merge() -> None:
    a = paper(title="Nimbus: Secure Two-Party Inference", abstract="Nimbus does secure inference.")
    b = paper(title="Falcon: Homomorphic Convolutions", abstract="Falcon speeds up convolutions.")
    assert len(merge_library([a, b])) == 2


def test_colliding_keys_get_suffixes_independent_of_input_order() -> None:
    papers = [
        paper(
            title=f"Sparse {word} accelerators",
            authors=["Cong Guo"],
            year=2020,
            abstract=f"About {word}.",
            sources=[Source(file="f.txt", position=i)],
        )  # fmt: skip
        for i, word in enumerate(["tensor", "graph", "attention"], 1)
    ]
    keys = {p.title: p.key for p in merge_library([p.model_copy() for p in papers])}
    for seed in range(5):
        shuffled = [p.model_copy() for p in papers]
        random.Random(seed).shuffle(shuffled)
        assert {p.title: p.key for p in merge_library(shuffled)} == keys
    assert sorted(keys.values()) == ["guo2020sparse", "guo2020sparseb", "guo2020sparsec"]


def test_own_keys_are_kept_and_generated_keys_avoid_them() -> None:
    own = paper(title="Sparse tensor", key="guo2020sparse", own_key=True, abstract="a")
    other = paper(title="Sparse graphs", authors=["Cong Guo"], year=2020, abstract="b",
                  sources=[Source(file="g.txt", position=1)])  # fmt: skip
    assign_keys([own, other])
    assert own.key == "guo2020sparse"
    assert other.key == "guo2020sparseb"


def test_same_own_key_from_two_files_merges() -> None:
    a = paper(key="doc1", own_key=True, title="", abstract="first text of doc")
    b = paper(key="doc1", own_key=True, title="", abstract="first text of doc",
              sources=[Source(file="g.jsonl", position=1)])  # fmt: skip
    merged = merge_library([a, b])
    assert [p.key for p in merged] == ["doc1"]
    assert len(merged[0].sources) == 2
