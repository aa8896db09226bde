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
