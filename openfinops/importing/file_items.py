"""A manifest's data files as dlt items: each file typed into Parquet and handed to dlt as it is.

dlt hard-links each Parquet file into its load package and DuckDB loads it; no row is re-encoded
by Python. A provider's dlt resource yields from `parquet_items` with its own file writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, ContextManager, Iterator

import dlt
import fsspec
from dlt.extract.items import DataItemWithMeta

from openfinops import progress

from .exports import DataFile, Manifest
from .files import local_copy
from .lineage import column_hint
from .sql import sql_type

# (local copy of the file, the file, Parquet file to write, column layout) -> (rows, raw column types)
FileWriter = Callable[[Path, DataFile, Path, dict[str, str]], tuple[int, dict[str, str]]]


def parquet_items(manifest: Manifest, fs: fsspec.AbstractFileSystem, scratch: Path, layout: dict[str, str],
                  write: FileWriter, access_errors: Callable[[str], ContextManager[None]] | None = None,
                  ) -> Iterator[DataItemWithMeta]:
    """Every data file of the manifest, in order, written by `write` as a typed Parquet file.

    `layout` (column name to SQL type) is the raw table's column order, extended as files add
    columns; `scratch` holds downloads and Parquet files, each deleted once dlt has taken it.
    """
    for file in manifest.files:
        with local_copy(fs, file.path, scratch, access_errors) as local:
            out = scratch / f"{manifest.billing_period}-{file.key.rsplit('/', 1)[-1]}.parquet"
            rows, types = write(local, file, out, layout)
        for name, kind in types.items():
            layout.setdefault(name, sql_type(kind))
        try:
            # The file's own columns: dlt takes a file's schema from hints, never from its content.
            columns = {name: column_hint(kind) for name, kind in types.items()}
            yield dlt.mark.with_file_import(str(out), "parquet", items_count=rows,
                                            hints=dlt.mark.make_hints(columns=columns))
        finally:
            out.unlink(missing_ok=True)
        progress.report(files=1, bytes=file.size, rows=rows)
