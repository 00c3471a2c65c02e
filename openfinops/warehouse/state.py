"""Import state: what was imported per provider, export and billing period.

A row says which manifest a period's raw rows came from, with its files, row count and cost
total, and which import wrote them (`import_id`, also a column of every raw row). Comparing a
manifest's fingerprint with the stored one decides new / changed / unchanged.

Writing this row is what makes a period's new rows current: readers join raw rows to it on
`import_id`, and the same transaction deletes the period's rows of any other import. Rows of an
import that crashed before that are never read, and the next import of the period deletes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from openfinops.warehouse.database import DUCKDB_CONFIG
from openfinops.warehouse.locks import database_lock

SCHEMA = "finops_state"
TABLE = f"{SCHEMA}.import_state"
ACCOUNT_NAMES = f"{SCHEMA}.account_names"
FOCUS_BUILD = f"{SCHEMA}.focus_build"
IMPORT_RUNS = f"{SCHEMA}.import_runs"

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {TABLE} (
    provider          VARCHAR NOT NULL,
    export            VARCHAR NOT NULL,
    billing_period    VARCHAR NOT NULL,
    source_format     VARCHAR NOT NULL,  -- the export type, e.g. AWS v1, v2 or focus
    raw_table         VARCHAR NOT NULL,  -- schema.table the period's rows are in
    import_id         VARCHAR NOT NULL,  -- the import that wrote them (column import_id of each row)
    manifest_id       VARCHAR NOT NULL,
    manifest_path     VARCHAR NOT NULL,
    fingerprint       VARCHAR NOT NULL,
    files             JSON NOT NULL,
    file_count        INTEGER NOT NULL,
    total_bytes       BIGINT NOT NULL,
    rows_loaded       BIGINT NOT NULL,
    cost_total        DECIMAL(38, 12),
    first_imported_at TIMESTAMPTZ NOT NULL,
    imported_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, export, billing_period)
);
-- State written before import ids existed: its periods are imported again (see `status`).
ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS import_id VARCHAR;
-- Display names of account ids from the user's account list (file or the provider's API); the
-- FOCUS build prefers names the billing data carries (transformations: int_account_names).
CREATE TABLE IF NOT EXISTS {ACCOUNT_NAMES} (
    provider     VARCHAR NOT NULL,
    account_id   VARCHAR NOT NULL,
    account_name VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,  -- where the name came from: a file path, or the provider's API
    PRIMARY KEY (provider, account_id)
);
-- Every import run's outcome per export and billing period ('*': the export could not be listed),
-- so the Data health dashboard shows failures and whether a later run fixed them.
CREATE TABLE IF NOT EXISTS {IMPORT_RUNS} (
    provider       VARCHAR NOT NULL,
    export         VARCHAR NOT NULL,
    billing_period VARCHAR NOT NULL,
    status         VARCHAR NOT NULL,  -- imported, replaced, skipped, failed
    manifest_id    VARCHAR,
    error          VARCHAR,
    flow_run_id    VARCHAR,
    finished_at    TIMESTAMPTZ NOT NULL
);
-- What the FOCUS table was last built and published from (see `focus_is_current`).
CREATE TABLE IF NOT EXISTS {FOCUS_BUILD} (
    inputs   VARCHAR NOT NULL,
    built_at TIMESTAMPTZ NOT NULL
);
"""

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclass(frozen=True)
class ImportRecord:
    provider: str
    export: str
    billing_period: str
    manifest_id: str
    fingerprint: str
    rows_loaded: int
    cost_total: Decimal | None
    imported_at: datetime
    import_id: str | None  # None in state written before import ids existed


def read_state(database: Path, provider: str, export: str) -> dict[str, ImportRecord]:
    """The stored import per billing period of one export (empty when nothing was imported yet)."""
    if not database.exists():
        return {}
    with database_lock(database), duckdb.connect(str(database), read_only=True) as con:
        if not has_table(con, "import_state"):
            return {}
        cursor = con.execute(f"SELECT * FROM {TABLE} WHERE provider = ? AND export = ?", [provider, export])
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    return {row["billing_period"]: ImportRecord(**{f.name: row.get(f.name) for f in fields(ImportRecord)})
            for row in rows}


def status(record: ImportRecord | None, fingerprint: str) -> str:
    if record is None:
        return NEW
    if record.import_id is None:  # loaded before raw rows carried their import: load them again
        return CHANGED
    return UNCHANGED if record.fingerprint == fingerprint else CHANGED


