"""The landing page: a static shell, and each survey's page, rendered when the address names the survey.

The shell holds the address, the stores and an empty ``#page``. A clientside callback reads ``?survey=``;
``survey_page`` then renders that survey's whole page for the themes in the address, with its overview
chart already drawn, in one round trip. The same page, made plain, is written into the HTML of ``/`` for the address
asked (``dashboard/firstview.py``), so it paints with the first response; the callback's page then takes its place.
A theme click afterwards is filtered in the browser
(``dashboard/filtering.py``, ``assets/filter.js``): every part the selection can hide is on the page, marked
with its themes, the quotations and context cards too, and the page carries ``filter_model``. The server is
asked only by the quotations' stance and search, and, on a theme click, for an open table (and for context
cards the browser cannot filter: ``components.context_in_browser``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import components, filtering, ids, selection, wording
from dashboard.data import Store, Survey
from dashboard.downloads import RESULTS_CODEBOOK, TABLES_ZIP
from dashboard.rawhtml import raw
from dashboard.views import ChartRows, View, Views
from etl.schema import Col

log = logging.getLogger(__name__)


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


def _section(title: str, anchor: str, *children, marks: dict | None = None) -> html.Section:
    """A section of the page; ``marks`` (``PageMarks.sections``) when the selection can hide it."""
    return html.Section(
        id=anchor,
        **(marks or {"className": "panel"}),
        **{"aria-labelledby": f"{anchor}-heading"},
        children=[html.H2(title, id=f"{anchor}-heading"), *children],
    )


def chart_href(survey: Survey, store: Store, slug: str, themes: tuple[str, ...] = ()) -> str:
    return selection.href(f"/chart/{slug}", selection.Selection(survey.id, tuple(themes)), store.default_survey)


@dataclass(frozen=True)
class PageMarks:
    """The themes of what each part of the page holds, unfiltered, for ``filtering.marks``."""

    overview: ChartRows  # the overview chart with every row
    contrasts: dict[int, set[str]]  # contrast (its position in survey.contrasts) -> the themes of its sides
    # overview, charts, quotations, context -> the themes of its parts (None: it never has any part)
    sections: dict[str, set[str] | None]


def page_marks(store: Store, views: Views, survey: Survey) -> PageMarks:
    """What every part of a survey's page holds, by theme: made once per survey (``Views.per_survey``)."""

    def build() -> PageMarks:
        every = views.get(survey, ())
        overview = every.chart(components.overview_spec(survey).slug)
        by_id = {r[Col.ID]: r for r in every.results}
        contrasts = {  # a contrast with neither side among the survey's results is never in view
            i: filtering.themes_of(by_id[c[side]] for side in (Col.LEFT, Col.RIGHT) if c[side] in by_id)
            for i, c in enumerate(survey.contrasts)
            if c[Col.LEFT] in by_id or c[Col.RIGHT] in by_id
        }
        charts = [c for c in every.charts if c.spec.slug != overview.spec.slug and c.rows]
        parts = {
            "overview": [*contrasts.values()] + ([filtering.themes_of(overview.rows)] if overview.rows else []),
            "charts": [filtering.themes_of(c.rows) for c in charts],
            "quotations": [set(q[Col.THEMES]) for q in store.survey_quotes(survey)],
            "context": [set(c[Col.THEMES]) for c in every.context],
        }
        sections = {name: set().union(*sets) if sets else None for name, sets in parts.items()}
        return PageMarks(overview, contrasts, sections)

    return views.per_survey("marks", survey, build)


def _plain(children: object) -> object:
    """Dash components as the JSON a clientside callback returns for them (their props are plain values)."""
    return json.loads(json.dumps(children, default=lambda c: c.to_plotly_json()))


def filter_model(store: Store, views: Views, survey: Survey) -> dict:
    """What ``assets/filter.js`` needs to filter a survey's page: the theme names, each result's themes (to
    count them), and the overview chart's rows with its key and footer for every set of them a selection can
    leave in view (``filtering.row_sets``), each distinct key and footer written once."""

    def build() -> dict:
        chart = page_marks(store, views, survey).overview
        rows = chart.rows
        keys: list = []
        footers: list = []
        sets: dict[str, list[int]] | None = {}
        try:
            kept_sets = filtering.row_sets([set(r[Col.THEMES]) for r in rows], survey.theme_ids)
        except ValueError as e:  # too many to write: the browser asks the server (filter.js, callbacks.py)
            log.warning("survey %s: %s", survey.id, e)
            kept_sets, sets = [], None
        for kept in kept_sets:
            subset = [rows[i] for i in sorted(kept)]
            pair = []
            for value, pool in (
                (_plain(components.chart_key(subset, views.labels)), keys),
                (_plain(components.chart_footer(subset, chart.spec, views.labels)), footers),
            ):
                if value not in pool:
                    pool.append(value)
                pair.append(pool.index(value))
            sets[filtering.signature([i in kept for i in range(len(rows))])] = pair
        return {
            "themes": [[t, store.theme_labels[t]] for t in survey.theme_ids],
            "results": [" ".join(r[Col.THEMES]) for r in views.get(survey, ()).results],
            "overview": {
                "rows": [" ".join(r[Col.THEMES]) for r in rows],
                "question": components.question_line(chart.spec, ""),
                "sets": sets,
                "keys": keys,
                "footers": footers,
            },
            "ids": {  # the components filterLists reads
                "themes": ids.THEMES,
                "quotes": ids.QUOTES,
                "quotesMore": ids.QUOTES_MORE,
                "context": ids.CONTEXT,
                "contextMore": ids.CONTEXT_MORE,
            },
            "lists": {  # what filter.js says of the quotations and context cards (wording.LIST_WORDS)
                "quotes": {
                    **wording.LIST_WORDS["quotes"],
                    "limit": components.QUOTES_SHOWN,
                    "total": len(store.survey_quotes(survey)),
                },
                "context": {
                    **wording.LIST_WORDS["context"],
                    "limit": components.CONTEXT_SHOWN,
                    "total": 0,
                    "browser": components.context_in_browser(store.survey_context(survey)),
                },
            },
        }

    return views.per_survey("filter-model", survey, build)


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


