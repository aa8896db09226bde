"""Under real gunicorn (dashboard/gunicorn_conf.py): workers recycled by --max-requests keep serving the build
the master pinned, even after `make data` publishes another; `kill -HUP` rolls the new build out."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from etl.build import RECORDS_DIR, build

ROOT = Path(__file__).resolve().parents[2]
WAIT = 90  # seconds: workers start in about 2 s each on a busy 2-core machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(port: int) -> dict | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            return json.loads(body) if response.status == 200 else None
        finally:
            conn.close()
    except (OSError, ValueError):
        return None


def _until(predicate, what: str):
    deadline = time.monotonic() + WAIT
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.fixture
def data_and_sources(tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(RECORDS_DIR, sources)
    data = tmp_path / "data"
    _, first = build(data, sources)
    return data, sources, first


@pytest.mark.slow  # starts gunicorn and waits for recycled workers
def test_recycled_workers_keep_the_pinned_build_until_hup(data_and_sources, tmp_path):
    data, sources, first = data_and_sources
    port = _free_port()
    env = {**os.environ, "SEND_DATA_DIR": str(data), "EXPORT_CACHE_DIR": "", "PYTHONUNBUFFERED": "1"}
    env.pop("SEND_DATA_BUILD", None)
    argv = [sys.executable, "-m", "gunicorn", "-c", "dashboard/gunicorn_conf.py", "--workers", "2"]
    argv += ["--bind", f"127.0.0.1:{port}", "--no-control-socket", "--max-requests", "3"]
    argv += ["--max-requests-jitter", "0", "--graceful-timeout", "5", "dashboard.wsgi:server"]
    with open(tmp_path / "gunicorn.log", "wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert _until(lambda: _health(port), "gunicorn to answer")["build"] == first.name
        text = (sources / "themes.yaml").read_text(encoding="utf-8")
        (sources / "themes.yaml").write_text(text.replace("label: Funding\n", "label: Money\n", 1), encoding="utf-8")
        _, second = build(data, sources)
        assert second.name != first.name and (data / "current").resolve() == second
        seen = set()
        for _ in range(16):  # every worker is recycled several times (after 3 requests each)
            seen.add(_until(lambda: _health(port), "a worker")["build"])
        assert seen == {first.name}, "a recycled worker switched to the new build on its own"
        assert "Booting worker" in (tmp_path / "gunicorn.log").read_text(errors="replace")
        os.kill(proc.pid, signal.SIGHUP)
        _until(lambda: (_health(port) or {}).get("build") == second.name, "the new build after HUP")
        assert {_until(lambda: _health(port), "a worker")["build"] for _ in range(8)} == {second.name}
        assert (data / "pins" / str(proc.pid)).read_text().strip() == second.name
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the session we started: gunicorn and its workers only
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait(timeout=10)
    assert not (data / "pins" / str(proc.pid)).exists(), "the master removes its pin when it exits"
