"""The briefing pack: chosen charts as an editable PowerPoint deck (python-pptx) and a PDF (text set by reportlab,
each chart the export renderer's SVG turned into vector PDF by cairosvg and placed with pypdf), both 16:9, from
one address::

    GET /briefing.pptx?survey=<id>&charts=<slug>,<slug>,…[&theme=a,b][&title=…][&subtitle=…]
    GET /briefing.pdf?…                                            (the same parameters)

What a pack holds (the same pages in both): a title slide (title, subtitle, survey, who answered, the date, the
theme filter); the key findings (the survey's contrasts with a side in the filter); one slide per chart (the
chart drawn for the slide, with its title, question, base and source as text, not in the image; the caveats of
its numbers with each number's sentence: the deck's speaker notes, the PDF page's side column); a sources and
method slide (each document's citation, the survey's method, the licence, the data version, each chart's
address on the dashboard).

A bad request (unknown survey, chart or theme, no chart, over ``MAX_CHARTS`` charts, a title or subtitle over
its length) answers 400 with JSON ``{error, message}`` naming what is wrong. A pack is bounded export work: it
takes a place with ``export.admit()`` (503 + Retry-After when busy) and renders its charts within the export
time limit; the finished file is kept in the export cache folder (``<export cache>/briefing``), so a repeated
request is read back without a queue place (``X-Briefing-Cache: hit``).

Every chart is drawn for the slide by one function, ``slide_figure``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Response, jsonify, request

from dashboard import export, selection
from dashboard.data import ChartSpec, Rows, Store, Survey, format_published
from dashboard.figures import SIZES, base_line, describe_rows, source_line
from dashboard.views import Views
from dashboard.wording import hover, themes_named
from etl.package import PACKAGE
from etl.schema import Col, Qualifier

MAX_CHARTS = 20
MAX_TITLE = 120  # characters
MAX_SUBTITLE = 160
MAX_SLUG = 100
# A slide is the PNG sizes' slide (``figures.SIZES["slide"]``): 960 × 540 CSS px (13.333 × 7.5 in), at 2×.
SLIDE_W, SLIDE_H, SLIDE_SCALE = SIZES["slide"].width, SIZES["slide"].height, export.SCALE
MARGIN = 30  # CSS px (= PDF points) each side of a slide
# x, y, width, height of a chart's picture on its slide: under the title and question, above the base and source.
PICTURE = (MARGIN, 100, SLIDE_W - 2 * MARGIN, 340)
PACK_VERSION = "briefing-1"  # part of every cache key: change it when a pack's layout changes
FORMATS = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}
LICENCE = PACKAGE["licenses"][0]
NO_FINDINGS = "None of the survey's key contrasts falls in the selected themes."
CAVEATS_HEAD = "Caveats of the numbers on this slide, each with its sentence:"
EXACT_ONLY = "Every number on this slide is reported exactly as its document prints it."
PDF_NOTES_WIDTH = 270  # pt: the caveats column beside a chart on a PDF page
BOUND_QUALIFIERS = {Qualifier.OVER.value, Qualifier.NEARLY.value, Qualifier.LESS_THAN.value, Qualifier.ABOUT.value}


class BadRequest(ValueError):
    """What is wrong with a pack's address, as a message for the reader."""


# The request. ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pack:
    """What a pack's address asks for, checked."""

    survey: Survey
    charts: tuple[ChartSpec, ...]
    themes: tuple[str, ...]
    title: str
    subtitle: str

    def query(self) -> dict[str, str]:
        out = {"survey": self.survey.id, "charts": ",".join(c.slug for c in self.charts)}
        if self.themes:
            out["theme"] = ",".join(self.themes)
        out["title"] = self.title
        if self.subtitle:
            out["subtitle"] = self.subtitle
        return out


def _one(args, name: str) -> str:
    values = args.getlist(name) if hasattr(args, "getlist") else args.get(name, [])
    return str(values[0]).strip() if values else ""


