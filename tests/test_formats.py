"""The formats researchers export from their tools: CSL-JSON, PubMed/MEDLINE, Web of Science plain
text, EndNote XML, and Zotero's own database. Fixtures in tests/fixtures (see SOURCES.md there).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import InputError
from assistant.ingest import parse_file
from assistant.ingest.csljson import parse_csljson
from assistant.ingest.endnote import parse_endnote
from assistant.ingest.pubmed import parse_pubmed
from assistant.ingest.wos import parse_wos
from assistant.ingest.zotero import read_zotero
from assistant.library import Library

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()

PLOS_TITLES = [
    "Caregivers' views on stigmatization and discrimination of people affected by leprosy in Ghana",
    "Interventions to maximize facial cleanliness and achieve environmental improvement for "
    "trachoma elimination: A review of the grey literature",
    "Emerging trends of Zika apprehension in an epidemic setting",
]
PLOS_DOIS = [
    "10.1371/journal.pntd.0006219",
    "10.1371/journal.pntd.0006178",
    "10.1371/journal.pntd.0006167",
]


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8-sig")


def library_json() -> list[dict]:
    code, out, err = run("library", "--json")
    assert code == 0, err
    return json.loads(out)


# -- CSL-JSON ---------------------------------------------------------------------------------

CSL = """[
  {
    "id": "lee2021private",
    "citation-key": "lee2021private",
    "type": "article-journal",
    "title": "Private inference with <i>garbled</i> circuits",
    "author": [
      {"family": "Lee", "given": "Ann"},
      {"family": "Luxburg", "non-dropping-particle": "von", "given": "Ulrike"},
      {"family": "King", "given": "Martin Luther", "suffix": "Jr."}
    ],
    "issued": {"date-parts": [["2021", 6, 2]]},
    "container-title": "Journal of Private Things",
    "DOI": "https://doi.org/10.1000/XYZ",
    "URL": "https://example.org/lee",
    "keyword": "privacy; cryptography",
    "abstract": "<jats:p>We evaluate neural networks under garbled circuits.</jats:p>"
  },
  {
    "id": "ITEM-2",
    "type": "report",
    "title": "Group report",
    "author": [{"literal": "World Health Organization"}],
    "issued": {"raw": "2019-03"}
  },
  {
    "id": "http://zotero.org/users/1/items/ABCD2345",
    "type": "article",
    "title": "A preprint",
    "number": "arXiv:2101.00001",
    "issued": {"date-parts": [[2020]]},
    "abstract": "Preprints get keys from the library."
  }
]
"""


def test_csljson_items_keys_names_dates_and_markup() -> None:
    first, second, third = parse_csljson(CSL, "refs.json")
    assert (first.key, first.own_key) == ("lee2021private", True)
    assert first.title == "Private inference with garbled circuits"
    assert first.authors == ["Ann Lee", "Ulrike von Luxburg", "Martin Luther King, Jr."]
    assert (first.year, first.date) == (2021, "2021-06-02")
    assert (first.venue, first.doi, first.url) == (
        "Journal of Private Things",
        "10.1000/XYZ",
        "https://example.org/lee",
    )
    assert first.categories == ["privacy", "cryptography"]
    assert first.abstract == "We evaluate neural networks under garbled circuits."
    assert first.sources[0].line == 2
    assert (second.key, second.authors, second.year, second.date) == (
        "ITEM-2",
        ["World Health Organization"],
        2019,
        "2019-03",
    )
    # Zotero's own export writes item URIs as ids: not citation keys
    assert (third.key, third.own_key, third.arxiv_id, third.year) == ("", False, "2101.00001", 2020)


def test_csljson_real_zotero_export() -> None:
    (paper,) = parse_csljson(fixture_text("zotero-csl-export.json"), "Exported Items.json")
    assert paper.title == "Google Quantum AI's Quest for Error-Corrected Quantum Computers"
    assert paper.authors == ["M. AbuGhanem"]
    assert (paper.year, paper.doi, paper.arxiv_id) == (
        2024,
        "10.48550/ARXIV.2410.00917",
        "2410.00917",
    )
    assert paper.abstract.startswith("Quantum computers stand at the forefront")
    assert not paper.own_key  # "http://zotero.org/users/19396332/items/JZC78ECC"


def test_csljson_single_object_and_objects_one_a_line() -> None:
    single = '{\n  "id": "solo", "title": "Alone", "issued": {"date-parts": [[1999]]}\n}\n'
    assert [(p.key, p.year) for p in parse_csljson(single, "one.json")] == [("solo", 1999)]
    lines = '{"id": "a", "title": "First"}\n{"id": "b", "title": "Second"}\n'
    assert [p.key for p in parse_csljson(lines, "lines.json")] == ["a", "b"]
    plain = '[{"title": "T", "authors": "Doe, Jane; Roe, Rich", "year": 2001}]'  # not CSL: read too
    assert [(p.authors, p.year) for p in parse_csljson(plain, "x.json")] == [
        (["Jane Doe", "Rich Roe"], 2001)
    ]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('[\n  {"id": "a", "title": "A"},\n  {"id": "b", "note": "x"}\n]', 3, "neither"),
        ('[\n  {"id": "a", "title": "A"}\n  {"id": "b"}\n]', 3, "expected ','"),
        ('[\n  {"id": "a",\n   "title": "A",,\n  }\n]', 3, "invalid JSON"),
        (
            '[\n  {"id": "a", "title": "A", "issued": {"date-parts": [["20x0"]]}}\n]',
            2,
            "not a year",
        ),
        ('[\n  "just a string"\n]', 2, "must be a JSON object"),
        ('[\n  {"id": "a", "title": "A"}\n', 3, "not closed"),
        ("[]", None, "no CSL items"),
    ],
)
def test_csljson_errors_name_the_line(text: str, line: int | None, needle: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_csljson(text, "bad.json")
    assert caught.value.line == line and needle in str(caught.value)


def test_csljson_skip_invalid_leaves_out_one_item_even_on_one_line(tmp_path: Path) -> None:
    pretty = tmp_path / "pretty.json"
    pretty.write_text(
        '[\n  {"id": "a", "title": "Kept one"},\n  {"id": "b",\n   "note": "no title"},\n'
        '  {"id": "c", "title": "Kept two"},\n  {"id": "d", "issued": {"raw": "soon"}}\n]\n'
    )
    result = parse_file(pretty, skip_invalid=True)
    assert [p.key for p in result.records] == ["a", "c"]
    assert [(e.line, e.detail.split(" ")[0]) for e in result.skipped] == [(3, "item"), (6, "item")]
    one_line = tmp_path / "one.json"
    one_line.write_text('[{"id": "a", "title": "A"}, {"id": "b"}, {"id": "c", "title": "C"}]')
    result = parse_file(one_line, skip_invalid=True)
    assert [p.key for p in result.records] == ["a", "c"] and len(result.skipped) == 1


# -- PubMed / MEDLINE -------------------------------------------------------------------------


def test_pubmed_records() -> None:
    papers = parse_pubmed(fixture_text("plos-ntd.nbib"), "plos-ntd.nbib")
    assert [p.title for p in papers] == PLOS_TITLES  # MEDLINE's final period dropped
    assert [p.doi for p in papers] == PLOS_DOIS
    first = papers[0]
    assert first.authors == ["Emmanuel Asampong", "Mavis Dako-Gyeke", "Razak Oduro"]
    assert (first.year, first.date, first.venue) == (
        2018,
        "2018-01",
        "PLoS neglected tropical diseases",
    )
    assert first.abstract.startswith("BACKGROUND: Leprosy is a condition that has long been")
    assert first.abstract.endswith("prevailing economic conditions in the country.")
    assert "  " not in first.abstract  # wrapped lines joined
    assert (first.url, first.extra) == (
        "https://pubmed.ncbi.nlm.nih.gov/29377890/",
        {"pmid": "29377890"},
    )
    assert {"Caregivers", "Leprosy", "Social Stigma", "Ghana"} <= set(first.categories)
    assert not first.key and not first.own_key
    assert [p.sources[0].line for p in papers] == [1, 63, 132]


def test_pubmed_real_medline_record() -> None:
    (paper,) = parse_pubmed(fixture_text("jabref-medline.txt"), "medline.txt")
    assert paper.title == (
        "From danger and motherhood to health and beauty: health advice for the factory girl in "
        "early twentieth-century Britain"
    )
    assert paper.authors == ["Vicky Long", "Hilary Marland"]
    assert (paper.year, paper.venue) == (2009, "20 century British history")
    assert paper.extra == {"pmid": "20481061", "pmcid": "PMC4513071"}
    assert "Occupational Health" in paper.categories and "Humans" in paper.categories


def test_pubmed_short_names_group_authors_and_translated_titles() -> None:
    text = (
        "PMID- 1\nTI  - [Diagnosis of leprosy in children].\nAU  - Woyach JA\nAU  - Smith J\n"
        "CN  - GBD 2016 Collaborators\nDP  - 1999 Winter\nAID - 10.1/x [doi]\n"
        "PMID- 2\nTI  - Second without a blank line before it\nDP  - 2001 Jan-Feb\n"
    )
    first, second = parse_pubmed(text, "x.nbib")
    assert first.title == "Diagnosis of leprosy in children"
    assert first.authors == ["JA Woyach", "J Smith", "GBD 2016 Collaborators"]
    assert (first.year, first.date, first.doi) == (1999, None, "10.1/x")
    assert (second.title, second.date, second.sources[0].line) == (
        "Second without a blank line before it",
        "2001-01",
        8,
    )


def test_nasa_ads_medlars_records_are_read() -> None:
    # NASA ADS's MEDLARS export (ads_medlars.nbib) writes its URL under the tag "4099": every one
    # of its 24 records was refused as "not a MEDLINE line"
    (paper,) = parse_pubmed(
        "PT  - Journal Article\nTI  - Book reviews\nTA  - Wthr\n"
        "SO  - Weather, vol. 73, issue 1, pp. 35-35\nDP  - 2018 Jan 01\n"
        "4099- https://ui.adsabs.harvard.edu/abs/2018Wthr...73Q..35.\nAB  - Not Available <P />\n"
        "IS  - 0043-1656\n",
        "ads_medlars.nbib",
    )
    assert (paper.title, paper.year) == ("Book reviews", 2018)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("PMID- 1\nTI  - fine\n\nPMID- 2\nXX something\n", 5, "not a MEDLINE line"),
        ("PMID- 1\nTI  - fine\n\nPMID- 2\nDP  - 2001\n", 4, "neither a title"),
        ("PMID- 1\nTI  - t\nDP  - 20x1 Jan\n", 1, "not a year"),
        ("      continued\n", 1, "continuation line outside"),
    ],
)
def test_pubmed_errors_name_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_pubmed(text, "bad.nbib")
    assert caught.value.line == line and needle in str(caught.value)
    assert str(caught.value).startswith(f"bad.nbib:{line}: ")


def test_tagged_formats_leave_out_a_whole_record_with_a_bad_line(tmp_path: Path) -> None:
    files = {
        "a.nbib": "PMID- 1\nTI  - One\n\nPMID- 2\nTI  - Two\nXX broken\nAB  - more\n\n"
        "PMID- 3\nTI  - Three\n",
        "savedrecs.txt": "FN x\nVR 1.0\nPT J\nTI One\nER\n\nPT J\nTI Two\nbroken line\nAB more\n"
        "ER\n\nPT J\nTI Three\nER\n\nEF\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        result = parse_file(path, skip_invalid=True)
        assert [p.title for p in result.records] == ["One", "Three"], name  # not half of "Two"
        assert [e.line for e in result.skipped] == [6 if name == "a.nbib" else 9]


# -- Web of Science plain text ----------------------------------------------------------------


def test_wos_records() -> None:
    papers = parse_wos(fixture_text("plos-ntd-savedrecs.txt"), "savedrecs.txt")
    assert [p.title for p in papers] == PLOS_TITLES
    assert [p.doi for p in papers] == PLOS_DOIS
    second = papers[1]
    assert second.authors == ["Maryann G. Delea", "Hiwote Solomon", "Anthony W. Solomon",
                              "Matthew C. Freeman"]  # fmt: skip
    assert (second.year, second.date, second.venue) == (
        2018,
        "2018-01",
        "PLOS NEGLECTED TROPICAL DISEASES",
    )
    assert second.abstract.startswith("Background Efforts are underway to scale-up")
    assert second.categories[-4:] == [
        "IMPACT",
        "FACE",
        "DISEASE",
        "WATER",
    ]  # ID went on over two lines
    assert second.extra == {"wos": "WOS:000424022700040", "pmid": "29370169"}
    assert [p.sources[0].line for p in papers] == [3, 47, 92]


def test_wos_real_isi_export() -> None:
    first, second = parse_wos(fixture_text("jabref-wos.isi"), "jabref-wos.isi")
    assert (
        first.title == "Optical and photoelectric spectroscopy of photorefractive Sn2P2S6 crystals"
    )
    assert first.authors[:2] == ["RV Gamernyk", "YP Gnatenko"]  # AU only: no AF lines
    assert (first.year, first.date) == (2006, "2006-06-14")
    assert second.abstract.startswith("Planar waveguides in nonlinear optical crystals")
    assert second.categories[:2] == ["REFRACTIVE-INDEX PROFILES", "INFRARED WAVELENGTHS"]


def test_wos_keywords_broken_mid_phrase_and_peer_review_dois() -> None:
    text = (
        "PT J\nAU Doe, J\nTI A title\nID CLUSTER-RANDOMIZED TRIAL; LATRINE\n   PROMOTION; HERD\n"
        "   PROTECTION\nPY 2020\n"
        "DI 10.1371/journal.pmed.1002972; 10.1371/journal.pmed.1002972.r001\nER\n"
    )
    (paper,) = parse_wos(text, "x.txt")
    assert paper.categories == ["CLUSTER-RANDOMIZED TRIAL", "LATRINE PROMOTION", "HERD PROTECTION"]
    assert paper.doi == "10.1371/journal.pmed.1002972"  # the review DOIs PLOS adds left out


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("FN x\nVR 1.0\nPT J\nTI a\nER\n\nPT J\nTI b\nPT J\nTI c\nER\n", 7, "no 'ER'"),
        ("FN x\nVR 1.0\nPT J\nTI a\nER\nstray text\n", 6, "expected a record"),
        ("PT J\nTI a\nER\n\nPT J\nAU Doe, J\nPY 2020\nER\n", 5, "neither a title"),
        ("PT J\nTI a\nPY 19x9\nER\n", 1, "not a year"),
        ("PT J\nTI a\nlower case line\nER\n", 3, "not a Web of Science line"),
    ],
)
def test_wos_errors_name_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_wos(text, "savedrecs.txt")
    assert caught.value.line == line and needle in str(caught.value)


# -- EndNote XML --------------------------------------------------------------------------------


def test_endnote_one_line_export() -> None:
    papers = parse_endnote(fixture_text("plos-ntd-endnote.xml"), "NTD.xml")
    assert [p.title for p in papers] == PLOS_TITLES  # style runs joined: "<i>Zika</i>"
    assert [p.doi for p in papers] == PLOS_DOIS
    first = papers[0]
    assert first.authors == ["E. Asampong", "M. Dako-Gyeke", "R. Oduro"]
    assert (first.year, first.date, first.venue) == (2018, "2018-01", "PLoS Negl Trop Dis")
    assert first.abstract.startswith("Background Leprosy is a condition")
    assert first.url == "https://journals.plos.org/plosntds/article?id=10.1371/journal.pntd.0006219"
    assert first.categories == ["leprosy", "stigma", "discrimination", "caregivers", "Ghana"]
    assert [p.sources[0].line for p in papers] == [1, 1, 1]  # EndNote writes one line


def test_endnote_real_bookends_export() -> None:
    (paper,) = parse_endnote(fixture_text("jabref-endnote-article.xml"), "article.xml")
    assert paper.title == (
        "Trends in the lifetime risk of developing cancer in Great Britain: comparison of risk "
        "for those born from 1930 to 1960"
    )
    assert paper.authors == ["AS Ahmad", "N Ormiston-Smith", "PD Sasieni"]
    assert (paper.year, paper.date, paper.venue) == (2015, "2015-03-03", "Br J Cancer")
    assert (paper.doi, paper.url) == (
        "10.1038/bjc.2014.606",
        "http://www.ncbi.nlm.nih.gov/pubmed/25647015",
    )
    assert paper.abstract == "test abstract"
    assert paper.categories[:2] == ["Age Factors", "Aged"]
    assert paper.sources[0].line == 4


def test_endnote_label_keys_and_editors() -> None:
    text = (
        "<xml><records><record><contributors><secondary-authors><author>Hancke, Bob</author>"
        "</secondary-authors></contributors><titles><title>Edited</title></titles>"
        '<label><style face="normal">test_item_2021</style></label></record>'
        "<record><titles><title>Labelled</title></titles><label>Important</label></record>"
        "<record><titles><title>Shelf</title></titles><label>B4</label></record></records></xml>"
    )
    edited, labelled, shelf = parse_endnote(text, "lib.xml")
    assert (edited.key, edited.own_key, edited.authors) == ("test_item_2021", True, ["Bob Hancke"])
    assert (labelled.key, labelled.own_key, shelf.key) == ("", False, "")


ENDNOTE = (
    '<?xml version="1.0" encoding="UTF-8" ?><xml><records>'
    "<record><rec-number>1</rec-number><titles><title>One</title></titles></record>"
    "<record><rec-number>7</rec-number><dates><year>2001</year></dates></record>"
    "<record><rec-number>9</rec-number><titles><title>Three</title></titles></record>"
    "</records></xml>"
)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (ENDNOTE, 1, "record 2 (rec-number 7) has neither a <title> nor an <abstract>"),
        (
            "<xml><records>\n<record><titles><title>a</title></record>\n</records></xml>",
            2,
            "malformed XML: mismatched tag",
        ),  # fmt: skip
        ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]><xml/>', None, "DOCTYPE"),
        ('<feed xmlns="http://www.w3.org/2005/Atom"></feed>', 1, "not EndNote XML"),
        (
            "<xml><records>\n<record><titles><title>a</title></titles>"
            "<dates><year>MMXX</year></dates></record></records></xml>",
            2,
            "not a year",
        ),  # fmt: skip
    ],
)
def test_endnote_errors(text: str, line: int | None, needle: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_endnote(text, "lib.xml")
    assert caught.value.line == line and needle in str(caught.value)


def test_endnote_skip_invalid_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "lib.xml"
    path.write_text(ENDNOTE)
    result = parse_file(path, skip_invalid=True)
    assert [p.title for p in result.records] == ["One", "Three"]
    assert [str(e) for e in result.skipped] == [
        "lib.xml:1: record 2 (rec-number 7) has neither a <title> nor an <abstract>"
    ]


# -- detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("zotero-csl-export.json", "csljson"),
        ("plos-ntd.nbib", "pubmed"),
        ("jabref-medline.txt", "pubmed"),
        ("plos-ntd-savedrecs.txt", "wos"),
        ("jabref-wos.isi", "wos"),
        ("plos-ntd-endnote.xml", "endnote"),
        ("jabref-endnote-article.xml", "endnote"),
    ],
)
def test_detection_by_content_without_the_extension(tmp_path: Path, name: str, fmt: str) -> None:
    bare = tmp_path / "export"
    shutil.copy(FIXTURES / name, bare)
    assert parse_file(bare).records[0].sources[0].format == fmt
    assert parse_file(FIXTURES / name).records[0].sources[0].format == fmt


def test_detection_tells_lookalikes_apart(tmp_path: Path) -> None:
    cases = {
        # .xml: EndNote's <xml> root, else Atom
        "feed.xml": (
            '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
            "<title>T</title><summary>S</summary></entry></feed>",
            "atom",
        ),  # fmt: skip
        # .json: a CSL array or object, else JSON Lines
        "lines.json": ('{"id": "a", "title": "T"}\n{"id": "b", "title": "U"}\n', "jsonl"),
        "csl-line.json": (
            '{"id": "a", "title": "T", "issued": {"date-parts": [[2001]]}}\n',
            "csljson",
        ),
        # the tab-delimited Web of Science export is the CSV reader's
        "savedrecs-tab.txt": ("PT\tAU\tTI\tPY\nJ\tDoe, J\tA title\t2020\n", "csv"),
    }
    for name, (text, fmt) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        assert parse_file(path).records[0].sources[0].format == fmt, name


def test_unknown_format_lists_the_new_ones(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some words\n")
    code, _, err = run("ingest", str(path))
    assert code == 2 and "csljson|pubmed|wos|endnote" in err


# -- through the CLI ----------------------------------------------------------------------------

BAD_FILES = {
    "bad.json": (
        '[\n {"id": "good1", "title": "Good one"},\n {"id": "bad", "note": "x"},\n'
        ' {"id": "good2", "title": "Good two"}\n]\n',
        3,
    ),  # fmt: skip
    "bad.nbib": ("PMID- 1\nTI  - Good one\n\nPMID- 2\nDP  - 2001\n\nPMID- 3\nTI  - Good two\n", 4),
    "savedrecs.txt": (
        "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI Good one\nER\n\n"
        "PT J\nTI Bad\nPY 20x0\nER\n\nPT J\nTI Good two\nER\n\nEF\n",
        7,
    ),  # fmt: skip
    "bad.xml": (
        '<?xml version="1.0"?>\n<xml><records>\n'
        "<record><titles><title>Good one</title></titles></record>\n"
        "<record><dates><year>2001</year></dates></record>\n"
        "<record><titles><title>Good two</title></titles></record>\n</records></xml>\n",
        4,
    ),  # fmt: skip
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_cli_malformed_record_exits_2_and_skip_invalid_keeps_the_rest(
    isolated_env: Path, tmp_path: Path, name: str
) -> None:
    text, line = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text)
    code, _, err = run("ingest", str(path))
    assert code == 2
    assert err.startswith(f"litreview: {name}:{line}: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert json.loads(run("stats", "--json")[1])["papers"] == 0  # nothing written
    code, out, err = run("ingest", str(path), "--skip-invalid")
    assert code == 0, err
    assert f"skipped {name}:{line}:" in err and "Skipped 1 invalid record" in out
    assert sorted(p["title"] for p in library_json()) == ["Good one", "Good two"]


def test_the_same_papers_from_three_databases_merge(isolated_env: Path) -> None:
    files = [
        FIXTURES / n for n in ("plos-ntd.nbib", "plos-ntd-savedrecs.txt", "plos-ntd-endnote.xml")
    ]
    code, _, err = run("ingest", *map(str, files))
    assert code == 0, err
    papers = library_json()
    assert sorted(p["doi"] for p in papers) == sorted(PLOS_DOIS)
    assert all(
        sorted(s["format"] for s in p["sources"]) == ["endnote", "pubmed", "wos"] for p in papers
    )


def test_csljson_export_imports_again_with_the_same_keys(
    sample_library: Library, tmp_path: Path
) -> None:
    out = tmp_path / "library.json"
    code, _, err = run("export", "--format", "csljson", "--out", str(out))
    assert code == 0, err
    parsed = {p.key: p for p in parse_csljson(out.read_text(), out.name)}
    library = {p.key: p for p in sample_library.papers()}
    assert set(parsed) == set(library)
    for key, paper in library.items():
        assert parsed[key].own_key
        assert (parsed[key].title, parsed[key].authors, parsed[key].year) == (
            paper.title,
            paper.authors,
            paper.year,
        ), key
        assert parsed[key].abstract == paper.abstract
    assert parse_file(out).records[0].sources[0].format == "csljson"  # .json detected as CSL


# -- Zotero -------------------------------------------------------------------------------------

# System rows with Zotero's ids (resource/schema/system-107.sql); the annotation item type is
# Zotero 6's, with an id of our own.
ZOTERO_SYSTEM = """
INSERT INTO itemTypes VALUES (1,'note',NULL,0);
INSERT INTO itemTypes VALUES (2,'book',NULL,2);
INSERT INTO itemTypes VALUES (4,'journalArticle',NULL,2);
INSERT INTO itemTypes VALUES (14,'attachment',NULL,0);
INSERT INTO itemTypes VALUES (33,'conferencePaper',NULL,1);
INSERT INTO itemTypes VALUES (90,'annotation',NULL,0);
INSERT INTO fields VALUES (1,'url',NULL);
INSERT INTO fields VALUES (12,'publicationTitle',NULL);
INSERT INTO fields VALUES (14,'date',NULL);
INSERT INTO fields VALUES (22,'extra',NULL);
INSERT INTO fields VALUES (26,'DOI',NULL);
INSERT INTO fields VALUES (90,'abstractNote',NULL);
INSERT INTO fields VALUES (110,'title',NULL);
INSERT INTO fields VALUES (114,'proceedingsTitle',NULL);
INSERT INTO creatorTypes VALUES(1, 'author');
INSERT INTO creatorTypes VALUES(3, 'editor');
INSERT INTO itemTypeCreatorTypes VALUES(2,1,1);
INSERT INTO itemTypeCreatorTypes VALUES(2,3,0);
INSERT INTO itemTypeCreatorTypes VALUES(4,1,1);
INSERT INTO itemTypeCreatorTypes VALUES(4,3,0);
INSERT INTO itemTypeCreatorTypes VALUES(33,1,1);
INSERT INTO itemTypeCreatorTypes VALUES(33,3,0);
"""
FIELD_IDS = {"url": 1, "publicationTitle": 12, "date": 14, "extra": 22, "DOI": 26,
             "abstractNote": 90, "title": 110, "proceedingsTitle": 114}  # fmt: skip
TYPE_IDS = {"note": 1, "book": 2, "journalArticle": 4, "attachment": 14, "conferencePaper": 33,
            "annotation": 90}  # fmt: skip

# (itemID, key, type, fields, creators as (first, last, fieldMode, type, orderIndex), tags)
ZOTERO_ITEMS = [
    (1, "AAAA1111", "journalArticle",
     {"title": "Private inference with garbled circuits", "date": "2021-06-02 2021-06-02",
      "abstractNote": "We evaluate neural networks under garbled circuits.",
      "DOI": "10.1000/xyz", "url": "https://example.org/lee",
      "publicationTitle": "Journal of Private Things",
      "extra": "Citation Key: lee2021private\ntex.note: kept"},
     [("Bo", "Kim", 0, "author", 1), ("Ann", "Lee", 0, "author", 0),
      ("Ed", "Itor", 0, "editor", 2)],
     ["privacy", "cryptography"]),
    (2, "BBBB2222", "attachment", {"title": "Full Text PDF"}, [], []),
    (3, "CCCC3333", "conferencePaper",
     {"title": "Graph kernels on GPUs", "date": "2019-00-00 2019",
      "proceedingsTitle": "Proceedings of Graphs", "extra": "DOI: 10.2000/graphs",
      "abstractNote": "Kernels for graphs, measured on GPUs."},
     [("", "World Health Organization", 1, "author", 0)], ["gpu"]),
    (4, "DDDD4444", "journalArticle", {"title": "A paper in the trash", "date": "2020"}, [], []),
    (5, "EEEE5555", "note", {}, [], []),
    (6, "FFFF6666", "annotation", {}, [], []),
    (7, "GGGG7777", "book", {"title": "Edited volume", "date": "0000-00-00 n.d."},
     [("Eva", "Editor", 0, "editor", 0)], []),
]  # fmt: skip
COLLECTIONS = [(1, "Thesis", None), (2, "Chapter 1", 1), (3, "Reading", None)]
COLLECTION_ITEMS = [(2, 1), (3, 3), (3, 7)]


def make_zotero(directory: Path, version: int = 5, extra_items: list | None = None) -> Path:
    """A Zotero data directory whose zotero.sqlite has Zotero's real tables (schema files in
    tests/fixtures) and the items above: three regular ones, an attachment, a note, an annotation
    and a trashed paper."""
    directory.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(directory / "zotero.sqlite")) as db, db:
        db.executescript((FIXTURES / f"zotero{version}-schema.sql").read_text())
        db.executescript(ZOTERO_SYSTEM)
        if version == 5:
            db.execute("INSERT INTO libraries VALUES (1, 'user', 1, 1, 0, 0, 0, 0)")
        else:
            db.execute("INSERT INTO libraries VALUES (1, 'user')")
        people: dict[tuple, int] = {}
        for item, key, kind, fields, creators, tags in ZOTERO_ITEMS + (extra_items or []):
            db.execute(
                "INSERT INTO items (itemID, itemTypeID, libraryID, key) VALUES (?, ?, 1, ?)",
                (item, TYPE_IDS[kind], key),
            )
            for name, value in fields.items():
                db.execute("INSERT OR IGNORE INTO itemDataValues (value) VALUES (?)", (value,))
                (value_id,) = db.execute(
                    "SELECT valueID FROM itemDataValues WHERE value = ?", (value,)
                ).fetchone()
                db.execute(
                    "INSERT INTO itemData VALUES (?, ?, ?)", (item, FIELD_IDS[name], value_id)
                )
            for first, last, mode, role, order in creators:
                if (first, last, mode) not in people:
                    people[first, last, mode] = creator = len(people) + 1
                    if version == 5:
                        db.execute(
                            "INSERT INTO creators VALUES (?, ?, ?, ?)", (creator, first, last, mode)
                        )
                    else:
                        db.execute(
                            "INSERT INTO creatorData (creatorDataID, firstName, lastName, "
                            "fieldMode) VALUES (?, ?, ?, ?)",
                            (creator, first, last, mode),
                        )
                        db.execute(
                            "INSERT INTO creators (creatorID, creatorDataID, libraryID, key)"
                            " VALUES (?, ?, 1, ?)",
                            (creator, creator, f"C{creator}"),
                        )
                role_id = {"author": 1, "editor": 3}[role]
                db.execute(
                    "INSERT INTO itemCreators VALUES (?, ?, ?, ?)",
                    (item, people[first, last, mode], role_id, order),
                )
            for tag in tags:
                if version == 5:
                    db.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (tag,))
                else:
                    db.execute(
                        "INSERT OR IGNORE INTO tags (name, type, libraryID, key) "
                        "VALUES (?, 0, 1, ?)",
                        (tag, f"T{tag}"),
                    )
                (tag_id,) = db.execute("SELECT tagID FROM tags WHERE name = ?", (tag,)).fetchone()
                if version == 5:
                    db.execute("INSERT INTO itemTags VALUES (?, ?, 0)", (item, tag_id))
                else:
                    db.execute("INSERT INTO itemTags VALUES (?, ?)", (item, tag_id))
        db.execute("INSERT INTO itemAttachments (itemID, {}, linkMode) VALUES (2, 1, 1)".format(
            "parentItemID" if version == 5 else "sourceItemID"))  # fmt: skip
        db.execute("INSERT INTO deletedItems (itemID) VALUES (4)")
        for cid, name, parent in COLLECTIONS:
            db.execute(
                "INSERT INTO collections (collectionID, collectionName, parentCollectionID, "
                "libraryID, key) VALUES (?, ?, ?, 1, ?)",
                (cid, name, parent, f"COLL{cid:04d}"),
            )
        db.executemany(
            "INSERT INTO collectionItems (collectionID, itemID) VALUES (?, ?)", COLLECTION_ITEMS
        )
    return directory


@pytest.mark.parametrize("version", [4, 5])
def test_zotero_regular_items_only_with_names_tags_and_collections(
    tmp_path: Path, version: int
) -> None:
    directory = make_zotero(tmp_path / "Zotero", version)
    result = read_zotero(directory)
    assert result.count == 3 and not result.skipped
    article, paper, book = result.records
    assert [p.sources[0].position for p in result.records] == [1, 3, 7]  # the itemIDs
    assert article.title == "Private inference with garbled circuits"
    assert article.authors == ["Ann Lee", "Bo Kim"]  # by orderIndex; the editor is not an author
    assert (article.key, article.own_key) == ("lee2021private", True)  # Citation Key: in Extra
    assert (article.year, article.date, article.doi) == (2021, "2021-06-02", "10.1000/xyz")
    assert (article.venue, article.url) == ("Journal of Private Things", "https://example.org/lee")
    assert article.abstract == "We evaluate neural networks under garbled circuits."
    assert article.categories == ["cryptography", "privacy", "Chapter 1"]
    assert article.extra == {"zotero_key": "AAAA1111"}
    assert paper.authors == ["World Health Organization"]  # a one-field name
    assert (paper.year, paper.date, paper.doi) == (2019, None, "10.2000/graphs")  # DOI: in Extra
    assert (paper.venue, paper.key, paper.own_key) == ("Proceedings of Graphs", "", False)
    assert (book.authors, book.year) == (["Eva Editor"], None)  # editors when no author
    # the database is a copy: what Zotero holds open is never written
    assert sorted(p.name for p in directory.iterdir()) == ["zotero.sqlite"]


def test_zotero_better_bibtex_keys_and_a_locked_database(tmp_path: Path) -> None:
    directory = make_zotero(tmp_path / "Zotero")
    with closing(sqlite3.connect(directory / "better-bibtex.sqlite")) as bbt, bbt:
        bbt.executescript((FIXTURES / "better-bibtex-schema.sql").read_text())
        bbt.executemany(
            "INSERT INTO citationkey VALUES (?, ?, 1, ?, 0)",
            [(1, "AAAA1111", "leePrivateInference2021"), (3, "CCCC3333", "whoGraphKernels2019")],
        )
    # Zotero running: an exclusive lock on its database
    with closing(sqlite3.connect(directory / "zotero.sqlite")) as zotero:
        zotero.execute("PRAGMA locking_mode = EXCLUSIVE")
        zotero.execute("BEGIN EXCLUSIVE")
        records = read_zotero(directory / "zotero.sqlite").records
        zotero.rollback()
    assert [(p.key, p.own_key) for p in records] == [
        ("leePrivateInference2021", True),
        ("whoGraphKernels2019", True),
        ("", False),
    ]


def test_zotero_collection_and_its_subcollections(tmp_path: Path) -> None:
    directory = make_zotero(tmp_path / "Zotero")
    assert [p.title for p in read_zotero(directory, "Thesis").records] == [
        "Private inference with garbled circuits"  # in Thesis/Chapter 1
    ]
    assert [p.sources[0].position for p in read_zotero(directory, "reading").records] == [3, 7]
    assert [p.sources[0].position for p in read_zotero(directory, "Thesis/Chapter 1").records] == [
        1
    ]
    with pytest.raises(InputError, match="no collection named 'Nope'; its collections: Reading, "):
        read_zotero(directory, "Nope")


def test_zotero_untitled_item_and_not_a_database(tmp_path: Path) -> None:
    untitled = (8, "HHHH8888", "journalArticle", {"date": "2020"}, [], [])
    directory = make_zotero(tmp_path / "Zotero", extra_items=[untitled])
    result = read_zotero(directory)  # left out and reported, not an error: nothing to fix
    assert result.count == 3 and [str(e) for e in result.skipped] == [
        "zotero.sqlite: item 8 (HHHH8888) has neither a title nor an abstract"
    ]
    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(InputError, match="not a Zotero database"):
        read_zotero(other)
    (tmp_path / "text.sqlite").write_text("not sqlite at all " * 100)
    with pytest.raises(InputError, match="cannot read the Zotero database"):
        read_zotero(tmp_path / "text.sqlite")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no zotero.sqlite in this directory"):
        read_zotero(tmp_path / "empty")


def test_cli_ingest_zotero(isolated_env: Path, tmp_path: Path) -> None:
    untitled = (
        8,
        "HHHH8888",
        "journalArticle",
        {},
        [],
        [],
    )  # an empty item: real libraries have them
    directory = make_zotero(tmp_path / "Zotero", extra_items=[untitled])
    code, out, err = run("ingest", "--zotero", str(directory), "--collection", "Reading")
    assert code == 0, err
    assert sorted(p["title"] for p in library_json()) == ["Edited volume", "Graph kernels on GPUs"]
    code, out, err = run("ingest", "--zotero", str(directory))
    assert code == 0, err
    assert "skipped zotero.sqlite: item 8 (HHHH8888) has neither a title nor an abstract" in err
    papers = {p["title"]: p for p in library_json()}
    assert len(papers) == 3
    assert papers["Private inference with garbled circuits"]["key"] == "lee2021private"
    assert papers["Graph kernels on GPUs"]["sources"][0] == {
        "file": "zotero.sqlite", "position": 3, "line": None, "format": "zotero",
        "digest": papers["Graph kernels on GPUs"]["sources"][0]["digest"],
    }  # fmt: skip
    code, out, err = run("ingest", "--zotero", str(directory))  # again: nothing changed
    assert code == 0 and "0 added, 0 updated, 3 unchanged" in out
    code, _, err = run("ingest", "--collection", "Reading")
    assert code == 2 and "add --zotero" in err
    code, _, err = run("ingest", "--zotero", str(tmp_path / "nowhere"))
    assert code == 2 and err.startswith("litreview: ") and "no such file" in err


# EndNote's tagged format (.enw): what Google Scholar's "EndNote" link, CNKI and JabRef write
ENW = (
    "\ufeff%0 Journal Article\r\n%T A Study of Deep CNN-Based Classification\r\n%A Kim, K.\r\n"
    "%A World Health Organization,\r\n%J Sensors (Basel, Switzerland)\r\n%D 2017\r\n%8 May 3\r\n"
    "%R doi:10.3390/s17061261\r\n%K CNN\r\n%K eye state; camera\r\n%X First paragraph\r\n"
    "runs on.\r\n\r\nSecond paragraph.\r\n%F kim2017study\r\n\r\n"
    "%0 Conference Proceedings\r\n%T Attention is all you need\r\n%A Vaswani, Ashish\r\n"
    "%B Advances in Neural Information Processing Systems\r\n%D 2017\r\n"
    "%U https://arxiv.org/abs/1706.03762\r\n"
)


def test_enw_records(tmp_path: Path) -> None:
    path = tmp_path / "scholar.enw"
    path.write_text(ENW, encoding="utf-8", newline="")
    journal, talk = parse_file(path).records
    assert (journal.key, journal.own_key) == ("kim2017study", True)  # %F, as JabRef writes it
    assert journal.authors == ["K. Kim", "World Health Organization"]  # "Org," is corporate
    assert (journal.year, journal.date, journal.kind) == (2017, "2017-05-03", "article")
    assert (journal.venue, journal.doi) == ("Sensors (Basel, Switzerland)", "10.3390/s17061261")
    assert journal.categories == ["CNN", "eye state", "camera"]
    # a tagless line runs the field on, a blank line and a paragraph included
    assert journal.abstract == "First paragraph runs on. Second paragraph."
    assert talk.venue == "Advances in Neural Information Processing Systems"
    assert (talk.kind, talk.arxiv_id) == ("inproceedings", "1706.03762")
    assert (talk.sources[0].line, talk.sources[0].format) == (17, "enw")


def test_enw_refer_records_without_a_type_split_at_blank_lines() -> None:
    from assistant.ingest.enw import parse_enw

    text = "%A Ann Author\n%T One\n%D 1999\n\n%A Bo Writer\n%T Two\n\n%T Three\n%X Abstract.\n"
    assert [p.title for p in parse_enw(text, "refs.txt")] == ["One", "Two", "Three"]
    # records written one after another with no blank line part at the next %0 (once the
    # record has a type and a title); a catalogue's second %0 before the title does not
    back_to_back = "%0 Serial\n%0 Audio\n%T One\n%0 Book\n%T Two\n"
    assert [(p.title, p.kind) for p in parse_enw(back_to_back, "refs.enw")] == [
        ("One", None), ("Two", "book")
    ]  # fmt: skip


def test_enw_is_told_from_its_content(tmp_path: Path) -> None:
    path = tmp_path / "CNKI-export.txt"
    path.write_text(ENW, encoding="utf-8")
    assert [p.title for p in parse_file(path).records][0].startswith("A Study")
    latex = tmp_path / "refs.txt"  # JabRef's "% Encoding: UTF-8" opens a .bib, not an .enw
    latex.write_text("% Encoding: UTF-8\n\n@article{a1, title={T}}\n")
    assert parse_file(latex, fmt="bibtex").records[0].title == "T"
    with pytest.raises(InputError, match="unknown format"):
        parse_file(latex)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("Title: not tagged\n%T One\n", 1, "expected an EndNote tag"),
        ("%0 Journal Article\n%T One\n\n%0 Journal Article\n%A Lee, K.\n", 4, "neither a title"),
        ("%0 Journal Article\n%T One\n%D MMXX\n", 1, "%D: year 'MMXX' is not a year"),
    ],
)
def test_enw_errors_name_the_line(text: str, line: int, needle: str) -> None:
    from assistant.ingest.enw import parse_enw

    with pytest.raises(InputError) as caught:
        parse_enw(text, "refs.enw")
    assert caught.value.line == line and needle in str(caught.value)


def test_enw_skip_invalid_leaves_out_the_bad_record_alone(tmp_path: Path) -> None:
    path = tmp_path / "refs.enw"
    path.write_text(
        "%0 Journal Article\n%T One\n\n%0 Journal Article\n%D 2001\n\n%0 Book\n%T Three\n"
    )
    with pytest.raises(InputError, match="--skip-invalid imports the other records"):
        parse_file(path)
    result = parse_file(path, skip_invalid=True)
    assert [p.title for p in result.records] == ["One", "Three"]
    assert [str(e) for e in result.skipped] == [
        "refs.enw:4: record has neither a title (%T) nor an abstract (%X)"
    ]
