"""The benchmark: our dashboard against the bare Dash baseline (``benchmarks.baseline_app``), side by side
in one run. ``python -m benchmarks --help`` for the options; ``METHODS`` below (also written into
RESULTS.md) says how each measure is taken. Progress goes to stderr, the table to stdout (and to RESULTS.md
unless --no-write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks import common
from benchmarks.common import (
    BASELINE_MODULE,
    BASELINE_WSGI,
    CALLBACK_PATH,
    OURS_MODULE,
    OURS_WSGI,
    ROOT,
    Client,
    OursApp,
    Server,
    median,
    percentile,
)
from dashboard import wire

DEFAULT_OUT = ROOT / "benchmarks" / "RESULTS.md"
NOTES_HEADING = "## Notes"
LOADTEST_HEADING = "## Load test"
CACHEDLOAD_HEADING = "## Caching proxy under load"  # benchmarks.cachedload.SECTION starts so (a test checks)
WORKERS = 2
# The baseline's gunicorn settings: those of common.PRODUCTION_CONFIG, on the command line (see METHODS).
BASELINE_SERVING = ["--worker-class", "gthread", "--threads", "8", "--keep-alive", "5"]
# Chart pages timed, in this order (those the survey has; the first is also the one Lighthouse loads).
CHART_PAGES = ["support-for-every-proposal", "national-standards", "timescales", "then-and-now"]


@dataclass(frozen=True)
class Plan:
    name: str
    cold_reps: int
    loads: int  # fresh-context first loads per page (landing, baseline, each chart page)
    chart_pages: int  # how many chart pages are timed
    server_requests: int
    server_seconds: float
    server_threads: int
    changes: int  # clicks per app
    export_runs: int  # fresh processes timing zip_charts
    warm_reps: int  # warm single-chart renders (in the first export process, and in the old way's)
    warm_rounds: int  # warm-up requests per body before the server and browser measures
    lighthouse_runs: int  # Lighthouse runs per page
    lighthouse_parallel: bool  # the pages' runs of a round at once (smoke only: it skews the numbers)
    lighthouse_install: bool  # install Lighthouse with npm when it is missing
    description: str
    export_old: bool = True  # also time the exports the way they were drawn before issue 18 (one process)


FULL = Plan(
    "full",
    5,
    5,
    4,
    400,
    20.0,
    4,
    20,
    3,
    20,
    6,
    3,
    False,
    True,
    "full: medians of 5 first loads per page (4 chart pages), 20 clicks per app, 400 filter requests (or 20 s) "
    "per app, Lighthouse median of 3 per page",
)
QUICK = Plan(
    "quick",
    1,
    1,
    2,
    200,
    10.0,
    4,
    4,
    1,
    10,
    4,
    1,
    False,
    True,
    "quick: 1 first load per page (2 chart pages), 4 clicks per app, 200 filter requests (or 10 s) per app, "
    "Lighthouse once per page; indicative only",
)
SMOKE = Plan(
    "smoke",
    1,
    1,
    1,
    16,
    5.0,
    2,
    1,
    1,
    1,
    1,
    1,
    True,
    False,
    "smoke: one of each measure, to check the harness runs; the numbers mean nothing",
    export_old=False,
)

# Every row of the table, in order: (measure, unit, target kind, limit). Kinds: "ratio" (ours/baseline <= limit),
# "lt" (ours < limit), "le" (ours <= limit), "ge" (ours >= limit), "eq" (ours == limit), None (information only).
LIGHTHOUSE_PAGES = {"landing page": "landing", "chart page": "chart"}
LIGHTHOUSE_METRICS = [
    ("performance", "score", "ge", 95.0),  # issue 18: at least 95 on the landing page and a chart page
    ("accessibility", "score", "eq", 100.0),
    ("best practices", "score", "eq", 100.0),
    ("CLS", "CLS", "le", 0.1),
]
MEASURES: list[tuple[str, str, str | None, float | None]] = [
    ("cold start", "s", "ratio", 1.5),
    ("landing page, first-load transfer", "bytes", "ratio", 0.6),
    ("landing page, time to the overview drawn", "ms", None, None),
    ("landing page, click to settled p50", "ms", None, None),
    ("landing page, click to settled p95", "ms", "ratio", 1.0),  # issue 18: no slower than the bare app
    ("chart page, first chart drawn", "ms", "ratio", 0.6),
    ("chart page, first-load transfer", "bytes", "le", 600_000.0),
    *[
        (f"Lighthouse, {page}: {metric}", unit, kind, limit)
        for page in LIGHTHOUSE_PAGES
        for metric, unit, kind, limit in LIGHTHOUSE_METRICS
    ],
    ("Lighthouse, landing page: LCP", "ms", "ratio", 1.0),  # issue 18: no later than the bare app's
    ("filter, server p50", "ms", None, None),
    ("filter, server p95", "ms", "ratio", 1.2),
    ("filter, server p95 absolute", "ms", "lt", 25.0),
    ("filter, server throughput", "req/s", None, None),
    ("memory, gunicorn worker RSS", "MiB", "ratio", 1.5),
    ("PNG export, one chart warm p50", "ms", "le", 250.0),
    ("PNG export, one chart warm p95", "ms", "le", 250.0),
    ("PNG export, all charts in view incl. browser start", "s", "le", 3.0),
    *[
        (f"briefing pack, 5 charts, {fmt}: first byte {when}", unit, "lt", limit)
        for fmt in ("PPTX", "PDF")
        for when, unit, limit in (("cold", "s", 3.0), ("cached", "ms", 100.0))
    ],
]
MEASURE_NAMES = [m[0] for m in MEASURES]
TABLE_HEADER = "| measure | ours | baseline | ratio (ours/baseline) | target | met? |"
NO_RATIO = {"score", "CLS"}  # units whose ratio means nothing


@dataclass
class Row:
    measure: str
    unit: str
    kind: str | None
    limit: float | None
    ours: float | None = None
    baseline: float | None = None
    status: str = ""  # "" when measured, else why not ("skipped", "error")

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline or self.unit in NO_RATIO:
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
        if self.kind == "ge":
            return self.ours >= self.limit
        if self.kind == "eq":
            return self.ours == self.limit
        return self.ours <= self.limit

    @property
    def target(self) -> str:
        if self.kind == "ratio":
            return f"ratio ≤ {self.limit:g}"
        signs = {"lt": "<", "le": "≤", "ge": "≥", "eq": "="}
        if self.kind in signs:
            return f"ours {signs[self.kind]} {fmt(self.limit, self.unit)}"
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
        base = f"; baseline {fmt(self.baseline, self.unit)}" if self.baseline is not None else ""
        if self.kind in ("ge", "eq"):
            return f"MISSED: {self.measure}: {fmt(self.ours, self.unit)} vs {self.target}{base}"
        over = self.ours - self.limit
        return f"MISSED: {self.measure} by {fmt(over, self.unit)} ({fmt(self.ours, self.unit)} vs {self.target}{base})"

    def cells(self) -> list[str]:
        ours = fmt(self.ours, self.unit) if self.ours is not None else (self.status or "n/a")
        if self.baseline is not None:
            base = fmt(self.baseline, self.unit)
        elif self.status and self.kind not in ("lt", "le", "ge", "eq"):
            base = self.status
        else:
            base = "n/a"
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
    if unit == "score":
        return f"{value:.0f}"
    if unit == "CLS":
        return f"{value:.3f}"
    return f"{value:g} {unit}"


@dataclass
class Report:
    plan: Plan
    command: str
    machine: dict[str, str]
    started: dt.datetime
    rows: dict[str, Row] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # measures that failed
    skipped: list[str] = field(default_factory=list)  # measures that cannot run on this machine, and why
    loadavg_end: str = ""
    chromium: str = ""
    lighthouse: str = ""

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
            "`benchmarks/bench.py`, both served by gunicorn with the production settings "
            "(`dashboard/gunicorn_conf.py`). The baseline column is the bare app's nearest measure (see "
            '"How each measure is taken"). Re-running rewrites this file, except the sections headed '
            "`## Notes` (hand-written) and `## Load test` (appended by `python -m benchmarks.loadtest --write`), "
            "which are kept.",
            "",
            f"- Date: {self.started.strftime('%Y-%m-%d %H:%M UTC')}",
            f"- Command: `{self.command}`",
            f"- Mode: {self.plan.description}",
            f"- Machine: {m['nproc']} CPUs (nproc), {m['cpu']}, {m['memory']} memory, {m['os']}",
            f"- Load average (1/5/15 min) at start: {m['loadavg']}; at end: {self.loadavg_end}",
            f"- Python {m['python']}; {m['packages']}",
            f"- Chromium: {self.chromium or 'not used'}; Lighthouse: {self.lighthouse or 'not used'}",
            "",
            self.table(),
            "",
        ]
        missed = self.missed()
        out += missed + ([""] if missed else ["All targets met.", ""])
        if self.errors or self.skipped:
            out += ["Measures that could not be taken:", ""]
            out += [f"- {e}" for e in self.errors] + [f"- skipped: {s}" for s in self.skipped] + [""]
        out += ["## Details", ""] + [f"- {d}" for d in self.details] + [""]
        out += ["## How each measure is taken", "", METHODS.strip(), ""]
        if notes:
            out += [notes.rstrip(), ""]
        return "\n".join(out)


METHODS = """
- **Serving**: both apps under gunicorn on 127.0.0.1, 2 workers each, with `--max-requests 0` (no worker is recycled while its memory is measured). Ours: `gunicorn -c dashboard/gunicorn_conf.py dashboard.wsgi:server` (gthread, 8 threads, the build pinned at start), as `make serve` and the load test. The baseline: the same worker settings on the command line (`--worker-class gthread --threads 8 --keep-alive 5`), not the config file, whose hooks pin a build of the dashboard's data, which the bare app does not read. Before the browser and server measures each app is warmed up: its page, layout and dependencies, and every callback body used below (ours: the page callback, and for every selection of the server load and of the clicks, the two callbacks a theme click sends; the chart pages timed) is requested a few times from 4 threads, so each worker has most likely built it once.
- **cold start**: `python -m dashboard` / `python -m benchmarks.baseline_app` started as a subprocess with PORT set; seconds from the start to the first HTTP 200 on `/` (polled every 10 ms). The two apps alternate; median. The project's modules are compiled to bytecode first (`common.compile_bytecode`, as `make run` and `make serve` do, and as an installed package's are): where `PYTHONDONTWRITEBYTECODE` is set, Python would otherwise compile ours from source at every start.
- **First loads** (headless Chromium 1280×900, a fresh context each time, the cache disabled, `Accept-Encoding` as Chromium sends it): the landing page `/`, the bare app's page, and each chart page timed (`/chart/<slug>`), interleaved. Times are `performance.now()` (ms since navigation start) seen by a MutationObserver installed before any page script.
  - **landing page, first-load transfer**: the sum of CDP `Network.loadingFinished.encodedDataLength` (bytes on the wire, headers included) of every request finished once the page's load event has fired, its overview is drawn, every callback has answered and no request has been in flight for 0.5 s. Median. Baseline: the bare app's page, the same way (its chart drawn).
  - **landing page, time to the overview drawn**: when `#overview-chart` first holds a `.bar-row` (the overview is HTML; the landing page loads no plotting library). Baseline: its time to first chart. Information.
  - **chart page, first chart drawn**: when `#plot` first has data and a drawn trace (`.main-svg .trace`); median over every chart page load. Baseline: the bare app's time to first chart (its `dcc.Graph` with data and a drawn trace; the empty placeholder it draws before its callback answers does not count).
  - **chart page, first-load transfer**: as the landing page's, for each chart page timed; the row is the largest chart page's median (the target is per page). Baseline: the bare app's page, for context.
