"""Search latency at 100,000 papers for retrieval configurations, without a 30-minute embedding run.

    python benchmarks/latency_proxy.py [--size 100000] [--workdir DIR] [--configs NAME,...]
        [--json benchmarks/latency_proxy.json]

`run.py` measures search on a library it embedded in full (~30 min of both cores at 100,000
papers). On a shared, loaded machine that is not to be had, so this builds the same synthetic
library (`corpus.py`, the same 100 queries as `run.py`) through the real ingest, Chroma store and
keyword index, with one stand-in: a chunk's vector is the normalised mean of MiniLM's vectors of
its sentences (each distinct sentence of the synthetic corpus is a real sample sentence, embedded
once by the real model). The vectors keep MiniLM's geometry (clusters of related papers), which
is what the HNSW search's cost depends on. Searching is real throughout: the real MiniLM embeds
each query, Chroma searches, BM25 scores, the configured fusion and feedback run. Each
configuration is measured as `run.py` measures `Library.search`: one warm-up search, then each
query timed, p50 and p95 reported. Configurations are `retrieval_beir.CONFIGS` names.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import _sentences, build_corpus, write_jsonl  # noqa: E402
from retrieval_beir import CONFIGS, settings_for  # noqa: E402
from run import percentile, write_queries  # noqa: E402


class SentenceMeanEmbedder:
    """Vectors of chunk texts as the mean of their known sentences' MiniLM vectors."""

    def __init__(self, real: Any, sentences: dict[str, Any]) -> None:
        self.real = real
        self.sentences = sentences
        self.fallbacks = 0

    def embed(self, texts: list[str], progress: Any = None) -> Any:
        import numpy as np

        rows = []
        for text in texts:
            body = text.split("\n", 1)[-1]  # chunks are led by the title line
            known = [self.sentences[s] for s in _sentences(body) if s in self.sentences]
            if known:
                vector = np.mean(known, axis=0)
            else:
                self.fallbacks += 1
                vector = self.real.embed([text])[0]
            rows.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
        return np.stack(rows).astype(np.float32) if rows else self.real.embed([])


def build(size: int, base: Path, cache_dir: Path) -> Path:
    """The synthetic library ingested into base/data (once); returns the queries file."""
    from assistant.embeddings import get_embedder
    from assistant.library import Library

    queries = base / "queries.jsonl"
    if (base / "data" / ".ingested").is_file():
        return queries
    base.mkdir(parents=True, exist_ok=True)
    records = build_corpus(size)
    corpus = write_jsonl(records, base / "corpus.jsonl")
    write_queries(records, queries, 100)
    real = get_embedder(cache_dir)
    distinct = sorted({s for r in records for s in _sentences(r["abstract"])})
    print(f"embedding {len(distinct)} distinct sentences", flush=True)
    vectors = dict(zip(distinct, real.embed(distinct)))
    del records
    embedder = SentenceMeanEmbedder(real, vectors)
    started = time.perf_counter()
    library = Library(settings_for(base / "data", cache_dir, {}, "minilm"), embedder=embedder)
    report = library.ingest([corpus])
    print(
        f"ingested {report.papers_after} papers, {report.embedded_chunks} chunks in "
        f"{time.perf_counter() - started:.0f} s ({embedder.fallbacks} chunks embedded for real)",
        flush=True,
    )
    (base / "data" / ".ingested").write_text(json.dumps(report.as_dict()))
    return queries


def measure(base: Path, cache_dir: Path, overrides: dict[str, Any], queries: list[str]) -> dict:
    from assistant.library import Library

    library = Library(settings_for(base / "data", cache_dir, overrides, "minilm"))
    started = time.perf_counter()
    library.search(queries[0], 10)
    first = time.perf_counter() - started
    latencies = []
    for query in queries:
        started = time.perf_counter()
        library.search(query, 10)
        latencies.append(time.perf_counter() - started)
    return {
        "first_ms": first * 1000,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=HERE / "data" / "latency-work")
    parser.add_argument("--configs", default="today")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the configurations")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    base = args.workdir / f"size-{args.size}"
    cache_dir = args.workdir / "cache"
    queries_file = build(args.size, base, cache_dir)
    queries = [json.loads(line)["text"] for line in queries_file.read_text().splitlines()]
    names = args.configs.split(",")
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(args.repeat):  # interleaved, so a load spike hits every configuration alike
        for name in names:
            result = measure(base, cache_dir, CONFIGS[name], queries)
            runs[name].append(result)
            print(f"{name:<28} p50 {result['p50_ms']:.1f} ms  p95 {result['p95_ms']:.1f} ms",
                  flush=True)  # fmt: skip
    best = {name: min(r, key=lambda x: x["p50_ms"]) for name, r in runs.items()}
    if args.json:
        args.json.write_text(json.dumps({"size": args.size, "best": best, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    raise SystemExit(main())
