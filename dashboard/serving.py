"""`make serve` (``python -m dashboard.serving``): nginx in front of gunicorn, started, watched and stopped together.

gunicorn (``dashboard/gunicorn_conf.py``) listens on a unix socket in a private folder; nginx, configured from
``dashboard/nginx.conf.template``, listens on HOST:PORT, reads every request whole (with time bounds on headers,
bodies and idle keep-alive connections) and only then passes it to gunicorn, so slow or half-sent connections
cost nginx a little memory and never a worker thread (why: the template's header, and the README's "Serving in
production").

nginx is also the caching tier (``proxy_cache``): it keeps the answers the app marks as shareable
(``dashboard.httpcache``) for as long as their Cache-Control says, in the private folder (empty at each start,
bounded by ``CACHE_SIZE``), and says ``X-Cache-Status: HIT|MISS|EXPIRED|...`` on every cacheable answer.
``--no-cache`` serves without it (the load test's comparison).

Signals: INT or TERM stop both (nginx gracefully, then gunicorn, which finishes its requests); HUP goes to
gunicorn, which pins the build published now and replaces its workers (``gunicorn_conf.on_reload``); once every
old worker has exited, nginx is reloaded onto a new, empty cache (``Supervisor.purge_cache``), so no answer of
the old build is served from the cache after the roll-out. If either process exits on its own, the other is
stopped and this exits non-zero, for whatever runs it to restart it.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
ROOT = Path(__file__).resolve().parent.parent
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
CLIENT_TIMEOUT = 10  # seconds: a whole request header, or the gap between two reads or writes of a body
KEEPALIVE = 5  # seconds an idle keep-alive connection is kept
UPSTREAM_TIMEOUT = 150  # seconds nginx waits for gunicorn: above an uncached export's 120 s
START_TIMEOUT = 120.0  # seconds for gunicorn's socket to appear (workers load the tables first)
# The largest request body nginx accepts: the app's own limit (dashboard.security.MAX_BODY; a test checks they
# agree). Not imported from there: that would load Dash into this small supervising process.
MAX_BODY = 256 * 1024
STOP_TIMEOUT = 30.0  # seconds each process has to stop before it is killed
CACHE_SIZE = "512m"  # the most the proxy cache keeps on disk (least recently used answers go first)
CACHE_KEYS = "16m"  # its shared-memory index: about 8,000 keys a megabyte
CACHE_INACTIVE = "1d"  # an answer nobody asked for this long is dropped: a stale copy can serve a day of errors
# How long readers of a cold address wait for the one request that fetches it before asking the app themselves:
# above an export's time limit (30 s) plus its queue wait (15 s).
LOCK_TIMEOUT = 60
ROLL_TIMEOUT = START_TIMEOUT + 60.0  # seconds a HUP's old gunicorn workers have to exit before the cache is purged
# gunicorn's default access log line, with the client's address nginx passes on (a unix socket has none).
ACCESS_LOG_FORMAT = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'


def find_nginx() -> str | None:
    """The nginx binary: $NGINX, else the PATH, else Debian's /usr/sbin/nginx (not on a user's PATH)."""
    given = os.environ.get("NGINX")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("nginx") or next((p for p in NGINX_CANDIDATES if os.access(p, os.X_OK)), None)


def render_config(
    folder: Path, listen: str, socket: Path, workers: int = 2, cache: bool = True, generation: int = 1
) -> str:
    """The nginx configuration: the template with every ``{{name}}`` filled in (an unknown name is an error).
    ``generation`` names the cache's folder (``cache-<n>``) and zone: a new one is an empty cache."""
    values = {
        "dir": str(folder),
        "listen": listen,
        "socket": str(socket),
        "workers": str(workers),
        "client_timeout": str(CLIENT_TIMEOUT),
        "keepalive": str(KEEPALIVE),
        "upstream_timeout": str(UPSTREAM_TIMEOUT),
        "max_body": f"{MAX_BODY // 1024}k",
        "generation": str(generation),
        "cache": f"pages_{generation}" if cache else "off",
        "cache_size": CACHE_SIZE,
        "cache_keys": CACHE_KEYS,
        "cache_inactive": CACHE_INACTIVE,
        "lock_timeout": str(LOCK_TIMEOUT),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], TEMPLATE.read_text())


