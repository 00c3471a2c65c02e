"""Write focus.cost_and_usage to a Parquet or CSV file, with FOCUS column names and types."""

from __future__ import annotations

from pathlib import Path

import duckdb

from openfinops.focus.summary import FOCUS_TABLE
from openfinops.warehouse.database import DUCKDB_CONFIG
from openfinops.warehouse.locks import database_lock


def export_focus(database: Path, out: Path, fmt: str, period: str | None = None, provider: str | None = None) -> int:
    """Copy the (filtered) FOCUS table to `out`; returns the number of rows written."""
    if not database.exists():
        raise FileNotFoundError(f"{database}: no database yet; run `finops aws import-cur` and `finops focus build`")
    where, params = [], []
    if period:
        where.append("x_BillingPeriod = ?")
        params.append(period)
    if provider:
        # As FOCUS names it (`Google Cloud`) or as the CLI does (`gcp`).
        where.append("lower(?) IN (lower(ProviderName), x_Provider)")
        params.append(provider)
    # JSON columns go out as text: Parquet readers (the FOCUS validator among them) expect strings.
    query = (f"SELECT * REPLACE (CAST(Tags AS VARCHAR) AS Tags, CAST(SkuPriceDetails AS VARCHAR) AS SkuPriceDetails) "
             f"FROM {FOCUS_TABLE}" + (f" WHERE {' AND '.join(where)}" if where else ""))
    out.parent.mkdir(parents=True, exist_ok=True)
    with database_lock(database), duckdb.connect(str(database), config=DUCKDB_CONFIG) as con:
        con.execute("SET TimeZone = 'UTC'")
        rows = con.sql(query, params=params)
        if fmt == "parquet":
            rows.write_parquet(str(out), compression="zstd")
        else:
            rows.write_csv(str(out), header=True)
        return con.sql(f"SELECT count(*) FROM ({query})", params=params).fetchone()[0]
