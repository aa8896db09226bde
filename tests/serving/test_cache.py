"""The callback response cache: repeats come from memory, only valid 200s are kept, and it is bounded."""

from __future__ import annotations

import json

import pytest

from dashboard.app import create_app
from dashboard.cache import CallbackCache
from etl.build import build


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("cache") / "data"
    build(data)
    return create_app(data)


def _panel_body(app, themes, previous=None):
    dep = next(
        d
        for d in json.loads(app.server.test_client().get("/_dash-dependencies").data)
        if "chart-overview.figure" in d["output"]
    )
    return {
        "output": dep["output"],
        "outputs": [
            {"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in dep["output"].strip(".").split("...")
        ],
        "inputs": [dict(dep["inputs"][0], value=themes), dict(dep["inputs"][1], value=[])],
        "changedPropIds": ["theme-filter.value"],
        "state": [dict(dep["state"][0], value=previous)],
    }


def test_repeat_request_is_served_from_memory(app):
    """The second identical request is a cache hit with the same bytes and headers."""
    cache: CallbackCache = app.server.wsgi_app
    client = app.server.test_client()
    body = _panel_body(app, ["workforce"])
    first = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "gzip"})
    hits = cache.hits
    second = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "gzip"})
    assert cache.hits == hits + 1
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert second.headers.get("Content-Encoding") == first.headers.get("Content-Encoding")


def test_encoding_is_part_of_the_key(app):
    """A client that accepts no compression never gets a compressed cached body."""
    client = app.server.test_client()
    body = _panel_body(app, ["baseline"])
    client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "gzip"})
    plain = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers or plain.headers["Content-Encoding"] == "identity"
    assert json.loads(plain.data)["response"]


def test_invalid_requests_are_not_cached(app):
    """A 400 is never stored, so it cannot be replayed to a valid request."""
    cache: CallbackCache = app.server.wsgi_app
    client = app.server.test_client()
    body = _panel_body(app, ["tribunals"])
    body["inputs"] = body["inputs"][:1]
    size = len(cache._entries)
    assert client.post("/_dash-update-component", json=body).status_code == 400
    assert len(cache._entries) == size


def test_cache_is_bounded():
    """The LRU never holds more than its size."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [environ["wsgi.input"].read()]

    cache = CallbackCache(app, {"out"}, size=3)
    for i in range(10):
        raw = json.dumps({"output": "out", "inputs": [{"value": i}], "state": []}).encode()
        import io

        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/_dash-update-component",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(raw)),
            "wsgi.input": io.BytesIO(raw),
        }
        assert b"".join(cache(environ, lambda *a: None)) == raw
    assert len(cache._entries) == 3


def test_a_bad_request_never_gets_a_cached_200(app):
    """A body that failed validation stays a 400 even after a valid request with the same values was cached."""
    client = app.server.test_client()
    body = _panel_body(app, None)
    assert client.post("/_dash-update-component", json=body).status_code == 200
    as_text = client.post("/_dash-update-component", data=json.dumps(body), content_type="text/plain")
    assert as_text.status_code == 400
    wrong_ids = dict(body, inputs=[dict(i, id="url", property="search") for i in body["inputs"]])
    assert client.post("/_dash-update-component", json=wrong_ids).status_code == 400
