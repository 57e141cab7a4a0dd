"""Retrieval quality on public scientific test collections in BEIR layout, through litreview's own
ingest, Chroma store, embedder and `HybridSearcher`.

    python benchmarks/retrieval_data.py --source DIR      # once: builds benchmarks/data/retrieval
    python benchmarks/retrieval_beir.py [--configs NAME,...] [--json benchmarks/retrieval_beir.json]
        [--markdown benchmarks/retrieval_beir.md] [--workdir DIR] [--embedder minilm|e5-small]

Each set's `corpus.jsonl` is ingested with `Library.ingest` into its own data dir (kept in
`--workdir`, so later runs reuse it), then every configuration (a `RetrievalSettings` override,
see CONFIGS) searches all the set's queries with `Library(settings).searcher()`: k=10 for nDCG@10
(trec_eval's linear gains), recall@10 and MRR@10, k=100 for recall@100, exactly as `litreview
search --k 10/100` ranks. Papers ingest merged (the same work twice in a collection) count as every
document they hold. Query vectors and the store's nearest chunks are computed once per set (by the
real embedder and Chroma) and reused across configurations: embedding is deterministic (one text
per run) and the configurations change fusion and BM25, not the vectors.

Each configuration is compared with `today` (the defaults) by a paired bootstrap over queries
(2,000 resamples, 95% percentile interval): per set, and for the average over sets (each set
resampled on its own, then the sets' means averaged, so every set weighs the same). `--tune SET`
marks the set the weights were chosen on: the report then also gives the average over the others.

Model query rewriting and rerank (`assistant/model_retrieval.py`) need an endpoint, so they run
only when asked for: `--model rewrite,rerank,rewrite+rerank` against the OpenAI-compatible server
`OPENAI_BASE_URL` names (`LITREVIEW_MODEL` picks the model), usually with `--limit 20` (the first
20 queries of each set; `today` is measured on the same queries). Each query goes through
`retrieve()` as `litreview search --rewrite/--rerank` does; a reply is asked for once per prompt
(k=10 and k=100 share it). The run prints each model configuration's failed calls and tokens.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "retrieval"
SETS = ("cranfield", "medline", "cisi")
METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")
NOTES = "<!-- notes: kept when the tables above are rewritten -->"

# name -> RetrievalSettings overrides; `today` is the defaults
CONFIGS: dict[str, dict[str, Any]] = {
    "today": {},
    "bm25": {"dense_weight": 0.0},
    "dense": {"keyword_weight": 0.0},
    # field-aware BM25 and its parameters (each rebuilds the keyword index)
    "title x1": {"title_weight": 1},
    "title x3": {"title_weight": 3},
    "no stemming": {"stemming": False},
    "bm25 k1=1.2 b=0.75": {"bm25_k1": 1.2},
    "bm25 k1=0.9 b=0.4": {"bm25_k1": 0.9, "bm25_b": 0.4},
    # stop words BM25 drops (litreview's 111 by default) and bm25s's scoring variants (lucene)
    "stop words none": {"stop_words": "none"},
    "stop words lucene": {"stop_words": "lucene"},
    "stop words nltk": {"stop_words": "nltk"},
    "bm25 robertson": {"bm25_method": "robertson"},
    "bm25 atire": {"bm25_method": "atire"},
    "bm25l d=0.5": {"bm25_method": "bm25l", "bm25_delta": 0.5},
    "bm25l d=1": {"bm25_method": "bm25l", "bm25_delta": 1.0},
    "bm25+ d=0.5": {"bm25_method": "bm25+", "bm25_delta": 0.5},
    "bm25+ d=1": {"bm25_method": "bm25+", "bm25_delta": 1.0},
    # fusion
    "rrf dense 0.5": {"dense_weight": 0.5},
    "rrf dense 0.7": {"dense_weight": 0.7},
    "rrf dense 1.5": {"dense_weight": 1.5},
    "rrf k=20": {"rrf_k": 20},
    "score 0.3": {"fusion": "score", "dense_weight": 0.3, "keyword_weight": 0.7},
    "score 0.5": {"fusion": "score", "dense_weight": 0.5, "keyword_weight": 0.5},
    "score 0.7": {"fusion": "score", "dense_weight": 0.7, "keyword_weight": 0.3},
    # pseudo-relevance feedback for BM25
    "rm3 10x10 0.5": {"prf_docs": 10, "prf_terms": 10, "prf_weight": 0.5},
    "rm3 5x10 0.5": {"prf_docs": 5, "prf_terms": 10, "prf_weight": 0.5},
    "rm3 10x20 0.3": {"prf_docs": 10, "prf_terms": 20, "prf_weight": 0.3},
    "bm25 rm3 10x10 0.5": {"dense_weight": 0.0, "prf_docs": 10, "prf_terms": 10},
    "rm3 fused 3x10 0.5": {"prf_docs": 3, "prf_source": "fused"},
    "rm3 fused 5x10 0.5": {"prf_docs": 5, "prf_source": "fused"},
    "rm3 fused 10x10 0.5": {"prf_docs": 10, "prf_source": "fused"},
    # dense feedback (Rocchio from the fused ranking's best hits)
    "dense prf 3 0.5": {"dense_prf_docs": 3, "dense_prf_weight": 0.5},
    "dense prf 5 0.5": {"dense_prf_docs": 5, "dense_prf_weight": 0.5},
    "dense prf 10 0.5": {"dense_prf_docs": 10, "dense_prf_weight": 0.5},
    "dense prf 5 0.7": {"dense_prf_docs": 5, "dense_prf_weight": 0.7},
    "hybrid prf 5": {"dense_prf_docs": 5, "prf_docs": 5, "prf_source": "fused"},
    "hybrid prf 10": {"dense_prf_docs": 10, "prf_docs": 10, "prf_source": "fused"},
    # phrases: BM25 hits holding the query's word pairs side by side scored higher
    "phrase 0.5": {"phrase_weight": 0.5},
    "phrase 1": {"phrase_weight": 1.0},
    "phrase 2": {"phrase_weight": 2.0},
    # a paper's dense score from its chunks
    "chunks sum2": {"chunk_scores": "sum2"},
    # combinations of the above
    "score 0.5 + rm3 5": {
        "fusion": "score",
        "dense_weight": 0.5,
        "keyword_weight": 0.5,
        "prf_docs": 5,
    },
    "score 0.5 + hybrid prf 5": {
        "fusion": "score",
        "dense_weight": 0.5,
        "keyword_weight": 0.5,
        "prf_docs": 5,
        "prf_source": "fused",
        "dense_prf_docs": 5,
    },
    "rrf dense 1.5 + rm3 fused 5": {"dense_weight": 1.5, "prf_docs": 5, "prf_source": "fused"},
}


# with `--model`: name -> RetrievalSettings overrides that ask for the model parts
MODEL_CONFIGS: dict[str, dict[str, Any]] = {
    "rewrite": {"rewrite": True},
    "rerank": {"rerank": True},
    "rewrite+rerank": {"rewrite": True, "rerank": True},
}


# -- metrics ------------------------------------------------------------------------------------
def ndcg(ranked: Sequence[str], gains: dict[str, int], k: int = 10) -> float:
    """trec_eval's nDCG@k: linear gains, log2 discount, ideal from all judged gains."""
    dcg = sum(gains.get(d, 0) / math.log2(r + 2) for r, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    best = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / best if best else 0.0


def recall(ranked: Sequence[str], gains: dict[str, int], k: int) -> float:
    relevant = {d for d, g in gains.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr(ranked: Sequence[str], gains: dict[str, int], k: int = 10) -> float:
    for r, d in enumerate(ranked[:k], 1):
        if gains.get(d, 0) > 0:
            return 1.0 / r
    return 0.0


def paired_bootstrap(
    diffs: dict[str, Sequence[float]], sets: Sequence[str], samples: int = 2000, seed: int = 7
) -> tuple[float, float, float]:
    """Mean over `sets` of each set's mean difference, and its 95% percentile interval from
    resampling each set's queries (with replacement) on its own."""
    import numpy as np

    rng = np.random.default_rng(seed)
    arrays = [np.asarray(diffs[s], dtype=np.float64) for s in sets]
    point = float(np.mean([a.mean() for a in arrays]))
    draws = np.zeros(samples)
    for a in arrays:
        picks = rng.integers(0, len(a), size=(samples, len(a)))
        draws += a[picks].mean(axis=1)
    draws /= len(arrays)
    low, high = np.percentile(draws, [2.5, 97.5])
    return point, float(low), float(high)


# -- data ---------------------------------------------------------------------------------------
def load_set(path: Path) -> tuple[list[str], list[tuple[str, str]], dict[str, dict[str, int]]]:
    """Document ids in corpus order, (query id, text) pairs, and graded qrels."""
    doc_ids = [json.loads(line)["_id"] for line in (path / "corpus.jsonl").open(encoding="utf-8")]
    queries = [
        (q["_id"], q["text"])
        for q in map(json.loads, (path / "queries.jsonl").open(encoding="utf-8"))
    ]
    qrels: dict[str, dict[str, int]] = {}
    for line in (path / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query, doc, gain = line.split("\t")
        qrels.setdefault(query, {})[doc] = int(gain)
    return doc_ids, [q for q in queries if q[0] in qrels], qrels


class CachedEmbedder:
    """The real embedder, with each text's vector kept: queries are embedded once per set.

    Anything not overridden (release, name, ...) is the wrapped embedder's."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self._vectors: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)

    def embed(self, texts: Sequence[str], progress: Any = None) -> Any:
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, self._embedder.embed(missing)):
                self._vectors[text] = vector
        if not texts:
            return self._embedder.embed([])
        return np.stack([self._vectors[t] for t in texts])


class CachedStore:
    """The real store, with each (query vector, depth) answer kept: configurations that differ
    only in fusion or BM25 get the same nearest chunks, so Chroma answers each query once."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._answers: dict[tuple, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def query(self, embeddings: Any, n_results: int, keys: Any = None) -> list:
        wanted = [(v.tobytes(), n_results, keys) for v in embeddings]
        missing = [i for i, key in enumerate(wanted) if key not in self._answers]
        if missing:
            found = self._store.query(embeddings[missing], n_results, keys)
            for i, matches in zip(missing, found):
                self._answers[wanted[i]] = matches
        return [self._answers[key] for key in wanted]


def settings_for(data_dir: Path, cache_dir: Path, overrides: dict[str, Any], embedder: str) -> Any:
    from assistant.settings import RetrievalSettings, Settings

    extra = {"embedder": embedder} if embedder != "minilm" else {}
    return Settings(
        data_dir=data_dir, cache_dir=cache_dir, retrieval=RetrievalSettings(**overrides), **extra
    )


def prepare(name: str, workdir: Path, cache_dir: Path, embedder: str) -> dict[str, Any]:
    """The set ingested into its own data dir (once), and each paper key's document ids."""
    from assistant.library import Library

    source = DATA / name
    doc_ids, queries, qrels = load_set(source)
    data_dir = workdir / f"{name}-{embedder}"
    library = Library(settings_for(data_dir, cache_dir, {}, embedder))
    if not (data_dir / ".ingested").is_file():
        started = time.perf_counter()
        report = library.ingest([source / "corpus.jsonl"])
        print(
            f"[{name}] ingested {report.papers_after} papers ({report.embedded_chunks} chunks, "
            f"{report.merged_duplicates} merged) in {time.perf_counter() - started:.0f} s "
            f"(embedding {report.embed_seconds:.0f} s)",
            flush=True,
        )
        (data_dir / ".ingested").write_text(json.dumps(report.as_dict()))
    key_docs: dict[str, list[str]] = {}
    for paper in library.papers():
        key_docs[paper.key] = sorted(
            {doc_ids[s.position - 1] for s in paper.sources if s.file == "corpus.jsonl"}
        )
    return {
        "data_dir": data_dir,
        "queries": queries,
        "qrels": qrels,
        "key_docs": key_docs,
        "embedder": CachedEmbedder(library.search_embedder),
        "store": CachedStore(library.store),
    }


class MemoGateway:
    """The real gateway, each reply kept by its messages: the k=10 and k=100 retrievals of a
    query send the same prompts, and the model answers each once. Counts calls and failures."""

    def __init__(self, gateway: Any) -> None:
        self._gateway = gateway
        self._replies: dict[str, Any] = {}
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)

    def chat(self, messages: Sequence[dict[str, str]], **options: Any) -> Any:
        key = json.dumps(list(messages), sort_keys=True)
        if key not in self._replies:
            self.calls += 1
            try:
                self._replies[key] = self._gateway.chat(messages, **options)
            except Exception as exc:  # the same failure again for the same prompt
                self._replies[key] = exc
        reply = self._replies[key]
        if isinstance(reply, Exception):
            raise reply
        return reply


def run_config(
    prepared: dict[str, Any],
    overrides: dict[str, Any],
    cache_dir: Path,
    embedder: str,
    gateway: Any = None,
) -> dict[str, list[float]]:
    """Per-query metrics of one configuration on one set (with the model parts, through
    `gateway`)."""
    from assistant.library import Library

    settings = settings_for(prepared["data_dir"], cache_dir, overrides, embedder)
    library = Library(settings, embedder=prepared["embedder"])
    searcher = library.searcher()
    searcher.store = prepared["store"]
    texts = [text for _, text in prepared["queries"]]
    key_docs, qrels = prepared["key_docs"], prepared["qrels"]

    def ranked(hits: Sequence[Any]) -> list[str]:
        return [doc for hit in hits for doc in key_docs[hit.paper.key]]

    if overrides.get("rewrite") or overrides.get("rerank"):
        top10, top100 = _with_model(library, prepared, texts, gateway)
    else:
        top10 = searcher.search_many(texts, k=10)
        top100 = searcher.search_many(texts, k=100)
    out: dict[str, list[float]] = {m: [] for m in METRICS}
    for (query_id, _), hits10, hits100 in zip(prepared["queries"], top10, top100):
        gains = qrels[query_id]
        first, deep = ranked(hits10), ranked(hits100)
        out["ndcg@10"].append(ndcg(first, gains))
        out["recall@10"].append(recall(first, gains, 10))
        out["recall@100"].append(recall(deep, gains, 100))
        out["mrr@10"].append(mrr(first, gains))
    return out


def _with_model(
    library: Any, prepared: dict[str, Any], texts: Sequence[str], gateway: Any
) -> tuple[list[list[Any]], list[list[Any]]]:
    """Each query's top 10 and top 100 through `retrieve()` with the model; prints the calls
    that failed (the plain hybrid result stood for them), tokens and time."""
    from assistant.model_retrieval import retrieve

    library.store = prepared["store"]  # the cached nearest chunks
    memo = MemoGateway(gateway)
    started = time.perf_counter()
    top10, top100, failed, usage = [], [], {"rewrite": 0, "rerank": 0}, 0
    for text in texts:
        first = retrieve(library, text, 10, gateway=memo)
        deep = retrieve(library, text, 100, gateway=memo)
        top10.append(first.hits)
        top100.append(deep.hits)
        report = first.report
        for part in failed:
            failed[part] += getattr(report, part) == "failed"
        usage += report.usage.get("total_tokens", 0)
    seconds = time.perf_counter() - started
    print(
        f"    model {getattr(gateway, 'model', '?')}: {memo.calls} calls, failed rewrites "
        f"{failed['rewrite']}, failed reranks {failed['rerank']} of {len(texts)} queries, "
        f"{usage} tokens (k=10 calls), {seconds / max(len(texts), 1):.1f} s a query",
        flush=True,
    )
    return top10, top100


# -- report -------------------------------------------------------------------------------------
def summarise(results: dict[str, dict[str, dict[str, list[float]]]], tune: str | None) -> dict:
    """Means per set and configuration, and paired intervals against `today`."""
    sets = list(next(iter(results.values())))
    summary: dict[str, Any] = {"sets": sets, "configs": {}}
    base = results["today"]
    for name, per_set in results.items():
        row: dict[str, Any] = {"means": {}, "vs_today": {}}
        for s in sets:
            row["means"][s] = {m: sum(v) / len(v) for m, v in per_set[s].items()}
        row["means"]["average"] = {
            m: sum(row["means"][s][m] for s in sets) / len(sets) for m in METRICS
        }
        for m in METRICS:
            diffs = {s: [a - b for a, b in zip(per_set[s][m], base[s][m])] for s in sets}
            entry = {s: paired_bootstrap(diffs, [s]) for s in sets}
            entry["average"] = paired_bootstrap(diffs, sets)
            others = [s for s in sets if s != tune]
            if tune and others:
                entry["held_out"] = paired_bootstrap(diffs, others)
            row["vs_today"][m] = entry
        summary["configs"][name] = row
    return summary


def _interval(value: tuple[float, float, float]) -> str:
    point, low, high = value
    return f"{point:+.3f} [{low:+.3f}, {high:+.3f}]"


def render(summary: dict, meta: dict, kept: str | None) -> str:
    sets = summary["sets"]
    configs = summary["configs"]
    described = ", ".join(
        f"{s} ({meta['queries'][s]} queries, {meta['docs'][s]} papers)" for s in sets
    )
    tune = meta.get("tune")
    lines = [
        "## Retrieval quality on public scientific test collections "
        "(`benchmarks/retrieval_beir.py`)",
        "",
        f"Sets: {described} (Glasgow IR test collections in BEIR layout, see "
        "`benchmarks/data/README.md`). Everything runs through litreview's ingest, Chroma store "
        f"and `HybridSearcher`; embedder `{meta['embedder']}`; {meta['seconds']:.0f} s for the "
        "whole run. Intervals: paired bootstrap over queries, 95%."
        + (f" Weights were chosen on {tune}; `held-out` averages the other sets." if tune else "")
        + (f" Model configurations: `{meta['model']}`." if meta.get("model") else ""),
        "",
        "| configuration | "
        + " | ".join(sets)
        + " | average | Δ average vs today [95% CI] |"
        + (" Δ held-out |" if tune else ""),
        "| --- | "
        + " | ".join("---:" for _ in sets)
        + " | ---: | ---: |"
        + (" ---: |" if tune else ""),
    ]
    for name, row in configs.items():
        cells = [f"{row['means'][s]['ndcg@10']:.3f}" for s in sets]
        avg = row["means"]["average"]["ndcg@10"]
        delta = "" if name == "today" else _interval(row["vs_today"]["ndcg@10"]["average"])
        held = row["vs_today"]["ndcg@10"].get("held_out")
        label = f"**{name}** (kept)" if name == kept else name
        line = f"| {label} | " + " | ".join(cells) + f" | {avg:.3f} | {delta} |"
        if tune:
            line += f" {'' if name == 'today' or held is None else _interval(held)} |"
        lines.append(line)
    lines += ["", "nDCG@10 above; all four metrics (average over the sets):", ""]
    lines += [
        "| configuration | " + " | ".join(METRICS) + " |",
        "| --- | " + " | ".join("---:" for _ in METRICS) + " |",
    ]
    for name, row in configs.items():
        cells = [f"{row['means']['average'][m]:.3f}" for m in METRICS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--configs", default=",".join(CONFIGS), help="names from CONFIGS")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME=JSON",
                        help='another configuration: \'name={"prf_docs": 10}\'')  # fmt: skip
    parser.add_argument("--workdir", type=Path, default=HERE / "data" / "retrieval-work")
    parser.add_argument("--embedder", default="minilm", choices=["minilm", "e5-small"])
    parser.add_argument("--tune", help="the set the weights were chosen on")
    parser.add_argument("--kept", help="the configuration kept as the default (marked)")
    parser.add_argument("--model", default="", metavar="NAMES",
                        help="model configurations from MODEL_CONFIGS (rewrite,rerank,...), "
                        "against OPENAI_BASE_URL")  # fmt: skip
    parser.add_argument("--limit", type=int, help="only the first N queries of each set")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)

    configs = {name: CONFIGS[name] for name in args.configs.split(",") if name}
    for extra in args.extra:
        name, _, spec = extra.partition("=")
        configs[name] = json.loads(spec)
    meta: dict[str, Any] = {"embedder": args.embedder, "tune": args.tune, "queries": {}, "docs": {}}
    model_names = [name for name in args.model.split(",") if name]
    gateway = None
    if model_names:
        from assistant.llm import LLMGateway, endpoint_configured
        from assistant.settings import Settings

        endpoint = Settings()
        if not endpoint_configured(endpoint):
            parser.error("--model needs an endpoint: set OPENAI_BASE_URL (and LITREVIEW_MODEL)")
        gateway = LLMGateway(endpoint)
        meta["model"] = f"{gateway.model} @ {gateway.endpoint}"
        configs.update({name: MODEL_CONFIGS[name] for name in model_names})
    configs = {"today": {}, **configs}
    cache_dir = args.workdir / "cache"
    sets = args.sets.split(",")
    results: dict[str, dict[str, dict[str, list[float]]]] = {name: {} for name in configs}
    started = time.perf_counter()
    for name in sets:
        prepared = prepare(name, args.workdir, cache_dir, args.embedder)
        if args.limit:
            prepared["queries"] = prepared["queries"][: args.limit]
        meta["queries"][name] = len(prepared["queries"])
        meta["docs"][name] = len(prepared["key_docs"])
        for config, overrides in configs.items():
            results[config][name] = run_config(
                prepared, overrides, cache_dir, args.embedder, gateway
            )
            means = {m: sum(v) / len(v) for m, v in results[config][name].items()}
            print(f"[{name}] {config:<22} " + "  ".join(f"{m} {means[m]:.3f}" for m in METRICS),
                  flush=True)  # fmt: skip
    summary = summarise(results, args.tune)
    meta["seconds"] = round(time.perf_counter() - started, 1)
    report = render(summary, meta, args.kept)
    print(report)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "summary": summary}, indent=1))
    if args.markdown:
        # hand-written notes below the marker survive a new run
        old = args.markdown.read_text() if args.markdown.is_file() else ""
        notes = old[old.index(NOTES) :] if NOTES in old else ""
        args.markdown.write_text(report + ("\n" + notes if notes else ""))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    raise SystemExit(main())
