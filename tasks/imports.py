"""Prefect tasks of a billing import, for any provider's exports: find manifests, plan, load a period."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NONE
from prefect.runtime import flow_run

from openfinops.errors import ManifestError
from openfinops.importing.exports import BillingExport, BrokenManifest, Manifest
from openfinops.importing.loading import load_period
from openfinops.importing.planning import PeriodResult, PlannedImport, plan_periods
from openfinops.logs import run_logger
from openfinops.warehouse import state
from tasks.retries import RETRIES


@task(name="find-manifests", task_run_name="find-manifests-{export.name}", **RETRIES)
def find_manifests(export: BillingExport) -> list[Manifest | BrokenManifest]:
    """Every billing period's current manifest of the export, with its data files stat'ed."""
    return export.discover()


@task(name="plan-imports", task_run_name="plan-imports-{export.name}", cache_policy=NONE)
def plan_imports(export: BillingExport, manifests: list[Manifest | BrokenManifest], database: Path,
                 period: str | None = None) -> list[PlannedImport]:
    """Decide per billing period: new, changed (to replace) or unchanged (to skip)."""
    return plan_periods(export, manifests, database, period)


@task(name="load-billing-period", task_run_name="load-{export.name}-{planned.manifest.billing_period}", **RETRIES)
def load_billing_period(export: BillingExport, planned: PlannedImport, data_dir: Path) -> PeriodResult:
    """Append the manifest's rows to the raw table, then make them the period's rows: one transaction
    records the import and deletes the period's rows of every other import."""
    logger = run_logger(__name__)
    manifest = planned.manifest
    if isinstance(manifest, BrokenManifest):
        raise ManifestError(manifest.error)
    if planned.status == state.UNCHANGED:
        logger.info("%s %s: manifest %s already imported, skipped", export.name, manifest.billing_period,
                    manifest.manifest_id)
        return PeriodResult.skipped(export.name, manifest, planned.previous)
    loaded = load_period(export, manifest, data_dir)
    outcome = "replaced" if planned.status == state.CHANGED else "imported"
    logger.info("%s %s: %s manifest %s: %d files, %d bytes, %d rows, cost %s", export.name,
                manifest.billing_period, outcome, manifest.manifest_id, len(manifest.files), manifest.total_bytes,
                loaded.rows, loaded.cost)
    return PeriodResult(export.name, manifest.billing_period, outcome, manifest.manifest_id, len(manifest.files),
                        manifest.total_bytes, loaded.rows, loaded.cost)


@task(name="record-import-runs", **RETRIES)
def record_import_runs(provider: str, results: list[PeriodResult], database: Path) -> None:
    """Log each period's outcome, failures with their error, for the Data health dashboard."""
    if results:
        state.record_runs(database, provider, [(r.export, r.billing_period, r.status, r.manifest_id, r.error)
                                               for r in results], flow_run.id)
