"""dlt source for one billing period of an Azure Cost Management export."""

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


@dlt.source(name="azure_costs", max_table_nesting=0)
def azure_costs(manifest: Manifest, table_name: str, import_id: str, fs: fsspec.AbstractFileSystem,
                scratch: Path) -> dlt.sources.DltResource:
    """Rows of one billing period of one Azure export, appended to `table_name` with `import_id`.

    The rows are written once, straight into the raw table, by DuckDB (`file_items.model_items`).
    They replace the period's older rows when the import is recorded
    (`openfinops.importing.loading`); until then no reader sees them.

    Args:
        manifest: the period's current run; its data files are read in order.
        table_name: the export's raw table in the `azure_billing` dataset.
        import_id: a new id for this import, stored in every row.
        fs: the filesystem the data files live on (a blob container or local).
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
    """Column hints: every column the export's type is known to have, and the lineage columns.

    Declaring them keeps the raw schema stable when a month's files lack some (no reservations, no
    tags, an older schema version)."""
    names = KNOWN_COLUMNS[manifest.export_type]
    columns: dict[str, TColumnSchema] = {name: column_hint(column_type(name)) for name in sorted(names)}
    columns.update(lineage_hints())
    return columns
