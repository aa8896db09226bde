"""Provenance per document: each sentence is checked against the document of the folder it lives in, that
document's version is checked by its sha256, and a build without the documents says so (or fails, if required)."""

from __future__ import annotations

import re

import pytest

from etl import __main__ as cli
from etl.build import collect
from tests.etl.minimal import PRESS_FILE, PRESS_TEXT, SEED_FILE, SEED_TEXT
from tests.fixtures import real_documents

ORIGIN = "demo/origin.yaml"
PRESS_ORIGIN = "press/origin.yaml"
PRESS_RESULTS = "press/results.yaml"
PRESS_SENTENCE = "Seven in ten councils said the timetable was unrealistic."


def test_result_is_checked_against_its_own_folders_document(tiny):
    """r-press names survey demo but lives in press/: its sentence, which only the press release has, passes."""
    assert PRESS_SENTENCE in PRESS_TEXT and PRESS_SENTENCE not in SEED_TEXT
    dataset = collect(tiny.sources, tiny.seeds)
    press = {r["id"]: r for r in dataset.rows["results"]}["r-press"]
    assert (press["survey"], press["source"]) == ("demo", "press")


def test_missing_sentence_names_its_folders_document(tiny):
    """A result naming the survey whose sentence is only in the survey's report is reported as not found in the
    press release, the document of its folder, on its line."""
    tiny.edit(PRESS_RESULTS, PRESS_SENTENCE, "Over half agreed with the plan.")  # a sentence of the report
    issues = tiny.issues()
    assert [(i.file, i.line, i.record, i.field) for i in issues] == [
        (tiny.file(PRESS_RESULTS), 1, "r-press", "verbatim")
    ]
    assert (
        issues[0].reason == f"not found in {PRESS_FILE}, the document of its folder; no sentence there is close to it"
    )


@pytest.mark.parametrize(
    "old, new, differs",
    [
        # a changed number: the word that differs, and what the document has there
        ("3 out of 10 disagreed", "4 out of 10 disagreed", "“4” where the document has “3”"),
        # a word added, and a word left out (quotes, spaces and emphasis never count)
        ("3 out of 10 disagreed", "3 out of all 10 disagreed", "“all”, which the document does not have there"),
        ("In all, 3 out of 10", "In all, 3 of 10", "the document has “out” there, which this leaves out"),
    ],
)
def test_missing_sentence_shows_the_closest_and_where_it_differs(tiny, old, new, differs):
    """A sentence not in its document is shown beside the document's closest sentence, with the first word that
    differs, so a mistyped word is found without searching the document."""
    tiny.edit("demo/results.yaml", old, new)
    [issue] = tiny.issues()
    assert (issue.record, issue.field) == ("r-disagree", "verbatim")
    assert issue.reason == (
        f"not found in {SEED_FILE}, the document of its folder. Its closest sentence there: "
        f"“In all, 3 out of 10 disagreed.”; the first word that differs: {differs}"
    )


def test_closest_sentence_of_a_part_and_of_a_long_sentence():
    """A part of a sentence is compared with the sentence holding it; a long sentence is shown as an excerpt
    around the first difference."""
    from etl.provenance import normalise_text, not_found

    document = normalise_text(
        "Short one. " + " ".join(f"w{i}" for i in range(60)) + " and the end of it. Another sentence here."
    )
    reason = not_found("w30 w31 w32 x33 w34", document, "d.txt")
    assert reason.endswith("the first word that differs: “x33” where the document has “w33”")
    excerpt = reason.split("“", 1)[1].split("”", 1)[0]
    assert excerpt.startswith("… w13 ") and excerpt.endswith(" …") and len(excerpt.split()) == 42


@pytest.mark.parametrize(
    "seed, old, new, origin, source",
    [
        pytest.param(SEED_FILE, "£2 billion", "£3 billion", ORIGIN, "demo", id="survey-report"),
        pytest.param(PRESS_FILE, "Seven in ten", "Six in ten", PRESS_ORIGIN, "press", id="press-release"),
        # a change that keeps every sentence (one more line) is still another version
        pytest.param(SEED_FILE, "three years.\n", "three years.\nA new line.\n", ORIGIN, "demo", id="added-line"),
    ],
)
def test_changed_document_is_reported_once_as_another_version(tiny, seed, old, new, origin, source):
    """A document whose sha256 differs from its origin's is one issue, on the origin, saying it is another
    version, with both hashes; its sentences are not then reported as missing."""
    path = tiny.seeds / seed
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    issues = tiny.issues()
    assert [(i.file, i.line, i.record, i.field) for i in issues] == [
        (tiny.file(origin), tiny.line_of(origin, f"id: {source}"), source, "document_sha256")
    ]
    assert "another version" in issues[0].reason and seed in issues[0].reason
    assert "not found" not in issues[0].reason


