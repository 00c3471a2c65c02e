"""Load one billing period of an export: its dlt source into the raw table, then record it.

The rows are appended under a new import id; one transaction then deletes the period's rows of
every other import and records the import in `finops_state.import_state`. A crash before that
leaves rows no reader sees (readers join on the recorded import id), and the next import of the
period deletes them: a rerun converges.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.pipeline.exceptions import PipelineStepFailed

from openfinops.errors import ImportFailed
from openfinops.warehouse import state
from openfinops.warehouse.database import DUCKDB_CONFIG, table_columns
from openfinops.warehouse.locks import database_lock

from .exports import BillingExport, Manifest
from .lineage import IMPORT_COLUMN, PERIOD_COLUMN
from .sql import quote

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")


class _DeclaredHintsNotice(logging.Filter):
    """Our declared column hints (JSON, NOT NULL lineage) override Arrow's on purpose: no warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "several column hints were different" not in record.getMessage()


logging.getLogger("dlt").addFilter(_DeclaredHintsNotice())


@dataclass(frozen=True)
class LoadedPeriod:
    import_id: str
    rows: int
    cost: Decimal | None  # sum of the export's cost column: the period's invoice total


def load_period(export: BillingExport, manifest: Manifest, data_dir: Path) -> LoadedPeriod:
    """Append the manifest's rows to the export's raw table, then make them the period's rows."""
    database = data_dir / "finops.duckdb"
    import_id = uuid.uuid4().hex
    with database_lock(database):
        source = export.dlt_source(manifest, import_id, data_dir / "tmp" / "downloads" / export.table_name,
                                   _raw_columns(database, export.dataset, export.table_name))
        run_pipeline(source, pipeline_name=f"{export.provider}__{export.table_name}", database=database,
                     dataset=export.dataset, pipelines_dir=data_dir / "tmp" / "dlt")
        rows, cost = _record(export, manifest, import_id, database)
    return LoadedPeriod(import_id, rows, cost)


def _raw_columns(database: Path, dataset: str, table: str) -> dict[str, str]:
    """The raw table's columns in order, for new files to match (empty before the first import)."""
    if not database.exists():
        return {}
    with duckdb.connect(str(database), read_only=True) as con:
        return table_columns(con, dataset, table)


def _record(export: BillingExport, manifest: Manifest, import_id: str, database: Path) -> tuple[int, Decimal | None]:
    """Make the import's rows the period's rows and record the import, in one transaction."""
    table = f"{export.dataset}.{quote(export.table_name)}"
    with duckdb.connect(str(database)) as con:
        con.execute("BEGIN TRANSACTION")
        rows, cost = 0, None
        if table_columns(con, export.dataset, export.table_name):  # a manifest of no file loads no table
            con.execute(f"DELETE FROM {table} WHERE {PERIOD_COLUMN} = ? AND {IMPORT_COLUMN} IS DISTINCT FROM ?",
                        [manifest.billing_period, import_id])
            rows, cost = con.execute(f"SELECT count(*), sum({quote(export.cost_column)}) FROM {table} "
                                     f"WHERE {PERIOD_COLUMN} = ?", [manifest.billing_period]).fetchone()
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


def _input_error(exc: BaseException) -> ImportFailed | None:
    """dlt wraps errors raised while reading the source; find ours in the chain."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ImportFailed):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