def record_import(con: duckdb.DuckDBPyConnection, *, provider: str, export: str, billing_period: str,
                  source_format: str, raw_table: str, import_id: str, manifest_id: str, manifest_path: str,
                  fingerprint: str, files: list[dict], rows_loaded: int, cost_total: Decimal | None) -> None:
    """Upsert the state row of one imported period (on an open connection to the database)."""
    con.execute(DDL)
    con.execute(
        f"""
        INSERT INTO {TABLE} (provider, export, billing_period, source_format, raw_table, import_id, manifest_id,
                             manifest_path, fingerprint, files, file_count, total_bytes, rows_loaded, cost_total,
                             first_imported_at, imported_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now())
        ON CONFLICT (provider, export, billing_period) DO UPDATE SET
            source_format = excluded.source_format, raw_table = excluded.raw_table, import_id = excluded.import_id,
            manifest_id = excluded.manifest_id, manifest_path = excluded.manifest_path,
            fingerprint = excluded.fingerprint, files = excluded.files, file_count = excluded.file_count,
            total_bytes = excluded.total_bytes, rows_loaded = excluded.rows_loaded,
            cost_total = excluded.cost_total, imported_at = excluded.imported_at
        """,
        [provider, export, billing_period, source_format, raw_table, import_id, manifest_id, manifest_path,
         fingerprint, json.dumps(files), len(files), sum(f["size"] for f in files), rows_loaded, cost_total],
    )


def record_runs(database: Path, provider: str, outcomes: list[tuple[str, str, str, str | None, str | None]],
                flow_run_id: str | None) -> None:
    """Log an import run's outcomes: (export, billing period, status, manifest id, error) each."""
    # DUCKDB_CONFIG: the first write of a run that failed before loading creates the file.
    with database_lock(database), duckdb.connect(str(database), config=DUCKDB_CONFIG) as con:
        con.execute(DDL)
        con.executemany(f"INSERT INTO {IMPORT_RUNS} VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                        [(provider, *outcome, flow_run_id) for outcome in outcomes])


def read_account_names(database: Path, provider: str) -> dict[str, tuple[str, str]]:
    """The provider's stored account list: account id -> (name, where it came from)."""
    if not database.exists():
        return {}
    with database_lock(database), duckdb.connect(str(database), read_only=True) as con:
        if not has_table(con, "account_names"):
            return {}
        rows = con.execute(f"SELECT account_id, account_name, source FROM {ACCOUNT_NAMES} WHERE provider = ?",
                           [provider]).fetchall()
    return {account_id: (name, source) for account_id, name, source in rows}


def replace_account_names(database: Path, provider: str, names: dict[str, tuple[str, str]]) -> bool:
    """Make `names` (account id -> (name, source)) the provider's account list; True if it changed."""
    rows = [(provider, account_id, name, source) for account_id, (name, source) in sorted(names.items())]
    if not rows and not database.exists():
        return False
    with database_lock(database), duckdb.connect(str(database), config=DUCKDB_CONFIG) as con:
        con.execute(DDL)
        before = con.execute(f"SELECT provider, account_id, account_name, source FROM {ACCOUNT_NAMES} "
                             "WHERE provider = ? ORDER BY account_id", [provider]).fetchall()
        if before == rows:
            return False
        con.execute("BEGIN TRANSACTION")
        con.execute(f"DELETE FROM {ACCOUNT_NAMES} WHERE provider = ?", [provider])
        if rows:
            con.executemany(f"INSERT INTO {ACCOUNT_NAMES} VALUES (?, ?, ?, ?)", rows)
        con.execute("COMMIT")
    return True


# Everything the FOCUS table and the dashboards' marts are built from, besides the dbt project: the
# current import of every period, the account names, and the failed imports (so that a failure
# reaches the Data health dashboard with the next build, which the import flow then runs).
_INPUTS_SQL = f"""
    SELECT md5(coalesce((SELECT string_agg(concat_ws('|', provider, export, billing_period, import_id), '\n'
                                           ORDER BY provider, export, billing_period) FROM {TABLE}), '')
               || '\n--\n' ||
               coalesce((SELECT string_agg(concat_ws('|', provider, account_id, account_name), '\n'
                                           ORDER BY provider, account_id) FROM {ACCOUNT_NAMES}), '')
               || '\n--\n' ||
               (SELECT concat_ws('|', count(*), max(finished_at)) FROM {IMPORT_RUNS} WHERE status = 'failed'))
"""


def focus_inputs(con: duckdb.DuckDBPyConnection) -> str:
    """A fingerprint of what a FOCUS build would read now (on an open connection)."""
    con.execute(DDL)
    return con.execute(_INPUTS_SQL).fetchone()[0]


def record_focus_build(con: duckdb.DuckDBPyConnection, inputs: str) -> None:
    """Remember that the FOCUS table was built and published from `inputs`."""
    con.execute(DDL)
    con.execute("BEGIN TRANSACTION")
    con.execute(f"DELETE FROM {FOCUS_BUILD}")
    con.execute(f"INSERT INTO {FOCUS_BUILD} VALUES (?, now())", [inputs])
    con.execute("COMMIT")


def focus_is_current(database: Path) -> bool:
    """False while an import (or an account-name change) has not yet reached a successful FOCUS build:
    a build that failed, or never ran, is retried by the next import."""
    if not database.exists():
        return True
    with database_lock(database), duckdb.connect(str(database)) as con:
        if not has_table(con, "import_state"):
            return True
        inputs = focus_inputs(con)
        return con.execute(f"SELECT max(inputs) FROM {FOCUS_BUILD}").fetchone()[0] == inputs


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the state table `table` (its name in the state schema) exists yet."""
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [SCHEMA, table]).fetchone()[0] > 0
