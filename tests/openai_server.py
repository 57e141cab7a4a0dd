"""The scripted OpenAI-protocol server the tests talk to over HTTP (shared with the evals)."""

import pytest

from assistant.evaluation.openai_protocol import ScriptedOpenAI, Step

__all__ = ["ScriptedOpenAI", "Step", "use_server"]


def use_server(monkeypatch: pytest.MonkeyPatch, server: ScriptedOpenAI, **env: str) -> None:
    """Point the CLI at a scripted server (a test key, a named model, short timeouts), plus any
    other LITREVIEW_* settings a test needs."""
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-123")
    monkeypatch.setenv("LITREVIEW_MODEL", "scripted-model")
    monkeypatch.setenv("LITREVIEW_LLM_TIMEOUT", "5")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
