"""Azure cost details files into the raw table (openfinops.providers.azure.reader and .source), loaded
through the shared machine (`load_period`): every header spelling Azure writes, typed in DuckDB, and bad
files failing with the file, column and row named while the month's earlier import stays.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from openfinops.errors import DataFileError
from openfinops.importing.lineage import DECIMAL_SCALE, LINEAGE_COLUMNS
from openfinops.importing.loading import load_period
from openfinops.providers.azure.columns import raw_column
from openfinops.providers.azure.config import AzureExport
from openfinops.providers.azure.manifests import Manifest
from openfinops.providers.azure.reader import file_select
from openfinops.providers.azure.settings import KNOWN_COLUMNS
from openfinops.providers.azure.source import azure_costs, declared_columns
from openfinops.warehouse import state

from .azure_layouts import SHARED, cost_csv, write_run

VARIANTS = sorted((SHARED / "header-variants").glob("*.csv"))
EA_SAMPLE = SHARED / "ea-usage-sample-27rows.csv"
# Values of each file's first row: month-first dates with 4- and 2-digit years, ISO dates.
FIRST_ROW = {
    "BOM": {"subscription_id": None, "date": date(2022, 11, 3), "cost_in_billing_currency": None},
    "Enterprise": {"date": date(2021, 2, 2), "billing_period_start_date": date(2021, 5, 1),
                   "resource_group_name": "Example-Resource-Group"},
    "EnterpriseCamel": {"date": date(2021, 2, 2), "exchange_rate_date": date(2021, 3, 1),
                        "service_period_start_date": date(2021, 2, 1), "resource_group_name": "databricks"},
    "German": {"date": date(2021, 2, 2), "cost_in_billing_currency": Decimal("0.075")},
    "PayAsYouGo": {"date": date(2021, 2, 2), "resource_id": "/subscriptions/11111111-12ab-34dc-56ef-123456abcdef/"
                   "resourceGroups/Example-Resource-Group/providers/Microsoft.Network/loadBalancers/kubernetes"},
    "YA": {"date": date(2021, 2, 2), "subscription_id": "11111111-12ab-34dc-56ef-123456abcdef",
           "resource_location": "US East"},
    "ea-usage-sample-27rows": {"date": date(2023, 9, 2), "billing_period_end_date": date(2023, 9, 30)},
}


def _legacy(root: Path, export: str, source: Path) -> None:
    """The file as a legacy export (no manifest) delivers it."""
    folder = root / export / "20210201-20210228"
    folder.mkdir(parents=True)
    (folder / f"{export}_3f2a8d4c-5b6e-4f70-8a9b-0c1d2e3f4a5b.csv").write_bytes(source.read_bytes())


def _file_cost(path: Path) -> Decimal:
    """Σ of the file's cost column, read without DuckDB: Python's csv module and exact decimals, each
    value at the raw table's scale (the EA sample has costs like 6.65679E-09: 14 decimals)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        [cost] = [i for i, h in enumerate(header) if raw_column(h) == "cost_in_billing_currency"]
        return sum((Decimal(row[cost]).quantize(Decimal(1).scaleb(-DECIMAL_SCALE), ROUND_HALF_UP)
                    for row in reader if row[cost].strip()), Decimal(0))


def _rows(data_dir: Path, table: str, columns: str, where: str = "true") -> list[tuple]:
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        return con.sql(f"SELECT {columns} FROM azure_billing.{table} WHERE {where} ORDER BY ALL").fetchall()


@pytest.mark.parametrize("source", [*VARIANTS, EA_SAMPLE], ids=lambda p: p.stem)
def test_every_header_spelling_loads_with_the_files_cost(tmp_path, data_dir, source):
    root = tmp_path / "exports"
    if source == EA_SAMPLE:  # with a manifest: its row count is checked on load
        write_run(root, "ea", {"part_0_0001.csv": source.read_bytes()}, period="20230901-20230930")
    else:
        _legacy(root, "ea", source)
    export = AzureExport(name="ea", type="actual", path=str(root))
    [manifest] = export.discover()

    loaded = load_period(export, manifest, data_dir)

    with open(source, newline="", encoding="utf-8-sig") as f:
        assert loaded.rows == len(list(csv.reader(f))) - 1
    assert (loaded.cost or Decimal(0)) == _file_cost(source)
    [(rows, cost, dates)] = _rows(data_dir, "ea", "count(*), sum(cost_in_billing_currency), count(date)")
    assert (rows, cost or Decimal(0)) == (loaded.rows, _file_cost(source))
    assert dates == rows  # every row is dated
    expected = FIRST_ROW[source.stem]
    first = _rows(data_dir, "ea", ", ".join(expected), "true" if rows == 1 else "part_number = 'ABC-1234'")
    assert first == [tuple(expected.values())]
    # every header of the file became a column of the raw table (declared or not)
    selected = file_select(Path(manifest.files[0].path), manifest.files[0], manifest, loaded.import_id)
    with open(source, newline="", encoding="utf-8-sig") as f:
        assert set(selected.expressions) == {raw_column(h) for h in next(csv.reader(f))} | set(LINEAGE_COLUMNS) - {
            "source_file"}


