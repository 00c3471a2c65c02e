"""One data file as a typed Parquet file for dlt (openfinops.importing.parquet): DuckDB reads, casts and
writes; a file that cannot be read or cast fails with one line naming the file, column, row and value."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from openfinops.errors import DataFileError
from openfinops.importing import parquet
from openfinops.importing.sql import cast, quote

DISPLAY = "s3://bucket/cur/part-0.csv.gz"  # how the provider names the file; the local copy is elsewhere
TYPES = {"line_id": "text", "cost": "decimal", "usage_start": "timestamp"}


def _csv_gz(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode()))
    return path


def _expressions(columns: dict[str, str]) -> dict[str, str]:
    """Raw column -> SQL: each file column cast to its type (the provider's select list does this)."""
    return {name: cast(quote(name), source_type, TYPES[name]) for name, source_type in columns.items()}


def _write(local: Path, out: Path, layout: dict[str, str] | None = None, file_format: str = "csv") -> int:
    with parquet.connection() as con:
        columns = parquet.file_columns(con, local, file_format, DISPLAY)
        expressions = _expressions(columns)
        expressions.update(parquet.lineage_values("2026-09", "exec-1", "cur/part-0.csv.gz", "import-1"))
        return parquet.write_parquet(con, local, file_format, DISPLAY, expressions, TYPES, layout or {}, out,
                                     raw_name=lambda column: column)


def test_csv_columns_are_read_as_text_in_file_order(tmp_path):
    local = _csv_gz(tmp_path / "part-0.csv.gz", "line_id,cost,usage_start\n000123,1.50,2026-09-01T00:00:00Z\n")

    with parquet.connection() as con:
        assert parquet.file_columns(con, local, "csv", DISPLAY) == {
            "line_id": "VARCHAR", "cost": "VARCHAR", "usage_start": "VARCHAR"}  # no sniffing: ids keep zeros


def test_parquet_columns_keep_their_types(tmp_path):
    local = tmp_path / "part-0.parquet"
    pq.write_table(pa.table({"cost": pa.array([Decimal("1.5")], pa.decimal128(18, 3)), "n": [1]}), local)

    with parquet.connection() as con:
        assert parquet.file_columns(con, local, "parquet", DISPLAY) == {"cost": "DECIMAL(18,3)", "n": "BIGINT"}


def test_partition_folders_are_not_columns(tmp_path):
    local = _csv_gz(tmp_path / "BILLING_PERIOD=2026-09" / "part-0.csv.gz", "line_id\nx\n")

    with parquet.connection() as con:
        assert list(parquet.file_columns(con, local, "csv", DISPLAY)) == ["line_id"]


def test_rows_are_written_typed_with_lineage_in_the_tables_column_order(tmp_path):
    local = _csv_gz(tmp_path / "part-0.csv.gz",
                    "line_id,cost,usage_start\n000123,1.50,2026-09-01T00:00:00Z\n000124,,2026-09-02T01:00:00Z\n")
    out = tmp_path / "out.parquet"
    layout = {"billing_period": "VARCHAR", "cost": "DECIMAL(38,12)", "gone_column": "DECIMAL(38,12)"}

    rows = _write(local, out, layout)

    table = pq.read_table(out)
    assert rows == table.num_rows == 2
    assert table.column_names == ["billing_period", "cost", "gone_column", "line_id", "usage_start", "manifest_id",
                                  "source_file", "import_id"]
    assert table.schema.field("cost").type == pa.decimal128(38, 12)
    assert table.schema.field("gone_column").type == pa.decimal128(38, 12)
    assert table.schema.field("usage_start").type == pa.timestamp("us", tz="UTC")
    assert table.column("line_id").to_pylist() == ["000123", "000124"]
    assert table.column("cost").to_pylist() == [Decimal("1.5"), None]
    assert table.column("gone_column").null_count == 2
    assert set(table.column("source_file").to_pylist()) == {"cur/part-0.csv.gz"}


def test_a_bad_value_is_named_by_column_row_and_value(tmp_path):
    lines = [f"l{n},{n},2026-09-01" for n in range(1, 11)]
    lines[6] = 'l7,"1,5",2026-09-01'
    lines[3] = "l4, ,2026-09-01"  # an empty cell is NULL, not a bad value
    local = _csv_gz(tmp_path / "part-0.csv.gz", "line_id,cost,usage_start\n" + "\n".join(lines) + "\n")
    out = tmp_path / "out.parquet"

    with pytest.raises(DataFileError) as info:
        _write(local, out)

    assert str(info.value) == f"{DISPLAY}: column cost, row 7: '1,5' is not a decimal"
    assert not out.exists()


def test_the_first_bad_row_wins_across_columns(tmp_path):
    local = _csv_gz(tmp_path / "part-0.csv.gz", "line_id,cost,usage_start\nl1,1,2026-09-01\nl2,2,yesterday\n"
                                                "l3,abc,2026-09-01\n")

    with pytest.raises(DataFileError, match=r"column usage_start, row 2: 'yesterday' is not a timestamp$"):
        _write(local, tmp_path / "out.parquet")


def test_a_truncated_gzip_is_named_as_such(tmp_path):
    whole = gzip.compress(b"line_id,cost,usage_start\n" + b"l1,1,2026-09-01\n" * 20000)
    local = tmp_path / "part-0.csv.gz"
    local.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(DataFileError, match=rf"^{DISPLAY}: corrupt or truncated gzip file"):
        _write(local, tmp_path / "out.parquet")


def test_an_unreadable_file_names_the_providers_path_not_the_local_copy(tmp_path):
    local = tmp_path / "part-0.parquet"
    local.write_bytes(b"PAR1 this is no parquet file")

    with pytest.raises(DataFileError) as info:
        _write(local, tmp_path / "out.parquet", file_format="parquet")

    assert str(info.value).startswith(f"{DISPLAY}: ")
    assert str(local) not in str(info.value)


def test_lineage_values_are_sql_literals():
    assert parquet.lineage_values("2026-09", "exec'1", "cur/a.csv", "import-1") == {
        "billing_period": "'2026-09'", "manifest_id": "'exec''1'", "source_file": "'cur/a.csv'",
        "import_id": "'import-1'"}


def test_connection_reads_timestamps_in_utc():
    with parquet.connection() as con:
        assert con.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
