"""SQL text for DuckDB (openfinops.importing.sql): quoting, and casts from a file's columns to raw types."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import duckdb
import pytest

from openfinops.importing.lineage import DECIMAL_SQL
from openfinops.importing.sql import SQL_TYPES, cast, literal, quote, sql_type


def test_quote_escapes_identifiers():
    assert quote("lineItem/UnblendedCost") == '"lineItem/UnblendedCost"'
    assert quote('a"b') == '"a""b"'
    name = 'we"ird col'
    assert duckdb.sql(f"SELECT 1 AS {quote(name)}").columns == [name]


def test_literal_escapes_strings():
    assert literal("O'Brien") == "'O''Brien'"
    text = "it's; DROP TABLE x; --"
    assert duckdb.sql(f"SELECT {literal(text)}").fetchone() == (text,)


def test_sql_types():
    assert sql_type("decimal") == DECIMAL_SQL == "DECIMAL(38,12)"
    assert sql_type("timestamp") == "TIMESTAMPTZ"
    assert set(SQL_TYPES) == {"decimal", "timestamp", "text", "json", "bigint", "date", "bool"}
    with pytest.raises(KeyError):
        sql_type("double")


def _eval(expression: str, value_sql: str):
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(f"SELECT {expression} FROM (SELECT {value_sql} AS v)").fetchone()[0]


@pytest.mark.parametrize("value_sql, source_type, kind, expected", [
    ("' 1.5 '", "VARCHAR", "decimal", Decimal("1.5")),
    ("'-123456789012.123456789012'", "VARCHAR", "decimal", Decimal("-123456789012.123456789012")),  # > 18 digits
    ("'999999.9999999999995'", "VARCHAR", "decimal", Decimal("1000000")),  # rounds to scale 12, then > 18 digits
    ("'0.0000000000005'", "VARCHAR", "decimal", Decimal("1E-12")),
    ("'1e-5'", "VARCHAR", "decimal", Decimal("0.00001")),
    ("''", "VARCHAR", "decimal", None),  # an empty CSV cell is "not applicable"
    ("'  '", "VARCHAR", "bigint", None),
    ("'2026-09-01T00:00:00Z'", "VARCHAR", "timestamp", datetime(2026, 9, 1, tzinfo=timezone.utc)),
    ("'2026-09-01'", "VARCHAR", "date", date(2026, 9, 1)),
    ("'true'", "VARCHAR", "bool", True),
    ("' keep spaces '", "VARCHAR", "text", " keep spaces "),  # text is never trimmed
    ("''", "VARCHAR", "text", ""),
    ("1.25::DOUBLE", "DOUBLE", "decimal", Decimal("1.25")),
    ("42::INTEGER", "INTEGER", "text", "42"),
])
def test_cast(value_sql, source_type, kind, expected):
    assert _eval(cast("v", source_type, kind), value_sql) == expected


def test_a_value_that_is_no_decimal_fails_the_cast():
    with pytest.raises(duckdb.ConversionException, match="abc"):
        _eval(cast("v", "VARCHAR", "decimal"), "'abc'")


@pytest.mark.parametrize("value_sql, source_type, expected", [
    ("'{\"user_Team\": \"web\"}'", "VARCHAR", '{"user_Team": "web"}'),
    ("'{}'", "VARCHAR", None),  # an empty object is no value, as in Parquet's empty maps
    ("' '", "VARCHAR", None),
    ("MAP {'user_Team': 'web'}", "MAP(VARCHAR, VARCHAR)", '{"user_Team":"web"}'),
    ("MAP {}::MAP(VARCHAR, VARCHAR)", "MAP(VARCHAR, VARCHAR)", None),
    ("{'a': 1}", "STRUCT(a INTEGER)", '{"a":1}'),
    ("['x', 'y']", "VARCHAR[]", '["x","y"]'),
])
def test_cast_to_json(value_sql, source_type, expected):
    assert _eval(cast("v", source_type, "json"), value_sql) == expected
