"""Short titles derived from an abstract, for records whose source gives none."""

from __future__ import annotations

import re

_MAX_WORDS = 12
# "we propose KV Packet, a recomputation-free cache reuse framework that ..."
_NAMED = re.compile(
    r"\b(?:we|this (?:paper|work|study))\s+(?:propose|present|introduce|develop|design)s?\s+"
    r"(?P<name>[A-Z][\w\-+]*(?:\s+[A-Z][\w\-+]*){0,3})\s*(?:\([^)]*\))?\s*,\s*"
    r"(?P<what>(?:a|an|the)\s+[^,.;:]+)",
)
# "... we introduce a novel low-latency inference framework for ..." (no name given)
_CONTRIBUTION = re.compile(
    r"\b(?:we|this (?:paper|work|study))\s+(?:propose|present|introduce|develop|design)s?\s+"
    r"(?P<what>[^.;]+)",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_TRAILING_WEAK = {
    "a", "an", "the", "of", "for", "to", "in", "on", "and", "or", "with", "by", "that", "which",
    "is", "are", "as", "at", "from", "via", "we", "its", "their",
}  # fmt: skip


def _clip(words: list[str]) -> str:
    clipped = words[:_MAX_WORDS]
    while len(clipped) > 3 and clipped[-1].lower().strip(",;:") in _TRAILING_WEAK:
        clipped.pop()
    text = " ".join(clipped).rstrip(",;:")
    return text + ("…" if len(words) > len(clipped) else "")


def derive_title(abstract: str) -> str:
    """A short title: the named contribution if the abstract states one, else its first sentence."""
    text = " ".join(abstract.split())
    if not text:
        return "Untitled"
    named = _NAMED.search(text)
    if named:
        what = named.group("what").split()
        if what and what[0].lower() in {"a", "an", "the"}:
            what = what[1:]
        phrase = _clip(what[: _MAX_WORDS - 2])
        return f"{named.group('name')}: {phrase[:1].upper()}{phrase[1:]}"
    contribution = _CONTRIBUTION.search(text)
    if contribution:
        phrase = _clip(contribution.group("what").rstrip(".!?").split())
        return phrase[:1].upper() + phrase[1:]
    first = _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".!?")
    return _clip(first.split())
