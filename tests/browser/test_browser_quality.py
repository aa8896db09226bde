"""Quality in a real browser: small screens, accessibility (axe-core), console errors and the CSP."""

from __future__ import annotations

import re

import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
).expect

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}

# Elements sticking out past the right edge of the viewport, unless a scrolling/clipping box of their own
# (the data grid's viewport, for instance) contains them.
_OVERFLOWING_JS = """
() => {
  const limit = window.innerWidth + 1;
  const clipped = el => {
    for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o !== 'visible') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || r.right <= limit) continue;
    if (getComputedStyle(el).visibility === 'hidden' || clipped(el)) continue;
    out.push(`${el.tagName.toLowerCase()}#${el.id}.${String(el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className).slice(0, 40)} right=${Math.round(r.right)}`);
  }
  return out.slice(0, 10);
}
"""


def _assert_fits_phone(dash, what: str) -> None:
    page = dash.page
    scroll_w, inner_w = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_w <= inner_w, f"{what}: horizontal scroll ({scroll_w}px content in a {inner_w}px window)"
    for key in dash.visible_cards():
        w, _ = dash.graph_size(key)
        assert 0 < w <= PHONE["width"], f"{what}: chart {key} is {w}px wide"
    assert page.evaluate(_OVERFLOWING_JS) == [], f"{what}: elements wider than the window"


def test_phone_width_has_no_horizontal_scroll(dash):
    dash.page.set_viewport_size(PHONE)
    dash.goto()
    _assert_fits_phone(dash, "all themes")
    dash.theme_checkbox("Specialist provision").click()
    dash.wait_drawn(["specialist"])
    _assert_fits_phone(dash, "specialist provision")
    assert dash.recorder.errors == []


SERIOUS = ("serious", "critical")
# The three dcc.Checklist controls of the page.
CHECKLISTS = ["#theme-filter", "#show-intervals", "#quote-stance"]


def _target(node) -> str:
    t = node.get("target")
    return " ".join(map(str, t)) if isinstance(t, list) else str(t)


def _report(violations) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(_target(n) for n in v["nodes"][:10])
        for v in violations
    )


def test_axe_finds_no_serious_or_critical_violation(dash):
    """The whole page once every chart is drawn."""
    from axe_playwright_python.sync_playwright import Axe

    dash.goto()
    violations = Axe().run(dash.page).response["violations"]
    bad = []
    for v in violations:
        if v.get("impact") not in SERIOUS:
            continue
        bad.append(v)
    assert not bad, f"axe-core found serious/critical violations:\n{_report(bad)}"


def test_axe_checklists_have_no_serious_violation(dash):
    """Dash 4's checklist markup (an unnamed listbox of options wrapping checkboxes) is mended by assets/dashboard.js."""
    from axe_playwright_python.sync_playwright import Axe

    page = dash.page
    page.goto("/")
    for sel in CHECKLISTS:
        page.wait_for_selector(f"{sel} input[type=checkbox]")
    violations = Axe().run(page, context={"include": [[c] for c in CHECKLISTS]}).response["violations"]
    bad = [v for v in violations if v.get("impact") in SERIOUS]
    assert not bad, f"axe-core found serious/critical violations:\n{_report(bad)}"


def test_no_console_or_page_errors_on_load_and_theme_change(dash):
    dash.goto()
    dash.theme_checkbox("Funding").click()
    expect(dash.page).to_have_url(re.compile(r"\?theme=funding$"))
    dash.wait_drawn(["funding"])
    assert dash.recorder.errors == []


def test_csp_header_and_no_violations(dash, tmp_path):
    page = dash.page
    response = page.goto("/")
    csp = response.headers.get("content-security-policy", "")
    assert "script-src" in csp and "'unsafe-eval'" not in csp, csp
    dash.wait_drawn([])

    dash.theme_checkbox("Specialist provision").click()
    dash.wait_drawn(["specialist"])
    for key in dash.expect.visible(["specialist"]):
        assert page.locator(f"#chart-{key} .main-svg").count() >= 1, key

    page.locator("#chart-fig5").hover()
    with page.expect_download() as info:
        dash.modebar_button("fig5").click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    dash.png_size(path.read_bytes())

    assert dash.recorder.csp_console == [], dash.recorder.csp_console
    assert dash.csp_events() == [], dash.csp_events()
    assert dash.recorder.errors == []
