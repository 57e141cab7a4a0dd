"""`litreview mcp` started as a subprocess and driven by the SDK's own stdio client session."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.library import Library

TOOLS = {"search", "get_paper", "ask", "draft", "bibtex", "library_stats"}


def _session(
    script: Callable[[Any], Awaitable[None]], *flags: str, env: dict[str, str] | None = None
) -> None:
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "assistant.cli", "mcp", *flags],
        env={**os.environ, **(env or {})},
    )

    async def main() -> None:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            await script(session)

    asyncio.run(asyncio.wait_for(main(), timeout=120))


def _text(result: Any) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


def test_read_only_tools_on_the_sample_library(shared_sample_library: Library) -> None:
    nimbus = shared_sample_library.get("li2024nimbus")

    async def script(session: Any) -> None:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(tools) == TOOLS  # no ingest without --allow-write
        assert tools["search"].annotations.read_only_hint

        found = await session.call_tool("search", {"query": "secure two-party inference", "k": 5})
        assert not found.is_error
        keys = [hit["key"] for hit in found.structured_content["hits"]]
        assert len(keys) == 5 and "li2024nimbus" in keys
        assert "@li2024nimbus" in _text(found)
        recent = await session.call_tool(
            "search", {"query": "secure inference", "year": "2025..", "category": "CR"}
        )
        hits = recent.structured_content["hits"]
        assert hits and all(h["year"] >= 2025 and "cs.CR" in h["categories"] for h in hits)

        paper = await session.call_tool("get_paper", {"key": "li2024nimbus"})
        assert paper.structured_content["title"] == nimbus.title
        assert _text(paper).startswith(f"# {nimbus.title}")

        answer = await session.call_tool(
            "ask", {"question": "How does Nimbus make two-party inference efficient?"}
        )
        data = answer.structured_content
        assert not answer.is_error and not data["abstained"] and data["mode"] == "extractive"
        assert data["citations"] and data["sentences"][0]["evidence"]
        assert data["verification"] == "local"

        entries = await session.call_tool("bibtex", {"keys": ["li2024nimbus", "ghost2099"]})
        assert entries.structured_content["unknown"] == ["ghost2099"]
        assert entries.structured_content["bibtex"].startswith("@")
        assert "{li2024nimbus," in entries.structured_content["bibtex"]

        stats = await session.call_tool("library_stats", {})
        assert stats.structured_content["papers"] == len(shared_sample_library.papers())
        assert sum(stats.structured_content["years"].values()) <= stats.structured_content["papers"]
        assert "cs.CR" in stats.structured_content["categories"]

        resource = await session.read_resource("paper://li2024nimbus")
        assert nimbus.abstract[:60] in resource.contents[0].text

    _session(script)


def test_ask_uses_the_servers_model_and_lists_rejected_citations(
    shared_sample_library: Library,
) -> None:
    from tests.openai_server import ScriptedOpenAI, Step

    first = shared_sample_library.get("li2024nimbus").abstract.split(". ")[0]
    reply = f"{first} [@li2024nimbus]. Everyone agrees on this [@nobody2030fake]."
    judge = '1: SUPPORTED "quote"'
    with ScriptedOpenAI(steps=[Step(reply=reply), Step(reply=judge)]) as model:

        async def script(session: Any) -> None:
            answer = await session.call_tool(
                "ask", {"question": "How can two-party inference be made efficient?"}
            )
            data = answer.structured_content
            assert data["mode"] == "llm" and data["verification"] == "model"
            assert [c["key"] for c in data["citations"]] == ["li2024nimbus"]
            assert data["rejected_citations"][0]["key"] == "nobody2030fake"
            assert "@nobody2030fake (unsupported: unknown_key)" in _text(answer)

        _session(script, env={"OPENAI_BASE_URL": model.base_url, "OPENAI_API_KEY": "test"})
    assert len(model.requests) == 2  # the answer and one judge call


def test_draft_gives_the_section_its_bibliography_and_its_coverage(
    shared_sample_library: Library,
) -> None:
    # Drafting related work is one of the three jobs; an AI client had search and ask only
    async def script(session: Any) -> None:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert tools["draft"].annotations.read_only_hint

        result = await session.call_tool(
            "draft", {"topic": "speculative decoding", "exclude": ["zhong2024propd"]}
        )
        assert not result.is_error, _text(result)
        data = result.structured_content
        assert data["mode"] == "extractive" and data["verification"] == "local"
        cited = data["coverage"]["cited_keys"]
        assert cited and "zhong2024propd" not in cited
        assert data["text"].startswith("## Related Work")
        for key in cited:
            assert f"@{key}" in data["text"]
            assert f"{{{key}," in data["bibtex"]
        assert data["bibtex"].count("\n@") + data["bibtex"].startswith("@") == len(cited)
        left_out = {item["key"]: item["reason"] for item in data["coverage"]["left_out"]}
        assert "exclude" in left_out["zhong2024propd"]
        assert "Bibliography: the bibtex field of this result" in data["text"]
        # the readable text is the section, then what it covers
        assert _text(result).startswith("## Related Work")
        assert f"{len(cited)}/" in _text(result)

        latex = await session.call_tool(
            "draft", {"topic": "speculative decoding", "format": "latex"}
        )
        assert "\\cite" in latex.structured_content["text"]
        assert latex.structured_content["text"].lstrip().startswith("\\section")

        for bad, words in (
            ({"topic": "  "}, "empty"),
            ({"topic": "speculative decoding", "papers": ["nobody2030"]}, "nobody2030"),
            ({"topic": "speculative decoding", "format": "docx"}, "markdown or latex"),
            ({"topic": "speculative decoding", "year": "20x"}, "2022..2024"),
        ):
            refused = await session.call_tool("draft", bad)
            assert refused.is_error and words in _text(refused), (bad, _text(refused))

    _session(script)


def test_bad_requests_are_tool_errors_not_crashes(shared_sample_library: Library) -> None:
    async def script(session: Any) -> None:
        unknown = await session.call_tool("get_paper", {"key": "nobody2030"})
        assert unknown.is_error and "no paper with key 'nobody2030'" in _text(unknown)
        empty = await session.call_tool("search", {"query": "   "})
        assert empty.is_error and "empty" in _text(empty)
        year = await session.call_tool("search", {"query": "x", "year": "20x"})
        assert year.is_error and "2022..2024" in _text(year)
        bread = await session.call_tool(
            "ask", {"question": "What is the best recipe for sourdough bread?"}
        )
        assert not bread.is_error and bread.structured_content["abstained"]
        assert bread.structured_content["citations"] == []
        refused = await session.call_tool("ingest", {"path": "/etc/passwd"})
        assert refused.is_error  # read-only: there is no ingest tool
        # the server is still there after all of that
        assert (await session.call_tool("library_stats", {})).structured_content["papers"]

    _session(script)


def test_ingest_only_under_the_roots(
    sample_library: Library, tmp_path: Path, isolated_env: Path
) -> None:
    root = tmp_path / "imports"
    root.mkdir()
    record = {"title": "Zzqx attention for private inference", "abstract": "Zzqx hides inputs."}
    (root / "new.jsonl").write_text(json.dumps(record) + "\n")
    outside = tmp_path / "outside.jsonl"
    outside.write_text(json.dumps({**record, "title": "Outside"}) + "\n")
    (root / "link.jsonl").symlink_to(outside)
    before = len(sample_library.papers())

    async def script(session: Any) -> None:
        names = {tool.name for tool in (await session.list_tools()).tools}
        assert names == TOOLS | {"ingest"}
        for path in (str(outside), str(root / "link.jsonl"), str(root / ".." / "outside.jsonl")):
            refused = await session.call_tool("ingest", {"path": path})
            assert refused.is_error and "outside the allowed roots" in _text(refused), path
        done = await session.call_tool("ingest", {"path": "new.jsonl"})  # relative to the root
        assert not done.is_error, _text(done)
        assert done.structured_content["added"] == 1
        found = await session.call_tool("search", {"query": "zzqx attention", "k": 1})
        assert found.structured_content["hits"][0]["title"] == record["title"]

    _session(script, "--allow-write", "--root", str(root))
    assert len(Library(sample_library.settings).papers()) == before + 1


def test_roots_need_allow_write(isolated_env: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["mcp", "--root", str(tmp_path)])
    assert result.exit_code == 2 and "--allow-write" in result.stderr


@pytest.mark.parametrize("flags", [[], ["--offline"]])
def test_nothing_but_protocol_on_stdout(shared_sample_library: Library, flags: list[str]) -> None:
    """A raw JSON-RPC exchange: every line the server prints on stdout is a protocol message."""
    import subprocess

    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": "search", "arguments": {"query": "KV cache", "k": 2}}},
    ]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "mcp", *flags],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    import threading

    watchdog = threading.Timer(120, process.kill)  # a hung server fails the test, not the run
    watchdog.start()
    try:
        for request in requests:
            process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        messages = []
        while not any(m.get("id") == 2 for m in messages):
            line = process.stdout.readline()
            assert line, "the server closed stdout before answering"
            messages.append(json.loads(line))  # fails on anything that is not JSON-RPC
    finally:
        process.stdin.close()
        process.wait(timeout=60)
        watchdog.cancel()
    assert all(m.get("jsonrpc") == "2.0" for m in messages)
    assert process.stdout.read().strip() == ""  # nothing else, not even on the way out
    answered = {m.get("id"): m for m in messages}
    assert answered[2]["result"]["structuredContent"]["hits"]
