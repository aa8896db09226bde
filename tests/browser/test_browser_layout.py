"""Every chart, on its page and in its embed, at 375 px and 1400 px: no text outside its graph, no two text
blocks over each other (so no key over a title), no modebar, no horizontal scroll. Each page is also
screenshotted to figures/screenshots/ (not committed) for a person to look at."""

from __future__ import annotations

import factory
import pytest

from tests.browser.helpers import DESKTOP, PHONE, SCREENSHOTS, new_page, wait_chart

pytestmark = pytest.mark.browser

SLUGS = factory.SLUGS

# Every SVG text of the graph lies inside the graph's box; no two annotations' boxes intersect; no modebar.
_LAYOUT_JS = """
() => {
  const gd = document.getElementById('plot');
  const box = gd.getBoundingClientRect();
  const problems = [];
  for (const t of gd.querySelectorAll('.main-svg text, .infolayer text')) {
    if (!t.textContent.trim()) continue;
    const r = t.getBoundingClientRect();
    if (!r.width) continue;
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
      problems.push('outside: "' + t.textContent.slice(0, 60) + '" ' + [r.left, r.right, r.top, r.bottom].map(Math.round) +
                    ' in ' + [box.left, box.right, box.top, box.bottom].map(Math.round));
  }
  const notes = [...gd.querySelectorAll('g.annotation')].map(a => [a, a.getBoundingClientRect()]).filter(([, r]) => r.width);
  for (let i = 0; i < notes.length; i++)
    for (let j = i + 1; j < notes.length; j++) {
      const [a, r] = notes[i], [b, s] = notes[j];
      const w = Math.min(r.right, s.right) - Math.max(r.left, s.left);
      const h = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
      if (w > 1 && h > 1) problems.push('overlap: "' + a.textContent.slice(0, 40) + '" and "' + b.textContent.slice(0, 40) + '"');
    }
  if (gd.querySelector('.modebar')) problems.push('a modebar is drawn');
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push('horizontal scroll: ' + document.documentElement.scrollWidth);
  return problems;
}
"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1400px"])
@pytest.mark.parametrize("kind", ["chart", "embed"])
def test_every_chart_fits(browser, live_server, recorder, viewport, kind):
    ctx, page = new_page(browser, live_server, recorder, viewport=viewport)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    try:
        for slug in SLUGS:
            page.goto(f"/{kind}/{slug}")
            wait_chart(page)
            found = page.evaluate(_LAYOUT_JS)
            if found:
                problems[slug] = found
            page.screenshot(path=SCREENSHOTS / f"{kind}-{slug}-{viewport['width']}.png", full_page=True)
    finally:
        ctx.close()
    assert not problems, "\n".join(f"{slug}: {p}" for slug, ps in problems.items() for p in ps)
    assert recorder.errors == []
