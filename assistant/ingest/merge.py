"""Duplicate detection across sources, merging into the richest record, and citation keys.

Keys are a function of the merged library's content, never of ingest order: the same files give the
same keys whichever order they arrive in.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from typing import NamedTuple

from assistant.ingest.fields import split_name
from assistant.ingest.kinds import effective_kind
from assistant.models import CITATION_KEY, Paper, Source

_STOPWORDS = {
    "a", "an", "the", "on", "of", "for", "to", "in", "and", "with", "towards", "toward", "via",
    "is", "are", "from", "by", "at", "as", "into", "using", "we", "our", "this",
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")
_PARTICLES = {"van", "von", "der", "de", "da", "del", "la", "le", "di", "du"}


_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:./+\-]+")  # what a converted key may not keep
MAX_KEY = 100


def citable_key(key: str) -> str:
    """A key a citation can name, from a key as an import gave it: kept when it is one already;
    else accents dropped (`Müller2020` -> `Muller2020`), spaces and other characters made `_`,
    punctuation at the ends removed, cut to 100 characters. "" when nothing of it is left (or
    no letter: a key written in another script): the paper then gets a key from its content."""
    if CITATION_KEY.fullmatch(key) and len(key) <= MAX_KEY:
        return key
    text = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    text = _KEY_UNSAFE.sub("_", text.strip())
    text = re.sub(r"^[^A-Za-z0-9_]+|[^A-Za-z0-9_]+$", "", text.strip("_"))[:MAX_KEY]
    text = re.sub(r"[^A-Za-z0-9_]+$", "", text)
    if not re.search(r"[A-Za-z]", text) or not CITATION_KEY.fullmatch(text):
        return ""
    return text


def make_citable(paper: Paper) -> None:
    """Give a record whose own key cannot be cited a citable one, keeping the key it came with
    in `extra["original_key"]` (in place)."""
    if not paper.own_key or not paper.key:
        return
    key = citable_key(paper.key)
    if key == paper.key:
        return
    paper.extra.setdefault("original_key", paper.key)
    paper.key = key
    paper.own_key = bool(key)


# an apostrophe joins the letters around it, whichever one an exporter wrote: "Canada’s" and
# "Canada's" are one word (NFKD to ASCII drops the curly one and kept the straight one)
_APOSTROPHES = str.maketrans("", "", "'’‘ʼ`´")


def _ascii(text: str) -> str:
    text = text.translate(_APOSTROPHES)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def normalize_title(title: str) -> str:
    return " ".join(_WORD.findall(_ascii(title)))


def abstract_fingerprint(abstract: str) -> str:
    """The first 40 words, normalised: catches the same abstract copied from two pages."""
    words = _WORD.findall(_ascii(abstract))
    return " ".join(words[:40]) if len(words) >= 12 else ""


def _identities(paper: Paper) -> list[str]:
    """What two records of one work may share: candidates for a merge, not proof of one."""
    ids = []
    if paper.own_key and paper.key:
        ids.append(f"key:{paper.key.lower()}")  # BibTeX keys are case-insensitive
    if paper.doi:
        ids.append(f"doi:{paper.doi.lower().strip()}")
    if paper.arxiv_id:
        ids.append(f"arxiv:{paper.arxiv_id.lower().split('v')[0]}")
    if paper.title and not paper.title_derived:
        norm = normalize_title(paper.title)
        if len(norm) >= 12:
            ids.append(f"title:{norm}")
    fingerprint = abstract_fingerprint(paper.abstract)
    if fingerprint:
        ids.append(f"abstract:{fingerprint}")
    return ids


def _surname_of(paper: Paper) -> str:
    return (
        "".join(_WORD.findall(_ascii(_last_word_surname(paper.authors[0]))))
        if paper.authors
        else ""
    )


def _titles_agree(a: str, b: str) -> bool:
    """Normalised titles of one work: equal, or one the other with a subtitle dropped."""
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter.split()) >= 4 and longer.startswith(shorter + " ")


def same_work(a: Paper, b: Paper) -> str | None:
    """None when two records sharing an identity are one work; else why they are not.

    The evidence must agree: an identifier (DOI, arXiv id, own key) with a title that does not
    disagree, or a title (or the same abstract) with year and first author that do not disagree.
    One field alone never merges: real exports hold two works under one wrong DOI, and book
    reviews of one title in two journals."""
    title_a = "" if a.title_derived else normalize_title(a.title)
    title_b = "" if b.title_derived else normalize_title(b.title)
    titles = bool(title_a and title_b)
    if titles and not _titles_agree(title_a, title_b):
        return "different titles"
    identifier = (
        (a.doi and b.doi and a.doi.lower().strip() == b.doi.lower().strip())
        or (a.arxiv_id and b.arxiv_id and a.arxiv_id.lower().split("v")[0]
            == b.arxiv_id.lower().split("v")[0])
        or (a.own_key and b.own_key and a.key and a.key.lower() == b.key.lower())
    )  # fmt: skip
    fingerprint = abstract_fingerprint(a.abstract)
    same_abstract = bool(fingerprint) and fingerprint == abstract_fingerprint(b.abstract)
    if _different_dois(a.doi, b.doi):
        return "different DOIs"
    if identifier:
        text_a = title_a or normalize_title(a.abstract)
        text_b = title_b or normalize_title(b.abstract)
        if titles or same_abstract or text_a == text_b or not (text_a and text_b):
            return None  # the identifier and whatever text both have agree
    if a.year and b.year and abs(a.year - b.year) > 1:  # a preprint a year before: same work
        return "different years"
    if _different_volumes(a, b):
        return "different volumes"
    surname_a, surname_b = _surname_of(a), _surname_of(b)
    if surname_a and surname_b and surname_a != surname_b:
        return "different first authors"
    if titles and not same_abstract and _abstracts_differ(a.abstract, b.abstract):
        return "different abstracts"
    if titles or same_abstract:
        return None
    return "only an identifier in common"


def _different_volumes(a: Paper, b: Paper) -> bool:
    """Two volumes of one venue: The Astronomer's Telegram 9690 (2016) and 9931 (2017), one title
    and author, two telegrams."""
    volume_a, volume_b = (str(p.extra.get("volume") or "").strip() for p in (a, b))
    same_venue = (a.venue or "").strip().lower() == (b.venue or "").strip().lower()
    return bool(volume_a and volume_b and volume_a != volume_b and same_venue)


# DOIs a preprint server gives: the published version of the work has another DOI of its own
_PREPRINT_DOI = re.compile(
    r"^10\.(?:48550/arxiv|1101/|21203/rs\.|20944/preprints|31219/osf\.io|2139/ssrn|"
    r"36227/techrxiv|26434/chemrxiv|5281/zenodo)",
    re.IGNORECASE,
)


def _different_dois(a: str | None, b: str | None) -> bool:
    """Two DOIs that name two works: ACM's four "A Word from the Editor" editorials of one
    journal, a keynote and a paper of one session. A preprint's DOI beside its published
    version's is one work."""
    if not (a and b) or a.lower().strip() == b.lower().strip():
        return False
    return not (_PREPRINT_DOI.match(a.strip()) or _PREPRINT_DOI.match(b.strip()))