def test_german_headers_are_read_by_their_english_names(tmp_path, data_dir):
    root = tmp_path / "exports"
    _legacy(root, "de", SHARED / "header-variants" / "German.csv")
    export = AzureExport(name="de", type="actual", path=str(root))
    [manifest] = export.discover()

    load_period(export, manifest, data_dir)

    [row] = _rows(data_dir, "de", "subscription_id, resource_group_name, resource_location, date, meter_category, "
                                  "quantity, effective_price, cost_in_billing_currency, resource_id, unit_of_measure, "
                                  "billing_currency, tags, additional_info")
    assert row == ("11111111-12ab-34dc-56ef-123456abcdef", "Example-Resource-Group", "US East", date(2021, 2, 2),
                   "Load Balancer", Decimal(3), Decimal("0.025"), Decimal("0.075"),
                   "/subscriptions/11111111-12ab-34dc-56ef-123456abcdef/resourceGroups/Example-Resource-Group/"
                   "providers/Microsoft.Network/loadBalancers/kubernetes", "100 Hours", "USD", None, None)


def test_ea_values_typed_exactly(tmp_path, data_dir):
    root = tmp_path / "exports"
    write_run(root, "ea", {"part_0_0001.csv": EA_SAMPLE.read_bytes()}, period="20230901-20230930")
    export = AzureExport(name="ea", type="actual", path=str(root))
    [manifest] = export.discover()

    load_period(export, manifest, data_dir)

    scientific = _rows(data_dir, "ea", "date, billing_period_start_date, billing_period_end_date, "
                                       "cost_in_billing_currency, payg_price, billing_currency",
                       "part_number = 'ABC-1235'")
    assert scientific == [(date(2023, 9, 2), date(2023, 9, 1), date(2023, 9, 30), Decimal("0.0000564902"),
                           Decimal("0.4"), "CAD")]
    tags = _rows(data_dir, "ea", "DISTINCT tags::VARCHAR")
    assert [json.loads(t) for (t,) in tags] == [{"tagA": "valueA", "tagB": "valueB", "tagC": "valueC"}]
    [(info,)] = _rows(data_dir, "ea", "DISTINCT json_extract_string(additional_info, '$.key')")
    assert info == "value pairs"
    # empty strings are NULL
    assert _rows(data_dir, "ea", "count(*)", "meter_region = '' OR cost_center = ''") == [(0,)]


def test_tags_without_braces_and_parquet_and_gzip_parts(tmp_path, data_dir):
    """One run of three parts in three formats' worth of spellings: ISO dates with a time, a tag list
    without braces, scientific notation; Parquet and gzip CSV."""
    root = tmp_path / "exports"
    table = pa.table({"SubscriptionId": ["s-1", "s-2"], "Date": ["2024-01-05T00:00:00Z", "2024-01-06"],
                      "CostInBillingCurrency": ["1.5E-3", "2"], "Tags": ['"a": "1","b": "2"', ""]})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    gz = gzip.compress(cost_csv(3, cost="0.5", day="1/7/24"))
    write_run(root, "mixed", {"part_0_0001.csv.gz": gz, "part_0_0002.csv.gz": gz}, run_id="csv-run")
    write_run(root, "pq", {"part_0_0001.snappy.parquet": sink.getvalue()}, run_id="pq-run")

    csv_export = AzureExport(name="mixed", type="actual", path=str(root))
    [csv_manifest] = csv_export.discover()
    assert load_period(csv_export, csv_manifest, data_dir).cost == Decimal("3.0")
    assert _rows(data_dir, "mixed", "DISTINCT date, tags::VARCHAR") == [(date(2024, 1, 7),
                                                                        '{"team": "finops","env": "prod"}')]

    pq_export = AzureExport(name="pq", type="actual", path=str(root))
    [pq_manifest] = pq_export.discover()
    assert pq_manifest.file_format == "parquet"
    assert load_period(pq_export, pq_manifest, data_dir).cost == Decimal("2.0015")
    assert _rows(data_dir, "pq", "date, cost_in_billing_currency, tags->>'b'") == [
        (date(2024, 1, 5), Decimal("0.0015"), "2"), (date(2024, 1, 6), Decimal(2), None)]


def test_two_headers_of_one_column_keep_the_first_non_null(tmp_path, data_dir):
    root = tmp_path / "exports"
    data = (b"Date,CostInBillingCurrency,ResourceGroup,ResourceGroupName\n"
            b"01/02/2024,1,rg-first,rg-second\n01/02/2024,2,,rg-only-second\n")
    write_run(root, "dup", {"part_0_0001.csv": data})
    export = AzureExport(name="dup", type="actual", path=str(root))
    [manifest] = export.discover()

    load_period(export, manifest, data_dir)

    assert _rows(data_dir, "dup", "resource_group_name") == [("rg-first",), ("rg-only-second",)]


