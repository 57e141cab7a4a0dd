"""One reading of text for BM25, the citation checks and theme naming."""

from __future__ import annotations

from assistant import text

ABSTRACT = (
    "Prior work, e.g. Cheetah and Bolt et al. 2023, relies on HE. We reduce latency by 2.5x vs. "
    r"the baseline. $\mathsf{Nimbus}$ improves inference by $2.7\times \sim 4.7\times$ across "
    "settings. 12 models were tested (i.e. all of them). Fig. 3 shows the results!  Done?"
)


def test_sentences_survive_abbreviations_decimals_latex_and_figures() -> None:
    assert text.split_sentences(ABSTRACT) == [
        "Prior work, e.g. Cheetah and Bolt et al. 2023, relies on HE.",
        "We reduce latency by 2.5x vs. the baseline.",
        r"$\mathsf{Nimbus}$ improves inference by $2.7\times \sim 4.7\times$ across settings.",
        "12 models were tested (i.e. all of them).",
        "Fig. 3 shows the results!",
        "Done?",
    ]
    for start, end in text.sentence_spans(ABSTRACT):
        assert ABSTRACT[start:end] == ABSTRACT[start:end].strip()


def test_a_citation_marker_stays_with_its_sentence() -> None:
    answer = "HE is slow [@a2024]. Nimbus is fast [@b2024; @c2023]. vTensor frees memory."
    assert text.split_sentences(answer) == [
        "HE is slow [@a2024].",
        "Nimbus is fast [@b2024; @c2023].",
        "vTensor frees memory.",
    ]
    assert text.split_sentences("It is slow. [@a2024] Then it is fast.")[0] == (
        "It is slow. [@a2024]"
    )


def test_plain_text_reads_latex_and_markdown() -> None:
    assert (
        text.plain(r"a $2.7\times \sim 4.7\times$ gain, 0.08\% loss")
        == "a 2.7x ~ 4.7x gain, 0.08% loss"
    )
    assert text.plain("**PAROAttention** at *low* density") == "PAROAttention at low density"
    assert text.plain("2 * 3 = 6") == "2 * 3 = 6"


def test_content_words_and_stems() -> None:
    sentence = "We propose a novel method that reduces the KV cache by 2.5x"
    assert text.content_words(sentence) == ["reduces", "cache", "2.5"]
    assert text.stem("reduces") == text.stem("reduced") == text.stem("reducing")
    assert text.stem("retraining") == text.stem("training")
    assert text.stem("deployed") != text.stem("deployment")


def test_bm25_uses_the_same_stop_words_and_stemmer() -> None:
    from assistant.retrieval import _tokenize

    tokens = _tokenize(["How do we reduce the latency of these models?"])[0]
    assert tokens == [text.stemmer().stemWord(w) for w in ("reduce", "latency", "models")]
    assert not set(tokens) & text.STOP_WORDS
