"""Seeded mutations of small valid files, one seed per import format, and what a parse of each
must give: a clean import, or a refusal `FILE:LINE: what is wrong` on one line.

Shared by the CI fuzz tests (tests/test_fuzz_importers.py) and the larger run
(benchmarks/fuzz_importers.py), so both mutate the same seeds the same way.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"

BIBTEX = r"""@article{lee2021private,
  title = {Private Inference with {G}arbled Circuits},
  author = {Lee, Ann and M{\"u}ller, Bo},
  year = {2021},
  journal = {Journal of Private Things},
  doi = {10.1000/xyz},
  abstract = {We evaluate neural networks under garbled circuits and secret sharing.}
}

@inproceedings{ng2019sparse,
  title = "Sparse Attention for Long Documents",
  author = "Ng, Chi",
  year = 2019,
  booktitle = {Proc. of Things},
  abstract = {A method for sparse attention on long documents is proposed.}
}

@misc{kim2020moe,
  title = {Mixtures of Experts Route Tokens},
  author = {Kim, Dae and Park, Eun},
  year = {2020},
  abstract = {Sparse mixtures of experts route each token to two experts.}
}
"""

RIS = """TY  - JOUR
ID  - lee2021privacy
TI  - Private inference with garbled circuits
AU  - Lee, Ann
AU  - Kim, Bo
PY  - 2021///
AB  - We study private inference of neural networks
  with garbled circuits and secret sharing.
KW  - privacy
DO  - 10.1000/xyz
JO  - Journal of Private Things
ER  -

TY  - CONF
AU  - Ng, Chi
PY  - 2019
TI  - Sparse attention for long documents
AB  - A method for sparse attention on long documents is proposed.
ER  -

TY  - RPRT
TI  - Mixtures of experts route tokens
AU  - Kim, Dae
PY  - 2020
AB  - Sparse mixtures of experts route each token to two experts.
ER  -
"""

ENW = """%0 Journal Article
%T Private inference with garbled circuits
%A Lee, Ann
%A Kim, Bo
%D 2021
%X We study private inference of neural networks
with garbled circuits and secret sharing.
%K privacy
%R 10.1000/xyz
%J Journal of Private Things

%0 Conference Proceedings
%A Ng, Chi
%D 2019
%T Sparse attention for long documents
%X A method for sparse attention on long documents is proposed.

%0 Report
%T Mixtures of experts route tokens
%A Kim, Dae
%D 2020
%X Sparse mixtures of experts route each token to two experts.

"""

CSV = """Title,Authors,Year,Abstract,DOI,Source title
"Private inference with garbled circuits","Lee, Ann; Kim, Bo",2021,"We study private inference, with ""garbled"" circuits.",10.1000/xyz,Journal of Private Things
Sparse attention for long documents,"Ng, Chi",2019,"A method for sparse attention
on long documents is proposed.",,Proc. of Things
Mixtures of experts route tokens,"Kim, Dae",2020,Sparse mixtures of experts route each token to two experts.,,
"""

TSV = (
    "title\tauthors\tyear\tabstract\n"
    "Private inference with garbled circuits\tAnn Lee; Bo Kim\t2021\tWe study private inference.\n"
    "Sparse attention for long documents\tChi Ng\t2019\tA method for sparse attention.\n"
    "Mixtures of experts route tokens\tDae Kim\t2020\tMixtures route each token to two experts.\n"
)

JSONL = "".join(
    json.dumps(record) + "\n"
    for record in [
        {
            "id": "lee2021private",
            "title": "Private inference with garbled circuits",
            "authors": ["Ann Lee", "Bo Kim"],
            "year": 2021,
            "abstract": "We study private inference with garbled circuits.",
        },
        {
            "id": 42,
            "title": "Sparse attention for long documents",
            "authors": "Chi Ng",
            "year": "2019",
            "abstract": "A method for sparse attention on long documents is proposed.",
            "categories": ["cs.CL"],
        },
        {"_id": "kim2020moe", "text": "Sparse mixtures of experts route each token to two."},
    ]
)

ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>ArXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2305.12345v2</id>
    <published>2023-05-20T17:59:59Z</published>
    <title>Tree of Thoughts for
      Planning</title>
    <summary>  We let language models explore a tree of reasoning steps. </summary>
    <author><name>Ann Lee</name></author>
    <author><name>Bo Kim</name></author>
    <arxiv:doi>10.48550/arXiv.2305.12345</arxiv:doi>
    <link href="http://arxiv.org/abs/2305.12345v2" rel="alternate" type="text/html"/>
    <arxiv:primary_category term="cs.CL"/>
    <category term="cs.CL"/>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/2101.00001v1</id>
    <published>2021-01-01T00:00:00Z</published>
    <title>Sparse mixtures of experts</title>
    <summary>Sparse mixtures of experts route each token to two experts.</summary>
  </entry>
</feed>
"""


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8-sig")


@dataclass(frozen=True)
class Seed:
    name: str  # the file name the case is written under (its extension picks the format)
    fmt: str
    text: str


def seeds() -> list[Seed]:
    """One small valid file per importer (CSV twice: comma and tab)."""
    return [
        Seed("refs.bib", "bibtex", BIBTEX),
        Seed("refs.ris", "ris", RIS),
        Seed("refs.csv", "csv", CSV),
        Seed("refs.tsv", "csv", TSV),
        Seed("refs.jsonl", "jsonl", JSONL),
        Seed("feed.atom", "atom", ATOM),
        Seed("items.json", "csljson", _fixture("zotero-csl-export.json")),
        Seed("refs.nbib", "pubmed", _fixture("plos-ntd.nbib")),
        Seed("savedrecs.txt", "wos", _fixture("plos-ntd-savedrecs.txt")),
        Seed("refs.xml", "endnote", _fixture("jabref-endnote-article.xml")),
        Seed("refs.enw", "enw", ENW),
    ]


# -- mutations: each takes the seed's bytes and a seeded Random, returns the mutated bytes ------

_HOSTILE = [
    "\x00", "\x1b[31m", "\x1b]0;x\x07", "\ud800", "\\ud800", "²⁰²⁰", "٢٠٢٠", "9" * 5000, "\u202e",
    "\ufeff", "{", "}", "[", "]", "<", ">", "&", "&amp;", "&#0;", "&#xD800;", '"', "'", "\\",
    "@", ",", ";", "\t", "\r", "\r\n", "\n\n", "ER  -", "TY  - ", "PMID- ", "PT J", "@article{",
    "<entry>", "</entry>", "<record>", "</record>", "{\"", "ü", "𝔘", "\u2028", "%", "#", "=",
]  # fmt: skip


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def _flip_ascii(data: bytes, rng: random.Random) -> bytes:
    """Printable changes only: the file stays UTF-8, so the parser (not the decoder) sees them."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        buf[rng.randrange(len(buf))] = rng.choice(b"{}[]<>\"',;:=@&#%\\/- \n\tAz09")
    return bytes(buf)


def _invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + rng.choice([b"\xff", b"\xc3\x28", b"\x80", b"\xed\xa0\x80"]) + data[at:]


def _nul(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + b"\x00" + data[at:]


def _text(data: bytes) -> str:
    """The bytes as text, whatever an earlier mutation did to them (bad bytes kept as they are)."""
    return data.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate inserted: its bytes are not UTF-8 either
        return text.encode("utf-8", "surrogatepass")


def _insert_hostile(data: bytes, rng: random.Random) -> bytes:
    text = _text(data)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text))
        text = text[:at] + rng.choice(_HOSTILE) + text[at:]
    return _bytes(text)


def _huge_field(data: bytes, rng: random.Random) -> bytes:
    """A run of one word (up to ~1 MB) inside a random line: titles, abstracts, keys, years."""
    lines = _text(data).split("\n")
    index = rng.randrange(len(lines))
    line = lines[index]
    at = rng.randrange(len(line) + 1)
    word = rng.choice(["a", "word ", "9", "x" * 7 + " "])
    lines[index] = line[:at] + word * rng.choice([10_000, 100_000, 200_000]) + line[at:]
    return _bytes("\n".join(lines))


def _deep_nesting(data: bytes, rng: random.Random) -> bytes:
    """Brackets, braces or elements nested 10,000 to 100,000 deep at a random place."""
    text = _text(data)
    depth = rng.choice([10_000, 100_000])
    opener, closer = rng.choice([("[", "]"), ("{", "}"), ("<a>", "</a>"), ('{"a":', "}")])
    at = rng.randrange(len(text))
    return _bytes(text[:at] + opener * depth + closer * depth + text[at:])


def _bom(data: bytes, rng: random.Random) -> bytes:
    return b"\xef\xbb\xbf" + data


def _crlf(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _cr_only(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


def _latin1(data: bytes, rng: random.Random) -> bytes:
    return data.decode("utf-8", "replace").encode("latin-1", "replace")


def _drop_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, max(1, len(lines) // 4))):
        if len(lines) > 1:
            del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def _repeat_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    at = rng.randrange(len(lines))
    return b"\n".join(
        lines[:at] + lines[at : at + rng.randint(1, 5)] * rng.randint(2, 50) + lines[at:]
    )


def _swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": _truncate,
    "flip-bytes": _flip_bytes,
    "flip-ascii": _flip_ascii,
    "invalid-utf8": _invalid_utf8,
    "nul": _nul,
    "hostile-text": _insert_hostile,
    "huge-field": _huge_field,
    "deep-nesting": _deep_nesting,
    "bom": _bom,
    "crlf": _crlf,
    "cr-only": _cr_only,
    "latin1": _latin1,
    "drop-lines": _drop_lines,
    "repeat-lines": _repeat_lines,
    "swap-lines": _swap_lines,
}


@dataclass(frozen=True)
class Case:
    seed: Seed
    mutation: str
    number: int  # with the seed and mutation, what makes the case reproducible

    @property
    def id(self) -> str:
        return f"{self.seed.name}-{self.mutation}-{self.number}"

    def data(self) -> bytes:
        rng = random.Random(f"{self.seed.name}|{self.mutation}|{self.number}")
        data = self.seed.text.encode("utf-8")
        # two mutations at a time now and then: a truncated file with CR line ends...
        data = MUTATIONS[self.mutation](data, rng)
        if self.number % 5 == 4:
            data = MUTATIONS[rng.choice(sorted(MUTATIONS))](data, rng) or data
        return data or b" "


def cases(numbers: Iterable[int]) -> list[Case]:
    """The cases of these numbers for every (seed, mutation): 10 seeds x 15 mutations each.
    Numbers 4, 9, 14... apply a second mutation on top of the first."""
    return [
        Case(seed, mutation, number)
        for number in numbers
        for seed in seeds()
        for mutation in MUTATIONS
    ]


def case(case_id: str) -> Case:
    """The case of an id such as `refs.bib-huge-field-15`."""
    number = int(case_id.rsplit("-", 1)[1])
    return next(c for c in cases([number]) if c.id == case_id)


# -- large files: the seed's records repeated, for parse time against input size -------------


def grown(seed: Seed, records: int) -> str:
    """The seed file with its records repeated until it holds about `records` (keys and ids
    made distinct): what parse time is measured against."""
    text = seed.text
    if seed.fmt == "csljson":
        items = json.loads(text)
        copies = [{**item, "id": f"{item['id']}-{n}"} for n in range(records) for item in items][
            :records
        ]
        return json.dumps(copies, indent=1)
    head, body, tail = _split(seed)
    per_copy = max(1, len(re.findall(_RECORD_START[seed.fmt], body, re.M)))
    copies = []
    for n in range(-(-records // per_copy)):
        copies.append(re.sub(r"(@\w+\{)([^,\n]+),", rf"\g<1>\g<2>x{n},", body))
    return head + "".join(copies) + tail


_RECORD_START = {
    "bibtex": r"^@",
    "ris": r"^TY  -",
    "csv": r"^\S",
    "jsonl": r"^\{",
    "atom": r"<entry>",
    "pubmed": r"^PMID-",
    "wos": r"^PT ",
    "endnote": r"<record>",
    "enw": r"^%0",
}


def _split(seed: Seed) -> tuple[str, str, str]:
    """(what comes before the records, the records, what comes after) of a seed file."""
    text = seed.text
    if seed.fmt == "csv":
        head, rest = text.split("\n", 1)
        return head + "\n", rest if rest.endswith("\n") else rest + "\n", ""
    if seed.fmt == "atom":
        start, end = text.index("<entry>"), text.rindex("</feed>")
        return text[:start], text[start:end], text[end:]
    if seed.fmt == "endnote":
        start, end = text.index("<record>"), text.rindex("</records>")
        return text[:start], text[start:end], text[end:]
    if seed.fmt == "wos":
        start, end = text.index("\nPT ") + 1, text.rindex("\nER") + 4
        return text[:start], text[start:end] + "\n", "EF\n"
    if seed.fmt == "pubmed":
        return "", text.rstrip("\n") + "\n\n", ""
    return "", text if text.endswith("\n") else text + "\n", ""


# -- what a parse must give ------------------------------------------------------------------

# `FILE: message` or `FILE:LINE: message`, on one line
_REFUSAL = re.compile(r"(?P<file>[^\n:]+)(?::(?P<line>\d+))?: (?P<message>[^\n]+)")


def refusal_problem(message: str, file: str) -> str | None:
    """None when `message` is a proper refusal of `file`; else what is wrong with it."""
    match = _REFUSAL.fullmatch(message)
    if match is None:
        return f"not one `FILE:LINE: message` line: {message[:200]!r}"
    if match.group("file") != file:
        return f"names {match.group('file')!r}, not {file!r}"
    if len(message) > 1000:
        return f"a refusal of {len(message)} characters"
    return None


def outcome(path: Path, fmt: str | None = None, skip_invalid: bool = False) -> tuple[str, str]:
    """Parse one file as ingest does: ("imported", n records), ("refused", message) or
    ("crash", what went wrong). A refusal that is not one proper line counts as a crash."""
    from assistant.errors import InputError
    from assistant.ingest import parse_file

    try:
        result = parse_file(path, fmt, skip_invalid=skip_invalid)
    except InputError as error:
        problem = refusal_problem(str(error), error.file)
        if problem is not None or error.file not in (path.name, str(path)):
            return "crash", f"bad refusal: {problem or error.file}"
        return "refused", str(error)
    except Exception as error:  # noqa: BLE001 - every other exception is what we look for
        return "crash", f"{type(error).__name__}: {str(error)[:300]}"
    for skipped in result.skipped:
        problem = refusal_problem(str(skipped), skipped.file)
        if problem is not None:
            return "crash", f"bad skip message: {problem}"
    return "imported", f"{len(result.records)} records, {len(result.skipped)} skipped"
