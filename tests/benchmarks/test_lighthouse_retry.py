"""benchmarks.lighthouse repeats a run that failed with one of Lighthouse's own transient errors, and only those.

The lighthouse command is replaced by a script that fails the way Lighthouse does on a loaded machine, then
writes a report; no browser is started.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from benchmarks import lighthouse

REPORT = {
    "categories": {
        "performance": {"score": 0.91, "auditRefs": []},
        "accessibility": {"score": 1.0, "auditRefs": []},
        "best-practices": {"score": 1.0, "auditRefs": []},
    },
    "audits": {"cumulative-layout-shift": {"numericValue": 0.002}, "total-blocking-time": {"numericValue": 120}},
}


def fake_lighthouse(tmp_path: Path, failures: int, message: str) -> Path:
    """A lighthouse command that fails ``failures`` times with ``message``, then writes REPORT."""
    counter = tmp_path / "count"
    counter.write_text("0")
    (tmp_path / "report.json").write_text(json.dumps(REPORT))
    script = tmp_path / "lighthouse"
    script.write_text(
        f"""#!/bin/sh
n=$(cat {counter}); echo $((n + 1)) > {counter}
if [ "$n" -lt {failures} ]; then echo "Runtime error encountered: {message}" >&2; exit 1; fi
for arg in "$@"; do case "$arg" in --output-path=*) cp {tmp_path / "report.json"} "${{arg#--output-path=}}";; esac; done
"""
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_a_transient_failure_is_repeated_and_reported(tmp_path):
    binary = fake_lighthouse(tmp_path, 2, "Something went wrong. Please run Lighthouse again. (NO_NAVSTART)")
    score = lighthouse.run(binary, "http://127.0.0.1:1/", timeout=30)
    assert score.performance == 91 and score.cls == pytest.approx(0.002) and score.tbt_ms == 120
    assert len(score.retried) == 2 and all("NO_NAVSTART" in r for r in score.retried)
    assert (tmp_path / "count").read_text().strip() == "3"


def test_transient_failures_stop_after_the_attempts(tmp_path):
    binary = fake_lighthouse(tmp_path, 5, "(NO_NAVSTART)")
    with pytest.raises(RuntimeError, match="NO_NAVSTART"):
        lighthouse.run(binary, "http://127.0.0.1:1/", timeout=30)
    assert (tmp_path / "count").read_text().strip() == str(lighthouse.ATTEMPTS)


def test_any_other_failure_is_not_repeated(tmp_path):
    binary = fake_lighthouse(tmp_path, 1, "Chrome could not be found")
    with pytest.raises(RuntimeError, match="could not be found"):
        lighthouse.run(binary, "http://127.0.0.1:1/", timeout=30)
    assert (tmp_path / "count").read_text().strip() == "1"
