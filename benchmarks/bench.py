"""The benchmark: our dashboard against the bare Dash baseline (``benchmarks.baseline_app``), side by side
in one run. ``python -m benchmarks --help`` for the options; the module docstring of each measure below
says how it is taken. Progress goes to stderr, the table to stdout (and to RESULTS.md unless --no-write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.common import (
    BASELINE_MODULE,
    BASELINE_WSGI,
    OURS_MODULE,
    OURS_WSGI,
    ROOT,
    AppProtocol,
    Client,
    Server,
    median,
    percentile,
)

DEFAULT_OUT = ROOT / "benchmarks" / "RESULTS.md"
NOTES_HEADING = "## Notes"
LOADTEST_HEADING = "## Load test"


@dataclass(frozen=True)
class Plan:
    name: str
    cold_reps: int
    loads: int  # fresh-context page loads per app
    server_requests: int
    server_seconds: float
    server_threads: int
    changes: int  # end-to-end filter changes per app
    export_runs: int  # fresh processes timing zip_charts
    warm_reps: int  # warm single-chart renders
    warm_rounds: int  # warm-up requests per selection before the server and browser measures
    description: str


FULL = Plan(
    "full",
    5,
    5,
    400,
    20.0,
    4,
    20,
    3,
    5,
    6,
    "full: medians of 5, 400 filter requests (or 20 s) per app, 20 filter clicks per app",
)
QUICK = Plan(
    "quick",
    1,
    1,
    200,
    10.0,
    4,
    3,
    1,
    3,
    4,
    "quick: 1 repetition, 200 filter requests (or 10 s) per app, 3 filter clicks per app; indicative only",
)
SMOKE = Plan(
    "smoke",
    1,
    1,
    16,
    5.0,
    2,
    1,
    1,
    1,
    1,
    "smoke: one of each measure, to check the harness runs; the numbers mean nothing",
)

# Every row of the table, in order: (measure, unit, target kind, limit). Kinds: "ratio" (ours/baseline <= limit),
# "lt" (ours < limit), "le" (ours <= limit), None (information only).
MEASURES: list[tuple[str, str, str | None, float | None]] = [
    ("cold start", "s", "ratio", 1.5),
    ("first-load transfer", "bytes", "ratio", 0.7),
    ("time to first chart", "ms", "ratio", 1.0),
    ("time to every chart drawn", "ms", None, None),
    ("filter, server p50", "ms", None, None),
    ("filter, server p95", "ms", "ratio", 1.2),
    ("filter, server p95 absolute", "ms", "lt", 25.0),
    ("filter, server throughput", "req/s", None, None),
    ("filter, end to end p50", "ms", None, None),
    ("filter, end to end p95", "ms", "ratio", 1.0),
    ("memory, gunicorn worker RSS", "MiB", "ratio", 1.5),
    ("PNG export, one chart warm", "ms", "le", 250.0),
    ("PNG export, all charts in view incl. browser start", "s", "le", 3.0),
]
MEASURE_NAMES = [m[0] for m in MEASURES]
TABLE_HEADER = "| measure | ours | baseline | ratio (ours/baseline) | target | met? |"


@dataclass
class Row:
    measure: str
    unit: str
    kind: str | None
    limit: float | None
    ours: float | None = None
    baseline: float | None = None
    status: str = ""  # "" when measured, else why not ("skipped: ...", "error: ...")

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline

    @property
    def met(self) -> bool | None:
        if self.kind is None or self.ours is None:
            return None
        if self.kind == "ratio":
            return None if self.ratio is None else self.ratio <= self.limit
        if self.kind == "lt":
            return self.ours < self.limit
        return self.ours <= self.limit

    @property
    def target(self) -> str:
        if self.kind == "ratio":
            return f"ratio ≤ {self.limit:g}"
        if self.kind in ("lt", "le"):
            return f"ours {'<' if self.kind == 'lt' else '≤'} {fmt(self.limit, self.unit)}"
        return "– (information)"

    def missed(self) -> str | None:
        if self.met is not False:
            return None
        if self.kind == "ratio":
            over = self.ratio - self.limit
            return (
                f"MISSED: {self.measure} by {over:.2f} in ratio ({self.ratio:.2f} vs ≤ {self.limit:g}: "
                f"ours would have to be {100 * over / self.ratio:.0f}% lower, {fmt(self.ours, self.unit)} → "
                f"{fmt(self.limit * self.baseline, self.unit)})"
            )
        over = self.ours - self.limit
        return f"MISSED: {self.measure} by {fmt(over, self.unit)} ({fmt(self.ours, self.unit)} vs {self.target})"

    def cells(self) -> list[str]:
        if self.status:
            ours = fmt(self.ours, self.unit) if self.ours is not None else self.status
            base = (
                fmt(self.baseline, self.unit)
                if self.baseline is not None
                else ("n/a" if self.kind in ("lt", "le") else self.status)
            )
        else:
            ours = fmt(self.ours, self.unit)
            base = fmt(self.baseline, self.unit) if self.baseline is not None else "n/a"
        ratio = f"{self.ratio:.2f}" if self.ratio is not None else "n/a"
        met = {True: "yes", False: "**no**", None: "–" if self.kind is None else "n/a"}[self.met]
        return [self.measure, ours, base, ratio, self.target, met]


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms" if abs(value) < 100 else f"{value:.0f} ms"
    if unit == "bytes":
        return f"{value / 1000:,.0f} kB"
    if unit == "MiB":
        return f"{value / 2**20:.0f} MiB"
    if unit == "req/s":
        return f"{value:.0f} req/s"
    return f"{value:g} {unit}"


@dataclass
class Report:
    plan: Plan
    command: str
    machine: dict[str, str]
    started: dt.datetime
    rows: dict[str, Row] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    loadavg_end: str = ""
    chromium: str = ""

    def __post_init__(self) -> None:
        for name, unit, kind, limit in MEASURES:
            self.rows[name] = Row(name, unit, kind, limit)

    def set(self, name: str, ours: float | None = None, baseline: float | None = None) -> None:
        row = self.rows[name]
        if ours is not None:
            row.ours = ours
        if baseline is not None:
            row.baseline = baseline

    def mark(self, names: list[str], status: str) -> None:
        for n in names:
            if not self.rows[n].status:
                self.rows[n].status = status

    def table(self) -> str:
        lines = [TABLE_HEADER, "|---|---:|---:|---:|---|---|"]
        lines += ["| " + " | ".join(r.cells()) + " |" for r in self.rows.values()]
        return "\n".join(lines)

    def missed(self) -> list[str]:
        return [m for r in self.rows.values() if (m := r.missed())]

    def markdown(self, notes: str = "") -> str:
        m = self.machine
        out = [
            "# Benchmark results",
            "",
            "Our dashboard (`dashboard.wsgi:server`, `python -m dashboard`) against the floor: a bare Dash app with one "
            "dropdown and one 5-bar chart (`benchmarks/baseline_app.py`), measured side by side in one run by "
            "`benchmarks/bench.py`. Re-running rewrites this file, except the sections headed `## Notes` (hand-written) and `## Load test` (appended by `python -m benchmarks.loadtest --write`), which are kept.",
            "",
            f"- Date: {self.started.strftime('%Y-%m-%d %H:%M UTC')}",
            f"- Command: `{self.command}`",
            f"- Mode: {self.plan.description}",
            f"- Machine: {m['nproc']} CPUs (nproc), {m['cpu']}, {m['memory']} memory, {m['os']}",
            f"- Load average (1/5/15 min) at start: {m['loadavg']}; at end: {self.loadavg_end}",
            f"- Python {m['python']}; {m['packages']}",
            f"- Chromium: {self.chromium or 'not used'}",
            "",
            self.table(),
            "",
        ]
        missed = self.missed()
        out += missed + ([""] if missed else ["All targets met.", ""])
        if self.errors:
            out += ["Measures that could not be taken:", ""] + [f"- {e}" for e in self.errors] + [""]
        out += ["## Details", ""] + [f"- {d}" for d in self.details] + [""]
        out += ["## How each measure is taken", "", METHODS.strip(), ""]
        if notes:
            out += [notes.rstrip(), ""]
        return "\n".join(out)


METHODS = """
- **cold start**: `python -m dashboard` / `python -m benchmarks.baseline_app` started as a subprocess with PORT set; seconds from the start to the first HTTP 200 on `/` (polled every 10 ms). The two apps alternate; median.
- Both apps are then served by `gunicorn --workers 2 --no-control-socket` on 127.0.0.1 and warmed up (every filter selection used below, and each single theme the browser clicks, is requested a few times from 4 threads, so each worker has most likely built it once) before the browser and server measures.
- **first-load transfer**: headless Chromium, a fresh context with the cache disabled, `Accept-Encoding` as Chromium sends it; the sum of CDP `Network.loadingFinished.encodedDataLength` (bytes on the wire, headers included) of every request finished when the last visible chart was drawn. Median over the loads.
- **time to first chart**: `performance.now()` (ms since navigation start) when a MutationObserver installed before any page script first sees a `.js-plotly-plot` with data and a drawn trace (`.main-svg .trace`). An empty `dcc.Graph` draws an empty `.main-svg` before its callback answers; that moment is listed under Details. Median of fresh contexts.
- **time to every chart drawn**: the same clock when every figure-carrying callback has answered and every visible graph (not inside `display: none`) has data and a drawn trace.
- **filter, server**: the real panel callback request (built from `/_dash-dependencies` and `/_dash-layout`) POSTed to `/_dash-update-component` from 4 threads over keep-alive `http.client` connections, rotating through several theme selections (baseline: its dropdown callback, rotating the 5 options); latency per request as the client sees it, throughput = requests / wall time.
- **filter, end to end**: on the served page, a theme checkbox of the "Reform themes" fieldset is clicked (on, off, the next on, ...; baseline: an option of the open dropdown is clicked); ms from the `click` event to the moment every visible graph that the callback response sent a figure to has emitted `plotly_react`/`plotly_afterplot` (graph ids read from the page's `fetch` responses of `/_dash-update-component`). Every selection clicked was built during the warm-up. Details give, per click, when the figure request was sent and answered (response headers) and when the last chart was drawn. If a change ever redraws charts without a server round trip (a clientside callback), the time is the last redraw once the graphs have been quiet for 500 ms.
- **memory**: VmRSS (/proc/<pid>/status) of the larger gunicorn worker after the filter load.
- **PNG export**: `python -m benchmarks.export_probe` in a fresh process: `dashboard.export.zip_charts(all charts of the default view, "png")` timed from before kaleido's browser starts; then `render()` of the largest chart after one warm-up render.
"""


# Helpers. ------------------------------------------------------------------------------------------------


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def attempt(report: Report, names: list[str], what: str, fn: Callable[[], Any]) -> Any:
    """Run one measure; on failure mark its rows and keep going."""
    try:
        return fn()
    except Exception as exc:  # one broken measure must not hide the others
        msg = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        say(f"{what} failed: {msg}")
        traceback.print_exc(file=sys.stderr)
        report.errors.append(f"{what}: {msg}")
        report.mark(names, "error")
        return None


@dataclass
class LoadResult:
    latencies_ms: list[float]
    seconds: float
    errors: list[str]

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def filter_load(server: Server, proto: AppProtocol, requests: int, seconds: float, threads: int) -> LoadResult:
    """POST the filter callback ``requests`` times (or until ``seconds``) from ``threads`` keep-alive clients."""
    bodies = [json.dumps(proto.body(s)).encode() for s in proto.selections]
    lock = threading.Lock()
    state = {"next": 0}
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        client = Client("127.0.0.1", server.port, timeout=30)
        try:
            while True:
                with lock:
                    i = state["next"]
                    state["next"] += 1
                if i >= requests or time.perf_counter() > deadline:
                    return
                try:
                    r = client.request("POST", common.CALLBACK_PATH, body=bodies[i % len(bodies)])
                except OSError as exc:
                    with lock:
                        errors.append(str(exc))
                    continue
                with lock:
                    if r.status == 200:
                        latencies.append(r.seconds * 1000)
                    else:
                        errors.append(f"HTTP {r.status}: {r.body[:120]!r}")
        finally:
            client.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + 60)
    return LoadResult(latencies, time.perf_counter() - t0, errors)


def warm_up(server: Server, proto: AppProtocol, rounds: int) -> None:
    """The page's JSON a few times, and every selection ``rounds`` times from 4 threads (so that both
    workers are likely to have built each selection once)."""
    client = Client("127.0.0.1", server.port)
    try:
        for _ in range(2):
            for path in ("/", "/_dash-layout", "/_dash-dependencies"):
                client.get(path)
    finally:
        client.close()
    everything = AppProtocol(
        proto.deps, proto.props, proto.filter_dep, proto.filter_input, proto.selections + proto.warm_selections
    )
    r = filter_load(server, everything, requests=len(everything.selections) * rounds, seconds=120, threads=4)
    if r.errors:
        raise RuntimeError(f"warm-up requests failed on {server.name}: {r.errors[0]}")


def worker_rss(server: Server) -> int | None:
    sizes = [s for pid in server.worker_pids() if (s := common.rss_bytes(pid))]
    return max(sizes) if sizes else None


# The measures. ----------------------------------------------------------------------------------------


def measure_cold_start(report: Report, plan: Plan) -> None:
    ours_s, base_s = [], []
    for rep in range(plan.cold_reps):
        for name, module, into in (("ours", OURS_MODULE, ours_s), ("baseline", BASELINE_MODULE, base_s)):
            server = common.module_server(f"cold-{name}", module, common.free_port())
            try:
                server.start()
                into.append(server.wait_ready(timeout=120))
            finally:
                server.stop()
                server.remove_log()
            say(f"cold start {name} #{rep + 1}: {into[-1]:.2f} s")
    report.set("cold start", median(ours_s), median(base_s))
    report.details.append(f"cold start samples (s): ours {_list(ours_s, 2)}; baseline {_list(base_s, 2)}")


def _list(xs: list[float], digits: int = 1) -> str:
    return "[" + ", ".join(f"{x:.{digits}f}" for x in xs) + "]"


def measure_page_loads(report: Report, plan: Plan, browser, ours: Server, base: Server) -> None:
    from benchmarks.browser import page_load

    loads: dict[str, list] = {"ours": [], "baseline": []}
    for rep in range(plan.loads):
        for name, server in (("ours", ours), ("baseline", base)):
            pl = page_load(browser, server.url + "/")
            loads[name].append(pl)
            say(
                f"page load {name} #{rep + 1}: {pl.bytes / 1000:,.0f} kB in {pl.requests} requests, first chart {pl.first_ms:.0f} ms, all {pl.charts} charts {pl.all_ms:.0f} ms"
            )
    o, b = loads["ours"], loads["baseline"]
    report.set("first-load transfer", median(x.bytes for x in o), median(x.bytes for x in b))
    report.set("time to first chart", median(x.first_ms for x in o), median(x.first_ms for x in b))
    report.set("time to every chart drawn", median(x.all_ms for x in o), median(x.all_ms for x in b))
    for name, xs in loads.items():
        report.details.append(
            f"first load, {name}: {xs[0].requests} requests, {xs[0].charts} chart(s) drawn; bytes {[x.bytes for x in xs]}; "
            f"first chart ms {_list([x.first_ms for x in xs], 0)}; every chart ms {_list([x.all_ms for x in xs], 0)}; "
            f"first (empty) .main-svg ms {_list([x.first_svg_ms or 0 for x in xs], 0)}"
        )
        largest = ", ".join(f"{_short_url(u)} {n / 1000:,.0f} kB" for u, n in xs[0].largest)
        report.details.append(f"largest downloads, {name}: {largest}")


def _short_url(url: str) -> str:
    from urllib.parse import urlsplit

    path = urlsplit(url).path
    return f"`{path if len(path) < 70 else '…' + path[-68:]}`"


def measure_server_filter(
    report: Report, plan: Plan, ours: Server, base: Server, protos: dict[str, AppProtocol]
) -> None:
    results = {}
    for name, server in (("ours", ours), ("baseline", base)):
        r = filter_load(server, protos[name], plan.server_requests, plan.server_seconds, plan.server_threads)
        results[name] = r
        say(
            f"filter, server {name}: {len(r.latencies_ms)} ok, {len(r.errors)} errors, p50 {percentile(r.latencies_ms, 50) or 0:.1f} ms, "
            f"p95 {percentile(r.latencies_ms, 95) or 0:.1f} ms, {r.rps:.0f} req/s"
        )
        if r.errors:
            report.errors.append(f"filter, server ({name}): {len(r.errors)} failed requests, e.g. {r.errors[0]}")
    o, b = results["ours"], results["baseline"]
    report.set("filter, server p50", percentile(o.latencies_ms, 50), percentile(b.latencies_ms, 50))
    report.set("filter, server p95", percentile(o.latencies_ms, 95), percentile(b.latencies_ms, 95))
    report.set("filter, server p95 absolute", percentile(o.latencies_ms, 95))
    report.set("filter, server throughput", o.rps, b.rps)
    report.details.append(
        f"filter, server: {plan.server_threads} client threads; ours {len(o.latencies_ms)} requests in {o.seconds:.1f} s over selections "
        f"{protos['ours'].selections}, p99 {percentile(o.latencies_ms, 99) or 0:.1f} ms; baseline {len(b.latencies_ms)} requests in "
        f"{b.seconds:.1f} s, p99 {percentile(b.latencies_ms, 99) or 0:.1f} ms"
    )


def measure_memory(report: Report, ours: Server, base: Server) -> None:
    o, b = worker_rss(ours), worker_rss(base)
    if o is None or b is None:
        raise RuntimeError("could not read the gunicorn workers' VmRSS from /proc")
    report.set("memory, gunicorn worker RSS", o, b)
    report.details.append(
        "worker VmRSS (MiB): ours "
        + str([round((common.rss_bytes(p) or 0) / 2**20) for p in ours.worker_pids()])
        + ", baseline "
        + str([round((common.rss_bytes(p) or 0) / 2**20) for p in base.worker_pids()])
    )


def measure_end_to_end(report: Report, plan: Plan, browser, ours: Server, base: Server) -> None:
    from benchmarks.browser import filter_changes_baseline, filter_changes_ours

    o = filter_changes_ours(browser, ours.url + "/", plan.changes)
    say(f"filter, end to end ours: {_list([x['ms'] for x in o], 0)} ms")
    b = filter_changes_baseline(browser, base.url + "/", plan.changes)
    say(f"filter, end to end baseline: {_list([x['ms'] for x in b], 0)} ms")
    oms, bms = [x["ms"] for x in o], [x["ms"] for x in b]
    report.set("filter, end to end p50", percentile(oms, 50), percentile(bms, 50))
    report.set("filter, end to end p95", percentile(oms, 95), percentile(bms, 95))
    report.details.append(
        f"filter, end to end: ours ms {_list(oms, 0)} (graphs redrawn per click {[x['graphs'] for x in o]}); baseline ms {_list(bms, 0)}"
    )
    for name, xs in (("ours", o), ("baseline", b)):
        steps = "; ".join(
            f"request sent {t[0][0]}, answer headers {t[0][1]} ({t[0][2] / 1000:,.0f} kB), drawn {round(x['ms'])}"
            for x in xs
            if (t := x.get("timeline"))
        )
        report.details.append(
            f"filter, end to end timeline, {name} (ms after the click, first figure callback): {steps}"
        )


def measure_export(report: Report, plan: Plan) -> None:
    zips, warm, info, warm_chart = [], [], {}, "?"
    for run in range(plan.export_runs):
        reps = plan.warm_reps if run == 0 else 0
        proc = subprocess.run(
            [common.PYTHON, "-m", "benchmarks.export_probe", "--warm-reps", str(reps)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            start_new_session=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"export probe exited {proc.returncode}: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}"
            )
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        zips.append(info["zip_s"])
        warm += info.get("warm_ms", [])
        warm_chart = info.get("warm_chart") or warm_chart
        say(
            f"PNG export run {run + 1}: all {info['charts']} charts {info['zip_s']:.2f} s; warm {_list(info.get('warm_ms', []), 0)} ms"
        )
    report.set("PNG export, one chart warm", median(warm))
    report.set("PNG export, all charts in view incl. browser start", median(zips))
    report.details.append(
        f"PNG export: {info.get('charts')} charts in view; zip_charts s {_list(zips, 2)}; warm render of "
        f"`{warm_chart}` ms {_list(warm, 0)}"
    )


# The run. ----------------------------------------------------------------------------------------------

BROWSER_ROWS = [
    "first-load transfer",
    "time to first chart",
    "time to every chart drawn",
    "filter, end to end p50",
    "filter, end to end p95",
]
SERVER_ROWS = ["filter, server p50", "filter, server p95", "filter, server p95 absolute", "filter, server throughput"]


def run(plan: Plan, command: str) -> Report:
    report = Report(plan=plan, command=command, machine=common.machine(), started=dt.datetime.now(dt.UTC))
    say(f"mode {plan.name}; load average {report.machine['loadavg']}")
    no_browser = common.chromium_available()
    if no_browser:
        report.mark(BROWSER_ROWS, "skipped")
        report.errors.append(f"browser measures skipped: {no_browser}")

    attempt(report, ["cold start"], "cold start", lambda: measure_cold_start(report, plan))

    ours = common.gunicorn("gunicorn-ours", OURS_WSGI, common.free_port())
    base = common.gunicorn("gunicorn-baseline", BASELINE_WSGI, common.free_port())
    try:
        ours.start()
        base.start()

        def ready() -> dict[str, AppProtocol]:
            t = ours.wait_ready(timeout=120)
            say(f"gunicorn (ours) answered after {t:.1f} s, baseline after {base.wait_ready(timeout=120):.1f} s")
            protos = {
                "ours": common.ours_protocol("127.0.0.1", ours.port),
                "baseline": common.baseline_protocol("127.0.0.1", base.port),
            }
            t = time.perf_counter()
            warm_up(ours, protos["ours"], plan.warm_rounds)
            warm_up(base, protos["baseline"], plan.warm_rounds)
            say(f"warmed up in {time.perf_counter() - t:.1f} s")
            return protos

        protos = attempt(
            report, BROWSER_ROWS + SERVER_ROWS + ["memory, gunicorn worker RSS"], "gunicorn servers", ready
        )
        if protos:
            if no_browser:
                _server_measures(report, plan, ours, base, protos)
            else:
                from playwright.sync_api import sync_playwright

                from benchmarks.browser import launch, version

                with sync_playwright() as p:
                    browser = attempt(report, BROWSER_ROWS, "launching Chromium", lambda: launch(p))
                    try:
                        if browser is not None:
                            report.chromium = version(browser)
                            attempt(
                                report,
                                BROWSER_ROWS[:3],
                                "page loads",
                                lambda: measure_page_loads(report, plan, browser, ours, base),
                            )
                        _server_measures(report, plan, ours, base, protos)
                        if browser is not None:
                            attempt(
                                report,
                                BROWSER_ROWS[3:],
                                "filter, end to end",
                                lambda: measure_end_to_end(report, plan, browser, ours, base),
                            )
                    finally:
                        if browser is not None:
                            browser.close()
    finally:
        for s in (ours, base):
            s.stop()
            s.remove_log()

    if not common.chromium_available():
        attempt(report, MEASURE_NAMES[-2:], "PNG export", lambda: measure_export(report, plan))
    else:
        report.mark(MEASURE_NAMES[-2:], "skipped")
    report.loadavg_end = common.loadavg()
    return report


def _server_measures(report: Report, plan: Plan, ours: Server, base: Server, protos: dict[str, AppProtocol]) -> None:
    attempt(report, SERVER_ROWS, "filter, server", lambda: measure_server_filter(report, plan, ours, base, protos))
    attempt(report, ["memory, gunicorn worker RSS"], "memory", lambda: measure_memory(report, ours, base))


def kept_sections(path: Path) -> str:
    """The sections of an existing results file that this run does not produce: the hand-written "## Notes"
    and the "## Load test" sections appended by ``benchmarks.loadtest --write`` (each up to the next "## ")."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return ""
    kept: list[str] = []
    keep = False
    for line in lines:
        if line.startswith("## "):
            keep = line.strip() == NOTES_HEADING or line.startswith(LOADTEST_HEADING)
        if keep:
            kept.append(line)
    return "\n".join(kept)


def command_line(argv: list[str]) -> str:
    exe = Path(common.PYTHON)
    try:
        shown = str(exe.relative_to(ROOT))
    except ValueError:
        shown = str(exe)
    return " ".join([shown, "-m", "benchmarks", *map(shlex.quote, argv)])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Benchmark the dashboard against a bare Dash app."
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help=QUICK.description)
    mode.add_argument("--smoke", action="store_true", help=SMOKE.description)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results file (default benchmarks/RESULTS.md)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else QUICK if args.quick else FULL

    report = run(plan, command_line(argv))
    print(f"\nBenchmark ({plan.description})\n")
    print(report.table())
    print()
    for line in report.missed():
        print(line)
    for e in report.errors:
        print(f"NOT MEASURED: {e}")
    if not args.no_write:
        out = args.out if args.out.is_absolute() else Path.cwd() / args.out
        notes = kept_sections(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.markdown(notes))
        say(f"wrote {out}")
    broken = [e for e in report.errors if not e.startswith("browser measures skipped")]
    return 2 if broken else 0
