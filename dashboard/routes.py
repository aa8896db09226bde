"""The server routes beside the Dash page: chart pages, embeds, and a chart's own downloads.

``/chart/<slug>`` and ``/embed/<slug>`` take ``?survey=`` (default: the default survey), ``?theme=a,b``
(repeatable), ``?intervals=on`` and, for the chart page, ``?tab=table|sources``. ``/chart/<slug>.png``,
``.svg`` and ``.csv`` download the same view: the images carry the chart's title, question, key, base and
source line (the "export" frame), rendered through ``dashboard.export`` (disk cache, bounded queue: a busy
server answers 503 with ``Retry-After``); the CSV its rows. The other downloads are in ``dashboard.downloads``.
"""

from __future__ import annotations

from dash import Dash
from flask import Response, request

from dashboard import export, pages
from dashboard.data import Store
from dashboard.downloads import results_csv
from dashboard.views import Views

HTML = "text/html; charset=utf-8"


def register(app: Dash, store: Store, views: Views, assets: pages.Assets) -> None:
    server = app.server

    def base_url() -> str:
        return request.host_url

    def missing(reason: str) -> Response:
        return Response(pages.not_found_page(store, reason, assets), status=404, mimetype="text/html")

    def page(slug: str, render) -> Response:
        req = pages.parse_request(store, slug, request.args)
        if isinstance(req, str):
            return missing(req)
        return Response(render(store, views, req, assets, base_url()), content_type=HTML)

    @server.route("/chart/<slug>")
    def _chart(slug: str):
        return page(slug, pages.chart_page)

    @server.route("/embed/<slug>")
    def _embed(slug: str):
        return page(slug, pages.embed_page)

    @server.route("/chart/<slug>.<any(png, svg, csv):fmt>")
    def _chart_file(slug: str, fmt: str):
        req = pages.parse_request(store, slug, request.args)
        if isinstance(req, str):
            return missing(req)
        name = req.spec.filename + ("-" + "-".join(req.themes) if req.themes else "")
        disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
        if fmt == "csv":
            rows = views.rows(req.survey, req.spec, req.themes)
            return Response(results_csv(store, rows), mimetype="text/csv", headers=disposition)
        chart = views.chart(req.survey, req.spec, req.themes, req.intervals, "export")
        if chart.figure is None:
            return missing("None of this chart's figures is tagged with the selected themes.")
        with export.admit() as ticket:  # busy: a 503 with Retry-After (export.install answers ExportError)
            data = export.render_cached(chart.figure, fmt, chart.token, ticket=ticket)
        mimetype = "image/png" if fmt == "png" else "image/svg+xml"
        return Response(data, mimetype=mimetype, headers=disposition)
