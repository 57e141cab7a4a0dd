"""Readers while writers work: rows deleted under a query, an index read while a revision is
committed, two processes saving the index cache, stats during an unfinished ingest, and real
processes removing and re-importing while others search and ask: on the embedded store and on a
`chroma run` server with two clients. The default suite runs 2 rounds of each; `pytest -m churn`
runs the full 20."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.library import Library
from assistant.retrieval import LibraryIndex, _read, _save
from assistant.settings import load_settings
from tests.test_library import _CountingEmbedder, _Interrupted, _papers_file


def test_a_row_deleted_under_a_query_is_skipped(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = shared_sample_library.store
    real_query = store._collection.query

    def query_with_a_vanished_row(**kwargs: object) -> dict:
        result = real_query(**kwargs)
        result["metadatas"][0][0] = None  # what Chroma returns for a row deleted meanwhile
        return result

    monkeypatch.setattr(store._collection, "query", query_with_a_vanished_row)
    hits = shared_sample_library.search("secure two-party inference", k=5)
    assert len(hits) == 5


def test_an_index_read_across_a_commit_is_read_again(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sample_library.store
    sample_library.indexes.clear()
    for cached in (sample_library.settings.data_dir / "cache").glob("index-*.pickle"):
        cached.unlink()
    reads = []
    real_iter = store.iter_papers

    def iter_while_a_writer_commits():  # noqa: ANN202
        reads.append(1)
        papers = list(real_iter())  # the old revision's 136 papers, read before the commit
        if len(reads) == 1:  # a writer commits a new revision before the read is done
            other = Library(load_settings())
            other.remove(other.papers()[0].key)
        return iter(papers)

    monkeypatch.setattr(store, "iter_papers", iter_while_a_writer_commits)
    index = sample_library.index()
    # not the 136 papers read across the commit: the index of the revision now committed (read
    # again, or taken from the cache the writer saved)
    assert len(index) == 135 == len(LibraryIndex.build(real_iter()))


def test_two_savers_of_one_index_cache(tmp_path: Path, shared_sample_library: Library) -> None:
    index = shared_sample_library.index()
    (tmp_path / "cache").mkdir()
    path = tmp_path / "cache" / "index-x.pickle"
    errors: list[BaseException] = []

    def save(n: int) -> None:
        try:
            _save(index, path, f"tag{n % 2}")
        except BaseException as exc:  # noqa: BLE001 - any error fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _read(path, "tag0") is not None or _read(path, "tag1") is not None
    assert [p.name for p in path.parent.iterdir()] == ["index-x.pickle"]  # no temp files left


def test_stats_count_committed_chunks_only(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.library as library_module

    before = sample_library.stats()["chunks"]
    monkeypatch.setattr(library_module, "_STAGE_BATCH", 40)
    corpus = _papers_file(sample_library.settings.data_dir.parent / "p.jsonl", range(80))
    interrupted = Library(load_settings(), embedder=_CountingEmbedder(stop_after=2))
    with pytest.raises(_Interrupted):
        interrupted.ingest([corpus])
    library = Library(load_settings())
    assert library.store.count() > before  # the interrupted ingest staged entries
    assert library.stats()["chunks"] == before == 264


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


QUESTION = "How can two-party secure inference for transformers be made efficient?"
FULL_ROUNDS = 20  # `pytest -m churn`: the full run; the default suite runs SHORT_ROUNDS
SHORT_ROUNDS = 2


def _churn(
    key: str, record: Path, rounds: int, writer_env: dict[str, str], reader_env: dict[str, str]
) -> tuple[list[tuple[int, str, str]], list[float]]:
    """`rounds` rounds: a writer removes the paper while one reader searches for it and another
    asks about it, then a writer imports it back while the same two read again. Odd rounds
    delete the readers' index cache first: they must build the index from the store while it
    changes. Returns the failures (round, command, stderr) and each round's seconds."""
    cache = Path(reader_env["LITREVIEW_DATA_DIR"]) / "cache"
    title = json.loads(record.read_text())["title"]
    failures, seconds = [], []
    for round_number in range(rounds):
        started = time.perf_counter()
        if round_number % 2:
            for cached in cache.glob("index-*.pickle"):
                cached.unlink()
        for writer in (["remove", key], ["ingest", str(record)]):
            processes = [
                _cli(*writer, env=writer_env),
                _cli("search", title, "--k", "3", "--json", env=reader_env),
                _cli("ask", QUESTION, "--offline", "--json", env=reader_env),
            ]
            for process in processes:
                _, err = process.communicate(timeout=300)
                if process.returncode != 0 or "error" in err.lower():
                    failures.append((round_number, process.args[3], err.strip()))
        seconds.append(time.perf_counter() - started)
    return failures, seconds


