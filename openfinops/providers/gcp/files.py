"""A GCP billing export's rows as files: JSONL (optionally gzip) or Parquet, as `bq extract` writes
them, in a local folder or under gs://<bucket>/<prefix>, with the export table's schema.

Files carry no invoice month in their names, so discovery reads the two columns it needs
(invoice.month, export_time) of every file with DuckDB; each invoice month's manifest lists the
files that hold its rows, and its id is the newest export_time among them.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import duckdb
import fsspec

from openfinops.errors import AccessError, DataFileError, ManifestError
from openfinops.importing import data_files
from openfinops.importing.data_files import first_line
from openfinops.importing.exports import DataFile
from openfinops.importing.files import is_local
from openfinops.importing.sql import literal

from .manifests import Manifest, month_manifest
from .settings import DETAILED, bigquery_schema, duckdb_type

if TYPE_CHECKING:
    from .config import GcpExport

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)


def file_format(path: str) -> str | None:
    """'json' or 'parquet' for an exported data file's name (gzip JSON too); None for other files."""
    name = path.lower().removesuffix(".gz")
    if name.endswith(JSON_SUFFIXES):
        return "json"
    if name.endswith(PARQUET_SUFFIXES) and not path.lower().endswith(".gz"):
        return "parquet"
    return None


def export_filesystem(export: GcpExport) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem of the export's files and the folder in it: local, or GCS (gcsfs: the
    export's service account key file, else Google's standard credential chain)."""
    if not str(export.path).startswith(("gs://", "gcs://")):
        return fsspec.filesystem("file"), str(Path(export.path).expanduser())
    options = {"token": str(Path(export.service_account_path).expanduser())} if export.service_account_path else {}
    fs, root = fsspec.url_to_fs(export.path, **options)
    return fs, root


def list_files(export: GcpExport, fs: fsspec.AbstractFileSystem, root: str) -> list[DataFile]:
    """The export's data files, by name."""
    with access_errors(export.location):
        if not fs.exists(root):
            raise ManifestError(f"{export.location}: folder not found")
        found = fs.find(root, detail=True)
    return [DataFile(key=path[len(root):].lstrip("/"), path=path, size=int(info.get("size") or 0),
                     etag=str(info.get("etag") or info.get("md5Hash") or info.get("mtime") or "") or None)
            for path, info in sorted(found.items()) if file_format(path)]


def discover_files(export: GcpExport) -> list[Manifest]:
    """Every invoice month the files hold, with the files holding it and its newest export_time."""
    fs, root = export_filesystem(export)
    files = list_files(export, fs, root)
    if not files:
        return []
    by_path = {f.path: f for f in files}
    months: dict[str, list] = defaultdict(list)  # invoice month -> [(newest export_time, file)]
    with data_files.connection() as con:
        if not is_local(fs):
            con.register_filesystem(fs)
        for path, (month, last) in _months(con, fs, export, list(by_path)):
            months[month].append((last, by_path[path]))
    return [month_manifest(month, max(last for last, _ in held), export.location,
                           tuple(f for _, f in sorted(held, key=lambda h: h[1].key)))
            for month, held in sorted(months.items())]


def _months(con: duckdb.DuckDBPyConnection, fs: fsspec.AbstractFileSystem, export: GcpExport,
            paths: list[str]) -> Iterator[tuple[str, tuple[str, object]]]:
    """(file, (invoice month, newest export_time)) for every invoice month of every file: one scan
    per file format, so DuckDB reads the files in parallel."""
    protocol = fs.protocol[0] if isinstance(fs.protocol, tuple) else fs.protocol
    urls = {(path if is_local(fs) else f"{protocol}://{path}"): path for path in paths}
    by_format: dict[str, list[str]] = defaultdict(list)
    for url, path in urls.items():
        by_format[file_format(path)].append(url)
    for fmt, scanned in sorted(by_format.items()):
        scan = scan_sql(scanned, fmt, {"invoice": "STRUCT(month VARCHAR)", "export_time": "VARCHAR"})
        try:
            rows = con.execute(f"SELECT filename, invoice.month, max(CAST(export_time AS TIMESTAMPTZ)) FROM {scan} "
                               "GROUP BY ALL ORDER BY ALL").fetchall()
        except duckdb.Error as exc:
            detail = first_line(exc)
            for url, path in urls.items():
                detail = detail.replace(url, path)
            raise DataFileError(f"{export.location}: cannot read as {fmt.upper()} ({detail})") from None
        for url, month, last in rows:
            if not month:
                raise DataFileError(f"{urls[url]}: column invoice.month is empty in some rows: not a billing export")
            if last is None:
                raise DataFileError(f"{urls[url]}: column export_time is empty in some rows: not a billing export")
            yield urls[url], (month, last)


def scan_sql(files: list[str], fmt: str, columns: dict[str, str] | None = None) -> str:
    """DuckDB's scan of exported files of one format, each row with its `filename`. JSON is read with
    the export's schema (`columns`: the fields to read; default all), never by sniffing."""
    paths = "[" + ", ".join(literal(str(f)) for f in files) + "]"
    if fmt == "parquet":
        return f"read_parquet({paths}, union_by_name=true, filename=true, hive_partitioning=false)"
    columns = columns or {field["name"]: duckdb_type(field) for field in bigquery_schema(DETAILED)}
    struct = "{" + ", ".join(f"{literal(name)}: {literal(kind)}" for name, kind in columns.items()) + "}"
    return (f"read_json({paths}, format='newline_delimited', columns={struct}, filename=true, "
            "hive_partitioning=false, compression='auto_detect')")


@contextmanager
def access_errors(location: str) -> Iterator[None]:
    """GCS refusals as one clear line naming the location (never the credentials)."""
    try:
        yield
    except PermissionError as exc:
        raise AccessError(f"{location}: access denied ({first_line(exc)})") from None
    except FileNotFoundError:
        raise ManifestError(f"{location}: not found") from None
