"""Load test: ``python -m benchmarks.loadtest [--seconds 20] [--clients 8] [--url URL] [--write]`` (``make loadtest``).

A thin wrapper around locust (``benchmarks/locustfile.py``, used as a library): it starts the dashboard under
gunicorn with the production settings (``dashboard/gunicorn_conf.py``; ``--max-requests 0`` so no worker is
recycled while its memory is measured; a fresh export cache) on a free 127.0.0.1 port, unless ``--url`` names
one already running (127.0.0.1 or localhost only); reads the app's callbacks and the default survey's page
(``catalogue``) to build the requests; runs locust for a bounded time and number of requests; reads the workers'
RSS before, during and after; prints p50/p95/p99 per kind and in total, the errors, and the RSS. Three modes:

* **mixed** (default): ``--clients`` users for ``--seconds`` (at most ``--max-requests`` requests): every fixed
  request once (``fixed_requests``: pages, routes, downloads, valid callbacks, and hostile ones, which
  tests/security also sends), then a weighted mix (``WEIGHTS``) of requests that look like users, most of them
  distinct (``makers``: first visits, theme selections (the server's part of a click), quotation searches, tables, CSVs,
  chart pages, embeds, the tables zip, PNGs and exports, which may be answered 503 with ``Retry-After``).
* **distinct** (``--distinct N``): N distinct valid requests (``DISTINCT_KINDS``), then stop (or after an
  hour): the workers' memory ceiling under a crowd that never repeats itself.
* **export flood** (``--export-flood N``): N concurrent exports of distinct selections while ``GET /`` is timed
  every 50 ms (target: p95 < 300 ms); how the exports were answered (200, or 503 with ``Retry-After``).
* **briefing flood** (``--briefing-flood N``): the same with N concurrent briefing packs (``/briefing.pptx`` and
  ``/briefing.pdf``, alternately), each of 5 charts picked at random and a title of its own, so none is cached.

An error (``classify``) is any 5xx (except an export's 503 with ``Retry-After``), a connection error, a 2xx/3xx
where a 4xx was expected, or a non-2xx answer to a valid request; each distinct one is printed with the request,
and for a server we started the tracebacks it logged. Exit code 1 on any error (or a missed flood target).
``--write`` appends the report to benchmarks/RESULTS.md under "## Load test".
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import itertools
import json
import random
import re
import shlex
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks import common
from benchmarks.common import CALLBACK_PATH, ROOT, Client, percentile

DEFAULT_OUT = ROOT / "benchmarks" / "RESULTS.md"
MAX_SECONDS = 3600  # also the time limit of --distinct without --seconds
MAX_CLIENTS = 64

OK, CLIENT_ERROR, NOT_5XX, EXPORT = "2xx", "4xx", "not 5xx", "200 or 503 + Retry-After"
WEIGHTS = {
    "page": 6,
    "layout": 3,
    "dependencies": 3,
    "static": 12,
    "landing": 4,
    "selection": 22,
    "quotes": 14,
    "context": 3,
    "table": 5,
    "csv": 5,
    "chart page": 8,
    "embed": 3,
    "tables zip": 1,
    "chart png": 0.3,
    "export": 0.3,
    "callback valid": 5,
    "callback invalid": 10,
    "malformed": 8,
}
# The valid requests --distinct sends: each builds or caches something (a view, a figure, a response).
DISTINCT_KINDS = ["selection", "landing", "quotes", "table", "csv", "chart page", "embed"]
CONFIG = common.PRODUCTION_CONFIG
EXPORT_PATH = "/export/charts.zip"
FLOOD_TARGET_MS = 300.0
# Words councils use in the quotations, and fragments of them: searches people type.
SEARCH_WORDS = """
funding money budget deficit tribunal tribunals appeal school schools mainstream special specialist inclusion
inclusive parents families children young people council councils local authority plan plans EHCP EHCPs needs
support workforce staff capacity timescale timetable transition legislation reform reforms standards national
health partnership early intervention outcomes confidence trust risk cost transport places academy academies
SENCO teachers training
""".split()  # noqa: SIM905 (a word list, wrapped)


@dataclass(frozen=True)
class Req:
    kind: str
    label: str  # what the request is, for the error report
    method: str
    path: str
    body: bytes | None
    expect: str  # OK, CLIENT_ERROR or NOT_5XX
    content_type: str = "application/json"


# The requests. ----------------------------------------------------------------------------------------


def _json(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def static_paths(html: str) -> list[str]:
    """Same-origin script, stylesheet and icon URLs of the page."""
    found = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/[^"]+)"', html)
    return list(dict.fromkeys(found))


@dataclass
class Catalogue:
    """The fixed requests by kind, makers of random distinct requests by kind, and the app they were read from."""

    fixed: dict[str, list[Req]]
    makers: dict[str, Callable[[random.Random], Req]]
    app: common.OursApp


def _get(kind: str, path: str, expect: str = OK, label: str = "") -> Req:
    return Req(kind, label or f"GET {path}", "GET", path, None, expect)


def _query(themes: list[str], intervals: bool = False, **more: str) -> str:
    parts = (["theme=" + ",".join(themes)] if themes else []) + (["intervals=on"] if intervals else [])
    parts += [f"{k}={v}" for k, v in more.items()]
    return ("?" + "&".join(parts)) if parts else ""


def catalogue(host: str, port: int) -> Catalogue:
    """Every request the clients choose from, grouped by kind; built from the running app: its callbacks, and
    the default survey's page as the page callback renders it (theme ids, chart cards, controls)."""
    app = common.ours_app(host, port)
    client = Client(host, port, accept_encoding="identity")
    try:
        page = client.get("/")
        chart = client.get(f"/chart/{app.overview}")
    finally:
        client.close()
    for path, r in (("/", page), (f"/chart/{app.overview}", chart)):
        if r.status != 200:
            raise common.ServerError(f"GET {path} answered {r.status}")
    html = page.body.decode("utf-8", "replace") + chart.body.decode("utf-8", "replace")
    return Catalogue(fixed_requests(app, static_paths(html)), makers(app), app)


