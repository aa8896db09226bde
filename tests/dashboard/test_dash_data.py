"""dashboard.data: the surveys and catalogues, the query string, untrusted inputs, filters, count labels."""

from __future__ import annotations

import factory
import pytest

from dashboard import selection
from dashboard.data import (
    clean_text,
    clean_themes,
    count_label,
    filter_by_themes,
    filter_quotes,
    format_published,
)
from etl.schema import Col

# The page order of etl/sources/themes.yaml.
KNOWN = tuple(factory.THEMES)
# The results tagged "funding" in etl/sources/isos-2026/results.yaml: four of Figure 4, one of Figure 5, Figure 8's three.
FUNDING_IDS = {
    "fig4-mainstream-inclusion-fund",
    "fig4-core-funding-formula",
    "fig4-early-years-funding",
    "fig4-pooled-partnership-funding",
    "fig5-special-school-funding",
    "fig8-funding-next-three-years",
    "fig8-funding-post-legislation",
    "fig8-funding-post-legislation-not-confident",
}


def test_store_theme_order(store):
    """The store's theme ids are themes.yaml's, in page order."""
    assert store.theme_ids == KNOWN


def test_default_survey_and_its_catalogue(store, survey):
    """The real data has one survey with charts, the default, its charts in catalogue order."""
    assert list(store.surveys) == [store.default_survey] == [survey.id]
    assert survey.default
    assert survey.singular == "council" and survey.plural == "councils"
    assert [c.figure for c in survey.charts] == [None, 1, 2, 3, 4, 5, 6, 7, 8, None]
    assert len({c.slug for c in survey.charts}) == len(survey.charts)
    assert survey.chart("timescales").kind == "stacked"
    assert survey.chart("nope") is None


def test_survey_themes_are_those_it_uses(store, survey):
    """The themes a survey's page filters by are those its results, quotations and context use, in page order."""
    used = set()
    for rows in (store.survey_results(survey), store.survey_quotes(survey), store.survey_context(survey)):
        used |= {t for r in rows for t in r[Col.THEMES]}
    assert survey.theme_ids == tuple(t for t in KNOWN if t in used)


def test_unknown_survey_is_the_default(store):
    """Anything but a known survey id gives the default survey."""
    for value in ("nope", None, 42, ["x"], ""):
        assert store.survey(value).id == store.default_survey


def test_chart_rows_follow_the_catalogue(store, survey):
    """A chart's rows come in its catalogue order (Figure 7: the derived share between the two reported)."""
    rows = store.chart_rows(survey.chart("timescales"))
    assert [r[Col.ID] for r in rows] == ["fig7-too-ambitious", "fig7-not-reported", "fig7-too-slow"]


def test_survey_results_include_compared_waves(store, survey):
    """The survey's page can show the 2023/24 results its comparison chart draws, and no other survey's."""
    surveys = {r[Col.SURVEY] for r in store.survey_results(survey)}
    assert surveys == {"isos-2026", "isos-2024"}
    assert len(store.survey_results(survey)) == 35


def test_rows_are_plain(store):
    """The Store's rows give None for missing values and lists for list columns, never NaN, NA or arrays."""
    row = next(r for r in store.results if r[Col.ID] == "baseline-system-fair")
    assert row[Col.BASE] is None and row[Col.COUNT] is None and row[Col.FLAG] is None
    assert isinstance(row[Col.THEMES], list)


@pytest.mark.parametrize(
    "values, expected",
    [
        (["tribunals,funding"], (["tribunals", "funding"], [])),
        (["funding", "tribunals"], (["tribunals", "funding"], [])),
        (["Funding , TRIBUNALS"], (["tribunals", "funding"], [])),
        (["funding,bogus"], (["funding"], ["bogus"])),
        ([""], ([], [])),
        ([], ([], [])),
        (["funding"] * 1000, (["funding"], [])),
        (["x" * 100_000], ([], ["x" * 39 + "…"])),
    ],
)
def test_parse_themes(values, expected):
    """?theme= values, comma-separated and repeatable, as known themes in page order and unknown names."""
    assert selection.parse({"theme": values}).themes_in(KNOWN) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("2026-06", "June 2026"), ("2024-09-05", "5 September 2024"), ("2024", "2024"), (None, "undated")],
)
def test_format_published(value, expected):
    assert format_published(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("tribunal", "tribunal"),
        ("  x  ", "x"),
        ("\ud800", "\ufffd"),
        ("a\udfffb", "a\ufffdb"),
        (42, ""),
        (None, ""),
        ("y" * 500, "y" * 200),
    ],
)
def test_clean_text(value, expected):
    """Search text is cut to 200 characters, and a lone surrogate (which no encoder accepts) becomes U+FFFD."""
    assert clean_text(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("funding", (["funding"], [])),
        (["funding", "tribunals"], (["tribunals", "funding"], [])),
        (("funding", "tribunals"), (["tribunals", "funding"], [])),
        (["funding", 3, None], (["funding"], ["3", "None"])),
        ([1, 2], ([], ["1", "2"])),
        ([["funding"]], ([], ["['funding']"])),
        (["Funding"], ([], ["Funding"])),
        (42, ([], ["42"])),
        (True, ([], ["True"])),
        ({"a": 1}, ([], ["{'a': 1}"])),
        (None, ([], [])),
        ([], ([], [])),
        (["tribunals"] * 100_000 + ["x"], (["tribunals"], ["x"])),
        (["x" * 1000], ([], ["x" * 39 + "…"])),
    ],
)
def test_clean_themes(value, expected):
    """Any callback value becomes (known themes in page order, unknown entries for display)."""
    assert clean_themes(value, KNOWN) == expected


