"""Slow clients against `make serve` (nginx in front of gunicorn): do readers still get answers?

For each count (default 64, then 500), open that many connections that send half a request header and then
nothing, hold them for ``--hold`` seconds while another client asks for ``/healthz`` and ``/`` in turn, and
report the slowest answer, any failure, and how many of the half-sent connections the server had closed by the
end (nginx closes each after its header timeout). Issue 17 found 16 such connections stopped the site when
gunicorn faced clients directly.

    python -m benchmarks.slowclients                       # starts `make serve`'s setup on a free port
    python -m benchmarks.slowclients --url http://127.0.0.1:8050 --counts 16,64 --hold 30
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import sys
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from benchmarks.common import PYTHON, Server, free_port

HALF_REQUEST = b"GET / HTTP/1.1\r\nHost: slow.example\r\nUser-Agent: slow-client\r\n"
PATHS = ("/healthz", "/")
PROBE_TIMEOUT = 10.0  # seconds: a probe slower than this counts as failed


@dataclass
class Round:
    connections: int
    opened: int
    hold_s: float
    probes: int
    failures: int
    worst_s: float
    closed_by_server: int
    errors: list[str]


def serving(port: int, env: dict[str, str] | None = None, workers: int = 2, extra: list[str] = ()) -> Server:
    """`make serve`'s setup (dashboard.serving: nginx + gunicorn) on 127.0.0.1:``port``, not started; ``extra``
    are more arguments of dashboard.serving (``--no-cache``, ``-- --access-logfile FILE``)."""
    argv = [PYTHON, "-m", "dashboard.serving", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    argv += list(extra)
    return Server(name="make serve", argv=argv, port=port, env=dict(env or {}))


def _probe(host: str, port: int, path: str) -> float:
    """Seconds for a complete 200 answer to ``path`` on a fresh connection; raises on anything else."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=PROBE_TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
    finally:
        conn.close()
    return time.perf_counter() - start


def _closed(sock: socket.socket) -> bool:
    """Whether the server has closed (or reset) this connection."""
    sock.setblocking(False)
    try:
        return sock.recv(1024) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def hold(host: str, port: int, count: int, seconds: float, interval: float = 0.25) -> Round:
    """Hold ``count`` half-sent connections for ``seconds`` while probing ``PATHS`` from another client."""
    held, errors = [], []
    for _ in range(count):
        try:
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(HALF_REQUEST)
            held.append(s)
        except OSError as exc:
            errors.append(f"open: {exc}")
            break
    probes = failures = 0
    worst = 0.0
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            for path in PATHS:
                probes += 1
                try:
                    worst = max(worst, _probe(host, port, path))
                except Exception as exc:  # every failure is counted and named
                    failures += 1
                    worst = max(worst, PROBE_TIMEOUT)
                    errors.append(f"{path}: {exc}")
            time.sleep(interval)
        closed = sum(_closed(s) for s in held)
    finally:
        for s in held:
            s.close()
    return Round(count, len(held), seconds, probes, failures, round(worst, 3), closed, errors[:5])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.slowclients", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a server already running (default: start make serve's setup)")
    parser.add_argument("--counts", default="64,500", help="connections held open, per round (comma-separated)")
    parser.add_argument("--hold", type=float, default=30.0, help="seconds each round holds them")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.counts.split(",")]
    server = None
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
    else:
        server = serving(free_port()).start()
        server.wait_ready(path="/healthz")
        host, port = "127.0.0.1", server.port
    try:
        rounds = [hold(host, port, n, args.hold) for n in counts]
    finally:
        if server is not None:
            server.stop()
            server.remove_log()
    print(json.dumps([asdict(r) for r in rounds], indent=1))
    return 0 if all(r.failures == 0 and r.worst_s < 1.0 for r in rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