def fixed_requests(app: common.OursApp, statics: list[str]) -> dict[str, list[Req]]:
    """The fixed requests by kind: every page, route and download, valid callbacks, and the hostile ones (invalid
    values, malformed bodies, unknown paths) with the answer each must get; tests/security sends them too."""
    theme_ids, charts = app.themes, app.charts
    T, IV = common.OURS_THEMES, common.OURS_INTERVALS
    POST = CALLBACK_PATH

    def cb(kind: str, label: str, body: dict, expect: str = OK) -> Req:
        return Req(kind, label, "POST", POST, _json(body), expect)

    reqs: dict[str, list[Req]] = defaultdict(list)
    reqs["page"].append(_get("page", "/"))
    reqs["layout"].append(_get("layout", "/_dash-layout"))
    reqs["dependencies"].append(_get("dependencies", "/_dash-dependencies"))
    for path in statics:
        reqs["static"].append(_get("static", path))
    for slug in charts:
        reqs["chart page"].append(_get("chart page", f"/chart/{slug}"))
        reqs["embed"].append(_get("embed", f"/embed/{slug}"))
        reqs["csv"].append(_get("csv", f"/chart/{slug}.csv"))
    reqs["chart page"] += [
        _get("chart page", f"/chart/{charts[1 % len(charts)]}{_query(theme_ids[:2], tab='table')}"),
        _get("chart page", f"/chart/{charts[-1]}{_query([], True, tab='sources')}"),
        _get("chart page", f"/chart/{app.overview}?theme=no-such-theme"),  # named in a notice
    ]
    reqs["csv"].append(_get("csv", "/download/send-survey-results.meta.csv"))
    reqs["tables zip"].append(_get("tables zip", TABLES_ZIP))

    # Valid callbacks: the page of a shared address, theme clicks, intervals, quotations, context, table, CSV.
    for search in ("", _query(theme_ids[:1]), _query(theme_ids[:3]), _query(theme_ids[-1:], True)):
        reqs["callback valid"].append(cb("callback valid", f"page search={search!r}", app.page(search)))
    selections = [[]] + [[t] for t in theme_ids] + [theme_ids[:2], theme_ids[2:5], list(theme_ids)]
    for sel in selections:
        reqs["callback valid"].append(cb("callback valid", f"quotes themes={sel}", app.quotes(sel)))
        for iv in ([], ["on"]):
            reqs["callback valid"].append(
                cb("callback valid", f"intervals themes={sel} intervals={iv}", app.intervals(sel, iv))
            )
    for sel, stance, search in [
        ([], [], None),
        (theme_ids[:1], ["concern"], "funding"),
        ([], ["welcomes", "mixed"], ""),
        (theme_ids[-2:], [], "tribunal"),
    ]:
        values = {T: sel, "quote-stance.value": stance}
        if search is not None:
            values["quote-search.value"] = search
        body = app.body(common.QUOTES_OUTPUT, values, ["quote-search.value"])
        reqs["callback valid"].append(
            cb("callback valid", f"quotes themes={sel} stance={stance} search={search!r}", body)
        )
    for sel, more in (([], 1), (theme_ids[:1], 0)):
        values = {T: sel, common.CONTEXT_MORE: more, common.CONTEXT_WANTED: {"asked": 1}}
        body = app.body(common.CONTEXT_OUTPUT, values, [common.CONTEXT_WANTED])
        reqs["callback valid"].append(cb("callback valid", f"context themes={sel} more={more}", body))
    body = app.body(
        common.TABLE_OUTPUT, {"show-table-button.n_clicks": 1, T: theme_ids[:1]}, ["show-table-button.n_clicks"]
    )
    reqs["callback valid"].append(cb("callback valid", "open the table", body))
    body = app.body(common.CSV_OUTPUT, {"download-csv-button.n_clicks": 1, T: []}, ["download-csv-button.n_clicks"])
    reqs["callback valid"].append(cb("callback valid", "CSV of the results in view", body))

    # Clientside callbacks (the survey from the address, the address from the checkboxes, the export
    # buttons) run in the browser: posted to the server they are refused with a 4xx.
    for dep in app.deps:
        if dep.get("clientside_function"):
            body = common.callback_body(app.deps, dep["output"], {}, {}, None)
            name = dep["clientside_function"].get("function_name")
            reqs["malformed"].append(cb("malformed", f"clientside callback {name} posted", body, CLIENT_ERROR))

    # Invalid values in well-formed callbacks: 2xx or 4xx, never 5xx.
    bad_values: list[tuple[str, Any]] = [
        ("unknown themes", ["no-such-theme", "another"]),
        ("a number", 42),
        ("a float", -1.5),
        ("a boolean", True),
        ("null", None),
        ("a dict", {"a": 1, "theme": ["funding"]}),
        ("a list of 5000 strings", [f"theme-{i}" for i in range(5000)]),
        ("a 10 000-character string", "x" * 10_000),
        ("<script> markup", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]),
        ("nested lists and nulls", [None, 1, [], {"x": []}, ["funding"]]),
        ("a known theme with junk", [theme_ids[0], 7, "<b>x</b>"]),
    ]
    for label, value in bad_values:
        body = app.body(common.QUOTES_OUTPUT, {T: value}, [common.QUOTE_STANCE])
        reqs["callback invalid"].append(cb("callback invalid", f"quotes themes={label}", body, NOT_5XX))
        body = app.body(common.INTERVALS_OUTPUT, {T: value, IV: ["on"]}, [IV])
        reqs["callback invalid"].append(cb("callback invalid", f"intervals themes={label}", body, NOT_5XX))
    for label, value in [
        ("a number", 1),
        ("a string", "on"),
        ("a dict", {"on": True}),
        ("a list of junk", ["on", None, 3]),
    ]:
        body = app.body(common.INTERVALS_OUTPUT, {T: [], IV: value}, [IV])
        reqs["callback invalid"].append(cb("callback invalid", f"intervals={label}", body, NOT_5XX))
    for label, value in [
        ("an unknown survey", "no-such-survey"),
        ("a number", 7),
        ("null", None),
        ("a dict", {"id": "x"}),
        ("<script> markup", "<script>alert(1)</script>"),
    ]:
        body = app.body(common.QUOTES_OUTPUT, {T: [], common.OURS_SURVEY: value}, [common.QUOTE_STANCE])
        reqs["callback invalid"].append(cb("callback invalid", f"quotes survey={label}", body, NOT_5XX))
        body = app.body(common.PAGE_OUTPUT, {"url.search": "", common.OURS_SURVEY: value}, [common.OURS_SURVEY])
        reqs["callback invalid"].append(cb("callback invalid", f"page survey={label}", body, NOT_5XX))
    for label, search in [
        ("a number", 12345),
        ("unknown themes", "?theme=nope,also-nope"),
        ("5000 themes", "?theme=" + ",".join(f"t{i}" for i in range(5000))),
        ("<script> markup", "?theme=<script>alert(1)</script>"),
        ("a dict", {"theme": "funding"}),
        ("percent-encoded junk", "?theme=%00%ff%fe&theme=%3Cscript%3E"),
    ]:
        body = app.body(common.PAGE_OUTPUT, {"url.search": search}, [common.OURS_SURVEY])
        reqs["callback invalid"].append(cb("callback invalid", f"page search={label}", body, NOT_5XX))
    for label, values in [
        ("search is a dict", {"quote-search.value": {"$regex": ".*"}}),
        ("search is a number", {"quote-search.value": 12}),
        ("search of 10 000 characters", {"quote-search.value": "(a+)+" * 2000}),
        ("search with <script>", {"quote-search.value": "<script>alert(1)</script>"}),
        ("stance unknown", {"quote-stance.value": ["bogus", 5]}),
        ("stance is a string", {"quote-stance.value": "concern"}),
        ("more is a string", {"quotes-more.n_clicks": "1"}),
    ]:
        body = app.body(common.QUOTES_OUTPUT, {T: [], **values}, ["quote-search.value"])
        reqs["callback invalid"].append(cb("callback invalid", f"quotes {label}", body, NOT_5XX))
    for label, clicks in [("a string", "1"), ("negative", -1), ("huge", 10**30), ("a list", [1])]:
        body = app.body(
            common.TABLE_OUTPUT, {"show-table-button.n_clicks": clicks, T: []}, ["show-table-button.n_clicks"]
        )
        reqs["callback invalid"].append(cb("callback invalid", f"table clicks={label}", body, NOT_5XX))
    good = app.quotes([])
    reqs["callback invalid"] += [
        cb(
            "callback invalid",
            "changedPropIds names an unknown prop",
            {**good, "changedPropIds": ["nope.value"]},
            NOT_5XX,
        ),
        cb("callback invalid", "input value of 300 KB", app.quotes(["y" * 300_000]), NOT_5XX),
    ]
    # Chart routes asked for something that is not there: 4xx (a 404 listing the charts).
    for path in (
        "/chart/no-such-chart",
        "/embed/no-such-chart",
        "/chart/no-such-chart.csv",
        "/chart/no-such-chart.png",
    ):
        reqs["malformed"].append(_get("malformed", path, CLIENT_ERROR))
    # An unknown survey is named in a notice on the chart of the slug (the slug finds its survey), not a 4xx.
    reqs["malformed"].append(_get("malformed", f"/chart/{app.overview}?survey=no-such-survey", OK))
    reqs["malformed"].append(_get("malformed", "/export/charts.zip?format=gif", CLIENT_ERROR))

    # Malformed requests: always a 4xx.
    def drop(key: str) -> bytes:
        return _json({k: v for k, v in good.items() if k != key})

    other = app.intervals([], ["on"])
    malformed = [
        ("invalid JSON", b'{"output": "', "application/json"),
        ("empty body", b"", "application/json"),
        ("a JSON array", b"[]", "application/json"),
        ("a JSON string", b'"hello"', "application/json"),
        ("JSON null", b"null", "application/json"),
        ("missing output", drop("output"), "application/json"),
        ("missing inputs", drop("inputs"), "application/json"),
        ("missing outputs", drop("outputs"), "application/json"),
        ("unknown output", _json({**good, "output": "nope.children"}), "application/json"),
        ("output is a number", _json({**good, "output": 5}), "application/json"),
        ("inputs is a string", _json({**good, "inputs": "x"}), "application/json"),
        ("inputs list too short", _json({**good, "inputs": good["inputs"][:1]}), "application/json"),
        ("inputs are not objects", _json({**good, "inputs": [1, 2]}), "application/json"),
        ("inputs of another callback", _json({**good, "inputs": other["inputs"]}), "application/json"),
        ("valid JSON sent as text/plain", _json(good), "text/plain"),
    ]
    for label, body, ctype in malformed:
        reqs["malformed"].append(Req("malformed", f"POST callback: {label}", "POST", POST, body, CLIENT_ERROR, ctype))
    reqs["malformed"] += [
        # A path no route serves is a 404 (dashboard.security), not Dash's page; GET on the callback URL a 405.
        _get("malformed", POST, CLIENT_ERROR, "GET on the callback URL"),
        _get("malformed", "/no-such-page", CLIENT_ERROR, "GET an unknown path"),
        _get("malformed", "/embed/x/y", CLIENT_ERROR, "GET an embed path with two parts"),
        _get("malformed", "/download/nope", CLIENT_ERROR, "GET an unknown download"),
        _get(
            "malformed",
            "/_dash-component-suites/dash/..%2f..%2f..%2fetc%2fpasswd",
            CLIENT_ERROR,
            "GET a path traversal in component suites",
        ),
        _get(
            "malformed",
            "/_dash-component-suites/no_such_package/x.js",
            CLIENT_ERROR,
            "GET an unknown component suite",
        ),
    ]
    return dict(reqs)


