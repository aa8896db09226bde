"""Hostile and malformed input: never a 5xx, never markup, always an empty state or a notice."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import callbacks
from dashboard.data import clean_themes, filter_quotes
from dashboard.wire import output_names

# Anything JSON can carry, including the shapes a scanner tries: huge lists, long strings, markup.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
theme_like = st.lists(
    st.sampled_from(["tribunals", "funding", "inclusion", "<script>alert(1)</script>", "", "x" * 5000, "Funding"]),
    max_size=20,
)
hostile = json_values | theme_like | st.text(max_size=3000)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(value=hostile)
def test_clean_themes_never_raises(store, value):
    """Any callback value is reduced to known theme ids."""
    themes, _ = clean_themes(value, store.theme_ids)
    assert set(themes) <= set(store.theme_ids)


@SETTINGS
@given(selected=hostile, more=hostile, survey=hostile, table=hostile, wanted=hostile)
def test_context_and_table_callbacks_never_raise(store, views, deps, selected, more, survey, table, wanted):
    """The context cards and the table (filter.js asks for them again) answer any input with every output."""
    out = callbacks.update_context(store, selected, more, survey)
    [dep] = [d for d in deps if "context-list.children" in d["output"]]
    assert set(out) == set(callbacks.context_outputs())
    assert len(callbacks.context_outputs()) == len(output_names(dep["output"]))
    assert set(callbacks.update_table(store, views, table, selected, survey, wanted)) == set(callbacks.table_outputs())


@SETTINGS
@given(intervals=hostile, selected=hostile, wanted=hostile, survey=hostile)
def test_overview_callbacks_never_raise(store, views, intervals, selected, wanted, survey):
    """The overview's bars (intervals) and its key and footer (asked by filter.js) answer any input."""
    assert isinstance(callbacks.update_overview_chart(store, views, intervals, selected, survey), list)
    assert set(callbacks.overview_words(store, views, wanted, survey)) == {"key", "footer"}


@SETTINGS
@given(selected=hostile, stances=hostile, search=hostile, more=hostile, survey=hostile)
def test_quote_callback_never_raises(store, selected, stances, search, more, survey):
    """The quotations callback answers any input with a list, a count line and the button."""
    out = callbacks.update_quotes(store, selected, stances, search, more, survey)
    quotes, count = out["quotes"], out["count"]
    assert isinstance(quotes, list) and count.startswith("Showing ")


def test_markup_in_search_is_text_not_html(store):
    """Search text is matched literally and nothing from it is rendered."""
    quotes = filter_quotes(store.quotes, [], [], "<img src=x onerror=alert(1)>")
    assert quotes == []
    out = callbacks.update_quotes(store, [], [], "<img src=x onerror=alert(1)>", 0, None)
    rendered, count = out["quotes"], out["count"]
    assert "onerror" not in json.dumps([c.to_plotly_json() for c in rendered], default=str)
    assert count == f"Showing 0 of 0 quotations that match ({len(store.quotes)} in all)."


@SETTINGS
@given(selected=hostile, intervals=hostile, survey=hostile)
def test_panel_requests_never_5xx(client, callback_request, selected, intervals, survey):
    """Through the real endpoint, any values give a 200 (the page shows an empty state or a notice); a body
    that is not strict JSON (Python writes infinity as `Infinity`, which no browser sends) is a 400."""
    body = callback_request("overview-chart.children", selected, intervals, state=[survey])
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == (200 if _strict_json(body) else 400), response.data[:300]


def _strict_json(value) -> bool:
    import orjson

    try:
        orjson.loads(json.dumps(value))
    except orjson.JSONDecodeError:
        return False
    return True


@pytest.mark.parametrize(
    "name,kwargs,status",
    [
        ("invalid JSON", dict(data="{not json", content_type="application/json"), 400),
        ("empty body", dict(data="", content_type="application/json"), 400),
        ("a list, not an object", dict(json=[1, 2, 3]), 400),
        ("missing keys", dict(json={"output": "x"}), 400),
        (
            "unknown output",
            dict(json={"output": "nope.children", "outputs": {}, "inputs": [], "changedPropIds": [], "state": []}),
            400,
        ),
        ("a 1 MB body", dict(data="x" * (1024 * 1024), content_type="application/json"), 413),
        ("not JSON at all", dict(data=b"\x00\xff" * 100, content_type="application/octet-stream"), 400),
    ],
)
def test_malformed_callback_requests_get_4xx(client, name, kwargs, status):
    """Malformed requests to Dash's callback endpoint are answered 4xx with no traceback."""
    response = client.post("/_dash-update-component", **kwargs)
    assert response.status_code == status, name
    assert b"Traceback" not in response.data and b'File "' not in response.data


def test_clientside_callback_posted_to_the_server_gets_400(client, callback_request):
    """The URL sync runs in the browser; posting it to the server is a 400, not a 500."""
    body = callback_request("survey.data", "?theme=funding")
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 400 and b"not a server callback" in response.data


def test_callback_request_with_wrong_inputs_gets_400(client, callback_request):
    """Inputs that do not match the callback (count, ids) are a 400, not a 500."""
    body = callback_request("quote-list.children", [], "", None, state=[[], 0, None])
    body["inputs"] = body["inputs"][:1]
    assert client.post("/_dash-update-component", json=body).status_code == 400
    body = callback_request("quote-list.children", [], "", None, state=[[], 0, None])
    body["inputs"][0]["id"] = "something-else"
    assert client.post("/_dash-update-component", json=body).status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../app.py",
        "/assets/%2e%2e/app.py",
        "/assets/..%2fapp.py",
        "/assets/%2e%2e%2f%2e%2e%2fetl%2fschema.py",
        "/assets/vendor/..%2f..%2fsecurity.py",
        "/assets/..%5capp.py",
        "/_dash-component-suites/dash/../../etc/passwd",
        "/_dash-component-suites/dash/..%2f..%2f__init__.py",
        "/_dash-component-suites/dash/%2e%2e/%2e%2e/version.py",
        "/_dash-component-suites/dash_ag_grid/..%2f..%2fdash%2f__init__.py",
        "/_dash-component-suites/not-a-package/x.js",
        "/download/..%2f..%2fetc%2fpasswd",
    ],
)
def test_paths_cannot_leave_the_asset_folders(client, path):
    """Traversal attempts serve nothing from outside the asset folders and never a 5xx."""
    response = client.get(path)
    assert response.status_code in (400, 404) or b"<!DOCTYPE html>" in response.data[:50], (path, response.status_code)
    body = response.data
    for secret in (b"import ", b"root:", b"def ", b"SCHEMA_VERSION"):
        assert secret not in body, (path, secret)


@pytest.mark.parametrize(
    "path", ["/", "/_dash-layout", "/_dash-dependencies", "/assets/style.css", "/download/send-survey-tables.zip"]
)
def test_security_headers_on_every_response(client, path):
    """Every response carries the CSP and the other security headers."""
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]


def test_csp_covers_every_inline_script(client):
    """Each inline <script> of the page is allowed by a hash in the CSP (so none needs 'unsafe-inline')."""
    import base64
    import hashlib
    import re

    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    tags = re.findall(rb"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", response.data, re.S)
    # JSON data blocks (Dash's config) are not executed, so the CSP does not govern them.
    inline = [body for attrs, body in tags if b"application/json" not in attrs]
    assert inline, "the page has inline scripts (Dash's renderer)"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        assert f"'sha256-{digest}'" in csp
