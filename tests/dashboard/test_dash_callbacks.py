"""dashboard.callbacks as plain functions, and sync_url (which reads dash.ctx) through the app's callback endpoint."""

from __future__ import annotations

import html
import io
import re

import pandas as pd
import pytest
from dash import no_update

from dashboard import callbacks
from dashboard.components import GRID_COLUMNS
from etl.schema import Col

KEYS = ["overview", *[f"fig{n}" for n in range(1, 9)], "baseline"]
ALL = {
    "overview": 18,
    "fig1": 5,
    "fig2": 4,
    "fig3": 3,
    "fig4": 7,
    "fig5": 4,
    "fig6": 2,
    "fig7": 3,
    "fig8": 3,
    "baseline": 2,
}
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
HIDDEN = {"display": "none"}


def squash(text: str) -> str:
    """Hover text without markup or whitespace, so wrapping never matters."""
    return re.sub(r"\s+", "", html.unescape(text.replace("<br>", " ")))


@pytest.fixture(scope="module")
def panels(store, views, callback_of):
    """update_panels(selected, intervals, previous) as {"id.property": value}, by the registered outputs."""
    outputs = callback_of("chart-overview.figure")["outputs"]

    def run(selected, intervals=(), previous=None) -> dict:
        out = callbacks.update_panels(store, views, selected, intervals, previous)
        assert len(out) == len(outputs)
        return dict(zip(outputs, out))

    return run


def solid_bars(figure: dict) -> int:
    """How many bars a figure draws (hatched range traces, which have a base, not counted again)."""
    return sum(len(tr["customdata"]) for tr in figure["data"] if "base" not in tr)


# update_panels ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "themes, shown, n_results",
    [
        ([], ALL, 35),
        (["tribunals"], {"overview": 1}, 1),
        (["funding"], {"overview": 5, "fig4": 4, "fig5": 1, "fig8": 3}, 8),
        (["timescales"], {"fig6": 2, "fig7": 3}, 5),
        (["tribunals", "baseline"], {"overview": 1, "baseline": 2}, 3),
    ],
)
def test_panels_show_the_selection(panels, themes, shown, n_results):
    """Charts the selection fills show its bars (figure and text alternative); the others are hidden."""
    out = panels(themes)
    for key in KEYS:
        card = out[f"card-{key}.style"]
        if key in shown:
            assert card.get("display") != "none", key
            assert solid_bars(out[f"chart-{key}.figure"]) == shown[key], key
            assert len(out[f"alt-{key}.children"]) == shown[key], key
        else:
            assert card == HIDDEN, key
            assert out[f"chart-{key}.figure"] in (no_update, {}), key
    assert out["selection-summary.children"].endswith(f"{n_results} survey result{'s' if n_results != 1 else ''}.")


@pytest.mark.parametrize("themes", [["tribunals"], ["funding"], ["timescales"]])
def test_panels_draw_only_the_theme(store, panels, themes):
    """Every bar drawn, and every data-table row, belongs to a result tagged with a chosen theme."""
    tagged = store.results[store.results[Col.THEMES].map(lambda ts: bool(set(themes) & set(ts)))]
    sentences = {squash(f"“{html.escape(v, quote=False)}”") for v in tagged[Col.VERBATIM].dropna()}
    out = panels(themes)
    figures = [out[f"chart-{k}.figure"] for k in KEYS if out[f"card-{k}.style"] != HIDDEN]
    assert figures
    for fig in figures:
        for tr in fig["data"]:
            for cd in tr["customdata"]:
                assert squash(cd[3]) in sentences or cd[3].startswith("Not reported")
    assert {r[Col.ID] for r in table_rows(store, themes)} == set(tagged[Col.ID])


def test_panels_tribunals(store, panels):
    """Tribunals: the overview's one bar is the tribunal proposal, and the page says so."""
    out = panels(["tribunals"])
    [trace] = out["chart-overview.figure"]["data"]
    assert [cd[5] for cd in trace["customdata"]] == ["A reformed role for the SEND Tribunal · Tribunals and disputes"]
    assert [r[Col.ID] for r in table_rows(store, ["tribunals"])] == ["tribunal-reformed-role"]
    assert out["selection-summary.children"] == "Showing Tribunals and disputes: 1 survey result."
    assert len(out["context-list.children"]) == 1


