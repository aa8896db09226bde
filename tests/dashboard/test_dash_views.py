"""dashboard.views: one View per selection, one figure per chart and row set, tokens, the filter note."""

from __future__ import annotations

import pytest

from dashboard.views import Views

FUNDING = "confidence-in-funding"
OVERVIEW = "support-for-every-proposal"


@pytest.mark.parametrize("themes", [(), ("funding",), ("tribunals", "funding")])
def test_view_cached(views, survey, themes):
    """The same selection gives the very same View object."""
    assert views.get(survey, themes) is views.get(survey, themes)


def test_view_of_tribunals(views, survey):
    """Tribunals leave one result, in the overview only; every other chart has no row, and no figure."""
    view = views.get(survey, ("tribunals",))
    assert [r["id"] for r in view.results] == ["tribunal-reformed-role"]
    assert {c.spec.slug for c in view.charts if c.rows} == {OVERVIEW}
    empty = views.chart(survey, survey.chart(FUNDING), ("tribunals",))
    assert empty.figure is None and empty.token is None


def test_same_rows_share_one_figure(views, survey):
    """Two selections that leave a chart with the same rows share its figure and token."""
    spec = survey.chart(FUNDING)
    a = views.chart(survey, spec, ("funding",))
    entries = len(views._figures)
    b = views.chart(survey, spec, ("funding", "tribunals"))
    assert a.token == b.token and a.figure == b.figure
    assert len(views._figures) == entries  # one cached figure (its JSON) serves both


def test_tokens_differ_by_rows_frame_and_intervals(views, survey):
    spec = survey.chart(OVERVIEW)
    tokens = {
        views.chart(survey, spec).token,
        views.chart(survey, spec, ("funding",)).token,
        views.chart(survey, spec, (), True).token,
        views.chart(survey, spec, (), False, "export").token,
        views.chart(survey, spec, (), False, "embed").token,
    }
    assert len(tokens) == 5


@pytest.mark.parametrize(
    "slug, themes, note",
    [
        (OVERVIEW, (), ""),
        (OVERVIEW, ("tribunals",), "Filtered to: Tribunals and disputes"),
        (FUNDING, ("funding",), ""),  # every row of Figure 8 is funding: nothing left out
        (FUNDING, ("funding", "tribunals"), ""),
        ("specialist-provision", ("funding",), "Filtered to: Funding"),
    ],
)
def test_filter_note(views, survey, slug, themes, note):
    """A chart says it is filtered only when the selection leaves out some of its rows, naming the themes it shows."""
    assert views.chart(survey, survey.chart(slug), themes).filtered == note


def test_cache_is_bounded(store, survey, monkeypatch):
    """Past CACHE_SIZE selections the oldest are dropped."""
    fresh = Views(store)
    monkeypatch.setattr(fresh._views, "max_entries", 3)
    for themes in [("funding",), ("tribunals",), ("inclusion",), ("workforce",), ("outcomes",)]:
        fresh.get(survey, themes)
    assert len(fresh._views) == 3