def parse(store: Store, args) -> Pack:
    """The pack ``args`` (Flask's ``request.args`` or a dict of lists) ask for; BadRequest naming what is wrong."""
    asked = selection.parse(args)
    survey_id = asked.survey or store.default_survey
    if survey_id not in store.surveys:
        raise BadRequest(f"Unknown survey: {survey_id[:40]!r}. Known: {', '.join(store.surveys)}.")
    survey = store.surveys[survey_id]
    slugs = [s.strip() for v in _listed(args, "charts") for s in v.split(",") if s.strip()]
    slugs = list(dict.fromkeys(slugs))
    if not slugs:
        raise BadRequest("No chart chosen: add charts=<slug>,<slug> (the charts of the survey, by their address).")
    if len(slugs) > MAX_CHARTS:
        raise BadRequest(f"Too many charts: {len(slugs)} asked for, at most {MAX_CHARTS} in one pack.")
    unknown = [s[:MAX_SLUG] for s in slugs if survey.chart(s) is None]
    if unknown:
        raise BadRequest(f"Unknown chart{'s' if len(unknown) > 1 else ''} of {survey.id}: {', '.join(unknown)}.")
    themes, bad = asked.themes_in(survey.theme_ids)
    if bad:
        raise BadRequest(f"Unknown theme{'s' if len(bad) > 1 else ''}: {', '.join(bad)}.")
    title = _one(args, "title") or f"Briefing: {survey.source[Col.SHORT_TITLE] or survey.source[Col.TITLE]}"
    subtitle = _one(args, "subtitle")
    if len(title) > MAX_TITLE:
        raise BadRequest(f"The title is too long: {len(title)} characters, at most {MAX_TITLE}.")
    if len(subtitle) > MAX_SUBTITLE:
        raise BadRequest(f"The subtitle is too long: {len(subtitle)} characters, at most {MAX_SUBTITLE}.")
    return Pack(survey, tuple(survey.chart(s) for s in slugs), tuple(themes), title, subtitle)


def _listed(args, name: str) -> list[str]:
    values = args.getlist(name) if hasattr(args, "getlist") else args.get(name, [])
    return [str(v)[: selection.MAX_VALUE * 2] for v in values[: selection.MAX_VALUES]]


# What a pack says, as plain data. --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPage:
    spec: ChartSpec
    title: str
    question: str
    base: str
    source: str
    address: str
    alt: str  # the picture's text alternative
    caveats: list[str]  # each number's caveat with its sentence
    figure: dict  # drawn for the slide (``slide_figure``)


@dataclass(frozen=True)
class Content:
    title: str
    subtitle: str
    survey_title: str
    who: str
    date: str
    filter: str  # "" without a theme filter
    findings: list[str]
    charts: list[ChartPage]
    citations: list[str]
    method: str
    licence: str
    version: str
    dashboard: str
    site: str  # the survey's own name for the site (its catalogue's site_title)


def slide_figure(figure: dict) -> dict:
    """A chart's page-frame figure (bars and their labels only: title, question, base and source are the slide's
    text) drawn for a 16:9 slide: ``PICTURE``'s width (in CSS px, rendered at ``SLIDE_SCALE``), its own height.
    The one place a chart is sized for a slide. Not the export's "slide" frame (``views.chart(frame="export",
    size="slide")``): that draws the title, base and source into the image, where the deck needs them as
    editable text, and splits a tall chart over several images, where the deck has one slide per chart."""
    out = json.loads(json.dumps(figure))
    layout = out.setdefault("layout", {})
    layout["width"] = PICTURE[2]
    layout["meta"] = {**(layout.get("meta") or {}), "frame": "slide"}
    return out


def caveats(store: Store, rows: Rows, plural: str) -> list[str]:
    """Every number of a chart that is a bound, derived, flagged or carries a note on how it was placed or
    labelled, with its caveats and the sentence it came from (or how it was derived)."""
    out = []
    for r in rows:
        h = hover(r, plural, store.sources)
        derived = r[Col.QUALIFIER] == Qualifier.DERIVED.value
        if not (h.notes or derived or r[Col.QUALIFIER] in BOUND_QUALIFIERS or r[Col.FLAG]):
            continue
        doc = store.sources.get(r[Col.SOURCE], {})
        where = f"{r[Col.SECTION]}, {doc.get(Col.SHORT_TITLE) or doc.get(Col.TITLE) or r[Col.SOURCE]}"
        kind = "derived, not reported" if derived else ("a bound" if r[Col.QUALIFIER] in BOUND_QUALIFIERS else "")
        head = f"{r[Col.ITEM]} — {r[Col.CATEGORY]}: {r[Col.REPORTED_TEXT]}" + (f" ({kind})" if kind else "")
        said = f"How derived: {h.sentence}" if derived else f"Sentence: “{h.sentence}” ({where})"
        out.append(" ".join([head + ".", *h.notes, said]))
    return out