- **landing page, click to settled**: on the served landing page, a theme checkbox of the "Reform themes" fieldset is clicked, walking through the themes so that singles and pairs alternate ([a], [a, b], [b], [b, c], ...: every click is filtered in the browser (assets/filter.js: the overview's bars, key and footer, the cards, the contrasts, the sections, the quotations, the context figures and the links) and sends no request). Timed from the `click` event to the later of the last answer of the callbacks sent since the click and the last DOM mutation, once every callback has answered, nothing is marked loading and the DOM has been quiet for 500 ms. Each click is checked: the boxes ticked are the selection clicked, every callback answered 200, the summary says "Showing …". Baseline: the bare app's dropdown-to-repaint, its end-to-end filter measure: an option of the open dropdown is clicked; ms from the `click` to the `plotly_react`/`plotly_afterplot` of the graph the callback response sent a figure to. Details give each click's timeline.
- **Lighthouse**: `lighthouse@12.2.3` (npm; installed outside the repository if missing) with `CHROME_PATH=/usr/bin/chromium --preset=desktop --only-categories=performance,accessibility,best-practices` and the Chrome flags `--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run`, on the landing page, the chart page of the overview chart (the largest figure) and the bare app's page, interleaved (landing, chart, baseline; repeated); the median of each score and of CLS (`cumulative-layout-shift` numericValue) per page. The baseline column is the bare app's median, for context: these targets are absolute, except the landing page's LCP (`largest-contentful-paint` numericValue, median), which must be no later than the bare app's. Lighthouse's performance score moves with the machine's load; Details give every run's scores, timings and load average.
- **filter, server**: what the server still filters for a selection: the quotations' callback (output `quote-list.children`, as the browser posts it when a stance is picked with the selection's themes ticked; built by `dashboard.wire.callback_body`; a theme click itself posts nothing) POSTed to `/_dash-update-component` from 4 threads over keep-alive `http.client` connections, rotating through several theme selections (baseline: its dropdown callback, rotating the 5 options); latency per request as the client sees it, throughput = requests / wall time.
- **memory**: VmRSS (/proc/<pid>/status) of the larger gunicorn worker after the filter load.
- **PNG export**: `python -m benchmarks.export_probe` in a fresh process: `dashboard.export.zip_charts(dashboard.views.all_charts(store), "png")` (every chart of the catalogue, no theme filter, the export frame, uncached) timed from before kaleido's browser starts (median of the runs); then, in the first run, `render()` of the largest chart (by figure JSON) one after the other after one warm-up render: p50 and p95 of those. In the same run, `export_probe --old` once: the same with the exporter drawing as before issue 18 (details). `python -m benchmarks --only export` runs this measure alone (printed, RESULTS.md not written).
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


Request = tuple[str, str, bytes | None]  # method, path, body


def hammer(server: Server, reqs: list[Request], requests: int, seconds: float, threads: int) -> LoadResult:
    """Send ``reqs`` in rotation, ``requests`` in all (or until ``seconds``), from ``threads`` keep-alive clients."""
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
                method, path, body = reqs[i % len(reqs)]
                try:
                    r = client.request(method, path, body=body)
                except OSError as exc:
                    with lock:
                        errors.append(f"{method} {path}: {exc}")
                    continue
                with lock:
                    if r.status == 200:
                        latencies.append(r.seconds * 1000)
                    else:
                        errors.append(f"{method} {path}: HTTP {r.status}: {r.body[:120]!r}")
        finally:
            client.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + 60)
    return LoadResult(latencies, time.perf_counter() - t0, errors)