def makers(app: common.OursApp) -> dict:
    """Makers of random, almost always distinct, valid requests of the kinds users send."""
    T = common.OURS_THEMES
    theme_ids, charts = app.themes, app.charts
    stances = ["welcomes", "concern", "mixed"]

    def themes(rng: random.Random) -> list[str]:
        """A selection as people make them: often none or one theme, sometimes two, now and then any set (one
        of 2^11), in the order they were ticked (the browser sends the checklist's value in click order)."""
        r = rng.random()
        if r < 0.25:
            return []
        if r < 0.6:
            return [rng.choice(theme_ids)]
        if r < 0.8:
            return rng.sample(theme_ids, 2)
        chosen = [t for t in theme_ids if rng.random() < 0.3]
        rng.shuffle(chosen)
        return chosen

    def intervals(rng: random.Random) -> bool:
        return rng.random() < 0.2

    def cb(kind: str, label: str, body: dict) -> Req:
        return Req(kind, label, "POST", CALLBACK_PATH, _json(body), OK)

    def selection(rng: random.Random) -> Req:
        """The server's part of a selection: its quotations of a stance (a theme click itself is filtered in the
        browser and posts nothing), or now and then the overview's bars with intervals on or off."""
        sel = themes(rng)
        if intervals(rng):
            return cb("selection", f"intervals themes={sel}", app.intervals(sel, rng.choice([[], ["on"]])))
        return cb("selection", f"quotes themes={sel}", app.quotes(sel, rng.sample(stances, rng.randint(0, 2))))

    def landing(rng: random.Random) -> Req:
        """A first visit to a shared address: the page callback renders the survey's page for its themes."""
        search = _query(themes(rng), intervals(rng))
        return cb("landing", f"page search={search!r}", app.page(search))

    def quote_search(rng: random.Random) -> Req:
        word = rng.choice(SEARCH_WORDS)
        if rng.random() < 0.5:
            word = word[: rng.randint(3, max(3, len(word)))]
        if rng.random() < 0.3:
            word += " " + rng.choice(SEARCH_WORDS)
        if rng.random() < 0.3:
            word = word.upper() if rng.random() < 0.5 else word.capitalize()
        values = {T: themes(rng), "quote-stance.value": rng.sample(stances, rng.randint(0, 3))}
        values["quote-search.value"] = word
        values["quotes-more.n_clicks"] = rng.choice([0, 0, 0, 1])
        return cb("quotes", f"quotes search={word!r}", app.body(common.QUOTES_OUTPUT, values, ["quote-search.value"]))

    def context(rng: random.Random) -> Req:
        values = {T: themes(rng), common.CONTEXT_MORE: rng.randint(0, 3), common.CONTEXT_WANTED: {"asked": 1}}
        return cb("context", "context figures", app.body(common.CONTEXT_OUTPUT, values, [common.CONTEXT_WANTED]))

    def open_table(rng: random.Random) -> Req:
        values = {"show-table-button.n_clicks": rng.randint(1, 10_000), T: themes(rng)}
        return cb("table", "open the data table", app.body(common.TABLE_OUTPUT, values, ["show-table-button.n_clicks"]))

    def chart_path(rng: random.Random, suffix: str = "", **more: str) -> str:
        return f"/chart/{rng.choice(charts)}{suffix}{_query(themes(rng), intervals(rng), **more)}"

    def download_csv(rng: random.Random) -> Req:
        return _get("csv", chart_path(rng, ".csv"), label="GET /chart/<slug>.csv")

    def chart_page(rng: random.Random) -> Req:
        tab = rng.choice(["chart", "chart", "chart", "table", "sources"])
        path = chart_path(rng, **({"tab": tab} if tab != "chart" else {}))
        return _get("chart page", path, label="GET /chart/<slug>")

    def embed(rng: random.Random) -> Req:
        path = f"/embed/{rng.choice(charts)}{_query(themes(rng), intervals(rng))}"
        return _get("embed", path, label="GET /embed/<slug>")

    def chart_png(rng: random.Random) -> Req:
        # No theme filter: a filter can leave a chart without figures, and then its image is a 404 (no image).
        path = f"/chart/{rng.choice(charts)}.png{_query([], intervals(rng))}"
        return _get("chart png", path, EXPORT, "GET /chart/<slug>.png")

    def export_zip(rng: random.Random) -> Req:
        sel = themes(rng) or [rng.choice(theme_ids)]
        fmt = rng.choice(["png", "svg"])
        return _get("export", f"{EXPORT_PATH}?format={fmt}&theme={','.join(sel)}", EXPORT, f"export {fmt} {sel}")

    return {
        "selection": selection,
        "landing": landing,
        "quotes": quote_search,
        "context": context,
        "table": open_table,
        "csv": download_csv,
        "chart page": chart_page,
        "embed": embed,
        "chart png": chart_png,
        "export": export_zip,
        "tables zip": lambda rng: _get("tables zip", TABLES_ZIP),
    }


