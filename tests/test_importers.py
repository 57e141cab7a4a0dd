"""Every import format, parsed exactly: the seed pages' titles, RIS, CSV and arXiv Atom."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import InputError
from assistant.ingest import parse_file
from assistant.ingest.atom import parse_atom
from assistant.ingest.fields import split_authors
from assistant.ingest.pages import parse_seed_page
from assistant.ingest.ris import parse_ris
from assistant.ingest.tabular import parse_csv
from assistant.locations import sample_corpus_dir
from assistant.models import Paper

runner = CliRunner()

# The paper list runs title and authors together; these are its 37 titles, split by hand.
PAPER_LIST_TITLES = [
    "ANT: Exploiting Adaptive Numerical Data Type for Low-bit Deep Neural Network Quantization",
    "Transkimmer: Transformer Learns to Layer-wise Skim",
    "Nesting Forward Automatic Differentiation for Memory-Efficient Deep Neural Network Training",
    "SALO: An Efficient Spatial Accelerator Enabling Hybrid Sparse Attention Mechanisms for Long Sequences",
    "Fovea Transformer: Efficient Long-Context Modeling with Structured Fine-to-Coarse Attention",
    "DASH: Deterministic Attention Scheduling for High-throughput Reproducible LLM Training",
    "eLLM: Elastic Memory Management Framework for Efficient LLM Serving",
    "MoE-Hub: Taming Software Complexity for Seamless MoE Overlap with Hardware-Accelerated Communication on Multi-GPU Systems",
    "vTensor: Flexible Virtual Tensor Management for Efficient LLM Serving",
    "Efficient Adaptive Activation Rounding for Post-Training Quantization",
    "Accelerating Generic Graph Neural Networks via Architecture, Compiler, Partition Method Co-Design",
    "Yggdrasil: Bridging Dynamic Speculation and Static Runtime for Latency-Optimal Tree-Based LLM Decoding",
    "TIMERIPPLE: Accelerating vDiTs by Understanding the Spatio-Temporal Correlations in Latent Space",
    "Towards Compute-Aware In-Switch Computing for LLMs Tensor-Parallelism on Multi-GPU Systems",
    "ClusterFusion: Expanding Operator Fusion Scope for LLM Inference via Cluster-Level Collective Primitive",
    "Fourier Transformer: Fast Long Range Modeling by Removing Sequence Redundancy with FFT Operator",
    "SQuant: On-the-Fly Data-Free Quantization via Diagonal Hessian Approximation",
    "CuBridge: An LLM-Based Framework for Understanding and Reconstructing High-Performance Attention Kernels",
    "Accelerating MoE with Dynamic In-Switch Computing on Multi-GPUs",
    "On the (In-)Security of the Shuffling Defense in the Transformer Secure Inference",
    "Nimbus: Secure and Efficient Two-Party Inference for Transformers",
    "WeightedKV: Attention Scores Weighted Key-Value Cache Merging for Large Language Models",
    "InfiniLoRA: Disaggregated Multi-LoRA Serving for Large Language Models",
    "An Efficient Private GPT Never Autoregressively Decodes",
    "Gumbel Reranking: Differentiable End-to-End Reranker Optimization",
    "TreeKV: Smooth Key-Value Cache Compression with Tree Structures",
    "Astraea: A Token-wise Acceleration Framework for Video Diffusion Transformers",
    "SparseTem: Boosting the Efficiency of CNN-Based Video Encoders by Exploiting Temporal Continuity",
    "AdaptGear: Accelerating GNN Training via Adaptive Subgraph-Level Kernels on GPUs",
    "Block-Skim: Efficient Question Answering for Transformer",
    "Dubhe: Towards Data Unbiasedness with Homomorphic Encryption in Federated Learning Client Selection",
    "Dual-side Sparse Tensor Core",
    "How Far Does BERT Look At:Distance-based Clustering and Analysis of BERT$'$s Attention",
    "Architectural Implications of Graph Neural Networks",
    "Accelerating Sparse DNN Models without Hardware-Support via Tile-Wise Sparsity",
    "Balancing Efficiency and Flexibility for DNN Acceleration via Temporal GPU-Systolic Array Integration",
    "Adversarial Defense Through Network Profiling Based Path Extraction",
]


def _page(prefix: str) -> Path:
    return next(sample_corpus_dir().glob(f"{prefix}_*.txt"))


def test_paper_list_titles_and_authors_split_exactly() -> None:
    papers = parse_seed_page(_page("001").read_text(), "001")
    assert [p.title for p in papers] == PAPER_LIST_TITLES
    assert papers[0].authors == ["Cong Guo", "Chen Zhang", "Jingwen Leng"]
    assert all(p.authors and p.authors_truncated for p in papers)
    # titles ending in an acronym, a digit or a capital letter keep it
    assert "Dual-side Sparse Tensor Core" in PAPER_LIST_TITLES
    assert not any(p.authors[0].startswith(("Core", "Network", "Training")) for p in papers)


@pytest.mark.parametrize(
    ("prefix", "count"), [("000", 27), ("001", 37), ("002", 60), ("003", 10), ("004", 10)]
)
def test_each_seed_page_has_its_exact_record_count(prefix: str, count: int) -> None:
    assert len(parse_seed_page(_page(prefix).read_text(), prefix)) == count


def test_daily_page_entries_without_author_block_stay_empty() -> None:
    papers = parse_seed_page(_page("002").read_text(), "002")
    bare = [p for p in papers if p.date is None and not p.organizations and p.author_count is None]
    assert len(bare) == 3
    assert all(p.year is None and not p.authors for p in bare)


@pytest.mark.parametrize(("prefix", "inferred"), [("000", 7), ("001", 8), ("002", 5), ("003", 0)])
def test_dates_without_a_year_get_the_page_year_flagged(prefix: str, inferred: int) -> None:
    papers = parse_seed_page(_page(prefix).read_text(), prefix)
    flagged = [p for p in papers if p.year_inferred]
    assert len(flagged) == inferred
    # yearless dates follow the newest explicit year on the page (2025), so they are 2026
    assert all(p.year == 2026 and p.date and p.date.startswith("2026-") for p in flagged)
    assert all(p.year is None or str(p.year) == (p.date or "")[:4] for p in papers)


def test_abstract_only_pages_get_flagged_derived_titles() -> None:
    for prefix in ("003", "004"):
        papers = parse_seed_page(_page(prefix).read_text(), prefix)
        assert all(p.title_derived and 3 <= len(p.title.split()) <= 14 for p in papers)
        assert all(p.year is None and not p.authors for p in papers)


RIS = """TY  - JOUR
ID  - lee2021privacy
TI  - Private inference with garbled circuits
AU  - Lee, Ann
AU  - Kim, Bo
PY  - 2021///
DA  - 2021/06/02
AB  - We study private inference of neural networks
  with garbled circuits and secret sharing.
