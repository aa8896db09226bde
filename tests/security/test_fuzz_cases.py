"""The callback endpoint's former 500s (deep JSON, malformed "outputs", lone surrogates) are 4xx, logged in
one line at most, never with a traceback; bodies with keys Dash does not send are refused (no cache entry)."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.security import MAX_DEPTH

PANEL = "quote-list.children"  # the quotations' callback: the stance and search its inputs, the themes its state
CONTEXT = "context-list.children"  # the context cards' callback (where the browser cannot filter them)
SEARCH = 1  # the search's position among the quotations' callback's inputs
CALLBACK = "/_dash-update-component"


def _deep_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def _raw(body: dict, replace: tuple[str, str] | None = None) -> bytes:
    text = json.dumps(body)
    if replace:
        text = text.replace(*replace, 1)
    return text.encode()


@pytest.fixture(scope="module")
def bodies(callback_request):
    panel = callback_request(PANEL, [], "", None, state=[[], 0, "isos-2026"])
    context = callback_request(CONTEXT, {"asked": 1}, state=[[], 0, "isos-2026"])
    return panel, context


def _each(outputs: list, **change) -> list:
    """``outputs`` with ``change`` made to every output, in a wildcard's list too."""
    return [dict(o, **change) if isinstance(o, dict) else [dict(x, **change) for x in o] for o in outputs]


def _cases(panel: dict, context: dict) -> dict[str, bytes]:
    """The 14 requests that answered 500 before (issue 9), each as raw bytes."""
    outputs = panel["outputs"]
    marker = '"value": "MARK"'
    with_marker = json.loads(json.dumps(panel))
    with_marker["inputs"][0]["value"] = "MARK"
    state_marker = json.loads(json.dumps(panel))
    state_marker["state"][0]["value"] = "MARK"
    quote_marker = json.loads(json.dumps(panel))
    quote_marker["inputs"][SEARCH]["value"] = "MARK"
    return {
        "body: a list nested 1000 deep": _deep_list(1000).encode(),
        "body: an object nested 1000 deep": _deep_object(1000).encode(),
        "body: nested 5000 deep": _deep_list(5000).encode(),
        "input value nested 1000 deep": _raw(with_marker, (marker, '"value": ' + _deep_list(1000))),
        "state value nested 990 deep": _raw(state_marker, (marker, '"value": ' + _deep_object(990))),
        "outputs empty": _raw({**panel, "outputs": []}),
        "outputs short": _raw({**panel, "outputs": outputs[:-1]}),
        "outputs a dict": _raw({**panel, "outputs": outputs[0]}),
        "outputs with wrong ids": _raw({**panel, "outputs": _each(outputs, id="no-such-id")}),
        "outputs with wrong properties": _raw({**panel, "outputs": _each(outputs, property="nope")}),
        "outputs integers": _raw({**panel, "outputs": list(range(len(outputs)))}),
        "outputs empty (context callback)": _raw({**context, "outputs": []}),
        "lone surrogate in the quotation search": _raw(quote_marker, ('"MARK"', '"\\ud800"')),
        "lone surrogate in a theme": _raw(state_marker, ('"MARK"', '["funding", "\\udfff"]')),
    }


def test_the_fourteen_former_500s_are_4xx(client, bodies, caplog):
    """Each of the 14 cases is answered 400 with a reason, and nothing is logged above INFO."""
    cases = _cases(*bodies)
    assert len(cases) == 14
    with caplog.at_level(logging.INFO):
        for name, raw in cases.items():
            response = client.post(CALLBACK, data=raw, content_type="application/json")
            assert response.status_code == 400, (name, response.status_code, response.data[:200])
            assert response.get_json()["reason"], name
            assert b"Traceback" not in response.data
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not any(r.exc_info for r in caplog.records)


def test_the_valid_versions_of_those_requests_are_200(client, bodies):
    """The same requests without the fault are answered 200 (the 400s are about the fault)."""
    panel, context = bodies
    for body in (panel, context):
        assert client.post(CALLBACK, json=body).status_code == 200
    quotes = json.loads(json.dumps(panel))
    quotes["inputs"][SEARCH]["value"] = "funding \U0001f600 “quoted” ÿ"  # a real pair, not a lone surrogate
    assert client.post(CALLBACK, json=quotes).status_code == 200
    nested = json.loads(json.dumps(panel))
    nested["inputs"][0]["value"] = json.loads(_deep_list(MAX_DEPTH - 5))
    assert client.post(CALLBACK, json=nested).status_code == 200


