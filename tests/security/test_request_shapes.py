"""The callback request checks are generic over app.callback_map: they accept exactly the shapes Dash 4's
renderer sends, for a throwaway app with pattern-matching callbacks as for the dashboard, and refuse others."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.security import BadRequest, check_callback_body

CALLBACK = "/_dash-update-component"


def item(index: int, kind: str = "item") -> dict:
    return {"index": index, "type": kind}


def changed(ident: dict | str, prop: str) -> str:
    if isinstance(ident, str):
        return f"{ident}.{prop}"
    return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(ident[k])}" for k in sorted(ident)) + "}." + prop


@pytest.fixture(scope="module")
def outputs_of(pattern_app) -> dict[str, str]:
    """The output string of each pattern-app callback, by a short name."""
    deps = json.loads(pattern_app.server.test_client().get("/_dash-dependencies").data)
    found = {}
    for dep in deps:
        out = dep["output"]
        if out == "total.children":
            found["total"] = out
        elif "MATCH" in out:
            found["per_item"] = out
        elif out.startswith(".."):
            found["titles"] = out
        elif out.startswith("single.children@"):
            found["typed"] = out
        elif not dep["inputs"] or dep["inputs"][0]["property"] == "n_submit":
            found["submitted"] = out
    assert len(found) == 5, deps
    return found


@pytest.fixture(scope="module")
def renderer_bodies(outputs_of) -> dict[str, dict]:
    """Bodies as dash-renderer 4 builds them (see handleServerside / fillVals in dash_renderer.dev.js)."""
    return {
        "total": {
            "output": outputs_of["total"],
            "outputs": {"id": "total", "property": "children"},
            "inputs": [[{"id": item(i), "property": "n_clicks", "value": i} for i in range(3)]],
            "changedPropIds": [changed(item(1), "n_clicks")],
            "parsedChangedPropsIds": [item(1)],
            "state": [{"id": "text", "property": "value", "value": "hello"}],
        },
        "per_item": {
            "output": outputs_of["per_item"],
            "outputs": {"id": item(2, "out"), "property": "children"},
            "inputs": [{"id": item(2), "property": "n_clicks", "value": 5}],
            "changedPropIds": [changed(item(2), "n_clicks")],
            "parsedChangedPropsIds": [item(2)],
            "state": [[{"id": item(i), "property": "n_clicks", "value": 1} for i in range(2)]],
        },
        "titles": {
            "output": outputs_of["titles"],
            "outputs": [
                [{"id": item(i, "out"), "property": "title"} for i in range(3)],
                {"id": "single", "property": "children"},
            ],
            "inputs": [{"id": "add", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["add.n_clicks"],
            "parsedChangedPropsIds": ["add.n_clicks"],
        },
        "typed": {
            "output": outputs_of["typed"],
            "outputs": {"id": "single", "property": outputs_of["typed"].split(".", 1)[1]},
            "inputs": [{"id": "text", "property": "value", "value": "hi"}],
            "changedPropIds": ["text.value"],
            "parsedChangedPropsIds": ["text.value"],
        },
        "submitted": {
            "output": outputs_of["submitted"],
            "inputs": [{"id": "text", "property": "n_submit", "value": 1}],
            "changedPropIds": ["text.n_submit"],
            "parsedChangedPropsIds": ["text.n_submit"],
        },
    }


@pytest.mark.parametrize("name", ["total", "per_item", "titles", "typed", "submitted"])
def test_what_the_renderer_sends_is_accepted_and_answered(pattern_app, renderer_bodies, name):
    response = pattern_app.server.test_client().post(CALLBACK, json=renderer_bodies[name])
    assert response.status_code in (200, 204), (name, response.data[:300])


def test_pattern_matching_answers_are_right(pattern_app, renderer_bodies):
    client = pattern_app.server.test_client()
    total = client.post(CALLBACK, json=renderer_bodies["total"]).get_json()
    assert total["response"]["total"]["children"] == "hello: 3 clicks"
    per_item = client.post(CALLBACK, json=renderer_bodies["per_item"]).get_json()
    assert per_item["response"]['{"index":2,"type":"out"}']["children"] == "5 here, 2 before"
    titles = client.post(CALLBACK, json=renderer_bodies["titles"]).get_json()
    assert titles["response"]["single"]["children"] == "added 1"


def test_an_empty_wildcard_list_is_accepted(pattern_app, renderer_bodies):
    """ALL over no components on the page sends an empty list, and no changed prop."""
    body = copy.deepcopy(renderer_bodies["total"])
    body["inputs"] = [[]]
    body["changedPropIds"] = body["parsedChangedPropsIds"] = []
    assert pattern_app.server.test_client().post(CALLBACK, json=body).status_code == 200


MUTATIONS = {
    "ALL entry not a list": ("total", lambda b: b["inputs"].__setitem__(0, b["inputs"][0][0])),
    "wildcard id with another key": ("total", lambda b: b["inputs"][0][0]["id"].update(extra=1)),
    "wildcard id of another type": ("total", lambda b: b["inputs"][0][0]["id"].update(type="other")),
    "wildcard value a dict": ("total", lambda b: b["inputs"][0][0]["id"].update(index={"a": 1})),
    "wildcard value null": ("total", lambda b: b["inputs"][0][0]["id"].update(index=None)),
    "item with an unknown key": ("total", lambda b: b["inputs"][0][1].update(junk=True)),
    "changed prop not in the inputs": ("total", lambda b: b.update(changedPropIds=[changed(item(7), "n_clicks")])),
    "parsed changed prop differs": ("total", lambda b: b.update(parsedChangedPropsIds=[item(2)])),
    "MATCH given a list": ("per_item", lambda b: b.update(inputs=[[b["inputs"][0]]])),
    "ALLSMALLER given one item": ("per_item", lambda b: b.update(state=[b["state"][0][0]])),
    "MATCH output a list": ("per_item", lambda b: b.update(outputs=[b["outputs"]])),
    "wrong property": ("per_item", lambda b: b["inputs"][0].update(property="value")),
    "multi outputs short": ("titles", lambda b: b.update(outputs=b["outputs"][:1])),
    "wildcard output not a list": ("titles", lambda b: b["outputs"].__setitem__(0, b["outputs"][0][0])),
    "output with a value": ("titles", lambda b: b["outputs"][1].update(value=1)),
    "duplicate output without its suffix": ("typed", lambda b: b["outputs"].update(property="children")),
    "state on a callback without state": ("typed", lambda b: b.update(state=[{"id": "text", "property": "value"}])),
    "outputs on a callback without output": ("submitted", lambda b: b.update(outputs=[{"id": "x", "property": "y"}])),
    "unknown top-level key": ("submitted", lambda b: b.update(extra=[])),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_shapes_the_renderer_never_sends_are_400(pattern_app, renderer_bodies, name):
    which, mutate = MUTATIONS[name]
    body = copy.deepcopy(renderer_bodies[which])
    mutate(body)
    response = pattern_app.server.test_client().post(CALLBACK, json=body)
    assert response.status_code == 400, (name, response.status_code, response.data[:300])


def test_the_checks_name_no_callback(pattern_app, app):
    """Nothing in dashboard.security is specific to the dashboard's callbacks: it reads app.callback_map."""
    import inspect

    import dashboard.security as security

    source = inspect.getsource(security)
    for specific in ("theme-filter", "chart-", "quote-", "panel-state", "ids."):
        assert specific not in source


SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
id_values = st.integers(-5, 5)  # the layout's item ids hold integers in "index"
other_id_values = st.text(max_size=5) | st.booleans() | st.floats(allow_nan=False) | st.none()


@SETTINGS
@given(indices=st.lists(id_values, max_size=6, unique=True), values=st.data())
def test_any_wildcard_ids_the_page_could_hold_are_accepted(pattern_app, renderer_bodies, indices, values):
    """ALL over any set of concrete ids whose wildcard values have the layout's type (integers) is accepted."""
    body = copy.deepcopy(renderer_bodies["total"])
    body["inputs"] = [
        [{"id": item(i), "property": "n_clicks", "value": values.draw(st.integers(0, 9))} for i in indices]
    ]
    body["changedPropIds"] = [changed(item(indices[0]), "n_clicks")] if indices else []
    body["parsedChangedPropsIds"] = [item(indices[0])] if indices else []
    check_callback_body(pattern_app, body)  # raises BadRequest if refused


@SETTINGS
@given(
    which=st.sampled_from(["total", "per_item", "titles"]),
    where=st.sampled_from(["outputs", "inputs", "state"]),
    value=other_id_values,
)
def test_wildcard_values_of_another_type_are_400(pattern_app, renderer_bodies, which, where, value):
    """A pattern-matching id whose wildcard value is not of the type the layout's ids hold (a string, boolean,
    float or null "index") is a 400 wherever it stands: output, input or state."""
    body = copy.deepcopy(renderer_bodies[which])
    ids = [node["id"] for node in _items(body.get(where)) if isinstance(node["id"], dict)]
    if not ids:
        return
    for ident in ids:
        ident["index"] = value
    assert pattern_app.server.test_client().post(CALLBACK, json=body).status_code == 400


