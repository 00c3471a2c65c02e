"""Build the FOCUS table with dbt (dbt's Python API, in-process) and summarize it."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
from prefect import task
from prefect.cache_policies import NONE

from openfinops.errors import ImportFailed
from openfinops.focus.publish import publish_focus
from openfinops.focus.summary import FOCUS_TABLE, PeriodSummary, summarize
from openfinops.logs import run_logger
from openfinops.warehouse import state
from openfinops.warehouse.locks import database_lock

PROJECT_DIR = Path(__file__).resolve().parents[1] / "transformations"


class BuildFailed(ImportFailed):
    """dbt could not build the FOCUS table, or one of its tests (reconciliation included) failed."""


@task(name="build-focus", cache_policy=NONE)
def build_focus(data_dir: Path, full_refresh: bool = False) -> list[PeriodSummary]:
    """Run `dbt build` (models, seeds, tests) so focus.cost_and_usage matches the raw rows."""
    from dbt.cli.main import dbtRunner

    logger = run_logger(__name__)
    database = (data_dir / "finops.duckdb").resolve()
    work = (data_dir / "tmp" / "dbt").resolve()
    # The container image parses the project at build time into its own target folder.
    target = os.environ.get("OPEN_FINOPS_DBT_TARGET", str(work / "target"))
    # profiles.yml reads the database path from here; dbt has no per-invocation setting for it.
    os.environ["OPEN_FINOPS_DATABASE"] = str(database)
    args = ["build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
            "--target-path", target, "--log-path", str(work / "logs"), "--quiet"]
    if full_refresh:
        args.append("--full-refresh")
    with database_lock(database):
        with duckdb.connect(str(database)) as con:
            inputs = state.focus_inputs(con)
        try:
            result = dbtRunner().invoke(args)
        finally:
            _release_dbt_connection()
        if not result.success:
            failures = [f"{r.node.name}: {r.message}" for r in (result.result or []) if r.status in ("error", "fail")]
            detail = "; ".join(failures) or str(result.exception)
            raise BuildFailed(f"dbt build of {FOCUS_TABLE} failed: {detail}")
        # Data health checks warn instead of failing the build; their rows are stored for dashboards.
        for r in result.result or []:
            if r.status == "warn":
                logger.warning("data health: %s: %s (rows in %s)", r.node.name, r.message, r.node.relation_name)
        # Only a table that passed every test (reconciliation included) reaches the dashboards.
        publish_focus(database, data_dir / "published")
        with duckdb.connect(str(database)) as con:
            state.record_focus_build(con, inputs)
    summary = summarize(database)
    for s in summary:
        logger.info("FOCUS %s %s %s: %d rows, BilledCost %s, EffectiveCost %s", s.provider, s.export,
                    s.billing_period, s.rows, s.billed_cost, s.effective_cost)
    return summary


def _release_dbt_connection() -> None:
    """dbt-duckdb keeps its database open for the life of the process; close it so the next writer
    (an import in the same process, or a read-only reader) can open the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
    DuckDBConnectionManager.close_all_connections()
