"""Text as litreview reads it: plain text, words, stop words, stems and sentences.

One module, so that BM25, the citation checks and theme naming agree on what a word is.

Sentences are split by our own rule rather than a general-purpose splitter (pysbd, nltk's
punkt): abstracts are written in a narrow register, and what breaks general splitters here is
known and tested (tests/test_text.py): "e.g.", "i.e.", "et al.", "vs.", decimals ("2.5x"), LaTeX
(`$2.7\\times$`), figures that open a sentence, and a citation marker after the period of an
answer's sentence ("... [@key]. Next"). The rule runs in microseconds per abstract, which matters:
the support check splits every cited abstract of every answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

# -- plain text ---------------------------------------------------------------------------------

_ESCAPED_DOLLAR = "\ue000"  # "\$1" is a dollar, not math: kept apart while math marks go


def _ties_as_spaces(math: re.Match[str]) -> str:
    """Inside math a "~" is a tie (a space); the tilde symbol is written \\sim there."""
    return math.group(0).replace("~", " ")


def _tilde(sim: re.Match[str]) -> str:
    """\\sim as "~": "3.5\\sim 23.4" reads "3.5~23.4" (a range); "2.7x \\sim 4.7x" keeps its
    spaces."""
    before = sim.string[sim.start() - 1 : sim.start()]
    return "~ " if before.isspace() else "~"


_LATEX_COMMANDS = (
    (re.compile(r"\\\$"), _ESCAPED_DOLLAR),
    (re.compile(r"\$[^$]*\$"), _ties_as_spaces),
    # an aside, not the sentence (its own markup nested once: "\footnote{Code: \textit{url}}")
    (re.compile(r"\\(?:footnote|thanks)\s*\{(?:[^{}]|\{[^{}]*\})*\}"), ""),
    (re.compile(r"\\([&#_])"), r"\1"),
    (re.compile(r"(?<=\w)--(?=\w)|(?<=\s)--?-(?=\s)"), "-"),  # en and em dashes: "0.45--0.96"
    (re.compile(r"\\(?:times|texttimes)\b\s*"), "x "),
    (re.compile(r"\\(?:sim|approx|thicksim)\b\s*"), _tilde),
    (re.compile(r"\\(?:mathrm|mathsf|mathbf|mathit|text|textbf|textit|emph|mathcal)\s*\{([^{}]*)\}"),
     r"\1"),
    (re.compile(r"\\%"), "%"),
    # any other command over a text ("\hl{small}", "\textsc{Nimbus}") is that text's formatting
    (re.compile(r"\\[a-zA-Z]+\s*\{([^{}]+)\}"), r"\1"),
    (re.compile(r"\\([a-zA-Z]+)"), r"\1"),  # \bert{}, a macro the source defined: "bert" is
    # the nearest reading we have
    (re.compile(r"(?<=[A-Za-z.}])~\s*"), " "),  # a tie ("and~2.8", "Fig.~3"), not "~3 s"
    (re.compile(r"(?<=\d)~(?=[A-Za-z])"), " "),  # a tie before a unit: "5~W", "0.96~s"
    (re.compile(r"[{}$]"), ""),
    (re.compile(_ESCAPED_DOLLAR), "$"),
)  # fmt: skip
# "4.3$\\times$, respectively" reads "4.3x, respectively": the space after a replaced × is not
# the writer's
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,;:)]|\.(?=\s|$))")
# what any of the passes above or the emphasis below would change
_MARKUP = re.compile(r"[\\${}~*\ue000]|--")
_EMPHASIS = re.compile(r"\*{1,2}([^*\s](?:[^*]*[^*\s])?)\*{1,2}")


@lru_cache(maxsize=4096)  # every check of a citation reads the same abstract again
def plain(text: str) -> str:
    """Text as a reader sees it: LaTeX markup and Markdown emphasis dropped, × as x, dashes and
    quotes plain, whitespace single."""
    if _MARKUP.search(text):  # most abstracts have none: the sixteen passes are skipped
        for pattern, replacement in _LATEX_COMMANDS:
            text = pattern.sub(replacement, text)
        text = _EMPHASIS.sub(r"\1", text)
    text = (
        text.replace("×", "x ")
        .replace("–", "-")
        .replace("—", " - ")
        .replace("−", "-")
        .replace("“", '"')
        .replace("”", '"')
        .replace("’", "'")
        .replace("‘", "'")
        .replace("\u00a0", " ")
    )
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(text.split()))


# -- words --------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9\-']*|\d+(?:\.\d+)?")

# English function words: never evidence that two texts say the same thing. BM25 drops them
# too (Lucene's list, which bm25s uses by default, plus the rest of the closed classes that
# questions and abstracts are full of).
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with", "its", "from", "those", "were", "been", "being",
    "have", "has", "had", "which", "while", "also", "than", "both", "more", "most", "can", "may",
    "our", "them", "via", "over", "under", "between", "each", "other", "all", "any", "one", "two",
    "how", "what", "when", "where", "who", "whom", "whose", "why", "do", "does", "did", "would",
    "should", "could", "we", "us", "i", "you", "he", "she", "his", "her", "it's", "about", "above",
    "after", "again", "against", "before", "below", "during", "through", "until", "up", "down",
    "out", "off", "further", "once", "here", "only", "own", "same", "so", "too", "very", "just",
    "nor"
})  # fmt: skip
# Words every abstract uses to describe itself: not what a paper is about.
RESEARCH_WORDS = frozenset({
    "paper", "work", "study", "approach", "method", "methods", "propose", "proposes", "proposed",
    "present", "presents", "show", "shows", "using", "use", "used", "based", "new", "novel"
})  # fmt: skip


def words(text: str) -> list[str]:
    """The words and figures of a text, lower-cased ("2.5", "training-free")."""
    return [t.lower().strip("'") for t in _TOKEN.findall(text)]


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stop or research words, no two-letter words; figures kept."""
    return [
        w
        for w in words(text)
        if any(c.isdigit() for c in w)
        or (len(w) > 2 and w not in STOP_WORDS and w not in RESEARCH_WORDS)
    ]


