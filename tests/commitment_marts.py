"""A published read copy holding only the two commitment marts the alerts read, with the columns and
types of their contract (transformations/models/marts/rate_optimization/_rate_optimization__models.yml),
filled with the rows a test names."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from openfinops.focus.publish import READ_DATABASE

INVENTORY_COLUMNS = {
    "provider": "VARCHAR", "billing_account_id": "VARCHAR", "sub_account_id": "VARCHAR", "commitment_id": "VARCHAR",
    "commitment_name": "VARCHAR", "commitment_type": "VARCHAR", "commitment_category": "VARCHAR",
    "commitment_unit": "VARCHAR", "billing_currency": "VARCHAR", "offering_type": "VARCHAR",
    "payment_option": "VARCHAR", "term": "VARCHAR", "region_id": "VARCHAR", "instance_type": "VARCHAR",
    "committed_per_hour": "DECIMAL(38, 6)", "start_at": "TIMESTAMPTZ", "end_at": "TIMESTAMPTZ",
    "first_charge_at": "TIMESTAMPTZ", "last_charge_at": "TIMESTAMPTZ", "utilization_pct_30d": "DECIMAL(38, 2)",
    "unused_cost_30d": "DECIMAL(38, 12)", "days_to_expiry": "BIGINT", "is_active": "BOOLEAN",
}
UTILIZATION_COLUMNS = {
    "provider": "VARCHAR", "billing_account_id": "VARCHAR", "commitment_id": "VARCHAR", "commitment_name": "VARCHAR",
    "commitment_type": "VARCHAR", "commitment_category": "VARCHAR", "commitment_unit": "VARCHAR",
    "billing_currency": "VARCHAR", "charge_date": "DATE", "charge_month": "DATE",
    "used_quantity": "DECIMAL(38, 12)", "unused_quantity": "DECIMAL(38, 12)", "committed_quantity": "DECIMAL(38, 12)",
    "used_cost": "DECIMAL(38, 12)", "unused_cost": "DECIMAL(38, 12)", "committed_cost": "DECIMAL(38, 12)",
    "utilization_pct": "DECIMAL(38, 2)",
}


def commitment(commitment_id: str, end_at: datetime | None, provider: str = "aws", name: str | None = None,
               commitment_type: str = "Reserved Instance", is_active: bool = True, **columns) -> dict:
    """An inventory row; its build-time days_to_expiry is deliberately stale (the alerts must not use it)."""
    return {"provider": provider, "commitment_id": commitment_id, "commitment_name": name,
            "commitment_type": commitment_type, "commitment_category": "Usage", "billing_currency": "USD",
            "end_at": end_at, "days_to_expiry": 999, "is_active": is_active, **columns}


def daily_use(commitment_id: str, last_day: date, days: int, used: float, committed: float, unused_cost: float,
              provider: str = "aws") -> list[dict]:
    """Utilization rows of `commitment_id` for the `days` days up to `last_day`, each alike."""
    return [{"provider": provider, "commitment_id": commitment_id, "charge_date": last_day - timedelta(days=n),
             "used_quantity": used, "unused_quantity": committed - used, "committed_quantity": committed,
             "unused_cost": unused_cost, "billing_currency": "USD"} for n in range(days)]


def write_commitment_marts(published: Path, inventory: list[dict], utilization: list[dict]) -> Path:
    """Create `published`/finops-read.duckdb with rate_optimization.commitment_inventory and
    commitment_utilization holding these rows (unnamed columns NULL); its path."""
    published.mkdir(parents=True, exist_ok=True)
    path = published / READ_DATABASE
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA rate_optimization")
        for table, columns, rows in (("commitment_inventory", INVENTORY_COLUMNS, inventory),
                                     ("commitment_utilization", UTILIZATION_COLUMNS, utilization)):
            con.execute(f"CREATE TABLE rate_optimization.{table} ("
                        + ", ".join(f"{name} {kind}" for name, kind in columns.items()) + ")")
            for names in dict.fromkeys(tuple(row) for row in rows):  # rows naming the same columns at once
                con.executemany(f"INSERT INTO rate_optimization.{table} ({', '.join(names)}) "
                                f"VALUES ({', '.join('?' for _ in names)})",
                                [list(row.values()) for row in rows if tuple(row) == names])
    return path