def _final_state(key: str, title: str, env: dict[str, str]) -> tuple[str, int, int]:
    """From new processes (an embedded Chroma client caches what it has read): the first hit
    for the paper's title, and the papers and chunks stats counts."""
    out, err = _cli("search", title, "--k", "1", "--json", env=env).communicate(timeout=300)
    first = json.loads(out)["hits"][0]["key"] if out else err
    out, err = _cli("stats", "--json", env=env).communicate(timeout=300)
    stats = json.loads(out)
    return first, stats["papers"], stats["chunks"]


def _record(paper: object, path: Path) -> Path:
    path.write_text(
        json.dumps({"id": paper.key, "title": paper.title, "abstract": paper.abstract}) + "\n"  # type: ignore[attr-defined]
    )
    return path


def _report(mode: str, seconds: list[float]) -> None:
    print(f"\n{mode}: {len(seconds)} rounds in {sum(seconds):.1f} s "
          f"({', '.join(f'{s:.1f}' for s in seconds)})")  # fmt: skip


@pytest.mark.parametrize(
    "rounds",
    [SHORT_ROUNDS, pytest.param(FULL_ROUNDS, marks=pytest.mark.churn)],
    ids=["short", "full"],
)
def test_remove_and_reimport_while_other_processes_search_and_ask(
    sample_library: Library, tmp_path: Path, rounds: int
) -> None:
    """Embedded store: writers remove a paper and import it back while other processes search
    for it and ask about it; no process fails, and the library ends exactly as it began."""
    paper = sample_library.get("li2024nimbus")
    record = _record(paper, tmp_path / "nimbus.jsonl")
    env = {"LITREVIEW_DATA_DIR": str(sample_library.settings.data_dir)}
    failures, seconds = _churn(paper.key, record, rounds, env, env)
    _report("embedded", seconds)
    assert failures == []
    assert _final_state(paper.key, paper.title, env) == (paper.key, 136, 264)


@pytest.mark.parametrize(
    "rounds",
    [SHORT_ROUNDS, pytest.param(FULL_ROUNDS, marks=pytest.mark.churn)],
    ids=["short", "full"],
)
def test_remove_and_reimport_on_a_chroma_server_while_another_machine_reads(
    shared_sample_library: Library, chroma_server: str, tmp_path: Path, rounds: int
) -> None:
    """A `chroma run` server with two clients: the writer's data dir and a reader's (a second
    machine, with its own index cache, rebuilt from the server in odd rounds)."""
    paper = shared_sample_library.get("li2024nimbus")
    papers = [paper] + [p for p in shared_sample_library.papers() if p.key != paper.key][:29]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": p.key, "title": p.title, "abstract": p.abstract}) + "\n"
            for p in papers
        )
    )
    server = {
        "LITREVIEW_CHROMA_URL": chroma_server,
        "LITREVIEW_COLLECTION": f"churn_{rounds}_{os.getpid()}",
    }
    writer_env = {**server, "LITREVIEW_DATA_DIR": str(tmp_path / "writer")}
    reader_env = {**server, "LITREVIEW_DATA_DIR": str(tmp_path / "reader")}
    _, err = _cli("ingest", str(corpus), env=writer_env).communicate(timeout=300)
    assert "error" not in err.lower(), err
    out, _ = _cli("stats", "--json", env=writer_env).communicate(timeout=300)
    chunks = json.loads(out)["chunks"]
    record = _record(paper, tmp_path / "nimbus.jsonl")
    failures, seconds = _churn(paper.key, record, rounds, writer_env, reader_env)
    _report("chroma server", seconds)
    assert failures == []
    for env in (writer_env, reader_env):
        assert _final_state(paper.key, paper.title, env) == (paper.key, 30, chunks)


def test_a_long_lived_process_sees_and_keeps_another_process_writes(
    sample_library: Library, tmp_path: Path
) -> None:
    """The TUI (or the MCP server) holds its store open while the CLI writes to the library.
    Its embedded Chroma client kept what it had read: searches missed the paper the CLI had
    imported again (its old vectors pointed at deleted entries), and a removal made in the
    TUI wrote that stale state back, losing the CLI's new vectors for good."""
    library = sample_library
    treekv = library.get("he2025treekv")
    query = "TreeKV tree structure for smooth key-value cache compression"
    assert library.search(query, 1)[0].paper.key == treekv.key
    env = {"LITREVIEW_DATA_DIR": str(library.settings.data_dir)}
    record = _record(treekv, tmp_path / "treekv.jsonl")
    for args in (["remove", treekv.key], ["ingest", str(record)]):
        process = _cli(*args, env=env)
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    # the long-lived process reads what the other one wrote
    assert library.search(query, 1)[0].paper.key == treekv.key
    assert len(library.index()) == 136
    # and its own write keeps it
    library.remove("anon2020co")
    assert _final_state(treekv.key, query, env) == (treekv.key, 135, 262)
