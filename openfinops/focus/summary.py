"""What the FOCUS table holds: rows and costs per provider, export and billing period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from openfinops.warehouse.database import table_columns
from openfinops.warehouse.locks import database_lock

FOCUS_TABLE = "focus.cost_and_usage"


@dataclass(frozen=True)
class PeriodSummary:
    provider: str
    export: str
    billing_period: str
    rows: int
    billed_cost: Decimal
    effective_cost: Decimal


def summarize(database: Path) -> list[PeriodSummary]:
    """Rows and costs per provider, export and period of the FOCUS table; empty if it was never built."""
    if not database.exists():
        return []
    with database_lock(database), duckdb.connect(str(database)) as con:
        if not table_columns(con, *FOCUS_TABLE.split(".")):
            return []
        rows = con.execute(f"""
            SELECT ProviderName, x_SourceExport, x_BillingPeriod, count(*), sum(BilledCost), sum(EffectiveCost)
            FROM {FOCUS_TABLE} GROUP BY ALL ORDER BY ALL""").fetchall()
    return [PeriodSummary(*row) for row in rows]
