"""A billing export of a made-up provider, `acme`, for testing the import machine without AWS.

Its data files are small CSVs (line_id, cost) in a local folder; its dlt source reads each into an
Arrow table with the lineage columns and appends it to the raw table `acme_billing.<export>`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import dlt
import pyarrow as pa
import pyarrow.csv as pacsv

from openfinops.errors import DataFileError
from openfinops.importing.exports import BrokenManifest, DataFile, DeliveredFiles
from openfinops.importing.lineage import column_hint, lineage_hints

COST = pa.decimal128(38, 12)


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

    def dlt_source(self, manifest: FakeManifest, import_id: str, scratch: Path,
                   table_columns: dict[str, str]) -> dlt.sources.DltSource:
        return acme_costs(manifest, self.table_name, import_id)


@dlt.source(name="acme", max_table_nesting=0)
def acme_costs(manifest: FakeManifest, table_name: str, import_id: str) -> dlt.sources.DltResource:
    """Rows of one billing period of an acme export, appended to `table_name` with `import_id`."""
    def files():
        for file in manifest.files:
            try:
                table = pacsv.read_csv(file.path, convert_options=pacsv.ConvertOptions(
                    column_types={"line_id": pa.string(), "cost": COST}))
            except (OSError, pa.ArrowInvalid) as exc:
                raise DataFileError(f"{file.key}: {exc}") from None
            lineage = {"billing_period": manifest.billing_period, "manifest_id": manifest.manifest_id,
                       "source_file": file.key, "import_id": import_id}
            for name, value in lineage.items():
                table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
            yield table

    return dlt.resource(files(), name=table_name, write_disposition="append",
                        columns={"line_id": column_hint("text"), "cost": column_hint("decimal"), **lineage_hints()})


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