def _who(source: dict) -> str:
    n, plural = source[Col.RESPONDENTS], source[Col.RESPONDENT_PLURAL]
    group = source[Col.RESPONDENT_GROUP] or plural
    who = f"{n} {plural} responded ({group})" if n else f"{group}; the number who answered is not stated"
    if n and source.get(Col.POPULATION):
        who += f", of {source[Col.POPULATION]} in the population"
    return who + "."


def findings(store: Store, views: Views, pack: Pack) -> list[str]:
    """The survey's contrasts with a side in the theme filter, each as one sentence."""
    from dashboard.components import contrasts_in_view

    view = views.get(pack.survey, pack.themes)
    by_id = {r[Col.ID]: r for r in store.results}
    out = []
    for c in contrasts_in_view(pack.survey, {r[Col.ID] for r in view.results}):
        left, right = by_id.get(c[Col.LEFT]), by_id.get(c[Col.RIGHT])
        if left is None or right is None:
            continue
        out.append(
            f"{left[Col.REPORTED_TEXT]} {c['left_text']} {c[Col.JOINER]} {right[Col.REPORTED_TEXT]} {c['right_text']}."
        )
    return out


def content(store: Store, views: Views, pack: Pack, root: str, today: dt.date) -> Content:
    """Everything a pack says, for both files."""
    labels = views.labels
    source = pack.survey.source
    plural = pack.survey.plural
    query = {"survey": pack.survey.id} if pack.survey.id != store.default_survey else {}
    sel = selection.Selection(survey=query.get("survey", ""), themes=pack.themes)
    pages, docs = [], dict.fromkeys([pack.survey.id])
    for spec in pack.charts:
        chart = views.chart(pack.survey, spec, pack.themes, False, "page")
        rows = chart.rows
        if chart.figure is None:
            raise BadRequest(f"None of the figures of {spec.slug} is tagged with the selected themes.")
        docs.update(dict.fromkeys(r[Col.SOURCE] for r in rows))
        docs.update(dict.fromkeys(r[Col.SURVEY] for r in rows))
        question = " · ".join(p for p in (spec.eyebrow, spec.subtitle) if p)
        pages.append(
            ChartPage(
                spec=spec,
                title=spec.title,
                question=question + (f" ({chart.filtered})" if chart.filtered else ""),
                base=base_line(rows, labels),
                source=source_line(rows, labels),
                address=root + selection.href(f"chart/{spec.slug}", sel, store.default_survey),
                alt=f"Chart: {spec.title}. " + " ".join(describe_rows(rows, labels)),
                caveats=caveats(store, rows, plural),
                figure=slide_figure(chart.figure),
            )
        )
    citations = []
    for doc_id in docs:
        doc = store.sources.get(doc_id)
        if doc:
            cite = doc[Col.CITATION] or doc[Col.TITLE]
            citations.append(cite + (f". {doc[Col.URL]}" if doc.get(Col.URL) else ""))
    citations = list(dict.fromkeys(citations))
    published = format_published(source[Col.PUBLISHED])
    return Content(
        title=pack.title,
        subtitle=pack.subtitle,
        survey_title=f"{source[Col.TITLE]} ({source[Col.PUBLISHER] or ''}{', ' if published else ''}{published})",
        who=_who(source),
        date=today.strftime("%-d %B %Y"),
        filter=("Filtered to the themes: " + themes_named(store.theme_labels, pack.themes)) if pack.themes else "",
        findings=findings(store, views, pack),
        charts=pages,
        citations=citations,
        method=source[Col.METHOD] or "The method is not described.",
        licence=f"Data: {LICENCE['title']} ({LICENCE['name']}), {LICENCE['path']}. The quoted sentences remain "
        "their publishers'.",
        version=f"Data version: {store.version.words}.",
        dashboard=root,
        site=pack.survey.site_title,
    )


# The deck. ----------------------------------------------------------------------------------------------------


def _px(value: float):
    from pptx.util import Emu

    return Emu(int(value * 914400 / 72))  # one CSS px of the 960 × 540 slide is 1/72 in


