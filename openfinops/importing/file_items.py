"""A manifest's data files as dlt items: one SQL model per file, which dlt's load step runs in the
destination DuckDB as `INSERT INTO <raw table> SELECT <typed raw columns> FROM read_csv/read_parquet(<file>)`.

So each row is read, typed and written into the raw table once, on all cores, and no row passes
through Python. dlt still owns the table: it creates and extends it from each file's column hints
and fills the columns a file lacks with NULL. A provider's dlt resource yields from `model_items`
with its own `FileReader`.

dlt loads after the source is done, so everything a file's load needs stays in `scratch` until the
caller deletes it: the local copy of the file, and what to say should its load fail (`failed_file`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ContextManager, Iterator

import dlt
import fsspec
from dlt.common.destination.client import SqlModel
from dlt.extract.items import DataItemWithMeta

from openfinops import progress
from openfinops.errors import DataFileError

from . import data_files
from .exports import DataFile, Manifest
from .files import local_copy
from .lineage import column_hint
from .sql import literal

DESCRIPTION = "file.json"  # in each file's folder of `scratch`: how to diagnose a failed load


@dataclass(frozen=True)
class FileSelect:
    """One data file as its provider reads it into the raw table."""

    sql: str  # SELECT <raw columns> FROM <the local copy> (see `data_files.select_sql`)
    file_format: str  # of the local copy: "csv" or "parquet"
    columns: dict[str, str]  # raw column -> dlt data type, the table's hints
    casts: dict[str, str]  # file column -> the dlt data type it is cast to, to trace a failed cast


# (local copy of the file, the file) -> how to read it
FileReader = Callable[[Path, DataFile], FileSelect]


def model_items(manifest: Manifest, fs: fsspec.AbstractFileSystem, scratch: Path, read: FileReader,
                access_errors: Callable[[str], ContextManager[None]] | None = None) -> Iterator[DataItemWithMeta]:
    """Every data file of the manifest, in order, as a SQL model for dlt to load."""
    for n, file in enumerate(manifest.files):
        folder = scratch / str(n)
        local = local_copy(fs, file.path, folder, access_errors)
        select = read(local, file)
        (folder / DESCRIPTION).write_text(json.dumps({"local": str(local), "display": file.path,
                                                      "file_format": select.file_format, "casts": select.casts}))
        model = folder / "select.model"
        model.write_text(str(SqlModel(select.sql, "duckdb")))
        # The file's own columns: dlt takes a model's schema from hints, never from its result.
        columns = {name: column_hint(kind) for name, kind in select.columns.items()}
        yield dlt.mark.with_file_import(str(model), "model", hints=dlt.mark.make_hints(columns=columns))
        progress.report(files=1, bytes=file.size)


def failed_file(scratch: Path, sql: str, exc: BaseException) -> DataFileError | None:
    """The error to report when dlt's load of the model `sql`, made by `model_items` in `scratch`,
    failed with `exc`: the file named as its provider does, and what is wrong with it. None if no
    file of `scratch` is read by `sql`."""
    for description in scratch.glob(f"*/{DESCRIPTION}"):
        file = json.loads(description.read_text())
        if literal(file["local"]) in sql:
            return data_files.explain(Path(file["local"]), file["file_format"], file["display"], file["casts"], exc)
    return None
