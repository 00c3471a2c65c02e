"""The last discovery of each BigQuery export, reused while the export table is unchanged.

Discovery's query reads the partitions since the watermark's day, and BigQuery bills every query
at least 10 MB. Whether anything was appended since the last discovery, the table's metadata says
for free (`tables.get`, no job): its modified time, rows and bytes, and its streaming buffer (see
`bigquery.table_version`). While that version is the same, the last discovery's months still hold,
so a run with nothing new runs no query at all.

A discovery made since an earlier watermark holds for a later one: it found every month with rows
in the partitions since then, more rather than fewer; those already imported are skipped by state.
A later discovery does not hold for an earlier watermark (a failed month holds it back): the query
runs.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from openfinops.warehouse import state
from openfinops.warehouse.database import DUCKDB_CONFIG
from openfinops.warehouse.locks import database_lock

TABLE = f"{state.SCHEMA}.gcp_discoveries"
DDL = f"""
CREATE SCHEMA IF NOT EXISTS {state.SCHEMA};
CREATE TABLE IF NOT EXISTS {TABLE} (
    export        VARCHAR PRIMARY KEY,
    table_version VARCHAR NOT NULL,  -- bigquery.table_version when the query ran
    since         TIMESTAMPTZ,       -- the watermark it ran from; NULL: the whole table
    months        VARCHAR NOT NULL,  -- JSON: [[invoice month YYYYMM, newest export_time], ...]
    discovered_at TIMESTAMPTZ NOT NULL
);
"""

Months = list[tuple[str, datetime]]  # (invoice month YYYYMM, newest export_time of its rows)


def recall(database: Path, export: str, table_version: str, since: datetime | None) -> Months | None:
    """The months of the export's last discovery, if the table is as it was then and that discovery
    read from `since` or earlier; None if the query must run."""
    if not database.exists():
        return None
    with database_lock(database), duckdb.connect(str(database), read_only=True) as con:
        if not state.has_table(con, TABLE.split(".")[1]):
            return None
        found = con.execute(f"SELECT since, months FROM {TABLE} WHERE export = ? AND table_version = ?",
                            [export, table_version]).fetchone()
    if found is None:
        return None
    read_since, months = found
    if read_since is not None and (since is None or read_since > since):
        return None
    return [(month, datetime.fromisoformat(last)) for month, last in json.loads(months)]


def remember(database: Path, export: str, table_version: str, since: datetime | None, months: Months) -> None:
    """Store a discovery's months, replacing the export's last."""
    text = json.dumps([[month, last.isoformat()] for month, last in months])
    with database_lock(database), duckdb.connect(str(database), config=DUCKDB_CONFIG) as con:
        con.execute(DDL)
        con.execute(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?, ?, now())",
                    [export, table_version, since, text])