def test_missing_document_is_reported_on_its_origin(tiny):
    """A seed_file not in any documents folder is one issue on its origin, naming the file and the folders."""
    (tiny.seeds / PRESS_FILE).unlink()
    issues = tiny.issues()
    assert [(i.file, i.record, i.field) for i in issues] == [(tiny.file(PRESS_ORIGIN), "press", "seed_file")]
    assert PRESS_FILE in issues[0].reason and str(tiny.seeds) in issues[0].reason


def test_documents_in_several_folders(tiny, tmp_path):
    """The documents may be spread over several folders: each is looked for in all of them."""
    other = tmp_path / "more-seeds"
    other.mkdir()
    (tiny.seeds / PRESS_FILE).rename(other / PRESS_FILE)
    dataset = collect(tiny.sources, [tiny.seeds, other])
    assert dataset.provenance == "checked: 5 sentences and quotations against 2 documents"


def test_folder_without_a_document_is_named_as_not_checked(tiny):
    """A folder whose origin names no seed_file builds, and the provenance line says its sentences were not
    checked, naming it: a press release added without its document is not silently counted as checked."""
    tiny.edit(PRESS_ORIGIN, f"seed_file: {PRESS_FILE}\n", "")
    tiny.edit(PRESS_ORIGIN, "document_sha256: ", "# document_sha256: ")
    dataset = collect(tiny.sources, tiny.seeds)
    assert dataset.provenance == (
        "checked: 4 sentences and quotations against 1 documents; NOT checked: 1 in press (no seed_file in its "
        "origin.yaml)"
    )


def test_without_documents_the_build_says_not_checked(tiny):
    """Without a documents folder the tables are built, sentences are not compared, and Dataset.provenance says
    so in one line, naming SOURCES_DIR."""
    tiny.edit(PRESS_RESULTS, PRESS_SENTENCE, "A sentence in no document.")
    dataset = collect(tiny.sources, None)
    assert {name: len(rows) for name, rows in dataset.rows.items()} == tiny.counts
    assert dataset.provenance.startswith("not checked")
    assert "SOURCES_DIR" in dataset.provenance and "\n" not in dataset.provenance


# The command line. -----------------------------------------------------------------------------------------


def _run(tiny, tmp_path, *args: str) -> int:
    return cli.main(["--data", str(tmp_path / "data"), "--sources", str(tiny.sources), *args])


def test_cli_without_documents_says_not_checked_in_one_line(tiny, tmp_path, capsys, cli_env):
    """No --documents, no SOURCES_DIR and no ../shared/seeds: the build goes on, and exactly one line of the
    summary says provenance was NOT CHECKED and how to check it."""
    assert _run(tiny, tmp_path) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "NOT CHECKED" in line]
    assert len(lines) == 1
    assert "SOURCES_DIR" in lines[0] and "make data" in lines[0]
    assert "checked:" not in out
    assert (tmp_path / "data" / "current" / "manifest.json").exists()


