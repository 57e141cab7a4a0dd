"""Claim checks that embeddings miss: figures in their setting, polarity, quantifiers, entities.

Embedding similarity and word overlap see what a sentence is about, not what it asserts: "needs
retraining" scores like "training-free", a decode-stage speedup reported for prefill scores like
the real claim, "always" like "often". These checks compare a claim with the span of the cited
abstract that supports it, with no model. Each returns a reason when it finds a conflict.

Every rule and word list here was chosen on the tuning half of the labelled answers
(`evals/cases/claims_*.jsonl`, split "tune"); the held-out half only measures them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from assistant.text import STOP_WORDS, plain, split_sentences, stem, words

REASON_FIGURE = "figure_context"
REASON_POLARITY = "polarity"
REASON_QUANTIFIER = "quantifier"
REASON_ENTITY = "entity"

# -- figures ------------------------------------------------------------------------------------

_FIGURE = re.compile(r"(?<![\w.])(\d+(?:,\d{3})*(?:\.\d+)?)")


def figures(text: str) -> list[tuple[str, int]]:
    """(figure, character offset) of the figures a text states; years left out."""
    found = []
    for match in _FIGURE.finditer(text):
        written = match.group(1)
        value = written.replace(",", "")
        if len(written) == 4 and value[:2] in ("19", "20") and "." not in value:
            continue  # a year (a count written "1,942" is not one)
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.append((value, match.start()))
    return found


# Words that say which setting a figure belongs to. Within one group, a claim word and an abstract
# word near the same figure must agree: "latency" next to a figure the abstract gives for
# "communication" is a figure taken from the wrong setting.
_SETTING_GROUPS: dict[str, dict[str, tuple[str, ...]]] = {
    "metric": {
        "time": ("latency", "speedup", "speed", "faster", "time", "runtime", "slower",
                 "accelerat", "throughput", "tokens/s", "performance", "hashrate", "fps",
                 "images/s", "samples/s", "requests/s", "queries/s"),
        "communication": ("communicat", "bandwidth", "traffic", "round"),
        "energy": ("energy", "power", "joule"),
        "memory": ("memory", "storage", "footprint", "cache", "capacity"),
        "accuracy": ("accuracy", "accurate", "error", "score", "pass rate", "pass@", "f1",
                     "bleu"),  # "pass rate", not the backward pass
        "perplexity": ("perplexity",),  # lower perplexity is not "more accurate"
        "area": ("area",),
        "cost": ("cost", "dollar", "price", "$"),
        "batch": ("batch",),
        "model size": ("parameter size", "model size", "parameter count", "number of parameters",
                       "fewer parameters", "more parameters", "parameters than"),
        "computation": ("computation", "flops", "macs"),
    },
    "stage": {
        "prefill": ("prefill", "prompt processing", "time-to-first-token", "time to first token",
                    "ttft", "first-token latency", "processes prompts", "processing prompts"),
        "decode": ("decod", "generation"),
        "training": ("training",),
    },
    "aggregate": {
        "peak": ("up to", "peak", "maximum", "at most", "as much as", "best"),
        "average": ("average", "on average", "mean", "avg", "typical"),
        "minimum": ("at least", "minimum", "no less than", "worst"),
    },
    # what a quantization figure is measured on: "4-bit KV caches within 0.5%" is not the
    # abstract's "weights to 4-bit with <0.5% loss"
    "operand": {
        "weights": ("weights", "weight-only", "weight only", "weight quant", "weight and"),
        "activations": ("activations", "activation quant", "and activation"),
        "kv cache": ("kv cache", "kv-cache", "key-value cache"),
    },
    "level": {
        "operator": ("operator level", "operator-level", "kernel", "layer-level", "per layer"),
        "network": ("network level", "network-level", "end-to-end", "end to end", "overall"),
    },
}  # fmt: skip


_STAGE_VALUE = {
    cue: value
    for group in ("stage", "level")
    for value, cues in _SETTING_GROUPS[group].items()
    for cue in cues
}


def _settings_in(text: str) -> dict[str, set[str]]:
    lowered = f" {text.lower()} "
    found: dict[str, set[str]] = {}
    for group, values in _SETTING_GROUPS.items():
        for value, cues in values.items():
            if any(_has_cue(lowered, cue) for cue in cues):
                found.setdefault(group, set()).add(value)
    return found


def metrics_named(text: str) -> set[str]:
    """What a text measures ("memory", "time", "energy", ...), by the figure-setting words."""
    return _settings_in(text).get("metric", set())


# "memory" names a system ("virtual memory", "memory management", "in-memory computing") or a
# regime ("memory-bound") as often as the memory a figure measures
_NOT_A_MEMORY_METRIC = re.compile(
    r"(?:virtual|in-|in|processing-in-|processing in)\s*memory"
    r"|memory[\s-](?:management|manager|bound|hierarch\w*|defragment\w*|ballooning|wall)",
    re.IGNORECASE,
)


def _has_cue(lowered: str, cue: str) -> bool:
    if cue in ("$",):
        return cue in lowered
    return re.search(r"(?<![a-z])" + re.escape(cue), lowered) is not None


def _window(text: str, offset: int, figures_at: Sequence[int]) -> str:
    """The words that belong with the figure at `offset`: from the figure before it (or the
    clause start) to the figure after it (or the clause end)."""
    before = [o for o in figures_at if o < offset]
    after = [o for o in figures_at if o > offset]
    start = before[-1] if before else 0
    if before:
        # "25 tokens/s decoding throughput and 0.45 s time-to-first-token": the words after the
        # figure before this one are its unit and setting, up to the "and" or comma that ends them
        joint = max(
            text.rfind(" and ", _end(text, start), offset),
            text.rfind(", ", _end(text, start), offset),
        )
        if joint > 0:
            start = joint + 1
    end = after[0] if after else len(text)
    if after:
        # "2.12x in kernel evaluation, reaching up to 3.92x": the words after the last "and" or
        # comma before the next figure are that figure's ("up to" is 3.92x's, not 2.12x's)
        joint = max(
            text.rfind(" and ", _end(text, offset), end), text.rfind(", ", _end(text, offset), end)
        )
        if joint > 0:
            end = joint
    clause_start = max(text.rfind(c, start, offset) for c in (";", ". ", ", while", ", whereas"))
    start = max(start, clause_start + 1)
    clause_ends = [i for c in (";", ", while", ", whereas") if (i := text.find(c, offset, end)) > 0]
    if clause_ends:
        end = min(clause_ends)
    # a few words either side: the metric, the baseline, the setting, not the whole sentence
    head = text[start:offset].split()[-_WINDOW_BEFORE:]
    tail = text[offset:end].split()[: _WINDOW_AFTER + 1]
    return " ".join(head + tail)


_WINDOW_BEFORE = 8
_WINDOW_AFTER = 8


@dataclass
class FigureCheck:
    reason: str | None  # None: every figure found in a compatible setting
    missing: list[str]  # figures the abstract never states
    conflicting: list[str]  # figures the abstract states for another setting


_RUN_GLUE = re.compile(r"^(?:\s|,|/|x|%|~|-|and|to|times|fold|\$|\\times|\\sim|\\%)*$")
_RANGE_GLUE = re.compile(r"^\s*(?:x|%|times)?\s*(?:~|-|to|\\sim)\s*$")
_LIST_CHUNK = re.compile(
    r"\b(?:on|over|to|with|than|for|against|across|in|of|compared)\b|respec\w*ly|[;:]"
)
_PEAK_CUES = ("up to", "as much as", "as high as", "peak", "maximum", "at most", "best", "top")


def _end(text: str, offset: int) -> int:
    """Where the figure written at `offset` ends in the text ("6.30", "1,942": not its value)."""
    match = _FIGURE.match(text, offset)
    return match.end() if match else offset


def _runs(text: str, found: Sequence[tuple[str, int]]) -> list[list[list[int]]]:
    """Figures stated as one list ("11x, 2.5x and 2.8x"): items (a range is one item) of
    indices into `found`."""
    runs: list[list[list[int]]] = []
    for index, (_value, offset) in enumerate(found):
        if index and runs:
            previous = found[index - 1]
            between = text[_end(text, previous[1]) : offset]
            if _RANGE_GLUE.match(between):
                runs[-1][-1].append(index)
                continue
            if _RUN_GLUE.match(between):
                runs[-1].append([index])
                continue
        runs.append([[index]])
    return runs


_RESPECTIVELY = re.compile(r"respec\w*ly")
_CONJUNCTION = re.compile(r"\b(?:and|or)\b|&")
_SEVERAL = re.compile(r"\b(?:both|each|all|every)\b", re.IGNORECASE)


def _list_items(
    text: str, start: int, count: int, run_start: int | None = None
) -> list[str] | None:
    """The first list of `count` items after `start` (the things a figure list maps onto).

    Where the sentence ends in "respectively", every run of figures before it maps onto the list
    just before that word: "2.12x and 3.15x ..., up to 3.92x and 3.27x compared to A and B,
    respectively" pairs 2.12x and 3.92x with A."""
    end = len(text)
    sentence_end = text.find(". ", start)
    if sentence_end > 0:
        end = sentence_end
    tail = text[start:end]
    said = _RESPECTIVELY.search(tail)
    chunks = _LIST_CHUNK.split(tail[: said.start()] if said else tail)
    before: list[str] = []
    if said:
        chunks.reverse()  # the list nearest "respectively"
        if run_start is not None:
            # "matches both A and B accuracy with up to 2.0x and 7.1x fewer FLOPs,
            # respectively": the list may stand before the figures, in the same sentence
            head = text[text.rfind(". ", 0, run_start) + 1 : run_start]
            for chunk in reversed(_LIST_CHUNK.split(head)):
                both = re.match(r".*\bboth\s+(\S+)\s+and\s+(\S+)", chunk)
                # "both A and B accuracy": the noun after B is both items'
                before.append(f"{both.group(1)} and {both.group(2)}" if both else chunk)
            # "... across four architectures: A, B, C, and D. We achieve 1.27x, 1.28x, 1.56x
            # and 1.44x, respectively": the list may close the sentence before
            opening = text.rfind(". ", 0, run_start)
            if opening > 0:
                previous = text[text.rfind(". ", 0, opening) + 1 : opening]
                before.extend(reversed(_LIST_CHUNK.split(previous)))
    for chunk in [*chunks, *before]:
        if _FIGURE_LIST.search(chunk):
            continue  # another list of figures, not the things they map onto
        if not _CONJUNCTION.search(chunk):
            # "on Tiny ImageNet, PrivCirNet reduces latency by": a comma closing an opening
            # phrase; a list joins its last item with "and" (or "or")
            continue
        items = [i.strip() for i in re.split(r",\s*(?:and\s+)?|\s+and\s+", chunk) if i.strip()]
        if len(items) == count:
            return items
        if chunk in before and len(items) > count and len(items[-count].split()) > 1:
            # "its models match EfficientNet and ResNeSt accuracy": the list ends the clause
            # before the figures; its first item is the last word of what leads into it
            return [items[-count].split()[-1], *items[-count + 1 :]]
        if chunk in before and len(items) > count and len(items[-1].split()) > 1:
            # "e.g., CrypTFlow2, Iron and Cheetah, Falcon achieves more": the subject and its
            # verb close the list
            named = items[-count - 1 : -1]
            if all(len(i.split()) <= 3 and not re.search(r"\d+(?:\.\d+)?\s*(?:x|%)", i)
                   for i in named):  # fmt: skip
                return named
    return None


