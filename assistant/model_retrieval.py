"""Model-assisted retrieval, both parts optional: query rewriting and a listwise rerank.

With a model endpoint and the options on (`RetrievalSettings.rewrite` / `.rerank`, or `search
--rewrite` / `--rerank`): the model proposes a few alternative queries; each is searched with the
hybrid search and the rankings are fused with the original's by weighted reciprocal rank fusion
(the original weighs most and is always searched, so a rewrite adds candidates, never replaces
them). Then the model orders the best `rerank_top` candidates from their titles and abstracts.

Small local models have no JSON mode or tool calls, so both replies are plain text read
leniently: one query a line; passage numbers in order ("3, 1, 7"), numbers out of range and
repeats ignored, the candidates it left out kept after the ones it ranked, in their order. A reply
names passage numbers, never papers, so it can only reorder the candidates. A failing, empty or
unreadable reply leaves the plain hybrid result and says why (`Retrieved.report`); nothing here
raises because of the model. Offline (no endpoint) the options do nothing.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.errors import LLMError, UsageError

if TYPE_CHECKING:
    from assistant.library import Library
    from assistant.llm import ChatResult, LLMGateway
    from assistant.models import Hit
    from assistant.prompts import PromptSet
    from assistant.retrieval import SearchFilters

_PASSAGE_CHARS = 700  # of each abstract shown to the reranker: 20 fit a small model's context
_QUERY_CHARS = 300  # longer "queries" in a rewrite reply are prose, not queries
# each query's ranking is read this deep (or k, if deeper) before the rankings are fused: a
# fixed depth, so a paper's fused score does not depend on how many results were asked for
_FUSE_DEPTH = 50
_PREAMBLE = re.compile(
    r"^(sure|certainly|okay|ok|here (are|is))\b|\balternative (search )?quer", re.IGNORECASE
)
_MARKER = re.compile(
    r"^\s*(?:[-*•+>]+|\(?(?:q|query\s*)?\d{1,2}\s*[.):\]]|#+|(?:a|answer|query)\s*:)\s*",
    re.IGNORECASE,
)
_TAG = re.compile(r"</?[A-Za-z][\w-]*[^<>]*>")
_NUMBER = re.compile(r"(?<![\w.])\d{1,4}(?![\w]|\.\d)")
_BRACKETED = re.compile(r"\[\s*(\d{1,4})\s*\]")
_LIST_START = re.compile(r"^\s*\d{1,4}\s*[.):]\s")


@dataclass
class RetrievalReport:
    """What the model did to one search, for `--explain`, `--json` and an answer's note.

    Status of each part: off (not asked for), offline (asked for, no endpoint), done, failed
    (the plain hybrid result stands), skipped (nothing to do)."""

    rewrite: str = "off"
    rerank: str = "off"
    queries: list[str] = field(default_factory=list)  # the alternatives searched besides it
    query_weight: float = 0.5  # each alternative's RRF weight (the original's is 1)
    reranked: int = 0  # candidates shown to the model
    model_rank: dict[str, int] = field(default_factory=dict)  # key -> the model's rank (1: best)
    # key -> its rank under each query (the original first, then `queries`); None: not found
    query_ranks: dict[str, list[int | None]] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    model: str | None = None
    seconds: float = 0.0

    @property
    def fell_back(self) -> bool:
        return "failed" in (self.rewrite, self.rerank)

    def problems(self) -> list[str]:
        """The notes that say a model call failed and the plain result stands (not that a part
        was offline, or that the model ranked only some candidates)."""
        return [n for n in self.notes if " failed (" in n]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class Retrieved:
    hits: list[Hit]
    report: RetrievalReport | None = None  # None: neither part was asked for


def wanted(library: Library, rewrite: bool | None, rerank: bool | None) -> tuple[bool, bool]:
    """Whether each part is asked for: the flag if given, else the setting."""
    settings = library.settings.retrieval
    return (
        settings.rewrite if rewrite is None else rewrite,
        settings.rerank if rerank is None else rerank,
    )


def retrieve(
    library: Library,
    query: str,
    k: int = 10,
    filters: SearchFilters | None = None,
    *,
    gateway: LLMGateway | None = None,
    prompts: PromptSet | None = None,
    rewrite: bool | None = None,
    rerank: bool | None = None,
) -> Retrieved:
    """The hybrid search's best `k` for `query`, with the model's rewrites and rerank when asked
    for (flags over settings) and a gateway is given. Both off: exactly `library.search`."""
    want_rewrite, want_rerank = wanted(library, rewrite, rerank)
    if not (want_rewrite or want_rerank):
        return Retrieved(library.search(query, k, filters))
    if not query or not query.strip():
        raise UsageError("the query is empty")
    settings = library.settings.retrieval
    report = RetrievalReport(query_weight=settings.rewrite_weight)
    if gateway is None:
        skipped = [
            n for n, on in (("query rewriting", want_rewrite), ("rerank", want_rerank)) if on
        ]
        report.rewrite = "offline" if want_rewrite else "off"
        report.rerank = "offline" if want_rerank else "off"
        report.notes.append(f"no model endpoint: {' and '.join(skipped)} skipped")
        return Retrieved(library.search(query, k, filters), report)
    started = time.perf_counter()
    if prompts is None:
        from assistant.prompts import PromptSet

        prompts = PromptSet(library.settings.data_dir)
    report.model = gateway.model
    need = max(k, settings.rerank_top) if want_rerank else k
    if want_rewrite:
        report.queries = _rewrites(gateway, prompts, query, settings, report)
    if report.queries:
        candidates = _fused(library, [query, *report.queries], need, filters, report)
    else:
        candidates = library.search(query, need, filters)
    if want_rerank:
        candidates = _reranked(gateway, prompts, query, candidates, settings, report)
        if report.rerank != "done" and not report.queries:
            # the plain result exactly (a deeper search can shift its tail by a rank or two)
            candidates = library.search(query, k, filters)
    report.seconds = time.perf_counter() - started
    return Retrieved(candidates[:k], report)


# -- rewriting ----------------------------------------------------------------------------------
def rewrite_messages(prompts: PromptSet, query: str, count: int) -> list[dict[str, str]]:
    text = prompts["query_rewrite"].render(query=_data(query), count=str(count))
    return [{"role": "user", "content": text}]


def parse_rewrites(text: str, original: str, count: int) -> list[str]:
    """Up to `count` queries, one a line: list markers, quotes and preambles dropped, repeats
    (and the original) skipped."""
    seen = {_normal(original)}
    found: list[str] = []
    for line in text.splitlines():
        line = _TAG.sub(" ", "".join(ch for ch in line if ch.isprintable()))  # <query> echoed
        line = _MARKER.sub("", line, count=1).strip().strip("\"'“”‘’`*_").strip()
        line = " ".join(line.split())
        if not line or line.endswith(":") or _PREAMBLE.search(line):
            continue
        if len(line) > _QUERY_CHARS or not re.search(r"[^\W\d_]", line):
            continue
        normal = _normal(line)
        if normal in seen:
            continue
        seen.add(normal)
        found.append(line)
        if len(found) >= count:
            break
    return found


def _rewrites(
    gateway: LLMGateway, prompts: PromptSet, query: str, settings: Any, report: RetrievalReport
) -> list[str]:
    count = settings.rewrite_queries
    messages = rewrite_messages(prompts, query, count)
    result, problem = _call(gateway, messages, 48 * count + 32, settings.model_budget, report)
    if result is None:
        report.rewrite = "failed"
        report.notes.append(f"query rewriting failed ({problem}); searched the query as given")
        return []
    text = result.text
    if _cut(result):  # the last line may be a query cut in half
        text = text[: text.rfind("\n")] if "\n" in text else ""
    queries = parse_rewrites(text, query, count)
    if not queries:
        report.rewrite = "failed"
        report.notes.append(
            "query rewriting failed (the model's reply held no usable query); "
            "searched the query as given"
        )
        return []
    report.rewrite = "done"
    return queries


def _fused(
    library: Library,
    queries: list[str],
    need: int,
    filters: SearchFilters | None,
    report: RetrievalReport,
) -> list[Hit]:
    """Each query's hybrid ranking, fused by weighted RRF: the original x1, each rewrite x
    `rewrite_weight`. A paper keeps the hit of the first query that found it (its BM25 and
    dense ranks are that query's); its score becomes the fused one."""
    settings = library.settings.retrieval
    depth = max(need, _FUSE_DEPTH)
    rankings = library.search_many(queries, depth, filters)
    fused: dict[str, float] = {}
    first: dict[str, Hit] = {}
    ranks: dict[str, list[int | None]] = {}
    for q, hits in enumerate(rankings):
        weight = 1.0 if q == 0 else settings.rewrite_weight
        for rank, hit in enumerate(hits, 1):
            key = hit.paper.key
            first.setdefault(key, hit)
            ranks.setdefault(key, [None] * len(queries))[q] = rank
            fused[key] = fused.get(key, 0.0) + weight / (settings.rrf_k + rank)
    order = sorted(first, key=lambda key: -fused[key])  # stable: first found first among ties
    report.query_ranks = {key: ranks[key] for key in order[:need]}
    return [first[key].model_copy(update={"score": fused[key]}) for key in order[:need]]


# -- reranking ----------------------------------------------------------------------------------
def rerank_messages(prompts: PromptSet, query: str, hits: list[Hit]) -> list[dict[str, str]]:
    blocks = []
    for number, hit in enumerate(hits, 1):
        paper = hit.paper
        abstract = " ".join(paper.abstract.split())
        if len(abstract) > _PASSAGE_CHARS:
            abstract = abstract[:_PASSAGE_CHARS].rsplit(" ", 1)[0] + " ..."
        title = "" if paper.title_derived else f"title: {_data(paper.title)}\n"
        blocks.append(
            f'<passage number="{number}">\n{title}abstract: {_data(abstract)}\n</passage>'
        )
    text = prompts["rerank"].render(
        query=_data(query), passages="\n".join(blocks), count=str(len(hits))
    )
    return [{"role": "user", "content": text}]


def parse_ranking(text: str, count: int) -> list[int]:
    """The passage numbers (1..count) a reply names, in its order, each once: "3, 1, 7",
    "[3] > [1]", "1. [3] ..." lines (a list's own numbering is not a passage number). Anything
    else, numbers out of range and repeats are ignored. 0-based indices."""
    order: list[int] = []
    for line in text.splitlines():
        bracketed = _BRACKETED.findall(line)
        if bracketed:
            numbers = bracketed
        else:
            numbers = _NUMBER.findall(line)
            if len(numbers) > 1 and _LIST_START.match(line):
                numbers = numbers[1:]  # "1. 3": the list's own number first
        for number in numbers:
            index = int(number) - 1
            if 0 <= index < count and index not in order:
                order.append(index)
    return order


def _reranked(
    gateway: LLMGateway,
    prompts: PromptSet,
    query: str,
    candidates: list[Hit],
    settings: Any,
    report: RetrievalReport,
) -> list[Hit]:
    window = candidates[: settings.rerank_top]
    if len(window) < 2:
        report.rerank = "skipped"
        report.notes.append("rerank skipped: fewer than two candidates")
        return candidates
    messages = rerank_messages(prompts, query, window)
    result, problem = _call(gateway, messages, 8 * len(window) + 64, settings.model_budget, report)
    report.reranked = len(window)
    if result is None:
        report.rerank = "failed"
        report.notes.append(f"model rerank failed ({problem}); the hybrid order stands")
        return candidates
    text = result.text
    if _cut(result):  # a number at the very end may be cut ("1" of "12")
        text = re.sub(r"\d+\W*$", "", text)
    order = parse_ranking(text, len(window))
    if not order:
        report.rerank = "failed"
        report.notes.append(
            "model rerank failed (the model's reply named no candidate); the hybrid order stands"
        )
        return candidates
    report.rerank = "done"
    report.model_rank = {window[i].paper.key: rank for rank, i in enumerate(order, 1)}
    if len(order) < len(window):
        report.notes.append(
            f"the model ranked {len(order)} of {len(window)} candidates; the others follow in "
            "their hybrid order"
        )
    rest = [i for i in range(len(window)) if i not in set(order)]
    return [window[i] for i in order + rest] + candidates[len(window) :]


# -- the model call -----------------------------------------------------------------------------
def _call(
    gateway: LLMGateway,
    messages: list[dict[str, str]],
    max_tokens: int,
    budget: float,
    report: RetrievalReport,
) -> tuple[ChatResult | None, str | None]:
    """One reply, or None and why: a model failure is reported, never raised."""
    try:
        result = gateway.chat(messages, max_tokens=max_tokens, budget=budget)
    except LLMError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - the model is never required for a search
        return None, f"{type(exc).__name__}: {exc}"[:200]
    for name, count in result.usage.items():
        report.usage[name] = report.usage.get(name, 0) + count
    if not result.text.strip():
        return None, result.problem or result.stopped or "the reply was empty"
    return result, None


def _cut(result: ChatResult) -> bool:
    return not result.complete or bool(result.stopped) or result.finish_reason == "length"


def _data(text: str) -> str:
    """Untrusted text put in a prompt: it cannot close or open a tag there."""
    return text.replace("<", "‹").replace(">", "›")


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))
