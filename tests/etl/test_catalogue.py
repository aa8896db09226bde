"""The chart catalogue (charts.yaml): selectors resolved to result ids in drawing order, the tables written,
and every mistake located by file and line."""

from __future__ import annotations

import pytest

from etl.build import collect

CHARTS = "demo/charts.yaml"
ORIGIN = "demo/origin.yaml"
OTHER_CHARTS = "other/charts.yaml"
PLAN = "  - slug: the-plan"  # the first chart's line
DISAGREEMENT = "  - slug: disagreement"  # the second chart's line


def test_catalogue_tables(tiny):
    """The tiny catalogue gives one default catalogue, two charts resolved in order and one contrast."""
    rows = collect(tiny.sources, tiny.seeds).rows
    assert rows["catalogues"] == [
        {
            "survey": "demo",
            "default": True,
            "tagline": "A made-up survey of ten councils.",
            "site_title": "Demo Survey Dashboard",
            "theme_legend": "Demo themes",
            "context_from": ["demo"],
        }
    ]
    charts = [(c["slug"], c["position"], c["kind"], c["result_ids"]) for c in rows["charts"]]
    assert charts == [
        ("the-plan", 0, "stacked", ["r-agree", "r-disagree"]),
        # a selector without ids searches the survey's results wherever they live: r-press is in press/
        ("disagreement", 1, "bars", ["r-disagree", "r-press"]),
    ]
    assert [(c["survey"], c["position"], c["left"], c["joiner"], c["right"]) for c in rows["contrasts"]] == [
        ("demo", 0, "r-agree", "but", "r-press")
    ]


def test_chart_defaults(tiny):
    """Without subtitle or axis_label a chart gets its first result's question and "% of responding <plural>"."""
    chart = collect(tiny.sources, tiny.seeds).rows["charts"][0]
    assert (chart["subtitle"], chart["axis_label"]) == ("Do you agree with the plan?", "% of responding councils")
    tiny.edit(ORIGIN, "respondent_plural: councils", "respondent_plural: schools")
    chart = collect(tiny.sources, tiny.seeds).rows["charts"][0]
    assert chart["axis_label"] == "% of responding schools"


@pytest.mark.parametrize(
    "select, kind, expected",
    [
        # ids fix the order ...
        pytest.param("{ids: [r-press, r-disagree]}", "bars", ["r-press", "r-disagree"], id="ids-order"),
        # ... unless the chart is ranked: largest share first (70%, then over half from 6 of 10, then 30%)
        pytest.param(
            "{ids: [r-disagree, r-agree, r-press]}", "ranked", ["r-press", "r-agree", "r-disagree"], id="ranked"
        ),
        # conditions combine: category and ids
        pytest.param(
            "{ids: [r-agree, r-disagree, r-press], category: [disagree]}",
            "bars",
            ["r-disagree", "r-press"],
            id="ids-and-category",
        ),
        # a category over the survey's results, in file order
        pytest.param("{category: [agree, disagree]}", "bars", ["r-agree", "r-disagree", "r-press"], id="category"),
        # alternatives: a list of selectors whose results are joined, in order ...
        pytest.param("[{category: [agree]}, {ids: [r-press]}]", "bars", ["r-agree", "r-press"], id="alternatives"),
        # ... each result once, where two alternatives select it ...
        pytest.param(
            "[{category: [disagree]}, {ids: [r-disagree, r-agree]}]",
            "bars",
            ["r-disagree", "r-press", "r-agree"],
            id="alternatives-overlap",
        ),
        # ... and a ranked chart ranks them all together (70%, then over half)
        pytest.param(
            "[{category: [agree]}, {ids: [r-press]}]", "ranked", ["r-press", "r-agree"], id="alternatives-ranked"
        ),
    ],
)
def test_selectors(tiny, select, kind, expected):
    """A selector picks the results every condition holds for, in the order the chart kind draws them."""
    tiny.edit(CHARTS, "    select: {category: [disagree]}", f"    select: {select}")
    tiny.edit(CHARTS, "    kind: bars", f"    kind: {kind}")
    assert collect(tiny.sources, tiny.seeds).rows["charts"][1]["result_ids"] == expected


