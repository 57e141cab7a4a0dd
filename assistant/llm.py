"""The LLM gateway, and the only module that imports openai.

Any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp server) through the official client:
`OPENAI_API_KEY`, `OPENAI_BASE_URL`, model from `LITREVIEW_MODEL` / `--model` / config. The client
retries 429 (honouring Retry-After), 5xx, timeouts and refused connections with backoff; a stream
that is cut before the model finishes is retried here, and reported if it keeps failing. The key
is never printed, logged or stored.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.errors import LLMError
from assistant.text import split_sentences

if TYPE_CHECKING:
    from assistant.settings import Settings

DEFAULT_MODEL = "gpt-4o-mini"
_PLACEHOLDER_KEY = "sk-no-key-needed"  # local servers ignore it; the client insists on one


@dataclass
class ChatResult:
    text: str
    model: str
    complete: bool = True
    finish_reason: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    attempts: int = 1
    latency: float = 0.0
    first_token_latency: float | None = None
    problem: str | None = None
    stopped: str | None = None  # why the reply was cut short on our side (a limit the caller set)


_OPEN_REASONING = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_CLOSE_REASONING = re.compile(r"</(think|thinking|reasoning)>", re.IGNORECASE)
_TAG_TAIL = 13  # longer than "</reasoning>": a tag split across stream chunks is held back


def strip_reasoning(text: str) -> str:
    """A reply without the reasoning blocks that reasoning models write before answering
    (<think>...</think>, <reasoning>...</reasoning>; an unclosed one runs to the end; a
    closing tag with no opening one ends reasoning that started the reply)."""
    lone_close = _CLOSE_REASONING.search(text)
    if lone_close and not _OPEN_REASONING.search(text, 0, lone_close.start()):
        text = text[lone_close.end() :]
    visible = ReasoningFilter()
    return (visible.feed(text) + visible.flush()).strip()


class ReasoningFilter:
    """The visible part of a streamed reply, chunk by chunk: reasoning blocks are held back,
    and so is a trailing "<" that may open one."""

    def __init__(self) -> None:
        self._buffer = ""
        self._inside = False

    def feed(self, delta: str) -> str:
        self._buffer += delta
        shown: list[str] = []
        while True:
            if self._inside:
                match = _CLOSE_REASONING.search(self._buffer)
                if match is None:
                    self._buffer = self._buffer[-_TAG_TAIL:]
                    return "".join(shown)
                self._buffer, self._inside = self._buffer[match.end() :], False
                continue
            match = _OPEN_REASONING.search(self._buffer)
            if match is not None:
                shown.append(self._buffer[: match.start()])
                self._buffer, self._inside = self._buffer[match.end() :], True
                continue
            cut = self._buffer.rfind("<")
            if cut != -1 and len(self._buffer) - cut < _TAG_TAIL and ">" not in self._buffer[cut:]:
                shown.append(self._buffer[:cut])
                self._buffer = self._buffer[cut:]
            else:
                shown.append(self._buffer)
                self._buffer = ""
            return "".join(shown)

    def flush(self) -> str:
        rest, self._buffer = ("" if self._inside else self._buffer), ""
        return rest


def _shown_tokens(
    visible: ReasoningFilter, on_token: Callable[[str], None]
) -> Callable[[str], None]:
    """on_token for what the reader may see of each chunk (nothing while the model reasons)."""

    def shown(delta: str) -> None:
        text = visible.feed(delta)
        if text:
            on_token(text)

    return shown


def endpoint_configured(settings: Settings) -> bool:
    return bool(settings.openai_base_url or settings.openai_api_key)


def describe_endpoint(settings: Settings) -> str:
    return settings.openai_base_url or "https://api.openai.com/v1"


class LLMGateway:
    """Streams chat completions with retries; turns every failure into one readable line."""

    def __init__(self, settings: Settings, model: str | None = None) -> None:
        self.settings = settings
        self.model = model or settings.model or DEFAULT_MODEL
        self.endpoint = describe_endpoint(settings)

    def _client(self) -> Any:
        import openai

        key = self.settings.openai_api_key
        return openai.OpenAI(
            api_key=key.get_secret_value() if key else _PLACEHOLDER_KEY,
            base_url=self.settings.openai_base_url or None,
            timeout=self.settings.llm_timeout,
            max_retries=self.settings.llm_max_retries,
        )

    def chat(
        self,
        messages: Sequence[dict[str, str]],
        on_token: Callable[[str], None] | None = None,
        on_restart: Callable[[], None] | None = None,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        stop_when: Callable[[str], str | None] | None = None,
        budget: float | None = None,
    ) -> ChatResult:
        """Stream one reply. A cut stream is retried from scratch (on_restart tells the UI).

        Limits a caller may set (a draft paragraph sets all three): `max_tokens`, sent to the
        server and also counted here (about four characters a token), since a small local
        server may not honour it; `stop_when(text so far)`, which names a reason to stop (the
        model repeating itself); `budget`, seconds for the whole reply. A reply stopped by one
        of them comes back with `stopped` saying which, and is not retried here."""
        client = self._client()
        started = time.perf_counter()
        attempts = 0
        last_problem = ""
        while attempts <= self.settings.llm_stream_retries:
            attempts += 1
            if attempts > 1 and on_restart:
                on_restart()
            visible = ReasoningFilter()
            shown = _shown_tokens(visible, on_token) if on_token else None
            limits = _Limits(max_tokens, stop_when, budget, started)
            result = self._stream_once(client, messages, shown, temperature, started, limits)
            if on_token and (rest := visible.flush()):
                on_token(rest)
            result.text = strip_reasoning(result.text)  # never verified, shown or written
            result.attempts = attempts
            if result.complete or result.stopped:
                result.latency = time.perf_counter() - started
                return result
            last_problem = result.problem or "the stream ended early"
            time.sleep(min(0.5 * 2 ** (attempts - 1), 4.0))
        result.problem = f"{last_problem} (after {attempts} attempts)"
        result.latency = time.perf_counter() - started
        return result

    def _stream_once(
        self,
        client: Any,
        messages: Sequence[dict[str, str]],
        on_token: Callable[[str], None] | None,
        temperature: float,
        started: float,
        limits: _Limits | None = None,
    ) -> ChatResult:
        import openai

        parts: list[str] = []
        result = ChatResult(text="", model=self.model, complete=False)
        extra: dict[str, Any] = {}
        if limits is not None and limits.max_tokens:
            extra["max_tokens"] = limits.max_tokens
        if limits is not None and limits.budget:
            extra["timeout"] = max(limits.remaining(), 0.1)
        accepted = False  # the client retries a request, never a stream it has begun
        try:
            stream = client.chat.completions.create(
                model=self.model,
                messages=list(messages),
                temperature=temperature,
                stream=True,
                stream_options={"include_usage": True},
                **extra,
            )
            accepted = True
            for chunk in stream:
                if limits is not None and (reason := limits.exceeded(parts)):
                    result.stopped = reason
                    stream.close()  # stop reading: the server may keep going otherwise
                    break
                if getattr(chunk, "usage", None):
                    usage = chunk.usage
                    result.usage = {
                        "prompt_tokens": usage.prompt_tokens or 0,
                        "completion_tokens": usage.completion_tokens or 0,
                        "total_tokens": usage.total_tokens or 0,
                    }
                if getattr(chunk, "model", None):
                    result.model = chunk.model
                for choice in chunk.choices or []:
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        if result.first_token_latency is None:
                            result.first_token_latency = time.perf_counter() - started
                        parts.append(delta)
                        if on_token:
                            on_token(delta)
                    if choice.finish_reason:
                        result.finish_reason = choice.finish_reason
        except openai.APIStatusError as exc:
            raise LLMError(self._status_message(exc)) from None
        except openai.APITimeoutError:
            if limits is not None and limits.budget and limits.remaining() <= 0:
                result.stopped = f"the time budget ({limits.budget:g} s) ran out"
                result.text = "".join(parts)
                return result
            if parts:
                result.problem = "the stream stalled (timeout)"
                result.text = "".join(parts)
                return result
            if accepted:
                raise LLMError(
                    f"{self.endpoint} accepted the request but sent nothing within "
                    f"{self.settings.llm_timeout:g} s"
                ) from None
            raise LLMError(
                f"{self.endpoint} did not answer within {self.settings.llm_timeout:g} s "
                f"(after {self.settings.llm_max_retries} retries)"
            ) from None
        except openai.APIConnectionError as exc:
            if parts:
                result.problem = "the connection dropped mid-answer"
                result.text = "".join(parts)
                return result
            raise LLMError(f"cannot reach {self.endpoint}: {_root_cause(exc)}") from None
        except openai.OpenAIError as exc:
            raise LLMError(f"model call failed: {type(exc).__name__}: {exc}") from None
        result.text = "".join(parts)
        if result.stopped:
            result.problem = result.stopped
        elif result.finish_reason is None:
            result.problem = "the stream was cut before the model finished"
        elif result.finish_reason == "length":
            result.problem = "the model hit its output limit"
            result.complete = True  # usable, but the answer says it was truncated
        else:
            result.complete = True
        return result

    def _status_message(self, exc: Any) -> str:
        status = getattr(exc, "status_code", "?")
        detail = _error_detail(exc)
        if status == 401:
            return f"{self.endpoint} rejected the API key (401 Unauthorized); check OPENAI_API_KEY"
        if status == 403:
            return f"{self.endpoint} refused access (403 Forbidden){detail}"
        if status == 404:
            return f"model {self.model!r} not found at {self.endpoint} (404){detail}"
        if status == 429:
            return (
                f"{self.endpoint} is rate limiting (429) and still was after "
                f"{self.settings.llm_max_retries} retries{detail}"
            )
        if isinstance(status, int) and status >= 500:
            return (
                f"{self.endpoint} failed with {status} after "
                f"{self.settings.llm_max_retries} retries{detail}"
            )
        return f"{self.endpoint} answered {status}{detail}"


@dataclass
class _Limits:
    """What a caller allows one reply: tokens, a stop rule, seconds."""

    max_tokens: int | None
    stop_when: Callable[[str], str | None] | None
    budget: float | None
    started: float
    _length: int = 0
    _counted: int = 0  # parts counted into _length
    _checked: int = 0  # length at the last stop_when call

    def remaining(self) -> float:
        return (self.budget or 0.0) - (time.perf_counter() - self.started)

    def exceeded(self, parts: list[str]) -> str | None:
        self._length += sum(len(p) for p in parts[self._counted :])
        self._counted = len(parts)
        if self.max_tokens and self._length > 4 * self.max_tokens:
            return f"the reply passed its cap of {self.max_tokens} tokens"
        if self.budget and self.remaining() <= 0:
            return f"the time budget ({self.budget:g} s) ran out"
        if self.stop_when and self._length - self._checked >= 80:  # not on every token
            self._checked = self._length
            return self.stop_when("".join(parts))
        return None


def _error_detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    message = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else None
    return f": {str(message)[:200]}" if message else ""


def _root_cause(exc: BaseException) -> str:
    cause: BaseException | None = exc
    while cause is not None and cause.__cause__ is not None:
        cause = cause.__cause__
    text = str(cause) if cause is not None else str(exc)
    if "Connection refused" in text or "ConnectError" in type(cause).__name__:
        return "connection refused"
    return text[:200] or type(cause).__name__


def repeating(text: str) -> str | None:
    """Why a reply in progress is repeating itself, or None: a sentence of five or more words
    written twice, or the same 60 characters three times (small models loop until their context
    is full). A `stop_when` rule for `LLMGateway.chat`."""
    seen: set[str] = set()
    for sentence in split_sentences(" ".join(text.split())):
        words = re.findall(r"[a-z0-9]+", sentence.lower())
        if len(words) >= 5:
            normal = " ".join(words)
            if normal in seen:
                return "the model repeated itself"
            seen.add(normal)
    tail = " ".join(text.split())[-60:]
    if len(tail) == 60 and " ".join(text.split()).count(tail) >= 3:
        return "the model repeated itself"
    return None
