"""Exporting the FOCUS table (openfinops.focus.export): Parquet or CSV, all of it or one period / provider."""

from __future__ import annotations

import csv
import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from openfinops.focus.export import export_focus


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "finops.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA focus")
        con.execute("""CREATE TABLE focus.cost_and_usage AS SELECT * FROM (VALUES
            ('AWS', 'aws', '2026-08', 1.5::DECIMAL(38,12), '{"team": "web"}'::JSON, '{"CoreCount": 2}'::JSON),
            ('AWS', 'aws', '2026-09', 2.5, NULL, NULL),
            ('Microsoft', 'azure', '2026-09', 4.0, '{}', NULL)
        ) AS t(ProviderName, x_Provider, x_BillingPeriod, BilledCost, Tags, SkuPriceDetails)""")
    return path


def test_parquet_with_json_columns_as_text(database, tmp_path):
    out = tmp_path / "out" / "focus.parquet"

    assert export_focus(database, out, "parquet") == 3

    table = pq.read_table(out)
    assert table.num_rows == 3
    assert table.schema.field("Tags").type == pa.string()  # what Parquet readers (the validator) expect
    assert table.schema.field("SkuPriceDetails").type == pa.string()
    assert table.schema.field("BilledCost").type == pa.decimal128(38, 12)
    tags = {r["x_BillingPeriod"] + r["ProviderName"]: r["Tags"] for r in table.to_pylist()}
    assert json.loads(tags["2026-08AWS"]) == {"team": "web"}


def test_csv_filtered_by_period_and_provider(database, tmp_path):
    out = tmp_path / "focus.csv"

    assert export_focus(database, out, "csv", period="2026-09", provider="aws") == 1

    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["ProviderName"], r["x_BillingPeriod"], r["BilledCost"]) for r in rows] == [
        ("AWS", "2026-09", "2.500000000000")]
    assert export_focus(database, out, "csv", period="2026-09") == 2
    assert export_focus(database, out, "csv", provider="Google") == 0
    # As FOCUS names the provider, or as the CLI's commands do.
    assert export_focus(database, out, "csv", provider="Microsoft") == export_focus(database, out, "csv",
                                                                                    provider="azure") == 1


def test_no_database_yet(tmp_path):
    with pytest.raises(FileNotFoundError, match="no database yet; run `finops aws import-cur`"):
        export_focus(tmp_path / "finops.duckdb", tmp_path / "out.parquet", "parquet")
