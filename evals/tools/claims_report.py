"""The labelled answers' scores per half and kind, and every citation the checks get wrong.

    python evals/tools/claims_report.py [--data-dir DIR]

What `litreview eval` gates (claims_tune_*, claims_heldout_*), plus the list behind the numbers:
the wrong citations kept ("missed") and the correct ones rejected ("dropped", with the reason),
case by case. Rules are chosen on the tune half; read the held-out lists only to report them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT.parent))

from assistant.evaluation import claims as claims_module  # noqa: E402
from assistant.evaluation.cases import load_suite  # noqa: E402
from assistant.evaluation.runner import EvalRunner, prepare_library  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="eval library (built once, then reused)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        suite = load_suite(None)
        library = prepare_library(args.data_dir or Path(scratch), suite)
        scores: dict[str, Any] = {}
        score_one = claims_module.ClaimsScore.add

        def add(self: Any, case: Any, answer: Any) -> str | None:
            scores.setdefault(case.split, self)
            return score_one(self, case, answer)

        claims_module.ClaimsScore.add = add  # type: ignore[method-assign]
        metrics = EvalRunner(library, suite)._claims()
    for name, value in metrics.items():
        print(f"{name:40} {value:.3f}")
    for split, score in scores.items():
        print(f"\n{split}: wrong citations kept")
        print("\n".join(f"  {line}" for line in score.missed) or "  none")
        print(f"{split}: correct citations rejected (kind, reason)")
        print("\n".join(f"  {line}" for line in score.dropped) or "  none")


if __name__ == "__main__":
    main()
