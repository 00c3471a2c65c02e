"""How far a GCP export has been imported: the newest export_time every invoice month is loaded up to.

Discovery then reads only the partitions appended since that day (`_PARTITIONTIME`: the day rows
were appended), never the whole table. An invoice month whose last import failed keeps the
watermark back at the rows that failed, so the next run finds that month again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from openfinops.warehouse import state
from openfinops.warehouse.locks import database_lock


def watermark(database: Path, provider: str, export: str) -> datetime | None:
    """The export_time up to which every invoice month of `export` is imported; None: nothing is
    (the first import reads the whole table)."""
    imported = [datetime.fromisoformat(r.manifest_id) for r in state.read_state(database, provider, export).values()]
    if not imported:
        return None
    return min([max(imported), *_failed_since(database, provider, export)])


def _failed_since(database: Path, provider: str, export: str) -> list[datetime]:
    """The manifests (export_times) of the invoice months whose latest import run failed."""
    with database_lock(database), duckdb.connect(str(database), read_only=True) as con:
        if not state.has_table(con, state.IMPORT_RUNS.split(".")[1]):
            return []
        rows = con.execute(f"""
            SELECT manifest_id FROM {state.IMPORT_RUNS}
            WHERE provider = ? AND export = ? AND manifest_id IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY billing_period ORDER BY finished_at DESC) = 1
                AND status = 'failed'
        """, [provider, export]).fetchall()
    return [datetime.fromisoformat(manifest_id) for (manifest_id,) in rows]
