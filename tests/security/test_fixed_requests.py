"""The load test's fixed requests (``benchmarks.loadtest.fixed_requests``: every page, route and download,
valid callbacks, and the hostile ones: invalid values, malformed bodies, unknown paths), sent to the app in
process: each gets the answer it must (2xx for the valid, 4xx for the malformed, never a 5xx), in every
``make test`` and not only under load."""

from __future__ import annotations

import pytest

from benchmarks import common, loadtest


@pytest.fixture(scope="module")
def fixed(app) -> dict[str, list[loadtest.Req]]:
    client = app.server.test_client()

    def get(path: str):
        response = client.get(path)
        assert response.status_code == 200, path
        return response.get_json()

    def post(path: str, payload):
        response = client.post(path, json=payload)
        assert response.status_code == 200, path
        return response.get_json()

    ours = common.read_ours_app(get, post)
    html = client.get("/").get_data(as_text=True) + client.get(f"/chart/{ours.overview}").get_data(as_text=True)
    return loadtest.fixed_requests(ours, loadtest.static_paths(html))


KINDS = ["page", "layout", "dependencies", "static", "chart page", "embed", "csv", "tables zip", "callback valid"]
HOSTILE = ["callback invalid", "malformed"]


@pytest.mark.parametrize("kind", KINDS + HOSTILE)
def test_each_fixed_request_gets_the_answer_it_must(client, fixed, kind):
    reqs = fixed[kind]
    assert reqs, kind
    wrong = []
    for req in reqs:
        response = client.open(req.path, method=req.method, data=req.body, content_type=req.content_type)
        error = loadtest.classify(req, response.status_code, {k.lower(): v for k, v in response.headers.items()})
        if error:
            wrong.append(f"{req.label}: {error}")
    assert wrong == []


def test_the_hostile_requests_include_the_issue_17_paths(fixed):
    """Unknown paths and framing cases are among the malformed requests, each expected to be a 4xx."""
    paths = {r.path for r in fixed["malformed"] if r.expect == loadtest.CLIENT_ERROR}
    assert {"/no-such-page", "/embed/x/y", "/download/nope", "/embed/no-such-chart"} <= paths
    assert len(fixed["callback invalid"]) >= 40 and len(fixed["malformed"]) >= 20
