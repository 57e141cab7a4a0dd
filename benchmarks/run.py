"""End-to-end benchmarks of litreview at several library sizes.

    python benchmarks/run.py --sizes 136,10000,100000 --json OUT [--markdown benchmarks/RESULTS.md]

For each size a JSONL corpus is built (the real sample library for 136, recombined synthetic
abstracts otherwise, see `corpus.py`) and, in a fresh data dir, measured: embedding throughput of
the Embedder alone, ingest, unchanged re-ingest and re-ingest with one record edited through the
CLI, in-process search latency
(`Library.search`, `Library.search_many`) and CLI batch search, peak RSS of the ingest and search
processes, the data dir's size on disk, and the TUI's first paint. CLI start-up is measured once.
Results already in OUT for other sizes are kept, so sizes can be run separately; the Markdown
report is rewritten from all of them (plus `embed_profile.json` / `quality.json` when present next
to OUT, written by `embed_profile.py` and `quality.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import SEED, build_corpus, chunk_texts, write_jsonl  # noqa: E402

REPO = HERE.parent
QUESTIONS = REPO / "evals" / "cases" / "questions.jsonl"
TARGETS = {  # metric -> (label, comparison, bound), checked at 100,000 papers
    "embed_abstracts_per_s": ("embedding, abstracts (papers)/s", ">=", 40.0),
    "embed_chunks_per_s": ("embedding, embedded texts (chunks)/s", ">=", 40.0),
    "search_p50_ms": ("hybrid search p50, ms", "<", 50.0),
    "peak_rss_mb": ("peak RSS (any ingest or search process), MB", "<", 1536.0),
    "reingest_s": ("re-ingest of an unchanged library, s", "<", 60.0),
}
TARGET_SIZE = 100_000
_WRAP_RUSAGE = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)
_BARE_TYPER = """import typer

app = typer.Typer()


@app.command()
def one() -> None:
    '''First.'''


@app.command()
def two() -> None:
    '''Second.'''


