"""The Chroma store, and the only module that imports chromadb.

Layout: one collection; one entry per abstract chunk, id `KEY#REV#CHUNK`, metadata holding the
paper's key, the revision that wrote it, its chunk number, filterable fields, and (on chunk 0) the
whole record as JSON. Writes are made atomic with revisions: an ingest writes its entries under
revision R+1, then one `modify` of the collection metadata commits R+1 together with the list of
entries it supersedes; readers only see entries with `rev <= committed` that are not superseded.
A crash before the commit leaves the old library visible; the next write removes the leftovers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.errors import StoreError
from assistant.locations import chroma_dir
from assistant.memory import trim_heap
from assistant.models import Paper

if TYPE_CHECKING:
    import numpy as np

    from assistant.settings import Settings

_GET_PAGE = 5000  # Chroma caps the ids/rows one call may move
_SCAN_PAGE = 10_000  # rows per filtered read: 100,000 records in ~11 s, ~20 s by 5,000s
_WRITE_PAGE = 2000
_QUERY_ROWS = 30_000  # rows one query call may return over all its vectors (see `query`)


@dataclass
class Entry:
    """One chunk to write: its text, vector and the paper it belongs to."""

    paper: Paper
    chunk: int
    text: str
    embedding: Any


@dataclass
class ChunkMatch:
    key: str
    chunk: int
    distance: float
    text: str
    id: str = ""  # the entry's id (its vector: `vectors`)


class PaperStore:
    """Persistent (local path) or HTTP (Chroma server) collection of paper chunks."""

    def __init__(self, settings: Settings, embedding_model: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        logging.getLogger("chromadb").setLevel(logging.ERROR)
        self.embedding_model = embedding_model
        self._counted: tuple[tuple[int, int], int] | None = None
        self._embedded = not settings.chroma_url
        self._chroma_settings = chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if settings.chroma_url:
                self.location = settings.chroma_url
                self._client = _http_client(settings.chroma_url, chroma_settings)
            else:
                path = chroma_dir(settings.data_dir)
                path.mkdir(parents=True, exist_ok=True)
                self.location = str(path)
                self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self.name = settings.collection
            self._finish_interrupted_rebuild()
            self._collection = self._open(self.name)
            self._seen = self._state()  # the committed state this process last read
        except StoreError:
            raise
        except Exception as exc:  # chromadb raises many types; all mean "cannot open"
            if not settings.chroma_url:
                _raise_for_data_dir(exc, settings)
            raise StoreError(f"cannot open the Chroma store at {_where(settings)}: {exc}") from None

    def _open(self, name: str) -> Any:
        return self._client.get_or_create_collection(
            name,
            metadata=self._fresh_metadata(),
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

    @property
    def _rebuild_name(self) -> str:
        return f"{self.name}__rebuild"

    def _finish_interrupted_rebuild(self) -> None:
        """A reindex killed after dropping the old collection left a complete rebuild: adopt it."""
        names = {getattr(c, "name", c) for c in self._client.list_collections()}
        if self._rebuild_name not in names:
            return
        rebuild = self._client.get_collection(self._rebuild_name, embedding_function=None)
        if self.name not in names and (rebuild.metadata or {}).get("complete"):
            rebuild.modify(name=self.name)
        elif self.name in names:
            self._client.delete_collection(self._rebuild_name)  # an unfinished rebuild

    # -- collection metadata: model name, committed revision, superseded entries, imports -----
    def _fresh_metadata(self) -> dict[str, Any]:
        return {
            "embedding_model": self.embedding_model,
            "revision": 0,
            "superseded": "[]",
            "imports": "{}",
        }

    def _meta(self) -> dict[str, Any]:
        meta = self._collection.metadata or {}
        return {
            "embedding_model": meta.get("embedding_model", self.embedding_model),
            "revision": int(meta.get("revision", 0)),
            "superseded": meta.get("superseded", "[]"),
            "imports": meta.get("imports", "{}"),
        }

    def imports(self) -> dict[str, dict[str, Any]]:
        """Files whose records the library holds, by name: the fingerprint and record count of
        the content last imported under that name."""
        return json.loads(self._meta()["imports"])

    def refresh(self) -> None:
        """Re-read the collection (another process may have committed)."""
        self._collection = self._client.get_collection(self.name, embedding_function=None)

    def sync(self) -> None:
        """Catch up with what other processes committed since this one last looked.

        An embedded Chroma client keeps the vector index it loaded: after another process's
        write its queries return entries that are gone and miss the new ones, and a write made
        through it saves that stale index over the other's. So when the committed revision is
        not the one this process last saw, the client is opened again, from the files."""
        self.refresh()
        if self._state() != self._seen and self._embedded:
            self._reopen()
        self._seen = self._state()

    def _state(self) -> tuple[str, int]:
        """What a commit changes: the revision, or the collection itself (a reindex swaps it)."""
        return str(self._collection.id), self.revision

    def _reopen(self) -> None:
        import chromadb
        from chromadb.api.shared_system_client import SharedSystemClient

        # the shared system of this path holds the stale index: let it go (not stopped, so it
        # writes nothing), and the next client loads the files as a new process would
        SharedSystemClient._identifier_to_system.pop(self.location, None)
        SharedSystemClient._identifier_to_refcount.pop(self.location, None)
        self._client = chromadb.PersistentClient(path=self.location, settings=self._chroma_settings)
        self._collection = self._client.get_collection(self.name, embedding_function=None)
        self._counted = None

    @property
    def stored_model(self) -> str:
        return self._meta()["embedding_model"]

    def check_model(self) -> None:
        stored = self.stored_model
        if stored != self.embedding_model and self.count() > 0:
            raise StoreError(
                f"the library was embedded with {stored!r} but this version uses "
                f"{self.embedding_model!r}; run `litreview reindex` to re-embed it"
            )

    @property
    def revision(self) -> int:
        return self._meta()["revision"]

    def superseded(self) -> set[str]:
        return set(json.loads(self._meta()["superseded"]))

    def count(self) -> int:
        return self._collection.count()

    def _count_for_query(self) -> int:
        # count() takes ~16 ms at 200,000 entries: once per revision, not once per query
        tag = (id(self._collection), self.revision)
        if self._counted is None or self._counted[0] != tag:
            self._counted = (tag, self.count())
        return self._counted[1]

    # -- reading ------------------------------------------------------------------------------
    def _live_where(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        clause: dict[str, Any] = {"rev": {"$lte": self.revision}}
        return {"$and": [clause, extra]} if extra else clause

    def _get_all(self, where: dict[str, Any], include: list[str]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = self._collection.get(
                where=where, include=include, limit=_SCAN_PAGE, offset=offset
            )
            ids = page["ids"]
            if not ids:
                return
            for i, entry_id in enumerate(ids):
                row = {"id": entry_id}
                for name in include:
                    row[name] = page[name][i]
                yield row
            offset += len(ids)
            del page, row
            trim_heap()  # each page's rows are freed between long-lived records: give them back

    def papers(self) -> list[Paper]:
        """Every live record, read from the chunk-0 entries."""
        return list(self.iter_papers())

    def iter_papers(self) -> Iterator[Paper]:
        """Every live record, one page of store rows at a time."""
        hidden = self.superseded()
        for row in self._get_all(self._live_where({"chunk": 0}), ["metadatas"]):
            if row["id"] not in hidden:
                yield Paper.model_validate_json(row["metadatas"]["record"])

    def live_count(self) -> int:
        """Committed, live entries: not those an unfinished ingest staged, nor superseded ones."""
        hidden = self.superseded()
        return sum(1 for row in self._get_all(self._live_where(), []) if row["id"] not in hidden)

    def paper_count(self) -> int:
        """Live records, counted from chunk-0 ids without reading the records."""
        hidden = self.superseded()
        rows = self._get_all(self._live_where({"chunk": 0}), [])
        return sum(1 for row in rows if row["id"] not in hidden)

    def entry_ids(self, keys: set[str] | None = None) -> dict[str, list[str]]:
        """Live entry ids grouped by paper key."""
        hidden = self.superseded()
        where = self._live_where({"key": {"$in": sorted(keys)}} if keys else None)
        grouped: dict[str, list[str]] = {}
        for row in self._get_all(where, ["metadatas"]):
            if row["id"] not in hidden:
                grouped.setdefault(row["metadatas"]["key"], []).append(row["id"])
        return grouped

    def embeddings_for(self, ids: Sequence[str]) -> dict[str, tuple[Any, str]]:
        """Stored vectors and texts of entries, to rewrite a record without re-embedding it."""
        out: dict[str, tuple[Any, str]] = {}
        for start in range(0, len(ids), _GET_PAGE):
            page = self._collection.get(
                ids=list(ids[start : start + _GET_PAGE]), include=["embeddings", "documents"]
            )
            for i, entry_id in enumerate(page["ids"]):
                out[entry_id] = (page["embeddings"][i], page["documents"][i])
        return out

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of entries, by id (one read; for pseudo-relevance feedback)."""
        import numpy as np

        if not ids:
            return {}
        page = self._collection.get(ids=list(ids), include=["embeddings"])
        return {
            entry_id: np.asarray(vector, dtype=np.float32)
            for entry_id, vector in zip(page["ids"], page["embeddings"])
        }

    def query(
        self, embeddings: np.ndarray, n_results: int, keys: Sequence[str] | None = None
    ) -> list[list[ChunkMatch]]:
        """Nearest chunks for each query vector, live entries only (optionally within keys).

        Vectors are sent in groups: Chroma reads one query's rows back with one SQL variable a
        row, and SQLite refuses a statement with more than 32,766 (200 queries at --k 10)."""
        per_call = max(1, _QUERY_ROWS // max(n_results + len(self.superseded()) + 16, 1))
        if len(embeddings) <= per_call:
            return self._query_group(embeddings, n_results, keys)
        out: list[list[ChunkMatch]] = []
        for start in range(0, len(embeddings), per_call):
            out += self._query_group(embeddings[start : start + per_call], n_results, keys)
        return out

    def _query_group(
        self, embeddings: np.ndarray, n_results: int, keys: Sequence[str] | None
    ) -> list[list[ChunkMatch]]:
        total = self._count_for_query()
        if total == 0 or n_results <= 0:
            return [[] for _ in range(len(embeddings))]
        meta = self._meta()
        hidden = set(json.loads(meta["superseded"]))
        revision = meta["revision"]
        wanted = min(n_results + len(hidden), total)
        if keys is None:
            # Chroma's metadata filter costs more than the search itself, and staged (uncommitted)
            # entries exist only while an ingest is running: drop them here instead, and fall
            # back to the filtered query only if they crowd out live results.
            out = self._query(embeddings, min(wanted + 16, total), None, hidden, revision)
            if all(len(m) >= min(n_results, total - len(hidden)) for m in out):
                return [m[:n_results] for m in out]
        where = self._live_where({"key": {"$in": list(keys)}} if keys is not None else None)
        out = self._query(embeddings, wanted, where, hidden, revision)
        return [m[:n_results] for m in out]

    def _query(
        self,
        embeddings: np.ndarray,
        n_results: int,
        where: dict[str, Any] | None,
        hidden: set[str],
        revision: int,
    ) -> list[list[ChunkMatch]]:
        result = self._collection.query(
            query_embeddings=embeddings,
            n_results=n_results,
            where=where,
            include=["metadatas", "distances", "documents"],
        )
        out = []
        for ids, metas, dists, docs in zip(
            result["ids"], result["metadatas"], result["distances"], result["documents"]
        ):
            out.append(
                [
                    ChunkMatch(meta["key"], int(meta["chunk"]), float(dist), doc or "", entry_id)
                    for entry_id, meta, dist, doc in zip(ids, metas, dists, docs)
                    # meta is None for a row a writer deleted while the query ran
                    if meta is not None and entry_id not in hidden and int(meta["rev"]) <= revision
                ]
            )
        return out

    # -- writing ------------------------------------------------------------------------------
    def recover(self, keep_next: bool = False) -> int:
        """Finish or undo an interrupted write; returns how many stray entries were removed.

        With keep_next, entries an interrupted ingest staged for the next revision stay, so the
        next ingest can keep those it would write again (`staged_fingerprints`) instead of
        embedding them twice; whatever it does not keep it deletes before it commits.
        """
        meta = self._meta()
        newer = {"rev": {"$gt": meta["revision"] + (1 if keep_next else 0)}}
        stray = [r["id"] for r in self._get_all(newer, [])]
        superseded = json.loads(meta["superseded"])
        self.delete(stray + superseded)
        removed = len(stray) + len(superseded)
        if superseded:
            self._set_meta(revision=meta["revision"], superseded=[])
        return removed

    def staged_fingerprints(self, revision: int) -> dict[str, Fingerprint]:
        """Entries already staged under an uncommitted `revision`, by id."""
        if revision <= self.revision:
            return {}
        return {
            row["id"]: Fingerprint.of(row["documents"] or "", row["metadatas"])
            for row in self._get_all({"rev": revision}, ["documents", "metadatas"])
        }

    def restage(self, entries: Sequence[Entry], revision: int) -> None:
        """Replace the metadata of staged entries whose text (so vector) is right as it is."""
        for batch in _pages(list(entries), _WRITE_PAGE):
            self._collection.update(
                ids=[entry_id(e, revision) for e in batch],
                metadatas=[_metadata(e, revision) for e in batch],
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove entries outright (staged ones nobody will commit)."""
        self._counted = None
        for batch in _pages(list(ids), _WRITE_PAGE):
            self._collection.delete(ids=batch)

    def write(self, entries: Sequence[Entry], revision: int) -> None:
        """Stage entries under `revision`; invisible until `commit(revision, ...)`."""
        self._counted = None
        for batch in _pages(list(entries), _WRITE_PAGE):
            self._collection.add(
                ids=[entry_id(e, revision) for e in batch],
                embeddings=[e.embedding for e in batch],
                documents=[e.text for e in batch],
                metadatas=[_metadata(e, revision) for e in batch],
            )

    def commit(
        self,
        revision: int,
        superseded: Sequence[str],
        imports: dict[str, dict[str, Any] | None] | None = None,
    ) -> None:
        """The single step that makes a write visible, then removes what it replaced.

        `imports` updates the imported-files table in the same step (None forgets a file).
        """
        table = self._updated_imports(imports)
        self._set_meta(revision=revision, superseded=list(superseded), imports=table)
        self.delete(superseded)
        if superseded:
            self._set_meta(revision=revision, superseded=[], imports=table)

    def record_imports(self, imports: dict[str, dict[str, Any] | None]) -> None:
        """Update the imported-files table alone (an import that changed no record)."""
        table = self._updated_imports(imports)
        if table != self.imports():
            meta = self._meta()
            superseded = json.loads(meta["superseded"])
            self._set_meta(revision=meta["revision"], superseded=superseded, imports=table)

    def _updated_imports(
        self, changes: dict[str, dict[str, Any] | None] | None
    ) -> dict[str, dict[str, Any]]:
        table = self.imports()
        for name, entry in (changes or {}).items():
            if entry is None:
                table.pop(name, None)
            else:
                table[name] = entry
        return table

    def set_embedding_model(self, name: str) -> None:
        meta = self._meta()
        self._collection.modify(metadata={**meta, "embedding_model": name, "superseded": "[]"})

    def start_rebuild(self, embedding_model: str) -> None:
        """Route writes to a fresh side collection; the live one stays readable meanwhile."""
        names = {getattr(c, "name", c) for c in self._client.list_collections()}
        if self._rebuild_name in names:
            self._client.delete_collection(self._rebuild_name)
        self._live = self._collection
        imports = self._meta()["imports"]  # the same records are rewritten: keep the table
        self._collection = self._open(self._rebuild_name)
        self._collection.modify(
            metadata={
                "embedding_model": embedding_model,
                "revision": 0,
                "superseded": "[]",
                "imports": imports,
            }
        )
        self.embedding_model = embedding_model

    def finish_rebuild(self) -> None:
        """Swap the rebuilt collection in: mark complete, drop the old, take its name."""
        meta = self._meta()
        self._collection.modify(metadata={**meta, "complete": True})
        self._client.delete_collection(self.name)
        self._collection.modify(name=self.name)
        self._collection = self._client.get_collection(self.name, embedding_function=None)
        self._collection.modify(metadata=meta)
        self._seen = self._state()

    def _set_meta(
        self,
        revision: int,
        superseded: list[str],
        imports: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        meta = self._meta()
        self._collection.modify(
            metadata={
                "embedding_model": meta["embedding_model"],
                "revision": revision,
                "superseded": json.dumps(superseded),
                "imports": meta["imports"] if imports is None else json.dumps(imports),
            }
        )
        self._seen = self._state()  # this process's own commit: its client holds it


def entry_id(entry: Entry, revision: int) -> str:
    return f"{entry.paper.key}#{revision}#{entry.chunk}"


@dataclass(frozen=True)
class Fingerprint:
    """What decides whether a staged entry can be kept: its text (the vector follows from it
    alone) and its metadata (fixable in place when only values changed, not which keys)."""

    text: str
    metadata: str
    fields: tuple[str, ...]

    @classmethod
    def of(cls, document: str, metadata: dict[str, Any]) -> Fingerprint:
        return cls(
            _digest(document),
            _digest(json.dumps(metadata, sort_keys=True)),
            tuple(sorted(metadata)),
        )

    @classmethod
    def of_entry(cls, entry: Entry, revision: int) -> Fingerprint:
        return cls.of(entry.text, _metadata(entry, revision))


def _digest(text: str) -> str:
    import hashlib

    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _metadata(entry: Entry, revision: int) -> dict[str, Any]:
    paper = entry.paper
    meta: dict[str, Any] = {"key": paper.key, "rev": revision, "chunk": entry.chunk}
    if paper.year is not None:
        meta["year"] = paper.year
    if entry.chunk == 0:
        # defaults left out: a record read back then holds ~2.8 KB in memory, not ~5.6
        meta["record"] = paper.model_dump_json(exclude_defaults=True)
    return meta


def _pages(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _raise_for_data_dir(error: BaseException, settings: Settings) -> None:
    """The embedded store could not open because of its data dir: say what is wrong with it.
    Chroma writes when it opens a library (SQLite), so a read-only library cannot be opened
    here at all: a `chroma run` server is what serves one library to many readers."""
    from assistant.errors import DataDirError
    from assistant.locations import storage_problem

    problem = storage_problem(error, settings.data_dir)
    if problem is None:
        return
    where = chroma_dir(settings.data_dir)
    if problem == "it is read-only":
        raise DataDirError(
            f"the library at {settings.data_dir} is read-only, and the embedded Chroma store "
            "cannot open a library without writing to it: to share a library for reading, serve "
            f"it with `chroma run --path {where}` where it can be written and point "
            "LITREVIEW_CHROMA_URL at the server (or copy the data dir somewhere writable)"
        ) from None
    raise DataDirError(f"cannot open the library at {settings.data_dir}: {problem}") from None


def _where(settings: Settings) -> str:
    return settings.chroma_url or str(chroma_dir(settings.data_dir))


def _http_client(url: str, chroma_settings: Any) -> Any:
    from urllib.parse import urlparse

    import chromadb

    parsed = urlparse(url if "://" in url else f"http://{url}")
    if not parsed.hostname:
        raise StoreError(f"LITREVIEW_CHROMA_URL is not a URL: {url!r}")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    return chromadb.HttpClient(
        host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=chroma_settings
    )
