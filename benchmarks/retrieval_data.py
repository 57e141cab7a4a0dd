"""Build the retrieval benchmark's test collections (BEIR layout) from their pinned archives.

    python benchmarks/retrieval_data.py [--source DIR] [--out benchmarks/data/retrieval]

Three public scientific test collections from the University of Glasgow IR group's archive
(http://ir.dcs.gla.ac.uk/resources/test_collections/), each with queries written by people and
complete relevance judgements:

- `cranfield`: 1,398 aeronautics abstracts (title, authors, abstract), 225 queries, graded
  relevance (Cleverdon's codes 1-4, mapped to gains 4-1; code -1, "no interest", is gain 0);
- `medline`: 1,033 biomedical abstracts (MEDLINE, no separate titles), 30 queries, binary;
- `cisi`: 1,460 information-science abstracts (title, authors, abstract), 112 queries of which
  the 76 with judgements are kept, binary.

Each archive is checked against its SHA-256 before it is read (cran.tar.gz is also the file
ir_datasets pins, md5 1730f7be572d95a5a4b56c59a7b900a5). `--source DIR` reads the archives from a
directory; without it they are downloaded from the URLs below. Written per collection:
`corpus.jsonl` (BEIR `_id`, `title`, `text`, plus `authors` and `year` where the record has them,
so `litreview ingest` reads it as it reads any JSONL), `queries.jsonl` (`_id`, `text`) and
`qrels/test.tsv` (`query-id`, `corpus-id`, `score`). The files are small (1-2.2 MB each) but are
not committed: they are rebuilt from the archives. See `benchmarks/data/README.md` for sources and
terms of use.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import tarfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data" / "retrieval"
_BASE = "http://ir.dcs.gla.ac.uk/resources/test_collections"

ARCHIVES = {
    "cranfield": {
        "archive": "cran.tar.gz",
        "url": f"{_BASE}/cran/cran.tar.gz",
        "sha256": "8c48a8412e4a7e6e0dd5af99c959f8d75fdf88135602adc1a56aa22770652d64",
    },
    "medline": {
        "archive": "med.tar.gz",
        "url": f"{_BASE}/medl/med.tar.gz",
        "sha256": "07478afc5370ba3dfa66c8c1994ea56a2341cea8584af619a63eb51c31f26f1e",
    },
    "cisi": {
        "archive": "cisi.tar.gz",
        "url": f"{_BASE}/cisi/cisi.tar.gz",
        "sha256": "bddb284e19369d153dad90770ae897e19221b0bc50e1329b5a702aa56f5e8483",
    },
}
_FIELD = re.compile(r"^\.([A-Z])(?:\s+(\S+))?\s*$")
_YEAR = re.compile(r"\b(1[89]\d\d)\b")


def read_archive(name: str, source: Path | None) -> dict[str, str]:
    """The archive's members as text, after its SHA-256 is checked."""
    spec = ARCHIVES[name]
    if source is not None:
        data = (source / spec["archive"]).read_bytes()
    else:
        with urllib.request.urlopen(spec["url"], timeout=60) as response:
            data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec["sha256"]:
        raise SystemExit(f"{spec['archive']}: sha256 {digest}, expected {spec['sha256']}")
    members = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None
                members[Path(member.name).name] = handle.read().decode("latin-1")
    return members


