"""One CUR data file (legacy CUR, CUR 2.0 or FOCUS export) as the SELECT that reads it into the raw table."""

from __future__ import annotations

from pathlib import Path

from openfinops.errors import DataFileError
from openfinops.importing import data_files
from openfinops.importing.file_items import FileSelect

from .columns import select_list, snake_case, v1_column_name
from .manifests import DataFile, Manifest
from .settings import REQUIRED_COLUMNS

FOCUS_REQUIRED_COLUMNS = {"billed_cost", "charge_period_start"}


def file_select(local: Path, file: DataFile, manifest: Manifest, import_id: str) -> FileSelect:
    """The file's rows renamed to raw column names, typed (see `select_list`) and with lineage
    columns; a file that lacks columns fails here, before anything is loaded."""
    raw_name = v1_column_name if manifest.cur_version == "v1" else snake_case
    with data_files.connection() as con:
        source_types = data_files.file_columns(con, local, manifest.file_format, file.path)
    _check_columns(file, manifest, list(source_types), raw_name)
    expressions, types = select_list(list(source_types), source_types, dict(manifest.columns), manifest.cur_version)
    expressions.update(data_files.lineage_values(manifest.billing_period, manifest.manifest_id, import_id))
    # Columns folded into a map have no type of their own: read as text, they cannot fail a cast.
    casts = {column: types.get(raw_name(column), "text") for column in source_types}
    return FileSelect(expressions, manifest.file_format, source_types, types, casts)


def _check_columns(file: DataFile, manifest: Manifest, header: list[str], raw_name) -> None:
    # Compared by raw column name: legacy CUR in Parquet names `lineItem/UsageStartDate`
    # `line_item_usage_start_date`.
    present = {raw_name(h) for h in header}
    missing = [name for name, _ in manifest.columns if name not in header and raw_name(name) not in present]
    if missing:
        raise DataFileError(
            f"{file.path}: missing {len(missing)} column(s) the manifest declares: {', '.join(missing[:10])}"
        )
    required = FOCUS_REQUIRED_COLUMNS if manifest.cur_version == "focus" else REQUIRED_COLUMNS
    absent = sorted(required - present)
    if absent:
        raise DataFileError(f"{file.path}: missing required column(s) {', '.join(absent)}")
