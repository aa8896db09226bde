"""dashboard.data: the ?theme= query, untrusted theme inputs, theme and quotation filters, count labels."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.data import (
    MAIN_SURVEY,
    clean_themes,
    count_label,
    filter_by_themes,
    filter_quotes,
)
from etl.schema import Col

# The page order of etl/sources/themes.yaml.
KNOWN = (
    "inclusion",
    "tribunals",
    "funding",
    "standards",
    "early-intervention",
    "specialist",
    "partnerships",
    "workforce",
    "timescales",
    "outcomes",
    "baseline",
)
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
    assert set(out[Col.ID]) == ids
    assert len(out) == len(ids)


def test_filter_by_no_theme_is_everything(store):
    """No theme chosen keeps every row: 33 results of the 2026 survey and 2 of the 2023/24 one."""
    out = filter_by_themes(store.results, [])
    assert len(out) == 35
    assert (out[Col.SURVEY] == MAIN_SURVEY).sum() == 33


# Counts from etl/sources/isos-2026/quotes.yaml: 50 quotations, 30 concern, 17 welcomes, 3 mixed; 4 tagged
# tribunals (2 concern, 2 welcomes); 5 mention "tribunal"; one has "(e.g." and one "£1.6bn".
@pytest.mark.parametrize(
    "themes, stances, search, n",
    [
        ([], [], "", 50),
        ([], None, None, 50),
        ([], ["concern"], None, 30),
        ([], ["welcomes"], "", 17),
        ([], ["mixed"], "", 3),
        ([], ["welcomes", "mixed"], "", 20),
        ([], ["concern", 42, None, {"a": 1}], "", 30),
        ([], ["bogus"], "", 0),
        ([], "concern", "", 50),
        ([], 42, "", 50),
        (["tribunals"], [], "", 4),
        (["tribunals"], ["concern"], "", 2),
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
    ],
)
def test_filter_quotes(store, themes, stances, search, n):
    """Theme, stance (junk ignored) and case-insensitive literal search filter the quotations."""
    out = filter_quotes(store.quotes, themes, stances, search)
    assert len(out) == n
    if isinstance(search, str) and search.strip() and n:
        assert out[Col.TEXT].str.lower().str.contains(search.strip().lower(), regex=False).all()


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
def test_count_label(by_id, record, label):
    """The counts a figure allows, as "k of n" or "lo–hi of n"; "" when none can be derived."""
    assert count_label(by_id.loc[record]) == label


def test_count_label_without_base():
    """A row with no base has no count label, even if counts were somehow filled."""
    row = pd.Series({Col.COUNT_MIN: 3, Col.COUNT_MAX: 5, Col.BASE: pd.NA})
    assert count_label(row) == ""
