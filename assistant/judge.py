"""The model verification pass: one batched call asks the model to judge every kept citation.

Local checks run first; the judge may reject a citation they kept, never rescue one they
rejected. Its reply is plain text, one line per item (small local models have no JSON mode), and
a reply that cannot be read, or a failing endpoint, leaves the local verdicts in place and says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.errors import LLMError

if TYPE_CHECKING:
    from assistant.llm import LLMGateway
    from assistant.prompts import PromptSet

_LINE = re.compile(
    r"^\s*\**\s*(?:item\s*)?\[?(\d+)\]?\s*[:.)\-]\s*\**\s*(SUPPORTED|PARTIAL|UNSUPPORTED|CONTRADICTED)\b"
    r"\**\s*[:\-–—]?\s*(?:[\"“](.*?)[\"”])?",
    re.IGNORECASE,
)
_MAX_ABSTRACT_CHARS = 2500
# A verdict line is a number, a word and a quote of a few words: 80 tokens an item is ample. The
# cap, the stop once every item has its line, and the time budget keep a model that goes on
# writing (SmolLM2 judged a draft, then wrote 3,480 more tokens in 200 s) from holding the answer.
JUDGE_TOKENS_PER_ITEM = 80
JUDGE_SECONDS = 120.0


@dataclass
class JudgeItem:
    claim: str
    key: str
    abstract: str


@dataclass
class Judgement:
    verdict: str
    quote: str | None = None


@dataclass
class JudgeResult:
    judgements: dict[int, Judgement] = field(default_factory=dict)  # by item index (0-based)
    usage: dict[str, int] = field(default_factory=dict)
    problem: str | None = None  # set when the pass failed and local verdicts stand

    @property
    def ran(self) -> bool:
        return self.problem is None


def parse_judgements(text: str, count: int) -> dict[int, Judgement]:
    """`N: VERDICT "quote"` lines; anything else in the reply is ignored."""
    found: dict[int, Judgement] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        index = int(match.group(1)) - 1
        if 0 <= index < count and index not in found:
            found[index] = Judgement(match.group(2).lower(), match.group(3))
    return found


_ALL_JUDGED = "every item judged"


def _every_item_judged(text: str, count: int) -> str | None:
    """A reason to stop reading once each item has its finished line (what follows is chatter)."""
    finished = text[: text.rfind("\n") + 1]
    return _ALL_JUDGED if finished and len(parse_judgements(finished, count)) == count else None


class CitationJudge:
    def __init__(self, gateway: LLMGateway, prompts: PromptSet) -> None:
        self.gateway = gateway
        self.prompts = prompts

    def messages(self, items: Sequence[JudgeItem]) -> list[dict[str, str]]:
        from assistant.answer import _defang

        blocks = []
        for number, item in enumerate(items, 1):
            abstract = " ".join(item.abstract.split())[:_MAX_ABSTRACT_CHARS]
            blocks.append(
                f"{number}. CLAIM: {_defang(item.claim)}\n"
                f"   PAPER @{item.key}\n   <abstract>{_defang(abstract)}</abstract>"
            )
        return [
            {"role": "user", "content": self.prompts["verify"].render(items="\n\n".join(blocks))}
        ]

    def judge(self, items: Sequence[JudgeItem]) -> JudgeResult:
        if not items:
            return JudgeResult()
        count = len(items)
        try:
            result = self.gateway.chat(
                self.messages(items),
                max_tokens=JUDGE_TOKENS_PER_ITEM * count + 32,
                stop_when=lambda text: _every_item_judged(text, count),
                budget=JUDGE_SECONDS,
            )
        except LLMError as exc:
            return JudgeResult(problem=f"the model judge failed: {exc}")
        if not result.complete and _every_item_judged(result.text, count) is None:
            why = f": {result.stopped}" if result.stopped else ""
            return JudgeResult(
                usage=result.usage, problem=f"the model judge's reply was cut off{why}"
            )
        judgements = parse_judgements(result.text, count)
        if not judgements:
            return JudgeResult(
                usage=result.usage, problem="the model judge's reply could not be read"
            )
        return JudgeResult(judgements=judgements, usage=result.usage)