_LONG_ABSTRACT = 40  # words: shorter texts (a teaser, a truncated export) are not compared
_SHARED_WORDS = 0.2  # two versions of one abstract share far more of their words than this


def _abstracts_differ(a: str, b: str) -> bool:
    """Two full abstracts with little in common: another work under the same title (a generic
    title, a spliced one), whose text a merge would silently drop."""
    words_a, words_b = _WORD.findall(_ascii(a)), _WORD.findall(_ascii(b))
    if min(len(words_a), len(words_b)) < _LONG_ABSTRACT:
        return False
    set_a, set_b = set(words_a), set(words_b)
    return len(set_a & set_b) / len(set_a | set_b) < _SHARED_WORDS


class NearMiss(NamedTuple):
    """Two records that share an identity but were kept apart, and why."""

    first: Paper
    second: Paper
    shared: str  # the identity, e.g. "doi:10.1000/x"
    reason: str

    def describe(self) -> str:
        kind, _, value = self.shared.partition(":")
        article = "an" if kind[0] in "aeiou" else "a"
        first, second = sorted((self.first, self.second), key=_first_place)  # in file order
        return (
            f"{_place(first)} and {_place(second)} share {article} {kind} "
            f"({value[:60]}) but were kept apart: {self.reason}"
        )


def _first_place(paper: Paper) -> tuple[str, int]:
    return min((_source_order(s) for s in paper.sources), default=("", 0))


