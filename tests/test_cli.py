"""The `litreview` command as a user runs it: output shapes, errors, exit codes, start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.library import Library

runner = CliRunner()
HIT_FIELDS = {
    "key", "title", "title_derived", "authors", "year", "year_inferred", "date", "venue",
    "categories", "url", "sources", "abstract", "score",
}  # fmt: skip


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_search_json_shape(shared_sample_library: Library) -> None:
    code, out, _ = run("search", "homomorphic encryption private inference", "--k", "4", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["query"] == "homomorphic encryption private inference"
    assert len(data["hits"]) == 4
    assert set(data["hits"][0]) >= HIT_FIELDS
    scores = [h["score"] for h in data["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_search_table(shared_sample_library: Library) -> None:
    code, out, _ = run("search", "KV cache compression", "--k", "3")
    assert code == 0 and "TreeKV" in out


@pytest.mark.parametrize("command", [["search", "secure inference", "--k", "8"], ["library"]])
def test_tables_keep_one_line_a_paper_at_80_columns(
    shared_sample_library: Library, command: list[str]
) -> None:
    narrow = runner.invoke(app, command, env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.stderr
    rows = [line for line in narrow.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == (8 if command[0] == "search" else len(shared_sample_library.papers()))
    assert all(len(line) <= 80 for line in narrow.stdout.splitlines())
    assert all(line.split("│")[1].strip().isdigit() for line in rows)  # no continuation lines
    assert any("…" in line for line in rows)
    # key, year and title only: with authors and score beside them every title was cut to ~15
    # characters ("PrivQuant: Com…")
    titles = [line.split("│")[4].strip() for line in rows]
    assert min(len(t) for t in titles if t.endswith("…")) >= 35
    roomy = runner.invoke(app, command, env={"COLUMNS": "120"})
    assert " et al." in roomy.stdout and ("score" in roomy.stdout) == (command[0] == "search")
    wide = runner.invoke(app, [*command, "--wide"], env={"COLUMNS": "80"})
    wide_rows = [line for line in wide.stdout.splitlines() if line.startswith("│")]
    assert len(wide_rows) > len(rows)  # whole titles and authors, wrapped


def test_80_columns_show_whole_scores_authors_in_full_words_and_what_a_star_means(
    shared_sample_library: Library,
) -> None:
    # a tester at 80 columns: --explain's fused score read "0.03…", --wide wrapped the authors
    # one word a line ("Ziwei" / "He," / "Jian"), and "2026*" went unexplained
    narrow = {"COLUMNS": "80"}
    explained = runner.invoke(app, ["search", "mixture of experts", "--explain"], env=narrow)
    assert explained.exit_code == 0 and "…" not in explained.stdout.split("Why these")[1]
    assert all(len(line) <= 80 for line in explained.stdout.splitlines())
    wide = runner.invoke(app, ["search", "KV cache compression", "--k", "3", "--wide"], env=narrow)
    assert "Ziwei He, Jian Yuan, Haoli Bai" in " ".join(wide.stdout.split())
    assert not any(line.strip("│ ").rstrip(",") in ("Ziwei", "He", "Jian") for line in (
        cell.strip() for row in wide.stdout.splitlines() for cell in row.split("│")))  # fmt: skip
    starred = runner.invoke(app, ["search", "mixture of experts"], env=narrow)
    assert "2026*" in starred.stdout and "* year inferred" in starred.stdout
    plain_years = runner.invoke(app, ["search", "KV cache compression", "--k", "2"], env=narrow)
    assert "* year inferred" not in plain_years.stdout


def test_sources_wrap_under_their_titles_at_80_columns(shared_sample_library: Library) -> None:
    result = runner.invoke(
        app, ["ask", "How can transformer inference be kept private?"], env={"COLUMNS": "80"}
    )
    sources = result.stdout.split("Sources\n")[1].split("\n\n")[0].splitlines()
    sources = [line for line in sources if line.strip() and "citations checked" not in line]
    assert len(sources) > len(result.stdout.split("Sources")[1].split("@")) - 1  # some wrap
    assert all(line.startswith("  ") for line in sources), sources


def test_batch_queries_file(shared_sample_library: Library, tmp_path: Path) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "q1", "text": "secure inference"}\n{"id": "q2", "text": "Verilog generation"}\n'
    )
    code, out, _ = run("search", "--queries", str(queries), "--k", "2", "--json")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2"]
    assert all(len(line["hits"]) == 2 and line["query"] for line in lines)


def test_library_show_stats_json(shared_sample_library: Library) -> None:
    code, out, _ = run("library", "--json")
    records = json.loads(out)
    assert code == 0 and len(records) == 136
    assert (HIT_FIELDS - {"score"}) <= set(records[0])
    key = records[0]["key"]
    code, out, _ = run("show", key, "--json")
    assert code == 0 and json.loads(out)["key"] == key
    code, out, _ = run("stats", "--json")
    assert code == 0 and json.loads(out)["papers"] == 136


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("show", "nosuchkey2099"), 3, "nosuchkey2099"),
        (("search", "   "), 2, "empty"),
        (("search", "x", "--year", "20x"), 2, "--year"),
        (("ingest", "/no/such/file.bib"), 2, "/no/such/file.bib"),
        (("export", "--format", "docx"), 2, "docx"),
    ],
)
def test_errors_are_one_line_with_exit_codes(
    shared_sample_library: Library, args: tuple[str, ...], code: int, needle: str
) -> None:
    exit_code, out, err = run(*args)
    assert exit_code == code
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in err


def test_ingest_bad_file_exits_2_naming_file_and_line(isolated_env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "refs.jsonl"
    bad.write_text('{"id": "a", "abstract": "fine"}\nnot json\n')
    code, out, err = run("ingest", str(bad))
    assert code == 2
    assert err.strip().startswith("litreview: refs.jsonl:2:")
    code, out, _ = run("stats", "--json")
    assert json.loads(out)["papers"] == 0


def test_empty_and_binary_files_are_rejected(isolated_env: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.bib"
    empty.write_text("")
    binary = tmp_path / "blob.csv"
    binary.write_bytes(b"\x00\x01\x02binary")
    for path in (empty, binary):
        code, _, err = run("ingest", str(path))
        assert code == 2 and path.name in err and len(err.strip().splitlines()) == 1


BIB_ENTRY = """@article{lee2024tiny,
  title = {Tiny Transformers on Microcontrollers},
  author = {Lee, Ada and Kim, Bo},
  year = {2024},
  journal = {Embedded Systems Letters},
  abstract = {We fit a transformer into 256 KB of SRAM by pruning heads and quantizing weights.}
}
"""
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x00"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def test_a_folder_of_exports_beside_their_pdfs_imports_the_exports(
    isolated_env: Path, tmp_path: Path
) -> None:
    # A reference manager's export folder holds the .bib beside the papers' PDFs (and figures):
    # `ingest FOLDER` used to stop at the first PDF ("binary file (contains NUL bytes)").
    folder = tmp_path / "refs"
    (folder / "files").mkdir(parents=True)
    (folder / "library.bib").write_text(BIB_ENTRY)
    (folder / "lee2024tiny.pdf").write_bytes(PDF_BYTES)
    (folder / "scan").write_bytes(PDF_BYTES)  # a PDF without its extension
    (folder / "figure1.png").write_bytes(PNG_BYTES)
    code, out, err = run("ingest", str(folder))
    assert code == 0, err
    assert "library: 1 papers" in out
    notes = [line for line in err.splitlines() if "note: set aside" in line]
    # nothing is passed over in silence: the report names what it set aside, and why
    assert len(notes) == 1, err
    for name in ("lee2024tiny.pdf", "scan", "figure1.png", "files"):
        assert name in notes[0]
    code, out, _ = run("ingest", str(folder), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["set_aside"] == sorted(
        str(folder / n) for n in ("figure1.png", "files", "lee2024tiny.pdf", "scan")
    )


def test_a_folder_of_nothing_but_documents_says_so(isolated_env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(PDF_BYTES)
    (folder / "b.pdf").write_bytes(PDF_BYTES)
    code, _, err = run("ingest", str(folder))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert str(folder) in err and "no reference export" in err and "2 PDF" in err


@pytest.mark.parametrize(
    ("name", "content", "advice"),
    [
        ("paper.pdf", PDF_BYTES, "a PDF document"),
        ("savedrecs.xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "save it as CSV"),
        ("savedrecs.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "save it as CSV"),
    ],
)
def test_a_document_or_spreadsheet_named_to_ingest_is_refused_with_advice(
    isolated_env: Path, tmp_path: Path, name: str, content: bytes, advice: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = run("ingest", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert name in err and advice in err
    assert run("stats", "--json")[1] and json.loads(run("stats", "--json")[1])["papers"] == 0


def test_a_spreadsheet_in_a_folder_is_not_set_aside(isolated_env: Path, tmp_path: Path) -> None:
    # a workbook is most likely the user's references in the wrong form: refused, not skipped
    folder = tmp_path / "refs"
    folder.mkdir()
    (folder / "library.bib").write_text(BIB_ENTRY)
    (folder / "savedrecs.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00")
    code, _, err = run("ingest", str(folder))
    assert code == 2 and "savedrecs.xls" in err and "save it as CSV" in err


def test_export_bibtex_round_trip(sample_library: Library, tmp_path: Path) -> None:
    out = tmp_path / "lib.bib"
    code, _, _ = run("export", "--format", "bibtex", "--out", str(out))
    assert code == 0
    from assistant.ingest.bibtex import parse_bibtex

    parsed = {p.key: p for p in parse_bibtex(out.read_text(), out.name)}
    library = {p.key: p for p in sample_library.papers()}
    assert set(parsed) == set(library)
    for key, paper in library.items():
        assert parsed[key].title == paper.title
        assert parsed[key].authors == paper.authors
        assert parsed[key].year == paper.year
        assert parsed[key].abstract == paper.abstract


def test_export_format_follows_the_out_extension(
    shared_sample_library: Library, tmp_path: Path
) -> None:
    # `export --out lib.csv` wrote BibTeX into lib.csv, and `--format csv --out lib.bib` wrote
    # CSV into lib.bib, both silently
    out = tmp_path / "lib.csv"
    code, _, _ = run("export", "--out", str(out))
    assert code == 0 and out.read_text().startswith("key,")
    wrong = tmp_path / "lib.bib"
    code, _, err = run("export", "--format", "csv", "--out", str(wrong))
    assert code == 2 and not wrong.exists()
    assert len(err.strip().splitlines()) == 1 and "lib.bib" in err and "--format" in err


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from assistant.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('chromadb', 'openai', 'onnxruntime', 'textual', 'numpy', 'mcp',"
        " 'bm25s') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ}
    )
    assert result.returncode == 0
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_a_long_query_is_used_in_full_but_shown_shortened(shared_sample_library: Library) -> None:
    # found by a tester: a 44,000-character query was printed whole as the table's title (579
    # lines); one of a few thousand characters (a pasted abstract) is searched for as written
    query = "kv cache quantization " * 150  # 3,300 characters
    code, out, err = run("search", query, "--k", "3")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) < 12, out
    title = next(line for line in lines if "Search:" in line)
    assert "…" in title and len(title.strip()) < 80
    data = json.loads(run("search", query, "--k", "3", "--json")[1])
    assert data["query"] == query


@pytest.mark.parametrize("command", ["search", "ask", "draft"])
def test_a_query_past_5000_characters_is_refused_in_one_line(
    shared_sample_library: Library, command: str
) -> None:
    code, out, err = run(command, "kv cache quantization " * 2000)
    assert code == 2 and not out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "44,000 characters" in lines[0] and "5,000" in lines[0], lines


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("search", "--bogus", "kv"),
            "litreview: no such option --bogus (see litreview search --help)",
        ),
        (("search", "--k", "abc", "kv"), "litreview: --k: 'abc' is not a whole number"),
        (("remove",), "litreview: missing argument KEY (see litreview remove --help)"),
        (("history", "export", "default"), "litreview: missing option --out"),
        (("search", "kv", "extra"), "litreview: unexpected extra argument (extra)"),
        (("ingest", "--format"), "litreview: --format needs a value"),
        (("nosuchcommand",), "litreview: no such command 'nosuchcommand' (see litreview --help)"),
        (("--bogus",), "litreview: no such option --bogus (see litreview --help)"),
    ],
)
def test_usage_errors_are_one_line_naming_the_option(
    isolated_env: Path, args: tuple[str, ...], line: str
) -> None:
    # found by a tester: click's boxed multi-line usage errors, and "Input should be a valid
    # integer, unable to parse string as an integer" for --k abc
    code, out, err = run(*args)
    assert code == 2 and not out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), err
    assert "╭" not in err and "Usage:" not in err


def test_help_and_a_group_without_its_command_still_show_help(isolated_env: Path) -> None:
    for args in (["--help"], ["search", "--help"], ["history", "export", "--help"]):
        code, out, _ = run(*args)
        assert code == 0 and "Usage:" in out, args
    code, out, err = run("config")
    assert code == 2 and "show" in out + err


def test_an_interrupted_read_says_only_interrupted(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # found by a tester: an interrupted search said "the library is unchanged or fully
    # updated", which is about writes
    from assistant.workspace import Workspace

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Workspace, "retrieve", interrupted)
    monkeypatch.setattr(Workspace, "ingest", interrupted)
    code, out, err = run("search", "kv cache")
    assert (code, out, err) == (130, "", "litreview: interrupted\n")
    code, out, err = run("ingest", "--sample")
    assert (
        code == 130 and err == "litreview: interrupted; the library is unchanged or fully updated\n"
    )


def test_an_interrupt_that_became_an_import_error_is_said_as_an_interrupt(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # found by hand: Ctrl-C while onnxruntime was being imported gave "unexpected error:
    # ImportError: initialization failed" and exit 1
    import signal

    from assistant.workspace import Workspace

    def importing(*args: object, **kwargs: object) -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler runs here
        except KeyboardInterrupt:  # as a C extension's init reports it
            raise ImportError("initialization failed") from None

    monkeypatch.setattr(Workspace, "retrieve", importing)
    code, out, err = run("search", "kv cache")
    assert (code, out, err) == (130, "", "litreview: interrupted\n")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def _run_script(body: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The console-script entry point in a process of its own, after `body` patched the core."""
    argv = ["litreview", *args]
    script = f"import sys\nfrom assistant import cli\n{body}\nsys.argv = {argv!r}\ncli.run()\n"
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )


