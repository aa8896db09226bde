"""The server routes beside the Dash page: chart pages and embeds.

``/chart/<slug>`` and ``/embed/<slug>`` take ``?survey=`` (default: the default survey), ``?theme=a,b``
(repeatable), ``?intervals=on`` and, for the chart page, ``?tab=table|sources``. A chart's downloads
(``/chart/<slug>.png``, ``.svg``, ``.csv``) and every other download are in ``dashboard.downloads``.
"""

from __future__ import annotations

from dash import Dash
from flask import Response, request

from dashboard import pages
from dashboard.data import Store
from dashboard.views import Views

HTML = "text/html; charset=utf-8"


def not_found(store: Store, assets: pages.Assets, reason: str) -> Response:
    """The 404 page: ``reason``, and the charts there are."""
    return Response(pages.not_found_page(store, reason, assets), status=404, mimetype="text/html")


def register(app: Dash, store: Store, views: Views, assets: pages.Assets) -> None:
    server = app.server

    def page(slug: str, render) -> Response:
        req = pages.parse_request(store, slug, request.args)
        if isinstance(req, str):
            return not_found(store, assets, req)
        return Response(render(store, views, req, assets, request.host_url), content_type=HTML)

    @server.route("/chart/<slug>")
    def _chart(slug: str):
        return page(slug, pages.chart_page)

    @server.route("/embed/<slug>")
    def _embed(slug: str):
        return page(slug, pages.embed_page)
