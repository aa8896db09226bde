"""Which paths the app serves, and which may be framed (issue 17, item 5): only ``/embed/<known slug>`` allows
any frame ancestor; every other answer keeps ``frame-ancestors 'none'``; a path no route serves is a 404, not
the dashboard's page with a 200."""

from __future__ import annotations

import re

import factory
import pytest

SLUG = "national-standards"

# Every kind of path the app legitimately serves, answered 200.
SERVED = [
    "/",
    "/?survey=isos-2026",
    "/?theme=funding&intervals=on",
    "/_dash-layout",
    "/_dash-dependencies",
    "/assets/style.css",
    f"/chart/{SLUG}",
    f"/chart/{SLUG}?tab=table",
    f"/chart/{SLUG}.csv",
    f"/embed/{SLUG}",
    f"/embed/{SLUG}?theme=funding",
    "/download/send-survey-results.meta.csv",
    "/download/send-survey-tables.zip",
    "/healthz",
    "/favicon.ico",  # browsers ask for it on the chart pages (the icon Dash serves at /_favicon.ico)
    "/_favicon.ico",
]

# Paths nothing serves: each a 404 that no site may frame.
UNKNOWN = [
    "/embed/",
    "/embed/x/y",
    f"/embed/{SLUG}/x",
    "/embed/no-such-chart",
    "/download/nope",
    "/download/",
    "/chart/",
    f"/chart/{SLUG}/x",
    "/nope",
    "/index.html",
    "/_dash-nothing",
    "/wp-login.php",
    "/assets/no-such-file.css",
]


@pytest.mark.parametrize("path", SERVED)
def test_the_paths_the_app_serves_answer_200(client, path):
    assert client.get(path).status_code == 200, path


def test_dash_scripts_are_served(client):
    """The renderer's own scripts (``/_dash-component-suites/...``) named in the page are served."""
    page = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert scripts
    for src in scripts[:3]:
        assert client.get(src).status_code == 200, src


def test_the_export_route_is_served(client):
    """``/export/charts.zip`` is a route (a bad format is refused by it, not a 404)."""
    assert client.get("/export/charts.zip?format=nope").status_code not in (404, 500)


@pytest.mark.parametrize("path", UNKNOWN)
def test_unknown_paths_are_404_and_not_framable(client, path):
    response = client.get(path)
    assert response.status_code == 404, (path, response.data[:100])
    assert factory.csp(response)["frame-ancestors"] == ["'none'"], path
    assert response.headers["X-Frame-Options"] == "DENY", path
    assert b"_dash-renderer" not in response.data and b"dash-renderer" not in response.data


@pytest.mark.parametrize("path", [p for p in SERVED if not p.startswith("/embed/")])
def test_only_embeds_may_be_framed(client, path):
    response = client.get(path)
    assert factory.csp(response)["frame-ancestors"] == ["'none'"], path
    assert response.headers["X-Frame-Options"] == "DENY", path


@pytest.mark.parametrize("path", [f"/embed/{SLUG}", f"/embed/{SLUG}?theme=funding&intervals=on"])
def test_an_embed_of_a_known_chart_may_be_framed_by_any_site(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert factory.csp(response)["frame-ancestors"] == ["*"] and "X-Frame-Options" not in response.headers
