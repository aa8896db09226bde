"""The rendering code knows no survey: no survey id, publication date, base or respondent noun of any survey
in the data appears in dashboard/*.py (code, strings or comments). Everything a chart says comes from the
catalogue and the origin records (etl/sources/<survey>/charts.yaml and origin.yaml)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.data import format_published
from etl.schema import Col

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
# The schema's own words for who answered (columns respondents, respondent_plural, ...): generic vocabulary
# of the code, so a survey whose respondents are called "respondents" cannot be told from it.
SCHEMA_WORDS = {"respondent", "respondents"}


def forbidden(store) -> dict[str, str]:
    """Every survey-specific token of the data, with what it is."""
    out: dict[str, str] = {}
    for sid, src in store.sources.items():
        out[sid] = "survey or document id"
        if src[Col.PUBLISHED]:
            out[src[Col.PUBLISHED]] = f"publication date of {sid}"
            out[format_published(src[Col.PUBLISHED])] = f"publication date of {sid}"
        for field in (Col.RESPONDENTS, Col.POPULATION):
            if src[field]:
                out[str(src[field])] = f"{field} of {sid}"
        for field in (Col.RESPONDENT_SINGULAR, Col.RESPONDENT_PLURAL):
            if src[field] and src[field].lower() not in SCHEMA_WORDS:
                out[src[field]] = f"respondent noun of {sid}"
    for base in {r[Col.BASE] for r in store.results if r[Col.BASE] is not None}:
        out[str(int(base))] = "a result's base"
    return out


@pytest.fixture(scope="module", params=["real", "both"])
def tokens(request):
    return forbidden(request.getfixturevalue("store" if request.param == "real" else "both_store"))


@pytest.mark.parametrize(
    "path", sorted([*DASHBOARD.glob("*.py"), *DASHBOARD.glob("templates/*.html")]), ids=lambda p: p.name
)
def test_no_survey_specific_text_in_the_dashboard(path, tokens):
    """No module of the dashboard names a survey, its dates, its bases or what its respondents are called."""
    text = path.read_text(encoding="utf-8")
    found = []
    for token, what in tokens.items():
        pattern = r"(?<![\w-])" + re.escape(token) + r"(?![\w-])"
        for m in re.finditer(pattern, text, flags=re.IGNORECASE if not token.isdigit() else 0):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"{path.name}:{line}: {token!r} ({what})")
    assert not found, "\n".join(found)


def test_the_check_finds_what_it_looks_for(tmp_path, store):
    """The tokens include the survey's id, date, base and noun, so the test above can fail."""
    tokens = forbidden(store)
    assert {"isos-2026", "2026-06", "June 2026", "54", "153", "council", "councils"} <= set(tokens)
