"""Figure builders: rows in, ``go.Figure`` out. No Dash imports, no I/O, no survey known by name.

What a chart says comes from its catalogue entry (``ChartSpec``) and from the origin of each row's survey
(``Labels``): the respondent noun, the citation, who answered. Encoding rules (the README's "Reading the
charts"):
- an exact figure is a solid bar at the reported value; its Wilson interval can be drawn as an error bar;
- a bound ("over 90%", "less than half") is a solid bar to the lowest share it allows, then a hatched bar
  across the whole range it allows, labelled with the words the report printed;
- a share the report does not give, derived from the others, is hatched in its group's grey;
- colour is the response group (positive, negative, ...) and means the same on every chart; a key says so;
- every bar's hover gives the reported text, the respondents it allows, the section and the sentence.

Three frames: ``page`` and ``embed`` draw the bars alone (the page or embed around it carries title, key
and sources as HTML, which reflows to any width); ``export`` also draws the title, question, key and footer
into the figure, with the chart page's address and the licence, so the image says what it shows, its base,
its source and where it comes from wherever it goes. An export comes in the sizes of ``SIZES`` (a document's
width, a 16:9 slide, a square): each lays out its text for its own width, and a fixed-height size splits a
chart with more bars than it holds into parts ("part 2 of 3"), each a whole image, rather than shrink them.
Text is wrapped by measured width (``dashboard.textfit``): labels to fit a 375 px phone on a page, an
export's labels, header and footer to its size.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import plotly.graph_objects as go

from dashboard import wording
from dashboard.data import ChartSpec, Rows, count_label
from dashboard.textfit import wrap as fit
from dashboard.wording import FLAG_MARK, flag_line
from etl import derive
from etl.schema import ChartKind, Col, Qualifier

Frame = Literal["page", "embed", "export"]
FONT = "Arial, Helvetica, 'Liberation Sans', sans-serif"
INK = "#1a1a1a"
MUTED = "#4a4a4a"
LABEL_SIZE = 12.5
LABEL_PX = 290  # bar labels: fit the plot area of a 375 px phone
LINE_PX = 16  # one line of bar label
BAR_PX = 20
GAP_PX = 14
HOVER_PX = 300  # a hover's lines: its box (with padding) fits a 375 px phone, the script keeps it on screen
EXPORT_WIDTH = 1100


@dataclass(frozen=True)
class Size:
    """An exported image's size: its layout width and height in CSS pixels (None: as tall as the chart needs),
    drawn at ``export.SCALE`` (2x), and the width its bar labels and its header and footer are wrapped to."""

    name: str
    label: str  # the download menu's words
    width: int
    height: int | None
    label_px: int
    text_px: int


SIZES: dict[str, Size] = {
    "document": Size("document", "PNG for a document", EXPORT_WIDTH, None, 640, EXPORT_WIDTH - 100),
    "slide": Size("slide", "PNG for a slide (16:9)", 960, 540, 880, 900),
    "square": Size("square", "PNG, square (social posts)", 540, 540, 490, 500),
}
DEFAULT_SIZE = "document"


@dataclass(frozen=True)
class Labels:
    """What a figure needs besides its rows: each survey's origin, the response groups, the theme names."""

    sources: Mapping[str, Mapping]
    groups: Mapping[str, Mapping]
    theme_labels: Mapping[str, str]
    version: str = ""  # the data version in words (Store.version.words), in the footer of framed figures

    def plural(self, survey: str) -> str:
        return self.sources[survey][Col.RESPONDENT_PLURAL] or "respondents"

    def colour(self, group: str) -> str:
        return self.groups[group][Col.COLOUR]


def labels_of(store) -> Labels:
    return Labels(store.sources, store.groups, store.theme_labels, store.version.words)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def _lines(text: str, px: float, size: float, bold: bool = False) -> list[str]:
    return [esc(line) for line in fit(text, px, size, bold)] if text else []


# What each bar says. -------------------------------------------------------------------------------------


def is_derived(row: Mapping) -> bool:
    return row[Col.QUALIFIER] == Qualifier.DERIVED.value


def extent(row: Mapping) -> tuple[float, float, float]:
    """(solid end, range start, range end) in percent: a bound's range is hatched beyond its solid part (the
    rule is the ETL's, which ranks bars by it: etl.derive.extent)."""
    return derive.extent(row)


