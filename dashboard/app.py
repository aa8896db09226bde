"""``create_app()``: the Dash app, for ``python -m dashboard``, tests and WSGI servers (``dashboard.app:server``)."""

from __future__ import annotations

import importlib
import logging
import threading
from pathlib import Path

from dash import Dash, dcc, html

from dashboard import callbacks, downloads, landing, routes
from dashboard.cache import CallbackCache
from dashboard.data import DATA_DIR, Store, load_store
from dashboard.httpcache import install_http_caching
from dashboard.security import install_security
from dashboard.views import Views
from dashboard.wording import SITE_TITLE
from etl.store import DataError

log = logging.getLogger(__name__)
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
<a class="skip-link" href="#main">Skip to the content</a>
{%app_entry%}
{%config%}{%scripts%}{%renderer%}
</body>
</html>"""


def maintenance_layout(reason: str) -> html.Div:
    """Shown instead of numbers when the tables are missing, damaged or of another schema."""
    return html.Main(
        id="main",
        className="maintenance",
        children=[
            html.H1(SITE_TITLE),
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
    """Serve plotly.js "basic" (bar, scatter, pie: 1.2 MB) from assets/vendor instead of the full 4.8 MB bundle,
    and none of Dash's DataTable, which the page does not use.

    Dash registers the full bundle as an eager resource of dcc; dcc.Graph uses ``window.Plotly`` when the page
    already has it, which the vendored script (same plotly.js version, 4.1.1) provides. Dash also registers
    its DataTable's bundle on every page; the results table here is plain HTML.
    """
    from dash import dash_table

    dash_table._js_dist[:] = []

    dcc._js_dist[:] = [r for r in dcc._js_dist if r.get("relative_package_path") != "package_data/plotly.min.js"]


# Modules that plotly's JSON encoder (which Dash uses for every callback response) looks up in sys.modules
# without importing them, and that a request may import later in another thread: PIL.Image comes with kaleido,
# on the first export. While one thread is importing it, a response serialised in another thread finds a
# half-initialised module and fails (AttributeError: partially initialized module 'PIL.Image'; found by the
# load test as a 500 on a quotations callback). Imported once, before any request, the race cannot happen.
SERIALISER_MODULES = ("PIL.Image",)


def _import_serialiser_modules() -> None:
    for name in SERIALISER_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # not installed: then nothing can import it later either
            pass


def _warm(store: Store, views: Views) -> None:
    """Build the default view now, in the background, so the first visitor does not wait for it."""
    survey = store.survey(store.default_survey)
    threading.Thread(target=views.get, args=(survey,), name="warm-views", daemon=True).start()


def _asset_url(app: Dash):
    """An asset's URL with its modification time, as Dash writes it into its own page (so caches refresh)."""

    def url(name: str) -> str:
        return f"{app.get_asset_url(name)}?m={int((ASSETS / name).stat().st_mtime)}"

    return url


def create_app(data_dir: Path | None = None) -> Dash:
    """Build the app: load and check the tables once, then lay out the page, wire the callbacks and routes."""
    app = Dash(
        __name__,
        title=SITE_TITLE,
        assets_folder=str(ASSETS),
        assets_ignore=r"^(chart-page\.js|embed-resize\.js|plotly-basic-[0-9.]+\.min\.js)$",  # the chart pages' own scripts
        compress=True,
        serve_locally=True,
        update_title=None,
        index_string=INDEX,
        suppress_callback_exceptions=True,  # each survey's page is rendered by a callback
        meta_tags=[
            {"name": "viewport", "content": "width=device-width, initial-scale=1"},
            {
                "name": "description",
                "content": "Charts of surveys on the SEND reforms, with the sentence behind every number.",
            },
        ],
    )
    use_partial_plotly_bundle()
    _import_serialiser_modules()
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
        install_http_caching(app.server, build_id=lambda: None)  # nothing of a maintenance page may be kept
        return app
    views = Views(store)
    app.layout = landing.shell(store)
    cacheable = callbacks.register(app, store, views)
    app.server.wsgi_app = CallbackCache(app.server.wsgi_app, cacheable)
    _warm(store, views)
    routes.register(app, store, views, _asset_url(app))
    downloads.register(app, store, views, data_dir or DATA_DIR, _asset_url(app))

    @app.server.route("/healthz")
    def _health():
        return {"status": "ok", "build": store.tables.manifest.get("build_id")}

    install_security(app)
    build = store.tables.manifest.get("build_id")
    install_http_caching(app.server, build_id=lambda: build)
    return app
