"""Reading one data file: a value that does not fit its column is reported by column, row and value."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem

from openfinops.providers.aws.config import AwsExport
from openfinops.errors import DataFileError
from openfinops.providers.aws.manifests import Manifest, discover
from openfinops.providers.aws.reader import write_parquet
from openfinops.samples.aws_cur import write_cur_v2

V1_HEADER = ["identity/LineItemId", "bill/PayerAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate",
             "lineItem/UnblendedCost", "lineItem/UsageAmount", "resourceTags/user:Team"]


def _manifest(root: Path, name: str, cur_version: str) -> Manifest:
    [manifest] = discover(LocalFileSystem(), str(root), AwsExport(name=name, cur_version=cur_version, path=str(root)))
    assert isinstance(manifest, Manifest), manifest
    return manifest


def _write(manifest: Manifest, out: Path) -> int:
    [data_file] = manifest.files
    rows, _ = write_parquet(Path(data_file.path), data_file, manifest, "import-1", out, layout={})
    return rows


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
        _write(_manifest(tmp_path, "rep", "v1"), tmp_path / "out.parquet")

    assert str(error.value) == f"{data}: column lineItem/UnblendedCost, row 17: 'abc' is not a decimal"
    assert not (tmp_path / "out.parquet").exists()


def test_v1_first_bad_row_wins_across_columns(tmp_path):
    rows = [_v1_row(n) for n in range(1, 11)]
    rows[8] = _v1_row(9, cost="1,5")
    rows[5] = _v1_row(6, start="yesterday")
    _write_v1(tmp_path, rows)

    with pytest.raises(DataFileError, match=r"column lineItem/UsageStartDate, row 6: 'yesterday' is not a timestamp$"):
        _write(_manifest(tmp_path, "rep", "v1"), tmp_path / "out.parquet")


def test_v1_good_file_reads(tmp_path):
    rows = [_v1_row(n) for n in range(1, 6)]
    rows[1] = _v1_row(2, cost=" ", amount="")
    _write_v1(tmp_path, rows)

    assert _write(_manifest(tmp_path, "rep", "v1"), tmp_path / "out.parquet") == 5


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
        _write(manifest, tmp_path / "out.parquet")

    assert str(error.value) == (f"{data_file.path}: column line_item_unblended_cost, row {bad_row}: 'n/a' "
                                "is not a decimal")
