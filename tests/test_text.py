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


def test_abbreviations_of_academic_prose_end_no_sentence() -> None:
    # a tester saw an extractive answer cut "(a.k.a. Hardware-Aware Neural Architecture ...)"
    # in two, a citation marker between the halves
    assert text.split_sentences(
        "They extract configurations (a.k.a. Hardware-Aware NAS) per device. See App. B and "
        "Sec. 4 w.r.t. Tab. 2, i.e. Figs. 3-4. Done."
    ) == [
        "They extract configurations (a.k.a. Hardware-Aware NAS) per device.",
        "See App. B and Sec. 4 w.r.t. Tab. 2, i.e. Figs. 3-4.",
        "Done.",
    ]


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
    # a sentence of an abstract that ends on its own bracketed reference keeps the marker after
    # it: the extractive answer quoting "... [Abrahamson, SICOMP 1987]." lost its citation and
    # printed "[unsupported]" twice
    quoted = "It beats the O(n m log m) time [Abrahamson, SICOMP 1987]. [@anon2023faster]"
    assert text.split_sentences(quoted) == [quoted]
    assert text.split_sentences(f"{quoted} Next.") == [quoted, "Next."]
    assert text.split_sentences("Known [Smith 2001]. Then more.") == ["Known [Smith 2001].",
                                                                       "Then more."]  # fmt: skip


def test_a_sentence_may_open_with_a_typographic_quote() -> None:
    # an offline answer names a paper without a system name by its title in quotes:
    # '... [@a] ... DNNs". “Efficient N:M Sparse DNN Training…” [@b] presents "..."' was read as
    # one sentence citing both papers, and the second was rejected as another paper's name
    answer = 'It [@a] prunes "DNNs". “Efficient N:M Sparse…” [@b] presents "a scheme". ‘Done’.'
    assert text.split_sentences(answer) == [
        'It [@a] prunes "DNNs".',
        '“Efficient N:M Sparse…” [@b] presents "a scheme".',
        "‘Done’.",
    ]


def test_plain_text_reads_latex_and_markdown() -> None:
    assert (
        text.plain(r"a $2.7\times \sim 4.7\times$ gain, 0.08\% loss")
        == "a 2.7x ~ 4.7x gain, 0.08% loss"
    )
    assert text.plain("**PAROAttention** at *low* density") == "PAROAttention at low density"
    assert text.plain("2 * 3 = 6") == "2 * 3 = 6"


def test_plain_text_reads_the_sample_abstracts_latex_that_show_printed() -> None:
    # TeLLMe, FoVeA, the shuffling-defense and PrivCirNet abstracts of the sample, as `show`,
    # `ask` and drafts printed them ("5~W", "tasksfootnoteOur code", "\1", "S\&P")
    assert text.plain(r"Under a 5~W power budget, up to 25~tokens/s in 0.45--0.96~s") == (
        "Under a 5 W power budget, up to 25 tokens/s in 0.45-0.96 s"
    )
    assert text.plain(r"summarization tasks\footnote{Our code is at x.}. Next") == (
        "summarization tasks. Next"
    )
    # the Fovea abstract's own footnote holds a \textit{...}: it still read "tasksfootnoteOur"
    fovea = (
        r"three long-context summarization tasks\footnote{Our code is publicly available at: "
        r"\textit{https://github.com/ZiweiHe/Fovea-Transformer}}. Next"
    )
    assert text.plain(fovea) == "three long-context summarization tasks. Next"
    assert text.plain(r"a query cost of approximately \$1 per model") == (
        "a query cost of approximately $1 per model"
    )
    assert text.plain(r"IEEE S\&P 2024, item\#3, a\_b") == "IEEE S&P 2024, item#3, a_b"
    assert text.plain("about ~3 s, a -- b") == "about ~3 s, a - b"


def test_plain_text_reads_a_tie_inside_math_as_a_space_and_sim_as_a_tilde() -> None:
    # PrivQuant's abstract, as a draft and an answer quoted it: "8.7x, 1.8x ~ and 2.4x latency
    # reduction" (a tie inside math is a space), and HEQuant's "3.5~ 23.4x" (a range)
    assert text.plain(r"in $8.7\times, 1.8\times ~ \mathrm{and}~ 2.4\times$ latency") == (
        "in 8.7x, 1.8x and 2.4x latency"
    )
    assert text.plain(r"achieves $3.5\sim 23.4\times$ reduction") == (
        "achieves 3.5~23.4x reduction"
    )
    assert text.plain(r"about $\sim$3 s, or ~3x outside math") == "about ~3 s, or ~3x outside math"


