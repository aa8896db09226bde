"""Context figures: ranges and ceilings, "now" as the document's date, labels without their period, series over
time; on the tiny sources (tests/etl/minimal.py) and on the real ones."""

from __future__ import annotations

from collections import Counter

import pytest

from etl.build import collect, document_date

CONTEXT = "demo/context.yaml"
RESULTS = "demo/results.yaml"
ORIGIN = "demo/origin.yaml"
FUND = "  value: 2\n  qualifier: exact\n"

# A second fact of the demo document, for the series tests: the fund last year (same sentence, another period).
LAST_YEAR = """
- id: c-fund-before
  label: The fund
  reported_text: "£2 billion"
  value: 2
  qualifier: exact
  unit: "£ billion"
  period: last year
  series: fund
  themes: [funding]
  verbatim: "The fund is worth £2 billion over three years."
"""


def _context(tiny) -> dict[str, dict]:
    return {c["id"]: c for c in collect(tiny.sources, tiny.seeds).rows["context"]}


# Shapes a context figure may take: (old lines, new lines, value, value_low, value_high).
@pytest.mark.parametrize(
    "new, value, low, high",
    [
        pytest.param("  value: 2\n  qualifier: up_to\n", 2, None, None, id="ceiling"),
        pytest.param("  value_low: 1\n  value_high: 2\n  qualifier: range\n", None, 1, 2, id="range"),
        pytest.param("  value: 2\n  qualifier: about\n", 2, None, None, id="about"),
    ],
)
def test_context_shapes_build(tiny, new, value, low, high):
    """A ceiling is a value with qualifier up_to; a range has value_low and value_high and no one value."""
    tiny.edit(CONTEXT, FUND, new)
    row = _context(tiny)["c-fund"]
    assert (row["value"], row["value_low"], row["value_high"]) == (value, low, high)
    assert row["headline"] is True and row["series"] is None


@pytest.mark.parametrize(
    "new, field, word",
    [
        pytest.param("  value: 2\n  value_high: 3\n  qualifier: range\n", "value", "no one value", id="range+value"),
        pytest.param("  value_low: 1\n  qualifier: range\n", "value_low", "value_high", id="range-without-high"),
        pytest.param("  value_low: 3\n  value_high: 2\n  qualifier: range\n", "value_high", "not above", id="low>high"),
        pytest.param("  qualifier: up_to\n", "value", "needs a value", id="ceiling-without-value"),
        pytest.param("  value: 2\n  value_low: 1\n  qualifier: exact\n", "value_low", "only for", id="low-on-exact"),
        pytest.param("  value: 2\n  qualifier: all\n", "qualifier", "survey results", id="all-on-context"),
    ],
)
def test_context_shape_faults(tiny, new, field, word):
    """A range, a ceiling and their values are validated together; each fault names its field."""
    line = tiny.line_of(CONTEXT, "- id: c-fund")
    tiny.edit(CONTEXT, FUND, new)
    issues = tiny.issues()
    assert [(i.line, i.record, i.field) for i in issues] == [(line, "c-fund", field)]
    assert word in issues[0].reason


def test_a_result_cannot_be_a_range(tiny):
    """up_to and range are for context figures: a survey result with one is refused."""
    tiny.edit(RESULTS, "  value: 30\n  qualifier: exact\n", "  value: 30\n  qualifier: up_to\n")
    assert [(i.record, i.field) for i in tiny.issues()] == [("r-disagree", "qualifier")]


@pytest.mark.parametrize(
    "published, period",
    [("2024-09-05", "September 2024"), ("2026-06", "June 2026"), ("2023", "2023")],
)
def test_now_is_the_documents_date(tiny, published, period):
    """A figure stated as "now" takes its document's date as its period."""
    tiny.edit(ORIGIN, "title: Demo survey\n", f'title: Demo survey\npublished: "{published}"\n')
    tiny.edit(CONTEXT, "  period: three years\n", "  period: now\n")
    assert _context(tiny)["c-fund"]["period"] == period
    assert document_date(published) == period


def test_now_needs_a_dated_document(tiny):
    """ "now" in an undated document is an issue on the period."""
    tiny.edit(CONTEXT, "  period: three years\n", "  period: now\n")
    assert [(i.record, i.field) for i in tiny.issues()] == [("c-fund", "period")]


