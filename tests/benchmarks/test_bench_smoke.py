"""Smoke tests of the benchmark harness: it runs end to end and prints what it should.

Not timed tests: no speed figure is ever asserted. Each run is a subprocess in its own session with a
timeout; on timeout its whole process group (servers and browsers it started) is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH_TIMEOUT = (
    330  # s: on a loaded 2-core machine the smoke run takes about two and a half minutes, half of it Lighthouse
)
LOADTEST_TIMEOUT = 100  # s

# Kept in step with benchmarks.bench.MEASURES (not imported: the benchmarks package is not installed).
TABLE_HEADER = "| measure | ours | baseline | ratio (ours/baseline) | target | met? |"
LIGHTHOUSE = [
    f"Lighthouse, {page}: {metric}"
    for page in ("landing page", "chart page")
    for metric in ("performance", "accessibility", "best practices", "CLS")
] + ["Lighthouse, landing page: LCP"]
BROWSER = [
    "landing page, first-load transfer",
    "landing page, time to the overview drawn",
    "landing page, click to settled p50",
    "landing page, click to settled p95",
    "chart page, first chart drawn",
    "chart page, first-load transfer",
]
MEASURES = [
    "cold start",
    *BROWSER,
    *LIGHTHOUSE,
    "filter, server p50",
    "filter, server p95",
    "filter, server p95 absolute",
    "filter, server throughput",
    "memory, gunicorn worker RSS",
    "PNG export, one chart warm p50",
    "PNG export, one chart warm p95",
    "PNG export, all charts in view incl. browser start",
    *[f"briefing pack, 5 charts, {fmt}: first byte {when}" for fmt in ("PPTX", "PDF") for when in ("cold", "cached")],
]


def _data_missing() -> bool:
    data = Path(os.environ.get("SEND_DATA_DIR", ROOT / "data"))
    return not (data / "current" / "manifest.json").exists()


# Slow (minutes: full benchmark and load-test runs): `make test-slow` runs them, `make test` does not.
pytestmark = [pytest.mark.slow, pytest.mark.skipif(_data_missing(), reason="no built data: run `make data` first")]


def _run(args: list[str], timeout: float, flag: str = "-m") -> subprocess.CompletedProcess:
    proc = subprocess.Popen(
        [sys.executable, flag, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the session we created: the run and everything it started
        out, err = proc.communicate(timeout=30)
        pytest.fail(
            f"`python -m {' '.join(args)}` did not finish within {timeout} s\nstdout:\n{out[-3000:]}\nstderr:\n{err[-3000:]}"
        )
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_benchmark_smoke_prints_a_row_per_measure():
    proc = _run(["benchmarks", "--smoke", "--no-write"], BENCH_TIMEOUT)
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, report
    assert TABLE_HEADER in proc.stdout, report
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    names = [row.split("|")[1].strip() for row in rows[1:]]
    assert names == MEASURES, report
    cells = {row.split("|")[1].strip(): row.strip("|").split("|") for row in rows[1:]}
    for row in cells.values():
        assert len(row) == 6, row
    if os.environ.get("REQUIRE_BROWSER") == "1":  # CI: the browser measures must have been taken
        for name in BROWSER + [
            "PNG export, one chart warm p50",
            "PNG export, one chart warm p95",
            "briefing pack, 5 charts, PDF: first byte cached",
        ]:
            assert cells[name][1].strip() not in ("skipped", "error", "n/a"), (name, report)
        if "SKIPPED: Lighthouse" not in proc.stdout:  # Lighthouse may be missing (npm): then the run says so
            for name in LIGHTHOUSE:
                assert cells[name][1].strip() not in ("skipped", "error", "n/a"), (name, report)


def test_loadtest_runs_and_prints_totals():
    """The mixed load: the kinds of requests users send, totals, and the workers' memory."""
    proc = _run(["benchmarks.loadtest", "--seconds", "4", "--clients", "3"], LOADTEST_TIMEOUT)
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, report
    assert "TOTAL:" in proc.stdout, report
    assert "| **total** |" in proc.stdout, report
    kinds = {line.split("|")[1].strip() for line in proc.stdout.splitlines() if line.startswith("| ")}
    assert {
        "landing",
        "selection",
        "quotes",
        "table",
        "csv",
        "chart page",
        "embed",
        "tables zip",
        "chart png",
        "export",
    } <= kinds, report
    assert "Worker RSS (MiB, per worker): before" in proc.stdout, report


# The mixed load told that GET / must be refused: every answer is then an error the run must count and fail on.
WRONG_EXPECTATION = """
import sys
from benchmarks import loadtest
loadtest.fixed_requests = lambda app, statics: {"page": [loadtest._get("page", "/", loadtest.CLIENT_ERROR)]}
loadtest.WEIGHTS = {"page": 1}
sys.exit(loadtest.main(sys.argv[1:]))
"""


def test_loadtest_counts_a_wrong_answer_as_an_error_and_fails():
    proc = _run([WRONG_EXPECTATION, "--seconds", "3", "--clients", "1", "--workers", "1"], LOADTEST_TIMEOUT, "-c")
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    assert proc.returncode == 1, report
    assert "ERROR ×" in proc.stdout and "page / GET / → 200 where a 4xx was expected" in proc.stdout, report
    total = next(line for line in proc.stdout.splitlines() if line.startswith("TOTAL:"))
    requests = int(total.split()[1])
    assert requests > 0 and f"errors {requests} " in total, report


def test_loadtest_refuses_a_remote_url():
    proc = _run(["benchmarks.loadtest", "--seconds", "1", "--url", "http://example.com/"], 30)
    assert proc.returncode == 2
    assert "127.0.0.1" in proc.stderr


def test_loadtest_distinct_mode_sends_that_many_distinct_requests():
    proc = _run(["benchmarks.loadtest", "--distinct", "40", "--clients", "3"], LOADTEST_TIMEOUT)
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, report
    assert "TOTAL: 40 requests" in proc.stdout and "40 distinct requests" in proc.stdout, report
    assert "largest of all" in proc.stdout, report


def test_loadtest_export_flood_reports_page_latency_and_refusals():
    """Not a timed test: only that the flood runs and reports; the 300 ms target is for `make loadtest`."""
    # One worker: one browser to start; 4 exports: one renders, two wait, one is refused.
    proc = _run(["benchmarks.loadtest", "--export-flood", "4", "--workers", "1"], LOADTEST_TIMEOUT)
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    assert "| GET / during the flood |" in proc.stdout, report
    assert "| exports answered 503 + Retry-After | 1 " in proc.stdout, report
    assert "| errors | 0 |" in proc.stdout, report


def test_loadtest_briefing_flood_answers_no_5xx():
    """20 concurrent briefing packs (issue 16): every one is made (200) or refused with 503 and Retry-After,
    never another 5xx or a dropped connection. Not timed here: GET /'s p95 during the flood is in the report
    (`make loadtest`'s RESULTS.md section), not asserted on a shared machine."""
    proc = _run(["benchmarks.loadtest", "--briefing-flood", "20"], LOADTEST_TIMEOUT * 2)
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    assert "| GET / during the flood |" in proc.stdout, report
    assert "| errors | 0 |" in proc.stdout, report
    made = int(proc.stdout.split("| briefing packs answered 200 | ")[1].split()[0])
    refused = int(proc.stdout.split("| briefing packs answered 503 + Retry-After | ")[1].split()[0])
    assert made >= 1 and made + refused == 20, report
