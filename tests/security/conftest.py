"""Requests to the app's callbacks, for the security tests (the app itself comes from tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def callback_request(deps):
    """A function giving the JSON body of a request to the callback whose output mentions ``key``."""

    def make(key: str, *values, state=()):
        dep = next(d for d in deps if key in d["output"])
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