_LEAD_IN = re.compile(
    r"\s*(?:\b(?:by|of|at|to|with|in|is|are|was|were|reach\w*|up|as much as|nearly|about|over)"
    r"\s*)*$"
)


def _list_before(text: str, start: int, count: int) -> list[str] | None:
    """A list of as many things written just before a run of figures: "cuts latency, energy
    and area by 17.77%, 2.49x and 2.32x" pairs them in order, with or without "respectively"."""
    opened = text.rfind("(", 0, start)  # an aside still open before the figures
    if text.find(")", opened, start) >= 0:
        opened = -1
    clause = max([text.rfind(c, 0, start) for c in (". ", ";", ":")] + [opened]) + 1
    # "power, performance, and area (PPA) by up to 43.9%, ...": an aside and the figure's
    # lead-in words stand between the list and its figures
    head = re.sub(r"\s*\([^()]*\)", "", text[clause:start])
    head = head[: _LEAD_IN.search(head).start()]  # type: ignore[union-attr]
    if not re.search(r"\band\s+\S+(?:\s+\S+)?$", head):
        return None  # no list ends here ("... and area")
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", head)
    if len(parts) < count or _FIGURE_LIST.search(" ".join(parts[-count:])):
        return None
    items = [" ".join(p.split()[-2:]) for p in parts[-count:]]
    return items if all(items) else None


_SLASH_LIST = re.compile(r"[A-Za-z][\w\-.]*(?:\s*/\s*[A-Za-z][\w\-.]*)+")


def _slash_items(text: str, start: int, count: int) -> list[str] | None:
    """The names a slashed run of figures maps onto: the first slashed list a few words on."""
    match = _SLASH_LIST.search(text, start, min(len(text), start + 40))
    if match is None:
        return None
    items = [i.strip() for i in match.group().split("/")]
    return items if len(items) == count else None


_FIGURE_LIST = re.compile(r"(?<![\w.\-])\d+(?:\.\d+)?\s*(?:x|%|times)")


@dataclass
class _Stated:
    value: str
    offset: int
    window: str
    identifier: bool = False  # part of a name or a setting (RTX 5090, 0.5B, 4-bit, 2:8)
    settings: dict[str, set[str]] = field(default_factory=dict)  # of its window
    stage_cues: set[str] = field(default_factory=set)  # stage and level words of its window
    item: str | None = None  # the list item it maps onto ("respectively")
    others: tuple[str, ...] = ()  # the other items of that list
    baseline: set[str] = field(default_factory=set)  # what it is compared with ("than X")
    range_end: str | None = None  # "high" or "low" when it ends a range
    bits: set[str] = field(default_factory=set)  # bit-widths of its window ("4-bit", "3 bits")
    sizes: set[str] = field(default_factory=set)  # model sizes of its window ("70B", "7B")
    devices: set[str] = field(default_factory=set)  # hardware of its window ("U280", "A100")
    counts: set[tuple[str, int]] = field(default_factory=set)  # ("gpu", 8) for "on 8 GPUs"
    unit: str | None = None  # "%" or "x" when written right after it
    measure: str | None = None  # what its physical unit measures ("5 W": energy)
    range_other: str | None = None


_DEVICE = r"(gpu|core|node|device|chip|fpga|thread|card|machine|server|socket|accelerator)s?\b"
_COUNT_WORDS = {"single": 1, "one": 1, "two": 2, "dual": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "seven": 7, "eight": 8, "sixteen": 16, "multiple": 0,
                "many": 0}  # fmt: skip
# "8 GPUs", "8-GPU", "a single M2-Ultra core", "eight cores": how many devices a figure needs
_DIGIT_COUNT = re.compile(r"(?<![\w.])(\d{1,4})[\s\-]" + _DEVICE, re.IGNORECASE)
_WORD_COUNT = re.compile(
    r"\b(" + "|".join(_COUNT_WORDS) + r")\s+(?:[\w\-]+\s+)?" + _DEVICE, re.IGNORECASE
)


def _device_counts(text: str) -> set[tuple[str, int]]:
    found = {(m.group(2).lower(), int(m.group(1))) for m in _DIGIT_COUNT.finditer(text)}
    found |= {
        (m.group(2).lower(), _COUNT_WORDS[m.group(1).lower()]) for m in _WORD_COUNT.finditer(text)
    }
    return found


def _counts_near(text: str, offset: int, offsets: Sequence[int]) -> set[tuple[str, int]]:
    """The device counts written after the figure up to the next one (or its clause end), else
    those just before it: "2.4x on a single GPU (up to 13.2x on 8 GPUs)" gives each its own."""
    later = [o for o in offsets if o > offset]
    end = min(later[0] if later else len(text), offset + 80)
    stop = re.search(r"[;(]|\.\s", text[offset:end])
    after = _device_counts(text[offset : offset + stop.start()] if stop else text[offset:end])
    if after:
        return after
    earlier = [o for o in offsets if o < offset]
    start = max(_end(text, earlier[-1]) if earlier else 0, offset - 60)
    joint = max(text.rfind(" and ", start, offset), text.rfind(", ", start, offset))
    return _device_counts(text[max(start, joint + 1) : offset])


def _other_count(mine: set[tuple[str, int]], theirs: set[tuple[str, int]]) -> bool:
    """Whether the claim's figure is stated for another number of the same device."""
    for device, number in mine:
        given = {n for d, n in theirs if d == device}
        if given and number not in given and not (number == 0 and max(given) > 1):
            return True
    return False


# "at the same latency as X, 19.42% lower perplexity": what is held fixed is not what the figure
# measures
_HELD_FIXED = re.compile(
    r"\b(?:at|with|under|for)\s+(?:the\s+|a\s+)?(?:same|equal|similar|comparable|matched|"
    r"identical|iso-?)\s*[\w\-]+",
    re.IGNORECASE,
)


def _stated_figures(text: str, sentence_devices: bool = False) -> list[_Stated]:
    """The figures a text states, each with its setting. `sentence_devices`: the hardware the
    figure's whole sentence names is its setting (an abstract's "When evaluated on Alveo U280
    FPGA, LightMamba reaches 93 tokens/s"); else that of its window (a claim may join results
    of several devices in one sentence)."""
    # a device count ("on 8 GPUs") is the setting of the figure beside it, not a result
    counted = {m.start(1) for m in _DIGIT_COUNT.finditer(text)}
    found = [(value, offset) for value, offset in figures(text) if offset not in counted]
    offsets = [o for _, o in found]
    # windows are read for cue words: a system named "virtual memory" is no memory figure (same
    # length, so every offset holds)
    cues = _NOT_A_MEMORY_METRIC.sub(lambda m: re.sub("(?i)memory", "memsys", m.group()), text)
    # a bit width or a model size ("LLM weights to 4-bit with <0.5% loss") is part of the next
    # figure's setting, not a result that ends it
    named = {o: _is_identifier(text, o) for _, o in found}
    results = [o for _, o in found if not named[o]]
    stated = [_Stated(v, o, _window(cues, o, results), named[o]) for v, o in found]
    for run in _runs(text, found):
        # words after a list of figures ("11x, 2.5x and 2.8x lower latency") belong to all of it
        members = [i for item in run for i in item]
        aggregates = [_settings_in(stated[i].window).get("aggregate", set()) for i in members]
        if len(members) == 2 and "peak" in aggregates[0] and aggregates[1] == {"average"}:
            continue  # "up to 6.49x, 1.87x on average": two figures, each with its own setting
        if len(members) > 1:
            joint = " ".join(dict.fromkeys(stated[i].window for i in members))
            for i in members:
                stated[i].window = joint
        for item in run:
            if len(item) == 2:
                low, high = stated[item[0]], stated[item[1]]
                low.range_end, low.range_other = "low", high.value
                high.range_end, high.range_other = "high", low.value
        if len(run) < 2:
            continue
        last = found[run[-1][-1]]
        first = found[run[0][0]]
        # "5,555x/85x of GPU/WSE": figures paired by slashes with as many names
        slashed = "/" in text[first[1] : _end(text, last[1])]
        items = _slash_items(text, _end(text, last[1]), len(run)) if slashed else None
        # a list maps onto another list when the abstract says "respectively", or it is long
        if items is None and (len(run) >= 3 or _RESPECTIVELY.search(text)):
            items = _list_items(text, _end(text, last[1]), len(run), first[1])
        if items is None:
            items = _list_before(text, first[1], len(run))
        if items is None:
            continue
        for position, item in enumerate(run):
            for index in item:
                stated[index].item = items[position]
                stated[index].others = tuple(i for n, i in enumerate(items) if n != position)
                if items[position] not in stated[index].window:  # its item is its setting too
                    stated[index].window += f" {items[position]}"
    for figure in stated:
        later = [o for o in offsets if o > figure.offset]
        figure.baseline = _baseline(text, figure.offset, later[0] if later else None)
        figure.settings = _settings_in(_HELD_FIXED.sub(" ", figure.window))
        figure.bits = set(_BITS.findall(figure.window)) - {figure.value}
        figure.sizes = {size.upper() for size in _MODEL_SIZE.findall(figure.window)}
        scope = figure.window
        if sentence_devices:
            start = text.rfind(". ", 0, figure.offset) + 1
            end = text.find(". ", figure.offset)
            scope = text[start : end if end >= 0 else len(text)]
        figure.devices = set(_DEVICE_MODEL.findall(scope))
        figure.counts = _counts_near(text, figure.offset, results)
        figure.unit = _unit(text, figure.offset)
        figure.measure = _measure(text, figure.offset)
        if "aggregate" not in figure.settings and _averaged_later(text, figure.offset, later):
            figure.settings["aggregate"] = {"average"}
        figure.stage_cues = _cue_words(figure.window, ("stage", "level"))
    # "up to 10.7x speedup and 19.9x higher tokens per dollar compared to ARM CPUs": figures
    # joined by "and" share the baseline written after the last
    for figure, following in reversed(list(zip(stated, stated[1:]))):
        between = text[_end(text, figure.offset) : following.offset]
        if not figure.baseline and _SHARED_BASELINE.match(between):
            figure.baseline = following.baseline
    return stated


