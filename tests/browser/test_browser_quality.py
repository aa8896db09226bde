"""Quality in a real browser: accessibility (axe-core) on the landing page, a chart page and an embed; console
errors; the CSP; nothing on any page that leaves the site except a report's own link."""

from __future__ import annotations

import re

import factory
import pytest

from tests.browser.helpers import DESKTOP, PHONE, new_page, wait_chart

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = pytest.mark.browser
SERIOUS = ("serious", "critical")


def _report(violations) -> str:
    def target(node) -> str:
        t = node.get("target")
        return " ".join(map(str, t)) if isinstance(t, list) else str(t)

    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(target(n) for n in v["nodes"][:10])
        for v in violations
    )


def _axe(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [v for v in violations if v.get("impact") in SERIOUS]


@pytest.mark.parametrize(
    "path",
    ["/", "/?theme=funding", "/chart/confidence-in-funding", "/chart/timescales?tab=sources", "/embed/then-and-now"],
)
def test_axe_finds_no_serious_or_critical_violation(browser, live_server, recorder, landing_waits, path):
    """axe-core in a context that bypasses the CSP (it injects a script); the CSP stays on everywhere else."""
    ctx, page = new_page(browser, live_server, recorder, bypass_csp=True)
    try:
        page.goto(path)
        landing_waits(page, path)
        bad = _axe(page)
        assert not bad, f"axe-core found serious/critical violations on {path}:\n{_report(bad)}"
    finally:
        ctx.close()


@pytest.fixture
def landing_waits(store):
    """A function waiting until a page of ``path`` has drawn."""
    from tests.browser.helpers import Landing

    def wait(page, path: str) -> None:
        if path.startswith(("/chart/", "/embed/")):
            wait_chart(page)
        else:
            themes = re.findall(r"theme=([\w,-]+)", path)
            Landing(page, store).wait(themes[0].split(",") if themes else [])

    return wait


def test_no_errors_and_no_csp_violation_across_pages(page, recorder, landing_waits):
    """Landing page, a theme click, a chart page and an embed: no console error, no CSP violation."""
    response = page.goto("/")
    policy = response.headers.get("content-security-policy", "")
    assert (
        "script-src" in policy
        and "'unsafe-eval'" not in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    landing_waits(page, "/")
    page.get_by_role("group", name="Reform themes").get_by_role("checkbox", name="Funding", exact=True).click()
    landing_waits(page, "/?theme=funding")
    for path in ["/chart/timescales", "/embed/timescales"]:
        page.goto(path)
        landing_waits(page, path)
    assert recorder.csp_console == []
    assert page.evaluate("() => window.__csp || []") == []
    assert recorder.errors == []


@pytest.mark.parametrize("path", ["/", "/chart/timescales", "/embed/timescales"])
def test_no_control_leaves_the_site(page, landing_waits, live_server, path):
    """No link or control points off the site (no Plotly Cloud, no Plotly logo); only a report's own address may,
    and the licence's (the Cite block's)."""
    from etl.package import LICENCE

    page.goto(path)
    landing_waits(page, path)
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    external = [h for h in links if not h.startswith(live_server) and not h.startswith("#") and h != LICENCE["path"]]
    assert external == [], external
    text = page.evaluate("() => document.body.innerText")
    assert "Plotly Cloud" not in text and "Edit in Chart Studio" not in text
    assert page.locator(".modebar").count() == 0


@pytest.mark.parametrize("slug", factory.sweep(factory.SLUGS))
def test_axe_on_every_chart_page_tab_and_embed_at_both_widths(browser, live_server, recorder, slug):
    """Every chart page (its Chart and Table tabs) and every embed, at 1400 and 375 px: 0 serious or critical
    violations (the Table tab's layout changes below 600 px)."""
    paths = [f"/chart/{slug}", f"/chart/{slug}?tab=table", f"/embed/{slug}"]
    for viewport in (DESKTOP, PHONE):
        ctx, page = new_page(browser, live_server, recorder, viewport=viewport, bypass_csp=True)
        try:
            for path in paths:
                page.goto(path)
                if "tab=table" not in path:
                    wait_chart(page)
                bad = _axe(page)
                assert not bad, f"axe-core: serious/critical on {path} at {viewport['width']} px:\n{_report(bad)}"
        finally:
            ctx.close()
