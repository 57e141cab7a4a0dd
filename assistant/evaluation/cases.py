"""The eval suite's data: cases, gold support labels, recorded model replies and thresholds.

Everything lives as files in `evals/` (installed with the package as `bundled_evals`):
`cases/questions.jsonl`, `cases/refusals.jsonl`, `cases/drafts.jsonl`, `cases/adversarial.jsonl`,
`support_labels.jsonl`, `planted.jsonl` (records added to the eval library), `responses/*.json`
(model replies keyed by the hash of the prompt that produced them) and `thresholds.toml`.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from assistant.errors import InputError


class QuestionCase(BaseModel):
    id: str
    question: str
    relevant: list[str] = Field(min_length=1)
    must_cite: list[str] = Field(min_length=1)


class RefusalCase(BaseModel):
    id: str
    question: str


class DraftCase(BaseModel):
    id: str
    topic: str
    must_cite: list[str] = Field(min_length=1)


class DraftTopic(BaseModel):
    """A labelled related-work topic: the papers its section must cite (`core`) and those it may
    cite without going off-topic (`related`). Selection parameters are chosen on the "tune"
    topics only; "heldout" topics measure them."""

    id: str
    split: Literal["tune", "heldout"]
    topic: str
    core: list[str] = Field(min_length=1)
    related: list[str] = Field(default_factory=list)
    origin: Literal["authored"]
    note: str = ""


class OfflineQuestion(BaseModel):
    """A question for the offline (extractive) mode: one the library answers (`keys`: the papers
    that do), or a near miss it does not answer though some abstracts share its words. The
    extractive relevance threshold is chosen on the "tune" questions only."""

    id: str
    split: Literal["tune", "heldout"]
    question: str
    answerable: bool
    keys: list[str] = Field(default_factory=list)
    # "figures": the question asks how much ("... and by how much?"): an answer should quote the
    # papers' measured results, not their background; "named": it names the papers it asks
    # about ("What is the energy efficiency of TeLLMe?"), which may or may not answer it
    asks: Literal["figures", "named"] | None = None
    origin: Literal["authored"]
    note: str = ""


class PlantedCitation(BaseModel):
    key: str
    reason: Literal["unknown_key", "not_in_evidence", "unsupported", "uncited"]


AdversarialKind = Literal[
    "invented_key",
    "not_in_evidence",
    "unsupported",
    "uncited_claim",
    "malformed",
    "cut_stream",
    "planted_instruction",
]


class AdversarialCase(BaseModel):
    id: str
    question: str
    kind: AdversarialKind
    planted: list[PlantedCitation] = Field(default_factory=list)
    forbidden_text: str | None = Field(default=None, description="must never reach the answer")


class SupportLabel(BaseModel):
    id: str
    sentence: str
    key: str
    supports: bool
    kind: str = ""


CORRECT_KINDS = ("paraphrase", "summary", "figure", "synthesis")
WRONG_KINDS = ("figure_context", "polarity", "quantifier", "entity", "unsupported")


class ClaimLabel(BaseModel):
    """A gold judgement of one (sentence, key) citation against the cited abstract."""

    key: str
    correct: bool
    kind: Literal[
        "paraphrase", "summary", "figure", "synthesis",
        "figure_context", "polarity", "quantifier", "entity", "unsupported",
    ]  # fmt: skip
    why: str = Field(min_length=1)


class ClaimSentence(BaseModel):
    text: str
    labels: list[ClaimLabel] = Field(default_factory=list)


Origin = Literal["stand-in", "authored", "recorded"]


class ClaimsCase(BaseModel):
    """A whole answer as a chat model writes it, with every citation labelled.

    `split`: "tune" cases are the only ones thresholds and rules may be chosen on; "heldout"
    cases measure them."""

    id: str
    split: Literal["tune", "heldout"]
    origin: Origin
    question: str
    sentences: list[ClaimSentence] = Field(min_length=1)
    model: str | None = Field(default=None, description="the model a recorded answer came from")

    @property
    def answer(self) -> str:
        return " ".join(s.text for s in self.sentences)


class Recording(BaseModel):
    """One model reply, replayed when the project sends the prompt with this hash."""

    case: str
    prompt_hash: str
    reply: str
    cut_after: int | None = Field(default=None, description="stream this many pieces, then cut")
    origin: Origin = Field(
        description="stand-in: the quoting script in evals/author.py; authored: written on purpose "
        "(or by a rule that plants a fault); recorded: a real model's reply via `eval --record`"
    )


def prompt_hash(messages: Sequence[dict[str, Any]]) -> str:
    """What the replay fixtures are keyed by: the exact messages the project sends."""
    canonical = json.dumps(
        [{"role": m.get("role"), "content": m.get("content")} for m in messages],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def default_evals_dir() -> Path:
    """The checkout's `evals/` when run from source, else the installed copy."""
    source = Path(__file__).resolve().parents[2] / "evals"
    if (source / "thresholds.toml").is_file():
        return source
    return Path(__file__).resolve().parents[1] / "bundled_evals"


