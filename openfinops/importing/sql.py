"""SQL text for DuckDB: quoting, and casts from a file's columns to raw column types."""

from __future__ import annotations

from .lineage import DECIMAL_SCALE, DECIMAL_SQL

# dlt data type -> DuckDB type of a raw column.
SQL_TYPES = {"decimal": DECIMAL_SQL, "timestamp": "TIMESTAMPTZ", "text": "VARCHAR", "json": "JSON", "bigint": "BIGINT",
             "date": "DATE", "bool": "BOOLEAN"}

# Text parses into a 38-digit decimal slowly (128-bit arithmetic: most of the CPU of reading a CSV
# export); into 18 digits several times faster, with the same rounding. Most values fit 18 digits.
SMALL_DECIMAL_SQL = f"DECIMAL(18,{DECIMAL_SCALE})"

# Dates as billing exports write them: ISO (`2024-01-05`, `2024-01-05T00:00:00Z`), or US month-first
# (Azure: `01/05/2024`, `1/5/24`, `1/5/2024 12:00:00 AM`). Two-digit years first: `%m/%d/%Y` would
# read `1/5/24` as the year 24.
MONTH_FIRST_FORMATS = ("%m/%d/%y", "%m/%d/%Y", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S")


def sql_type(kind: str) -> str:
    """The DuckDB type of a raw column of dlt data type `kind`."""
    return SQL_TYPES[kind]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def cast(column_sql: str, source_type: str, kind: str) -> str:
    """`column_sql`, read as DuckDB type `source_type`, cast to raw column type `kind`."""
    if kind == "json":
        if source_type.startswith(("MAP", "STRUCT")) or source_type.endswith("[]"):
            return f"nullif(to_json({column_sql}), '{{}}')::JSON"
        return f"nullif(nullif(trim({column_sql}), ''), '{{}}')::JSON"
    target = SQL_TYPES[kind]
    if source_type == "VARCHAR" and kind != "text":
        # CSV leaves empty cells as '' in quoted fields; an empty cell is "not applicable".
        value = f"nullif(trim({column_sql}), '')"
        if kind == "decimal":  # a value that does not fit 18 digits, or is no number, takes the exact cast
            return f"coalesce(TRY_CAST({value} AS {SMALL_DECIMAL_SQL}), CAST({value} AS {target}))"
        if kind == "date":  # a value that is no date fails a cast (DuckDB would read `13/1/21` as 0013-01-21)
            return (f"CASE WHEN {value} LIKE '%/%' THEN coalesce({_month_first(value)}, "
                    f"CAST('not month/day/year: ' || {value} AS DATE)) ELSE CAST({value} AS DATE) END")
        return f"CAST({value} AS {target})"
    return f"CAST({column_sql} AS {target})"


def try_cast_sql(value_sql: str, kind: str) -> str:
    """SQL of text `value_sql` as raw column type `kind`, as `cast` reads it, or NULL if it is no such value."""
    if kind == "date":
        return f"CASE WHEN {value_sql} LIKE '%/%' THEN {_month_first(value_sql)} ELSE TRY_CAST({value_sql} AS DATE) END"
    return f"TRY_CAST({value_sql} AS {SQL_TYPES[kind]})"


def _month_first(value_sql: str) -> str:
    return "CAST(coalesce(" + ", ".join(f"try_strptime({value_sql}, {literal(f)})" for f in MONTH_FIRST_FORMATS) \
        + ") AS DATE)"
