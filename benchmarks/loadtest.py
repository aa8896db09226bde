"""Load test: ``python -m benchmarks.loadtest [--seconds 20] [--clients 8] [--url URL] [--write]`` (``make loadtest``).

Starts the dashboard under gunicorn on a free 127.0.0.1 port (unless ``--url`` names one already running,
which must be on 127.0.0.1 or localhost), then runs ``--clients`` concurrent keep-alive clients for
``--seconds`` (at most ``--max-requests`` requests in all). The clients first send every distinct request
once between them, then choose at random (weighted by kind) among

* page loads (``GET /``), ``/_dash-layout``, ``/_dash-dependencies`` and the page's scripts, styles and favicon;
* valid callbacks: the theme-filter panel, the quotations and the URL callbacks with real values;
* invalid values in otherwise well-formed callbacks: unknown themes, numbers, dicts, a list of 5000
  strings, a 10 000-character string, ``<script>`` markup, an oversized body. The app may answer 200
  (it ignores what it does not know) or 4xx; only a 5xx is wrong;
* malformed requests: invalid or empty JSON, a JSON array, string or null, missing keys, an unknown output,
  inputs of another callback, a non-JSON content type, a path traversal, an unknown component suite: each
  must get a 4xx. Also GET on the callback URL and on an unknown path, which Dash's catch-all route answers
  with the page (200): only a 5xx counts there.

An error is any 5xx, a connection error, a 2xx/3xx where a 4xx was expected, or a non-2xx answer to a valid
request. Prints throughput and p50/p95/p99 latency per kind of request and in total, then each distinct
error with the request that caused it (and, for a server we started, the tracebacks it logged). Exit code 1
if there was any error. ``--write`` appends the table to benchmarks/RESULTS.md under "## Load test".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shlex
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.common import CALLBACK_PATH, ROOT, Client, percentile

DEFAULT_OUT = ROOT / "benchmarks" / "RESULTS.md"
MAX_SECONDS = 600
MAX_CLIENTS = 64

OK, CLIENT_ERROR, NOT_5XX = "2xx", "4xx", "not 5xx"
KINDS = ["page", "layout", "dependencies", "static", "callback valid", "callback invalid", "malformed"]
WEIGHTS = {
    "page": 8,
    "layout": 5,
    "dependencies": 5,
    "static": 22,
    "callback valid": 30,
    "callback invalid": 18,
    "malformed": 12,
}


@dataclass(frozen=True)
class Req:
    kind: str
    label: str  # what the request is, for the error report
    method: str
    path: str
    body: bytes | None
    expect: str  # OK, CLIENT_ERROR or NOT_5XX
    content_type: str = "application/json"


@dataclass
class KindStats:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0


@dataclass
class ErrorSample:
    count: int
    status: str
    label: str
    kind: str
    excerpt: str
    body: str


# The requests. ----------------------------------------------------------------------------------------


def _json(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def static_paths(html: str) -> list[str]:
    """Same-origin script, stylesheet and icon URLs of the page."""
    found = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/[^"]+)"', html)
    return list(dict.fromkeys(found))


def catalogue(host: str, port: int) -> dict[str, list[Req]]:
    """Every request the clients choose from, grouped by kind; built from the running app."""
    client = Client(host, port, accept_encoding="identity")
    try:
        page = client.get("/")
    finally:
        client.close()
    if page.status != 200:
        raise common.ServerError(f"GET / answered {page.status}")
    statics = static_paths(page.body.decode("utf-8", "replace"))
    deps = common.get_json(host, port, "/_dash-dependencies")
    props = common.layout_props(common.get_json(host, port, "/_dash-layout"))
    panel = common.find_callback(deps, [common.OURS_THEMES, common.OURS_INTERVALS], ".figure")
    quotes = _optional(lambda: common.find_callback(deps, [common.OURS_THEMES, "quote-search.value"]))
    url_cb = _optional(lambda: common.find_callback(deps, ["url.search", common.OURS_THEMES]))
    theme_ids = [o["value"] for o in props.get("theme-filter", {}).get("options", []) if isinstance(o, dict)]

    def cb(dep: dict, values: dict, changed: list[str]) -> bytes:
        return _json(common.callback_body(dep, props, values, changed))

    T, IV = common.OURS_THEMES, common.OURS_INTERVALS
    reqs: dict[str, list[Req]] = defaultdict(list)
    reqs["page"].append(Req("page", "GET /", "GET", "/", None, OK))
    reqs["layout"].append(Req("layout", "GET /_dash-layout", "GET", "/_dash-layout", None, OK))
    reqs["dependencies"].append(Req("dependencies", "GET /_dash-dependencies", "GET", "/_dash-dependencies", None, OK))
    for path in statics:
        reqs["static"].append(Req("static", f"GET {path}", "GET", path, None, OK))

    # Valid callbacks.
    selections = [[]] + [[t] for t in theme_ids] + [theme_ids[:2], theme_ids[2:5], list(theme_ids)]
    for sel in selections:
        for iv in ([], ["on"]):
            reqs["callback valid"].append(
                Req(
                    "callback valid",
                    f"panel themes={sel} intervals={iv}",
                    "POST",
                    CALLBACK_PATH,
                    cb(panel, {T: sel, IV: iv}, [T]),
                    OK,
                )
            )
    if quotes:
        for sel, stance, search in [
            ([], [], None),
            (theme_ids[:1], ["concern"], "funding"),
            ([], ["welcomes", "mixed"], ""),
            (theme_ids[-2:], [], "tribunal"),
        ]:
            values = {T: sel, "quote-stance.value": stance, "quote-search.value": search}
            reqs["callback valid"].append(
                Req(
                    "callback valid",
                    f"quotes themes={sel} stance={stance} search={search!r}",
                    "POST",
                    CALLBACK_PATH,
                    cb(quotes, values, [T]),
                    OK,
                )
            )
    # A clientside callback (the URL sync runs in the browser) has nothing to run on the server: 4xx.
    url_kind, url_expect = (
        ("malformed", CLIENT_ERROR) if url_cb and url_cb.get("clientside_function") else ("callback valid", OK)
    )
    if url_cb and theme_ids:
        for search in ("", f"?theme={theme_ids[0]}", f"?theme={','.join(theme_ids[:3])}"):
            reqs[url_kind].append(
                Req(
                    url_kind,
                    f"url search={search!r}",
                    "POST",
                    CALLBACK_PATH,
                    cb(url_cb, {"url.search": search, T: []}, ["url.search"]),
                    url_expect,
                )
            )
        reqs[url_kind].append(
            Req(
                url_kind,
                "url from themes",
                "POST",
                CALLBACK_PATH,
                cb(url_cb, {"url.search": "", T: theme_ids[:2]}, [T]),
                url_expect,
            )
        )

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
        ("a known theme with junk", [theme_ids[0] if theme_ids else "funding", 7, "<b>x</b>"]),
    ]
    for label, value in bad_values:
        reqs["callback invalid"].append(
            Req(
                "callback invalid",
                f"panel themes={label}",
                "POST",
                CALLBACK_PATH,
                cb(panel, {T: value, IV: []}, [T]),
                NOT_5XX,
            )
        )
    for label, value in [
        ("a number", 1),
        ("a string", "on"),
        ("a dict", {"on": True}),
        ("a list of junk", ["on", None, 3]),
    ]:
        reqs["callback invalid"].append(
            Req(
                "callback invalid",
                f"panel intervals={label}",
                "POST",
                CALLBACK_PATH,
                cb(panel, {T: [], IV: value}, [IV]),
                NOT_5XX,
            )
        )
    if quotes:
        for label, values in [
            ("search is a dict", {"quote-search.value": {"$regex": ".*"}}),
            ("search is a number", {"quote-search.value": 12}),
            ("search of 10 000 characters", {"quote-search.value": "(a+)+" * 2000}),
            ("search with <script>", {"quote-search.value": "<script>alert(1)</script>"}),
            ("stance unknown", {"quote-stance.value": ["bogus", 5]}),
            ("stance is a string", {"quote-stance.value": "concern"}),
        ]:
            reqs["callback invalid"].append(
                Req(
                    "callback invalid",
                    f"quotes {label}",
                    "POST",
                    CALLBACK_PATH,
                    cb(quotes, {T: [], **values}, ["quote-search.value"]),
                    NOT_5XX,
                )
            )
    if url_cb:
        for label, search in [
            ("a number", 12345),
            ("unknown themes", "?theme=nope,also-nope"),
            ("5000 themes", "?theme=" + ",".join(f"t{i}" for i in range(5000))),
            ("<script> markup", "?theme=<script>alert(1)</script>"),
            ("a dict", {"theme": "funding"}),
            ("percent-encoded junk", "?theme=%00%ff%fe&theme=%3Cscript%3E"),
        ]:
            reqs["callback invalid"].append(
                Req(
                    "callback invalid",
                    f"url search={label}",
                    "POST",
                    CALLBACK_PATH,
                    cb(url_cb, {"url.search": search, T: []}, ["url.search"]),
                    NOT_5XX,
                )
            )
    good = common.callback_body(panel, props, {T: [], IV: []}, [T])
    reqs["callback invalid"] += [
        Req(
            "callback invalid",
            "changedPropIds names an unknown prop",
            "POST",
            CALLBACK_PATH,
            _json({**good, "changedPropIds": ["nope.value"]}),
            NOT_5XX,
        ),
        Req(
            "callback invalid",
            "input value of 300 KB",
            "POST",
            CALLBACK_PATH,
            _json(common.callback_body(panel, props, {T: ["y" * 300_000], IV: []}, [T])),
            NOT_5XX,
        ),
    ]

    # Malformed requests: always a 4xx.
    def drop(key: str) -> bytes:
        return _json({k: v for k, v in good.items() if k != key})

    other = next((d for d in deps if d is not panel and d.get("inputs")), None)
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
        ("valid JSON sent as text/plain", _json(good), "text/plain"),
    ]
    if other is not None:
        malformed.append(
            (
                "inputs of another callback",
                _json({**good, "inputs": common.callback_body(other, props, {}, [])["inputs"]}),
                "application/json",
            )
        )
    for label, body, ctype in malformed:
        reqs["malformed"].append(
            Req("malformed", f"POST callback: {label}", "POST", CALLBACK_PATH, body, CLIENT_ERROR, ctype)
        )
    reqs["malformed"] += [
        # Dash answers any other GET path with the page itself (its catch-all route serves client-side routing),
        # so for these two only a 5xx is wrong.
        Req("malformed", "GET on the callback URL", "GET", CALLBACK_PATH, None, NOT_5XX),
        Req("malformed", "GET an unknown path", "GET", "/no-such-page", None, NOT_5XX),
        Req(
            "malformed",
            "GET a path traversal in component suites",
            "GET",
            "/_dash-component-suites/dash/..%2f..%2f..%2fetc%2fpasswd",
            None,
            CLIENT_ERROR,
        ),
        Req(
            "malformed",
            "GET an unknown component suite",
            "GET",
            "/_dash-component-suites/no_such_package/x.js",
            None,
            CLIENT_ERROR,
        ),
    ]
    return dict(reqs)


def _optional(fn: Callable[[], dict]) -> dict | None:
    try:
        return fn()
    except common.ServerError:
        return None


# The run. ---------------------------------------------------------------------------------------------


def classify(req: Req, status: int) -> str | None:
    """Why this answer is an error, or None."""
    if status >= 500:
        return f"{status} (5xx)"
    if req.expect == OK and not 200 <= status < 300:
        return f"{status} on a valid request"
    if req.expect == CLIENT_ERROR and not 400 <= status < 500:
        return f"{status} where a 4xx was expected"
    return None


class LoadTest:
    def __init__(
        self,
        host: str,
        port: int,
        reqs: dict[str, list[Req]],
        clients: int,
        seconds: float,
        max_requests: int,
        seed: int,
    ):
        self.host, self.port = host, port
        self.reqs = {k: v for k, v in reqs.items() if v}
        self.kinds = list(self.reqs)
        self.weights = [WEIGHTS[k] for k in self.kinds]
        self.clients, self.seconds, self.max_requests, self.seed = clients, seconds, max_requests, seed
        self.stats: dict[str, KindStats] = {k: KindStats() for k in self.kinds}
        self.samples: dict[tuple[str, str], ErrorSample] = {}
        self.lock = threading.Lock()
        self.issued = 0
        self.elapsed = 0.0
        self.retries = 0
        # Every distinct request is sent once first (shared by the clients), then the weighted random mix.
        self.sweep = [r for rs in self.reqs.values() for r in rs]
        random.Random(seed).shuffle(self.sweep)
        self.distinct = len(self.sweep)
        self.covered: set[tuple[str, str]] = set()

    def _record(self, req: Req, status: int | None, ms: float | None, error: str | None, body: bytes = b"") -> None:
        with self.lock:
            self.covered.add((req.kind, req.label))
            st = self.stats[req.kind]
            st.statuses["conn" if status is None else status] += 1
            if ms is not None:
                st.latencies_ms.append(ms)
            if error:
                st.errors += 1
                key = (req.label, error)
                if key in self.samples:
                    self.samples[key].count += 1
                else:
                    excerpt = (req.body or b"")[:160].decode("utf-8", "replace")
                    self.samples[key] = ErrorSample(
                        1, error, req.label, req.kind, excerpt, body[:200].decode("utf-8", "replace")
                    )

    def _client(self, n: int, deadline: float) -> None:
        rng = random.Random(self.seed * 1000 + n)
        client = Client(self.host, self.port, timeout=30, accept_encoding="gzip")
        try:
            while time.perf_counter() < deadline:
                with self.lock:
                    if self.issued >= self.max_requests:
                        return
                    self.issued += 1
                    req = self.sweep.pop() if self.sweep else None
                if req is None:
                    req = rng.choice(self.reqs[rng.choices(self.kinds, self.weights)[0]])
                headers = {"Content-Type": req.content_type} if req.body is not None else {}
                try:
                    r = client.request(req.method, req.path, body=req.body, headers=headers)
                except OSError as exc:
                    self._record(req, None, None, f"connection error: {exc}")
                    continue
                self._record(
                    req, r.status, r.seconds * 1000, classify(req, r.status), r.body if r.status >= 400 else b""
                )
        finally:
            with self.lock:
                self.retries += client.retries
            client.close()

    def run(self) -> None:
        t0 = time.perf_counter()
        deadline = t0 + self.seconds
        pool = [threading.Thread(target=self._client, args=(i, deadline), daemon=True) for i in range(self.clients)]
        for t in pool:
            t.start()
        for t in pool:
            t.join(timeout=self.seconds + 60)  # a request in flight at the deadline has its own 30 s timeout
        self.elapsed = time.perf_counter() - t0

    # Report.

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.stats.values())

    def table(self) -> str:
        head = "| kind | requests | errors | req/s | p50 ms | p95 ms | p99 ms | answers |"
        lines = [head, "|---|---:|---:|---:|---:|---:|---:|---|"]
        allx: list[float] = []
        total = 0
        statuses: Counter = Counter()
        for kind in self.kinds:
            s = self.stats[kind]
            n = sum(s.statuses.values())
            total += n
            allx += s.latencies_ms
            statuses.update(s.statuses)
            lines.append(self._line(kind, n, s.errors, s.latencies_ms, s.statuses))
        lines.append(self._line("**total**", total, self.errors, allx, statuses))
        return "\n".join(lines)

    def _line(self, kind: str, n: int, errors: int, xs: list[float], statuses: Counter) -> str:
        def p(q: float) -> str:
            v = percentile(xs, q)
            return "–" if v is None else f"{v:.1f}"

        answers = ", ".join(f"{k}×{v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))
        rate = n / self.elapsed if self.elapsed else 0.0
        return f"| {kind} | {n} | {errors} | {rate:.1f} | {p(50)} | {p(95)} | {p(99)} | {answers} |"

    def totals(self) -> str:
        n = sum(sum(s.statuses.values()) for s in self.stats.values())
        xs = [x for s in self.stats.values() for x in s.latencies_ms]
        fives = sum(c for s in self.stats.values() for k, c in s.statuses.items() if isinstance(k, int) and k >= 500)
        conn = sum(s.statuses.get("conn", 0) for s in self.stats.values())
        return (
            f"TOTAL: {n} requests in {self.elapsed:.1f} s ({n / self.elapsed if self.elapsed else 0:.1f} req/s) from {self.clients} clients; "
            f"p50 {percentile(xs, 50) or 0:.1f} ms, p95 {percentile(xs, 95) or 0:.1f} ms, p99 {percentile(xs, 99) or 0:.1f} ms; "
            f"errors {self.errors} (5xx {fives}, connection {conn}); {len(self.covered)} of {self.distinct} distinct requests sent at least once; "
            f"reconnects after a closed keep-alive connection {self.retries}"
        )

    def error_lines(self) -> list[str]:
        out = []
        for s in sorted(self.samples.values(), key=lambda s: (-s.count, s.label)):
            out.append(
                f"ERROR ×{s.count}: {s.kind} / {s.label} → {s.status}"
                + (f"; answer: {s.body!r}" if s.body else "")
                + (f"; request body starts {s.excerpt!r}" if s.excerpt else "")
            )
        return out


def server_tracebacks(log: str, limit: int = 60) -> list[str]:
    """The exception lines a gunicorn log holds (the last ``limit`` of them)."""
    lines = log.splitlines()
    keep = [ln for ln in lines if re.search(r"Traceback|Error|Exception|^\s+File |\[ERROR\]", ln)]
    return keep[-limit:]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.loadtest",
        description="Mixed valid, invalid and malformed load against the dashboard (127.0.0.1 only).",
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help=f"how long the clients run (default 20, at most {MAX_SECONDS})"
    )
    parser.add_argument("--clients", type=int, default=8, help=f"concurrent clients (default 8, at most {MAX_CLIENTS})")
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="stop after this many requests in all (default 100000)"
    )
    parser.add_argument(
        "--url", help="a dashboard already running on 127.0.0.1/localhost (default: start one under gunicorn)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers when we start the server (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--write", action="store_true", help="append the table to benchmarks/RESULTS.md under '## Load test'"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}]")
    if not 0 < args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be in 1..{MAX_CLIENTS}")
    if args.max_requests < 1:
        parser.error("--max-requests must be positive")

    server = None
    if args.url:
        try:
            host, port = common.check_local_url(args.url)
        except ValueError as exc:
            parser.error(str(exc))
        host = "127.0.0.1" if host in ("localhost",) else host.strip("[]")
    else:
        host, port = "127.0.0.1", common.free_port()
        server = common.gunicorn("loadtest", common.OURS_WSGI, port, workers=args.workers)
    started = dt.datetime.now(dt.UTC)
    try:
        if server:
            server.start()
            print(
                f"starting the dashboard under gunicorn ({args.workers} workers) on http://127.0.0.1:{port} ...",
                file=sys.stderr,
                flush=True,
            )
            print(f"ready after {server.wait_ready(timeout=120):.1f} s", file=sys.stderr, flush=True)
        reqs = catalogue(host, port)
        n_req = sum(len(v) for v in reqs.values())
        print(
            f"{n_req} distinct requests in {len(reqs)} kinds; {args.clients} clients for {args.seconds:g} s",
            file=sys.stderr,
            flush=True,
        )
        test = LoadTest(host, port, reqs, args.clients, args.seconds, args.max_requests, args.seed)
        test.run()
        log = server.log_text() if server else ""
    finally:
        if server:
            server.stop()
            server.remove_log()

    print()
    print(test.table())
    print()
    print(test.totals())
    errors = test.error_lines()
    for line in errors:
        print(line)
    traces = server_tracebacks(log) if errors else []
    if traces:
        print("\nServer log (exception lines):")
        print("\n".join(traces))
    if args.write:
        out = args.out if args.out.is_absolute() else Path.cwd() / args.out
        exe = Path(common.PYTHON)
        shown = str(exe.relative_to(ROOT)) if exe.is_relative_to(ROOT) else str(exe)
        m = common.machine()
        section = [
            "",
            "## Load test",
            "",
            f"- Date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
            f"- Command: `{' '.join([shown, '-m', 'benchmarks.loadtest', *map(shlex.quote, argv)])}`",
            f"- Server: {'gunicorn, ' + str(args.workers) + ' workers, started by the load test' if server else args.url}; "
            f"machine {m['nproc']} CPUs, {m['cpu']}; load average at end {m['loadavg']}",
            "",
            test.table(),
            "",
            test.totals(),
            "",
        ]
        section += [f"- {e}" for e in errors] + ([""] if errors else ["No errors.", ""])
        prefix = "" if out.exists() else "# Benchmark results\n"
        with out.open("a") as f:
            f.write(prefix + "\n".join(section))
        print(f"appended to {out}", file=sys.stderr)
    return 1 if test.errors else 0


if __name__ == "__main__":
    sys.exit(main())
