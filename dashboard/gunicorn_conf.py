"""gunicorn settings for serving the dashboard in production (`make serve`: ``gunicorn -c dashboard/gunicorn_conf.py``).

Worker class: ``gthread``, ``THREADS`` threads per worker. A chart export waits for a browser for seconds;
with sync workers it held the whole worker, so page loads queued behind exports. With threads, an export
holds one thread while it renders and at most ``dashboard.export.QUEUE`` more wait (anything beyond is
refused at once with a 503), which leaves at least ``THREADS - CONCURRENCY - QUEUE`` threads per worker
for page loads and filter callbacks. Those are short (a few ms of Python each), so a handful of threads
per worker share the GIL well; more workers (about one per core) add CPU.

Builds: the master *pins* the build published in ``data/current`` when it starts and again on ``HUP``
(``SEND_DATA_BUILD`` in its environment, and ``data/pins/<master pid>`` so pruning keeps that build), after
checking every file of it and keeping their bytes (``etl.store.verify_build``). Every worker it forks,
including those that replace workers recycled by ``max_requests``, loads exactly that build, from those
bytes: files damaged on disk later change nothing being served (see ``_pin`` for a damaged build). ``make data`` alone therefore changes nothing being served; ``kill -HUP <master pid>`` rolls
the new build out (new workers on the new build, old ones finish their requests and exit).

Settings given on the command line (``--workers``, ``--bind``) override these.
"""

from __future__ import annotations

import os
from pathlib import Path

WORKERS = int(os.environ.get("WORKERS", "2"))
THREADS = int(os.environ.get("THREADS", "8"))

worker_class = "gthread"
workers = WORKERS
threads = THREADS
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
timeout = 60  # a gthread worker's heartbeat is its main loop, not a request: exports cannot trip this
# A worker told to stop (a HUP's reload, max_requests) finishes its requests within this; an export drawing
# has at most export.TIME_LIMIT (30 s) and is answered with a 503 before EXPORT_GRACE, never cut off.
graceful_timeout = 40
EXPORT_GRACE = graceful_timeout - 5
keepalive = 5
max_requests = 5000
max_requests_jitter = 500


def _data_dir() -> Path:
    from dashboard.data import DATA_DIR

    return DATA_DIR


def _pin(server, why: str) -> None:
    """Pin the published build if it verifies (every file against the manifest's sha256), and keep its bytes in
    the master, so that every worker forked from now on reads exactly that build, whatever happens to its files
    on disk later. A published build that does not verify is not rolled out: the last good one stays pinned;
    with none (a damaged build at start), workers answer 503 until ``make data`` repairs it, and each picks the
    repaired build up by itself (``dashboard.app``)."""
    from etl.store import BUILDS, PIN_ENV, DataError, keep_verified, pin_build, verified, verify_build

    data = _data_dir()
    previous = os.environ.get(PIN_ENV)
    try:
        build = pin_build(data, os.getpid())
    except OSError as exc:
        server.log.warning("could not pin a build (%s); workers read data/current", exc)
        return
    if build is None:
        server.log.warning("no published build in the data folder: workers show the maintenance page")
        os.environ.pop(PIN_ENV, None)
        return
    try:
        keep_verified(data / BUILDS / build, verify_build(data / BUILDS / build))
    except DataError as exc:
        if previous and verified(data / BUILDS / previous):  # the same id too: its verified bytes are kept
            pin_build(data, os.getpid(), previous)
            server.log.error(
                "%s: build %s is damaged (%s); still serving %s: run make data, then HUP", why, build, exc, previous
            )
            return
        server.log.error("%s: build %s is damaged (%s); workers answer 503 until make data repairs it", why, build, exc)
    os.environ[PIN_ENV] = build
    server.log.info("%s: serving build %s", why, build)


def on_starting(server) -> None:
    """In the master, before any worker: pin the published build."""
    _pin(server, "start")


def on_reload(server) -> None:
    """In the master, on HUP, before the new workers are forked: pin the build published now."""
    _pin(server, "reload")


def on_exit(server) -> None:
    from etl.store import unpin_build

    unpin_build(_data_dir(), os.getpid())


def post_fork(server, worker) -> None:
    """In a new worker: the dashboard's log lines (one per error) go to gunicorn's error log, with its format."""
    import logging

    for name in ("dashboard", "etl"):
        logger = logging.getLogger(name)
        logger.handlers = list(server.log.error_log.handlers)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def post_worker_init(worker) -> None:
    """In a new worker, after gunicorn's signal handlers: on SIGTERM (a graceful stop), its exports are told
    first (``export.begin_shutdown``): new and queued ones get a 503 with Retry-After, those drawing finish
    or get a 503 within ``EXPORT_GRACE`` seconds, none is lost to the worker's end."""
    import signal
    import sys
    import threading

    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        export = sys.modules.get("dashboard.export")
        if export is not None:  # in a thread: the handler must not wait for the exporter's lock
            threading.Thread(target=export.begin_shutdown, args=(EXPORT_GRACE,), daemon=True).start()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)


def worker_exit(server, worker) -> None:
    """In a worker that is stopping: close its export browser (if it started one), once no export draws."""
    import sys

    export = sys.modules.get("dashboard.export")
    if export is not None:
        export.stop(wait=5.0)