def row_label(row: Mapping, spec: ChartSpec, labels: Labels, with_category: bool) -> str:
    """The label above a bar, as plain text: the item, its category where the chart has several (on a ranked
    chart, only a category other than the first its selector names, which its axis says), its theme on a ranked
    chart, its survey on a comparison of waves."""
    label = row[Col.ITEM]
    if spec.kind == ChartKind.WAVES:
        label = f"{labels.sources[row[Col.SURVEY]][Col.SHORT_TITLE] or row[Col.SURVEY]}: {label}"
    if spec.kind == ChartKind.RANKED and spec.categories and row[Col.CATEGORY] == spec.categories[0]:
        with_category = False
    if with_category or spec.kind == ChartKind.WAVES:
        label += f" — {row[Col.CATEGORY]}"
    if spec.kind == ChartKind.RANKED:
        label += " · " + labels.theme_labels.get(row[Col.THEMES][0], row[Col.THEMES][0])
    return label


def value_label(row: Mapping) -> str:
    """The figure beside a bar: what the report printed, and the counts it allows."""
    counts = count_label(row)
    if is_derived(row):
        return f"{counts} (derived, not reported)"
    text = row[Col.REPORTED_TEXT]
    printed = row[Col.COUNT] is not None and (
        f"{row[Col.COUNT]} out of" in text or row[Col.QUALIFIER] == Qualifier.ALL.value
    )
    if counts and not printed:  # a count the report printed ("3 out of the 10", "All 10") is not repeated
        text = f"{text} · {counts}"
    if row[Col.FLAG]:
        text += f" {FLAG_MARK} see note"
    return text


def hover_fields(row: Mapping, label: str, labels: Labels) -> list[str]:
    """customdata of a bar's hover (``wording.hover``), wrapped and escaped: label, reported text, respondents,
    section, sentence, notes, the respondents' name, the document."""
    said = wording.hover(row, labels.plural(row[Col.SURVEY]), labels.sources)
    sentence = "<br>".join(_lines(said.sentence, HOVER_PX, 12))
    # A note the sentence already says (a derived share's "Not reported: …") is not said twice: a hover that
    # tall would not fit a short chart, and plotly.js then draws none.
    notes = [e for e in said.notes if e != said.sentence]
    note = "".join("<br>" + "<br>".join(_lines(e, HOVER_PX, 12)) for e in notes)
    return [
        "<br>".join(_lines(label, HOVER_PX, 12, bold=True)),
        "<br>".join(_lines(said.reported, HOVER_PX - 70, 12)),  # after "Reported: "
        "<br>".join(_lines(said.counts, HOVER_PX - 90, 12)),  # after the respondents' noun
        "<br>".join(_lines(said.section, HOVER_PX - 60, 12)),  # after "Section: "
        f"“{sentence}”" if said.quoted else sentence,
        note,
        esc(said.who),
        esc(said.document),
    ]


HOVER = (
    f"<b>%{{customdata[0]}}</b><br>{wording.REPORTED}: %{{customdata[1]}}<br>%{{customdata[6]}}: %{{customdata[2]}}"
    f"<br>{wording.SECTION}: %{{customdata[3]}}<br>{wording.DOCUMENT}: %{{customdata[7]}}"
    "<br>%{customdata[4]}%{customdata[5]}<extra></extra>"
)


# What travels with a chart: key, base, source, notes. --------------------------------------------------------


def key_items(rows: Rows, labels: Labels) -> list[tuple[str, str, bool]]:
    """(label, colour, hatched) of every response group in the rows, then the hatch of a bound if any."""
    items = []
    for group in dict.fromkeys(r[Col.GROUP] for r in rows):
        g = labels.groups[group]
        derived = all(r[Col.QUALIFIER] == Qualifier.DERIVED.value for r in rows if r[Col.GROUP] == group)
        items.append((g[Col.LABEL], g[Col.COLOUR], derived))
    if any(extent(r)[2] > extent(r)[1] for r in rows):
        items.append(("Hatched: the range a bound allows", MUTED, True))
    return items


