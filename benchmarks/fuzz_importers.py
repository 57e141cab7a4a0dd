"""The large fuzz run of the importers: thousands of seeded mutations of small valid files (every
format), each parsed as `litreview ingest` parses it, with and without --skip-invalid.

Each case ends one of four ways: imported (records, maybe some skipped), refused (one line
`FILE:LINE: what is wrong`, exit 2 in the CLI), crash (any other exception, or a refusal that is
not one proper line) or hang (no answer within --timeout seconds: the worker is killed). The CI
suite (tests/test_fuzz_importers.py) runs a few hundred of the same cases; this runs thousands:

    python benchmarks/fuzz_importers.py --per-pair 20 --json benchmarks/fuzz_importers.json

10 seeds x 15 mutations x 20 = 3,000 cases. Cases are numbered: `--start` runs other ones.
`--case ID` runs one case (`--save FILE` keeps its file). `--scaling 10000,40000,100000
[--formats atom]` measures parse time against the number of records instead.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection, wait
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzzing import Case, case, cases, outcome  # noqa: E402


def _run_case(case: Case, directory: Path) -> dict:
    path = directory / case.seed.name
    try:
        path.write_bytes(case.data())
    except Exception as error:  # noqa: BLE001 - a mutation's own bug, not the parser's
        return {"id": case.id, "kind": "harness", "detail": repr(error), "seconds": 0.0}
    started = time.perf_counter()
    kind, detail = outcome(path)
    skip_kind, skip_detail = outcome(path, skip_invalid=True)
    seconds = time.perf_counter() - started
    if skip_kind == "crash" and kind != "crash":
        kind, detail = "crash", f"with --skip-invalid: {skip_detail}"
    return {"id": case.id, "kind": kind, "detail": detail, "seconds": seconds}


def _worker(conn: Connection, all_cases: list[Case]) -> None:
    with tempfile.TemporaryDirectory(prefix="litreview-fuzz-") as tmp:
        directory = Path(tmp)
        while True:
            index = conn.recv()
            if index is None:
                return
            conn.send(_run_case(all_cases[index], directory))


class _Slot:
    def __init__(self, context: multiprocessing.context.BaseContext, all_cases: list[Case]):
        self.parent, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, all_cases), daemon=True)
        self.process.start()
        self.case: int | None = None
        self.started = 0.0

    def give(self, index: int) -> None:
        self.case, self.started = index, time.perf_counter()
        self.parent.send(index)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()


def run(all_cases: list[Case], workers: int, timeout: float) -> list[dict]:
    context = multiprocessing.get_context("fork")
    slots = [_Slot(context, all_cases) for _ in range(workers)]
    todo = list(range(len(all_cases)))[::-1]
    results: list[dict] = []
    while todo or any(s.case is not None for s in slots):
        for slot in slots:
            if slot.case is None and todo:
                slot.give(todo.pop())
        busy = [s for s in slots if s.case is not None]
        ready = wait([s.parent for s in busy], timeout=0.5)
        for slot in busy:
            if slot.parent in ready:
                try:
                    results.append(slot.parent.recv())
                except EOFError:  # the worker died (a segfault, the OOM killer)
                    results.append(_lost(all_cases[slot.case], "crash", "worker died", slot))
                    slots[slots.index(slot)] = _Slot(context, all_cases)
                    continue
                slot.case = None
            elif time.perf_counter() - slot.started > timeout:
                results.append(_lost(all_cases[slot.case], "hang", f"> {timeout:g} s", slot))
                slot.kill()
                slots[slots.index(slot)] = _Slot(context, all_cases)
        if len(results) % 500 == 0 and results:
            print(f"{len(results)}/{len(all_cases)}", file=sys.stderr, flush=True)
    for slot in slots:
        slot.parent.send(None)
    return results


def _lost(case: Case, kind: str, detail: str, slot: _Slot) -> dict:
    seconds = time.perf_counter() - slot.started
    slot.case = None
    return {"id": case.id, "kind": kind, "detail": detail, "seconds": seconds}


def scaling(sizes: list[int], formats: set[str] | None) -> list[dict]:
    """Parse time of each seed grown to `sizes` records (tests.fuzzing.grown): linear parsers
    keep their records per second as the file grows."""
    from assistant.ingest import _collect, _parse
    from tests.fuzzing import grown, seeds

    rows = []
    for seed in seeds():
        if formats and seed.fmt not in formats and seed.name not in formats:
            continue
        for size in sizes:
            text = grown(seed, size)
            wall, cpu = time.perf_counter(), time.process_time()
            _, count = _collect(_parse(seed.fmt, text, seed.name, None), None)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            row = {"file": seed.name, "records": count, "mb": round(len(text) / 1e6, 1),
                   "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                   "records_per_cpu_s": round(count / cpu)}  # fmt: skip
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-pair", type=int, default=20, help="cases per (seed, mutation)")
    parser.add_argument("--start", type=int, default=0, help="first case number")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before a hang")
    parser.add_argument("--json", type=Path, help="write the counts and the failures here")
    parser.add_argument("--case", help="run one case (its id) here and save its file as --save")
    parser.add_argument("--save", type=Path, help="with --case: where to write the case's file")
    parser.add_argument(
        "--scaling", help="instead: parse time at these record counts, e.g. 10000,40000,100000"
    )
    parser.add_argument("--formats", help="with --scaling: only these formats (e.g. atom)")
    args = parser.parse_args()
    if args.scaling:
        formats = set(args.formats.split(",")) if args.formats else None
        rows = scaling([int(n) for n in args.scaling.split(",")], formats)
        if args.json:
            args.json.write_text(json.dumps({"scaling": rows}, indent=2) + "\n")
        return
    if args.case:
        one = case(args.case)
        if args.save:
            args.save.write_bytes(one.data())
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(_run_case(one, Path(tmp))))
        return
    all_cases = cases(range(args.start, args.start + args.per_pair))
    started = time.perf_counter()
    results = run(all_cases, args.workers, args.timeout)
    wall = time.perf_counter() - started
    counts = Counter(r["kind"] for r in results)
    by_format: dict[str, Counter] = {}
    by_mutation: dict[str, Counter] = {}
    for one, result in zip(
        sorted(all_cases, key=lambda c: c.id), sorted(results, key=lambda r: r["id"])
    ):
        by_format.setdefault(one.seed.name, Counter())[result["kind"]] += 1
        by_mutation.setdefault(one.mutation, Counter())[result["kind"]] += 1
    failures = sorted((r for r in results if r["kind"] in ("crash", "hang")), key=lambda r: r["id"])
    slowest = sorted(results, key=lambda r: -r["seconds"])[:5]
    summary = {
        "cases": len(results),
        "refused": counts["refused"],
        "imported": counts["imported"],
        "crashes": counts["crash"],
        "hangs": counts["hang"],
        "wall_seconds": round(wall, 1),
        "timeout_seconds": args.timeout,
        "per_pair": args.per_pair,
        "start": args.start,
        "by_file": {name: dict(c) for name, c in sorted(by_format.items())},
        "by_mutation": {name: dict(c) for name, c in sorted(by_mutation.items())},
        "slowest": [{"id": r["id"], "seconds": round(r["seconds"], 2)} for r in slowest],
        "failures": failures[:200],
    }
    print(
        f"cases {summary['cases']}: refused {summary['refused']}, imported "
        f"{summary['imported']}, crashes {summary['crashes']}, hangs {summary['hangs']} "
        f"({wall:.0f} s)"
    )
    for failure in failures[:40]:
        print(f"  {failure['kind']}: {failure['id']}: {failure['detail']}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
