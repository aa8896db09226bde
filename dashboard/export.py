"""Server-side chart export (PNG and SVG) as bounded work, and `python -m dashboard.export` (`make figures`).

The API (what routes and callbacks call)::

    with admit() as ticket:                                     a place, or ExportBusy at once
        render_cached(figure, fmt="png", token=None, ticket=ticket) -> bytes     one chart
        zip_cached(charts, fmt="png", ticket=ticket) -> bytes                    [(file name, figure), ...] zipped

(``ticket`` is optional: without one, each call takes and frees its own place.)

``figure`` is a Plotly figure as JSON (a dict, as ``fig.to_plotly_json()`` gives) or a ``go.Figure``;
``fmt`` is "png" (2x) or "svg". Both raise, instead of waiting or hanging:

- ``ExportBusy(retry_after)``: this process is already exporting and its queue is full, or a queued export
  waited too long. A Flask route lets it propagate and gets a 503 with ``Retry-After`` (``install``
  registers the handler); a callback shows ``str(exc)``.
- ``ExportFailed``: the browser failed or the export missed its time limit; the browser has been killed
  and the next export starts a new one. Also a 503 with ``Retry-After``.
- ``ExportUnavailable``: there is no Chromium on this machine (a 503 without ``Retry-After``).
All three are ``ExportError``s; their text is meant for the page and names no server path.

How the work is bounded (per process; under gunicorn, per worker):

- ``CONCURRENCY`` exports render at a time (each a batch in up to ``renderer.TABS`` browser tabs), at most
  ``QUEUE`` more wait, each for at most ``QUEUE_WAIT`` seconds; anything beyond is refused at once. An
  export takes a place only when something must be drawn: one the disk cache holds whole never waits for
  a place and is never refused (``admit()`` gives a deferred ticket; ``Exporter.admit()`` takes a place at
  once, for callers that must reserve one).
- Each export has ``TIME_LIMIT`` seconds, browser start included (``dashboard.renderer`` kills a browser
  that misses it, and one that is found dead or hung before an export).
- Rendered images are kept on disk, keyed by a digest of the figure, format, size and renderer version,
  in ``EXPORT_CACHE_DIR`` (default ``<data folder>/export-cache``), a ``diskcache.Cache`` shared by every
  process that uses the folder; a repeated export is read back without taking a place in the queue. The
  cache is bounded (``CACHE_MAX_BYTES``, least recently used out first) and safe with many writers, and an
  entry that does not look like a whole PNG/SVG is deleted and rendered again. ``token`` (the page's figure
  token) only labels log lines: the key is the content, so a token reused by another build can never fetch
  a stale image.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import math
import os
import sqlite3
import sys
import threading
import time
import zipfile
from collections import deque
from pathlib import Path

import plotly.graph_objects as go

from dashboard.figures import EXPORT_WIDTH  # the width the charts' text is wrapped to
from dashboard.renderer import PLOTLYJS, NoBrowser, Renderer, RenderError, find_chromium

log = logging.getLogger("dashboard.export")

SCALE = 2
FORMATS = ("png", "svg")
CONCURRENCY = 1  # exports rendering at once per process
QUEUE = 2  # exports waiting per process; more are refused with ExportBusy
QUEUE_WAIT = 15.0  # seconds a queued export waits for its turn before ExportBusy
TIME_LIMIT = 30.0  # seconds per export, browser start included
CACHE_MAX_BYTES = int(os.environ.get("EXPORT_CACHE_MB", "128")) * 1024 * 1024
RETRY_MIN, RETRY_MAX = 2, 60  # seconds, the range of Retry-After
CHROMIUM_HELP = (
    "Exporting charts on the server needs Chromium, which is not installed here. On Debian or Ubuntu run "
    "`apt-get install chromium` (or set BROWSER_PATH to a Chrome/Chromium binary). Each chart's own camera "
    "button still downloads a PNG from your browser."
)
RENDER_VERSION = f"kaleido-1/{PLOTLYJS.name}/w{EXPORT_WIDTH}"  # part of every cache key


class ExportError(RuntimeError):
    """An export that cannot be done now; ``str(exc)`` is a message for the page."""

    retry_after: int | None = None


class ExportBusy(ExportError):
    """Too many exports at once in this process: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(
            f"The server is busy with other exports. Please try again in about {retry_after} seconds "
            "(each chart's camera button works meanwhile)."
        )


class ExportFailed(ExportError):
    """The export browser failed or the export took too long; the next export starts a fresh browser."""

    def __init__(self, retry_after: int = RETRY_MIN):
        self.retry_after = retry_after
        super().__init__("The export could not be finished this time. Please try again in a few seconds.")