def _text(slide, x, y, w, h, paragraphs, size=14, bold_first=False, colour=(0x1A, 0x1A, 0x1A)):
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    box = slide.shapes.add_textbox(_px(x), _px(y), _px(w), _px(h))
    frame = box.text_frame
    frame.word_wrap = True
    for i, text in enumerate(paragraphs):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold_first and i == 0
        run.font.color.rgb = RGBColor(*colour)
    return box


def _slide_number(slide, n: int) -> None:
    _text(slide, SLIDE_W - 70, SLIDE_H - 26, 50, 18, [str(n)], size=10, colour=(0x4A, 0x4A, 0x4A))


def _fit(img_w: float, img_h: float) -> tuple[float, float, float, float]:
    """The picture's box on the slide: the chart scaled to fit ``PICTURE``, centred across, from its top."""
    x, y, w, h = PICTURE
    scale = min(w / img_w, h / img_h)
    return x + (w - img_w * scale) / 2, y, img_w * scale, img_h * scale


def pptx_bytes(c: Content, images: list[bytes]) -> bytes:
    """The deck: title, key findings, one slide per chart (``images``: PNGs at ``SLIDE_SCALE``), sources."""
    from pptx import Presentation

    deck = Presentation()
    deck.slide_width, deck.slide_height = _px(SLIDE_W), _px(SLIDE_H)
    blank = deck.slide_layouts[6]
    deck.core_properties.title = c.title
    deck.core_properties.subject = c.survey_title

    def new_slide():
        return deck.slides.add_slide(blank)

    s = new_slide()
    _text(s, 60, 150, 840, 110, [c.title], size=36, bold_first=True)
    lines = [c.subtitle] if c.subtitle else []
    _text(s, 60, 265, 840, 40, lines or [""], size=20, colour=(0x4A, 0x4A, 0x4A))
    _text(s, 60, 320, 840, 160, [c.survey_title, c.who, *([c.filter] if c.filter else []), c.date], size=14)

    s = new_slide()
    _text(s, 40, 30, 880, 50, ["Key findings"], size=28, bold_first=True)
    _text(s, 40, 95, 880, 400, c.findings or [NO_FINDINGS], 16)

    for page, png in zip(c.charts, images):
        s = new_slide()
        _text(s, 30, 18, 900, 44, [page.title], size=22, bold_first=True)
        _text(s, 30, 62, 900, 34, [page.question], size=13, colour=(0x4A, 0x4A, 0x4A))
        from PIL import Image

        with Image.open(io.BytesIO(png)) as im:
            w, h = im.size
        x, y, pw, ph = _fit(w / SLIDE_SCALE, h / SLIDE_SCALE)
        pic = s.shapes.add_picture(io.BytesIO(png), _px(x), _px(y), _px(pw), _px(ph))
        pic._element.nvPicPr.cNvPr.set("descr", page.alt)
        pic.name = f"Chart: {page.title}"[:200]
        _text(s, 30, 448, 860, 70, [page.base, page.source, page.address], size=10, colour=(0x4A, 0x4A, 0x4A))
        notes = s.notes_slide.notes_text_frame
        notes.text = "\n".join([CAVEATS_HEAD, *page.caveats] if page.caveats else [EXACT_ONLY])

    s = new_slide()
    _text(s, 40, 20, 880, 40, ["Sources and method"], size=24, bold_first=True)
    _text(s, 40, 65, 880, 450, _sources_lines(c), size=10)
    for number, slide in enumerate(deck.slides, start=1):  # last on each slide, so read after its content
        _slide_number(slide, number)
    buf = io.BytesIO()
    deck.save(buf)
    return buf.getvalue()


# The PDF. -------------------------------------------------------------------------------------------------------

_FONTS: dict[str, str] = {}
_fonts_lock = threading.Lock()
FONT_FILES = {
    "Sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "Sans-Bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
}


def _fonts() -> dict[str, str]:
    """A Unicode TrueType font where the machine has one (the notes hold “⚠” and curly quotes), else Helvetica."""
    with _fonts_lock:
        if not _FONTS:
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            try:
                for name, path in FONT_FILES.items():
                    pdfmetrics.registerFont(TTFont(name, path))
                _FONTS.update(regular="Sans", bold="Sans-Bold")
            except Exception:  # no such font here
                _FONTS.update(regular="Helvetica", bold="Helvetica-Bold")
        return dict(_FONTS)


