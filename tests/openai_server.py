"""The scripted OpenAI-protocol server the tests talk to over HTTP (shared with the evals)."""

from assistant.evaluation.openai_protocol import ScriptedOpenAI, Step

__all__ = ["ScriptedOpenAI", "Step"]
