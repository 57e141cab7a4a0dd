"""The draft scale check's library: the sample's 136 papers mixed into synthetic distractors.

    python benchmarks/draft_mix.py --size 10000 --out /tmp/mix10k.jsonl
    LITREVIEW_DATA_DIR=/tmp/lr10k litreview ingest /tmp/mix10k.jsonl

The distractors are `corpus.Synthesizer` records (sentences of the sample's own abstracts
recombined, titles spliced from two real titles), so many of them share words and whole
sentences with a topic's papers: a harder mix than unrelated papers would be. The sample's
papers keep their keys, so the labelled topics' gold sets apply unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import SEED, Synthesizer, sample_records, write_jsonl  # noqa: E402


def mixed_records(size: int, seed: int = SEED) -> list[dict]:
    """The sample's records followed by `size - 136` synthetic ones."""
    real = sample_records()
    synth = Synthesizer(real, seed)
    return real + [synth.record(n) for n in range(1, size - len(real) + 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_jsonl(mixed_records(args.size), args.out)
    print(f"wrote {args.size} records to {args.out}")


if __name__ == "__main__":
    main()
