"""Citation parsing, sentence splitting and verification (with the real embedding model)."""

from __future__ import annotations

from assistant.citations import (
    CitedSentence,
    SupportScorer,
    citation_keys,
    parse_sentences,
    render,
    split_sentences,
    verify,
)
from assistant.embeddings import get_embedder
from assistant.models import Paper

NIMBUS = Paper(
    key="li2024nimbus",
    title="Nimbus: Secure and Efficient Two-Party Inference for Transformers",
    abstract=(
        "Transformer models have gained significant attention due to their power in machine "
        "learning tasks. Their extensive deployment has raised concerns about the potential "
        "leakage of sensitive information during inference. We propose Nimbus, a two-party "
        "inference framework that uses a client-side outer product protocol for linear layers "
        "and distribution-aware polynomial approximation for non-linear layers. Nimbus is "
        "2.7x to 4.7x faster than the state of the art."
    ),
)


def test_citation_keys_pandoc_forms() -> None:
    assert citation_keys("@a; @b2020x") == ["a", "b2020x"]
    assert citation_keys("see @guo2023olive, p. 3") == ["guo2023olive"]
    assert citation_keys("@doc:12/ab-c") == ["doc:12/ab-c"]


def test_split_keeps_abbreviations_and_citations() -> None:
    text = "Work by Li et al. is fast [@a]. It uses HE, e.g. CKKS. Speed rose 2.7x! Done."
    assert split_sentences(text) == [
        "Work by Li et al. is fast [@a].",
        "It uses HE, e.g. CKKS.",
        "Speed rose 2.7x!",
        "Done.",
    ]


def test_parse_sentences_strips_markers() -> None:
    parsed = parse_sentences("Nimbus is fast [@li2024nimbus; @x]. Plain claim.")
    assert parsed == [("Nimbus is fast.", ["li2024nimbus", "x"]), ("Plain claim.", [])]


def test_marker_after_an_abbreviation_leaves_one_full_stop() -> None:
    # a draft's lead ends on "Li et al. [@k]."; its JSON text read "Li et al.."
    parsed = parse_sentences("Work on X includes A and Li et al. [@a; @b]. It ends... [@c].")
    assert parsed == [
        ("Work on X includes A and Li et al.", ["a", "b"]),
        ("It ends...", ["c"]),
    ]
    cited = [CitedSentence(text=text, citations=keys) for text, keys in parsed]
    assert render(cited) == "Work on X includes A and Li et al. [@a; @b]. It ends... [@c]."


def test_marker_after_the_full_stop_belongs_to_the_sentence() -> None:
    parsed = parse_sentences("Nimbus is fast. [@li2024nimbus] Next one [@b].")
    assert parsed == [("Nimbus is fast.", ["li2024nimbus"]), ("Next one.", ["b"])]


def test_verify_reasons_and_render() -> None:
    scorer = SupportScorer(get_embedder())
    parsed = [
        ("Nimbus makes two-party transformer inference 2.7x to 4.7x faster.", ["li2024nimbus"]),
        ("Bananas ripen faster in paper bags.", ["li2024nimbus"]),
        ("A claim.", ["ghost2020"]),
        ("Another claim.", ["other2021"]),
    ]
    library = {"li2024nimbus": NIMBUS, "other2021": NIMBUS.model_copy(update={"key": "other2021"})}
    result = verify(parsed, library.get, {"li2024nimbus"}, scorer)
    assert [s.supported for s in result.sentences] == [True, False, False, False]
    assert [(r.key, r.reason) for r in result.rejected] == [
        ("li2024nimbus", "low_similarity"),
        ("ghost2020", "unknown_key"),
        ("other2021", "not_in_evidence"),
    ]
    text = render(result.sentences, "[unsupported]")
    assert text.startswith("Nimbus makes two-party transformer inference 2.7x to 4.7x faster ")
    assert "[@li2024nimbus]." in text and text.count("[unsupported]") == 3


def test_support_score_separates_paraphrase_from_unrelated() -> None:
    scorer = SupportScorer(get_embedder())
    good = scorer.score(
        "Nimbus protects private data during two-party transformer inference.", NIMBUS
    )
    bad = scorer.score("Diffusion models generate high-resolution video frames.", NIMBUS)
    assert good >= scorer.threshold > bad