def posts(bodies: list[dict]) -> list[Request]:
    return [("POST", CALLBACK_PATH, json.dumps(b).encode()) for b in bodies]


def warm_up(server: Server, reqs: list[Request], rounds: int) -> None:
    """The page, layout and dependencies, then every request ``rounds`` times from 4 threads (so that both
    workers are likely to have built each once)."""
    pages: list[Request] = [("GET", p, None) for p in ("/", "/_dash-layout", "/_dash-dependencies")]
    r = hammer(server, pages + reqs, requests=(len(pages) + len(reqs)) * rounds, seconds=180, threads=4)
    if r.errors:
        log = [ln for ln in server.log_text().splitlines() if "Error" in ln or "Exception" in ln][-3:]
        raise RuntimeError(f"warm-up requests failed on {server.name}: {r.errors[0]}; server log: {log}")


def worker_rss(server: Server) -> int | None:
    sizes = [s for pid in server.worker_pids() if (s := common.rss_bytes(pid))]
    return max(sizes) if sizes else None


def _list(xs: list[float], digits: int = 1) -> str:
    return "[" + ", ".join(f"{x:.{digits}f}" for x in xs) + "]"


def _short_url(url: str) -> str:
    path = urlsplit(url).path
    return f"`{path if len(path) < 70 else '…' + path[-68:]}`"


