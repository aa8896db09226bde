"""The landing page: a static shell, and each survey's page, rendered when the address names the survey.

The shell holds the address, the stores and an empty ``#page``. A clientside callback reads ``?survey=``;
``survey_page`` then renders that survey's whole page for the themes in the address, with its overview
chart already drawn, in one round trip. Theme changes afterwards update the panels in place (callbacks.py).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import components, ids, selection
from dashboard.data import Store, Survey, filter_by_themes
from dashboard.downloads import RESULTS_CODEBOOK
from dashboard.figures import Labels
from dashboard.views import View
from dashboard.wording import SITE_TITLE

HIDEABLE = ["overview", "charts", "quotations", "context"]  # sections hidden when the selection empties them


def shell(store: Store) -> html.Div:
    """What every landing page starts with, before the survey is known."""
    return html.Div(
        className="page",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.SURVEYS, data={"ids": list(store.surveys), "default": store.default_survey}),
            dcc.Store(id=ids.SURVEY),
            html.Header(className="masthead", children=[html.H1(SITE_TITLE)]),
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


def sections_shown(store: Store, view: View, contrasts: list, visible: set[str]) -> dict[str, bool]:
    """Which of the hideable sections the selection leaves something in."""
    overview = components.overview_spec(view.survey).slug
    return {
        "overview": bool(contrasts or overview in visible),
        "charts": bool(visible - {overview}),
        "quotations": not filter_by_themes(store.survey_quotes(view.survey), list(view.themes)).empty,
        "context": not view.context.empty,
    }


def survey_page(
    store: Store, labels: Labels, view: View, intervals: bool, notice: str, quotes: tuple, context: tuple
) -> list:
    """The children of ``#page`` for a survey and selection: everything below the site title. ``quotes`` and
    ``context`` are the outputs of their callbacks (list, count, button text, button style; list, button text,
    button style) for the selection, so the page arrives whole."""
    survey = view.survey
    overview = components.overview_spec(survey)
    overview_chart = view.chart(overview.slug)
    visible = {c.spec.slug for c in view.charts if not c.rows.empty}
    in_view = set(view.results["id"])
    contrasts = components.contrasts_in_view(survey, in_view)
    shown = sections_shown(store, view, contrasts, visible)
    cards = [
        components.chart_card(store, c, labels, c.slug in visible, chart_href(survey, store, c.slug, view.themes))
        for c in survey.charts
        if c.slug != overview.slug
    ]
    return [
        # A second view of the address, inside the page, so the theme sync exists only with the checkboxes;
        # "callback-nav" tells the shell's Location when it changes the address.
        dcc.Location(id=ids.PAGE_URL, refresh="callback-nav"),
        dcc.Store(id=ids.THEME_IDS, data=list(survey.theme_ids)),
        html.Div(
            className="masthead-detail", children=[components.headline(survey), components.survey_nav(store, survey)]
        ),
        components.contents_nav(shown),
        html.Div(
            className="layout",
            children=[
                html.Aside(
                    id="filters",
                    className="controls",
                    **{"aria-label": "Filters"},
                    children=[
                        components.theme_filter(store, survey, list(view.themes)),
                        html.Div(
                            notice or None,
                            id=ids.THEME_NOTICE,
                            className="notice",
                            role="status",
                            **{"aria-live": "polite"},
                        ),
                        components.interval_toggle(intervals),
                    ],
                ),
                html.Main(
                    id="main",
                    className="content",
                    children=[
                        html.P(
                            components.summary_text(store, view),
                            id=ids.SELECTION_SUMMARY,
                            className="summary",
                            role="status",
                            **{"aria-live": "polite"},
                        ),
                        _section(
                            "Overview",
                            "overview",
                            html.Div(
                                components.contrasts(store, contrasts, labels),
                                id=ids.CONTRASTS,
                                className="contrasts",
                                style={} if contrasts else {"display": "none"},
                            ),
                            components.overview_card(
                                overview_chart, labels, chart_href(survey, store, overview.slug, view.themes), intervals
                            ),
                            visible=shown["overview"],
                        ),
                        _section(
                            "Charts",
                            "charts",
                            html.P(
                                "Each chart has its own page with its table, its sources, downloads and a link to share or embed.",
                                className="lede",
                            ),
                            html.Div(cards, id=ids.CHART_CARDS, className="chart-tiles"),
                            visible=shown["charts"],
                        ),
                        _section(
                            f"What {survey.plural} said",
                            "quotations",
                            html.Div(
                                className="quote-filters",
                                children=[
                                    html.Fieldset(
                                        [
                                            html.Legend("Stance"),
                                            dbc.Checklist(
                                                id=ids.QUOTE_STANCE,
                                                options=[
                                                    {"label": label, "value": v} for v, label in components.STANCES
                                                ],
                                                value=[],
                                                inline=True,
                                                className="pills",
                                                inputClassName="pill-input",
                                                labelClassName="pill-label",
                                            ),
                                        ],
                                        className="filter",
                                    ),
                                    html.Div(
                                        [
                                            html.Label("Search the quotations", htmlFor=ids.QUOTE_SEARCH),
                                            dcc.Input(
                                                id=ids.QUOTE_SEARCH,
                                                type="search",
                                                debounce=0.3,
                                                maxLength=200,
                                                className="search",
                                            ),
                                        ],
                                        className="search-box",
                                    ),
                                ],
                            ),
                            html.P(
                                quotes[1],
                                id=ids.QUOTE_COUNT,
                                className="count",
                                role="status",
                                **{"aria-live": "polite"},
                            ),
                            html.Div(quotes[0], id=ids.QUOTES, className="quotes"),
                            html.Button(
                                quotes[2], id=ids.QUOTES_MORE, n_clicks=0, className="button secondary", style=quotes[3]
                            ),
                            visible=shown["quotations"],
                        ),
                        _section(
                            "Context",
                            "context",
                            html.P(
                                "Figures from the report and the documents it builds on, for the selected themes.",
                                className="lede",
                            ),
                            html.Div(context[0], id=ids.CONTEXT, className="context-grid"),
                            html.Button(
                                context[1],
                                id=ids.CONTEXT_MORE,
                                n_clicks=0,
                                className="button secondary",
                                style=context[2],
                            ),
                            visible=shown["context"],
                        ),
                        _section("About the data", "about", components.about_panel(store, survey)),
                        _section(
                            "Data",
                            "data",
                            html.P(
                                "The survey results in view, with where each comes from, as a table or a CSV file; every table of the dataset as one zip.",
                                className="lede",
                            ),
                            html.Div(
                                className="downloads",
                                children=[
                                    html.Button(
                                        "Show the table of results in view",
                                        id=ids.SHOW_TABLE_BUTTON,
                                        n_clicks=0,
                                        className="button secondary",
                                    ),
                                    html.Button(
                                        "Download these results (CSV)",
                                        id=ids.DOWNLOAD_CSV_BUTTON,
                                        n_clicks=0,
                                        className="button",
                                    ),
                                    dcc.Download(id=ids.DOWNLOAD_CSV),
                                    html.A(
                                        "Codebook of the CSV",
                                        href=f"/download/{RESULTS_CODEBOOK}",
                                        className="button secondary",
                                    ),
                                    html.A(
                                        "All tables (Parquet, CSV, codebooks and Data Package, zip)",
                                        href="/download/send-survey-tables.zip",
                                        className="button secondary",
                                    ),
                                    html.Button(
                                        "All charts in view (PNG, zip)",
                                        id=ids.EXPORT_PNG_BUTTON,
                                        n_clicks=0,
                                        className="button secondary",
                                    ),
                                    html.Button(
                                        "All charts in view (SVG, zip)",
                                        id=ids.EXPORT_SVG_BUTTON,
                                        n_clicks=0,
                                        className="button secondary",
                                    ),
                                    dcc.Download(id=ids.EXPORT_DOWNLOAD),
                                ],
                            ),
                            html.P(id=ids.EXPORT_STATUS, className="status", role="status", **{"aria-live": "polite"}),
                            html.Div(id=ids.TABLE, className="table-wrap"),
                        ),
                    ],
                ),
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
