"""Shared fixtures for the dashboard tests: the real sources built once, its Store, Views, app and test client."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl.schema import Col


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """The real sources built into a temporary data folder (never the working copy's data/)."""
    from etl.build import build

    data = tmp_path_factory.mktemp("dash") / "data"
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
def specs(store) -> dict:
    """The chart specs by key."""
    from dashboard.figures import chart_specs

    return {s.key: s for s in chart_specs(store.results)}


@pytest.fixture(scope="session")
def by_id(store) -> pd.DataFrame:
    """The results indexed by record id."""
    return store.results.set_index(Col.ID, drop=False)


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


@pytest.fixture
def data_copy(data_dir, tmp_path) -> Path:
    """A private copy of the built data folder (current symlink kept relative), safe to damage."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy, symlinks=True)
    return copy


@pytest.fixture(scope="session")
def deps(app) -> list[dict]:
    """The app's callbacks as the browser sees them (GET /_dash-dependencies)."""
    response = app.server.test_client().get("/_dash-dependencies")
    assert response.status_code == 200
    return response.get_json()


def _outputs(output: str) -> list[str]:
    """The "id.property" outputs of a Dash output string ("..a.b...c.d.." or "a.b")."""
    return output.strip(".").split("...") if output.startswith("..") else [output]


@pytest.fixture(scope="session")
def callback_of(deps):
    """The dependency (output string, outputs, inputs, state) of the callback that writes ``id.property``."""

    def find(target: str) -> dict:
        [dep] = [d for d in deps if target in _outputs(d["output"])]
        return {
            "output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": dep["inputs"], "state": dep["state"],
            "clientside_function": dep.get("clientside_function"),
        }

    return find
