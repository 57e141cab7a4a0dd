"""The kind of work (journal article, conference paper, preprint...) kept from each format
through import, merging and export.

Every conference paper came back out of `export --format bibtex` as `@article{journal =
{Proceedings of ...}}` and out of CSL-JSON as "article-journal"; preprints too. The files are
written by hand in the shape of each database's export (BibTeX as DBLP and Google Scholar write
it, a Scopus CSV header, Web of Science plain text, Zotero's CSL-JSON, EndNote XML, an arXiv API
feed, PubMed's MEDLINE text).
"""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.models import Paper

runner = CliRunner()

CONFERENCE_BIB = r"""@inproceedings{jouppi2017datacenter,
  title     = {In-Datacenter Performance Analysis of a Tensor Processing Unit},
  author    = {Jouppi, Norman P. and Young, Cliff},
  booktitle = {Proceedings of ISCA},
  pages     = {1--12},
  year      = {2017}
}
"""

CONFERENCE_RIS = """TY  - CONF
AU  - Hennessy, John
TI  - Reduced instruction set pipelines measured on silicon
T2  - International Symposium on Computer Architecture
PY  - 1982
ER  -
"""

SCOPUS_CSV = (
    '\ufeff"Authors","Author full names","Title","Year","Source title","Volume","Page start",'
    '"DOI","Abstract","Document Type","Publication Stage","Source","EID"\n'
    '"Khalid E.","Khalid, Eman (57209)","Federated learning on edge devices at scale",2021,'
    '"2021 IEEE International Conference on Edge Computing","","101","10.1109/edge.2021.1",'
    '"We train models on edge devices.","Conference Paper","Final","Scopus","2-s2.0-1"\n'
)

WOS_TXT = """\ufeffFN Clarivate Analytics Web of Science
VR 1.0
PT C
AU Smith, J
AF Smith, Jane
TI Sparse attention kernels for long documents
SO PROCEEDINGS OF THE WORKSHOP ON EFFICIENT NLP
DT Proceedings Paper
PY 2022
ER

EF
"""

CSL_ITEMS = [
    {
        "id": "lee2020graphs",
        "type": "paper-conference",
        "title": "Message passing on very large graphs",
        "container-title": "Advances in Graph Learning",
        "author": [{"family": "Lee", "given": "Ann"}],
        "issued": {"date-parts": [[2020]]},
    },
    {
        "id": "park2019thesis",
        "type": "thesis",
        "title": "Learning to rank citations",
        "author": [{"family": "Park", "given": "Min"}],
        "issued": {"date-parts": [[2019]]},
    },
]

ENDNOTE_XML = (
    '<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><rec-number>3</rec-number>'
    '<ref-type name="Conference Proceedings">10</ref-type><contributors><authors><author>'
    '<style face="normal" font="default" size="100%">Okafor, C.</style></author></authors>'
    '</contributors><titles><title><style face="normal" font="default" size="100%">Energy-aware '
    'scheduling of inference requests</style></title><secondary-title><style face="normal" '
    'font="default" size="100%">Proceedings of MLSys</style></secondary-title></titles><dates>'
    '<year><style face="normal" font="default" size="100%">2023</style></year></dates>'
    "</record></records></xml>"
)

CONFERENCE_TITLES = {
    "In-Datacenter Performance Analysis of a Tensor Processing Unit": "Proceedings of ISCA",
    "Reduced instruction set pipelines measured on silicon": (
        "International Symposium on Computer Architecture"
    ),
    "Federated learning on edge devices at scale": (
        "2021 IEEE International Conference on Edge Computing"
    ),
    "Sparse attention kernels for long documents": "PROCEEDINGS OF THE WORKSHOP ON EFFICIENT NLP",
    "Message passing on very large graphs": "Advances in Graph Learning",
    "Energy-aware scheduling of inference requests": "Proceedings of MLSys",
}

ARXIV_ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <entry>
    <id>http://arxiv.org/abs/2401.01234v2</id>
    <published>2024-01-03T18:00:00Z</published>
    <title>Retrieval heads in long-context models</title>
    <summary>We find attention heads that retrieve.</summary>
    <author><name>Wu Wenhao</name></author>
    <arxiv:primary_category term="cs.CL"/>
  </entry>
