"""dashboard.views: one View per selection, cached; all_charts for export."""

from __future__ import annotations

import pytest

import dashboard.views
from dashboard.views import Views, all_charts, subtitle

FILENAMES = [
    "overview-support-for-every-proposal",
    "figure-1-what-the-reforms-will-lead-to",
    "figure-2-national-standards",
    "figure-3-statutory-plans",
    "figure-4-mainstream-inclusion",
    "figure-5-specialist-provision",
    "figure-6-confidence-in-capacity",
    "figure-7-timescales",
    "figure-8-confidence-in-funding",
    "baseline-2023-24-survey",
]


@pytest.mark.parametrize("themes, intervals", [((), False), (("tribunals",), False), (("funding",), False)])
def test_view_cached(views, themes, intervals):
    """The same selection gives the very same View (and panels), built once."""
    assert views.get(themes, intervals) is views.get(themes, intervals)
    assert views.panels(themes, intervals) is views.panels(themes, intervals)


def test_views_differ_by_selection(views):
    """Different themes, or the interval toggle, give different Views."""
    assert views.get(("tribunals",), False) is not views.get(("funding",), False)
    assert views.get((), False) is not views.get((), True)


def test_cache_is_bounded(store, monkeypatch):
    """The cache keeps at most CACHE_SIZE selections, dropping the oldest."""
    monkeypatch.setattr(dashboard.views, "CACHE_SIZE", 2)
    v = Views(store)
    monkeypatch.setattr(v, "_build", lambda themes, intervals: object())
    first = v.get(("a",), False)
    v.get(("b",), False)
    assert v.get(("a",), False) is first
    v.get(("c",), False)
    v.get(("d",), False)
    assert v.get(("a",), False) is not first


def test_view_of_tribunals(views):
    """A tribunals view draws only the overview, subtitled with the theme it is filtered to."""
    view = views.get(("tribunals",), False)
    assert [c.spec.key for c in view.charts if c.figure is not None] == ["overview"]
    assert view.charts[0].figure["layout"]["title"]["subtitle"]["text"] == "Filtered to: Tribunals and disputes"
    assert len(view.results) == 1 and len(view.charts[0].rows) == 1


@pytest.mark.parametrize(
    "key, themes, text",
    [
        ("overview", (), ""),
        ("overview", ("funding",), "Filtered to: Funding"),
        ("overview", ("tribunals", "funding"), "Filtered to: Tribunals and disputes, Funding"),
        ("fig8", ("funding",), ""),  # every Figure 8 result is a funding one: the chart is whole
        ("fig4", ("funding", "baseline"), "Filtered to: Funding"),  # baseline has no Figure 4 item
    ],
)
def test_subtitle(store, views, key, themes, text):
    """The subtitle names the chosen themes a chart is filtered to, and is empty when it shows all its rows."""
    view = views.get(themes, False)
    [chart] = [c for c in view.charts if c.spec.key == key]
    all_rows = store.results[chart.spec.select(store.results)]
    assert subtitle(themes, chart.rows, all_rows, store.theme_labels) == text


def test_same_rows_share_one_figure(views):
    """Two selections that leave a chart the same rows share its figure and token."""
    a = next(c for c in views.get(("funding",), False).charts if c.spec.key == "fig8")
    b = next(c for c in views.get((), False).charts if c.spec.key == "fig8")
    assert a.figure is b.figure and a.token == b.token


def test_all_charts(store):
    """all_charts gives (file name, figure dict) for every chart, in page order."""
    charts = all_charts(store)
    assert [name for name, _ in charts] == FILENAMES
    for name, fig in charts:
        assert isinstance(fig, dict) and fig["data"]
        assert fig["layout"]["meta"]["filename"] == name


def test_all_charts_of_a_theme(store):
    """all_charts leaves out the charts a selection empties."""
    charts = all_charts(store, ("tribunals",))
    assert [name for name, _ in charts] == ["overview-support-for-every-proposal"]
