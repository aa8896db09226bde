"""dashboard.callbacks as plain functions: the survey's page, the panels of a selection, quotations, context,
the table and the CSV; and the registered callbacks as the browser sees them."""

from __future__ import annotations

import io
import json

import factory
import pandas as pd
import pytest
from dash import no_update

from dashboard import callbacks, ids, landing
from etl.schema import Col

OVERVIEW = "support-for-every-proposal"
CARDS = factory.CARDS
HIDDEN = {"display": "none"}


def text_of(component) -> str:
    """Every string in a Dash component tree, joined: what a reader of the page sees."""
    return json.dumps(
        component.to_plotly_json() if hasattr(component, "to_plotly_json") else component,
        default=lambda c: c.to_plotly_json(),
        ensure_ascii=False,
    )


@pytest.fixture(scope="module")
def panels(store, views, deps):
    """update_panels(selected, intervals, state) as {"id.property": value}, by the registered outputs."""
    [dep] = [d for d in deps if "overview-chart.children" in d["output"]]
    names = [n.split("@")[0] for n in dep["output"].strip(".").split("...")]  # "x.data@<hash>": a duplicate output
    outputs = callbacks.panel_outputs()
    assert [str(o) for o in outputs.values()] == names  # the named outputs are the ones registered, in order

    def run(selected, intervals=(), survey=None) -> dict:
        out = callbacks.update_panels(store, views, selected, intervals, survey)
        assert set(out) == set(outputs)
        return {str(outputs[name]): value for name, value in out.items()}

    return run


def card_styles(out: dict) -> dict[str, dict]:
    [key] = [k for k in out if k.startswith("{") and '"chart-card"' in k and k.endswith(".style")]
    return dict(zip(CARDS, out[key]))


def card_hrefs(out: dict) -> dict[str, str]:
    [key] = [k for k in out if '"chart-link"' in k]
    return dict(zip(CARDS, out[key]))


# The survey's page. --------------------------------------------------------------------------------------------


def test_render_page_default(store, views):
    """Without ?survey= the default survey's page is rendered whole: overview drawn, quotations and context in."""
    page = text_of(callbacks.render_page(store, views, None, ""))
    assert "What English local authorities think of the 2026 SEND reforms." in page
    assert '"id": "overview-chart"' in page and '"id": "theme-filter"' in page
    assert page.count('"className": "bar-row"') == 18
    assert "Showing 6 of 50 quotations that match (50 in all)." in page
    assert page.count('"className": "context-card"') == 6
    for slug in CARDS:
        assert f'"/chart/{slug}"' in page


def test_render_page_reads_themes_from_the_address(store, views):
    """?theme= chooses the checkboxes and what is drawn; an unknown theme is named in the notice."""
    page = text_of(callbacks.render_page(store, views, store.default_survey, "?theme=tribunals,bogus"))
    assert '"value": ["tribunals"]' in page
    assert "Ignored unknown theme: bogus. Showing the rest." in page
    assert "Showing Tribunals and disputes: 1 survey result." in page


@pytest.mark.parametrize("survey", ["nope", 42, None, ["x"], {"a": 1}])
def test_render_page_unknown_survey_is_the_default(store, views, survey):
    page = text_of(callbacks.render_page(store, views, survey, "?survey=nope"))
    assert "What English local authorities think of the 2026 SEND reforms." in page


# update_panels ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "themes, cards, n_results",
    [
        ([], set(CARDS), 35),
        (["tribunals"], set(), 1),
        (["funding"], {"mainstream-inclusion", "specialist-provision", "confidence-in-funding"}, 8),
        (["timescales"], {"confidence-in-capacity", "timescales"}, 5),
        (["baseline"], {"then-and-now"}, 2),
    ],
)
def test_panels_show_the_selection(panels, themes, cards, n_results):
    """Cards of charts the selection fills show; the others are hidden; the summary counts the results."""
    out = panels(themes)
    shown = {k for k, style in card_styles(out).items() if style != HIDDEN}
    assert shown == cards
    assert out["selection-summary.children"].endswith(f": {n_results} survey result{'s' if n_results != 1 else ''}.")


