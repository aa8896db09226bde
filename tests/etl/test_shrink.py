"""The ETL refuses to publish an empty or shrunken dataset unless told to (--allow-shrink), naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl.__main__ import main
from etl.build import RECORDS_DIR, ShrinkError, build
from etl.store import load_tables


@pytest.fixture
def sources(tmp_path) -> Path:
    """A private copy of the real sources, safe to edit."""
    copy = tmp_path / "sources"
    shutil.copytree(RECORDS_DIR, copy)
    return copy


def _cli(data: Path, sources: Path, *extra: str) -> list[str]:
    return ["--data", str(data), "--sources", str(sources), *extra]


def _keep_records(path: Path, n: int) -> None:
    """Keep only the first ``n`` records of a YAML list file (records start with "- id:")."""
    text = path.read_text(encoding="utf-8")
    parts = text.split("\n- id:")
    path.write_text(parts[0] if n == 0 else "\n- id:".join(parts[: n + 1]) + "\n", encoding="utf-8")


def test_empty_results_yaml_fails_make_data_naming_it(tmp_path, sources, capsys):
    """An empty results.yaml of the survey is an error naming that file, and nothing is published."""
    data = tmp_path / "data"
    assert main(_cli(data, sources)) == 0
    before = (data / "current").resolve()
    (sources / "isos-2026" / "results.yaml").write_text("", encoding="utf-8")
    capsys.readouterr()
    assert main(_cli(data, sources)) == 1
    err = capsys.readouterr().err
    assert "isos-2026/results.yaml" in err and "has no results" in err
    assert err.count("problem(s)") == 1 and "1 problem(s)" in err  # one error, not one per chart
    assert (data / "current").resolve() == before
    assert len(load_tables(data)["results"]) == 35


def test_empty_results_yaml_fails_on_a_first_build_too(tmp_path, sources, capsys):
    """With no current build to compare with, a survey without results is still refused."""
    (sources / "isos-2026" / "results.yaml").write_text("[]\n", encoding="utf-8")
    assert main(_cli(tmp_path / "data", sources)) == 1
    assert "isos-2026/results.yaml" in capsys.readouterr().err
    assert not (tmp_path / "data" / "current").exists()


def test_allow_shrink_publishes_it(tmp_path, sources, capsys):
    """A shrunken table is refused, with the way to publish it anyway; --allow-shrink publishes it."""
    data = tmp_path / "data"
    build(data, sources)
    _keep_records(sources / "isos-2026" / "quotes.yaml", 10)
    assert main(_cli(data, sources)) == 1
    assert "--allow-shrink" in capsys.readouterr().err
    assert main(_cli(data, sources, "--allow-shrink")) == 0
    assert len(load_tables(data)["quotes"]) == 10


def test_a_table_losing_more_than_half_is_refused(tmp_path, sources):
    """50 quotations down to 10: the quotes table and its source are named."""
    data = tmp_path / "data"
    build(data, sources)
    _keep_records(sources / "isos-2026" / "quotes.yaml", 10)
    with pytest.raises(ShrinkError) as info:
        build(data, sources)
    text = str(info.value)
    assert "quotes table would have 10 rows, the current build has 50" in text
    assert "isos-2026/quotes.yaml" in text


def test_one_source_losing_more_than_half_is_refused(tmp_path, sources):
    """A source's context figures emptied: the table as a whole loses less than half, the source more."""
    data = tmp_path / "data"
    build(data, sources)
    before = load_tables(data)["context"]
    lost = int((before["source"] == "lga-2024-debate-briefing").sum())
    assert 0 < lost < len(before) / 2
    (sources / "lga-2024-debate-briefing" / "context.yaml").write_text("", encoding="utf-8")
    with pytest.raises(ShrinkError) as info:
        build(data, sources)
    [issue] = info.value.issues
    assert issue.file.endswith("lga-2024-debate-briefing/context.yaml")
    assert f"would have 0 context rows, the current build has {lost}" in issue.reason


def test_losing_less_than_half_is_fine(tmp_path, sources):
    data = tmp_path / "data"
    build(data, sources)
    _keep_records(sources / "isos-2026" / "quotes.yaml", 30)
    _, path = build(data, sources)
    assert len(load_tables(data)["quotes"]) == 30 and (data / "current").resolve() == path


def test_a_survey_dropped_from_the_sources_is_named(tmp_path, sources):
    """Removing a survey's folders (the fictional survey beside the real one) loses its results; the message
    names the survey's results file."""
    from tests.fixtures import FIXTURE_PRESS_RELEASE, FIXTURE_SOURCES, FIXTURE_SURVEY

    data = tmp_path / "data"
    fixture = tmp_path / "fixture"
    shutil.copytree(FIXTURE_SOURCES, fixture)
    build(data, [sources, fixture])
    shutil.rmtree(fixture / FIXTURE_SURVEY)
    shutil.rmtree(fixture / FIXTURE_PRESS_RELEASE)
    with pytest.raises(ShrinkError) as info:
        build(data, [sources, fixture])
    assert any(
        f"{FIXTURE_SURVEY}/results.yaml" in i.file and f"'{FIXTURE_SURVEY}' has no results" in i.reason
        for i in info.value.issues
    )