@pytest.mark.parametrize("themes, n", [([], 5), (["funding"], 1), (["tribunals"], 0)])
def test_panels_contrasts(panels, themes, n):
    """The report's five key contrasts, those touching the selection, or a note that none does."""
    contrasts = panels(themes)["contrasts.children"]
    assert sum(getattr(c, "className", "") == "contrast" for c in contrasts) == n
    if n == 0:
        assert "None of the report's key contrasts" in contrasts[0].children


def test_panels_funding_grid(store):
    """The data table for funding holds exactly the eight funding results."""
    rows = table_rows(store, ["funding"])
    assert {r[Col.ID] for r in rows} == FUNDING_IDS and len(rows) == 8


@pytest.mark.parametrize(
    "selected, summary",
    [
        (["nope"], "Showing all themes: 35 survey results."),
        ("tribunals", "Showing Tribunals and disputes: 1 survey result."),
        (42, "Showing all themes: 35 survey results."),
        (None, "Showing all themes: 35 survey results."),
        ({"a": 1}, "Showing all themes: 35 survey results."),
        (["<script>alert(1)</script>"], "Showing all themes: 35 survey results."),
        ([f"junk-{i}" for i in range(10_000)], "Showing all themes: 35 survey results."),
        (["tribunals"] * 10_000, "Showing Tribunals and disputes: 1 survey result."),
        ([["tribunals"], {"t": 1}, 3.5, None], "Showing all themes: 35 survey results."),
    ],
)
def test_panels_junk_selection(panels, selected, summary):
    """Any theme value gives the full set of outputs, treating junk as no choice."""
    assert panels(selected)["selection-summary.children"] == summary


@pytest.mark.parametrize("intervals", ["on", 1, None, {"on": True}, [None], ["off"]])
def test_panels_junk_intervals(panels, intervals):
    """A junk interval toggle leaves the intervals off."""
    fig = panels([], intervals=intervals)["chart-fig3.figure"]
    assert all("array" not in tr.get("error_x", {}) for tr in fig["data"])


@pytest.mark.parametrize(
    "previous",
    [
        "x",
        42,
        [],
        {"themes": 42, "intervals": "yes"},
        {"tokens": ["<b>"]},
        {"tokens": {"overview": 7}},
        {"tokens": {"overview": "forged"}},
    ],
)
def test_panels_junk_previous(panels, previous):
    """A junk or unknown panel state is read as nothing drawn: every figure is sent."""
    out = panels(["tribunals"], previous=previous)
    assert out["chart-overview.figure"]["data"]


def test_panels_intervals(panels):
    """With the toggle on, Figure 3's exact bars carry Wilson error bars."""
    [trace] = panels([], intervals=["on"])["chart-fig3.figure"]["data"]
    assert len(trace["error_x"]["array"]) == 3 and None not in trace["error_x"]["array"]


def test_panels_same_selection_not_resent(panels):
    """A figure the browser already holds is not sent again; its card still is shown or hidden."""
    first = panels(["funding"])
    out = panels(["funding"], previous=first["panel-state.data"])
    assert out["chart-fig4.figure"] is no_update
    assert out["card-fig4.style"] != HIDDEN and out["card-fig1.style"] == HIDDEN


def test_panels_back_to_all_redraws_only_what_changed(panels):
    """All -> funding -> all: charts funding hid keep their figure, so only the charts it filtered are re-sent."""
    everything = panels([])
    funding = panels(["funding"], previous=everything["panel-state.data"])
    back = panels([], previous=funding["panel-state.data"])
    resent = {k for k in KEYS if back[f"chart-{k}.figure"] is not no_update}
    # funding filtered the overview, Figure 4 and Figure 5 (Figure 8 is all funding, so it was unchanged)
    assert resent == {"overview", "fig4", "fig5"}
    assert funding["chart-fig8.figure"] is no_update
    assert all(back[f"card-{k}.style"] != HIDDEN for k in KEYS)