@dataclass
class Setup:
    """The served apps and what the measures send them."""

    ours: Server
    base: Server
    app: OursApp
    base_deps: list[dict]
    charts: list[str]  # chart pages timed
    walk: list[tuple[int, list[int]]]  # the clicks on the landing page (common.theme_walk)
    selections: list[list[str]]  # the server filter load's selections

    def walk_selections(self) -> list[list[str]]:
        return [[self.app.themes[i] for i in ticked] for _, ticked in self.walk]

    def ours_filter(self) -> list[Request]:
        return posts([self.app.quotes(s) for s in self.selections])

    def base_filter(self) -> list[Request]:
        from benchmarks.baseline_app import OPTIONS

        return posts([common.baseline_body(self.base_deps, o) for o in OPTIONS])


# The measures. ----------------------------------------------------------------------------------------


def measure_cold_start(report: Report, plan: Plan) -> None:
    common.compile_bytecode()
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


def measure_page_loads(report: Report, plan: Plan, browser, s: Setup) -> None:
    from benchmarks.browser import READY_CHART, READY_LANDING, page_load

    landing, base = [], []
    charts: dict[str, list] = {c: [] for c in s.charts}
    for rep in range(plan.loads):
        landing.append(page_load(browser, s.ours.url + "/", READY_LANDING))
        base.append(page_load(browser, s.base.url + "/", READY_CHART))
        for slug in s.charts:
            charts[slug].append(page_load(browser, f"{s.ours.url}/chart/{slug}", READY_CHART))
        say(
            f"first loads #{rep + 1}: landing {landing[-1].bytes / 1000:,.0f} kB, overview {landing[-1].ready_ms:.0f} ms; "
            f"baseline {base[-1].bytes / 1000:,.0f} kB, chart {base[-1].ready_ms:.0f} ms; chart pages "
            + ", ".join(f"{c} {v[-1].bytes / 1000:,.0f} kB {v[-1].ready_ms:.0f} ms" for c, v in charts.items())
        )
    base_bytes, base_first = median(x.bytes for x in base), median(x.ready_ms for x in base)
    report.set("landing page, first-load transfer", median(x.bytes for x in landing), base_bytes)
    report.set("landing page, time to the overview drawn", median(x.ready_ms for x in landing), base_first)
    every_chart = [x.ready_ms for v in charts.values() for x in v]
    report.set("chart page, first chart drawn", median(every_chart), base_first)
    per_page = {c: median(x.bytes for x in v) for c, v in charts.items()}
    largest = max(per_page, key=per_page.get)
    report.set("chart page, first-load transfer", per_page[largest], base_bytes)

    def line(name: str, xs: list) -> str:
        return (
            f"first load, {name}: {xs[0].requests} requests; bytes {[x.bytes for x in xs]}; drawn ms "
            f"{_list([x.ready_ms for x in xs], 0)}"
        )

    report.details.append(line("landing page `/` (drawn = the overview's first `.bar-row`)", landing))
    report.details.append(line("baseline (drawn = its chart)", base))
    for slug, xs in charts.items():
        report.details.append(line(f"chart page `/chart/{slug}` (drawn = `#plot`)", xs))
    report.details.append(
        "chart page, first-load transfer: median per page (kB) "
        + ", ".join(f"{c} {v / 1000:,.0f}" for c, v in per_page.items())
        + f"; the row is the largest, {largest}"
    )
    for name, xs in (("landing page", landing), ("baseline", base), (f"chart page {largest}", charts[largest])):
        big = ", ".join(f"{_short_url(u)} {n / 1000:,.0f} kB" for u, n in xs[0].largest)
        report.details.append(f"largest downloads, {name}: {big}")


