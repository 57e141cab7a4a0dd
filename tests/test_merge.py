"""Duplicate merging and citation keys on hand-made records."""

from __future__ import annotations

import random

from assistant.ingest.merge import (
    Summary,
    assign_keys,
    base_key,
    merge_into,
    merge_library,
    normalize_title,
    same_work,
)
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


def test_one_title_over_two_different_abstracts_stays_two_papers_with_a_note() -> None:
    # a title alone is weak evidence: two full abstracts with little in common are two works,
    # and merging them would silently drop one abstract (seen in a mix where a distractor's
    # spliced title reproduced a real one)
    lut = (
        "As large language model inference demands ever-greater resources, there is a rapid "
        "growing trend of using low-bit weights to shrink memory usage and boost inference "
        "efficiency. However, these low-bit LLMs introduce the need for mixed-precision matrix "
        "multiplication, which is a crucial yet under-explored operation in current hardware."
    )
    other = (
        "BasisN introduces a novel representation of the kernels in DNN layers as combinations of "
        "global basis vectors shared between all layers with quantized coefficients. Hardware "
        "code, such as Verilog, represents only a small portion of the training data and few "
        "hardware benchmarks exist, so prior work relies on synthetic data for evaluation."
    )
    title = "LUT Tensor Core: Lookup Table Enables Efficient Low-Bit LLM Inference Acceleration"
    real = paper(title=title, abstract=lut, year=2024)
    spliced = paper(
        title=title, abstract=other, year=2024, authors=["Xiang Meng"],
        sources=[Source(file="g.txt", position=9)],
    )  # fmt: skip
    notes: list[str] = []
    kept = merge_library([real, spliced], notes=notes)
    assert sorted(p.abstract for p in kept) == sorted([lut, other])
    assert any("different abstracts" in note for note in notes)
    # two versions of one abstract (a preprint's, a journal's) still merge
    revised = paper(
        title=title, abstract=lut.replace("a rapid growing", "a fast-growing") + " We fix it.",
        year=2024, sources=[Source(file="g.txt", position=9)],
    )  # fmt: skip
    assert len(merge_library([real, revised])) == 1


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


def random_record(rng: random.Random, file: str, position: int) -> Paper:
    """Records drawn from small pools, so identities and base keys often collide."""
    word = rng.choice(["sparse", "kernel", "olive", "tokens", "graph"])
    title = f"{word.title()} {rng.choice(['methods', 'systems', 'limits'])} {rng.randint(1, 4)}"
    fields: dict = {
        "title": title,
        "authors": [rng.choice(["Cong Guo", "Ana Silva", "Wei Zhang"])],
        "year": rng.choice([2020, 2021, None]),
        "abstract": f"We study {title.lower()} with {rng.randint(1, 6)} ablations. " * 3,
        "sources": [Source(file=file, position=position)],
    }
    if rng.random() < 0.2:
        fields["doi"] = f"10.1/{rng.randint(1, 12)}"
    if rng.random() < 0.15:
        fields["key"], fields["own_key"] = (
            rng.choice(["guo2020sparse", "silva2021kernel", "k1"]),
            True,
        )
    return paper(**fields)


def test_merging_into_a_library_reads_few_papers_and_equals_a_full_merge() -> None:
    for seed in range(60):
        rng = random.Random(seed)
        library = merge_library(
            [random_record(rng, "a.jsonl", i) for i in range(rng.randint(0, 30))]
        )
        incoming = [random_record(rng, "b.jsonl", i) for i in range(rng.randint(1, 8))]
        full = merge_library([p.model_copy(deep=True) for p in library + incoming])

        read: list[int] = []

        def load(positions: list[int], library: list[Paper] = library, read: list = read) -> list:
            read.extend(positions)
            return [library[i].model_copy(deep=True) for i in positions]

        summaries = [Summary.of(p) for p in library]
        before, merged, _ = merge_into(summaries, load, [p.model_copy() for p in incoming])
        assert len(set(read)) == len(read) == len(before)
        kept = [p for i, p in enumerate(library) if i not in set(read)]
        partial = sorted(kept + merged, key=lambda p: p.key)
        assert [p.model_dump() for p in partial] == [p.model_dump() for p in full], seed
        assert before == {
            library[i].key: (library[i].content_hash(), library[i].embedding_text_hash())
            for i in read
        }


