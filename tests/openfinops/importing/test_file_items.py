"""A manifest's data files as dlt items (openfinops.importing.file_items): each file written as typed Parquet
by the provider's writer and handed to dlt as it is, one at a time."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fsspec.implementations.local import LocalFileSystem

from openfinops import progress
from openfinops.importing.exports import DataFile
from openfinops.importing.file_items import parquet_items
from openfinops.importing.loading import run_pipeline

from .fakes import FakeManifest, write_file


def _writer(calls: list):
    """A provider's file writer: the CSV's rows as Parquet, cost as a decimal; a `region` column from file 1 on."""
    def write(local: Path, file: DataFile, out: Path, layout: dict[str, str]) -> tuple[int, dict[str, str]]:
        calls.append((local, file.key, dict(layout)))
        rows = [line.split(",") for line in local.read_text().splitlines()[1:]]
        columns = {"line_id": pa.array([r[0] for r in rows]),
                   "cost": pa.array([Decimal(r[1]) for r in rows], pa.decimal128(38, 12))}
        types = {"line_id": "text", "cost": "decimal"}
        if not file.key.endswith("part-0.csv"):
            columns["region"] = pa.array(["eu-west-1"] * len(rows))
            types["region"] = "text"
        pq.write_table(pa.table(columns), out)
        return len(rows), types
    return write


@pytest.fixture
def delivery(tmp_path) -> FakeManifest:
    files = (write_file(tmp_path / "export", "p/part-0.csv", [("a", "1.5"), ("b", "2")]),
             write_file(tmp_path / "export", "p/part-1.csv", [("c", "0.25")]))
    return FakeManifest("2026-09", "exec-1", files)


def test_files_are_written_and_handed_over_one_at_a_time(tmp_path, delivery, monkeypatch):
    reports = []
    monkeypatch.setattr(progress, "_reporter", lambda **counts: reports.append(counts))
    calls, layout, scratch = [], {"line_id": "VARCHAR"}, tmp_path / "scratch"

    items = parquet_items(delivery, LocalFileSystem(), scratch, layout, _writer(calls))

    first = next(items)
    assert first.meta.file_path == str(scratch / "2026-09-part-0.csv.parquet")
    assert first.meta.file_format == "parquet"
    assert first.meta.metrics.items_count == 2
    assert first.meta.hints["columns"]["cost"] == {"name": "cost", "data_type": "decimal", "precision": 38,
                                                   "scale": 12, "nullable": True}
    assert pq.read_table(first.meta.file_path).num_rows == 2
    assert calls == [(Path(delivery.files[0].path), "p/part-0.csv", {"line_id": "VARCHAR"})]
    assert layout == {"line_id": "VARCHAR", "cost": "DECIMAL(38,12)"}  # the file's new columns, in order

    second = next(items)
    assert not Path(first.meta.file_path).exists()  # dlt has taken it
    assert calls[1][2] == {"line_id": "VARCHAR", "cost": "DECIMAL(38,12)"}  # the next file matches the layout
    assert layout == {"line_id": "VARCHAR", "cost": "DECIMAL(38,12)", "region": "VARCHAR"}
    assert set(second.meta.hints["columns"]) == {"line_id", "cost", "region"}
    assert reports == [{"files": 1, "bytes": delivery.files[0].size, "rows": 2}]

    assert list(items) == []
    assert reports[1] == {"files": 1, "bytes": delivery.files[1].size, "rows": 1}
    assert list(scratch.iterdir()) == []


def test_the_files_load_through_dlt(tmp_path, delivery, data_dir):
    resource = dlt.resource(parquet_items(delivery, LocalFileSystem(), tmp_path / "scratch", {}, _writer([])),
                            name="costs", write_disposition="append")

    run_pipeline(resource, pipeline_name="acme__costs", database=data_dir / "finops.duckdb", dataset="acme_billing",
                 pipelines_dir=data_dir / "tmp" / "dlt")

    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert con.execute("SELECT line_id, cost, region FROM acme_billing.costs ORDER BY 1").fetchall() == [
            ("a", Decimal("1.5"), None), ("b", Decimal("2"), None), ("c", Decimal("0.25"), "eu-west-1")]
        assert dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                "WHERE table_name = 'costs'").fetchall())["cost"] == "DECIMAL(38,12)"
    assert list((tmp_path / "scratch").iterdir()) == []