TABLES_ZIP = "/download/send-survey-tables.zip"


# The run. ---------------------------------------------------------------------------------------------


def classify(req: Req, status: int, headers: dict[str, str] | None = None) -> str | None:
    """Why this answer is an error, or None."""
    if req.expect == EXPORT:
        if status == 200:
            return None
        if status == 503:
            return None if (headers or {}).get("retry-after", "").isdigit() else "503 without Retry-After"
        return f"{status} where 200 or 503 + Retry-After was expected"
    if status >= 500:
        return f"{status} (5xx)"
    if req.expect == OK and not 200 <= status < 300:
        return f"{status} on a valid request"
    if req.expect == CLIENT_ERROR and not 400 <= status < 500:
        return f"{status} where a 4xx was expected"
    return None


def server_tracebacks(log: str, limit: int = 60) -> list[str]:
    """The exception lines a gunicorn log holds (the last ``limit`` of them)."""
    lines = log.splitlines()
    keep = [ln for ln in lines if re.search(r"Traceback|Error|Exception|^\s+File |\[ERROR\]", ln)]
    return keep[-limit:]


@dataclass
class Memory:
    """RSS of the gunicorn workers we started: before, at the end, and the largest seen (``sample`` is called by
    the locust run's loop every 0.5 s)."""

    server: common.Server | None
    before: dict[int, int] = field(default_factory=dict)
    after: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)

    def sample(self) -> dict[int, int]:
        found = {pid: common.rss_bytes(pid) for pid in (self.server.worker_pids() if self.server else [])}
        found = {pid: rss for pid, rss in found.items() if rss is not None}
        for pid, rss in found.items():
            self.peak[pid] = max(rss, self.peak.get(pid, 0))
        return found

    def line(self) -> str:
        if not self.before and not self.after:
            return "Worker RSS: not measured (a server we did not start)."

        def mib(d: dict[int, int]) -> str:
            return ", ".join(f"{v / 2**20:.0f}" for _, v in sorted(d.items())) or "–"

        return (
            f"Worker RSS (MiB, per worker): before {mib(self.before)}; after {mib(self.after)}; "
            f"largest seen {mib(self.peak)}; largest of all {max(self.peak.values(), default=0) / 2**20:.0f} MiB"
            + ("" if set(self.before) == set(self.after) else " (workers changed during the run)")
        )