def test_clean_themes_huge_junk_list():
    """Ten thousand distinct junk entries give no theme and at most five short notices."""
    themes, unknown = clean_themes([f"junk-{i}" * 20 for i in range(10_000)], KNOWN)
    assert themes == []
    assert len(unknown) == 5 and all(len(u) <= 40 for u in unknown)


@pytest.mark.parametrize(
    "themes, ids",
    [
        (["tribunals"], {"tribunal-reformed-role"}),
        (["funding"], FUNDING_IDS),
        (["tribunals", "baseline"], {"tribunal-reformed-role", "baseline-system-working-well", "baseline-system-fair"}),
        (["outcomes"], {"fig1-early-intervention", "fig1-better-outcomes", "fig1-fairer-consistent"}),
    ],
)
def test_filter_by_themes(store, themes, ids):
    """Only the rows tagged with a chosen theme are kept."""
    out = filter_by_themes(store.results, themes)
    assert {r[Col.ID] for r in out} == ids
    assert len(out) == len(ids)


def test_filter_by_no_theme_is_everything(store):
    """No theme chosen keeps every row: 33 results of the 2026 survey and 2 of the 2023/24 one."""
    out = filter_by_themes(store.results, [])
    assert len(out) == 35
    assert sum(r[Col.SURVEY] == "isos-2026" for r in out) == 33


# Counts from etl/sources/isos-2026/quotes.yaml: 50 quotations, 29 concern, 17 welcomes, 4 mixed; 5 tagged
# tribunals (3 concern, 2 welcomes); 5 mention "tribunal"; one has "(e.g." and one "£1.6bn".
@pytest.mark.parametrize(
    "themes, stances, search, n",
    [
        ([], [], "", 50),
        ([], None, None, 50),
        ([], ["concern"], None, 29),
        ([], ["welcomes"], "", 17),
        ([], ["mixed"], "", 4),
        ([], ["welcomes", "mixed"], "", 21),
        ([], ["concern", 42, None, {"a": 1}], "", 29),
        ([], ["bogus"], "", 0),
        ([], "concern", "", 50),
        ([], 42, "", 50),
        (["tribunals"], [], "", 5),
        (["tribunals"], ["concern"], "", 3),
        (["tribunals"], ["welcomes"], "", 2),
        ([], [], "TRIBUNAL", 5),
        ([], [], "  tribunal  ", 5),
        ([], [], ".*(", 0),
        ([], [], "(e.g.", 1),
        ([], [], "£1.6BN", 1),
        ([], [], "[THE send", 1),
        ([], [], "   ", 50),
        ([], [], 42, 50),
        ([], [], "x" * 100_000, 0),
        ([], [], "\ud800", 0),
        ([], [], "tribunal\ud800", 0),
    ],
)
def test_filter_quotes(store, themes, stances, search, n):
    """Theme, stance (junk ignored) and case-insensitive literal search filter the quotations."""
    out = filter_quotes(store.quotes, themes, stances, search)
    assert len(out) == n
    if isinstance(search, str) and search.strip() and n:
        assert all(search.strip().lower() in r[Col.TEXT].lower() for r in out)


@pytest.mark.parametrize(
    "record, label",
    [
        ("fig3-individual-support-plans", "52 of 54"),  # 96% of 54: only 52 rounds to 96
        ("fig5-special-school-funding", "49–54 of 54"),  # over 90%
        ("fig5-specialist-packages", "46–48 of 54"),  # nearly 90%
        ("fig6-partner-capacity", "0–26 of 54"),  # less than half
        ("fig8-funding-next-three-years", "0–13 of 54"),  # less than a quarter
        ("fig4-experts-at-hand", "44–54 of 54"),  # over 80%
        ("fig5-inmss-legislation", "54 of 54"),  # All 54
        ("fig7-too-ambitious", "23 of 54"),  # 23 out of 54
        ("fig1-partnership-working", "31 of 54"),  # 57% of 54: 31 is 57.4%
        ("fig8-funding-post-legislation-not-confident", ""),  # 29%: no count of 54 fits
        ("baseline-system-fair", ""),  # base not stated
    ],
)
def test_count_label(store, record, label):
    """The counts a figure allows, as "k of n" or "lo–hi of n"; "" when none can be derived."""
    row = next(r for r in store.results if r[Col.ID] == record)
    assert count_label(row) == label


def test_count_label_without_base():
    """A row with no base has no count label, even if counts were somehow filled."""
    assert count_label({Col.COUNT_MIN: 3, Col.COUNT_MAX: 5, Col.BASE: None}) == ""
