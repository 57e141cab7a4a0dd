"""Retrieval quality on the sample library for an embedder setting (e.g. max tokens 256 vs 128).

    python benchmarks/quality.py [--max-tokens 256,128] [--batch 8] [--source-model] [--json OUT]

`--source-model` also scores the packaged graph as shipped, to compare with the derived int8 model.

Three query sets over the 136 sample papers:
- `questions`: the 30 paraphrased questions of `evals/cases/questions.jsonl` with their
  `relevant` papers (1-5 each): the realistic set.
- `title`: each paper with a real (not derived) title, its title as the query. Chunks are led by
  the title, so this mostly checks that truncation does not disturb the head of the text.
- `last_sentence`: each paper's last abstract sentence of 8+ words. The end of a chunk is what
  truncation cuts off, so this is the query set that shows what shorter inputs lose.
`title` and `last_sentence` have one relevant paper per query. For each set: nDCG@10 and MRR@10
of dense-only ranking (keyword weight 0) and of hybrid (RRF) ranking.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import _sentences, sample_records, write_jsonl  # noqa: E402

K = 10


QUESTIONS = Path(__file__).resolve().parent.parent / "evals" / "cases" / "questions.jsonl"


def queries(records: Sequence[dict]) -> dict[str, list[tuple[str, set[str]]]]:
    """Query sets: name -> [(query text, relevant paper keys)]."""
    keys = {r["id"] for r in records}
    questions = []
    if QUESTIONS.is_file():
        for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            if set(case["relevant"]) <= keys:
                questions.append((case["question"], set(case["relevant"])))
    titles = [(r["title"], {r["id"]}) for r in records if r["title"]]
    last = []
    for record in records:
        sentences = _sentences(record["abstract"])
        if sentences and len(sentences[-1].split()) >= 8:
            last.append((sentences[-1], {record["id"]}))
    return {"questions": questions, "title": titles, "last_sentence": last}


def metrics(ranked: Sequence[Sequence[str]], relevant: Sequence[set[str]]) -> dict[str, float]:
    """Mean nDCG@10 (binary gains) and MRR@10 (first relevant hit) over the queries."""
    ndcg = mrr = 0.0
    for keys, wanted in zip(ranked, relevant):
        top = list(keys[:K])
        gains = sum(1 / math.log2(i + 2) for i, key in enumerate(top) if key in wanted)
        ndcg += gains / sum(1 / math.log2(i + 2) for i in range(min(K, len(wanted))))
        first = next((i for i, key in enumerate(top) if key in wanted), None)
        mrr += 1.0 / (first + 1) if first is not None else 0.0
    n = max(len(relevant), 1)
    return {"ndcg@10": round(ndcg / n, 4), "mrr@10": round(mrr / n, 4), "queries": len(relevant)}


def evaluate(
    max_tokens: int, batch: int, corpus: Path, workdir: Path, source: bool = False
) -> dict[str, Any]:
    """Ingest the sample with truncation at `max_tokens`, then score every query set."""
    from embed_profile import Setting, make_embedder

    from assistant.library import Library
    from assistant.settings import RetrievalSettings, Settings

    options = {"source": 1} if source else {}
    embedder = make_embedder(
        Setting(batch=batch, threads=2, max_tokens=max_tokens, options=options)
    )
    data_dir = workdir / (f"tok{max_tokens}" + ("-source" if source else ""))
    Library(Settings(data_dir=data_dir), embedder=embedder).ingest([corpus])
    modes = {
        "dense": Settings(data_dir=data_dir, retrieval=RetrievalSettings(keyword_weight=0.0)),
        "hybrid": Settings(data_dir=data_dir),
    }
    records = [json.loads(line) for line in corpus.read_text().splitlines()]
    out: dict[str, Any] = {}
    for set_name, pairs in queries(records).items():
        for mode, settings in modes.items():
            hits = Library(settings, embedder=embedder).search_many([q for q, _ in pairs], K)
            ranked = [[h.paper.key for h in row] for row in hits]
            out[f"{set_name}/{mode}"] = metrics(ranked, [keys for _, keys in pairs])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Score each max-tokens setting and print (and optionally save) the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-tokens", default="256,128")
    parser.add_argument("--batch", type=int, default=1, help="texts per run (litreview: 1)")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--source-model", action="store_true", help="also score the packaged graph as shipped"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="litreview-quality-"))
    corpus = write_jsonl(sample_records(), workdir / "sample.jsonl")
    results = {}
    runs = [(int(t), False) for t in args.max_tokens.split(",")]
    if args.source_model:
        runs += [(tokens, True) for tokens, _ in list(runs)]
    for tokens, source in runs:
        label = f"max_tokens={tokens}" + (" source-model" if source else "")
        results[label] = evaluate(tokens, args.batch, corpus, workdir, source)
        for name, values in results[label].items():
            scores = f"nDCG@10 {values['ndcg@10']:.4f}  MRR@10 {values['mrr@10']:.4f}"
            tag = f"tok{tokens}" + ("/src" if source else "")
            print(f"{tag:<10} {name:<22} {scores}  (n={values['queries']})", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