app()
"""


# -- running and measuring child processes -------------------------------------------------------
def run_measured(command: Sequence[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command; its wall time, peak RSS (MB), exit code and stdout."""
    time_bin = Path("/usr/bin/time")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        if time_bin.exists():
            full = [str(time_bin), "-v", "-o", report.name, *command]
        else:  # one child per wrapper, so RUSAGE_CHILDREN is that child's peak
            full = [sys.executable, "-c", _WRAP_RUSAGE, *command]
        started = time.perf_counter()
        done = subprocess.run(full, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - started
        if time_bin.exists():
            lines = report.read().splitlines()
            kb = next(int(line.split(":")[-1]) for line in lines if "Maximum resident" in line)
        else:
            kb = int(done.stderr.strip().splitlines()[-1])
    if done.returncode:
        failed = f"{' '.join(command)} failed ({done.returncode})"
        raise RuntimeError(f"{failed}:\n{done.stderr[-3000:]}")
    return {"wall_s": wall, "peak_rss_mb": kb / 1024, "stdout": done.stdout}


def litreview_bin() -> str:
    """The `litreview` entry point of this interpreter's environment."""
    beside = Path(sys.executable).with_name("litreview")
    return str(beside) if beside.exists() else shutil.which("litreview") or "litreview"


def child_env(data_dir: Path) -> dict[str, str]:
    """This environment without LITREVIEW_* settings, pointed at data_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITREVIEW_")}
    env["LITREVIEW_DATA_DIR"] = str(data_dir)
    return env


def worker(name: str, *args: str) -> list[str]:
    """The command line running one of this script's workers."""
    return [sys.executable, str(Path(__file__).resolve()), "--worker", name, *args]


def disk_usage_mb(path: Path) -> float:
    """Allocated size of every file under path (what `du` reports), in MB."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # a file removed while we walk
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total / 2**20


def percentile(values: Sequence[float], share: float) -> float:
    """Linearly interpolated percentile (share in 0..1)."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# -- workers (run in their own process so their memory and threads are their own) ---------------
def embed_worker(corpus: Path, limit: int) -> dict[str, Any]:
    """Embedder alone over the texts ingest would embed (a length-preserving sample if > limit)."""
    from embed_profile import embed_like_ingest

    from assistant.embeddings import get_embedder

    texts, papers = chunk_texts(corpus)
    chunks_per_paper = len(texts) / papers
    if limit and len(texts) > limit:
        texts = random.Random(SEED).sample(texts, limit)
    embedder = get_embedder()
    embedder.embed(texts[: embedder.batch_size])  # warm-up: session load
    started = time.perf_counter()
    embed_like_ingest(embedder, texts, embedder.batch_size)
    seconds = time.perf_counter() - started
    return {
        "texts": len(texts),
        "seconds": seconds,
        "chunks_per_s": len(texts) / seconds,
        "chunks_per_paper": chunks_per_paper,
        "abstracts_per_s": len(texts) / seconds / chunks_per_paper,
        "batch_size": embedder.batch_size,
        "threads": embedder.threads,
    }


def search_worker(data_dir: Path, queries_file: Path) -> dict[str, Any]:
    """Library.search latency per query after one warm-up, and search_many per query."""
    from assistant.library import Library
    from assistant.settings import Settings

    queries = [json.loads(line)["text"] for line in queries_file.read_text().splitlines()]
    library = Library(Settings(data_dir=data_dir))
    started = time.perf_counter()
    library.search(queries[0], 10)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    library.index()
    index_load = time.perf_counter() - started
    latencies = []
    for query in queries:
        started = time.perf_counter()
        library.search(query, 10)
        latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    library.search_many(queries, 10)
    batch = time.perf_counter() - started
    return {
        "queries": len(queries),
        "first_query_ms": cold * 1000,
        "index_load_ms": index_load * 1000,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "batch_per_query_ms": batch / len(queries) * 1000,
    }


def tui_worker() -> dict[str, Any]:
    """Wall-clock instants of the TUI's first paint and of its library becoming ready."""
    from textual.app import App

    from assistant.tui import app as tui_app

    classes = [
        v for v in vars(tui_app).values()
        if isinstance(v, type) and issubclass(v, App) and v.__module__ == tui_app.__name__
    ]  # fmt: skip
    if not classes:
        return {"error": "assistant.tui.app defines no textual App"}
    app_class = classes[0]
    imported = time.time()

    async def measure() -> dict[str, Any]:
        try:
            app = app_class(offline=True)
        except TypeError:
            app = app_class()
        async with app.run_test(size=(120, 40)) as pilot:  # entered once the screen is up
            painted = time.time()
            ready = None
            if hasattr(app, "ready"):
                while not app.ready and time.time() - painted < 600:
                    await pilot.pause(0.05)
                ready = time.time() if app.ready else None
            # let the work the ready library kicks off (table fill, ...) end before shutdown
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(app.workers.wait_for_complete(), 60)
            await pilot.pause()
        return {"app": app_class.__name__, "imported": imported, "painted": painted, "ready": ready}

    return asyncio.run(measure())


# -- per-size measurements -------------------------------------------------------------------------
def write_queries(records: Sequence[dict], path: Path, count: int) -> Path:
    """~count queries: the eval questions, real titles, and 2-4 word phrases from titles."""
    rng = random.Random(SEED)
    texts = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    titled = [r["title"] for r in records if r["title"]]
    texts = texts[: count // 3]
    while len(texts) < 2 * count // 3:
        texts.append(rng.choice(titled))
    while len(texts) < count:
        words = rng.choice(titled).split()
        n = rng.randint(2, min(4, len(words)))
        start = rng.randint(0, len(words) - n)
        texts.append(" ".join(words[start : start + n]))
    lines = [json.dumps({"id": f"q{i:03d}", "text": t}) for i, t in enumerate(texts, 1)]
    path.write_text("\n".join(lines) + "\n")
    return path


def measure_size(size: int, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Every per-size measurement, in a fresh data dir under workdir."""

    def say(text: str) -> None:
        print(f"[{size}] {text}", flush=True)

    base = workdir / f"size-{size}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    records = build_corpus(size)
    corpus = write_jsonl(records, base / "corpus.jsonl")
    queries = write_queries(records, base / "queries.jsonl", args.queries)
    data_dir = base / "data"
    env = child_env(data_dir)
    out: dict[str, Any] = {"papers": len(records), "corpus_mb": corpus.stat().st_size / 2**20}

    say("embedding throughput")
    embed = run_measured(worker("embed", str(corpus), str(args.embed_limit)), env)
    out["embedding"] = json.loads(embed["stdout"].splitlines()[-1])
    say(f"  {out['embedding']['chunks_per_s']:.1f} chunks/s")

    say("ingest")
    out["ingest"], report = ingest_step(corpus, env)
    out["ingest"].update(
        papers=report["papers_after"],
        chunks=report["embedded_chunks"],
        embed_s=report["embed_seconds"],
        chunks_per_s=report["embedded_chunks"] / max(report["embed_seconds"], 1e-9),
    )
    say(f"  {out['ingest']['wall_s']:.1f} s, {out['ingest']['peak_rss_mb']:.0f} MB")

    say("re-ingest (unchanged)")
    out["reingest"], report = ingest_step(corpus, env)
    out["reingest"].update(unchanged=report["unchanged"], embedded_chunks=report["embedded_chunks"])
    say(f"  {out['reingest']['wall_s']:.1f} s")

    # The same file with one abstract edited: every record is parsed again.
    say("re-ingest (one record changed)")
    edited = [dict(record) for record in records]
    edited[len(edited) // 2]["abstract"] += " We also report results on a held-out split."
    edited_file = write_jsonl(edited, base / "edited" / corpus.name)
    del edited
    out["reingest_edited"], report = ingest_step(edited_file, env)
    out["reingest_edited"].update(
        updated=report["updated"], embedded_chunks=report["embedded_chunks"]
    )
    edited_step = out["reingest_edited"]
    say(f"  {edited_step['wall_s']:.1f} s, {edited_step['peak_rss_mb']:.0f} MB")
    out["disk_mb"] = disk_usage_mb(data_dir)

    say("search")
    out.update(measure_search(data_dir, queries, args))
    say(f"  p50 {out['search']['p50_ms']:.1f} ms, p95 {out['search']['p95_ms']:.1f} ms")

    say("TUI first paint")
    out["tui"] = measure_tui(env)
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return out


def ingest_step(path: Path, env: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`litreview ingest PATH --json`: its wall time and peak RSS, and its report."""
    done = run_measured([litreview_bin(), "ingest", str(path), "--json"], env)
    return {"wall_s": done["wall_s"], "peak_rss_mb": done["peak_rss_mb"]}, json.loads(
        done["stdout"]
    )


def measure_search(data_dir: Path, queries: Path, args: argparse.Namespace) -> dict[str, Any]:
    """In-process and CLI batch search over an ingested data dir."""
    env = child_env(data_dir)
    search = run_measured(worker("search", str(data_dir), str(queries)), env)
    result = json.loads(search["stdout"].splitlines()[-1])
    result["peak_rss_mb"] = search["peak_rss_mb"]
    cli = run_measured(
        [litreview_bin(), "search", "--queries", str(queries), "--k", "10", "--json"], env
    )
    cli_search = {
        "wall_s": cli["wall_s"],
        "per_query_ms": cli["wall_s"] / args.queries * 1000,
        "peak_rss_mb": cli["peak_rss_mb"],
    }
    return {"search": result, "cli_search": cli_search}


def measure_tui(env: dict[str, str]) -> dict[str, Any]:
    """Seconds from launching the TUI process to its first screen and to its library being ready."""
    if not (REPO / "assistant" / "tui" / "app.py").is_file():
        return {"first_paint_s": None, "note": "assistant/tui has no app yet"}
    launched = time.time()
    try:
        done = run_measured(worker("tui"), env)
    except RuntimeError as exc:
        last = str(exc).strip().splitlines()[-1]
        return {"first_paint_s": None, "note": f"the TUI failed: {last}"}
    result = json.loads(done["stdout"].splitlines()[-1])
    if "error" in result:
        return {"first_paint_s": None, "note": result["error"]}
    return {
        "first_paint_s": result["painted"] - launched,
        "library_ready_s": result["ready"] - launched if result["ready"] else None,
        "import_s": result["imported"] - launched,
        "peak_rss_mb": done["peak_rss_mb"],
        "note": f"{result['app']}.run_test() headless, 120x40, offline",
    }


def measure_startup(workdir: Path, repeat: int = 5) -> dict[str, Any]:
    """`litreview --help` vs a bare two-command typer app's --help: median wall time."""
    bare = workdir / "bare_typer.py"
    bare.write_text(_BARE_TYPER)
    env = child_env(workdir / "startup-data")

    def median_of(command: list[str]) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, env=env)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    return {
        "litreview_help_s": median_of([litreview_bin(), "--help"]),
        "bare_typer_help_s": median_of([sys.executable, str(bare), "--help"]),
        "repeat": repeat,
    }


def machine_info() -> dict[str, Any]:
    """CPU, cores, RAM, versions and the embedder configuration in force."""
    from assistant import embeddings

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    outputs = [":!benchmarks/*.json", ":!benchmarks/RESULTS.md"]  # results, not code
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", ".", *outputs],
        capture_output=True,
        text=True,
    ).stdout.strip()

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    from assistant.settings import load_settings

    default = embeddings.Embedder(load_settings().cache_dir)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "onnxruntime": version("onnxruntime"),
        "chromadb": version("chromadb"),
        "bm25s": version("bm25s"),
        "embedding_model": embeddings.MODEL_NAME,
        "max_tokens": embeddings.MAX_TOKENS,
        "embed_batch_size": default.batch_size,
        "embed_threads": default.threads,
        "commit": commit + ("+dirty" if dirty else ""),
    }


