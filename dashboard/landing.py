"""The landing page: a static shell, and each survey's page, rendered when the address names the survey.

The shell holds the address, the stores and an empty ``#page``. A clientside callback reads ``?survey=``;
``survey_page`` then renders that survey's whole page for the themes in the address, with its overview
chart already drawn, in one round trip. Theme changes afterwards update the panels in place (callbacks.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import components, ids, selection
from dashboard.data import Store, Survey, filter_by_themes
from dashboard.downloads import RESULTS_CODEBOOK, TABLES_ZIP
from dashboard.figures import Labels
from dashboard.views import ChartRows, View

HIDEABLE = ["overview", "charts", "quotations", "context"]  # sections hidden when the selection empties them


def shell(store: Store) -> html.Div:
    """What every landing page starts with, before the survey is known (the site's name is the survey's: its
    page brings it)."""
    return html.Div(
        className="page",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.SURVEYS, data={"ids": list(store.surveys), "default": store.default_survey}),
            dcc.Store(id=ids.SURVEY),
            html.Div(id=ids.PAGE, className="survey-page"),
        ],
    )


def _section(title: str, anchor: str, *children, visible: bool = True) -> html.Section:
    return html.Section(
        id=anchor,
        className="panel",
        style={} if visible else {"display": "none"},
        **{"aria-labelledby": f"{anchor}-heading"},
        children=[html.H2(title, id=f"{anchor}-heading"), *children],
    )


def chart_href(survey: Survey, store: Store, slug: str, themes: tuple[str, ...] = ()) -> str:
    return selection.href(f"/chart/{slug}", selection.Selection(survey.id, tuple(themes)), store.default_survey)


@dataclass(frozen=True)
class PageState:
    """What a selection shows on the survey's page, derived once for the page and for the panels' update."""

    overview: ChartRows  # the chart drawn in full at the top
    visible: frozenset[str]  # the slugs of the charts the selection leaves a row in
    contrasts: list[dict]  # the survey's contrasts with a side in view
    sections: dict[str, bool]  # whether each of HIDEABLE has something to show


def page_state(store: Store, view: View) -> PageState:
    """The overview chart, the visible charts, the contrasts and the sections a selection shows."""
    survey = view.survey
    overview = view.chart(components.overview_spec(survey).slug)
    visible = frozenset(c.spec.slug for c in view.charts if c.rows)
    contrasts = components.contrasts_in_view(survey, {r["id"] for r in view.results})
    sections = {
        "overview": bool(contrasts or overview.spec.slug in visible),
        "charts": bool(visible - {overview.spec.slug}),
        "quotations": bool(filter_by_themes(store.survey_quotes(survey), list(view.themes))),
        "context": bool(view.context),
    }
    return PageState(overview, visible, contrasts, sections)


def _button(text: str, ident: str, primary: bool = False, style: dict | None = None) -> html.Button:
    """A button of the page (a secondary one unless ``primary``), not yet clicked."""
    shown = {} if style is None else {"style": style}
    return html.Button(text, id=ident, n_clicks=0, className="button" if primary else "button secondary", **shown)


def _live(text, ident: str, tag=html.P, class_name: str = "") -> Component:
    """Text a screen reader announces when it changes."""
    return tag(text, id=ident, className=class_name, role="status", **{"aria-live": "polite"})


def _filters(store: Store, view: View, intervals: bool, notice: str) -> html.Aside:
    """The compact filter control, and beside it what the selection shows ("Showing …"), so a change is seen
    where it is made: on a phone at the top of the page, beside the page on a wide screen (sticky)."""
    return html.Aside(
        id="filters",
        className="controls",
        **{"aria-label": "Filters"},
        children=[
            _live(components.summary_text(store, view), ids.SELECTION_SUMMARY, class_name="summary"),
            components.filter_panel(store, view.survey, list(view.themes), intervals),
            _live(notice or None, ids.THEME_NOTICE, html.Div, "notice"),
        ],
    )


def _overview(store: Store, labels: Labels, view: View, state: PageState, intervals: bool) -> html.Section:
    href = chart_href(view.survey, store, state.overview.spec.slug, view.themes)
    return _section(
        "Overview",
        "overview",
        html.Div(
            components.contrasts(store, state.contrasts, labels),
            id=ids.CONTRASTS,
            className="contrasts",
            style={} if state.contrasts else {"display": "none"},
        ),
        components.overview_card(state.overview, labels, href, intervals),
        visible=state.sections["overview"],
    )


def _charts(store: Store, labels: Labels, view: View, state: PageState) -> html.Section:
    survey = view.survey
    cards = [
        components.chart_card(store, c, labels, c.slug in state.visible, chart_href(survey, store, c.slug, view.themes))
        for c in survey.charts
        if c.slug != state.overview.spec.slug
    ]
    return _section(
        "Charts",
        "charts",
        html.P(
            "Each chart has its own page with its table, its sources, downloads and a link to share or embed.",
            className="lede",
        ),
        html.Div(cards, id=ids.CHART_CARDS, className="chart-tiles"),
        visible=state.sections["charts"],
    )


def _quote_filters() -> html.Div:
    stance = dbc.Checklist(
        id=ids.QUOTE_STANCE,
        options=[{"label": label, "value": v} for v, label in components.STANCES],
        value=[],
        inline=True,
        className="pills",
        inputClassName="pill-input",
        labelClassName="pill-label",
    )
    search = dcc.Input(id=ids.QUOTE_SEARCH, type="search", debounce=0.3, maxLength=200, className="search")
    return html.Div(
        className="quote-filters",
        children=[
            html.Fieldset([html.Legend("Stance"), stance], className="filter"),
            html.Div([html.Label("Search the quotations", htmlFor=ids.QUOTE_SEARCH), search], className="search-box"),
        ],
    )


def _quotations(survey: Survey, quotes: dict, visible: bool) -> html.Section:
    return _section(
        f"What {survey.plural} said",
        "quotations",
        _quote_filters(),
        _live(quotes["count"], ids.QUOTE_COUNT, class_name="count"),
        html.Div(quotes["quotes"], id=ids.QUOTES, className="quotes"),
        _button(quotes["more"], ids.QUOTES_MORE, style=quotes["more_style"]),
        visible=visible,
    )


def _context(context: dict, visible: bool) -> html.Section:
    return _section(
        "Context",
        "context",
        html.P(
            "Figures from the report and the documents it builds on, for the selected themes.",
            className="lede",
        ),
        html.Div(context["context"], id=ids.CONTEXT, className="context-grid"),
        _button(context["context_more"], ids.CONTEXT_MORE, style=context["context_more_style"]),
        visible=visible,
    )


def _data() -> html.Section:
    links = [
        ("Codebook of the CSV", f"/download/{RESULTS_CODEBOOK}"),
        ("All tables (Parquet, CSV, codebooks and Data Package, zip)", TABLES_ZIP),
    ]
    return _section(
        "Data",
        "data",
        html.P(
            "The survey results in view, with where each comes from, as a table or a CSV file; every table of the dataset as one zip.",
            className="lede",
        ),
        html.Div(
            className="downloads",
            children=[
                _button("Show the table of results in view", ids.SHOW_TABLE_BUTTON),
                _button("Download these results (CSV)", ids.DOWNLOAD_CSV_BUTTON, primary=True),
                dcc.Download(id=ids.DOWNLOAD_CSV),
                *[html.A(text, href=href, className="button secondary") for text, href in links],
                _button("All charts in view (PNG, zip)", ids.EXPORT_PNG_BUTTON),
                _button("All charts in view (SVG, zip)", ids.EXPORT_SVG_BUTTON),
                dcc.Download(id=ids.EXPORT_DOWNLOAD),
            ],
        ),
        _live(None, ids.EXPORT_STATUS, class_name="status"),
        html.Div(id=ids.TABLE),
    )


def survey_page(
    store: Store, labels: Labels, view: View, intervals: bool, notice: str, quotes: dict, context: dict
) -> list:
    """The children of ``#page`` for a survey and selection: everything below the site title. ``quotes`` and
    ``context`` are the named outputs of their callbacks for the selection, so the page arrives whole."""
    survey = view.survey
    state = page_state(store, view)
    main = [
        _overview(store, labels, view, state, intervals),
        _charts(store, labels, view, state),
        _quotations(survey, quotes, state.sections["quotations"]),
        _context(context, state.sections["context"]),
        _section("About the data", "about", components.about_panel(store, survey)),
        _data(),
    ]
    return [
        # A second view of the address, inside the page, so the theme sync exists only with the checkboxes;
        # "callback-nav" tells the shell's Location when it changes the address.
        dcc.Location(id=ids.PAGE_URL, refresh="callback-nav"),
        dcc.Store(id=ids.THEME_IDS, data=list(survey.theme_ids)),
        html.Header(className="masthead", children=[html.H1(survey.site_title, id=ids.SITE_TITLE)]),
        html.Div(
            className="masthead-detail", children=[components.headline(survey), components.survey_nav(store, survey)]
        ),
        components.contents_nav(state.sections),
        html.Div(
            className="layout",
            children=[
                _filters(store, view, intervals, notice),
                html.Main(id="main", className="content", children=main),
            ],
        ),
        html.A("Themes ▲", href="#filters", className="to-filters"),
        html.Footer(
            className="site-footer",
            children=html.P(
                "Every number is as its document prints it, with the sentence it came from. Bounds are drawn as "
                "ranges, never as exact values; what the documents do not state is not shown."
            ),
        ),
    ]
