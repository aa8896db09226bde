"""Component ids, defined once: layout, callbacks and browser tests all import them from here."""

URL = "url"  # the address, as the shell sees it (picks the survey)
PAGE_URL = "page-url"  # the address, as the survey's page sees it (syncs the themes)
SURVEY = "survey"  # the survey shown (dcc.Store), chosen from ?survey= in the browser
SURVEYS = "survey-ids"  # {"ids": [...], "default": ...} (dcc.Store)
SITE_TITLE = "site-title"  # the site's name, as the survey shown says it (dashboard.js copies it to <title>)
PAGE = "page"  # the survey's landing page, rendered by a callback when the survey changes
THEME_IDS = "theme-ids"
THEMES = "theme-filter"
THEME_NOTICE = "theme-notice"
SELECTION_SUMMARY = "selection-summary"
FILTER_PANEL = "filter-panel"  # the compact filter control (a details element)
FILTER_STATE = "filter-state"  # what it says is chosen ("all", or the themes)
FILTER_MODEL = "filter-model"  # what assets/filter.js filters the page with (landing.filter_model; dcc.Store)
OVERVIEW_WANTED = "overview-wanted"  # the rows whose key and footer filter.js asks the server for (dcc.Store)
# What filter.js asks the server to draw again after a theme click (dcc.Stores; callbacks.py): the quotations,
# when the server's last answer was written for another selection; the context cards, where the browser cannot
# filter them; the table of results, while it is open.
QUOTES_WANTED = "quotes-wanted"
CONTEXT_WANTED = "context-wanted"
TABLE_WANTED = "table-wanted"
SHOW_INTERVALS = "show-intervals"
CONTRASTS = "contrasts"
OVERVIEW_CARD = "overview-card"
OVERVIEW_CHART = "overview-chart"
OVERVIEW_MORE = "overview-more"
OVERVIEW_QUESTION = "overview-question"
OVERVIEW_KEY = "overview-key"
OVERVIEW_FOOTER = "overview-footer"
OVERVIEW_LINK = "overview-link"
CHART_CARDS = "chart-cards"
QUOTE_STANCE = "quote-stance"
QUOTE_SEARCH = "quote-search"
QUOTE_COUNT = "quote-count"
QUOTES = "quote-list"
QUOTES_MORE = "quotes-more"
CONTEXT = "context-list"
CONTEXT_MORE = "context-more"
TABLE = "results-table"
SHOW_TABLE_BUTTON = "show-table-button"
DOWNLOAD_CSV_BUTTON = "download-csv-button"
DOWNLOAD_CSV = "download-csv"
EXPORT_PNG_BUTTON = "export-png-button"
EXPORT_SVG_BUTTON = "export-svg-button"
EXPORT_DOWNLOAD = "export-download"
EXPORT_STATUS = "export-status"

CARD = "card-"  # + a chart's slug: its card on the landing page
CARD_LINK = "card-link-"  # + a chart's slug: the link from its card to the chart's page


def card(slug: str) -> str:
    """Id of the landing page's card of chart ``slug`` (hidden when the selection leaves it empty)."""
    return CARD + slug


def card_link(slug: str) -> str:
    """Id of the link from that card to the chart's page (it carries the selection)."""
    return CARD_LINK + slug