# Cut at every full stop (and ?, !, ;) followed by a space, whether or not it ends a sentence:
# a copy that ended its sentence at "etc." or "e.g." still shares the piece before it with the
# original. One pass finds the words and the cuts.
_PIECE_TOKEN = re.compile(r"[a-z0-9]+|[.!?;](?=\s)")
_PIECE_ENDS = frozenset(".!?;")
PIECE_MIN_WORDS = 8  # shorter pieces ("Results are promising.") recur in unrelated abstracts


@lru_cache(maxsize=4096)  # an index build and a selection read each abstract's twice
def abstract_pieces(abstract: str) -> tuple[str, ...]:
    """The pieces of an abstract that a copy of it repeats: its runs of text between full stops
    of eight words or more, lower-cased words joined by single spaces, in order, each once."""
    pieces: dict[str, None] = {}
    words: list[str] = []
    for token in [*_PIECE_TOKEN.findall(abstract.lower()), "."]:
        if token in _PIECE_ENDS:
            if len(words) >= PIECE_MIN_WORDS:
                pieces.setdefault(" ".join(words))
            words = []
        else:
            words.append(token)
    return tuple(pieces)


# -- stems --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def stemmer() -> Any:
    """The English Snowball stemmer (PyStemmer), which BM25 uses."""
    import Stemmer

    return Stemmer.Stemmer("english")


_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly", "ion")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stem for comparing a claim with an abstract: inflections go ("reduces" meets
    "reduced"; a bare "reduce" or "stage" keeps its e, so "stage" and "stages" stay apart),
    derivations stay apart ("deployed" is not "deployment"). Snowball, tried here
    in its place, conflates more and lets more wrong citations through (labelled answers,
    tuning half: 0.917 of wrong citations caught with this stem, 0.896 with Snowball).
    "retraining" meets "training": a claim that a method needs retraining must meet an
    abstract that calls it training-free."""
    word = word.lower()
    if word.startswith("re") and word[2:] in ("training", "train", "trained", "trains"):
        word = word[2:]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def stems(items: Iterable[str]) -> set[str]:
    return {stem(w) for w in items}


# -- sentences ----------------------------------------------------------------------------------

ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "Figs.", "Fig.", "Eqs.", "Eq.", "cf.",
                 "approx.", "a.k.a.", "w.r.t.", "App.", "Sec.", "Tab.", "resp.")  # fmt: skip
# a sentence ends after . ! ? (and a citation marker right after it) when the next one starts
# (a capital, a digit, a quote, straight or typographic, a bracket, a formula, or a name whose
# capital comes after a lower-case letter or three: "vTensor", "eLLM", "iPhone")
_SPLIT = re.compile(
    r"(?<=[.!?])(\s*\[[^\[\]]*@[^\[\]]*\])?\s+(?=[A-Z0-9\"'($\\“‘]|[a-z]{1,3}[A-Z])"
    # "... [@key]. vTensor ...": a cited sentence ends at its period, but a marker after a
    # reference of the abstract's own ("... [Abrahamson, SICOMP 1987]. [@key]") is the sentence's
    r"|(?<=\]\.)\s+(?!\[[^\[\]]*@)(?=\S)"
)


def _protect(text: str) -> str:
    for abbreviation in ABBREVIATIONS:
        text = text.replace(abbreviation, abbreviation.replace(".", "\x00"))
    return text


# "... performance overhead.To accelerate ...": a period with no space after it ends a sentence
# when a lower-case word ends there and a capitalised one starts ("Node.js", "PyTorch.Tensor",
# "U.S.A." and the abbreviations above do not)
_GLUED = re.compile(r"(?<![A-Za-z\x00])[a-z]{3,}\.(?=[A-Z][a-z])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of a text, offsets into the text as given."""
    protected = _protect(text)
    spans: list[tuple[int, int]] = []
    start = 0
    breaks = [
        (match.end(1) if match.group(1) else match.start(), match.end())
        for match in _SPLIT.finditer(protected)
    ]
    breaks += [(match.end(), match.end()) for match in _GLUED.finditer(protected)]
    for end, next_start in sorted(breaks):
        spans.append((start, end))
        start = next_start
    spans.append((start, len(text)))
    out = []
    for begin, end in spans:
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if end > begin:
            out.append((begin, end))
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences, each with the citation marker that closes it."""
    return [text[a:b] for a, b in sentence_spans(text)]


# -- the terminal --------------------------------------------------------------------------------

# escape sequences (CSI "ESC [", OSC "ESC ]" up to BEL or ST, two-character ESC forms) and the C1
# controls, which some terminals act on alone (0x9b is a CSI)
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?|[\x80-\x9f]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def terminal_safe(text: str, keep_newlines: bool = False) -> str:
    """Untrusted text (titles, abstracts, keys, model output) as it may reach a terminal: escape
    sequences and control characters removed, tabs as spaces (newlines kept if asked)."""
    text = _ESCAPES.sub("", text).replace("\t", " ")
    if keep_newlines:
        return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROLS.sub("", text.replace("\n", " ").replace("\r", " "))
