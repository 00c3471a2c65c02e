"""A manifest's data files as dlt items (openfinops.importing.file_items): one SQL model per set of files alike,
run by dlt's load step in the destination DuckDB, and a file whose load fails named with what is wrong with it."""

from __future__ import annotations

import gzip
import os
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import fsspec
import pytest
from fsspec.implementations.local import LocalFileSystem

from openfinops import progress
from openfinops.errors import DataFileError
from openfinops.importing.exports import DataFile
from openfinops.importing.file_items import FileSelect, failed_file, model_items
from openfinops.importing.lineage import lineage_hints
from openfinops.importing.loading import run_pipeline

from .fakes import FakeManifest, read_costs


def _read(local: Path, file: DataFile) -> FileSelect:
    return read_costs(local, file, FakeManifest("2026-09", "exec-1"), "import-1")


def _file(fs: fsspec.AbstractFileSystem, path: str, key: str, text: str) -> DataFile:
    fs.makedirs(os.path.dirname(path), exist_ok=True)
    fs.pipe(path, text.encode())
    return DataFile(key=key, path=path, size=len(text), etag=None)


@pytest.fixture
def memory_fs():
    """A remote filesystem stand-in: files there must be downloaded first."""
    fs = fsspec.filesystem("memory", skip_instance_cache=True)
    fs.store.clear()
    yield fs
    fs.store.clear()


def _delivery(fs: fsspec.AbstractFileSystem, root: str, second_cost: str = "0.25") -> FakeManifest:
    """Two files; the second adds a `region` column."""
    return FakeManifest("2026-09", "exec-1", (
        _file(fs, f"{root}/p/part-0.csv", "p/part-0.csv", "line_id,cost\na,1.5\nb,2\n"),
        _file(fs, f"{root}/p/part-1.csv", "p/part-1.csv", f"line_id,cost,region\nc,{second_cost},eu-west-1\n")))


def _alike(fs: fsspec.AbstractFileSystem, root: str, third_cost: str = "-0.5") -> FakeManifest:
    """Three files with the same columns, as a provider usually splits a period."""
    return FakeManifest("2026-09", "exec-1", tuple(
        _file(fs, f"{root}/p/part-{n}.csv", f"p/part-{n}.csv", f"line_id,cost\n{n}a,1.5\n{n}b,{cost}\n")
        for n, cost in enumerate(["0", "2", third_cost])))


def _load(delivery: FakeManifest, fs: fsspec.AbstractFileSystem, scratch: Path, data_dir: Path) -> None:
    resource = dlt.resource(model_items(delivery, fs, scratch, _read), name="costs", write_disposition="append",
                            columns=lineage_hints())
    run_pipeline(resource, pipeline_name="acme__costs", database=data_dir / "finops.duckdb", dataset="acme_billing",
                 pipelines_dir=data_dir / "tmp" / "dlt", scratch=scratch)


def _rows(data_dir: Path, columns: str = "line_id, cost, region, source_file") -> list[tuple]:
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        return con.execute(f"SELECT {columns} FROM acme_billing.costs ORDER BY 1").fetchall()


def test_files_with_other_columns_are_sql_models_of_their_own_over_their_local_copies(tmp_path, memory_fs,
                                                                                       monkeypatch):
    reports = []
    monkeypatch.setattr(progress, "_reporter", lambda **counts: reports.append(counts))
    delivery, scratch = _delivery(memory_fs, "/bucket"), tmp_path / "scratch"

    first, second = model_items(delivery, memory_fs, scratch, _read)

    assert first.meta.file_format == "model"
    model = Path(first.meta.file_path)
    assert model.read_text().startswith("dialect: duckdb\nSELECT ")
    assert str(scratch / "0" / "part-0.csv") in model.read_text()  # the download, read at load
    assert str(scratch / "1" / "part-1.csv") not in model.read_text()
    assert first.meta.hints["columns"]["cost"] == {"name": "cost", "data_type": "decimal", "precision": 38,
                                                   "scale": 12, "nullable": True}
    assert set(second.meta.hints["columns"]) == {"line_id", "cost", "region"}
    assert str(scratch / "1" / "part-1.csv") in Path(second.meta.file_path).read_text()
    assert reports == [{"files": 1, "bytes": f.size, "rows": 0} for f in delivery.files]
    # dlt loads after the source is done: the downloads stay until the caller deletes `scratch`
    assert (scratch / "0" / "part-0.csv").exists() and (scratch / "1" / "part-1.csv").exists()
    assert model.exists()


