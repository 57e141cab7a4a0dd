"""Benchmark corpora: the real sample library, and bigger synthetic ones recombined from it.

Records are JSONL lines with `id`, `title`, `abstract`, `authors`, `year`, the shape
`litreview ingest FILE.jsonl` reads. Synthetic abstracts are built from the sample's own
sentences (drawn roughly from the same position: openings first, conclusions last) up to a length
drawn from the real length distribution; titles splice the words of two real titles. Every
synthetic record has a distinct id, title and abstract opening, so no two are merged as
duplicates on ingest.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from assistant.ingest.merge import abstract_fingerprint, normalize_title

SEED = 20240601
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")

Record = dict  # {"id", "title", "abstract", "authors", "year"}


def sample_records() -> list[Record]:
    """The 136 papers `litreview ingest --sample` makes, parsed and merged, without embedding."""
    from assistant.ingest import parse_file
    from assistant.ingest.merge import merge_library
    from assistant.library import expand_paths
    from assistant.locations import sample_corpus_dir

    parsed = []
    files, _ = expand_paths([sample_corpus_dir()])
    for path in files:
        parsed.extend(parse_file(path).records)
    records = []
    for paper in sorted(merge_library(parsed), key=lambda p: p.key):
        records.append(
            {
                "id": paper.key,
                "title": "" if paper.title_derived else paper.title,  # derived again on ingest
                "abstract": paper.abstract,
                "authors": paper.authors,
                "year": paper.year,
            }
        )
    return records


def _sentences(abstract: str) -> list[str]:
    """An abstract split into sentences."""
    return [s.strip() for s in _SENTENCE_END.split(abstract) if s.strip()]


class Synthesizer:
    """Deterministic recombination of real abstracts into as many distinct records as needed."""

    def __init__(self, records: Sequence[Record], seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.buckets: list[list[str]] = [[], [], []]  # opening, middle, closing sentences
        for record in records:
            sentences = _sentences(record["abstract"])
            for i, sentence in enumerate(sentences):
                bucket = 0 if i == 0 else 2 if i == len(sentences) - 1 else 1
                self.buckets[bucket].append(sentence)
        self.everything = [s for bucket in self.buckets for s in bucket]
        self.lengths = [len(r["abstract"]) for r in records if r["abstract"]]
        self.titles = [r["title"].split() for r in records if r["title"]]
        self.years = [r["year"] for r in records if r["year"]]
        self.authors = sorted({a for r in records for a in r["authors"]})
        # a synthetic record never repeats a real title or opening either: a spliced title equal
        # to a real one would merge into that paper on ingest and replace its abstract
        self._seen_titles = {normalize_title(r["title"]) for r in records if r["title"]}
        self._seen_openings = {abstract_fingerprint(r["abstract"]) for r in records}

    def _pick(self, bucket: int) -> str:
        pool = self.buckets[bucket] if self.rng.random() < 0.7 else self.everything
        return self.rng.choice(pool)

    def abstract(self) -> str:
        """Sentences up to a real abstract's length (+-15%), opening and closing in place."""
        target = self.rng.choice(self.lengths) * self.rng.uniform(0.85, 1.15)
        opening, closing = self._pick(0), self._pick(2)
        parts = [opening]
        used = len(opening) + len(closing)
        while True:
            sentence = self._pick(1)
            if used + len(sentence) / 2 > target:
                break
            parts.append(sentence)
            used += len(sentence) + 1
        return " ".join([*parts, closing])

    def title(self) -> str:
        """The head of one real title spliced onto the tail of another."""
        a, b = self.rng.sample(self.titles, 2)
        cut_a = self.rng.randint(max(1, len(a) // 3), max(1, len(a) - 1))
        cut_b = self.rng.randint(min(len(b) - 1, len(b) // 3), len(b) - 1)
        return " ".join(a[:cut_a] + b[cut_b:])

    def record(self, number: int) -> Record:
        for _ in range(1000):
            title = self.title()
            if normalize_title(title) not in self._seen_titles:
                break
        self._seen_titles.add(normalize_title(title))
        for _ in range(1000):
            abstract = self.abstract()
            if abstract_fingerprint(abstract) not in self._seen_openings:
                break
        self._seen_openings.add(abstract_fingerprint(abstract))
        count = min(len(self.authors), self.rng.choice([1, 2, 3, 3, 4, 4, 5, 6, 8]))
        return {
            "id": f"syn{number:06d}",
            "title": title,
            "abstract": abstract,
            "authors": self.rng.sample(self.authors, count) if count else [],
            "year": self.rng.choice(self.years) if self.years else None,
        }


def build_corpus(size: int, seed: int = SEED) -> list[Record]:
    """The sample library for its own size (136); otherwise `size` synthetic records."""
    real = sample_records()
    if size == len(real):
        return real
    synth = Synthesizer(real, seed)
    return [synth.record(n) for n in range(1, size + 1)]


def write_jsonl(records: Iterable[Record], path: Path) -> Path:
    """One JSON object per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def chunk_texts(path: Path) -> tuple[list[str], int]:
    """The texts ingest would embed for a JSONL corpus, and its number of papers after merging."""
    from assistant.ingest import parse_file
    from assistant.ingest.merge import merge_library
    from assistant.library import _chunk_texts
    from assistant.settings import RetrievalSettings

    retrieval = RetrievalSettings()
    papers = merge_library(parse_file(path).records)
    texts = [
        text
        for paper in papers
        for text in _chunk_texts(paper, retrieval.chunk_chars, retrieval.chunk_overlap)
    ]
    return texts, len(papers)
