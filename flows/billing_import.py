"""The steps every provider's import flow runs, in order: find manifests → plan → load → build.

A provider's flow (`aws_cur.py`, ...) selects its configured exports and calls `import_exports`.
"""

from __future__ import annotations

from pathlib import Path

from prefect.states import Failed, State

from openfinops.config import Config
from openfinops.focus.dbt import import_dbt_in_background
from openfinops.importing.exports import BillingExport
from openfinops.importing.planning import PeriodResult, PlannedImport
from openfinops.warehouse.state import focus_is_current
from tasks.accounts import AccountNames, refresh_account_names
from tasks.dashboards_report import write_dashboards_report
from tasks.focus import build_focus
from tasks.freshness import check_freshness
from tasks.imports import find_manifests, load_billing_period, plan_imports, record_import_runs
from tasks.report import publish_import_summary


def import_exports(provider: str, exports: tuple[BillingExport, ...], account_names: AccountNames, config: Config,
                   period: str | None, build: bool) -> list[dict] | State:
    """Import every export's new and restated periods, refresh the account names, then build the
    FOCUS table if anything changed. A failed period fails the run but not the other periods; the
    run's message has one line per failed step, saying which."""
    results: list[PeriodResult] = []
    for export in exports:
        found = find_manifests(export, return_state=True)
        if found.is_failed():
            results.append(_failure(export, period or "*", found))
            continue
        manifests = found.result()
        check_freshness(provider, export.name, manifests, config.notifications.stale_after_hours)
        for planned in plan_imports(export, manifests, config.database, period):
            if build:  # new data: a build follows the loads
                import_dbt_in_background()
            results.append(_load(export, planned, config.data_dir))
    publish_import_summary(results)
    logged = record_import_runs(provider, results, config.database, return_state=True)
    named = refresh_account_names(provider, account_names, config.database, return_state=True)
    failures = []  # one line each, periods first (the CLI prints those from the results)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        details = "; ".join(f"{r.export} {r.billing_period}: {r.error}" for r in failed)
        failures.append(f"import: {len(failed)} of {len(results)} billing periods failed: {details}")
    if logged.is_failed():
        failures.append(f"import log: {logged.result(raise_on_failure=False)}")
    if named.is_failed():
        failures.append(f"account names: {named.result(raise_on_failure=False)}")
    # Periods that did import still reach the FOCUS table when others failed, and a failure reaches
    # the Data health dashboard (it is an input of the build); a build that failed or never ran
    # before is retried until it succeeds.
    if build and not focus_is_current(config.database):
        built = build_focus(config.data_dir, return_state=True)
        if built.is_failed():
            failures.append(f"FOCUS build: {built.result(raise_on_failure=False)}")
        elif config.offline_report:
            reported = write_dashboards_report(config.data_dir, return_state=True)
            if reported.is_failed():
                failures.append(f"dashboards report: {reported.result(raise_on_failure=False)}")
    data = [r.as_dict() for r in results]
    return Failed(message="\n".join(failures), data=data) if failures else data


def _load(export: BillingExport, planned: PlannedImport, data_dir: Path) -> PeriodResult:
    state = load_billing_period(export, planned, data_dir, return_state=True)
    if state.is_failed():
        return _failure(export, planned.manifest.billing_period, state, planned.manifest)
    return state.result()


def _failure(export: BillingExport, period: str, state: State, manifest=None) -> PeriodResult:
    error = state.result(raise_on_failure=False)
    return PeriodResult(export.name, period, "failed", getattr(manifest, "manifest_id", None), error=str(error))
