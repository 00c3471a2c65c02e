"""The `focus-build` flow: rebuild focus.cost_and_usage from the raw billing tables."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.states import Failed, State

from openfinops.config import load_config
from tasks.aws.accounts import refresh_account_names
from tasks.transform import build_focus


@flow(name="focus-build")
def focus_build(data_dir: str | None = None, full_refresh: bool = False) -> list[dict] | State:
    """Run dbt: the periods whose raw rows changed (or whose account names did) are rebuilt, tests and
    reconciliation checks run. An account list that cannot be read fails the run, after the build."""
    config = load_config().with_overrides(data_dir)
    named = refresh_account_names(config.aws_account_names, config.database, return_state=True)
    summary = [s.__dict__ for s in build_focus(Path(config.data_dir), full_refresh)]
    if named.is_failed():
        return Failed(message=f"account names: {named.result(raise_on_failure=False)}", data=summary)
    return summary
