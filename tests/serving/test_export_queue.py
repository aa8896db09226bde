"""dashboard.export without a browser (a fake renderer): the bounded queue, the time limit, the disk cache
shared by processes, and the export route's 503 + Retry-After. The real browser is in tests/browser."""

from __future__ import annotations

import io
import json
import multiprocessing
import threading
import time
import zipfile
from pathlib import Path

import pytest

from dashboard import export
from dashboard.export import DiskCache, ExportBusy, Exporter, ExportFailed, ExportUnavailable
from dashboard.renderer import RenderError

PNG = b"\x89PNG\r\n\x1a\n" + b"fake image data" + b"\x00\x00\x00\x00IEND\xaeB`\x82"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'
WAIT = 10  # seconds any wait in these tests gives up after (they take milliseconds)


class FakeRenderer:
    """Renders instantly, or holds every batch until ``release`` is set; counts what it renders."""

    browser_path = "/fake/chromium"

    def __init__(self, hold: bool = False, fail: bool = False):
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.fail = fail
        self.batches: list[int] = []
        self.deadlines: list[float] = []
        self.entered = threading.Semaphore(0)

    def render(self, jobs, deadline):
        self.entered.release()
        self.deadlines.append(deadline - time.monotonic())
        assert self.release.wait(WAIT)
        if self.fail:
            raise RenderError("the export took too long")
        self.batches.append(len(jobs))
        return [PNG if opts["format"] == "png" else SVG for _, opts in jobs]

    def stop(self):
        pass


def fig(n: int) -> dict:
    return {"data": [{"type": "bar", "x": [n], "y": ["a"]}], "layout": {"height": 300}}


