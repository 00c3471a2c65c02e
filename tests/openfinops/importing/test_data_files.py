"""One data file as DuckDB reads it (openfinops.importing.data_files): its columns, the SELECT that types its rows,
and a file that cannot be read or cast explained in one line naming the file, column, row and value."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from openfinops.errors import DataFileError
from openfinops.importing import data_files
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


def _read(local: Path, file_format: str = "csv") -> pa.Table:
    """The file's rows as its SELECT reads them, in a connection of its own as dlt's load step would."""
    with data_files.connection() as con:
        columns = data_files.file_columns(con, local, file_format, DISPLAY)
    expressions = _expressions(columns)
    expressions.update(data_files.lineage_values("2026-09", "exec-1", "import-1"))
    sql = data_files.select_sql({local: "cur/part-0.csv.gz"}, file_format, expressions)
    with data_files.connection() as load:
        try:
            return load.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise data_files.explain(local, file_format, DISPLAY, TYPES, exc) from None


def test_csv_columns_are_read_as_text_in_file_order(tmp_path):
    local = _csv_gz(tmp_path / "part-0.csv.gz", "line_id,cost,usage_start\n000123,1.50,2026-09-01T00:00:00Z\n")

    with data_files.connection() as con:
        assert data_files.file_columns(con, local, "csv", DISPLAY) == {
            "line_id": "VARCHAR", "cost": "VARCHAR", "usage_start": "VARCHAR"}  # no sniffing: ids keep zeros


def test_parquet_columns_keep_their_types(tmp_path):
    local = tmp_path / "part-0.parquet"
    pq.write_table(pa.table({"cost": pa.array([Decimal("1.5")], pa.decimal128(18, 3)), "n": [1]}), local)

    with data_files.connection() as con:
        assert data_files.file_columns(con, local, "parquet", DISPLAY) == {"cost": "DECIMAL(18,3)", "n": "BIGINT"}


def test_partition_folders_are_not_columns(tmp_path):
    local = _csv_gz(tmp_path / "BILLING_PERIOD=2026-09" / "part-0.csv.gz", "line_id\nx\n")

    with data_files.connection() as con:
        assert list(data_files.file_columns(con, local, "csv", DISPLAY)) == ["line_id"]


def test_rows_are_read_typed_with_lineage(tmp_path):
    local = _csv_gz(tmp_path / "part-0.csv.gz",
                    "line_id,cost,usage_start\n000123,1.50,2026-09-01T00:00:00Z\n000124,,2026-09-02T01:00:00Z\n")

    table = _read(local)

    assert table.column_names == ["line_id", "cost", "usage_start", "billing_period", "manifest_id", "import_id",
                                  "source_file"]
    assert table.schema.field("cost").type == pa.decimal128(38, 12)
    assert table.schema.field("usage_start").type == pa.timestamp("us", tz="UTC")
    assert table.column("line_id").to_pylist() == ["000123", "000124"]
    assert table.column("cost").to_pylist() == [Decimal("1.5"), None]
    assert set(table.column("source_file").to_pylist()) == {"cur/part-0.csv.gz"}


def test_a_bad_value_is_named_by_column_row_and_value(tmp_path):
    lines = [f"l{n},{n},2026-09-01" for n in range(1, 11)]
    lines[6] = 'l7,"1,5",2026-09-01'
    lines[3] = "l4, ,2026-09-01"  # an empty cell is NULL, not a bad value
    local = _csv_gz(tmp_path / "part-0.csv.gz", "line_id,cost,usage_start\n" + "\n".join(lines) + "\n")

    with pytest.raises(DataFileError) as info:
        _read(local)

    assert str(info.value) == f"{DISPLAY}: column cost, row 7: '1,5' is not a decimal"


def test_the_first_bad_row_wins_across_columns(tmp_path):
    local = _csv_gz(tmp_path / "part-0.csv.gz", "line_id,cost,usage_start\nl1,1,2026-09-01\nl2,2,yesterday\n"
                                                "l3,abc,2026-09-01\n")

    with pytest.raises(DataFileError, match=r"column usage_start, row 2: 'yesterday' is not a timestamp$"):
        _read(local)


def test_a_truncated_gzip_is_named_as_such(tmp_path):
    whole = gzip.compress(b"line_id,cost,usage_start\n" + b"l1,1,2026-09-01\n" * 20000)
    local = tmp_path / "part-0.csv.gz"
    local.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(DataFileError, match=rf"^{DISPLAY}: corrupt or truncated gzip file"):
        _read(local)


def test_an_unreadable_file_names_the_providers_path_not_the_local_copy(tmp_path):
    local = tmp_path / "part-0.parquet"
    local.write_bytes(b"PAR1 this is no parquet file")

    with pytest.raises(DataFileError) as info:
        _read(local, file_format="parquet")

    assert str(info.value).startswith(f"{DISPLAY}: ")
    assert str(local) not in str(info.value)


def test_lineage_values_are_sql_literals():
    assert data_files.lineage_values("2026-09", "exec'1", "import-1") == {
        "billing_period": "'2026-09'", "manifest_id": "'exec''1'", "import_id": "'import-1'"}


def test_one_select_reads_files_alike_each_row_naming_its_file(tmp_path):
    first = _csv_gz(tmp_path / "a" / "part-0.csv.gz", "line_id,cost,usage_start\n1,1.50,2026-09-01T00:00:00Z\n")
    second = _csv_gz(tmp_path / "b" / "part-0.csv.gz",
                     "line_id,cost,usage_start\n2,,2026-09-02T00:00:00Z\n3,-0.25,2026-09-03T00:00:00Z\n")
    with data_files.connection() as con:
        expressions = _expressions(data_files.file_columns(con, first, "csv", DISPLAY))
        sql = data_files.select_sql({first: "cur/a/part-0.csv.gz", second: "cur/b/part-0.csv.gz"}, "csv", expressions)
        rows = con.sql(f"SELECT line_id, cost, source_file FROM ({sql}) ORDER BY line_id").fetchall()
        columns = con.sql(sql).columns

    assert rows == [("1", Decimal("1.5"), "cur/a/part-0.csv.gz"), ("2", None, "cur/b/part-0.csv.gz"),
                    ("3", Decimal("-0.25"), "cur/b/part-0.csv.gz")]
    assert columns == [*expressions, "source_file"]  # the file's path is no raw column


def test_connection_reads_timestamps_in_utc():
    with data_files.connection() as con:
        assert con.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
