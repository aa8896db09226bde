"""Shared pieces of the benchmark and the load test: servers on 127.0.0.1, an HTTP client, the Dash
callback protocol, statistics and a description of the machine.

Every server is started by us in its own session (process group) and stopped by its id in ``finally``;
every wait is bounded by a timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dashboard import ids, wire
from dashboard.wire import callback_body, components

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What headless Chromium 156 sends; the servers choose the encoding they support best.
BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CALLBACK_PATH = wire.CALLBACK_PATH
PRODUCTION_CONFIG = "dashboard/gunicorn_conf.py"  # as `make serve`
NO_RECYCLING = ["--max-requests", "0"]  # no worker is replaced while its memory is measured

OURS_WSGI = "dashboard.wsgi:server"
BASELINE_WSGI = "benchmarks.baseline_app:server"
OURS_MODULE = "dashboard"
BASELINE_MODULE = "benchmarks.baseline_app"


def chromium_available() -> str:
    """ "" when the browser measures can run here, else why not."""
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is missing"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the machine
        return f"the playwright package is missing ({exc})"
    return ""


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now (bind to port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Servers. ------------------------------------------------------------------------------------------------


class ServerError(RuntimeError):
    pass


@dataclass
class Server:
    """One server process we start (in its own session) on 127.0.0.1:``port`` and always stop."""

    name: str
    argv: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    log_path: Path | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), "PYTHONUNBUFFERED": "1", **self.env}
        fd, name = tempfile.mkstemp(prefix=f"bench-{self.name.replace(' ', '-')}-", suffix=".log")
        self.log_path = Path(name)
        log = os.fdopen(fd, "wb")
        try:
            self.started_at = time.perf_counter()
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        return self

    def wait_ready(self, timeout: float = 90.0, path: str = "/") -> float:
        """Seconds from ``start()`` to the first HTTP 200 on ``path``; ServerError if it never comes."""
        deadline = self.started_at + timeout
        while True:
            if self.proc is None or self.proc.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with code {self.proc and self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    conn.request("GET", path)
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status == 200:
                        return time.perf_counter() - self.started_at
                finally:
                    conn.close()
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise ServerError(f"{self.name} gave no 200 on {path} within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.01)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the process we started)."""
        return children(self.proc.pid) if self.proc else []

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the process we started, then SIGKILL to its own process group if anything is left."""
        proc = self.proc
        if proc is None:
            return
        try:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    pass
            try:  # the group is the session we created for this server: its workers and nothing else
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        finally:
            self.proc = None

    def remove_log(self) -> None:
        if self.log_path:
            try:
                self.log_path.unlink()
            except OSError:
                pass

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.remove_log()


def gunicorn(
    name: str,
    target: str,
    port: int,
    workers: int = 2,
    config: str | None = None,
    extra: Iterable[str] = (),
    env: dict[str, str] | None = None,
) -> Server:
    """gunicorn serving ``target`` on 127.0.0.1:``port``; ``config`` is a gunicorn config file (e.g. the
    production one, dashboard/gunicorn_conf.py), ``extra`` more command-line settings (they win)."""
    argv = [
        PYTHON,
        "-m",
        "gunicorn",
        *(["-c", config] if config else []),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        "--graceful-timeout",
        "5",
        "--timeout",
        "60",
        *extra,
        target,
    ]
    return Server(name=name, argv=argv, port=port, env=dict(env or {}))


# The project's packages, compiled to bytecode before a server is started to be timed (``compile_bytecode``), as
# `make run`, `make serve` and `make bench` compile them (the Makefile's `bytecode`).
PROJECT_PACKAGES = ("dashboard", "etl", "benchmarks")


def compile_bytecode() -> None:
    """Compile the project's modules to bytecode (``__pycache__``; only those changed since): installed packages
    come with theirs, and where ``PYTHONDONTWRITEBYTECODE`` is set Python never writes ours, so every start would
    compile them from source (about 0.1 s of the dashboard's 0.5 s cold start, measured)."""
    import compileall

    for package in PROJECT_PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def module_server(name: str, module: str, port: int) -> Server:
    return Server(name=name, argv=[PYTHON, "-m", module], port=port)


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]
    except OSError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def rss_bytes(pid: int) -> int | None:
    """VmRSS of ``pid`` from /proc/<pid>/status."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_local_url(url: str) -> tuple[str, int]:
    """(host, port) of an http URL on this machine; ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise ValueError(f"only http:// URLs on 127.0.0.1 or localhost are allowed, not {url!r}")
    host = parts.hostname or ""
    if host not in LOCAL_HOSTS and f"[{host}]" not in LOCAL_HOSTS:
        raise ValueError(f"refusing to load {host!r}: only 127.0.0.1 or localhost are allowed")
    if parts.path not in ("", "/"):
        raise ValueError("give the dashboard's root URL (no path)")
    return host, parts.port or 80


# HTTP. --------------------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]
    seconds: float


