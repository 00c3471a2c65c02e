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


def _storage_version(path) -> str:
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{path}' AS db (READ_ONLY)")
        return con.execute("SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'db'"
                           ).fetchone()[0]


def test_new_database_files_are_in_duckdb_1_5_storage_and_old_ones_keep_theirs(tmp_path):
    import dlt

    from openfinops.importing.loading import run_pipeline
    from openfinops.warehouse import state

    new, old = tmp_path / "new.duckdb", tmp_path / "old.duckdb"
    # An import's first write is dlt's load, which applies its DuckDB settings after opening the file.
    run_pipeline(dlt.resource([{"a": 1}], name="t"), pipeline_name="t", database=new, dataset="raw",
                 pipelines_dir=tmp_path / "dlt")
    with duckdb.connect(str(old)) as con:  # a file made before: DuckDB's default format
        con.execute("CREATE TABLE t AS SELECT 1 AS a")

    state.record_runs(old, "aws", [("cur", "2026-09", "imported", "m-1", None)], None)

    assert _storage_version(new) == "v1.5.0+"
    assert _storage_version(old) == "v1.0.0+"
    with duckdb.connect(str(old)) as con:  # still read and written
        assert con.execute("SELECT count(*) FROM finops_state.import_runs").fetchone()[0] == 1
        assert con.execute("SELECT a FROM t").fetchall() == [(1,)]


def test_the_dbt_profile_creates_databases_in_the_same_storage_format():
    import yaml

    from openfinops.focus.dbt import PROJECT_DIR
    from openfinops.warehouse.database import STORAGE_VERSION

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["open_finops"]["outputs"]["default"]

    assert profile["config_options"] == {"storage_compatibility_version": STORAGE_VERSION}
