"""A built dataset and app shared by the security tests."""

from __future__ import annotations

import json

import pytest

from dashboard.app import create_app
from dashboard.data import load_store
from dashboard.views import Views
from etl.build import build


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("security") / "data"
    build(path)
    return path


@pytest.fixture(scope="session")
def store(data_dir):
    return load_store(data_dir)


@pytest.fixture(scope="session")
def views(store):
    return Views(store)


@pytest.fixture(scope="session")
def app(data_dir):
    return create_app(data_dir)


@pytest.fixture()
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="session")
def dependencies(app):
    """The app's callbacks as Dash's renderer sees them: output string, inputs and state."""
    return json.loads(app.server.test_client().get("/_dash-dependencies").data)


@pytest.fixture(scope="session")
def callback_request(dependencies):
    """A function giving the JSON body of a request to the callback whose output mentions ``key``."""

    def make(key: str, *values, state=()):
        dep = next(d for d in dependencies if key in d["output"])
        outputs = [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in dep["output"].strip(".").split("...")
        ]
        return {
            "output": dep["output"],
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": [dict(i, value=v) for i, v in zip(dep["inputs"], values)],
            "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"],
            "state": [dict(s, value=v) for s, v in zip(dep["state"], state)] or [dict(s) for s in dep["state"]],
        }

    return make
