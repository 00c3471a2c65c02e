"""The `focus-build` flow: rebuild focus.cost_and_usage from the raw billing tables."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from openfinops.config import load_config
from tasks.aws.accounts import refresh_account_names
from tasks.transform import build_focus


@flow(name="focus-build")
def focus_build(data_dir: str | None = None, full_refresh: bool = False) -> list[dict]:
    """Run dbt: the periods whose raw rows changed are rebuilt, tests and reconciliation checks run."""
    config = load_config().with_overrides(data_dir)
    refresh_account_names(config.aws_account_names, config.database)
    return [s.__dict__ for s in build_focus(Path(config.data_dir), full_refresh)]
