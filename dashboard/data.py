"""The tables, loaded once through the shared schema, and pure functions that filter them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl.schema import Col
from etl.store import DataError, Tables, load_tables

DATA_DIR = Path(os.environ.get("SEND_DATA_DIR", Path(__file__).resolve().parent.parent / "data"))
MAIN_SURVEY = "isos-2026"
MAX_SEARCH = 200  # characters of quotation search text we use


@dataclass(frozen=True)
class Store:
    """Everything the page shows, read once at start-up."""

    tables: Tables
    theme_ids: tuple[str, ...]
    theme_labels: dict[str, str]

    @property
    def results(self) -> pd.DataFrame:
        return self.tables["results"]

    @property
    def quotes(self) -> pd.DataFrame:
        return self.tables["quotes"]

    @property
    def context(self) -> pd.DataFrame:
        return self.tables["context"]

    @property
    def sources(self) -> pd.DataFrame:
        return self.tables["sources"]

    @property
    def themes(self) -> pd.DataFrame:
        return self.tables["themes"]

    def source(self, source_id: str) -> pd.Series:
        return self.sources.set_index(Col.ID).loc[source_id]


def load_store(data_dir: Path = DATA_DIR) -> Store:
    """Load and check every table; DataError says what is wrong."""
    tables = load_tables(data_dir)
    themes = tables["themes"]
    if MAIN_SURVEY not in set(tables["sources"][Col.ID]):
        raise DataError(f"{data_dir}: the sources table has no survey '{MAIN_SURVEY}'")
    return Store(
        tables=tables,
        theme_ids=tuple(themes[Col.ID]),
        theme_labels=dict(zip(themes[Col.ID], themes[Col.LABEL])),
    )


def clean_themes(value: object, known: Iterable[str]) -> tuple[list[str], list[str]]:
    """Any callback input as (known theme ids in page order, unknown entries shortened for display)."""
    known = list(known)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return [], ([] if value is None else [_short(repr(value))])
    wanted = {v for v in value if isinstance(v, str)}
    unknown = [_short(str(v)) for v in value if not (isinstance(v, str) and v in known)]
    return [t for t in known if t in wanted], list(dict.fromkeys(unknown))[:5]


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _has_theme(series: pd.Series, themes: list[str]) -> pd.Series:
    wanted = set(themes)
    return series.map(lambda ts: bool(wanted.intersection(ts)))


def filter_by_themes(df: pd.DataFrame, themes: list[str]) -> pd.DataFrame:
    """Rows tagged with any of ``themes``; every row when no theme is chosen."""
    if not themes:
        return df
    return df[_has_theme(df[Col.THEMES], themes)]


def filter_quotes(df: pd.DataFrame, themes: list[str], stances: object, search: object) -> pd.DataFrame:
    """Quotations for the themes, with one of ``stances`` (all when empty), containing ``search``."""
    out = filter_by_themes(df, themes)
    if isinstance(stances, (list, tuple)) and stances:
        out = out[out[Col.STANCE].isin([s for s in stances if isinstance(s, str)])]
    if isinstance(search, str) and search.strip():
        needle = search.strip()[:MAX_SEARCH].casefold()
        out = out[out[Col.TEXT].str.casefold().str.contains(needle, regex=False)]
    return out


def count_label(row: pd.Series) -> str:
    """The respondent counts a figure allows, e.g. "52 of 54" or "49–54 of 54"; "" when not derivable."""
    lo, hi, base = row[Col.COUNT_MIN], row[Col.COUNT_MAX], row[Col.BASE]
    if pd.isna(base) or pd.isna(lo):
        return ""
    return f"{lo} of {base}" if lo == hi else f"{lo}–{hi} of {base}"
