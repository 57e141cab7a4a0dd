"""How well drafts choose their papers: core recall and precision on the labelled topics.

    python benchmarks/draft_selection.py --data-dir /tmp/lr136 --data-dir /tmp/lr10k
    python benchmarks/draft_selection.py --data-dir /tmp/lr136 --tune      # grid on the tune half
    python benchmarks/draft_selection.py --data-dir /tmp/lr136 --drafts    # whole offline drafts

Topics and gold sets: `evals/cases/draft_topics.jsonl` (core: must cite; related: may cite).
Recall is the share of core papers chosen (or, with --drafts, cited); precision the share of
chosen (cited) papers that are core or related. `--tune` searches the selection parameters on
the "tune" topics only, every library given weighing the same, and prints the held-out scores
of the best setting beside its tuning scores: the held-out half never picks anything.
The 10,000-paper library is built by `benchmarks/draft_mix.py`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _library(data_dir: Path):  # noqa: ANN202
    from assistant.library import Library
    from assistant.settings import Settings

    return Library(Settings(data_dir=data_dir, chroma_url=None))


def _score(chosen: list[str], topic) -> tuple[float, float]:  # noqa: ANN001
    core, ok = set(topic.core), set(topic.core) | set(topic.related)
    recall = len(core & set(chosen)) / len(core)
    precision = len(ok & set(chosen)) / len(chosen) if chosen else 0.0
    return recall, precision


def _summary(rows: list[dict], split: str) -> dict:
    part = [r for r in rows if r["split"] == split]
    return {
        "topics": len(part),
        "recall": round(statistics.mean(r["recall"] for r in part), 3) if part else None,
        "precision": round(statistics.mean(r["precision"] for r in part), 3) if part else None,
        "precision_made_of": (
            round(statistics.mean(r["precision_made_of"] for r in part), 3) if part else None
        ),
    }


def _half(scores: dict, half: str, which: int):  # noqa: ANN202
    """The mean over a half's topics (every library) of recall (0) or precision (1)."""
    import numpy as np

    pairs = [pair[which] for key, v in scores.items() if key.startswith(half) for pair in v]
    return np.mean(pairs, axis=0)


def tune(libraries, topics) -> None:  # noqa: ANN001
    """Every setting of a grid scored at once (numpy), on every library given."""
    import numpy as np

    from assistant.selection import select

    cases = []  # (split, topic, keys, features)
    for name, library in libraries.items():
        for topic in topics:
            selection = select(library, topic.topic)
            left_out = selection.similar.keys() | selection.incoherent.keys()
            scored = [s for s in selection.scored if s.key not in left_out]
            features = np.array([[s.dense, s.feedback, s.lexical, s.focus] for s in scored])
            cases.append((f"{topic.split}|{name}", topic, [s.key for s in scored], features))
    grid = itertools.product(
        (0.0, 0.25, 0.5),  # feedback weight
        (0.0, 0.25, 0.5),  # lexical weight
        (0.0, 0.5, 0.75, 1.0, 1.5, 2.0),  # focus weight
        (0.0, 0.3, 0.4, 0.5),  # focus minimum
        (1, 2, 3),  # top_n
    )
    floors = np.round(np.arange(0.4, 2.6, 0.05), 2)
    relatives = np.array((0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9))
    results = []
    for feedback, lexical, focus, focus_min, top_n in grid:
        weights = np.array([1.0, feedback, lexical, focus])
        scores: dict[str, list] = {}
        for split, topic, keys, features in cases:
            total = features @ weights
            top = np.sort(total)[::-1][:top_n].mean()
            cuts = np.maximum(floors[:, None], relatives[None, :] * top)
            passing = (total[None, None, :] >= cuts[:, :, None]) & (features[:, 3] >= focus_min)[
                None, None, :
            ]
            core = np.array([k in topic.core for k in keys])
            ok = np.array([k in topic.core or k in topic.related for k in keys])
            chosen = passing.sum(axis=2)
            recall = (passing & core).sum(axis=2) / len(topic.core)
            right = (passing & ok).sum(axis=2)
            precision = np.where(chosen > 0, right / np.maximum(chosen, 1), 0.0)
            scores.setdefault(split, []).append((recall, precision))

        tune_r, tune_p = _half(scores, "tune", 0), _half(scores, "tune", 1)
        held_r, held_p = _half(scores, "heldout", 0), _half(scores, "heldout", 1)
        # the cut must hold at every size given: the worst tuning mean (recall or precision, on
        # any library) counts most, the overall means break ties
        worst = np.min(
            [np.mean([pair[w] for pair in v], axis=0)
             for key, v in scores.items() if key.startswith("tune") for w in (0, 1)],
            axis=0,
        )  # fmt: skip
        objective = 2 * worst + tune_r + tune_p
        for i, floor in enumerate(floors):
            for j, relative in enumerate(relatives):
                results.append(
                    (
                        float(objective[i, j]),
                        float(tune_r[i, j]),
                        float(tune_p[i, j]),
                        float(held_r[i, j]),
                        float(held_p[i, j]),
                        (feedback, lexical, focus, focus_min, top_n, float(floor), float(relative)),
                    )
                )
    results.sort(key=lambda r: -r[0])
    from assistant.selection import DEFAULT_PARAMS as d

    today = (d.feedback_weight, d.lexical_weight, d.focus_weight, d.focus_min, d.top_n,
             d.floor, d.relative)  # fmt: skip
    for rank, row in enumerate(results):
        if row[5] == today:
            print(f"today's setting: rank {rank + 1} of {len(results)}, obj {row[0]:.3f} tune R "
                  f"{row[1]:.3f} P {row[2]:.3f}")  # fmt: skip
    for objective, tune_r, tune_p, held_r, held_p, setting in results[:15]:
        feedback, lexical, focus, focus_min, top_n, floor, relative = setting
        print(
            f"obj {objective:.3f} tune R {tune_r:.3f} P {tune_p:.3f} | heldout R {held_r:.3f} "
            f"P {held_p:.3f} | feedback {feedback} lexical {lexical} focus {focus} "
            f"focus_min {focus_min} top_n {top_n} floor {floor} relative {relative}"
        )


