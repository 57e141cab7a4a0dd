"""A local OpenAI-protocol HTTP server with scripted replies and failures (tests, eval replay).

The real `openai` client talks to it over HTTP, so the gateway runs unchanged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    """One scripted response: an HTTP error, a (possibly cut) streamed reply, or a stall."""

    status: int = 200
    reply: str = ""
    retry_after: float | None = None
    cut_after: int | None = None  # send this many chunks, then drop the connection
    stall: float = 0.0  # seconds to wait before answering
    stall_stream: float = 0.0  # seconds to wait after a stream's headers, before its first chunk
    error_message: str = "scripted failure"


@dataclass
class ScriptedOpenAI:
    steps: list[Step] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    default: Step | None = None
    responder: Callable[[dict[str, Any]], Step] | None = None  # computes a step from the request

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        script = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with script._lock:
                    script.requests.append({"path": self.path, "body": body})
                    if script.steps:
                        step = script.steps.pop(0)
                    elif script.responder is not None:
                        step = script.responder(body)
                    else:
                        step = script.default
                if step is None:
                    step = Step(status=500, error_message="script exhausted")
                script._respond(self, step, body)

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # clients that hang up mid-reply are part of the script

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> ScriptedOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _respond(self, handler: BaseHTTPRequestHandler, step: Step, body: dict[str, Any]) -> None:
        if step.stall:
            time.sleep(step.stall)
        if step.status != 200:
            payload = json.dumps({"error": {"message": step.error_message, "type": "x"}}).encode()
            handler.send_response(step.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            if step.retry_after is not None:
                handler.send_header("Retry-After", str(step.retry_after))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        model = body.get("model", "scripted")
        if not body.get("stream"):
            payload = json.dumps(_completion(model, step.reply)).encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        if step.stall_stream:
            handler.wfile.flush()
            time.sleep(step.stall_stream)
        words = _pieces(step.reply)
        for n, piece in enumerate(words):
            if step.cut_after is not None and n >= step.cut_after:
                handler.wfile.flush()
                handler.close_connection = True
                return  # no finish_reason, no [DONE]: a cut stream
            _sse(handler, _chunk(model, {"content": piece}, None))
        _sse(handler, _chunk(model, {}, "stop"))
        usage = {
            "prompt_tokens": 100,
            "completion_tokens": len(words),
            "total_tokens": 100 + len(words),
        }
        _sse(handler, {**_chunk(model, None, None), "choices": [], "usage": usage})
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()
        handler.close_connection = True


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def _chunk(model: str, delta: dict[str, Any] | None, finish: str | None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta or {}, "finish_reason": finish}
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
    }


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
    }


def _sse(handler: BaseHTTPRequestHandler, data: dict[str, Any]) -> None:
    handler.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
    handler.wfile.flush()