def _place(paper: Paper) -> str:
    source = min(paper.sources, key=_source_order, default=None)
    if source is None:
        return repr(paper.key)
    return f"{source.file}:{source.line}" if source.line else f"{source.file}#{source.position}"


_MAX_COMPARED = 50  # records of one identity a new record is compared with (an "Editorial" title)
# what keeps two records of one group apart from a record of another
_DISAGREEMENTS = frozenset({"different titles", "different DOIs", "different years",
                            "different volumes", "different first authors",
                            "different abstracts"})  # fmt: skip


def _content_order(paper: Paper) -> tuple:
    """Where a record sorts by its own fields, not by the file or place it came from."""
    return (
        paper.year or 0,
        paper.title,
        paper.authors[:1],
        paper.doi or "",
        paper.kind or "",
        paper.venue or "",
        paper.abstract[:200],
        paper.key,
    )


def group_duplicates(
    papers: list[Paper], near_misses: list[NearMiss] | None = None
) -> list[list[Paper]]:
    """Union-find over records that share an identity (key, DOI, arXiv id, title, abstract
    opening) and are one work by `same_work`; the pairs it kept apart go to `near_misses`.

    Two groups join only when no record of one disagrees with a record of the other (the 2017
    and the 2019 record of one title are not one work because a 2018 record is like each), and
    records are taken in an order of their content, so the groups never depend on the order the
    records came in."""
    parent = list(range(len(papers)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(papers))}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def disagreement(a: int, b: int) -> str | None:
        for x in members[a][:_MAX_COMPARED]:
            for y in members[b][:_MAX_COMPARED]:
                reason = same_work(papers[x], papers[y])
                if reason is not None and reason in _DISAGREEMENTS:
                    return reason
        return None

    seen: dict[str, list[int]] = defaultdict(list)
    missed: dict[tuple[int, int], tuple[str, str]] = {}
    order = sorted(range(len(papers)), key=lambda i: _content_order(papers[i]))
    for i in order:
        paper = papers[i]
        for identity in _identities(paper):
            for j in seen[identity][:_MAX_COMPARED]:
                a, b = find(j), find(i)
                if a == b:
                    continue
                reason = same_work(papers[j], paper)
                if reason is None and (len(members[a]) > 1 or len(members[b]) > 1):
                    reason = disagreement(a, b)
                if reason is None:
                    root, other = min(a, b), max(a, b)
                    parent[other] = root
                    members[root] += members.pop(other)
                else:
                    missed.setdefault((j, i), (identity, reason))
            seen[identity].append(i)
    if near_misses is not None:  # a pair kept apart on one identity may have merged on another
        told: set[tuple[int, int]] = set()  # one note a pair of papers, however many records
        for (j, i), (identity, reason) in missed.items():
            papers_pair = (min(find(j), find(i)), max(find(j), find(i)))
            if papers_pair[0] == papers_pair[1] or identity.startswith("key:"):  # renamed: said
                continue
            if papers_pair not in told:
                told.add(papers_pair)
                near_misses.append(NearMiss(papers[j], papers[i], identity, reason))
    groups: dict[int, list[Paper]] = defaultdict(list)
    for i, paper in enumerate(papers):
        groups[find(i)].append(paper)
    return list(groups.values())


