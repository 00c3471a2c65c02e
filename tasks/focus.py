"""Build the FOCUS table with dbt (in-process, through prefect-dbt) and summarize it."""

from __future__ import annotations

from pathlib import Path

import duckdb
from prefect import task
from prefect.cache_policies import NONE

from openfinops.errors import ImportFailed
from openfinops.focus.dbt import contract_columns, contract_constraints, dbt_build
from openfinops.focus.publish import publish_focus
from openfinops.focus.summary import FOCUS_TABLE, PeriodSummary, summarize
from openfinops.logs import run_logger
from openfinops.warehouse import state
from openfinops.warehouse.database import DUCKDB_CONFIG, table_columns, table_constraints
from openfinops.warehouse.locks import database_lock


class BuildFailed(ImportFailed):
    """dbt could not build the FOCUS table, or one of its tests (reconciliation included) failed."""


@task(name="build-focus", cache_policy=NONE)
def build_focus(data_dir: Path, full_refresh: bool = False) -> list[PeriodSummary]:
    """Run `dbt build` (models, seeds, tests; each a task run) so focus.cost_and_usage matches the raw rows."""
    logger = run_logger(__name__)
    database = (data_dir / "finops.duckdb").resolve()
    work = (data_dir / "tmp" / "dbt").resolve()
    target = work / "target"
    with database_lock(database):
        with duckdb.connect(str(database), config=DUCKDB_CONFIG) as con:  # may create the file
            inputs = state.focus_inputs(con)
            built = table_columns(con, *FOCUS_TABLE.split("."))
            constraints = table_constraints(con, *FOCUS_TABLE.split(".")) if built else {}
        # A release that adds a column or a constraint to the table rebuilds it whole once: the
        # incremental build refuses a schema change (on_schema_change='fail') rather than leave old
        # periods without the column, and constraints hold only for the rows written under them.
        added = [c for c in contract_columns() if c not in built] if built else []
        if added and not full_refresh:
            logger.info("%s gains column(s) %s: rebuilding every period", FOCUS_TABLE, ", ".join(added))
            full_refresh = True
        missing = {kind: n - constraints.get(kind, 0) for kind, n in contract_constraints().items()} if built else {}
        if any(n > 0 for n in missing.values()) and not full_refresh:
            logger.info("%s gains constraints (%s): rebuilding every period", FOCUS_TABLE,
                        ", ".join(f"{n} {kind}" for kind, n in missing.items() if n > 0))
            full_refresh = True
        try:
            result = dbt_build(database, work, target, full_refresh)
        except ValueError as exc:  # dbt could not run at all
            raise BuildFailed(f"dbt build of {FOCUS_TABLE} failed: {exc}") from exc
        if not result.success:
            failures = [f"{r.node.name}: {r.message}" for r in result.result if r.status in ("error", "fail")]
            raise BuildFailed("\n".join([f"dbt build of {FOCUS_TABLE} failed:", *failures]))
        # Data health checks warn instead of failing the build; their rows are stored for dashboards.
        for r in result.result:
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
