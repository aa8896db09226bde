"""The export renderer's warm tabs (issue 18), with kaleido's real Chromium: a tab that is not reloaded between
charts draws the same images as kaleido's own cycle (a reload after every chart); tabs are reloaded in the
background after their bound of charts and after a failed chart, and keep rendering; a batch answers in the
order asked for; the browser's memory is never read in an export's path."""

from __future__ import annotations

import html
import re
import threading

import pytest

from tests.browser.helpers import png_size

pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
pytestmark = pytest.mark.browser


def _bar(n: int, height: int, title: str) -> dict:
    return {
        "data": [
            {"type": "bar", "orientation": "h", "x": list(range(1, n + 1)), "y": [f"{title} {i}" for i in range(n)]}
        ],
        "layout": {"title": {"text": title}, "width": 600, "height": height},
    }


def _svg_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", data.decode("utf-8")))).strip()


@pytest.fixture(scope="module")
def catalogue(store):
    from dashboard.views import all_charts

    return [fig for _, fig in all_charts(store)][:4]


def _exporter(**renderer_kwargs):
    from dashboard.export import Exporter
    from dashboard.renderer import Renderer

    return Exporter(cache_dir=None, renderer=Renderer(**renderer_kwargs))


def test_warm_tabs_draw_the_same_images_as_kaleidos_reload_after_every_chart(browser, catalogue):
    """The real charts, twice each, through warm tabs and through kaleido's own calc_fig: the same PNG
    (pixel size and bytes) and the same SVG text (titles, labels, source line)."""
    warm, old = _exporter(), _exporter(reuse_tabs=False)
    try:
        twice = catalogue + catalogue
        new_png, old_png = warm.render_batch(twice, "png", cached=False), old.render_batch(twice, "png", cached=False)
        new_svg, old_svg = warm.render_batch(twice, "svg", cached=False), old.render_batch(twice, "svg", cached=False)
    finally:
        warm.stop()
        old.stop()
    for fig, a, b in zip(twice, new_png, old_png):
        assert png_size(a) == png_size(b) == (2 * fig["layout"]["width"], 2 * fig["layout"]["height"])
        assert a == b
    for fig, a, b in zip(twice, new_svg, old_svg):
        assert _svg_text(a) == _svg_text(b)
        label = " ".join(html.unescape(fig["layout"]["annotations"][0]["text"]).split()[:3])
        assert label and label in _svg_text(a), label


def test_tabs_are_reloaded_in_the_background_after_their_bound_and_keep_rendering(browser, monkeypatch):
    from dashboard import renderer

    monkeypatch.setattr(renderer, "EXTRA_TAB_QUEUE", 2)  # a batch with 2 charts waiting opens the second tab
    monkeypatch.setattr(renderer, "RELOAD_IDLE", 0.05)
    ex = _exporter(tabs=2, reload_every=2)
    pause = threading.Event()
    try:
        figures = [_bar(3 + i, 300 + 10 * i, f"chart {i}") for i in range(5)]
        for _ in range(3):  # 15 charts in batches larger than the pool: every tab comes back after its reload
            images = ex.render_batch(figures, "png", cached=False)
            assert [png_size(i) for i in images] == [(1200, 2 * (300 + 10 * i)) for i in range(5)]
            kaleido = ex.renderer._browser.kaleido
            before = kaleido.reloads
            for _ in range(200):  # idle now: the tabs past their bound are reloaded
                if kaleido.reloads >= before + 1 and not kaleido._reloading:
                    break
                pause.wait(0.05)
            assert kaleido.reloads > before
        assert kaleido.opened == 2
        assert ex.renderer.starts == 1 and ex.renderer.kills == 0
    finally:
        ex.stop()


def test_a_batch_answers_in_the_order_asked_although_the_largest_is_drawn_first(browser):
    ex = _exporter(tabs=2)
    try:
        figures = [_bar(2, 200, "small"), _bar(30, 900, "large"), _bar(3, 250, "middle")]
        svgs = ex.render_batch(figures, "svg", cached=False)
        pngs = ex.render_batch(figures, "png", cached=False)
    finally:
        ex.stop()
    names = ["small", "large", "middle"]
    assert [[n for n in names if f"{n} 0" in _svg_text(s)] for s in svgs] == [[n] for n in names]
    assert [png_size(p) for p in pngs] == [(1200, 400), (1200, 1800), (1200, 500)]


def test_a_chart_the_page_rejects_fails_the_export_and_the_next_one_works(browser):
    from dashboard.export import ExportFailed

    ex = _exporter(tabs=2)
    try:
        ex.render_batch([_bar(2, 200, "before")], "png", cached=False)
        with pytest.raises(ExportFailed):
            ex.render_batch([_bar(2, 200, "fine"), {"data": "not a list", "layout": {}}], "png", cached=False)
        assert png_size(ex.render_batch([_bar(2, 200, "after")], "png", cached=False)[0]) == (1200, 400)
    finally:
        ex.stop()


def test_the_browsers_memory_is_read_outside_the_export(browser, monkeypatch):
    from dashboard import renderer

    readers: list[str] = []
    read = renderer.Renderer.memory_bytes

    def spy(self, browser=None):
        readers.append(threading.current_thread().name)
        return read(self, browser)

    monkeypatch.setattr(renderer.Renderer, "memory_bytes", spy)
    monkeypatch.setattr(renderer, "MEMORY_EVERY", 0.0)
    ex = _exporter()
    try:
        for i in range(3):
            ex.render_batch([_bar(2, 200 + i, "memory")], "png", cached=False)
        assert ex.renderer._browser.kaleido.opened == 1  # one chart at a time: no second tab
        pause = threading.Event()
        for _ in range(200):  # the reading after the last batch may still be running
            if not ex.renderer._browser.measuring:
                break
            pause.wait(0.05)
    finally:
        ex.stop()
    assert readers and set(readers) == {"export-browser-memory"}, readers