def _items(node) -> list[dict]:
    """Every dependency item ({"id", "property", ...}) in an outputs, inputs or state entry."""
    if isinstance(node, list):
        return [i for n in node for i in _items(n)]
    return [node] if isinstance(node, dict) else []


@SETTINGS
@given(
    which=st.sampled_from(["total", "per_item", "titles", "typed", "submitted"]),
    path=st.lists(st.sampled_from(["outputs", "inputs", "state", 0, 1, "id", "property", "index"]), max_size=4),
    junk=st.none() | st.integers() | st.text(max_size=5) | st.lists(st.integers(), max_size=2) | st.just({}),
)
def test_a_junk_value_anywhere_is_refused_or_harmless(pattern_app, renderer_bodies, which, path, junk):
    """Replacing any part of a valid body with junk gives a 400 (or, if the junk happens to be valid, a 2xx);
    never a 5xx."""
    body = copy.deepcopy(renderer_bodies[which])

    def fits(node, step) -> bool:  # a key of a dict, or an index in a list
        return (isinstance(node, dict) and isinstance(step, str) and step in node) or (
            isinstance(node, list) and isinstance(step, int) and step < len(node)
        )

    node = body
    for step in path[:-1]:
        if not fits(node, step):
            break
        node = node[step]
    if path and fits(node, path[-1]):
        node[path[-1]] = junk
    try:
        check_callback_body(pattern_app, body)
    except BadRequest:
        pass
    assert pattern_app.server.test_client().post(CALLBACK, json=body).status_code < 500


def test_an_all_output_list_that_does_not_fit_its_inputs_is_a_400(pattern_app, renderer_bodies):
    """Found by the fuzz test above: an ALL output group listed empty while its inputs match three components
    made Dash refuse the callback's answer, a 500; the request is at fault."""
    body = copy.deepcopy(renderer_bodies["titles"])
    body["outputs"][0] = []
    response = pattern_app.server.test_client().post(CALLBACK, json=body)
    assert response.status_code == 400
    assert "do not fit" in response.get_json()["message"]


def test_the_validation_layout_declares_the_ids_the_pages_render(app, deps, store):
    """Every pattern-matching id a survey's page holds has wildcard values of the types the guard reads from
    the app's validation layout (so the guard never refuses what the page sends)."""
    from dashboard import wire
    from dashboard.security import declared

    key_types = declared(app).key_types
    client = app.server.test_client()
    seen = 0  # components with an id: the pages were rendered (the landing page has no pattern-matching id today)
    for survey in store.surveys:
        body = wire.callback_body(deps, "page.children", {"survey.data": survey}, {"url.search": ""})
        page = client.post(CALLBACK, json=body).get_json()["response"]["page"]["children"]
        for ident, _, _ in wire.components(page):
            if isinstance(ident, dict):
                keys = [(p, k) for p, k in key_types if dict(p).keys() == ident.keys() and k in ident]
                matching = [(p, k) for p, k in keys if all(v is None or repr(ident[x]) == v for x, v in p)]
                assert matching and all(type(ident[k]) in key_types[(p, k)] for p, k in matching), ident
            seen += ident is not None
    assert seen > 20