class ExportUnavailable(ExportError):
    """No browser for kaleido to render with."""

    def __init__(self, message: str = CHROMIUM_HELP):
        super().__init__(message)


# The disk cache. --------------------------------------------------------------------------------------------


def _complete(data: bytes, fmt: str) -> bool:
    """Whether ``data`` looks like a whole image of ``fmt`` (a torn or truncated file does not)."""
    if fmt == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n") and data[-12:-8] == b"\x00\x00\x00\x00" and data[-8:-4] == b"IEND"
    return data.lstrip()[:4] == b"<svg" and data.rstrip().endswith(b"</svg>")


class DiskCache:
    """Rendered images on disk, shared by processes: a ``diskcache.Cache`` in one folder (an SQLite index and
    one file per image), bounded in bytes, the least recently used out first. diskcache makes each write
    atomic and safe with many writers; an entry that does not look like a whole PNG/SVG is still deleted and
    rendered again. A folder that cannot be used turns the cache off (with one log line), never an export."""

    def __init__(self, root: Path, max_bytes: int = CACHE_MAX_BYTES):
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.disabled = False
        self._cache = None  # opened on first use, in the process that uses it (never across a fork)
        self._lock = threading.Lock()

    def _open(self):
        with self._lock:
            if self._cache is None and not self.disabled:
                import diskcache

                try:
                    self._cache = diskcache.Cache(
                        str(self.root),
                        size_limit=self.max_bytes,
                        eviction_policy="least-recently-used",
                        disk_min_file_size=0,  # every image in its own file: the index stays small
                    )
                except (OSError, sqlite3.Error) as exc:
                    self._off(exc)
            return self._cache

    def _off(self, exc: Exception) -> None:
        log.warning("export cache disabled: %s cannot be used (%s)", self.root.name, getattr(exc, "strerror", exc))
        self.disabled = True

    def get(self, key: str, fmt: str) -> bytes | None:
        cache = None if self.disabled else self._open()
        if cache is None:
            return None
        name = f"{key}.{fmt}"
        try:
            data = cache.get(name)
        except (OSError, sqlite3.Error):
            return None
        if data is None:
            return None
        if not isinstance(data, bytes) or not self.whole(data, fmt):
            try:
                cache.delete(name)
            except (OSError, sqlite3.Error):
                pass
            return None
        return data

    def whole(self, data: bytes, fmt: str) -> bool:
        """Whether a cached entry looks like a whole file of ``fmt`` (else it is deleted and made again)."""
        return _complete(data, fmt)

    def put(self, key: str, fmt: str, data: bytes) -> None:
        if self.disabled or len(data) > self.max_bytes // 8:
            return
        cache = self._open()
        if cache is None:
            return
        try:
            cache.set(f"{key}.{fmt}", data)
        except (OSError, sqlite3.Error) as exc:
            self._off(exc)

    def clear(self) -> None:
        """Empty the cache through diskcache (deleting its folder under an open cache would turn it off)."""
        cache = None if self.disabled else self._open()
        if cache is not None:
            cache.clear()

    def size(self) -> int:
        """Bytes the images take (diskcache's count, which excludes its index)."""
        cache = None if self.disabled else self._open()
        return int(cache.volume()) if cache is not None else 0


# Bounded work. ---------------------------------------------------------------------------------------------