_SHARED_BASELINE = re.compile(r"[\w\s\-]{0,40}\band\s+(?:up to\s+|about\s+)?$")


_BITS = re.compile(r"\b(\d{1,2})[\s\-]?bits?\b", re.IGNORECASE)
_UNIT = re.compile(r"\s?(?:(%|percent\b)|(x\b|times\b|-?fold\b))", re.IGNORECASE)


_MEASURES = (
    ("energy", r"(?:m|k)?W\b|watts?\b|(?:m|k)?J\b|joules?\b"),
    ("time", r"tokens?/s\b|ms\b|s\b|seconds?\b|fps\b|(?:images|samples|requests|queries)/s\b"),
    ("memory", r"(?:K|M|G|T)i?B\b"),
    ("area", r"mm(?:2|\^2|²)"),
)


def _measure(text: str, offset: int) -> str | None:
    """What the unit written right after a figure measures ("25 tokens/s", "5 W")."""
    after = text[_end(text, offset) : _end(text, offset) + 14]
    for measure, pattern in _MEASURES:
        if re.match(r"\s?~?\s?(?:" + pattern + ")", after):
            return measure
    return None


def _unit(text: str, offset: int) -> str | None:
    match = _UNIT.match(text, _end(text, offset))
    if match is None:
        return None
    return "%" if match.group(1) else "x"


_MODEL_SIZE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?[BMT])\b")
# a device model: capitals then digits ("A100", "U280", "VCK190"), not a number format ("FP16")
_DEVICE_MODEL = re.compile(r"\b(?!(?:INT|FP|BF|UINT|MXFP|MXINT)\d)([A-Z]{1,4}\d{2,4})\b")
_CLAUSE_END = re.compile(r"[;:]|\.\s|,\s+(?:while|whereas|but|and)\s")


def _averaged_later(text: str, offset: int, later: Sequence[int]) -> bool:
    """ "7.04x better cost efficiency than NVIDIA V100 GPUs on average": "on average" closing the
    figure's clause, beyond its window of words, still says the figure is an average."""
    end = min([len(text), *later])
    stop = _CLAUSE_END.search(text, _end(text, offset), end)
    tail = text[_end(text, offset) : stop.start() if stop else end].lower()
    return len(tail.split()) <= 16 and re.search(r"\bon average\b", tail) is not None


# What a figure is measured against: "2.68% higher than prior integer-only work", "a 10.9-fold
# speedup compared to PEER". Words that name no particular baseline do not count.
_COMPARED = re.compile(
    r"\b(?:than|over|compared (?:to|with)|versus|vs\.?|against|relative to|above|below)\s+"
    r"(?![\d.]+)((?:[\w\-.]+\s*){1,6})",
    re.IGNORECASE,
)
_LEADING_BASELINE = re.compile(
    r"\s*(?:against|compared (?:to|with)|relative to|versus)\s+(.*)",
    re.IGNORECASE,
)
_ANY_BASELINE = {"baseline", "baselines", "prior", "previous", "existing", "work", "works",
                 "method", "methods", "approach", "approaches", "state", "art", "state-of-the-art",
                 "sota", "solution", "solutions", "system", "systems", "the", "a", "an", "its",
                 "their", "other", "others", "current", "conventional", "traditional"}  # fmt: skip


def _baseline(text: str, offset: int, next_figure: int | None) -> set[str]:
    """The words naming what the figure at `offset` is compared with, within its clause and
    before the next figure ("over 22x" is a figure, not a baseline)."""
    end = _end(text, offset)
    stop = min(
        (i for c in (". ", ";", ", while", ", whereas", ", and") if (i := text.find(c, end)) > 0),
        default=len(text),
    )
    if next_figure is not None:
        stop = min(stop, next_figure)
    match = _COMPARED.search(text, end, min(stop, end + 80))
    if match is None:
        # "Against specialized GNN accelerators it averages a 1.85x speedup": the baseline may
        # open the clause the figure closes
        clause = max(text.rfind(c, 0, offset) for c in (". ", ";", ", while", ", whereas")) + 1
        head = text[clause:offset]
        match = _LEADING_BASELINE.match(head)
        if match is None:
            return set()
        # "Compared to SOTA frameworks, e.g., CrypTFlow2, Iron and Cheetah, Falcon achieves":
        # every name up to the figure is a baseline it may be measured against
        named = match.group(1)
    else:
        named = re.split(r"[,()]", match.group(1))[0]
    return {
        stem(p)
        for w in words(named)
        for p in w.split("-")
        if p and p not in _ANY_BASELINE and not p.isdigit()
    }


_IDENTIFIER_AFTER = re.compile(r"(?:[A-Za-wyzA-WYZ]|-bit|\s?bits?\b|-[A-Za-wyz]|:\d)")


def _is_identifier(text: str, offset: int) -> bool:
    """A number that names something (a model size, a GPU, a bit width) rather than a result."""
    end = _end(text, offset)
    after = text[end : end + 6]
    if re.match(r"(?:x|X|times|fold|-fold)(?![A-Za-wyz])", after):
        return False  # 2.7x, 1.69times: a ratio
    if _IDENTIFIER_AFTER.match(after):
        return True
    before = text[max(0, offset - 12) : offset]
    if re.search(r"\b[A-Z][a-z]+ $", before) and re.match(r" [A-Z][a-z]", after):
        return True  # a version between two names: "Claude 4 Sonnet"
    return bool(
        re.search(r"(?:RTX|A|H|V|Qwen|GPT|Llama|LLaMA|Pythia)[- ]?\d*\.?$", before)
        or re.search(r"[A-Za-z]\d*\.?\d*-$", before)
    )


def _words(text: str) -> set[str]:
    found = (t.removesuffix("'s") for t in words(text))  # "EfficientNet's" is EfficientNet
    return {stem(t) for t in found if len(t) > 2 and t not in _FUNCTION_WORDS}


def _cue_words(text: str, groups: Sequence[str]) -> set[str]:
    lowered = f" {text.lower()} "
    return {
        cue
        for group in groups
        for cues in _SETTING_GROUPS[group].values()
        for cue in cues
        if len(cue) > 3 and _has_cue(lowered, cue)
    }


# An abstract is checked against every citation of it: what it states is read once (read-only).
@lru_cache(maxsize=512)
def _abstract_figures(text: str) -> list[_Stated]:
    return _stated_figures(text, sentence_devices=True)


@lru_cache(maxsize=512)
def _abstract_negations(text: str) -> Negations:
    return negated_stems(text)


@lru_cache(maxsize=512)
def _abstract_directions(text: str) -> dict[str, set[bool]]:
    return metric_directions(text)


def check_figures(claim: str, abstract: str, exempt: Iterable[str] = ()) -> FigureCheck:
    """Every figure of the claim must occur in the abstract in a compatible setting.

    `exempt` figures belong to another paper cited by the same sentence."""
    claim_text = plain(claim)
    source_text = plain(abstract)
    claimed = _stated_figures(claim_text)
    sources = _abstract_figures(source_text)
    skip = set(exempt)
    missing: list[str] = []
    conflicting: list[str] = []
    claim_words = _words(claim_text)
    claim_offsets = [c.offset for c in claimed]
    for mine in claimed:
        if mine.value in skip:
            continue
        places = [s for s in sources if s.value == mine.value]
        if not places and _approximate(claim_text, mine.offset):
            places = [s for s in sources if _rounds_to(s.value, mine.value)]
        if not places:
            missing.append(mine.value)
            continue
        if not any(
            _fits(mine, place, claim_words, sources, claim_text, claim_offsets) for place in places
        ):
            conflicting.append(mine.value)
    conflicting += [
        b.value
        for a, b in zip(claimed, claimed[1:])
        if b.value not in conflicting
        and not {a.value, b.value} & skip
        and _alternatives_joined(claim_text, a, b, source_text, sources)
    ]
    reason = REASON_FIGURE if missing or conflicting else None
    return FigureCheck(reason, missing, conflicting)