</feed>
"""

PUBMED_PREPRINT = """PMID- 36993456
TI  - Single-cell atlas of the ageing mouse retina.
AB  - We profile retinal cells across ages.
FAU - Garcia, Maria
DP  - 2023 Mar 20
PT  - Preprint
JT  - bioRxiv : the preprint server for biology

"""

SCHOLAR_PREPRINT = r"""@article{he2022rethinking,
  title={Rethinking with Retrieval: Faithful Large Language Model Inference},
  author={He, Hangfeng and Zhang, Hongming and Roth, Dan},
  journal={arXiv preprint arXiv:2301.00303},
  year={2022}
}
"""

PREPRINT_TITLES = {
    "Retrieval heads in long-context models",
    "Single-cell atlas of the ageing mouse retina",
    "Rethinking with Retrieval: Faithful Large Language Model Inference",
}


def _write(directory: Path) -> list[Path]:
    files = {
        "conference.bib": CONFERENCE_BIB,
        "conference.ris": CONFERENCE_RIS,
        "scopus.csv": SCOPUS_CSV,
        "savedrecs.txt": WOS_TXT,
        "zotero.json": json.dumps(CSL_ITEMS),
        "endnote.xml": ENDNOTE_XML,
        "arxiv.atom": ARXIV_ATOM,
        "pubmed.nbib": PUBMED_PREPRINT,
        "scholar.bib": SCHOLAR_PREPRINT,
    }
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [directory / name for name in files]


def _ingest(*paths: Path, data: list[str] = ()) -> None:  # type: ignore[assignment]
    result = runner.invoke(app, [*data, "ingest", *map(str, paths)])
    assert result.exit_code == 0, result.stderr


def _library(data: list[str] = ()) -> dict[str, dict]:  # type: ignore[assignment]
    result = runner.invoke(app, [*data, "library", "--json"])
    return {paper["title"]: paper for paper in json.loads(result.stdout)}


def _export(fmt: str, data: list[str] = ()) -> str:  # type: ignore[assignment]
    result = runner.invoke(app, [*data, "export", "--format", fmt])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_conference_papers_of_every_format_export_as_conference_papers(
    isolated_env: Path, tmp_path: Path
) -> None:
    _ingest(*_write(tmp_path))
    entries = {
        e["title"]: e for e in bibtexparser.parse_string(_export("bibtex")).entries
    }  # titles as written (no LaTeX in these)
    for title, venue in CONFERENCE_TITLES.items():
        entry = entries[title]
        assert entry.entry_type == "inproceedings", title
        assert entry["booktitle"] == venue and "journal" not in entry.fields_dict, title
    items = {item["title"]: item for item in json.loads(_export("csljson"))}
    for title, venue in CONFERENCE_TITLES.items():
        assert items[title]["type"] == "paper-conference", title
        assert items[title]["container-title"] == venue
    thesis = entries["Learning to rank citations"]
    assert thesis.entry_type == "phdthesis" and items["Learning to rank citations"]["type"] == (
        "thesis"
    )


def test_preprints_export_as_misc_with_their_eprint(isolated_env: Path, tmp_path: Path) -> None:
    _ingest(*_write(tmp_path))
    library = _library()
    assert library["Retrieval heads in long-context models"]["kind"] == "preprint"
    assert library["Single-cell atlas of the ageing mouse retina"]["kind"] == "preprint"
    entries = {e["title"]: e for e in bibtexparser.parse_string(_export("bibtex")).entries}
    for title in PREPRINT_TITLES:
        assert entries[title].entry_type == "misc", title
        assert "journal" not in entries[title].fields_dict, title
    heads = entries["Retrieval heads in long-context models"]
    assert heads["eprint"] == "2401.01234" and heads["archiveprefix"] == "arXiv"
    scholar = entries["Rethinking with Retrieval: Faithful Large Language Model Inference"]
    assert scholar["eprint"] == "2301.00303"
    assert scholar["howpublished"] == "arXiv preprint arXiv:2301.00303"
    retina = entries["Single-cell atlas of the ageing mouse retina"]
    assert retina["howpublished"] == "bioRxiv : the preprint server for biology"
    items = {item["title"]: item for item in json.loads(_export("csljson"))}
    assert all(items[title]["type"] == "article" for title in PREPRINT_TITLES)


def test_kinds_round_trip_through_bibtex_csljson_and_csv(
    isolated_env: Path, tmp_path: Path
) -> None:
    _ingest(*_write(tmp_path))
    before = _library()
    for fmt, name in (("bibtex", "again.bib"), ("csljson", "again.json"), ("csv", "again.csv")):
        out = tmp_path / name
        out.write_text(_export(fmt), encoding="utf-8")
        other = ["--data-dir", str(tmp_path / f"other-{fmt}")]
        _ingest(out, data=other)
        after = _library(other)
        assert sorted(after) == sorted(before), fmt
        for title, paper in before.items():
            again = after[title]
            assert (again["venue"], again["arxiv_id"]) == (paper["venue"], paper["arxiv_id"]), (
                fmt,
                title,
            )
            # the kind written is the one read back: what an export said the work is
            assert _export_kind(again) == _export_kind(paper), (fmt, title)
            if paper["kind"]:
                assert again["kind"] == paper["kind"], (fmt, title)


def _export_kind(record: dict) -> str:
    from assistant.ingest.kinds import export_kind

    return export_kind(Paper.model_validate(record))


def test_a_conference_paper_merged_with_its_preprint_stays_a_conference_paper(
    isolated_env: Path, tmp_path: Path
) -> None:
    # DBLP: the COCOON paper and its ECCC report; listed either way round, one conference paper
    conference = CONFERENCE_BIB.replace("jouppi2017datacenter", "jouppi2017")
    preprint = r"""@article{jouppi2017arxiv,
  title   = {In-Datacenter Performance Analysis of a Tensor Processing Unit},
  author  = {Jouppi, Norman P. and Young, Cliff},
  journal = {CoRR},
  volume  = {abs/1704.04760},
  eprint  = {1704.04760},
  year    = {2017}
}
"""
    for order, text in (("first", conference + "\n" + preprint), ("last", preprint + conference)):
        source = tmp_path / f"{order}.bib"
        source.write_text(text, encoding="utf-8")
        other = ["--data-dir", str(tmp_path / order)]
        _ingest(source, data=other)
        (paper,) = _library(other).values()
        assert paper["kind"] == "inproceedings" and paper["venue"] == "Proceedings of ISCA"
        (entry,) = bibtexparser.parse_string(_export("bibtex", other)).entries
        assert entry.entry_type == "inproceedings" and entry["booktitle"] == "Proceedings of ISCA"
        assert "volume" not in entry.fields_dict  # the preprint's volume is not the paper's


def test_a_library_without_kinds_exports_by_venue() -> None:
    from assistant.export import to_bibtex, to_csljson

    # a record stored before kinds were kept reads as kind None...
    old = Paper.model_validate_json('{"key": "old2019", "title": "T", "venue": "Proceedings of X"}')
    assert old.kind is None
    journals = [
        Paper(key=f"j{i}", title="T", venue=venue)
        for i, venue in enumerate(
            [
                "Proceedings of the National Academy of Sciences",
                "Proceedings of the IEEE",
                "Proceedings of the VLDB Endowment",
                "Nature",
            ]
        )
    ]
    conferences = [
        old,
        Paper(key="c1", title="T", venue="NeurIPS Workshop on Efficient Learning"),
        Paper(key="c2", title="T", venue="Symposium on Operating Systems Principles"),
    ]
    bare = Paper(key="m", title="T")
    entries = {
        e.key: e
        for e in bibtexparser.parse_string(to_bibtex([*journals, *conferences, bare])).entries
    }
    assert all(entries[p.key].entry_type == "article" for p in journals)
    assert all(entries[p.key].entry_type == "inproceedings" for p in conferences)
    assert entries["m"].entry_type == "misc"
    types = {i["id"]: i["type"] for i in json.loads(to_csljson([*journals, *conferences]))}
    assert {types[p.key] for p in journals} == {"article-journal"}
    assert {types[p.key] for p in conferences} == {"paper-conference"}


def test_zotero_item_types_are_kinds(isolated_env: Path, tmp_path: Path) -> None:
    from tests.test_formats import make_zotero

    directory = make_zotero(tmp_path / "Zotero")
    assert runner.invoke(app, ["ingest", "--zotero", str(directory)]).exit_code == 0
    library = _library()
    assert library["Graph kernels on GPUs"]["kind"] == "inproceedings"
    assert library["Private inference with garbled circuits"]["kind"] == "article"
    entries = {e["title"]: e for e in bibtexparser.parse_string(_export("bibtex")).entries}
    # "GPUs" braced: styles that lower-case titles keep it
    assert entries["Graph kernels on {GPUs}"].entry_type == "inproceedings"
    assert entries["Graph kernels on {GPUs}"]["booktitle"] == "Proceedings of Graphs"


def test_books_chapters_theses_and_reports_keep_their_entry_types() -> None:
    from assistant.export import to_bibtex, to_csljson
    from assistant.ingest.bibtex import parse_bibtex
    from assistant.ingest.csljson import parse_csljson

    bib = r"""@book{knuth1997art, title={The Art of Computer Programming}, author={Knuth, Donald},
  series={Addison-Wesley Series in Computer Science}, publisher={Addison-Wesley}, year={1997}}