def test_missing_required_columns_name_the_file_and_columns(tmp_path, data_dir):
    root = tmp_path / "exports"
    write_run(root, "nocost", {"part_0_0001.csv": b"Date,MeterCategory\n01/02/2024,Storage\n"})
    export = AzureExport(name="nocost", type="actual", path=str(root))
    [manifest] = export.discover()

    with pytest.raises(DataFileError, match=r"part_0_0001\.csv: missing required column\(s\) "
                                            r"cost_in_billing_currency for actual"):
        load_period(export, manifest, data_dir)


def test_declared_columns_per_type_and_one_appending_resource(tmp_path):
    manifest = Manifest(export="e", export_type="focus", billing_period="2024-01", manifest_id="r", path="m",
                        files=(), file_format="csv")
    assert set(declared_columns(manifest)) == KNOWN_COLUMNS["focus"] | set(LINEAGE_COLUMNS)
    assert declared_columns(manifest)["billed_cost"]["data_type"] == "decimal"
    assert declared_columns(manifest)["charge_period_start"]["data_type"] == "timestamp"
    actual = declared_columns(Manifest(export="e", export_type="actual", billing_period="2024-01", manifest_id="r",
                                       path="m", files=(), file_format="csv"))
    assert actual["date"]["data_type"] == "date" and actual["tags"]["data_type"] == "json"
    assert {"subscription_name", "resource_group_name", "meter_category"} <= set(actual)

    [resource] = azure_costs(manifest, "daily_focus", "i", None, tmp_path).resources.values()
    assert (resource.name, resource.write_disposition) == ("daily_focus", "append")


# --------------------------------------------------------------------------- bad input
def _good_then_bad(root: Path, data_dir: Path, bad: dict[str, bytes]) -> tuple[AzureExport, Manifest, str]:
    """Import a good run of January, then discover a newer run with `bad` parts: (export, the bad
    run's manifest, the good import's id)."""
    export = AzureExport(name="costs", type="actual", path=str(root))
    write_run(root, "costs", {"part_0_0001.csv": cost_csv(4)}, run_id="good", timestamp="202402010000",
              submitted="2024-02-01T00:00:00Z")
    [good] = export.discover()
    first = load_period(export, good, data_dir)
    write_run(root, "costs", bad, run_id="bad", timestamp="202402020000", submitted="2024-02-02T00:00:00Z",
              rows={name: 4 for name in bad})
    [manifest] = export.discover()
    assert manifest.manifest_id == "bad"
    return export, manifest, first.import_id


def _kept_good_import(data_dir: Path, import_id: str) -> None:
    record = state.read_state(data_dir / "finops.duckdb", "azure", "costs")["2024-01"]
    assert (record.manifest_id, record.import_id, record.rows_loaded) == ("good", import_id, 4)
    assert _rows(data_dir, "costs", "count(*), sum(cost_in_billing_currency)", f"import_id = '{import_id}'") == [
        (4, Decimal(5))]


def _with_cell(row: int, column: str, value: str) -> bytes:
    lines = cost_csv(4).decode().splitlines()
    header = lines[0].split(",")
    records = list(csv.reader(lines))
    records[row][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out).writerows(records)
    return out.getvalue().encode()


def test_a_corrupt_gzip_fails_and_the_month_keeps_its_rows(tmp_path, data_dir):
    damaged = gzip.compress(cost_csv(400))[:300]
    export, manifest, good = _good_then_bad(tmp_path / "exports", data_dir, {"part_0_0001.csv.gz": damaged})

    with pytest.raises(DataFileError, match=r"/bad/part_0_0001\.csv\.gz: corrupt or truncated gzip"):
        load_period(export, manifest, data_dir)
    _kept_good_import(data_dir, good)


def test_a_non_date_names_file_column_and_row(tmp_path, data_dir):
    export, manifest, good = _good_then_bad(tmp_path / "exports", data_dir,
                                            {"part_0_0001.csv": _with_cell(3, "Date", "13/45/2024")})

    with pytest.raises(DataFileError) as failed:
        load_period(export, manifest, data_dir)
    assert "bad/part_0_0001.csv: column Date, row 3: '13/45/2024' is not a date" in str(failed.value)
    _kept_good_import(data_dir, good)


def test_a_non_number_in_the_cost_names_file_column_and_row(tmp_path, data_dir):
    export, manifest, good = _good_then_bad(tmp_path / "exports", data_dir,
                                            {"part_0_0001.csv": _with_cell(2, "CostInBillingCurrency", "n/a")})

    with pytest.raises(DataFileError) as failed:
        load_period(export, manifest, data_dir)
    assert "bad/part_0_0001.csv: column CostInBillingCurrency, row 2: 'n/a' is not a decimal" in str(failed.value)
    _kept_good_import(data_dir, good)


def test_rows_differing_from_the_manifest_fail_before_the_import_is_recorded(tmp_path, data_dir):
    export, manifest, good = _good_then_bad(tmp_path / "exports", data_dir, {"part_0_0001.csv": cost_csv(3)})

    with pytest.raises(DataFileError, match=r"manifest\.json: data file costs/costs/20240101-20240131/202402020000/"
                                            r"bad/part_0_0001\.csv loaded 3 rows, the manifest says 4"):
        load_period(export, manifest, data_dir)
    _kept_good_import(data_dir, good)
