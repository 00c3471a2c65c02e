"""Write focus.cost_and_usage to a Parquet or CSV file, with FOCUS column names and types."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tasks.transform import FOCUS_TABLE


def export_focus(database: Path, out: Path, fmt: str, period: str | None = None, provider: str | None = None) -> int:
    """Copy the (filtered) FOCUS table to `out`; returns the number of rows written."""
    if not database.exists():
        raise FileNotFoundError(f"{database}: no database yet; run `finops aws import-cur` and `finops focus build`")
    where, params = [], []
    if period:
        where.append("x_BillingPeriod = ?")
        params.append(period)
    if provider:
        where.append("lower(ProviderName) = lower(?)")
        params.append(provider)
    query = f"SELECT * FROM {FOCUS_TABLE}" + (f" WHERE {' AND '.join(where)}" if where else "")
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    out.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        # COPY cannot take parameters in its query, so the filter goes through a temporary view.
        con.execute(f"CREATE TEMP VIEW focus_export AS {query}", params)
        con.execute(f"COPY focus_export TO '{str(out).replace(chr(39), chr(39) * 2)}' ({options})")
        return con.execute("SELECT count(*) FROM focus_export").fetchone()[0]
