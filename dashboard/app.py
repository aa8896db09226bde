"""``create_app()``: the Dash app, for ``python -m dashboard``, tests and WSGI servers (``dashboard.app:server``)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from dash import Dash, dcc, html

from dashboard import callbacks, components, downloads, ids
from dashboard.cache import CallbackCache
from dashboard.data import DATA_DIR, Store, load_store
from dashboard.security import install_security
from dashboard.views import Views
from etl.store import DataError

log = logging.getLogger(__name__)
TITLE = "SEND Reform Survey Dashboard"
ASSETS = Path(__file__).parent / "assets"

INDEX = """<!DOCTYPE html>
<html lang="en-GB">
<head>
{%metas%}
<title>{%title%}</title>
{%favicon%}
{%css%}
</head>
<body>
<a class="skip-link" href="#main">Skip to the charts</a>
{%app_entry%}
{%config%}{%scripts%}{%renderer%}
</body>
</html>"""


def _section(title: str, anchor: str, *children, **kwargs) -> html.Section:
    return html.Section(id=anchor, className="panel", children=[html.H2(title), *children], **kwargs)


def layout(store: Store, views: Views) -> html.Div:
    """The whole page. Every dynamic part is filled by callbacks from the theme selection."""
    specs = {s.key: s for s in views.specs}
    pair = lambda a, b: html.Div(
        className="chart-pair", children=[components.chart_card(specs[a]), components.chart_card(specs[b])]
    )
    return html.Div(
        className="page",
        children=[
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.PANEL_STATE, storage_type="memory"),
            dcc.Store(id=ids.THEME_IDS, data=list(store.theme_ids)),
            html.Header(
                className="masthead",
                children=[
                    html.H1(TITLE),
                    html.P("What English local authorities think of the 2026 SEND reforms.", className="tagline"),
                    components.headline(store),
                ],
            ),
            html.Div(
                className="layout",
                children=[
                    html.Aside(
                        id="filters",
                        className="controls",
                        **{"aria-label": "Filters and exports"},
                        children=[
                            components.theme_filter(store),
                            html.Div(id=ids.THEME_NOTICE, className="notice", role="status", **{"aria-live": "polite"}),
                            components.interval_toggle(),
                            html.Div(
                                className="export",
                                children=[
                                    html.H2("Export"),
                                    html.Button(
                                        "Download all charts in view (PNG)",
                                        id=ids.EXPORT_PNG_BUTTON,
                                        n_clicks=0,
                                        className="button",
                                    ),
                                    html.Button(
                                        "Download all charts in view (SVG)",
                                        id=ids.EXPORT_SVG_BUTTON,
                                        n_clicks=0,
                                        className="button secondary",
                                    ),
                                    html.P(
                                        id=ids.EXPORT_STATUS,
                                        className="status",
                                        role="status",
                                        **{"aria-live": "polite"},
                                    ),
                                    dcc.Download(id=ids.EXPORT_DOWNLOAD),
                                ],
                            ),
                        ],
                    ),
                    html.Main(
                        id="main",
                        className="content",
                        children=[
                            html.P(
                                id=ids.SELECTION_SUMMARY, className="summary", role="status", **{"aria-live": "polite"}
                            ),
                            _section(
                                "Overview",
                                "overview",
                                html.H3("The report's key contrasts"),
                                html.Div(id=ids.CONTRASTS, className="contrasts"),
                                components.chart_card(specs["overview"]),
                            ),
                            _section(
                                "The report's figures",
                                "figures",
                                html.P(
                                    "Each chart reproduces one of the report's Figures 1–8 from the numbers its text states. "
                                    "Hover over a bar for the exact figure, the councils it allows and the sentence it comes from. "
                                    "The camera button saves a PNG at twice the chart's size.",
                                    className="lede",
                                ),
                                *[components.chart_card(specs[f"fig{n}"]) for n in range(1, 6)],
                                pair("fig6", "fig8"),
                                components.chart_card(specs["fig7"]),
                                components.chart_card(specs["baseline"]),
                            ),
                            _section(
                                "What councils said",
                                "quotations",
                                html.Div(
                                    className="quote-filters",
                                    children=[
                                        html.Fieldset(
                                            [
                                                html.Legend("Stance"),
                                                dcc.Checklist(
                                                    id=ids.QUOTE_STANCE,
                                                    options=[
                                                        {"label": label, "value": v} for v, label in components.STANCES
                                                    ],
                                                    value=[],
                                                    className="checklist inline",
                                                    inputClassName="check-input",
                                                    labelClassName="check-label",
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
                                html.P(id=ids.QUOTE_COUNT, className="count", role="status", **{"aria-live": "polite"}),
                                html.Div(id=ids.QUOTES, className="quotes"),
                            ),
                            _section(
                                "Context: funding and the system",
                                "context",
                                html.P(
                                    "Figures from the report and the four earlier documents it builds on, for the selected themes.",
                                    className="lede",
                                ),
                                html.Div(id=ids.CONTEXT, className="context-grid"),
                            ),
                            _section("About the data", "about", components.about_panel(store)),
                            _section(
                                "Data",
                                "data",
                                html.P(
                                    "The survey results in view, with where each comes from: the report section and the sentence.",
                                    className="lede",
                                ),
                                html.Button(
                                    "Show the table of results in view",
                                    id=ids.SHOW_TABLE_BUTTON,
                                    n_clicks=0,
                                    className="button secondary",
                                ),
                                html.Div(id=ids.TABLE, className="table"),
                                html.Div(
                                    className="downloads",
                                    children=[
                                        html.Button(
                                            "Download these results (CSV)",
                                            id=ids.DOWNLOAD_CSV_BUTTON,
                                            n_clicks=0,
                                            className="button",
                                        ),
                                        dcc.Download(id=ids.DOWNLOAD_CSV),
                                        html.A(
                                            "All tables (Parquet and CSV, zip)",
                                            href="/download/send-survey-tables.zip",
                                            className="button secondary",
                                            download="send-survey-tables.zip",
                                        ),
                                    ],
                                ),
                            ),
                        ],
                    ),
                ],
            ),
            html.A("Themes ▲", href="#filters", className="to-filters"),
            html.Footer(
                className="site-footer",
                children=html.P(
                    "Built from the text of the report; its images did not survive, so only the numbers it states are shown. "
                    "Bounds are drawn as ranges, never as exact values."
                ),
            ),
        ],
    )


def maintenance_layout(reason: str) -> html.Div:
    """Shown instead of numbers when the tables are missing, damaged or of another schema."""
    return html.Main(
        id="main",
        className="maintenance",
        children=[
            html.H1(TITLE),
            html.H2("The data is not available"),
            html.P(
                "The dashboard will not show numbers it cannot vouch for. The survey tables are missing, incomplete or were built for another version:"
            ),
            html.Pre(reason),
            html.P(
                [
                    "To fix it, run ",
                    html.Code("make data"),
                    " (or ",
                    html.Code("python -m etl"),
                    ") and restart the dashboard.",
                ]
            ),
        ],
    )


def use_partial_plotly_bundle() -> None:
    """Serve plotly.js "basic" (bar, scatter, pie: 1.2 MB) from assets/vendor instead of the full 4.8 MB bundle.

    Dash registers the full bundle as an eager resource of dcc; dcc.Graph uses ``window.Plotly`` when the page
    already has it, which the vendored script (same plotly.js version, 4.1.1) provides.
    """
    from dash import dcc

    dcc._js_dist[:] = [r for r in dcc._js_dist if r.get("relative_package_path") != "package_data/plotly.min.js"]


def _warm(views: Views) -> None:
    """Build the default (all themes) view now, in the background, so the first visitor does not wait for it."""
    threading.Thread(target=views.panels, args=((), False), name="warm-views", daemon=True).start()


def create_app(data_dir: Path | None = None) -> Dash:
    """Build the app: load and check the tables once, then lay out the page and wire the callbacks."""
    app = Dash(
        __name__,
        title=TITLE,
        assets_folder=str(ASSETS),
        compress=True,
        serve_locally=True,
        update_title=None,
        index_string=INDEX,
        meta_tags=[
            {"name": "viewport", "content": "width=device-width, initial-scale=1"},
            {
                "name": "description",
                "content": "Charts of the 2026 LGA/CCN survey of English councils on the SEND reforms.",
            },
        ],
    )
    use_partial_plotly_bundle()
    try:
        store = load_store(data_dir or DATA_DIR)
    except DataError as exc:
        log.error("data unavailable: %s", exc)
        app.layout = maintenance_layout(exc.public)  # names files, never paths
        app.server.config["DATA_ERROR"] = str(exc)

        @app.server.route("/healthz")
        def _unhealthy():
            return {"status": "data unavailable", "fix": "make data"}, 503

        install_security(app)
        return app
    views = Views(store)
    app.layout = layout(store, views)
    cacheable = callbacks.register(app, store, views)
    app.server.wsgi_app = CallbackCache(app.server.wsgi_app, cacheable)
    _warm(views)
    downloads.register(app, store, views, data_dir or DATA_DIR)

    @app.server.route("/healthz")
    def _health():
        return {"status": "ok", "build": store.tables.manifest.get("build_id")}

    install_security(app)
    return app