def base_line(rows: Rows, labels: Labels) -> str:
    """Who answered and how many, per survey in the rows: "Base: 10 <plural> responding (<respondent group>)."."""
    parts = []
    for survey in dict.fromkeys(r[Col.SURVEY] for r in rows):
        src = labels.sources[survey]
        bases = sorted({int(r[Col.BASE]) for r in rows if r[Col.SURVEY] == survey and r[Col.BASE] is not None})
        who = src[Col.RESPONDENT_GROUP] or src[Col.RESPONDENT_PLURAL]
        if bases:
            text = f"{' or '.join(str(b) for b in bases)} {labels.plural(survey)} responding ({who})"
        else:
            text = f"{who}; the number who answered is not stated"
        parts.append((src[Col.SHORT_TITLE] or survey, text))
    if len(parts) == 1:
        return f"Base: {parts[0][1]}."
    return "Bases: " + "; ".join(f"{name}: {text}" for name, text in parts) + "."


def documents_of(rows: Rows) -> list[str]:
    """The documents the rows' figures are from: the surveys' own reports first, then any other (a press
    release), each in order of first appearance."""
    surveys = {r[Col.SURVEY] for r in rows}
    return sorted(dict.fromkeys(r[Col.SOURCE] for r in rows), key=lambda s: s not in surveys)


def source_line(rows: Rows, labels: Labels) -> str:
    """The source line: "Source: <citation>." of the document the figures are from; "Sources: <report>; <press
    release>." when a chart's figures come from several documents."""
    citations = list(dict.fromkeys(labels.sources[s][Col.CITATION] or s for s in documents_of(rows)))
    return ("Source: " if len(citations) == 1 else "Sources: ") + "; ".join(citations) + "."


def encoding_line(rows: Rows) -> str:
    parts = ["Solid: the share reported."]
    if any(extent(r)[2] > extent(r)[1] for r in rows):
        parts.append("A bound (“over 90%”) is solid to the lowest share it allows and hatched across its range.")
    if any(is_derived(r) for r in rows):
        parts.append("Hatched grey: not reported, derived from the other answers.")
    return " ".join(parts)


def footer_lines(rows: Rows, spec: ChartSpec, labels: Labels) -> list[str]:
    """Source, base, how to read the bars, the chart's note and every consistency flag, in that order."""
    lines = [source_line(rows, labels), base_line(rows, labels), encoding_line(rows)]
    if spec.note:
        lines.append(f"Note: {spec.note}")
    lines += [flag_line(r[Col.FLAG]) for r in rows if r[Col.FLAG] is not None]
    return lines


def question_line(spec: ChartSpec, filtered: str = "", numbered: bool = True) -> str:
    """The line under the title: the figure number (unless the page shows it already), the report's
    question, and any theme filter."""
    text = " · ".join(p for p in (spec.eyebrow if numbered else "", spec.subtitle) if p)
    return text + (f" ({filtered})" if filtered else "")


# Layout. ---------------------------------------------------------------------------------------------------


def _text_block(lines: list[str], top: float, margin: float, size: float, colour: str, bold: bool = False) -> dict:
    """An annotation holding ``lines``, its top ``top`` px below the top of the figure, whose top margin is
    ``margin`` px (annotations are placed from the plot area's top edge, which is the margin's bottom)."""
    text = "<br>".join(f"<b>{line}</b>" if bold else line for line in lines)
    return dict(
        text=text, x=0, xref="paper", xanchor="left", y=1, yref="paper", yanchor="top", yshift=margin - top,
        align="left", showarrow=False, font=dict(size=size, color=colour),
    )  # fmt: skip


def _key_text(items: list[tuple[str, str, bool]], px: float) -> list[str]:
    """The key as lines of coloured squares and labels, wrapped between items."""
    lines, current, width = [], [], 0.0
    for label, colour, hatched in items:
        glyph = "▨" if hatched else "■"
        w = (len(label) + 4) * 6.6
        if current and width + w > px:
            lines.append("   ".join(current))
            current, width = [], 0.0
        current.append(f'<span style="color:{colour}">{glyph}</span> {esc(label)}')
        width += w
    if current:
        lines.append("   ".join(current))
    return lines


@dataclass(frozen=True)
class Options:
    """How a chart is drawn besides its rows: error bars, the filter note, the frame, and whether its labels
    name the category (pass the answer for the chart's full rows, so a filtered chart labels as the whole).
    An export also has its ``size`` (a key of ``SIZES``), the ``part`` of a split chart it draws (from 1), and
    the ``address`` of its chart page, written in its footer."""

    show_intervals: bool = False
    filtered: str = ""
    frame: Frame = "page"
    multi_category: bool = False
    size: str = DEFAULT_SIZE
    part: int = 1
    address: str = ""

    @property
    def framed(self) -> bool:
        """Whether the title, key and footer are drawn into the figure (an export), not around it in HTML."""
        return self.frame == "export"

    @property
    def label_px(self) -> int:
        return SIZES[self.size].label_px if self.framed else LABEL_PX


