"""dlt source for one billing period of an AWS billing export."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import dlt
import fsspec
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema

from tasks import progress

from .columns import column_type
from .manifests import Manifest
from .reader import read_batches
from .settings import DECIMAL_PRECISION, DECIMAL_SCALE, KNOWN_COLUMNS, MANIFEST_COLUMN, PERIOD_COLUMN, SOURCE_FILE_COLUMN
from .storage import local_copy


@dlt.source(name="aws_cur", max_table_nesting=0)
def aws_cur(manifest: Manifest, table_name: str, fs: fsspec.AbstractFileSystem, scratch: Path) -> dlt.sources.DltResource:
    """Rows of one billing period of one AWS export, replacing that period in `table_name`.

    Args:
        manifest: the period's current manifest; its data files are read in order.
        table_name: the export's raw table in the `aws_billing` dataset.
        fs: the filesystem the data files live on (S3 or local).
        scratch: a folder for downloads; files are deleted once read.
    """
    return dlt.resource(
        billing_rows(manifest, fs, scratch),
        name=table_name,
        # Replacing a period is a delete-insert on the period key, which dlt runs in one
        # transaction: readers see the old rows or the new ones, never neither or both.
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=PERIOD_COLUMN,
        columns=declared_columns(manifest),
    )


def billing_rows(manifest: Manifest, fs: fsspec.AbstractFileSystem, scratch: Path) -> Iterator[pa.RecordBatch]:
    """Arrow batches of every data file in the manifest."""
    for file in manifest.files:
        with local_copy(fs, file.path, scratch) as local:
            for batch in read_batches(local, file, manifest):
                progress.report(rows=batch.num_rows)
                yield batch
        progress.report(files=1, bytes=file.size)


def declared_columns(manifest: Manifest) -> dict[str, TColumnSchema]:
    """Column hints: the lineage columns and, for CUR, the whole CUR 2.0 schema.

    Declaring columns keeps the raw schema stable when a month has no Savings Plans, RIs or tags.
    """
    names = KNOWN_COLUMNS if manifest.cur_version in ("v1", "v2") else set()
    columns: dict[str, TColumnSchema] = {name: _hint(column_type(name, "string")) for name in sorted(names)}
    columns[PERIOD_COLUMN] = {"data_type": "text", "nullable": False}
    columns[MANIFEST_COLUMN] = {"data_type": "text", "nullable": False}
    columns[SOURCE_FILE_COLUMN] = {"data_type": "text", "nullable": False}
    return columns


def _hint(kind: str) -> TColumnSchema:
    if kind == "decimal":
        return {"data_type": "decimal", "precision": DECIMAL_PRECISION, "scale": DECIMAL_SCALE, "nullable": True}
    return {"data_type": kind, "nullable": True}