def separate_own_keys(papers: list[Paper], taken: Collection[str] = ()) -> list[str]:
    """Different works that came with one key (any case): the first keeps it, each later one
    gets a suffixed key (`Pagano2009a`) and keeps the one it came with in `extra`. Returns a
    warning per renamed record. `papers` are in the order they arrived."""
    by_key: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        if paper.own_key and paper.key:
            by_key[paper.key.lower()].append(paper)
    used = {k.lower() for k in taken} | set(by_key)
    warnings = []
    for holders in by_key.values():
        for paper in holders[1:]:
            n = 0
            while (candidate := f"{paper.key}{_letters(n)}").lower() in used:
                n += 1
            used.add(candidate.lower())
            warnings.append(
                f"{_place(paper)}: key {paper.key!r} is also {_place(holders[0])}'s, a different "
                f"work; imported as {candidate!r}"
            )
            paper.extra.setdefault("original_key", paper.key)
            paper.key = candidate
    return warnings


def _source_order(source: Source) -> tuple[str, int]:
    return (source.file, source.position)


def is_preprint(paper: Paper) -> bool:
    """A preprint's record: the source says so, or a preprint server is its venue, or it has an
    arXiv id and no venue (see `assistant.ingest.kinds`)."""
    return effective_kind(paper) == "preprint"


def _richness(paper: Paper) -> tuple:
    """Which record's fields win: real titles, dated, published (not a preprint), longer author
    lists, longer abstracts."""
    return (
        not paper.title_derived,
        paper.year is not None and not paper.year_inferred,
        not is_preprint(paper),
        len(paper.authors),
        len(paper.abstract),
        _first_place(paper),
    )


def merge_group(group: list[Paper], copy: bool = True, held: Collection[str] = ()) -> Paper:
    """One record keeping every source and, field by field, the richest value.

    With copy=False the richest record itself becomes the merged one (changed in place).
    """
    if len(group) == 1:
        return group[0].model_copy(deep=True) if copy else group[0]
    ranked = sorted(group, key=_richness, reverse=True)
    merged = ranked[0].model_copy(deep=True) if copy else ranked[0]
    published = not is_preprint(merged)
    for other in ranked[1:]:
        # a preprint's DOI, volume, pages... are not the published version's: not taken
        details = not (published and is_preprint(other))
        # a kind too: a preprint's (`details`) never makes the published record a preprint
        fields = ("venue", "kind", "url", "doi", "arxiv_id", "has_code", "upvotes", "score")
        for field in fields if details else tuple(f for f in fields if f not in ("doi", "kind")):
            if getattr(merged, field) in (None, "") and getattr(other, field) not in (None, ""):
                setattr(merged, field, getattr(other, field))
        if merged.year is None and other.year is not None:
            merged.year, merged.year_inferred = other.year, other.year_inferred
            merged.date = merged.date or other.date
        if merged.author_count is None:
            merged.author_count = other.author_count
        if len(other.abstract) > len(merged.abstract) and not merged.abstract:
            merged.abstract = other.abstract
        for value in other.categories:
            if value not in merged.categories:
                merged.categories.append(value)
        for value in other.organizations:
            if value not in merged.organizations:
                merged.organizations.append(value)
        for name, value in other.extra.items() if details else ():
            merged.extra.setdefault(name, value)
    # the key of the record whose fields won, when it has one: a key and a citation of one record;
    # but a key the library already holds (`held`) stays, or a draft citing it would break
    own_keys = sorted(
        (p.key for p in ranked if p.own_key and p.key), key=lambda key: key not in held
    )
    merged.own_key = bool(own_keys)
    # without one, the generated key a library record holds (`key_base` may keep it)
    held_keys = [p.key for p in ranked if p.key]
    merged.key = own_keys[0] if own_keys else (held_keys[0] if held_keys else "")
    # the other own keys stay the paper's, as biblatex's `ids` (aliases a citation may use):
    # `show`, `--papers` and a draft's .bib find the paper by them
    aliases = [a for p in group for a in split_ids(p.extra.get("ids", ""))]
    aliases += [k for k in own_keys[1:] if k.lower() != merged.key.lower()]
    aliases = sorted({a.lower(): a for a in aliases if a.lower() != merged.key.lower()}.values())
    if aliases:
        merged.extra["ids"] = ", ".join(aliases)
    sources = {(s.file, s.position): s for p in group for s in p.sources}
    merged.sources = sorted(sources.values(), key=_source_order)
    return merged