KW  - privacy
KW  - cryptography
DO  - 10.1000/xyz
UR  - https://example.org/lee
JO  - Journal of Private Things
ER  -

TY  - CONF
AU  - Ng, Chi
PY  - 2019
AB  - A method for sparse attention on long documents is proposed.
ER  -
"""


def test_ris_fields_and_own_key() -> None:
    first, second = parse_ris(RIS, "refs.ris")
    assert first.key == "lee2021privacy" and first.own_key
    assert first.title == "Private inference with garbled circuits"
    assert first.authors == ["Ann Lee", "Bo Kim"]
    assert (first.year, first.date) == (2021, "2021-06-02")
    assert first.abstract.endswith("garbled circuits and secret sharing.")
    assert first.categories == ["privacy", "cryptography"]
    assert (first.doi, first.url, first.venue) == (
        "10.1000/xyz",
        "https://example.org/lee",
        "Journal of Private Things",
    )
    assert second.title_derived and not second.own_key and second.year == 2019
    assert second.sources[0].line == 17


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("TY  - JOUR\nTI  - no end\n", 1, "no 'ER  - '"),
        ("hello\nTY  - JOUR\nER  - \n", 1, "expected a record"),
        ("TY  - JOUR\nTI  - a\nER  - \n\nTY  - JOUR\nPY  - 2020\nER  - \n", 5, "neither"),
        ("TY  - JOUR\nTI  - a\nPY  - 20x0\nER  - \n", 1, "not a year"),
    ],
)
def test_ris_errors_name_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_ris(text, "bad.ris")
    assert caught.value.line == line and needle in str(caught.value)
    assert str(caught.value).startswith(f"bad.ris:{line}: ")


CSV = """Article Title,Authors,Publication Year,Summary,DOI,Author Keywords
"Speculative decoding, revisited","Doe, Jane; Roe, Rich",2024,"Drafts tokens with a small model, then verifies them.",10.1/sd,decoding; LLM
Graph kernels on GPUs,Ann Lee,2020,,,
"""


def test_csv_headers_are_mapped_and_map_overrides() -> None:
    first, second = parse_csv(CSV, "refs.csv", {"abstract": "Summary"})
    assert first.title == "Speculative decoding, revisited"
    assert first.authors == ["Jane Doe", "Rich Roe"]
    assert first.year == 2024 and first.doi == "10.1/sd"
    assert first.abstract.startswith("Drafts tokens")
    assert first.categories == ["decoding", "LLM"]
    assert second.authors == ["Ann Lee"] and second.abstract == ""
    assert [p.sources[0].line for p in (first, second)] == [2, 3]
    # "Summary" is a known spelling of abstract even without --map
    assert parse_csv(CSV, "refs.csv")[0].abstract == first.abstract


def test_csv_tab_separated_and_errors() -> None:
    tsv = "title\tabstract\tyear\nA\tAn abstract.\t2020\n"
    assert parse_csv(tsv, "refs.tsv")[0].year == 2020
    with pytest.raises(InputError, match=r"refs.csv:1: --map abstract=Body: no such column"):
        parse_csv(CSV, "refs.csv", {"abstract": "Body"})
    with pytest.raises(InputError, match="unknown field"):
        parse_csv(CSV, "refs.csv", {"colour": "Summary"})
    with pytest.raises(InputError, match=r"x.csv:1: no title or abstract column"):
        parse_csv("name,size\na,1\n", "x.csv")
    with pytest.raises(InputError, match=r"x.csv:3: row has neither"):
        parse_csv("title,abstract,year\nA,B,2020\n,,2021\n", "x.csv")
    with pytest.raises(InputError, match=r"x.csv:2: year 'soon' is not a year"):
        parse_csv("title,year\nA,soon\n", "x.csv")


ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>ArXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2305.12345v2</id>
    <published>2023-05-20T17:59:59Z</published>
    <title>Tree of Thoughts for
      Planning</title>
    <summary>  We let language models explore a tree of reasoning steps. </summary>
    <author><name>Ann Lee</name></author>
    <author><name>Bo Kim</name></author>
    <arxiv:doi>10.48550/arXiv.2305.12345</arxiv:doi>
    <link href="http://arxiv.org/abs/2305.12345v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2305.12345v2" rel="related"/>
    <arxiv:primary_category term="cs.CL"/>
    <category term="cs.CL"/>
    <category term="cs.AI"/>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/2101.00001v1</id>
    <published>2021-01-01T00:00:00Z</published>
    <title></title>
    <summary>Sparse mixtures of experts route each token to two experts.</summary>
  </entry>
</feed>
"""