def pdf_bytes(c: Content, charts: list[bytes]) -> bytes:
    """The same pages as the deck, 960 × 540 pt: the text set by reportlab, each chart a one-page vector PDF
    (``charts``, from ``chart_pdf``) placed on its page with pypdf; each chart's caveats beside it."""
    from xml.sax.saxutils import escape

    from pypdf import PdfReader, PdfWriter, Transformation
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Frame, KeepInFrame, Paragraph

    fonts = _fonts()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=(SLIDE_W, SLIDE_H), invariant=1)

    def style(size, bold=False, grey=False):
        return ParagraphStyle(
            "s", fontName=fonts["bold" if bold else "regular"], fontSize=size, leading=size * 1.25,
            textColor="#4a4a4a" if grey else "#1a1a1a", spaceAfter=size * 0.4,
        )  # fmt: skip

    def block(x, y, w, h, paragraphs, size, bold=False, grey=False):
        """Paragraphs in a box whose top-left is (x, y) from the page's top-left, shrunk to fit if need be."""
        flow = [Paragraph(escape(p), style(size, bold, grey)) for p in paragraphs if p]
        frame = Frame(x, SLIDE_H - y - h, w, h, 0, 0, 0, 0, showBoundary=0)
        frame.addFromList([KeepInFrame(w, h, flow, mode="shrink")], pdf)

    number = 0

    def end_page():
        nonlocal number
        number += 1
        pdf.setFont(fonts["regular"], 10)
        pdf.setFillColor("#4a4a4a")
        pdf.drawRightString(SLIDE_W - 24, 14, str(number))
        pdf.showPage()

    block(60, 150, 840, 110, [c.title], 36, bold=True)
    block(60, 265, 840, 40, [c.subtitle], 20, grey=True)
    block(60, 320, 840, 160, [c.survey_title, c.who, c.filter, c.date], 14)
    end_page()
    block(40, 30, 880, 50, ["Key findings"], 28, bold=True)
    block(40, 95, 880, 400, c.findings or [NO_FINDINGS], 16)
    end_page()
    side = PDF_NOTES_WIDTH
    boxes = []  # (page index, x, y, w, h) of each chart, y from the page's top
    for page in c.charts:
        block(30, 18, 900, 44, [page.title], 22, bold=True)
        block(30, 62, 900, 34, [page.question], 13, grey=True)
        x, y, w, h = PICTURE
        if page.caveats:
            w -= side + 20
            block(SLIDE_W - side - 30, y, side, 340, [CAVEATS_HEAD, *page.caveats], 8, grey=True)
        block(30, 448, 860, 70, [page.base, page.source, page.address], 10, grey=True)
        boxes.append((number, x, y, w, h))
        end_page()
    block(40, 20, 880, 40, ["Sources and method"], 24, bold=True)
    block(40, 65, 880, 450, _sources_lines(c), 10)
    end_page()
    pdf.save()

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    for (index, x, y, w, h), data in zip(boxes, charts):
        chart = PdfReader(io.BytesIO(data)).pages[0]
        cw, ch = float(chart.mediabox.width), float(chart.mediabox.height)
        scale = min(w / cw, h / ch)
        left = x + (w - cw * scale) / 2
        bottom = SLIDE_H - y - ch * scale
        op = Transformation().translate(-float(chart.mediabox.left), -float(chart.mediabox.bottom))
        writer.pages[index].merge_transformed_page(chart, op.scale(scale, scale).translate(left, bottom))
    writer.add_metadata(
        {"/Title": c.title, "/Subject": c.survey_title, "/Author": c.subtitle or c.dashboard, "/Creator": c.site}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _sources_lines(c: Content) -> list[str]:
    return [
        "Sources: " + "; ".join(c.citations) + ".",
        f"Method: {c.method}",
        c.licence,
        c.version,
        "On the dashboard:",
        *[f"{p.title}: {p.address}" for p in c.charts],
    ]


# Plotly writes each line of a text as <tspan class="line" dy="<n>em" x=… y=…> under one y; cairosvg misplaces a
# line whose text is all in a nested (bold) tspan. Absolute positions read the same in every SVG renderer.
_TEXT = re.compile(r"(<text\b[^>]*?font-size: ([0-9.]+)px[^>]*>)(.*?)(</text>)", re.S)
_LINE = re.compile(r'dy="(-?[0-9.]+)em" x="(-?[0-9.]+)" y="(-?[0-9.]+)"')


def _absolute_lines(svg: str) -> str:
    def text(m: re.Match) -> str:
        size = float(m.group(2))
        body = _LINE.sub(
            lambda line: f'x="{line.group(2)}" y="{float(line.group(3)) + float(line.group(1)) * size:.2f}"', m.group(3)
        )
        return m.group(1) + body + m.group(4)

    return _TEXT.sub(text, svg)


def chart_pdf(svg: bytes) -> bytes:
    """One chart's SVG (as the export renderer draws it) as a one-page vector PDF (cairosvg)."""
    import cairosvg

    return cairosvg.svg2pdf(bytestring=_absolute_lines(svg.decode("utf-8")).encode("utf-8"))


# Bounded work and the cache. ---------------------------------------------------------------------------------


class PackCache(export.DiskCache):
    """Finished packs beside the rendered images: ``<export cache>/briefing/<digest>.pptx|pdf``."""

    def whole(self, data: bytes, fmt: str) -> bool:
        return data.startswith(b"PK\x03\x04") if fmt == "pptx" else data.rstrip().endswith(b"%%EOF")


_caches: dict[Path, PackCache] = {}


def pack_cache() -> PackCache | None:
    """The pack cache of this process's exporter (None when the export cache is off)."""
    images = export.exporter().cache
    if images is None:
        return None
    root = images.root / "briefing"
    if root not in _caches:
        _caches[root] = PackCache(root, images.max_bytes)
    return _caches[root]


def pack_key(store: Store, pack: Pack, fmt: str, root: str, today: dt.date) -> str:
    text = json.dumps(
        [PACK_VERSION, export.RENDER_VERSION, store.tables.manifest.get("build_id"), fmt, root, today.isoformat()]
        + sorted(pack.query().items())
    )
    return hashlib.sha256(text.encode()).hexdigest()


def make_pack(store: Store, views: Views, pack: Pack, fmt: str, root: str, today: dt.date, ticket) -> bytes:
    """The pack's file, its charts rendered with ``ticket``'s place (PNG for the deck, SVG for the PDF)."""
    c = content(store, views, pack, root, today)
    figures = [p.figure for p in c.charts]
    if fmt == "pptx":
        return pptx_bytes(
            c, ticket.owner.render_batch(figures, "png", width=PICTURE[2], scale=SLIDE_SCALE, ticket=ticket)
        )
    svgs = ticket.owner.render_batch(figures, "svg", width=PICTURE[2], scale=1, ticket=ticket)
    return pdf_bytes(c, [chart_pdf(svg) for svg in svgs])


def serve(store: Store, views: Views, fmt: str, args, root: str, today: dt.date | None = None):
    """The response to ``/briefing.<fmt>``: 400 for a bad request, the cached file, or a new one (503 if busy)."""
    try:
        pack = parse(store, args)
    except BadRequest as exc:
        return _bad(exc)
    today = today or dt.datetime.now(dt.UTC).date()
    key = pack_key(store, pack, fmt, root, today)
    cache = pack_cache()
    data = cache.get(key, fmt) if cache else None
    hit = data is not None
    if data is None:
        try:
            with export.admit() as ticket:  # busy: ExportBusy -> 503 + Retry-After (export.install)
                data = make_pack(store, views, pack, fmt, root, today, ticket)
        except BadRequest as exc:
            return _bad(exc)
        if cache:
            cache.put(key, fmt, data)
    name = f"briefing-{pack.survey.id}-{today.isoformat()}.{fmt}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Briefing-Cache": "hit" if hit else "miss",
        "X-Briefing-Charts": str(len(pack.charts)),
        "Cache-Control": "no-store",
    }
    return Response(data, mimetype=FORMATS[fmt], headers=headers)


def _bad(exc: BadRequest):
    response = jsonify(error="bad request", message=str(exc))
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response


def register(server, store: Store, views: Views) -> None:
    """``GET /briefing.pptx`` and ``GET /briefing.pdf`` on ``server`` (a Flask app)."""

    @server.route("/briefing.<any(pptx, pdf):fmt>")
    def _briefing(fmt: str):
        return serve(store, views, fmt, request.args, request.host_url)


__all__ = ["MAX_CHARTS", "BadRequest", "Pack", "content", "parse", "register", "serve", "slide_figure"]
