"""Fixtures shared by every test folder: the real sources built once, and the app on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """The real sources built into a temporary data folder (never the working copy's data/)."""
    from etl.build import build

    data = tmp_path_factory.mktemp("built") / "data"
    build(data)
    return data


@pytest.fixture(scope="session")
def store(data_dir):
    """The Store the dashboard loads from that folder."""
    from dashboard.data import load_store

    return load_store(data_dir)


@pytest.fixture(scope="session")
def views(store):
    """One Views cache for the whole session (each selection is built once)."""
    from dashboard.views import Views

    return Views(store)


@pytest.fixture(scope="session")
def app(data_dir):
    """The app on the built data; its CSP is fixed by a first request made without FRAME_ANCESTORS."""
    from dashboard.app import create_app

    app = create_app(data_dir)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("FRAME_ANCESTORS", raising=False)
        app.server.test_client().get("/")
    return app


@pytest.fixture
def client(app):
    """A Flask test client of the session app."""
    return app.server.test_client()


@pytest.fixture(scope="session")
def deps(app) -> list[dict]:
    """The app's callbacks as the browser sees them (GET /_dash-dependencies)."""
    response = app.server.test_client().get("/_dash-dependencies")
    assert response.status_code == 200
    return json.loads(response.data)


@pytest.fixture(scope="session")
def pattern_app():
    """A throwaway Dash app with pattern-matching callbacks (ALL, MATCH, ALLSMALLER, a wildcard output in a
    multi-output callback, allow_duplicate, no output), guarded by the dashboard's request checks: the
    checks must accept exactly what Dash's renderer sends for any callback, not only the dashboard's."""
    from dash import ALL, ALLSMALLER, MATCH, Dash, Input, Output, State, dcc, html

    from dashboard.security import install_request_guards

    app = Dash(__name__, serve_locally=True)
    items = [html.Button(f"item {i}", id={"type": "item", "index": i}, n_clicks=0) for i in range(3)]
    outs = [html.Div(id={"type": "out", "index": i}, className="out") for i in range(3)]
    app.layout = html.Div(
        [
            html.Button("add", id="add", n_clicks=0),
            dcc.Input(id="text", value="hello", type="text"),
            html.Div(items, id="items"),
            html.Div(outs, id="outs"),
            html.Div(id="total"),
            html.Div(id="single"),
            html.Div(id="echo"),
        ]
    )

    @app.callback(
        Output("total", "children"), Input({"type": "item", "index": ALL}, "n_clicks"), State("text", "value")
    )
    def total(clicks, text):
        return f"{text}: {sum(c or 0 for c in clicks)} clicks"

    @app.callback(
        Output({"type": "out", "index": MATCH}, "children"),
        Input({"type": "item", "index": MATCH}, "n_clicks"),
        State({"type": "item", "index": ALLSMALLER}, "n_clicks"),
    )
    def per_item(n, smaller):
        return f"{n or 0} here, {sum(s or 0 for s in smaller)} before"

    @app.callback(
        Output({"type": "out", "index": ALL}, "title"),
        Output("single", "children"),
        Input("add", "n_clicks"),
        prevent_initial_call=True,
    )
    def titles(n):
        return [f"title {n}"] * 3, f"added {n}"

    @app.callback(Output("single", "children", allow_duplicate=True), Input("text", "value"), prevent_initial_call=True)
    def typed(text):
        return f"typed {text}"

    @app.callback(Input("text", "n_submit"), prevent_initial_call=True)
    def submitted(n):
        return None

    install_request_guards(app)
    return app
