"""Claim-level citation checks, model quotes, and the model judge over real HTTP."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from assistant import claims
from assistant.citations import (
    ParsedSentence,
    SupportScorer,
    claim_parts,
    locate_quote,
    paper_names,
    parse_claims,
    render,
    verify,
)
from assistant.cli import app
from assistant.embeddings import get_embedder
from assistant.judge import parse_judgements
from assistant.library import Library
from tests.openai_server import ScriptedOpenAI, Step, use_server

runner = CliRunner()
QUESTION = "How can two-party secure inference for transformers be made efficient?"
NIMBUS_KEY = "li2024nimbus"
# Nimbus's abstract: 2.9x~4.0x is over the SOTA polynomial approximation, 2.7x~4.7x end-to-end
NIMBUS_RIGHT = (
    "Nimbus improves end-to-end BERT inference by 2.7x to 4.7x over prior two-party work."
)
NIMBUS_WRONG_SETTING = "Nimbus speeds up end-to-end BERT inference by 2.9x to 4.0x."

FALCON = (
    "Meanwhile, at network level, Falcon allows for 1.4% and 4.2% accuracy improvement over "
    "Cheetah on CIFAR-100 and TinyImagenet datasets with iso-communication, respecitvely."
)


def test_figure_mapped_onto_the_wrong_item_of_a_respectively_list() -> None:
    assert claims.check_figures("Falcon gains 4.2% accuracy on CIFAR-100", FALCON).conflicting
    assert claims.check_figures("Falcon gains 4.2% accuracy on TinyImagenet", FALCON).reason is None
    assert claims.check_figures("Falcon gains 9.9% accuracy", FALCON).missing == ["9.9"]


def test_a_comma_that_closes_an_opening_phrase_makes_no_list_of_two() -> None:
    # "For ResNet-18 and ViT on Tiny ImageNet, PrivCirNet reduces latency by 5.0x and 1.3x ...,
    # respectively": the figures were paired with "Tiny ImageNet" and "PrivCirNet reduces
    # latency by", the two sides of the comma, and a correct claim was rejected (tuning half)
    privcirnet = (
        "For ResNet-18 and Vision Transformer (ViT) on Tiny ImageNet, PrivCirNet reduces latency "
        "by $5.0\\times$ and $1.3\\times$ with iso-accuracy over Bolt, respectively."
    )
    for right in (
        "PrivCirNet cuts latency by 5.0x for ResNet-18 and 1.3x for ViT relative to Bolt.",
        "PrivCirNet cuts latency by 5.0x for ResNet-18.",
    ):
        assert claims.check_figures(right, privcirnet).reason is None, right
    swapped = "PrivCirNet cuts latency by 1.3x for ResNet-18 and 5.0x for ViT relative to Bolt."
    assert claims.check_figures(swapped, privcirnet).conflicting
    both = "PrivCirNet yields a 5.0x latency reduction over Bolt for both ResNet-18 and ViT."
    assert claims.check_figures(both, privcirnet).conflicting == ["5"]


def test_a_figure_list_is_read_item_by_item_in_the_claim_too() -> None:
    # figures first, metrics after: 17.77% goes with latency, 2.49x with energy, 2.32x with area
    listed = (
        "NASAIC meets the specs with 17.77%, 2.49x, and 2.32x reductions on latency, energy, "
        "and area."
    )
    shifted = "NASAIC reaches a 2.49x latency reduction, 2.32x lower energy and 17.77% less area."
    assert set(claims.check_figures(shifted, listed).conflicting) == {"2.49", "2.32", "17.77"}
    right = "NASAIC reaches a 17.77% latency reduction, 2.49x lower energy and 2.32x less area."
    assert claims.check_figures(right, listed).reason is None
    before = "It cuts latency by 17.77%, energy by 2.49x and area by 2.32x."
    assert claims.check_figures(before, listed).reason is None
    respectively = (
        "MCUBERT reduces the parameter size of BERT-tiny and BERT-mini by 5.7x and 3.0x and the "
        "execution memory by 3.5x and 4.3x, respectively."
    )
    swapped = "It shrinks the parameter size of BERT-tiny and BERT-mini by 3.5x and 4.3x."
    assert claims.check_figures(swapped, respectively).conflicting
    kept = "It cuts the execution memory of BERT-tiny and BERT-mini by 3.5x and 4.3x."
    assert claims.check_figures(kept, respectively).reason is None


def test_figure_settings_read_the_way_an_abstract_writes_them() -> None:
    # a throughput figure is not a batch-size one
    ellm = "eLLM reaches 2.32x higher decoding throughput, and supports 3x larger batch sizes."
    assert claims.check_figures("eLLM supports 2.32x larger batch sizes", ellm).conflicting
    # "about 71%" restates 71.25%; a bare 71% does not
    vtensor = "It frees approximately 71.25% (57GB) of memory on the A100 compared to vLLM."
    assert claims.check_figures("vTensor frees about 71% of A100 memory", vtensor).reason is None
    assert claims.check_figures("vTensor frees 71% of A100 memory", vtensor).missing == ["71"]
    # Markdown emphasis is not part of a figure, and a setting word belongs to its own figure
    paro = (
        "It operates at notably lower density (~20%-30%) and bitwidth (**INT8/INT4**), "
        "achieving a **1.9x** to **2.7x** end-to-end latency speedup."
    )
    claim = "It achieves a 1.9x-2.7x end-to-end latency speedup at roughly 20-30% density."
    assert claims.check_figures(claim, paro).reason is None


def test_a_negated_opposite_is_not_the_opposite() -> None:
    abstract = "AdapMoE achieves a 1.35x speedup without accuracy degradation."
    claim = "AdapMoE gives a 1.35x speedup without accuracy loss."
    assert claims.check_polarity(claim, abstract, abstract) is None
    lossy = "AdapMoE achieves a 1.35x speedup with some accuracy degradation."
    assert claims.check_polarity(claim, lossy, lossy) == claims.REASON_POLARITY


def test_range_end_reported_as_typical_and_names_are_not_figures() -> None:
    abstract = r"Experiments demonstrate a $2.1\times \sim 6.0\times$ speedup on RTX 5090."
    assert claims.check_figures("It gives a consistent 6.0x speedup", abstract).reason
    assert claims.check_figures("It gives up to 6.0x speedup", abstract).reason is None
    assert claims.check_figures("It is 2.1-6.0x faster on an RTX 5090", abstract).reason is None


def test_polarity_quantifier_and_entity_checks() -> None:
    span = "We propose WeightedKV, a novel, training-free approach that merges values."
    assert claims.check_polarity("WeightedKV requires a brief fine-tuning stage", span, span)
    assert claims.check_polarity("WeightedKV needs no retraining", span, span) is None
    latency = "PrivCirNet reduces the computation latency in proportion to the block size."
    assert claims.check_polarity("Its latency grows with the block size", latency, latency)
    hedged = "The attack can often recover weights of various models."
    assert claims.check_quantifier("The attack always recovers the weights", hedged)
    assert claims.check_quantifier("The attack often recovers the weights", hedged) is None
    assert claims.check_entity(
        "HEQuant packs zeros greedily", "Falcon: packing", "Falcon packs.", [], {"HEQuant": "x"}
    )


def test_quotes_are_parsed_stripped_and_located() -> None:
    parsed = parse_claims(
        'Nimbus is fast [@li2024nimbus, "improves the end-to-end performance. Of BERT"; @b].'
    )
    assert parsed == [
        ParsedSentence(
            "Nimbus is fast.",
            ["li2024nimbus", "b"],
            {"li2024nimbus": "improves the end-to-end performance. Of BERT"},
        )
    ]
    abstract = r"Nimbus improves the end-to-end performance of \bert{} inference by $2.7\times$."
    start, end = locate_quote("the END-TO-END performance of BERT inference by 2.7x", abstract)
    assert abstract[start:end].startswith("the end-to-end") and abstract[end - 1] == "s"
    assert locate_quote("improves ... BERT inference", abstract) is not None
    assert locate_quote("the end-to-end performance of GPT inference", abstract) is None


def test_a_quote_left_open_still_leaves_a_citation_not_raw_text() -> None:
    # SmolLM2-135M, asked through evals/tools/smollm2.py, wrote this (the closing mark is missing)
    reply = (
        'The proof that [@key, "a verbatim quote from that abstract] is based on '
        '[@evidence1, "an example from that paper"] can be found here.'
    )
    assert parse_claims(reply) == [
        ParsedSentence(
            "The proof that is based on can be found here.",
            ["key", "evidence1"],
            {"evidence1": "an example from that paper"},
        )
    ]


def test_invented_quote_rejects_a_citation_the_checks_would_keep(
    shared_sample_library: Library,
) -> None:
    paper = shared_sample_library.get(NIMBUS_KEY)
    scorer = SupportScorer(get_embedder())
    good = ParsedSentence(
        NIMBUS_RIGHT, [NIMBUS_KEY], {NIMBUS_KEY: "across different network settings"}
    )
    bad = ParsedSentence(NIMBUS_RIGHT, [NIMBUS_KEY], {NIMBUS_KEY: "across all network settings"})
    plain = ParsedSentence(NIMBUS_RIGHT, [NIMBUS_KEY])
    lookup = {NIMBUS_KEY: paper}.get
    kept, altered, unquoted = (
        verify([p], lookup, {NIMBUS_KEY}, scorer).sentences[0] for p in (good, bad, plain)
    )
    assert kept.citations == [NIMBUS_KEY]
    span = kept.evidence[0]
    assert paper.abstract[span.start : span.end] == "across different network settings"
    assert altered.citations == [] and altered.evidence[0].reason == "quote_mismatch"
    assert unquoted.citations == [NIMBUS_KEY] and unquoted.evidence[0].quote
    assert "across" not in render([kept])


def test_figure_from_another_setting_is_contradicted(shared_sample_library: Library) -> None:
    paper = shared_sample_library.get(NIMBUS_KEY)
    scorer = SupportScorer(get_embedder())
    check = verify(
        [(NIMBUS_WRONG_SETTING, [NIMBUS_KEY]), (NIMBUS_RIGHT, [NIMBUS_KEY])],
        {NIMBUS_KEY: paper}.get,
        {NIMBUS_KEY},
        scorer,
    )
    wrong, right = check.sentences
    assert (wrong.evidence[0].verdict, wrong.evidence[0].reason) == (
        "contradicted",
        "figure_context",
    )
    assert right.citations == [NIMBUS_KEY] and right.evidence[0].verdict == "supported"


def test_judge_reply_parsing_tolerates_chat_formatting() -> None:
    text = 'Sure!\n1: SUPPORTED "outer-product"\n**2.** contradicted - "2.9x"\n7: SUPPORTED\nnoise'
    parsed = parse_judgements(text, 3)
    assert {i: j.verdict for i, j in parsed.items()} == {0: "supported", 1: "contradicted"}
    assert parse_judgements("I think they are all fine.", 2) == {}


# -- the judge over real HTTP --------------------------------------------------------------------


def _reply(library: Library) -> str:
    paper = library.get("xu2024hequant")
    first = "HEQuant combines low-precision quantization with HE-based protocols"
    assert "HEQuant" in paper.abstract
    return (
        f'{NIMBUS_RIGHT} [@{NIMBUS_KEY}, "improves the end-to-end performance"]. '
        f"{first} to cut communication [@xu2024hequant]."
    )


def _ask(steps: list[Step], monkeypatch: pytest.MonkeyPatch, *flags: str) -> tuple[dict, list]:
    with ScriptedOpenAI(steps=steps) as server:
        use_server(monkeypatch, server, LITREVIEW_LLM_MAX_RETRIES="1")
        result = runner.invoke(app, ["ask", QUESTION, "--json", *flags])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), server.requests


def test_judge_that_agrees_keeps_both_and_counts_its_tokens(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge = '1: SUPPORTED "2.7x~4.7x"\n2: SUPPORTED "communication reduction"'
    data, requests = _ask(
        [Step(reply=_reply(shared_sample_library)), Step(reply=judge)], monkeypatch
    )
    assert data["verification"] == "model"
    assert [c["key"] for c in data["citations"]] == [NIMBUS_KEY, "xu2024hequant"]
    assert [e["judge"] for s in data["sentences"] for e in s["evidence"]] == ["supported"] * 2
    assert data["usage"]["total_tokens"] > 200  # the answer's and the judge's
    judged = requests[1]["body"]["messages"][0]["content"]
    assert "1. CLAIM: " + NIMBUS_RIGHT in judged and "PAPER @xu2024hequant" in judged
    assert '"improves the end-to-end performance"' not in data["answer"]


def test_judge_rejects_a_citation_the_local_checks_kept(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge = '1: SUPPORTED "2.7x"\n2: CONTRADICTED "HEQuant reduces latency, not only communication"'
    data, _ = _ask([Step(reply=_reply(shared_sample_library)), Step(reply=judge)], monkeypatch)
    assert data["verification"] == "model"
    assert [c["key"] for c in data["citations"]] == [NIMBUS_KEY]
    assert data["rejected_citations"][-1] | {"sentence": ""} == {
        "key": "xu2024hequant",
        "sentence": "",
        "reason": "judge",
        "verdict": "contradicted",
    }
    assert data["sentences"][1]["supported"] is False
    assert "[unsupported]" in data["answer"]


def test_the_judge_reply_is_capped_and_read_once_every_item_is_judged(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SmolLM2 through llama.cpp judged a draft's citations, then wrote on until its context was
    # full: 3,480 tokens in 200 s, as no cap was sent and the reply was read to its end
    judge = (
        '1: SUPPORTED "2.7x"\n2: CONTRADICTED "HEQuant reduces latency, not only communication"\n'
        + "The claims were checked against the abstracts one by one. " * 2000
    )
    data, requests = _ask(
        [Step(reply=_reply(shared_sample_library)), Step(reply=judge)], monkeypatch
    )
    assert 0 < requests[1]["body"].get("max_tokens", 0) <= 400
    assert data["verification"] == "model", data["note"]
    assert [c["key"] for c in data["citations"]] == [NIMBUS_KEY]
    assert data["rejected_citations"][-1]["verdict"] == "contradicted"
    assert data["usage"]["total_tokens"] < 3000  # the chatter was not read


def test_judge_cannot_rescue_a_citation_the_local_checks_rejected(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    reply = f"{NIMBUS_WRONG_SETTING} [@{NIMBUS_KEY}]. {_reply(shared_sample_library)}"
    judge = '1: SUPPORTED "x"\n2: SUPPORTED "y"\n3: SUPPORTED "z"'
    data, requests = _ask([Step(reply=reply), Step(reply=judge)], monkeypatch)
    assert data["sentences"][0]["citations"] == []
    assert data["sentences"][0]["evidence"][0]["reason"] == "figure_context"
    assert NIMBUS_WRONG_SETTING not in requests[1]["body"]["messages"][0]["content"]


@pytest.mark.parametrize(
    "judge_steps",
    [
        [Step(reply="<|im_start|> all good!! {{{")],
        [Step(status=500), Step(status=500)],
    ],
    ids=["garbage", "http-500"],
)
def test_failing_judge_falls_back_to_local_checks_and_says_so(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch, judge_steps: list[Step]
) -> None:
    steps = [Step(reply=_reply(shared_sample_library)), *judge_steps]
    data, _ = _ask(steps, monkeypatch)
    assert data["verification"] == "model-failed"
    assert "Model verification did not run" in data["note"]
    assert [c["key"] for c in data["citations"]] == [NIMBUS_KEY, "xu2024hequant"]
    assert not data["abstained"]


def test_verify_local_makes_no_judge_call(
    shared_sample_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, requests = _ask(
        [Step(reply=_reply(shared_sample_library))], monkeypatch, "--verify", "local"
    )
    assert data["verification"] == "local" and len(requests) == 1


def test_figures_written_with_trailing_zeros_or_thousands_separators_still_form_lists() -> None:
    abstract = "It achieves 1.50x and 2.30x speedups over ANT and OliVe, respectively."
    assert claims.check_figures("It is 2.3x faster than ANT", abstract).conflicting == ["2.3"]
    assert claims.check_figures("It is 2.3x faster than OliVe", abstract).reason is None
    counted = "We evaluate 1,942, 310 and 12 designs on Orin, Xavier and Nano, respectively."
    assert claims.check_figures("It evaluates 1,942 designs on Nano", counted).conflicting


def test_a_universal_is_read_in_its_own_phrase() -> None:
    # HELP's abstract hedges the number of samples ("a few"), not the devices: "every device" in
    # the problem statement is not an inflated claim; "each group of 128 weights" restates "a
    # group of (e.g., 128) weights", whatever "can" says elsewhere in the sentence
    help_abstract = (
        "Collecting samples from such a large number of devices will require prohibitive "
        "computational and monetary cost. We estimate the latency of a model on an unseen device "
        "with a few samples."
    )
    assert (
        claims.check_quantifier(
            "Since collecting many latency samples on every device is prohibitively costly, "
            "HELP estimates latency on an unseen device from a few samples",
            help_abstract,
        )
        is None
    )
    bitmod = (
        "BitMoD can quantize LLM weights to 4-bit with 0.5% accuracy loss on average, using a "
        "different data type for each group of (e.g., 128) weights."
    )
    assert (
        claims.check_quantifier(
            "BitMoD assigns a different data type to each group of 128 weights, keeping 4-bit "
            "accuracy loss under 0.5% on average",
            bitmod,
        )
        is None
    )


def test_a_universal_where_the_abstract_says_it_depends_or_varies() -> None:
    abstract = (
        "The efficiency of our approach depends on the acceptance ratio of tokens proposed by "
        "the public model, which we improve with a private sampling protocol."
    )
    assert (
        claims.check_quantifier(
            "Thanks to its sampling protocol, every token proposed by the public model is accepted",
            abstract,
        )
        == claims.REASON_QUANTIFIER
    )
    assert (
        claims.check_quantifier(
            "Most tokens proposed by the public model are accepted thanks to its sampling protocol",
            abstract,
        )
        is None
    )


def test_a_clause_naming_one_paper_states_that_papers_figures(
    shared_sample_library: Library,
) -> None:
    # 11 tokens/s on a Raspberry Pi 5 is T-MAC's figure; ELUTQ's own clause cannot borrow it
    tmac, elutq = (shared_sample_library.get(k) for k in ("anon2024t", "anon2025elutq"))
    assert tmac and elutq and "11 tokens/s" in " ".join(tmac.abstract.split())
    sentence = (
        "On commodity CPUs, T-MAC avoids dequantization by computing mixed-precision GEMM with "
        "bit-wise table lookups, and ELUTQ reaches 11 tokens/s on a Raspberry Pi 5 with its "
        "LUT-aware hierarchical linear quantization."
    )
    check = verify(
        [(sentence, [tmac.key, elutq.key])],
        {tmac.key: tmac, elutq.key: elutq}.get,
        {tmac.key, elutq.key},
        SupportScorer(get_embedder()),
    )
    verdicts = {e.key: (e.verdict, e.reason) for e in check.sentences[0].evidence}
    assert verdicts[tmac.key][0] in ("supported", "partial")
    assert verdicts[elutq.key][0] != "supported" and verdicts[elutq.key][1] is not None


def test_a_sentence_citing_several_papers_is_held_to_the_part_threshold(
    shared_sample_library: Library,
) -> None:
    # a property said of two designs ("both ...") cannot be split by clause; each paper backs it
    # only in part, so the whole sentence is held to the part threshold, not one paper's
    keys = ("guo2020accelerating", "wang2021dual")
    papers = {k: shared_sample_library.get(k) for k in keys}
    sentence = (
        "Both designs preserve accuracy by allowing arbitrary pruning globally while staying "
        "regular at the granularity the hardware computes on."
    )
    check = verify([(sentence, list(keys))], papers.get, set(keys), SupportScorer(get_embedder()))
    # the tile-regular/globally-arbitrary pattern is guo2020's; the dual-side design is not it
    assert check.sentences[0].citations == ["guo2020accelerating"]
    verdicts = {e.key: (e.verdict, e.reason) for e in check.sentences[0].evidence}
    assert verdicts == {
        "guo2020accelerating": ("partial", None),
        "wang2021dual": ("unsupported", "low_similarity"),
    }


def test_a_short_quote_is_checked_like_a_long_one(shared_sample_library: Library) -> None:
    # a two-word quote the abstract never has is as invented as a long one; an empty one is no
    # quote at all
    paper = shared_sample_library.get(NIMBUS_KEY)
    scorer = SupportScorer(get_embedder())
    lookup = {NIMBUS_KEY: paper}.get
    results = {
        quote: verify(
            [ParsedSentence(NIMBUS_RIGHT, [NIMBUS_KEY], {NIMBUS_KEY: quote})],
            lookup,
            {NIMBUS_KEY},
            scorer,
        ).sentences[0]
        for quote in ("Code: substantially", "network settings", "")
    }
    assert results["Code: substantially"].evidence[0].reason == "quote_mismatch"
    assert results["network settings"].citations == [NIMBUS_KEY]
    assert results[""].citations == [NIMBUS_KEY]


TELLME = (
    "Under a 5 W power budget, TeLLMe delivers up to 25 tokens/s decoding throughput and "
    "0.45-0.96 s time-to-first-token (TTFT) for 64-128 token prompts, with a reversed-reordered "
    "prefill attention that is 2.1x faster."
)


def test_time_to_first_token_is_the_prefill_stage_and_a_unit_stays_with_its_figure() -> None:
    # the words after "25 tokens/s" (decoding throughput) are its own, not the TTFT's
    assert (
        claims.check_figures(
            "With its prefill attention, TeLLMe reaches a time-to-first-token of 0.45-0.96 s "
            "for 64-128-token prompts",
            TELLME,
        ).reason
        is None
    )
    assert claims.check_figures("TeLLMe processes prompts at up to 25 tokens/s", TELLME).reason


def test_an_average_is_not_a_floor() -> None:
    vtensor = "vTensor achieves an average speedup of 1.86x across different models."
    assert claims.check_figures("vTensor speeds up models by at least 1.86x", vtensor).reason
    assert (
        claims.check_figures("vTensor speeds up models by 1.86x on average", vtensor).reason is None
    )


def test_negations_agree_phrase_by_phrase_and_run_through_a_list() -> None:
    hawq = (
        "The entire computational graph is performed only with integer multiplication, addition, "
        "and bit shifting, without any floating point operations or even integer division."
    )
    claim = (
        "HAWQV3 runs the entire computational graph with integer multiplication, addition and "
        "bit shifting, without floating-point operations or even integer division"
    )
    assert claims.check_polarity(claim, hawq, hawq) is None
    squant = "Finally, without fine-tuning and synthetic datasets, SQuant quantizes in a second."
    listed = "SQuant quantizes in a second, with no fine-tuning, synthetic data or back-propagation"
    assert claims.check_polarity(listed, squant, squant) is None
    assert claims.check_polarity("SQuant quantizes into a second", squant, squant) is None
    assert claims.check_polarity("SQuant needs fine-tuning to quantize", squant, squant)


def test_a_figure_measured_against_another_baseline_is_taken_from_another_setting() -> None:
    omnimoe = (
        "OmniMoE achieves 50.9% zero-shot accuracy, outperforming coarse-grained (e.g., "
        "DeepSeekMoE) and fine-grained (e.g., PEER) baselines. Crucially, OmniMoE reduces "
        "inference latency from 73ms to 6.7ms (a 10.9-fold speedup) compared to PEER."
    )
    assert claims.check_figures(
        "OmniMoE is 10.9-fold faster than the coarse-grained DeepSeekMoE", omnimoe
    ).reason
    assert claims.check_figures("OmniMoE is 10.9-fold faster than PEER", omnimoe).reason is None
    # no particular baseline named: nothing to compare
    assert (
        claims.check_figures("OmniMoE is 10.9-fold faster than prior work", omnimoe).reason is None
    )
    # "over 22X" is a figure, and a baseline a few words on is still the same baseline
    cambricon = (
        "Cambricon-LLM runs 7B LLMs at a speed of 36.34 token/s, which is over 22X to 45X faster "
        "than existing flash-offloading technologies. Our search is 8x faster than the "
        "state-of-the-art Bayesian optimization WeakNAS approach."
    )
    assert (
        claims.check_figures(
            "It runs a 7B model at 36.34 tokens/s, 22-45x faster than existing flash-offloading "
            "techniques",
            cambricon,
        ).reason
        is None
    )
    assert claims.check_figures("The search is 8x faster than WeakNAS", cambricon).reason is None


def test_a_bracket_inside_a_quote_does_not_leave_the_citation_as_text() -> None:
    # SmolLM2-135M wrote this (evals/recorded/): the citation must not reach the reader raw
    reply = 'The team built it [@author, "a research team from [company_name]"]. It is fast [@b].'
    assert parse_claims(reply) == [
        ParsedSentence(
            "The team built it.", ["author"], {"author": "a research team from [company_name]"}
        ),
        ParsedSentence("It is fast.", ["b"]),
    ]
    hostile = '[@a, "' + '" [x] "' * 5000 + " no closing bracket"
    assert parse_claims(hostile)  # and in linear time: this returns at once
    for attack in ("[" + '@"[a]"' * 5000, '[@a "[b] ' * 3000, '[@"' * 10000):
        assert parse_claims(attack) is not None


def test_a_property_the_papers_own_sentences_deny_is_a_contradiction() -> None:
    # the abstract's own proposal says "dynamically"; "static" appears only about prior work
    d2moe = (
        "Recent research efforts often apply model compression techniques to restrict MoE "
        "complexity. Unfortunately, due to their predefined static model optimization "
        "strategies, they cannot always achieve the desired trade-off. These limitations "
        "motivate us to propose the D2MoE, an algorithm-system co-design framework that "
        "matches diverse task requirements by dynamically allocating the most proper bit-width "
        "to each expert."
    )
    claim = "D2MoE commits each expert to a single static bit-width chosen before deployment"
    names = ("D2MoE",)
    assert claims.check_polarity(claim, d2moe, d2moe, names) == claims.REASON_POLARITY
    # the same words about the prior work it criticises are right
    prior = "Earlier compression methods rely on predefined static optimization strategies"
    assert claims.check_polarity(prior, d2moe, d2moe, names) is None
    # a trainable adapter is training, wherever the abstract says so
    kv = (
        "Existing solutions selectively recompute a subset of tokens. We propose KV Packet, a "
        "recomputation-free cache reuse framework that treats cached documents as immutable "
        "packets wrapped in light-weight trainable soft-token adapters, which are trained via "
        "self-supervised distillation. Experiments on Llama-3.1 demonstrate near-zero FLOPs."
    )
    experiments = kv.split(". ")[-1]
    claim = "KV Packet needs no training at all, yet reaches near-zero FLOPs on Llama-3.1"
    assert claims.check_polarity(claim, experiments, kv, ("KV Packet",)) == claims.REASON_POLARITY
    no_recompute = "KV Packet reuses cached documents without recomputation, near-zero FLOPs"
    assert claims.check_polarity(no_recompute, experiments, kv, ("KV Packet",)) is None
    # inheriting pretrained weights is the opposite of training from scratch
    fourier = (
        "Introducing new parameters prohibits prior models from inheriting weights. Fourier "
        "Transformer is able to significantly reduce computational costs while retaining the "
        "ability to inherit from various large pretrained models."
    )
    claim = "Fourier Transformer has to be trained from scratch rather than from pretrained models"
    assert claims.check_polarity(claim, fourier, fourier, ("Fourier Transformer",))
    # without the paper's name the claim may be about anyone: the abstract as a whole decides
    assert claims.check_polarity(prior, d2moe, d2moe) is None


def test_a_name_written_with_latex_markup_is_mentioned_without_it() -> None:
    assert claims.mentions("D2MoE allocates bit-widths", "D^2MoE")
    assert claims.mentions("D^{2}MoE allocates bit-widths", "D2MoE")
    assert not claims.mentions("D2MoEx allocates bit-widths", "D^2MoE")


def test_avoiding_or_replacing_something_negates_it() -> None:
    basisn = (
        "To address this problem, we propose the BasisN framework to accelerate DNNs on any "
        "number of available crossbars without reprogramming."
    )
    claim = "BasisN avoids reprogramming by writing global basis vectors to the crossbars once"
    assert claims.check_polarity(claim, basisn, basisn, ("BasisN",)) is None
    pel = (
        "Traditional supernet-based methods require multiple GPU days per dataset. We propose "
        "PEL-NAS, which uses a zero-cost predictor to generate networks with reduced search cost."
    )
    claim = "PEL-NAS uses a zero-cost predictor instead of training candidates from scratch"
    assert claims.check_polarity(claim, pel, pel, ("PEL-NAS",)) is None
    assert claims.check_polarity("PEL-NAS trains every candidate from scratch", pel, pel) is None


def test_a_schedule_fixed_at_design_time_is_not_decided_at_run_time() -> None:
    intar = (
        "Conventional accelerators rely on fixed execution patterns. We introduce InTAR. It "
        "switches execution patterns automatically with a static schedule determined before "
        "circuit design based on resource constraints and problem sizes."
    )
    claim = "InTAR decides its reconfiguration schedule at run time to adapt to problem sizes"
    assert claims.check_polarity(claim, intar, intar, ("InTAR",)) == claims.REASON_POLARITY
    kept = "InTAR switches execution patterns automatically with a static schedule"
    assert claims.check_polarity(kept, intar, intar, ("InTAR",)) is None


def test_more_accuracy_loss_is_the_opposite_of_mitigating_it() -> None:
    odb = (
        "ODB-dLLM achieves 46-162x speedups over the baseline dLLM, while simultaneously "
        "mitigating the accuracy degradation in existing acceleration frameworks."
    )
    worse = "The price of this speed is some additional accuracy loss compared with existing ones"
    assert claims.check_polarity(worse, odb, odb) == claims.REASON_POLARITY
    better = "It also reduces the accuracy loss of existing acceleration frameworks"
    assert claims.check_polarity(better, odb, odb) is None


def test_all_of_a_count_where_the_abstract_gives_a_part_of_it() -> None:
    hnlpu = (
        "Metal-Embedding makes 60 out of 70 layers of photomasks homogeneous across chips, "
        "including all EUV photomasks."
    )
    claim = "Metal-Embedding makes all 70 photomask layers homogeneous across chips"
    assert claims.check_quantifier(claim, hnlpu) == claims.REASON_QUANTIFIER
    assert claims.check_quantifier("It makes all EUV photomasks homogeneous", hnlpu) is None
    # "any of these" points back into the answer, not at something the abstract must say
    nas = "Hardware-aware NAS takes into account execution latency, energy and memory footprint."
    claim = "Exploiting any of these devices requires hardware-aware NAS, which weighs latency"
    assert claims.check_quantifier(claim, nas) is None
    assert claims.check_quantifier("It runs on any device", nas) == claims.REASON_QUANTIFIER


def test_figures_paired_by_slashes_or_with_a_list_before_them() -> None:
    hnlpu = "HNLPU achieved 249,960 tokens/s (5,555x/85x of GPU/WSE), 36 tokens/J."
    assert claims.check_figures("HNLPU reaches about 85x the throughput of a GPU", hnlpu).reason
    assert claims.check_figures("HNLPU is 85x faster than a WSE", hnlpu).reason is None
    assert claims.check_figures("HNLPU is 5,555x faster than a GPU", hnlpu).reason is None
    fbnet = (
        "For example, FBNetV3 matches both EfficientNet and ResNeSt accuracy on ImageNet with up "
        "to 2.0x and 7.1x fewer FLOPs, respectively."
    )
    wrong = "FBNetV3 models match EfficientNet's ImageNet accuracy with up to 7.1x fewer FLOPs"
    assert claims.check_figures(wrong, fbnet).reason
    right = "FBNetV3 matches ResNeSt's ImageNet accuracy with up to 7.1x fewer FLOPs"
    assert claims.check_figures(right, fbnet).reason is None


def test_a_technique_worded_as_another_shown_paper_words_it_is_borrowed() -> None:
    privquant = (
        "PrivQuant co-optimizes the secure 2PC protocols and the network quantization. It "
        "reduces communication by 11x and latency by 8.7x over prior art."
    )
    falcon = (  # what the check is given: "title. abstract"
        "Falcon: Accelerating Homomorphically Encrypted Convolutions. Falcon proposes a "
        "zero-aware greedy packing algorithm and a communication-aware operator tiling strategy "
        "to improve packing density for depthwise convolutions."
    )
    nimbus = "Nimbus: Secure Transformer Inference. Nimbus approximates non-linear layers."
    claim = "PrivQuant introduces a zero-aware greedy packing algorithm for its quantized layers"
    others = {"falcon": falcon, "nimbus": nimbus}
    assert claims.check_borrowed(claim, privquant, others) == claims.REASON_ENTITY
    # words the cited abstract uses itself, or one pair alone, are not a borrowed technique
    own = "PrivQuant co-optimizes secure 2PC protocols with network quantization"
    assert claims.check_borrowed(own, privquant, others) is None
    one_pair = "PrivQuant improves packing density of quantized networks"
    assert claims.check_borrowed(one_pair, privquant, others) is None
    # a phrase two other papers share is common wording, not one paper's technique
    both = {"falcon": falcon, "copy": falcon.replace("Falcon", "Other")}
    assert claims.check_borrowed(claim, privquant, both) is None


def test_free_is_a_negation_only_as_free_of_or_from() -> None:
    fbnet = (
        'To compensate for the enlarged search space, we leverage "free" architecture statistics '
        "(e.g., FLOP count) to pretrain the predictor."
    )
    quoted = "FBNetV3 leverages ‘free’ architecture statistics such as FLOP count to pretrain it"
    assert claims.check_polarity(quoted, fbnet, fbnet) is None
    clean = "The design is free of floating-point operations."
    assert claims.check_polarity("The design relies on floating-point operations", clean, clean)


def test_on_average_closing_a_long_clause_still_makes_its_figure_an_average() -> None:
    sail = (
        "SAIL achieves up to 10.7x speedup and 19.9x higher tokens per dollar compared to ARM "
        "Neoverse-N1 CPU baselines, and up to 7.04x better cost efficiency than NVIDIA V100 GPUs."
    )
    claim = (
        "SAIL offers 7.04x better cost efficiency than the NVIDIA V100 GPUs of a server on average"
    )
    assert claims.check_figures(claim, sail).conflicting == ["7.04"]
    peak = "SAIL offers up to 7.04x better cost efficiency than the NVIDIA V100 GPUs of a server"
    assert claims.check_figures(peak, sail).reason is None


def test_avoiding_an_overhead_agrees_with_reducing_it() -> None:
    hybrimoe = (
        "Hybrid CPU-GPU inference has been proposed to leverage CPU computation to reduce expert "
        "loading overhead but faces major challenges."
    )
    claim = "Hybrid CPU-GPU inference lets the CPU compute some experts to avoid loading overhead"
    assert claims.check_polarity(claim, hybrimoe, hybrimoe) is None
    # without an agreeing reduction, a negated word the span asserts is still a contradiction
    kv = "KV Packet adapters are trained via self-supervised distillation."
    assert claims.check_polarity("KV Packet avoids distillation", kv, kv)


def test_a_plural_of_a_name_the_abstract_uses_is_that_name() -> None:
    abstract = "Evaluations on H100 GPUs show that ClusterFusion outperforms the state of the art."
    claim = "ClusterFusion lowers latency on H100s"
    assert claims.check_entity(claim, "ClusterFusion", abstract, (), {}) is None
    assert claims.check_entity("ClusterFusion runs on A100s", "ClusterFusion", abstract, (), {})


def test_a_figure_stated_for_another_bit_width_is_from_another_setting() -> None:
    bitmod = (
        "For discriminative tasks, BitMoD can quantize LLM weights to 4-bit with <0.5% accuracy "
        "loss on average. For generative tasks, BitMoD is able to quantize LLM weights to 3-bit "
        "while achieving better perplexity than prior work."
    )
    wrong = "BitMoD quantizes LLM weights down to 3 bits while losing less than 0.5% accuracy"
    assert claims.check_figures(wrong, bitmod).conflicting == ["0.5"]
    right = "BitMoD quantizes weights to 4 bits with under 0.5% accuracy loss on average"
    assert claims.check_figures(right, bitmod).reason is None


def test_front_end_and_back_end_are_opposite_stages() -> None:
    mm = "Evaluations reveal gaps among LLMs, particularly in back-end design and computations."
    claim = "Current LLMs fall short mostly in front-end design and basic knowledge questions"
    assert claims.check_polarity(claim, mm, mm) == claims.REASON_POLARITY


def test_virtual_memory_is_a_system_not_the_memory_a_figure_measures() -> None:
    vtensor = (
        "Additionally, vTensor provides average speedups of 2.12x and 3.15x in kernel "
        "evaluation, reaching up to 3.92x and 3.27x compared to SGLang Triton prefix-prefilling "
        "kernels and vLLM paged Attention kernel, respectively."
    )
    claim = "Through GPU virtual memory it beats SGLang's Triton prefix-prefilling kernels by 2.12x"
    assert claims.check_figures(claim, vtensor).reason is None
    footprint = "It cuts the memory footprint of SGLang's Triton prefix-prefilling kernels by 2.12x"
    assert claims.check_figures(footprint, vtensor).conflicting == ["2.12"]


def test_every_where_the_abstract_gives_one_result_across_them_or_at_one_setting() -> None:
    omnimoe = (
        "Validated on seven benchmarks, OmniMoE achieves 50.9% zero-shot accuracy across seven "
        "benchmarks, outperforming coarse-grained (e.g., DeepSeekMoE) and fine-grained baselines."
    )
    claim = "OmniMoE beats the coarse-grained DeepSeekMoE on every one of its seven benchmarks"
    assert claims.check_quantifier(claim, omnimoe) == claims.REASON_QUANTIFIER
    each = omnimoe.replace("across seven benchmarks", "on all seven benchmarks")
    assert claims.check_quantifier(claim, each) is None
    hardware = (
        "At the same latency as Qwen2.5-0.5B on the target hardware, our co-designed "
        "architecture achieves 19.42% lower perplexity on WikiText-2."
    )
    every = (
        "It reaches 19.42% lower WikiText-2 perplexity than Qwen2.5-0.5B at every latency budget"
    )
    assert claims.check_quantifier(every, hardware) == claims.REASON_QUANTIFIER


def test_freeing_a_method_from_something_negates_that_thing() -> None:
    shiftquant = (
        "ShiftQuant liberates group quantization from inefficient memory rearrangement and "
        "frees sub-8-bit integer training from pre-processing."
    )
    claim = "ShiftQuant's group quantization still depends on memory rearrangement before each step"
    assert claims.check_polarity(claim, shiftquant, shiftquant) == claims.REASON_POLARITY
    kept = "ShiftQuant removes the memory rearrangement that group quantization used to need"
    assert claims.check_polarity(kept, shiftquant, shiftquant) is None


def test_a_model_size_or_a_named_metric_beside_a_figure_is_its_setting() -> None:
    cambricon = (
        "Cambricon-LLM enables the on-device inference of 70B LLMs at a speed of 3.44 token/s, "
        "and 7B LLMs at a speed of 36.34 token/s."
    )
    wrong = "On the device the 70B model decodes at roughly 36 tokens/s"
    assert claims.check_figures(wrong, cambricon).conflicting == ["36"]
    right = "On the device the 7B model decodes at roughly 36 tokens/s"
    assert claims.check_figures(right, cambricon).reason is None
    miner = (
        "(2) the Thermodynamic Probability Filter achieving 92.19% theoretical energy reduction; "
        "(3) the Virtual Block Manager achieving +25% effective hashrate."
    )
    assert claims.check_figures("a 25% energy reduction from the filter", miner).reason
    assert claims.check_figures("a 25% higher hashrate from the manager", miner).reason is None
    # a backward pass is no pass rate: the figure's metric is throughput
    dash = "The strategies improve the throughput of the attention backward pass by up to 1.28x."
    claim = "It improves backward throughput by up to 1.28x on H800 GPUs"
    assert claims.check_figures(claim, dash).reason is None


def test_a_list_written_before_a_run_of_figures_pairs_with_it_in_order() -> None:
    nasaic = (
        "NASAIC can guarantee the results to meet the design specs with 17.77%, 2.49x, and "
        "2.32x reductions on latency, energy, and area and with 0.76% accuracy loss."
    )
    right = "NASAIC cuts latency, energy and area by 17.77%, 2.49x and 2.32x at 0.76% accuracy loss"
    assert claims.check_figures(right, nasaic).reason is None
    swapped = "NASAIC cuts energy, latency and area by 17.77%, 2.49x and 2.32x"
    assert set(claims.check_figures(swapped, nasaic).conflicting) == {"17.77", "2.49"}


def test_trailing_falling_short_or_costing_accuracy_where_the_abstract_says_the_opposite() -> None:
    s2ft = "It delivers 4.6% and 1.3% average improvements compared to LoRA on reasoning."
    claim = "Its reasoning accuracy trails LoRA by 4.6% and 1.3%"
    assert claims.check_polarity(claim, s2ft, s2ft) == claims.REASON_POLARITY
    assert claims.check_polarity("It improves on LoRA by 4.6%", s2ft, s2ft) is None
    vcoder = (
        "ComplexVCoder achieves comparable generation performance using a lightweight 32B "
        "model, rivaling larger-scale models such as GPT-3.5 and DeepSeek-V3."
    )
    claim = "Its 32B configuration still falls short of larger models such as GPT-3.5"
    assert claims.check_polarity(claim, vcoder, vcoder) == claims.REASON_POLARITY
    pel = "PEL-NAS achieves up to 54% lower latency than baselines at similar accuracy."
    claim = "It finds networks with 54% lower latency, at the cost of about two points of accuracy"
    assert claims.check_polarity(claim, pel, pel) == claims.REASON_POLARITY
    scales = "SCALES outperforms the prior art by 0.2dB with fewer parameters and operations."
    claim = "SCALES beats the prior method by 0.2 dB, albeit with slightly more parameters"
    assert claims.check_polarity(claim, scales, scales) == claims.REASON_POLARITY
    treekv = "As tokens approach the end of sequence, their contributions gradually increase."
    claim = "A token's contribution fades steadily as it approaches the end of the sequence"
    assert claims.check_polarity(claim, treekv, treekv) == claims.REASON_POLARITY


def test_each_clause_of_a_long_claim_is_read_against_the_sentence_it_restates() -> None:
    hequant = (
        "Existing HE-based protocols such as Cheetah and Iron use high precision, e.g., 37 bit "
        "fixed-point, and ignore the robustness of networks to quantization error. We propose "
        "HEQuant, low-precision-quantization-aware optimization for HE-based protocols. We "
        "observe the benefit of a naive combination of quantization and HE quickly saturates as "
        "bit precision goes down."
    )
    claim = (
        "HEQuant starts from protocols such as Cheetah and Iron that use 37-bit fixed point and "
        "ignore robustness to quantization error, and it shows that the benefit of naively "
        "combining quantization with HE keeps growing as bit precision goes down"
    )
    span = "We propose HEQuant, quantization-aware optimization for HE-based protocols."
    assert claims.check_polarity(claim, span, hequant) == claims.REASON_POLARITY
    right = claim.replace("keeps growing", "quickly saturates")
    assert claims.check_polarity(right, span, hequant) is None


def test_quantifiers_read_in_context() -> None:
    propd = "ProPD features an early pruning mechanism to eliminate unpromising token sequences."
    claim = "ProPD eliminates unpromising token sequences early in the tree"
    assert claims.check_quantifier(claim, propd) is None  # the same word in another form
    tmac = "T-MAC speeds up mpGEMM by eliminating multiplications and reducing additions."
    claim = "Its table lookups eliminate both the multiplications and the additions"
    assert claims.check_quantifier(claim, tmac) == claims.REASON_QUANTIFIER
    hnlpu = "60 out of 70 layers of photomasks are made homogeneous across chips."
    claim = "The design makes every photomask layer common across chips"
    assert claims.check_quantifier(claim, hnlpu) == claims.REASON_QUANTIFIER
    s2ft = "PEFT methods achieve either high quality or efficient training, but not all three."
    claim = "Current PEFT methods, by its account, achieve none of the three"
    assert claims.check_quantifier(claim, s2ft) == claims.REASON_QUANTIFIER
    scaling = (
        "We evaluate 1,942 candidate architectures on Jetson Orin, training 170 selected models "
        "for 10B tokens each to fit a scaling law."
    )
    claim = "It evaluates 1,942 candidate architectures and trains each of them for 10B tokens"
    assert claims.check_quantifier(claim, scaling) == claims.REASON_QUANTIFIER
    pruning = (
        "The pruning iterations end until no filter can be removed anymore, indicating that the "
        "remaining filters are very important for many classes."
    )
    claim = "Training changes so that each filter can be scored by how many classes rely on it"
    assert claims.check_quantifier(claim, pruning) is None  # the claim keeps the hedge
    logic = (
        "Logic Blocks exchange messages; any time several expressions unify under an inference "
        "rule, a new fact is emitted with full provenance."
    )
    claim = "The Logic Blocks exchange messages and emit each new fact with full provenance"
    assert claims.check_quantifier(claim, logic) is None  # "any time" is universal too


def test_a_figure_keeps_its_unit_its_metric_and_a_baseline_named_before_it() -> None:
    treekv = "It generalizes to a longer window with a 16x cache reduction. It uses 6% of budget."
    assert claims.check_figures("It uses only 16% of the cache budget", treekv).conflicting
    assert claims.check_figures("It reduces the cache 16x", treekv).reason is None
    scaling = "Our co-designed architecture achieves 19.42% lower perplexity on WikiText-2."
    wrong = "The co-designed model is 19.42% more accurate on WikiText-2"
    assert claims.check_figures(wrong, scaling).conflicting == ["19.42"]
    switchblade = "SwitchBlade achieves an average speedup of 1.85x compared to the V100 GPU."
    wrong = "Against specialized GNN accelerators it averages a 1.85x speedup"
    assert claims.check_figures(wrong, switchblade).conflicting == ["1.85"]
    right = "Against a V100 GPU it averages a 1.85x speedup"
    assert claims.check_figures(right, switchblade).reason is None
    falcon = (
        "Compared to SOTA HE-based 2PC frameworks, e.g., CrypTFlow2, Iron and Cheetah, Falcon "
        "achieves more than 15.6x, 5.1x and 1.8x latency reduction, respectively."
    )
    right = "It reports more than 15.6x lower latency than CrypTFlow2 and 1.8x lower than Cheetah"
    assert claims.check_figures(right, falcon).reason is None
    # "up to 6.49x (1.87x on average)": two figures, each with its own setting
    adaptgear = "AdaptGear achieves up to 6.49x (1.87x on average) over the state of the art."
    claim = "AdaptGear reaches up to 6.49x, 1.87x on average, over state-of-the-art systems"
    assert claims.check_figures(claim, adaptgear).reason is None
    # a version between two names, a dimension: names, not results
    asic = "With Claude 4 Sonnet, ASIC-Agent automates a broad range of ASIC design tasks."
    assert claims.check_figures("With Claude 4 Sonnet it automates ASIC tasks", asic).reason is None
    circ = "Circulant matrices turn products into HE-friendly 1-dimensional convolutions (1D)."
    claim = "Products become HE-friendly 1-D convolutions"
    assert claims.check_figures(claim, circ).reason is None


def test_keeping_what_the_paper_removes_or_giving_up_what_it_enables() -> None:
    smash = "The use of atomic instructions eliminates the need to create partial product matrices."
    claim = "The kernel still materialises partial-product matrices, merged atomically"
    assert claims.check_polarity(claim, smash, smash) == claims.REASON_POLARITY
    elutq = "HLQ keeps the cost of LUT-based GEMM, thereby eliminating dequantization overhead."
    claim = "ELUTQ accepts some dequantization overhead so that its weights fit LUT GEMM"
    assert claims.check_polarity(claim, elutq, elutq) == claims.REASON_POLARITY
    assert claims.check_polarity("ELUTQ removes dequantization overhead", elutq, elutq) is None
    arcquant = "This design enables the use of standard, highly optimized GEMM kernels."
    claim = "It means giving up standard GEMM kernels in favour of custom ones"
    assert claims.check_polarity(claim, arcquant, arcquant) == claims.REASON_POLARITY
    hnlpu = "60 out of 70 layers of photomasks are made homogeneous across chips."
    claim = "Most photomask layers still differ from chip to chip"
    assert claims.check_polarity(claim, hnlpu, hnlpu) == claims.REASON_POLARITY
    hequant = "We observe the benefit of combining quantization and HE quickly saturates."
    claim = "The benefit of combining quantization and HE keeps paying off as precision drops"
    assert claims.check_polarity(claim, hequant, hequant) == claims.REASON_POLARITY


def test_a_universal_after_a_negation_or_pointing_back_is_no_overstatement() -> None:
    bfp = "We enable low precision BFP formats without compromising accuracy or latency."
    claim = "It halves the footprint without significant accuracy loss or any latency cost"
    assert claims.check_quantifier(claim, bfp) is None
    switchblade = "SwitchBlade fuses operators at the partition level to reduce bandwidth."
    claim = "It fuses operators per partition and schedules them concurrently, none of which is new"
    assert claims.check_quantifier(claim, switchblade) is None
    scaling = "We evaluate 1,942 architectures, training 170 selected models for 10B tokens each."
    claim = "It evaluates 1,942 architectures and trains 170 of them for 10B tokens each"
    assert claims.check_quantifier(claim, scaling) is None


def test_a_figure_needs_the_number_of_devices_it_was_measured_on() -> None:
    astraea = (
        "Astraea achieves up to 2.4x inference speedup on a single GPU with great scalability "
        "(up to 13.2x speedup on 8 GPUs)."
    )
    assert claims.check_figures("It is up to 13.2x faster on a single GPU", astraea).conflicting
    assert claims.check_figures("It is up to 13.2x faster on 8 GPUs", astraea).reason is None
    assert claims.check_figures("It is up to 2.4x faster on one GPU", astraea).reason is None
    tmac = (
        "For BitNet-b1.58-3B, T-MAC delivers 30 tokens/s with a single core and 71 tokens/s with "
        "eight cores on M2-Ultra."
    )
    wrong = "It generates 71 tokens/s for BitNet-b1.58-3B on a single M2-Ultra core"
    assert claims.check_figures(wrong, tmac).conflicting == ["71"]
    right = "It generates 30 tokens/s on a single core and 71 with all eight cores"
    assert claims.check_figures(right, tmac).reason is None


def test_a_clause_naming_one_paper_cannot_borrow_the_other_cited_papers_technique(
    shared_sample_library: Library,
) -> None:
    # the elongated tiling for table reuse is LUT Tensor Core's; SAIL's own clause cannot take it
    sail, lut = (shared_sample_library.get(k) for k in ("anon2025sail", "anon2024lut"))
    assert sail and lut and "elongated" in lut.abstract and "elongated" not in sail.abstract
    papers = {sail.key: sail, lut.key: lut}
    sentence = (
        "LUT Tensor Core improves compute density and energy efficiency by more than an order of "
        "magnitude, and SAIL moves LUT-GEMV into SRAM processing-in-memory with an elongated "
        "tiling shape for table reuse at only 2% hardware overhead."
    )
    check = verify(
        [(sentence, [lut.key, sail.key])], papers.get, set(papers), SupportScorer(get_embedder()),
        shown_papers=[sail, lut],
    )  # fmt: skip
    verdicts = {e.key: e.reason for e in check.sentences[0].evidence}
    assert verdicts == {lut.key: None, sail.key: claims.REASON_ENTITY}
    # a clause about both works may use either one's words
    joint = (
        "Both LUT Tensor Core and SAIL reuse lookup tables, and SAIL applies table reuse with an "
        "elongated tiling shape to LUT-GEMV in SRAM processing-in-memory."
    )
    check = verify(
        [(joint, [lut.key, sail.key])], papers.get, set(papers), SupportScorer(get_embedder()),
        shown_papers=[sail, lut],
    )  # fmt: skip
    assert {e.key: e.reason for e in check.sentences[0].evidence}[sail.key] != claims.REASON_ENTITY


def test_a_figures_setting_includes_its_operand_its_list_and_what_is_held_fixed() -> None:
    bitmod = (
        "For discriminative tasks, BitMoD can quantize LLM weights to 4-bit with <0.5% accuracy "
        "loss on average."
    )
    wrong = "It keeps 4-bit KV caches within 0.5% of full accuracy on average"
    assert claims.check_figures(wrong, bitmod).conflicting == ["0.5"]
    right = "It keeps 4-bit weights within 0.5% of full accuracy on average"
    assert claims.check_figures(right, bitmod).reason is None
    codesign = (
        "At the same latency as Qwen2.5-0.5B on the target hardware, our co-designed "
        "architecture achieves 19.42% lower perplexity on WikiText-2."
    )
    wrong = "It finds a model with 19.42% lower latency than Qwen2.5-0.5B at the same perplexity"
    assert claims.check_figures(wrong, codesign).conflicting == ["19.42"]
    assert claims.check_figures("It has 19.42% lower perplexity", codesign).reason is None
    fbnet = "It improves mAP despite 18% fewer FLOPs and 34% fewer parameters than EfficientNet."
    wrong = "It improves mAP with 34% fewer FLOPs and 18% fewer parameters"
    assert set(claims.check_figures(wrong, fbnet).conflicting) == {"34", "18"}
    assert claims.check_figures("It needs 18% fewer FLOPs", fbnet).reason is None
    # a list before its figures, past an aside: "power, performance, and area (PPA) by up to"
    symrtlo = (
        "Experiments show that SymRTLO improves power, performance, and area (PPA) by up to "
        "43.9%, 62.5%, and 51.1%, respectively, compared to the state-of-the-art methods."
    )
    wrong = "SymRTLO cuts power by up to 62.5% and area by up to 51.1%"
    assert claims.check_figures(wrong, symrtlo).conflicting == ["62.5"]
    right = "SymRTLO improves power, performance and area by up to 43.9%, 62.5% and 51.1%"
    assert claims.check_figures(right, symrtlo).reason is None
    # the claim's own "respectively" list, written before its figures
    fbnet = (
        "FBNetV3 matches both EfficientNet and ResNeSt accuracy on ImageNet with up to 2.0x and "
        "7.1x fewer FLOPs, respectively."
    )
    right = (
        "Its models match EfficientNet and ResNeSt accuracy on ImageNet with up to 2.0x and 7.1x "
        "fewer FLOPs, respectively"
    )
    assert claims.check_figures(right, fbnet).reason is None
    assert claims.check_figures(right.replace("EfficientNet and ResNeSt", "ResNeSt and "
                                              "EfficientNet"), fbnet).reason  # fmt: skip


def test_a_gap_that_narrows_released_twice_every_layer_and_a_distributive_each() -> None:
    matmul = (
        "We find that the performance gap between our MatMul-free models and full precision "
        "Transformers narrows as the model size increases."
    )
    claim = "Its gap to full-precision Transformers widens as the models get larger"
    assert claims.check_polarity(claim, matmul, matmul) == claims.REASON_POLARITY
    assert claims.check_polarity("The gap narrows with model size", matmul, matmul) is None
    shiftquant = (
        "Furthermore, it liberates group quantization from inefficient memory rearrangement."
    )
    claim = (
        "ShiftQuant frees sub-8-bit integer training from pre-processing and from inefficient "
        "memory rearrangement in group quantization."
    )
    assert claims.check_polarity(claim, shiftquant, shiftquant) is None
    hnlpu = (
        "This brings two benefits: (1) a 15x increase in density, and (2) 60 out of 70 layers of "
        "photomasks are made homogeneous across chips, including all EUV photomasks."
    )
    claim = "It makes every photomask layer, EUV masks included, common across chips"
    assert claims.check_quantifier(claim, hnlpu) == claims.REASON_QUANTIFIER
    adapmoe = (
        "We demonstrate AdapMoE consistently outperforms existing techniques, reducing the "
        "average number of activated experts by 25% and achieving a 1.35x speedup."
    )
    claim = "It adjusts how many experts each token activates, lowering their number by 25%"
    assert claims.check_quantifier(claim, adapmoe) is None
    omnimoe = (
        "Validated on seven benchmarks, OmniMoE achieves 50.9% zero-shot accuracy across seven "
        "benchmarks, outperforming coarse-grained baselines."
    )
    claim = "OmniMoE reaches 50.9% zero-shot accuracy on each of its seven benchmarks"
    assert claims.check_quantifier(claim, omnimoe) == claims.REASON_QUANTIFIER


def test_a_name_with_a_descriptive_suffix_is_the_name() -> None:
    cais = "CAIS achieves 1.38x average end-to-end training speedup over the NVLS-enabled solution."
    claim = "CAIS averages 1.38x end-to-end training speedup over NVLS-based tensor parallelism"
    assert claims.check_entity(claim, "CAIS", cais, [], {}) is None
    assert claims.check_entity("CAIS beats NCCL-based systems", "CAIS", cais, [], {})


def test_neighbouring_clauses_of_one_paper_keep_their_words_and_lower_case_names_split(
    shared_sample_library: Library,
) -> None:
    symrtlo, vcoder = (
        shared_sample_library.get(k) for k in ("anon2025symrtlo", "anon2025complexvcoder")
    )
    assert symrtlo and vcoder
    sentence = (
        "Its lightweight 32B Qwen2.5 configuration still falls short of larger models such as "
        "GPT-3.5 and DeepSeek-V3, and retrieval carries over to optimization too, with SymRTLO "
        "retrieving optimization rules and AST-based templates to guide LLM rewriting and "
        "improving power, performance and area by up to 43.9%, 62.5% and 51.1% over prior methods."
    )
    parts = claim_parts(sentence, [vcoder, symrtlo], SupportScorer(get_embedder()))
    assert "power, performance and area by up to 43.9%, 62.5% and 51.1%" in parts[symrtlo.key]
    vtensor, ellm = (shared_sample_library.get(k) for k in ("xu2024vtensor", "xu2026ellm"))
    assert vtensor and ellm
    sentence = (
        "Unlike vTensor, which keeps memory management entirely on the GPU, eLLM inflates and "
        "deflates allocations at runtime and spills into CPU memory as an extensible buffer."
    )
    parts = claim_parts(sentence, [vtensor, ellm], SupportScorer(get_embedder()))
    assert "entirely" not in parts[ellm.key] and parts[ellm.key].startswith("eLLM inflates")
    adapmoe, hybrimoe = (
        shared_sample_library.get(k) for k in ("zhong2024adapmoe", "zhong2025hybrimoe")
    )
    assert adapmoe and hybrimoe
    sentence = (  # ", and, like HybriMoE, it adds": the aside opens a clause of its own
        "AdapMoE cuts activated experts by 25% for a 1.35x speedup without accuracy loss, and, "
        "like HybriMoE, it adds prefetching and cache management to hide expert loading."
    )
    parts = claim_parts(sentence, [adapmoe, hybrimoe], SupportScorer(get_embedder()))
    assert "1.35x" not in parts[hybrimoe.key] and "1.35x" in parts[adapmoe.key]


def test_one_word_pair_another_paper_names_its_technique_by_is_borrowed() -> None:
    help_ = (
        "HELP: Hardware-Adaptive Efficient Latency Prediction for NAS via Meta-Learning. We "
        "introduce novel hardware embeddings to embed any devices as black-box functions that "
        "output latencies, and meta-learn the predictor on these hardware embeddings."
    )
    fbnet = (
        "FBNetV3: Joint Architecture-Recipe Search using Predictor Pretraining. We leverage free "
        "architecture statistics (e.g., FLOP count) to pretrain the predictor."
    )
    claim = "FBNetV3 pretrains its predictor with hardware embeddings learned across devices"
    assert claims.check_borrowed(claim, fbnet, {"help": help_}) == claims.REASON_ENTITY
    assert claims.check_borrowed(claim, fbnet, {"help": help_}, ["help"]) is None  # cited too
    # said once and not in its title: a phrase, not the other paper's technique
    once = help_.replace(" on these hardware embeddings", "")
    assert claims.check_borrowed(claim, fbnet, {"help": once}) is None
    # set aside by the claim, or in the cited abstract in another form ("stages" for "stage")
    drift = (
        "DRIFT: Reliable Diffusion Model Inference. It harnesses the diffusion model's tolerance."
    )
    sparsetem = "SparseTem: Boosting CNN-Based Video Encoders by Exploiting Temporal Continuity."
    claim = "SparseTem skips computation in CNN video encoders rather than diffusion models"
    assert claims.check_borrowed(claim, sparsetem, {"drift": drift}) is None
    tellme = "TeLLMe: An Edge FPGA Prefill Stage Accelerator. Its prefill stage runs on the FPGA."
    treekv = "TreeKV applies to both the generation and prefilling stages."
    claim = "TreeKV works in the prefilling stage as well as during generation"
    assert claims.check_borrowed(claim, treekv, {"tellme": tellme}) is None


def test_a_figures_own_unit_says_what_it_measures_and_a_run_pairs_with_a_list_after_it() -> None:
    tellme = (
        "Under a 5~W power budget, TeLLMe delivers up to 25~tokens/s decoding throughput and "
        "0.45--0.96~s time-to-first-token (TTFT) for 64--128 token prompts."
    )
    right = (
        "It decodes at up to 25 tokens/s under a 5 W budget with a time-to-first-token of 0.45 to "
        "0.96 s for 64 to 128-token prompts"
    )
    assert claims.check_figures(right, tellme).reason is None
    assert claims.check_figures("It decodes at up to 5 tokens/s", tellme).conflicting == ["5"]
    analog = (
        "AnalogXpert achieves 40% and 23% success rates on the synthetic dataset and real dataset "
        "respectively, which is markedly better than those of GPT-4o (3% on both)."
    )
    right = "It reaches 40% and 23% success on synthetic and real data where GPT-4o manages 3%"
    assert claims.check_figures(right, analog).reason is None
    swapped = "It reaches 40% and 23% success on real and synthetic data"
    assert set(claims.check_figures(swapped, analog).conflicting) == {"40", "23"}


def test_polarity_reads_lacking_compound_heads_and_problems_a_method_tackles() -> None:
    span = "Existing systems, lacking native support for mpGEMM, resort to dequantize weights."
    claim = "Current hardware has no native support for it, so existing systems dequantize weights."
    assert claims.check_polarity(claim, span, span) is None
    assert claims.check_polarity("Existing systems have native support for mpGEMM", span, span)
    # "no sparsity-optimized hardware" denies the hardware, not the sparsity the span asserts
    tile = (
        "Prior works design new sparsity-optimized architectures. We evaluate the sparsity "
        "pattern on GPU tensor core, achieving a 1.95x speedup over the dense model."
    )
    needs_none = "It needs no sparsity-optimized hardware and gets a 1.95x speedup on tensor cores."
    assert claims.check_polarity(needs_none, tile.split(". ")[1], tile) is None
    assert claims.check_polarity("It gets no speedup from the sparsity pattern", tile, tile)
    # the problem a method tackles is not a property of the method
    fuzz = (
        "Researchers have developed fuzzers for processors. However, a prevailing issue with "
        "these hardware fuzzers is their heavy reliance on static strategies. To address this "
        "problem, we develop a dynamic and adaptive framework, MABFuzz, that uses bandits."
    )
    tackles = "MABFuzz tackles fuzzers' heavy reliance on static decision strategies."
    assert claims.check_polarity(tackles, fuzz, fuzz, ["MABFuzz"]) is None
    assert claims.check_polarity("MABFuzz uses static decision strategies", fuzz, fuzz, ["MABFuzz"])


def test_a_clause_about_the_reader_quantifies_nothing_in_the_paper() -> None:
    abstract = "HELP estimates latency on an unseen device with as few as 10 measurement samples."
    claim = "If you have never profiled the phone, HELP works on an unseen device from 10 samples."
    assert claims.check_quantifier(claim, abstract) is None
    assert claims.check_polarity(claim, abstract, abstract, ["HELP"]) is None
    assert claims.check_quantifier("HELP never needs more than 10 samples", abstract)


def test_each_clause_is_read_against_the_sentence_it_restates_for_negations() -> None:
    abstract = (
        "We propose a comprehensive system that automatically and efficiently finds sub-networks "
        "from a pre-trained super-network that are optimized to different performance metrics "
        "and hardware configurations. Our approach does not require the super-network to be "
        "refined for the target task a priori. We demonstrate an 8x faster search result than "
        "the state-of-the-art Bayesian optimization WeakNAS approach."
    )
    span = abstract.split(". ")[0]
    refined = (
        "The system finds sub-networks 8x faster than WeakNAS, although the super-network first "
        "has to be refined for your target task."
    )
    assert claims.check_polarity(refined, span, abstract) == claims.REASON_POLARITY
    as_said = "It finds sub-networks 8x faster than WeakNAS without refining the super-network."
    assert claims.check_polarity(as_said, span, abstract) is None


def test_all_of_a_count_against_some_of_them_and_altogether() -> None:
    fovea = (
        "We evaluate our model on three long-context summarization tasks. It achieves "
        "state-of-the-art performance on two of them, and competitive results on the third."
    )
    all_three = "It sets the state of the art on all three long-context summarization tasks."
    assert claims.check_quantifier(all_three, fovea) == claims.REASON_QUANTIFIER
    two = "It sets the state of the art on two of its three summarization tasks."
    assert claims.check_quantifier(two, fovea) is None
    mac = "Pipelining stages in the MAC array can be reduced, leading to a smaller area."
    assert claims.check_quantifier("It does away with pipeline stages altogether", mac)
    packet = "KV Packet is a recomputation-free cache reuse framework."
    assert claims.check_quantifier("KV Packet avoids recomputation altogether", packet) is None


def test_respectively_maps_figures_onto_the_list_closing_the_sentence_before() -> None:
    abstract = (
        "We evaluate its effectiveness across four classic TPE architectures: systolic array, "
        "3D-Cube, multiplier-adder tree, and 2D-Matrix. Our techniques achieve area efficiency "
        "improvements of 1.27x, 1.28x, 1.56x, and 1.44x, and energy efficiency gains of 1.04x, "
        "1.56x, 1.49x, and 1.20x, respectively."
    )
    systolic = "On the systolic array the transformations buy a 1.56x gain in energy efficiency."
    assert claims.check_figures(systolic, abstract).reason == claims.REASON_FIGURE
    cube = "On a 3D-Cube the transformations buy a 1.56x gain in energy efficiency."
    assert claims.check_figures(cube, abstract).reason is None
    tree = "On a multiplier-adder tree area efficiency improves by 1.56x."
    assert claims.check_figures(tree, abstract).reason is None


def test_problems_a_claim_describes_and_relational_compounds_are_not_flipped() -> None:
    d2moe = (
        "Due to their predefined static model optimization strategies, they cannot always "
        "achieve the desired trade-off. We propose D2MoE, which dynamically allocates the most "
        "proper bit-width to each expert."
    )
    serve = "D2MoE assumes requests whose quality requirements static compression cannot serve."
    assert claims.check_polarity(serve, d2moe, d2moe, ["D2MoE"]) is None
    assert claims.check_polarity("D2MoE uses static compression", d2moe, d2moe, ["D2MoE"])
    elutq = (
        "Existing hardware-friendly methods often rely on uniform quantization, which suffers "
        "from poor weight-distribution fitting."
    )
    claim = "ELUTQ changes the quantization format rather than the hardware."
    assert claims.check_polarity(claim, elutq, elutq) is None
    assert (
        claims.check_quantifier(
            "It avoids training a supernet altogether",
            "LLM-driven approaches avoid training a supernet.",
        )
        is None
    )


def test_figures_joined_by_and_share_a_baseline_and_a_list_may_end_in_the_subject() -> None:
    sail = (
        "SAIL achieves up to 10.7x speedup and 19.9x higher tokens per dollar compared to ARM "
        "Neoverse-N1 CPU baselines, and up to 7.04x better cost efficiency than NVIDIA V100 GPUs."
    )
    v100 = "SAIL reports up to 10.7x speedup over NVIDIA V100 GPUs."
    assert claims.check_figures(v100, sail).reason == claims.REASON_FIGURE
    assert claims.check_figures("SAIL is up to 10.7x faster than ARM CPUs.", sail).reason is None
    falcon = (
        "Compared to SOTA HE-based 2PC frameworks, e.g., CrypTFlow2, Iron and Cheetah, Falcon "
        "achieves more than 15.6x, 5.1x and 1.8x latency reduction, respectively."
    )
    cheetah = "Falcon reports more than 15.6x lower latency than Cheetah."
    assert claims.check_figures(cheetah, falcon).reason == claims.REASON_FIGURE
    assert claims.check_figures("Falcon is 1.8x faster than Cheetah.", falcon).reason is None


def test_a_single_cited_claim_is_read_word_by_word(shared_sample_library: Library) -> None:
    sma = shared_sample_library.get("guo2020balancing")
    assert sma
    scorer = SupportScorer(get_embedder())
    right = (
        "SMA temporally integrates a systolic array with GPU-like SIMD execution and reaches up "
        "to 63% higher performance with 23% less energy than a Volta GPU with TensorCore."
    )
    # claims_nq.jsonl, nq03: the outer-product dataflow and bitmap encoding are another
    # paper's (Dual-side Sparse Tensor Core); the pooled sentence score alone kept it (0.68)
    borrowed = (
        "SMA takes a different route by time-multiplexing a systolic array and GPU-style SIMD "
        "execution on shared components, using an outer-product dataflow with bitmap-encoded "
        "operands, and it reaches up to 63% higher performance with 23% less energy than a Volta "
        "GPU with TensorCore."
    )
    assert scorer.check(right, sma).kept
    assert scorer.word_recall(borrowed, sma) < scorer.word_recall(right, sma)
    check = scorer.check(borrowed, sma)
    assert not check.kept and check.reason == "low_similarity"


def test_a_name_the_abstract_repeats_is_a_baseline_when_the_title_names_the_work(
    shared_sample_library: Library,
) -> None:
    # PrivCirNet's abstract names SpENCNN and ImageNet twice each: a baseline and a dataset, not
    # PrivCirNet's names, so "on Tiny-ImageNet" in MPCViT's clause stays MPCViT's
    mpcvit, privcirnet = (
        shared_sample_library.get(k) for k in ("zeng2022mpcvit", "xu2024privcirnet")
    )
    assert mpcvit and privcirnet
    assert "SpENCNN" not in paper_names(privcirnet) and "ImageNet" not in paper_names(privcirnet)
    sentence = (
        "Architecture-side fixes help unevenly: MPCViT finds that Softmax can be selectively "
        "replaced or linearized and reports 6.2x lower latency with 1.9% higher accuracy than the "
        "baseline ViT on Tiny-ImageNet, while PrivCirNet's block circulant weights cut latency "
        "over Bolt by 5.0x for ResNet-18 but only 1.3x for ViT at iso-accuracy."
    )
    papers = {mpcvit.key: mpcvit, privcirnet.key: privcirnet}
    check = verify(
        [(sentence, list(papers))], papers.get, set(papers), SupportScorer(get_embedder())
    )
    verdicts = {e.key: (e.verdict, e.reason) for e in check.sentences[0].evidence}
    assert verdicts[privcirnet.key] == ("partial", None)
    # a title's "N:M" is no "System: subtitle" colon
    assert claims.system_name("Efficient N:M Sparse DNN Training Using Co-Design") is None
    assert claims.system_name("PrivCirNet: Efficient Private Inference") == "PrivCirNet"


def test_a_co_cited_paper_that_was_not_shown_still_owns_its_clause(
    shared_sample_library: Library,
) -> None:
    # TeLLMe was not among the papers shown, so its citation is rejected; its clause (1.58-bit
    # weights, a 5 W FPGA) is still TeLLMe's, not the INT-versus-FP study's to back
    tellme, study = (shared_sample_library.get(k) for k in ("anon2025tellme", "anon2025int"))
    assert tellme and study
    sentence = (
        "At the extreme low end, TeLLMe runs both prefill and decoding with 1.58-bit weights and "
        "8-bit activations on a 5 W edge FPGA through table-lookup matrix multiplication, while "
        "the INT-versus-FP study argues that fine-grained integer formats, MXINT8 above all, give "
        "future accelerators a better balance of accuracy, power and efficiency than a "
        "one-size-fits-all FP approach."
    )
    papers = {tellme.key: tellme, study.key: study}
    check = verify(
        [(sentence, list(papers))], papers.get, {study.key}, SupportScorer(get_embedder())
    )
    verdicts = {e.key: (e.verdict, e.reason) for e in check.sentences[0].evidence}
    assert verdicts == {
        tellme.key: ("unsupported", "not_in_evidence"),
        study.key: ("partial", None),
    }


def test_a_training_speedup_is_not_an_inference_one() -> None:
    abstract = (
        "Evaluations on LLM workloads show that CAIS achieves 1.38x average end-to-end training "
        "speedup over the SOTA NVLS-enabled solution, and 1.61x over T3."
    )
    wrong = "CAIS improves end-to-end LLM inference by 1.38x on average over NVLS."
    right = "CAIS speeds up end-to-end LLM training by 1.38x on average over NVLS."
    assert claims.check_figures(wrong, abstract).reason == "figure_context"
    assert claims.check_figures(right, abstract).reason is None
    # an abstract that gives the figure for inference and training alike
    both = "It speeds up both training and inference by 1.38x over NVLS."
    assert claims.check_figures(wrong, both).reason is None


def test_a_figure_measured_on_one_device_is_not_another_devices() -> None:
    abstract = (
        "We implement LightMamba on Xilinx Versal VCK190 FPGA and achieve 4.65x to 6.06x higher "
        "energy efficiency over the GPU baseline. When evaluated on Alveo U280 FPGA, LightMamba "
        "reaches 93 tokens/s, which is 1.43x that of the GPU baseline."
    )
    wrong = "LightMamba reaches 93 tokens/s on a Xilinx Versal VCK190, 1.43x the GPU baseline."
    assert claims.check_figures(wrong, abstract).reason == "figure_context"
    for right in (
        "LightMamba reaches 93 tokens/s on an Alveo U280, 1.43x the GPU baseline.",
        # one claim sentence may join the results of both devices
        "LightMamba reaches 93 tokens/s, 1.43x the GPU baseline, and is 4.65x to 6.06x more "
        "energy-efficient on the VCK190.",
        "Computing in FP16, LightMamba reaches 93 tokens/s.",  # a number format is no device
    ):
        assert claims.check_figures(right, abstract).reason is None, right


def test_results_the_abstract_gives_as_alternatives_are_not_joined() -> None:
    abstract = (
        "Experiments show that DRIFT can achieve on average 36% energy savings through voltage "
        "underscaling or 1.7x speedup via overclocking while maintaining generation quality."
    )
    joined = "DRIFT saves 36% energy on average while at the same time running 1.7x faster."
    assert claims.check_figures(joined, abstract).reason == "figure_context"
    either = "DRIFT saves 36% energy on average through undervolting, or runs 1.7x faster."
    assert claims.check_figures(either, abstract).reason is None
    # a list whose last item follows ", or" offers no alternatives of that kind
    sizes = "We evaluate batch sizes of 16, 32, or 64 on all models."
    assert claims.check_figures("It uses batch sizes of 32 and 64.", sizes).reason is None


def test_a_figure_for_weights_and_activations_is_not_a_weight_only_one() -> None:
    abstract = (
        "AQuant pushes the accuracy of ResNet-18 up to 60.31% under the 2-bit weight and "
        "activation quantization."
    )
    wrong = (
        "AQuant lifts ResNet-18 to 60.31% accuracy when only the weights are quantized to 2 bits."
    )
    right = "AQuant lifts ResNet-18 to 60.31% accuracy with 2-bit weights and activations."
    assert claims.check_figures(wrong, abstract).reason == "figure_context"
    assert claims.check_figures(right, abstract).reason is None
    weight_only = "Weight-only quantization to 2 bits keeps ResNet-18 at 60.31% accuracy."
    assert claims.check_figures(wrong, weight_only).reason is None
