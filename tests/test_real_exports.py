"""What real exports do to an importer: LaTeX in conference BibTeX, one key on two works (Scopus),
two works under one wrong DOI, book reviews sharing a title, one preprint under keys that differ
only in case.

The fixtures are written by hand in the shape of the real files we tried (NIME proceedings
BibTeX from NIME-conference/NIME-bibliography, GPL-3.0, so not copied; Scopus BibTeX and CSV
exports), keeping the quirks that broke the importers.
"""

from __future__ import annotations

import json
from pathlib import Path

import bibtexparser
from typer.testing import CliRunner

from assistant.cli import app
from assistant.ingest.bibtex import parse_bibtex

runner = CliRunner()

NIME_STYLE = r"""
@inproceedings{Todoroff2009,
  author = {Todoroff, Todor and Bettens, Fr\'{e}d\'{e}ric and Reboursi\`{e}re, Lo\"{i}c
            and Chu, Wen-Yang},
  title = {Haptic Carillon -- Analysis \& Design of the Carillon Mechanism},
  pages = {95--98},
  booktitle = {Proceedings of the International Conference on New Interfaces for Musical
               Expression},
  year = {2009},
  address = {Pittsburgh, PA, United States},
  url = {http://www.nime.org/proceedings/2009/nime2009_095.pdf},
  keywords = {Carillon, haptics, {SAR}C},
  abstract = {The carillon is one of the few instruments that elicit sophisticated
haptic interaction. Built as little as US\$150, it costs 50\% less; the {SAR}C prototype
shows {C}hina{\textquotesingle}s bells $\alpha$-tuned, e.g.~polaris{\textasciitilde}.}
}

@inproceedings{Niemeyer2009,
  author = {G\''{u}nter Niemeyer and \c{S}ahin, Erol and Stra\ss e, Jo and {Barnes and Noble}},
  title = {{HSP}: A Simple and Effective Open-Source Platform},
  booktitle = {Proceedings of NIME},
  year = {2009},
  abstract = {We present {HSP}, an open platform for haptic musical instruments.}
}
"""

# Scopus: a book and one of its chapters exported under one key; the same article twice.
SCOPUS_STYLE = r"""
@BOOK{Pagano2009,
  author={Pagano, R.},
  title={Principles of Biostatistics},
  year={2009},
  publisher={Duxbury},
  abstract={A textbook of statistics for the health sciences, with worked examples.},
}

@ARTICLE{Smith2020,
  author={Smith, J. and Doe, A.},
  title={Deep learning for protein folding},
  journal={Nature},
  year={2020},
  doi={10.1000/xyz1},
}

@INBOOK{Pagano2009,
  author={Pagano, R.},
  title={Hypothesis testing},
  booktitle={Principles of Biostatistics},
  year={2009},
  abstract={The chapter introduces p-values, confidence intervals and the t test.},
}

@ARTICLE{Smith2020,
  author={Smith, J. and Doe, A.},
  title={Deep Learning for Protein Folding},
  journal={Nature},
  year={2020},
  doi={10.1000/XYZ1},
  abstract={We fold proteins with a deep network trained on structures.},
}
"""


def _ingest(path: Path, *flags: str) -> tuple[dict, str]:
    result = runner.invoke(app, ["ingest", str(path), "--json", *flags])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def _library() -> dict[str, dict]:
    result = runner.invoke(app, ["library", "--json"])
    return {paper["key"]: paper for paper in json.loads(result.stdout)}


def test_latex_in_bibtex_becomes_unicode(isolated_env: Path) -> None:
    papers = {p.key: p for p in parse_bibtex(NIME_STYLE, "nime.bib")}
    carillon = papers["Todoroff2009"]
    assert carillon.title == "Haptic Carillon – Analysis & Design of the Carillon Mechanism"
    assert carillon.authors == ["Todor Todoroff", "Frédéric Bettens", "Loïc Reboursière",
                                "Wen-Yang Chu"]  # fmt: skip
    assert "US$150" in carillon.abstract and "50% less" in carillon.abstract
    assert "SARC prototype shows China's bells α-tuned, e.g. polaris~." in carillon.abstract
    assert carillon.categories == ["Carillon", "haptics", "SARC"]
    assert carillon.url == "http://www.nime.org/proceedings/2009/nime2009_095.pdf"
    hsp = papers["Niemeyer2009"]
    assert hsp.title == "HSP: A Simple and Effective Open-Source Platform"
    assert hsp.authors == ["Günter Niemeyer", "Erol Şahin", "Jo Straße", "Barnes and Noble"]


