"""In real Chromium, Dash 4's renderer drives a throwaway pattern-matching app through the dashboard's request
checks: every callback request it sends (ALL, MATCH, ALLSMALLER, a wildcard output, allow_duplicate, no
output) is accepted."""

from __future__ import annotations

import json
import threading

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pattern_server(pattern_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, pattern_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="pattern-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_renderer_requests_for_pattern_matching_callbacks_pass_the_checks(browser, pattern_server):
    context = browser.new_context(base_url=pattern_server)
    context.set_default_timeout(15_000)
    page = context.new_page()
    answers: list[tuple[int, str]] = []
    page.on(
        "response",
        lambda r: answers.append((r.status, r.request.post_data or "")) if "_dash-update-component" in r.url else None,
    )
    try:
        page.goto("/")
        page.wait_for_function("() => document.getElementById('total')?.textContent === 'hello: 0 clicks'")
        page.get_by_role("button", name="item 1").click()
        page.get_by_role("button", name="item 2").click()
        page.get_by_role("button", name="item 2").click()
        page.wait_for_function("() => document.getElementById('total').textContent === 'hello: 3 clicks'")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.out')].map(e => e.textContent).join('|')"
            " === '0 here, 0 before|1 here, 0 before|2 here, 1 before'"
        )
        page.get_by_role("button", name="add").click()
        page.wait_for_function("() => document.getElementById('single').textContent === 'added 1'")
        page.wait_for_function("() => [...document.querySelectorAll('.out')].every(e => e.title === 'title 1')")
        page.locator("#text").fill("bye")
        page.wait_for_function("() => document.getElementById('single').textContent === 'typed bye'")
        page.locator("#text").press("Enter")
        page.wait_for_function("() => document.getElementById('total').textContent.startsWith('hello')")
        page.wait_for_timeout(300)  # let the no-output callback's request finish
    finally:
        context.close()
    statuses = [status for status, _ in answers]
    assert len(answers) >= 8, answers
    assert all(s in (200, 204) for s in statuses), [a for a in answers if a[0] not in (200, 204)]
    posted = [json.loads(body) for _, body in answers]
    outputs = " ".join(b["output"] for b in posted)
    for shape in ('"index":["ALL"]', '"index":["MATCH"]', "children@"):
        assert shape in outputs, f"no request for a callback with {shape}"
    assert any("outputs" not in b for b in posted), "no request for the callback without output"
    assert any(isinstance(b["inputs"][0], list) for b in posted), "no request with a wildcard list of inputs"