def mixed_report(env, plan, elapsed: float, clients: int) -> list[str]:
    """p50/p95/p99 per kind and in total (locust's stats), the answers' status codes, then the totals line."""
    from benchmarks.locustfile import by_kind

    stats, t = by_kind(env), env.stats.total
    lines = [
        "| kind | requests | errors | req/s | p50 ms | p95 ms | p99 ms | answers |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    rows = [(k, stats.get(k), plan.answers.get(k, Counter())) for k in plan.kinds]
    for kind, s, answers in [*rows, ("**total**", t, sum(plan.answers.values(), Counter()))]:
        n = s.num_requests if s else 0
        p50, p95, p99 = (f"{s.get_response_time_percentile(q):.0f}" if n else "–" for q in (0.5, 0.95, 0.99))
        shown = ", ".join(f"{k}×{v}" for k, v in sorted(answers.items(), key=lambda kv: str(kv[0])))
        lines.append(
            f"| {kind} | {n} | {s.num_failures if s else 0} | {n / elapsed:.1f} | {p50} | {p95} | {p99} | {shown} |"
        )
    fixed = plan.fixed_digests
    fives = sum(
        c
        for k, a in plan.answers.items()
        for st, c in a.items()
        if isinstance(st, int) and st >= 500 and not (k == "export" and st == 503)
    )
    n = t.num_requests
    lines += ["", (
        f"TOTAL: {n} requests in {elapsed:.1f} s ({n / elapsed:.1f} req/s) from {clients} clients; "
        f"p50 {t.get_response_time_percentile(0.5) if n else 0:.0f} ms, p95 {t.get_response_time_percentile(0.95) if n else 0:.0f} ms, "
        f"p99 {t.get_response_time_percentile(0.99) if n else 0:.0f} ms; errors {t.num_failures + len(env.runner.exceptions)} "
        f"(5xx {fives} not counting exports' 503, connection {sum(a['conn'] for a in plan.answers.values())}); "
        f"{len(plan.sent)} distinct requests"
        + ("" if plan.unique else f" ({len(plan.sent & fixed)} of the {len(fixed)} fixed ones)")
        + (f"; no new distinct request could be made of: {', '.join(sorted(plan.exhausted))}" if plan.exhausted else "")
    )]  # fmt: skip
    return lines


def flood_report(env, plan, elapsed: float, probes: list[Req]) -> tuple[list[str], bool]:
    """The flood's table, and whether GET / met its target."""
    from benchmarks.locustfile import by_kind

    stats = by_kind(env)

    def timing(s) -> str:
        n = s.num_requests if s else 0
        ps = (f"{s.get_response_time_percentile(q) if n else 0:.0f} ms" for q in (0.5, 0.95, 0.99))
        return f"{n} requests; p50 {next(ps)}, p95 {next(ps)}, p99 {next(ps)}, max {s.max_response_time if n else 0:.0f} ms"

    page = stats.get(probes[0].kind)
    met = bool(page and page.num_requests) and page.get_response_time_percentile(0.95) < FLOOD_TARGET_MS
    ok = sorted(sec for st, _, sec in plan.exports if st == 200)
    busy = [(r, sec * 1000) for st, r, sec in plan.exports if st == 503]
    what = "exports" if plan.flood_kind == "export" else "briefing packs"
    refused = sorted(ms for _, ms in busy)
    return [
        "| measure | value |",
        "|---|---|",
        f"| GET / during the flood | {timing(page)} |",
        f"| target: GET / p95 < {FLOOD_TARGET_MS:.0f} ms | {'met' if met else '**missed**'} |",
        *[f"| {r.label} during the flood (information) | {timing(stats.get(r.kind))} |" for r in probes[1:]],
        f"| {what} answered 200 | {len(ok)} (seconds: {', '.join(f'{x:.1f}' for x in ok)}) |",
        f"| {what} answered 503 + Retry-After | {len(busy)} (Retry-After {', '.join(sorted({r for r, _ in busy if r})) or '–'} s; "
        f"answered in p50 {percentile(refused, 50) or 0:.0f} ms, max {max(refused, default=0):.0f} ms) |",
        f"| errors | {env.stats.total.num_failures + len(env.runner.exceptions)} |",
        f"| flood duration | {elapsed:.1f} s |",
    ], met  # fmt: skip


def error_lines(env) -> list[str]:
    """Each distinct failure (locust groups them by kind and message) and each exception a user raised."""
    out = [f"ERROR: a user raised {e['msg']}\n{e['traceback']}" for e in env.runner.exceptions.values()]
    for e in sorted(env.stats.errors.values(), key=lambda e: -e.occurrences):
        out.append(f"ERROR ×{e.occurrences}: {e.name} / {e.error}")
    return out


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.loadtest",
        description="Load that looks like users (and attackers) against the dashboard (127.0.0.1 only).",
    )
    add = parser.add_argument
    add("--seconds", type=float, default=20.0, help=f"how long the users run (default 20, at most {MAX_SECONDS})")
    add("--clients", type=int, default=8, help=f"concurrent users (default 8, at most {MAX_CLIENTS})")
    add("--max-requests", type=int, default=100_000, help="stop after this many requests in all (default 100000)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--distinct", type=int, metavar="N", help="send N distinct valid requests; report worker RSS")
    mode.add_argument("--export-flood", type=int, metavar="N", help="N concurrent exports while timing GET /")
    mode.add_argument("--briefing-flood", type=int, metavar="N", help="N concurrent briefing packs while timing GET /")
    add("--url", help="a dashboard already running on 127.0.0.1/localhost (default: start one under gunicorn)")
    add("--workers", type=int, default=2, help="gunicorn workers when we start the server (default 2)")
    add("--seed", type=int, default=1)
    add("--write", action="store_true", help="append the report to benchmarks/RESULTS.md under '## Load test'")
    add("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    for name, top in [("seconds", MAX_SECONDS), ("clients", MAX_CLIENTS), ("max_requests", 10**9),
                      ("distinct", 1_000_000), ("export_flood", 200), ("briefing_flood", 200)]:  # fmt: skip
        value = getattr(args, name)
        if value is not None and not 0 < value <= top:
            parser.error(f"--{name.replace('_', '-')} must be in (0, {top}]")
    if args.url:
        try:
            host, args.port = common.check_local_url(args.url)
        except ValueError as exc:
            parser.error(str(exc))
        args.host = "127.0.0.1" if host == "localhost" else host.strip("[]")
    else:
        args.host, args.port = "127.0.0.1", common.free_port()
    return args


