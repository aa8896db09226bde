"""dashboard.callbacks as plain functions: the survey's page for a selection, quotations, context, the table
and the CSV; and the registered callbacks as the browser sees them."""

from __future__ import annotations

import io

import factory
import pandas as pd
import pytest
from dash import no_update

from dashboard import callbacks, components, filtering, ids
from dashboard.data import filter_by_themes, filter_quotes
from etl.schema import Col

OVERVIEW = "support-for-every-proposal"
CARDS = factory.CARDS
HIDDEN = {"display": "none"}


def visible(items: list) -> list:
    """The items of a list the browser shows: neither out of the selection nor past the first few."""
    gone = {filtering.HIDDEN_CLASS, filtering.OVER_LIMIT_CLASS}
    return [c for c in items if not gone & set((getattr(c, "className", "") or "").split())]


def text_of(component) -> str:
    """Every string in a Dash component tree, joined: what a reader of the page sees."""
    return factory.page_json(component)


def parts(node, hidden: bool = False):
    """(component, hidden) for every component of a tree, top down; hidden when it or an ancestor carries the
    filter's hidden class or display none."""
    if isinstance(node, (list, tuple)):
        for n in node:
            yield from parts(n, hidden)
        return
    if not hasattr(node, "to_plotly_json"):
        return
    classes = (getattr(node, "className", None) or "").split()
    hidden = (
        hidden or filtering.HIDDEN_CLASS in classes or (getattr(node, "style", None) or {}).get("display") == "none"
    )
    yield node, hidden
    yield from parts(getattr(node, "source", getattr(node, "children", None)), hidden)  # RawHtml: its components


@pytest.fixture(scope="module")
def page(store, views):
    """The survey's page for ``themes`` as {id: (component, hidden)}: what the reader sees of each part."""

    def run(themes, survey=None) -> dict:
        search = "?theme=" + ",".join(themes) if themes else ""
        tree = callbacks.render_page(store, views, survey, search)
        return {c.id: (c, h) for c, h in parts(tree) if getattr(c, "id", None)}

    return run


def cards_shown(out: dict) -> set[str]:
    return {s for s in CARDS if not out[ids.card(s)][1]}


def card_hrefs(out: dict) -> dict[str, str]:
    return {s: out[ids.card_link(s)][0].href for s in CARDS}


def text(out: dict, ident: str) -> str:
    return text_of(out[ident][0].children)


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


# The page of a selection: what shows, what hides (the browser's filter applies the same rule: test_filter_js.py).


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
def test_the_page_shows_the_selection(page, themes, cards, n_results):
    """Cards of charts the selection fills show; the others are hidden; the summary counts the results."""
    out = page(themes)
    assert cards_shown(out) == cards
    n = f"{n_results} survey result{'s' if n_results != 1 else ''}."
    assert out[ids.SELECTION_SUMMARY][0].children.endswith(": " + n)


def test_card_links_carry_the_selection(page):
    """Each card links to its chart's page with the themes chosen, so the chart opens as filtered."""
    assert card_hrefs(page(["funding", "tribunals"]))["timescales"] == "/chart/timescales?theme=tribunals,funding"
    assert card_hrefs(page([]))["timescales"] == "/chart/timescales"


def test_empty_sections_are_hidden(page):
    """Tribunals fill no chart card: the Charts section and its link in the contents are hidden."""
    out = page(["tribunals"])
    assert out["charts"][1] and out["nav-charts"][1]
    assert not out["overview"][1] and not out["quotations"][1]
    assert not page([])["charts"][1]


def test_overview_is_an_html_chart_of_the_selection(page):
    """The overview is drawn in HTML: a bar per result, those in view shown, its label naming the theme and
    the figure."""
    out = page(["funding"])
    bars = [(c, h) for c, h in parts(out[ids.OVERVIEW_CHART][0]) if "bar-row" in (getattr(c, "className", None) or "")]
    shown = text_of([c for c, h in bars if not h])
    assert len(bars) == 18 and sum(not h for _, h in bars) == 5
    assert "Reforming funding for special schools — supportive · Specialist provision — " in shown
    assert "over 90% · 49–54 of 54" in shown
    assert "(Filtered to: Funding)" in text(out, ids.OVERVIEW_QUESTION)


def test_intervals_draw_whiskers_on_exact_figures_only(store, views):
    assert text_of(callbacks.update_overview_chart(store, views, [], [], None)).count("with-interval") == 0
    on = callbacks.update_overview_chart(store, views, ["on"], ["funding"], None)
    assert text_of(on).count("bar-row with-interval") == 8  # the seven exact figures and All 54 among the 18
    assert (
        sum(h for c, h in parts(on) if "bar-row" in (getattr(c, "className", None) or "")) == 13
    )  # funding leaves 5 in view


@pytest.mark.parametrize("survey", [None, 42, "x", {"a": 1}, "nope"])
def test_junk_survey_is_the_default(store, views, survey):
    """Any survey value is answered for the default survey."""
    assert callbacks.update_overview_chart(store, views, [], [], survey)
    assert callbacks.overview_words(store, views, ["funding"], survey)["footer"]


def test_contrasts_follow_the_selection(page):
    """Funding shows the one contrast on funding; tribunals show none, and the block is hidden."""
    funding = page(["funding"])
    shown = [c for c, h in parts(funding[ids.CONTRASTS][0]) if getattr(c, "className", None) == "contrast" and not h]
    assert len(shown) == 1
    assert page(["tribunals"])[ids.CONTRASTS][1]