# "36% energy savings through voltage underscaling or 1.7x speedup via overclocking": two results
# the abstract gives as alternatives, which a claim may not join ("while also running 1.7x faster")
_ALTERNATIVES = re.compile(r"^\S*\s+\w+\s+\w+.*\bor\b", re.IGNORECASE)
_JOINED = re.compile(
    r"\b(?:and|while|with|whilst|at the same time|simultaneously|alongside|along with)\b",
    re.IGNORECASE,
)


def _alternatives_joined(
    claim_text: str, a: _Stated, b: _Stated, source_text: str, sources: Sequence[_Stated]
) -> bool:
    """Whether the claim joins figures `a` and `b` that the abstract gives, in one sentence,
    as alternatives (some words, then "or", between them; not a list's ", or")."""
    between = claim_text[a.offset : b.offset]
    if re.search(r"\bor\b", between, re.IGNORECASE) or not _JOINED.search(between):
        return False
    for first in (s for s in sources if s.value == a.value):
        for second in (s for s in sources if s.value == b.value and s.offset > first.offset):
            gap = source_text[first.offset : second.offset]
            if len(gap) <= 120 and ". " not in gap and _ALTERNATIVES.search(gap):
                return True
    return False


_INFERENCE = re.compile(r"\b(?:inference|serving)\b", re.IGNORECASE)
_WEIGHTS_ONLY = re.compile(r"\b(?:weights?[\s\-]only|only (?:the )?weights)\b", re.IGNORECASE)


def _fits(
    mine: _Stated,
    place: _Stated,
    claim_words: set[str],
    sources: list[_Stated],
    claim_text: str = "",
    claim_offsets: Sequence[int] = (),
) -> bool:
    """Whether the claim's figure can be the abstract's figure at `place`."""
    if mine.identifier or place.identifier:
        return True  # names and settings only have to be there
    if mine.measure and place.measure and mine.measure != place.measure:
        return False  # "5 W" is a power, whatever words stand near it
    settings = mine.settings
    if mine.measure and mine.measure == place.measure:
        settings = {g: v for g, v in settings.items() if g != "metric"}  # the unit says it
    if settings and not _compatible(settings, place.settings):
        return False
    if mine.baseline and place.baseline and not mine.baseline & place.baseline:
        return False  # measured against another baseline
    if (
        _INFERENCE.search(mine.window)
        and "training" not in mine.settings.get("stage", set())
        and "training" in place.settings.get("stage", set())
        and not _INFERENCE.search(place.window)
    ):
        return False  # a training speedup reported for inference
    if (
        _WEIGHTS_ONLY.search(mine.window)
        and "activations" in place.settings.get("operand", set())
        and not _WEIGHTS_ONLY.search(place.window)
    ):
        return False  # "only the weights at 2 bits": the abstract quantizes activations too
    if mine.bits and place.bits and not mine.bits & place.bits:
        return False  # "under 0.5% loss at 3 bits" where the abstract gives it for 4-bit
    if mine.unit and place.unit and mine.unit != place.unit:
        return False  # "16% of the budget" is not the abstract's "16x cache reduction"
    if mine.devices and place.devices and not mine.devices & place.devices:
        return False  # "93 tokens/s on the VCK190": the abstract's 93 is the U280's
    if mine.sizes and place.sizes and not mine.sizes & place.sizes:
        return False  # "the 70B model decodes at 36 tokens/s": the abstract's 36.34 is 7B's
    if _other_count(mine.counts, place.counts):
        return False  # "13.2x on a single GPU" where the abstract's 13.2x needs 8 GPUs
    # a list the abstract maps figures onto: the claim must name this item, not another
    if place.item is not None:
        item_words = _words(place.item)
        others_words = set().union(*(_words(o) for o in place.others))
        own, rivals = item_words - others_words, others_words - item_words
        # "5.0x for both ResNet-18 and ViT": the abstract gives it for one of them
        following = re.split(r"[;.](?:\s|$)", claim_text[mine.offset :], maxsplit=1)[0]
        if _SEVERAL.search(following) and _words(following) & rivals:
            return False
        paired = _paired_item(claim_text, mine.offset, claim_offsets, (place.item, *place.others))
        if paired is not None and not mine.item:
            if paired != place.item:
                return False
        else:
            context = _words(mine.item) if mine.item else claim_words
            if context & rivals and not context & own:
                return False
    # the end of a range stated alone, as if it were the typical result
    if (
        place.range_end == "high"
        and mine.range_other is None
        and not any(_has_cue(f" {mine.window.lower()} ", c) for c in _PEAK_CUES)
        and re.search(
            r"\b(consistent|consistently|average|on average|typical|always|"
            r"all|every|each|across)\b",
            mine.window.lower(),
        )
    ):
        return False
    # a stage or level next to the claim's figure that the abstract ties to other figures only
    place_values = place.settings.get("stage", set()) | place.settings.get("level", set())
    for cue in mine.stage_cues - place.stage_cues:
        if _STAGE_VALUE.get(cue) in place_values:
            continue  # another word for the same stage ("time-to-first-token" for prefill)
        if claim_text and not _nearest_figure(claim_text, cue, mine.offset, claim_offsets):
            continue  # the cue belongs to a figure beside it ("2.7x end-to-end ..., 20-30%")
        if any(s.value != place.value and cue in s.stage_cues for s in sources):
            return False
    return True


def _nearest_figure(text: str, cue: str, offset: int, offsets: Sequence[int]) -> bool:
    """Whether some mention of `cue` stands closer to the figure at `offset` than to any other."""
    lowered = text.lower()
    for match in re.finditer(r"(?<![a-z])" + re.escape(cue), lowered):
        start, end = match.span()

        def distance(figure: int, start: int = start, end: int = end) -> int:
            return start - _end(text, figure) if start >= figure else figure - end

        if min(offsets, key=distance) == offset:
            return True
    return False


_APPROXIMATELY = re.compile(
    r"(?:\babout|\broughly|\bapproximately|\baround|\bnearly|\balmost|~)\s*$", re.IGNORECASE
)


def _approximate(text: str, offset: int) -> bool:
    """Whether the figure at `offset` is written as a rounded one ("about 71%")."""
    return _APPROXIMATELY.search(text[max(0, offset - 16) : offset]) is not None


def _rounds_to(exact: str, rounded: str) -> bool:
    """Whether `rounded` is `exact` rounded to as many decimals as it is written with."""
    decimals = len(rounded.partition(".")[2])
    try:
        return round(float(exact), decimals) == float(rounded) and exact != rounded
    except ValueError:
        return False


def _paired_item(
    text: str, offset: int, offsets: Sequence[int], items: Sequence[str]
) -> str | None:
    """The item of an abstract's list that the claim writes next to its figure at `offset`.

    A claim pairs figures and metrics one way throughout: "2.5x lower latency, 3x less energy"
    (the item after each figure) or "latency by 2.5x and energy by 3x" (the item before it); the
    reading that pairs more of its figures is the one it uses."""
    if not text or len(items) < 2:
        return None
    own_words = [
        _words(item) - set().union(*(_words(o) for o in items if o != item)) for item in items
    ]
    mentions: list[tuple[int, int]] = []  # (offset, index of the item) in the claim
    for match in re.finditer(r"[A-Za-z][A-Za-z0-9\-']*", text):
        word = stem(match.group().lower().removesuffix("'s"))
        for index, owned in enumerate(own_words):
            if word in owned:
                mentions.append((match.start(), index))
    if not mentions:
        return None
    bounds = sorted(offsets)

    # "40% and 23% success on synthetic and real data": a run of figures followed by as many
    # items pairs them in order
    run_of: dict[int, tuple[list[int], int]] = {}
    for run in _runs(text, [("", o) for o in bounds]):
        members = [bounds[item[0]] for item in run]
        for place_in_run, member in enumerate(members):
            run_of[member] = (members, place_in_run)

    def pair(figure: int, after: bool) -> int | None:
        position = bounds.index(figure)
        members, place_in_run = run_of.get(figure, ([figure], 0))
        if after and len(members) > 1:
            last = bounds.index(members[-1])
            stop = bounds[last + 1] if last + 1 < len(bounds) else len(text)
            found = list(dict.fromkeys(i for o, i in mentions if members[-1] < o < stop))
            if len(found) == len(members):
                return found[place_in_run]
        if after:
            stop = bounds[position + 1] if position + 1 < len(bounds) else len(text)
            found = [i for o, i in mentions if figure < o < stop]
            return found[0] if found else None
        start = bounds[position - 1] if position else 0
        found = [i for o, i in mentions if start < o < figure]
        return found[-1] if found else None

    readings = []
    for after in (True, False):
        pairs = {figure: pair(figure, after) for figure in bounds}
        readings.append((sum(v is not None for v in pairs.values()), after, pairs))
    best = max(readings, key=lambda r: (r[0], r[1]))
    index = best[2].get(offset)
    return items[index] if index is not None else None


def _compatible(wanted: dict[str, set[str]], given: dict[str, set[str]]) -> bool:
    for group, values in wanted.items():
        if group == "aggregate" and "average" in values and "peak" in given.get(group, set()):
            return False  # a peak ("up to") reported as an average
        if (
            group == "aggregate"
            and "minimum" in values
            and "minimum" not in given.get(group, set())
        ):
            return False  # an average or a peak reported as a floor ("at least")
        if group == "aggregate":
            continue  # an average restated as "up to" is cautious, not wrong
        there = given.get(group)
        if there and not values & there:
            return False
    return True


