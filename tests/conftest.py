"""Session fixtures shared by every test folder, each one line over tests/factory.py."""

from __future__ import annotations

from pathlib import Path

import factory
import pytest


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """The real sources built into a temporary data folder (never the working copy's data/)."""
    return factory.build_data(tmp_path_factory.mktemp("built") / "data")


@pytest.fixture(scope="session")
def both_dir(tmp_path_factory) -> Path:
    """The real sources and the fictional fixture survey (tests/fixtures) built together."""
    return factory.build_data(tmp_path_factory.mktemp("both") / "data", surveys="both")


@pytest.fixture(scope="session")
def fixture_only_dir(tmp_path_factory) -> Path:
    """The fictional fixture surveys alone (tests/fixtures), the schools survey the default."""
    return factory.build_fixture_only(tmp_path_factory.mktemp("fixture-only"))


@pytest.fixture(scope="session")
def static_site(fixture_only_dir, tmp_path_factory) -> Path:
    """The static site (``make site``) of the fixture surveys: about a minute, for its images."""
    out = tmp_path_factory.mktemp("static") / "site"
    factory.bake_site(fixture_only_dir, out)
    return out


@pytest.fixture(scope="session")
def store(data_dir):
    from dashboard.data import load_store

    return load_store(data_dir)


@pytest.fixture(scope="session")
def both_store(both_dir):
    from dashboard.data import load_store

    return load_store(both_dir)


@pytest.fixture(scope="session")
def views(store):
    from dashboard.views import Views

    return Views(store)


@pytest.fixture(scope="session")
def app(data_dir):
    return factory.make_app(data_dir)


@pytest.fixture(scope="session")
def both_app(both_dir):
    return factory.make_app(both_dir)


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="session")
def deps(app) -> list[dict]:
    return factory.dependencies(app.server.test_client())


@pytest.fixture(scope="session")
def survey(store):
    """The default survey of the real data."""
    return store.survey(store.default_survey)


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
