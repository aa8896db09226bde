"""The two registries: chart kind -> builder (figures.BUILDERS, over the ETL's ChartKind) and download format ->
writer (downloads.CHART_FORMATS, export.FORMATS for the zips of images, the fixed files). Every registered kind
is drawn and every registered format downloaded through the routes, as a reader's browser would ask for them.
Images are rendered by kaleido in a real Chromium: those cases are skipped where there is none."""

from __future__ import annotations

import io
import zipfile

import pytest

from dashboard import downloads, export, figures
from dashboard.renderer import find_chromium
from etl.schema import ChartKind

IMAGE_MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<svg"}
needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no Chromium for kaleido to render with")


@pytest.fixture(scope="module")
def both_client(both_app):
    return both_app.server.test_client()


def chart_of_kind(store, kind: ChartKind):
    """(survey, spec) of the first chart of ``kind`` in the real and the fixture survey together."""
    for survey in store.surveys.values():
        for spec in survey.charts:
            if spec.kind == kind:
                return survey, spec
    raise AssertionError(
        f"no chart of kind {kind.value!r} in the real or the fixture survey: add one to tests/fixtures"
    )


def chart_path(store, survey, spec, fmt: str = "") -> str:
    suffix = f".{fmt}" if fmt else ""
    return f"/chart/{spec.slug}{suffix}" + ("" if survey.id == store.default_survey else f"?survey={survey.id}")


def test_every_chart_kind_has_a_builder():
    assert set(figures.BUILDERS) == set(ChartKind)


def test_chart_specs_carry_the_kind_as_the_enum(both_store):
    assert all(isinstance(spec.kind, ChartKind) for s in both_store.surveys.values() for spec in s.charts)


@pytest.mark.parametrize("kind", list(ChartKind), ids=lambda k: k.value)
def test_every_kind_is_drawn_on_its_page(both_client, both_store, kind):
    """The chart page of a chart of each kind embeds its figure, drawn by the kind's builder."""
    survey, spec = chart_of_kind(both_store, kind)
    response = both_client.get(chart_path(both_store, survey, spec))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert spec.title in text and f'"key": "{spec.slug}"' in text.replace('"key":"', '"key": "')


@needs_chromium
@pytest.mark.parametrize("kind", list(ChartKind), ids=lambda k: k.value)
def test_every_kind_is_exported(both_client, both_store, kind):
    """Each kind renders to an image with its title drawn in."""
    survey, spec = chart_of_kind(both_store, kind)
    response = both_client.get(chart_path(both_store, survey, spec, "svg"))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.data.startswith(IMAGE_MAGIC["svg"])
    assert spec.title.split()[0] in response.get_data(as_text=True)


def test_every_image_format_is_one_kaleido_renders_and_each_is_offered():
    images = {fmt for fmt, f in downloads.CHART_FORMATS.items() if f.mimetype.startswith("image/")}
    assert images == set(export.FORMATS)


def test_the_chart_page_offers_every_format(both_client, both_store):
    survey, spec = chart_of_kind(both_store, ChartKind.RANKED)
    text = both_client.get(chart_path(both_store, survey, spec)).get_data(as_text=True)
    for fmt, f in downloads.CHART_FORMATS.items():
        assert f"/chart/{spec.slug}.{fmt}" in text and f.label in text


@pytest.mark.parametrize("fmt", list(downloads.CHART_FORMATS))
def test_every_chart_format_downloads(both_client, both_store, fmt):
    if fmt in export.FORMATS and find_chromium() is None:
        pytest.skip("no Chromium for kaleido to render with")
    survey, spec = chart_of_kind(both_store, ChartKind.RANKED)
    response = both_client.get(chart_path(both_store, survey, spec, fmt))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == downloads.CHART_FORMATS[fmt].mimetype
    assert f'filename="{spec.filename}.{fmt}"' in response.headers["Content-Disposition"]
    if fmt == "csv":
        header = response.data.decode("utf-8-sig").splitlines()[0]
        assert header.startswith("id,") and len(response.data.decode("utf-8-sig").splitlines()) == 1 + len(
            spec.result_ids
        )
    else:
        assert response.data.lstrip().startswith(IMAGE_MAGIC[fmt])


@needs_chromium
@pytest.mark.parametrize("fmt", list(export.FORMATS))
def test_every_image_format_zips_the_charts_in_view(both_client, both_store, fmt):
    survey = both_store.surveys[both_store.default_survey]
    response = both_client.get(f"{downloads.CHARTS_ZIP}?survey={survey.id}&format={fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert sorted(names) == sorted(f"{spec.filename}.{fmt}" for spec in survey.charts)
    assert response.headers["X-Export-Charts"] == str(len(survey.charts))


def test_an_unregistered_format_is_refused(both_client, both_store):
    survey, spec = chart_of_kind(both_store, ChartKind.RANKED)
    assert both_client.get(chart_path(both_store, survey, spec, "pdf")).status_code == 404
    assert both_client.get(f"{downloads.CHARTS_ZIP}?format=pdf").status_code == 400


@pytest.mark.parametrize("route", [downloads.TABLES_ZIP, f"/download/{downloads.RESULTS_CODEBOOK}"])
def test_every_fixed_file_downloads(both_client, route):
    response = both_client.get(route)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"] and response.data