def _merged_groups(
    papers: list[Paper], misses: list[NearMiss], copy: bool, held: Collection[str] = ()
) -> tuple[list[Paper], list[str]]:
    """Each group of duplicates merged, and the notes of the keys of the user's it merged."""
    merged: list[Paper] = []
    notes: list[str] = []
    for group in group_duplicates(papers, misses):
        merged.append(merge_group(group, copy, held))
        if len(group) > 1:
            notes += alias_notes(group, merged[-1])
    return merged, notes


def split_ids(value: str) -> list[str]:
    """The keys of a biblatex `ids` field ("a, b")."""
    return [part.strip() for part in value.split(",") if part.strip()]


def alias_notes(group: list[Paper], merged: Paper) -> list[str]:
    """What a user should hear when records under two keys of their own became one paper."""
    own = {p.key for p in group if p.own_key and p.key and p.key.lower() != merged.key.lower()}
    return [
        f"{_place(p)} ({p.key}) is the same work as {merged.key}: kept as {merged.key}, and "
        f"{p.key} still finds it"
        for p in sorted(group, key=_first_place)
        if p.key in own
    ]


def _last_word_surname(author: str) -> str:
    """The surname as duplicate detection compares first authors, and as keys were made before
    they counted particles: the last word ("van der Berg" -> "Berg")."""
    parts = [p for p in re.split(r"\s+", author.strip()) if p]
    if not parts:
        return ""
    if "," in author:  # "Last, First"
        return author.split(",")[0].split()[-1]
    # "Ludwig van Beethoven" -> "vanbeethoven" is noisy; BibTeX tools use the last token
    tail = parts[-1]
    return tail if tail.lower() not in _PARTICLES else "".join(parts[-2:])


# Chinese, Japanese and Korean script: a name or word written in it has no spaces to cut at
_CJK = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
_HAN_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _key_surname(author: str) -> str:
    """The whole surname with its particles, as Better BibTeX keys on the family name: "Jan van
    der Berg" and "van der Berg, Jan" -> "van der Berg" (`split_name`). A Chinese or Korean name
    written without a space (张会佳, 이지영) puts the family name first: its first character."""
    name = author.strip()
    if 2 <= len(name) <= 4 and all(_CJK.match(c) for c in name):
        return name[0]
    return split_name(author)[1]


def _transliterated(text: str) -> str:
    """Text as a key spells it: accents dropped and other scripts written in Latin letters
    (Иванов -> ivanov, Παπαδόπουλος -> papadopoylos, 张 -> zhang, 이 -> i; anyascii), lower-cased.
    A run of Chinese or Japanese characters is one word for a title, so only its first two
    characters are kept (参考文献管理 -> cankao), as a word of two characters is the commonest."""
    from anyascii import anyascii

    text = text.translate(_APOSTROPHES)
    text = re.sub(
        f"{_HAN_OR_KANA.pattern}+",
        lambda run: " " + run.group()[:2] + " ",
        text,
    )
    return anyascii(text).lower()