def flood_requests(app: common.OursApp, kind: str, n: int, rng: random.Random) -> list[Req]:
    """``n`` distinct requests of a flood (none can be answered from a cache): exports of the charts in view for
    distinct theme selections (PNG, one in four SVG), or briefing packs of 5 random charts with their own title
    (PPTX and PDF alternately). No pack has a theme filter: a filter can leave a chart with no figure (a 400)."""
    if kind == "export":
        combos = [list(c) for k in (1, 2, 3) for c in itertools.combinations(app.themes, k)]
        rng.shuffle(combos)
        return [
            _get(kind, f"{EXPORT_PATH}?format={fmt}&theme={','.join(sel)}", EXPORT, f"export {fmt} {sel}")
            for i, sel in enumerate(combos[:n])
            for fmt in ["svg" if i % 4 == 3 else "png"]
        ]
    out = []
    for i in range(n):
        charts = rng.sample(app.charts, min(5, len(app.charts)))
        fmt = "pdf" if i % 2 else "pptx"
        query = urlencode({"charts": ",".join(charts), "title": f"Flood pack {i + 1}"})
        out.append(_get(kind, f"/briefing.{fmt}?{query}", EXPORT, f"briefing {fmt} {','.join(charts)}"))
    return out


def load(
    args: argparse.Namespace, argv: list[str], cat: Catalogue, memory: Memory
) -> tuple[list[str], list[str], bool]:
    """Run locust in the mode asked for: (report lines, error lines, whether the flood target was met)."""
    # Imported here, not at the top: locust monkey-patches the process with gevent (tests import this module).
    from benchmarks import locustfile

    say = functools.partial(print, file=sys.stderr, flush=True)
    n = args.export_flood or args.briefing_flood
    if n:
        kind = "export" if args.export_flood else "briefing"
        say(f"{n} concurrent {kind} requests, timing GET / ...")
        plan = locustfile.Plan(cat, args.seed, [kind], n, unique=False, flood_kind=kind)
        requests = flood_requests(cat.app, kind, n, random.Random(args.seed))
        probes = [
            _get("GET /", "/"),
            Req("page callback", "the landing page's page callback", "POST", CALLBACK_PATH, _json(cat.app.page("")), OK),
            _get(f"GET /chart/{cat.app.overview}", f"/chart/{cat.app.overview}"),
        ]  # fmt: skip
        env, elapsed = locustfile.flood(args.host, args.port, plan, requests, probes, memory.sample)
        report, met = flood_report(env, plan, elapsed, probes)
        return report, error_lines(env), met
    kinds = DISTINCT_KINDS if args.distinct else list(WEIGHTS)
    limit = args.distinct or args.max_requests
    seconds = MAX_SECONDS if args.distinct and "--seconds" not in argv else args.seconds
    what = f"{limit} distinct valid requests ({', '.join(kinds)})" if args.distinct else "the mixed load"
    say(f"{what}; {args.clients} users, at most {seconds:g} s")
    plan = locustfile.Plan(cat, args.seed, kinds, limit, unique=bool(args.distinct))
    env, elapsed = locustfile.mixed(args.host, args.port, plan, args.clients, seconds, memory.sample)
    errors = error_lines(env)
    if args.distinct and env.stats.total.num_requests < args.distinct:
        errors.append(
            f"ERROR: only {env.stats.total.num_requests} of the {args.distinct} distinct requests were sent (time "
            "limit, or no new distinct request could be made)"
        )
    return mixed_report(env, plan, elapsed, args.clients), errors, True


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(argv)
    server = cache_dir = None
    if not args.url:
        cache_dir = tempfile.mkdtemp(prefix="loadtest-export-cache-")
        server = common.gunicorn(
            "loadtest", common.OURS_WSGI, args.port, workers=args.workers, config=CONFIG,
            extra=common.NO_RECYCLING, env={"EXPORT_CACHE_DIR": cache_dir},
        )  # fmt: skip
    started = dt.datetime.now(dt.UTC)
    memory = Memory(server)
    try:
        if server:
            server.start()
            where = f"({args.workers} workers, {CONFIG}) on http://127.0.0.1:{args.port}"
            print(f"starting the dashboard under gunicorn {where} ...", file=sys.stderr, flush=True)
            print(f"ready after {server.wait_ready(timeout=120):.1f} s", file=sys.stderr, flush=True)
        cat = catalogue(args.host, args.port)
        memory.before = memory.sample()
        report, errors, met = load(args, argv, cat, memory)
        memory.after = memory.sample()
        log = server.log_text() if server else ""
    finally:
        if server:
            server.stop()
            server.remove_log()
        if cache_dir:
            shutil.rmtree(cache_dir, ignore_errors=True)
    report += ["", memory.line()]
    print("\n" + "\n".join(report + errors))
    traces = server_tracebacks(log) if errors else []
    if traces:
        print("\nServer log (exception lines):\n" + "\n".join(traces))
    if args.write:
        write(args, argv, started, server is not None, report, errors)
    return 1 if errors or not met else 0


