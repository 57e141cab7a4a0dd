"""`litreview mcp`: the library as a Model Context Protocol server over stdio.

The only module that imports `mcp` (the official SDK), and only when the command runs. Every tool
calls the same core service as the CLI and the TUI (`Workspace`) and returns structured JSON (the
shape `--json` gives) with a short readable text beside it.

Read-only by default. `--allow-write` adds `ingest(path)` for files under the directories given
with `--root` (symlinks resolved first: a link out of a root is refused). Nothing a client sends is
run as a command. The SDK serves the protocol on the process's real stdout and points file
descriptor 1 at stderr while it runs, so a stray print cannot corrupt the stream; our own notices
go to stderr through logging.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations

from assistant.errors import LitreviewError

if TYPE_CHECKING:
    from assistant.workspace import Workspace

# every tool: a readable text block, and the structured JSON the CLI's --json gives
Result = Annotated[CallToolResult, dict[str, Any]]

INSTRUCTIONS = (
    "A researcher's library of paper abstracts. search finds papers (hybrid keyword and "
    "semantic search, optional year/author/category filters); get_paper and the paper://{key} "
    "resource give one record; ask answers a question from the library with every citation "
    "checked against the cited abstract (rejected citations are listed, and it abstains when the "
    "library does not answer); draft writes a related-work section on a topic, its citations "
    "checked the same way, with its BibTeX; bibtex gives entries for citation keys; "
    "library_stats counts "
    "papers by year, category and source."
)


def build_server(
    workspace: Workspace, allow_write: bool = False, roots: Sequence[Path] = ()
) -> Any:
    """An MCPServer whose tools call `workspace`; one call at a time (the store is not shared
    between threads)."""
    server = MCPServer(name="litreview", instructions=INSTRUCTIONS, log_level="WARNING")
    lock = threading.Lock()
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    def run(call: Callable[[], tuple[str, dict[str, Any]]]) -> CallToolResult:
        """Run a core call; a user error (bad key, empty query) is a tool error, not a crash."""
        with lock:
            try:
                text, data = call()
            except LitreviewError as error:
                raise ToolError(str(error)) from None
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=data
        )

    @server.tool(annotations=read_only)
    def search(
        query: str,
        k: int = 10,
        year: str | None = None,
        author: str | None = None,
        category: str | None = None,
    ) -> Result:
        """Find papers: hybrid (BM25 + semantic) search. `year`: 2023, 2022..2024, 2022.. or
        ..2024; `author`: a name substring; `category`: e.g. cs.CR or CR. Hits as
        `litreview search --json` gives them (key, title, authors, year, abstract, score...)."""
        from assistant.workspace import search_filters

        def call() -> tuple[str, dict[str, Any]]:
            filters = search_filters(year, [author or ""], [category or ""])
            hits = workspace.search(query, k, filters)
            lines = [f"{len(hits)} paper(s) for {query!r}:"]
            lines += [f"- @{h.paper.key} ({h.paper.year or 'n.d.'}) {h.paper.title}" for h in hits]
            return "\n".join(lines), {"query": query, "hits": [h.public_dict() for h in hits]}

        return run(call)

    @server.tool(annotations=read_only)
    def get_paper(key: str) -> Result:
        """One paper by citation key, as `litreview show KEY --json` gives it."""

        def call() -> tuple[str, dict[str, Any]]:
            paper = workspace.get(key)
            return _paper_markdown(paper), paper.public_dict()

        return run(call)

    @server.tool(annotations=read_only)
    def ask(question: str, k: int = 8) -> Result:
        """Answer a question from the library, as `litreview ask --json` gives it: sentences with
        verified citations and the evidence behind each, rejected citations with reasons,
        `abstained` when the library does not answer, and which verification ran."""

        def call() -> tuple[str, dict[str, Any]]:
            answer = workspace.ask(question, k, record=False)
            text = answer.answer
            if answer.rejected_citations:
                rejected = ", ".join(
                    f"@{r.key} ({r.verdict}: {r.reason})" for r in answer.rejected_citations
                )
                text += f"\n\nRejected citations: {rejected}"
            if answer.note:
                text += f"\n\n{answer.note}"
            return text, answer.public_dict()

        return run(call)

    @server.tool(annotations=read_only)
    def draft(
        topic: str,
        papers: list[str] | None = None,
        exclude: list[str] | None = None,
        format: str = "markdown",
        words: int | None = None,
        year: str | None = None,
        author: str | None = None,
        category: str | None = None,
    ) -> Result:
        """Draft a related-work section on `topic` from the library: themed paragraphs whose
        every citation is checked against the cited abstract, as `litreview draft --json` gives
        it, plus `text` (the section, `format` markdown or latex) and `bibtex` (exactly the cited
        entries). `papers` adds keys, `exclude` removes them; `coverage` says what was left out
        and why. Offline (or with no model) the paragraphs quote the abstracts; with a model,
        `words` sets a paragraph's length. Nothing is written to disk."""
        from assistant.draft import coverage_lines, to_latex, to_markdown
        from assistant.errors import UsageError
        from assistant.export import to_bibtex
        from assistant.workspace import DRAFT_WORDS, search_filters

        def call() -> tuple[str, dict[str, Any]]:
            if format not in ("markdown", "latex"):
                raise UsageError(f"format {format!r}: use markdown or latex")
            filters = search_filters(year, [author or ""], [category or ""])
            result = workspace.draft(
                " ".join(topic.split()),
                filters=filters,
                papers=list(papers or []),
                exclude=list(exclude or []),
                words=DRAFT_WORDS if words is None else words,
            )
            render = to_markdown if format == "markdown" else to_latex
            text = render(result, "the bibtex field of this result") if result.themes else ""
            data = result.as_dict()
            data["text"] = text
            data["bibtex"] = to_bibtex([workspace.get(key) for key in result.cited])
            readable = "\n".join([text.rstrip(), "", *coverage_lines(result)]).strip()
            if result.incomplete:
                readable += f"\nThe draft is incomplete: {result.problem}"
            return readable, data

        return run(call)

    @server.tool(annotations=read_only)
    def bibtex(keys: list[str]) -> Result:
        """BibTeX entries for these citation keys; keys the library lacks are listed."""

        def call() -> tuple[str, dict[str, Any]]:
            entries, unknown = workspace.bibtex(keys)
            text = entries or "(no entries)"
            if unknown:
                text += f"\n% not in the library: {', '.join(unknown)}"
            return text, {"bibtex": entries, "unknown": unknown}

        return run(call)

    @server.tool(annotations=read_only)
    def library_stats() -> Result:
        """How many papers the library holds, by year, category and source file."""

        def call() -> tuple[str, dict[str, Any]]:
            data = workspace.summary()
            years = ", ".join(f"{y}: {n}" for y, n in data["years"].items())
            return f"{data['papers']} papers ({years})", data

        return run(call)

    @server.resource("paper://{key}", mime_type="text/markdown")
    def paper_resource(key: str) -> str:
        """A paper's title, authors, year, venue and abstract as Markdown."""
        with lock:
            try:
                return _paper_markdown(workspace.get(key))
            except LitreviewError as error:
                raise ResourceError(str(error)) from None

    if allow_write:
        allowed = [root.expanduser().resolve() for root in roots]

        @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False))
        def ingest(path: str) -> Result:
            """Import a file (BibTeX, RIS, CSV, JSONL, arXiv Atom, ...) under one of the server's
            --root directories into the library; duplicates merge."""

            def call() -> tuple[str, dict[str, Any]]:
                target = _inside(Path(path), allowed)
                report = workspace.ingest([target])
                data = report.as_dict()
                return (
                    f"Imported {target.name}: {report.added} added, {report.updated} updated, "
                    f"{report.merged_duplicates} duplicates merged; library: "
                    f"{report.papers_after} papers.",
                    data,
                )

            return run(call)

    return server


