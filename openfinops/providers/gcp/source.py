"""dlt source for one invoice month of a GCP billing export.

The month's rows reach a local file first: for a BigQuery table, the month's query result written
batch by batch to Parquet (`bigquery.fetch_month`); for exported files, the files holding the month
(downloaded from GCS). dlt's load step then runs one SQL model in the destination DuckDB, `INSERT
INTO <raw table> SELECT <typed raw columns> FROM <the files> WHERE invoice.month = <month>`, so no
row passes through Python. Nested fields are stored as JSON with BigQuery's field names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import dlt
import duckdb
from dlt.common.destination.client import SqlModel
from dlt.common.schema.typing import TColumnSchema
from dlt.extract.items import DataItemWithMeta

from openfinops import progress
from openfinops.errors import DataFileError
from openfinops.importing import data_files
from openfinops.importing.file_items import DESCRIPTION
from openfinops.importing.files import local_copy
from openfinops.importing.lineage import SOURCE_FILE_COLUMN, column_hint, lineage_hints
from openfinops.importing.sql import literal, quote, sql_type

from .bigquery import fetch_month
from .files import access_errors, export_filesystem, file_format, scan_sql
from .manifests import Manifest
from .settings import raw_columns

if TYPE_CHECKING:
    from .config import GcpExport


@dlt.source(name="gcp_billing", max_table_nesting=0)
def gcp_billing(export: GcpExport, manifest: Manifest, import_id: str, scratch: Path) -> dlt.sources.DltResource:
    """Rows of one invoice month of one GCP export, appended to its raw table with `import_id`.

    They replace the month's older rows when the import is recorded
    (`openfinops.importing.loading`); until then no reader sees them.
    """
    return dlt.resource(
        month_models(export, manifest, import_id, scratch),
        name=export.table_name,
        write_disposition="append",  # not dlt's merge: it would write every row twice
        columns=declared_columns(),
    )


def declared_columns() -> dict[str, TColumnSchema]:
    """Every field of the detailed export and the lineage columns: the raw schema stays the same
    whatever a month's rows lack (the standard export has no resource, older rows no price)."""
    columns: dict[str, TColumnSchema] = {name: column_hint(kind) for name, kind in raw_columns().items()}
    columns.update(lineage_hints())
    return columns


def month_models(export: GcpExport, manifest: Manifest, import_id: str, scratch: Path) -> Iterator[DataItemWithMeta]:
    """The month's rows as SQL models for dlt to load: one per file format."""
    local: dict[Path, str] = {}  # local copy -> the file's key (or the table's month)
    if export.path:
        fs, _ = export_filesystem(export)
        for n, file in enumerate(manifest.files):
            copy = local_copy(fs, file.path, scratch / str(n), access_errors)
            _describe(scratch / str(n), copy, file.path)
            local[copy] = file.key
            progress.report(files=1, bytes=file.size)
    else:
        fetched = fetch_month(export, manifest, scratch / "0")
        if fetched:
            _describe(scratch / "0", fetched, manifest.files[0].key)
            local[fetched] = manifest.files[0].key
    by_format: dict[str, dict[Path, str]] = {}
    for path, key in local.items():
        by_format.setdefault(file_format(path.name), {})[path] = key
    for n, (fmt, files) in enumerate(sorted(by_format.items())):
        sql, columns = select_sql(files, fmt, manifest, import_id)
        model = scratch / f"select-{n}.model"
        model.write_text(str(SqlModel(sql, "duckdb")))
        yield dlt.mark.with_file_import(str(model), "model", hints=dlt.mark.make_hints(
            columns={name: column_hint(kind) for name, kind in columns.items()}))


def _describe(folder: Path, local: Path, display: str) -> None:
    """What `file_items.failed_file` reads to name the file whose load failed."""
    (folder / DESCRIPTION).write_text(json.dumps({"local": str(local), "display": display,
                                                  "file_format": file_format(local.name), "casts": {}}))


def select_sql(files: dict[Path, str], fmt: str, manifest: Manifest, import_id: str) -> tuple[str, dict[str, str]]:
    """The SELECT of the month's rows of `files` (local copy -> key) as raw columns, and the raw
    columns it fills (name -> dlt data type)."""
    scan = scan_sql(list(files), fmt)
    with data_files.connection() as con:
        try:
            present = {row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {scan}").fetchall()}
        except duckdb.Error as exc:
            raise DataFileError(f"{', '.join(files.values())}: cannot read as {fmt.upper()} "
                                f"({data_files.first_line(exc)})") from None
    kinds = {name: kind for name, kind in raw_columns().items() if name in present}
    expressions = {name: _typed(name, kind) for name, kind in kinds.items()}
    expressions.update(data_files.lineage_values(manifest.billing_period, manifest.manifest_id, import_id))
    whens = " ".join(f"WHEN {literal(str(path))} THEN {literal(key)}" for path, key in files.items())
    expressions[SOURCE_FILE_COLUMN] = f"CASE filename {whens} END"
    selected = ", ".join(f"{sql} AS {quote(name)}" for name, sql in expressions.items())
    return (f"SELECT {selected} FROM {scan} WHERE invoice.month = {literal(manifest.invoice_month)}",
            {**kinds, **{name: "text" for name in expressions if name not in kinds}})


def _typed(name: str, kind: str) -> str:
    column = quote(name)
    if kind == "json":
        return f"to_json({column})"
    if kind == "text":
        return f"CAST({column} AS VARCHAR)"
    return f"CAST({column} AS {sql_type(kind)})"
