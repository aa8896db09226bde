"""Component ids, defined once: layout, callbacks and browser tests all import them from here."""

URL = "url"
PANEL_STATE = "panel-state"
THEME_IDS = "theme-ids"
THEMES = "theme-filter"
THEME_NOTICE = "theme-notice"
SELECTION_SUMMARY = "selection-summary"
SHOW_INTERVALS = "show-intervals"
CONTRASTS = "contrasts"
CHARTS = "charts"
QUOTE_STANCE = "quote-stance"
QUOTE_SEARCH = "quote-search"
QUOTE_COUNT = "quote-count"
QUOTES = "quote-list"
CONTEXT = "context-list"
GRID = "results-grid"
TABLE = "results-table"
SHOW_TABLE_BUTTON = "show-table-button"
DOWNLOAD_CSV_BUTTON = "download-csv-button"
DOWNLOAD_CSV = "download-csv"
EXPORT_PNG_BUTTON = "export-png-button"
EXPORT_SVG_BUTTON = "export-svg-button"
EXPORT_DOWNLOAD = "export-download"
EXPORT_STATUS = "export-status"


def graph(key: str) -> str:
    """Id of the dcc.Graph that draws chart ``key``."""
    return f"chart-{key}"


def card(key: str) -> str:
    """Id of the card that holds chart ``key`` (hidden when the selection leaves it empty)."""
    return f"card-{key}"


def alt_text(key: str) -> str:
    """Id of the text alternative of chart ``key``."""
    return f"alt-{key}"


def chart_note(key: str) -> str:
    """Id of the note under chart ``key`` (consistency flags)."""
    return f"note-{key}"
