"""Chart exports from a real browser: the modebar camera (client-side PNG at 2x) and the server-side zips."""

from __future__ import annotations

import io
import zipfile

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
pytestmark = pytest.mark.browser

EXPORT_TIMEOUT = 60_000  # ms: kaleido starts a browser on the server and renders every chart in view


def _modebar_png(dash, key: str, tmp_path):
    """Hover chart ``key``, click its camera button, return (download, bytes)."""
    page = dash.page
    page.locator(f"#chart-{key}").hover()
    button = dash.modebar_button(key)
    button.wait_for(state="attached")
    with page.expect_download() as info:
        button.click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return download, path.read_bytes()


def test_modebar_png_download_is_named_and_twice_the_size(dash, tmp_path):
    dash.goto()
    for key, filename in [
        ("overview", "overview-support-for-every-proposal.png"),
        ("fig5", "figure-5-specialist-provision.png"),
    ]:
        download, data = _modebar_png(dash, key, tmp_path)
        assert download.suggested_filename == filename
        width, height = dash.png_size(data)
        shown_w, shown_h = dash.graph_size(key)
        assert shown_w > 0 and shown_h > 0
        assert abs(width - 2 * shown_w) <= 2, f"{key}: PNG width {width} is not 2 x {shown_w}"
        assert abs(height - 2 * shown_h) <= 2, f"{key}: PNG height {height} is not 2 x {shown_h}"
    assert dash.recorder.errors == []


def _export_zip(dash, button_id: str, tmp_path) -> zipfile.ZipFile:
    page = dash.page
    with page.expect_download(timeout=EXPORT_TIMEOUT) as info:
        page.locator(f"#{button_id}").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip"), download.suggested_filename
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return zipfile.ZipFile(io.BytesIO(path.read_bytes()))


def _expected_files(dash, ext: str, themes=()) -> set[str]:
    """File names of every chart a selection draws (the app's file-name scheme, from figures.py)."""
    from dashboard.figures import FIGURE_SLUGS

    names = {"overview": "overview-support-for-every-proposal", "baseline": "baseline-2023-24-survey"}
    names.update({f"fig{n}": f"figure-{n}-{slug}" for n, slug in FIGURE_SLUGS.items()})
    return {f"{names[k]}.{ext}" for k in dash.expect.visible(themes)}


def test_export_all_charts_png_zip(dash, tmp_path):
    dash.goto()
    zf = _export_zip(dash, "export-png-button", tmp_path)
    names = zf.namelist()
    assert names, "empty zip"
    assert all(n.endswith(".png") for n in names), names
    assert "figure-5-specialist-provision.png" in names
    assert set(names) == _expected_files(dash, "png")
    for name in names:
        w, h = dash.png_size(zf.read(name))
        assert w > 0 and h > 0, name
    assert dash.page.locator("#export-status").text_content().startswith(f"Downloaded {len(names)} chart")
    assert dash.recorder.errors == []


def test_export_charts_in_view_svg_zip(dash, tmp_path):
    # One theme keeps the server-side rendering short; the zip holds exactly the charts in view.
    dash.goto("?theme=specialist", ["specialist"])
    zf = _export_zip(dash, "export-svg-button", tmp_path)
    names = zf.namelist()
    assert names and all(n.endswith(".svg") for n in names), names
    assert set(names) == _expected_files(dash, "svg", ["specialist"])
    for name in names:
        head = zf.read(name)[:200].lstrip()
        assert head.startswith(b"<svg"), f"{name} starts {head[:60]!r}"
    assert dash.recorder.errors == []
