"""The fictional second survey (tests/fixtures/, FICTIONAL TEST DATA) built beside the real sources: it validates,
each record is checked against its own document (the press release's result against the press release), nothing
of the Isos survey (noun, base) reaches it, nothing of it reaches the Isos survey, and the catalogue tables hold
both surveys with the Isos survey as the default."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from etl import __main__ as cli
from etl.build import RECORDS_DIR, BuildError, collect
from tests.fixtures import (
    FIXTURE_DOCUMENTS,
    FIXTURE_PRESS_RELEASE,
    FIXTURE_SOURCES,
    FIXTURE_SURVEY,
    FIXTURE_TEMPERATURE_CHECK,
    fixture_documents,
    real_documents,
)

FOLDERS = (FIXTURE_SURVEY, FIXTURE_PRESS_RELEASE, FIXTURE_TEMPERATURE_CHECK)
SURVEYS = (FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK)
PRESS_RESULT = "fs26-press-need-extra-funding"
PRESS_ONLY_RESULT = "fs26-press-need-more-time"  # in no figure of the report: joined to the ranked chart by its id

# The fixture's charts, in order: (slug, kind, result ids in drawing order).
FIXTURE_CHARTS = [
    (
        "meeting-the-standards",
        "stacked",
        [
            "fs26-standards-confident",
            "fs26-standards-not-confident",
            "fs26-standards-not-sure",
            "fs26-standards-not-reported",  # derived: 212 - 93 - 78 - 32 = 9
        ],
    ),
    (
        "views-on-three-proposals",
        "bars",
        ["fs26-inclusion-standards-positive", "fs26-support-plans-positive", "fs26-inclusion-bases-positive"],
    ),
    # two selectors joined ({figure: 3} and an id), ranked by share: 90% (from the press release's folder), 81%,
    # 76%, and 70% (the press release's answer that has no figure number)
    (
        "what-schools-will-need",
        "ranked",
        [PRESS_RESULT, "fs26-need-specialist-staff", "fs26-need-teacher-training", PRESS_ONLY_RESULT],
    ),
]


def _mine(rows: list[dict], key: str = "source") -> list[dict]:
    return [r for r in rows if r.get(key) in FOLDERS]


@pytest.fixture(scope="module")
def both():
    """The real sources and the fixture built together, provenance checked when the real documents are present."""
    return collect([RECORDS_DIR, FIXTURE_SOURCES], fixture_documents())


@pytest.fixture(scope="module")
def real_only(real_dataset):
    """The real sources alone, for comparison."""
    return real_dataset


def test_it_validates(both):
    """The fixture builds beside the real sources: its records, an own theme and response group, no flags."""
    rows = both.rows
    assert [s["id"] for s in rows["sources"]][-3:] == list(FOLDERS)
    counts = {t: len(_mine(rows[t])) for t in ("results", "quotes", "context")}
    # the schools survey's 9 results and the press release's 2, and the temperature check's 4; a series of three
    # EHCP counts among the schools survey's context figures
    assert counts == {"results": 15, "quotes": 3, "context": 5}
    assert [t["id"] for t in rows["themes"]][-1] == "school-readiness"
    assert [g["id"] for g in rows["groups"]][-1] == "unsure"
    # every percentage fits its base (212, 185): a count range, no flag (the one flag is the Isos survey's 29%)
    fixture = [r for r in rows["results"] if r["survey"] in SURVEYS]
    assert [r["id"] for r in fixture if not r["consistent"] or r["flag"] or r["count_min"] is None] == []
    assert [f.split(":")[0] for f in both.flags] == ["fig8-funding-post-legislation-not-confident"]


def test_its_themes_and_groups(both):
    """The fixture uses its own theme and shared ones, and its own group ('not sure') and shared ones."""
    fixture = [r for r in both.rows["results"] if r["survey"] == FIXTURE_SURVEY]
    themes = {t for r in fixture for t in r["themes"]}
    assert "school-readiness" in themes and {"standards", "workforce", "funding"} <= themes
    assert {r["group"] for r in fixture} == {"positive", "negative", "unsure", "not-reported"}


def test_provenance_of_each_record_against_its_own_document(both, real_only):
    """Every sentence of the fixture was compared with the document of its folder: the press release's result
    (which names the survey) with the press release, where its sentence is, and not in the report."""
    if not real_documents():
        pytest.skip("the real documents were not found: the build with the fixture did not check provenance")
    real = real_only.provenance
    n_real = int(re.match(r"checked: (\d+) ", real).group(1))
    n_fixture = sum(1 for t in ("results", "quotes", "context") for r in _mine(both.rows[t]) if r.get("verbatim"))
    n_fixture += len(_mine(both.rows["quotes"]))
    assert both.provenance == f"checked: {n_real + n_fixture} sentences and quotations against 8 documents"
    press = {r["id"]: r for r in both.rows["results"]}[PRESS_RESULT]
    assert (press["survey"], press["source"]) == (FIXTURE_SURVEY, FIXTURE_PRESS_RELEASE)
    report = (FIXTURE_DOCUMENTS / "fictional-schools-2026-report.txt").read_text(encoding="utf-8")
    release = (FIXTURE_DOCUMENTS / "fictional-schools-2026-press-release.txt").read_text(encoding="utf-8")
    assert press["verbatim"] in release and press["verbatim"] not in report


@pytest.fixture
def fixture_copy(tmp_path) -> Path:
    """A copy of the fixture's sources and documents, safe to break (root named fixtures/sources, as the real)."""
    if not real_documents():
        pytest.skip("the real documents were not found: provenance cannot be checked")
    shutil.copytree(FIXTURE_SOURCES, tmp_path / "fixtures" / "sources")
    shutil.copytree(FIXTURE_DOCUMENTS, tmp_path / "fixtures" / "documents")
    return tmp_path / "fixtures"


