"""A supervised kaleido browser: Plotly figures to PNG/SVG bytes, with a hard time limit and self-repair.

kaleido's own ``start_sync_server`` cannot recover from a dead browser (its request queue waits forever),
so this module drives ``kaleido.Kaleido`` itself, on an asyncio loop in a thread of its own:

- the browser (kaleido's Chromium, started through choreographer's wrapper in a session of its own) is
  started on the first render and kept for the next ones;
- before each batch it is checked: the process must be alive and answer a DevTools command within
  ``PROBE_TIMEOUT`` seconds. A dead or hung browser is killed (SIGKILL to its whole process group) and a
  new one started;
- every batch has a deadline; a batch that misses it, or fails because the browser died, kills the
  browser, so the next batch starts a fresh one;
- the browser runs at a lower CPU priority (nice ``BROWSER_NICE``) so page requests served by the same
  machine keep theirs;
- it is recycled between two batches (closed and a new one started, so no export is lost) once it has
  rendered ``RECYCLE_RENDERS`` charts or its processes hold more than ``RECYCLE_BYTES`` of memory: Chromium
  grows with every render (issue 17: 346 -> 866 MB per worker after 830 renders);
  the memory is read from /proc in a thread of its own after a batch (at most every ``MEMORY_EVERY`` seconds),
  never in an export's path: reading the processes' PSS took 27-160 ms a batch (issue 18);
- an exception in one of kaleido's tasks after its browser was killed is logged in one line, never as
  asyncio's "Task exception was never retrieved" traceback.

Speed (issue 18): kaleido 1.5 reloads a tab's page after every chart (about 60 ms, in the export's path) and
opens its tabs one after the other (each tab's first page load parses plotly.js: 0.6-0.7 s here). Unless
``reuse_tabs=False`` (kaleido's own ``calc_fig``, kept for the benchmark's comparison), the browser is a
``WarmKaleido``: a tab goes back to the pool as soon as its chart is drawn, still loaded (the same page draws
the same bytes: compared in ``tests/browser/test_export_speed.py``), and is reloaded in the background only
after ``RELOAD_EVERY`` charts (memory: Chromium's heap grows without reloads), once it has been unused for
``RELOAD_IDLE`` seconds, or after a failed chart. The
browser starts with one tab; a batch that has ``EXTRA_TAB_QUEUE`` charts waiting for a tab opens one more (up
to ``TABS``) while the first keeps drawing, so an export of a few charts never pays for, nor holds the
memory of, a second tab. A batch's
largest charts are handed out first, so that the tabs finish together.

Callers serialise batches (``dashboard.export`` allows a fixed number at a time); ``Renderer`` itself is
thread-safe but renders one batch at a time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("dashboard.export")

PLOTLYJS = Path(__file__).parent / "assets" / "vendor" / "plotly-basic-4.1.1.min.js"
TABS = int(os.environ.get("EXPORT_TABS", "2"))  # charts rendered in parallel within one batch
# Charts waiting for a tab before a batch opens one more (up to TABS): opening one costs 0.6-0.7 s of CPU,
# about as much as drawing 6-7 charts, so the catalogue's 10 charts are drawn faster by one tab on 2 cores.
EXTRA_TAB_QUEUE = int(os.environ.get("EXPORT_TAB_QUEUE", "12"))
RELOAD_EVERY = int(os.environ.get("EXPORT_TAB_RELOAD", "20"))  # charts a tab draws between two page reloads
RELOAD_IDLE = 0.5  # seconds a tab past RELOAD_EVERY must stay unused before it is reloaded
PROBE_TIMEOUT = 3.0  # seconds for a running browser to answer before it counts as hung
CLOSE_TIMEOUT = 5.0  # seconds to tidy up after a browser was killed
STOP_POLL = 0.1  # seconds: how soon a batch being drawn sees interrupt()
BROWSER_NICE = 10  # CPU priority of the browser's processes (0 normal, 19 lowest)
RECYCLE_RENDERS = int(os.environ.get("EXPORT_RECYCLE_RENDERS", "100"))  # charts one browser renders at most
RECYCLE_BYTES = int(os.environ.get("EXPORT_RECYCLE_MB", "800")) * 1024 * 1024  # their PSS at most
MEMORY_EVERY = 5.0  # seconds between two readings of the browser's memory (each after a batch, off its path)


class RenderError(RuntimeError):
    """A batch could not be rendered (the browser died, hung or timed out); the browser has been killed."""


class _Interrupted(Exception):
    pass


class NoBrowser(RuntimeError):
    """There is no Chromium to render with."""


@dataclass
class _Browser:
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    kaleido: object  # kaleido.Kaleido
    pgid: int | None
    started: float
    renders: int = 0  # charts it has rendered
    memory: int = 0  # bytes (PSS) at the last reading, 0 before the first
    measured: float = float("-inf")  # time.monotonic() when the last reading started
    measuring: bool = False


class Renderer:
    """One supervised kaleido browser; ``render(jobs, deadline)`` -> bytes per job."""

    def __init__(
        self,
        tabs: int = TABS,
        plotlyjs: Path = PLOTLYJS,
        browser_path: str | None = None,
        recycle_renders: int = RECYCLE_RENDERS,
        recycle_bytes: int = RECYCLE_BYTES,
        reuse_tabs: bool = True,
        reload_every: int = RELOAD_EVERY,
    ):
        self.tabs = tabs
        self.reuse_tabs, self.reload_every = reuse_tabs, max(1, reload_every)
        self.plotlyjs = plotlyjs
        self.browser_path = browser_path
        self.recycle_renders, self.recycle_bytes = recycle_renders, recycle_bytes
        self._browser: _Browser | None = None
        self._lock = threading.Lock()
        self.starts = 0  # browsers started (a restart after a failure counts)
        self.kills = 0
        self.recycled = 0  # browsers closed between two batches because of their renders or memory
        self._stop: threading.Event | None = None  # the current batch's stop signal, for interrupt()

    # Lifecycle. ------------------------------------------------------------------------------------------

    def _start(self, timeout: float) -> _Browser:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self._run_loop, args=(loop,), name="export-browser", daemon=True)
        thread.start()
        future = asyncio.run_coroutine_threadsafe(self._open(), loop)
        try:
            k = future.result(timeout=max(0.1, timeout))
        except BaseException as exc:
            future.cancel()
            self._abandon(_Browser(loop, thread, None, None, time.monotonic()))
            if isinstance(exc, (FutureTimeout, TimeoutError)):
                raise RenderError(f"the export browser did not start within {timeout:.0f} s") from None
            raise RenderError(f"the export browser did not start: {type(exc).__name__}: {exc}") from None
        pgid = self._pgid(k)
        if pgid is not None:
            try:
                os.setpriority(os.PRIO_PGRP, pgid, BROWSER_NICE)
            except OSError:
                pass
        self.starts += 1
        log.info("export browser started (process group %s)", pgid)
        return _Browser(loop, thread, k, pgid, time.monotonic())

    @staticmethod
    def _loop_error(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        """A failure nobody awaited (a kaleido task whose browser was killed): one line, no traceback."""
        exc = context.get("exception")
        what = f"{type(exc).__name__}: {str(exc)[:200]}" if exc else context.get("message", "?")
        log.info("export browser loop: %s (after the browser was stopped)", what)

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(Renderer._loop_error)
        try:
            loop.run_forever()
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.wait(pending, timeout=CLOSE_TIMEOUT))
            except Exception:  # the loop is being thrown away
                pass
            loop.close()

    async def _open(self):
        import kaleido

        kwargs = {"path": self.browser_path} if self.browser_path else {}
        if self.reuse_tabs:
            kwargs["reload_every"] = self.reload_every
        cls = warm_kaleido() if self.reuse_tabs else kaleido.Kaleido
        k = cls(n=self.tabs, timeout=None, plotlyjs=str(self.plotlyjs), mathjax=False, **kwargs)
        try:
            await k.open()
        except BaseException:
            proc = getattr(k, "subprocess", None)
            if proc is not None:
                self._kill_group(self._pgid(k))
            raise
        return k

    @staticmethod
    def _pgid(k) -> int | None:
        proc = getattr(k, "subprocess", None)
        if proc is None:
            return None
        try:
            return os.getpgid(proc.pid)
        except OSError:
            return None

    @staticmethod
    def _kill_group(pgid: int | None) -> None:
        if pgid is None or pgid == os.getpgid(0):  # never our own group
            return
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass

    def _abandon(self, browser: _Browser) -> None:
        """Kill the browser's processes, let kaleido tidy up briefly, then stop its loop."""
        self._kill_group(browser.pgid)
        if browser.kaleido is not None:
            proc = getattr(browser.kaleido, "subprocess", None)
            if proc is not None:
                try:
                    proc.wait(timeout=CLOSE_TIMEOUT)
                except Exception:
                    pass
            try:
                fut = asyncio.run_coroutine_threadsafe(browser.kaleido.close(), browser.loop)
                fut.result(timeout=CLOSE_TIMEOUT)
            except BaseException:
                pass
        try:
            browser.loop.call_soon_threadsafe(browser.loop.stop)
        except RuntimeError:  # already closed
            pass
        browser.thread.join(timeout=CLOSE_TIMEOUT)
        if browser.thread.is_alive():
            log.warning("export browser loop did not stop; abandoned")

    def kill(self) -> None:
        """Kill the browser now (the next render starts a new one)."""
        with self._lock:
            self._kill_locked()

    def _kill_locked(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            self.kills += 1
            self._abandon(browser)

    def stop(self) -> None:
        """Close the browser (at exit, or in tests)."""
        self.kill()

    def interrupt(self) -> None:
        """Stop the batch being drawn now (it fails with RenderError within ``STOP_POLL`` seconds and its
        browser is killed); unlike ``kill`` it does not wait for the batch. For a process that must stop."""
        stop = self._stop
        if stop is not None:
            stop.set()

    # Health. ------------------------------------------------------------------------------------------------

    def browser_pids(self, browser: _Browser | None = None) -> list[int]:
        """Process ids of the running browser's group (empty when none is running)."""
        browser = browser or self._browser
        if browser is None or browser.pgid is None:
            return []
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[2]) == browser.pgid:
                        found.append(int(entry.name))
                except (OSError, IndexError, ValueError):
                    continue
        return sorted(found)

    def memory_bytes(self, browser: _Browser | None = None) -> int:
        """Memory of the running browser's processes (0 when none is running): the sum of their proportional
        set sizes (PSS: a page shared by n processes counts 1/n in each), so shared pages count once; the
        sum of their RSS would count Chromium's shared memory once per process. Also kept as the browser's
        latest reading, which the recycling bound is checked against."""
        browser = browser or self._browser
        if browser is None:
            return 0
        total = 0
        for pid in self.browser_pids(browser):
            try:
                with open(f"/proc/{pid}/smaps_rollup") as fh:
                    total += next(int(line.split()[1]) * 1024 for line in fh if line.startswith("Pss:"))
            except (OSError, StopIteration, IndexError, ValueError):
                continue
        browser.memory = total
        return total

    def _measure_later(self, browser: _Browser) -> None:
        """Read the browser's memory in a thread of its own (after a batch), at most every MEMORY_EVERY s."""
        now = time.monotonic()
        if not self.recycle_bytes or browser.measuring or now - browser.measured < MEMORY_EVERY:
            return
        browser.measuring, browser.measured = True, now

        def read() -> None:
            try:
                self.memory_bytes(browser)
            finally:
                browser.measuring = False

        threading.Thread(target=read, name="export-browser-memory", daemon=True).start()

    def _worn(self, browser: _Browser) -> str:
        """Why the browser should be replaced before the next batch ("" if it should not)."""
        if browser.renders >= self.recycle_renders:
            return f"{browser.renders} charts rendered"
        if self.recycle_bytes and browser.renders and browser.memory > self.recycle_bytes:
            return f"{browser.memory // (1024 * 1024)} MB resident"  # the latest reading (_measure_later)
        return ""

    def _healthy(self, browser: _Browser) -> bool:
        proc = getattr(browser.kaleido, "subprocess", None)
        if proc is None or proc.poll() is not None:
            return False
        try:
            fut = asyncio.run_coroutine_threadsafe(browser.kaleido.send_command("Browser.getVersion"), browser.loop)
            answer = fut.result(timeout=PROBE_TIMEOUT)
        except BaseException:
            return False
        return isinstance(answer, dict) and "result" in answer

    # Rendering. -----------------------------------------------------------------------------------------

    def render(self, jobs: list[tuple[dict, dict]], deadline: float) -> list[bytes]:
        """Render every (figure JSON, options) job; ``deadline`` is a ``time.monotonic()`` time.

        Raises RenderError when the deadline passes or the browser fails (the browser is then killed, so the
        next call starts a fresh one), NoBrowser if there is no Chromium.
        """
        with self._lock:
            stop = self._stop = threading.Event()  # interrupt() sets it
            browser = self._browser
            if browser is not None and not self._healthy(browser):
                log.warning("export browser dead or hung; killing it and starting a new one")
                self._kill_locked()
                browser = None
            worn = self._worn(browser) if browser is not None else ""
            if worn:  # between two batches: nothing is lost
                log.info("export browser recycled (%s)", worn)
                self.recycled += 1
                self._kill_locked()
                browser = None
            if browser is None:
                browser = self._browser = self._start(deadline - time.monotonic())
            future = asyncio.run_coroutine_threadsafe(self._batch(browser.kaleido, jobs), browser.loop)
            try:
                while True:  # in slices, so that interrupt() is seen within STOP_POLL seconds
                    try:
                        images = future.result(timeout=max(0.01, min(STOP_POLL, deadline - time.monotonic())))
                        break
                    except (FutureTimeout, TimeoutError):
                        if stop.is_set():
                            raise _Interrupted() from None
                        if time.monotonic() >= deadline:
                            raise
                browser.renders += len(jobs)
                self._measure_later(browser)
                return images
            except _Interrupted:
                future.cancel()
                log.warning("export of %d chart(s) stopped: the process is stopping", len(jobs))
                self._kill_locked()
                raise RenderError("the export was stopped: the server is restarting") from None
            except (FutureTimeout, TimeoutError):
                future.cancel()
                log.warning("export of %d chart(s) missed its time limit; killing the browser", len(jobs))
                self._kill_locked()
                raise RenderError("the export took too long") from None
            except Exception as exc:
                log.warning("export failed (%s: %s); killing the browser", type(exc).__name__, str(exc)[:200])
                self._kill_locked()
                raise RenderError(f"the export browser failed ({type(exc).__name__})") from None

    @staticmethod
    async def _batch(k, jobs: list[tuple[dict, dict]]) -> list[bytes]:
        # The largest charts first (tabs are handed out in the order asked for), so that the tabs of a batch
        # finish at about the same time; the answers keep the jobs' order.
        order = sorted(range(len(jobs)), key=lambda i: -_pixels(jobs[i][1]))
        draw = k.render_one if hasattr(k, "render_one") else (lambda fig, opts: k.calc_fig(fig, opts=opts))
        # return_exceptions: every chart's failure is retrieved here (none is left for asyncio to report as
        # "Task exception was never retrieved"); the first is raised.
        results = await asyncio.gather(*(draw(*jobs[i]) for i in order), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        out: list[bytes] = [b""] * len(jobs)
        for i, data in zip(order, results):
            out[i] = data
        return out


def _pixels(opts: dict) -> float:
    try:
        return float(opts.get("width") or 700) * float(opts.get("height") or 500) * float(opts.get("scale") or 1) ** 2
    except (TypeError, ValueError):
        return 0.0


@functools.cache
def warm_kaleido() -> type:
    """``WarmKaleido`` (``dashboard.warmkaleido``): a ``kaleido.Kaleido`` whose tabs stay loaded between charts,
    imported on first use, so that kaleido is imported only by an export."""
    from dashboard.warmkaleido import WarmKaleido

    return WarmKaleido


def find_chromium() -> str | None:
    """The browser kaleido will use (BROWSER_PATH, or chromium/chrome on PATH), or None."""
    import shutil

    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None
