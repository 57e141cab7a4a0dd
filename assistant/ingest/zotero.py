"""Zotero's own database: `zotero.sqlite` in the Zotero data directory (Zotero 4 and 5+ schemas).

Zotero keeps the database locked while it runs, so it is copied to a temporary file and the copy
is opened read-only. Regular items only: not attachments, notes, annotations, feed items, nor
items in the trash. Tags and collection names become categories; `collection` keeps only the
items of the collections of that name (or `Parent/Child` path) and of their subcollections.
Citation keys come from Better BibTeX (its `better-bibtex.sqlite` beside `zotero.sqlite`), else
from Zotero's own `citationKey` field, else from a `Citation Key: KEY` line in Extra; without
one the library makes a key. Each record's source is `zotero.sqlite` at the item's itemID.
Empty items (neither a title nor an abstract) are left out and reported, --skip-invalid or not:
the database holds nothing a user could fix, and one must not stop a library's import.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.ingest.derive import derive_title
from assistant.ingest.fields import clean_text, parse_date
from assistant.ingest.kinds import kind_named
from assistant.ingest.values import arxiv_in, doi_in
from assistant.models import Paper, Source

if TYPE_CHECKING:
    from assistant.ingest import ParsedFile

SOURCE = "zotero.sqlite"
_SKIP_TYPES = {"attachment", "note", "annotation"}
_REQUIRED = (
    "items",
    "itemTypes",
    "itemData",
    "itemDataValues",
    "fields",
    "itemCreators",
    "creators",
)
_TITLE_FIELDS = ("title", "caseName", "nameOfAct", "subject")
_VENUE_FIELDS = (
    "publicationTitle", "proceedingsTitle", "bookTitle", "conferenceName", "websiteTitle",
    "blogTitle", "forumTitle", "encyclopediaTitle", "dictionaryTitle", "programTitle",
    "repository", "university", "institution",
)  # fmt: skip
_DATE_FIELDS = ("date", "issueDate", "dateDecided", "dateEnacted")
_EXTRA_KEY = re.compile(
    r"^\s*(?:citation key|bibtex)\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE
)
_EXTRA_DOI = re.compile(r"^\s*DOI\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_EXTRA_ARXIV = re.compile(r"^\s*arXiv\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


def database_file(path: Path) -> Path:
    """`zotero.sqlite` itself, or the one in a Zotero data directory."""
    if path.is_dir():
        path = path / SOURCE
        if not path.is_file():
            raise InputError(
                str(path.parent),
                f"no {SOURCE} in this directory; give the Zotero data directory (Zotero > "
                "Settings > Advanced > Files and Folders) or its zotero.sqlite",
            )
    elif not path.is_file():
        raise InputError(str(path), "no such file")
    return path


def _copy(database: Path, into: Path) -> Path:
    """A private copy (and of its write-ahead log, if any): Zotero locks the original."""
    copy = into / database.name
    try:
        shutil.copyfile(database, copy)
        wal = database.with_name(database.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
    except OSError as exc:
        raise InputError(str(database), f"cannot copy: {exc.strerror}") from None
    return copy


def _connect(copy: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)


def _tables(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}


def _better_bibtex_keys(database: Path, into: Path) -> dict[tuple[int, str] | int, str]:
    """Citation keys by (libraryID, item key) and by itemID, from Better BibTeX's database:
    the `citationkey` table (BBT 6.7 and later) or the JSON of older versions."""
    source = database.with_name("better-bibtex.sqlite")
    if not source.is_file():
        return {}
    keys: dict[tuple[int, str] | int, str] = {}
    try:
        with closing(_connect(_copy(source, into))) as db:
            tables = _tables(db)
            if "citationkey" in tables:
                rows = db.execute("SELECT itemID, libraryID, itemKey, citationKey FROM citationkey")
                entries = [
                    {"itemID": i, "libraryID": lib, "itemKey": k, "citekey": c}
                    for i, lib, k, c in rows
                ]
            elif "better-bibtex" in tables:
                row = db.execute(
                    "SELECT data FROM \"better-bibtex\" WHERE name = 'better-bibtex.citekey'"
                ).fetchone()
                entries = json.loads(row[0]).get("data", []) if row else []
            else:
                entries = []
    except (sqlite3.DatabaseError, ValueError, AttributeError) as exc:
        raise InputError(str(source), f"cannot read Better BibTeX's citation keys: {exc}") from None
    for entry in entries:
        key = clean_text(entry.get("citekey"))
        if not key:
            continue
        if entry.get("itemKey") is not None and entry.get("libraryID") is not None:
            keys[(int(entry["libraryID"]), str(entry["itemKey"]))] = key
        if entry.get("itemID") is not None:
            keys[int(entry["itemID"])] = key
    return keys


def _date(value: str) -> tuple[int | None, str | None]:
    """Year and ISO date of a Zotero date: "2016-04-01 April 1, 2016" (its multipart form, 00 for
    unknown parts), else a year anywhere in the text."""
    multipart = re.match(r"(\d{4})-(\d{2})-(\d{2})(?:\s|$)", value)
    if multipart:
        year, month, day = (int(part) for part in multipart.groups())
        if not 1000 <= year <= 2999:
            return None, None
        if not 1 <= month <= 12:
            return year, None
        return year, f"{year:04d}-{month:02d}" + (f"-{day:02d}" if 1 <= day <= 31 else "")
    found = re.search(r"\b([12]\d{3})\b", value)
    return (int(found.group(1)) if found else None), parse_date(value)


class _Reader:
    """The queries, prepared once per database."""

    def __init__(self, db: sqlite3.Connection, name: str) -> None:
        self.db = db
        tables = _tables(db)
        missing = [t for t in _REQUIRED if t not in tables]
        if missing:
            raise InputError(name, f"not a Zotero database (no {', '.join(missing)} table)")
        self.field_names = {
            fid: fname
            for table in ("fields", "fieldsCombined")
            if table in tables
            for fid, fname in db.execute(f"SELECT fieldID, fieldName FROM {table}")
        }
        self.type_names = {
            tid: tname
            for table in ("itemTypes", "itemTypesCombined")
            if table in tables
            for tid, tname in db.execute(f"SELECT itemTypeID, typeName FROM {table}")
        }
        self.primary: dict[int, str] = {}
        if {"itemTypeCreatorTypes", "creatorTypes"} <= tables:
            self.primary = dict(
                db.execute(
                    "SELECT itemTypeID, creatorType FROM itemTypeCreatorTypes "
                    "JOIN creatorTypes USING (creatorTypeID) WHERE primaryField = 1"
                )
            )
        names = (  # Zotero 4 kept names in creatorData, Zotero 5 in creators itself
            "creatorData.firstName, creatorData.lastName, creatorData.fieldMode"
            if "creatorDataID" in _columns(db, "creators") and "creatorData" in tables
            else "creators.firstName, creators.lastName, creators.fieldMode"
        )
        joins = "JOIN creatorData USING (creatorDataID) " if names.startswith("creatorData") else ""
        kind = "creatorTypes.creatorType" if "creatorTypes" in tables else "NULL"
        kind_join = (
            "LEFT JOIN creatorTypes USING (creatorTypeID) " if "creatorTypes" in tables else ""
        )
        self.creators_sql = (
            f"SELECT {names}, {kind} FROM itemCreators JOIN creators USING (creatorID) "
            f"{joins}{kind_join}WHERE itemCreators.itemID = ? ORDER BY itemCreators.orderIndex"
        )
        self.hidden: set[int] = set()  # in the trash, or an RSS feed's
        for table in ("deletedItems", "feedItems"):
            if table in tables:
                self.hidden |= {row[0] for row in db.execute(f"SELECT itemID FROM {table}")}
        self.collections: dict[int, tuple[str, int | None]] = {}
        self.item_collections: dict[int, list[int]] = {}
        if {"collections", "collectionItems"} <= tables:
            trashed = (  # Zotero 7 keeps deleted collections until the trash is emptied
                {row[0] for row in db.execute("SELECT collectionID FROM deletedCollections")}
                if "deletedCollections" in tables
                else set()
            )
            for cid, cname, parent in db.execute(
                "SELECT collectionID, collectionName, parentCollectionID FROM collections"
            ):
                if cid not in trashed:
                    self.collections[cid] = (clean_text(cname), parent)
            for cid, item in db.execute(
                "SELECT collectionID, itemID FROM collectionItems ORDER BY orderIndex"
            ):
                self.item_collections.setdefault(item, []).append(cid)
        self.has_tags = {"tags", "itemTags"} <= tables

    def path(self, cid: int) -> str:
        names, seen = [], set()
        while cid in self.collections and cid not in seen:
            seen.add(cid)
            name, parent = self.collections[cid]
            names.append(name)
            cid = parent
        return "/".join(reversed(names))

    def chosen(self, wanted: str, name: str) -> set[int]:
        """The items of the collections named `wanted` (or at that path) and of theirs below."""
        exact = {c for c in self.collections if wanted in (self.collections[c][0], self.path(c))}
        roots = exact or {
            c
            for c in self.collections
            if wanted.casefold() in (self.collections[c][0].casefold(), self.path(c).casefold())
        }
        if not roots:
            known = sorted({self.path(c) for c in self.collections}, key=str.casefold)
            listed = ", ".join(known[:15]) + (", ..." if len(known) > 15 else "")
            raise InputError(
                name,
                f"no collection named {wanted!r}"
                + (f"; its collections: {listed}" if known else "; it has no collections"),
            )
        children: dict[int | None, list[int]] = {}
        for cid, (_, parent) in self.collections.items():
            children.setdefault(parent, []).append(cid)
        chosen, todo = set(), list(roots)
        while todo:
            cid = todo.pop()
            if cid not in chosen:
                chosen.add(cid)
                todo.extend(children.get(cid, []))
        return {item for item, cids in self.item_collections.items() if chosen.intersection(cids)}

    def fields(self, item: int) -> dict[str, str]:
        rows = self.db.execute(
            "SELECT itemData.fieldID, itemDataValues.value FROM itemData "
            "JOIN itemDataValues USING (valueID) WHERE itemData.itemID = ?",
            (item,),
        )
        return {self.field_names.get(fid, str(fid)): str(value) for fid, value in rows}

    def authors(self, item: int, type_id: int) -> list[str]:
        people = []
        for first, last, mode, kind in self.db.execute(self.creators_sql, (item,)):
            name = clean_text(last) if mode == 1 else clean_text(f"{first or ''} {last or ''}")
            if name:
                people.append((name, kind))
        primary = self.primary.get(type_id, "author")
        main = [name for name, kind in people if kind in (primary, None)]
        return main or [name for name, _ in people]

    def tags(self, item: int) -> list[str]:
        if not self.has_tags:
            return []
        rows = self.db.execute(
            "SELECT tags.name FROM itemTags JOIN tags USING (tagID) WHERE itemTags.itemID = ? "
            "ORDER BY tags.name COLLATE NOCASE",
            (item,),
        )
        return [clean_text(row[0]) for row in rows if clean_text(row[0])]


def iter_zotero(
    path: Path, collection: str | None = None, skipped: list[InputError] | None = None
) -> Iterator[Paper]:
    """The regular items of a Zotero database, in itemID order. An item with neither a title nor
    an abstract is an error, or (with `skipped`) added to it and left out."""
    database = database_file(path)
    name = SOURCE
    with tempfile.TemporaryDirectory(prefix="litreview-zotero-") as tmp:
        copy = _copy(database, Path(tmp))
        keys = _better_bibtex_keys(database, Path(tmp))
        try:
            with closing(_connect(copy)) as db:
                reader = _Reader(db, str(database))
                wanted = reader.chosen(collection, str(database)) if collection else None
                items = db.execute(
                    "SELECT itemID, itemTypeID, key, libraryID FROM items ORDER BY itemID"
                ).fetchall()
                for item, type_id, item_key, library in items:
                    if reader.type_names.get(type_id) in _SKIP_TYPES or item in reader.hidden:
                        continue
                    if wanted is not None and item not in wanted:
                        continue
                    try:
                        paper = _paper(reader, keys, item, type_id, item_key, library, name)
                    except InputError as error:
                        if skipped is None:
                            raise
                        skipped.append(error)
                        continue
                    yield paper
        except sqlite3.DatabaseError as exc:
            raise InputError(str(database), f"cannot read the Zotero database: {exc}") from None


def _paper(
    reader: _Reader,
    keys: dict[tuple[int, str] | int, str],
    item: int,
    type_id: int,
    item_key: str,
    library: int | None,
    name: str,
) -> Paper:
    values = reader.fields(item)

    def first(fields: tuple[str, ...]) -> str:
        return next((clean_text(values[f]) for f in fields if clean_text(values.get(f))), "")

    title = first(_TITLE_FIELDS)
    abstract = clean_text(values.get("abstractNote"))
    if not title and not abstract:
        raise InputError(name, f"item {item} ({item_key}) has neither a title nor an abstract")
    extra = values.get("extra", "")
    in_extra = _EXTRA_KEY.search(extra)
    key = (
        (
            keys.get((library, item_key))
            if library is not None and (library, item_key) in keys
            else keys.get(item)
        )
        or clean_text(values.get("citationKey"))
        or (in_extra.group(1) if in_extra else "")
    )
    year, date = _date(first(_DATE_FIELDS))
    doi_line = _EXTRA_DOI.search(extra)
    doi = doi_in(values.get("DOI")) or (doi_in(doi_line.group(1)) if doi_line else None)
    arxiv_line = _EXTRA_ARXIV.search(extra)
    url = first(("url",)) or None
    collections = [
        reader.collections[cid][0]
        for cid in reader.item_collections.get(item, [])
        if cid in reader.collections
    ]
    categories: list[str] = []
    for category in reader.tags(item) + collections:
        if category not in categories:
            categories.append(category)
    return Paper(
        key=key,
        own_key=bool(key),
        title=title or derive_title(abstract),
        title_derived=not title,
        authors=reader.authors(item, type_id),
        year=year,
        date=date,
        venue=first(_VENUE_FIELDS) or None,
        kind=kind_named(reader.type_names.get(type_id)),  # journalArticle, conferencePaper...
        doi=doi,
        url=url,
        arxiv_id=arxiv_in(
            url,
            doi,
            values.get("archiveID"),
            f"arXiv:{arxiv_line.group(1)}" if arxiv_line else None,
        ),
        categories=categories,
        abstract=abstract,
        extra={"zotero_key": item_key},
        sources=[Source(file=name, position=item, format="zotero")],
    )


def read_zotero(
    path: Path, collection: str | None = None, keep: Callable[[Paper], bool] | None = None
) -> ParsedFile:
    """The database's records as `parse_file` gives a file's: stamped with their digests, those
    `keep` declines counted but not held, and the empty items left out."""
    from assistant.ingest import ParsedFile, _collect

    skipped: list[InputError] = []
    kept, count = _collect(iter_zotero(path, collection, skipped), keep)
    return ParsedFile(kept, skipped, count)
