"""The core service every front end calls: one open library and what people do with it.

The CLI, the TUI, the evals and the MCP server all go through a `Workspace`: it resolves the
settings once (flags over environment over the config file), chooses the model gateway once,
turns user input into `SearchFilters` once, and offers search, ask, draft, import, remove,
export and history. No front end constructs core objects itself.

Nothing here imports a heavy module at import time; everything may block (the TUI runs it in
worker threads).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answer import Asker, Turn
    from assistant.draft import Draft, Drafter, Outline
    from assistant.history import History, SessionSummary
    from assistant.library import IngestReport, Library
    from assistant.llm import LLMGateway
    from assistant.model_retrieval import RetrievalReport, Retrieved
    from assistant.models import Answer, Hit, Paper
    from assistant.retrieval import SearchFilters
    from assistant.settings import Settings

EXPORT_FORMATS = ("bibtex", "jsonl", "csv", "csljson")
DEFAULT_SESSION = "default"


def search_filters(
    year: str | None = None,
    authors: Sequence[str] | None = (),
    categories: Sequence[str] | None = (),
    sources: Sequence[str] | None = (),
) -> SearchFilters:
    """Filters from what a user typed: `2023`, `2022..2024`, `2022..`, `..2024`; author and
    source substrings; categories as `cs.CR` or `CR`. Blank entries are ignored."""
    from assistant.retrieval import SearchFilters

    def given(values: Sequence[str] | None) -> list[str]:
        return [v.strip() for v in values or () if v and v.strip()]

    return SearchFilters.build(
        (year or "").strip() or None, given(authors), given(categories), given(sources)
    )


# a query, question or topic is what is looked for, not a document: a pasted abstract fits, while
# 44,000 characters made a 23 s draft and a prompt of ~10,000 tokens (the embedder reads the
# first 256 tokens of it anyway)
MAX_QUERY_CHARS = 5000


def check_query(text: str, what: str = "the query") -> str:
    """A query, question (`what`) or topic no longer than MAX_QUERY_CHARS; UsageError if it is."""
    from assistant.errors import UsageError

    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(
            f"{what} is {len(text):,} characters long; at most {MAX_QUERY_CHARS:,} are taken"
        )
    return text


DRAFT_WORDS = 150  # words per paragraph a model is asked for
# a paragraph's length is capped at 3 tokens a word: beyond this it is no paragraph, and the cap
# sent to the server could exceed a small model's context
MAX_DRAFT_WORDS = 2000


def check_words(words: int) -> int:
    """`--words` (words per model-written paragraph) within 1..MAX_DRAFT_WORDS."""
    from assistant.errors import UsageError

    if words < 1:
        raise UsageError(f"--words must be at least 1 (got {words})")
    if words > MAX_DRAFT_WORDS:
        raise UsageError(f"--words must be at most {MAX_DRAFT_WORDS} (got {words})")
    return words


# the draft formats an --out file's extension names
DRAFT_EXTENSIONS = {".md": "md", ".markdown": "md", ".tex": "latex"}


def draft_format(out: Path | None, fmt: str | None = None) -> str:
    """The format a draft is written in: `fmt` (--format) if given, else the one the --out
    file's extension names (.tex: latex; .md, .markdown: md), else md. A --format that
    contradicts the extension is refused rather than honoured: a .tex file holding Markdown
    (or the reverse) is never what was meant. A .bib name is refused too: the bibliography is
    written beside the draft under that very name."""
    from assistant.errors import UsageError

    if fmt is not None and fmt not in ("md", "latex"):
        raise UsageError(f"--format {fmt!r}: use md or latex")
    suffix = out.suffix.lower() if out is not None else ""
    if suffix == ".bib":
        raise UsageError(
            f"--out {out}: the bibliography is written beside the draft as .bib; "
            "name the draft .md or .tex"
        )
    implied = DRAFT_EXTENSIONS.get(suffix)
    if fmt is not None and implied is not None and fmt != implied:
        raise UsageError(
            f"--format {fmt} contradicts --out {out} (a {implied} file); "
            "drop --format or change the extension"
        )
    return fmt or implied or "md"


def check_outputs(paths: Sequence[Path], force: bool = False) -> None:
    """Before any work (or model call) is spent: each output's directory exists and is
    writable, and no file is overwritten unless `force`."""
    import os

    from assistant.errors import UsageError

    for path in paths:
        parent = path.expanduser().parent
        if not parent.is_dir():
            raise UsageError(f"{path}: the directory {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise UsageError(f"{path}: the directory {parent} is not writable")
        if path.is_dir():  # --force cannot help: said before any work is done
            raise UsageError(f"{path} is a directory; give a file name")
        if path.exists() and not force:
            raise UsageError(f"{path} exists; use --force to overwrite it")


class Workspace:
    """One library opened with one set of settings, and the calls the front ends share."""

    def __init__(
        self,
        settings: Settings,
        *,
        offline: bool = False,
        verify: str | None = None,
        session: str = DEFAULT_SESSION,
    ) -> None:
        self.settings = settings
        self.offline = offline
        self.verify = verify
        self.session = session
        self.turns: list[Turn] = []  # the current session's questions and answers so far
        self._library: Library | None = None
        self._history: History | None = None
        self._gateway: LLMGateway | None = None
        self._asker: Asker | None = None

    @classmethod
    def open(
        cls,
        data_dir: Path | None = None,
        *,
        model: str | None = None,
        offline: bool = False,
        verify: str | None = None,
        session: str = DEFAULT_SESSION,
    ) -> Workspace:
        """Settings from flags (None: not given), the environment and the config file."""
        from assistant.settings import load_settings

        settings = load_settings(data_dir=data_dir, model=model)
        return cls(settings, offline=offline, verify=verify, session=session)

    # -- what the front ends show about it -----------------------------------------------------
    @property
    def uses_model(self) -> bool:
        from assistant.llm import endpoint_configured

        return not self.offline and endpoint_configured(self.settings)

    def mode_label(self) -> str:
        from assistant.llm import DEFAULT_MODEL, describe_endpoint

        if not self.uses_model:
            return "extractive, offline (no model endpoint)"
        return f"{self.settings.model or DEFAULT_MODEL} @ {describe_endpoint(self.settings)}"

    def settings_in_force(self) -> dict[str, Any]:
        """Every effective setting (`config show`): nested ones (retrieval) as a dict, a
        setting left unset as None, the API key only as "set" or "unset"."""
        from assistant.llm import DEFAULT_MODEL, describe_endpoint, endpoint_configured
        from assistant.locations import config_file

        settings = self.settings
        endpoint = endpoint_configured(settings)
        return {
            "data_dir": str(settings.data_dir),
            "cache_dir": str(settings.cache_dir),
            "config_file": str(config_file(settings.data_dir)),
            "chroma_url": settings.chroma_url,
            "collection": settings.collection,
            "model": settings.model or DEFAULT_MODEL,
            "endpoint": describe_endpoint(settings) if endpoint else None,
            "api_key": "set" if settings.openai_api_key else "unset",
            "llm_timeout": settings.llm_timeout,
            "llm_max_retries": settings.llm_max_retries,
            "llm_stream_retries": settings.llm_stream_retries,
            # what the Asker and Drafter choose when --verify is not given
            "verify": self.verify or settings.verify or ("model" if endpoint else "local"),
            "answer_k": settings.answer_k,
            "answer_max_tokens": settings.answer_max_tokens,
            "embedder": settings.embedder,
            "retrieval": settings.retrieval.model_dump(),
        }

    # -- the parts, made on first use --------------------------------------------------------
    @property
    def library(self) -> Library:
        if self._library is None:
            from assistant.library import Library

            self._library = Library(self.settings)
        return self._library

    @property
    def history(self) -> History:
        if self._history is None:
            from assistant.history import History

            self._history = History(self.settings.data_dir)
        return self._history

    @property
    def gateway(self) -> LLMGateway | None:
        """The model, or None: offline, or no endpoint configured (answers are extractive)."""
        if self._gateway is None and self.uses_model:
            from assistant.llm import LLMGateway

            self._gateway = LLMGateway(self.settings)
        return self._gateway

    @property
    def asker(self) -> Asker:
        if self._asker is None:
            from assistant.answer import Asker

            self._asker = Asker(self.library, gateway=self.gateway, verify_mode=self.verify)
        return self._asker

    def drafter(self) -> Drafter:
        from assistant.draft import Drafter

        return Drafter(self.library, gateway=self.gateway, verify_mode=self.verify)

    def warm_up(self) -> int:
        """Load the index and the embedding model; returns the number of papers."""
        count = len(self.library.index())
        if count:
            self.library.embedder.embed(["warm up"])
        return count

    # -- the library --------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        *,
        rewrite: bool | None = None,
        rerank: bool | None = None,
    ) -> list[Hit]:
        return self.retrieve(query, k, filters, rewrite=rewrite, rerank=rerank).hits

    def retrieve(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        *,
        rewrite: bool | None = None,
        rerank: bool | None = None,
    ) -> Retrieved:
        """The hits, and with model query rewriting or rerank asked for (flags, else the
        settings) what the model did: its queries, its order, or why the hybrid result stands
        (always it, offline)."""
        from assistant.model_retrieval import retrieve

        check_query(query)
        return retrieve(
            self.library,
            query,
            k,
            filters,
            gateway=self.gateway,
            prompts=self.asker.prompts if self.gateway is not None else None,
            rewrite=rewrite,
            rerank=rerank,
        )

    def search_many(
        self,
        queries: Sequence[str],
        k: int = 10,
        filters: SearchFilters | None = None,
        *,
        rewrite: bool | None = None,
        rerank: bool | None = None,
    ) -> list[list[Hit]]:
        found = self.retrieve_many(queries, k, filters, rewrite=rewrite, rerank=rerank)
        return [r.hits for r in found]

    def retrieve_many(
        self,
        queries: Sequence[str],
        k: int = 10,
        filters: SearchFilters | None = None,
        *,
        rewrite: bool | None = None,
        rerank: bool | None = None,
    ) -> list[Retrieved]:
        """`retrieve` for each query; without the model parts, one batched hybrid search."""
        from assistant.model_retrieval import Retrieved, wanted

        for query in queries:
            check_query(query)
        if not any(wanted(self.library, rewrite, rerank)):
            return [Retrieved(h) for h in self.library.search_many(list(queries), k, filters)]
        for query in queries:
            if not query or not query.strip():
                from assistant.errors import UsageError

                raise UsageError("the query is empty")
        return [self.retrieve(q, k, filters, rewrite=rewrite, rerank=rerank) for q in queries]

    def explain(
        self, hits: Sequence[Hit], report: RetrievalReport | None = None
    ) -> list[dict[str, Any]]:
        """Why each hit ranks where it does: its BM25 and dense ranks (None: not among that
        ranking's candidates), their scores, and the fused score (`search --explain`). With
        the model parts asked for (`report`), also its rank under each query (the original,
        then the model's rewrites) and the model's rank (None: not ranked by the model)."""
        retrieval = self.settings.retrieval
        fusion = f"rrf k={retrieval.rrf_k}" if retrieval.fusion == "rrf" else "min-max score fusion"
        fusion += f", dense x{retrieval.dense_weight:g}, bm25 x{retrieval.keyword_weight:g}"
        if retrieval.prf_docs:
            fusion += f", bm25 with rm3 feedback ({retrieval.prf_docs} docs)"
        if report is not None and report.queries:
            fusion += (
                f"; {len(report.queries)} model rewrites fused by rrf "
                f"(query x1, each rewrite x{report.query_weight:g})"
            )
        if report is not None and report.rerank == "done":
            fusion += f"; top {report.reranked} reordered by the model"
        rows = []
        for hit in hits:
            row: dict[str, Any] = {
                "bm25_rank": hit.keyword_rank,
                "bm25_score": None if hit.keyword_score is None else round(hit.keyword_score, 4),
                "dense_rank": hit.dense_rank,
                "dense_cosine": (
                    None if hit.dense_similarity is None else round(hit.dense_similarity, 4)
                ),
                "fused_score": round(hit.score, 6),
                "fusion": fusion,
            }
            if report is not None:
                row["query_ranks"] = report.query_ranks.get(hit.paper.key)
                row["model_rank"] = report.model_rank.get(hit.paper.key)
            rows.append(row)
        return rows

    def papers(self, filters: SearchFilters | None = None) -> list[Paper]:
        return self.library.papers(filters)

    def get(self, key: str) -> Paper:
        return self.library.get(key)

    def stats(self) -> dict[str, Any]:
        return self.library.stats()

    def summary(self) -> dict[str, Any]:
        """Counts by year, category and source file."""
        from collections import Counter

        papers = self.papers()
        categories = Counter(c for p in papers for c in p.categories)
        stats = self.stats()
        return {
            "papers": stats["papers"],
            "years": stats["years"],
            "categories": dict(sorted(categories.items())),
            "sources": stats["sources"],
        }

    def bibtex(self, keys: Sequence[str]) -> tuple[str, list[str]]:
        """BibTeX entries for the keys the library holds, and the keys it does not."""
        index = self.library.index()
        known = [k for k in dict.fromkeys(keys) if k in index.position]
        unknown = [k for k in dict.fromkeys(keys) if k not in index.position]
        return (self.export("bibtex", known) if known else ""), unknown

    def ingest(
        self,
        paths: Sequence[Path] = (),
        sample: bool = False,
        fmt: str | None = None,
        mapping: dict[str, str] | None = None,
        skip_invalid: bool = False,
        progress: Any = None,
        zotero: Path | None = None,
        collection: str | None = None,
    ) -> IngestReport:
        """Files, the sample corpus, and (`zotero`: its data directory or zotero.sqlite) a Zotero
        library or one of its collections, in one atomic import."""
        from functools import partial

        from assistant.errors import UsageError

        self._asker = None  # new papers: the asker's caches start fresh
        readers = {}
        if zotero is not None:
            from assistant.ingest.zotero import read_zotero

            readers[str(zotero)] = partial(read_zotero, zotero, collection)
        elif collection:
            raise UsageError("--collection picks a collection of the Zotero library: add --zotero")
        return self.library.ingest(
            list(paths), sample, fmt, mapping, skip_invalid, progress, readers=readers
        )

    def reindex(self, progress: Any = None, embedder: str | None = None) -> IngestReport:
        self._asker = None
        return self.library.reindex(progress, embedder)

    def remove(self, key: str) -> Paper:
        self._asker = None
        return self.library.remove(key)

    def export(self, fmt: str, keys: Sequence[str] | None = None) -> str:
        """The library (or the given keys) as BibTeX, JSONL, CSV or CSL-JSON text."""
        from assistant import export as exporters
        from assistant.errors import UsageError

        writers = {
            "bibtex": exporters.to_bibtex,
            "jsonl": exporters.to_jsonl,
            "csv": exporters.to_csv,
            "csljson": exporters.to_csljson,
        }
        if fmt not in writers:
            raise UsageError(f"--format {fmt!r}: use {', '.join(EXPORT_FORMATS)}")
        papers = [self.get(k) for k in keys] if keys is not None else self.papers()
        return writers[fmt](papers)

    # -- questions ----------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        *,
        session: str | None = None,
        on_token: Callable[[str], None] | None = None,
        on_restart: Callable[[], None] | None = None,
        record: bool = True,
    ) -> Answer:
        """A verified answer in the current session (or `session`, continued from history),
        recorded in the history unless `record` is off."""
        from assistant.answer import Turn
        from assistant.history import check_session_name

        check_query(question, "the question")
        if session is not None:
            session = check_session_name(session, "--session")
        if session is not None and session != self.session:
            self.reopen(session, missing_ok=True)
        answer = self.asker.ask(
            question,
            self.settings.answer_k if k is None else k,
            filters,
            self.turns,
            on_token=on_token,
            on_restart=on_restart,
        )
        answer.session = self.session
        self.turns.append(Turn(answer.question, answer.answer))
        if record:
            from assistant.errors import DataDirError

            try:
                self.history.record(self.session, answer)
            except DataDirError as error:  # a read-only or full data dir: the answer stands
                import logging

                logging.getLogger(__name__).warning("the answer is not kept: %s", error)
        return answer

    def supporting_sentence(self, sentence: str, key: str) -> str:
        """The abstract sentence that best supports a cited sentence."""
        return self.asker.scorer.best_match(sentence, self.get(key))[1]

    # -- sessions -----------------------------------------------------------------------------
    def new_session(self, name: str) -> None:
        from assistant.history import check_session_name

        self.session = check_session_name(name)
        self.turns = []

    def reopen(self, name: str, missing_ok: bool = False) -> list[Answer]:
        """Continue a past session: its answers become the context of follow-ups."""
        from assistant.answer import Turn
        from assistant.history import check_session_name

        name = check_session_name(name)
        answers = self.history.answers(name) if missing_ok else self.history.require(name)
        self.session = name
        self.turns = [Turn(a.question, a.answer) for a in answers]
        return answers

    def sessions(self) -> list[SessionSummary]:
        return self.history.sessions()

    def export_session(self, name: str, out: Path) -> tuple[Path, Path]:
        from assistant.history import check_session_name

        return self.history.export_markdown(check_session_name(name), out)

    # -- drafts -------------------------------------------------------------------------------
    def draft(self, topic: str, **options: Any) -> Draft:
        """A related-work draft on `topic`; `options` as `Drafter.draft` takes them (k, filters,
        papers to add, exclude, words, progress, keep_unsupported)."""
        check_query(topic, "the topic")
        if not options.get("papers"):
            options["papers"] = None  # no keys given: candidates come from the library
        if "words" in options:
            check_words(options["words"])
        return self.drafter().draft(topic, **options)

    def plan_draft(self, topic: str, **options: Any) -> Outline:
        """The draft's outline, no paragraph written yet: candidates, themes (name and papers)
        and the coverage so far; `options` as `Drafter.plan` takes them (k, filters, papers,
        exclude, progress). Edit it with `Outline.edited`, write it with `draft_from_outline`."""
        check_query(topic, "the topic")
        if not options.get("papers"):
            options["papers"] = None
        return self.drafter().plan(topic, **options)

    def draft_from_outline(self, outline: Outline, **options: Any) -> Draft:
        """The paragraphs of a (possibly edited) outline; `options` as `Drafter.write` takes
        them (words, progress, keep_unsupported)."""
        if "words" in options:
            check_words(options["words"])
        return self.drafter().write(outline, **options)

    def read_outline(self, path: Path, topic: str | None = None) -> Outline:
        """An outline file (`draft --outline-only --json`, maybe edited), checked against the
        library; an InputError names the file and the field at fault."""
        from assistant.draft import read_outline

        return read_outline(path, self.library, topic)

    def export_draft(self, draft: Draft, out: Path, fmt: str) -> tuple[Path, Path]:
        from assistant.draft import write_draft

        return write_draft(draft, self.library, out, fmt)
