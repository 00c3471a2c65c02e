"""SQL text for DuckDB: quoting, and casts from a file's columns to raw column types."""

from __future__ import annotations

from .lineage import DECIMAL_SCALE, DECIMAL_SQL

# dlt data type -> DuckDB type of a raw column.
SQL_TYPES = {"decimal": DECIMAL_SQL, "timestamp": "TIMESTAMPTZ", "text": "VARCHAR", "json": "JSON", "bigint": "BIGINT",
             "date": "DATE", "bool": "BOOLEAN"}

# Text parses into a 38-digit decimal slowly (128-bit arithmetic: most of the CPU of reading a CSV
# export); into 18 digits several times faster, with the same rounding. Most values fit 18 digits.
SMALL_DECIMAL_SQL = f"DECIMAL(18,{DECIMAL_SCALE})"


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
        return f"CAST({value} AS {target})"
    return f"CAST({column_sql} AS {target})"
