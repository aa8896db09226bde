"""What the page shows for a selection: pure, and cached (the data never changes while serving).

Caches, each bounded by entries and by bytes (``dashboard.cache.BoundedLRU``; a view or panels entry counts
the figures it holds too, so the ceilings hold whatever is shared):
- per chart, the figure for a given set of rows: two selections that leave a chart with the same rows
  share one figure object and one *token*, so the browser, which remembers the token it drew, is not
  sent (and does not redraw) a chart that has not changed;
- per selection, the View and the Dash outputs built from it (``Panels``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from dashboard.cache import BoundedLRU
from dashboard.data import Store, filter_by_themes
from dashboard.figures import ChartSpec, build_chart, chart_specs
from etl.schema import Col

CACHE_SIZE = 512  # entries per cache at most; the byte ceilings below are what binds
CACHE_BYTES = {"figures": 16 << 20, "views": 20 << 20, "panels": 32 << 20}  # ~70 MB in all per process
CONTRASTS = "_contrasts"  # token keys of the shared panels (chart keys never start with "_")
CONTEXT = "_context"


def _token(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ChartView:
    spec: ChartSpec
    figure: dict | None  # Plotly JSON, or None when the selection leaves the chart empty
    token: str | None  # identifies the figure: equal tokens, identical figures
    rows: pd.DataFrame


@dataclass(frozen=True)
class View:
    themes: tuple[str, ...]
    results: pd.DataFrame
    context: pd.DataFrame
    charts: list[ChartView]


@dataclass(frozen=True)
class ChartPanel:
    """One chart's outputs: hidden when ``figure`` is None."""

    key: str
    token: str | None
    figure: dict | None
    graph_style: dict | None
    alt: list
    notes: list


@dataclass(frozen=True)
class Panels:
    """The callback outputs of one selection, built once."""

    charts: list[ChartPanel]
    contrasts: list
    context: list
    n_results: int
    shared_tokens: dict  # token of the contrasts and of the context cards, like a chart's


def subtitle(themes: tuple[str, ...], rows: pd.DataFrame, all_rows: pd.DataFrame, labels: dict[str, str]) -> str:
    """Names the selected themes a chart is filtered to, so an exported chart says it is a subset; "" if it is whole."""
    if not themes or len(rows) == len(all_rows):
        return ""
    present = {t for ts in rows[Col.THEMES] for t in ts}
    return "Filtered to: " + ", ".join(labels[t] for t in themes if t in present)


class Views:
    """Builds and caches the View and Panels of each (themes, intervals) selection for one Store."""

    def __init__(self, store: Store):
        self.store = store
        self.specs = chart_specs(store.results)
        self._all_rows = {spec.key: store.results[spec.select(store.results)] for spec in self.specs}
        self._views = BoundedLRU(CACHE_SIZE, CACHE_BYTES["views"])
        self._panels = BoundedLRU(CACHE_SIZE, CACHE_BYTES["panels"])
        self._figures = BoundedLRU(CACHE_SIZE, CACHE_BYTES["figures"])

    def get(self, themes: tuple[str, ...], show_intervals: bool) -> View:
        return self._views.get((themes, show_intervals), lambda: self._build(themes, show_intervals))

    def panels(self, themes: tuple[str, ...], show_intervals: bool) -> Panels:
        """The Dash outputs of a selection, cached beside its View."""
        return self._panels.get((themes, show_intervals), lambda: self._build_panels(self.get(themes, show_intervals)))

    def _figure(self, spec: ChartSpec, rows: pd.DataFrame, results: pd.DataFrame, show_intervals: bool, sub: str):
        """(figure JSON, token) for a chart drawing exactly ``rows``; shared by every selection that does."""
        key = (spec.key, tuple(rows[Col.ID]), show_intervals, sub)

        def build():
            fig = build_chart(
                results,
                spec,
                show_intervals=show_intervals,
                subtitle=sub,
                theme_labels=self.store.theme_labels,
                all_results=self.store.results,
            )
            return (fig.to_plotly_json(), _token(key)) if fig is not None else (None, None)

        return self._figures.get(key, build)

    def _build(self, themes: tuple[str, ...], show_intervals: bool) -> View:
        store = self.store
        results = filter_by_themes(store.results, list(themes))
        charts = []
        for spec in self.specs:
            rows = results[spec.select(results)]
            sub = subtitle(themes, rows, self._all_rows[spec.key], store.theme_labels)
            figure, token = self._figure(spec, rows, results, show_intervals, sub)
            charts.append(ChartView(spec=spec, figure=figure, token=token, rows=rows))
        return View(
            themes=themes, results=results, context=filter_by_themes(store.context, list(themes)), charts=charts
        )

    def _build_panels(self, view: View) -> Panels:
        from dashboard import components  # components imports Dash; views stays importable without it

        charts = []
        for chart in view.charts:
            if chart.figure is None:
                charts.append(ChartPanel(chart.spec.key, None, None, None, [], []))
            else:
                style = {"height": f"{chart.figure['layout']['height']:.0f}px"}
                charts.append(
                    ChartPanel(
                        chart.spec.key,
                        chart.token,
                        chart.figure,
                        style,
                        components.alt_items(chart.rows),
                        components.flag_notes(chart.rows),
                    )
                )
        in_view = results_in_view(view)
        return Panels(
            charts=charts,
            contrasts=components.contrasts(self.store.results, in_view),
            context=components.context_cards(view.context, self.store),
            n_results=len(view.results),
            shared_tokens={
                CONTRASTS: _token(sorted(components.contrasts_in_view(in_view))),
                CONTEXT: _token(list(view.context[Col.ID])),
            },
        )


def all_charts(store: Store, themes: tuple[str, ...] = (), show_intervals: bool = False) -> list[tuple[str, dict]]:
    """(file name, figure) of every chart drawn for a selection."""
    view = Views(store).get(themes, show_intervals)
    return [(c.spec.filename, c.figure) for c in view.charts if c.figure is not None]


def results_in_view(view: View) -> set[str]:
    return set(view.results[Col.ID])