@pytest.mark.parametrize(
    "extra",
    [{"junk": 1}, {"cacheBuster": "x" * 100}, {"callback_context": {}}, {"outputs_list": []}],
    ids=["junk", "cache-buster", "callback_context", "outputs_list"],
)
def test_unknown_top_level_keys_are_refused_and_not_cached(app, client, bodies, extra):
    panel, _ = bodies
    cache = app.server.wsgi_app
    size = len(cache._entries)
    response = client.post(CALLBACK, json={**panel, **extra})
    assert response.status_code == 400 and "unexpected keys" in response.get_json()["reason"]
    assert len(cache._entries) == size


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b["inputs"][0].update(extra=1),
        lambda b: b["inputs"][0].pop("property"),
        lambda b: b.update(changedPropIds=["nope.value"]),
        lambda b: b.update(changedPropIds=["quote-stance.value", "quote-stance.value"]),
        lambda b: b.update(changedPropIds="quote-stance.value"),
        lambda b: b.update(parsedChangedPropsIds=["something-else"]),
        lambda b: b.update(state=[]),
        lambda b: b.pop("state"),
        lambda b: b["outputs"][0].update(value=1),
    ],
    ids=[
        "item key",
        "item without property",
        "unknown changed prop",
        "changed twice",
        "changed not a list",
        "parsed changed mismatch",
        "state short",
        "state missing",
        "output with a value",
    ],
)
def test_other_shapes_dash_never_sends_are_refused(client, bodies, mutate):
    body = json.loads(json.dumps(bodies[0]))
    mutate(body)
    assert client.post(CALLBACK, json=body).status_code == 400


# Hypothesis: the same faults in every form. -------------------------------------------------------------------

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=6) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=15,
)
# One surrogate code point, high or low, alone: st.text() around it never holds surrogates, so it has no pair.
surrogates = st.integers(0xD800, 0xDFFF).map(chr)


@SETTINGS
@given(outputs=json_values)
def test_any_outputs_but_the_right_ones_are_4xx(client, bodies, outputs):
    panel = bodies[0]
    status = client.post(CALLBACK, json={**panel, "outputs": outputs}).status_code
    assert status == (200 if outputs == panel["outputs"] else 400)


@SETTINGS
@given(
    data=st.data(),
    position=st.sampled_from(["outputs", "inputs", "state", "changedPropIds", "output"]),
)
def test_any_value_in_place_of_a_structural_key_never_5xx(client, bodies, data, position):
    body = {**bodies[0], position: data.draw(json_values)}
    assert client.post(CALLBACK, json=body).status_code < 500


@SETTINGS
@given(depth=st.integers(MAX_DEPTH + 1, 3000), kind=st.sampled_from(["list", "object"]), where=st.sampled_from([0, 1]))
def test_deep_nesting_anywhere_is_400(client, bodies, depth, kind, where):
    deep = _deep_list(depth) if kind == "list" else _deep_object(depth)
    if where == 0:
        raw = deep.encode()
    else:
        body = json.loads(json.dumps(bodies[0]))
        body["inputs"][0]["value"] = "MARK"
        raw = _raw(body, ('"MARK"', deep))
    assert client.post(CALLBACK, data=raw, content_type="application/json").status_code == 400


@SETTINGS
@given(prefix=st.text(max_size=20), bad=surrogates, suffix=st.text(max_size=20))
def test_lone_surrogates_in_search_text_are_400(client, bodies, prefix, bad, suffix):
    body = json.loads(json.dumps(bodies[0]))
    body["inputs"][SEARCH]["value"] = "MARK"
    escaped = json.dumps(prefix + bad + suffix)  # ensure_ascii: the surrogate as a \\udXXX escape
    raw = _raw(body, ('"MARK"', escaped))
    assert client.post(CALLBACK, data=raw, content_type="application/json").status_code == 400


def test_an_unexpected_error_is_logged_in_one_line(data_dir, caplog):
    """A bug in a route gives a 500 with nothing of the server in it, and one log line without a traceback."""
    from dashboard.app import create_app

    app = create_app(data_dir)

    @app.server.route("/boom")
    def _boom():
        raise RuntimeError("kaboom\nsecond line")

    with caplog.at_level(logging.INFO):
        response = app.server.test_client().get("/boom")
    assert response.status_code == 500 and response.get_json() == {"error": "internal error"}
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
    line = errors[0].getMessage()
    assert "\n" not in line and "RuntimeError: kaboom" in line and "test_fuzz_cases.py:" in line


# Issue 17: a pattern-matching id whose wildcard value is not a string (the chart cards' "slug"). -----------------


def _with_card_slugs(panel: dict, slug: object, where: int) -> dict:
    """``panel`` with its ``where``-th output's id made a chart card's pattern-matching id with ``slug``."""
    body = json.loads(json.dumps(panel))
    body["outputs"][where % len(body["outputs"])]["id"] = {"type": "chart-card", "slug": slug}
    return body


@pytest.mark.parametrize("slug", [7, 0, -1, 1.5, True, False, None], ids=repr)
def test_a_card_id_with_a_non_string_slug_is_400(client, bodies, slug):
    """The body that answered 500 (issue 17, item 6): a number or boolean slug in a chart card's output id."""
    response = client.post(CALLBACK, json=_with_card_slugs(bodies[0], slug, 0))
    assert response.status_code == 400, response.data[:200]


@SETTINGS
@given(slug=json_values.filter(lambda v: not isinstance(v, str)), where=st.integers(0, 40))
def test_any_non_string_wildcard_id_is_4xx(client, bodies, slug, where):
    """Hostile-body fuzz over non-string wildcard values in any card or card-link id: 0 5xx, all refused."""
    assert client.post(CALLBACK, json=_with_card_slugs(bodies[0], slug, where)).status_code == 400