def measure_clicks(report: Report, plan: Plan, browser, s: Setup) -> None:
    from benchmarks.browser import baseline_changes, landing_clicks

    o = landing_clicks(browser, s.ours.url + "/", s.walk, s.app.themes)
    say(f"landing page, click to settled: {_list([x['ms'] for x in o], 0)} ms")
    b = baseline_changes(browser, s.base.url + "/", plan.changes)
    say(f"baseline, dropdown to repaint: {_list([x['ms'] for x in b], 0)} ms")
    oms, bms = [x["ms"] for x in o], [x["ms"] for x in b]
    report.set("landing page, click to settled p50", percentile(oms, 50), percentile(bms, 50))
    report.set("landing page, click to settled p95", percentile(oms, 95), percentile(bms, 95))

    overview = [x["overview"] for x in o if x["overview"] is not None]
    requests = [len(x["calls"]) for x in o]
    report.details.append(
        f"landing page, click to settled: ms {_list(oms, 0)}; baseline dropdown to repaint ms {_list(bms, 0)}"
    )
    report.details.append(
        "landing page, where a click's time goes (medians, ms after the click): server requests per click "
        f"{_list(requests, 0)}, overview last changed {median(overview) or 0:.0f}, settled {median(oms) or 0:.0f}; "
        f"baseline: figure request sent {median(x['calls'][0]['sent'] for x in b) or 0:.0f}, answered "
        f"{median(x['calls'][0]['at'] for x in b) or 0:.0f}, "
        f"repainted {median(bms) or 0:.0f}, its last DOM change (our rule: DOM quiet for 500 ms, information) "
        f"{median(x['settled_ms'] for x in b) or 0:.0f} (p95 {percentile([x['settled_ms'] for x in b], 95) or 0:.0f})"
    )
    steps = "; ".join(
        f"{x['selection']}: "
        + ", ".join(
            [f"{_callback_name(c['output'])} {c['sent']}→{c['at']} ({c['bytes'] / 1000:,.0f} kB)" for c in x["calls"]]
            or ["no request"]
        )
        + f", overview {x['overview']}, cards {x['cards']}, settled {round(x['ms'])}"
        for x in o
    )
    report.details.append(f"landing page, each click (ms after the click: callback sent→answered): {steps}")


def _callback_name(output: str) -> str:
    first = wire.output_names(output)[0]
    return {"quote-list.children": "quotations/context"}.get(first, first.split(".")[0])