@pytest.mark.parametrize(
    "env, flag",
    [
        pytest.param({"REQUIRE_PROVENANCE": "1"}, [], id="REQUIRE_PROVENANCE=1"),
        pytest.param({}, ["--require-provenance"], id="flag"),
    ],
)
def test_cli_required_provenance_without_documents_fails(tiny, tmp_path, capsys, monkeypatch, cli_env, env, flag):
    """With REQUIRE_PROVENANCE=1 or --require-provenance and no documents, nothing is built and the error says
    how to point at the documents."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert _run(tiny, tmp_path, *flag) != 0
    err = capsys.readouterr().err
    assert "provenance is required" in err and "SOURCES_DIR" in err
    assert not (tmp_path / "data").exists()


def test_cli_required_provenance_with_documents_builds(tiny, tmp_path, capsys, monkeypatch, cli_env):
    """REQUIRE_PROVENANCE=1 with the documents found (here through SOURCES_DIR) checks and builds."""
    monkeypatch.setenv("REQUIRE_PROVENANCE", "1")
    monkeypatch.setenv("SOURCES_DIR", str(tiny.seeds))
    assert _run(tiny, tmp_path) == 0
    out = capsys.readouterr().out
    assert re.search(
        rf"^  provenance checked: 5 sentences .* against 2 documents \({re.escape(str(tiny.seeds))}\)$", out, re.M
    )


def test_cli_sources_dir_pointing_nowhere_is_an_error(tiny, tmp_path, capsys, monkeypatch, cli_env):
    """SOURCES_DIR naming no folder is an error (not a silent build without the check), and nothing is written."""
    monkeypatch.setenv("SOURCES_DIR", str(tmp_path / "nowhere"))
    assert _run(tiny, tmp_path) == 2
    assert f"SOURCES_DIR={tmp_path / 'nowhere'}: no such folder" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_cli_finds_the_default_documents_folder(tiny, tmp_path, capsys, monkeypatch, cli_env):
    """Without --documents or SOURCES_DIR, the documents are looked for in ../shared/seeds beside the repository."""
    monkeypatch.setattr(cli, "DEFAULT_DOCUMENTS", tiny.seeds)
    assert _run(tiny, tmp_path) == 0
    assert (
        f"provenance checked: 5 sentences and quotations against 2 documents ({tiny.seeds})" in capsys.readouterr().out
    )


def test_cli_documents_flag_wins_over_sources_dir(tiny, tmp_path, capsys, monkeypatch, cli_env):
    """--documents is used even when SOURCES_DIR names another (here missing) folder."""
    monkeypatch.setenv("SOURCES_DIR", str(tmp_path / "nowhere"))
    assert _run(tiny, tmp_path, "--documents", str(tiny.seeds)) == 0
    assert "provenance checked: 5 " in capsys.readouterr().out


def test_cli_reports_a_sentence_missing_from_its_document(tiny, tmp_path, capsys, cli_env):
    """The error line a missing sentence gives: file:line, record, field, and the document of its folder."""
    tiny.edit(PRESS_RESULTS, PRESS_SENTENCE, "Over half agreed with the plan.")
    assert _run(tiny, tmp_path, "--documents", str(tiny.seeds)) == 1
    err = capsys.readouterr().err
    expected = f"  {tiny.file(PRESS_RESULTS)}:1: record r-press, field 'verbatim': not found in {PRESS_FILE}, the"
    assert expected in err


# The real documents, as the tests of the real data find them. ---------------------------------------------


def test_real_documents_required_and_absent_fails(monkeypatch, tmp_path):
    """With REQUIRE_PROVENANCE=1 and no documents, the tests of the real data fail rather than skip."""
    monkeypatch.delenv("SOURCES_DIR", raising=False)
    monkeypatch.setenv("REQUIRE_PROVENANCE", "1")
    monkeypatch.setattr(cli, "DEFAULT_DOCUMENTS", tmp_path / "none")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_PROVENANCE=1"):
        real_documents()
    monkeypatch.delenv("REQUIRE_PROVENANCE")
    assert real_documents() == []  # not required: the provenance tests skip


def test_real_documents_sources_dir_nowhere_fails(monkeypatch, tmp_path):
    """A SOURCES_DIR naming no folder fails the tests of the real data, required or not."""
    monkeypatch.delenv("REQUIRE_PROVENANCE", raising=False)
    monkeypatch.setenv("SOURCES_DIR", str(tmp_path / "none"))
    with pytest.raises(pytest.fail.Exception, match="SOURCES_DIR"):
        real_documents()


def test_a_document_that_gives_figures_needs_a_citation(tiny):
    """Each number's document is named wherever it is shown: a document whose folder gives figures of another
    document's survey (the press release) without a citation is refused, on its origin."""
    tiny.edit(PRESS_ORIGIN, "citation: A made-up press release about the demo survey (2026)\n", "")
    [issue] = tiny.issues()
    assert (issue.file, issue.line, issue.record, issue.field) == (tiny.file(PRESS_ORIGIN), 1, "press", "citation")
    assert issue.reason.startswith("a document that gives a survey's figures needs a citation")
