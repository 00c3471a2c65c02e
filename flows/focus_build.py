"""The `focus-build` flow: rebuild focus.cost_and_usage from the raw billing tables."""

from __future__ import annotations

from prefect import flow
from prefect.states import Failed, State

from openfinops.config import load_config
from tasks.accounts import refresh_account_names
from tasks.dashboards_report import write_dashboards_report
from tasks.focus import build_focus


@flow(name="focus-build")
def focus_build(data_dir: str | None = None, full_refresh: bool = False) -> list[dict] | State:
    """Run dbt: the periods whose raw rows changed (or whose account names did) are rebuilt, tests and
    reconciliation checks run, and the offline dashboards report is written ([project] offline_report).
    An account list that cannot be read, or a report that cannot be written, fails the run after the build."""
    config = load_config().with_overrides(data_dir)
    # Every provider whose settings say where account names come from (see openfinops.providers).
    named = {key: refresh_account_names(key, settings.account_names, config.database, return_state=True)
             for key, settings in config.providers.items() if hasattr(settings, "account_names")}
    summary = [s.__dict__ for s in build_focus(config.data_dir, full_refresh)]
    failures = [f"{key} account names: {state.result(raise_on_failure=False)}"
                for key, state in named.items() if state.is_failed()]
    if config.offline_report:
        reported = write_dashboards_report(config.data_dir, return_state=True)
        if reported.is_failed():
            failures.append(f"dashboards report: {reported.result(raise_on_failure=False)}")
    if failures:
        return Failed(message="\n".join(failures), data=summary)
    return summary