def test_bibtex_export_round_trips_the_meaning(isolated_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "nime.bib"
    source.write_text(NIME_STYLE)
    _ingest(source)
    before = _library()
    exported = runner.invoke(app, ["export", "--format", "bibtex"]).stdout
    parsed = bibtexparser.parse_string(exported)
    assert not parsed.failed_blocks
    assert r"Analysis \& Design" in exported and r"50\% less" in exported
    again = tmp_path / "again.bib"
    again.write_text(exported)
    reread = {p.key: p for p in parse_bibtex(exported, "again.bib")}
    for key, paper in before.items():
        assert reread[key].title == paper["title"]
        assert reread[key].authors == paper["authors"]
        assert reread[key].abstract == paper["abstract"]


def test_one_key_on_two_works_keeps_both_and_says_so(isolated_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "scopus.bib"
    source.write_text(SCOPUS_STYLE)
    report, stderr = _ingest(source)
    papers = _library()
    assert papers["Pagano2009"]["title"] == "Principles of Biostatistics"
    assert papers["Pagano2009a"]["title"] == "Hypothesis testing"
    assert papers["Pagano2009a"]["extra"]["original_key"] == "Pagano2009"
    # the same article twice under one key: merged, counted as a duplicate
    assert papers["Smith2020"]["abstract"].startswith("We fold proteins")
    assert len(papers) == 3 and report["merged_duplicates"] == 1
    warning = next(line for line in stderr.splitlines() if "Pagano2009a" in line)
    assert "scopus.bib:18" in warning and "scopus.bib:2's" in warning
    # importing again changes nothing: the keys stay where they are
    report, _ = _ingest(source)
    assert set(_library()) == set(papers)


def test_jsonl_ids_on_two_works_are_not_last_one_wins(isolated_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "two.jsonl"
    records = [
        {"id": "d1", "title": "Secure inference with garbled circuits", "abstract": "One."},
        {"id": "d1", "title": "Sparse attention kernels for GPUs", "abstract": "Two."},
        {"id": "d2", "title": "A study of caches", "abstract": "Three."},
        {"id": "D2", "title": "A Study of Caches", "abstract": "Three."},
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    report, _ = _ingest(source)
    papers = _library()
    assert {p["title"].lower() for p in papers.values()} == {
        "secure inference with garbled circuits",
        "sparse attention kernels for gpus",
        "a study of caches",
    }
    assert papers["d1a"]["title"] == "Sparse attention kernels for GPUs"
    assert report["merged_duplicates"] == 1  # d2 and D2: one preprint, keys differing in case


def test_merges_need_agreeing_evidence(isolated_env: Path, tmp_path: Path) -> None:
    source = tmp_path / "real.jsonl"
    records = [
        # two different works under one wrong DOI
        {"title": "Editorial: the year in review", "doi": "10.1000/j.x.2020", "year": 2020,
         "authors": ["Ann Lee"], "abstract": "Looking back."},
        {"title": "Protein folding at scale", "doi": "10.1000/j.x.2020", "year": 2020,
         "authors": ["Bo Chen"], "abstract": "We fold many proteins."},
        # reviews of one book in two journals: same title, other reviewers and venues
        {"title": "The Structure of Scientific Revolutions", "venue": "Isis", "year": 1963,
         "authors": ["Mary Hesse"], "abstract": "A review."},
        {"title": "The Structure of Scientific Revolutions", "venue": "Science", "year": 1963,
         "authors": ["Dudley Shapere"], "abstract": "Another review."},
        # one preprint and its publication: same title, a year apart, same first author
        {"title": "Attention kernels for long sequences on GPUs", "year": 2023,
         "authors": ["Wei Zhang"], "arxiv_id": "2301.00001"},
        {"title": "Attention Kernels for Long Sequences on GPUs", "year": 2024,
         "authors": ["Wei Zhang", "Li Wu"], "venue": "MLSys", "abstract": "Kernels."},
    ]  # fmt: skip
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    report, stderr = _ingest(source)
    titles = sorted(p["title"] for p in _library().values())
    assert titles.count("The Structure of Scientific Revolutions") == 2
    assert "Editorial: the year in review" in titles and "Protein folding at scale" in titles
    assert len(titles) == 5 and report["merged_duplicates"] == 1
    notes = [line for line in stderr.splitlines() if "kept apart" in line]
    assert any("share a doi (10.1000/j.x.2020)" in n and "different titles" in n for n in notes)
    assert any("share a title" in n and "different first authors" in n for n in notes)
    assert len(report["notes"]) == len(notes) == 2
