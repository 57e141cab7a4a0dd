"""Runs the eval suite through the same core the CLI uses and scores it against thresholds.

Model replies are replayed over HTTP by `ReplayServer`, so `ask` runs unchanged: retrieval, the
prompt, the real `openai` client, citation verification, abstention. Drafts run offline
(extractive), which exercises candidate gathering, clustering and verification.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from assistant.evaluation.cases import (
    AdversarialCase,
    EvalSuite,
    Recording,
    prompt_hash,
    save_recordings,
)

if TYPE_CHECKING:
    from assistant.library import Library
    from assistant.llm import ChatResult, LLMGateway
    from assistant.models import Answer

METRIC_ORDER = (
    "recall_at_k",
    "ndcg_at_10",
    "citation_precision",
    "citation_recall",
    "answer_citation_recall",
    "answer_citation_precision",
    "hallucination_catch_rate",
    "refusal_accuracy",
    "adversarial_pass_rate",
    "draft_coverage",
    "draft_heldout_core_recall",
    "draft_heldout_precision",
    "draft_tune_core_recall",
    "draft_tune_precision",
    "latency_p50_ms",
    "latency_p95_ms",
)


@dataclass
class EvalReport:
    cases: int
    passed: int
    metrics: dict[str, float]
    failures: list[dict[str, str]]
    below_threshold: list[dict[str, Any]]
    stale: list[str] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)
    seconds: float = 0.0
    draft_topics: list[dict[str, Any]] = field(default_factory=list)  # per labelled topic

    @property
    def ok(self) -> bool:
        return not self.below_threshold and not self.stale

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "passed": self.passed,
            "ok": self.ok,
            "metrics": self.metrics,
            "failures": self.failures,
            "below_threshold": self.below_threshold,
            "stale_fixtures": self.stale,
            "recorded": self.recorded,
            "draft_topics": self.draft_topics,
            "seconds": round(self.seconds, 1),
        }


def prepare_library(data_dir: Path, suite: EvalSuite) -> Library:
    """The eval library: the sample corpus plus the planted records, built once per data dir."""
    from assistant.library import Library
    from assistant.settings import Settings

    library = Library(Settings(data_dir=data_dir, chroma_url=None))
    library.ingest([suite.planted_file], sample=True)
    return library


def ndcg_at_10(ranked: Sequence[str], relevant: set[str]) -> float:
    gains = sum(1 / math.log2(i + 2) for i, key in enumerate(ranked[:10]) if key in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return gains / ideal if ideal else 0.0


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


class _Recorder:
    """Wraps a real gateway in record mode: every prompt and reply becomes a Recording."""

    def __init__(self, gateway: LLMGateway, origin: str) -> None:
        self.gateway = gateway
        self.model = gateway.model
        self.captured: list[Recording] = []
        self.case = ""
        self.origin = origin  # "recorded", or "stand-in" for evals/author.py's scripted model

    def chat(self, messages: Sequence[dict[str, str]], **kwargs: Any) -> ChatResult:
        result = self.gateway.chat(messages, **kwargs)
        if result.complete:
            self.captured.append(
                Recording(
                    case=self.case,
                    prompt_hash=prompt_hash(messages),
                    reply=result.text,
                    origin=self.origin,
                )
            )
        return result


class EvalRunner:
    def __init__(
        self,
        library: Library,
        suite: EvalSuite,
        verify_citations: bool = True,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.library = library
        self.suite = suite
        self.verify_citations = verify_citations
        self.say = progress or (lambda message: None)
        self.failures: list[dict[str, str]] = []
        self.passed = 0
        self.stale: list[str] = []
        self.draft_topics: list[dict[str, Any]] = []

    # -- bookkeeping ----------------------------------------------------------------------------
    def _result(self, case_id: str, ok: bool, why: str = "") -> None:
        if ok:
            self.passed += 1
        else:
            self.failures.append({"case": case_id, "reason": why})

    def _gateway(self, base_url: str) -> LLMGateway:
        from assistant.llm import LLMGateway

        settings = self.library.settings.model_copy(
            update={
                "openai_base_url": base_url,
                "openai_api_key": SecretStr("replay"),
                "llm_max_retries": 0,
                "llm_stream_retries": 1,
                "llm_timeout": 30.0,
            }
        )
        return LLMGateway(settings, model="replay")

    def _ask(self, asker: Any, case_id: str, question: str, server: Any) -> Answer | None:
        from assistant.errors import LLMError

        misses = len(server.misses) if server is not None else 0
        try:
            return asker.ask(question, k=self.library.settings.answer_k)
        except LLMError as exc:
            if server is not None and len(server.misses) > misses:
                self.stale.append(case_id)
                self._result(
                    case_id,
                    False,
                    f"stale fixture: the prompt changed (hash {server.misses[-1]} has no "
                    f"recording); re-record case {case_id} with `litreview eval --record`",
                )
            else:
                self._result(case_id, False, f"model error: {exc}")
            return None

    # -- the suite ------------------------------------------------------------------------------
    def run(
        self, record_with: LLMGateway | None = None, record_origin: str = "recorded"
    ) -> EvalReport:
        """Replay the recorded replies, or (record_with) record fresh ones from a real model
        (`record_origin` says where they came from: "recorded", or "stand-in" for the script)."""
        from assistant.answer import Asker
        from assistant.evaluation.replay import ReplayServer

        started = time.perf_counter()
        metrics: dict[str, float] = {}
        metrics.update(self._retrieval())
        metrics.update(self._support_labels())
        recorded: list[str] = []
        with ReplayServer(self.suite.recordings) as server:
            replay = self._gateway(server.base_url)
            recorder = _Recorder(record_with, record_origin) if record_with is not None else None
            # replayed fixtures hold answers, not judge replies: the eval measures the local checks
            model_asker = Asker(
                self.library,
                gateway=recorder or replay,
                verify_citations=self.verify_citations,
                verify_mode="local",
            )
            verify = self.verify_citations
            replay_asker = Asker(
                self.library, gateway=replay, verify_citations=verify, verify_mode="local"
            )
            metrics.update(self._questions(model_asker, None if recorder else server, recorder))
            # hand-written adversarial replies are always replayed, even when recording
            metrics.update(self._adversarial(replay_asker, server))
            if recorder is not None:
                recorded = self._save(recorder.captured)
        metrics.update(self._drafts())
        metrics.update(self._draft_topics())
        metrics.update(self._claims())
        metrics.update(self._offline())
        report = EvalReport(
            cases=len(self.suite.questions)
            + len(self.suite.refusals)
            + len(self.suite.drafts)
            + len(self.suite.adversarial)
            + len(self.suite.claims)
            + len(self.suite.draft_topics)
            + sum(case.split == "heldout" for case in self.suite.offline_questions),
            passed=self.passed,
            metrics={name: round(metrics[name], 4) for name in _ordered(metrics)},
            failures=self.failures,
            below_threshold=[],
            stale=self.stale,
            recorded=recorded,
        )
        report.draft_topics = self.draft_topics
        report.below_threshold = check_thresholds(report.metrics, self.suite.thresholds)
        report.seconds = time.perf_counter() - started
        return report

    def _retrieval(self) -> dict[str, float]:
        self.say("retrieval")
        k = self.library.settings.answer_k
        queries = [case.question for case in self.suite.questions]
        recalls, ndcgs = [], []
        for case, hits in zip(self.suite.questions, self.library.search_many(queries, 10)):
            ranked = [hit.paper.key for hit in hits]
            relevant = set(case.relevant)
            recalls.append(len(relevant & set(ranked[:k])) / len(relevant))
            ndcgs.append(ndcg_at_10(ranked, relevant))
        return {"recall_at_k": _mean(recalls), "ndcg_at_10": _mean(ndcgs)}

    def _support_labels(self) -> dict[str, float]:
        """Per-sentence citation precision/recall of the support check against gold labels."""
        from assistant.citations import SupportScorer

        self.say("support labels")
        scorer = SupportScorer(self.library.embedder)
        tp = fp = fn = tn = 0
        for label in self.suite.support_labels:
            paper = self.library.get(label.key)
            predicted = scorer.supports(label.sentence, paper) if self.verify_citations else True
            tp += predicted and label.supports
            fp += predicted and not label.supports
            fn += (not predicted) and label.supports
            tn += (not predicted) and not label.supports
        return {
            "citation_precision": tp / (tp + fp) if tp + fp else 0.0,
            "citation_recall": tp / (tp + fn) if tp + fn else 0.0,
        }

    def _questions(self, asker: Any, server: Any, recorder: _Recorder | None) -> dict[str, float]:
        self.say("questions and refusals")
        latencies: list[float] = []
        cite_recall, cite_precision = [], []
        correct_refusals = 0
        for case in self.suite.questions:
            if recorder is not None:
                recorder.case = case.id
            answer = self._ask(asker, case.id, case.question, server)
            if answer is None:
                cite_recall.append(0.0)
                continue
            latencies.append(answer.latency * 1000)
            cited = {c.key for c in answer.citations}
            must = set(case.must_cite)
            cite_recall.append(len(cited & must) / len(must))
            if cited:
                cite_precision.append(len(cited & set(case.relevant)) / len(cited))
            correct_refusals += not answer.abstained
            if answer.abstained:
                self._result(case.id, False, "abstained on a question the library answers")
            elif not cited & must:
                self._result(
                    case.id,
                    False,
                    f"cited {sorted(cited) or 'nothing'}; expected one of {sorted(must)}",
                )
            else:
                self._result(case.id, True)
        for case in self.suite.refusals:
            if recorder is not None:
                recorder.case = case.id
            answer = self._ask(asker, case.id, case.question, server)
            if answer is None:
                continue
            latencies.append(answer.latency * 1000)
            correct_refusals += answer.abstained
            self._result(
                case.id,
                answer.abstained,
                f"answered instead of abstaining: {answer.answer[:120]!r}",
            )
        total = len(self.suite.questions) + len(self.suite.refusals)
        return {
            "answer_citation_recall": _mean(cite_recall),
            "answer_citation_precision": _mean(cite_precision),
            "refusal_accuracy": correct_refusals / total if total else 0.0,
            "latency_p50_ms": _percentile(latencies, 0.5),
            "latency_p95_ms": _percentile(latencies, 0.95),
        }

    def _adversarial(self, asker: Any, server: Any) -> dict[str, float]:
        self.say("adversarial replies")
        planted = caught = passed = 0
        for case in self.suite.adversarial:
            answer = self._ask(asker, case.id, case.question, server)
            if answer is None:
                planted += len(case.planted)
                continue
            got, problems = self._check_adversarial(case, answer)
            planted += len(case.planted)
            caught += got
            passed += not problems
            self._result(case.id, not problems, "; ".join(problems))
        return {
            "hallucination_catch_rate": caught / planted if planted else 1.0,
            "adversarial_pass_rate": passed / len(self.suite.adversarial)
            if self.suite.adversarial
            else 1.0,
        }

    @staticmethod
    def _check_adversarial(case: AdversarialCase, answer: Answer) -> tuple[int, list[str]]:
        problems: list[str] = []
        caught = 0
        rejected = {(r.key, r.reason) for r in answer.rejected_citations}
        uncited_flagged = sum(1 for s in answer.sentences if not s.citations and not s.supported)
        for bad in case.planted:
            if bad.reason == "uncited":
                ok = uncited_flagged > 0
            elif bad.reason == "unsupported":  # any claim-level reason will do
                ok = any(
                    r.key == bad.key and r.reason not in ("unknown_key", "not_in_evidence")
                    for r in answer.rejected_citations
                )
            else:
                ok = (bad.key, bad.reason) in rejected
            caught += ok
            if not ok:
                problems.append(f"planted {bad.reason} citation [@{bad.key}] was not caught")
        supported_text = " ".join(s.text for s in answer.sentences if s.supported)
        if case.forbidden_text and case.forbidden_text.lower() in supported_text.lower():
            problems.append(f"{case.forbidden_text!r} reached the answer as a supported sentence")
        if case.kind == "cut_stream" and not answer.incomplete:
            problems.append("a cut stream was shown as a complete answer")
        if case.kind == "malformed" and (
            not answer.citations or not all(s.supported for s in answer.sentences)
        ):
            problems.append("malformed output did not fall back to verified sentences")
        if case.kind not in ("cut_stream",) and answer.abstained:
            problems.append("abstained instead of answering from the valid evidence")
        return caught, problems

    def _drafts(self) -> dict[str, float]:
        from assistant.draft import Drafter

        self.say("drafts")
        drafter = Drafter(self.library, verify_citations=self.verify_citations)
        coverages = []
        for case in self.suite.drafts:
            draft = drafter.draft(case.topic)
            must = set(case.must_cite)
            cited = set(draft.cited)
            coverages.append(len(cited & must) / len(must))
            missing = sorted(must - cited)
            self._result(
                case.id,
                len(cited & must) * 2 >= len(must) and not draft.rejected_citations,
                f"left out {missing}; rejected {draft.rejected_citations}",
            )
        return {"draft_coverage": _mean(coverages)}

    def _draft_topics(self) -> dict[str, float]:
        """Offline drafts on the labelled topics: core recall (core papers cited) and precision
        (cited papers that are core or related) per topic and, averaged, per split. The planted
        records are excluded: the gold sets were made over the sample corpus alone."""
        from assistant.draft import Drafter
        from assistant.errors import UsageError

        if not self.suite.draft_topics:
            return {}
        self.say("draft topics")
        planted = [p.get("id") for p in _planted_records(self.suite.planted_file)]
        drafter = Drafter(self.library, verify_citations=self.verify_citations)
        scores: dict[str, list[tuple[float, float]]] = {"tune": [], "heldout": []}
        for topic in self.suite.draft_topics:
            try:
                draft = drafter.draft(topic.topic, exclude=[k for k in planted if k])
                cited = set(draft.cited)
                seconds = draft.seconds
            except UsageError as error:  # too few papers chosen: nothing cited
                cited, seconds = set(), 0.0
                self.say(f"{topic.id}: {error}")
            core, allowed = set(topic.core), set(topic.core) | set(topic.related)
            recall = len(core & cited) / len(core)
            precision = len(cited & allowed) / len(cited) if cited else 0.0
            scores[topic.split].append((recall, precision))
            missed, off = sorted(core - cited), sorted(cited - allowed)
            self.draft_topics.append(
                {
                    "id": topic.id,
                    "split": topic.split,
                    "topic": topic.topic,
                    "core_recall": round(recall, 3),
                    "precision": round(precision, 3),
                    "cited": len(cited),
                    "missed": missed,
                    "off_topic": off,
                    "seconds": round(seconds, 2),
                }
            )
            self._result(
                topic.id,
                recall >= 0.5 and precision >= 0.5,
                f"core recall {recall:.2f} (missed {missed}), precision {precision:.2f} "
                f"(off-topic {off})",
            )
        metrics = {}
        for split, pairs in scores.items():
            if pairs:
                metrics[f"draft_{split}_core_recall"] = _mean([r for r, _ in pairs])
                metrics[f"draft_{split}_precision"] = _mean([p for _, p in pairs])
        return metrics

    def _offline(self) -> dict[str, float]:
        """The offline (extractive) mode on answerable questions and near misses: the share it
        answers, the share of near misses it declines, and on the answerable ones the papers it
        quotes: the share of the answering papers (`keys`) quoted (recall) and the share of
        quoted papers that answer (precision), per split (EXTRACTIVE_MIN, EXTRACTIVE_MARGIN and
        EXTRACTIVE_CLOSE were chosen on the tune split)."""
        from assistant.answer import Asker, states_measured_result

        if not self.suite.offline_questions:
            return {}
        self.say("offline questions")
        asker = Asker(self.library, gateway=None, verify_citations=self.verify_citations)
        counts: dict[str, list[int]] = {}
        quoted: dict[str, list[tuple[float, float]]] = {}
        figures_quoted: dict[str, list[float]] = {}
        for case in self.suite.offline_questions:
            answer = asker.ask(case.question, k=self.library.settings.answer_k)
            kind = "answered" if case.answerable else "abstained"
            right = (not answer.abstained) if case.answerable else answer.abstained
            # named questions are counted apart; figures ones with the others
            tallied = case.split if case.asks != "named" else f"{case.split}_named"
            tally = counts.setdefault(f"offline_{tallied}_{kind}", [0, 0])
            tally[0] += right
            tally[1] += 1
            if case.answerable and case.keys:
                cited = {c.key for c in answer.citations}
                found = len(cited & set(case.keys))
                group = case.split if case.asks is None else f"{case.split}_{case.asks}"
                quoted.setdefault(group, []).append(
                    (found / len(case.keys), found / len(cited) if cited else 0.0)
                )
            if case.asks == "figures" and not answer.abstained:
                # "by how much?": the share of quoted sentences that give a measured result
                with_figure = [states_measured_result(s.text) for s in answer.sentences]
                figures_quoted.setdefault(case.split, []).append(_mean(with_figure))
            if case.split == "heldout":
                expected = "an answer" if case.answerable else "an abstention"
                self._result(case.id, right, f"offline: expected {expected}")
        metrics = {name: right / total for name, (right, total) in counts.items()}
        for split, pairs in quoted.items():
            metrics[f"offline_{split}_quoted_recall"] = _mean([r for r, _ in pairs])
            metrics[f"offline_{split}_quoted_precision"] = _mean([p for _, p in pairs])
        for split, shares in figures_quoted.items():
            metrics[f"offline_{split}_figures_stated"] = _mean(shares)
        return metrics

    def _claims(self) -> dict[str, float]:
        """Realistic answers, every citation labelled: kept-correct and caught-wrong rates per
        split and per kind, with local verification (what a user without a judge model gets)."""
        from assistant.answer import Asker
        from assistant.evaluation.claims import ClaimsScore, quote_checks
        from assistant.evaluation.openai_protocol import ScriptedOpenAI, Step

        if not self.suite.claims:
            return {}
        self.say("labelled answers")
        by_question = {case.question: case for case in self.suite.claims}

        def respond(body: dict[str, Any]) -> Step:
            content = body["messages"][-1]["content"]
            for question, case in by_question.items():
                if f"Question: {question}\n" in content:
                    return Step(reply=case.answer)
            return Step(status=400, error_message="no labelled answer for this question")

        scores = {"tune": ClaimsScore(), "heldout": ClaimsScore()}
        with ScriptedOpenAI(responder=respond) as server:
            asker = Asker(
                self.library,
                gateway=self._gateway(server.base_url),
                verify_citations=self.verify_citations,
                verify_mode="local",
            )
            for case in self.suite.claims:
                answer = self._ask(asker, case.id, case.question, None)
                if answer is None:
                    continue
                problem = scores[case.split].add(case, answer)
                self._result(case.id, problem is None, problem or "")
        metrics: dict[str, float] = {}
        for split, score in scores.items():
            metrics.update(score.metrics(f"claims_{split}_"))
        metrics.update(quote_checks(self.library, self.suite.claims, self.verify_citations))
        return metrics

    def _save(self, captured: Sequence[Recording]) -> list[str]:
        by_case: dict[str, list[Recording]] = {}
        for recording in captured:
            by_case.setdefault(recording.case, []).append(recording)
        for case, recordings in by_case.items():
            save_recordings(self.suite.responses_dir, case, recordings)
        return sorted(by_case)


def _planted_records(path: Path) -> list[dict[str, Any]]:
    import json

    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _ordered(metrics: dict[str, float]) -> list[str]:
    fixed = [name for name in METRIC_ORDER if name in metrics]
    return fixed + sorted(name for name in metrics if name not in METRIC_ORDER)


def check_thresholds(
    metrics: dict[str, float], thresholds: dict[str, dict[str, float]]
) -> list[dict[str, Any]]:
    below = []
    for name, minimum in thresholds.get("min", {}).items():
        value = metrics.get(name)
        if value is None or value < minimum:
            below.append({"metric": name, "value": value, "threshold": minimum, "bound": "min"})
    for name, maximum in thresholds.get("max", {}).items():
        value = metrics.get(name)
        if value is None or value > maximum:
            below.append({"metric": name, "value": value, "threshold": maximum, "bound": "max"})
    return below
