"""Readers while writers work: rows deleted under a query, an index read while a revision is
committed, two processes saving the index cache, stats during an unfinished ingest, and real
processes removing and re-importing while others search."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
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


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )


def test_remove_and_reimport_while_other_processes_search(
    sample_library: Library, tmp_path: Path
) -> None:
    """Writers remove a paper and import it back; readers search for it meanwhile, half of
    them without the index cache (they must build the index from the store)."""
    paper = sample_library.get("li2024nimbus")
    record = tmp_path / "nimbus.jsonl"
    record.write_text(
        json.dumps({"id": paper.key, "title": paper.title, "abstract": paper.abstract}) + "\n"
    )
    cache = sample_library.settings.data_dir / "cache"
    failures = []
    for round_number in range(4):
        if round_number % 2:
            for cached in cache.glob("index-*.pickle"):
                cached.unlink()  # this round's readers rebuild the index from the store
        writer = _cli("remove", paper.key)
        readers = [_cli("search", paper.title, "--k", "3", "--json") for _ in range(2)]
        for process in (writer, *readers):
            out, err = process.communicate(timeout=120)
            if process.returncode != 0:
                failures.append((round_number, process.args[3], err.strip()))
        importer = _cli("ingest", str(record))
        reader = _cli("search", paper.title, "--k", "3", "--json")
        for process in (importer, reader):
            out, err = process.communicate(timeout=120)
            if process.returncode != 0:
                failures.append((round_number, process.args[3], err.strip()))
    assert failures == []
    # checked from a new process: this one's embedded Chroma client caches what it read before
    out, err = _cli("search", paper.title, "--k", "1", "--json").communicate(timeout=120)
    assert json.loads(out)["hits"][0]["key"] == paper.key, err
    out, _ = _cli("stats", "--json").communicate(timeout=120)
    assert json.loads(out)["papers"] == 136 and json.loads(out)["chunks"] == 264