def _until(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


# The queue. ---------------------------------------------------------------------------------------------------


def test_one_renders_two_wait_and_the_rest_are_refused_at_once():
    renderer = FakeRenderer(hold=True)
    exporter = Exporter(renderer=renderer, concurrency=1, queue=2, queue_wait=3600)
    results: list = []
    threads = [
        threading.Thread(target=lambda i=i: results.append(exporter.render_batch([fig(i)], "png"))) for i in range(3)
    ]
    for t in threads:
        t.start()
    _until(lambda: exporter.status()["running"] == 1 and exporter.status()["waiting"] == 2, "1 running, 2 waiting")
    refused: list = []

    def fourth():
        try:
            exporter.render_batch([fig(9)], "png")
        except ExportBusy as exc:
            refused.append(exc)

    t = threading.Thread(target=fourth)
    t.start()
    t.join(WAIT)  # a queued export would wait up to an hour (queue_wait): this one is refused without waiting
    assert not t.is_alive() and len(refused) == 1
    assert refused[0].retry_after >= 2 and "try again" in str(refused[0])
    renderer.release.set()
    for t in threads:
        t.join(WAIT)
    assert len(results) == 3 and renderer.batches == [1, 1, 1]
    assert exporter.status() == {"running": 0, "waiting": 0, "rendered": 3}


def test_admission_is_taken_before_any_work():
    """A ticket taken with admit() counts at once, so a flood is refused before it builds any figure."""
    exporter = Exporter(renderer=FakeRenderer(), concurrency=1, queue=2)
    tickets = [exporter.admit() for _ in range(3)]
    with pytest.raises(ExportBusy):
        exporter.admit()
    tickets[0].release()
    with exporter.admit() as ticket:
        assert exporter.render_batch([fig(1)], "png", ticket=ticket) == [PNG]
    for t in tickets[1:]:
        t.release()
    assert exporter.status()["waiting"] == exporter.status()["running"] == 0


def test_a_queued_export_gives_up_after_its_wait():
    renderer = FakeRenderer(hold=True)
    exporter = Exporter(renderer=renderer, concurrency=1, queue=2, queue_wait=0.2)
    first = threading.Thread(target=lambda: exporter.render_batch([fig(1)], "png"))
    first.start()
    assert renderer.entered.acquire(timeout=WAIT)
    with pytest.raises(ExportBusy):
        exporter.render_batch([fig(2)], "png")
    assert exporter.status()["waiting"] == 0
    renderer.release.set()
    first.join(WAIT)


def test_the_time_limit_reaches_the_renderer_and_a_failure_is_export_failed():
    renderer = FakeRenderer(fail=True)
    exporter = Exporter(renderer=renderer, time_limit=7.0)
    with pytest.raises(ExportFailed) as info:
        exporter.render_batch([fig(1)], "png")
    assert 6.0 < renderer.deadlines[0] <= 7.0
    assert info.value.retry_after >= 2
    renderer.fail = False
    assert exporter.render_batch([fig(1)], "png") == [PNG]
    assert exporter.status()["running"] == 0


def test_no_chromium_is_export_unavailable(monkeypatch):
    renderer = FakeRenderer()
    renderer.browser_path = None
    monkeypatch.setattr(export, "find_chromium", lambda: None)
    with pytest.raises(ExportUnavailable, match="apt-get install chromium"):
        Exporter(renderer=renderer).render_batch([fig(1)], "png")


# The disk cache. ----------------------------------------------------------------------------------------------


def test_a_repeated_export_is_read_from_disk_by_another_process(tmp_path):
    """Two exporters on one folder (two workers): the second renders nothing."""
    first, second = FakeRenderer(), FakeRenderer()
    a = Exporter(cache_dir=tmp_path, renderer=first)
    b = Exporter(cache_dir=tmp_path, renderer=second)
    charts = [("one", fig(1)), ("two", fig(2))]
    zipped = a.zip_cached(charts, "png")
    assert first.batches == [2]
    assert b.zip_cached(charts, "png") == zipped
    assert second.batches == []
    assert sorted(zipfile.ZipFile(io.BytesIO(zipped)).namelist()) == ["one.png", "two.png"]
    b.zip_cached([("one", fig(1)), ("three", fig(3))], "png")
    assert second.batches == [1]  # only the new chart


def test_a_cached_export_needs_no_free_place_in_the_renderer(tmp_path):
    renderer = FakeRenderer()
    exporter = Exporter(cache_dir=tmp_path, renderer=renderer, concurrency=1, queue=1)
    exporter.render_batch([fig(1)], "png")
    renderer.release.clear()
    blocker = threading.Thread(target=lambda: exporter.render_batch([fig(2)], "png"))
    blocker.start()
    assert renderer.entered.acquire(timeout=WAIT) and renderer.entered.acquire(timeout=WAIT)
    assert exporter.render_batch([fig(1)], "png") == [PNG]  # from disk while the other renders
    renderer.release.set()
    blocker.join(WAIT)


def test_a_damaged_cache_file_is_rendered_again(tmp_path):
    renderer = FakeRenderer()
    exporter = Exporter(cache_dir=tmp_path, renderer=renderer)
    exporter.render_batch([fig(1)], "png")
    [path] = list(tmp_path.rglob("*.val"))  # diskcache keeps each image in a file of its own
    path.write_bytes(PNG[:10])  # torn
    assert exporter.render_batch([fig(1)], "png") == [PNG]
    assert renderer.batches == [1, 1]
    assert exporter.render_batch([fig(1)], "png") == [PNG] and renderer.batches == [1, 1]  # cached again


def test_the_disk_cache_is_bounded(tmp_path):
    cache = DiskCache(tmp_path, max_bytes=200_000)
    image = PNG[:-12] + b"\x00" * 5000 + PNG[-12:]
    for i in range(200):  # 1 MB written
        cache.put(f"{i:064x}", "png", image)
    assert cache.size() <= 200_000 + len(image)  # its index included; each write evicts down to the bound
    assert sum(p.stat().st_size for p in tmp_path.rglob("*.val")) <= 200_000
    assert cache.get(f"{199:064x}", "png") is not None and cache.get(f"{0:064x}", "png") is None


def _hammer(root: str, n: int) -> None:
    cache = DiskCache(Path(root), max_bytes=10_000_000)
    for i in range(n):
        cache.put("same-key", "png", PNG + bytes([i % 256]) * 2000 + b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.mark.slow  # many writer processes
def test_concurrent_writers_never_leave_a_torn_file(tmp_path):
    """Four processes write the same entry 100 times each while this one reads it: every read is whole and
    no temporary file is left."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path), 100)) for _ in range(4)]
    for p in procs:
        p.start()
    reader = DiskCache(tmp_path)
    reads = 0
    while any(p.is_alive() for p in procs):
        data = reader.get("same-key", "png")
        if data is not None:
            assert len(data) == len(PNG) + 2000 + 12
            reads += 1
    for p in procs:
        p.join(WAIT)
        assert p.exitcode == 0
    assert reads > 0
    assert len(list(tmp_path.rglob("*.val"))) == 1  # one entry, its replaced files all removed


def test_an_unwritable_cache_folder_only_turns_the_cache_off(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    exporter = Exporter(cache_dir=blocked, renderer=FakeRenderer())
    assert exporter.render_batch([fig(1)], "png") == [PNG]
    assert exporter.cache.disabled


# The route. ---------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_exporter(monkeypatch, tmp_path):
    exporter = Exporter(cache_dir=tmp_path / "cache", renderer=FakeRenderer(), concurrency=1, queue=2)
    monkeypatch.setattr(export, "_default", exporter)
    return exporter


def test_the_export_route_gives_the_zip_of_the_charts_in_view(client, fake_exporter):
    response = client.get("/export/charts.zip?format=svg&theme=specialist")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert names and all(n.endswith(".svg") for n in names)
    assert response.headers["X-Export-Charts"] == str(len(names))
    assert 'filename="isos-2026-charts-specialist-svg.zip"' in response.headers["Content-Disposition"]


def test_a_busy_server_answers_503_with_retry_after_and_a_message(client, fake_exporter):
    tickets = [fake_exporter.admit() for _ in range(3)]
    try:
        response = client.get("/export/charts.zip?format=png")
    finally:
        for t in tickets:
            t.release()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 2
    body = response.get_json()
    assert body["error"] == "busy" and body["retry_after"] == int(response.headers["Retry-After"])
    assert "busy" in body["message"] and "/" not in body["message"].replace("w/", "")
    assert client.get("/export/charts.zip?format=png").status_code == 200


def test_no_browser_is_503_without_retry_after(client, fake_exporter, monkeypatch):
    fake_exporter.renderer.browser_path = None
    monkeypatch.setattr(export, "find_chromium", lambda: None)
    response = client.get("/export/charts.zip?format=png&theme=inclusion")
    assert response.status_code == 503 and "Retry-After" not in response.headers
    assert response.get_json()["error"] == "unavailable"


@pytest.mark.parametrize("query", ["format=gif", "format=../../etc/passwd", "format="])
def test_a_bad_format_is_400(client, fake_exporter, query):
    response = client.get(f"/export/charts.zip?{query}")
    assert response.status_code == 400
    assert "passwd" not in json.dumps(response.get_json())


def test_unknown_themes_in_the_query_are_dropped(client, fake_exporter):
    response = client.get("/export/charts.zip?format=png&theme=<script>,nope,funding")
    assert response.status_code == 200
    assert 'filename="isos-2026-charts-funding-png.zip"' in response.headers["Content-Disposition"]


def test_twelve_concurrent_requests_for_a_cached_zip_are_never_refused(app, fake_exporter):
    """Issue 17: a cached charts zip took a queue place, and at 12 concurrent clients 101 of 120 were refused.
    Here every place is taken by exports that are drawing, and 12 clients ask at once for a zip on disk."""
    url = "/export/charts.zip?format=svg&theme=funding"
    first = app.server.test_client().get(url)
    assert first.status_code == 200
    rendered = fake_exporter.rendered
    tickets = [fake_exporter.admit() for _ in range(fake_exporter.concurrency + fake_exporter.queue)]
    statuses: list[int] = []
    bodies: set[bytes] = set()
    start = threading.Barrier(12)

    def one():
        client = app.server.test_client()
        start.wait(WAIT)
        response = client.get(url)
        statuses.append(response.status_code)
        bodies.add(response.data)

    try:
        threads = [threading.Thread(target=one) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
    finally:
        for t in tickets:
            t.release()
    assert statuses == [200] * 12 and bodies == {first.data}
    assert fake_exporter.rendered == rendered and fake_exporter.refused == 0
    assert fake_exporter.status() == {"running": 0, "waiting": 0, "rendered": rendered}