def _provenance(library) -> dict[str, list[str]]:  # noqa: ANN001
    """For a `draft_mix.py` library: each distractor's key -> the real paper each of its
    sentences was taken from (the mix is rebuilt from its seed, so this is exact)."""
    keys = set(library.index().keys)
    if not any(k.startswith("syn") for k in keys):
        return {}
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from corpus import _sentences
    from draft_mix import mixed_records

    records = mixed_records(len(keys))
    source = {s: r["id"] for r in records if not r["id"].startswith("syn")
              for s in _sentences(r["abstract"])}  # fmt: skip
    return {
        r["id"]: [source.get(s, "") for s in _sentences(r["abstract"])]
        for r in records
        if r["id"].startswith("syn") and r["id"] in keys
    }


def _made_of(provenance: dict[str, list[str]], topic) -> set[str]:  # noqa: ANN001
    """Distractors at least half made of the topic's core and related papers' sentences: what a
    reader of their abstract would take for work on the topic."""
    ok = set(topic.core) | set(topic.related)
    return {
        key
        for key, sources in provenance.items()
        if sources and sum(s in ok for s in sources) >= len(sources) / 2
    }


def measure(library, topics, drafts: bool, verbose: bool) -> dict:  # noqa: ANN001
    from assistant.draft import Drafter
    from assistant.selection import select

    drafter = Drafter(library) if drafts else None
    provenance = _provenance(library)
    rows = []
    for topic in topics:
        started = time.perf_counter()
        if drafter is not None:
            from assistant.errors import UsageError

            try:
                chosen = drafter.draft(topic.topic).cited
            except UsageError:  # fewer than two papers chosen: no draft, nothing cited
                chosen = []
        else:
            chosen = [s.key for s in select(library, topic.topic).chosen]
        seconds = time.perf_counter() - started
        recall, precision = _score(chosen, topic)
        made_of = _made_of(provenance, topic)
        row = {
            "id": topic.id,
            "split": topic.split,
            "topic": topic.topic,
            "recall": round(recall, 3),
            "precision": round(precision, 3),
            "chosen": len(chosen),
            # precision counting a distractor made of the topic's own sentences as related
            "precision_made_of": round(
                _score(chosen, topic.model_copy(update={"related": [*topic.related, *made_of]}))[1],
                3,
            ),
            "seconds": round(seconds, 2),
        }
        if verbose:
            row["missed"] = sorted(set(topic.core) - set(chosen))
            row["off_topic"] = sorted(set(chosen) - set(topic.core) - set(topic.related))
            row["made_of_topic"] = sorted(set(row["off_topic"]) & made_of)
        rows.append(row)
    return {
        "papers": len(library.index()),
        "tune": _summary(rows, "tune"),
        "heldout": _summary(rows, "heldout"),
        "topics": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, action="append", required=True)
    parser.add_argument("--tune", action="store_true", help="grid search on the tune topics")
    parser.add_argument("--drafts", action="store_true", help="score whole offline drafts")
    parser.add_argument("--verbose", action="store_true", help="list missed and off-topic keys")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from assistant.evaluation.cases import load_suite

    topics = load_suite().draft_topics
    libraries = {str(d): _library(d) for d in args.data_dir}
    if args.tune:
        tune(libraries, topics)
        return
    results = {}
    for name, library in libraries.items():
        result = measure(library, topics, args.drafts, args.verbose)
        results[name] = result
        print(f"{name}: {result['papers']} papers")
        for row in result["topics"]:
            extra = ""
            if args.verbose:
                extra = f" missed {row['missed']} off-topic {row['off_topic']}"
            print(
                f"  {row['id']} {row['split']:7s} R {row['recall']:.2f} P {row['precision']:.2f} "
                f"n {row['chosen']:2d} {row['seconds']:5.2f}s  {row['topic']}{extra}"
            )
        print(f"  tune {result['tune']}  heldout {result['heldout']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
