"""Requests to the app's callbacks, for the security tests (the app itself comes from tests/conftest.py)."""

from __future__ import annotations

import factory
import pytest


@pytest.fixture(scope="session")
def callback_request(deps, survey):
    """A function giving the JSON body of a request to the callback whose output mentions ``key``: input
    values in order, then state values in order (factory.callback_body), the chart cards expanded as the
    default survey's page has them."""
    cards = [c.slug for c in survey.charts if c.kind != "ranked"]

    def make(key: str, *values, state=()):
        [dep] = [d for d in deps if key in d["output"]]
        inputs = {f"{i['id']}.{i['property']}": v for i, v in zip(dep["inputs"], values)}
        states = {f"{s['id']}.{s['property']}": v for s, v in zip(dep["state"], state)}
        return factory.callback_body(deps, key, inputs, states, expand={"chart-card": cards, "chart-link": cards})

    return make