def test_files_alike_are_one_sql_model(tmp_path, memory_fs, data_dir):
    delivery, scratch = _alike(memory_fs, "/bucket"), tmp_path / "scratch"

    [model] = model_items(delivery, memory_fs, scratch, _read)

    assert all(str(scratch / str(n) / f"part-{n}.csv") in Path(model.meta.file_path).read_text() for n in range(3))
    _load(delivery, memory_fs, tmp_path / "load", data_dir)
    assert _rows(data_dir, "line_id, cost, source_file") == [(f"{n}{x}", Decimal(cost), f"p/part-{n}.csv")
                               for n, costs in enumerate([("1.5", "0"), ("1.5", "2"), ("1.5", "-0.5")])
                               for x, cost in zip("ab", costs)]


def test_a_local_file_is_read_where_it_is(tmp_path):
    delivery, scratch = _delivery(LocalFileSystem(), str(tmp_path / "export")), tmp_path / "scratch"

    first = next(model_items(delivery, LocalFileSystem(), scratch, _read))

    assert f"'{delivery.files[0].path}'" in Path(first.meta.file_path).read_text()
    assert not (scratch / "0" / "part-0.csv").exists()


def test_the_files_load_through_dlt_into_one_table(tmp_path, memory_fs, data_dir):
    _load(_delivery(memory_fs, "/bucket"), memory_fs, tmp_path / "scratch", data_dir)

    assert _rows(data_dir) == [("a", Decimal("1.5"), None, "p/part-0.csv"), ("b", Decimal("2"), None, "p/part-0.csv"),
                               ("c", Decimal("0.25"), "eu-west-1", "p/part-1.csv")]
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        columns = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_name = 'costs' ORDER BY ordinal_position").fetchall()
    # dlt's own load id is not added: the import id says which load a row came from
    assert [name for name, _ in columns] == ["billing_period", "manifest_id", "source_file", "import_id", "line_id",
                                             "cost", "region"]
    assert dict(columns)["cost"] == "DECIMAL(38,12)"


def test_a_value_that_does_not_cast_fails_the_load_naming_the_file(tmp_path, memory_fs, data_dir):
    _load(_delivery(memory_fs, "/first"), memory_fs, tmp_path / "first", data_dir)
    before = _rows(data_dir)

    with pytest.raises(DataFileError) as info:
        _load(_delivery(memory_fs, "/bucket", second_cost="n/a"), memory_fs, tmp_path / "scratch", data_dir)

    assert str(info.value) == "/bucket/p/part-1.csv: column cost, row 1: 'n/a' is not a decimal"
    assert [row for row in _rows(data_dir) if row[3] == "p/part-1.csv"] == [
        row for row in before if row[3] == "p/part-1.csv"]  # the bad file's rows never landed


def test_a_value_that_does_not_cast_in_files_alike_names_its_file(tmp_path, memory_fs, data_dir):
    with pytest.raises(DataFileError) as info:
        _load(_alike(memory_fs, "/bucket", third_cost="n/a"), memory_fs, tmp_path / "scratch", data_dir)

    assert str(info.value) == "/bucket/p/part-2.csv: column cost, row 2: 'n/a' is not a decimal"


def test_a_damaged_file_among_files_alike_is_named(tmp_path, data_dir):
    delivery = _alike(LocalFileSystem(), str(tmp_path / "export"))
    gzipped = []
    for file in delivery.files:  # as gzip CSV, the last one cut short
        path = Path(file.path + ".gz")
        data = gzip.compress(Path(file.path).read_bytes() * 2000)
        path.write_bytes(data if file is not delivery.files[-1] else data[: len(data) // 2])
        gzipped.append(DataFile(key=file.key + ".gz", path=str(path), size=path.stat().st_size, etag=None))

    with pytest.raises(DataFileError) as info:
        _load(FakeManifest("2026-09", "exec-1", tuple(gzipped)), LocalFileSystem(), tmp_path / "scratch", data_dir)

    assert str(info.value).startswith(f"{gzipped[-1].path}: ")
    assert str(tmp_path / "scratch") not in str(info.value)


def test_failed_file_is_none_for_sql_that_reads_none_of_the_files(tmp_path, memory_fs):
    scratch = tmp_path / "scratch"
    list(model_items(_delivery(memory_fs, "/bucket"), memory_fs, scratch, _read))

    assert failed_file(scratch, "SELECT 1 AS one", duckdb.ConversionException("no")) is None