def _issues(copy: Path) -> list:
    with pytest.raises(BuildError) as excinfo:
        collect([RECORDS_DIR, copy / "sources"], [*real_documents(), copy / "documents"])
    return excinfo.value.issues


def test_press_release_result_checked_against_the_press_release(fixture_copy):
    """Given a sentence of the report instead, the press release's result is reported as not found in the press
    release, on its own line: it is never compared with the survey's report."""
    path = fixture_copy / "sources" / FIXTURE_PRESS_RELEASE / "results.yaml"
    text = path.read_text(encoding="utf-8")
    sentence = "Nine in ten schools (90%) told our survey that they would need extra funding to deliver the reforms."
    report_sentence = "81% agreed that their school would need more specialist staff to deliver the reforms, and 76%"
    path.write_text(text.replace(sentence, report_sentence), encoding="utf-8")
    issues = _issues(fixture_copy)
    assert [(i.file, i.record, i.field) for i in issues] == [
        (f"fixtures/sources/{FIXTURE_PRESS_RELEASE}/results.yaml", PRESS_RESULT, "verbatim")
    ]
    assert "not found in fictional-schools-2026-press-release.txt" in issues[0].reason


def test_changed_press_release_is_another_version(fixture_copy):
    """A changed press release is one issue on its origin (another version), not a missing sentence."""
    path = fixture_copy / "documents" / "fictional-schools-2026-press-release.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("£31 million", "£32 million"), encoding="utf-8")
    issues = _issues(fixture_copy)
    assert [(i.file, i.record, i.field) for i in issues] == [
        (f"fixtures/sources/{FIXTURE_PRESS_RELEASE}/origin.yaml", FIXTURE_PRESS_RELEASE, "document_sha256")
    ]
    assert "another version" in issues[0].reason


def test_the_fixture_documents_match_their_sha256():
    """The sha256 in each fixture origin is that of its document in tests/fixtures/documents (sha256sum file)."""
    from etl.build import document_sha256, load_yaml

    for folder in FOLDERS:
        origin = load_yaml(FIXTURE_SOURCES / folder / "origin.yaml", FIXTURE_SOURCES, [])
        assert origin["document_sha256"] == document_sha256(FIXTURE_DOCUMENTS / origin["seed_file"]), folder


