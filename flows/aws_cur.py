"""The `aws-cur` flow: fetch manifests → dedupe by state → dlt load, per export and billing period."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.states import Failed, State

from openfinops.config import AwsExport, load_config
from tasks.aws.accounts import refresh_account_names
from tasks.aws.imports import PeriodResult, PlannedImport, find_manifests, load_billing_period, plan_imports
from tasks.freshness import check_freshness
from tasks.report import publish_import_summary
from tasks.state import focus_is_current
from tasks.transform import build_focus


@flow(name="aws-cur")
def aws_cur(exports: list[str] | None = None, period: str | None = None, data_dir: str | None = None,
            sources: list[dict] | None = None, build: bool = True) -> list[dict] | State:
    """Import AWS billing exports into DuckDB; a failed period fails the run but not the others.

    Args:
        exports: names of configured exports to import (default: all).
        period: only this billing period: YYYY-MM, or current / previous (for schedules).
        data_dir: overrides `[project] data_dir`.
        sources: one-off exports (the keys of `[[aws.exports]]`) instead of the configured ones.
        build: rebuild the FOCUS table when any period was imported or replaced.
    """
    config = load_config().with_overrides(data_dir)
    results: list[PeriodResult] = []
    for export in config.select_aws_exports(exports, sources):
        found = find_manifests(export, return_state=True)
        if found.is_failed():
            results.append(_failure(export, period or "*", found))
            continue
        manifests = found.result()
        check_freshness("aws", export.name, manifests, config.notifications.stale_after_hours)
        for planned in plan_imports(export, manifests, config.database, period):
            results.append(_load(export, planned, config.data_dir))
    publish_import_summary(results)
    named = refresh_account_names(config.aws_account_names, config.database, return_state=True)
    failures = []  # one line each, periods first (the CLI prints those from the results)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        details = "; ".join(f"{r.export} {r.billing_period}: {r.error}" for r in failed)
        failures.append(f"{len(failed)} of {len(results)} billing periods failed: {details}")
    if named.is_failed():
        failures.append(f"account names: {named.result(raise_on_failure=False)}")
    # Periods that did import still reach the FOCUS table when others failed; a build that failed
    # or never ran before is retried until it succeeds.
    if build and not focus_is_current(config.database):
        built = build_focus(config.data_dir, return_state=True)
        if built.is_failed():
            failures.append(str(built.result(raise_on_failure=False)))
    data = [r.as_dict() for r in results]
    return Failed(message="\n".join(failures), data=data) if failures else data


def _load(export: AwsExport, planned: PlannedImport, data_dir: Path) -> PeriodResult:
    state = load_billing_period(export, planned, data_dir, return_state=True)
    if state.is_failed():
        return _failure(export, planned.manifest.billing_period, state, planned.manifest)
    return state.result()


def _failure(export: AwsExport, period: str, state: State, manifest=None) -> PeriodResult:
    error = state.result(raise_on_failure=False)
    return PeriodResult(export.name, period, "failed", getattr(manifest, "manifest_id", None), error=str(error))