def test_ctrl_c_exits_130_at_once_with_one_line(isolated_env: Path) -> None:
    # found by a tester: interrupted, the process waited for its worker threads at exit, and a
    # Ctrl-C arriving then printed a KeyboardInterrupt traceback from threading and aborted with
    # "terminate called without an active exception" (exit 134)
    patch = (
        "import threading, time\n"
        "from assistant.workspace import Workspace\n"
        "def interrupted(*args, **kwargs):\n"
        "    threading.Thread(target=time.sleep, args=(50,)).start()  # a busy worker\n"
        "    raise KeyboardInterrupt\n"
        "Workspace.retrieve = interrupted\n"
    )
    started = time.monotonic()
    result = _run_script(patch, "search", "kv cache")
    assert time.monotonic() - started < 30  # it did not wait for the worker
    assert result.returncode == 130 and result.stderr == "litreview: interrupted\n"


def test_a_ctrl_c_while_the_cli_is_still_being_imported_is_one_line() -> None:
    # the entry point imports the CLI itself: a Ctrl-C then printed a traceback
    script = (
        "import sys\n"
        "class Interrupting:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'assistant.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupting())\n"
        "from assistant.entry import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr) == (130, "litreview: interrupted\n")


def test_the_console_script_is_the_entry_module() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["litreview"] == "assistant.entry:main"


def test_a_ctrl_c_while_exiting_is_no_traceback(isolated_env: Path) -> None:
    # the command is done (its output printed) when the interrupt comes, as the interpreter
    # joins the worker threads: it exits as the command did, quietly
    patch = (
        "import os, signal, threading, time\n"
        "from assistant.workspace import Workspace\n"
        "shown = Workspace.settings_in_force\n"
        "def late(self):\n"
        "    def worker():\n"
        "        time.sleep(1)\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        time.sleep(2)\n"
        "    threading.Thread(target=worker).start()\n"
        "    return shown(self)\n"
        "Workspace.settings_in_force = late\n"
    )
    result = _run_script(patch, "config", "show")
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr
    assert result.returncode == 0 and "retrieval.rrf_k" in result.stdout


def test_a_tab_delimited_export_saved_as_xls_is_read_as_text(
    isolated_env: Path, tmp_path: Path
) -> None:
    # Web of Science's and other sites' "Excel" downloads are often tab-delimited text named .xls
    path = tmp_path / "savedrecs.xls"
    path.write_text(
        "PT\tAU\tTI\tAB\tPY\n"
        "J\tLee, A; Kim, B\tTiny Transformers on Microcontrollers\t"
        "We fit a transformer into 256 KB of SRAM.\t2024\n"
    )
    code, out, err = run("ingest", str(path))
    assert code == 0, err
    assert "library: 1 papers" in out


def test_no_terminal_no_tui_and_no_empty_data_dir(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `litreview </dev/null >out` wrote 35 KB of escape codes and hung; an empty --data-dir
    # (or LITREVIEW_DATA_DIR=) made a library in the current directory
    for args in ([], ["tui"]):
        done = subprocess.run(
            [sys.executable, "-m", "assistant.cli", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            "litreview: the terminal UI needs a terminal; in scripts use the commands "
            "(litreview --help)"
        ]
        assert done.stdout == ""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--data-dir", "", "stats"])
    assert result.exit_code == 2 and "--data-dir is empty" in result.stderr
    result = runner.invoke(app, ["stats", "--json"], env={"LITREVIEW_DATA_DIR": ""})
    assert result.exit_code == 0
    assert not (tmp_path / "chroma").exists()