def test_nothing_of_the_isos_survey_reaches_it(both):
    """The fixture's rows carry its own noun, base and population, never the Isos survey's (councils, 54, 153)."""
    rows = both.rows
    src = {s["id"]: s for s in rows["sources"]}[FIXTURE_SURVEY]
    assert (src["respondent_singular"], src["respondent_plural"]) == ("school", "schools")
    assert (src["respondents"], src["population"]) == (212, 1046)
    assert src["respondent_group"] == "mainstream primary and secondary schools"
    fixture = [r for r in rows["results"] if r["survey"] == FIXTURE_SURVEY]
    assert {r["base"] for r in fixture} == {212}
    charts = [c for c in rows["charts"] if c["survey"] == FIXTURE_SURVEY]
    assert [c["axis_label"] for c in charts] == [
        "% of responding schools",
        "% of responding schools",  # the default: "% of responding <plural>"
        "% of responding schools who agree",
    ]
    # no text anywhere in the fixture's rows names councils or the Isos survey's numbers
    mine = [
        *_mine(rows["sources"], "id"),
        *fixture,
        *_mine(rows["quotes"]),
        *_mine(rows["context"]),
        *charts,
        *(c for c in rows["catalogues"] if c["survey"] == FIXTURE_SURVEY),
        *(c for c in rows["contrasts"] if c["survey"] == FIXTURE_SURVEY),
    ]
    texts = [v for row in mine for k, v in row.items() if isinstance(v, str) and k != "document_sha256"]
    assert [t for t in texts if re.search(r"council|local authorit|\b54\b|\b153\b|isos", t, re.I)] == []


def test_it_is_marked_fictional_everywhere_it_shows(both):
    """Title, short title, citation and publisher of the three documents, the taglines, the theme, the
    documents' text and every fixture file say FICTIONAL."""
    for src in _mine(both.rows["sources"], "id"):
        for field in ("title", "short_title", "citation", "publisher"):
            if field == "citation" and src["kind"] != "survey-report":
                continue
            assert "FICTIONAL" in src[field].upper(), (src["id"], field)
    taglines = [c["tagline"] for c in both.rows["catalogues"] if c["survey"] in SURVEYS]
    assert len(taglines) == 2 and all(t.startswith("FICTIONAL TEST DATA") for t in taglines)
    theme = {t["id"]: t for t in both.rows["themes"]}["school-readiness"]
    assert "fictional" in theme["label"].lower() and "FICTIONAL TEST DATA" in theme["description"]
    files = [*FIXTURE_SOURCES.rglob("*.yaml"), *FIXTURE_DOCUMENTS.glob("*.txt")]
    assert len(files) == 16  # the 2 shared lists, 5 + 3 + 3 files in the three folders, 3 documents
    assert [str(f) for f in files if "FICTIONAL TEST DATA" not in f.read_text(encoding="utf-8")] == []
    assert all(f.read_text(encoding="utf-8").startswith("FICTIONAL TEST DATA") for f in FIXTURE_DOCUMENTS.glob("*"))


def test_catalogue_tables_hold_both_surveys(both):
    """Three catalogues, the Isos survey the default; the fixture's charts and contrasts resolved as expected."""
    assert [(c["survey"], c["default"]) for c in both.rows["catalogues"]] == [
        ("isos-2026", True),
        (FIXTURE_SURVEY, False),
        (FIXTURE_TEMPERATURE_CHECK, False),
    ]
    (catalogue,) = [c for c in both.rows["catalogues"] if c["survey"] == FIXTURE_SURVEY]
    assert catalogue["context_from"] == [FIXTURE_SURVEY, FIXTURE_PRESS_RELEASE]
    charts = [(c["slug"], c["kind"], c["result_ids"]) for c in both.rows["charts"] if c["survey"] == FIXTURE_SURVEY]
    assert charts == FIXTURE_CHARTS
    contrasts = [(c["left"], c["joiner"], c["right"]) for c in both.rows["contrasts"] if c["survey"] == FIXTURE_SURVEY]
    assert contrasts == [
        ("fs26-inclusion-standards-positive", "but", "fs26-standards-confident"),
        (PRESS_RESULT, "and", "fs26-need-specialist-staff"),
    ]