def base_key(
    paper: Paper,
    surname_of: Callable[[str], str] | None = None,
    spelled: Callable[[str], str] | None = None,
) -> str:
    """`vanderberg2023olive`: first author's whole surname, year, first significant title word."""
    surname_of = surname_of or _key_surname
    spelled = spelled or _transliterated
    surname = "".join(_WORD.findall(spelled(surname_of(paper.authors[0])))) if paper.authors else ""
    words = [w for w in _WORD.findall(spelled(paper.title)) if w not in _STOPWORDS]
    word = words[0] if words else "untitled"
    year = str(paper.year) if paper.year else ""
    return f"{surname or 'anon'}{year}{word}"


def key_base(paper: Paper) -> str:
    """The base a paper's generated key is built on: `base_key`, unless the paper holds a key
    made by an older rule: before surnames kept their particles (`berg2020graph` for "Jan van
    der Berg"), or before other scripts were transliterated (`anon2009untitled` for Иванов's
    paper, `strae2020` for "Straße"). Then that older base, so a library's keys stay as they are
    (drafts cite them)."""
    base = base_key(paper)
    if not paper.key or paper.own_key or re.fullmatch(re.escape(base) + "[a-z]*", paper.key):
        return base  # the common case, decided without the older rules' keys
    spellings = [_transliterated]
    if not (paper.title + "".join(paper.authors[:1])).isascii():
        spellings.append(_ascii)  # the same key for ASCII text
    for surname_of in (_key_surname, _last_word_surname):
        for spelled in spellings:
            legacy = base_key(paper, surname_of, spelled)
            if legacy != base and re.fullmatch(re.escape(legacy) + "[a-z]*", paper.key):
                return legacy
    return base


def _letters(n: int) -> str:
    """0 -> 'a', 1 -> 'b', ... 25 -> 'z', 26 -> 'aa'..."""
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters


def _suffix(n: int) -> str:
    """0 -> '', 1 -> 'b', ... 25 -> 'z', 26 -> 'aa'...: a key's first holder has no suffix."""
    return _letters(n) if n else ""


def assign_keys(papers: list[Paper], taken: Collection[str] = ()) -> None:
    """Give every record without its own key a unique, content-determined key (in place).

    `taken`: keys held by papers outside `papers` that no record here may get.
    """
    taken = set(taken) | {p.key for p in papers if p.own_key and p.key}
    by_base: dict[str, list[Paper]] = defaultdict(list)
    for paper in papers:
        if not (paper.own_key and paper.key):
            by_base[key_base(paper)].append(paper)
    for base, group in sorted(by_base.items()):
        # order inside a collision group is by content, so it does not depend on ingest order
        group.sort(key=lambda p: (normalize_title(p.title), p.abstract, p.embedding_text_hash()))
        n = 0
        for paper in group:
            while (candidate := base + _suffix(n)) in taken:
                n += 1
            paper.key = candidate
            taken.add(candidate)
            n += 1


def merge_library(
    papers: list[Paper],
    copy: bool = True,
    taken: Collection[str] = (),
    notes: list[str] | None = None,
) -> list[Paper]:
    """Merge duplicates and assign keys; the result is sorted by key.

    copy=False merges into the given records themselves, for callers done with them: 100,000
    records are then held once, not twice. `notes` collects what the user should hear: records
    kept apart although they share an identity, and keys changed because two works shared one.
    """
    misses: list[NearMiss] = []
    merged, aliased = _merged_groups(papers, misses, copy)
    renamed = separate_own_keys(merged, taken)
    assign_keys(merged, taken)
    if notes is not None:
        notes.extend(aliased)
        notes.extend(renamed)
        notes.extend(m.describe() for m in misses)
    return sorted(merged, key=lambda p: p.key)


class Summary(NamedTuple):
    """What merging needs to know of a library paper without holding the paper."""

    key: str
    own_key: bool
    base: str
    identities: tuple[str, ...]
    records: tuple[str, ...]  # `record_marks`: the parsed records merged into it

    @classmethod
    def of(cls, paper: Paper) -> Summary:
        return cls(
            paper.key,
            bool(paper.own_key and paper.key),
            key_base(paper),
            tuple(_identities(paper)),
            record_marks(paper),
        )


