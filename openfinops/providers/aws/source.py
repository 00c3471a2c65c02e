"""dlt source for one billing period of an AWS billing export."""

from __future__ import annotations

from pathlib import Path

import dlt
import fsspec
from dlt.common.schema.typing import TColumnSchema

from openfinops.importing.exports import DataFile
from openfinops.importing.file_items import FileSelect, model_items
from openfinops.importing.lineage import column_hint, lineage_hints

from .columns import column_type
from .manifests import Manifest
from .reader import file_select
from .settings import KNOWN_COLUMNS
from .storage import access_errors


@dlt.source(name="aws_cur", max_table_nesting=0)
def aws_cur(manifest: Manifest, table_name: str, import_id: str, fs: fsspec.AbstractFileSystem,
            scratch: Path) -> dlt.sources.DltResource:
    """Rows of one billing period of one AWS export, appended to `table_name` with `import_id`.

    The rows are written once, straight into the raw table. They replace the period's older rows
    when the import is recorded (`openfinops.importing.loading`); until then no reader sees them.

    Args:
        manifest: the period's current manifest; its data files are read in order.
        table_name: the export's raw table in the `aws_billing` dataset.
        import_id: a new id for this import, stored in every row.
        fs: the filesystem the data files live on (S3 or local).
        scratch: a folder for downloads, kept until dlt has loaded them; the caller deletes it.
    """
    def read(local: Path, file: DataFile) -> FileSelect:
        return file_select(local, file, manifest, import_id)

    return dlt.resource(
        model_items(manifest, fs, scratch, read, access_errors),
        name=table_name,
        # Not dlt's merge: it would load a staging table and copy it again, doubling the writes.
        write_disposition="append",
        columns=declared_columns(manifest),
    )


def declared_columns(manifest: Manifest) -> dict[str, TColumnSchema]:
    """Column hints: the lineage columns and, for CUR, the whole CUR 2.0 schema.

    Declaring columns keeps the raw schema stable when a month has no Savings Plans, RIs or tags.
    """
    names = KNOWN_COLUMNS if manifest.cur_version in ("v1", "v2") else set()
    columns: dict[str, TColumnSchema] = {name: column_hint(column_type(name, "string")) for name in sorted(names)}
    columns.update(lineage_hints())
    return columns
