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