class Ticket:
    """One export's place in its process's ``Exporter``: taken by ``admit()``, waiting until it renders,
    freed by ``release()`` (or leaving a ``with`` block)."""

    def __init__(self, owner: Exporter, state: str = "waiting"):
        self.owner = owner
        self.state = state  # ("deferred" ->) "waiting" -> "running" -> "done"
        self.seconds: float | None = None  # how long its rendering took, for Retry-After estimates

    def release(self) -> None:
        self.owner._leave(self)

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class Exporter:
    """Renders figures through one supervised browser, a few exports at a time, with a disk cache."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        concurrency: int = CONCURRENCY,
        queue: int = QUEUE,
        queue_wait: float = QUEUE_WAIT,
        time_limit: float = TIME_LIMIT,
        renderer: Renderer | None = None,
        cache_max_bytes: int = CACHE_MAX_BYTES,
    ):
        self.concurrency, self.queue, self.queue_wait, self.time_limit = concurrency, queue, queue_wait, time_limit
        self.renderer = renderer if renderer is not None else Renderer()
        self.cache = DiskCache(cache_dir, cache_max_bytes) if cache_dir is not None else None
        self._cond = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._durations: deque[float] = deque(maxlen=20)
        self.rendered = 0  # charts rendered by the browser (not from the cache)
        self.refused = 0
        self.closing = False  # set by begin_shutdown: exports that must draw are refused from then on

    # Slots.

    def retry_after(self) -> int:
        """Seconds until a place is likely free: the queue ahead times a recent export's duration."""
        typical = sorted(self._durations)[len(self._durations) // 2] if self._durations else 5.0
        ahead = (self._waiting + self._running) / max(1, self.concurrency)
        return int(min(RETRY_MAX, max(RETRY_MIN, math.ceil(typical * max(1.0, ahead)))))

    def admit(self) -> Ticket:
        """A place for one export, or ExportBusy at once if ``concurrency + queue`` are taken. Take it before
        preparing the figures (so a refusal costs no work) and release it after (``with exporter.admit():``)."""
        ticket = Ticket(self, "deferred")
        self._take(ticket)
        return ticket

    def deferred(self) -> Ticket:
        """A ticket that takes its place only if the export must be drawn: an export the disk cache holds
        whole never waits for, nor is refused, a place (issue 17: 101 of 120 cached zips were refused at 12
        concurrent clients). Its figures are built before a refusal (a few ms, cached by ``views``)."""
        return Ticket(self, "deferred")

    def _take(self, ticket: Ticket) -> None:
        """A deferred ticket takes a place in the queue, or ExportBusy at once if every place is taken."""
        with self._cond:
            if ticket.state != "deferred":
                return
            if self.closing or self._running + self._waiting >= self.concurrency + self.queue:
                self.refused += 1
                ticket.state = "done"
                raise ExportBusy(self.retry_after())
            self._waiting += 1
            ticket.state = "waiting"

    def _start(self, ticket: Ticket) -> None:
        """Wait (at most ``queue_wait`` s) until fewer than ``concurrency`` exports render, then render."""
        with self._cond:
            if ticket.state != "waiting":
                raise RuntimeError("an export ticket renders once")
            deadline = time.monotonic() + self.queue_wait
            while self._running >= self.concurrency or self.closing:
                left = deadline - time.monotonic()
                if left <= 0 or self.closing:
                    self._waiting -= 1
                    ticket.state = "done"
                    self.refused += 1
                    self._cond.notify_all()
                    raise ExportBusy(self.retry_after())
                self._cond.wait(left)
            self._waiting -= 1
            self._running += 1
            ticket.state = "running"

    def _leave(self, ticket: Ticket) -> None:
        with self._cond:
            if ticket.state == "waiting":
                self._waiting -= 1
            elif ticket.state == "running":
                self._running -= 1
                if ticket.seconds is not None:
                    self._durations.append(ticket.seconds)
            ticket.state = "done"
            self._cond.notify_all()

    def status(self) -> dict:
        with self._cond:
            return {"running": self._running, "waiting": self._waiting, "rendered": self.rendered}

    # Rendering.

    @staticmethod
    def _spec(fig: go.Figure | dict) -> dict:
        return fig.to_plotly_json() if isinstance(fig, go.Figure) else fig

    @staticmethod
    def _opts(spec: dict, fmt: str, width: int, scale: float) -> dict:
        """Kaleido's options: the figure's own width and height where its layout sets them (a sized export)."""
        layout = spec.get("layout") or {}
        height = int(layout.get("height") or 500)
        return {"format": fmt, "width": int(layout.get("width") or width), "height": height, "scale": scale}

    @staticmethod
    def key(spec: dict, opts: dict) -> str:
        from plotly.io.json import to_json_plotly

        text = to_json_plotly(spec) + repr(sorted(opts.items())) + RENDER_VERSION
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def render_batch(
        self,
        figures: list[go.Figure | dict],
        fmt: str,
        *,
        width: int = EXPORT_WIDTH,
        scale: float = SCALE,
        cached: bool = True,
        time_limit: float | None = None,
        ticket: Ticket | None = None,
    ) -> list[bytes]:
        """Every figure as ``fmt`` bytes: from the disk cache (unless ``cached`` is False), else rendered in one
        batch once a place is free, within ``time_limit`` seconds (default ``self.time_limit``). ``ticket``: a
        place already taken with ``admit()`` (else one is taken and released here)."""
        if fmt not in FORMATS:
            raise ValueError(f"unsupported format {fmt!r}")
        own = ticket is None
        ticket = self.deferred() if own else ticket
        try:
            return self._render_batch(figures, fmt, width, scale, cached, time_limit, ticket)
        finally:
            if own:
                ticket.release()

    def _render_batch(self, figures, fmt, width, scale, cached, time_limit, ticket: Ticket) -> list[bytes]:
        specs = [self._spec(f) for f in figures]
        opts = [self._opts(s, fmt, width, scale) for s in specs]
        use_cache = cached and self.cache is not None
        keys = [self.key(s, o) for s, o in zip(specs, opts)] if use_cache else [None] * len(specs)
        out: list[bytes | None] = [self.cache.get(k, fmt) if k else None for k in keys]
        if all(o is not None for o in out):
            return out  # type: ignore[return-value]
        if find_chromium() is None and self.renderer.browser_path is None:
            raise ExportUnavailable()
        self._take(ticket)
        self._start(ticket)
        started = time.monotonic()
        if use_cache:  # another export may have rendered them while this one queued
            out = [o if o is not None else self.cache.get(k, fmt) for o, k in zip(out, keys)]
        todo = [i for i, o in enumerate(out) if o is None]
        if todo:
            limit = self.time_limit if time_limit is None else time_limit
            try:
                images = self.renderer.render([(specs[i], opts[i]) for i in todo], started + limit)
            except NoBrowser:
                raise ExportUnavailable() from None
            except RenderError as exc:
                log.warning("export failed: %s", exc)
                raise ExportFailed(self.retry_after()) from None
            self.rendered += len(todo)
            for i, data in zip(todo, images):
                out[i] = data
                if use_cache and keys[i] and _complete(data, fmt):
                    self.cache.put(keys[i], fmt, data)
        ticket.seconds = time.monotonic() - started
        return out  # type: ignore[return-value]

    def render_cached(
        self, figure: go.Figure | dict, fmt: str = "png", token: str | None = None, ticket: Ticket | None = None
    ) -> bytes:
        [data] = self.render_batch([figure], fmt, ticket=ticket)
        if token:
            log.debug("export %s as %s (%d bytes)", token, fmt, len(data))
        return data

    def zip_cached(self, charts: list[tuple[str, go.Figure | dict]], fmt: str = "png", **kwargs) -> bytes:
        images = self.render_batch([fig for _, fig in charts], fmt, **kwargs)
        buf = io.BytesIO()
        # PNGs are compressed already: store them; SVG is text: deflate it.
        method = zipfile.ZIP_STORED if fmt == "png" else zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(buf, "w", method) as zf:
            for (name, _), data in zip(charts, images):
                info = zipfile.ZipInfo(f"{name}.{fmt}", date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = method
                zf.writestr(info, data)
        return buf.getvalue()

    def begin_shutdown(self, grace: float) -> None:
        """The process is stopping (a graceful reload): exports that must draw and those waiting for a place are
        refused from now on (503 with Retry-After: another worker will answer), the ones drawing finish, and
        if any is still drawing after ``grace`` seconds its browser is killed, so it is answered with a 503
        (ExportFailed) before the process is killed. Never blocks."""
        with self._cond:
            if self.closing:
                return
            self.closing = True
            self._cond.notify_all()
        timer = threading.Timer(grace, self._kill_if_running)
        timer.daemon = True
        timer.start()

    def _kill_if_running(self) -> None:
        with self._cond:
            running = self._running
        if running:
            log.warning("stopping: %d export(s) still drawing after the grace period; answered with 503", running)
            stop_now = getattr(self.renderer, "interrupt", None) or self.renderer.stop
            stop_now()

    def stop(self, wait: float = 0.0) -> None:
        """Close the browser, after waiting up to ``wait`` seconds for the exports drawing to finish."""
        deadline = time.monotonic() + wait
        with self._cond:
            while self._running and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
        self.renderer.stop()


# The process's exporter. ---------------------------------------------------------------------------------

_default: Exporter | None = None
_default_lock = threading.Lock()


def default_cache_dir() -> Path | None:
    explicit = os.environ.get("EXPORT_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit.strip() else None  # EXPORT_CACHE_DIR="" turns the cache off
    from dashboard.data import DATA_DIR

    return DATA_DIR / "export-cache"


def use_cache_dir(cache_dir: Path | None) -> None:
    """Point this process's exporter at ``cache_dir`` (None: no disk cache), keeping its browser."""
    current = exporter()
    if current.cache is None or cache_dir is None or current.cache.root != Path(cache_dir):
        current.cache = (
            DiskCache(cache_dir, current.cache.max_bytes if current.cache else CACHE_MAX_BYTES) if cache_dir else None
        )


def exporter() -> Exporter:
    global _default
    with _default_lock:
        if _default is None:
            _default = Exporter(cache_dir=default_cache_dir())
        return _default


def admit() -> Ticket:
    """A ticket for one export in this process: it takes a place only when the export must be drawn (the disk
    cache does not hold it whole), and is then refused with ExportBusy at once if every place is taken (see
    ``Exporter.deferred``)."""
    return exporter().deferred()


def render_cached(
    figure: go.Figure | dict, fmt: str = "png", token: str | None = None, ticket: Ticket | None = None
) -> bytes:
    """One chart as PNG (2x) or SVG, from the disk cache or rendered through the bounded queue."""
    return (ticket.owner if ticket else exporter()).render_cached(figure, fmt, token, ticket=ticket)


def zip_cached(charts: list[tuple[str, go.Figure | dict]], fmt: str = "png", ticket: Ticket | None = None) -> bytes:
    """A zip of ``<file name>.<fmt>`` for every (file name, figure), through the cache and the bounded queue."""
    return (ticket.owner if ticket else exporter()).zip_cached(charts, fmt, ticket=ticket)


def stop(wait: float = 0.0) -> None:
    """Close this process's export browser, if one is running (at exit, in tests), after waiting up to ``wait``
    seconds for exports still drawing."""
    with _default_lock:
        current = _default
    if current is not None:
        current.stop(wait)


def begin_shutdown(grace: float) -> None:
    """This process is stopping: see ``Exporter.begin_shutdown`` (nothing to do if it never exported)."""
    with _default_lock:
        current = _default
    if current is not None:
        current.begin_shutdown(grace)


# Uncached, for `make figures` and the benchmark's timings (the same browser and slots, a longer time limit).
UNCACHED_TIME_LIMIT = 120.0


def render(fig: go.Figure | dict, fmt: str = "png", width: int = EXPORT_WIDTH, scale: float = SCALE) -> bytes:
    """One chart as PNG or SVG bytes, rendered now (no disk cache)."""
    return exporter().render_batch([fig], fmt, width=width, scale=scale, cached=False, time_limit=UNCACHED_TIME_LIMIT)[
        0
    ]


def zip_charts(charts: list[tuple[str, go.Figure | dict]], fmt: str = "png") -> bytes:
    """A zip of every (file name, figure), rendered now (no disk cache)."""
    return exporter().zip_cached(charts, fmt, cached=False, time_limit=UNCACHED_TIME_LIMIT)


def render_many(charts: list[tuple[str, go.Figure | dict]], fmt: str, out_dir: Path) -> list[Path]:
    """Write every (file name, figure) as ``out_dir/<file name>.<fmt>``, rendered now (no disk cache)."""
    images = exporter().render_batch([fig for _, fig in charts], fmt, cached=False, time_limit=UNCACHED_TIME_LIMIT)
    paths = []
    for (name, _), data in zip(charts, images):
        path = out_dir / f"{name}.{fmt}"
        path.write_bytes(data)
        paths.append(path)
    return paths


# Flask. -----------------------------------------------------------------------------------------------------


def error_response(exc: ExportError):
    """The 503 a route answers for an ExportError: JSON {error, message, retry_after}, and ``Retry-After``."""
    from flask import jsonify

    kind = {ExportBusy: "busy", ExportFailed: "failed", ExportUnavailable: "unavailable"}.get(type(exc), "error")
    response = jsonify(error=kind, message=str(exc), retry_after=exc.retry_after)
    response.status_code = 503
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def install(server) -> None:
    """Answer an ExportError escaping any route of this Flask ``server`` with ``error_response``."""
    server.register_error_handler(ExportError, error_response)


def main(argv: list[str] | None = None) -> int:
    """Write every chart of every survey (all themes), as exported, to a folder."""
    from dashboard.data import load_store
    from dashboard.views import all_charts

    parser = argparse.ArgumentParser(prog="python -m dashboard.export", description=main.__doc__)
    parser.add_argument("--out", type=Path, default=Path("figures"))
    parser.add_argument("--format", choices=["png", "svg", "both"], default="png")
    args = parser.parse_args(argv)
    try:
        store = load_store()
    except Exception as exc:  # DataError: say what to run
        print(f"error: {exc}\nRun `make data` first.", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    formats = ["png", "svg"] if args.format == "both" else [args.format]
    try:
        for fmt in formats:
            for path in render_many(all_charts(store), fmt, args.out):
                print(f"wrote {path}")
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
