"""The `azure-billing` flow: find export runs → dedupe by state → dlt load → FOCUS build, per Azure export."""

from __future__ import annotations

from prefect import flow
from prefect.states import State

from flows.billing_import import import_exports
from openfinops.config import ConfigError, load_config
from openfinops.logs import run_logger


@flow(name="azure-billing")
def azure_billing(exports: list[str] | None = None, period: str | None = None, data_dir: str | None = None,
                  sources: list[dict] | None = None, build: bool = True) -> list[dict] | State:
    """Import Azure Cost Management exports into DuckDB; a failed period fails the run but not the others.

    Args:
        exports: names of configured exports to import (default: all).
        period: only this billing period: YYYY-MM, or current / previous (for schedules).
        data_dir: overrides `[project] data_dir`.
        sources: one-off exports (the keys of `[[azure.exports]]`) instead of the configured ones.
        build: rebuild the FOCUS table when any period was imported or replaced.
    """
    config = load_config().with_overrides(data_dir)
    azure = config.provider("azure")
    try:
        selected = azure.select(exports, sources, config.samples)
    except ConfigError as exc:
        if sources or exports or azure.exports:
            raise
        # A stack without Azure exports (and no demo samples): the scheduled runs have nothing to do,
        # which is not a failure worth a notification four times a day.
        run_logger(__name__).info("nothing to import: %s", exc)
        return []
    return import_exports("azure", selected, azure.account_names, config, period, build)
