"""One CUR data file (legacy CUR, CUR 2.0 or FOCUS export) as a typed Parquet file for dlt to load."""

from __future__ import annotations

from pathlib import Path

from openfinops.errors import DataFileError
from openfinops.importing import parquet

from .columns import select_list, snake_case, v1_column_name
from .manifests import DataFile, Manifest
from .settings import REQUIRED_COLUMNS

FOCUS_REQUIRED_COLUMNS = {"billed_cost", "charge_period_start"}


def write_parquet(local: Path, file: DataFile, manifest: Manifest, import_id: str, out: Path,
                  layout: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Write the file's rows, renamed to raw column names, typed and with lineage columns, to the
    Parquet file `out` in the column order of `layout` (see `parquet.write_parquet`). Returns the row
    count and the raw column types (see `select_list`)."""
    raw_name = v1_column_name if manifest.cur_version == "v1" else snake_case
    with parquet.connection() as con:
        source_types = parquet.file_columns(con, local, manifest.file_format, file.path)
        _check_columns(file, manifest, list(source_types), raw_name)
        expressions, types = select_list(list(source_types), source_types, dict(manifest.columns),
                                         manifest.cur_version)
        expressions.update(parquet.lineage_values(manifest.billing_period, manifest.manifest_id, file.key, import_id))
        rows = parquet.write_parquet(con, local, manifest.file_format, file.path, expressions, types, layout, out,
                                     raw_name)
    return rows, types


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