def test_merging_one_new_record_reads_only_its_duplicate_and_base_key_neighbours() -> None:
    library = merge_library(
        [
            paper(
                title=f"{w.title()} study",
                authors=["Wei Zhang"],
                year=2021,
                abstract=f"{w} " * 20,
                sources=[Source(file="a.jsonl", position=i)],
            )
            for i, w in enumerate(["graphs", "kernels", "tokens", "olives"])
        ]  # fmt: skip
    )
    summaries = [Summary.of(p) for p in library]
    read: list[int] = []

    def load(positions: list[int]) -> list[Paper]:
        read.extend(positions)
        return [library[i].model_copy(deep=True) for i in positions]

    again = paper(title="Kernels study", authors=["Wei Zhang"], year=2021, abstract="other",
                  sources=[Source(file="b.jsonl", position=1)])  # fmt: skip
    before, merged, _ = merge_into(summaries, load, [again])
    assert [library[i].key for i in read] == ["zhang2021kernels"]
    assert [p.key for p in merged] == ["zhang2021kernels"] and len(merged[0].sources) == 2


def test_records_already_held_as_parsed_are_declined() -> None:
    from assistant.ingest.merge import RepeatFilter

    held = paper(title="Kernels study", abstract="kernels " * 20)
    held.sources[0].digest = "d1"
    library = [Summary.of(merge_library([held])[0])]
    same = held.model_copy(deep=True)
    edited = held.model_copy(deep=True)
    edited.sources[0].digest = "d2"
    elsewhere = held.model_copy(deep=True)
    elsewhere.sources[0].position = 2
    unstamped = held.model_copy(deep=True)
    unstamped.sources[0].digest = ""
    keep = RepeatFilter(library)
    assert [keep(p) for p in (same, edited, elsewhere, unstamped)] == [False, True, True, True]
    assert keep.holders == {library[0].key}


def test_a_curly_and_a_straight_apostrophe_are_one_title() -> None:
    # Scopus wrote "Canada’s", Zoological Record "Canada's" (mjwestgate/synthesisr exports):
    # the same paper was "kept apart: different titles"
    a = Paper(key="", title="Breeding birds of Canada’s boreal forest", abstract="Birds.",
              authors=["Jane Smith"], year=2007)  # fmt: skip
    b = a.model_copy(update={"title": "Breeding birds of Canada's boreal forest"})
    assert normalize_title(a.title) == normalize_title(b.title)
    assert same_work(a, b) is None


def test_records_like_two_that_differ_do_not_chain_them_and_order_does_not_matter() -> None:
    # CoLRev tests/.../trid_ris.ris: one title and first author in 2017, 2018 and 2019; the 2018
    # record is like each of the others, which are not alike (two years apart). All three had
    # merged into one paper, and which record's year and kind it kept depended on file order.
    def records() -> list[Paper]:
        return [
            paper(title="Title of this citation", authors=["A. Author-One"], year=year,
                  kind=kind, sources=[Source(file="trid.ris", position=n)])
            for n, (year, kind) in enumerate([(2017, None), (2018, "article"), (2019, "report")])
        ]  # fmt: skip

    outcomes = set()
    for order in ([0, 1, 2], [0, 2, 1], [2, 1, 0], [1, 2, 0]):
        given = records()
        merged = merge_library([given[i] for i in order])
        outcomes.add(tuple(sorted((p.year, len(p.sources)) for p in merged)))
    assert outcomes == {((2018, 2), (2019, 1))}


def test_two_volumes_of_one_venue_are_two_works() -> None:
    # NASA ADS (bhg_refs.bib): two Astronomer's Telegrams of one title and author, 9690 (2016)
    # and 9931 (2017), were merged into one, the second telegram lost
    title = "VERITAS detection of the radio galaxy NGC 1275 with elevated gamma-ray emission"
    telegram = {"title": title, "authors": ["R. Mukherjee"], "venue": "The Astronomer's Telegram"}
    first = paper(key="ATel199690", own_key=True, year=2016, extra={"volume": "9690"}, **telegram)
    second = paper(key="ATel199931", own_key=True, year=2017, extra={"volume": "9931"}, **telegram)
    assert same_work(first, second) == "different volumes"
    assert sorted(p.key for p in merge_library([first, second])) == ["ATel199690", "ATel199931"]
    # a preprint (no volume) and its published version stay one work
    preprint = paper(key="p", title=title, authors=["R. Mukherjee"], year=2016, venue="arXiv")
    assert same_work(preprint, second) is None
