"""Print the evidence `litreview ask` would hand the model for a question (for fixture authors).

    python evals/tools/evidence.py "QUESTION" [--data-dir DIR] [--k 8]

The data dir must hold the eval library (the sample corpus plus evals/planted.jsonl); it is built
there if it is empty.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--k", type=int, default=8)
    args = parser.parse_args()
    from assistant.answer import Asker
    from assistant.evaluation.cases import load_suite
    from assistant.evaluation.runner import prepare_library

    library = prepare_library(args.data_dir, load_suite(ROOT))
    hits = Asker(library).evidence(args.question, args.k, None)
    if not hits:
        print("(no evidence: ask would abstain)")
    for hit in hits:
        paper = hit.paper
        print(f"=== [@{paper.key}] {paper.title} ({paper.year})")
        print(" ".join(paper.abstract.split()))
        print()


if __name__ == "__main__":
    main()