def test_label_does_not_repeat_its_period(tiny):
    """The page adds the period to the label: a label that already says it is an issue."""
    tiny.edit(CONTEXT, "  label: The fund\n", "  label: The fund over three years\n")
    [issue] = tiny.issues()
    assert (issue.record, issue.field) == ("c-fund", "label") and "three years" in issue.reason


def test_a_series_of_two(tiny):
    """Two figures of one measure at two periods are one series."""
    tiny.edit(CONTEXT, "  period: three years\n", "  period: three years\n  series: fund\n")
    (tiny.sources / CONTEXT).write_text((tiny.sources / CONTEXT).read_text() + LAST_YEAR)
    rows = _context(tiny)
    assert {rows["c-fund"]["series"], rows["c-fund-before"]["series"]} == {"fund"}


@pytest.mark.parametrize(
    "edit, word",
    [
        pytest.param(None, "one figure", id="one-point"),
        pytest.param(
            ('  unit: "£ billion"\n  period: last year', '  unit: "£ million"\n  period: last year'),
            "label and unit",
            id="two-units",
        ),  # fmt: skip
        pytest.param(("  period: last year\n", "  period: three years\n"), "one period", id="one-period-twice"),
    ],
)
def test_series_faults(tiny, edit, word):
    """A series of one figure, of two units, or with a period twice, is an issue on the series."""
    tiny.edit(CONTEXT, "  period: three years\n", "  period: three years\n  series: fund\n")
    if edit is not None:
        (tiny.sources / CONTEXT).write_text((tiny.sources / CONTEXT).read_text() + LAST_YEAR.replace(*edit))
    issues = tiny.issues()
    assert issues and all(i.field == "series" for i in issues)
    assert any(word in i.reason for i in issues)


# The real sources. -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def context(real_dataset) -> dict[str, dict]:
    return {c["id"]: c for c in real_dataset.rows["context"]}


def test_ceiling_and_range(context):
    """ "up to 5,000" SENCOs is a ceiling; "two to three years" is a range from 2 to 3."""
    sencos = context["ctx-news23-early-years-sencos-training"]
    assert (sencos["reported_text"], sencos["qualifier"], sencos["value"]) == ("up to 5,000", "up_to", 5000)
    years = context["ctx-news23-change-programme-duration"]
    assert (years["reported_text"], years["qualifier"]) == ("two to three years", "range")
    assert (years["value"], years["value_low"], years["value_high"]) == (None, 2, 3)


def test_now_in_the_briefing_is_september_2024(context):
    """The LGA briefing's deficit "now stands at £3.15 billion": its period is the briefing's, September 2024."""
    assert context["ctx-lga24-cumulative-high-needs-deficit"]["period"] == "September 2024"


def test_no_label_repeats_its_period(context):
    assert [c["id"] for c in context.values() if c["period"] and c["period"].lower() in c["label"].lower()] == []


def test_series(context):
    """Two series over time, of two figures each: the high needs block and the number of EHCPs."""
    series = Counter(c["series"] for c in context.values() if c["series"])
    assert series == {"high-needs-block": 2, "ehcps": 2}


def test_no_fact_twice(context):
    """No number is stated twice across documents: 400 educational psychologists, 5,000 SENCOs, £70 million and
    33 special free schools are each one record."""
    seen = Counter((c["value"], c["unit"]) for c in context.values() if c["value"] is not None)
    for fact in [(400, "educational psychologists"), (5000, "early years SENCOs"), (70, "£ million")]:
        assert seen[fact] == 1, fact
    assert seen[(33, "special free schools")] == 1


@pytest.mark.parametrize(
    "cid",
    [
        "ctx-isos26-white-paper-published",  # "February 2026"
        "ctx-isos26-specialist-provision-packages",  # "seven"
        "ctx-isos26-three-year-reform-plans",  # "three-year"
    ],
)
def test_trivia_is_not_a_headline(context, cid):
    assert context[cid]["headline"] is False


def test_research_method_is_not_context(context):
    """The five online workshops are the report's method (its origin says so), not a context figure."""
    assert not [c for c in context.values() if "workshop" in c["verbatim"]]
