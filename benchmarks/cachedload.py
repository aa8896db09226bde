"""Readers through the caching proxy: ``python -m benchmarks.cachedload [--requests 10000] [--clients 50]
[--write]`` (``make loadtest-cached``).

The crowd a chart shared in a news article brings: ``--requests`` GETs of chart pages, embeds and PNGs, mixed over
every chart of the app (``ours_app``) and every PNG its chart pages link to (each size, each part of a tall chart),
from ``--clients`` concurrent locust users (``benchmarks.locustfile``, as ``benchmarks.loadtest`` uses it; weights
``KINDS``). It runs twice against `make serve`'s setup (``dashboard.serving``: nginx in front of 2 gunicorn
workers, each run a new server on 127.0.0.1):

1. **direct**: nginx with its cache off (``--no-cache``): every request reaches the app;
2. **cached**: nginx's proxy cache on, as `make serve` runs it, starting empty.

For each it reports throughput and p50/p95/p99 (locust's), the answers, the proxy's ``X-Cache-Status`` counts, and
how many requests reached the app workers: the lines gunicorn wrote to its access log (``-- --access-logfile``)
during the run. Target (issue 20): the cached run reaches the app fewer than ``TARGET`` times.

Both runs share one export cache folder, filled first by one request per PNG to the direct server
(``warm_exports``), so both measure serving, not the first drawing of each image: as in steady state, where
``data/export-cache`` keeps every image drawn. A cold export cache is another matter (the exporter draws one
image at a time per worker and answers 503 + Retry-After beyond its queue; the proxy never keeps a 503).

Exit code 1 on any error (``loadtest.classify``) or a missed target. ``--write`` puts the report in
benchmarks/RESULTS.md under ``SECTION`` (replacing that section only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import html
import re
import shlex
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import common, loadtest
from benchmarks.common import Client
from benchmarks.loadtest import EXPORT, OK, Req, _get
from benchmarks.slowclients import serving

KINDS = {"embed": 4, "chart page": 3, "chart png": 3}  # embeds most: a news article's readers
TARGET = 100  # requests that may reach the app workers in the cached run
SECTION = "## Caching proxy under load (make serve)"
MAX_SECONDS = 900.0  # each run stops after this, whatever is left
WARM_TRIES = 20  # requests per PNG while warming, each after the Retry-After of a 503


@dataclass
class Run:
    name: str
    requests: int
    elapsed: float
    p50: float
    p95: float
    p99: float
    errors: int
    app_hits: int
    answers: Counter
    cache_status: Counter
    per_kind: list[str] = field(default_factory=list)
    error_lines: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0


def addresses(host: str, port: int) -> dict[str, list[Req]]:
    """The requests of each kind: every chart's page and embed, and every PNG its page links to. The pages are
    read with ``Accept-Encoding: identity``: the proxy keeps one copy per encoding (Vary), and the load's users
    ask for ``gzip, deflate, br`` (locust's), so reading them here puts nothing the load asks for in the cache."""
    app = common.ours_app(host, port)
    client = Client(host, port, accept_encoding="identity")
    pngs: list[str] = []
    try:
        for slug in app.charts:
            r = client.get(f"/chart/{slug}")
            if r.status != 200:
                raise common.ServerError(f"GET /chart/{slug} answered {r.status}")
            found = re.findall(r'href="(/chart/[^"]+\.png[^"]*)"', r.body.decode("utf-8", "replace"))
            pngs += [html.unescape(p) for p in found]
    finally:
        client.close()
    pngs = list(dict.fromkeys(pngs))
    if len(pngs) < len(app.charts):
        raise common.ServerError(f"{len(pngs)} PNG links on {len(app.charts)} chart pages")
    return {
        "embed": [_get("embed", f"/embed/{s}", OK) for s in app.charts],
        "chart page": [_get("chart page", f"/chart/{s}", OK) for s in app.charts],
        "chart png": [_get("chart png", p, EXPORT) for p in pngs],
    }


def warm_exports(host: str, port: int, pngs: list[Req]) -> float:
    """One request per PNG, one at a time (a 503 is asked again after its Retry-After): every image is drawn
    into the export cache. Seconds taken."""
    start = time.perf_counter()
    client = Client(host, port, timeout=150.0)
    try:
        for req in pngs:
            for _ in range(WARM_TRIES):
                r = client.get(req.path)
                if r.status == 200:
                    break
                retry = r.headers.get("retry-after", "")
                if r.status != 503 or not retry.isdigit():
                    raise common.ServerError(f"warming {req.path}: HTTP {r.status}")
                time.sleep(min(int(retry), 10))
            else:
                raise common.ServerError(f"warming {req.path}: still 503 after {WARM_TRIES} tries")
    finally:
        client.close()
    return time.perf_counter() - start


def log_lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(1 for _ in fh)
    except FileNotFoundError:
        return 0


def load(name: str, host: str, port: int, reqs: dict[str, list[Req]], args, access_log: Path) -> Run:
    """``args.requests`` requests from ``args.clients`` users, each request a kind (``KINDS``) then one of its
    addresses, at random; the access log's new lines are the requests that reached the app."""
    # Imported here: locust monkey-patches the process with gevent (tests import this module).
    from benchmarks import locustfile

    def chooser(choices: list[Req]):
        return lambda rng: rng.choice(choices)

    cat = loadtest.Catalogue(fixed={}, makers={k: chooser(v) for k, v in reqs.items()}, app=None)
    plan = locustfile.Plan(cat, args.seed, list(KINDS), args.requests, unique=False)
    locustfile.PLAN = plan
    tasks = {(lambda kind: lambda user: user.run_kind(kind))(k): w for k, w in KINDS.items()}
    reader = type("Reader", (locustfile.Visitor,), {"tasks": tasks})
    before = log_lines(access_log)
    env, elapsed = locustfile.run(host, port, [reader], args.clients, MAX_SECONDS, tick=lambda: None)
    time.sleep(1.0)  # gunicorn writes a line as each answer leaves; background revalidations end too
    hits = log_lines(access_log) - before
    t = env.stats.total
    n = t.num_requests
    return Run(
        name,
        n,
        elapsed,
        *(t.get_response_time_percentile(q) if n else 0.0 for q in (0.5, 0.95, 0.99)),
        errors=t.num_failures + len(env.runner.exceptions),
        app_hits=hits,
        answers=sum(plan.answers.values(), Counter()),
        cache_status=plan.cache_status,
        per_kind=loadtest.mixed_report(env, plan, elapsed, args.clients)[:-2],
        error_lines=loadtest.error_lines(env),
    )


def start(name: str, port: int, folder: Path, export_cache: Path, cache: bool, workers: int):
    access_log = folder / f"{name}-access.log"
    extra = ([] if cache else ["--no-cache"]) + ["--", "--access-logfile", str(access_log)]
    server = serving(port, {"EXPORT_CACHE_DIR": str(export_cache)}, workers, extra).start()
    try:
        server.wait_ready(path="/healthz", timeout=180)
    except Exception:
        server.stop(timeout=40)
        raise
    return server, access_log


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cachedload", description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--requests", type=int, default=10_000, help="requests per run (default 10000)")
    add("--clients", type=int, default=50, help=f"concurrent users (default 50, at most {loadtest.MAX_CLIENTS})")
    add("--runs", default="direct,cached", help="which runs, in order (default direct,cached)")
    add("--workers", type=int, default=2, help="gunicorn workers (default 2, as make serve)")
    add("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    add("--seed", type=int, default=1)
    add("--write", action="store_true", help=f"put the report in benchmarks/RESULTS.md under '{SECTION}'")
    add("--out", type=Path, default=loadtest.DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    if not args.runs or set(args.runs) - {"direct", "cached"}:
        parser.error("--runs is a list of direct and cached")
    if not 0 < args.clients <= loadtest.MAX_CLIENTS or not 0 < args.requests <= 1_000_000:
        parser.error("--clients or --requests out of range")
    return args


def report(runs: list[Run], warm_s: float | None, distinct: dict[str, int]) -> list[str]:
    lines = [
        f"Addresses: {', '.join(f'{n} {k}s' for k, n in distinct.items())} ({sum(distinct.values())} in all); "
        f"weights {', '.join(f'{k} {w}' for k, w in KINDS.items())}. "
        + (f"Export cache filled first in {warm_s:.0f} s." if warm_s is not None else "Export cache not filled first."),
        "",
        "| run | requests | reached the app (gunicorn access log) | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| answers | X-Cache-Status |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in runs:
        answers = ", ".join(f"{k}×{v}" for k, v in sorted(r.answers.items(), key=lambda kv: str(kv[0])))
        statuses = ", ".join(f"{k}×{v}" for k, v in r.cache_status.most_common())
        lines.append(
            f"| {r.name} | {r.requests} | {r.app_hits} | {r.rps:.0f} | {r.p50:.0f} | {r.p95:.0f} | {r.p99:.0f} "
            f"| {r.errors} | {answers} | {statuses} |"
        )
    cached = next((r for r in runs if r.name == "cached"), None)
    if cached:
        met = "met" if cached.app_hits < TARGET else "**missed**"
        lines += ["", f"Target: the cached run reaches the app fewer than {TARGET} times: {met} ({cached.app_hits})."]
    for r in runs:
        lines += ["", f"Per kind, {r.name}:", "", *r.per_kind]
    return lines


def write(args, argv: list[str], started: dt.datetime, lines: list[str], errors: list[str]) -> None:
    """Put the report in RESULTS.md under SECTION: that section replaced if there, else appended."""
    out = args.out if args.out.is_absolute() else Path.cwd() / args.out
    m = common.machine()
    section = [
        SECTION,
        "",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M UTC')}; load generator: locust, on the same machine",
        f"- Command: `{' '.join(['python -m benchmarks.cachedload', *map(shlex.quote, argv)])}`",
        f"- Server: `make serve`'s setup (dashboard.serving: nginx, {args.workers} gunicorn workers); "
        f"direct = nginx with `--no-cache`, cached = its proxy cache on, empty at start; "
        f"machine {m['nproc']} CPUs, {m['cpu']}; load average at end {m['loadavg']}",
        "",
        *lines,
        "",
        *([f"- {e}" for e in errors] or ["No errors."]),
        "",
    ]
    text = out.read_text() if out.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    body = "\n".join(section) + "\n"
    text = pattern.sub(lambda _: body, text, count=1) if pattern.search(text) else text.rstrip("\n") + "\n\n" + body
    out.write_text(text)
    print(f"wrote '{SECTION}' in {out}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse(argv)
    say = functools.partial(print, file=sys.stderr, flush=True)
    port = args.port or common.free_port()
    started = dt.datetime.now(dt.UTC)
    folder = Path(tempfile.mkdtemp(prefix="cachedload-"))
    export_cache = folder / "export-cache"
    runs: list[Run] = []
    reqs: dict[str, list[Req]] | None = None
    warm_s: float | None = None
    try:
        for name in args.runs:
            say(f"{name}: starting make serve's setup on 127.0.0.1:{port} ...")
            server, access_log = start(name, port, folder, export_cache, name == "cached", args.workers)
            try:
                if reqs is None:
                    reqs = addresses("127.0.0.1", port)
                if warm_s is None and name == "direct":
                    say(f"direct: drawing the {len(reqs['chart png'])} PNGs into the export cache ...")
                    warm_s = warm_exports("127.0.0.1", port, reqs["chart png"])
                say(f"{name}: {args.requests} requests from {args.clients} users ...")
                run = load(name, "127.0.0.1", port, reqs, args, access_log)
                say(f"{name}: {run.requests} in {run.elapsed:.1f} s, p95 {run.p95:.0f} ms, app reached {run.app_hits}")
                runs.append(run)
            finally:
                server.stop(timeout=40)
                log = server.log_text()
                server.remove_log()
            if "Traceback" in log and runs:
                runs[-1].error_lines.append("the server logged a traceback")
                say("\n".join(loadtest.server_tracebacks(log)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    lines = report(runs, warm_s, {k: len(v) for k, v in (reqs or {}).items()})
    errors = [f"{r.name}: {e}" for r in runs for e in r.error_lines]
    print("\n".join(lines + errors))
    if args.write:
        write(args, argv, started, lines, errors)
    missed = any(r.name == "cached" and r.app_hits >= TARGET for r in runs)
    return 1 if errors or missed or any(r.requests < args.requests for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
