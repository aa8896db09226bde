"""One truth per worker set (issue 17): a damaged build never gives mixed answers.

- The master verifies the build it pins and keeps its bytes; every worker, also one started after the files
  were damaged, serves those bytes (etl.store.verify_build / keep_verified, dashboard/gunicorn_conf.py).
- Without loadable data, data routes answer 503 with Retry-After in plain text, never the maintenance page
  with a 200 in place of a CSV, image, zip or callback answer; and a worker picks a repaired build up by itself.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import shutil
import time
from pathlib import Path

import pytest

from benchmarks.common import free_port
from benchmarks.slowclients import serving
from dashboard import app as app_module
from dashboard.downloads import CHARTS_ZIP, TABLES_ZIP
from etl import store as store_module
from etl.build import RECORDS_DIR, build
from etl.store import BUILDS, PIN_ENV, keep_verified, load_tables, verify_build
from tests.serving.test_slow_clients import needs_nginx

SLUG = "timescales"
DATA_ROUTES = [
    f"/chart/{SLUG}.csv",
    f"/chart/{SLUG}.png",
    f"/chart/{SLUG}.svg",
    TABLES_ZIP,
    "/download/send-survey-results.meta.csv",
    CHARTS_ZIP,
    f"/embed/{SLUG}",
]
WAIT = 90  # seconds: workers start in seconds each on a busy 2-core machine


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    build(folder, [RECORDS_DIR])
    return folder


@pytest.fixture(autouse=True)
def _no_snapshot():
    yield
    store_module._SNAPSHOTS.clear()


def _damage(data: Path) -> None:
    """Truncate the results table of the published build (as a disk error or a careless copy would)."""
    path = (data / "current").resolve() / "results.parquet"
    path.write_bytes(path.read_bytes()[:100])


def test_without_data_every_data_route_is_503_plain_text_never_html(data, monkeypatch):
    monkeypatch.setenv("EXPORT_CACHE_DIR", "")
    _damage(data)
    client = app_module.create_app(data).server.test_client()
    for path in DATA_ROUTES:
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.mimetype == "text/plain" and int(response.headers["Retry-After"]) > 0, path
        assert b"<html" not in response.data.lower()
    callback = client.post("/_dash-update-component", json={"output": "x.children", "inputs": []})
    assert callback.status_code == 503 and callback.headers["Retry-After"]
    assert client.get("/healthz").status_code == 503
    page = client.get("/")
    assert page.status_code == 200 and b"<html" in page.data.lower()  # the page itself explains


def test_a_worker_without_data_serves_the_repaired_build_without_a_restart(data, monkeypatch):
    monkeypatch.setenv("EXPORT_CACHE_DIR", "")
    monkeypatch.setattr(app_module, "RECOVERY_CHECK", 0.0)
    good = (data / "current").resolve().name
    _damage(data)
    client = app_module.create_app(data).server.test_client()
    assert client.get(f"/chart/{SLUG}.csv").status_code == 503
    build(data, [RECORDS_DIR])  # `make data`: the same sources, so the same build id, repaired
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["build"] == good
    csv = client.get(f"/chart/{SLUG}.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"


def test_a_verified_build_is_read_from_memory_after_its_files_are_damaged(data):
    folder = (data / "current").resolve()
    before = load_tables(data)
    keep_verified(folder, verify_build(folder))
    _damage(data)
    (folder / "themes.parquet").unlink()
    after = load_tables(data)
    assert after.files == before.files
    assert all(after[name].equals(before[name]) for name in before.frames)
    assert "DATA_ERROR" not in app_module.create_app(data).server.config


class _Log:
    def __init__(self):
        self.lines = []

    def __getattr__(self, level):
        return lambda msg, *args: self.lines.append((level, msg % args))


class _Server:
    def __init__(self):
        self.log = _Log()


def test_the_master_keeps_the_last_good_build_when_a_damaged_one_is_published(data, tmp_path, monkeypatch):
    from dashboard import gunicorn_conf

    monkeypatch.setattr(gunicorn_conf, "_data_dir", lambda: data)
    monkeypatch.setenv(PIN_ENV, "")  # recorded, so that teardown restores the environment _pin changes
    monkeypatch.delenv(PIN_ENV)
    server = _Server()
    good = (data / "current").resolve().name
    gunicorn_conf._pin(server, "start")
    assert os.environ[PIN_ENV] == good
    sources = tmp_path / "sources"
    shutil.copytree(RECORDS_DIR, sources)
    text = (sources / "themes.yaml").read_text(encoding="utf-8")
    (sources / "themes.yaml").write_text(text.replace("label: Funding\n", "label: Money\n", 1), encoding="utf-8")
    _, second = build(data, [sources])
    (second / "quotes.parquet").write_bytes(b"not parquet")
    gunicorn_conf._pin(server, "reload")  # HUP with a damaged build published
    assert os.environ[PIN_ENV] == good
    assert (data / "pins" / str(os.getpid())).read_text().strip() == good
    assert any(level == "error" and second.name in line for level, line in server.log.lines)
    assert load_tables(data)["themes"].equals(load_tables(data, good)["themes"])
    store_module._SNAPSHOTS.clear()  # a master that never verified anything: the damaged build is pinned
    gunicorn_conf._pin(server, "reload")
    assert os.environ[PIN_ENV] == second.name
    (data / "pins" / str(os.getpid())).unlink()


# Under `make serve`'s setup, workers recycled every few requests. -------------------------------------------


def _get(port: int, path: str) -> tuple[int, str, str]:
    """(status, content type, sha256 of the body) of one GET on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        return response.status, response.getheader("Content-Type", ""), hashlib.sha256(body).hexdigest()
    finally:
        conn.close()


