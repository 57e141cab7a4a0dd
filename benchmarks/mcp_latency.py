"""Latency of `litreview mcp` as a client sees it: stdio, the SDK's own client session.

    python benchmarks/mcp_latency.py [--data-dir DIR] [--searches 30] [--asks 10] [--json OUT]

Starts the server on the sample library (ingested into a temp dir unless --data-dir is given),
offline (extractive answers), and reports: the time from spawning the process to the first tool
answer, and the median and p95 per-call latency of `search` and `ask` over the session.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = [
    "secure two-party inference for transformers",
    "KV cache compression",
    "mixture-of-experts inference on edge devices",
    "quantization of large language models",
    "hardware fuzzing",
    "video diffusion acceleration",
]
QUESTIONS = [
    "How can two-party secure inference for transformers be made efficient?",
    "How do recent methods compress the KV cache?",
    "How are mixture-of-experts models served on memory-limited devices?",
    "What limits low-bit quantization of LLMs?",
]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def measure(data_dir: Path, searches: int, asks: int) -> dict[str, float]:
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    env = {**os.environ, "LITREVIEW_DATA_DIR": str(data_dir)}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "assistant.cli", "mcp", "--offline"], env=env
    )
    started = time.perf_counter()
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        initialized = time.perf_counter() - started
        await session.call_tool("search", {"query": QUERIES[0], "k": 10})
        first = time.perf_counter() - started
        search_ms, ask_ms = [], []
        for n in range(searches):
            t = time.perf_counter()
            result = await session.call_tool("search", {"query": QUERIES[n % len(QUERIES)]})
            search_ms.append((time.perf_counter() - t) * 1000)
            assert not result.is_error
        for n in range(asks):
            t = time.perf_counter()
            result = await session.call_tool("ask", {"question": QUESTIONS[n % len(QUESTIONS)]})
            ask_ms.append((time.perf_counter() - t) * 1000)
            assert not result.is_error
    return {
        "initialize_s": round(initialized, 2),
        "first_tool_answer_s": round(first, 2),
        "search_p50_ms": round(statistics.median(search_ms), 1),
        "search_p95_ms": round(_percentile(search_ms, 0.95), 1),
        "ask_p50_ms": round(statistics.median(ask_ms), 1),
        "ask_p95_ms": round(_percentile(ask_ms, 0.95), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--searches", type=int, default=30)
    parser.add_argument("--asks", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir or Path(scratch)
        if args.data_dir is None:
            subprocess.run(
                [sys.executable, "-m", "assistant.cli", "--data-dir", str(data_dir), "ingest",
                 "--sample"],
                check=True,
                capture_output=True,
            )  # fmt: skip
        results = asyncio.run(measure(data_dir, args.searches, args.asks))
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
