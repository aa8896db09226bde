"""Server-side export with kaleido's real Chromium: a browser killed (or hung) between two exports is
detected, killed and replaced, so the second export works; a missed time limit kills the browser; and a
busy server's 503 message is what the page's export status shows."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
pytestmark = pytest.mark.browser

FIGURE = {
    "data": [{"type": "bar", "orientation": "h", "x": [3, 5, 2], "y": ["a", "b", "c"]}],
    "layout": {"title": {"text": "recovery"}, "height": 300},
}
WAIT = 30  # seconds
# A figure that takes the browser a while to draw (many points), so an export of a dozen is still drawing.
HEAVY = {
    "data": [{"type": "scatter", "mode": "markers", "x": list(range(30_000)), "y": [i % 97 for i in range(30_000)]}],
    "layout": {"height": 400},
}


@pytest.fixture
def exporter(browser):  # `browser`: fails (not skips) under REQUIRE_BROWSER=1 when Chromium is missing
    from dashboard.export import Exporter

    ex = Exporter(cache_dir=None)
    try:
        yield ex
    finally:
        ex.stop()


def _chromium_pids(exporter) -> list[int]:
    pids = exporter.renderer.browser_pids()
    found = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip().startswith("chrom"):
                found.append(pid)
        except OSError:
            continue
    return found


def _gone(pids: list[int]) -> bool:
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            return False
    return True


def _wait_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + WAIT
    while not _gone(pids):
        assert time.monotonic() < deadline, f"processes {pids} still running"
        time.sleep(0.05)


def _png(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in data[-12:]


def test_killing_the_browser_between_two_exports_leaves_the_second_working(exporter):
    assert _png(exporter.render_batch([FIGURE], "png")[0])
    chromium = _chromium_pids(exporter)
    assert chromium, "kaleido's Chromium is running"
    main = min(chromium)  # the browser process (its children, the renderers, come later)
    os.kill(main, signal.SIGKILL)
    _wait_gone([main])
    [second] = exporter.render_batch([FIGURE], "png")
    assert _png(second)
    assert exporter.renderer.starts == 2 and exporter.renderer.kills == 1
    assert min(_chromium_pids(exporter)) != main


@pytest.mark.slow  # waits out time limits and browser restarts (make test keeps the killed-browser case)
def test_a_hung_browser_is_killed_and_replaced(exporter):
    exporter.render_batch([FIGURE], "svg")
    stopped = exporter.renderer.browser_pids()
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)  # every process of the browser: it answers nothing any more
    [svg] = exporter.render_batch([FIGURE], "svg")
    assert svg.lstrip().startswith(b"<svg")
    _wait_gone(stopped)  # the hung browser was killed, not left behind
    assert exporter.renderer.starts == 2


@pytest.mark.slow  # waits out time limits and browser restarts (make test keeps the killed-browser case)
def test_an_export_over_its_time_limit_fails_and_the_next_one_works(exporter):
    from dashboard.export import ExportFailed

    exporter.render_batch([FIGURE], "png")  # the browser is up
    old = exporter.renderer.browser_pids()
    with pytest.raises(ExportFailed):
        exporter.render_batch([FIGURE] * 4, "png", time_limit=0.01)
    _wait_gone(old)
    assert _png(exporter.render_batch([FIGURE], "png")[0])


def test_the_page_shows_the_busy_message_of_a_503(landing, recorder, monkeypatch):
    """With every export place taken, the PNG button's request is a 503 with Retry-After, and its message is
    the export status text; the buttons are usable again afterwards."""
    from dashboard import export

    busy = export.Exporter(cache_dir=None)
    monkeypatch.setattr(export, "_default", busy)
    tickets = [busy.admit() for _ in range(busy.concurrency + busy.queue)]
    answers = []
    page = landing.page
    page.on("response", lambda r: answers.append(r) if "/export/charts.zip" in r.url else None)
    try:
        landing.goto()
        page.locator("#export-png-button").click()
        page.wait_for_function(
            "() => (document.getElementById('export-status')?.textContent || '').includes('busy')", timeout=WAIT * 1000
        )
    finally:
        for t in tickets:
            t.release()
    [answer] = answers
    assert answer.status == 503 and int(answer.headers["retry-after"]) >= 2
    status = page.locator("#export-status").text_content()
    assert f"about {answer.headers['retry-after']} seconds" in status
    assert page.locator("#export-png-button").is_enabled()
    assert [e for e in recorder.errors if "503" not in e] == []


@pytest.mark.slow  # waits out time limits and browser restarts (make test keeps the killed-browser case)
def test_the_browser_is_recycled_between_exports_after_its_bound_of_renders_or_memory(browser):
    """Chromium grows with every render: after ``recycle_renders`` charts (or ``recycle_bytes`` resident) the
    browser is closed between two batches and a new one started; every export is answered."""
    from dashboard.export import Exporter
    from dashboard.renderer import Renderer

    ex = Exporter(cache_dir=None, renderer=Renderer(recycle_renders=3, recycle_bytes=0))
    try:
        images = [img for _ in range(4) for img in ex.render_batch([FIGURE, FIGURE], "png")]
        assert len(images) == 8 and all(_png(i) for i in images)
        assert ex.renderer.starts == 2 and ex.renderer.recycled == 1  # before the 3rd batch: 4 charts drawn
        assert ex.renderer.memory_bytes() > 0
        ex.renderer.recycle_renders, ex.renderer.recycle_bytes = 10_000, 1  # any memory is over the bound
        assert _png(ex.render_batch([FIGURE], "png")[0])
        assert ex.renderer.recycled == 2 and ex.renderer.starts == 3
    finally:
        ex.stop()


@pytest.mark.slow  # waits out time limits and browser restarts (make test keeps the killed-browser case)
def test_a_stopping_worker_hands_back_an_export_still_drawing_as_503_without_a_traceback(exporter, capfd, caplog):
    """A graceful reload: an export that is still drawing when the grace period ends is answered with
    ExportFailed (a 503 with Retry-After), a new one with ExportBusy; nothing prints asyncio's
    "Task exception was never retrieved"."""
    import threading

    from dashboard.export import ExportBusy, ExportFailed

    exporter.render_batch([FIGURE], "png")  # the browser is up
    outcome = []

    def drawing():
        try:
            outcome.append(exporter.render_batch([HEAVY] * 12, "png", time_limit=60))
        except ExportFailed as exc:
            outcome.append(exc)

    thread = threading.Thread(target=drawing)
    thread.start()
    deadline = time.monotonic() + WAIT
    while exporter.status()["running"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    exporter.begin_shutdown(grace=0.1)
    with pytest.raises(ExportBusy) as refused:
        exporter.render_batch([{**FIGURE, "layout": {"height": 301}}], "png")
    assert refused.value.retry_after >= 2
    thread.join(WAIT)
    [result] = outcome
    assert isinstance(result, ExportFailed) and result.retry_after >= 2
    time.sleep(1.0)  # let the killed browser's tasks fail, as they did after a reload
    exporter.stop()
    out, err = capfd.readouterr()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "never retrieved" not in out + err + logged and "Traceback" not in out + err + logged