def _status(port: int, path: str) -> int | None:
    try:
        return _get(port, path)[0]
    except OSError:  # not listening yet
        return None


def _answers(port: int, rounds: int) -> set[tuple]:
    """Every distinct (path, status, type, body) seen over ``rounds`` passes of the data routes."""
    seen = set()
    for _ in range(rounds):
        for path in ("/healthz", f"/chart/{SLUG}.csv", TABLES_ZIP, "/download/send-survey-results.meta.csv"):
            seen.add((path, *_get(port, path)))
    return seen


def _start(data: Path):
    env = {"SEND_DATA_DIR": str(data), "EXPORT_CACHE_DIR": ""}
    server = serving(free_port(), env, workers=2)
    server.argv += ["--", "--max-requests", "3", "--max-requests-jitter", "0"]
    return server.start()


@needs_nginx
@pytest.mark.slow  # starts gunicorn and waits for its workers
def test_recycled_workers_serve_the_verified_build_after_its_files_are_damaged(data):
    server = _start(data)
    try:
        server.wait_ready(path="/healthz", timeout=WAIT)
        before = _answers(server.port, 2)
        assert {a[1] for a in before} == {200}
        _damage(data)
        (data / "current").resolve().joinpath("send-survey-results.meta.csv").unlink(missing_ok=True)
        after = _answers(server.port, 6)  # each worker is replaced several times (after 3 requests each)
        assert after == before, "a worker started after the damage answers differently"
        assert server.log_text().count("Booting worker") >= 4
    finally:
        server.stop(timeout=40)
        server.remove_log()


@needs_nginx
@pytest.mark.slow  # starts gunicorn and waits for its workers
def test_a_damaged_build_at_start_is_503_everywhere_until_make_data_repairs_it(data):
    good = (data / "current").resolve().name
    _damage(data)
    server = _start(data)
    try:
        deadline = time.monotonic() + WAIT
        while _status(server.port, "/healthz") != 503:
            assert time.monotonic() < deadline, server.log_tail()
            time.sleep(0.2)
        for _ in range(4):
            for path in DATA_ROUTES:
                status, kind, _ = _get(server.port, path)
                assert status == 503 and kind.startswith("text/plain"), (path, status, kind)
        build(data, [RECORDS_DIR])  # `make data` repairs the build; nobody sends HUP
        deadline = time.monotonic() + WAIT
        while True:
            answers = [_get(server.port, p)[:2] for p in ("/healthz", f"/chart/{SLUG}.csv") for _ in range(4)]
            if all(status == 200 for status, _ in answers):
                break
            assert time.monotonic() < deadline, (answers, server.log_tail())
            time.sleep(0.5)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("GET", "/healthz")
        assert good in conn.getresponse().read().decode()
        conn.close()
        assert (data / BUILDS / good).is_dir()
    finally:
        server.stop(timeout=40)
        server.remove_log()


def test_the_tables_zip_is_the_same_bytes_in_every_process_and_at_every_time(data, monkeypatch):
    """Issue 17: the tables zip differed per worker (each entry carried the time it was written)."""
    import time as time_module
    import zipfile

    from dashboard.downloads import tables_zip

    files = load_tables(data).files
    first = tables_zip(files)
    later = time_module.localtime(time_module.time() + 86_400 * 400 + 7)
    monkeypatch.setattr(zipfile.time, "localtime", lambda *a: later)
    monkeypatch.setattr(zipfile.time, "time", lambda: time_module.mktime(later))
    assert tables_zip(files) == first
    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == sorted(files)
