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
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
CALLBACK_PATH = "/_dash-update-component"

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


def prop_ids(items: Iterable[dict]) -> list[str]:
    return [f"{i['id']}.{i['property']}" for i in items]


def parse_outputs(output: str) -> Any:
    """The renderer's "outputs" for an "output" string: a list for multi-output ("..a.b...c.d.."), else one dict."""

    def one(s: str) -> dict:
        cid, prop = s.rsplit(".", 1)
        return {"id": cid, "property": prop}

    if output.startswith("..") and output.endswith(".."):
        return [one(s) for s in output[2:-2].split("...")]
    return one(output)


def layout_props(layout: Any) -> dict[str, dict]:
    """{component id: props} for every component with a string id in a ``/_dash-layout`` tree."""
    found: dict[str, dict] = {}
    stack = [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and "type" in node:
                if isinstance(props.get("id"), str):
                    found[props["id"]] = props
                stack.extend(v for v in props.values() if isinstance(v, (list, dict)))
    return found


def find_callback(deps: list[dict], inputs: Iterable[str], output_contains: str = "") -> dict:
    """The callback whose inputs include every "id.prop" of ``inputs`` (and whose output contains the text)."""
    wanted = set(inputs)
    for dep in deps:
        if wanted <= set(prop_ids(dep.get("inputs", []))) and output_contains in dep.get("output", ""):
            return dep
    raise ServerError(
        f"no callback with inputs {sorted(wanted)} (output containing {output_contains!r}) in /_dash-dependencies"
    )


_MISSING = object()


def callback_body(dep: dict, props: dict[str, dict], values: dict[str, Any], changed: list[str]) -> dict:
    """The JSON the Dash renderer POSTs for ``dep``: input and state values come from ``values`` ("id.prop")
    or else the layout's props; a value the layout does not have is left out, as the renderer does."""

    def item(i: dict) -> dict:
        key = f"{i['id']}.{i['property']}"
        value = values.get(key, _MISSING)
        if value is _MISSING:
            value = props.get(i["id"], {}).get(i["property"], _MISSING)
        out = {"id": i["id"], "property": i["property"]}
        if value is not _MISSING:
            out["value"] = value
        return out

    body = {
        "output": dep["output"],
        "outputs": parse_outputs(dep["output"]),
        "inputs": [item(i) for i in dep.get("inputs", [])],
        "changedPropIds": list(changed),
        "parsedChangedPropsIds": list(changed),
    }
    if dep.get("state"):
        body["state"] = [item(i) for i in dep["state"]]
    return body


@dataclass
class AppProtocol:
    """What a client needs to drive one app's filter callback."""

    deps: list[dict]
    props: dict[str, dict]
    filter_dep: dict
    filter_input: str  # "id.prop" that the rotating values go to
    selections: list[Any]
    warm_selections: list[Any] = field(
        default_factory=list
    )  # also built before the measures (e.g. each single theme the browser clicks)

    def body(self, selection: Any, extra: dict[str, Any] | None = None) -> dict:
        return callback_body(
            self.filter_dep, self.props, {self.filter_input: selection, **(extra or {})}, [self.filter_input]
        )


OURS_THEMES = "theme-filter.value"
OURS_INTERVALS = "show-intervals.value"
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
BASELINE_INPUT = "choice.value"


def ours_protocol(host: str, port: int) -> AppProtocol:
    deps = get_json(host, port, "/_dash-dependencies")
    props = layout_props(get_json(host, port, "/_dash-layout"))
    dep = find_callback(deps, [OURS_THEMES, OURS_INTERVALS], ".figure")
    options = props.get("theme-filter", {}).get("options") or []
    known = {o.get("value") for o in options if isinstance(o, dict)}
    selections = [s for s in OURS_SELECTIONS if set(s) <= known] if known else OURS_SELECTIONS
    singles = [[o["value"]] for o in options if isinstance(o, dict) and [o.get("value")] not in selections]
    return AppProtocol(deps, props, dep, OURS_THEMES, selections, singles)


def baseline_protocol(host: str, port: int) -> AppProtocol:
    from benchmarks.baseline_app import OPTIONS

    deps = get_json(host, port, "/_dash-dependencies")
    props = layout_props(get_json(host, port, "/_dash-layout"))
    dep = find_callback(deps, [BASELINE_INPUT])
    return AppProtocol(deps, props, dep, BASELINE_INPUT, list(OPTIONS))


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
    "dash-ag-grid",
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