def write(args, argv: list[str], started: dt.datetime, ours: bool, report: list[str], errors: list[str]) -> None:
    """Append the report to benchmarks/RESULTS.md under "## Load test"."""
    out = args.out if args.out.is_absolute() else Path.cwd() / args.out
    exe = Path(common.PYTHON)
    shown = str(exe.relative_to(ROOT)) if exe.is_relative_to(ROOT) else str(exe)
    m = common.machine()
    mode_name = (
        f"export flood ({args.export_flood} concurrent exports)"
        if args.export_flood
        else f"briefing flood ({args.briefing_flood} concurrent briefing packs)"
        if args.briefing_flood
        else f"distinct ({args.distinct} distinct valid requests)"
        if args.distinct
        else "mixed"
    )
    server = f"gunicorn ({CONFIG}), {args.workers} workers, started by the load test" if ours else args.url
    section = [
        "",
        "## Load test",
        "",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M UTC')}; mode: {mode_name}; load generator: locust",
        f"- Command: `{' '.join([shown, '-m', 'benchmarks.loadtest', *map(shlex.quote, argv)])}`",
        f"- Server: {server}; machine {m['nproc']} CPUs, {m['cpu']}; load average at end {m['loadavg']}",
        "",
        *report,
        "",
    ]
    section += [f"- {e}" for e in errors] + ([""] if errors else ["No errors.", ""])
    prefix = "" if out.exists() else "# Benchmark results\n"
    with out.open("a") as f:
        f.write(prefix + "\n".join(section))
    print(f"appended to {out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
