"""Bad input: each fault is reported with file, line, record, field and reason, and nothing is written."""

from __future__ import annotations

import re

import pytest

from etl import __main__ as cli
from etl.build import BuildError, build, collect
from etl.store import load_tables

RESULTS = "demo/results.yaml"
QUOTES = "demo/quotes.yaml"
CONTEXT = "demo/context.yaml"
THEMES = "themes.yaml"
GROUPS = "response-groups.yaml"
ORIGIN = "demo/origin.yaml"
PRESS_RESULTS = "press/results.yaml"
R2 = "- id: r-disagree"  # the start line of the record most cases break


def test_minimal_sources_build(tiny):
    """The fixture's sources are valid, pass provenance, and give the expected record counts."""
    dataset = collect(tiny.sources, tiny.seeds)
    assert {name: len(rows) for name, rows in dataset.rows.items()} == tiny.counts
    assert dataset.flags == []
    assert dataset.provenance == "checked: 5 sentences and quotations against 2 documents"


# (file, old text, new text, line anchor, record, field, a word the reason must contain)
CASES = {
    "missing-field": (RESULTS, "  category: disagree\n", "", R2, "r-disagree", "category", "missing"),
    "percentage-over-100": (
        RESULTS,
        "  value: 30\n",
        "  value: 130\n",
        R2,
        "r-disagree",
        "value",
        "less than or equal to 100",
    ),
    "negative-percentage": (
        RESULTS,
        "  value: 30\n",
        "  value: -3\n",
        R2,
        "r-disagree",
        "value",
        "greater than or equal to 0",
    ),
    "unknown-qualifier": (
        RESULTS,
        "  qualifier: exact\n",
        "  qualifier: roughly\n",
        R2,
        "r-disagree",
        "qualifier",
        "roughly",
    ),
    "unknown-theme": (
        RESULTS,
        "[funding, timescales]",
        "[funding, timetable]",
        R2,
        "r-disagree",
        "themes",
        "unknown theme",
    ),
    "no-theme": (RESULTS, "[funding, timescales]", "[]", R2, "r-disagree", "themes", "at least 1"),
    "bad-id": (RESULTS, R2, "- id: R Disagree", R2, "R Disagree", "id", "pattern"),
    "duplicate-id": (RESULTS, R2, "- id: r-agree", R2, "r-agree", "id", "duplicate"),
    "unknown-field": (
        RESULTS,
        "  count: 3\n",
        "  count: 3\n  colour: blue\n",
        R2,
        "r-disagree",
        "colour",
        "unknown field",
    ),
    "base-over-respondents": (
        RESULTS,
        "  count: 3\n  base: 10\n",
        "  count: 3\n  base: 12\n",
        R2,
        "r-disagree",
        "base",
        "exceeds",
    ),
    "unknown-survey": (
        RESULTS,
        "  survey: demo\n  question: Do you agree with the plan?\n  item: The plan\n  themes: [funding, t",
        "  survey: other\n  question: Do you agree with the plan?\n  item: The plan\n  themes: [funding, t",
        R2,
        "r-disagree",
        "survey",
        "unknown survey",
    ),
    "verbatim-not-in-source": (
        RESULTS,
        "In all, 3 out of 10 disagreed.",
        "In all, 4 out of 10 disagreed.",
        R2,
        "r-disagree",
        "verbatim",
        "not found",
    ),
    "quote-not-in-source": (QUOTES, "Money is tight", "Money is short", "- id: q-one", "q-one", "text", "not found"),
    "context-not-in-source": (
        CONTEXT,
        "worth £2 billion",
        "worth £3 billion",
        "- id: c-fund",
        "c-fund",
        "verbatim",
        "not found",
    ),
    "unknown-stance": (QUOTES, "stance: concern", "stance: angry", "- id: q-one", "q-one", "stance", "angry"),
    "malformed-yaml": (
        RESULTS,
        "  category: disagree\n",
        "  category: disagree: strongly\n",
        "category: disagree",
        None,
        None,
        "malformed",
    ),
    # every result's category is in one response group (response-groups.yaml)
    "unknown-category": (
        RESULTS,
        "  category: disagree\n",
        "  category: neutral\n",
        R2,
        "r-disagree",
        "category",
        "no response group",
    ),
    # provenance per document: each sentence is checked against the document of the folder it lives in, and
    # the reason names that document. r-press names survey demo but lives in press/: a sentence of the
    # survey's own report is "not found" there ...
    "sentence-of-the-survey-report-in-the-press-folder": (
        PRESS_RESULTS,
        "Seven in ten councils said the timetable was unrealistic.",
        "Over half agreed with the plan.",
        "- id: r-press",
        "r-press",
        "verbatim",
        "not found in press-seed.txt",
    ),
    # ... and the press release's sentence is "not found" in the survey's folder
    "sentence-of-the-press-release-in-the-survey-folder": (
        RESULTS,
        "In all, 3 out of 10 disagreed.",
        "Seven in ten councils said the timetable was unrealistic.",
        R2,
        "r-disagree",
        "verbatim",
        "not found in demo-seed.txt",
    ),
    # a result names the survey it is a figure of: a press release is not one
    "survey-is-not-a-survey": (
        PRESS_RESULTS,
        "  survey: demo\n",
        "  survey: press\n",
        "- id: r-press",
        "r-press",
        "survey",
        "'press' is a statement, not a survey",
    ),
    # response groups: one colour, one meaning; a category in one group only
    "group-colour-used-twice": (
        GROUPS,
        '  colour: "#D55E00"',
        '  colour: "#0072b2"',  # the positive group's colour, in lower case
        "- id: negative",
        "negative",
        "colour",
        "already group 'positive'",
    ),
    "category-in-two-groups": (
        GROUPS,
        "  categories: [disagree]",
        "  categories: [disagree, agree]",
        "- id: negative",
        "negative",
        "categories",
        "'agree' is already in group 'positive'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_fault_is_located(tiny, case):
    """Breaking exactly one thing gives exactly one issue naming file, record line, id, field and reason."""
    rel, old, new, anchor, record, field, word = CASES[case]
    line = tiny.line_of(rel, anchor)  # the record's first line (or the bad line), before the edit
    tiny.edit(rel, old, new)
    issues = tiny.issues()
    assert [(i.file, i.line, i.record, i.field) for i in issues] == [(tiny.file(rel), line, record, field)]
    assert word.lower() in issues[0].reason.lower()


@pytest.mark.parametrize(
    "old, new, field, word",
    [
        pytest.param('  colour: "#D55E00"', "  colour: orange", "colour", "pattern", id="colour-not-hex"),
        pytest.param("  categories: [disagree]", "  categories: []", "categories", "at least 1", id="no-categories"),
        pytest.param("  label: Negative\n", "", "label", "missing", id="no-label"),
    ],
)
def test_invalid_group_is_located(tiny, old, new, field, word):
    """An invalid response group is reported first, on its line; its categories are then in no group."""
    tiny.edit(GROUPS, old, new)
    issues = tiny.issues()
    assert (issues[0].file, issues[0].line, issues[0].record, issues[0].field) == (
        tiny.file(GROUPS),
        tiny.line_of(GROUPS, "- id: negative"),
        "negative",
        field,
    )
    assert word in issues[0].reason
    # the two results answering 'disagree' then have a category in no group
    assert [(i.record, i.field) for i in issues[1:]] == [("r-disagree", "category"), ("r-press", "category")]


# Faults found by a model's cross-field validator: (file, old, new, line anchor, record, field, word).
COHERENCE = {
    "count-over-base": (RESULTS, "  count: 3\n", "  count: 12\n", R2, "r-disagree", "count", "greater than"),
    "no-verbatim": (
        RESULTS,
        '  verbatim: "In all, 3 out of 10 disagreed."\n',
        "",
        R2,
        "r-disagree",
        "verbatim",
        "required",
    ),
    "derived-without-parts": (
        RESULTS,
        "  qualifier: exact\n",
        "  qualifier: derived\n",
        R2,
        "r-disagree",
        "derived_from",
        "derived_from",
    ),
}


@pytest.mark.parametrize("case", list(COHERENCE))
def test_coherence_fault_is_located(tiny, case):
    """A cross-field fault (count over base, missing verbatim, ...) is one issue naming file, line, record, reason."""
    rel, old, new, anchor, record, _field, word = COHERENCE[case]
    line = tiny.line_of(rel, anchor)
    tiny.edit(rel, old, new)
    issues = tiny.issues()
    assert [(i.file, i.line, i.record) for i in issues] == [(tiny.file(rel), line, record)]
    assert word in issues[0].reason


@pytest.mark.parametrize("case", list(COHERENCE))
def test_coherence_fault_names_the_field(tiny, case):
    """A cross-field fault names the field at fault (e.g. 'count' for a count over its base)."""
    rel, old, new, _anchor, _record, field, _word = COHERENCE[case]
    tiny.edit(rel, old, new)
    assert [i.field for i in tiny.issues()] == [field]


# Faults in the survey's origin.yaml: (old, new, field, a word the reason must contain). The folder's records
# are not loaded without a valid origin, so the press release's result, which names the survey, is reported
# as naming an unknown survey: that one consequence and nothing else.
ORIGIN_CASES = {
    "bad-kind": ("kind: survey-report", "kind: blog", "kind", "blog"),
    "population-without-source": (
        "population_source: A made-up register of twenty councils.\n",
        "",
        "population_source",
        "population_source",
    ),
    "respondents-over-population": ("respondents: 10\n", "respondents: 30\n", "respondents", "exceed"),
    "one-respondent-noun": ("respondent_plural: councils\n", "", "respondent_plural", "both"),
    "seed-file-without-sha256": ("document_sha256: ", "# document_sha256: ", "document_sha256", "sha256"),
    "sha256-not-hex": ("document_sha256: ", "document_sha256: x", "document_sha256", "pattern"),
    "url-not-https": ("title: Demo survey\n", "title: Demo survey\nurl: http://example.org/\n", "url", "pattern"),
}


@pytest.mark.parametrize("case", list(ORIGIN_CASES))
def test_origin_fault_is_located(tiny, case):
    """An origin fault is reported on the origin's line, naming the source and the field."""
    old, new, field, word = ORIGIN_CASES[case]
    line = tiny.line_of(ORIGIN, "id: demo")
    tiny.edit(ORIGIN, old, new)
    issues = tiny.issues()
    assert [(i.file, i.line, i.record, i.field) for i in issues] == [
        (tiny.file(ORIGIN), line, "demo", field),
        (tiny.file(PRESS_RESULTS), tiny.line_of(PRESS_RESULTS, "- id: r-press"), "r-press", "survey"),
    ]
    assert word in issues[0].reason


def test_origin_id_must_match_folder(tiny):
    """An origin whose id differs from its folder name is reported first, on the origin's line."""
    line = tiny.line_of(ORIGIN, "id: demo")
    tiny.edit(ORIGIN, "id: demo\n", "id: demo-two\n")
    issues = tiny.issues()
    assert (issues[0].file, issues[0].line, issues[0].record, issues[0].field) == (
        tiny.file(ORIGIN),
        line,
        "demo-two",
        "id",
    )
    assert "folder" in issues[0].reason
    # the results of survey 'demo' then refer to an unknown survey
    assert {i.field for i in issues[1:]} <= {"survey"}


def test_duplicate_key_is_reported(tiny):
    """A key given twice in one record is an issue, not a silent overwrite."""
    tiny.edit(RESULTS, "  value: 30\n", "  value: 30\n  value: 40\n")
    issues = tiny.issues()
    assert [(i.file, i.record, i.field) for i in issues] == [(tiny.file(RESULTS), "r-disagree", "value")]


def test_bad_theme_is_located(tiny):
    """A theme missing its label is reported first, naming themes.yaml, its line, id and field."""
    line = tiny.line_of(THEMES, "- id: funding")
    tiny.edit(THEMES, "  label: Funding\n", "")
    issues = tiny.issues()
    # records that use the dropped theme are then reported too, as unknown theme 'funding'
    assert (issues[0].file, issues[0].line, issues[0].record, issues[0].field) == (
        tiny.file(THEMES),
        line,
        "funding",
        "label",
    )
    assert "missing" in issues[0].reason
    assert {i.field for i in issues[1:]} <= {"themes"}


@pytest.mark.parametrize(
    "old, new, anchor, says",
    [
        # the quote runs on to the next one, three lines below, where the parser fails: the line is where it opened
        ('  unit: "£ billion"\n', '  unit: "£ billion\n', '  unit: "£ billion', "the quoted text that starts"),
        # the last quote of the file runs on to its end
        (
            '  verbatim: "The fund is worth £2 billion over three years."\n',
            '  verbatim: "The fund is worth £2 billion over three years.\n',
            "  verbatim:",
            "the quoted text that starts",
        ),
        ("  themes: [funding]\n", "  themes: [funding\n", "  themes: [funding", "the [ ] list that starts"),
    ],
)
def test_malformed_yaml_points_where_the_construct_began(tiny, old, new, anchor, says):
    """An unclosed quote or list is named on the line it starts on, and the message says where the parser
    noticed it (lines below)."""
    line = tiny.line_of(CONTEXT, anchor)
    tiny.edit(CONTEXT, old, new)
    [issue] = tiny.issues()
    assert (issue.file, issue.line) == (tiny.file(CONTEXT), line)
    assert issue.reason.startswith(f"malformed YAML: {says} on this line")
    noticed = int(re.search(r"the parser noticed at line (\d+)", issue.reason).group(1))
    assert noticed > line


def test_malformed_yaml_elsewhere_points_at_the_fault(tiny):
    """Any other syntax error is named on the line the parser found it."""
    tiny.edit(RESULTS, "  category: disagree\n", "  category: disagree: strongly\n")
    [issue] = tiny.issues()
    assert issue.line == tiny.line_of(RESULTS, "category: disagree: strongly")
    assert issue.reason == "malformed YAML: mapping values are not allowed here"


def test_every_error_is_reported_in_one_run(tiny):
    """Faults in four different files are all reported at once, not just the first."""
    tiny.edit(THEMES, "  label: Timescales\n", "  label: Timescales\n  colour: blue\n")
    tiny.edit(RESULTS, "  value: 30\n", "  value: 130\n")
    tiny.edit(QUOTES, "stance: concern", "stance: angry")
    tiny.edit(CONTEXT, "  themes: [funding]\n", "  themes: [money]\n")
    found = {(i.file, i.record, i.field) for i in tiny.issues()}
    assert {
        (tiny.file(THEMES), "timescales", "colour"),
        (tiny.file(RESULTS), "r-disagree", "value"),
        (tiny.file(QUOTES), "q-one", "stance"),
        (tiny.file(CONTEXT), "c-fund", "themes"),
    } <= found


def test_missing_themes_file(tiny):
    """Without themes.yaml the build stops with an issue naming it (then every theme is unknown)."""
    (tiny.sources / THEMES).unlink()
    issues = tiny.issues()
    assert [(i.file, i.field) for i in issues[:1]] == [(tiny.file(THEMES), None)]
    assert "required" in issues[0].reason
    assert {i.field for i in issues[1:]} == {"themes"}


def test_missing_origin(tiny):
    """A source folder without origin.yaml is an issue naming the missing file."""
    (tiny.sources / "demo" / "origin.yaml").unlink()
    issues = tiny.issues()
    assert tiny.file("demo/origin.yaml") in [i.file for i in issues]
    assert any("missing" in i.reason for i in issues)


@pytest.mark.parametrize(
    "rel, old, new",
    [
        pytest.param(RESULTS, "  value: 30\n", "  value: 130\n", id="invalid-value"),
        pytest.param(RESULTS, "  category: disagree\n", "  category: disagree: strongly\n", id="malformed-yaml"),
        pytest.param(QUOTES, "Money is tight", "Money is short", id="provenance"),
        pytest.param(THEMES, "- id: timescales", "- id: funding", id="duplicate-theme"),
    ],
)
def test_failed_build_leaves_data_unchanged(tiny, tmp_path, snapshot, rel, old, new):
    """On any error build() raises and the previously built data folder stays byte-for-byte the same."""
    data = tmp_path / "data"
    build(data, tiny.sources, tiny.seeds)
    before = snapshot(data)
    target = (data / "current").readlink()
    tiny.edit(rel, old, new)
    with pytest.raises(BuildError):
        build(data, tiny.sources, tiny.seeds)
    assert snapshot(data) == before
    assert (data / "current").readlink() == target
    assert {name: len(df) for name, df in load_tables(data).frames.items()} == tiny.counts


def test_failed_first_build_writes_nothing(tiny, tmp_path):
    """A build that fails before any data exists leaves no data folder behind."""
    tiny.edit(RESULTS, "  value: 30\n", "  value: 130\n")
    with pytest.raises(BuildError):
        build(tmp_path / "data", tiny.sources, tiny.seeds)
    assert not (tmp_path / "data").exists()


def test_cli_reports_broken_sources(tiny, tmp_path, capsys, cli_env):
    """`python -m etl` on broken sources returns non-zero and prints file, field and reason to stderr."""
    tiny.edit(RESULTS, "  value: 30\n", "  value: 130\n")
    line = tiny.line_of(RESULTS, R2)
    rc = cli.main(["--data", str(tmp_path / "data"), "--sources", str(tiny.sources), "--documents", str(tiny.seeds)])
    err = capsys.readouterr().err
    assert rc != 0
    assert f"{tiny.file(RESULTS)}:{line}" in err
    assert "record r-disagree" in err and "field 'value'" in err
    assert "less than or equal to 100" in err
    assert not (tmp_path / "data" / "current").exists()


@pytest.mark.parametrize(
    "old, new, flags",
    [
        pytest.param(None, None, [], id="no-flag"),
        # 35% of 10: 3/10 = 30, 4/10 = 40, neither within 0.5 of 35: one flag
        pytest.param(
            "  value: 30\n  qualifier: exact\n  count: 3\n",
            "  value: 35\n  qualifier: exact\n",
            ["r-disagree"],
            id="one-flag",
        ),
    ],
)
def test_cli_prints_counts_and_flags(tiny, tmp_path, capsys, cli_env, old, new, flags):
    """`python -m etl` on valid sources returns 0 and prints each table's record count and the flags."""
    if old is not None:
        tiny.edit(RESULTS, old, new)
    rc = cli.main(["--data", str(tmp_path / "data"), "--sources", str(tiny.sources), "--documents", str(tiny.seeds)])
    out = capsys.readouterr().out
    assert rc == 0
    for name, count in tiny.counts.items():
        assert re.search(rf"^\s+{name}\s+{count} records$", out, re.M), name
    assert re.search(rf"^\s+flags\s+{len(flags)}$", out, re.M)
    assert re.findall(r"^\s+- ([a-z0-9-]+): ", out, re.M) == flags
    assert (tmp_path / "data" / "current" / "manifest.json").exists()


def test_flag_names_the_surveys_respondents(tiny):
    """A flag names the respondents in the survey's own noun (respondent_plural), not "councils"."""
    tiny.edit(ORIGIN, "respondent_plural: councils", "respondent_plural: schools")
    tiny.edit(RESULTS, "  value: 30\n  qualifier: exact\n  count: 3\n", "  value: 35\n  qualifier: exact\n")
    (flag,) = collect(tiny.sources, tiny.seeds).flags
    assert flag.startswith("r-disagree: Reported as 35%, but no whole number of the 10 schools makes 35%")
    assert "councils" not in flag


def test_cli_rejects_missing_documents_path(tiny, tmp_path, capsys, cli_env):
    """A --documents folder that does not exist is an error before anything is built."""
    rc = cli.main(
        ["--data", str(tmp_path / "data"), "--sources", str(tiny.sources), "--documents", str(tmp_path / "nope")]
    )
    assert rc != 0
    assert "--documents" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()