def test_card_links_carry_the_selection(panels):
    """Each card links to its chart's page with the themes chosen, so the chart opens as filtered."""
    assert card_hrefs(panels(["funding", "tribunals"]))["timescales"] == "/chart/timescales?theme=tribunals,funding"
    assert card_hrefs(panels([]))["timescales"] == "/chart/timescales"


def test_empty_sections_are_hidden(panels):
    """Tribunals fill no chart card: the Charts section and its link in the contents are hidden."""
    out = panels(["tribunals"])
    assert out["charts.style"] == HIDDEN and out["nav-charts.style"] == HIDDEN
    assert out["overview.style"] != HIDDEN and out["quotations.style"] != HIDDEN


def test_overview_is_an_html_chart_of_the_selection(panels):
    """The overview is drawn in HTML: a row per result in view, its label naming the theme and the figure."""
    out = panels(["funding"])
    rows = text_of(out["overview-chart.children"])
    assert rows.count('"className": "bar-row"') == 5
    assert (
        "Reforming funding for special schools — supportive · Specialist provision — " in rows
        and "over 90% · 49–54 of 54" in rows
    )
    assert "(Filtered to: Funding)" in out["overview-question.children"]


def test_intervals_draw_whiskers_on_exact_figures_only(panels):
    assert text_of(panels([])["overview-chart.children"]).count("with-interval") == 0
    on = text_of(panels([], ["on"])["overview-chart.children"])
    assert on.count("bar-row with-interval") == 8  # the seven exact figures and All 54 among the 18


@pytest.mark.parametrize("survey", [None, 42, "x", {"a": 1}, "nope"])
def test_panels_junk_survey(panels, survey):
    """Any survey value is answered for the default survey, with every output."""
    assert panels([], survey=survey)["selection-summary.children"].startswith("Showing all themes")


def test_contrasts_follow_the_selection(panels):
    """Funding shows the one contrast on funding; tribunals show none, and the block is hidden."""
    funding = panels(["funding"])
    assert text_of(funding["contrasts.children"]).count('"contrast"') == 1
    assert panels(["tribunals"])["contrasts.style"] == HIDDEN


# Quotations and context. -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selected, stances, search, more, shown, total",
    [
        ([], [], "", 0, 6, 50),
        ([], [], "", 1, 50, 50),
        ([], [], "", 2, 6, 50),
        (["tribunals"], [], "", 0, 5, 5),
        ([], ["mixed"], "", 0, 4, 4),
        ([], [], "tribunal", 0, 5, 5),
        ([], [], "\ud800", 0, 0, 0),
        ("junk", 42, {"a": 1}, "x", 6, 50),
    ],
)
def test_update_quotes(store, selected, stances, search, more, shown, total):
    """Six quotations, or all once asked; the count line says how many match."""
    out = callbacks.update_quotes(store, selected, stances, search, more, None)
    quotes, count, style = out["quotes"], out["count"], out["more_style"]
    assert count == f"Showing {shown} of {total} quotations that match (50 in all)."
    assert len([q for q in quotes if "quote" in (getattr(q, "className", "") or "")]) == shown
    assert (style == HIDDEN) == (total <= 6)


def test_quote_text_is_plain_children(store):
    """A quotation is rendered as a text child, never as markup."""
    quotes = callbacks.update_quotes(store, [], [], "", 1, None)["quotes"]
    assert all(isinstance(q.children[0].children, str) for q in quotes)


def test_update_context(store):
    """Six context figures, or all once asked."""
    out = callbacks.update_context(store, [], 0, None)
    assert len(out["context"]) == 6 and out["context_more"].startswith("Show all ")
    out = callbacks.update_context(store, [], 1, None)
    assert len(out["context"]) > 6 and out["context_more"] == "Show fewer context figures"


