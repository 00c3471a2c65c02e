"""The project's DuckDB database (openfinops.warehouse.database): table lookups and connection settings."""

from __future__ import annotations

import duckdb

from openfinops.warehouse.database import DUCKDB_CONFIG, table_columns


def test_table_columns_in_table_order_without_dlts_own(tmp_path):
    with duckdb.connect(str(tmp_path / "finops.duckdb"), config=DUCKDB_CONFIG) as con:
        con.execute("CREATE SCHEMA aws_billing")
        con.execute("CREATE TABLE aws_billing.cur (z_last VARCHAR, _dlt_load_id VARCHAR, cost DECIMAL(38,12), "
                    "usage_start TIMESTAMPTZ, _dlt_id VARCHAR)")
        con.execute("CREATE TABLE main.cur (other INTEGER)")

        assert table_columns(con, "aws_billing", "cur") == {
            "z_last": "VARCHAR", "cost": "DECIMAL(38,12)", "usage_start": "TIMESTAMP WITH TIME ZONE"}
        assert table_columns(con, "aws_billing", "missing") == {}
        assert table_columns(con, "missing", "cur") == {}