@incollection{smith2010ch, title={Hashing}, author={Smith, Ann}, booktitle={Handbook of Data
  Structures}, pages={9--20}, year={2010}}
@mastersthesis{doe2015, title={Cache-aware joins}, author={Doe, Jo}, school={ETH Zurich},
  year={2015}}
@techreport{lamport1978, title={Time, Clocks}, author={Lamport, Leslie},
  institution={SRI International}, number={CSL-1}, year={1978}}
@misc{tool2020, title={A tool}, howpublished={\url{https://github.com/x/tool}}, year={2020}}
"""
    papers = {p.key: p for p in parse_bibtex(bib, "mixed.bib")}
    assert {k: (p.kind, p.venue) for k, p in papers.items()} == {
        "knuth1997art": ("book", "Addison-Wesley Series in Computer Science"),
        "smith2010ch": ("incollection", "Handbook of Data Structures"),
        "doe2015": ("thesis", "ETH Zurich"),
        "lamport1978": ("report", "SRI International"),
        "tool2020": ("misc", None),  # a link is no venue
    }
    exported = to_bibtex(list(papers.values()))
    entries = {e.key: e for e in bibtexparser.parse_string(exported).entries}
    assert {k: e.entry_type for k, e in entries.items()} == {
        "knuth1997art": "book",
        "smith2010ch": "incollection",
        "doe2015": "phdthesis",
        "lamport1978": "techreport",
        "tool2020": "misc",
    }
    assert entries["doe2015"]["type"] == "Master's thesis"  # what BibTeX styles print
    assert entries["doe2015"]["school"] == "ETH Zurich"
    assert entries["lamport1978"]["institution"] == "SRI International"
    assert "https://github.com/x/tool" in entries["tool2020"]["howpublished"]  # kept in extra
    again = {p.key: p for p in parse_bibtex(exported, "again.bib")}
    for key, paper in papers.items():
        assert (again[key].kind, again[key].venue, again[key].extra) == (
            paper.kind,
            paper.venue,
            paper.extra,
        ), key
    types = {i["id"]: i["type"] for i in json.loads(to_csljson(list(papers.values())))}
    assert types == {"knuth1997art": "book", "smith2010ch": "chapter", "doe2015": "thesis",
                     "lamport1978": "report", "tool2020": "document"}  # fmt: skip
    reread = parse_csljson(to_csljson(list(papers.values())), "again.json")
    assert {p.key: p.kind for p in reread} == {k: p.kind for k, p in papers.items()}


# -- citation keys of surnames with particles ----------------------------------------------------

PARTICLE_BIB = r"""@article{x1,
  title  = {Graph neural networks for molecules},
  author = {van der Berg, Jan and Smith, Ann},
  year   = {2020}
}
"""


def test_generated_keys_use_the_whole_surname_with_its_particles() -> None:
    from assistant.ingest.merge import base_key

    def key(*authors: str) -> str:
        return base_key(Paper(title="Graph neural networks", authors=list(authors), year=2020))

    # as Better BibTeX keys on the family name: "van der Berg", not "Berg", in any name form
    assert key("Jan van der Berg") == "vanderberg2020graph"
    assert key("van der Berg, Jan") == "vanderberg2020graph"
    assert key("Aaron Van Den Oord") == "vandenoord2020graph"
    assert key("Ludwig van Beethoven") == "vanbeethoven2020graph"
    assert key("Thanh Van Nguyen") == "nguyen2020graph"  # a middle name, not a particle
    assert key("Di He") == "he2020graph"  # a given name, not a particle
    assert key("Cong Guo") == "guo2020graph"


def test_a_library_keeps_the_keys_it_holds_when_the_key_convention_changes(
    isolated_env: Path, tmp_path: Path, monkeypatch
) -> None:
    import assistant.ingest.merge as merge

    # a library whose keys were made before particles counted: "berg2020graph"
    new_convention = merge._key_surname
    monkeypatch.setattr(merge, "_key_surname", merge._last_word_surname)
    source = tmp_path / "papers.csv"
    source.write_text(
        "title,authors,year,abstract\n"
        "Graph neural networks for molecules,Jan van der Berg; Ann Smith,2020,"
        "We embed molecules.\n",
        encoding="utf-8",
    )
    _ingest(source)
    assert list(_library()) and next(iter(_library().values()))["key"] == "berg2020graph"
    monkeypatch.setattr(merge, "_key_surname", new_convention)  # not undo(): HOME is patched
    # the same file again with a new paper of the same author: the held key stays, the new
    # paper gets a key under the new convention
    source.write_text(
        source.read_text(encoding="utf-8")
        + "Graph kernels revisited,Jan van der Berg,2020,We revisit kernels on graphs.\n"
        + "Graph neural networks for molecules,Jan van der Berg; Ann Smith,2020,"
        "We embed molecules as graphs.\n",
        encoding="utf-8",
    )
    _ingest(source)
    keys = {title: paper["key"] for title, paper in _library().items()}
    assert keys == {
        "Graph neural networks for molecules": "berg2020graph",
        "Graph kernels revisited": "vanderberg2020graph",
    }


def test_keys_spell_other_scripts_in_latin_letters() -> None:
    from assistant.ingest.merge import base_key

    def key(title: str, *authors: str, year: int | None = 2009) -> str:
        return base_key(Paper(title=title, authors=list(authors), year=year))

    # a Russian, Greek, Chinese, Japanese or Korean paper was "anon2009untitled"
    assert key("Методы анализа данных", "Иван Иванов") == "ivanov2009metody"
    assert key("Μέθοδοι ανάλυσης", "Γιώργος Παπαδόπουλος") == "papadopoylos2009methodoi"
    # a Chinese name without a space: its first character is the family name; a title is one
    # run of characters, of which a key keeps the first word of two
    assert key("参考文献管理工具研究", "余敏", "朱江") == "yu2009cankao"
    assert key("環境 DNA 分析による評価", "誠二 宮園") == "gongyuan2009huanjing"
    assert key("심장 협착증 진단 알고리즘", "이지영") == "i2009simjang"
    assert key("Straße und Ørsted", "Łukasz Kępa") == "kepa2009strasse"  # ß, Ø, Ł kept


def test_a_library_keeps_keys_made_before_other_scripts_were_spelled(
    isolated_env: Path, tmp_path: Path, monkeypatch
) -> None:
    import assistant.ingest.merge as merge

    # a library whose keys were made when other scripts were dropped: "anon2009untitled"
    transliterated = merge._transliterated
    monkeypatch.setattr(merge, "_transliterated", merge._ascii)
    source = tmp_path / "refs.enw"
    source.write_text(
        "%0 Journal Article\n%T Методы анализа данных\n%A Иванов, Иван\n%D 2009\n",
        encoding="utf-8",
    )
    _ingest(source)
    assert [paper["key"] for paper in _library().values()] == ["anon2009untitled"]
    monkeypatch.setattr(merge, "_transliterated", transliterated)
    source.write_text(
        source.read_text(encoding="utf-8")
        + "\n%0 Journal Article\n%T Методы синтеза данных\n%A Иванов, Иван\n%D 2009\n",
        encoding="utf-8",
    )
    _ingest(source)
    keys = {title: paper["key"] for title, paper in _library().items()}
    assert keys == {
        "Методы анализа данных": "anon2009untitled",  # held: drafts cite it
        "Методы синтеза данных": "ivanov2009metody",
    }


# -- volume, pages, publisher... in CSV and CSL-JSON ----------------------------------------------


def test_csljson_and_csv_exports_keep_volume_pages_and_publisher(
    isolated_env: Path, tmp_path: Path
) -> None:
    from tests.test_real_exports import DBLP_PAPER_AND_PREPRINT

    # the DBLP conference paper: its volume, pages, series and publisher are the citation's
    (tmp_path / "dblp.bib").write_text(DBLP_PAPER_AND_PREPRINT.split("\n\n")[0] + "\n")
    _ingest(tmp_path / "dblp.bib")
    (paper,) = _library().values()
    assert paper["extra"] == {"series": "Lecture Notes in Computer Science", "volume": "9198",
                              "pages": "199–210", "publisher": "Springer"}  # fmt: skip
    (item,) = json.loads(_export("csljson"))
    assert (item["volume"], item["page"], item["publisher"]) == ("9198", "199–210", "Springer")
    assert item["collection-title"] == "Lecture Notes in Computer Science"
    rows = _export("csv").splitlines()
    header = rows[0].split(",")
    assert {"volume", "pages", "publisher", "series"} <= set(header)
    for fmt, name in (("csljson", "again.json"), ("csv", "again.csv")):
        out = tmp_path / name
        out.write_text(_export(fmt), encoding="utf-8")
        other = ["--data-dir", str(tmp_path / f"other-{fmt}")]
        _ingest(out, data=other)
        (again,) = _library(other).values()
        assert again["extra"] == paper["extra"], fmt
        assert (again["kind"], again["venue"]) == ("inproceedings", "COCOON"), fmt


def test_a_foreign_csv_column_is_not_taken_as_an_extra_field(tmp_path: Path) -> None:
    from assistant.ingest.tabular import parse_csv

    # a Scopus export's other columns (Cited by, EID...) are not litreview's extra fields
    (paper,) = parse_csv(SCOPUS_CSV, "scopus.csv")
    assert paper.extra == {} and paper.kind == "inproceedings"


def test_show_says_what_kind_of_work_a_paper_is(isolated_env: Path, tmp_path: Path) -> None:
    # `show --json` carried the kind; the panel a person reads did not
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@inproceedings{kim2024fast, title={Fast Things}, author={Kim, Bo}, year={2024},\n"
        "  booktitle={Proceedings of ISCA}, abstract={We make things fast.}}\n"
        "@article{lee2023slow, title={Slow Things}, author={Lee, Ada}, year={2023},\n"
        "  journal={Journal of Slowness}, abstract={We make things slow.}}\n"
        "@misc{park2025any, title={Any Things}, author={Park, Jo}, year={2025},\n"
        "  eprint={2501.00001}, archiveprefix={arXiv}, abstract={We make things.}}\n"
    )
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(bib)]).exit_code == 0
    for key, label in (
        ("kim2024fast", "2024 · conference paper · Proceedings of ISCA"),
        ("lee2023slow", "2023 · journal article · Journal of Slowness"),
        ("park2025any", "2025 · preprint"),
    ):
        shown = runner.invoke(app, ["show", key], env={"COLUMNS": "200"})
        assert shown.exit_code == 0 and label in shown.stdout, shown.stdout


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("Thesis/Dissertation", "thesis"),  # NASA ADS's RefMan and ProCite RIS
        ("Book, Whole", "book"),  # ProCite
        ("Miscellaneous", "misc"),
        ("CASE", "misc"),  # EPPI-Reviewer's RIS: a legal case, a serial
        ("SER", "misc"),
        ("INPR", "article"),  # in press
        ("GOVDOC", "report"),
    ],
)
def test_more_ris_type_names_are_kinds(written: str, kind: str) -> None:
    # the third sweep of real exports: these TY names gave no kind at all
    from assistant.ingest.kinds import kind_named

    assert kind_named(written) == kind