def smart_records(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """SMART-format records: `.I id` then fields `.T`, `.A`, `.W`, ... (repeated fields joined)."""
    record_id: str | None = None
    fields: dict[str, list[str]] = {}
    field = None
    for line in text.splitlines():
        match = _FIELD.match(line)
        if match and match.group(1) == "I":
            if record_id is not None:
                yield record_id, {k: "\n".join(v).strip() for k, v in fields.items()}
            record_id, fields, field = match.group(2), {}, None
        elif match and match.group(2) is None:
            field = match.group(1)
            fields.setdefault(field, [])
        elif field is not None:
            fields[field].append(line.rstrip())
    if record_id is not None:
        yield record_id, {k: "\n".join(v).strip() for k, v in fields.items()}


def _flat(text: str) -> str:
    return " ".join(text.split())


def _authors(text: str) -> list[str]:
    return [_flat(line) for line in text.splitlines() if line.strip()]


def _doc(record_id: str, fields: dict[str, str]) -> dict:
    title, text = _flat(fields.get("T", "")), _flat(fields.get("W", ""))
    doc: dict = {"_id": record_id, "title": title, "text": text}
    authors = _authors(fields.get("A", ""))
    if authors:
        doc["authors"] = authors
    year = _YEAR.search(fields.get("B", ""))
    if year:
        doc["year"] = int(year.group(1))
    return doc


def cranfield(members: dict[str, str]) -> tuple[list[dict], list[dict], list[tuple]]:
    docs = [_doc(str(int(i)), f) for i, f in smart_records(members["cran.all.1400"])]
    # cranqrel numbers the queries 1..225 in file order, not by their `.I` labels
    queries = [
        {"_id": str(n), "text": _flat(f["W"])}
        for n, (_, f) in enumerate(smart_records(members["cran.qry"]), 1)
    ]
    qrels = []
    for line in members["cranqrel"].splitlines():
        if line.strip():
            query, doc, code = line.split()[:3]
            gain = 5 - int(code) if int(code) in (1, 2, 3, 4) else 0
            qrels.append((query, str(int(doc)), gain))
    return docs, queries, qrels


def medline(members: dict[str, str]) -> tuple[list[dict], list[dict], list[tuple]]:
    docs = [_doc(str(int(i)), f) for i, f in smart_records(members["MED.ALL"])]
    queries = [
        {"_id": str(int(i)), "text": _flat(f["W"])} for i, f in smart_records(members["MED.QRY"])
    ]
    qrels = []
    for line in members["MED.REL"].splitlines():
        if line.strip():
            query, _, doc, relevance = line.split()[:4]
            qrels.append((str(int(query)), str(int(doc)), int(relevance)))
    return docs, queries, qrels


def cisi(members: dict[str, str]) -> tuple[list[dict], list[dict], list[tuple]]:
    docs = [_doc(str(int(i)), f) for i, f in smart_records(members["CISI.ALL"])]
    queries = [
        {"_id": str(int(i)), "text": _flat(f["W"])} for i, f in smart_records(members["CISI.QRY"])
    ]
    qrels = []
    for line in members["CISI.REL"].splitlines():
        if line.strip():
            query, doc = line.split()[:2]
            qrels.append((str(int(query)), str(int(doc)), 1))
    return docs, queries, qrels


BUILDERS = {"cranfield": cranfield, "medline": medline, "cisi": cisi}


def build(name: str, source: Path | None, out: Path) -> dict:
    """Write one collection in BEIR layout; returns its counts."""
    docs, queries, qrels = BUILDERS[name](read_archive(name, source))
    assert len({d["_id"] for d in docs}) == len(docs), f"{name}: duplicate document ids"
    docs = [d for d in docs if d["title"] or d["text"]]  # Cranfield 471 and 995 are empty
    doc_ids = {d["_id"] for d in docs}
    qrels = sorted({(q, d, g) for q, d, g in qrels if d in doc_ids})
    judged = {q for q, _, g in qrels if g > 0}
    queries = [q for q in queries if q["_id"] in judged]  # as BEIR: only queries with judgements
    target = out / name
    (target / "qrels").mkdir(parents=True, exist_ok=True)
    with (target / "corpus.jsonl").open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    with (target / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for query in queries:
            handle.write(json.dumps(query, ensure_ascii=False) + "\n")
    with (target / "qrels" / "test.tsv").open("w", encoding="utf-8") as handle:
        handle.write("query-id\tcorpus-id\tscore\n")
        for query, doc, gain in qrels:
            if query in judged:
                handle.write(f"{query}\t{doc}\t{gain}\n")
    relevant = sum(1 for q in qrels if q[2] > 0)
    return {"docs": len(docs), "queries": len(queries), "qrels": relevant}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, help="directory holding the .tar.gz archives")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sets", default=",".join(ARCHIVES))
    args = parser.parse_args(argv)
    for name in args.sets.split(","):
        counts = build(name, args.source, args.out)
        print(f"{name}: {counts['docs']} documents, {counts['queries']} queries, "
              f"{counts['qrels']} relevant pairs -> {args.out / name}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
