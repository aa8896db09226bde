"""Embeds framed from another origin, as a reader's site frames them: a second local server (another port, so
another origin) serves a host page holding the embed code copied from the chart page. At 375, 760 and 1400 px
the embed fills the frame's width, and the iframe's height follows the embed page's own height (within 4 px)
before and after "The numbers as text" is opened; without the resize script (the host running no script of
ours) the iframe's fixed height still shows the whole embed."""

from __future__ import annotations

import html
import re
import urllib.request

import factory
import pytest

from tests.browser.helpers import new_page, serve, wait_chart

pytestmark = pytest.mark.browser

WIDTHS = [375, 760, 1400]
SLUGS = factory.SLUGS


def _embed_code(base: str, slug: str) -> str:
    with urllib.request.urlopen(f"{base}/chart/{slug}") as response:  # a local test server
        page = response.read().decode()
    return html.unescape(re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S).group(1))


@pytest.fixture(scope="module")
def host(live_server):
    """A page on another origin framing an embed: /<slug> with the embed code as given, /<slug>?plain=1
    without its script, /<slug>?late=1 without it too (the test adds it later)."""

    def app(environ, start_response):
        slug = environ["PATH_INFO"].strip("/")
        if slug not in SLUGS:  # the browser's favicon request
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not here"]
        code = _embed_code(live_server, slug)
        if re.search(r"(plain|late)=1", environ.get("QUERY_STRING", "")):
            code = re.sub(r"<script[^>]*></script>", "", code)
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Host</title><link rel="icon" href="data:,">'
            "<style>body{margin:0;font-family:serif}</style></head><body>"
            f"<p>An article that embeds a chart.</p>{code}<p>The article goes on.</p></body></html>"
        )
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    url, stop = serve(app)
    assert url.split(":")[-1] != live_server.split(":")[-1]  # another port: another origin
    try:
        yield url
    finally:
        stop()


_SIZES = """
() => {
  const root = document.documentElement;
  const footer = [...document.querySelectorAll('.chart-footnote')];
  let right = null; // the furthest right a wrapped footer line reaches (null: no line wraps)
  for (const p of [...footer, document.querySelector('.chart-question'), document.querySelector('.embed-title')]) {
    if (!p) continue;
    const range = document.createRange();
    range.selectNodeContents(p);
    const rects = [...range.getClientRects()];
    if (new Set(rects.map(r => Math.round(r.top))).size > 1)
      right = Math.max(right || 0, ...rects.map(r => r.right));
  }
  const plot = document.getElementById('plot');
  return {
    height: root.getBoundingClientRect().height, width: root.clientWidth, scroll: root.scrollWidth,
    plot: plot ? plot.getBoundingClientRect().width : 0, footerRight: right,
  };
}
"""
_IFRAME = "() => { const r = document.querySelector('iframe').getBoundingClientRect(); return [r.width, r.height]; }"


def _frame(page):
    page.wait_for_selector("iframe")
    handle = page.query_selector("iframe")
    handle.scroll_into_view_if_needed()
    frame = handle.content_frame()
    wait_chart(frame)
    return frame


def _settled(page, frame, tolerance: float = 4) -> tuple[dict, list]:
    """The embed's sizes and the iframe's, once the iframe's height is within ``tolerance`` of the embed's."""
    for _ in range(150):  # the message crosses origins: poll 15 s at most (a loaded machine has taken over 5)
        inner, outer = frame.evaluate(_SIZES), page.evaluate(_IFRAME)
        if abs(inner["height"] - outer[1]) <= tolerance:
            return inner, outer
        page.wait_for_timeout(100)
    return inner, outer


@pytest.mark.parametrize("width", factory.sweep(WIDTHS))
def test_embed_fills_its_frame_and_sizes_itself(browser, live_server, host, recorder, width):
    ctx, page = new_page(browser, host, recorder, viewport={"width": width, "height": 900})
    problems = []
    try:
        for slug in SLUGS:
            page.goto(f"/{slug}")
            frame = _frame(page)
            inner, outer = _settled(page, frame)
            if abs(outer[0] - width) > 1:
                problems.append(f"{slug}: the iframe is {outer[0]} px wide in a {width} px page")
            if inner["scroll"] > inner["width"]:
                problems.append(f"{slug}: the embed scrolls sideways ({inner['scroll']} > {inner['width']})")
            if inner["plot"] < inner["width"] - 24:
                problems.append(f"{slug}: the chart is {inner['plot']} px wide in a {inner['width']} px frame")
            if inner["footerRight"] is not None and inner["footerRight"] < 0.75 * width:
                problems.append(f"{slug}: text wraps at {inner['footerRight']} px of a {width} px frame")
            if abs(inner["height"] - outer[1]) > 4:
                problems.append(f"{slug}: iframe {outer[1]} px tall, embed {inner['height']} px (closed)")
            frame.click("details.alt-text summary")
            frame.wait_for_function("() => document.querySelector('details.alt-text').open")
            inner2, outer2 = _settled(page, frame)
            if inner2["height"] <= inner["height"]:
                problems.append(f"{slug}: opening the numbers as text did not make the embed taller")
            if abs(inner2["height"] - outer2[1]) > 4:
                problems.append(f"{slug}: iframe {outer2[1]} px tall, embed {inner2['height']} px (opened)")
    finally:
        ctx.close()
    assert not problems, "\n".join(problems)
    assert recorder.errors == []


def test_a_resize_script_that_starts_after_the_embed_still_sizes_it(browser, live_server, host, recorder):
    """The framing page's script may run after the embed has drawn and posted its height to no one (it is
    ``async``, from another server): it asks the embed, which answers, and the iframe takes the embed's height."""
    ctx, page = new_page(browser, host, recorder, viewport={"width": 760, "height": 900})
    try:
        slug = SLUGS[0]
        page.goto(f"/{slug}?late=1")
        frame = _frame(page)
        frame.wait_for_load_state("load")
        inner, outer = frame.evaluate(_SIZES), page.evaluate(_IFRAME)
        assert abs(inner["height"] - outer[1]) > 4  # the fixed height, which differs from the embed's at 760 px
        script = re.search(r'<script src="([^"]+)"', _embed_code(live_server, slug)).group(1)
        page.evaluate(
            "(src) => { const s = document.createElement('script'); s.src = src; document.body.append(s); }", script
        )
        inner, outer = _settled(page, frame)
        assert abs(inner["height"] - outer[1]) <= 4, f"iframe {outer[1]} px tall, embed {inner['height']} px"
    finally:
        ctx.close()
    assert recorder.errors == []


@pytest.mark.parametrize("width", factory.sweep([375, 320, 760, 1400]))
def test_without_the_script_the_fixed_height_shows_everything(browser, live_server, host, recorder, width):
    ctx, page = new_page(browser, host, recorder, viewport={"width": width, "height": 900})
    problems = []
    try:
        for slug in SLUGS:
            page.goto(f"/{slug}?plain=1")
            frame = _frame(page)
            inner, outer = frame.evaluate(_SIZES), page.evaluate(_IFRAME)
            if inner["height"] > outer[1]:
                problems.append(f"{slug}: the embed is {inner['height']} px tall in a {outer[1]} px iframe")
            link = frame.evaluate("() => document.querySelector('.embed-link').getBoundingClientRect().bottom")
            if link > outer[1]:
                problems.append(f"{slug}: the link back ends at {link} px, below the iframe's {outer[1]} px")
    finally:
        ctx.close()
    assert not problems, "\n".join(problems)
    assert recorder.errors == []
