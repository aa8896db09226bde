"""``create_app()``: the Dash app, for ``python -m dashboard``, tests and WSGI servers (``dashboard.app:server``)."""

from __future__ import annotations

import importlib
import logging
import re
import threading
import time
from pathlib import Path

from dash import Dash, dcc, html
from flask import Response, request

from dashboard import briefing, callbacks, downloads, firstview, landing, routes
from dashboard.cache import CallbackCache
from dashboard.data import DATA_DIR, Store, load_store
from dashboard.httpcache import install_http_caching
from dashboard.security import install_security
from dashboard.views import Views
from dashboard.wording import NO_DATA_TITLE
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
            html.H1(NO_DATA_TITLE),
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
    """Build the default view and its page's filter model now, in the background, so the first visitor does
    not wait for them."""
    survey = store.survey(store.default_survey)

    def warm() -> None:
        views.get(survey)
        landing.filter_model(store, views, survey)

    threading.Thread(target=warm, name="warm-views", daemon=True).start()


def _asset_url(app: Dash):
    """An asset's URL with its modification time, as Dash writes it into its own page (so caches refresh)."""

    def url(name: str) -> str:
        return f"{app.get_asset_url(name)}?m={int((ASSETS / name).stat().st_mtime)}"

    return url


# Without data, these answer 503 with Retry-After and a plain line, never the maintenance page with a 200 in
# place of a CSV, an image, a zip or a callback's JSON (issue 17). Pages (/, /chart/<slug>) show the page.
DATA_PATHS = re.compile(r"^/(chart/[^/]+\.[a-z]+|download/.*|export/.*|embed(/.*)?|_dash-update-component)$")
RETRY_AFTER = 30  # seconds, for clients of a data route while the data is unavailable
RECOVERY_CHECK = 2.0  # seconds between two attempts of a worker without data to load the build again


def _serve_maintenance(app: Dash, exc: DataError, data_dir: Path | None) -> None:
    """The app without data: the maintenance page, 503 on every data route and on /healthz, and a check, at
    most every ``RECOVERY_CHECK`` seconds on a request, whether the build now loads (``make data`` repaired
    it): then this process serves it, without a restart."""
    app.layout = maintenance_layout(exc.public)  # names files, never paths
    server = app.server
    server.config["DATA_ERROR"] = str(exc)

    @server.route("/healthz")
    def _unhealthy():
        return {"status": "data unavailable", "fix": "make data"}, 503

    @server.before_request
    def _no_data():
        if DATA_PATHS.match(request.path):
            text = "The data is not available: the survey tables are missing or damaged. Try again later.\n"
            return Response(text, 503, {"Retry-After": str(RETRY_AFTER)}, mimetype="text/plain")
        return None

    install_security(app)
    install_http_caching(server, build_id=lambda: None)  # nothing of a maintenance answer may be kept
    server.wsgi_app = _Recovering(server.wsgi_app, data_dir)


class _Recovering:
    """WSGI: the maintenance app's answers until the data loads, then the answers of a complete app built then."""

    def __init__(self, maintenance, data_dir: Path | None):
        self.maintenance = maintenance
        self.data_dir = data_dir
        self.live = None
        self.next_check = time.monotonic() + RECOVERY_CHECK
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if self.live is None and time.monotonic() >= self.next_check and self.lock.acquire(blocking=False):
            try:  # one thread tries; the others answer from the maintenance app meanwhile
                if self.live is None and time.monotonic() >= self.next_check:
                    self._try_load()
            finally:
                self.lock.release()
        if self.live is not None:
            return self.live(environ, start_response)
        return self.maintenance(environ, start_response)

    def _try_load(self) -> None:
        try:
            load_store(self.data_dir or DATA_DIR)  # cheap enough (0.3 MB); the app is built only when it loads
        except DataError:
            self.next_check = time.monotonic() + RECOVERY_CHECK
            return
        fresh = create_app(self.data_dir)
        if "DATA_ERROR" in fresh.server.config:
            self.next_check = time.monotonic() + RECOVERY_CHECK
            return
        log.warning("the data loads again: serving build %s", fresh.server.config.get("BUILD_ID"))
        self.live = fresh.server


def create_app(data_dir: Path | None = None) -> Dash:
    """Build the app: load and check the tables once, then lay out the page, wire the callbacks and routes."""
    app = Dash(
        __name__,
        title=NO_DATA_TITLE,  # the survey's own once the data names it (below)
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
        _serve_maintenance(app, exc, data_dir)
        return app
    app.title = store.site_title
    views = Views(store)
    app.layout = landing.shell(store)
    firstview.install(app, store, views)  # the page of the address asked for, in the HTML of / (issue 18)
    cacheable = callbacks.register(app, store, views)
    app.server.wsgi_app = CallbackCache(app.server.wsgi_app, cacheable)
    _warm(store, views)
    routes.register(app, store, views, _asset_url(app))
    downloads.register(app, store, views, data_dir or DATA_DIR, _asset_url(app))
    briefing.register(app.server, store, views)  # /briefing.pptx, /briefing.pdf

    app.server.config["BUILD_ID"] = store.tables.manifest.get("build_id")

    @app.server.route("/healthz")
    def _health():
        return {"status": "ok", "build": store.tables.manifest.get("build_id")}

    install_security(app)
    build = store.tables.manifest.get("build_id")
    install_http_caching(app.server, build_id=lambda: build)
    return app
