"""The library on the real store with real embeddings: counts, merging, keys, atomicity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from assistant.embeddings import MODEL_NAME
from assistant.errors import InputError, NotFoundError, StoreError
from assistant.library import Library
from assistant.settings import load_settings
from tests.conftest import SAMPLE

SEED_FILES = sorted(SAMPLE.iterdir())


def test_sample_gives_144_records_of_136_papers(shared_sample_library: Library) -> None:
    stats = shared_sample_library.stats()
    assert stats["papers"] == 136
    assert stats["records"] == 144
    assert stats["merged"] == 8
    assert stats["sources"] == {
        "000_a86f7287c1751b79.txt": 27,
        "001_ffc3c72241cb5c7a.txt": 37,
        "002_54b5836085ab27ea.txt": 60,
        "003_5802acf2ec23f7ae.txt": 10,
        "004_1df8c92c15449f01.txt": 10,
    }


def test_eight_abstract_only_records_merge_into_profile_papers(
    shared_sample_library: Library,
) -> None:
    merged = [p for p in shared_sample_library.papers() if len(p.sources) > 1]
    assert len(merged) == 8
    for paper in merged:
        files = sorted(s.file[:3] for s in paper.sources)
        assert files == ["000", "004"]
        assert not paper.title_derived  # the profile's real title wins
        assert paper.authors


def test_derived_titles_are_flagged(shared_sample_library: Library) -> None:
    papers = shared_sample_library.papers()
    derived = [p for p in papers if p.title_derived]
    # 003's ten and the two of 004 that are not also in the profile
    assert len(derived) == 12
    assert sorted({s.file[:3] for p in derived for s in p.sources}) == ["003", "004"]
    assert all(p.title for p in derived)


def test_keys_are_unique_and_bibtex_style(shared_sample_library: Library) -> None:
    papers = shared_sample_library.papers()
    keys = [p.key for p in papers]
    assert len(set(keys)) == 136
    assert all(k.isascii() and k == k.lower() and " " not in k for k in keys)


def test_ingesting_the_seed_dir_equals_the_sample(
    shared_sample_library: Library, isolated_env: Path
) -> None:
    library = Library(load_settings())
    report = library.ingest([SAMPLE])
    assert report.parsed == 144 and report.papers_after == 136
    ours = {p.key: p.model_dump() for p in library.papers()}
    theirs = {p.key: p.model_dump() for p in shared_sample_library.papers()}
    assert ours == theirs


def test_keys_do_not_depend_on_ingest_order(
    shared_sample_library: Library, isolated_env: Path
) -> None:
    library = Library(load_settings())
    for path in reversed(SEED_FILES):  # 004 (abstract-only) before 000 (profile)
        library.ingest([path])
    ours = {p.key: (p.title, len(p.sources)) for p in library.papers()}
    theirs = {p.key: (p.title, len(p.sources)) for p in shared_sample_library.papers()}
    assert ours == theirs
    assert library.store.count() == shared_sample_library.store.count()  # no stale chunks


def test_reingest_of_unchanged_files_parses_nothing(sample_library: Library) -> None:
    revision = sample_library.store.revision
    report = sample_library.ingest(sample=True)
    assert len(report.unchanged_files) == 5 and report.parsed == 144
    assert report.embedded_chunks == 0 and report.merged_duplicates == 0
    assert report.unchanged == 136 and report.added == 0 and report.updated == 0
    assert sample_library.store.revision == revision
    assert sample_library.stats()["papers"] == 136


def test_reingest_of_records_already_held_embeds_nothing(sample_library: Library) -> None:
    # Forget which files were imported: the records themselves must be found unchanged.
    sample_library.store.record_imports({path.name: None for path in SEED_FILES})
    assert sample_library.store.imports() == {}
    report = sample_library.ingest(sample=True)
    assert report.unchanged_files == [] and report.parsed == 144
    assert report.embedded_chunks == 0
    assert report.unchanged == 136 and report.added == 0 and report.updated == 0
    assert report.merged_duplicates == 8  # within the import, as the first time; not 144
    assert sorted(sample_library.store.imports()) == [path.name for path in SEED_FILES]
    assert sample_library.ingest(sample=True).unchanged_files  # recorded again


def test_a_changed_file_is_parsed_again_alone(sample_library: Library, tmp_path: Path) -> None:
    papers = tmp_path / "mine.jsonl"
    papers.write_text('{"id": "x1", "title": "First", "abstract": "Alpha beta gamma."}\n')
    sample_library.ingest([papers])
    papers.write_text(
        papers.read_text() + '{"id": "x2", "title": "Second", "abstract": "Delta epsilon."}\n'
    )
    report = sample_library.ingest([papers, SAMPLE])
    assert [Path(f).name for f in report.unchanged_files] == [p.name for p in SEED_FILES]
    assert report.parsed == 146 and report.added == 1 and report.unchanged == 137
    assert sample_library.ingest([papers]).unchanged_files == [str(papers)]


def test_an_edited_file_merges_only_its_changed_record(
    sample_library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    papers = _papers_file(tmp_path / "mine.jsonl", range(1, 7))
    sample_library.ingest([papers])
    record = json.loads(papers.read_text().splitlines()[2])
    lines = papers.read_text().splitlines()
    lines[2] = json.dumps({**record, "abstract": record["abstract"] + " Now with a new proof."})
    papers.write_text("\n".join(lines) + "\n")

    read: list[str] = []
    library_for_merging = Library._library_for_merging

    def spied(self: Library) -> tuple:
        library, load = library_for_merging(self)

        def counted_load(positions: list[int]) -> list:
            chosen = load(positions)
            read.extend(p.key for p in chosen)
            return chosen

        return library, counted_load

    monkeypatch.setattr(Library, "_library_for_merging", spied)
    report = sample_library.ingest([papers])
    assert read == [_key(3)]  # not the 141 other papers, nor the 5 records it holds unchanged
    assert report.parsed == 6 and report.updated == 1 and report.unchanged == 141
    assert report.merged_duplicates == 0 and report.embedded_chunks >= 1
    assert sample_library.get(_key(3)).abstract.endswith("Now with a new proof.")


def test_a_removed_paper_comes_back_with_its_file(sample_library: Library) -> None:
    paper = next(p for p in sample_library.papers() if len(p.sources) == 1)
    sample_library.remove(paper.key)
    report = sample_library.ingest(sample=True)
    assert paper.sources[0].file not in {Path(f).name for f in report.unchanged_files}
    assert len(report.unchanged_files) == 4
    assert report.added == 1 and sample_library.get(paper.key).title == paper.title


def test_a_file_with_skipped_records_is_checked_again(
    sample_library: Library, tmp_path: Path
) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text('{"id": "m1", "title": "Good", "abstract": "Alpha."}\n{"id": "m2", \n')
    assert len(sample_library.ingest([mixed], skip_invalid=True).skipped) == 1
    again = sample_library.ingest([mixed], skip_invalid=True)
    assert again.unchanged_files == [] and len(again.skipped) == 1  # reported again


def test_parse_error_writes_nothing(sample_library: Library, tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "g1", "title": "Good paper", "abstract": "A fine abstract."}\n')
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "b1", "abstract": "ok"}\n{"id": "b2", "abstract": \n')
    revision = sample_library.store.revision
    with pytest.raises(InputError) as caught:
        sample_library.ingest([good, bad])
    assert str(caught.value).startswith("bad.jsonl:2:")
    assert sample_library.store.revision == revision
    assert sample_library.stats()["papers"] == 136


def test_skip_invalid_imports_the_good_records(sample_library: Library, tmp_path: Path) -> None:
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(
        '{"id": "m1", "title": "Good one", "abstract": "Alpha beta gamma."}\n'
        '{"id": "m2", "abstract": \n'
        '{"id": "m3", "title": "Good two", "abstract": "Delta epsilon zeta."}\n'
    )
    report = sample_library.ingest([bad], skip_invalid=True)
    assert [str(s).split(":")[:2] for s in report.skipped] == [["mixed.jsonl", "2"]]
    keys = {p.key for p in sample_library.papers()}
    assert {"m1", "m3"} <= keys and "m2" not in keys
    assert len(keys) == 138


def test_remove_and_unknown_key(sample_library: Library) -> None:
    key = sample_library.papers()[0].key
    sample_library.remove(key)
    assert sample_library.stats()["papers"] == 135
    with pytest.raises(NotFoundError):
        sample_library.get(key)
    with pytest.raises(NotFoundError):
        sample_library.remove("no-such-key")


def test_opening_with_another_model_points_to_reindex(sample_library: Library) -> None:
    sample_library.store.set_embedding_model("some-other-model")
    fresh = Library(load_settings())
    with pytest.raises(StoreError, match="litreview reindex"):
        fresh.papers()
    report = fresh.reindex()
    assert report.papers_after == 136
    assert fresh.store.stored_model == MODEL_NAME
    assert Library(load_settings()).stats()["papers"] == 136


def test_chroma_server_mode(chroma_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITREVIEW_CHROMA_URL", chroma_server)
    monkeypatch.setenv("LITREVIEW_COLLECTION", f"t{int(time.time() * 1000)}")
    library = Library(load_settings())
    report = library.ingest([SEED_FILES[3], SEED_FILES[4]])
    assert report.papers_after == 20
    assert library.store.location == chroma_server
    hits = Library(load_settings()).search("optical in-network computing for distributed learning")
    assert hits[0].paper.title.startswith("An Optical In-Network-Computing")


def _run_ingest(data_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "LITREVIEW_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", "--sample"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_kill_9_during_ingest_then_rerun_completes(isolated_env: Path) -> None:
    proc = _run_ingest(isolated_env)
    chroma = isolated_env / "chroma"
    deadline = time.time() + 60
    while not chroma.exists() and time.time() < deadline:  # wait until it is writing
        time.sleep(0.1)
    time.sleep(3.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    library = Library(load_settings())
    assert library.stats()["papers"] in (0, 136)  # the old library, or the whole new one
    rerun = _run_ingest(isolated_env)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    stats = Library(load_settings()).stats()
    assert (stats["papers"], stats["records"]) == (136, 144)
    ids = Library(load_settings()).store.entry_ids()
    assert len(ids) == 136


def test_ctrl_c_during_ingest_leaves_the_library_as_it_was(sample_library: Library) -> None:
    extra = Path(sample_library.settings.data_dir).parent / "extra.jsonl"
    extra.write_text(
        "".join(
            f'{{"id": "x{i}", "title": "Extra {i}", "abstract": "Text number {i} about caches."}}\n'
            for i in range(400)
        )
    )
    env = {**os.environ, "LITREVIEW_DATA_DIR": str(sample_library.settings.data_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", str(extra)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(4.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert b"Traceback" not in err
    papers = Library(load_settings()).stats()["papers"]
    assert papers in (136, 536)


class _Interrupted(Exception):
    pass


class _CountingEmbedder:
    """The real embedder, counting the texts it embeds; optionally interrupted after `stop_after`
    calls, as Ctrl+C or a crash would stop an ingest half way."""

    def __init__(self, stop_after: int | None = None) -> None:
        from assistant.embeddings import get_embedder

        self.real = get_embedder()
        self.stop_after = stop_after
        self.calls = 0
        self.texts = 0

    def embed(self, texts, **options):  # noqa: ANN001, ANN003, ANN201 - mirrors Embedder.embed
        if self.stop_after is not None and self.calls >= self.stop_after:
            raise _Interrupted
        self.calls += 1
        self.texts += len(texts)
        return self.real.embed(texts, **options)

    def embed_query(self, text: str):  # noqa: ANN201
        return self.real.embed_query(text)


def _key(number: int) -> str:
    return f"p{number:03d}"  # ingest goes in key order: here the numbers' order


def _papers_file(path: Path, numbers: Iterable[int], changed: range = range(0)) -> Path:
    lines = []
    for i in numbers:
        topic = "revised findings on cache eviction" if i in changed else "resumable imports"
        abstract = f"Paper {i} studies {topic}. " + "It reports results on many workloads. " * 6
        record = {"id": _key(i), "title": f"Paper{i} on {topic}", "abstract": abstract}
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")
    return path


def _interrupted_ingest(path: Path, stop_after: int) -> int:
    """An ingest stopped after `stop_after` embedding slices; returns the texts it embedded."""
    embedder = _CountingEmbedder(stop_after=stop_after)
    library = Library(load_settings(), embedder=embedder)
    with pytest.raises(_Interrupted):
        library.ingest([path])
    assert library.stats()["papers"] == 0  # nothing committed
    return embedder.texts


def _chunk_texts_by_key(library: Library) -> dict[str, list[str]]:
    grouped = library.store.entry_ids()
    stored = library.store.embeddings_for([i for ids in grouped.values() for i in ids])
    return {k: [stored[i][1] for i in sorted(ids)] for k, ids in grouped.items()}


def test_interrupted_ingest_resumes_without_embedding_again(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.library as library_module

    monkeypatch.setattr(library_module, "_STAGE_BATCH", 40)  # stage often, as 100,000 would
    corpus = _papers_file(isolated_env.parent / "papers.jsonl", range(120))
    staged = _interrupted_ingest(corpus, stop_after=2)  # two slices of 32 papers, staged

    embedder = _CountingEmbedder()
    library = Library(load_settings(), embedder=embedder)
    report = library.ingest([corpus])
    total = library.store.count()
    assert report.resumed_chunks == staged > 0
    assert embedder.texts == report.embedded_chunks == total - staged
    assert library.stats()["papers"] == 120
    assert total == sum(len(t) for t in _chunk_texts_by_key(library).values())  # none left over
    fresh = Library(load_settings())
    assert fresh.search("Paper7 on resumable imports", k=1)[0].paper.key == _key(7)


def test_resume_reembeds_what_changed_and_drops_what_left(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.library as library_module

    monkeypatch.setattr(library_module, "_STAGE_BATCH", 40)
    _interrupted_ingest(_papers_file(isolated_env.parent / "a.jsonl", range(96)), stop_after=2)
    # p0-p63 are staged. The next import, from another file, keeps p0-p49, changes p50-p59,
    # leaves out p60-p95 and adds p96-p99.
    kept = [*range(60), *range(96, 100)]
    second = _papers_file(isolated_env.parent / "b.jsonl", kept, changed=range(50, 60))
    library = Library(load_settings(), embedder=_CountingEmbedder())
    report = library.ingest([second])
    texts = _chunk_texts_by_key(library)
    assert sorted(texts) == sorted(_key(i) for i in kept)
    assert report.resumed_chunks == sum(len(texts[_key(i)]) for i in range(50))
    assert report.embedded_chunks == sum(len(texts[_key(i)]) for i in kept[50:])
    assert all("revised findings" in t for i in range(50, 60) for t in texts[_key(i)])
    assert {s.file for p in library.papers() for s in p.sources} == {"b.jsonl"}  # kept, retagged
    assert library.store.count() == sum(len(t) for t in texts.values())


def test_remove_after_an_interrupted_ingest_commits_none_of_it(
    sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.library as library_module

    monkeypatch.setattr(library_module, "_STAGE_BATCH", 40)
    corpus = _papers_file(sample_library.settings.data_dir.parent / "p.jsonl", range(80))
    interrupted = Library(load_settings(), embedder=_CountingEmbedder(stop_after=2))
    with pytest.raises(_Interrupted):
        interrupted.ingest([corpus])
    sample_library.remove(sample_library.papers()[0].key)
    library = Library(load_settings())
    assert library.stats()["papers"] == 135
    assert library.store.count() == sum(len(ids) for ids in library.store.entry_ids().values())