def test_plain_text_keeps_a_defined_macro_and_puts_no_space_before_punctuation() -> None:
    # from the sample's Nimbus abstract: "\bert{}" is the authors' macro for BERT, and a figure
    # ends a list ("4.3$\times$, respectively")
    assert text.plain(r"performance of \bert{} inference") == "performance of bert inference"
    assert text.plain(r"3.5$\times$ and 4.3$\times$, respectively.") == (
        "3.5x and 4.3x, respectively."
    )
    assert text.plain("up to 2.5×; 3×.") == "up to 2.5x; 3x."
    assert text.plain(r"$2.7\times$ (decode)") == "2.7x (decode)"
    # PrivQuant's abstract: a LaTeX tie after a word is a space; "~" as "about" stays
    assert text.plain(r"by $11\times, 2.5\times \mathrm{and}~ 2.8\times$") == (
        "by 11x, 2.5x and 2.8x"
    )
    assert text.plain(r"see Fig.~3, ~3 s") == "see Fig. 3, ~3 s"


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


def test_an_abstract_is_cut_into_pieces_at_every_full_stop() -> None:
    from assistant.text import abstract_pieces

    abstract = (
        "We offload the experts to the CPU, e.g. the cold ones of each layer. We offload the "
        "experts to the CPU, e.g. the cold ones of each layer. It works well! Latency drops "
        "by 2.4x on a single consumer GPU; memory drops to a third of it."
    )
    # cut at "e.g." and ";" too; pieces under eight words and repeats are left out
    assert list(abstract_pieces(abstract)) == [
        "we offload the experts to the cpu e g",
        "latency drops by 2 4x on a single consumer gpu",
    ]


def test_plain_skips_its_latex_passes_only_on_text_they_would_not_change() -> None:
    # the passes are skipped when no markup character is found: on every line of the sample
    # corpus's pages (LaTeX, Markdown, figures, dashes) they must then change nothing
    from assistant import text
    from assistant.locations import sample_corpus_dir

    def every_pass(value: str) -> str:
        for pattern, replacement in text._LATEX_COMMANDS:
            value = pattern.sub(replacement, value)
        return text._EMPHASIS.sub(r"\1", value)

    lines = [
        line
        for page in sorted(sample_corpus_dir().glob("*.txt"))
        for line in page.read_text(encoding="utf-8").splitlines()
    ]
    lines += ["a 0.45--0.96 range", "5~W", "**bold**", "a {braced} word", "a \ue000 mark"]
    skipped = [line for line in lines if not text._MARKUP.search(line)]
    assert len(skipped) > 100 and len(skipped) < len(lines)
    assert [every_pass(line) for line in skipped] == skipped
    assert all(every_pass(line) != line for line in lines[-5:])


def test_plain_text_keeps_the_argument_of_a_formatting_command() -> None:
    # the Dual-side Sparse Tensor Core abstract of the sample writes "with \hl{small} hardware
    # overhead": `ask` quoted it as "with hlsmall hardware overhead"
    assert text.plain(r"by up to one order of magnitude with \hl{small} hardware overhead") == (
        "by up to one order of magnitude with small hardware overhead"
    )
    assert text.plain(r"the \textsc{Nimbus} and \underline{T-MAC} designs") == (
        "the Nimbus and T-MAC designs"
    )
    # a macro the source defined, used with empty braces, still reads as its name
    assert text.plain(r"we fine-tune \bert{} on it") == "we fine-tune bert on it"


def test_a_sentence_ends_where_the_abstract_forgot_the_space_after_its_period() -> None:
    # the README's question quoted 'they introduce considerable performance overhead.To
    # accelerate secure inference, ...' as one sentence: two of the sample's abstracts join
    # sentences so ("... overhead.To accelerate", "... development.In this paper")
    joined = "They add overhead.To accelerate it, we verify tokens.In this paper, we go on."
    assert text.split_sentences(joined) == [
        "They add overhead.",
        "To accelerate it, we verify tokens.",
        "In this paper, we go on.",
    ]
    # names, versions, decimals and abbreviations written without a space stay whole
    kept = "We use Node.js and PyTorch.Tensor, e.g.In 3.5 ms, i.e.The fix. Then U.S.A. stays."
    assert text.split_sentences(kept) == [
        "We use Node.js and PyTorch.Tensor, e.g.In 3.5 ms, i.e.The fix.",
        "Then U.S.A. stays.",
    ]


def test_a_sentence_may_open_with_a_name_written_in_lower_case_first() -> None:
    # an offline answer quoted vTensor as 'an innovative tensor structure ... (VMM). vTensor
    # addresses existing limitations ...': one quote holding two of its sentences
    abstract = (
        "This study introduces the vTensor, based on virtual memory management (VMM). vTensor "
        "addresses existing limitations. eLLM and sEMG work as well. iPhone apps too."
    )
    assert text.split_sentences(abstract) == [
        "This study introduces the vTensor, based on virtual memory management (VMM).",
        "vTensor addresses existing limitations.",
        "eLLM and sEMG work as well.",
        "iPhone apps too.",
    ]
    # after an abbreviation it is the same sentence; a plain lower-case word starts none
    kept = "Cells express genes, e.g. mRNA levels rise. They fall vs. iPhone use. See ref. mixed."
    assert text.split_sentences(kept) == [
        "Cells express genes, e.g. mRNA levels rise.",
        "They fall vs. iPhone use.",
        "See ref. mixed.",
    ]
