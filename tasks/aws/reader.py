"""Turn one CUR data file into a typed Parquet file for dlt to load, with DuckDB doing the work.

DuckDB streams the file (gzip CSV or Parquet) through the cast/rename SQL into Parquet on all
cores, so memory stays bounded by its row groups whatever the file size, and no row passes
through Python or is re-encoded by it.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import duckdb

from tasks.errors import DataFileError
from tasks.load import DUCKDB_CONFIG

from .columns import literal, quote, select_list, snake_case, sql_type, v1_column_name
from .manifests import DataFile, Manifest
from .settings import IMPORT_COLUMN, MANIFEST_COLUMN, PERIOD_COLUMN, REQUIRED_COLUMNS, SOURCE_FILE_COLUMN

# A CUR row group of DuckDB's default 122,880 rows x ~130 columns pushes a 1 GB limit into
# spilling (a 1M-row CSV took 45 s instead of 12 s); 50,000 rows stay well inside it.
ROW_GROUP_ROWS = 50_000
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


def write_parquet(local: Path, file: DataFile, manifest: Manifest, import_id: str, out: Path,
                  layout: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Write the file's rows, renamed to raw column names, typed and with lineage columns, to the
    Parquet file `out`. Returns the row count and the raw column types (see `select_list`).

    The file's columns follow `layout` (column name to SQL type, in the raw table's order), with
    NULLs for the ones this file lacks, and then the file's new columns: dlt loads a file whose
    columns match its schema as it is, and rewrites any other one row group by row group.
    """
    con = duckdb.connect(config=DUCKDB_CONFIG)
    try:
        con.execute("SET TimeZone = 'UTC'")
        try:
            described = con.sql(f"DESCRIBE SELECT * FROM {scan_sql(local, manifest)}").fetchall()
        except duckdb.Error as exc:
            raise DataFileError(f"{file.path}: {_diagnose(local, file, manifest, exc, con, {}, {})}") from None
        header = [row[0] for row in described]
        source_types = {row[0]: row[1] for row in described}
        _check_columns(file, manifest, header)

        expressions, types = select_list(header, source_types, dict(manifest.columns), manifest.cur_version)
        expressions[PERIOD_COLUMN] = literal(manifest.billing_period)
        expressions[MANIFEST_COLUMN] = literal(manifest.manifest_id)
        expressions[SOURCE_FILE_COLUMN] = literal(file.key)
        expressions[IMPORT_COLUMN] = literal(import_id)
        ordered = [f"{expressions.get(name, f'CAST(NULL AS {type_sql})')} AS {quote(name)}"
                   for name, type_sql in layout.items()]
        ordered += [f"{sql} AS {quote(name)}" for name, sql in expressions.items() if name not in layout]
        sql = f"SELECT {', '.join(ordered)} FROM {scan_sql(local, manifest)}"
        try:
            [(rows,)] = con.execute(f"COPY ({sql}) TO {literal(str(out))} "
                                    f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})").fetchall()
        except duckdb.Error as exc:
            out.unlink(missing_ok=True)
            raise DataFileError(f"{file.path}: {_diagnose(local, file, manifest, exc, con, source_types, types)}") \
                from None
        return rows, types
    finally:
        con.close()


def _check_columns(file: DataFile, manifest: Manifest, header: list[str]) -> None:
    # Compared by raw column name: legacy CUR in Parquet names `lineItem/UsageStartDate`
    # `line_item_usage_start_date`.
    rename = v1_column_name if manifest.cur_version == "v1" else snake_case
    present = {rename(h) for h in header}
    missing = [name for name, _ in manifest.columns if name not in header and rename(name) not in present]
    if missing:
        raise DataFileError(
            f"{file.path}: missing {len(missing)} column(s) the manifest declares: {', '.join(missing[:10])}"
        )
    required = FOCUS_REQUIRED_COLUMNS if manifest.cur_version == "focus" else REQUIRED_COLUMNS
    absent = sorted(required - {rename(h) for h in header})
    if absent:
        raise DataFileError(f"{file.path}: missing required column(s) {', '.join(absent)}")


def _diagnose(local: Path, file: DataFile, manifest: Manifest, exc: BaseException, con: duckdb.DuckDBPyConnection,
              source_types: dict[str, str], types: dict[str, str]) -> str:
    """Say what is wrong with the file; a damaged gzip stream is the usual culprit, so check it.
    DuckDB names the local copy of a downloaded file: name the file as the manifest does instead.
    `source_types` are the file's columns and their types as read, `types` the raw columns' types
    (see `select_list`), once known."""
    if local.name.endswith(".gz"):
        try:
            with gzip.open(local, "rb") as stream:
                while stream.read(1 << 20):
                    pass
        except (OSError, EOFError, zlib.error) as gz_exc:
            return f"corrupt or truncated gzip file ({gz_exc})"
    detail = _first_line(exc).replace(str(local), file.key)
    if isinstance(exc, duckdb.ConversionException):
        bad_value = _first_bad_value(con, local, manifest, source_types, types)
        return bad_value or f"a value does not match its column type ({detail})"
    return f"cannot read as {manifest.file_format.upper()} ({detail})"


TYPE_NOUNS = {"decimal": "a decimal", "timestamp": "a timestamp", "bigint": "an integer", "date": "a date",
              "bool": "a boolean", "json": "JSON"}


def _first_bad_value(con: duckdb.DuckDBPyConnection, local: Path, manifest: Manifest,
                     source_types: dict[str, str], types: dict[str, str]) -> str | None:
    """`column <name>, row <n>: <value> is not <type>` for the first row, in file order, holding a
    value that does not cast to its column's type; None if there is none.

    DuckDB's conversion error names the value but neither the column nor the row, so the file is
    read once more, only on this error path: per cast column, the first row whose value fails
    try_cast though it is not empty (empty cells are NULL, as in `select_list`).
    """
    rename = v1_column_name if manifest.cur_version == "v1" else snake_case
    checks = []  # (column as the file spells it, its type, the SQL condition of a bad value)
    for column, source_type in source_types.items():
        kind = types.get(rename(column), "text")  # legacy CUR tag columns, folded into a map, have none
        if kind == "text" or (kind == "json" and source_type != "VARCHAR"):  # no cast that can fail
            continue
        value = f"nullif(trim({quote(column)}), '')" if source_type == "VARCHAR" else quote(column)
        checks.append((column, kind, f"try_cast({value} AS {sql_type(kind)}) IS NULL AND {value} IS NOT NULL"))
    if not checks:
        return None
    aggregates = ", ".join(f"min(file_row) FILTER ({bad}), arg_min(CAST({quote(column)} AS VARCHAR), file_row) "
                           f"FILTER ({bad})" for column, _, bad in checks)
    try:
        con.execute("SET preserve_insertion_order = true")  # row_number() OVER () then counts in file order
        found = con.execute(f"SELECT {aggregates} FROM (SELECT row_number() OVER () AS file_row, * "
                            f"FROM {scan_sql(local, manifest)})").fetchone()
    except duckdb.Error:
        return None  # the diagnosis is a bonus: the caller still reports the conversion error
    firsts = [(found[2 * i], i) for i in range(len(checks)) if found[2 * i] is not None]
    if not firsts:
        return None
    row, i = min(firsts)
    column, kind, _ = checks[i]
    return f"column {column}, row {row}: {found[2 * i + 1]!r} is not {TYPE_NOUNS[kind]}"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
