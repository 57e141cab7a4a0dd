"""A local OpenAI-protocol server that replays recorded replies, keyed by the prompt's hash.

The real `openai` client talks to it over HTTP, so the gateway runs exactly as in production. A
prompt with no recording means the fixture is stale (the prompt changed): the server answers 400
and remembers the hash, and the runner names the case to re-record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.errors import UsageError
from assistant.evaluation.cases import Recording, prompt_hash
from assistant.evaluation.openai_protocol import ScriptedOpenAI, Step

STALE_STATUS = 400


class ReplayServer:
    def __init__(self, recordings: Sequence[Recording]) -> None:
        self.by_hash: dict[str, Recording] = {}
        for recording in recordings:
            other = self.by_hash.setdefault(recording.prompt_hash, recording)
            if other.reply != recording.reply:
                raise UsageError(
                    f"cases {other.case} and {recording.case} send the same prompt but have "
                    "different replies; give one of them another question"
                )
        self.misses: list[str] = []
        self.served: list[str] = []
        self._server = ScriptedOpenAI(responder=self._respond)

    def _respond(self, body: dict[str, Any]) -> Step:
        key = prompt_hash(body.get("messages", []))
        recording = self.by_hash.get(key)
        if recording is None:
            self.misses.append(key)
            return Step(status=STALE_STATUS, error_message=f"no recorded reply for prompt {key}")
        self.served.append(key)
        return Step(reply=recording.reply, cut_after=recording.cut_after)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def __enter__(self) -> ReplayServer:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)
