"""Pydantic records shared by every layer: papers, their sources, search hits."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pydantic import BaseModel, Field

# What a `[@key]` citation can name (Pandoc's citation keys): a letter, digit or _ first and last,
# internal punctuation allowed. Imports convert keys into it; citations are read with it.
CITATION_KEY = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_:.#$%&+?<>~/\-]*[A-Za-z0-9_])?")


class Source(BaseModel):
    """Where one parsed record came from: a file and the record's position in it."""

    file: str
    position: int = Field(description="1-based index of the record within the file")
    line: int | None = Field(default=None, description="1-based line where the record starts")
    format: str = ""
    digest: str = Field(
        default="", description="hash of the record as parsed here: a re-import knows it unchanged"
    )


class Paper(BaseModel):
    """One paper of the library; after merging it may carry several sources."""

    key: str = ""
    title: str = ""
    title_derived: bool = False
    authors: list[str] = Field(default_factory=list)
    authors_truncated: bool = Field(default=False, description="the source listed 'et al.'")
    author_count: int | None = None
    organizations: list[str] = Field(default_factory=list)
    year: int | None = None
    year_inferred: bool = False
    date: str | None = Field(default=None, description="ISO date (YYYY-MM-DD or YYYY-MM) as given")
    venue: str | None = None
    kind: str | None = Field(
        default=None,
        description="the kind of work as the source named it: article, inproceedings, preprint, "
        "book, incollection, thesis, report or misc (assistant/ingest/kinds.py); None: not said",
    )
    categories: list[str] = Field(default_factory=list)
    url: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    abstract: str = ""
    has_code: bool | None = None
    upvotes: int | None = None
    score: float | None = Field(default=None, description="a score the source page shows")
    own_key: bool = Field(default=False, description="the key came from the imported file")
    extra: dict[str, str] = Field(default_factory=dict)
    sources: list[Source] = Field(default_factory=list)

    def content_hash(self) -> str:
        """Hash of every field: records with equal hashes need nothing rewritten."""
        return hashlib.blake2b(self.model_dump_json().encode(), digest_size=16).hexdigest()

    def embedding_text_hash(self) -> str:
        text = f"{self.title}\n{self.abstract}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def public_dict(self) -> dict[str, Any]:
        """The record as the CLI's JSON shows it."""
        return self.model_dump(mode="json")


class Hit(BaseModel):
    """A paper found by search, with its fused score."""

    paper: Paper
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None
    best_chunk: str | None = None
    dense_similarity: float | None = Field(default=None, description="cosine of the best chunk")
    keyword_score: float | None = Field(default=None, description="BM25 score (with feedback)")

    def public_dict(self) -> dict[str, Any]:
        data = self.paper.public_dict()
        data["score"] = round(self.score, 6)
        return data


class EvidenceOut(BaseModel):
    """The span of a cited abstract behind one (sentence, key) citation, and the verdict on it."""

    key: str
    quote: str = Field(description="the supporting span, verbatim from the abstract (or title)")
    start: int | None = Field(default=None, description="offset of the span in the abstract")
    end: int | None = None
    verdict: str = Field(description="supported | partial | unsupported | contradicted")
    reason: str | None = Field(
        default=None,
        description="why it is not supported: figure_context, polarity, quantifier, entity, "
        "low_similarity, quote_mismatch, judge, unknown_key, not_in_evidence, malformed_key",
    )
    score: float = 0.0
    model_quote: str | None = Field(default=None, description="the quote the model gave")
    judge: str | None = Field(default=None, description="the model judge's verdict, if it ran")


class SentenceOut(BaseModel):
    text: str
    citations: list[str] = Field(default_factory=list)
    supported: bool = False
    evidence: list[EvidenceOut] = Field(default_factory=list)


class CitationOut(BaseModel):
    key: str
    title: str
    year: int | None = None


class RejectedCitation(BaseModel):
    key: str
    sentence: str
    reason: str
    verdict: str = "unsupported"


class Answer(BaseModel):
    """What `ask` returns: verified sentences, kept and rejected citations, and provenance."""

    question: str
    mode: str  # "llm" | "extractive"
    answer: str
    sentences: list[SentenceOut] = Field(default_factory=list)
    citations: list[CitationOut] = Field(default_factory=list)
    rejected_citations: list[RejectedCitation] = Field(default_factory=list)
    abstained: bool = False
    model: str | None = None
    usage: dict[str, int] = Field(default_factory=dict)
    incomplete: bool = False
    problem: str | None = None
    note: str | None = None
    evidence_keys: list[str] = Field(default_factory=list)
    prompt_hash: str | None = None
    latency: float = 0.0
    first_token_latency: float | None = None
    session: str | None = None
    verification: str = Field(
        default="local", description="local | model | model-failed (fell back to local) | off"
    )

    def public_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