# Table and CSV. --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("clicks", [None, 0, -1, "1", 1.5, [1]])
def test_table_waits_for_a_click(store, views, clicks):
    assert callbacks.update_table(store, views, clicks, [], None) == {"table": [], "button_style": no_update}


def test_table_of_funding(store, views):
    """Asked for, the table lists the results in view, one row each, and the button hides."""
    out = callbacks.update_table(store, views, 1, ["funding"], None)
    [wrap] = out["table"]
    assert wrap.tabIndex == "0" and wrap.role == "region"  # it scrolls sideways on a phone: a keyboard can too
    table = wrap.children
    assert out["button_style"] == HIDDEN
    rows = table.children[2].children
    assert len(rows) == 8


def test_download_csv(store, views):
    """The CSV has one row per result in view, with the survey, question and sentence."""
    sent = callbacks.download_csv(store, views, 1, ["funding"], None)
    assert sent["filename"] == "isos-2026-results-funding.csv"
    frame = pd.read_csv(io.BytesIO(__import__("base64").b64decode(sent["content"])))
    assert len(frame) == 8 and set(frame[Col.SURVEY]) == {"isos-2026"}
    assert frame[Col.VERBATIM].notna().all()


@pytest.mark.parametrize("clicks", [None, 0, "1"])
def test_download_csv_needs_a_click(store, views, clicks):
    assert callbacks.download_csv(store, views, clicks, [], None) is no_update


# Registration. --------------------------------------------------------------------------------------------------


def test_sync_and_survey_pick_are_clientside(deps):
    """The address sync and the survey pick run in the browser; the page render and panels on the server."""
    by_output = {d["output"]: d for d in deps}
    clientside = {o for o, d in by_output.items() if d.get("clientside_function")}
    assert f"{ids.SURVEY}.data" in clientside
    assert any(f"{ids.PAGE_URL}.search" in o for o in clientside)
    assert not any("overview-chart.children" in o or "page.children" in o for o in clientside)


def test_hideable_sections_exist(store, views):
    """Every section the panels may hide is on the page, with its link in the contents."""
    page = text_of(callbacks.render_page(store, views, None, ""))
    for anchor in landing.HIDEABLE:
        assert f'"id": "{anchor}"' in page and f'"id": "nav-{anchor}"' in page


def test_one_server_callback_answers_a_theme_click_besides_the_quotations(deps):
    """A theme click sets off the panel callback (overview, cards, contrasts, context, an open table) and the
    quotations' (which a search also drives): each callback a click starts costs the browser a round of work
    over the whole page, so there are no more than these two."""
    server = [d for d in deps if not d.get("clientside_function")]
    driven = [d["output"] for d in server if any(i["id"] == "theme-filter" for i in d["inputs"])]
    assert len(driven) == 2, driven
    assert any("overview-chart.children" in o and "context-list.children" in o for o in driven)
    assert any("quote-list.children" in o for o in driven)


@pytest.mark.parametrize("cards", [["timescales", "then-and-now"], ["then-and-now", "timescales"]])
def test_card_outputs_follow_the_cards_the_request_names(client, deps, cards):
    """Over HTTP the card styles and links are answered for the cards the page lists, in its order."""
    body = factory.callback_body(
        deps,
        "overview-chart.children",
        {"theme-filter.value": ["timescales"], "show-intervals.value": []},
        {"survey.data": "isos-2026"},
        expand={"chart-card": cards, "chart-link": cards},
    )
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:300]
    out = response.get_json()["response"]
    assert out['{"slug":"timescales","type":"chart-card"}']["style"] == {}
    assert out['{"slug":"then-and-now","type":"chart-card"}']["style"] == HIDDEN
    assert out['{"slug":"then-and-now","type":"chart-link"}']["href"] == "/chart/then-and-now?theme=timescales"