# -- polarity -----------------------------------------------------------------------------------

_NEGATIONS = {"not", "no", "never", "without", "cannot", "can't", "don't", "doesn't", "isn't",
              "aren't", "won't", "neither", "nor", "lacks", "lack", "lacking", "lacked", "fails",
              "fail", "unable",
              "none", "free", "avoid", "avoids", "avoiding", "avoided", "instead",
              "rather", "forgo", "forgoes", "forgoing", "abandon", "abandons",
              "abandoning"}  # fmt: skip
_OBVIATING = ("eliminate", "eliminates", "eliminating", "eliminated", "obviate", "obviates",
              "obviating", "remove", "removes", "removing")  # fmt: skip

# Pairs of opposite properties of a method: a claim that gives the paper's own system one side
# where the paper's own sentences give the other (and never the claim's side) contradicts it,
# wherever in the abstract that is said ("needs no training" against "trainable adapters, which
# are trained via distillation" three sentences away from the span).
_PROPERTIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("training-free", "without training", "without retraining", "no retraining",
      "without fine-tuning", "no training", "post-training", "zero-shot", "plug-and-play",
      "no additional training"),
     (r"re:\b(?:requir|need)\w*\s+(?:(?!no\b|not\b|any\b)\w+\s+){0,2}(?:re-?)?(?:training|fine-?tuning)",
      "retraining is required", "must be retrained", "with retraining", "trainable",
      "trained via", "trained through", "from scratch")),
    (("open-source", "open source", "publicly available", "open-sourced", "released"),
     ("closed-source", "closed source", "proprietary", "not publicly available", "unreleased")),
    (("deterministic", "reproducible"), ("non-deterministic", "nondeterministic")),
    (("static",), ("dynamic", "adaptive", "runtime", "run time", "run-time")),
    (("offline",), ("online",)),
    (("from scratch",), ("inherit",)),
)  # fmt: skip

# Pairs of opposite properties: a claim that asserts one side where the supporting span asserts
# the other (and never the claim's side) contradicts it.
_OPPOSITES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = _PROPERTIES + (
    (("lossless", "without accuracy loss", "no accuracy loss", "negligible accuracy loss",
      "without loss", "without compromising", "without sacrificing", "maintaining accuracy",
      "same level of", "same accuracy", "matches the accuracy",
      r"re:(?<![a-z])(?:similar|comparable|iso-?|same|equal)\s*(?:level of\s+)?accuracy"),
     ("lossy", "significant accuracy loss", "accuracy drop", "accuracy degradation",
      "degrades accuracy", "sacrific", "at the cost of accuracy", "weaker", "lower level of",
      "reduced privacy", "weaker guarantee", "compromis",
      r"re:at the (?:cost|expense|price) of (?:\w+\s+){0,4}accuracy")),
    (("robust", "secure"), ("not as robust", "insecure", "not robust", "vulnerable")),
    (("outperform", "better", "higher accuracy", "more accurate", "surpass", "rival",
      "comparable", "on par", "competitive with", "improvement over", "improvements over",
      "improvement compared", "improvements compared"),
     ("underperform", "worse", "lower accuracy", "less accurate", "falls short", "fall short",
      "fell short", "trail", "lags behind", "lag behind")),
    (("increase", "increases", "increased", "grows", "growing", "keeps improving",
      "keep improving", "continues to improve", "continue to improve", "scales up",
      r"re:\bkeeps? (?:paying off|growing|rising|increasing|improving)",
      r"re:\bcontinu\w* to (?:pay off|grow|rise|increase|improve)"),
     ("decrease", "decreases", "reduces", "reduced", "saturat", "plateau", "levels off",
      "diminish", "shrinks", "fade", "declin")),
    (("sparse",), ("dense",)),
    (("integer", r"re:(?<![a-z\-])int(?![a-z])"), ("floating-point", "floating point")),
    (("cpu",), ("gpu",)),
    (("front-end", "frontend"), ("back-end", "backend")),
    (("homogeneous", "identical across", "uniform across", "shared across"),
     ("differ", "heterogeneous", "vary across", "varies across")),
    (("widen", "grows wider"), ("narrow",)),  # a gap that widens or narrows with scale
)  # fmt: skip

_NEGATION_WINDOW = 2  # a negation flips the next content words of its clause


class Negations(NamedTuple):
    asserted: set[str]  # content stems the text asserts
    negated: set[str]  # ... and negates
    phrases: list[set[str]]  # the stems of each negated phrase ("without floating point ops")
    heads: set[str]  # the first content stem of each ("fails to discover architectures")
    diminished: set[str]  # what it reduces, removes or mitigates ("reduce loading overhead")