def test_the_isos_survey_is_unchanged_by_it(both, real_only):
    """Built beside the fixture, every real row is exactly as built alone: no chart, contrast or result of the
    Isos surveys picks up a fixture result."""
    for table, rows in real_only.rows.items():
        key = "id" if rows and "id" in rows[0] else None
        if key is None:
            assert [r for r in both.rows[table] if r.get("survey") not in SURVEYS] == rows, table
        else:
            ids = {r[key] for r in rows}
            assert [r for r in both.rows[table] if r[key] in ids] == rows, table


def test_temperature_check_shape(both):
    """A short poll with no stacked question builds as a survey of its own: its noun and base of 185, a ranked
    chart of its two "supportive" answers (over half ranks at the lowest share it allows, 93 of 185) and a bars
    chart across two questions with a subtitle that fits both; no chart is stacked, no figure is flagged."""
    rows = both.rows
    src = {s["id"]: s for s in rows["sources"]}[FIXTURE_TEMPERATURE_CHECK]
    assert (src["respondents"], src["respondent_plural"], src["population"]) == (185, "chairs of governors", None)
    results = {r["id"]: r for r in rows["results"] if r["survey"] == FIXTURE_TEMPERATURE_CHECK}
    assert {r["base"] for r in results.values()} == {185} and not any(r["flag"] for r in results.values())
    assert (
        results["tc26-standards-supportive"]["count_min"],
        results["tc26-specialist-staff-confident"]["count_min"],
    ) == (93, 13)
    charts = [c for c in rows["charts"] if c["survey"] == FIXTURE_TEMPERATURE_CHECK]
    assert [(c["slug"], c["kind"], c["result_ids"]) for c in charts] == [
        ("support-for-two-proposals", "ranked", ["tc26-standards-supportive", "tc26-support-plans-supportive"]),
        ("staff-and-timetable", "bars", ["tc26-specialist-staff-confident", "tc26-timetable-disagree"]),
    ]
    assert charts[0]["subtitle"] == "How supportive are you of each of these proposals?"  # the default
    assert charts[1]["subtitle"].startswith("Two questions:")
    assert charts[1]["axis_label"] == "% of responding chairs of governors"


@pytest.mark.parametrize(
    "rid",
    [
        "fs26-need-specialist-staff",
        PRESS_RESULT,
        PRESS_ONLY_RESULT,
        "fs26-support-plans-positive",
        "tc26-specialist-staff-confident",
    ],
)
def test_reported_text_is_in_verbatim(both, rid):
    """As for the real data, a reported figure's text is in its sentence."""
    r = {r["id"]: r for r in both.rows["results"]}[rid]
    assert r["reported_text"].lower() in r["verbatim"].lower()


def test_cli_builds_both(tmp_path, capsys, monkeypatch):
    """`python -m etl --sources etl/sources --sources tests/fixtures/sources` with both documents folders: no flag of
    the fixture, and provenance checked against 8 documents."""
    documents = fixture_documents()
    if documents is None:
        pytest.skip("the real documents were not found")
    monkeypatch.delenv("SOURCES_DIR", raising=False)
    args = ["--data", str(tmp_path / "data"), "--sources", str(RECORDS_DIR), "--sources", str(FIXTURE_SOURCES)]
    for folder in documents:
        args += ["--documents", str(folder)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  catalogues\s+3 records$", out, re.M)
    assert re.findall(r"^    - ([a-z0-9-]+): ", out, re.M) == ["fig8-funding-post-legislation-not-confident"]
    assert re.search(r"^  provenance checked: \d+ sentences and quotations against 8 documents", out, re.M)


def test_readme_quotes_the_fixture_exactly():
    """Every YAML block of the README's "Adding a survey" is an exact excerpt of a fixture file, and the sha256sum
    it shows is that of the fixture's document: the walkthrough stays true to its worked example."""
    from etl.build import document_sha256

    root = FIXTURE_SOURCES.parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Adding a survey") : readme.index("## Reading the charts")]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    files = [p.read_text(encoding="utf-8") for p in FIXTURE_SOURCES.rglob("*.yaml")]
    assert len(blocks) == 13
    assert [b.splitlines()[0] for b in blocks if not any(b in text for text in files)] == []
    sums = re.findall(r"^([0-9a-f]{64})  (tests/fixtures/documents/\S+)$", section, re.M)
    assert sums and all(digest == document_sha256(root / path) for digest, path in sums)
