"""Billing data files as DuckDB reads them: a file's columns, the SELECT that types the rows of
files alike into raw columns, and what is wrong with a file when that SELECT fails.

dlt's load step runs the SELECT in the destination DuckDB (see `file_items`), so each row is read,
cast and written into the raw table once, on all cores. A file that cannot be read or cast fails
with one line naming the file, and where it can, the column, row and value.
"""

from __future__ import annotations

import gzip
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from openfinops.errors import DataFileError
from openfinops.warehouse.database import DUCKDB_CONFIG

from .lineage import IMPORT_COLUMN, MANIFEST_COLUMN, PERIOD_COLUMN, SOURCE_FILE_COLUMN
from .sql import literal, quote, sql_type, try_cast_sql

TYPE_NOUNS = {"decimal": "a decimal", "timestamp": "a timestamp", "bigint": "an integer", "date": "a date",
              "bool": "a boolean", "json": "JSON"}


@contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection for reading files, timestamps in UTC (as in dlt's)."""
    con = duckdb.connect(config=DUCKDB_CONFIG)
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


# The path of the file a row comes from, when one SELECT reads several files.
FILE_NAME_COLUMN = "__openfinops_file"


def compression(local: Path) -> str:
    return "gzip" if local.name.endswith(".gz") else "none"


def scan_sql(local: Path | list[Path], file_format: str, file_name_column: str | None = None) -> str:
    """DuckDB's scan of one file, or of files alike (same format, compression and columns)."""
    files = [local] if isinstance(local, Path) else local
    paths = literal(str(files[0])) if len(files) == 1 else "[" + ", ".join(literal(str(f)) for f in files) + "]"
    # Partition folders (BILLING_PERIOD=...) are not columns: the period comes from the manifest.
    options = "hive_partitioning=false"
    if file_name_column:
        # By name: DuckDB then reads each file's header (and CSV dialect: line ends) on its own.
        options += f", filename={literal(file_name_column)}, union_by_name=true"
    if file_format == "parquet":
        return f"read_parquet({paths}, {options})"
    # Every CSV cell is read as text and cast by name: types come from the provider's schema, never
    # from sniffing (which turns account ids into integers).
    return (
        f"read_csv({paths}, header=true, all_varchar=true, delim=',', quote='\"', escape='\"', "
        f"compression='{compression(files[0])}', null_padding=false, strict_mode=true, {options})"
    )


def file_columns(con: duckdb.DuckDBPyConnection, local: Path, file_format: str, display: str) -> dict[str, str]:
    """The file's columns and their DuckDB types as read, in file order."""
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {scan_sql(local, file_format)}").fetchall()
    except duckdb.Error as exc:
        raise DataFileError(f"{display}: {diagnose(con, local, file_format, display, exc)}") from None
    return {row[0]: row[1] for row in described}


def lineage_values(billing_period: str, manifest_id: str, import_id: str) -> dict[str, str]:
    """SQL literals of the lineage columns a period's files share, by column name (`select_sql`
    adds each row's source file)."""
    return {PERIOD_COLUMN: literal(billing_period), MANIFEST_COLUMN: literal(manifest_id),
            IMPORT_COLUMN: literal(import_id)}


def select_sql(files: dict[Path, str], file_format: str, expressions: dict[str, str]) -> str:
    """The rows of `files` (local copy -> the file's key, each row's `source_file`), files alike, as
    `expressions` (raw column name -> SQL over the files' columns).

    One SELECT over all of them lets DuckDB read several files at once: a gzip CSV is read on one
    core, however large."""
    if len(files) == 1:
        scan, source_file = scan_sql(list(files), file_format), literal(next(iter(files.values())))
    else:
        scan = scan_sql(list(files), file_format, FILE_NAME_COLUMN)
        whens = " ".join(f"WHEN {literal(str(local))} THEN {literal(key)}" for local, key in files.items())
        source_file = f"CASE {quote(FILE_NAME_COLUMN)} {whens} END"
    selected = {**expressions, SOURCE_FILE_COLUMN: source_file}
    columns = ", ".join(f"{sql} AS {quote(name)}" for name, sql in selected.items())
    return f"SELECT {columns} FROM {scan}"


def explain(local: Path, file_format: str, display: str, casts: dict[str, str], exc: BaseException) -> DataFileError:
    """The error to report when reading the file failed with `exc`; `casts` (file column -> the dlt
    type it is cast to) let a failed cast be traced to its cell."""
    with connection() as con:
        return DataFileError(f"{display}: {diagnose(con, local, file_format, display, exc, casts)}")


def find_fault(local: Path, file_format: str, casts: dict[str, str]) -> str | None:
    """What is wrong with the file, found by reading it again: a damaged gzip stream or the first
    value that does not cast; None if neither. For a SELECT over several files that failed without
    naming the file."""
    with connection() as con:
        return _gzip_fault(local) or _first_bad_value(con, local, file_format, casts)


def diagnose(con: duckdb.DuckDBPyConnection, local: Path, file_format: str, display: str, exc: BaseException,
             casts: dict[str, str] | None = None) -> str:
    """Say what is wrong with the file; a damaged gzip stream is the usual culprit, so check it.
    DuckDB names the local copy of a downloaded file: name the file as the provider does instead."""
    gzip_fault = _gzip_fault(local)
    if gzip_fault:
        return gzip_fault
    detail = first_line(exc).replace(str(local), display)
    if isinstance(exc, duckdb.ConversionException) and casts:
        bad_value = _first_bad_value(con, local, file_format, casts)
        return bad_value or f"a value does not match its column type ({detail})"
    return f"cannot read as {file_format.upper()} ({detail})"


def _gzip_fault(local: Path) -> str | None:
    if local.name.endswith(".gz"):
        try:
            with gzip.open(local, "rb") as stream:
                while stream.read(1 << 20):
                    pass
        except (OSError, EOFError, zlib.error) as exc:
            return f"corrupt or truncated gzip file ({exc})"
    return None


def _first_bad_value(con: duckdb.DuckDBPyConnection, local: Path, file_format: str,
                     casts: dict[str, str]) -> str | None:
    """`column <name>, row <n>: <value> is not <type>` for the first row, in file order, holding a
    value that does not cast to its column's type; None if there is none.

    DuckDB's conversion error names the value but neither the column nor the row, so the file is
    read once more, only on this error path: per cast column, the first row whose value fails
    try_cast though it is not empty (empty cells are NULL, as in the casts of `sql.cast`).
    """
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {scan_sql(local, file_format)}").fetchall()
    except duckdb.Error:
        return None
    checks = []  # (column as the file spells it, its type, the SQL condition of a bad value)
    for column, source_type, *_ in described:
        kind = casts.get(column, "text")
        if kind == "text" or (kind == "json" and source_type != "VARCHAR"):  # no cast that can fail
            continue
        value = f"nullif(trim({quote(column)}), '')" if source_type == "VARCHAR" else quote(column)
        parsed = try_cast_sql(value, kind) if source_type == "VARCHAR" else f"try_cast({value} AS {sql_type(kind)})"
        checks.append((column, kind, f"{parsed} IS NULL AND {value} IS NOT NULL"))
    if not checks:
        return None
    aggregates = ", ".join(f"min(file_row) FILTER ({bad}), arg_min(CAST({quote(column)} AS VARCHAR), file_row) "
                           f"FILTER ({bad})" for column, _, bad in checks)
    try:
        con.execute("SET preserve_insertion_order = true")  # row_number() OVER () then counts in file order
        found = con.execute(f"SELECT {aggregates} FROM (SELECT row_number() OVER () AS file_row, * "
                            f"FROM {scan_sql(local, file_format)})").fetchone()
    except duckdb.Error:
        return None  # the diagnosis is a bonus: the caller still reports the conversion error
    firsts = [(found[2 * i], i) for i in range(len(checks)) if found[2 * i] is not None]
    if not firsts:
        return None
    row, i = min(firsts)
    column, kind, _ = checks[i]
    return f"column {column}, row {row}: {found[2 * i + 1]!r} is not {TYPE_NOUNS[kind]}"


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
