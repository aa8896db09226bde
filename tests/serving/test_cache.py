"""The callback response cache: repeats come from memory, only valid 200s are kept, and it is bounded."""

from __future__ import annotations

import json

import factory
import pytest

from dashboard.cache import CallbackCache


@pytest.fixture(scope="module")
def app(data_dir):
    """An app of its own (the response cache is per app): these tests count its cache's hits."""
    return factory.make_app(data_dir)


def _panel_body(app, themes, survey="isos-2026"):
    """The overview's bars for ``themes`` (the intervals toggle's callback, whose answers are cached)."""
    deps = factory.dependencies(app.server.test_client())
    return factory.callback_body(
        deps,
        "overview-chart.children",
        {"show-intervals.value": []},
        {"theme-filter.value": themes, "survey.data": survey},
    )


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
    body["inputs"] = []
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


# Byte ceilings and the whole Accept-Encoding. ---------------------------------------------------------------


def _environ(raw: bytes, encoding: str = "gzip") -> dict:
    import io

    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/_dash-update-component",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_ACCEPT_ENCODING": encoding,
        "wsgi.input": io.BytesIO(raw),
    }


def test_bounded_lru_keeps_under_its_bytes():
    """Entries are dropped, oldest first, while the total size is over the ceiling; a huge one is not kept."""
    from dashboard.cache import BoundedLRU

    lru = BoundedLRU(max_entries=1000, max_bytes=100_000, sizeof=len)
    for i in range(100):
        lru.put(i, b"x" * 5_000)
        assert lru.nbytes <= 100_000
    assert 10 <= len(lru) <= 20 and 99 in lru and 0 not in lru
    assert not lru.put("huge", b"x" * 60_000) and "huge" not in lru
    assert lru.get(99, lambda: b"recomputed") == b"x" * 5_000
    assert lru.get("new", lambda: b"y") == b"y" and "new" in lru


def test_response_cache_is_bounded_by_bytes():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [environ["wsgi.input"].read() + b" " * 20_000]

    cache = CallbackCache(app, {"out"}, size=10_000, max_bytes=200_000)
    for i in range(200):
        raw = json.dumps({"output": "out", "inputs": [{"value": i}]}).encode()
        b"".join(cache(_environ(raw), lambda *a: None))
    assert cache._entries.nbytes <= 200_000
    assert 5 <= len(cache._entries) <= 10


def test_the_whole_accept_encoding_is_in_the_key(app):
    """Two headers equal in their first 200 characters but not after: the client that does not accept gzip
    never gets the gzip body cached for the one that does."""
    client = app.server.test_client()
    body = _panel_body(app, ["funding", "inclusion"])
    padding = "identity;q=1, " + ", ".join(f"x-coding-{i};q=0.1" for i in range(30))
    assert len(padding) > 200
    first = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": padding + ", gzip"})
    assert first.headers.get("Content-Encoding") == "gzip"
    second = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": padding})
    assert second.headers.get("Content-Encoding") in (None, "identity")
    assert json.loads(second.data)["response"]


def test_accept_encoding_is_normalised():
    from dashboard.cache import normalise_encoding

    assert normalise_encoding("gzip, deflate, br, zstd") == normalise_encoding("GZIP,deflate,  br,zstd")
    assert normalise_encoding("gzip") != normalise_encoding("")
    assert normalise_encoding("x" * 1000) is None


def test_cached_sizes_are_exact(store, survey):
    """A figure is cached as its serialised JSON and counted by its length; a view by its lists of rows' memory as
    Python counts it: no estimate."""
    import sys

    import orjson

    from dashboard import views as views_module
    from dashboard.cache import rows_bytes

    fresh = views_module.Views(store)
    chart = fresh.chart(survey, survey.charts[0])
    [(stored, token)] = [v for v, _ in fresh._figures._items.values()]
    assert isinstance(stored, bytes) and orjson.loads(stored) == chart.figure and token == chart.token
    key_bytes = fresh._figures.nbytes - len(stored)
    assert 0 < key_bytes < 2_000  # the rest is the key
    view = fresh.get(survey, ("funding",))
    frames = rows_bytes(view.results, view.context, *(c.rows for c in view.charts))
    assert frames == views_module.view_bytes(view) > sys.getsizeof(view.results)
    assert fresh._views.nbytes - frames < 2_000
    assert fresh.chart(survey, survey.charts[0]).figure is not chart.figure  # each caller its own copy


def test_view_caches_stay_under_their_ceilings(store, survey, monkeypatch):
    """With small ceilings, many selections (views, and every chart's figure in two frames) keep each cache
    under its bytes."""
    import itertools

    from dashboard import views as views_module

    monkeypatch.setattr(views_module, "CACHE_BYTES", {"figures": 400_000, "views": 600_000})
    fresh = views_module.Views(store)
    for combo in itertools.islice(itertools.combinations(survey.theme_ids, 2), 25):
        fresh.get(survey, combo)
        for spec in survey.charts:
            for frame in ("page", "export"):
                fresh.chart(survey, spec, combo, False, frame)
    for cache, ceiling in ((fresh._figures, 400_000), (fresh._views, 600_000)):
        assert 0 < cache.nbytes <= ceiling


@pytest.mark.parametrize("output, changed", [("quote-list.children", "quote-stance.value"),
                                             ("context-list.children", "context-wanted.data")])  # fmt: skip
def test_the_quotations_and_context_answers_are_cached(app, output, changed):
    """The quotations and context cards the server draws depend on the request alone: a repeat is a hit."""
    cache: CallbackCache = app.server.wsgi_app
    client = app.server.test_client()
    deps = factory.dependencies(client)
    body = factory.callback_body(
        deps, output, {changed: ["concern"] if "stance" in changed else {"asked": 1}},
        {"theme-filter.value": ["funding"], "survey.data": "isos-2026"},
    )  # fmt: skip
    first = client.post("/_dash-update-component", json=body)
    hits = cache.hits
    second = client.post("/_dash-update-component", json=body)
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert cache.hits == hits + 1