def negated_stems(text: str) -> Negations:
    """The content stems a text asserts and those it negates, phrase by phrase."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-']*|\d+(?:\.\d+)?|[,;:]", plain(text).lower())
    asserted: set[str] = set()
    negated: set[str] = set()
    phrases: list[set[str]] = []
    heads: set[str] = set()
    governs_all = False
    scope = 0
    listing = False  # inside "no A, B or C": the negation runs through the list
    released = False  # a "frees ... from" seen in this clause
    for i, word in enumerate(words):
        if word in ("instead", "rather") and words[i + 1 : i + 2] not in (["of"], ["than"]):
            continue  # "X instead removes ..." is no negation; "instead of X" is
        if word == "free" and words[i + 1 : i + 2] not in (["of"], ["from"]):
            continue  # "free" architecture statistics cost nothing; "free of errors" negates
        if word in _OBVIATING and words[i + 1 : i + 3] == ["the", "need"]:
            # "eliminates the need to create partial product matrices": none are created
            scope, listing, governs_all = _NEGATION_WINDOW + 2, True, True
            phrases.append(set())
            continue
        if word in ("give", "gives", "giving", "gave") and words[i + 1 : i + 2] == ["up"]:
            word = "forgo"  # "giving up standard GEMM kernels"
        if word in _NEGATIONS or word.endswith("n't"):
            scope = _NEGATION_WINDOW
            listing = True
            governs_all = False
            phrases.append(set())
            continue
        releasing = any(w.startswith(_RELEASING) for w in words[max(0, i - 4) : i])
        if word == "from" and words[i - 1 : i] in (["and"], ["or"]) and released:
            releasing = True  # "frees training from pre-processing and from rearrangement"
        if word == "from" and releasing:
            released = True
            # "liberates group quantization from inefficient memory rearrangement": the whole
            # phrase after "from" is what it no longer has
            scope, listing, governs_all = _NEGATION_WINDOW + 1, True, True
            phrases.append(set())
            continue
        if word.endswith("-free") and len(word) > 6:  # "training-free": training is negated
            negated.add(stem(word[:-5]))
            phrases.append({stem(word[:-5])})
            heads.add(stem(word[:-5]))
            continue
        if listing and (word in ("or", "nor") or (word == "," and _list_goes_on(words, i))):
            scope = _NEGATION_WINDOW
            continue
        if word in (",", ";", ":", "and") or word in _CLAUSE_BREAKS:
            scope = 0
            listing = False
            released = released and word == "and"
            continue
        if scope and word in ("require", "requires", "need", "needs"):
            governs_all = True  # "does not require X to be refined": X and refined alike
        if len(word) <= 3 or word in _FUNCTION_WORDS:
            continue
        # "floating-point" and "floating point" are the same words; a compound is one word of
        # the negation's reach
        pieces = [p for p in word.split("-") if len(p) > 3 and p not in _FUNCTION_WORDS]
        found = {stem(p) for p in pieces or [word]}
        if not scope and len(pieces) > 1 and pieces[-1] in _RELATIONAL:
            # "hardware-friendly methods" asserts friendliness, not hardware
            found = {stem(pieces[-1])}
        if scope:
            negated.update(found)
            if not phrases[-1] or governs_all:
                # a compound's last piece is what it names: "no sparsity-optimized hardware"
                # denies optimized hardware, not sparsity
                heads.update({stem(pieces[-1])} if len(pieces) > 1 else found)
            phrases[-1].update(found)
        else:
            asserted.update(found)
        scope = max(0, scope - 1)
    diminished = {
        stem(piece)
        for match in _DIMINISHED.finditer(plain(text).lower())
        for word in match.group(1).split()
        for piece in word.split("-")
        if len(piece) > 3 and piece not in _FUNCTION_WORDS
    }
    return Negations(asserted, negated, phrases, heads, diminished)


def _agreeing(phrases: Sequence[set[str]], negated: set[str]) -> set[str]:
    """The words of the negated phrases that the other text negates too: "without floating
    point operations" against "without any floating point operations" agree, whatever the reach
    of each negation."""
    return set().union(*(p for p in phrases if p & negated))


# the last piece of a compound that relates to its first rather than asserting it
_RELATIONAL = {"friendly", "aware", "agnostic", "oriented", "centric", "specific", "compatible",
               "like", "style", "inspired"}  # fmt: skip

_CLAUSE_BREAKS = {"which", "but", "while", "whereas", "although", "though", "however"}
_RELEASING = ("liberat", "frees", "freed", "freeing", "reliev", "spare", "exempt")

# "reduce expert loading overhead" says of loading overhead what "avoid loading overhead" says
_DIMINISHED = re.compile(
    r"\b(?:reduc\w*|cut\w*|lower\w*|minimi[sz]\w*|mitigat\w*|alleviat\w*|eliminat\w*|"
    r"remov\w*|avoid\w*|without|no)\s+((?:[a-z][a-z0-9\-]*\s+){0,3}[a-z][a-z0-9\-]*)"
)


def _list_goes_on(words: Sequence[str], comma: int) -> bool:
    """Whether the comma at `comma` separates items of a list that ends with "or"/"nor"."""
    for word in words[comma + 1 : comma + 6]:
        if word in ("or", "nor"):
            return True
        if word in (",", ";", ":") or word in _CLAUSE_BREAKS:
            return False
    return False


# words that say nothing about what a claim asserts: "requires" and "needs" carry no topic (the
# polarity check reads them separately)
_FUNCTION_WORDS = STOP_WORDS | {"require", "requires", "need", "needs"}


_NEGATED_CUE = re.compile(
    r"\b(?:(?:without|no|not|never|nor)\s+(?:\w+\s+)?"
    r"|(?:avoid\w*|instead of|rather than)\s+(?:\w+\s+){0,2})$"
)


def _cue_pattern(cue: str) -> str:
    """A cue as a pattern: "re:..." is one already; a phrase matches where a word starts."""
    return cue[3:] if cue.startswith("re:") else r"(?<![a-z\-])" + re.escape(cue)


def _side(text: str, cues: tuple[str, ...]) -> bool:
    """Whether the text asserts one of the cues: "without accuracy degradation" asserts no loss."""
    lowered = f" {text.lower()} "
    for cue in cues:
        for match in re.finditer(_cue_pattern(cue), lowered):
            negated = _NEGATED_CUE.search(lowered, 0, match.start())
            if not negated or any(n in cue for n in ("without", "no ", "not ")):
                return True
    return False


# Metrics where less is better, and where more is better: "higher latency" contradicts "improves
# latency", "grows with the block size" contradicts "reduces ... in proportion to the block size".
_LOWER_IS_BETTER = ("latency", "memory", "cost", "energy", "overhead", "communication",
                    "footprint", "power", "area", "traffic", "error", "runtime", "delay",
                    "storage", "perplexity", "loss", "parameters", "flops",
                    "operations")  # fmt: skip
_HIGHER_IS_BETTER = ("throughput", "accuracy", "speedup", "efficiency", "performance",
                     "quality", "utilization", "robustness")  # fmt: skip
_UP = ("higher", "increase", "increases", "increased", "increasing", "more", "larger", "grow",
       "grows", "growing", "rise", "rises", "raises", "extra", "additional", "greater")  # fmt: skip
_LOSS_WORDS = ("loss", "losses", "degradation", "drop", "drops")
_DOWN = ("lower", "reduce", "reduces", "reduced", "reducing", "reduction", "reductions",
         "mitigate", "mitigates", "mitigating", "mitigated", "alleviate", "alleviates",
         "decrease", "decreases", "decreased", "less", "fewer", "smaller", "cut", "cuts",
         "save", "saves", "saving", "savings", "drop", "drops", "shrink", "shrinks")  # fmt: skip
_GOOD = ("improve", "improves", "improved", "improvement", "improving", "better", "boost",
         "boosts", "enhance", "enhances")  # fmt: skip
_BAD = ("degrade", "degrades", "degradation", "worse", "hurts", "penalty", "sacrifice",
        "sacrifices", "compromise", "compromises")  # fmt: skip


def metric_directions(text: str) -> dict[str, set[bool]]:
    """metric -> whether the text says it gets better (True) or worse (False)."""
    words = re.findall(r"[a-z][a-z0-9\-']*|[,;:.]", plain(text).lower())
    found: dict[str, set[bool]] = {}
    for i, word in enumerate(words):
        metric = next(
            (m for m in (*_LOWER_IS_BETTER, *_HIGHER_IS_BETTER) if word.startswith(m)), None
        )
        if metric is None:
            continue
        lower_better = metric in _LOWER_IS_BETTER
        if i + 1 < len(words) and words[i + 1] in _LOSS_WORDS:
            if metric not in _HIGHER_IS_BETTER:
                continue
            metric, lower_better = f"{metric} loss", True  # "additional accuracy loss": worse
        verdicts: set[bool] = set()
        near = words[max(0, i - 3) : i] + words[i + 1 : i + 3]
        if any(p in near for p in (",", ";", ":", ".")):  # stay inside the phrase
            left = words[max(0, i - 3) : i]
            cut = max((n for n, w in enumerate(left) if w in ",;:."), default=-1)
            right = words[i + 1 : i + 3]
            stop = next((n for n, w in enumerate(right) if w in ",;:."), len(right))
            near = left[cut + 1 :] + right[:stop]
        if any(w in _NEGATIONS for w in near):
            continue  # "no higher latency": leave negations to the negation check
        if metric.endswith(" loss"):
            near = [w for w in near if w not in _LOSS_WORDS]  # the noun, not its direction
        for w in near:
            if w in _GOOD:
                verdicts.add(True)
            elif w in _BAD:
                verdicts.add(False)
            elif w in _UP:
                verdicts.add(not lower_better)
            elif w in _DOWN:
                verdicts.add(lower_better)
        if len(verdicts) == 1:
            found.setdefault(metric, set()).update(verdicts)
    return found


@lru_cache(maxsize=1024)  # the polarity and quantifier checks both ask for it
def _closest_sentence(claim: str, abstract: str) -> tuple[str, float]:
    """The abstract sentence sharing most content words with the claim, and that share."""
    wanted = _words(claim)
    if not wanted:
        return "", 0.0
    best, share = "", 0.0
    for sentence in split_sentences(abstract):
        overlap = len(wanted & _words(sentence)) / len(wanted)
        if overlap > share:
            best, share = sentence, overlap
    return best, share


_CLOSE_ENOUGH = 0.35  # a sentence sharing this much of the claim's words is what it restates


# An abstract sentence about the work it improves on ("Unfortunately, due to their predefined
# static strategies, they cannot ...") does not describe the paper's own method.
_PRIOR_WORK = re.compile(
    r"\b(?:existing|previous|prior|conventional|traditional|earlier|unfortunately|they|their|"
    r"recent (?:research|works?|efforts|studies|approaches|methods))\b",
    re.IGNORECASE,
)
_OWN_WORK = re.compile(r"\b(?:we|our|us|this (?:paper|work)|proposed?)\b", re.IGNORECASE)


def about_prior_work(sentence: str, names: Sequence[str] = ()) -> bool:
    """Whether an abstract sentence speaks of the work the paper improves on (naming neither us
    nor the paper's system)."""
    return bool(
        _PRIOR_WORK.search(sentence)
        and not _OWN_WORK.search(sentence)
        and not any(mentions(sentence, name) for name in names if name)
    )


def own_sentences(abstract: str, names: Sequence[str] = ()) -> str:
    """The abstract without its sentences about prior work."""
    return " ".join(s for s in split_sentences(abstract) if not about_prior_work(s, names))


_COSTS = r"(?:overhead|cost|latency|loss|penalty|traffic|error|slowdown)s?"
_INCURS = re.compile(
    r"\b(?:accept|incur|introduc|add|pay|suffer|tolerat|requir)\w*\s+(?!no\b|not\b|without\b)"
    r"(?:(?:some|extra|additional|a|an|the|small|modest|little)\s+)*((?:[a-z][\w\-]*\s+){0,2}"
    + _COSTS
    + r")"
)
_REMOVES = re.compile(
    r"\b(?:eliminat\w*|avoid\w*|remov\w*|without|no|zero|free of)\s+(?:any\s+|the\s+|extra\s+)*"
    r"((?:[a-z][\w\-]*\s+){0,2}" + _COSTS + r")"
)


def _incurs_what_it_removes(claim: str, abstract: str) -> bool:
    """ "accepts some dequantization overhead" where the abstract says "eliminating dequantization
    overhead": the claim keeps a cost the paper removes."""
    incurred = [set(words(m.group(1))) for m in _INCURS.finditer(claim.lower())]
    if not incurred:
        return False
    removed = [set(words(m.group(1))) for m in _REMOVES.finditer(abstract.lower())]
    return any(len(cost) >= 2 and cost <= gone for cost in incurred for gone in removed)


_CLAIM_CLAUSES = re.compile(
    r";\s+|,\s+(?:and|while|whereas|but|although|though|which|so|yet)\s+"
    r"|\s+and\s+(?=(?:it|they|its|their)\b)"
)
_CLAUSE_RESTATES = 0.5


_READER_CLAUSE = re.compile(r"[^,;:]*\byou\b[^,;:]*[,;:]?", re.IGNORECASE)
_PROBLEM_VERB = re.compile(
    r"\b(?:tackl|address|overcom|solv|fix|remed|combat|counter|attack)\w*\b"
    r"(?:\W+\w+){0,5}\W+$"
)


_FAILING = re.compile(
    r"(?:\s+[\w\-]+){0,3}\s+(?:cannot|can't|fails?|falls? short|struggles?|(?:do|does) not)\b"
)


def _about_the_work(claim: str) -> str:
    """The claim without its clauses about the reader: "if you have never profiled the phone"
    says nothing of the paper."""
    kept = _READER_CLAUSE.sub(" ", claim).strip()
    return kept if len(kept.split()) >= 4 else claim


def _tackled(claim: str, cues: Sequence[str]) -> bool:
    """Whether each cue the claim says is the problem a method tackles ("tackles fuzzers'
    reliance on static strategies", "requests that static compression cannot serve" do not call
    the method static)."""
    lowered = claim.lower()
    found = False
    for cue in cues:
        if cue.startswith("re:"):
            continue
        for match in re.finditer(_cue_pattern(cue), lowered):
            if not (
                _PROBLEM_VERB.search(lowered, 0, match.start())
                or _FAILING.match(lowered, match.end())
            ):
                return False
            found = True
    return found


def check_polarity(claim: str, span: str, abstract: str, names: Sequence[str] = ()) -> str | None:
    """A claim that negates what the span asserts, or asserts the opposite property.

    `names`: the paper's system names; a claim that names it speaks of the paper's own method,
    which its own sentences describe, wherever they stand."""
    claim_text, source_text = _about_the_work(plain(claim)), plain(abstract)
    closest, share = _closest_sentence(claim_text, source_text)
    spans = [plain(span)] + ([closest] if share >= _CLOSE_ENOUGH else [])
    own = ""
    if any(mentions(claim_text, name) for name in names if name):
        own = own_sentences(source_text, names)
    # a long claim restates several sentences: each clause is read against the one it restates
    # for opposite words ("... and shows that the benefit keeps growing" against "the benefit
    # quickly saturates"), which name their subject, unlike bare negations
    restated = [*spans]
    for clause in _CLAIM_CLAUSES.split(claim_text):
        sentence, clause_share = _closest_sentence(clause, source_text)
        if clause_share >= _CLAUSE_RESTATES and len(_words(clause)) >= 4:
            restated.append(sentence)
    for first, second in _OPPOSITES:
        property_pair = own and (first, second) in _PROPERTIES
        said = [*restated, own] if property_pair else restated
        for mine, theirs in ((first, second), (second, first)):
            if (
                _side(claim_text, mine)
                and not (property_pair and _tackled(claim_text, mine))
                and any(_side(s, theirs) for s in said)
                and not _side(own if property_pair else source_text, mine)
            ):
                return REASON_POLARITY
    claim = negated_stems(claim_text)
    source_negated = _abstract_negations(source_text).negated
    for span_text in dict.fromkeys(restated):
        span = negated_stems(span_text)
        # a word the claim negates that the span only asserts, or the other way round
        claim_negated = claim.negated - _agreeing(claim.phrases, span.negated)
        span_negated = span.negated - _agreeing(span.phrases, claim.negated)
        # only the word a negation governs counts: "fails to discover architectures" denies
        # discovering, not architectures
        flipped = (claim_negated & claim.heads & span.asserted) - span.negated - claim.asserted
        flipped -= source_negated | span.diminished
        flipped |= (
            (claim.asserted & span_negated & span.heads)
            - span.asserted
            - claim.negated
            - claim.diminished
        )
        if flipped:
            return REASON_POLARITY
    if _incurs_what_it_removes(claim_text, source_text):
        return REASON_POLARITY
    claim_directions = metric_directions(claim_text)
    source_directions = _abstract_directions(source_text)
    for metric, said in claim_directions.items():
        there = source_directions.get(metric, set())
        if there and not said & there:
            return REASON_POLARITY
    return None


# -- quantifiers --------------------------------------------------------------------------------

# Absolute words a claim may only use where the abstract does; "all", "every" and "each" only
# count where the sentence the claim restates hedges ("various", "often", "up to").
_ABSOLUTE = ("always", "never", "guarantee", "guarantees", "guaranteed", "eliminate",
             "eliminates", "eliminating", "eliminated", "entirely", "completely", "perfectly",
             "universally", "regardless", "invariably", "consistently", "any",
             "whatever", "none", "altogether")  # fmt: skip
_UNIVERSAL = ("all", "every", "each")
_HEDGES = ("often", "some", "can", "may", "might", "up to", "most", "many", "several",
           "typically", "usually", "largely", "partially", "partly", "nearly", "almost",
           "certain", "various", "a few", "selected", "some of", "in part", "varies", "vary",
           "depends", "depend", "ratio", "rate", "across", "on average", "at the same",
           "majority", "a portion", "part of", "fraction")  # fmt: skip
# "170 selected models for 10B tokens each": "each" after a count distributes, it quantifies
# nothing the claim could inflate
_DISTRIBUTIVE_EACH = re.compile(r"(\d[\w.]*\s+[a-z\-]+\s+)each\b")


def check_quantifier(claim: str, abstract: str) -> str | None:
    """An absolute or universal word in the claim that the abstract does not back."""
    claim = _about_the_work(claim)
    claim_words = f" {' '.join(words(plain(claim)))} "
    source_words = f" {' '.join(words(plain(abstract)))} "
    for word in _ABSOLUTE:
        # "eliminates" restates "to eliminate": the same word in another form
        root = stem(word).rstrip("e") if len(word) > 6 else word
        if f" {word} " in claim_words and f" {root}" not in source_words:
            if word == "altogether" and re.search(
                r"\w-free\b|\b(?:eliminat|entirely|completely|without|avoid)", source_words
            ):
                continue  # "avoids recomputation altogether" restates "recomputation-free"
            if word == "any" and re.search(
                r" (?:not|without|nor|no|than) (?:(?!and |but |while )\w+ ){0,5}any ", claim_words
            ):
                continue  # "without any retraining", "without loss or any latency cost"
            if word in ("any", "none") and re.search(
                rf" {word} of (?:these|those|them|which) ", claim_words
            ):
                continue  # points back into the answer, not at something the abstract says
            return REASON_QUANTIFIER
    if _eliminates_more(plain(claim), plain(abstract)):
        return REASON_QUANTIFIER
    # "all 70 layers" or "every photomask layer" where the abstract says "60 out of 70 layers"
    for match in re.finditer(r"\b(?:all|every one of)\s+(?:the\s+)?(\d+)\b", plain(claim)):
        count = match.group(1)
        part = rf"\b\d+(?:\.\d+)?\s+(?:out\s+)?of\s+(?:the\s+)?{count}\b"
        if re.search(part, plain(abstract)) and not re.search(rf"\ball\s+{count}\b", abstract):
            return REASON_QUANTIFIER
    if _all_but_some(plain(claim), plain(abstract)):
        return REASON_QUANTIFIER
    out_of = r"\b\d+\s+out\s+of\s+(?:the\s+)?\d+\s+((?:[\w\-]+\s+){0,2})"
    for part in re.finditer(out_of, plain(abstract)):
        counted = {stem(w) for w in words(part.group(1)) if w not in STOP_WORDS}
        for universal in re.finditer(
            r"\b(?:all|every|each)\s+((?:[\w\-]+[\s,]+){1,3})", plain(claim), re.IGNORECASE
        ):
            if counted & {stem(w) for w in words(universal.group(1))}:
                return REASON_QUANTIFIER
    # a universal word speaks for its own phrase: the abstract sentence that phrase restates must
    # not hedge it ("improve every model" where the abstract says results "vary with the model")
    for phrase in _PHRASE.split(plain(claim)):
        phrase_words = words(_DISTRIBUTIVE_EACH.sub(r"\1", phrase))
        at = next(
            (
                i
                for i, w in enumerate(phrase_words)
                if w in _UNIVERSAL and (w != "each" or phrase_words[i + 1 : i + 2] == ["of"])
            ),
            None,
        )  # "each of its seven benchmarks" is universal; "experts each token activates" is not
        if at is None:
            continue
        scope = " ".join(phrase_words[max(0, at - _SCOPE_BEFORE) : at + _SCOPE_AFTER + 1])
        closest, share = _closest_sentence(scope, plain(abstract))
        if share < _CLOSE_ENOUGH:
            continue
        closest = _DISTRIBUTIVE_EACH.sub(r"\1", closest)
        closest_words = f" {' '.join(words(closest))} "
        own_words = f" {' '.join(phrase_words)} "
        if not any(f" {w} " in closest_words for w in (*_UNIVERSAL, "any")) and any(
            _dropped(hedge, closest_words, own_words) for hedge in _HEDGES
        ):
            return REASON_QUANTIFIER
    return None


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}  # fmt: skip
_COUNT = r"(\d+|" + "|".join(_NUMBER_WORDS) + r")"


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _all_but_some(claim: str, abstract: str) -> bool:
    """ "All three tasks" where the abstract evaluates three and leads on "two of them"."""
    for match in re.finditer(rf"\b(?:all|each of the|every one of the)\s+{_COUNT}\b", claim, re.I):
        total = _count(match.group(1).lower())
        for part in re.finditer(
            rf"\b{_COUNT}\s+(?:out\s+)?of\s+(?:them|these|those|the\s+{_COUNT})\b", abstract, re.I
        ):
            some = _count(part.group(1).lower())
            of = _count(part.group(2).lower()) if part.group(2) else total
            if of == total and some < total:
                return True
    return False


