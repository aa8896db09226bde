"""The caching tier of `make serve` (issue 20): nginx's proxy_cache in front of gunicorn keeps what the app marks as
shareable, so a repeated read never reaches the app workers (counted in gunicorn's access log); callbacks (POST)
and no-store answers always do; an address spelled two ways has one key; a HUP after a new build purges it."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import common
from benchmarks.common import free_port
from benchmarks.slowclients import serving
from dashboard.serving import find_nginx, render_config
from etl.build import RECORDS_DIR, build
from tests.serving.test_slow_clients import needs_nginx

HAS_CHROMIUM = Path("/usr/bin/chromium").exists()
WAIT = 90  # seconds: a HUP's new workers load the tables on a busy 2-core machine
SETTLE = 0.3  # seconds gunicorn has to write an access-log line after its answer has left


class Served:
    """`make serve`'s setup on a free port, with gunicorn's access log in a file."""

    def __init__(self, data: Path, folder: Path):
        self.log = folder / "access.log"
        env = {"SEND_DATA_DIR": str(data), "EXPORT_CACHE_DIR": str(folder / "export-cache")}
        self.server = serving(free_port(), env, workers=1, extra=["--", "--access-logfile", str(self.log)])

    def __enter__(self) -> Served:
        self.server.start()
        self.server.wait_ready(path="/healthz", timeout=120)
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop(timeout=40)
        log = self.server.log_text()
        self.server.remove_log()
        assert "Traceback" not in log, log[-3000:]

    @property
    def port(self) -> int:
        return self.server.port

    def app_lines(self, at_least: int = 0) -> int:
        """How many requests reached gunicorn (its access log's lines): once there are ``at_least`` (waiting up
        to 10 s), else after ``SETTLE`` (gunicorn writes a line just after its answer has left)."""
        deadline = time.monotonic() + (10 if at_least else SETTLE)
        while True:
            count = len(self.log.read_text().splitlines()) if self.log.exists() else 0
            if (at_least and count >= at_least) or time.monotonic() > deadline:
                return count
            time.sleep(0.02)

    def request(self, path: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            hdrs = {"Accept-Encoding": "gzip", **(headers or {})}
            if body is not None:
                hdrs["Content-Type"] = "application/json"
            conn.request(method, path, body=body, headers=hdrs)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def served(data_dir, tmp_path_factory):
    with Served(data_dir, tmp_path_factory.mktemp("proxy-cache")) as s:
        yield s


def _reaches_app(
    served: Served, path: str, method: str = "GET", body: bytes | None = None, expect: int = 200
) -> tuple[int, dict]:
    """Send one request; how many lines it added to the access log (0 or 1), and its headers. (A hit's line, if
    any, is looked for after SETTLE; any other answer's is waited for.)"""
    before = served.app_lines()
    status, headers, _ = served.request(path, method, body)
    assert status == expect, (path, status)
    return served.app_lines(0 if headers.get("x-cache-status") == "HIT" else before + 1) - before, headers


def test_the_config_with_and_without_the_cache_is_accepted_by_nginx(tmp_path):
    for cache in (True, False):
        conf = render_config(tmp_path, "127.0.0.1:1", tmp_path / "gunicorn.sock", cache=cache, generation=3)
        assert ("proxy_cache pages_3;" if cache else "proxy_cache off;") in conf
        assert f"{tmp_path}/cache-3 " in conf and "proxy_cache_lock on;" in conf
        nginx = find_nginx()
        if nginx is None:
            pytest.skip("nginx is not installed")
        (tmp_path / "nginx.conf").write_text(conf)
        proc = subprocess.run(
            [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert proc.returncode == 0, proc.stderr


READS = [
    "/chart/timescales?tab=table",
    "/embed/confidence-in-funding",
    pytest.param(
        "/chart/timescales.png?size=square",
        marks=[  # a first image starts the export browser: seconds
            pytest.mark.slow,
            pytest.mark.skipif(not HAS_CHROMIUM, reason="server-side images need /usr/bin/chromium"),
        ],
    ),
]


@needs_nginx
@pytest.mark.parametrize("path", READS)
def test_a_second_read_is_a_hit_that_does_not_reach_the_app(served, path):
    first, headers = _reaches_app(served, path)
    assert first == 1 and headers["x-cache-status"] == "MISS"
    assert "s-maxage=" in headers["cache-control"] and headers["etag"]
    second, again = _reaches_app(served, path)
    assert second == 0, "the second read reached gunicorn"
    assert again["x-cache-status"] == "HIT" and again["etag"] == headers["etag"]
    # A reader who has it already gets a 304 from the proxy, without the app either.
    before = served.app_lines()
    status, _, body = served.request(path, headers={"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""
    assert served.app_lines() == before


@needs_nginx
def test_callbacks_are_never_cached(served):
    body = json.dumps(common.ours_app("127.0.0.1", served.port).quotes([])).encode()
    for _ in range(2):
        reached, headers = _reaches_app(served, common.CALLBACK_PATH, "POST", body)
        assert reached == 1, "a callback (POST) was answered without the app"
        assert headers.get("x-cache-status") in (None, "MISS", "BYPASS")
        assert headers["cache-control"] == "no-store"


@needs_nginx
def test_a_no_store_answer_is_not_kept(served):
    for _ in range(2):
        reached, headers = _reaches_app(served, "/healthz")
        assert headers["cache-control"] == "no-store"
        assert reached == 1 and headers["x-cache-status"] == "MISS"


@needs_nginx
def test_one_address_spelled_two_ways_has_one_key_and_an_ambiguous_one_is_never_kept(served):
    """The key is the normalised path (what nginx passes the app) and the query: ``/chart/../embed/x`` is
    ``/embed/x``. A path with an encoded ``?`` could be read as another address with a query: never kept."""
    assert _reaches_app(served, "/embed/statutory-plans?theme=funding")[0] == 1
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    try:  # http.client sends the path as given (no dot-segment removal)
        conn.request("GET", "/chart/../embed/statutory-plans?theme=funding", headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        response.read()
        assert response.status == 200 and response.getheader("X-Cache-Status") == "HIT"
    finally:
        conn.close()
    for _ in range(2):
        reached, headers = _reaches_app(served, "/embed/statutory-plans%3Ftheme=funding", expect=404)
        assert reached == 1 and headers["x-cache-status"] == "BYPASS"


@needs_nginx
@pytest.mark.slow
def test_a_new_build_rolled_out_by_hup_purges_the_cache(tmp_path):
    """After `make data` and a HUP, once the old workers have gone, nothing of the old build is served from the
    cache: the next read is a MISS with the new build's ETag and text, long before its s-maxage (600 s) ends."""
    sources, data = tmp_path / "sources", tmp_path / "data"
    shutil.copytree(RECORDS_DIR, sources)
    build(data, sources)
    path = "/chart/support-for-every-proposal?theme=funding"  # its themes' labels are on the page
    with Served(data, tmp_path) as served:
        _reaches_app(served, path)
        status, headers, body = served.request(path, headers={"Accept-Encoding": "identity"})
        assert status == 200 and b"Funding" in body and b"Money" not in body
        old = served.request(path)[1]
        assert old["x-cache-status"] == "HIT"
        text = (sources / "themes.yaml").read_text(encoding="utf-8")
        (sources / "themes.yaml").write_text(text.replace("label: Funding\n", "label: Money\n", 1), encoding="utf-8")
        build(data, sources)
        served.server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + WAIT
        while "proxy cache purged" not in served.server.log_text():
            assert time.monotonic() < deadline, "no purge after the HUP:\n" + served.server.log_tail()
            time.sleep(0.2)
        status, new, _ = served.request(path)
        assert status == 200 and new["x-cache-status"] == "MISS" and new["etag"] != old["etag"]
        status, _, body = served.request(path, headers={"Accept-Encoding": "identity"})
        assert b"Money" in body
        assert served.request(path)[1]["x-cache-status"] == "HIT"
        folder = Path(re.search(r"unix:(\S+)/gunicorn\.sock", served.server.log_text()).group(1))
        assert sorted(p.name for p in folder.glob("cache-*")) == ["cache-2"], "the old cache is removed"


@needs_nginx
@pytest.mark.slow
@pytest.mark.skipif(not HAS_CHROMIUM, reason="the load's PNGs need /usr/bin/chromium")
def test_the_cached_load_test_runs_and_meets_its_target(tmp_path):
    """`make loadtest-cached`, small: both runs, the app reached for every direct request and under the target
    for the cached ones (the numbers in RESULTS.md are from the full run)."""
    out = tmp_path / "RESULTS.md"
    argv = [sys.executable, "-m", "benchmarks.cachedload", "--requests", "300", "--clients", "8", "--write"]
    proc = subprocess.run([*argv, "--out", str(out)], capture_output=True, text=True, timeout=600, cwd=common.ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {line.split("|")[1].strip(): line.split("|") for line in proc.stdout.splitlines() if line.startswith("| ")}
    assert rows["direct"][3].strip() == "300", "every direct request reaches the app"
    assert int(rows["cached"][3]) < 100 and "HIT×" in rows["cached"][10]
    assert "the cached run reaches the app fewer than 100 times: met" in out.read_text()
