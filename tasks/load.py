"""Run a dlt source into the project's DuckDB database."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import dlt
import duckdb
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.pipeline.exceptions import PipelineStepFailed

from tasks.errors import ImportFailed

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

# Every DuckDB connection that moves billing data (read, load, publish, export) uses these.
# DuckDB caches pages up to 80% of RAM by default; moving data needs far less, and what the
# pipeline holds must not grow with the size of the export. Row order means nothing in a bill:
# not keeping it lets DuckDB read, insert and write Parquet in parallel in bounded memory.
DUCKDB_CONFIG = {"memory_limit": "1GB", "preserve_insertion_order": False}


class _DeclaredHintsNotice(logging.Filter):
    """Our declared column hints (JSON, NOT NULL lineage) override Arrow's on purpose: no warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "several column hints were different" not in record.getMessage()


logging.getLogger("dlt").addFilter(_DeclaredHintsNotice())


def run_pipeline(source: dlt.sources.DltSource, *, pipeline_name: str, database: Path, dataset: str,
                 pipelines_dir: Path) -> LoadInfo:
    """Extract, normalize and load `source`; raise the input's own error if the input is bad."""
    database.parent.mkdir(parents=True, exist_ok=True)
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name,
        destination=dlt.destinations.duckdb(
            DuckDbCredentials(str(database), global_config=DUCKDB_CONFIG),
            # One file at a time: each INSERT already uses every core, and ten at once would share
            # the memory limit and spill to disk.
            loader_parallelism_strategy="sequential"),
        dataset_name=dataset,
        pipelines_dir=str(pipelines_dir),
    )
    # A crashed run may have left a half-made package behind; the new run re-reads the current
    # manifest instead, so the result is the same whether or not a crash happened.
    if pipeline.has_pending_data:
        pipeline.abort_packages()
    try:
        return pipeline.run(source)
    except PipelineStepFailed as exc:
        cause = _input_error(exc)
        if cause is not None:
            raise cause from None
        raise


def table_columns(con: duckdb.DuckDBPyConnection, dataset: str, table: str) -> dict[str, str]:
    """The columns of `dataset.table` and their SQL types, in table order, without dlt's own;
    empty if there is no such table yet."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? AND NOT starts_with(column_name, '_dlt_') "
        "ORDER BY ordinal_position", [dataset, table]).fetchall()
    return dict(rows)


def _input_error(exc: BaseException) -> ImportFailed | None:
    """dlt wraps errors raised while reading the source; find ours in the chain."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ImportFailed):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