_ELIMINATES = re.compile(
    r"\beliminat\w*\s+((?:(?:both|all|the|of|and|[a-z][\w\-]*)\s*){1,6})", re.IGNORECASE
)
_REDUCES = re.compile(r"\b(?:reduc|lower|cut|decreas|minimi)\w*\s+((?:[a-z][\w\-]*\s*){1,3})")


def _eliminates_more(claim: str, abstract: str) -> bool:
    """ "eliminate both the multiplications and the additions" where the abstract eliminates the
    multiplications and only reduces the additions."""

    def objects(pattern: re.Pattern[str], text: str, ends: str) -> set[str]:
        return {
            stem(w)
            for match in pattern.finditer(text.lower())
            for w in words(re.split(ends, match.group(1))[0])
            if w not in STOP_WORDS and w not in ("both", "all")
        }

    removed = objects(_ELIMINATES, claim, r"[,;.]")  # "both A and B" is one object list
    if not removed:
        return False
    # in the abstract "eliminating A and reducing B": the object ends at "and"
    only_reduced = objects(_REDUCES, abstract, r"[,;.]|\band\b")
    return bool(removed & only_reduced - objects(_ELIMINATES, abstract, r"[,;.]|\band\b"))


def _dropped(hedge: str, source_words: str, claim_words: str) -> bool:
    """Whether the source hedges where the claim does not: a hedge the claim writes itself with
    the same word after it ("how many classes" for "important for many classes") is kept."""
    for match in re.finditer(rf" {re.escape(hedge)} (\S+)", source_words):
        if f" {hedge} {match.group(1)} " not in claim_words:
            return True
    return False


