"""The project's DuckDB database: connection settings for moving billing data, and table lookups."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Every DuckDB connection that moves billing data (read, load, publish, export) uses these.
# DuckDB caches pages up to 80% of RAM by default; moving data needs far less, and what the
# pipeline holds must not grow with the size of the export. Row order means nothing in a bill:
# not keeping it lets DuckDB read, insert and write Parquet in parallel in bounded memory.
#
# A database file is written in the storage format of the DuckDB that creates it, as far as
# storage_compatibility_version allows; DuckDB's default is the 1.0 format. In 1.5's format a 1M-row
# month's raw table and FOCUS table were written ~15 % faster and ~13 % smaller (benchmarks/README.md).
# Every DuckDB the project pins (1.5.x), and Metabase's driver (1.5.5), reads it. A file made before
# keeps its format.
STORAGE_VERSION = "v1.5.0"
DUCKDB_CONFIG = {"memory_limit": "1GB", "preserve_insertion_order": False,
                 "storage_compatibility_version": STORAGE_VERSION}


def create_database(database: Path) -> None:
    """Create the database file, in STORAGE_VERSION's format, if there is none yet: dlt applies its
    DuckDB settings only after connecting, when the file already exists in DuckDB's default format."""
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        duckdb.connect(str(database), config=DUCKDB_CONFIG).close()


def table_columns(con: duckdb.DuckDBPyConnection, dataset: str, table: str) -> dict[str, str]:
    """The columns of `dataset.table` and their SQL types, in table order, without dlt's own;
    empty if there is no such table yet."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? AND NOT starts_with(column_name, '_dlt_') "
        "ORDER BY ordinal_position", [dataset, table]).fetchall()
    return dict(rows)


def table_constraints(con: duckdb.DuckDBPyConnection, dataset: str, table: str) -> dict[str, int]:
    """How many constraints of each type `dataset.table` has, by dbt's names (`not_null`, `check`, ...)."""
    rows = con.execute(
        "SELECT lower(replace(constraint_type, ' ', '_')), count(*) FROM duckdb_constraints() "
        "WHERE schema_name = ? AND table_name = ? GROUP BY ALL", [dataset, table]).fetchall()
    return dict(rows)
