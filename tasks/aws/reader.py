"""Read one CUR data file as typed Arrow record batches, with DuckDB doing the parsing.

DuckDB streams the file (gzip CSV or Parquet) and the cast/rename SQL, so memory stays bounded by
the batch size whatever the file size, and no row passes through Python.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa

from tasks.errors import DataFileError

from .columns import literal, select_list, snake_case, v1_column_name
from .manifests import DataFile, Manifest
from .settings import MANIFEST_COLUMN, PERIOD_COLUMN, REQUIRED_COLUMNS, SOURCE_FILE_COLUMN

BATCH_ROWS = 100_000
FOCUS_REQUIRED_COLUMNS = {"billed_cost", "charge_period_start"}


def scan_sql(local: Path, manifest: Manifest) -> str:
    path = literal(str(local))
    if manifest.file_format == "parquet":
        return f"read_parquet({path}, hive_partitioning=false)"
    compression = "gzip" if local.name.endswith(".gz") else "none"
    # BILLING_PERIOD=... folders are not columns: the period comes from the manifest.
    # Every CSV cell is read as text and cast by name below: types come from the manifest and the
    # known CUR schema, never from sniffing (which turns account ids into integers).
    return (
        f"read_csv({path}, header=true, all_varchar=true, delim=',', quote='\"', escape='\"', "
        f"compression='{compression}', null_padding=false, strict_mode=true, hive_partitioning=false)"
    )


def read_batches(local: Path, file: DataFile, manifest: Manifest, batch_rows: int = BATCH_ROWS,
                 ) -> Iterator[pa.RecordBatch]:
    """Yield the file's rows renamed to raw column names, typed, with lineage columns."""
    con = duckdb.connect(config={"memory_limit": "512MB"})
    try:
        con.execute("SET TimeZone = 'UTC'")
        try:
            described = con.sql(f"DESCRIBE SELECT * FROM {scan_sql(local, manifest)}").fetchall()
        except duckdb.Error as exc:
            raise DataFileError(f"{file.path}: {_diagnose(local, file, manifest, exc)}") from None
        header = [row[0] for row in described]
        source_types = {row[0]: row[1] for row in described}
        _check_columns(file, manifest, header)

        expressions, _ = select_list(header, source_types, dict(manifest.columns), manifest.cur_version)
        lineage = (
            f"{literal(manifest.billing_period)} AS {PERIOD_COLUMN}, "
            f"{literal(manifest.manifest_id)} AS {MANIFEST_COLUMN}, "
            f"{literal(file.key)} AS {SOURCE_FILE_COLUMN}"
        )
        sql = f"SELECT {', '.join(expressions)}, {lineage} FROM {scan_sql(local, manifest)}"
        try:
            reader = con.execute(sql).to_arrow_reader(batch_rows)
            for batch in reader:
                yield batch
        except (duckdb.Error, pa.ArrowException) as exc:
            raise DataFileError(f"{file.path}: {_diagnose(local, file, manifest, exc)}") from None
    finally:
        con.close()


def _check_columns(file: DataFile, manifest: Manifest, header: list[str]) -> None:
    declared = [name for name, _ in manifest.columns]
    missing = [name for name in declared if name not in header]
    if missing:
        raise DataFileError(
            f"{file.path}: missing {len(missing)} column(s) the manifest declares: {', '.join(missing[:10])}"
        )
    rename = v1_column_name if manifest.cur_version == "v1" else snake_case
    required = FOCUS_REQUIRED_COLUMNS if manifest.cur_version == "focus" else REQUIRED_COLUMNS
    absent = sorted(required - {rename(h) for h in header})
    if absent:
        raise DataFileError(f"{file.path}: missing required column(s) {', '.join(absent)}")


def _diagnose(local: Path, file: DataFile, manifest: Manifest, exc: BaseException) -> str:
    """Say what is wrong with the file; a damaged gzip stream is the usual culprit, so check it.
    DuckDB names the local copy of a downloaded file: name the file as the manifest does instead."""
    if local.name.endswith(".gz"):
        try:
            with gzip.open(local, "rb") as stream:
                while stream.read(1 << 20):
                    pass
        except (OSError, EOFError, zlib.error) as gz_exc:
            return f"corrupt or truncated gzip file ({gz_exc})"
    detail = _first_line(exc).replace(str(local), file.key)
    if isinstance(exc, duckdb.ConversionException):
        return f"a value does not match its column type ({detail})"
    return f"cannot read as {manifest.file_format.upper()} ({detail})"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
