"""A billing export of a made-up provider, `acme`, for testing the import machine without AWS.

Its data files are small CSVs (line_id, cost, and from some files on, region) in a local folder; its
dlt source hands each to dlt as the SQL model that reads it, with the lineage columns, into the raw
table `acme_billing.<export>`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import dlt
from fsspec.implementations.local import LocalFileSystem

from openfinops.importing import data_files
from openfinops.importing.exports import BrokenManifest, DataFile, DeliveredFiles
from openfinops.importing.file_items import FileSelect, model_items
from openfinops.importing.lineage import column_hint, lineage_hints
from openfinops.importing.sql import cast, quote

KINDS = {"line_id": "text", "cost": "decimal", "region": "text"}  # dlt data types of acme's columns


@dataclass(frozen=True)
class FakeManifest(DeliveredFiles):
    billing_period: str
    manifest_id: str
    files: tuple[DataFile, ...] = ()
    path: str = "acme/manifest.json"
    written_at: float = 0.0


@dataclass(frozen=True)
class FakeExport:
    name: str = "acme-costs"
    provider: str = "acme"
    dataset: str = "acme_billing"
    location: str = "acme://test"
    manifests: tuple[FakeManifest | BrokenManifest, ...] = field(default=(), compare=False)

    @property
    def table_name(self) -> str:
        return self.name.replace("-", "_")

    @property
    def source_format(self) -> str:
        return "csv"

    @property
    def cost_column(self) -> str:
        return "cost"

    def discover(self) -> list[FakeManifest | BrokenManifest]:
        return list(self.manifests)

    def dlt_source(self, manifest: FakeManifest, import_id: str, scratch: Path) -> dlt.sources.DltSource:
        return acme_costs(manifest, self.table_name, import_id, scratch)


@dlt.source(name="acme", max_table_nesting=0)
def acme_costs(manifest: FakeManifest, table_name: str, import_id: str, scratch: Path) -> dlt.sources.DltResource:
    """Rows of one billing period of an acme export, appended to `table_name` with `import_id`."""
    def read(local: Path, file: DataFile) -> FileSelect:
        return read_costs(local, file, manifest, import_id)

    return dlt.resource(model_items(manifest, LocalFileSystem(), scratch, read), name=table_name,
                        write_disposition="append",
                        columns={"line_id": column_hint("text"), "cost": column_hint("decimal"), **lineage_hints()})


def read_costs(local: Path, file: DataFile, manifest: FakeManifest, import_id: str) -> FileSelect:
    """An acme data file as the SELECT that types its columns and adds the lineage columns."""
    with data_files.connection() as con:
        columns = data_files.file_columns(con, local, "csv", file.path)
    kinds = {name: KINDS[name] for name in columns}
    expressions = {name: cast(quote(name), columns[name], kind) for name, kind in kinds.items()}
    expressions.update(data_files.lineage_values(manifest.billing_period, manifest.manifest_id, import_id))
    return FileSelect(expressions, "csv", columns, kinds, kinds)


def write_file(folder: Path, key: str, rows: list[tuple[str, str]], etag: str | None = None) -> DataFile:
    """A data file of (line_id, cost) rows, as the provider would list it."""
    path = folder / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("line_id,cost\n" + "".join(f"{line_id},{cost}\n" for line_id, cost in rows))
    return DataFile(key=key, path=str(path), size=os.path.getsize(path), etag=etag)


def manifest(folder: Path, period: str, manifest_id: str, *files: list[tuple[str, str]]) -> FakeManifest:
    """A delivery of `period` with one data file per list of rows."""
    return FakeManifest(period, manifest_id, tuple(write_file(folder, f"{period}/{manifest_id}/part-{n}.csv", rows)
                                                   for n, rows in enumerate(files)))


def total(rows: list[tuple[str, str]]) -> Decimal:
    return sum((Decimal(cost) for _, cost in rows), Decimal(0))
