"""dashboard.app through Flask's test client: the page, the tables download, health, maintenance mode, headers."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile

import factory
import pandas as pd
import pytest

from dashboard.app import create_app
from etl.schema import TABLES

# Rows per table, counted in etl/sources: 11 themes, 5 response groups, 6 source folders, 33 + 2 results,
# 50 quotations, 19 + 10 + 1 + 15 context figures; one catalogue of 10 charts and 5 contrasts.
ROWS = {
    "themes": 11,
    "groups": 5,
    "sources": 6,
    "results": 35,
    "quotes": 50,
    "context": 45,
    "catalogues": 1,
    "charts": 10,
    "contrasts": 5,
}


@pytest.fixture
def data_copy(data_dir, tmp_path):
    """A private copy of the built data folder (current symlink kept relative), safe to damage."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy, symlinks=True)
    return copy


# The page. ------------------------------------------------------------------------------------------------------


def test_index(client):
    """GET / is the page in British English."""
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="en-GB"' in response.get_data(as_text=True)


def test_layout_is_the_shell(client):
    """GET /_dash-layout is the shell: the address, the surveys and an empty page the survey's page fills."""
    response = client.get("/_dash-layout")
    assert response.status_code == 200
    layout = response.get_json()
    text = json.dumps(layout)
    assert '"id": "page"' in text and '"id": "url"' in text and "The data is not available" not in text
    assert '"default": "isos-2026"' in text


def test_no_ag_grid_on_the_page(client):
    """The page loads no AG Grid code: the table is plain HTML."""
    assert "dash_ag_grid" not in client.get("/").get_data(as_text=True)


# Downloads and health. ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables_zip(app) -> zipfile.ZipFile:
    """The zip of every table the page links to."""
    response = app.server.test_client().get("/download/send-survey-tables.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "send-survey-tables.zip" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_zip_names(tables_zip):
    """The zip holds every table as Parquet and CSV with its codebook, the Data Package, the rows the server reads
    (records.json) and the manifest."""
    expected = {f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv", "meta.csv")}
    assert set(tables_zip.namelist()) == expected | {"datapackage.json", "records.json", "manifest.json"}


@pytest.mark.parametrize("table", TABLES)
def test_zip_tables(tables_zip, table):
    """Each Parquet file is the build's own (its checksum is the manifest's); its CSV has the same rows."""
    manifest = json.loads(tables_zip.read("manifest.json"))
    assert hashlib.sha256(tables_zip.read(f"{table}.parquet")).hexdigest() == manifest["tables"][table]["sha256"]
    assert manifest["tables"][table]["rows"] == ROWS[table]
    assert len(pd.read_csv(io.BytesIO(tables_zip.read(f"{table}.csv")))) == ROWS[table]


def test_healthz(client, data_dir):
    """GET /healthz says ok and names the build being served."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "build": (data_dir / "current").resolve().name}


# A callback through the app. -----------------------------------------------------------------------------------


def test_page_quotations_and_intervals_over_http(client, deps):
    """The page callback renders the survey; the quotations' callback (the themes its state) and the overview's
    intervals answer tribunals, twice alike."""
    page = factory.callback_body(deps, "page.children", {"survey.data": "isos-2026"}, {"url.search": ""})
    response = client.post("/_dash-update-component", json=page)
    assert response.status_code == 200
    assert "How positive councils are about each proposal, ranked" in response.get_data(as_text=True)
    lists = factory.callback_body(
        deps,
        "quote-list.children",
        {"quote-stance.value": []},
        {"theme-filter.value": ["tribunals"], "survey.data": "isos-2026"},
    )
    bars = factory.callback_body(
        deps,
        "overview-chart.children",
        {"show-intervals.value": ["on"]},
        {"theme-filter.value": ["tribunals"], "survey.data": "isos-2026"},
    )
    for body in (lists, bars):
        first, second = (client.post("/_dash-update-component", json=body) for _ in range(2))
        assert first.status_code == second.status_code == 200, first.data[:300]
        assert first.data == second.data
    out = first.get_json()["response"]
    assert "A reformed role for the SEND Tribunal · Tribunals and disputes — " in json.dumps(
        out["overview-chart"], ensure_ascii=False
    )
    quotes = client.post("/_dash-update-component", json=lists).get_json()["response"]
    assert quotes["quote-count"]["children"] == "Showing 5 of 5 quotations that match (50 in all)."


# Maintenance mode. ----------------------------------------------------------------------------------------------


def _empty(data):
    shutil.rmtree(data)
    data.mkdir()


def _garbage(data):
    (data / "current" / "results.parquet").write_bytes(b"PAR1 this is not parquet PAR1")


def _truncated(data):
    path = data / "current" / "quotes.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _missing(data):
    (data / "current" / "context.parquet").unlink()


def _manifest(text):
    def damage(data):
        (data / "current" / "manifest.json").write_text(text)

    return damage


def _old_schema(data):
    path = data / "current" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["schema_version"] = "0.0.1"
    path.write_text(json.dumps(manifest))


def _no_sha(data):
    path = data / "current" / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["tables"]["results"]["sha256"]
    path.write_text(json.dumps(manifest))


def _dangling(data):
    shutil.rmtree(data / "builds")


BUG_MANIFEST = (
    "BUG etl/store.py read_manifest/read_table: a manifest that is valid JSON but not the expected shape "
    "raises {exc} instead of DataError, so create_app crashes instead of showing the maintenance page"
)

DAMAGE = [
    pytest.param(_empty, "does not exist", id="empty-dir"),
    pytest.param(_garbage, "results.parquet", id="garbage-parquet"),
    pytest.param(_truncated, "quotes.parquet", id="truncated-parquet"),
    pytest.param(_missing, "context.parquet", id="missing-table"),
    pytest.param(_manifest("{"), "manifest.json", id="manifest-not-json"),
    pytest.param(_old_schema, "0.0.1", id="old-schema"),
    pytest.param(_dangling, "does not exist", id="dangling-current"),
    pytest.param(
        _manifest("[]"),
        "manifest.json",
        id="manifest-is-a-list",
    ),
    pytest.param(
        _manifest('{"schema_version": "1.0.0", "tables": []}'),
        "manifest.json",
        id="manifest-tables-a-list",
    ),
    pytest.param(
        _no_sha,
        "manifest.json",
        id="manifest-entry-without-sha256",
    ),
]


@pytest.mark.parametrize("damage, named", DAMAGE)
def test_maintenance_page(data_copy, damage, named):
    """With missing or damaged tables the app still starts and shows a maintenance page naming `make data`."""
    damage(data_copy)
    app = create_app(data_copy)
    assert named in app.server.config["DATA_ERROR"]
    client = app.server.test_client()
    index, layout = client.get("/"), client.get("/_dash-layout")
    assert index.status_code == layout.status_code == 200
    text = layout.get_data(as_text=True)
    assert "The data is not available" in text and "make data" in text
    assert "Traceback" not in text + index.get_data(as_text=True)
    assert "'unsafe-inline'" not in factory.csp(index)["script-src"]
    assert index.headers["X-Content-Type-Options"] == "nosniff"


def test_maintenance_healthz_is_unhealthy(tmp_path):
    """A dashboard with no data does not answer its health check with 200."""
    client = create_app(tmp_path).server.test_client()
    assert client.get("/healthz").status_code >= 500
