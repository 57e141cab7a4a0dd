"""Check a file of labelled answers (evals/cases/claims_*.jsonl) before it joins the eval.

    python evals/tools/validate_claims.py evals/cases/claims_x.jsonl --data-dir DIR

Checks the form of every line, that every [@key] in a sentence has exactly one label, that each
cited key is in the evidence `ask` retrieves for the question, and prints the counts per kind.
A key is read as written, up to a space, comma, semicolon or bracket, so that what a real model
invents (`[@key1]`, `[@https://github.com/...]`) is labelled under the key it wrote. A recorded
answer (`origin: "recorded"`) may cite a key outside the evidence, labelled wrong: a real model
does; an authored one may not.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT.parent))

CORRECT = {"paraphrase", "synthesis", "figure", "summary"}
WRONG = {"figure_context", "polarity", "quantifier", "entity", "unsupported"}
ORIGINS = {"authored", "recorded", "stand-in"}
# a citation's key as written: after "[@" or "; @", up to a space, comma, semicolon or bracket
CITED_KEY = re.compile(r"[\[;]\s*@([^\s,;\[\]]+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    from assistant.answer import Asker
    from assistant.citations import parse_sentences
    from assistant.evaluation.cases import load_suite
    from assistant.evaluation.runner import prepare_library

    library = prepare_library(args.data_dir, load_suite(ROOT))
    asker = Asker(library)
    problems: list[str] = []
    counts: collections.Counter[str] = collections.Counter()
    splits: collections.Counter[str] = collections.Counter()
    outside = 0  # wrong citations of recorded answers whose key is not in the evidence
    for number, line in enumerate(args.file.read_text().splitlines(), 1):
        if not line.strip():
            continue
        where = f"{args.file}:{number}"
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: invalid JSON: {exc}")
            continue
        for field in ("id", "split", "origin", "question", "sentences"):
            if field not in case:
                problems.append(f"{where}: missing {field}")
        if case.get("split") not in ("tune", "heldout"):
            problems.append(f"{where}: split must be tune or heldout")
        if case.get("origin") not in ORIGINS:
            problems.append(f"{where}: origin must be one of {sorted(ORIGINS)}")
        splits[case.get("split", "?")] += 1
        evidence = {h.paper.key for h in asker.evidence(case["question"], 8, None)}
        texts = [s["text"] for s in case.get("sentences", [])]
        parsed = parse_sentences(" ".join(texts))
        if len(parsed) != len(texts):
            problems.append(
                f"{where}: the answer splits into {len(parsed)} sentences, not {len(texts)}: "
                + " | ".join(p[0][:40] for p in parsed)
            )
        for index, sentence in enumerate(case.get("sentences", [])):
            keys = CITED_KEY.findall(sentence["text"])
            labels = sentence.get("labels", [])
            labelled = [label["key"] for label in labels]
            if sorted(set(keys)) != sorted(labelled):
                problems.append(f"{where}: sentence {index + 1}: cites {keys}, labels {labelled}")
            for label in labels:
                kind = label.get("kind")
                ok = label.get("correct")
                if ok is True and kind not in CORRECT or ok is False and kind not in WRONG:
                    problems.append(f"{where}: sentence {index + 1}: {ok} with kind {kind}")
                recorded_wrong = case.get("origin") == "recorded" and ok is False
                if label["key"] not in evidence and recorded_wrong:
                    outside += 1
                elif label["key"] not in evidence:
                    problems.append(
                        f"{where}: sentence {index + 1}: {label['key']} is not in the evidence"
                    )
                if not label.get("why"):
                    problems.append(f"{where}: sentence {index + 1}: label without why")
                counts[("correct:" if ok else "wrong:") + str(kind)] += 1
    for problem in problems:
        print(problem)
    total = sum(counts.values())
    wrong = sum(v for k, v in counts.items() if k.startswith("wrong:"))
    print(f"questions by split: {dict(splits)}; citations {total}, wrong {wrong}")
    if outside:
        print(f"  ({outside} of the wrong ones cite a key outside the evidence: recorded answers)")
    for kind, count in sorted(counts.items()):
        print(f"  {kind}: {count}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
