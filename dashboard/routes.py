"""The server routes beside the Dash page: chart pages and embeds.

``/chart/<slug>`` and ``/embed/<slug>`` take ``?survey=`` (without it: the default survey if it has the slug,
else the one survey that has it; several: a 300 page listing them, ``pages.parse_request``), ``?theme=a,b``
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


def choose(store: Store, assets: pages.Assets, choices: pages.Choices, suffix: str) -> Response:
    """300 Multiple Choices: the surveys that have the slug asked for, each linked."""
    return Response(pages.choices_page(store, choices, suffix, assets), status=300, mimetype="text/html")


def register(app: Dash, store: Store, views: Views, assets: pages.Assets) -> None:
    server = app.server

    def page(slug: str, render, suffix: str) -> Response:
        req = pages.parse_request(store, slug, request.args)
        if isinstance(req, str):
            return not_found(store, assets, req)
        if isinstance(req, pages.Choices):
            return choose(store, assets, req, suffix)
        return Response(render(store, views, req, assets, request.host_url), content_type=HTML)

    @server.route("/chart/<slug>")
    def _chart(slug: str):
        return page(slug, pages.chart_page, "")

    @server.route("/embed/<slug>")
    def _embed(slug: str):
        return page(slug, pages.embed_page, "embed")
