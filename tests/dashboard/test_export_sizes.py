"""PNG sizes for where charts go (``figures.SIZES``): a document's width, a 16:9 slide (1920 x 1080) and a square
(1080 x 1080), for every chart of the real and the fixture survey. Each size's PNG has its pixel size; the SVG
of the same export has the title, the source, the chart page's address and the licence drawn in. A slide or
square splits a chart with more bars than it holds into parts, each listed on the chart page."""

from __future__ import annotations

import html
import re

import pytest

from dashboard import figures
from dashboard.renderer import find_chromium
from etl.schema import Col
from tests.browser.helpers import png_size

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no Chromium for kaleido to render with")
PIXELS = {"slide": (1920, 1080), "square": (1080, 1080)}


@pytest.fixture(scope="module")
def both_client(both_app):
    return both_app.server.test_client()


def _charts(store):
    return [(survey, spec) for survey in store.surveys.values() for spec in survey.charts]


def _query(store, survey) -> str:
    return "" if survey.id == store.default_survey else f"survey={survey.id}"


def _svg_text(data: bytes) -> str:
    """Every text of an SVG, its lines joined by spaces."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", data.decode("utf-8")))).strip()


def _parts(client, path: str) -> dict[str, int]:
    """How many parts the chart page lists for each size (``?size=…&part=n`` links)."""
    page = html.unescape(client.get(path).get_data(as_text=True))
    found: dict[str, int] = {}
    for size in PIXELS:
        parts = [int(p or 1) for p in re.findall(rf"\.png[^\"]*size={size}(?:&part=(\d+))?\"", page)]
        found[size] = max(parts, default=0)
    return found


@needs_chromium
@pytest.mark.slow  # renders every chart in every size (make test keeps the split and zip cases)
def test_every_size_of_every_chart(both_client, both_store):
    problems = []
    for survey, spec in _charts(both_store):
        query = _query(both_store, survey)
        page = f"/chart/{spec.slug}" + (f"?{query}" if query else "")
        address = "http://localhost" + page
        parts = _parts(both_client, page)
        sizes = [("document", 1)] + [(size, part) for size, n in parts.items() for part in range(1, n + 1)]
        assert all(parts.values()), f"{spec.slug}: the page lists no {[s for s, n in parts.items() if not n]}"
        for size, part in sizes:
            args = "&".join(a for a in (query, f"size={size}", f"part={part}" if part > 1 else "") if a)
            png = both_client.get(f"/chart/{spec.slug}.png?{args}")
            svg = both_client.get(f"/chart/{spec.slug}.svg?{args}")
            assert png.status_code == 200 and svg.status_code == 200, (spec.slug, size, part)
            width, height = png_size(png.data)
            if size == "document":
                if width != 2 * figures.EXPORT_WIDTH:
                    problems.append(f"{spec.slug} {size}: {width} px wide")
            elif (width, height) != PIXELS[size]:
                problems.append(f"{spec.slug} {size} part {part}: {width} x {height}")
            text = _svg_text(svg.data)
            source = survey.source[Col.CITATION] or survey.id
            for words in (spec.title, "Source", html.unescape(source), address, "CC BY 4.0"):
                if re.sub(r"\s+", " ", words) not in text:
                    problems.append(f"{spec.slug} {size} part {part}: {words!r} is not drawn in")
            if part > 1 and f"Part {part} of {parts[size]}" not in text:
                problems.append(f"{spec.slug} {size} part {part}: the part is not named")
        over = both_client.get(f"/chart/{spec.slug}.png?" + "&".join(a for a in (query, "size=slide", "part=99") if a))
        assert over.status_code == 404
    assert not problems, "\n".join(problems)


def test_a_tall_chart_is_split_for_a_slide_not_shrunk(both_store):
    """The ranked chart (18 bars) comes in parts on a slide, every bar in one of them, labels at full size."""
    from dashboard.views import Views

    views = Views(both_store)
    survey = both_store.surveys[both_store.default_survey]
    spec = next(s for s in survey.charts if s.kind == "ranked")
    first = views.chart(survey, spec, frame="export", size="slide").figure
    parts = first["layout"]["meta"]["parts"]
    assert parts > 1
    bars = []
    for part in range(1, parts + 1):
        fig = views.chart(survey, spec, frame="export", size="slide", part=part).figure
        assert fig["layout"]["height"] == 540 and fig["layout"]["width"] == 960
        assert all(a["font"]["size"] >= figures.LABEL_SIZE for a in fig["layout"]["annotations"] if a["yref"] == "y")
        bars += [y for trace in fig["data"] if "range" not in trace["name"] for y in trace["y"]]
    assert len(bars) == len(spec.result_ids)
    assert views.chart(survey, spec, frame="export", size="slide", part=parts + 1).figure is None


def test_unknown_size_is_a_404(both_client):
    assert both_client.get("/chart/timescales.png?size=poster").status_code == 404
    assert both_client.get("/chart/timescales.png?size=slide&part=x").status_code == 404


@needs_chromium
def test_the_charts_zip_images_carry_their_address_and_licence(both_client, both_store):
    import io
    import zipfile

    survey = both_store.surveys[both_store.default_survey]
    response = both_client.get(f"/export/charts.zip?survey={survey.id}&format=svg&theme=funding")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        for spec in survey.charts:
            name = f"{spec.filename}.svg"
            if name in zf.namelist():
                text = _svg_text(zf.read(name))
                assert f"http://localhost/chart/{spec.slug}?theme=funding" in text and "CC BY 4.0" in text, name