def record_marks(paper: Paper) -> tuple[str, ...]:
    """One mark per source: file, position and the digest of the record parsed there."""
    return tuple(f"{s.file}#{s.position}#{s.digest}" for s in paper.sources if s.digest)


class RepeatFilter:
    """Tells which parsed records the library already holds exactly as parsed now.

    Merging a record into a paper it was merged into before changes nothing, so a re-import of
    an edited file needs only its new and changed records. Called on each parsed record: True
    to keep it. `holders` collects the keys of the papers holding the records declined. Its
    decisions depend on the record only, so a file parsed twice (skip-invalid) is told the same.
    """

    def __init__(self, library: Sequence[Summary]) -> None:
        self._holder = {mark: summary.key for summary in library for mark in summary.records}
        self.holders: set[str] = set()
        self.sources: set[tuple[str, int]] = set()  # (file, position) of the records declined

    def __call__(self, paper: Paper) -> bool:
        marks = record_marks(paper)
        keys = {self._holder.get(mark) for mark in marks}
        if not marks or None in keys:
            return True
        self.holders |= keys
        self.sources.update((s.file, s.position) for s in paper.sources)
        return False


class Revisit(NamedTuple):
    """The outcome of merging incoming records into a library."""

    # key -> (content hash, text hash) of each library paper read
    before: dict[str, tuple[str, str]]
    merged: list[Paper]  # what replaces those papers, plus the incoming records, sorted by key
    notes: list[str]  # keys changed because two works shared one; records kept apart


def merge_into(
    library: Sequence[Summary],
    load: Callable[[list[int]], list[Paper]],
    incoming: list[Paper],
) -> Revisit:
    """Merge incoming records into a library, reading only the library papers that can change.

    Those are the papers sharing an identity with an incoming record (they merge with it), and
    the papers sharing a base key with any paper merged here or holding a key an incoming record
    brings as its own (keys of one base are handed out together). The rest keep their records
    and keys, as a full `merge_library` would leave them: two library papers never share an
    identity, or they would have been merged already.
    `load(positions)` reads library papers; `incoming` is consumed.
    """
    wanted = {identity for paper in incoming for identity in _identities(paper)}
    hit = [i for i, s in enumerate(library) if not wanted.isdisjoint(s.identities)]
    del wanted
    revisited = load(hit)
    before = {p.key: (p.content_hash(), p.embedding_text_hash()) for p in revisited}
    candidates = revisited + incoming
    incoming.clear()
    misses: list[NearMiss] = []
    held = {p.key for p in revisited if p.own_key and p.key}
    merged, aliased = _merged_groups(candidates, misses, copy=False, held=held)
    del candidates, revisited
    hit_set = set(hit)
    bases = {key_base(p) for p in merged if not (p.own_key and p.key)}
    bases |= {library[i].base for i in hit if not library[i].own_key}
    claimed = {p.key for p in merged if p.own_key and p.key}  # a record's own key outranks ours
    bases |= {s.base for s in library if not s.own_key and s.key in claimed}
    rekeyed = [
        i for i, s in enumerate(library) if i not in hit_set and not s.own_key and s.base in bases
    ]
    neighbours = load(rekeyed)
    for paper in neighbours:
        before[paper.key] = (paper.content_hash(), paper.embedding_text_hash())
    revisited_positions = hit_set.union(rekeyed)
    taken = {s.key for i, s in enumerate(library) if i not in revisited_positions}
    merged += neighbours
    notes = aliased + separate_own_keys(merged, taken)  # library papers first: keys kept
    assign_keys(merged, taken)
    notes += [m.describe() for m in misses]
    return Revisit(before, sorted(merged, key=lambda p: p.key), notes)
