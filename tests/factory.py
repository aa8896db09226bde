"""The one factory of the tests: built data, the app on it, its test client, and callback request bodies
(``callback_body``, from ``dashboard.wire``).

Each variant a test needs is one call: ``build_data(tmp, surveys="both")``, ``make_app(data)``. The session
fixtures in ``tests/conftest.py`` are built from these.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from dashboard.wire import callback_body  # noqa: F401  (the one builder of callback bodies, for the tests)
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


def sweep(values: list, ids: list[str] | None = None) -> list:
    """Parameters of a sweep (every chart, every width): the first runs in `make test`, the rest are marked slow,
    for `make test-slow` (CI runs both). A change that breaks the rule the sweep checks shows on the first case;
    the sweep finds what breaks only in some."""
    import pytest

    return [
        pytest.param(
            *(v if isinstance(v, tuple) else (v,)), marks=() if i == 0 else pytest.mark.slow, id=ids[i] if ids else None
        )
        for i, v in enumerate(values)
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


def build_fixture_only(folder: Path) -> Path:
    """The fictional fixture surveys alone (the schools survey made the default), with the shared theme and
    response-group lists, into ``folder/data``: a small build for tests that go through every page."""
    from tests.fixtures import FIXTURE_DOCUMENTS

    shared, sources = folder / "shared-sources", folder / "fixture-sources"
    shared.mkdir(parents=True)
    for name in ("themes.yaml", "response-groups.yaml"):
        shutil.copy(RECORDS_DIR / name, shared / name)
    shutil.copytree(FIXTURE_SOURCES, sources)
    charts = sources / "fictional-schools-2026" / "charts.yaml"
    charts.write_text(
        charts.read_text(encoding="utf-8").replace("default: false", "default: true", 1), encoding="utf-8"
    )
    build(folder / "data", [shared, sources], [FIXTURE_DOCUMENTS])
    return folder / "data"


def bake_site(data_dir: Path, out: Path, base_url: str = "") -> dict:
    """The static site (``dashboard.site``) of ``data_dir`` baked into ``out``: {files, bytes, seconds}."""
    from dashboard.site import bake

    return bake(out, data_dir, base_url, log=lambda line: None)


def copy_data(data_dir: Path, folder: Path) -> Path:
    """A copy of a built data folder (its builds, and ``current`` as the same relative link) for a test that
    damages, pins or rebuilds it: much faster than a build of its own."""
    shutil.copytree(data_dir, folder, symlinks=True, ignore=shutil.ignore_patterns("pins", "export-cache"))
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


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: sources}."""
    parts = [p.split() for p in response.headers["Content-Security-Policy"].split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def page_json(node: object) -> str:
    """A Dash component tree as JSON, the components of server-made HTML (``RawHtml.source``) included, so a
    test reads what the page shows whichever way a part is sent."""
    return json.dumps(
        node,
        default=lambda c: c.source if hasattr(c, "source") else c.to_plotly_json(),
        ensure_ascii=False,
    )