def measure_lighthouse(report: Report, plan: Plan, s: Setup) -> None:
    from benchmarks import lighthouse

    try:
        binary, how = lighthouse.locate(install=plan.lighthouse_install)
    except lighthouse.Unavailable as exc:
        report.skipped.append(f"Lighthouse: {exc}")
        report.mark(LIGHTHOUSE_ROWS, "skipped")
        say(f"Lighthouse skipped: {exc}")
        return
    report.lighthouse = how
    say(how)
    targets = {
        "landing": s.ours.url + "/",
        "chart": f"{s.ours.url}/chart/{s.charts[0] if s.charts else s.app.overview}",
        "baseline": s.base.url + "/",
    }
    runs: dict[str, list] = {k: [] for k in targets}
    for rnd in range(plan.lighthouse_runs):
        if plan.lighthouse_parallel:
            with ThreadPoolExecutor(len(targets)) as pool:
                futures = {k: pool.submit(lighthouse.run, binary, url) for k, url in targets.items()}
                for k, f in futures.items():
                    runs[k].append(f.result())
        else:
            for k, url in targets.items():
                runs[k].append(lighthouse.run(binary, url))
        for k in targets:
            x = runs[k][-1]
            say(
                f"Lighthouse #{rnd + 1} {k}: performance {x.performance:.0f}, accessibility {x.accessibility:.0f}, "
                f"best practices {x.best_practices:.0f}, CLS {x.cls:.3f}, TBT {x.tbt_ms:.0f} ms (load {x.loadavg})"
            )
    fields = {
        "performance": "performance",
        "accessibility": "accessibility",
        "best practices": "best_practices",
        "CLS": "cls",
    }
    for page, key in LIGHTHOUSE_PAGES.items():
        for metric, attr in fields.items():
            report.set(
                f"Lighthouse, {page}: {metric}",
                median(getattr(x, attr) for x in runs[key]),
                median(getattr(x, attr) for x in runs["baseline"]),
            )
    lcp = [x.lcp_ms for x in runs["landing"] if x.lcp_ms is not None]
    base_lcp = [x.lcp_ms for x in runs["baseline"] if x.lcp_ms is not None]
    report.set("Lighthouse, landing page: LCP", median(lcp), median(base_lcp))
    for k, url in targets.items():
        xs = runs[k]
        below = sorted({b for x in xs for b in x.below})
        report.details.append(
            f"Lighthouse {k} (`{urlsplit(url).path}`): performance {[int(x.performance) for x in xs]}, accessibility {[int(x.accessibility) for x in xs]}, "
            f"best practices {[int(x.best_practices) for x in xs]}, CLS {[round(x.cls, 3) for x in xs]}, "
            f"FCP ms {_list([x.fcp_ms for x in xs], 0)}, LCP ms {_list([x.lcp_ms for x in xs], 0)}, "
            f"TBT ms {_list([x.tbt_ms for x in xs], 0)}, Speed Index ms {_list([x.si_ms for x in xs], 0)}; "
            f"load average at each start {[x.loadavg.split()[0] for x in xs]}"
            + (f"; audits below full marks: {', '.join(below)}" if below else "")
            + (
                f"; runs repeated after a transient Lighthouse error: {retried}"
                if (retried := sum(len(x.retried) for x in xs))
                else ""
            )
        )
    if plan.lighthouse_parallel:
        report.details.append("Lighthouse: the pages' runs were made at once (smoke mode), so they skew each other")


def measure_server_filter(report: Report, plan: Plan, s: Setup) -> None:
    results = {}
    for name, server, reqs in (("ours", s.ours, s.ours_filter()), ("baseline", s.base, s.base_filter())):
        r = hammer(server, reqs, plan.server_requests, plan.server_seconds, plan.server_threads)
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
        f"filter, server: {plan.server_threads} client threads; ours {len(o.latencies_ms)} requests in {o.seconds:.1f} s "
        f"over selections {s.selections} (chart cards {s.app.cards}), p99 {percentile(o.latencies_ms, 99) or 0:.1f} ms; "
        f"baseline {len(b.latencies_ms)} requests in {b.seconds:.1f} s, p99 {percentile(b.latencies_ms, 99) or 0:.1f} ms"
    )


def measure_memory(report: Report, s: Setup) -> None:
    o, b = worker_rss(s.ours), worker_rss(s.base)
    if o is None or b is None:
        raise RuntimeError("could not read the gunicorn workers' VmRSS from /proc")
    report.set("memory, gunicorn worker RSS", o, b)
    report.details.append(
        "worker VmRSS (MiB): ours "
        + str([round((common.rss_bytes(p) or 0) / 2**20) for p in s.ours.worker_pids()])
        + ", baseline "
        + str([round((common.rss_bytes(p) or 0) / 2**20) for p in s.base.worker_pids()])
    )


