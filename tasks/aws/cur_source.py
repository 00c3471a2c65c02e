"""dlt source for one billing period of an AWS billing export."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import dlt
import fsspec
from dlt.common.schema.typing import TColumnSchema
from dlt.extract.items import DataItemWithMeta

from tasks import progress

from .columns import column_type, sql_type
from .manifests import Manifest
from .reader import write_parquet
from .settings import (
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    IMPORT_COLUMN,
    KNOWN_COLUMNS,
    MANIFEST_COLUMN,
    PERIOD_COLUMN,
    SOURCE_FILE_COLUMN,
)
from .storage import local_copy


@dlt.source(name="aws_cur", max_table_nesting=0)
def aws_cur(manifest: Manifest, table_name: str, import_id: str, fs: fsspec.AbstractFileSystem, scratch: Path,
            table_columns: dict[str, str] | None = None) -> dlt.sources.DltResource:
    """Rows of one billing period of one AWS export, appended to `table_name` with `import_id`.

    The rows are written once, straight into the raw table. They replace the period's older rows
    when the importer records the import (`tasks.state`); until then no reader sees them.

    Args:
        manifest: the period's current manifest; its data files are read in order.
        table_name: the export's raw table in the `aws_billing` dataset.
        import_id: a new id for this import, stored in every row.
        fs: the filesystem the data files live on (S3 or local).
        scratch: a folder for downloads and Parquet files; each is deleted once dlt has taken it.
        table_columns: the raw table's columns and SQL types in order, if it exists already.
    """
    columns = declared_columns(manifest)
    layout = dict(table_columns or {})
    for name, hint in columns.items():
        layout.setdefault(name, sql_type(hint["data_type"]))
    return dlt.resource(
        billing_files(manifest, import_id, fs, scratch, layout),
        name=table_name,
        # Not dlt's merge: it would load a staging table and copy it again, doubling the writes.
        write_disposition="append",
        columns=columns,
    )


def billing_files(manifest: Manifest, import_id: str, fs: fsspec.AbstractFileSystem, scratch: Path,
                  layout: dict[str, str]) -> Iterator[DataItemWithMeta]:
    """Every data file in the manifest as a typed Parquet file, handed to dlt as it is.

    dlt hard-links each file into its load package and DuckDB loads it; no row is re-encoded.
    `layout` (column name to SQL type) is the table's column order, extended as files add columns.
    """
    for file in manifest.files:
        with local_copy(fs, file.path, scratch) as local:
            out = scratch / f"{manifest.billing_period}-{file.key.rsplit('/', 1)[-1]}.parquet"
            rows, types = write_parquet(local, file, manifest, import_id, out, layout)
        for name, kind in types.items():
            layout.setdefault(name, sql_type(kind))
        try:
            # The file's own columns: dlt takes a file's schema from hints, never from its content.
            columns = {name: _hint(kind) for name, kind in types.items()}
            yield dlt.mark.with_file_import(str(out), "parquet", items_count=rows,
                                            hints=dlt.mark.make_hints(columns=columns))
        finally:
            out.unlink(missing_ok=True)
        progress.report(files=1, bytes=file.size, rows=rows)


def declared_columns(manifest: Manifest) -> dict[str, TColumnSchema]:
    """Column hints: the lineage columns and, for CUR, the whole CUR 2.0 schema.

    Declaring columns keeps the raw schema stable when a month has no Savings Plans, RIs or tags.
    """
    names = KNOWN_COLUMNS if manifest.cur_version in ("v1", "v2") else set()
    columns: dict[str, TColumnSchema] = {name: _hint(column_type(name, "string")) for name in sorted(names)}
    # Nullable as in the Parquet files DuckDB writes: a different hint would make dlt rewrite them.
    columns[PERIOD_COLUMN] = {"data_type": "text", "nullable": True}
    columns[MANIFEST_COLUMN] = {"data_type": "text", "nullable": True}
    columns[SOURCE_FILE_COLUMN] = {"data_type": "text", "nullable": True}
    columns[IMPORT_COLUMN] = {"data_type": "text", "nullable": True}
    return columns


def _hint(kind: str) -> TColumnSchema:
    if kind == "decimal":
        return {"data_type": "decimal", "precision": DECIMAL_PRECISION, "scale": DECIMAL_SCALE, "nullable": True}
    return {"data_type": kind, "nullable": True}
