"""The library: ingest files into the store, list, show, remove, search, reindex.

This is the core the CLI, the TUI, the evals and the tests all call the same way.
"""

from __future__ import annotations

import fcntl
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from assistant.errors import InputError, LitreviewError, NotFoundError, UsageError
from assistant.locations import cache_dir, check_data_dir, sample_corpus_dir, storage_problem
from assistant.models import Hit, Paper

if TYPE_CHECKING:
    from assistant.embeddings import E5Embedder, Embedder
    from assistant.ingest import ParsedFile
    from assistant.ingest.merge import RepeatFilter, Summary
    from assistant.retrieval import HybridSearcher, IndexCache, LibraryIndex, SearchFilters
    from assistant.settings import Settings
    from assistant.store import Entry, PaperStore


class Progress(Protocol):
    """What the core reports while it works; the CLI draws it with rich."""

    def stage(self, description: str, total: int | None) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class _Silent:
    def stage(self, description: str, total: int | None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


@dataclass
class SkippedRecord:
    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


@dataclass
class _IndexChange:
    """What a write changed, for the search index: papers written (new or replaced), keys gone,
    and the revision the write started from."""

    papers: list[Paper]
    removed: list[str]
    revision: int


@dataclass
class IngestReport:
    files: list[str] = field(default_factory=list)
    parsed: int = 0
    papers_before: int = 0
    papers_after: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    merged_duplicates: int = 0
    embedded_chunks: int = 0
    reused_chunks: int = 0
    resumed_chunks: int = 0  # kept from an interrupted ingest of the same records
    unchanged_files: list[str] = field(default_factory=list)  # imported before as they are now
    set_aside: list[str] = field(default_factory=list)  # in named folders: PDFs, figures, folders
    skipped: list[SkippedRecord] = field(default_factory=list)
    # keys changed because two works shared one; records kept apart though they share an
    # identifier or title (the user may want to merge them by hand)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def as_dict(self) -> dict:
        data = self.__dict__.copy()
        data["skipped"] = [str(s) for s in self.skipped]
        return data


_INDEX_UPDATE_PAPERS = 1000  # an ingest changing more (and > 10%) rebuilds the index instead
_EMBED_SLICE_PAPERS = 32  # papers embedded at a time (~64 texts), so progress moves
_STAGE_BATCH = 1000  # entries staged per store write: fewer, larger Chroma adds


def _pages(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _chunk_texts(paper: Paper, chunk_chars: int, overlap: int) -> list[str]:
    """Texts to embed for a paper: the abstract in overlapping pieces, each led by the title."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_chars,
        chunk_overlap=overlap,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    pieces = splitter.split_text(paper.abstract) if paper.abstract.strip() else []
    lead = "" if paper.title_derived else paper.title.strip()
    if not pieces:
        return [lead or paper.key]
    return [f"{lead}\n{piece}" if lead else piece for piece in pieces]


def expand_paths(paths: Sequence[Path]) -> tuple[list[Path], dict[Path, str]]:
    """Files named directly, and the visible files inside named directories (sorted); and what
    those directories hold that is not a reference export (the papers' PDFs, figures, folders),
    set aside: path -> what it is."""
    from assistant.ingest.detect import document_kind

    files: list[Path] = []
    set_aside: dict[Path, str] = {}
    for path in paths:
        if path.is_dir():
            visible = sorted(p for p in path.iterdir() if not p.name.startswith("."))
            if not visible:
                raise InputError(str(path), "the directory holds no files")
            exports = []
            for inside in visible:
                if inside.is_dir():
                    set_aside[inside] = "folder"  # not read: named, it would be
                elif inside.is_file():
                    kind = document_kind(inside, _head(inside))
                    if kind:
                        set_aside[inside] = kind
                    else:
                        exports.append(inside)
            if not exports:
                raise InputError(
                    str(path), f"no reference export in it ({_counted(set_aside, path)})"
                )
            files.extend(exports)
        elif path.exists() and not path.is_file():
            # a FIFO or a device (/dev/zero) would block or never end: refused before it is opened
            raise InputError(str(path), "not a regular file (a pipe, device or socket)")
        else:
            files.append(path)
    return files, set_aside


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(16)
    except OSError:
        return b""  # unreadable: parsing it says why, naming the file


def _counted(set_aside: dict[Path, str], directory: Path | None = None) -> str:
    """ "2 PDFs, 1 image and 1 folder" (of those directly in `directory`, if given)."""
    kinds = Counter(
        kind for path, kind in set_aside.items() if directory is None or path.parent == directory
    )
    parts = [f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in sorted(kinds.items())]
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def set_aside_note(set_aside: dict[Path, str]) -> str:
    """The ingest report's note on what the named folders held besides reference exports."""
    names = ", ".join(
        f"{p.name}/" if kind == "folder" else p.name for p, kind in sorted(set_aside.items())
    )
    return (
        f"set aside {_counted(set_aside)}, not reference exports: {names} "
        "(a folder inside is not read; name it to import its files)"
        if "folder" in set_aside.values()
        else f"set aside {_counted(set_aside)}, not reference exports: {names}"
    )


class Library:
    """One user's library: a Chroma store plus a cached keyword index."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._given_embedder = embedder  # used for the store's vectors too (tests, benchmarks)
        self._unsaved_index: tuple[int, LibraryIndex] | None = None  # when no cache can be saved

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from assistant.embeddings import get_embedder

            self._embedder = get_embedder(self.settings.cache_dir)
        return self._embedder

    @cached_property
    def indexes(self) -> IndexCache:
        """The search indexes this library has loaded (one per store revision), cached in the
        data dir, or in the user cache dir when the data dir cannot be written (read-only)."""
        directory = cache_dir(self.settings.data_dir)
        if not _writable(directory):
            directory = self.settings.cache_dir / "indexes"
        return self._index_cache(directory)

    def _index_cache(self, directory: Path) -> IndexCache:
        from assistant.retrieval import IndexCache, KeywordParams

        params = KeywordParams.of(self.settings.retrieval)
        return IndexCache(directory, params)

    @cached_property
    def store(self) -> PaperStore:
        from assistant.embeddings import EMBEDDERS
        from assistant.store import PaperStore

        check_data_dir(self.settings.data_dir)
        store = PaperStore(self.settings, EMBEDDERS[self.settings.embedder])
        stored = store.stored_model
        if stored != store.embedding_model and stored in EMBEDDERS.values() and store.count():
            store.embedding_model = stored  # a library keeps the embedder it was embedded with
        return store

    @property
    def search_embedder(self) -> Embedder | E5Embedder:
        """The embedder of the store's vectors and of search queries (`embedder` is MiniLM,
        which the citation checks are tuned for, unless another was given)."""
        if self._given_embedder is not None:
            return self._given_embedder
        from assistant.embeddings import EMBEDDERS, get_search_embedder

        kind = {name: kind for kind, name in EMBEDDERS.items()}.get(
            self.store.embedding_model, "minilm"
        )
        return get_search_embedder(kind, self.settings.cache_dir)

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """One writer at a time per data dir (a second ingest waits).

        A data dir that cannot take the write (a file, read-only, not writable, its disk full)
        ends it with one DataDirError line saying whether the library is unchanged."""
        data_dir = self.settings.data_dir
        check_data_dir(data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            handle = (data_dir / ".write.lock").open("w")
        except OSError as error:
            raise self._unwritable(error, None) from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            revision = None
            try:
                self.store.sync()  # write over what other processes committed, never under it
                revision = self.store.revision
                yield
            except LitreviewError:
                raise
            except Exception as error:
                translated = self._unwritable(error, revision)
                if translated is error:
                    raise
                raise translated from None
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _unwritable(self, error: BaseException, revision: int | None) -> BaseException:
        """The DataDirError an error from writing the library stands for (or the error itself,
        when it says nothing about the data dir). `revision`: the one committed before."""
        from assistant.errors import DataDirError

        problem = storage_problem(error, self.settings.data_dir)
        if problem is None:
            return error
        unchanged = revision is None
        if revision is not None:
            try:
                self.store.refresh()
                unchanged = self.store.revision == revision
            except Exception:  # noqa: BLE001 - the store cannot even be read: say nothing of it
                return DataDirError(
                    f"cannot write to the library at {self.settings.data_dir}: {problem}"
                )
        state = "the library is unchanged" if unchanged else "the change is committed"
        return DataDirError(
            f"cannot write to the library at {self.settings.data_dir}: {problem}; {state}"
        )

    # -- reading ------------------------------------------------------------------------------
    def index(self) -> LibraryIndex:
        self.store.sync()  # a long-lived process (the TUI, the MCP server) reads others' writes
        self.store.check_model()
        try:
            return self.indexes.load(self.store)
        except OSError as error:
            if storage_problem(error, self.indexes.cache_dir) is None:
                raise
            return self._index_elsewhere(error)

    def _index_elsewhere(self, error: OSError) -> LibraryIndex:
        """The index when its cache cannot be saved where it is (the data dir's disk is full):
        cached in the user cache dir, else a temp dir, else built in memory. Reads work on a
        full disk."""
        import logging
        import os
        import tempfile

        problem = storage_problem(error, self.indexes.cache_dir)
        if self._unsaved_index is not None and self._unsaved_index[0] == self.store.revision:
            return self._unsaved_index[1]
        places = [
            self.settings.cache_dir / "indexes",
            Path(tempfile.gettempdir()) / f"litreview-indexes-{os.getuid()}",
        ]
        for directory in places:
            if directory == self.indexes.cache_dir:
                continue
            fallback = self._index_cache(directory)
            try:
                index = fallback.load(self.store)
            except OSError:
                continue
            logging.getLogger(__name__).warning(
                "the search index cannot be saved in %s (%s): it is kept in %s",
                self.indexes.cache_dir,
                problem,
                directory,
            )
            self.indexes = fallback
            return index
        # nowhere to save it: built in memory, for this process only
        from assistant.retrieval import LibraryIndex

        revision = self.store.revision
        if self._unsaved_index is None or self._unsaved_index[0] != revision:
            logging.getLogger(__name__).warning(
                "the search index cannot be saved (%s): it is built for this run only", problem
            )
            params = getattr(self.indexes, "params", None)
            built = LibraryIndex.build(self.store.iter_papers(), params)
            self._unsaved_index = (revision, built)
        return self._unsaved_index[1]

    def papers(self, filters: SearchFilters | None = None) -> list[Paper]:
        """Every paper (those the filters accept, if given), in key order."""
        index = self.index()
        return index.papers(index.matching(filters))

    def get(self, key: str) -> Paper:
        paper = self.index().get(key)
        if paper is None:
            raise NotFoundError(f"no paper with key {key!r} in the library")
        return paper

    def searcher(self) -> HybridSearcher:
        from assistant.retrieval import HybridSearcher

        return HybridSearcher(
            self.store, self.index(), self.search_embedder, self.settings.retrieval
        )

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None) -> list[Hit]:
        return self.search_many([query], k, filters)[0]

    def search_many(
        self, queries: Sequence[str], k: int = 10, filters: SearchFilters | None = None
    ) -> list[list[Hit]]:
        for query in queries:
            if not query or not query.strip():
                raise UsageError("the query is empty")
        if not queries:
            return []
        return self.searcher().search_many(queries, k, filters)

    def paper_vectors(self, keys: Sequence[str]) -> dict:
        """Each paper's mean chunk vector (L2-normalised), read from the store, not recomputed."""
        import numpy as np

        from assistant.embeddings import MODEL_NAME

        grouped = self.store.entry_ids(set(keys))
        stored = self.store.embeddings_for([i for ids in grouped.values() for i in ids])
        if self.store.embedding_model != MODEL_NAME and self._given_embedder is None:
            # vectors of another embedder (e5-small): callers compare these with `embedder`'s
            texts = [text for _, text in stored.values()]
            stored = dict(zip(stored, zip(self.embedder.embed(texts), texts)))
        vectors = {}
        for key, ids in grouped.items():
            rows = [np.asarray(stored[i][0], dtype=np.float32) for i in ids if i in stored]
            if rows:
                mean = np.mean(rows, axis=0)
                vectors[key] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        return vectors

    def stats(self) -> dict:
        facets = self.index().facets
        by_file: Counter[str] = Counter(file for f in facets for file in f.files)
        years = Counter(f.year for f in facets if f.year)
        return {
            "papers": len(facets),
            "records": sum(len(f.files) for f in facets),
            "merged": sum(1 for f in facets if len(f.files) > 1),
            "derived_titles": sum(1 for f in facets if f.title_derived),
            "chunks": self.store.live_count(),
            "sources": dict(sorted(by_file.items())),
            "years": {str(y): n for y, n in sorted(years.items())},
            "store": self.store.location,
            "embedding_model": self.store.stored_model,
            "revision": self.store.revision,
        }

    # -- parsing --------------------------------------------------------------------------------
    def parse_files(
        self,
        paths: Sequence[Path],
        fmt: str | None = None,
        field_map: dict[str, str] | None = None,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        keep: Callable[[Paper], bool] | None = None,
    ) -> tuple[list[Paper], list[SkippedRecord], Counter[str]]:
        """Parse everything first: an error aborts before anything is written.

        Returns the records (those `keep` accepts, if given), the records left out as invalid,
        and how many records each file name holds.
        """
        from assistant.ingest import parse_file

        progress = progress or _Silent()
        files, _ = expand_paths(paths)
        progress.stage("Parsing", len(files))
        parsed: list[Paper] = []
        skipped: list[SkippedRecord] = []
        counts: Counter[str] = Counter()
        for path in files:
            result = parse_file(path, fmt, field_map, skip_invalid, keep)
            parsed.extend(result.records)
            skipped.extend(SkippedRecord(e.file, e.line, e.detail) for e in result.skipped)
            counts[path.name] += result.count
            progress.advance(1)
        return parsed, skipped, counts

    # -- writing --------------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[Path] = (),
        sample: bool = False,
        fmt: str | None = None,
        field_map: dict[str, str] | None = None,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        readers: Mapping[str, Callable[[Callable[[Paper], bool] | None], ParsedFile]] | None = None,
    ) -> IngestReport:
        """Parse, merge with the library, embed what is new, and commit in one revision.

        A file whose content, options and parser are those of its last import is not parsed
        again: its records are in the library as they would be parsed now. `readers` are sources
        that are not text files (a Zotero database), by the name the report lists: each is
        called under the write lock with the filter of records the library holds unchanged, and
        its records go through the same merge and commit as the files'.
        """
        from assistant.ingest import import_fingerprint
        from assistant.ingest.merge import RepeatFilter

        started = time.perf_counter()
        paths = list(paths) + ([sample_corpus_dir()] if sample else [])
        readers = dict(readers or {})
        if not paths and not readers:
            raise UsageError("nothing to ingest: give files or directories, or --sample")
        progress = progress or _Silent()
        files, set_aside = expand_paths(paths)
        report = IngestReport(files=[str(f) for f in files] + list(readers))
        report.set_aside = [str(p) for p in sorted(set_aside)]
        if set_aside:
            report.notes.append(set_aside_note(set_aside))
        names = Counter(f.name for f in files)
        fingerprints = {f: import_fingerprint(f, fmt, field_map) for f in files}  # before the store
        with self._write_lock():
            self.store.check_model()
            known = self.store.imports()
            to_parse = []
            for path in files:
                entry = known.get(path.name)
                if names[path.name] == 1 and entry and entry["fingerprint"] == fingerprints[path]:
                    report.unchanged_files.append(str(path))
                    report.parsed += entry["records"]
                else:
                    to_parse.append(path)
            if not to_parse and not readers:
                self.store.recover(keep_next=True)
                report.papers_before = report.papers_after = self.store.paper_count()
                report.unchanged = report.papers_after
                report.seconds = time.perf_counter() - started
                return report
            revision = self.store.revision
            # What merging needs of the library, read before parsing so that records the
            # library holds as parsed now are dropped as they are parsed, not held twice.
            library, load = self._library_for_merging()
            keep = RepeatFilter(library)
            parsed, report.skipped, counts = self.parse_files(
                to_parse, fmt, field_map, skip_invalid, progress, keep
            )
            for name, read in readers.items():
                result = read(keep)
                parsed.extend(result.records)
                report.skipped.extend(
                    SkippedRecord(e.file, e.line, e.detail) for e in result.skipped
                )
                counts[name] += result.count
            report.parsed += sum(counts.values())
            unclean = {s.file for s in report.skipped}
            imports: dict[str, dict | None] = {
                path.name: (
                    {"fingerprint": fingerprints[path], "records": counts[path.name]}
                    if names[path.name] == 1 and path.name not in unclean
                    else None  # records were left out, or two files share the name
                )
                for path in to_parse
            }
            self.store.recover(keep_next=True)
            change = self._apply(
                library, load, parsed, report, progress, imports=imports, repeats=keep
            )
            del library, load, keep
            if self.store.revision != revision:
                self._prepare_index(progress, change)
        report.seconds = time.perf_counter() - started
        return report

    def _library_for_merging(self) -> tuple[list[Summary], Callable[[list[int]], list[Paper]]]:
        """Each paper's merge summary, and a reader of papers by position (in key order).

        The index is let go: only its compressed records are kept, for the reader.
        """
        from assistant.ingest.merge import Summary
        from assistant.retrieval import decode_record

        index = self.index()
        library = [Summary.of(index.paper(i)) for i in range(len(index))]
        records = index.records
        del index
        self.indexes.unload(self.store)

        def load(positions: list[int]) -> list[Paper]:
            return [decode_record(records[i]) for i in positions]

        return library, load

    def _apply(
        self,
        library: Sequence[Summary],
        load: Callable[[list[int]], list[Paper]],
        incoming: list[Paper],
        report: IngestReport,
        progress: Progress,
        force_embed: bool = False,
        imports: dict[str, dict | None] | None = None,
        repeats: RepeatFilter | None = None,
    ) -> _IndexChange | None:
        """Merge incoming records with the library and write the changes.

        Only the library papers the merge can change are read (`load`, by position in
        `library`); `incoming` is consumed: merging reuses its records instead of copying them.
        `repeats` knows the records of this import dropped as they were parsed, because the
        library holds them unchanged.
        Returns what the search index must take in, or None when so much changed that the
        index is better built again from the store (once these records are let go).
        """
        from assistant.ingest.merge import merge_into
        from assistant.memory import release_freed_memory

        report.papers_before = len(library)
        incoming_count = len(incoming) + (len(repeats.sources) if repeats else 0)
        incoming_sources = {(s.file, s.position) for p in incoming for s in p.sources}
        if repeats:
            incoming_sources |= repeats.sources
        hashes, merged, notes = merge_into(library, load, incoming)
        report.notes.extend(notes)
        before = {key: content for key, (content, _) in hashes.items()}
        text_before = {key: text for key, (_, text) in hashes.items()}
        # Duplicates among what came in: not the library meeting its own records again.
        touched = sum(
            1 for p in merged if any((s.file, s.position) in incoming_sources for s in p.sources)
        )
        if repeats:  # papers that only records held unchanged went to: they were not read
            touched += len(repeats.holders - hashes.keys())
        report.merged_duplicates = incoming_count - touched
        del hashes
        release_freed_memory()
        untouched = len(library) - len(before)  # library papers the merge could not change
        report.papers_after = untouched + len(merged)
        report.unchanged = untouched
        changed: list[Paper] = []
        for paper in merged:
            old = before.get(paper.key)
            if old is not None and old == paper.content_hash() and not force_embed:
                report.unchanged += 1
            else:
                changed.append(paper)
                if old is None:
                    report.added += 1
                else:
                    report.updated += 1
        changed_keys = {p.key for p in changed}
        keep = {p.key for p in merged if p.key not in changed_keys}
        gone = [key for key in before if key not in keep]
        stored_ids = self.store.entry_ids(set(gone)) if gone else {}
        superseded = [entry_id for ids in stored_ids.values() for entry_id in ids]
        revision = self.store.revision + 1
        reusable: dict[str, list[str]] = {}
        if not force_embed:
            for key, ids in stored_ids.items():
                reusable.setdefault(text_before[key], sorted(ids, key=_chunk_no))
        written = self._write_entries(changed, reusable, report, progress, revision)
        if written or superseded:
            self.store.commit(revision, superseded, imports)
        elif imports:
            self.store.record_imports(imports)
        if len(changed) > max(_INDEX_UPDATE_PAPERS, len(library) // 10):
            return None
        return _IndexChange(changed, gone, revision - 1)

    def _write_entries(
        self,
        changed: list[Paper],
        reusable: dict[str, list[str]],
        report: IngestReport,
        progress: Progress,
        revision: int,
    ) -> int:
        """Stage entries for changed records under `revision`; returns how many are staged.

        Stored vectors are reused when title and abstract match (`reusable`: stored entry ids by
        `embedding_text_hash`). The rest is embedded and staged
        slice by slice, so memory holds one slice's texts and vectors, not the whole import's
        (100,000 papers are ~200,000 chunk texts and vectors: ~0.5 GB held to the end before).
        Entries an interrupted ingest already staged under `revision`, with the same text and
        metadata, are kept rather than embedded again. Staged entries stay invisible until the
        caller commits.
        """
        from assistant.store import Entry, Fingerprint, entry_id

        staged = self.store.staged_fingerprints(revision)
        resumed_before = report.resumed_chunks

        def not_yet_staged(entries: list[Entry]) -> list[Entry]:
            """Entries to write. Those staged before with the same text are kept (their metadata
            set right if need be); stale staged versions are deleted."""
            if not staged:
                return entries
            fresh, stale, retag = [], [], []
            for entry in entries:
                previous = staged.pop(entry_id(entry, revision), None)
                if previous is None:
                    fresh.append(entry)
                    continue
                wanted = Fingerprint.of_entry(entry, revision)
                if previous.text == wanted.text and previous.fields == wanted.fields:
                    report.resumed_chunks += 1
                    if previous.metadata != wanted.metadata:
                        retag.append(entry)
                else:
                    stale.append(entry_id(entry, revision))
                    fresh.append(entry)
            self.store.delete(stale)
            self.store.restage(retag, revision)
            return fresh

        retrieval = self.settings.retrieval
        reuse_ids = [i for p in changed for i in reusable.get(p.embedding_text_hash(), [])]
        stored = self.store.embeddings_for(reuse_ids) if reuse_ids else {}
        reused: list[Entry] = []
        to_embed: list[Paper] = []
        for paper in changed:
            ids = reusable.get(paper.embedding_text_hash())
            if ids and all(i in stored for i in ids):
                for chunk, stored_id in enumerate(ids):
                    vector, text = stored[stored_id]
                    reused.append(Entry(paper, chunk, text, vector))
                report.reused_chunks += len(ids)
            else:
                to_embed.append(paper)
        del stored
        reused = not_yet_staged(reused)
        self.store.write(reused, revision)
        written = len(reused)
        if to_embed:
            progress.stage("Embedding", len(to_embed))
        pending: list[Entry] = []
        for part in _pages(to_embed, _EMBED_SLICE_PAPERS):
            chunks = not_yet_staged(
                [
                    Entry(paper, chunk, text, None)
                    for paper in part
                    for chunk, text in enumerate(
                        _chunk_texts(paper, retrieval.chunk_chars, retrieval.chunk_overlap)
                    )
                ]
            )
            started = time.perf_counter()
            embedder = self.search_embedder
            vectors = embedder.embed([entry.text for entry in chunks]) if chunks else []
            report.embed_seconds += time.perf_counter() - started
            for entry, vector in zip(chunks, vectors):
                entry.embedding = vector
            pending += chunks
            report.embedded_chunks += len(chunks)
            if len(pending) >= _STAGE_BATCH:
                self.store.write(pending, revision)
                written += len(pending)
                pending = []
            progress.advance(len(part))
        self.store.write(pending, revision)
        written += len(pending)
        self.store.delete(list(staged))  # staged before, but not part of this import
        return written + report.resumed_chunks - resumed_before

    def _prepare_index(
        self,
        progress: Progress,
        change: _IndexChange | None = None,
        previous: LibraryIndex | None = None,
    ) -> None:
        """Make the new revision's search index now, so the first search after an ingest does
        not pay for it: the index `change` was made against (`previous`, else read again from
        the cache) updated with it, or else built from the store once the records are let go
        (~40 s at 100,000 papers)."""
        from assistant.memory import release_freed_memory

        release = getattr(self._embedder, "release", None)
        if release is not None:
            release()  # indexing needs no model: its memory is better spent on the index build
        release_freed_memory()
        progress.stage("Indexing", None)
        private = previous is None  # read here: no one else holds it, so it may be consumed
        if change is not None and previous is None:
            previous = self.indexes.read(self.store, change.revision)
        if change is None or previous is None:
            self.index()
            return
        index = previous.updated(change.papers, change.removed, consume=private)
        del previous
        try:
            self.indexes.save(self.store, index)
        except OSError as error:  # the write is committed: the next search builds the index
            if storage_problem(error, self.indexes.cache_dir) is None:
                raise
            self.indexes.unload(self.store)

    def remove(self, key: str) -> Paper:
        with self._write_lock():
            self.store.recover()
            index = self.index()
            revision = self.store.revision
            paper = self.get(key)
            ids = self.store.entry_ids({key}).get(key, [])
            # a later import of its files must parse them again to bring the paper back
            forget: dict[str, dict | None] = {s.file: None for s in paper.sources}
            self.store.commit(self.store.revision + 1, ids, forget)
            self._prepare_index(_Silent(), _IndexChange([], [key], revision), index)
        return paper

    def reindex(
        self, progress: Progress | None = None, embedder: str | None = None
    ) -> IngestReport:
        """Re-embed every record with this version's model into a side collection, then swap.

        `embedder` (minilm or e5-small) switches the library to that embedder; by default it
        keeps the one it has (MiniLM for a library of an older MiniLM model)."""
        from assistant.embeddings import EMBEDDERS, MODEL_NAME

        started = time.perf_counter()
        report = IngestReport()
        with self._write_lock():
            self.store.recover()
            papers = self.store.papers()
            report.parsed = len(papers)
            current = self.store.stored_model
            model = EMBEDDERS[embedder] if embedder else current
            self.store.start_rebuild(model if model in EMBEDDERS.values() else MODEL_NAME)
            self._apply(
                [], lambda positions: [], papers, report, progress or _Silent(), force_embed=True
            )
            self.store.finish_rebuild()
            self._prepare_index(progress or _Silent())
        report.seconds = time.perf_counter() - started
        return report


def _writable(directory: Path) -> bool:
    """Whether files can be made in `directory` (or, if missing, in the nearest existing parent):
    False on a read-only mount or without permission."""
    import os

    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    return directory.is_dir() and os.access(directory, os.W_OK)


def _chunk_no(entry_id: str) -> int:
    return int(entry_id.rsplit("#", 1)[1])