# -- report -------------------------------------------------------------------------------------
def _fmt(value: Any, digits: int = 1) -> str:
    """A table cell."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


ROWS: list[tuple[str, tuple[str, ...], int]] = [
    ("papers", ("papers",), 0),
    ("embedded chunks", ("ingest", "chunks"), 0),
    ("embedding, Embedder alone (chunks/s)", ("embedding", "chunks_per_s"), 1),
    ("embedding, Embedder alone (abstracts/s)", ("embedding", "abstracts_per_s"), 1),
    ("embedding during ingest (chunks/s)", ("ingest", "chunks_per_s"), 1),
    ("ingest, CLI wall (s)", ("ingest", "wall_s"), 1),
    ("ingest peak RSS (MB)", ("ingest", "peak_rss_mb"), 0),
    ("re-ingest unchanged, CLI wall (s)", ("reingest", "wall_s"), 1),
    ("re-ingest peak RSS (MB)", ("reingest", "peak_rss_mb"), 0),
    ("re-ingest, one record edited, CLI wall (s)", ("reingest_edited", "wall_s"), 1),
    ("re-ingest, one record edited, peak RSS (MB)", ("reingest_edited", "peak_rss_mb"), 0),
    ("data dir on disk (MB)", ("disk_mb",), 1),
    ("search p50, Library.search (ms)", ("search", "p50_ms"), 1),
    ("search p95, Library.search (ms)", ("search", "p95_ms"), 1),
    ("first search in a process (ms)", ("search", "first_query_ms"), 0),
    ("index load, Library.index() (ms)", ("search", "index_load_ms"), 1),
    ("search_many per query (ms)", ("search", "batch_per_query_ms"), 1),
    ("CLI search --queries, wall / n (ms)", ("cli_search", "per_query_ms"), 1),
    ("search process peak RSS (MB)", ("search", "peak_rss_mb"), 0),
    ("CLI search peak RSS (MB)", ("cli_search", "peak_rss_mb"), 0),
    ("TUI first paint (s)", ("tui", "first_paint_s"), 2),
    ("TUI library ready (s)", ("tui", "library_ready_s"), 2),
    ("embedder at measurement", ("embedder",), 0),
    ("commit at measurement", ("commit",), 0),
    ("search rows re-measured at commit", ("search_commit",), 0),
]


def _get(data: dict[str, Any], path: Sequence[str]) -> Any:
    """A nested value, or None when any step is missing."""
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def target_values(size_result: dict[str, Any]) -> dict[str, Any]:
    """The measured value behind each target (peak RSS: the largest of any step's process)."""
    steps = ("ingest", "reingest", "reingest_edited", "search", "cli_search")
    rss = [_get(size_result, (step, "peak_rss_mb")) for step in steps]
    return {
        "embed_abstracts_per_s": _get(size_result, ("embedding", "abstracts_per_s")),
        "embed_chunks_per_s": _get(size_result, ("embedding", "chunks_per_s")),
        "search_p50_ms": _get(size_result, ("search", "p50_ms")),
        "peak_rss_mb": max((v for v in rss if v is not None), default=None),
        "reingest_s": _get(size_result, ("reingest", "wall_s")),
    }


def render_markdown(results: dict[str, Any], out_dir: Path) -> str:
    """The RESULTS.md report for every size measured so far."""
    machine = results["machine"]
    sizes = sorted(results["sizes"], key=int)
    lines = [
        "# litreview benchmarks",
        "",
        "Generated by `python benchmarks/run.py` "
        f"({results['updated']}); raw numbers in the JSON next to this file.",
        "",
        "## Machine",
        "",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores; RAM {machine['ram_gb']} GB",
        f"- {machine['os']}; Python {machine['python']}; onnxruntime {machine['onnxruntime']}; "
        f"chromadb {machine['chromadb']}; bm25s {machine['bm25s']}",
        f"- embedder: `{machine['embedding_model']}`, max {machine['max_tokens']} tokens, "
        f"batch {machine['embed_batch_size']}, {machine['embed_threads']} runs at once "
        "(one thread each)",
        f"- commit {machine['commit']}",
        "",
        "## Corpora",
        "",
        "136 is the bundled sample library (`litreview ingest --sample`, as JSONL). Larger "
        "sizes are synthetic: abstracts recombine the sample's sentences (openings first, "
        "conclusions last, real length distribution), titles splice two real titles; ids, titles "
        "and abstract openings are distinct so nothing merges. About 2 chunks per paper are "
        "embedded (1,000-character chunks, each led by the title). Queries: 100 per size, a "
        "third each eval questions, real titles and 2-4 word title phrases. Embedding "
        "throughput is measured on at most "
        f"{results.get('embed_limit', 2000):,} of the corpus's chunk texts (a random sample).",
        "",
        "Reproduce: `python benchmarks/run.py --sizes 136,10000,100000 --json "
        "benchmarks/results.json "
        "--markdown benchmarks/RESULTS.md` (sizes add up across runs), "
        "`python benchmarks/embed_profile.py --json benchmarks/embed_profile.json`, "
        "`python benchmarks/quality.py --max-tokens 256,128 --source-model --json "
        "benchmarks/quality.json`.",
        "",
        "## Results",
        "",
        "| metric | " + " | ".join(f"{int(s):,}" for s in sizes) + " |",
        "| --- |" + " ---: |" * len(sizes),
    ]
    for label, path, digits in ROWS:
        cells = [_fmt(_get(results["sizes"][s], path), digits) for s in sizes]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    startup = results.get("startup")
    if startup:
        lines += [
            "",
            f"CLI start-up (median of {startup['repeat']}): `litreview --help` "
            f"{startup['litreview_help_s'] * 1000:.0f} ms vs a bare two-command typer app "
            f"{startup['bare_typer_help_s'] * 1000:.0f} ms.",
        ]
    notes = {s: _get(results["sizes"][s], ("tui", "note")) for s in sizes}
    if any(notes.values()):
        lines += ["", "TUI: " + "; ".join(f"{int(s):,}: {n}" for s, n in notes.items() if n)]
    lines += ["", "## Targets (at 100,000 papers)", ""]
    lines += ["| target | measured | size | verdict |", "| --- | ---: | ---: | --- |"]
    for key, (label, op, bound) in TARGETS.items():
        measured_size = str(TARGET_SIZE) if str(TARGET_SIZE) in results["sizes"] else None
        if measured_size is None and sizes:
            measured_size = sizes[-1]
        value = target_values(results["sizes"][measured_size])[key] if measured_size else None
        if value is None:
            verdict = "not measured"
        else:
            ok = value >= bound if op == ">=" else value < bound
            verdict = ("pass" if ok else "FAIL") + (
                "" if measured_size == str(TARGET_SIZE) else " (not yet at 100,000)"
            )
        lines.append(
            f"| {label} {op} {bound:g} | {_fmt(value)} | "
            f"{_fmt(int(measured_size)) if measured_size else '-'} | {verdict} |"
        )
    lines += [
        "",
        "The embedding target is stated per abstract; ingest embeds about two title-led chunks per "
        "abstract, so it is shown both per paper and per embedded text.",
        "",
        "An unchanged re-ingest finds the file's fingerprint (its bytes, the import options and "
        "the parser's code) in the store's table of imported files and parses nothing. The "
        "'one record edited' rows are the same file with one abstract changed: every record is "
        "parsed, those the library holds exactly as parsed are dropped as they are read, the "
        "edited one is merged with the one library paper it meets and re-embedded, and the "
        "search index is updated (BM25 weights recomputed from the kept token ids).",
    ]
    lines += _extra_sections(out_dir)
    return "\n".join(lines) + "\n"


def _profile_order(row: dict[str, Any]) -> tuple:
    """Profile rows grouped by max tokens, plain settings before variants."""
    s = row["setting"]
    return (-s["max_tokens"], bool(s["options"]), s["workers"], -s["threads"], s["batch"])


def _extra_sections(out_dir: Path) -> list[str]:
    """Tables from embed_profile.json and quality.json, and the retrieval benchmark's section
    (retrieval_beir.md, written by retrieval_beir.py), when present."""
    lines: list[str] = []
    profile_file, quality_file = out_dir / "embed_profile.json", out_dir / "quality.json"
    if profile_file.is_file():
        profile = json.loads(profile_file.read_text())
        lines += [
            "",
            "## Embedding settings (`benchmarks/embed_profile.py`)",
            "",
            f"{profile['chunks']} chunk texts of the {profile['papers']} sample papers, fed as "
            f"ingest feeds them; best of {profile.get('repeat', 2)} runs, each setting in a "
            "fresh process. bN = batch size, tN = intra-op threads, tokN = max tokens, "
            "x2 = two runs at once on one session; options are onnxruntime "
            "SessionOptions, and source=1 runs the packaged graph as shipped instead of the "
            "derived int8 one. Repeated sweeps on this shared VM differ by up to ~15%, so "
            "only larger gaps mean anything.",
            "",
            "| setting | chunks/s | abstracts/s |",
            "| --- | ---: | ---: |",
        ]
        for row in sorted(profile["results"], key=_profile_order):
            lines.append(
                f"| {row['name']} | {row['chunks_per_s']:.1f} | {row['abstracts_per_s']:.1f} |"
            )
    if quality_file.is_file():
        quality = json.loads(quality_file.read_text())
        lines += [
            "",
            "## Retrieval quality by max tokens and model (`benchmarks/quality.py`, sample "
            "library)",
            "",
            "`questions`: the 30 paraphrased eval questions with their relevant papers; `title`: "
            "each real title as the query for its paper; `last_sentence`: each abstract's last "
            "sentence for its paper, the text a shorter cut loses first. Dense = keyword "
            "weight 0. `source-model`: the packaged graph as shipped, against the derived int8 "
            "graph litreview runs.",
            "",
            "| max tokens (model) | query set | n | dense nDCG@10 | dense MRR | hybrid nDCG@10 | "
            "hybrid MRR |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for setting, sets in quality.items():
            names = dict.fromkeys(name.split("/")[0] for name in sets)
            for name in names:
                dense, hybrid = sets[f"{name}/dense"], sets[f"{name}/hybrid"]
                lines.append(
                    f"| {setting.split('=')[-1]} | {name} | {dense['queries']} | "
                    f"{dense['ndcg@10']:.3f} | {dense['mrr@10']:.3f} | "
                    f"{hybrid['ndcg@10']:.3f} | {hybrid['mrr@10']:.3f} |"
                )
    retrieval_file = out_dir / "retrieval_beir.md"
    if retrieval_file.is_file():
        lines += ["", *retrieval_file.read_text().rstrip("\n").splitlines()]
    return lines


# -- entry point --------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Measure the given sizes, or run one worker (internal `--worker`)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="136,10000", help="comma-separated paper counts")
    parser.add_argument("--json", type=Path, help="results file (other sizes in it are kept)")
    parser.add_argument("--markdown", type=Path, help="write the report here too")
    parser.add_argument("--workdir", type=Path, help="corpora, data dirs (default: tmp)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--embed-limit", type=int, default=2000, help="texts for the Embedder run")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs")
    parser.add_argument("--render", action="store_true", help="only rewrite --markdown from --json")
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="re-measure search on the data dirs a --keep run left in --workdir",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)

    if args.worker:
        if args.worker == "embed":
            result = embed_worker(Path(rest[0]), int(rest[1]))
        elif args.worker == "search":
            result = search_worker(Path(rest[0]), Path(rest[1]))
        else:
            result = tui_worker()
        print(json.dumps(result))
        return 0
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if not args.json and not args.markdown:
        parser.error("give --json and/or --markdown")
    if args.render:
        if not (args.json and args.markdown and args.json.is_file()):
            parser.error("--render needs an existing --json file and --markdown")
        results = json.loads(args.json.read_text())
        args.markdown.write_text(render_markdown(results, args.json.resolve().parent))
        return 0

    if args.search_only:
        return search_only(args)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="litreview-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"sizes": {}}
    if args.json and args.json.is_file():
        results = json.loads(args.json.read_text())
    results["machine"] = machine_info()
    results["embed_limit"] = args.embed_limit
    results["startup"] = measure_startup(workdir)
    print(f"startup: {results['startup']}", flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        results["sizes"][str(size)] = measure_size(size, workdir, args)
        results["sizes"][str(size)]["bench_s"] = time.perf_counter() - started
        results["sizes"][str(size)]["commit"] = results["machine"]["commit"]
        results["sizes"][str(size)]["embedder"] = results["machine"]["embedding_model"]
        results["updated"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        save(results, args)
    return 0


def search_only(args: argparse.Namespace) -> int:
    """Search figures again on kept data dirs, marked with the commit they were measured at."""
    if not (args.workdir and args.json and args.json.is_file()):
        print("--search-only needs --workdir (of a --keep run) and an existing --json")
        return 2
    results = json.loads(args.json.read_text())
    commit = machine_info()["commit"]
    for size in args.sizes.split(","):
        base = args.workdir / f"size-{int(size)}"
        if size not in results["sizes"] or not (base / "data").is_dir():
            print(f"[{size}] no kept data dir or no earlier results: run it with --keep first")
            return 2
        print(f"[{size}] search", flush=True)
        results["sizes"][size].update(measure_search(base / "data", base / "queries.jsonl", args))
        results["sizes"][size]["search_commit"] = commit
        print(f"[{size}]   p50 {results['sizes'][size]['search']['p50_ms']:.1f} ms", flush=True)
        results["updated"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        save(results, args)
    return 0


def save(results: dict[str, Any], args: argparse.Namespace) -> None:
    """Write the JSON and the Markdown now, so a long run keeps what it has measured."""
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    if args.markdown:
        out_dir = (args.json or args.markdown).resolve().parent
        args.markdown.write_text(render_markdown(results, out_dir))


if __name__ == "__main__":
    raise SystemExit(main())