class Client:
    """A keep-alive HTTP/1.1 client for one thread. A request on a reused connection that the server has
    closed meanwhile is retried once on a new connection (as browsers do); any other failure raises OSError."""

    def __init__(self, host: str, port: int, timeout: float = 30.0, accept_encoding: str = BROWSER_ACCEPT_ENCODING):
        self.host, self.port, self.timeout = host, port, timeout
        self.accept_encoding = accept_encoding
        self.conn: http.client.HTTPConnection | None = None
        self.used = False
        self.retries = 0

    def _connect(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.used = False
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        hdrs = {"Accept-Encoding": self.accept_encoding, "Accept": "*/*"}
        if body is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        for attempt in (0, 1):
            conn = self._connect()
            reused = self.used
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
                elapsed = time.perf_counter() - t0
            except (
                http.client.RemoteDisconnected,
                BrokenPipeError,
                ConnectionResetError,
                http.client.BadStatusLine,
            ) as exc:
                self.close()
                if reused and attempt == 0:
                    self.retries += 1
                    continue
                raise OSError(f"{type(exc).__name__}: {exc}") from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise OSError(f"{type(exc).__name__}: {exc}") from exc
            self.used = True
            if resp.will_close:
                self.close()
            return Response(resp.status, data, {k.lower(): v for k, v in resp.getheaders()}, elapsed)
        raise AssertionError("unreachable")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_json(self, path: str, payload: Any) -> Response:
        return self.request("POST", path, body=json.dumps(payload).encode())


def get_json(host: str, port: int, path: str) -> Any:
    client = Client(host, port, accept_encoding="identity")
    try:
        r = client.get(path)
    finally:
        client.close()
    if r.status != 200:
        raise ServerError(f"GET {path}: HTTP {r.status}")
    return json.loads(r.body)


# The Dash callback protocol. ----------------------------------------------------------------------------

# The outputs (or a part of them) that name the dashboard's callbacks; each is found in /_dash-dependencies.
PAGE_OUTPUT = "page.children"  # the survey's whole page, rendered when the survey is known
# A theme click is filtered in the browser (dashboard/filtering.py, assets/filter.js) and posts nothing; what
# the server still draws of a selection is below.
QUOTES_OUTPUT = "quote-list.children"  # the quotations of a stance or search, for the themes ticked
QUOTE_STANCE = "quote-stance.value"
CONTEXT_OUTPUT = "context-list.children"  # context cards, where the browser cannot filter them
CONTEXT_WANTED = "context-wanted.data"  # filter.js asks for them (a theme click or "more")
CONTEXT_MORE = "context-more.n_clicks"  # "more context figures", a state of the context callback
INTERVALS_OUTPUT = "overview-chart.children"  # the overview's bars, with intervals or without
TABLE_OUTPUT = "show-table-button.style"  # opening the table (filter.js asks for it again: "table-wanted.data")
CSV_OUTPUT = "download-csv.data"
OURS_THEMES = "theme-filter.value"
OURS_INTERVALS = "show-intervals.value"
OURS_SURVEY = "survey.data"
BASELINE_INPUT = "choice.value"
BASELINE_OUTPUT = "graph.figure"


def find_dep(deps: list[dict], output: str) -> dict:
    """The one callback whose output string contains ``output``; ServerError if none or several."""
    try:
        return wire.find_dep(deps, output)
    except LookupError as exc:
        raise ServerError(f"{exc} in /_dash-dependencies") from None


def layout_props(tree: Any) -> dict[str, dict]:
    """{component id: props} for every component with a string id in a tree."""
    return {i: p for i, _, p in components(tree) if isinstance(i, str)}


def post_json(host: str, port: int, path: str, payload: Any) -> Any:
    client = Client(host, port, accept_encoding="identity")
    try:
        r = client.post_json(path, payload)
    finally:
        client.close()
    if r.status != 200:
        raise ServerError(f"POST {path}: HTTP {r.status}: {r.body[:200]!r}")
    return json.loads(r.body)


@dataclass
class OursApp:
    """What a client needs to send the dashboard's callbacks as the browser does: the callbacks, the
    default survey, and its page as ``page.children`` renders it (the theme ids of the checkboxes, the
    chart cards, the controls' initial values)."""

    deps: list[dict]
    survey: str
    themes: list[str]  # theme ids, in the order of the checkboxes
    cards: list[str]  # slugs of the chart cards, in page order
    overview: str  # slug of the overview chart (drawn in HTML on the landing page)
    props: dict[str, dict]  # props of the page's components with string ids

    @property
    def charts(self) -> list[str]:
        """Every chart of the survey: the overview and the cards."""
        return [self.overview, *self.cards]

    def body(self, output: str, values: dict[str, Any] | None = None, changed: list[str] | None = None) -> dict:
        """The body of the callback whose output contains ``output``: the values given, else the page's
        initial ones (a prop the page does not have is sent without a value, as the browser does)."""
        dep = find_dep(self.deps, output)
        given: dict[str, Any] = {OURS_SURVEY: self.survey}
        for item in dep["inputs"] + dep.get("state", []):
            if isinstance(item["id"], str) and item["property"] in self.props.get(item["id"], {}):
                given[f"{item['id']}.{item['property']}"] = self.props[item["id"]][item["property"]]
        given.update(values or {})
        return callback_body(self.deps, output, given, given, changed)

    def quotes(self, themes: list[str], stances: list[str] | None = None) -> dict:
        """What the browser posts when the quotations' stance is set to ``stances`` with ``themes`` ticked: the
        server's filter of the quotations (a theme click itself posts nothing)."""
        return self.body(QUOTES_OUTPUT, {OURS_THEMES: list(themes), QUOTE_STANCE: list(stances or [])}, [QUOTE_STANCE])

    def intervals(self, themes: list[str], intervals: list[str]) -> dict:
        """What the browser posts when the intervals toggle is set to ``intervals`` with ``themes`` ticked."""
        return self.body(
            INTERVALS_OUTPUT, {OURS_THEMES: list(themes), OURS_INTERVALS: list(intervals)}, [OURS_INTERVALS]
        )

    def page(self, search: str = "") -> dict:
        return self.body(PAGE_OUTPUT, {"url.search": search}, [OURS_SURVEY])


def ours_app(host: str, port: int) -> OursApp:
    """The dashboard's callbacks and the default survey's page, as the browser gets them on a first visit."""
    return read_ours_app(
        lambda path: get_json(host, port, path), lambda path, payload: post_json(host, port, path, payload)
    )


def read_ours_app(get: Callable[[str], Any], post: Callable[[str, Any], Any]) -> OursApp:
    """``ours_app`` through any client: ``get(path)`` and ``post(path, payload)`` return the JSON answered
    (the load test's is HTTP; tests/security's is Flask's test client)."""
    deps = get("/_dash-dependencies")
    shell = layout_props(get("/_dash-layout"))
    surveys = shell.get("survey-ids", {}).get("data") or {}
    survey = surveys.get("default")
    if not survey:
        raise ServerError("the layout has no default survey (survey-ids store)")
    body = callback_body(deps, PAGE_OUTPUT, {OURS_SURVEY: survey}, {"url.search": ""}, [OURS_SURVEY])
    page = post(CALLBACK_PATH, body)["response"]["page"]["children"]
    found = components(page)
    props = {i: p for i, _, p in found if isinstance(i, str)}
    themes = [o["value"] for o in props.get("theme-filter", {}).get("options", []) if isinstance(o, dict)]
    # The cards are server-made HTML in one component (dashboard/rawhtml.py): their links' ids name the charts.
    cards_html = props.get(ids.CHART_CARDS, {}).get("html", "")
    cards = re.findall(r'id="' + re.escape(ids.CARD_LINK) + r'([^"]+)"', cards_html)
    link = props.get("overview-link", {}).get("href", "")
    overview = urlsplit(link).path.rsplit("/", 1)[-1]
    if not themes or not cards or not overview:
        raise ServerError(f"the survey's page has {len(themes)} themes, {len(cards)} chart cards, overview {link!r}")
    return OursApp(deps, survey, themes, cards, overview, props)


def baseline_body(deps: list[dict], choice: str) -> dict:
    return callback_body(deps, BASELINE_OUTPUT, {BASELINE_INPUT: choice}, changed=[BASELINE_INPUT])


# Selections. ----------------------------------------------------------------------------------------------

OURS_SELECTIONS = [
    [],
    ["tribunals"],
    ["funding", "specialist"],
    ["inclusion"],
    ["workforce", "timescales"],
    ["outcomes"],
    ["baseline"],
    ["early-intervention", "partnerships", "standards"],
]


def server_selections(themes: list[str]) -> list[list[str]]:
    """The selections the server filter load rotates through: OURS_SELECTIONS, with unknown themes left
    out, in the checkboxes' order."""
    out = []
    for sel in OURS_SELECTIONS:
        s = [t for t in themes if t in sel]
        if s not in out:
            out.append(s)
    return out


def theme_walk(n: int, clicks: int) -> list[tuple[int, list[int]]]:
    """The checkboxes clicked on the landing page, and what is ticked after each click: tick the first,
    then tick the next and untick the one before, and so on, so singles and pairs alternate and the walk
    goes through every theme: [0], [0, 1], [1], [1, 2], [2], ... (box indices, in page order)."""
    ticked: set[int] = set()
    out = []
    for k in range(clicks):
        if k == 0:
            box = 0
        elif k % 2:
            box = ((k + 1) // 2) % n
        else:
            box = (k // 2 - 1) % n
        ticked ^= {box}
        out.append((box, sorted(ticked)))
    return out


# Statistics. --------------------------------------------------------------------------------------------


def percentile(values: Iterable[float], p: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), or None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def median(values: Iterable[float]) -> float | None:
    return percentile(values, 50)


# The machine. --------------------------------------------------------------------------------------------

PACKAGES = [
    "dash",
    "plotly",
    "dash-bootstrap-components",
    "flask",
    "flask-compress",
    "werkzeug",
    "gunicorn",
    "pandas",
    "pyarrow",
    "kaleido",
    "choreographer",
    "playwright",
    "orjson",
]


def machine() -> dict[str, str]:
    from importlib import metadata

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 0
    return {
        "nproc": str(usable),
        "cpu": cpu,
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": ", ".join(versions),
        "loadavg": loadavg(),
    }


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"