def table_rows(store, themes) -> list[dict]:
    """The data table's rows for a selection, as update_table builds them after the table is asked for."""
    from dashboard.views import Views

    [grid], button_style = callbacks.update_table(store, Views(store), 1, themes)
    assert button_style == HIDDEN
    return grid.rowData


@pytest.mark.parametrize("clicks", [None, 0, "1", [1]])
def test_table_waits_for_a_click(store, views, clicks):
    """The data table (and AG Grid's code) is not created until asked for."""
    assert callbacks.update_table(store, views, clicks, []) == ([], {})


# update_quotes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selected, stances, search, n",
    [
        ([], [], "", 50),
        (None, None, None, 50),
        (42, 42, 42, 50),
        (["tribunals"], [], "", 4),
        ("tribunals", [], "", 4),
        (["bogus"], [], "", 50),
        ([], ["concern"], "", 30),
        ([], ["welcomes", "mixed"], None, 20),
        (["tribunals"], ["welcomes"], "", 2),
        ([], [], "TRIBUNAL", 5),
        ([], [], ".*(", 0),
        ([], [], "<script>", 0),
    ],
)
def test_update_quotes(store, selected, stances, search, n):
    """The quotations shown, and "Showing N of 50 quotations."."""
    items, count = callbacks.update_quotes(store, selected, stances, search)
    assert count == f"Showing {n} of 50 quotations."
    if n:
        assert len(items) == n
    else:
        assert [i.children for i in items] == ["No quotation matches these filters."]


def test_quote_text_is_plain_children(store):
    """A quotation is passed to the page as a plain string child (React escapes it), never as HTML."""
    items, _ = callbacks.update_quotes(store, ["tribunals"], [], "")
    for figure in items:
        blockquote = figure.children[0]
        assert type(blockquote).__name__ == "Blockquote" and isinstance(blockquote.children, str)


# download_csv --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selected, ids, filename",
    [
        (["funding"], FUNDING_IDS, "send-survey-results-funding.csv"),
        (["tribunals"], {"tribunal-reformed-role"}, "send-survey-results-tribunals.csv"),
        ("bogus", None, "send-survey-results.csv"),
    ],
)
def test_download_csv(store, views, selected, ids, filename):
    """The CSV holds exactly the rows of the data table in view, with its columns."""
    sent = callbacks.download_csv(store, views, 1, selected, [])
    assert sent["filename"] == filename and sent["base64"] is False
    frame = pd.read_csv(io.StringIO(sent["content"]))
    assert list(frame.columns) == [c for c, _, _ in GRID_COLUMNS] + ["themes", Col.SURVEY]
    if ids is None:
        assert len(frame) == 35
    else:
        assert set(frame[Col.ID]) == ids and len(frame) == len(ids)


def test_download_csv_counts(store, views):
    """The CSV's counts column says what each figure allows: 49–54 of 54 for "over 90%"."""
    frame = pd.read_csv(io.StringIO(callbacks.download_csv(store, views, 3, ["funding"], [])["content"]))
    counts = dict(zip(frame[Col.ID], frame["counts"]))
    assert counts["fig5-special-school-funding"] == "49–54 of 54"
    assert counts["fig8-funding-post-legislation"] == "24 of 54"  # 44% of 54: 24 is 44.4%


@pytest.mark.parametrize("clicks", [None, 0, -1, "1", 1.0, [1]])
def test_download_csv_needs_a_click(store, views, clicks):
    """No download without a real click count."""
    assert callbacks.download_csv(store, views, clicks, ["funding"], []) is no_update


# the address <-> checkboxes sync runs in the browser (assets/dashboard.js; tested in tests/browser) --------------


def test_sync_is_clientside(callback_of):
    """The URL sync is a clientside callback: the panels never wait for a round trip behind it."""
    cb = callback_of("url.search")
    assert cb["outputs"] == ["url.search", "theme-filter.value", "theme-notice.children"]
    assert [f"{i['id']}.{i['property']}" for i in cb["inputs"]] == ["url.search", "theme-filter.value"]
    assert cb["clientside_function"] == {"namespace": "send", "function_name": "syncUrl"}
