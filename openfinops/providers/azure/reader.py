"""One Azure cost details file (CSV, gzip CSV or Parquet) as the SELECT that reads it into the raw table.

Each header is matched to its raw column by name, whatever its spelling (`columns.raw_column`:
byte-order mark, localized names, EA PascalCase, MCA camelCase, pay-as-you-go names), and each
value is typed in the SELECT itself, so DuckDB does all the work:

* empty strings are NULL;
* dates are written `MM/DD/YYYY`, `M/D/YY` (US month-first, as Azure writes them), ISO
  `YYYY-MM-DD` or ISO with a time (`2024-01-05T00:00:00Z`); a value that is none of these fails
  the load, and the error names the file, column, row and value (`sql.cast`, `data_files`);
* numbers are exact decimals, also when written in scientific notation (`5.64902E-05`);
* Tags are a JSON object with or without its outer braces (`"a": "b","c": "d"`); Tags and
  AdditionalInfo are stored as JSON, an empty one as NULL.

Two headers of one file that name the same raw column (`ResourceGroup` and `ResourceGroupName`)
are one column: the first non-NULL of them, in file order.
"""

from __future__ import annotations

from pathlib import Path

from openfinops.errors import DataFileError
from openfinops.importing import data_files
from openfinops.importing.exports import DataFile
from openfinops.importing.file_items import FileSelect
from openfinops.importing.sql import cast, quote

from .columns import column_type, raw_column
from .manifests import Manifest
from .settings import REQUIRED_COLUMNS


def file_select(local: Path, file: DataFile, manifest: Manifest, import_id: str) -> FileSelect:
    """The file's rows renamed to raw column names, typed, and with lineage columns; a file that
    lacks a required column fails here, before anything is loaded."""
    with data_files.connection() as con:
        source_types = data_files.file_columns(con, local, manifest.file_format, file.path)
    raw = {column: raw_column(column, manifest.export_type) for column in source_types}
    named: dict[str, list[str]] = {}  # raw column -> the file's columns naming it, in file order
    for column in source_types:
        named.setdefault(raw[column], []).append(column)
    missing = sorted(REQUIRED_COLUMNS[manifest.export_type] - set(named))
    if missing:
        raise DataFileError(f"{file.path}: missing required column(s) {', '.join(missing)} for {manifest.export_type} "
                            f"cost details (found: {', '.join(source_types)})")
    expressions: dict[str, str] = {}
    types: dict[str, str] = {}
    for name, columns in named.items():
        kind = column_type(name)
        typed = [value_sql(column, source_types[column], kind) for column in columns]
        expressions[name] = typed[0] if len(typed) == 1 else f"coalesce({', '.join(typed)})"
        types[name] = kind
    expressions.update(data_files.lineage_values(manifest.billing_period, manifest.manifest_id, import_id))
    # What a failed load's diagnosis may cast again to find the bad cell. JSON is written by
    # `value_sql` (braces added), not by a plain cast: the diagnosis would blame good values.
    casts = {column: types[raw[column]] if types[raw[column]] != "json" else "text" for column in source_types}
    return FileSelect(expressions, manifest.file_format, source_types, types, casts)


def value_sql(column: str, source_type: str, kind: str) -> str:
    """SQL of the file's `column` (DuckDB type `source_type` as read) as a value of raw type `kind`."""
    if source_type != "VARCHAR":
        return cast(quote(column), source_type, kind)
    if kind == "text":
        return f"nullif({quote(column)}, '')"
    if kind == "json":
        return json_sql(quote(column))
    return cast(quote(column), source_type, kind)


def json_sql(column_sql: str) -> str:
    """Text holding a JSON object, with or without its outer braces, as JSON; empty (or `{}`) as NULL."""
    value = f"nullif(trim({column_sql}), '')"
    wrapped = f"CASE WHEN left({value}, 1) IN ('{{', '[') THEN {value} ELSE '{{' || {value} || '}}' END"
    return f"nullif({wrapped}, '{{}}')::JSON"
