"""Every CSV a reader can download (a chart's, the view's, the tables zip's) reads into pandas as it is, and its
numbers are the Parquet tables' numbers; each comes with a codebook; the zip holds a valid Data Package."""

from __future__ import annotations

import base64
import io
import json
import math
import zipfile

import pandas as pd
import pytest

from dashboard import callbacks
from dashboard.downloads import RESULTS_CODEBOOK, results_frame
from etl.schema import RESULT_DOWNLOAD_COLUMNS, TABLES, Col

BOM = b"\xef\xbb\xbf"
NUMBERS = ["value", "count", "base", "count_min", "count_max", "pct_low", "pct_high", "wilson_low", "wilson_high"]
INTERVAL_FREE = ("derived", "over", "nearly", "less_than")  # qualifiers that never carry a Wilson interval


def read(data: bytes) -> pd.DataFrame:
    """A downloaded CSV as a researcher reads it: pandas' defaults, the byte-order mark decoded."""
    assert data.startswith(BOM)
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")


def check_against_parquet(frame: pd.DataFrame, store) -> None:
    """Every numeric column equals the results table's (its Parquet file, as the server loaded it), row by row;
    lists are JSON; no interval on a bound or a derived share; a flagged figure has none either."""
    assert list(frame.columns) == list(RESULT_DOWNLOAD_COLUMNS)
    table = pd.read_parquet(io.BytesIO(store.tables.files["results.parquet"])).set_index(Col.ID)
    for _, row in frame.iterrows():
        want = table.loc[row[Col.ID]]
        for col in NUMBERS:
            got, exp = row[col], want[col]
            assert (pd.isna(got) and pd.isna(exp)) or math.isclose(float(got), float(exp), rel_tol=0, abs_tol=0), (
                row[Col.ID],
                col,
                got,
                exp,
            )
        assert row[Col.QUALIFIER] == want[Col.QUALIFIER] and row[Col.CATEGORY] == want[Col.CATEGORY]
        assert json.loads(row[Col.THEMES]) == list(want[Col.THEMES])
        assert json.loads(row["fitting_bases"]) == list(want["fitting_bases"])
        if row[Col.QUALIFIER] in INTERVAL_FREE or not pd.isna(row[Col.FLAG]):
            assert pd.isna(row["wilson_low"]) and pd.isna(row["wilson_high"]), row[Col.ID]


