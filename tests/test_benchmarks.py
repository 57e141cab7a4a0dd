"""The benchmark scripts still run against today's code (they are not run in CI, so a changed
signature broke them silently: `expand_paths` began returning what a folder sets aside, and
`benchmarks/corpus.py`, which every draft and latency benchmark builds its library with, died
with "'list' object has no attribute 'exists'")."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_the_benchmark_corpora_build_from_the_sample() -> None:
    corpus = _load("corpus")
    real = corpus.sample_records()
    assert len(real) == 136 and len({r["id"] for r in real}) == 136
    mixed = _load("draft_mix").mixed_records(300)
    assert len(mixed) == 300 and {r["id"] for r in real} <= {r["id"] for r in mixed}


@pytest.mark.parametrize(
    "script", sorted(p.name for p in BENCHMARKS.glob("*.py") if p.name != "corpus.py")
)
def test_every_benchmark_script_starts(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower()