def _header(
    spec: ChartSpec, rows: Rows, labels: Labels, px: float, filtered: str, part_note: str = ""
) -> tuple[list[dict], int]:
    """The title, question (and the part of a split chart) and key drawn above a framed chart, and the top
    margin they take."""
    title = _lines(spec.title, px, 17, bold=True)
    question = _lines(question_line(spec, filtered), px, 12.5) + _lines(part_note, px, 12.5)
    key = _key_text(key_items(rows, labels), px)
    at_question = 10 + 22 * len(title)
    at_key = at_question + 17 * len(question) + 6
    top = at_key + 17 * len(key) + 10
    blocks = [
        _text_block(title, 10, top, 17, INK, bold=True),
        _text_block(question, at_question, top, 12.5, MUTED),
        _text_block(key, at_key, top, 12.5, INK),
    ]
    return blocks, top


def export_footer_lines(rows: Rows, spec: ChartSpec, labels: Labels, address: str = "") -> list[str]:
    """What an exported image says under its chart: the footer lines, then where the chart is on the web, the
    data version and the licence."""
    where = [f"Chart: {address}."] if address else []
    version = wording.version_line(labels.version) if labels.version else wording.licence_line()
    return [*footer_lines(rows, spec, labels), " ".join([*where, version])]


def _footer(
    spec: ChartSpec, rows: Rows, labels: Labels, px: float, below: float, address: str = ""
) -> tuple[dict, int]:
    """The source, base, notes, address, data version and licence drawn under a framed chart's axis (``below``
    px under the plot), and the height they take."""
    foot = [line for text in export_footer_lines(rows, spec, labels, address) for line in _lines(text, px, 11)]
    block = dict(
        text="<br>".join(foot), x=0, xref="paper", xanchor="left", y=0, yref="paper", yanchor="top",
        yshift=-(below + 6), align="left", showarrow=False, font=dict(size=11, color=MUTED),
    )  # fmt: skip
    return block, 14 + 15 * len(foot)


def _chrome(
    spec: ChartSpec, rows: Rows, labels: Labels, opts: Options, part_note: str = ""
) -> tuple[list[dict], int, int]:
    """(header and footer blocks, top margin, bottom margin) of a chart in its frame."""
    axis_lines = _lines(spec.axis_label, LABEL_PX, 12)
    bottom = 34 + 15 * len(axis_lines)
    if not opts.framed:
        return [], 8, bottom
    px = SIZES[opts.size].text_px
    notes, top = _header(spec, rows, labels, px, opts.filtered, part_note)
    foot, foot_height = _footer(spec, rows, labels, px, bottom, opts.address)
    return [*notes, foot], top, bottom + foot_height


def _pack(heights: list[float], room: float) -> list[list[int]]:
    """Consecutive items (of ``heights``) in as few parts as hold them in ``room`` each, as even as that
    allows (18 bars in three parts: 6, 6, 6, not 8, 8, 2). An item taller than ``room`` is a part alone."""

    def greedy(cap: float) -> list[list[int]]:
        parts: list[list[int]] = []
        used = cap + 1
        for i, h in enumerate(heights):
            if not parts or used + h > cap:
                parts.append([])
                used = 0.0
            parts[-1].append(i)
            used += h
        return parts

    fewest = len(greedy(room))
    lo, hi = max(heights, default=0.0), max(room, max(heights, default=0.0))
    for _ in range(20):  # the smallest capacity that still needs no more parts: the most even split
        mid = (lo + hi) / 2
        if len(greedy(mid)) <= fewest:
            hi = mid
        else:
            lo = mid
    return greedy(hi)


