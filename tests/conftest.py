"""Fixtures: every test gets its own data dir and HOME; none touches the user's files."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.library import Library
from assistant.locations import sample_corpus_dir
from assistant.settings import load_settings

SAMPLE = sample_corpus_dir()


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One derived embedding model per test session, built in a temp dir (never ~/.cache)."""
    cache = tmp_path_factory.mktemp("model-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("LITREVIEW_CACHE_DIR", str(cache))
    yield cache
    mp.undo()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME and data dir; no model endpoint from the developer's shell."""
    home = tmp_path / "home"
    home.mkdir()
    data = tmp_path / "data"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LITREVIEW_DATA_DIR", str(data))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LITREVIEW_CHROMA_URL", "LITREVIEW_MODEL",
                 "LITREVIEW_CONFIG", "LITREVIEW_VERIFY"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return data


@pytest.fixture(scope="session")
def sample_library_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus ingested once per test session (real Chroma, real embeddings)."""
    data = tmp_path_factory.mktemp("sample-library")
    mp = pytest.MonkeyPatch()
    mp.setenv("LITREVIEW_DATA_DIR", str(data))
    try:
        Library(load_settings()).ingest(sample=True)
    finally:
        mp.undo()
    return data


@pytest.fixture
def sample_library(sample_library_dir: Path, isolated_env: Path) -> Library:
    """A private copy of the ingested sample library, safe to modify."""
    shutil.copytree(sample_library_dir, isolated_env)
    (isolated_env / "history.db").unlink(missing_ok=True)  # read-only tests may have asked
    return Library(load_settings())


@pytest.fixture
def shared_sample_library(sample_library_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    """The session's sample library, for read-only tests (no copy)."""
    monkeypatch.setenv("LITREVIEW_DATA_DIR", str(sample_library_dir))
    return Library(load_settings())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on loopback; yields its URL."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        found = shutil.which("chroma")
        if not found:
            pytest.fail("the `chroma` command (from chromadb) is not installed")
        exe = Path(found)
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("w")
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"chroma server did not start: {(path / 'server.log').read_text()}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
