"""Load one billing period of an export: its dlt source into the raw table, then record it.

The rows are appended under a new import id; one transaction then deletes the period's rows of
every other import and records the import in `finops_state.import_state`. A crash before that
leaves rows no reader sees (readers join on the recorded import id), and the next import of the
period deletes them: a rerun converges.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import dlt
import duckdb
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.load.exceptions import LoadClientJobException
from dlt.pipeline.exceptions import PipelineStepFailed

from openfinops import progress
from openfinops.errors import DataFileError, ImportFailed
from openfinops.warehouse import state
from openfinops.warehouse.database import DUCKDB_CONFIG, create_database, table_columns
from openfinops.warehouse.locks import database_lock

from .exports import BillingExport, Manifest
from .file_items import failed_file
from .lineage import IMPORT_COLUMN, PERIOD_COLUMN, SOURCE_FILE_COLUMN
from .sql import quote

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
# dlt would add its load id to every row loaded by a SQL model: the import id already says which load.
os.environ.setdefault("NORMALIZE__MODEL_NORMALIZER__ADD_DLT_LOAD_ID", "false")


class _FailedModelNotice(logging.Filter):
    """A SQL model that fails to load is reported as its data file's error, in one line (see
    `run_pipeline`): not also as dlt's traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (".model " in message and ("Terminal exception in job" in message or "failed terminally" in message))


logging.getLogger("dlt").addFilter(_FailedModelNotice())

E = TypeVar("E", bound=BaseException)


@dataclass(frozen=True)
class LoadedPeriod:
    import_id: str
    rows: int
    cost: Decimal | None  # sum of the export's cost column: the period's invoice total


def load_period(export: BillingExport, manifest: Manifest, data_dir: Path) -> LoadedPeriod:
    """Append the manifest's rows to the export's raw table, then make them the period's rows."""
    database = data_dir / "finops.duckdb"
    import_id = uuid.uuid4().hex
    # Downloads live here until dlt has loaded them, which is after the source has read them all.
    scratch = data_dir / "tmp" / "downloads" / export.table_name
    with database_lock(database):
        shutil.rmtree(scratch, ignore_errors=True)  # what a crashed run left behind
        try:
            source = export.dlt_source(manifest, import_id, scratch)
            run_pipeline(source, pipeline_name=f"{export.provider}__{export.table_name}", database=database,
                         dataset=export.dataset, pipelines_dir=data_dir / "tmp" / "dlt", scratch=scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        rows, cost = _record(export, manifest, import_id, database)
    progress.report(rows=rows)
    return LoadedPeriod(import_id, rows, cost)


def _record(export: BillingExport, manifest: Manifest, import_id: str, database: Path) -> tuple[int, Decimal | None]:
    """Make the import's rows the period's rows and record the import, in one transaction."""
    table = f"{export.dataset}.{quote(export.table_name)}"
    with duckdb.connect(str(database)) as con:
        con.execute("BEGIN TRANSACTION")
        per_file = []  # (source file, rows, Σ cost) of the period's rows
        if table_columns(con, export.dataset, export.table_name):  # a manifest of no file loads no table
            con.execute(f"DELETE FROM {table} WHERE {PERIOD_COLUMN} = ? AND {IMPORT_COLUMN} IS DISTINCT FROM ?",
                        [manifest.billing_period, import_id])
            # One scan gives the totals and each file's rows, which a manifest may state.
            cost_sql = getattr(export, "cost_sql", None) or quote(export.cost_column)
            per_file = con.execute(f"SELECT {SOURCE_FILE_COLUMN}, count(*), sum({cost_sql}) "
                                   f"FROM {table} WHERE {PERIOD_COLUMN} = ? GROUP BY ALL",
                                   [manifest.billing_period]).fetchall()
        rows = sum(n for _, n, _ in per_file)
        costs = [c for _, _, c in per_file if c is not None]
        cost = sum(costs) if costs else None
        fault = _row_count_fault({key: n for key, n, _ in per_file}, manifest)
        if fault:
            con.execute("ROLLBACK")  # the period keeps its rows; this import's are deleted by the next
            raise DataFileError(fault)
        state.record_import(
            con, provider=export.provider, export=export.name, billing_period=manifest.billing_period,
            source_format=export.source_format, raw_table=f"{export.dataset}.{export.table_name}",
            import_id=import_id, manifest_id=manifest.manifest_id, manifest_path=manifest.path,
            fingerprint=manifest.fingerprint,
            files=[{"key": f.key, "size": f.size, "etag": f.etag} for f in manifest.files],
            rows_loaded=rows, cost_total=cost,
        )
        con.execute("COMMIT")
    return rows, cost


def _row_count_fault(loaded: dict[str, int], manifest: Manifest) -> str | None:
    """What differs between the rows `loaded` per data file and the rows the manifest says each holds
    (its optional `expected_rows`: data file key -> rows); None if nothing does or nothing is said."""
    expected = getattr(manifest, "expected_rows", None)
    for key, rows in (expected or {}).items():
        if loaded.get(key, 0) != rows:
            return (f"{manifest.path}: data file {key} loaded {loaded.get(key, 0)} rows, the manifest says {rows}; "
                    "the period keeps its previous import")
    return None


def run_pipeline(source: dlt.sources.DltSource, *, pipeline_name: str, database: Path, dataset: str,
                 pipelines_dir: Path, scratch: Path | None = None) -> LoadInfo:
    """Extract, normalize and load `source`; raise the input's own error if the input is bad.

    `scratch` holds the files of the source's SQL models (see `file_items`), to name the one whose
    load failed."""
    create_database(database)
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
        cause = _in_chain(exc, ImportFailed)
        if cause is None and scratch is not None:
            cause = _failed_model(pipeline, exc, scratch)
        if cause is not None:
            raise cause from None
        raise


def _failed_model(pipeline: dlt.Pipeline, exc: PipelineStepFailed, scratch: Path) -> DataFileError | None:
    """A SQL model that failed to load (a value that does not cast, a damaged file): the file's own
    error. dlt names the failed job; its SQL names the file."""
    job = _in_chain(exc, LoadClientJobException)
    error = job and _in_chain(job.client_exception, duckdb.Error)
    if error is None:  # not DuckDB's: a bug, not a bad file
        return None
    jobs = itertools.chain.from_iterable(pipeline.get_load_package_info(job.load_id).jobs.values())
    for info in jobs:
        if info.job_file_info.job_id() == job.job_id and info.job_file_info.file_format == "model":
            return failed_file(scratch, Path(info.file_path).read_text(), error)
    return None


def _in_chain(exc: BaseException | None, kind: type[E]) -> E | None:
    """dlt wraps the errors of reading the source and of loading; find the first `kind` in the chain."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
