"""Downloads: the results in view as CSV, and every table of the build as one zip."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from dashboard.components import TABLE_COLUMNS, table_cells
from dashboard.data import Store, records
from etl.schema import Col

CSV_COLUMNS = [Col.SURVEY, Col.ID, Col.FIGURE, Col.QUESTION, *[f for _, f in TABLE_COLUMNS], Col.VERBATIM]


def results_frame(store: Store, rows: pd.DataFrame) -> pd.DataFrame:
    """The results as the table shows them, with the survey, question and sentence."""
    out = []
    for r in records(rows):
        cells = table_cells(r)
        out.append({c: cells.get(c, "" if r.get(c) is None else r[c]) for c in CSV_COLUMNS})
    return pd.DataFrame(out, columns=CSV_COLUMNS)


def results_csv(store: Store, rows: pd.DataFrame) -> bytes:
    return results_frame(store, rows).to_csv(index=False).encode("utf-8")


def tables_zip(store: Store) -> bytes:
    """Every table of the loaded build as Parquet and CSV, with its manifest, in one zip."""
    import pyarrow.parquet as pq

    build = store.tables.path
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(build.iterdir()):
            zf.write(path, path.name)
            if path.suffix == ".parquet":
                zf.writestr(path.with_suffix(".csv").name, pq.read_table(path).to_pandas().to_csv(index=False))
    return buf.getvalue()