def test_every_chart_csv(client, store, survey):
    """Each chart's CSV: its rows, in drawing order, with numbers equal to the Parquet results."""
    for spec in survey.charts:
        response = client.get(f"/chart/{spec.slug}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        frame = read(response.data)
        assert list(frame[Col.ID]) == list(spec.result_ids), spec.slug
        check_against_parquet(frame, store)


@pytest.mark.parametrize("themes", [[], ["funding"], ["timescales"]])
def test_view_csv(store, views, themes):
    """The landing page's CSV of the results in view: the same columns and numbers."""
    sent = callbacks.download_csv(store, views, 1, themes, None)
    frame = read(base64.b64decode(sent["content"]))
    assert len(frame) == len(views.get(store.survey(None), tuple(themes)).results)
    check_against_parquet(frame, store)


def test_csv_columns_and_words(client):
    """A CSV names the survey, who answered, the question, the item, the report's own word, the base, the
    section and the sentence; the derived 20 of 54 has its count and no interval; the 29% has its flag and
    the bases that fit, and no interval."""
    frame = read(client.get("/chart/timescales.csv").data).set_index(Col.ID)
    derived = frame.loc["fig7-not-reported"]
    assert (derived[Col.COUNT], derived[Col.BASE], derived[Col.QUALIFIER]) == (20, 54, "derived")
    assert pd.isna(derived["wilson_low"]) and json.loads(derived["derived_from"]) == [
        "fig7-too-ambitious",
        "fig7-too-slow",
    ]
    assert frame.loc["fig7-too-slow", "respondent_group"] == "English local authorities"
    funding = read(client.get("/chart/confidence-in-funding.csv").data).set_index(Col.ID)
    flagged = funding.loc["fig8-funding-post-legislation-not-confident"]
    assert json.loads(flagged["fitting_bases"]) == [52, 48, 45, 41, 34] and not flagged["consistent"]
    assert "no whole number of the 54 councils makes 29%" in flagged[Col.FLAG]
    assert pd.isna(flagged["wilson_low"]) and pd.isna(flagged["count_min"])
    assert funding.loc["fig8-funding-post-legislation", "count_min"] == 24
    assert funding[Col.QUESTION].notna().all() and funding[Col.VERBATIM].notna().all()
    assert funding["citation"].str.contains("SEND reform: putting children and young people first").all()


def test_csv_shows_the_judgement_calls(client):
    """The notes column says how a record was placed or labelled: each of Figure 4's seven items says its
    label is inferred and its figure a group bound; a figure placed by its question wording says so."""
    fig4 = read(client.get("/chart/mainstream-inclusion.csv").data)
    assert len(fig4) == 7
    assert fig4["notes"].str.contains("item identified from the section's list of measures").all()
    assert fig4["notes"].str.contains("Reported only as one bound for a group of items").all()
    fig1 = read(client.get("/chart/what-the-reforms-will-lead-to.csv").data).set_index(Col.ID)
    assert "placed in Figure 1 because it answers the same question" in fig1.loc["fig1-partnership-working", "notes"]


def test_csv_keeps_the_reports_words(client):
    """'supportive' where the report says supportive, with its group beside it."""
    frame = read(client.get("/chart/specialist-provision.csv").data).set_index(Col.ID)
    assert frame.loc["fig5-specialist-packages", Col.CATEGORY] == "supportive"
    assert frame.loc["fig5-inmss-legislation", Col.CATEGORY] == "positive or somewhat positive"
    assert set(frame[Col.GROUP]) == {"positive"}


def test_results_frame_types(store):
    """The frame behind the CSVs keeps counts as integers and flags as booleans, empty where they do not apply."""
    frame = results_frame(store, store.results)
    assert str(frame[Col.COUNT].dtype) == "Int64" and str(frame["consistent"].dtype) == "boolean"
    assert frame[Col.VALUE].dtype == float


def test_codebook_beside_every_csv(client, store, views):
    """The codebook is served, one row per column of a results CSV, and linked beside the chart page's CSV link
    and the landing page's CSV button."""
    response = client.get(f"/download/{RESULTS_CODEBOOK}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    book = read(response.data)
    assert list(book["col_name"]) == list(RESULT_DOWNLOAD_COLUMNS)
    assert "less_than: below the number" in book.set_index("col_name").loc["qualifier", "meaning"]
    page = client.get("/chart/timescales").get_data(as_text=True)
    assert page.index(".csv") < page.index(f'href="/download/{RESULTS_CODEBOOK}"')
    children = callbacks.render_page(store, views, None, "")
    text = json.dumps(children, default=lambda c: c.to_plotly_json())
    assert text.index("Download these results (CSV)") < text.index(f"/download/{RESULTS_CODEBOOK}")


def test_tables_zip_is_a_valid_data_package(client, tmp_path):
    """The zip of all tables holds the Data Package: extracted, `frictionless validate` passes; each table's CSV
    has the numbers of its Parquet file."""
    frictionless = pytest.importorskip("frictionless")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/download/send-survey-tables.zip").data))
    archive.extractall(tmp_path)
    assert frictionless.validate(tmp_path / "datapackage.json").valid
    for table in TABLES:
        csv = read((tmp_path / f"{table}.csv").read_bytes())
        parquet = pd.read_parquet(tmp_path / f"{table}.parquet")
        assert list(csv.columns) == list(parquet.columns) and len(csv) == len(parquet)
        for col in parquet.columns:
            if parquet[col].dtype.kind in "if":
                assert csv[col].astype(float).equals(parquet[col].astype(float)), (table, col)
