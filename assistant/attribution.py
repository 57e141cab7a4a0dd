"""How prose names a paper and says what its authors say: "AdapMoE [@key] introduces "..."".

Shared by drafts (each paper's contribution) and offline answers (a sentence the authors wrote in
the first person is attributed, not passed off as the answer's own "we"). Quotes stay verbatim;
only their lead ("In this paper, we propose") becomes the paper's name and a verb.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.models import Paper
from assistant.text import plain

_TITLE_GLUE = {"a", "an", "the", "of", "for", "with", "in", "on", "via", "and", "to", "using", "by",
               "from", "towards", "toward", "at", "as", "&"}  # fmt: skip


_MARKUP = re.compile(r"\[[^\]]*@[^\]]*\]|[\[\]{}<>`\\|@]")  # citations, links, HTML, LaTeX


def short_name(paper: Paper) -> str:
    """What prose calls a paper: its system name ("AdapMoE" from "AdapMoE: Adaptive ...", or a
    name the abstract introduces that the title also uses), else its first author ("Zhong et
    al."), else the opening words of its title. Titles and author names are untrusted: no
    citation or other markup of theirs reaches the prose."""
    name = " ".join(_MARKUP.sub(" ", _named(paper)).split())
    if name.strip("“”…. "):
        return name
    return f"A {paper.year} paper" if paper.year else "One paper"


def _clean_title(paper: Paper) -> str:
    # a title is untrusted text: "Foo [@other2024]: ..." must not name a paper with a citation
    # (the answer and the draft read citations from their own prose), nor any other markup
    title = _MARKUP.sub(" ", plain(paper.title)).replace("v.s.", "vs.")  # "." ends a sentence
    return " ".join(title.split())


def system_name(paper: Paper) -> str | None:
    """The name a paper gives its work: the title's head ("AdapMoE" of "AdapMoE: Adaptive
    ..."), or a name the abstract introduces that the title also uses; None if it gives none."""
    from assistant import claims

    title = _clean_title(paper)
    # "AdapMoE: Adaptive ..." (not the "N:M" of "Efficient N:M Sparse DNN Training")
    head = title.split(": ", 1)[0].strip() if ": " in title else ""
    if head and len(head.split()) <= 4:
        return head
    for name in claims.introduced_names(paper.abstract):
        # the title's own word, not part of one ("MatMul" of "MatMul-free" names no system)
        whole = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", title)
        # ... and the work's name, not a term of its field the abstract spells out
        if (
            len(name) >= 3
            and whole
            and claims.mentions(title, name)
            and not _defines_term(paper.abstract, name)
        ):
            return name
    return None


_VERSION = re.compile(r"\s+(?:v\d+(?:\.\d+)*|\d+(?:\.\d+)*|I{1,3}|\+\+)$", re.IGNORECASE)


def name_forms(paper: Paper) -> list[str]:
    """The names a reader calls a paper by: its system name, and that name without its version
    ("TeLLMe v2", "TeLLMe"); none if it gives no name."""
    name = system_name(paper)
    if not name or len(name) < 2:
        return []
    return list(dict.fromkeys([name, _VERSION.sub("", name)]))


def papers_named_in(text: str, papers: Sequence[Paper]) -> list[Paper]:
    """The papers a question or sentence names by their system name ("Compare T-MAC and LUT
    Tensor Core"), also without its version ("TeLLMe" for "TeLLMe v2"). A one-word name names
    it written as the title writes it ("DRIFT", not the "drift" of "conductance drift"), and a
    plain word ("Nimbus") not as the text's first word, where any word is capitalised."""
    named = {p.key for holders in names_in(text, papers).values() for p in holders}
    return [p for p in papers if p.key in named]


def uses_name(paper: Paper, written: str) -> bool:
    """Whether a paper's title or abstract uses a name (as `names_in` gives it, lower case)."""
    pattern = rf"(?<![\w-]){re.escape(written)}(?![\w-])"
    return bool(re.search(pattern, plain(f"{paper.title} {paper.abstract}").lower()))


def names_in(text: str, papers: Sequence[Paper]) -> dict[str, list[Paper]]:
    """`papers_named_in` by name: each name the text uses (lower case) -> the papers it names."""
    from assistant.claims import name_like

    found: dict[str, list[Paper]] = {}  # the name as the text writes it -> papers of that name
    for paper in papers:
        for form in name_forms(paper):
            plain_word = len(form.split()) == 1 and not name_like(form)
            pattern = rf"(?<![\w-]){re.escape(form)}(?![\w-])"
            # one word is written as the paper writes it ("HELP", not the "help" of a question)
            match = re.search(pattern, text, re.IGNORECASE if " " in form else 0)
            if match and not (plain_word and not text[: match.start()].strip()):
                found.setdefault(match.group().lower(), []).append(paper)
                break
    named = {}
    for written, holders in found.items():
        # a name several titles give: the papers whose abstracts also use it (the work itself,
        # not a compilation or a reply filed under a title like it)
        using = [p for p in holders if written in plain(p.abstract).lower()]
        named[written] = using if len(holders) > 1 and using else holders
    return named


def _named(paper: Paper) -> str:
    name = system_name(paper)
    if name:
        return name
    title = _clean_title(paper)
    if paper.authors:
        from assistant.ingest.fields import split_name

        surname = split_name(paper.authors[0])[1] or paper.authors[0]
        return f"{surname} et al." if len(paper.authors) > 1 or paper.authors_truncated else surname
    words = title.split()  # a title in typographic quotes: the straight ones mark quotations
    if paper.title_derived and words[0].lower() not in ("a", "an"):
        # litreview made this title from the abstract's opening ("Large Language Models (LLMs)
        # have achieved…"): no name at all; one that describes the work ("A novel digital MAC
        # design…") still reads as one
        return f"A {paper.year} paper" if paper.year else "One paper"
    # a title of eight words or fewer whole: six and an ellipsis for the last one or two
    # ("“Towards Accurate and Efficient Sub-8-Bit Integer…”" left out only "Training")
    shown = words if len(words) <= 8 else words[:6]
    while len(shown) > 3 and shown[-1].lower() in _TITLE_GLUE:  # "... in LLMs with…": "with"
        shown.pop()
    return f"“{' '.join(shown)}{'…' if len(words) > len(shown) else ''}”"


# "we propose Simultaneous Multi-mode Architecture (SMA)": the authors name their work
_NAMING_LEAD = re.compile(
    r"\b(?:propose|present|introduce|develop|design|build|call|name|dub|term)\w*\s+"
    r"(?:(?:a|an|the|our|novel|new)\s+)*$",
    re.IGNORECASE,
)


def _defines_term(abstract: str, name: str) -> bool:
    """Whether the abstract spells `name` out as a term of its field ("Surface electromyography
    (sEMG) is a promising control signal") rather than naming its own work with it ("we propose
    Simultaneous Multi-mode Architecture (SMA)")."""
    from assistant.selection import long_form

    text = plain(abstract)
    for match in re.finditer(rf"\(\s*{re.escape(name)}\s*\)", text):
        before = text[: match.start()].rstrip()
        spelt = long_form(name, before)
        if spelt and not _NAMING_LEAD.search(before[: len(before) - len(spelt)][-60:]):
            return True
    return False


_CONTRIBUTION_VERBS = (
    r"(?:propose|present|introduce|develop|design|build|explore|investigate|study|"
    r"show|demonstrate|provide|conduct|report|describe|formulate|reveal|identify|observe|find|"
    r"take|analy[sz]e|evaluate|examine|construct|establish|prove|derive|offer|improve|enable|"
    r"extend|leverage|exploit|tackle|address)"
)
_CONTRIBUTION = re.compile(
    r"^(?P<lead>.{0,100}?\W)??(?:we|us to|this (?:paper|work|study|article|thesis))\s+"
    r"(?:(?:first|further|also|then|thus|therefore|hence|here)\s+)?"
    rf"(?P<verb>{_CONTRIBUTION_VERBS})(?P<ending>s|d|ed)?\b\s*"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)
# "we analyze X and propose Y": the second verb is the authors' too, so the first stays theirs
_SECOND_VERB = re.compile(
    rf"\band\s+(?:then\s+|also\s+|further\s+)?{_CONTRIBUTION_VERBS}(?:s|d|ed)?\b",
    re.IGNORECASE,
)
_THIRD_PERSON = {"study": "studies", "identify": "identifies", "prove": "proves"}
_EVALUATION_SHOWS = re.compile(
    r"^(?:our|the)\s+(?:extensive\s+|comprehensive\s+|experimental\s+)?(?:evaluations?|"
    r"experiments?|results?|analys[ie]s)\b.{0,80}?\b(?:show|demonstrate|reveal|indicate)s?\s+"
    r"(?P<rest>that\s+.+)$",
    re.IGNORECASE,
)
_CLAUSE_VERBS = {"show", "demonstrate", "find", "observe", "reveal", "report", "prove"}
_QUOTE_WORDS = 40  # a longer contribution is cut at a clause boundary


# the verb of a clause, before any relative clause of its own ("transfers in MoE that can be"
# is a thing observed; "most of the weights can be pruned" a finding)
_FINITE = re.compile(
    r"\b(?:is|are|was|were|can|cannot|could|may|might|will|would|has|have|had|does|do|did|"
    r"must|should|(?:fail|lead|reduce|achieve|outperform|incur|suffer|remain|exhibit|require|"
    r"improve|yield|scale|perform|become|depend|dominate|account|cause|limit|degrade|increase|"
    r"decrease|grow|vary|differ|exceed|enable|allow|need)s?)\b",
    re.IGNORECASE,
)


def _is_clause(rest: str) -> bool:
    """Whether what follows "we show/find/observe" is a clause (it takes "that") rather than
    the thing found: it opens on a name ("PrivQuant reduces ...") or has a verb of its own."""
    if re.match(r"an?\s", rest):
        return False
    if re.match(r"[A-Z]", rest):
        return True
    head = re.split(r"\b(?:that|which|who|whose|where|when)\b|[,;:(]", rest, maxsplit=1)[0]
    return bool(_FINITE.search(head))


def _third_person(verb: str, plural: bool = False) -> str:
    verb = verb.lower()
    verb = {"analyse": "analyze"}.get(verb, verb)
    if plural:  # "Li et al. propose"
        return verb
    return _THIRD_PERSON.get(verb, verb + ("es" if verb.endswith(("sh", "ch", "s")) else "s"))


def _trim(text: str) -> str:
    """A quote of at most about _QUOTE_WORDS words, cut where a clause ends and marked so."""
    words = text.split()
    if len(words) <= _QUOTE_WORDS:
        return text
    head = " ".join(words[:_QUOTE_WORDS])
    cut = max(head.rfind(", "), head.rfind("; "), head.rfind(" which "), head.rfind(" by "))
    # the ellipsis says the quote goes on: "(i) ..., (ii) ..." must not read as the whole list
    return (head[:cut] if cut > len(head) // 2 else head) + " …"


_NOUNS = (
    r"(?:framework|system|method|approach|technique|accelerator|architecture|dataset|"
    r"benchmark|tool|model|design|scheme|algorithm|compiler|engine|library|pipeline|"
    r"protocol|platform|mechanism|solution|type|format|workflow|network)"
)


# verbs whose object is the system being introduced: "we propose SALO to enable ..." says what
# SALO is for; "we extend InTAR to GPT-2" does not
_INTRODUCING = re.compile(r"propose|present|introduce|develop|design|build|construct|offer", re.I)


def _without_name(rest: str, name: str, verb: str = "propose") -> tuple[str, str] | None:
    """What the authors say their system is, without its name quoted back at the reader ("a new
    framework Nimbus for ..." under the name Nimbus): (words before the quote, the quote), or
    None where the name does not stand for the system the sentence introduces."""
    if not name or name.endswith("et al.") or not re.search(re.escape(name), rest):
        return None
    at_start = re.match(
        rf"(?:that\s+)?(?:the\s+)?{re.escape(name)}(?:\s*:\s*|\s+(to\s)|\s+(?:that|which)\s+|\s+(?=(?:[a-z]+ly\s+)?(?:[a-z]+s|can|could|may|will)\b))"
        r"(?P<rest>.+)$",
        rest,
    )
    if at_start:  # "SALO to enable ...", "PEL-NAS: a search space ...", "X reduces ..."
        quote = at_start.group("rest")
        if at_start.group(1):
            if not _INTRODUCING.fullmatch(verb):
                return None
            return "is designed ", f"to {quote}"
        return ("is " if re.match(r"(?:an?|the|one)\s", quote) else ""), quote
    escaped = re.escape(name)
    bound = rest
    for pattern, replacement in (
        (rf",?\s+(?:called|named|dubbed|termed|referred to as)\s+{escaped}\b,?", " …"),
        (rf"\b({_NOUNS})\s+{escaped}\b", r"\1 …"),  # "framework Nimbus for"
        (rf"\s*\({escaped}\)", " …"),
    ):
        bound = re.sub(pattern, replacement, bound, count=1)
        if bound != rest:
            break
    if bound == rest or not re.match(r"(?:an?|the|one)\s", rest):
        return None
    return "is ", bound


def states_contribution(sentence: str) -> bool:
    """Whether the sentence is the authors saying what they did ("We propose ...", "In this
    paper, we study ...")."""
    return bool(_CONTRIBUTION.match(sentence.rstrip(". ")))


_FIRST_PERSON = re.compile(r"\b(?:we|our|ours|us)\b|\bthis (?:paper|work|study|article)\b", re.I)


def in_first_person(sentence: str) -> bool:
    """Whether the authors speak in it ("we", "our", "this paper"): quoted bare, an answer
    would seem to speak for them."""
    return bool(_FIRST_PERSON.search(sentence))


def contribution(paper: Paper, sentence: str, name: str) -> str:
    """`sentence` from the paper's abstract as a cited statement: "AdapMoE [@key] introduces
    "an algorithm-system co-design framework ..."", the quote verbatim (only trimmed)."""
    text = " ".join(sentence.split()).rstrip(". ")
    marker = f"[@{paper.key}]"
    match = _CONTRIBUTION.match(text)
    if match:
        rest = match.group("rest").strip()
        # "we propose AdapMoE, an ..." -> quote what follows the name
        named = re.match(
            rf"(?:the\s+)?{re.escape(name)}\s*(?:\([^)]*\))?\s*,\s*(.+)$", rest, re.IGNORECASE
        )
        if named:
            rest = named.group(1)
            which = re.match(r"which\s+(.+)$", rest)
            if which:  # "we propose HEQuant, which features X" -> HEQuant "features X"
                return f'{name} {marker} "{_trim(which.group(1))}".'
        unnamed = _without_name(rest, name, match.group("verb"))
        if unnamed is not None:
            how, quote = unnamed
            return f'{name} {marker} {how}"{_trim(quote)}".'
        carried = re.match(rf"(?:the\s+)?{re.escape(name)}\s+to\s", rest, re.IGNORECASE)
        if _SECOND_VERB.search(rest) or (carried and not name.endswith("et al.")):
            # "we extend InTAR to GPT-2": the authors' verb, their system named in the quote
            said = f'"{match.group("verb")}{match.group("ending") or ""} {_trim(rest)}"'
            if name.endswith("et al."):
                return f"{name} {marker} {said}."
            return f"The authors of {name} {marker} {said}."
        that = ""
        if rest.lower().startswith("that "):
            that, rest = "that ", rest[5:]
        elif match.group("verb").lower() in _CLAUSE_VERBS and _is_clause(rest):
            # "shows PrivQuant reduces ..." reads as "shows that"; "reveal a critical
            # crossover" and "observe substantial redundant transfers" name what they found
            that = "that "
        verb = _third_person(match.group("verb"), name.endswith("et al."))
        return f'{name} {marker} {verb} {that}"{_trim(rest)}".'
    # "Our evaluation shows that AdaptGear can achieve ...": the finding, under the name
    found = _EVALUATION_SHOWS.match(text)
    if found:
        unnamed = _without_name(found.group("rest").strip(), name)
        if unnamed is not None:
            how, quote = unnamed
            return f'{name} {marker} {how}"{_trim(quote)}".'
    puts = "put" if name.endswith("et al.") else "puts"
    return f'As {name} {marker} {puts} it, "{_trim(text)}".'
