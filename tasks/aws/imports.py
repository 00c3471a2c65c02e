"""Prefect tasks of the AWS billing import: find manifests, decide what changed, load a period."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
from prefect import task
from prefect.cache_policies import NONE

from openfinops.config import AwsExport
from tasks import state
from tasks.errors import ManifestError
from tasks.load import run_pipeline, table_columns
from tasks.locks import database_lock
from tasks.logs import run_logger
from tasks.periods import resolve_period
from tasks.retries import RETRIES

from .columns import quote
from .cur_source import aws_cur
from .manifests import BrokenManifest, Manifest, discover
from .settings import COST_COLUMN, DATASET, IMPORT_COLUMN, PERIOD_COLUMN, PROVIDER
from .storage import export_filesystem


@dataclass(frozen=True)
class PlannedImport:
    manifest: Manifest | BrokenManifest
    status: str  # new, changed, unchanged, or "error" for a broken manifest
    previous: state.ImportRecord | None = None  # what the last import of this period loaded


@dataclass(frozen=True)
class PeriodResult:
    export: str
    billing_period: str
    status: str  # imported, replaced, skipped, failed
    manifest_id: str | None = None
    files: int = 0
    bytes: int = 0
    rows: int = 0
    cost: Decimal | None = None
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@task(name="find-manifests", **RETRIES)
def find_manifests(export: AwsExport) -> list[Manifest | BrokenManifest]:
    """Every billing period's current manifest of the export, with its data files stat'ed."""
    fs, root = export_filesystem(export)
    return discover(fs, root, export)


@task(name="plan-imports", cache_policy=NONE)
def plan_imports(export: AwsExport, manifests: list[Manifest | BrokenManifest], database: Path,
                 period: str | None = None) -> list[PlannedImport]:
    """Decide per billing period: new, changed (to replace) or unchanged (to skip)."""
    period = resolve_period(period)
    known = state.read_state(database, PROVIDER, export.name)
    plan = []
    for manifest in manifests:
        if period and manifest.billing_period != period:
            continue
        if isinstance(manifest, BrokenManifest):
            plan.append(PlannedImport(manifest, "error"))
        else:
            previous = known.get(manifest.billing_period)
            plan.append(PlannedImport(manifest, state.status(previous, manifest.fingerprint), previous))
    return plan


@task(name="load-billing-period", task_run_name="load-{export.name}-{planned.manifest.billing_period}", **RETRIES)
def load_billing_period(export: AwsExport, planned: PlannedImport, data_dir: Path) -> PeriodResult:
    """Append the manifest's rows to the raw table, then make them the period's rows: one transaction
    records the import and deletes the period's rows of every other import."""
    logger = run_logger(__name__)
    manifest = planned.manifest
    if isinstance(manifest, BrokenManifest):
        raise ManifestError(manifest.error)
    if planned.status == state.UNCHANGED:
        logger.info("%s %s: manifest %s already imported, skipped", export.name, manifest.billing_period,
                    manifest.manifest_id)
        return PeriodResult(export.name, manifest.billing_period, "skipped", manifest.manifest_id, len(manifest.files),
                            manifest.total_bytes, planned.previous.rows_loaded, planned.previous.cost_total)

    database = data_dir / "finops.duckdb"
    fs, _ = export_filesystem(export)
    cost_column = "billed_cost" if export.cur_version == "focus" else COST_COLUMN
    import_id = uuid.uuid4().hex
    with database_lock(database):
        source = aws_cur(manifest, export.table_name, import_id, fs,
                         data_dir / "tmp" / "downloads" / export.table_name,
                         _raw_columns(database, export.table_name))
        run_pipeline(source, pipeline_name=f"aws_cur__{export.table_name}", database=database, dataset=DATASET,
                     pipelines_dir=data_dir / "tmp" / "dlt")
        rows, cost = _record(export, manifest, import_id, database, cost_column)
    outcome = "replaced" if planned.status == state.CHANGED else "imported"
    logger.info("%s %s: %s manifest %s: %d files, %d bytes, %d rows, cost %s", export.name,
                manifest.billing_period, outcome, manifest.manifest_id, len(manifest.files), manifest.total_bytes,
                rows, cost)
    return PeriodResult(export.name, manifest.billing_period, outcome, manifest.manifest_id, len(manifest.files),
                        manifest.total_bytes, rows, cost)


def _raw_columns(database: Path, table: str) -> dict[str, str]:
    """The raw table's columns in order, for new files to match (empty before the first import)."""
    if not database.exists():
        return {}
    with duckdb.connect(str(database), read_only=True) as con:
        return table_columns(con, DATASET, table)


def _record(export: AwsExport, manifest: Manifest, import_id: str, database: Path,
            cost_column: str) -> tuple[int, Decimal | None]:
    """Make the import's rows the period's rows and record the import, in one transaction."""
    table = f"{DATASET}.{quote(export.table_name)}"
    with duckdb.connect(str(database)) as con:
        con.execute("BEGIN TRANSACTION")
        rows, cost = 0, None
        if table_columns(con, DATASET, export.table_name):  # a manifest of no file loads no table
            con.execute(f"DELETE FROM {table} WHERE {PERIOD_COLUMN} = ? AND {IMPORT_COLUMN} IS DISTINCT FROM ?",
                        [manifest.billing_period, import_id])
            rows, cost = con.execute(f"SELECT count(*), sum({quote(cost_column)}) FROM {table} "
                                     f"WHERE {PERIOD_COLUMN} = ?", [manifest.billing_period]).fetchone()
        state.record_import(
            con, provider=PROVIDER, export=export.name, billing_period=manifest.billing_period,
            source_format=export.cur_version, raw_table=f"{DATASET}.{export.table_name}", import_id=import_id,
            manifest_id=manifest.manifest_id, manifest_path=manifest.path, fingerprint=manifest.fingerprint,
            files=[{"key": f.key, "size": f.size, "etag": f.etag} for f in manifest.files],
            rows_loaded=rows, cost_total=cost,
        )
        con.execute("COMMIT")
    return rows, cost