def export_probe(reps: int, old: bool = False) -> dict:
    """One ``benchmarks.export_probe`` run in a fresh process (its own session), as a dict."""
    proc = subprocess.run(
        [common.PYTHON, "-m", "benchmarks.export_probe", "--warm-reps", str(reps), *(["--old"] if old else [])],
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
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_export(report: Report, plan: Plan) -> None:
    zips, starts, warm, info, warm_chart, size = [], [], [], {}, "?", []
    for run_no in range(plan.export_runs):
        info = export_probe(plan.warm_reps if run_no == 0 else 0)
        zips.append(info["zip_s"])
        starts.append(info.get("start_s") or 0.0)
        warm += info.get("warm_ms", [])
        warm_chart = info.get("warm_chart") or warm_chart
        size = info.get("png_size") or size
        say(
            f"PNG export run {run_no + 1}: all {info['charts']} charts {info['zip_s']:.2f} s; warm {_list(info.get('warm_ms', []), 0)} ms"
        )
    report.set("PNG export, one chart warm p50", percentile(warm, 50))
    report.set("PNG export, one chart warm p95", percentile(warm, 95))
    report.set("PNG export, all charts in view incl. browser start", median(zips))
    report.details.append(
        f"PNG export (up to {info.get('tabs')} tabs per browser): {info.get('charts')} charts ({', '.join(info.get('names', []))}); "
        f"zip_charts s {_list(zips, 2)} (of which the browser's start, to its first tab loaded, s {_list(starts, 2)}); "
        f"warm render of `{warm_chart}` ({'×'.join(map(str, size))} px) ms {_list(warm, 0)}"
    )
    if plan.export_old:
        old = export_probe(plan.warm_reps, old=True)
        ow = old.get("warm_ms", [])
        say(f"PNG export, the old way: all charts {old['zip_s']:.2f} s; warm {_list(ow, 0)} ms")
        report.details.append(
            "PNG export the way it was drawn before issue 18 (`export_probe --old`: kaleido's reload after every "
            f"chart, tabs opened one after the other, the browser's memory read before every export), same run: "
            f"zip_charts {old['zip_s']:.2f} s (browser start {old.get('start_s') or 0:.2f} s); warm p50 "
            f"{percentile(ow, 50) or 0:.0f} ms, p95 {percentile(ow, 95) or 0:.0f} ms ({_list(ow, 0)})"
        )


def measure_briefing(report: Report, plan: Plan) -> None:
    """A 5-chart pack's first byte, cold (nothing cached, the export browser running) and cached, per format:
    ``benchmarks.briefing`` in a process of its own, with its own empty export cache."""
    proc = subprocess.run(
        [common.PYTHON, "-m", "benchmarks.briefing", "--json", "--repeat", str(max(3, plan.warm_reps))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        raise RuntimeError(f"briefing benchmark exited {proc.returncode}: {tail}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    rows = info["rows"]
    for fmt in ("pptx", "pdf"):
        cold = [r["first_byte_s"] for r in rows if r["format"] == fmt and r["request"].startswith("cold")]
        cached = [r["first_byte_s"] for r in rows if r["format"] == fmt and r["request"].startswith("cached")]
        # the second cold pack: the first of each format also loads its libraries (in the details)
        report.set(f"briefing pack, 5 charts, {fmt.upper()}: first byte cold", cold[-1])
        report.set(f"briefing pack, 5 charts, {fmt.upper()}: first byte cached", cached[-1] * 1000)
    report.details.append(
        f"Briefing pack of {', '.join(info['charts'])}: "
        + "; ".join(f"{r['format']} {r['request']} {r['first_byte_s'] * 1000:.0f} ms" for r in rows)
    )


# The run. ----------------------------------------------------------------------------------------------

LOAD_ROWS = [
    "landing page, first-load transfer",
    "landing page, time to the overview drawn",
    "chart page, first chart drawn",
    "chart page, first-load transfer",
]
CLICK_ROWS = ["landing page, click to settled p50", "landing page, click to settled p95"]
LIGHTHOUSE_ROWS = [n for n in MEASURE_NAMES if n.startswith("Lighthouse")]
BROWSER_ROWS = LOAD_ROWS + CLICK_ROWS + LIGHTHOUSE_ROWS
SERVER_ROWS = ["filter, server p50", "filter, server p95", "filter, server p95 absolute", "filter, server throughput"]
EXPORT_ROWS = [
    "PNG export, one chart warm p50",
    "PNG export, one chart warm p95",
    "PNG export, all charts in view incl. browser start",
]
BRIEFING_ROWS = [n for n in MEASURE_NAMES if n.startswith("briefing pack")]


def prepare(plan: Plan, ours: Server, base: Server) -> Setup:
    """Wait for both servers, read what the measures send, and warm both apps up."""
    t = ours.wait_ready(timeout=120)
    say(f"gunicorn (ours) answered after {t:.1f} s, baseline after {base.wait_ready(timeout=120):.1f} s")
    app = common.ours_app("127.0.0.1", ours.port)
    base_deps = common.get_json("127.0.0.1", base.port, "/_dash-dependencies")
    charts = [c for c in CHART_PAGES if c in app.charts] or app.charts[:1]
    s = Setup(
        ours=ours,
        base=base,
        app=app,
        base_deps=base_deps,
        charts=charts[: plan.chart_pages],
        walk=common.theme_walk(len(app.themes), plan.changes),
        selections=common.server_selections(app.themes),
    )
    selections = list(s.selections)
    for sel in s.walk_selections():
        if sel not in selections:
            selections.append(sel)
    warm: list[Request] = posts([app.page("")] + [app.quotes(sel) for sel in selections])
    warm += [("GET", f"/chart/{c}", None) for c in s.charts]
    t = time.perf_counter()
    warm_up(ours, warm, plan.warm_rounds)
    warm_up(base, s.base_filter(), plan.warm_rounds)
    say(f"warmed up in {time.perf_counter() - t:.1f} s ({len(warm)} requests to ours, {plan.warm_rounds} rounds)")
    return s


def run(plan: Plan, command: str, only: str | None = None) -> Report:
    report = Report(plan=plan, command=command, machine=common.machine(), started=dt.datetime.now(dt.UTC))
    say(f"mode {plan.name}; load average {report.machine['loadavg']}")
    no_browser = common.chromium_available()
    if no_browser:
        report.mark(BROWSER_ROWS + EXPORT_ROWS + BRIEFING_ROWS, "skipped")
        report.skipped.append(f"browser measures and PNG export: {no_browser}")
    if only == "export":
        report.mark([n for n in MEASURE_NAMES if n not in EXPORT_ROWS], "not run")
        if not no_browser:
            attempt(report, EXPORT_ROWS, "PNG export", lambda: measure_export(report, plan))
        report.loadavg_end = common.loadavg()
        return report

    attempt(report, ["cold start"], "cold start", lambda: measure_cold_start(report, plan))

    cache_dir = tempfile.mkdtemp(prefix="bench-export-cache-")
    ours = common.gunicorn(
        "gunicorn-ours",
        OURS_WSGI,
        common.free_port(),
        workers=WORKERS,
        config=common.PRODUCTION_CONFIG,
        extra=common.NO_RECYCLING,
        env={"EXPORT_CACHE_DIR": cache_dir},
    )
    base = common.gunicorn(
        "gunicorn-baseline",
        BASELINE_WSGI,
        common.free_port(),
        workers=WORKERS,
        extra=BASELINE_SERVING + common.NO_RECYCLING,
    )
    try:
        ours.start()
        base.start()
        s = attempt(
            report,
            BROWSER_ROWS + SERVER_ROWS + ["memory, gunicorn worker RSS"],
            "gunicorn servers",
            lambda: prepare(plan, ours, base),
        )
        if s and not no_browser:
            from playwright.sync_api import sync_playwright

            from benchmarks.browser import launch, version

            with sync_playwright() as p:
                browser = attempt(report, LOAD_ROWS + CLICK_ROWS, "launching Chromium", lambda: launch(p))
                if browser is not None:
                    try:
                        report.chromium = version(browser)
                        attempt(report, LOAD_ROWS, "first loads", lambda: measure_page_loads(report, plan, browser, s))
                        attempt(report, CLICK_ROWS, "clicks", lambda: measure_clicks(report, plan, browser, s))
                    finally:
                        browser.close()
            attempt(report, LIGHTHOUSE_ROWS, "Lighthouse", lambda: measure_lighthouse(report, plan, s))
        if s:
            attempt(report, SERVER_ROWS, "filter, server", lambda: measure_server_filter(report, plan, s))
            attempt(report, ["memory, gunicorn worker RSS"], "memory", lambda: measure_memory(report, s))
    finally:
        for server in (ours, base):
            server.stop()
            server.remove_log()
        shutil.rmtree(cache_dir, ignore_errors=True)

    if not no_browser:
        attempt(report, EXPORT_ROWS, "PNG export", lambda: measure_export(report, plan))
        attempt(report, BRIEFING_ROWS, "briefing pack", lambda: measure_briefing(report, plan))
    report.loadavg_end = common.loadavg()
    return report


def kept_sections(path: Path) -> str:
    """The sections of an existing results file that this run does not produce: the hand-written "## Notes",
    the "## Load test" sections appended by ``benchmarks.loadtest --write`` and the caching proxy's section
    written by ``benchmarks.cachedload --write`` (each up to the next "## ")."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return ""
    kept: list[str] = []
    keep = False
    for line in lines:
        if line.startswith("## "):
            keep = line.strip() == NOTES_HEADING or line.startswith((LOADTEST_HEADING, CACHEDLOAD_HEADING))
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
    parser.add_argument(
        "--only", choices=["export"], help="run one measure alone (printed only: RESULTS.md is not written)"
    )
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else QUICK if args.quick else FULL

    report = run(plan, command_line(argv), only=args.only)
    print(f"\nBenchmark ({plan.description})\n")
    print(report.table())
    print()
    for line in report.missed():
        print(line)
    for e in report.errors:
        print(f"NOT MEASURED: {e}")
    for e in report.skipped:
        print(f"SKIPPED: {e}")
    if args.only:
        print()
        for d in report.details:
            print(f"- {d}")
    if not args.no_write and not args.only:
        out = args.out if args.out.is_absolute() else Path.cwd() / args.out
        notes = kept_sections(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.markdown(notes))
        say(f"wrote {out}")
    return 2 if report.errors else 0
