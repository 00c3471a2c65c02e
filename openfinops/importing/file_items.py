"""A manifest's data files as dlt items: SQL models, which dlt's load step runs in the destination
DuckDB as `INSERT INTO <raw table> SELECT <typed raw columns> FROM read_csv/read_parquet(<files>)`.

So each row is read, typed and written into the raw table once, on all cores, and no row passes
through Python. Files alike (same format, compression and columns: usually all of a manifest's)
are one model, so DuckDB reads several at once. dlt still owns the table: it creates and extends
it from each model's column hints and fills the columns a file lacks with NULL. A provider's dlt
resource yields from `model_items` with its own `FileReader`.

dlt loads after the source is done, so everything a file's load needs stays in `scratch` until the
caller deletes it: the local copy of the file, and what to say should its load fail (`failed_file`).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
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
FETCH_THREADS = 4


@dataclass(frozen=True)
class FileSelect:
    """One data file as its provider reads it into the raw table."""

    expressions: dict[str, str]  # raw column -> SQL over the file's columns (see `data_files.select_sql`)
    file_format: str  # of the local copy: "csv" or "parquet"
    file_columns: dict[str, str]  # the file's columns -> DuckDB type as read
    columns: dict[str, str]  # raw column -> dlt data type, the table's hints
    casts: dict[str, str]  # file column -> the dlt data type it is cast to, to trace a failed cast


# (local copy of the file, the file) -> how to read it
FileReader = Callable[[Path, DataFile], FileSelect]


def model_items(manifest: Manifest, fs: fsspec.AbstractFileSystem, scratch: Path, read: FileReader,
                access_errors: Callable[[str], ContextManager[None]] | None = None) -> Iterator[DataItemWithMeta]:
    """The data files of the manifest as SQL models for dlt to load, one per set of files alike."""

    def fetch(n: int, file: DataFile) -> tuple[Path, FileSelect]:
        folder = scratch / str(n)
        local = local_copy(fs, file.path, folder, access_errors)
        select = read(local, file)
        (folder / DESCRIPTION).write_text(json.dumps({"local": str(local), "display": file.path,
                                                      "file_format": select.file_format, "casts": select.casts}))
        return local, select

    alike: dict[tuple, tuple[FileSelect, dict[Path, str]]] = {}  # -> (how to read them, local copy -> key)
    # A few files at once: object stores serve several downloads in parallel, and one file's header
    # is read while another downloads.
    pool = ThreadPoolExecutor(max_workers=FETCH_THREADS)
    try:
        for file, (local, select) in zip(manifest.files, pool.map(fetch, range(len(manifest.files)), manifest.files)):
            key = (select.file_format, data_files.compression(local), tuple(select.file_columns.items()),
                   tuple(select.expressions.items()))
            alike.setdefault(key, (select, {}))[1][local] = file.key
            progress.report(files=1, bytes=file.size)
    finally:
        pool.shutdown(cancel_futures=True)  # after a failure, the files not yet started are not fetched
    for n, (select, files) in enumerate(alike.values()):
        model = scratch / f"select-{n}.model"
        model.write_text(str(SqlModel(data_files.select_sql(files, select.file_format, select.expressions), "duckdb")))
        # The files' own columns: dlt takes a model's schema from hints, never from its result.
        columns = {name: column_hint(kind) for name, kind in select.columns.items()}
        yield dlt.mark.with_file_import(str(model), "model", hints=dlt.mark.make_hints(columns=columns))


def failed_file(scratch: Path, sql: str, exc: BaseException) -> DataFileError | None:
    """The error to report when dlt's load of the model `sql`, made by `model_items` in `scratch`,
    failed with `exc`: the file named as its provider does, and what is wrong with it. None if no
    file of `scratch` is read by `sql`."""
    descriptions = sorted(scratch.glob(f"*/{DESCRIPTION}"), key=lambda d: int(d.parent.name))
    files = [file for file in (json.loads(d.read_text()) for d in descriptions) if literal(file["local"]) in sql]
    # DuckDB names the file in errors of reading it, not in those of casting a value it read.
    named = [file for file in files if file["local"] in str(exc)]
    if len(files) > 1 and not named:
        for file in files:
            fault = data_files.find_fault(Path(file["local"]), file["file_format"], file["casts"])
            if fault:
                return DataFileError(f"{file['display']}: {fault}")
    if not files:
        return None
    file = (named or files)[0]
    return data_files.explain(Path(file["local"]), file["file_format"], file["display"], file["casts"], exc)