# What a universal quantifies: its noun phrase and predicate, not the rest of the sentence
# (tuning half: reading the whole sentence rejected 2 correct citations for a hedge about another
# noun, "every device" against "a few samples").
_PHRASE = re.compile(r"[,;:]\s+|\s+(?:while|whereas)\s+")
_SCOPE_BEFORE, _SCOPE_AFTER = 4, 8


# -- entities -----------------------------------------------------------------------------------

_NAME = re.compile(r"\b([A-Za-z][A-Za-z0-9]*(?:[-+][A-Za-z0-9]+)*)\b")
_GENERIC = {"LLM", "LLMs", "GPU", "GPUs", "CPU", "CPUs", "NPU", "FPGA", "FPGAs", "ASIC", "ASICs",
            "KV", "MoE", "MoEs", "HE", "MPC", "2PC", "DNN", "DNNs", "CNN", "CNNs", "GNN", "GNNs",
            "ML", "AI", "NAS", "RTL", "EDA", "IR", "SRAM", "DRAM", "HBM", "LUT", "LUTs", "GEMV",
            "GEMM", "MAC", "MACs", "FLOPs", "SOTA", "ViT", "ViTs", "API", "APIs", "SoC", "IP",
            "TOPS", "INT", "FP", "MX", "II", "III", "IV", "PPA", "HDL", "VLSI", "OS", "QoS",
            "I/O", "NLP", "RL", "PTQ", "QAT", "SLO", "SLOs", "TTFT", "TPOT", "DiT", "DiTs",
            "vDiT", "vDiTs", "LLaMA", "Llama", "GPT", "BERT", "Transformer", "Transformers",
            "NVLink", "PCIe", "CUDA", "RISC-V", "Verilog", "VHDL", "MLP", "MLPs", "FFN", "SNN",
            "LoRA", "x86", "ARM", "Arm", "MCU", "MCUs", "ReLU", "GeLU", "GELU", "Softmax", "HW",
            "SW", "NN", "NNs", "OOD", "SRAMs", "QKV", "RoPE", "FP16", "FP8", "FP4", "INT8", "INT4",
            "BF16", "TFLOPS", "GB", "MB", "KB", "TB", "GHz", "MHz", "ms", "us", "PPL", "ROI",
            "IoT", "HPC", "SpMM", "SpMV", "SIMD", "SIMT", "TPU", "TPUs"}  # fmt: skip


def name_like(word: str) -> bool:
    """A system, model or dataset name: inner capitals or letters with digits (HEQuant, T-MAC,
    A100, CrypTFlow2), not a sentence-initial capital or a generic acronym."""
    if word in _GENERIC or word.rstrip("s") in _GENERIC or len(word) < 2:
        return False
    parts = [p for p in re.split(r"[-+]", word) if p]
    if len(parts) > 1 and all(
        p in _GENERIC or p.rstrip("s") in _GENERIC or p.islower() or p.isdigit() for p in parts
    ):
        return False  # "INT-versus-FP", "LLM-based"
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return False
    inner_caps = sum(c.isupper() for c in word[1:])
    has_digit = any(c.isdigit() for c in word)
    return inner_caps >= 1 or (has_digit and word[0].isupper())


def names_in(text: str) -> set[str]:
    return {m.group(1) for m in _NAME.finditer(plain(text)) if name_like(m.group(1))}


def system_name(title: str) -> str | None:
    """The name a title gives its system: "Nimbus: Secure ..." -> Nimbus."""
    head = re.split(r":\s", plain(title), maxsplit=1)  # not the "N:M" of "Efficient N:M Sparse ..."
    if len(head) == 2 and 0 < len(head[0].split()) <= 2:
        return head[0].strip()
    return None


_INTRODUCED = re.compile(
    r"\b(?:propose|proposes|present|presents|introduce|introduces|dubbed|named|called|develop|"
    r"design)\s+(?:\w+\s+){0,2}?([A-Z][A-Za-z0-9]*(?:[-+][A-Za-z0-9]+)*)"
)


def introduced_names(abstract: str, repeated: bool = True) -> list[str]:
    """Names an abstract gives its own work: "we propose Nimbus", "dubbed MPCViT", or (with
    `repeated`) a name it repeats."""
    text = plain(abstract)
    names = [m.group(1) for m in _INTRODUCED.finditer(text) if name_like(m.group(1))]
    if not repeated:
        return names
    counts: dict[str, int] = {}
    for match in _NAME.finditer(text):
        word = match.group(1)
        if name_like(word):
            counts[word] = counts.get(word, 0) + 1
    names += [n for n, c in counts.items() if c >= 2 and n not in names]
    return names


_DESCRIBED = re.compile(
    r"-(?:based|enabled|style|like|aware|driven|powered|centric|friendly|specific|level|only)$",
    re.IGNORECASE,
)


def _fold(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def check_entity(
    claim: str,
    title: str,
    abstract: str,
    own_names: Iterable[str],
    other_names: dict[str, str],
) -> str | None:
    """A name in the claim that belongs to another paper, or that the cited paper never mentions.

    `own_names`: names this claim may use for other papers cited in the same sentence;
    `other_names`: system name -> key, for the other papers the model was shown."""
    source = _fold(f"{title} {plain(abstract)}")
    allowed = {_fold(n) for n in own_names}
    for name in names_in(claim):
        folded = _fold(name)
        if not folded or folded in allowed or folded in source:
            continue
        if name.endswith("s") and _fold(name[:-1]) in source:
            continue  # "H100s" where the abstract says "H100 GPUs"
        base = _DESCRIBED.sub("", name)
        if base != name and _fold(base) in source:
            continue  # "NVLS-based" where the abstract says "NVLS-enabled"
        return REASON_ENTITY
    for name in other_names:
        folded = _fold(name)
        if (
            len(folded) >= 3
            and folded not in allowed
            and folded not in source
            and mentions(plain(claim), name)
        ):
            return REASON_ENTITY
    return None


@lru_cache(maxsize=4096)
def _content_stems(text: str) -> tuple[str | None, ...]:
    """The text's words in order: a content word's stem, None for a short or function word."""
    return tuple(
        stem(word) if len(word) > 2 and word not in _FUNCTION_WORDS else None
        for word in re.findall(r"[A-Za-z][A-Za-z0-9]*", plain(text).lower())
    )


@lru_cache(maxsize=4096)
def _word_pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent content stems ("greedy pack"): how an abstract words its technique."""
    stems = _content_stems(text)
    return frozenset((a, b) for a, b in zip(stems, stems[1:]) if a and b and a != b)


_BORROWED_PAIRS = 2  # one shared word pair is coincidence; two from one paper are its wording


def check_borrowed(
    claim: str, abstract: str, others: dict[str, str], cited: Iterable[str] = ()
) -> str | None:
    """A technique the claim words as exactly one other shown paper words it, and the cited
    abstract never does ("PrivQuant's zero-aware greedy packing", which is Falcon's).

    `others`: key -> text of the other papers the model was shown; `cited`: the keys this
    sentence cites (their wording is the sentence's to use). Chosen on the tuning half: one
    pair flagged correct citations ("long prompt"); two or more from the same paper, each with
    a word the cited abstract lacks, flagged none."""
    own = _word_pairs(abstract)
    own_words = {w for pair in own for w in pair} | _words(abstract)
    found: dict[str, int] = {}
    for pair in _word_pairs(claim) - own:
        if pair[0] in own_words and pair[1] in own_words:
            continue
        holders = _holders(pair, others)
        if len(holders) == 1 and holders[0] not in cited:
            found[holders[0]] = found.get(holders[0], 0) + 1
    if any(count >= _BORROWED_PAIRS for count in found.values()):
        return REASON_ENTITY
    # one pair is enough when it is how another shown paper names its technique, the cited
    # abstract has neither word (in any form), and the claim does not set it aside ("rather than
    # diffusion models")
    contrasted = _contrasted_pairs(claim)
    for pair in _word_pairs(claim) - own - contrasted:
        if _known(pair[0], own_words) or _known(pair[1], own_words):
            continue
        holders = _holders(pair, others)
        if len(holders) == 1 and holders[0] not in cited and _signature(pair, others[holders[0]]):
            return REASON_ENTITY
    return None


def _holders(pair: tuple[str, str], others: dict[str, str]) -> list[str]:
    """The other shown papers whose text has this word pair."""
    return [key for key, text in others.items() if pair in _word_pairs(text)]


def _known(word: str, own_words: set[str]) -> bool:
    """The word in some form ("stage" and "stag", a light stem's two readings)."""
    return word in own_words or any(
        len(other) >= 4 and (word.startswith(other) or other.startswith(word))
        for other in own_words
    )


_CONTRAST = re.compile(
    r"\b(?:rather than|instead of|unlike|not|no|without|except)\s+((?:\S+\s+){0,3}\S+)", re.I
)


def _contrasted_pairs(claim: str) -> frozenset[tuple[str, str]]:
    return frozenset(p for m in _CONTRAST.finditer(plain(claim)) for p in _word_pairs(m.group(1)))


def _signature(pair: tuple[str, str], text: str) -> bool:
    """A word pair a paper names its technique by: in its title, or said twice or more."""
    title, _, body = text.partition(". ")
    return pair in _word_pairs(title) or _pair_count(pair, body) >= 2


def _pair_count(pair: tuple[str, str], text: str) -> int:
    stems = _content_stems(text)
    return sum(1 for a, b in zip(stems, stems[1:]) if (a, b) == pair)


_MARKUP = re.compile(r"[\^{}_$]")  # "D^{2}MoE" is written "D2MoE" in prose


def mentions(text: str, name: str) -> bool:
    """Whether `name` stands in `text` as a whole word ("MoE" not inside "MoE-Hub"'s "Hub")."""
    bare = _MARKUP.sub("", name)
    if bare != name or _MARKUP.search(text):
        name, text = bare, _MARKUP.sub("", text)
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", text) is not None