Model = TypeVar("Model", bound=BaseModel)


def load_jsonl(path: Path, model: type[Model]) -> list[Model]:
    if not path.is_file():
        raise InputError(str(path), "missing eval file")
    items: list[Model] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(model.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            raise InputError(str(path), f"{where}: {first['msg']}", number) from None
    ids = [getattr(item, "id", None) for item in items]
    duplicates = {i for i in ids if i is not None and ids.count(i) > 1}
    if duplicates:
        raise InputError(str(path), f"duplicate ids: {', '.join(sorted(duplicates))}")
    return items


class EvalSuite(BaseModel):
    root: Path
    questions: list[QuestionCase]
    refusals: list[RefusalCase]
    drafts: list[DraftCase]
    adversarial: list[AdversarialCase]
    support_labels: list[SupportLabel]
    claims: list[ClaimsCase] = Field(default_factory=list)
    draft_topics: list[DraftTopic] = Field(default_factory=list)
    offline_questions: list[OfflineQuestion] = Field(default_factory=list)
    recordings: list[Recording]
    thresholds: dict[str, dict[str, float]]

    @property
    def case_count(self) -> int:
        return (
            len(self.questions)
            + len(self.refusals)
            + len(self.drafts)
            + len(self.adversarial)
            + len(self.support_labels)
            + len(self.claims)
            + len(self.draft_topics)
            + len(self.offline_questions)
        )

    @property
    def planted_file(self) -> Path:
        return self.root / "planted.jsonl"

    @property
    def responses_dir(self) -> Path:
        return self.root / "responses"


def load_suite(root: Path | None = None) -> EvalSuite:
    root = root or default_evals_dir()
    cases = root / "cases"
    recordings: list[Recording] = []
    responses = root / "responses"
    for path in sorted(responses.glob("*.json")) if responses.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            recordings.extend(Recording.model_validate(item) for item in data)
        except (json.JSONDecodeError, ValidationError, TypeError) as exc:
            raise InputError(str(path), f"bad recording: {str(exc).splitlines()[0]}") from None
    thresholds_path = root / "thresholds.toml"
    try:
        thresholds = tomllib.loads(thresholds_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(str(thresholds_path), f"cannot read thresholds: {exc}") from None
    return EvalSuite(
        root=root,
        questions=load_jsonl(cases / "questions.jsonl", QuestionCase),
        refusals=load_jsonl(cases / "refusals.jsonl", RefusalCase),
        drafts=load_jsonl(cases / "drafts.jsonl", DraftCase),
        adversarial=load_jsonl(cases / "adversarial.jsonl", AdversarialCase),
        support_labels=load_jsonl(root / "support_labels.jsonl", SupportLabel),
        claims=[
            case
            for path in sorted(cases.glob("claims_*.jsonl"))
            for case in load_jsonl(path, ClaimsCase)
        ],
        draft_topics=load_jsonl(cases / "draft_topics.jsonl", DraftTopic)
        if (cases / "draft_topics.jsonl").is_file()
        else [],
        offline_questions=load_jsonl(cases / "offline_questions.jsonl", OfflineQuestion)
        if (cases / "offline_questions.jsonl").is_file()
        else [],
        recordings=recordings,
        thresholds=thresholds,
    )


def save_recordings(directory: Path, case: str, recordings: Sequence[Recording]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{case}.json"
    data = [r.model_dump(exclude_none=True) for r in recordings]
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
