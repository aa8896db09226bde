"""What the page shows for a selection: pure, and cached per selection (the data never changes while serving)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional

import pandas as pd

from dashboard.data import Store, filter_by_themes
from dashboard.figures import ChartSpec, build_chart, chart_specs
from etl.schema import Col

CACHE_SIZE = 512  # selections kept; 11 themes x 2 interval settings covers every single-theme view many times over


@dataclass(frozen=True)
class ChartView:
    spec: ChartSpec
    figure: Optional[dict]  # Plotly JSON, or None when the selection leaves the chart empty
    rows: pd.DataFrame


@dataclass(frozen=True)
class View:
    themes: tuple[str, ...]
    results: pd.DataFrame
    context: pd.DataFrame
    charts: list[ChartView]


@dataclass(frozen=True)
class Panels:
    """The callback outputs of one selection, built once: per chart, then the shared panels."""

    charts: list[tuple]  # (figure, graph style, card style, alt text items, flag notes) per chart; figure None = hidden
    rest: tuple  # contrasts, context cards, grid rows, n results


def subtitle(themes: tuple[str, ...], labels: dict[str, str]) -> str:
    """The chart subtitle naming the selection, so an exported chart says it is a subset."""
    return "Themes shown: " + ", ".join(labels[t] for t in themes) if themes else ""


class Views:
    """Builds and caches the View of each (themes, intervals) selection for one Store."""

    def __init__(self, store: Store):
        self.store = store
        self.specs = chart_specs(store.results)
        self._cache: dict[tuple, View] = {}
        self._lock = threading.Lock()

    def get(self, themes: tuple[str, ...], show_intervals: bool) -> View:
        key = (themes, show_intervals)
        view = self._cache.get(key)
        if view is None:
            view = self._build(themes, show_intervals)
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = view
        return view

    def panels(self, themes: tuple[str, ...], show_intervals: bool) -> Panels:
        """The Dash outputs of a selection, cached beside its View."""
        key = ("panels", themes, show_intervals)
        panels = self._cache.get(key)
        if panels is None:
            panels = self._build_panels(self.get(themes, show_intervals))
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = panels
        return panels

    def _build_panels(self, view: View) -> Panels:
        from dashboard import components  # components imports Dash; views stays importable without it

        charts = []
        for chart in view.charts:
            if chart.figure is None:
                charts.append((None, None, {"display": "none"}, [], []))
            else:
                style = {"height": f"{chart.figure['layout']['height']:.0f}px"}
                charts.append((chart.figure, style, {}, components.alt_items(chart.rows), components.flag_notes(chart.rows)))
        rest = (
            components.contrasts(self.store.results, results_in_view(view)),
            components.context_cards(view.context, self.store),
            components.grid_rows(view.results),
            len(view.results),
        )
        return Panels(charts=charts, rest=rest)

    def _build(self, themes: tuple[str, ...], show_intervals: bool) -> View:
        store = self.store
        results = filter_by_themes(store.results, list(themes))
        sub = subtitle(themes, store.theme_labels)
        charts = []
        for spec in self.specs:
            rows = results[spec.select(results)]
            fig = build_chart(
                results, spec, show_intervals=show_intervals, subtitle=sub, theme_labels=store.theme_labels, all_results=store.results
            )
            charts.append(ChartView(spec=spec, figure=fig.to_plotly_json() if fig is not None else None, rows=rows))
        return View(themes=themes, results=results, context=filter_by_themes(store.context, list(themes)), charts=charts)


def all_charts(store: Store, themes: tuple[str, ...] = (), show_intervals: bool = False) -> list[tuple[str, dict]]:
    """(file name, figure) of every chart drawn for a selection."""
    view = Views(store).get(themes, show_intervals)
    return [(c.spec.filename, c.figure) for c in view.charts if c.figure is not None]


def results_in_view(view: View) -> set[str]:
    return set(view.results[Col.ID])
