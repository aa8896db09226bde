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
BENCH_TIMEOUT = 115  # s
LOADTEST_TIMEOUT = 100  # s

# Kept in step with benchmarks.bench.MEASURES (not imported: the benchmarks package is not installed).
TABLE_HEADER = "| measure | ours | baseline | ratio (ours/baseline) | target | met? |"
MEASURES = [
    "cold start",
    "first-load transfer",
    "time to first chart",
    "time to every chart drawn",
    "filter, server p50",
    "filter, server p95",
    "filter, server p95 absolute",
    "filter, server throughput",
    "filter, end to end p50",
    "filter, end to end p95",
    "memory, gunicorn worker RSS",
    "PNG export, one chart warm",
    "PNG export, all charts in view incl. browser start",
]


def _data_missing() -> bool:
    data = Path(os.environ.get("SEND_DATA_DIR", ROOT / "data"))
    return not (data / "current" / "manifest.json").exists()


pytestmark = pytest.mark.skipif(_data_missing(), reason="no built data: run `make data` first")


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
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
    for row in rows[1:]:
        assert len(row.strip("|").split("|")) == 6, row


def test_loadtest_runs_and_prints_totals():
    """The mixed load: the kinds of requests users send, totals, and the workers' memory."""
    proc = _run(["benchmarks.loadtest", "--seconds", "4", "--clients", "3"], LOADTEST_TIMEOUT)
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, report
    assert "TOTAL:" in proc.stdout, report
    assert "| **total** |" in proc.stdout, report
    kinds = {line.split("|")[1].strip() for line in proc.stdout.splitlines() if line.startswith("| ")}
    assert {"selection", "quotes", "table", "csv", "tables zip", "export"} <= kinds, report
    assert "Worker RSS (MiB, per worker): before" in proc.stdout, report


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