def split(spec: ChartSpec, rows: Rows, labels: Labels, opts: Options, heights: list[float]):
    """The parts a chart is drawn in: (indices of the items each part draws, the line naming the part). One
    part unless the frame is an export of a fixed height the items' ``heights`` (px) do not fit in."""
    size = SIZES[opts.size]
    everything = [list(range(len(heights)))]
    if not opts.framed or size.height is None:
        return everything, lambda part: ""

    def note_of(parts):
        def note(part: int) -> str:
            if len(parts) < 2:
                return ""
            items = parts[part - 1]
            return f"Part {part} of {len(parts)}: bars {items[0] + 1}–{items[-1] + 1} of {len(heights)}, in order."

        return note

    parts = everything
    for _ in range(3):  # the part line takes room too: pack again until the count holds
        _, top, bottom = _chrome(spec, rows, labels, opts, note_of(parts)(1))
        packed = _pack(heights, size.height - top - bottom)
        if len(packed) == len(parts):
            break
        parts = packed
    return parts, note_of(parts)


def layout(
    spec: ChartSpec,
    rows: Rows,
    labels: Labels,
    plot_height: float,
    opts: Options,
    annotations: list[dict],
    barmode: str = "overlay",
    part_note: str = "",
    parts: int = 1,
) -> dict:
    """Margins, axes and (framed) the header and footer drawn into the image; the y axis runs down from 0 to
    ``plot_height`` pixels. A size of fixed height keeps it, its spare room below the footer."""
    axis_lines = _lines(spec.axis_label, LABEL_PX, 12)
    notes, top, bottom = _chrome(spec, rows, labels, opts, part_note)
    size = SIZES[opts.size]
    height = round(top + plot_height + bottom)
    extra = dict(width=size.width) if opts.framed else {}
    if opts.framed and size.height is not None:  # the footer stays under the axis; the room left is below it
        height = max(height, size.height)  # taller only if one bar alone overflows it (the tests say none does)
        bottom = height - top - plot_height
    meta = dict(key=spec.slug, survey=spec.survey, filename=spec.filename, frame=opts.frame)
    if opts.framed:
        meta.update(size=opts.size, part=opts.part, parts=parts)
    return dict(
        template="none",  # every style is set here; plotly.py's default template only adds weight
        font=dict(family=FONT, size=13, color=INK),
        paper_bgcolor="white",
        plot_bgcolor="white",
        barmode=barmode,
        height=height,
        **extra,
        margin=dict(l=16, r=20, t=top, b=bottom, autoexpand=False),
        showlegend=False,
        hoverlabel=dict(align="left", bgcolor="white", font=dict(size=12, family=FONT), namelength=0),
        xaxis=dict(
            title=dict(text="<br>".join(axis_lines), font=dict(size=12), standoff=6),
            range=[0, 100],
            tickvals=[0, 25, 50, 75, 100],
            ticktext=["0%", "25%", "50%", "75%", "100%"],
            gridcolor="#e5e5e5",
            zeroline=True,
            zerolinecolor="#999",
            fixedrange=True,
            automargin=False,
        ),
        annotations=[*annotations, *notes],
        meta=meta,
        yaxis=dict(range=[plot_height, 0], visible=False, fixedrange=True),
    )


def _label_block(lines: list[str], top: float) -> dict:
    return dict(
        text="<br>".join(lines), x=0, xref="paper", y=top, yref="y", xanchor="left", yanchor="top",
        align="left", showarrow=False, font=dict(size=LABEL_SIZE, color=INK),
    )  # fmt: skip


def bar_annotation_lines(label: str, value: str, px: float = LABEL_PX) -> list[str]:
    """The lines written above a bar: the label wrapped to ``px``, then the figure in bold (on the label's
    last line when it fits)."""
    lines = _lines(label, px, LABEL_SIZE) or [""]
    bold = f"<b>{esc(value)}</b>"
    joined = fit(label, px, LABEL_SIZE)[-1:] or [""]
    if fit(f"{joined[0]} — {value}", px, LABEL_SIZE, bold=True) == [f"{joined[0]} — {value}"]:
        lines[-1] += " — " + bold
    else:
        lines += [f"<b>{line}</b>" for line in _lines(value, px, LABEL_SIZE, bold=True)]
    return lines


def _marker(colour: str, hatched: bool, solidity: float = 0.35) -> dict:
    if not hatched:
        return dict(color=colour, line=dict(color=colour, width=1))
    return dict(
        color="white",
        line=dict(color=colour, width=1),
        pattern=dict(shape="/", fgcolor=colour, bgcolor="white", solidity=solidity),
    )


