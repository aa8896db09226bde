"""The briefing pack (dashboard/briefing.py): /briefing.pptx and /briefing.pdf read back with python-pptx and pypdf.

Charts are rendered by kaleido in a real Chromium: those cases are skipped where there is none."""

from __future__ import annotations

import io
import re

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

from dashboard import briefing, export
from dashboard.figures import base_line, labels_of, source_line
from dashboard.renderer import find_chromium
from etl.package import PACKAGE
from etl.schema import Col, Qualifier
from tests.fixtures import FIXTURE_SURVEY

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no Chromium for kaleido to render with")

# Of the real survey: a derived share (timescales), bounds and a flag (then-and-now), bounds (specialist-provision).
CHARTS = ["timescales", "then-and-now", "specialist-provision"]
QUERY = "charts=" + ",".join(CHARTS) + "&title=Briefing+for+the+schools+forum&subtitle=A+council%2C+March"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def texts(slide) -> list[str]:
    return [flat(s.text_frame.text) for s in slide.shapes if s.has_text_frame]


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def deck(client):
    if find_chromium() is None:
        pytest.skip("no Chromium for kaleido to render with")
    response = client.get(f"/briefing.pptx?{QUERY}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == briefing.FORMATS["pptx"]
    return Presentation(io.BytesIO(response.data))


@pytest.fixture(scope="module")
def pdf(client):
    if find_chromium() is None:
        pytest.skip("no Chromium for kaleido to render with")
    response = client.get(f"/briefing.pdf?{QUERY}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(response.data))


def flagged_or_bounded(store, slug) -> list[dict]:
    survey = store.survey(store.default_survey)
    rows = store.chart_rows(survey.chart(slug))
    bounds = {Qualifier.OVER.value, Qualifier.NEARLY.value, Qualifier.LESS_THAN.value, Qualifier.DERIVED.value}
    return [r for r in rows if r[Col.FLAG] or r[Col.QUALIFIER] in bounds]


@needs_chromium
def test_the_deck_has_a_slide_per_chart_with_its_words_as_text(deck, store):
    slides = list(deck.slides)
    assert len(slides) == 1 + 1 + len(CHARTS) + 1
    assert deck.slide_width * 9 == deck.slide_height * 16  # 16:9
    title = " ".join(texts(slides[0]))
    assert "Briefing for the schools forum" in title and "A council, March" in title
    assert "54 councils responded" in title and "153" in title
    assert "Key findings" in texts(slides[1])[0] and len(" ".join(texts(slides[1]))) > 60
    labels = labels_of(store)
    survey = store.survey(store.default_survey)
    for n, (slide, slug) in enumerate(zip(slides[2:-1], CHARTS), start=3):
        spec = survey.chart(slug)
        rows = store.chart_rows(spec)
        said = " ".join(texts(slide))
        for text in (spec.title, base_line(rows, labels), source_line(rows, labels), f"/chart/{slug}"):
            assert flat(text) in said, (slug, text)
        assert str(n) in texts(slide)  # the slide number
        [picture] = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        alt = picture._element.nvPicPr.cNvPr.get("descr")
        assert alt and spec.title in alt
        assert all(flat(r[Col.ITEM]) in flat(alt) for r in rows)  # every bar is described
        notes = flat(slide.notes_slide.notes_text_frame.text)
        caveated = flagged_or_bounded(store, slug)
        assert caveated, slug
        for r in caveated:
            assert flat(r[Col.REPORTED_TEXT]) in notes, (slug, r[Col.ID])
            if r[Col.QUALIFIER] == Qualifier.DERIVED.value:
                assert flat(r[Col.NOTE]) in notes
            else:
                assert flat(r[Col.VERBATIM]) in notes, (slug, r[Col.ID])
            if r[Col.FLAG]:
                assert flat(r[Col.FLAG]) in notes
    sources = " ".join(texts(slides[-1]))
    assert survey.source[Col.CITATION] in sources
    assert PACKAGE["licenses"][0]["name"] in sources
    assert store.tables.manifest["build_id"] in sources
    assert survey.source[Col.METHOD][:80] in sources


@needs_chromium
def test_the_pdf_has_the_same_pages_titles_and_sources(pdf, deck, store):
    assert len(pdf.pages) == len(deck.slides)
    first = pdf.pages[0].mediabox
    assert round(float(first.width) * 9) == round(float(first.height) * 16)
    assert pdf.metadata.title == "Briefing for the schools forum"
    assert pdf.metadata.subject.startswith(store.survey(store.default_survey).source[Col.TITLE])
    labels = labels_of(store)
    survey = store.survey(store.default_survey)
    for page, slug in zip(pdf.pages[2:-1], CHARTS):
        spec = survey.chart(slug)
        rows = store.chart_rows(spec)
        text = flat(page.extract_text())
        for line in (spec.title, source_line(rows, labels), base_line(rows, labels)):
            assert flat(line) in text, (slug, line)
        for r in flagged_or_bounded(store, slug):  # the caveats are on the chart's page
            assert flat(r[Col.REPORTED_TEXT]) in text
        # The chart is the renderer's vector PDF: its axis and bar labels are text, and no picture is on the page.
        assert "100%" in text and flat(spec.axis_label) in text
        assert "/Image" not in str(page["/Resources"].get("/XObject", {}))
    last = flat(pdf.pages[-1].extract_text())
    assert survey.source[Col.CITATION] in last and store.tables.manifest["build_id"] in last


@pytest.mark.parametrize(
    "query, words",
    [
        ("charts=timescales,no-such-chart", "no-such-chart"),
        ("charts=", "No chart chosen"),
        ("charts=timescales&theme=bogus", "bogus"),
        ("charts=timescales&title=" + "x" * 200, "title is too long"),
        ("charts=timescales&subtitle=" + "y" * 300, "subtitle is too long"),
        ("charts=" + ",".join(f"c{i}" for i in range(21)), "Too many charts: 21"),
        ("survey=no-such-survey&charts=timescales", "no-such-survey"),
    ],
)
@pytest.mark.parametrize("fmt", ["pptx", "pdf"])
def test_bad_requests_answer_400_naming_what_is_wrong(client, query, words, fmt, monkeypatch):
    def refuse():
        raise AssertionError("a bad request took a place in the export queue")

    monkeypatch.setattr(export, "admit", refuse)
    response = client.get(f"/briefing.{fmt}?{query}")
    assert response.status_code == 400
    assert words in response.get_json()["message"]


@needs_chromium
def test_a_repeated_pack_is_read_from_the_cache_without_a_queue_place(client, deck, pdf, monkeypatch):
    exporter = export.exporter()
    rendered = exporter.rendered

    def refuse():
        raise AssertionError("a cached pack took a place in the export queue")

    monkeypatch.setattr(export, "admit", refuse)
    for fmt in ("pptx", "pdf"):
        response = client.get(f"/briefing.{fmt}?{QUERY}")
        assert response.status_code == 200 and response.headers["X-Briefing-Cache"] == "hit"
    assert exporter.rendered == rendered


def test_a_busy_server_answers_503_with_retry_after(client, monkeypatch):
    def busy():
        raise export.ExportBusy(7)

    monkeypatch.setattr(export, "admit", busy)
    response = client.get("/briefing.pptx?charts=timescales&title=Never+made+before+busy")
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"


LEAKS = re.compile(r"\bcouncils?\b|\b54\b|\b153\b|Isos|isos-20|LGA|local authorit", re.IGNORECASE)


@needs_chromium
def test_the_fixture_survey_makes_its_own_pack_in_its_own_words(both_app, both_store):
    survey = both_store.surveys[FIXTURE_SURVEY]
    slugs = [c.slug for c in survey.charts]
    client = both_app.server.test_client()
    response = client.get(f"/briefing.pptx?survey={FIXTURE_SURVEY}&charts={','.join(slugs)}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    deck = Presentation(io.BytesIO(response.data))
    assert len(deck.slides) == 3 + len(slugs)
    words = []
    for slide in deck.slides:
        words += texts(slide)
        if slide.has_notes_slide:
            words.append(slide.notes_slide.notes_text_frame.text)
    said = " ".join(words)
    assert survey.source[Col.CITATION] in said and "schools" in said
    assert not LEAKS.search(said), LEAKS.search(said)
    pdf = client.get(f"/briefing.pdf?survey={FIXTURE_SURVEY}&charts={','.join(slugs)}")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert survey.source[Col.CITATION] in flat(text) and not LEAKS.search(text), LEAKS.search(text)