def test_overview_words_for_a_selection(store, views):
    """The key and footer filter.js asks the server for when its model does not hold them."""
    out = callbacks.overview_words(store, views, ["funding"], None)
    assert "Base: 54 councils responding" in text_of(out["footer"])
    assert callbacks.overview_words(store, views, "funding", None) == {"key": no_update, "footer": no_update}


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
    """Six quotations, or all once asked; the count line says how many match. Every quotation of the stance and
    search is written (the browser filters them by theme), those out of view hidden."""
    out = callbacks.update_quotes(store, selected, stances, search, more, None)
    [html] = out["quotes"]
    quotes, count, style = html.source, out["count"], out["more_style"]
    assert count == f"Showing {shown} of {total} quotations that match (50 in all)."
    figures = [q for q in quotes if "quote" in (getattr(q, "className", "") or "")]
    assert len(visible(figures)) == shown
    assert len(figures) == len(filter_quotes(store.quotes, [], stances, search))
    assert len([q for q in figures if filtering.HIDDEN_CLASS not in q.className]) == total
    assert (style == HIDDEN) == (total <= 6)
    [empty] = [q for q in quotes if filtering.EMPTY_CLASS in (getattr(q, "className", "") or "")]
    assert (filtering.HIDDEN_CLASS in empty.className) == (total > 0)


def test_quote_text_is_plain_children(store):
    """A quotation is rendered as a text child, never as markup."""
    quotes = callbacks.update_quotes(store, [], [], "", 1, None)["quotes"][0].source
    figures = [q for q in quotes if q.to_plotly_json()["type"] == "Figure"]
    assert len(figures) == 50 and all(isinstance(q.children[0].children, str) for q in figures)


def test_update_context(store):
    """Six context figures, or all once asked; every one is written, marked, for the browser to filter."""
    out = callbacks.update_context(store, [], 0, None)
    cards = [c for c in out["context"][0].source if filtering.ATTRIBUTE in c.to_plotly_json()["props"]]
    assert len(visible(cards)) == 6 and out["context_more"].startswith("Show all ")
    out = callbacks.update_context(store, [], 1, None)
    assert len(visible(out["context"][0].source)) == len(cards) > 6
    assert out["context_more"] == "Show fewer context figures"
    out = callbacks.update_context(store, ["tribunals"], 1, None)
    n = components.context_count(filter_by_themes(store.context, ["tribunals"]))
    assert len(visible(out["context"][0].source)) == n < len(cards)


def test_context_the_browser_cannot_filter_is_drawn_by_the_server(store, monkeypatch):
    """Where a series could be split by a selection (``components.context_in_browser`` is false), the server
    writes only the cards of the selection, unmarked: the browser asks it again on each theme click."""
    monkeypatch.setattr(components, "context_in_browser", lambda rows: False)
    out = callbacks.update_context(store, ["tribunals"], 1, None)
    cards = out["context"][0].source
    assert not any(filtering.ATTRIBUTE in c.to_plotly_json()["props"] for c in cards)
    assert len(cards) == components.context_count(filter_by_themes(store.context, ["tribunals"]))


def test_context_in_browser_only_when_no_series_can_be_split():
    """A series of SERIES_MIN points or more is drawn as one card: the browser can show or hide it whole only
    when its points share their themes."""
    point = {Col.SERIES: "s", Col.PERIOD: "2020", Col.THEMES: ["a"]}
    same = [{**point, Col.PERIOD: str(2020 + i)} for i in range(components.SERIES_MIN)]
    assert components.context_in_browser(same)
    split = [*same[:-1], {**same[-1], Col.THEMES: ["a", "b"]}]
    assert not components.context_in_browser(split)
    assert components.context_in_browser(split[1:])  # two points: drawn as single cards, each marked


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
    """The address sync and the survey pick run in the browser; the page and the intervals on the server."""
    by_output = {d["output"]: d for d in deps}
    clientside = {o for o, d in by_output.items() if d.get("clientside_function")}
    assert f"{ids.SURVEY}.data" in clientside
    assert any(f"{ids.PAGE_URL}.search" in o for o in clientside)
    assert not any("overview-chart.children" in o or "page.children" in o for o in clientside)


def test_hideable_sections_exist(page):
    """Every section a selection may hide is on the page, marked with its themes, with its link in the
    contents marked alike."""
    out = page([])
    for anchor in ("overview", "charts", "quotations", "context"):
        section, link = out[anchor][0], out[f"nav-{anchor}"][0]
        marks = section.to_plotly_json()["props"][filtering.ATTRIBUTE]
        assert marks and marks == link.to_plotly_json()["props"][filtering.ATTRIBUTE]


def test_a_theme_click_asks_the_server_nothing(deps):
    """A theme click is filtered in the browser (assets/filter.js): no server callback has the themes as an
    input. Two clientside ones do: the page's parts, and the quotations' and context's lists."""
    server = [d for d in deps if not d.get("clientside_function")]
    driven = [d["output"] for d in server if any(i["id"] == ids.THEMES for i in d["inputs"])]
    assert driven == []
    by_themes = [d["clientside_function"]["function_name"] for d in deps if d.get("clientside_function")
                 and any(i["id"] == ids.THEMES for i in d["inputs"])]  # fmt: skip
    assert sorted(by_themes) == ["filterLists", "filterPage", "syncUrl"]
