"""Every chart of the real survey and of the fixture survey, on its page and in its embed, at 375 px and
1400 px: no text outside its graph, no two text blocks over each other (so no key over a title), no text cut
with "…" or by its box, no modebar, no horizontal scroll, and every bar's tooltip inside the viewport (each
bar hovered). The Table tab on a phone is a card per row. Each page is also screenshotted to
figures/screenshots/ (not committed) for a person to look at."""

from __future__ import annotations

import factory
import pytest

from tests.browser.helpers import DESKTOP, PHONE, SCREENSHOTS, new_page, wait_chart

pytestmark = pytest.mark.browser

SLUGS = factory.SLUGS


def _every_chart(store) -> list[str]:
    """The address of every chart of every survey in ``store`` (the real one and the fixture)."""
    return [f"/{{kind}}/{spec.slug}?survey={survey.id}" for survey in store.surveys.values() for spec in survey.charts]


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
  // Text cut: an ellipsis the data does not have, or an element whose text overflows its own box.
  for (const t of gd.querySelectorAll('text'))
    if (t.textContent.includes('…')) problems.push('cut with "…": "' + t.textContent.slice(0, 60) + '"');
  for (const el of document.querySelectorAll('main *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || el.closest('svg') || el.closest('.visually-hidden') || !el.textContent.trim()) continue;
    if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth)
      problems.push('cut with "…": "' + el.textContent.slice(0, 60) + '"');
    if ((style.overflowX === 'hidden' || style.overflow === 'hidden') && el.scrollWidth > el.clientWidth + 1)
      problems.push('cut by its box: "' + el.textContent.slice(0, 60) + '"');
  }
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push('horizontal scroll: ' + document.documentElement.scrollWidth);
  return problems;
}
"""


# The centre of every bar (each drawn point of every trace), in page coordinates.
_BARS_JS = """
() => [...document.querySelectorAll('#plot .barlayer .point path')].map(p => p.getBoundingClientRect())
  .filter(r => r.width > 1 && r.height > 1)
  .map(r => [r.left + Math.min(r.width / 2, 6) + window.scrollX, r.top + r.height / 2 + window.scrollY])
"""
_HOVER_JS = """
() => { const labels = [...document.querySelectorAll('#plot .hoverlayer .hovertext')];
  const w = document.documentElement.clientWidth, h = window.innerHeight;
  return labels.map(g => g.getBoundingClientRect())
    .filter(r => r.left < -0.5 || r.right > w + 0.5 || r.top < -0.5 || r.bottom > h + 0.5)
    .map(r => [r.left, r.right, r.top, r.bottom].map(Math.round).join(',')); }
"""


def _hover_every_bar(page) -> list[str]:
    """Hover each bar (scrolled to the middle of the screen); the tooltips that leave the viewport."""
    problems = []
    for x, y in page.evaluate(_BARS_JS):
        page.evaluate(f"() => window.scrollTo(0, {y} - window.innerHeight / 2)")
        top = page.evaluate("() => window.scrollY")
        shown = False
        for nudge in (0, 1, 2):  # plotly drops a move that follows the last within its hover interval: move again
            page.mouse.move(x + nudge, y - top)
            try:
                page.wait_for_selector("#plot .hoverlayer .hovertext", timeout=1500)
                shown = True
                break
            except Exception:  # a timeout: no tooltip yet
                continue
        if not shown:
            problems.append(f"no tooltip at {round(x)},{round(y)}")
            continue
        problems += [f"tooltip at {round(x)},{round(y)} outside the viewport: {r}" for r in page.evaluate(_HOVER_JS)]
        page.mouse.move(1, 1)
    return problems


@pytest.mark.parametrize(
    ("kind", "viewport"),
    factory.sweep(
        [("chart", PHONE), ("chart", DESKTOP), ("embed", PHONE), ("embed", DESKTOP)],
        ids=["chart-375px", "chart-1400px", "embed-375px", "embed-1400px"],
    ),
)
def test_every_chart_fits(browser, both_server, both_store, recorder, viewport, kind):
    ctx, page = new_page(browser, both_server, recorder, viewport=viewport)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    try:
        for address in _every_chart(both_store):
            url = address.format(kind=kind)
            page.goto(url)
            wait_chart(page)
            found = page.evaluate(_LAYOUT_JS) + _hover_every_bar(page)
            if found:
                problems[url] = found
            name = url.strip("/").replace("/", "-").replace("?survey=", "-")
            page.screenshot(path=SCREENSHOTS / f"{name}-{viewport['width']}.png", full_page=True)
    finally:
        ctx.close()
    assert not problems, "\n".join(f"{url}: {p}" for url, ps in problems.items() for p in ps)
    assert recorder.errors == []


_TABLE_JS = """
() => { const rows = [...document.querySelectorAll('.results-table tbody tr')];
  const w = document.documentElement.clientWidth;
  return { scroll: document.documentElement.scrollWidth - w,
           wrapScroll: document.querySelector('.table-wrap').scrollWidth - document.querySelector('.table-wrap').clientWidth,
           rows: rows.map(r => r.getBoundingClientRect()).map(r => [r.width, r.height]),
           labels: [...document.querySelectorAll('.results-table tbody td')].map(td => getComputedStyle(td, '::before').content),
           folded: [...document.querySelectorAll('.results-table details')].every(d => !d.open) }; }
"""


def test_table_on_a_phone_is_a_card_per_row(phone):
    """Below 600 px the Table tab is one card per figure, each cell named by its column, notes folded: no
    sideways scroll, and no card as tall as the Notes column made the rows before."""
    problems = []
    for slug in SLUGS:
        phone.goto(f"/chart/{slug}?tab=table")
        phone.wait_for_selector(".results-table")
        got = phone.evaluate(_TABLE_JS)
        if got["scroll"] > 0 or got["wrapScroll"] > 0:
            problems.append(f"{slug}: scrolls sideways ({got['scroll']}, {got['wrapScroll']})")
        if any(w < 300 for w, _ in got["rows"]):
            problems.append(f"{slug}: a card narrower than 300 px: {got['rows']}")
        if not all(label.startswith('"') and label.endswith(': "') for label in got["labels"]):
            problems.append(f"{slug}: a cell without its column's name: {set(got['labels'])}")
        if not got["folded"]:
            problems.append(f"{slug}: notes open")
    phone.goto("/chart/support-for-every-proposal?tab=table")
    phone.screenshot(path=SCREENSHOTS / "table-phone-375.png", full_page=False)
    assert not problems, "\n".join(problems)