def _inside(path: Path, roots: Sequence[Path]) -> Path:
    """The file, resolved, if it lies under one of the roots; a refusal otherwise."""
    from assistant.errors import UsageError

    if not roots:
        raise UsageError("ingest is allowed under --root directories only, and none was given")
    target = path.expanduser()
    if not target.is_absolute():
        target = roots[0] / target
    target = target.resolve()
    if not any(target.is_relative_to(root) for root in roots):
        raise UsageError(f"{path}: outside the allowed roots ({', '.join(map(str, roots))})")
    if not target.is_file():
        raise UsageError(f"{path}: no such file")
    return target


def _paper_markdown(paper: Any) -> str:
    authors = ", ".join(paper.authors) + (" et al." if paper.authors_truncated else "")
    facts = [str(paper.year) if paper.year else "n.d.", paper.venue or ""]
    lines = [
        f"# {paper.title}",
        "",
        f"**{authors or 'authors unknown'}** · {' · '.join(f for f in facts if f)}",
        f"`@{paper.key}`" + (f" · {paper.url}" if paper.url else ""),
        "",
        paper.abstract or "(no abstract)",
    ]
    return "\n".join(lines)


def serve(workspace: Workspace, allow_write: bool = False, roots: Sequence[Path] = ()) -> None:
    """Serve over stdio until the client closes the stream."""
    build_server(workspace, allow_write, roots).run("stdio")