def test_atom_entries() -> None:
    first, second = parse_atom(ATOM, "feed.xml")
    assert first.title == "Tree of Thoughts for Planning"
    assert first.abstract == "We let language models explore a tree of reasoning steps."
    assert first.authors == ["Ann Lee", "Bo Kim"]
    assert (first.year, first.date, first.arxiv_id) == (2023, "2023-05-20", "2305.12345")
    assert first.categories == ["cs.CL", "cs.AI"]
    assert first.url == "http://arxiv.org/abs/2305.12345v2"
    assert first.sources[0].line == 4 and second.sources[0].line == 19
    assert second.title_derived and second.year == 2021


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("<feed xmlns='http://www.w3.org/2005/Atom'><entry>", "feed.xml:1: malformed XML"),
        ("<rss></rss>", "not an Atom feed"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><feed/>', "DOCTYPE"),
        ("<feed xmlns='http://www.w3.org/2005/Atom'></feed>", "no <entry>"),
    ],
)
def test_atom_errors(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        parse_atom(text, "feed.xml")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Smith, John; Doe, Jane", ["John Smith", "Jane Doe"]),
        ("John Smith and Jane Doe", ["John Smith", "Jane Doe"]),
        ("Smith, J. and Doe, J.", ["J. Smith", "J. Doe"]),
        ("Jane Doe, John Smith", ["Jane Doe", "John Smith"]),
        ("Ann Lee, Bo Kim and Chi Ng", ["Ann Lee", "Bo Kim", "Chi Ng"]),
        ("Plato", ["Plato"]),
        ("Fecil'ak, P., Pekár, A., Prévotet, J.-C.", ["P. Fecil'ak", "A. Pekár", "J.-C. Prévotet"]),
        ("Smith, John, Doe, Jane", ["Smith, John, Doe, Jane"]),  # no initials: not pairs
    ],
)
def test_author_strings(value: str, expected: list[str]) -> None:
    assert split_authors(value) == expected