# The builders, one per chart kind. ---------------------------------------------------------------------------
# A builder takes a chart's rows (already filtered, in drawing order), its spec, the labels and the Options, and
# returns the figure. BUILDERS maps every ChartKind (etl/schema.py, the one list of kinds) to its builder; a test
# fails if a kind has none. A new kind: add it to ChartKind, write its builder here and register it with @draws.

Builder = Callable[[Rows, ChartSpec, Labels, Options], go.Figure | None]
BUILDERS: dict[ChartKind, Builder] = {}


def draws(*kinds: ChartKind) -> Callable[[Builder], Builder]:
    """Register the decorated builder as the one that draws charts of ``kinds``."""

    def register(builder: Builder) -> Builder:
        for kind in kinds:
            BUILDERS[ChartKind(kind)] = builder
        return builder

    return register


def _bar_positions(lines: list[list[str]], bar: float = BAR_PX, gap: float = GAP_PX):
    """(top of each bar's label, centre of each bar, height of them all) in pixels down the plot."""
    tops, centres, y = [], [], 0.0
    for ls in lines:
        tops.append(y)
        centres.append(y + LINE_PX * len(ls) + 4 + bar / 2)
        y += LINE_PX * len(ls) + 4 + bar + gap
    return tops, centres, y


def _error_bars(sub: list[dict], extents: list[tuple[float, float, float]]) -> dict:
    """Each bar's Wilson interval as an error bar about its solid end (none where it has no interval)."""
    return dict(
        type="data",
        array=[r[Col.WILSON_HIGH] - e[0] if r[Col.WILSON_HIGH] is not None else None for r, e in zip(sub, extents)],
        arrayminus=[e[0] - r[Col.WILSON_LOW] if r[Col.WILSON_LOW] is not None else None for r, e in zip(sub, extents)],
        color=INK, thickness=1.5, width=5,
    )  # fmt: skip


def _group_marker(colour: str, sub: list[dict]) -> dict:
    """Solid in the group's colour; a derived share among them hatched in it."""
    derived = [is_derived(r) for r in sub]
    if not any(derived):
        return _marker(colour, False)
    fills = ["white" if d else colour for d in derived]
    return dict(
        color=fills,
        line=dict(color=colour, width=1),
        pattern=dict(shape=["/" if d else "" for d in derived], fgcolor=colour, bgcolor=fills, solidity=0.35),
    )


def _group_traces(
    sub: list[dict], centres: list[float], custom: list, name: str, colour: str, intervals: bool, bar: float = BAR_PX
) -> list:
    """One response group's bars: solid to each reported value, then the hatched range of each bound."""
    extents = [extent(r) for r in sub]
    traces = [
        go.Bar(
            orientation="h",
            y=centres,
            x=[e[0] for e in extents],
            width=bar,
            name=name,
            marker=_group_marker(colour, sub),
            customdata=custom,
            hovertemplate=HOVER,
            error_x=_error_bars(sub, extents) if intervals else None,
        )  # fmt: skip
    ]
    bounds = [j for j, e in enumerate(extents) if e[2] > e[1]]
    if bounds:
        traces.append(
            go.Bar(
                orientation="h",
                y=[centres[j] for j in bounds],
                x=[extents[j][2] - extents[j][1] for j in bounds],
                base=[extents[j][1] for j in bounds],
                width=bar,
                name=f"{name}: range a bound allows",
                marker=_marker(colour, True, 0.3),
                customdata=[custom[j] for j in bounds],
                hovertemplate=HOVER,
            )
        )
    return traces


