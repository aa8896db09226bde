"""Lighthouse 12 (``lighthouse@12.2.3`` from npm) on a page served on 127.0.0.1: performance, accessibility and
best-practices scores, Cumulative Layout Shift and the timings behind the performance score.

The command line is found, in order: ``LIGHTHOUSE`` (environment, a path), ``~/.cache/send-bench/lighthouse``
(where this module installs it), ``/tmp/lh`` (an install some machines already have); a copy of another
version is not used. If none is found, ``npm i -E lighthouse@12.2.3`` installs it into the cache folder
(outside the repository); if npm or its registry cannot be reached, ``Unavailable`` says so.

Each run is a subprocess in its own session with a time limit; Chromium (``CHROME_PATH``) is started by
Lighthouse's launcher, which closes it at the end. On a timeout every process the run started is killed,
by process id.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import CHROMIUM, CHROMIUM_ARGS, children, loadavg

VERSION = "12.2.3"
CACHE = Path.home() / ".cache" / "send-bench" / "lighthouse"
ELSEWHERE = [Path("/tmp/lh")]  # node_modules folders that may already hold it
CHROME_FLAGS = " ".join(["--headless=new", *CHROMIUM_ARGS])
CATEGORIES = ("performance", "accessibility", "best-practices")
RUN_TIMEOUT = 240  # s
# Lighthouse's own transient failures ("Something went wrong with recording the trace... Please run Lighthouse
# again."), seen on a loaded machine: such a run is repeated, up to ATTEMPTS runs in all.
TRANSIENT = ("Please run Lighthouse again", "NO_NAVSTART", "NO_FCP", "NO_LCP", "PROTOCOL_TIMEOUT")
ATTEMPTS = 3
INSTALL_TIMEOUT = 600  # s


class Unavailable(RuntimeError):
    """Lighthouse cannot run here (no node/npm, or npm could not install it)."""


def _bin(prefix: Path) -> Path:
    return prefix / "node_modules" / ".bin" / "lighthouse"


def installed_version(binary: Path) -> str | None:
    """The version of the lighthouse package a ``node_modules/.bin/lighthouse`` link belongs to."""
    try:
        package = binary.resolve().parent.parent / "package.json"
        return json.loads(package.read_text()).get("version")
    except (OSError, ValueError):
        return None


def locate(install: bool = True) -> tuple[Path, str]:
    """(the lighthouse command, how it was found). Installs it with npm into CACHE if needed and allowed."""
    seen = []
    candidates = [Path(os.environ["LIGHTHOUSE"])] if os.environ.get("LIGHTHOUSE") else []
    candidates += [_bin(CACHE), *(_bin(p) for p in ELSEWHERE)]
    for binary in candidates:
        if binary.exists():
            found = installed_version(binary)
            if found == VERSION:
                return binary, f"lighthouse {VERSION} at {binary}"
            seen.append(f"{binary} is version {found}")
    if not install:
        raise Unavailable(f"lighthouse {VERSION} is not installed ({'; '.join(seen) or 'none found'})")
    if not (shutil.which("node") and shutil.which("npm")):
        raise Unavailable("node and npm are needed to install Lighthouse, and are not on PATH")
    CACHE.mkdir(parents=True, exist_ok=True)
    cmd = ["npm", "i", "-E", f"lighthouse@{VERSION}", "--prefix", str(CACHE), "--no-audit", "--no-fund"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, start_new_session=True)
    except subprocess.TimeoutExpired as exc:
        raise Unavailable(f"`{' '.join(cmd)}` did not finish within {INSTALL_TIMEOUT} s (npm unreachable?)") from exc
    binary = _bin(CACHE)
    if proc.returncode != 0 or installed_version(binary) != VERSION:
        last = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise Unavailable(f"npm could not install lighthouse@{VERSION} (registry unreachable?): {' '.join(last)}")
    return binary, f"lighthouse {VERSION} installed with npm into {CACHE}"


@dataclass
class Score:
    url: str
    performance: float  # 0-100
    accessibility: float
    best_practices: float
    cls: float
    fcp_ms: float
    lcp_ms: float
    tbt_ms: float
    si_ms: float
    seconds: float  # how long the run took
    loadavg: str  # 1-minute load average when the run started (and the rest of /proc/loadavg)
    below: list[str] = field(default_factory=list)  # audits that cost accessibility or best-practices points
    retried: list[str] = field(default_factory=list)  # the transient failures repeated before this run succeeded


def _descendants(pid: int) -> list[int]:
    out, stack = [], [pid]
    while stack:
        for child in children(stack.pop()):
            out.append(child)
            stack.append(child)
    return out


def run(binary: Path, url: str, timeout: float = RUN_TIMEOUT, attempts: int = ATTEMPTS) -> Score:
    """One Lighthouse run (``--preset=desktop``) on ``url``; a run that fails with one of Lighthouse's transient
    errors (TRANSIENT) is repeated, at most ``attempts`` runs in all, and the Score lists what was repeated."""
    retried: list[str] = []
    while True:
        try:
            result = _run_once(binary, url, timeout)
        except RuntimeError as exc:
            if len(retried) + 1 >= attempts or not any(code in str(exc) for code in TRANSIENT):
                raise
            retried.append(str(exc))
            continue
        result.retried = retried
        return result


def _run_once(binary: Path, url: str, timeout: float) -> Score:
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [
            str(binary),
            url,
            "--preset=desktop",
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            f"--output-path={out}",
            "--quiet",
            "--disable-full-page-screenshot",  # not scored; saves time
            f"--chrome-flags={CHROME_FLAGS}",
        ]
        env = {**os.environ, "CHROME_PATH": str(CHROMIUM), "TMPDIR": tmp}
        load = loadavg()
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Lighthouse's launcher starts Chromium in a process group of its own: kill every process the run
            # started, by id, then the run's own group.
            for pid in [proc.pid, *_descendants(proc.pid)]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate(timeout=30)
            raise RuntimeError(f"lighthouse {url} did not finish within {timeout:.0f} s") from None
        seconds = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            tail = " ".join((err or "").strip().splitlines()[-3:])
            raise RuntimeError(f"lighthouse {url} exited {proc.returncode}: {tail}")
        report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse {url}: {report['runtimeError'].get('message')}")
    cats, audits = report["categories"], report["audits"]

    def score(cat: str) -> float:
        value = cats[cat]["score"]
        if value is None:
            raise RuntimeError(f"lighthouse {url}: no {cat} score")
        return round(value * 100)

    def numeric(audit: str) -> float:
        return float(audits.get(audit, {}).get("numericValue") or 0.0)

    below = [
        f"{cat}: {ref['id']}"
        for cat in ("accessibility", "best-practices")
        for ref in cats[cat]["auditRefs"]
        if ref.get("weight") and (audits.get(ref["id"], {}).get("score") is not None) and audits[ref["id"]]["score"] < 1
    ]
    return Score(
        url=url,
        performance=score("performance"),
        accessibility=score("accessibility"),
        best_practices=score("best-practices"),
        cls=numeric("cumulative-layout-shift"),
        fcp_ms=numeric("first-contentful-paint"),
        lcp_ms=numeric("largest-contentful-paint"),
        tbt_ms=numeric("total-blocking-time"),
        si_ms=numeric("speed-index"),
        seconds=seconds,
        loadavg=load,
        below=below,
    )


if __name__ == "__main__":  # a manual probe: python -m benchmarks.lighthouse URL
    import sys

    binary, how = locate()
    print(how, file=sys.stderr)
    print(json.dumps(run(binary, sys.argv[1]).__dict__, indent=1))
