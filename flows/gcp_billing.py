"""The `gcp-billing` flow: find invoice months with new rows → dedupe by state → dlt load → FOCUS
build, per GCP billing export."""

from __future__ import annotations

from prefect import flow
from prefect.states import State

from flows.billing_import import import_exports
from openfinops.config import ConfigError, load_config
from openfinops.logs import run_logger


@flow(name="gcp-billing")
def gcp_billing(exports: list[str] | None = None, period: str | None = None, data_dir: str | None = None,
                sources: list[dict] | None = None, build: bool = True) -> list[dict] | State:
    """Import GCP billing exports (BigQuery tables or their files) into DuckDB; a failed invoice month
    fails the run but not the others.

    Args:
        exports: names of configured exports to import (default: all).
        period: only this invoice month: YYYY-MM, or current / previous (for schedules).
        data_dir: overrides `[project] data_dir`.
        sources: one-off exports (the keys of `[[gcp.exports]]`) instead of the configured ones.
        build: rebuild the FOCUS table when any month was imported or replaced.
    """
    config = load_config().with_overrides(data_dir)
    gcp = config.provider("gcp")
    try:
        selected = gcp.select(exports, sources, config.samples, config.database)
    except ConfigError as exc:
        if sources or exports or gcp.exports:
            raise
        # A stack without GCP exports (and no demo samples): the scheduled runs have nothing to do.
        run_logger(__name__).info("nothing to import: %s", exc)
        return []
    return import_exports("gcp", selected, gcp.account_names, config, period, build)