@draws(ChartKind.RANKED, ChartKind.BARS, ChartKind.WAVES)
def build_bar_figure(rows: Rows, spec: ChartSpec, labels: Labels, opts: Options) -> go.Figure | None:
    """Horizontal bars, one per row, each labelled above: solid to the reported value, hatched across a bound.

    The y axis is in pixels (row i starts at ``tops[i]``), so labels of any length sit exactly above their bar.
    An export of fixed height draws the bars of its ``opts.part`` (None past the last part).
    """
    texts = [row_label(r, spec, labels, opts.multi_category) for r in rows]
    lines = [bar_annotation_lines(t, value_label(r), opts.label_px) for t, r in zip(texts, rows)]
    bar, gap = (14, 8) if opts.framed and SIZES[opts.size].height else (BAR_PX, GAP_PX)  # a slide: condensed
    heights = [LINE_PX * len(ls) + 4 + bar + gap for ls in lines]
    parts, note = split(spec, rows, labels, opts, heights)
    if not 1 <= opts.part <= len(parts):
        return None
    keep = parts[opts.part - 1]
    recs, texts, lines = [rows[i] for i in keep], [texts[i] for i in keep], [lines[i] for i in keep]
    tops, centres, y = _bar_positions(lines, bar, gap)
    traces: list = []
    for group in dict.fromkeys(r[Col.GROUP] for r in recs):
        idx = [i for i, r in enumerate(recs) if r[Col.GROUP] == group]
        sub = [recs[i] for i in idx]
        custom = [hover_fields(r, texts[i], labels) for r, i in zip(sub, idx)]
        name = labels.groups[group][Col.LABEL]
        at = [centres[i] for i in idx]
        traces += _group_traces(sub, at, custom, name, labels.colour(group), opts.show_intervals, bar)
    notes = [_label_block(ls, top) for top, ls in zip(tops, lines)]
    fig_layout = layout(spec, rows, labels, y, opts, notes, part_note=note(opts.part), parts=len(parts))
    return go.Figure(data=traces, layout=fig_layout)


@draws(ChartKind.STACKED)
def build_stacked_figure(rows: Rows, spec: ChartSpec, labels: Labels, opts: Options) -> go.Figure | None:
    """One bar of a single question's answers, stacked to its base, with a labelled line per answer above it.

    Answers are never labelled inside their segment (a narrow one would make the text unreadably small).
    """
    if opts.part != 1:  # one bar: never split
        return None
    lines, y = [], 0.0
    for r in rows:
        text = f"{r[Col.CATEGORY]}: {value_label(r)}"
        glyph = "▨" if is_derived(r) else "■"
        wrapped = _lines(text, opts.label_px - 16, LABEL_SIZE)
        wrapped[0] = f'<span style="color:{labels.colour(r[Col.GROUP])}">{glyph}</span> ' + wrapped[0]
        lines.append((y, wrapped))
        y += LINE_PX * len(wrapped) + 4
    centre = y + 6 + 14
    traces = []
    for r in rows:
        colour = labels.colour(r[Col.GROUP])
        share = 100 * r[Col.COUNT_MIN] / r[Col.BASE] if r[Col.COUNT_MIN] is not None else r[Col.VALUE]
        traces.append(
            go.Bar(
                orientation="h",
                y=[centre],
                x=[share],
                width=28,
                name=r[Col.CATEGORY],
                marker=_marker(colour, is_derived(r), 0.3),
                customdata=[hover_fields(r, f"{r[Col.ITEM]} — {r[Col.CATEGORY]}", labels)],
                hovertemplate=HOVER,
            )  # fmt: skip
        )
    plot_height = centre + 14 + GAP_PX
    notes = [_label_block(ls, top) for top, ls in lines]
    return go.Figure(data=traces, layout=layout(spec, rows, labels, plot_height, opts, notes, barmode="stack"))


def build_chart(
    rows: Rows, spec: ChartSpec, labels: Labels, multi_category: bool | None = None, **options
) -> go.Figure | None:
    """The chart ``spec`` for its (already theme-filtered) rows in drawing order, or None if there are none
    (or no such part), drawn by its kind's builder. ``options`` are those of ``Options``; ``multi_category`` defaults to whether
    ``rows`` has several categories."""
    if not rows:
        return None
    multi = len({r[Col.CATEGORY] for r in rows}) > 1 if multi_category is None else multi_category
    return BUILDERS[ChartKind(spec.kind)](rows, spec, labels, Options(multi_category=multi, **options))


def describe_rows(rows: Rows, labels: Labels) -> list[str]:
    """A text alternative for a chart: one sentence per bar, stating its numbers."""
    out = []
    for r in rows:
        counts = count_label(r)
        plural = labels.plural(r[Col.SURVEY])
        if is_derived(r):
            text = f"{r[Col.ITEM]}, {r[Col.CATEGORY]}: {counts} {plural} (derived, not reported)."
        else:
            text = f"{r[Col.ITEM]}, {r[Col.CATEGORY]}: {r[Col.REPORTED_TEXT]}"
            text += f" ({counts} {plural})." if counts and counts not in r[Col.REPORTED_TEXT] else "."
        if r[Col.FLAG]:
            text += " Note: " + r[Col.FLAG]
        out.append(text)
    return out
