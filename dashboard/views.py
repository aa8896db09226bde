"""What the pages show for a selection (survey, themes, intervals): pure, and cached, since the data never
changes while serving.

A View holds each chart's rows (the landing page draws in HTML from them); figures are built only for the
pages and exports that draw one, and cached per chart, row set and frame: two selections that leave a chart
with the same rows share one figure and one *token*. Both caches are bounded by entries and by bytes
(``dashboard.cache.BoundedLRU``), so memory has a ceiling whatever the requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import orjson

from dashboard.cache import BoundedLRU, rows_bytes
from dashboard.data import ChartSpec, Rows, Store, Survey, filter_by_themes
from dashboard.figures import DEFAULT_SIZE, Frame, build_chart, labels_of
from etl.schema import Col

T = TypeVar("T")
CACHE_SIZE = 512  # entries per cache at most; the byte ceilings below are what binds
CACHE_BYTES = {"figures": 16 << 20, "views": 20 << 20}  # per process


def token_of(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ChartView:
    """One chart for a selection: its rows in drawing order, and its figure (None when no row is left)."""

    spec: ChartSpec
    rows: Rows
    figure: dict | None  # Plotly JSON
    token: str | None  # equal tokens, identical figures
    filtered: str  # "Filtered to: …" when the selection leaves out some of its rows, else ""

    @property
    def height(self) -> int:
        return int(self.figure["layout"]["height"]) if self.figure else 0


@dataclass(frozen=True)
class ChartRows:
    """One chart's rows for a selection, without a figure: enough to list, link and draw it in HTML."""

    spec: ChartSpec
    rows: Rows
    filtered: str  # "Filtered to: …" when the selection leaves out some of its rows, else ""
    multi_category: bool  # whether the whole chart has several response categories (labels name them)


@dataclass(frozen=True)
class View:
    survey: Survey
    themes: tuple[str, ...]
    results: Rows  # the survey's results in the selection
    context: Rows
    charts: tuple[ChartRows, ...]

    def chart(self, slug: str) -> ChartRows | None:
        return next((c for c in self.charts if c.spec.slug == slug), None)


class Views:
    """Builds and caches the View of each selection, and each chart's figure in each frame, for one Store."""

    def __init__(self, store: Store):
        self.store = store
        self.labels = labels_of(store)
        self._full = {
            (s.id, c.slug): store.chart_rows(c) for s in store.surveys.values() for c in s.charts
        }  # each chart's rows without a filter
        self._multi = {k: len({r[Col.CATEGORY] for r in rows}) > 1 for k, rows in self._full.items()}
        self._views = BoundedLRU(CACHE_SIZE, CACHE_BYTES["views"], sizeof=view_bytes)
        # A figure is kept as its serialised JSON: its size is exact, and each caller gets its own copy.
        self._figures = BoundedLRU(CACHE_SIZE, CACHE_BYTES["figures"], sizeof=lambda e: len(e[0] or b""))
        self._per_survey: dict[tuple[str, str], object] = {}  # one entry per survey and name: bounded

    def per_survey(self, name: str, survey: Survey, build: Callable[[], T]) -> T:
        """``build()``, made once per survey (a survey's page model: the data never changes while serving)."""
        key = (name, survey.id)
        if key not in self._per_survey:
            self._per_survey[key] = build()
        return self._per_survey[key]  # type: ignore[return-value]

    def get(self, survey: Survey, themes: tuple[str, ...] = ()) -> View:
        """The rows of a selection (the same with intervals on or off: only the figures differ)."""
        return self._views.get((survey.id, themes), lambda: self._build(survey, themes))

    def chart(
        self,
        survey: Survey,
        spec: ChartSpec,
        themes: tuple[str, ...] = (),
        intervals: bool = False,
        frame: Frame = "page",
        size: str = DEFAULT_SIZE,
        part: int = 1,
        address: str = "",
    ) -> ChartView:
        """One chart for a selection, in any frame; an export also in a size (``figures.SIZES``), the part of
        a chart that size splits (from 1: no figure past the last), and its chart page's ``address``."""
        rows = self.rows(survey, spec, themes)
        return self._chart_view(spec, rows, themes, intervals, frame, (size, part, address))

    def rows(self, survey: Survey, spec: ChartSpec, themes: tuple[str, ...] = ()) -> Rows:
        """One chart's rows for a selection (no figure is built)."""
        return self.store.chart_rows(spec, filter_by_themes(self.store.survey_results(survey), list(themes)))

    def filter_note(self, spec: ChartSpec, rows: Rows, themes: tuple[str, ...]) -> str:
        """Names the selected themes a chart is filtered to, so a chart that shows a subset says so."""
        if not themes or len(rows) == len(self._full[(spec.survey, spec.slug)]):
            return ""
        present = {t for r in rows for t in r[Col.THEMES]}
        return "Filtered to: " + ", ".join(self.store.theme_labels[t] for t in themes if t in present)

    def _chart_view(
        self, spec: ChartSpec, rows: Rows, themes, intervals: bool, frame: Frame, sized=(DEFAULT_SIZE, 1, "")
    ) -> ChartView:
        filtered = self.filter_note(spec, rows, themes)
        size, part, address = sized if frame == "export" else (DEFAULT_SIZE, 1, "")
        key = (spec.survey, spec.slug, tuple(r[Col.ID] for r in rows), intervals, frame, filtered)
        if (size, part, address) != (DEFAULT_SIZE, 1, ""):
            key += (size, part, address)

        def build():
            fig = build_chart(
                rows, spec, self.labels, show_intervals=intervals, filtered=filtered, frame=frame,
                multi_category=self._multi[(spec.survey, spec.slug)], size=size, part=part, address=address,
            )  # fmt: skip
            if fig is None:
                return None, None
            return orjson.dumps(fig.to_plotly_json(), option=orjson.OPT_SERIALIZE_NUMPY), token_of(key)

        figure, token = self._figures.get(key, build)
        figure = orjson.loads(figure) if figure is not None else None
        return ChartView(spec=spec, rows=rows, figure=figure, token=token, filtered=filtered)

    def _build(self, survey: Survey, themes: tuple[str, ...]) -> View:
        store = self.store
        results = filter_by_themes(store.survey_results(survey), list(themes))
        charts = []
        for spec in survey.charts:
            rows = store.chart_rows(spec, results)
            multi = self._multi[(spec.survey, spec.slug)]
            charts.append(ChartRows(spec, rows, self.filter_note(spec, rows, themes), multi))
        return View(
            survey=survey,
            themes=themes,
            results=results,
            context=filter_by_themes(store.survey_context(survey), list(themes)),
            charts=tuple(charts),
        )


def view_bytes(view: View) -> int:
    """A View's memory: its lists of rows (the rows are the Store's; the rest is a few small objects)."""
    return rows_bytes(view.results, view.context, *(c.rows for c in view.charts))


def all_charts(store: Store, frame: Frame = "export") -> list[tuple[str, dict]]:
    """(file name, figure) of every chart of every survey with no theme filter: `make figures`. File names
    carry the survey's id when the build holds more than one survey."""
    views = Views(store)
    prefix = len(store.surveys) > 1
    out = []
    for survey in store.surveys.values():
        for spec in survey.charts:
            chart = views.chart(survey, spec, frame=frame)
            if chart.figure is not None:
                out.append(((f"{survey.id}-" if prefix else "") + spec.filename, chart.figure))
    return out