def _die_with_parent() -> None:
    """In a child, before exec: get SIGTERM if the supervisor dies (even by SIGKILL), so nothing is orphaned."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG (Linux)


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    """Whether ``pid`` is running (a zombie, exited but not yet reaped, is not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def _listen(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Supervisor:
    """gunicorn on a private socket and nginx in front of it, as two children of this process."""

    def __init__(self, host: str, port: int, workers: int, gunicorn_args: list[str], nginx: str, cache: bool = True):
        self.folder = Path(tempfile.mkdtemp(prefix="send-serve-"))
        self.folder.chmod(0o711)  # nginx's workers may run as another user (nobody, when started as root)
        self.socket = self.folder / "gunicorn.sock"
        self.host, self.port, self.workers = host, port, workers
        self.gunicorn_args = gunicorn_args
        self.nginx_bin = nginx
        self.gunicorn: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.stopping = False
        self.cache = cache
        self.generation = 1
        self.rolling = threading.Lock()  # one HUP's roll-out at a time

    @property
    def cache_folder(self) -> Path:
        return self.folder / f"cache-{self.generation}"

    def write_config(self) -> Path:
        conf = self.folder / "nginx.conf"
        listen = _listen(self.host, self.port)
        conf.write_text(render_config(self.folder, listen, self.socket, self.workers, self.cache, self.generation))
        return conf

    def start(self) -> None:
        argv = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "dashboard" / "gunicorn_conf.py")]
        argv += ["--workers", str(self.workers), "--bind", f"unix:{self.socket}", "--no-control-socket"]
        argv += ["--access-logformat", ACCESS_LOG_FORMAT] + self.gunicorn_args + ["dashboard.wsgi:server"]
        # Their own session: a terminal's Ctrl-C reaches only this process, which stops them in order.
        self.gunicorn = subprocess.Popen(argv, cwd=ROOT, start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + START_TIMEOUT
        while not self.socket.exists():
            if self.gunicorn.poll() is not None:
                raise SystemExit(f"gunicorn exited with status {self.gunicorn.returncode} before serving")
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not open its socket within {START_TIMEOUT:.0f} s")
            time.sleep(0.05)
        conf = self.write_config()
        self.nginx = subprocess.Popen(
            [self.nginx_bin, "-p", str(self.folder), "-c", str(conf), "-e", "stderr"],
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        cached = "with its proxy cache" if self.cache else "without a cache"
        print(f"Serving on http://{_listen(self.host, self.port)}/ (nginx {cached}, in front of gunicorn)", flush=True)

    def wait(self) -> int:
        """Until a stop signal (0) or until a child exits on its own (1)."""
        while not self.stopping:
            for name, proc in (("nginx", self.nginx), ("gunicorn", self.gunicorn)):
                if proc is not None and proc.poll() is not None and not self.stopping:
                    print(f"{name} exited with status {proc.returncode}: stopping", file=sys.stderr, flush=True)
                    self.stop()
                    return 1
            time.sleep(0.2)
        return 0

    def hup(self) -> None:
        """Roll the published build out (in a thread: this is called from a signal handler)."""
        threading.Thread(target=self.roll, name="roll-out", daemon=True).start()

    def roll(self) -> None:
        """HUP to gunicorn (it pins the build published now and forks new workers); once every old worker has
        exited, nothing of the old build can be fetched any more, and the proxy cache is purged. Purging
        earlier would let an old worker's answer into the new cache, for up to s-maxage."""
        with self.rolling:
            if self.gunicorn is None or self.gunicorn.poll() is not None or self.stopping:
                return
            old = _children(self.gunicorn.pid)
            self.gunicorn.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + ROLL_TIMEOUT
            while any(_alive(pid) for pid in old):
                if self.stopping:
                    return
                if time.monotonic() > deadline:
                    print("the old workers did not exit: the cache is not purged", file=sys.stderr, flush=True)
                    return
                time.sleep(0.2)
            if self.cache:
                try:
                    self.purge_cache()
                except OSError as exc:  # the folder removed by a stop meanwhile
                    print(f"the cache was not purged: {exc}", file=sys.stderr, flush=True)

    def purge_cache(self) -> None:
        """Reload nginx onto a new, empty cache folder and remove the old one once nginx's old workers (which
        finish their requests first) have exited."""
        if self.nginx is None or self.nginx.poll() is not None or self.stopping:
            return
        old_folder, old_workers = self.cache_folder, _children(self.nginx.pid)
        self.generation += 1
        self.write_config()
        self.nginx.send_signal(signal.SIGHUP)  # nginx checks the new config first; a bad one keeps the old
        deadline = time.monotonic() + UPSTREAM_TIMEOUT + 10
        while any(_alive(pid) for pid in old_workers):
            if self.stopping:
                return
            if time.monotonic() > deadline:  # nginx refused the new config (logged): the old cache stays
                self.generation -= 1
                self.write_config()
                print("nginx did not reload: the cache is not purged", file=sys.stderr, flush=True)
                return
            time.sleep(0.2)
        shutil.rmtree(old_folder, ignore_errors=True)
        print(f"proxy cache purged (generation {self.generation})", flush=True)

    def stop(self) -> None:
        """nginx first (SIGQUIT: it finishes the requests it holds), then gunicorn (SIGTERM: graceful)."""
        self.stopping = True
        for proc, sig in ((self.nginx, signal.SIGQUIT), (self.gunicorn, signal.SIGTERM)):
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(sig)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.serving", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8050")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    parser.add_argument("--no-cache", action="store_true", help="serve without the proxy cache")
    parser.add_argument("gunicorn_args", nargs="*", help="more gunicorn options, after --")
    args = parser.parse_args(argv)
    nginx = find_nginx()
    if nginx is None:
        print("error: make serve needs nginx in front of gunicorn: apt-get install nginx", file=sys.stderr)
        return 2
    supervisor = Supervisor(args.host, args.port, args.workers, args.gunicorn_args, nginx, cache=not args.no_cache)

    def on_stop(signum, frame):
        supervisor.stopping = True

    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGHUP, lambda signum, frame: supervisor.hup())
    try:
        supervisor.start()
        status = supervisor.wait()
    except SystemExit as exc:
        print(f"error: {exc}", file=sys.stderr)
        status = 1
    finally:
        supervisor.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