def test_detection_by_content_without_extension(tmp_path: Path) -> None:
    for text, fmt in [(RIS, "ris"), (ATOM, "atom"), (CSV, "csv")]:
        path = tmp_path / f"export_{fmt}"
        path.write_text(text)
        papers = parse_file(path).records
        assert papers and papers[0].sources[0].format == fmt


@pytest.mark.parametrize(
    ("name", "text", "first_record_words"),
    [
        ("refs.ris", RIS, "lee2021privacy"),
        ("refs.csv", CSV, "Speculative"),
        ("f.xml", ATOM, "Tree"),
    ],
)
def test_records_are_stamped_and_kept_as_they_are_parsed(
    tmp_path: Path, name: str, text: str, first_record_words: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    everything = parse_file(path)
    assert everything.count == len(everything.records) == 2
    digests = [p.sources[0].digest for p in everything.records]
    assert all(digests) and len(set(digests)) == 2
    assert [p.sources[0].digest for p in parse_file(path).records] == digests  # stable

    seen: list[int] = []

    def keep_second(paper: Paper) -> bool:
        seen.append(paper.sources[0].position)
        return paper.sources[0].position == 2

    kept = parse_file(path, keep=keep_second)
    assert kept.count == 2 and seen == [1, 2]
    assert [p.sources[0].digest for p in kept.records] == digests[1:]

    path.write_text(text.replace(first_record_words, first_record_words + "x", 1))
    edited = [p.sources[0].digest for p in parse_file(path).records]
    assert edited[0] != digests[0] and edited[1] == digests[1]


def test_cli_imports_ris_csv_and_atom_and_finds_them(isolated_env: Path, tmp_path: Path) -> None:
    (tmp_path / "refs.ris").write_text(RIS)
    (tmp_path / "refs.csv").write_text(CSV)
    (tmp_path / "feed.xml").write_text(ATOM)
    files = [str(tmp_path / n) for n in ("refs.ris", "refs.csv", "feed.xml")]
    result = runner.invoke(app, ["ingest", *files, "--map", "abstract=Summary"])
    assert result.exit_code == 2 and "--map applies to CSV files only" in result.stderr
    result = runner.invoke(app, ["ingest", *files])
    assert result.exit_code == 0, result.stderr
    library = json.loads(runner.invoke(app, ["library", "--json"]).stdout)
    assert len(library) == 6
    assert "lee2021privacy" in {p["key"] for p in library}
    hits = json.loads(
        runner.invoke(app, ["search", "tree of reasoning steps", "--k", "1", "--json"]).stdout
    )["hits"]
    assert hits[0]["title"] == "Tree of Thoughts for Planning"
    assert hits[0]["sources"][0]["format"] == "atom"
