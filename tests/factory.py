"""The one factory of the tests: built data, the app on it, its test client, and callback request bodies.

Each variant a test needs is one call: ``build_data(tmp, surveys="both")``, ``make_app(data)``. The session
fixtures in ``tests/conftest.py`` are built from these.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from etl.build import RECORDS_DIR, build
from tests.fixtures import FIXTURE_SOURCES, fixture_documents, real_documents

ROOT = Path(__file__).resolve().parents[1]

# What the tests expect of the real data, written once: the survey's chart slugs in catalogue order
# (etl/sources/isos-2026/charts.yaml), the first being its ranked overview, and the theme ids in page order
# (etl/sources/themes.yaml).
SLUGS = [
    "support-for-every-proposal",
    "what-the-reforms-will-lead-to",
    "national-standards",
    "statutory-plans",
    "mainstream-inclusion",
    "specialist-provision",
    "confidence-in-capacity",
    "timescales",
    "confidence-in-funding",
    "then-and-now",
]
CARDS = SLUGS[1:]  # the landing page draws the overview and links to the others
THEMES = [
    "inclusion",
    "tribunals",
    "funding",
    "standards",
    "early-intervention",
    "specialist",
    "partnerships",
    "workforce",
    "timescales",
    "outcomes",
    "baseline",
]


def build_data(folder: Path, surveys: str = "real") -> Path:
    """Build the real sources (``surveys="real"``) or the real and the fictional fixture survey together
    (``"both"``) into ``folder``, checking provenance against the documents wherever they are found (and
    failing, with REQUIRE_PROVENANCE=1, where they are not)."""
    if surveys == "both":
        build(folder, [RECORDS_DIR, FIXTURE_SOURCES], fixture_documents())
    else:
        build(folder, [RECORDS_DIR], real_documents())
    return folder


def make_app(data_dir: Path, frame_ancestors: str | None = None):
    """The app on ``data_dir``, its CSP fixed by a first request (with FRAME_ANCESTORS as given, else unset)."""
    import pytest

    from dashboard.app import create_app

    app = create_app(data_dir)
    with pytest.MonkeyPatch.context() as mp:
        if frame_ancestors is None:
            mp.delenv("FRAME_ANCESTORS", raising=False)
        else:
            mp.setenv("FRAME_ANCESTORS", frame_ancestors)
        app.server.test_client().get("/")
    return app


def dependencies(client) -> list[dict]:
    """The app's callbacks as the browser sees them (GET /_dash-dependencies)."""
    response = client.get("/_dash-dependencies")
    assert response.status_code == 200
    return json.loads(response.data)


def _parts(output: str) -> list[str]:
    return output.strip(".").split("...") if output.startswith("..") else [output]


def _split(part: str) -> tuple[Any, str]:
    """'id.prop' or '{"slug":["ALL"],"type":"chart-card"}.style' -> (id, prop)."""
    ident, prop = part.rsplit(".", 1)
    return (json.loads(ident) if ident.startswith("{") else ident), prop


def callback_body(
    deps: list[dict],
    output: str,
    inputs: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
    changed: list[str] | None = None,
    expand: dict[str, list[str]] | None = None,
) -> dict:
    """The JSON body the browser posts for the callback whose output mentions ``output``.

    ``inputs`` and ``state`` map "id.prop" to a value (unnamed ones are sent without a value, as on first
    load); ``expand`` maps a pattern-matching type to the slugs its ALL wildcard stands for on the page.
    """
    inputs, state, expand = inputs or {}, state or {}, expand or {}
    [dep] = [d for d in deps if output in d["output"]]
    outputs = []
    for part in _parts(dep["output"]):
        ident, prop = _split(part)
        if isinstance(ident, dict):
            outputs.append(
                [{"id": {"type": ident["type"], "slug": s}, "property": prop} for s in expand.get(ident["type"], [])]
            )
        else:
            outputs.append({"id": ident, "property": prop})

    def values(items: list[dict], given: dict) -> list[dict]:
        out = []
        for item in items:
            key = f"{item['id']}.{item['property']}"
            out.append({**item, "value": given[key]} if key in given else dict(item))
        return out

    first = dep["inputs"][0]
    return {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": values(dep["inputs"], inputs),
        "changedPropIds": changed if changed is not None else [f"{first['id']}.{first['property']}"],
        "state": values(dep["state"], state),
    }


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}."""
    parts = [p.split() for p in response.headers["Content-Security-Policy"].split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}