# (file, old, new, line anchor, record, field, a word the reason must contain)
CASES = {
    "unknown-id-in-select": (
        CHARTS,
        "{ids: [r-agree, r-disagree]}",
        "{ids: [r-agree, r-nowhere]}",
        PLAN,
        "the-plan",
        "select",
        "unknown result(s): r-nowhere",
    ),
    "empty-selection": (
        CHARTS,
        "{category: [disagree]}",
        "{category: [disagree], figure: 4}",
        DISAGREEMENT,
        "disagreement",
        "select",
        "selects no results",
    ),
    "empty-selector": (CHARTS, "{category: [disagree]}", "{}", DISAGREEMENT, "disagreement", "select", "at least one"),
    "alternative-selects-nothing": (
        CHARTS,
        "{category: [disagree]}",
        "[{category: [disagree]}, {figure: 9}]",
        DISAGREEMENT,
        "disagreement",
        "select",
        "alternative 2 of 2 selects no results",
    ),
    "unknown-id-in-an-alternative": (
        CHARTS,
        "{category: [disagree]}",
        "[{category: [disagree]}, {ids: [r-nowhere]}]",
        DISAGREEMENT,
        "disagreement",
        "select",
        "unknown result(s): r-nowhere",
    ),
    "empty-alternative": (
        CHARTS,
        "{category: [disagree]}",
        "[{category: [disagree]}, {}]",
        DISAGREEMENT,
        "disagreement",
        "select.1",
        "at least one",
    ),
    "select-not-a-selector": (
        CHARTS,
        "{category: [disagree]}",
        "figure 3",
        DISAGREEMENT,
        "disagreement",
        "select",
        "give a selector, such as {figure: 3}, or a list of selectors",
    ),
    "no-alternatives": (CHARTS, "{category: [disagree]}", "[]", DISAGREEMENT, "disagreement", "select", "at least 1"),
    "duplicate-slug": (
        CHARTS,
        DISAGREEMENT,
        PLAN,
        DISAGREEMENT,
        "the-plan",
        "slug",
        "two charts of this survey have this slug",
    ),
    "bad-slug": (CHARTS, DISAGREEMENT, "  - slug: Disagreement!", DISAGREEMENT, "Disagreement!", "slug", "pattern"),
    "unknown-kind": (CHARTS, "    kind: bars", "    kind: pie", DISAGREEMENT, "disagreement", "kind", "pie"),
    "unknown-chart-field": (
        CHARTS,
        "    kind: bars",
        "    kind: bars\n    colour: red",
        DISAGREEMENT,
        "disagreement",
        "colour",
        "unknown field",
    ),
    "stacked-over-two-questions": (
        CHARTS,
        "{ids: [r-agree, r-disagree]}",
        "{ids: [r-agree, r-press]}",  # "Do you agree with the plan?" and "Is the timetable realistic?"
        PLAN,
        "the-plan",
        "select",
        "one question",
    ),
    "waves-within-one-survey": (
        CHARTS,
        "    kind: bars",
        "    kind: waves",
        DISAGREEMENT,
        "disagreement",
        "select",
        "two or more surveys",
    ),
    "unknown-contrast-id": (
        CHARTS,
        "    right: r-press",
        "    right: r-nowhere",
        "  - left: r-agree",
        None,
        "contrasts",
        "unknown result(s): r-nowhere",
    ),
    "contrast-without-text": (
        CHARTS,
        "    left_text: agree with the plan\n",
        "",
        "  - left: r-agree",
        None,
        "left_text",
        "missing",
    ),
    "unknown-context-from": (
        CHARTS,
        "tagline: A made-up survey of ten councils.\n",
        "tagline: A made-up survey of ten councils.\ncontext_from: [press, nowhere]\n",
        "tagline:",
        "demo",
        "context_from",
        "unknown document(s): nowhere",
    ),
    "no-tagline": (CHARTS, "tagline: A made-up survey of ten councils.\n", "", "tagline:", None, "tagline", "missing"),
    "no-site-title": (CHARTS, "site_title: Demo Survey Dashboard\n", "", "tagline:", None, "site_title", "missing"),
    "no-theme-legend": (CHARTS, "theme_legend: Demo themes\n", "", "tagline:", None, "theme_legend", "missing"),
    "no-respondent-nouns": (
        ORIGIN,
        "respondent_singular: council\nrespondent_plural: councils\n",
        "",
        "tagline:",
        "demo",
        "respondent_singular",
        "needs respondent_singular, respondent_plural in its origin.yaml",
    ),
    "no-citation": (
        ORIGIN,
        "citation: A made-up survey of ten councils (2026)\n",
        "",
        "tagline:",
        "demo",
        "citation",
        "needs citation in its origin.yaml",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_catalogue_fault_is_located(tiny, case):
    """Breaking one thing in the catalogue (or what it needs) gives one issue: charts.yaml, the line of the chart,
    contrast or catalogue at fault, the chart's slug (or the survey), the field and the reason."""
    rel, old, new, anchor, record, field, word = CASES[case]
    line = tiny.line_of(CHARTS, anchor)
    tiny.edit(rel, old, new)
    issues = tiny.issues()
    assert [(i.file, i.line, i.record, i.field) for i in issues] == [(tiny.file(CHARTS), line, record, field)]
    assert word in issues[0].reason


def test_stacked_chart_over_items_of_one_question_is_refused(tiny):
    """A stacked chart draws one bar: answers about two items of one question on one base would be added up into
    it (29% + 50% drawn as one bar). The chart is refused, naming it and each item with its results."""
    tiny.edit(
        "demo/results.yaml",
        "  item: The plan\n  themes: [funding, timescales]",
        "  item: Another plan\n  themes: [funding, timescales]",
    )
    [issue] = tiny.issues()
    assert (issue.file, issue.line, issue.record, issue.field) == (
        tiny.file(CHARTS),
        tiny.line_of(CHARTS, PLAN),
        "the-plan",
        "select",
    )
    assert issue.reason.startswith("a stacked chart draws one bar, the parts of one whole, but these are the answers")
    assert "2 items of one question" in issue.reason
    assert "'The plan' (r-agree); 'Another plan' (r-disagree)" in issue.reason


def test_stacked_chart_over_a_whole_is_refused(tiny):
    """Answers to one question about one item whose lowest shares add up to more than the base (over half, and
    5 of 10) are not parts of one whole: the stacked chart is refused, naming each answer."""
    tiny.edit(
        "demo/results.yaml",
        "  value: 30\n  qualifier: exact\n  count: 3\n",
        "  value: 50\n  qualifier: exact\n  count: 5\n",
    )
    [issue] = tiny.issues(provenance=False)
    assert (issue.record, issue.field) == ("the-plan", "select")
    assert "the lowest shares these answers allow add up to 110% of the base of 10" in issue.reason
    assert "r-agree (agree) Over half; r-disagree (disagree) 3 out of 10" in issue.reason


def test_stacked_chart_of_one_whole_builds(tiny):
    """Rounded shares of one whole may print as more than 100% together (34% + 33% + 34%): by the lowest share
    each allows they fit, and the chart builds."""
    from etl.build import _not_one_whole

    base = {"question": "Q?", "item": "I", "base": 3}
    rows = [
        dict(base, id=f"r{i}", category=c, reported_text=t, pct_low=100 / 3)
        for i, (c, t) in enumerate([("a", "34%"), ("b", "33%"), ("c", "34%")])
    ]
    assert _not_one_whole(rows) is None
    rows[0]["pct_low"] = 100 / 3 + 1
    assert "add up to 101%" in _not_one_whole(rows)


def test_charts_for_a_non_survey(tiny):
    """A charts.yaml in the folder of a document that is not a survey report is located and refused."""
    (tiny.sources / "press" / "charts.yaml").write_text(
        (tiny.sources / CHARTS).read_text(encoding="utf-8").replace("- slug: the-plan", "- slug: press-plan"),
        encoding="utf-8",
    )
    issues = tiny.issues()
    assert [(i.file, i.line, i.record) for i in issues] == [(tiny.file("press/charts.yaml"), 1, "press")]
    assert "survey-report" in issues[0].reason


def test_empty_charts_file(tiny):
    """An empty charts.yaml is an issue naming the file."""
    (tiny.sources / CHARTS).write_text("# nothing yet\n", encoding="utf-8")
    issues = tiny.issues()
    assert [(i.file, i.record) for i in issues] == [(tiny.file(CHARTS), None)]
    assert "empty" in issues[0].reason


# Several surveys with catalogues. ------------------------------------------------------------------------------


def test_two_catalogues_one_default(tiny):
    """Two surveys with charts: the one marked default is the default; each chart is its own survey's."""
    tiny.edit(CHARTS, "tagline:", "default: true\ntagline:")
    tiny.add_survey()
    rows = collect(tiny.sources, tiny.seeds).rows
    assert [(c["survey"], c["default"]) for c in rows["catalogues"]] == [("demo", True), ("other", False)]
    # a category selector stays within its survey: 'agree' of other is o-agree alone, not r-agree
    assert [(c["survey"], c["slug"], c["result_ids"]) for c in rows["charts"]][-1] == (
        "other",
        "the-other-plan",
        ["o-agree"],
    )


def test_two_defaults(tiny):
    """Two catalogues both marked default: the second is reported, on its file's first line."""
    tiny.edit(CHARTS, "tagline:", "default: true\ntagline:")
    tiny.add_survey()
    tiny.edit(OTHER_CHARTS, "default: false", "default: true")
    issues = tiny.issues()
    assert [(i.file, i.line, i.record, i.field) for i in issues] == [(tiny.file(OTHER_CHARTS), 1, "other", "default")]
    assert "more than one" in issues[0].reason


def test_several_catalogues_and_no_default(tiny):
    """Two catalogues and neither marked default: each is reported, asking for one 'default: true'."""
    tiny.add_survey()
    issues = tiny.issues()
    assert [(i.file, i.line, i.record, i.field) for i in issues] == [
        (tiny.file(CHARTS), 1, "demo", "default"),
        (tiny.file(OTHER_CHARTS), 1, "other", "default"),
    ]
    assert all("default: true" in i.reason for i in issues)


def test_one_catalogue_is_the_default(tiny):
    """A lone catalogue is the default even when marked 'default: false'."""
    tiny.edit(CHARTS, "tagline:", "default: false\ntagline:")
    assert collect(tiny.sources, tiny.seeds).rows["catalogues"][0]["default"] is True


WAVES = """\
default: false
tagline: Another made-up survey.
site_title: Other Survey Dashboard
theme_legend: Other themes
charts:
  - slug: then-and-now
    title: The plan, then and now
    kind: waves
    select: {compare_key: [plan]}
"""


def test_waves_chart_across_two_surveys(tiny):
    """A waves chart draws the results of two surveys sharing a compare_key, each key's waves together, oldest
    survey first (by published)."""
    tiny.edit(CHARTS, "tagline:", "default: true\ntagline:")
    tiny.add_survey(charts=WAVES)
    tiny.edit(
        "demo/results.yaml",
        "  item: The plan\n  themes: [funding]\n",
        "  item: The plan\n  compare_key: plan\n  themes: [funding]\n",
    )
    tiny.edit("other/results.yaml", "  item: The other plan\n", "  item: The other plan\n  compare_key: plan\n")
    tiny.edit(ORIGIN, "title: Demo survey\n", "title: Demo survey\npublished: '2026'\n")
    tiny.edit("other/origin.yaml", "title: Other survey\n", "title: Other survey\npublished: '2024'\n")
    chart = collect(tiny.sources, tiny.seeds).rows["charts"][-1]
    assert (chart["survey"], chart["kind"], chart["result_ids"]) == ("other", "waves", ["o-agree", "r-agree"])


def test_alternatives_are_recorded_in_the_chart_row(tiny):
    """The charts table records what a chart's alternatives name together: its categories (the first names the
    axis), ids, figures and compare keys."""
    tiny.edit(CHARTS, "    select: {category: [disagree]}", "    select: [{category: [disagree]}, {ids: [r-agree]}]")
    chart = collect(tiny.sources, tiny.seeds).rows["charts"][1]
    named = {k: chart[k] for k in ("select_ids", "select_figures", "select_category", "select_compare_key")}
    assert named == {
        "select_ids": ["r-agree"],
        "select_figures": [],
        "select_category": ["disagree"],
        "select_compare_key": [],
    }
    assert chart["result_ids"] == ["r-disagree", "r-press", "r-agree"]
