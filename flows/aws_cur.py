"""The `aws-cur` flow: fetch manifests → dedupe by state → dlt load → FOCUS build, per AWS export."""

from __future__ import annotations

from prefect import flow
from prefect.states import State

from flows.billing_import import import_exports
from openfinops.config import load_config


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
    aws = config.provider("aws")
    selected = aws.select(exports, sources, config.samples)
    return import_exports("aws", selected, aws.account_names, config, period, build)