def _marks(themes: set[str] | None, selected: tuple[str, ...], class_name: str) -> dict:
    """``filtering.marks`` for a part with ``themes``; a part with nothing to show (None) is always hidden."""
    if themes is None:
        return {"className": class_name or None, "style": {"display": "none"}}
    return filtering.marks(themes, selected, class_name)


def _overview(store: Store, views: Views, view: View, intervals: bool) -> html.Section:
    survey, selected = view.survey, view.themes
    marks = page_marks(store, views, survey)
    chart = view.chart(marks.overview.spec.slug)
    contrasts = [survey.contrasts[i] for i in marks.contrasts]
    shown = list(marks.contrasts.values())
    return _section(
        "Overview",
        "overview",
        html.Div(
            raw(
                components.contrasts(
                    store,
                    contrasts,
                    views.labels,
                    [_marks(themes, selected, "contrast") for themes in shown],
                )
            ),
            id=ids.CONTRASTS,
            **_marks(set().union(*shown) if shown else None, selected, "contrasts"),
        ),
        components.overview_card(
            chart,
            marks.overview,
            views.labels,
            chart_href(survey, store, chart.spec.slug, selected),
            intervals,
            selected,
        ),
        marks=_marks(marks.sections["overview"], selected, "panel"),
    )


def _charts(store: Store, views: Views, view: View) -> html.Section:
    survey, selected = view.survey, view.themes
    overview = components.overview_spec(survey).slug
    cards = [
        components.chart_card(store, c, views.labels, selected, chart_href(survey, store, c.slug, selected))
        for c in survey.charts
        if c.slug != overview
    ]
    return _section(
        "Charts",
        "charts",
        html.P(
            "Each chart has its own page with its table, its sources, downloads and a link to share or embed.",
            className="lede",
        ),
        raw(cards, id=ids.CHART_CARDS, className="chart-tiles"),
        marks=_marks(page_marks(store, views, survey).sections["charts"], selected, "panel"),
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


def _quotations(survey: Survey, quotes: dict, marks: dict) -> html.Section:
    return _section(
        f"What {survey.plural} said",
        "quotations",
        _quote_filters(),
        _live(quotes["count"], ids.QUOTE_COUNT, class_name="count"),
        html.Div(quotes["quotes"], id=ids.QUOTES, className="quotes"),
        _button(quotes["more"], ids.QUOTES_MORE, style=quotes["more_style"]),
        marks=marks,
    )


def _context(context: dict, marks: dict) -> html.Section:
    return _section(
        "Context",
        "context",
        html.P(
            "Figures from the report and the documents it builds on, for the selected themes.",
            className="lede",
        ),
        html.Div(context["context"], id=ids.CONTEXT, className="context-grid"),
        _button(context["context_more"], ids.CONTEXT_MORE, style=context["context_more_style"]),
        marks=marks,
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
    store: Store, views: Views, view: View, intervals: bool, notice: str, quotes: dict, context: dict
) -> list:
    """The children of ``#page`` for a survey and selection: everything below the site title. ``quotes`` and
    ``context`` are the named outputs of their callbacks for the selection, so the page arrives whole. Every
    part a selection can hide is there, marked with its themes (``filtering``), those out of view hidden."""
    survey, selected = view.survey, view.themes
    themes = page_marks(store, views, survey).sections
    sections = {name: _marks(ts, selected, "panel") for name, ts in themes.items()}
    main = [
        _overview(store, views, view, intervals),
        _charts(store, views, view),
        _quotations(survey, quotes, sections["quotations"]),
        _context(context, sections["context"]),
        _section("About the data", "about", raw(components.about_panel(store, survey))),
        _data(),
    ]
    return [
        # A second view of the address, inside the page, so the theme sync exists only with the checkboxes;
        # "callback-nav" tells the shell's Location when it changes the address.
        dcc.Location(id=ids.PAGE_URL, refresh="callback-nav"),
        dcc.Store(id=ids.THEME_IDS, data=list(survey.theme_ids)),
        dcc.Store(id=ids.FILTER_MODEL, data=filter_model(store, views, survey)),
        dcc.Store(id=ids.OVERVIEW_WANTED),
        *[dcc.Store(id=i) for i in (ids.QUOTES_WANTED, ids.CONTEXT_WANTED, ids.TABLE_WANTED)],
        html.Header(className="masthead", children=[html.H1(survey.site_title, id=ids.SITE_TITLE)]),
        html.Div(
            className="masthead-detail",
            children=[raw(components.headline(survey)), components.survey_nav(store, survey)],
        ),
        components.contents_nav({}, {name: _marks(ts, selected, "") for name, ts in themes.items()}),
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
