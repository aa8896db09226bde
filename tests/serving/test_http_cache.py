"""HTTP caching a CDN can trust: every read answers a strong ETag and a Cache-Control; a repeat with
If-None-Match is a 304 without rendering; a rebuild with a changed figure changes the ETag; callbacks and
health checks are never stored."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import factory
import pytest

from dashboard import httpcache
from etl.build import RECORDS_DIR, build
from tests.fixtures import FIXTURE_DOCUMENTS, FIXTURE_SOURCES, FIXTURE_SURVEY, real_documents

HAS_CHROMIUM = Path("/usr/bin/chromium").exists()

READS = [
    "/",
    "/_dash-layout",
    "/_dash-dependencies",
    "/download/send-survey-tables.zip",
    "/download/send-survey-results.meta.csv",
    *[f"/chart/{slug}" for slug in factory.SLUGS],
    *[f"/embed/{slug}" for slug in factory.SLUGS],
    *[f"/chart/{slug}.csv" for slug in factory.SLUGS],
    "/chart/timescales?theme=funding,timescales&tab=table",
    "/embed/timescales?intervals=on",
]
IMAGES = ["/chart/timescales.png", "/chart/timescales.svg", "/export/charts.zip?format=svg"]


def _revalidates(client, path: str, encoding: str = "gzip") -> str:
    first = client.get(path, headers={"Accept-Encoding": encoding})
    assert first.status_code == 200, path
    etag = first.headers.get("ETag")
    control = first.headers.get("Cache-Control", "")
    assert etag and not etag.startswith("W/"), f"{path}: no strong ETag"
    assert "public" in control and "s-maxage=" in control and "max-age=" in control, f"{path}: {control}"
    again = client.get(path, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
    assert again.status_code == 304, path
    assert again.data == b"", path
    assert again.headers["ETag"] == etag
    assert "public" in again.headers["Cache-Control"]
    return etag


@pytest.mark.parametrize("path", READS)
def test_every_read_route_revalidates_with_a_304(client, path):
    _revalidates(client, path)


@pytest.mark.skipif(not HAS_CHROMIUM, reason="server-side images need /usr/bin/chromium")
@pytest.mark.parametrize("path", IMAGES)
def test_images_and_exports_revalidate_with_a_304(client, path):
    _revalidates(client, path, encoding="identity")


def test_a_compressed_and_a_plain_answer_have_different_strong_etags(client):
    """A strong ETag names one representation: flask-compress marks the compressed one (``:gzip``)."""
    gzip = client.get("/chart/timescales", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/chart/timescales", headers={"Accept-Encoding": "identity"})
    assert gzip.headers["Content-Encoding"] == "gzip"
    assert gzip.headers["ETag"] != plain.headers["ETag"]
    assert gzip.headers["ETag"].strip('"').split(":")[0] == plain.headers["ETag"].strip('"')
    assert "Accept-Encoding" in gzip.headers["Vary"]


def test_a_304_is_answered_before_any_work(client, monkeypatch):
    """A revalidation does not render: the view layer is never called for it."""
    etag = client.get("/chart/timescales.csv").headers["ETag"]
    from dashboard import views

    def boom(*args, **kwargs):
        raise AssertionError("rendered for a 304")

    monkeypatch.setattr(views.Views, "rows", boom)
    monkeypatch.setattr(views.Views, "chart", boom)
    assert client.get("/chart/timescales.csv", headers={"If-None-Match": etag}).status_code == 304


def test_a_different_query_is_a_different_etag_and_query_order_is_not(client):
    a = client.get("/chart/timescales?theme=funding&intervals=on").headers["ETag"]
    b = client.get("/chart/timescales?intervals=on&theme=funding").headers["ETag"]
    c = client.get("/chart/timescales?theme=timescales").headers["ETag"]
    assert a == b != c


def test_a_stale_etag_gets_the_full_answer(client):
    response = client.get("/chart/timescales", headers={"If-None-Match": '"0123456789abcdef0123456789abcdef"'})
    assert response.status_code == 200 and response.data


def test_versioned_assets_are_immutable(client):
    page = client.get("/").get_data(as_text=True)
    import re

    [css] = re.findall(r'href="(/assets/style\.css\?m=[^"]+)"', page)
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == httpcache.IMMUTABLE
    suite = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)[0]
    assert "immutable" in client.get(suite).headers["Cache-Control"]


def test_callbacks_health_and_errors_are_not_kept(client, deps):
    body = factory.callback_body(deps, deps[0]["output"].split("...")[0].strip("."))
    posted = client.post("/_dash-update-component", json=body)
    assert posted.headers["Cache-Control"] == httpcache.NO_STORE
    assert "ETag" not in posted.headers
    assert client.get("/healthz").headers["Cache-Control"] == httpcache.NO_STORE
    missing = client.get("/chart/no-such-chart")
    assert missing.status_code == 404
    assert missing.headers["Cache-Control"] == httpcache.CLIENT_ERROR
    assert "ETag" not in missing.headers


def test_no_data_means_nothing_is_kept(tmp_path):
    from dashboard.app import create_app

    response = create_app(tmp_path / "empty").server.test_client().get("/")
    assert response.headers["Cache-Control"] == httpcache.NO_STORE
    assert "ETag" not in response.headers


# One figure moves from one answer to another, consistently in the records and the document (the parts still sum
# to the same total, so the derived "not reported" share is unchanged): each pair is (old, new).
CHANGES = [
    ("93 of the 212 schools (44%)", "92 of the 212 schools (43%)"),
    ("32 schools (15%)", "33 schools (16%)"),
    ("  value: 44\n  qualifier: exact\n  count: 93\n", "  value: 43\n  qualifier: exact\n  count: 92\n"),
    ("  value: 15\n  qualifier: exact\n  count: 32\n", "  value: 16\n  qualifier: exact\n  count: 33\n"),
]


def _replace_line(path: Path, key: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(f"{key}: {value}" if ln.startswith(f"{key}:") else ln for ln in lines) + "\n", "utf-8")


def _changed_figure(tmp_path: Path) -> tuple[Path, Path]:
    """The fixture survey's sources and documents with one figure changed, consistently, in both."""
    sources, documents = tmp_path / "sources", tmp_path / "documents"
    shutil.copytree(FIXTURE_SOURCES, sources)
    shutil.copytree(FIXTURE_DOCUMENTS, documents)
    survey = sources / FIXTURE_SURVEY
    origin = (survey / "origin.yaml").read_text(encoding="utf-8")
    document = documents / next(
        ln.split(":", 1)[1].strip() for ln in origin.splitlines() if ln.startswith("seed_file:")
    )
    for path in (survey / "results.yaml", document):
        text = path.read_text(encoding="utf-8")
        for old, new in CHANGES:
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    _replace_line(survey / "origin.yaml", "document_sha256", hashlib.sha256(document.read_bytes()).hexdigest())
    return sources, documents


def test_a_rebuild_with_a_changed_figure_changes_the_etag(tmp_path, both_app):
    sources, documents = _changed_figure(tmp_path)
    real = real_documents()
    data = tmp_path / "data"
    build(data, [RECORDS_DIR, sources], [*real, documents] if real else None)
    changed = factory.make_app(data).server.test_client()
    before = both_app.server.test_client()
    path = f"/chart/meeting-the-standards?survey={FIXTURE_SURVEY}"  # draws the changed figure
    old, new = before.get(path), changed.get(path)
    assert old.status_code == new.status_code == 200
    assert "92 of the 212" in new.get_data(as_text=True) and "92 of the 212" not in old.get_data(as_text=True)
    assert old.headers["ETag"] != new.headers["ETag"]
    assert changed.get(path, headers={"If-None-Match": old.headers["ETag"]}).status_code == 200
    for route in ("/", "/chart/timescales", "/download/send-survey-tables.zip"):
        assert before.get(route).headers["ETag"] != changed.get(route).headers["ETag"], route
