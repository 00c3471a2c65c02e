"""One data file of any AWS export type as the SELECT that reads it into the raw table
(openfinops.providers.aws.reader): raw column names and types, lineage columns, missing columns caught before
anything loads, and a value that does not fit its column reported by column, row and value.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from fsspec.implementations.local import LocalFileSystem

from openfinops.errors import DataFileError
from openfinops.importing import data_files
from openfinops.providers.aws.columns import snake_case
from openfinops.providers.aws.config import AwsExport
from openfinops.providers.aws.manifests import Manifest, discover
from openfinops.providers.aws.reader import file_select
from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2

FOCUS_ROWS = Path(__file__).resolve().parents[3] / "fixtures" / "aws" / "focus-1.0-aws-rows.csv"
ROWS = 12  # rows per period: tiny, these tests are about types, not volume

V1_HEADER = ["identity/LineItemId", "bill/PayerAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate",
             "lineItem/UnblendedCost", "lineItem/UsageAmount", "resourceTags/user:Team"]


def _manifest(root: Path, name: str, cur_version: str) -> Manifest:
    [manifest] = discover(LocalFileSystem(), str(root), AwsExport(name=name, cur_version=cur_version, path=str(root)))
    assert isinstance(manifest, Manifest), manifest
    return manifest


def _read(manifest: Manifest) -> pa.Table:
    """The file's rows as its SELECT reads them, and a failure explained, as dlt's load step would."""
    [data_file] = manifest.files
    local = Path(data_file.path)
    select = file_select(local, data_file, manifest, "import-1")
    with data_files.connection() as con:
        con.execute("SET arrow_lossless_conversion = true")  # JSON columns as Arrow's JSON type
        try:
            table = con.sql(data_files.select_sql({local: data_file.key}, select.file_format,
                                                     select.expressions)).to_arrow_table()
        except duckdb.Error as exc:
            raise data_files.explain(local, select.file_format, data_file.path, select.casts, exc) from None
    assert set(table.column("import_id").to_pylist()) <= {"import-1"}
    return table


def _write_v1(root: Path, rows: list[list[str]]) -> Path:
    """A hand-written legacy CUR report for 2026-09, one gzip CSV as AWS writes it."""
    folder = root / "rep" / "20260901-20261001"
    folder.mkdir(parents=True)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([V1_HEADER, *rows])
    data = folder / "rep-00001.csv.gz"
    data.write_bytes(gzip.compress(text.getvalue().encode()))
    (folder / "rep-Manifest.json").write_text(json.dumps({
        "assemblyId": "asm-1",
        "reportKeys": ["cur/rep/20260901-20261001/rep-00001.csv.gz"],
        "columns": [{"category": h.split("/")[0], "name": h.split("/")[1], "type": "String"} for h in V1_HEADER],
        "billingPeriod": {"start": "20260901T000000.000Z", "end": "20261001T000000.000Z"},
        "compression": "GZIP", "contentType": "text/csv",
    }))
    return data


def _v1_row(n: int, cost: str = "1.5", start: str = "2026-09-01T00:00:00Z", amount: str = "2") -> list[str]:
    return [f"li-{n}", "000123456789", "Usage", start, cost, amount, "web" if n % 2 else ""]


def test_v1_bad_decimal_names_column_row_and_value(tmp_path):
    rows = [_v1_row(n) for n in range(1, 21)]
    rows[3] = _v1_row(4, cost="", amount=" ")  # empty cells are NULL, not bad values
    rows[16] = _v1_row(17, cost="abc")
    data = _write_v1(tmp_path, rows)

    with pytest.raises(DataFileError) as error:
        _read(_manifest(tmp_path, "rep", "v1"))

    assert str(error.value) == f"{data}: column lineItem/UnblendedCost, row 17: 'abc' is not a decimal"


def test_v1_first_bad_row_wins_across_columns(tmp_path):
    rows = [_v1_row(n) for n in range(1, 11)]
    rows[8] = _v1_row(9, cost="1,5")
    rows[5] = _v1_row(6, start="yesterday")
    _write_v1(tmp_path, rows)

    with pytest.raises(DataFileError, match=r"column lineItem/UsageStartDate, row 6: 'yesterday' is not a timestamp$"):
        _read(_manifest(tmp_path, "rep", "v1"))


def test_v1_good_file_reads(tmp_path):
    rows = [_v1_row(n) for n in range(1, 6)]
    rows[1] = _v1_row(2, cost=" ", amount="")
    _write_v1(tmp_path, rows)

    assert _read(_manifest(tmp_path, "rep", "v1")).num_rows == 5


def test_v2_csv_bad_decimal_names_the_snake_case_column(tmp_path):
    write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=3000, files_per_period=1, fmt="csv")
    manifest = _manifest(tmp_path, "demo-cur2", "v2")
    [data_file] = manifest.files
    with gzip.open(data_file.path, "rt", newline="") as f:
        table = list(csv.reader(f))
    cost = table[0].index("line_item_unblended_cost")
    bad_row = len(table) - 100
    table[bad_row][cost] = "n/a"
    with gzip.open(data_file.path, "wt", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(table)

    with pytest.raises(DataFileError) as error:
        _read(manifest)

    assert str(error.value) == (f"{data_file.path}: column line_item_unblended_cost, row {bad_row}: 'n/a' "
                                "is not a decimal")


def test_missing_columns_fail_before_anything_loads(tmp_path):
    data = _write_v1(tmp_path, [_v1_row(1)])
    header, *rows = [line.split(",") for line in gzip.decompress(data.read_bytes()).decode().splitlines()]
    cost = header.index("lineItem/UnblendedCost")
    data.write_bytes(gzip.compress("".join(",".join(r[:cost] + r[cost + 1:]) + "\n" for r in [header, *rows]).encode()))
    manifest = _manifest(tmp_path, "rep", "v1")

    with pytest.raises(DataFileError, match=r"missing 1 column\(s\) the manifest declares: lineItem/UnblendedCost$"):
        file_select(data, manifest.files[0], manifest, "import-1")


def test_the_select_declares_raw_column_types_and_the_casts_by_file_column(tmp_path):
    _write_v1(tmp_path, [_v1_row(1)])
    manifest = _manifest(tmp_path, "rep", "v1")
    [data_file] = manifest.files

    select = file_select(Path(data_file.path), data_file, manifest, "import-1")

    assert select.file_format == "csv"
    assert select.columns == {"identity_line_item_id": "text", "bill_payer_account_id": "text",
                              "line_item_line_item_type": "text", "line_item_usage_start_date": "timestamp",
                              "line_item_unblended_cost": "decimal", "line_item_usage_amount": "decimal",
                              "resource_tags": "json"}  # the lineage columns are the resource's
    assert select.casts == {"identity/LineItemId": "text", "bill/PayerAccountId": "text",
                            "lineItem/LineItemType": "text", "lineItem/UsageStartDate": "timestamp",
                            "lineItem/UnblendedCost": "decimal", "lineItem/UsageAmount": "decimal",
                            "resourceTags/user:Team": "text"}  # folded into resource_tags, read as text


# --------------------------------------------------------------------------- every export type, typed
def test_focus_export(tmp_path, write_focus_export):
    write_focus_export(tmp_path)
    manifest = _manifest(tmp_path, "focus-daily", "focus")

    table = _read(manifest)

    expected = duckdb.sql(f"SELECT * FROM read_csv('{FOCUS_ROWS}', all_varchar=true, nullstr='NULL') ORDER BY Id")
    assert table.num_rows == len(expected.fetchall()) == 10
    names = set(table.column_names)
    assert {"billed_cost", "charge_period_start", "charge_period_end", "billing_account_id", "sku_price_id",
            "sub_account_id", "tags", "x_service_code", "x_usage_type"} <= names
    assert not {"BilledCost", "Tags", "x_ServiceCode"} & names
    schema = table.schema
    for name in ("billed_cost", "effective_cost", "list_cost", "contracted_cost", "list_unit_price",
                 "pricing_quantity", "consumed_quantity"):
        assert schema.field(name).type == pa.decimal128(38, 12), name
    assert pa.types.is_timestamp(schema.field("charge_period_start").type)
    assert schema.field("charge_period_start").type.tz == "UTC"
    assert schema.field("tags").type == pa.json_()
    assert schema.field("billing_account_id").type == pa.string()

    rows = {r["sku_price_id"] or r["sku_id"]: r for r in table.to_pylist()}
    sqs = rows["G95FST5FTYV3JSRX.JRTCKXETXF.VXGXCWQKTY"]
    assert sqs["billed_cost"] == Decimal("0.0000008")
    assert sqs["tags"] is None
    assert sqs["charge_period_start"].isoformat() == "2024-09-18T22:00:00+00:00"
    elb = rows["2ETY8Y426S4237JU.JRTCKXETXF.6YS6EN2CT7"]
    assert json.loads(elb["tags"]) == {"application": "BrightLensMatrix", "environment": "dev",
                                       "business_unit": "ViennaAI"}
    credit = rows["S78KHHH96AJF23KZ"]
    assert credit["charge_category"] == "Credit" and credit["billed_cost"] == Decimal("-2.6137")
    assert sum(r["billed_cost"] for r in rows.values()) == sum(
        Decimal(v) for (v,) in duckdb.sql(f"SELECT BilledCost FROM read_csv('{FOCUS_ROWS}', all_varchar=true)"
                                          ).fetchall())
    # Lineage columns on every row.
    assert set(table.column("billing_period").to_pylist()) == {"2024-09"}
    assert set(table.column("manifest_id").to_pylist()) == {"0b7f3c1e-focus-exec-1"}
    assert set(table.column("source_file").to_pylist()) == {manifest.files[0].key}


def test_no_column_from_the_partition_folder(tmp_path, write_focus_export):
    write_focus_export(tmp_path)
    manifest = _manifest(tmp_path, "focus-daily", "focus")

    table = _read(manifest)

    header = [c["name"] for c in manifest.raw["columns"]]
    lineage = ["billing_period", "manifest_id", "source_file", "import_id"]
    assert sorted(table.column_names) == sorted([snake_case(h) for h in header] + lineage)


def test_v1_csv_folds_tags_and_types_columns(tmp_path):
    write_cur_v1(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1, delivery="overwrite")
    manifest = _manifest(tmp_path, "demo-cur-v1", "v1")

    table = _read(manifest)

    schema = table.schema
    assert schema.field("line_item_unblended_cost").type == pa.decimal128(38, 12)
    assert schema.field("line_item_usage_start_date").type == pa.timestamp("us", tz="UTC")
    assert schema.field("bill_payer_account_id").type == pa.string()
    assert schema.field("resource_tags").type == pa.json_()
    assert not [n for n in table.column_names if "/" in n or ":" in n]
    assert set(table.column("bill_payer_account_id").to_pylist()) == {"012345678901"}  # leading zero kept
    tags = [json.loads(t) for t in table.column("resource_tags").to_pylist() if t is not None]
    assert tags and all(t and all(v for v in t.values()) for t in tags)  # empty tags are left out
    assert any("user_Team" in t for t in tags)
    assert set(table.column("billing_period").to_pylist()) == {"2026-09"}
    assert set(table.column("manifest_id").to_pylist()) == {manifest.manifest_id}


def test_v2_csv(tmp_path):
    write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1, fmt="csv")
    manifest = _manifest(tmp_path, "demo-cur2", "v2")

    table = _read(manifest)

    assert table.schema.field("line_item_usage_start_date").type == pa.timestamp("us", tz="UTC")


def test_hand_written_v1_csv_empty_cells_are_null(tmp_path):
    """A legacy CUR CSV as AWS writes it: quoted and unquoted empty cells are NULL in every column type."""
    folder = tmp_path / "rep" / "20260901-20261001"
    folder.mkdir(parents=True)
    header = ["identity/LineItemId", "bill/PayerAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate",
              "lineItem/UnblendedCost", "lineItem/UsageAmount", "product/servicecode", "resourceTags/user:Team"]
    lines = [
        ",".join(f'"{h}"' for h in header),
        '"a1","000123456789","Usage","2026-09-01T00:00:00Z","0.0000000001","2","AmazonEC2","web"',
        '"a2","000123456789","Tax","2026-09-01T00:00:00Z","1.5","","",""',
        'a3,000123456789,Credit,2026-09-03T00:00:00Z,-2,,,',
    ]
    with gzip.open(folder / "rep-00001.csv.gz", "wt") as out:
        out.write("\n".join(lines) + "\n")
    manifest = {
        "assemblyId": "asm-1",
        "reportKeys": ["bucket-prefix/rep/20260901-20261001/rep-00001.csv.gz"],
        "columns": [{"category": h.split("/")[0], "name": h.split("/")[1], "type": "String"} for h in header],
        "billingPeriod": {"start": "20260901T000000.000Z", "end": "20261001T000000.000Z"},
        "compression": "GZIP", "contentType": "text/csv",
    }
    (folder / "rep-Manifest.json").write_text(json.dumps(manifest))

    table = _read(_manifest(tmp_path, "rep", "v1"))

    rows = {r["identity_line_item_id"]: r for r in table.to_pylist()}
    assert rows["a1"]["line_item_unblended_cost"] == Decimal("1E-10")
    assert rows["a1"]["bill_payer_account_id"] == "000123456789"
    assert json.loads(rows["a1"]["resource_tags"]) == {"user_Team": "web"}
    for line_item in ("a2", "a3"):
        assert rows[line_item]["line_item_usage_amount"] is None
        assert rows[line_item]["product_servicecode"] is None
        assert rows[line_item]["resource_tags"] is None
    assert rows["a3"]["line_item_unblended_cost"] == Decimal("-2")
    assert set(table.column("source_file").to_pylist()) == {"bucket-prefix/rep/20260901-20261001/rep-00001.csv.gz"}
