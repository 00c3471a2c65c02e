"""What `finops rates` reads: the rate optimization marts (schema `rate_optimization`) in the published
read-only copy, so reading them never waits for, or blocks, an import or a build.

Columns are the marts' contract (transformations/models/marts/rate_optimization/_rate_optimization__models.yml).
Percentages of a group or a span are computed from its sums, never as an average of rows' percentages.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import duckdb

from openfinops.focus.publish import READ_DATABASE

SCHEMA = "rate_optimization"


@contextmanager
def read_copy(published: Path, *tables: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published copy in `published`, which must hold `rate_optimization.<table>`
    for each of `tables`; timestamps are shown in UTC."""
    path = published / READ_DATABASE
    if not path.exists():
        raise FileNotFoundError(f"{path}: no published data yet (import or build first)")
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        present = {name for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [SCHEMA]).fetchall()}
        missing = [f"{SCHEMA}.{t}" for t in tables if t not in present]
        if missing:
            raise FileNotFoundError(f"{path} has no {', '.join(missing)}: the rate optimization marts are published "
                                    "by the FOCUS build (finops focus build)")
        yield con


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def commitments(con: duckdb.DuckDBPyConnection, provider: str | None = None,
                include_expired: bool = False) -> list[dict[str, Any]]:
    """The commitment inventory: active ones first, the soonest to expire first."""
    return _rows(con, f"""
        SELECT provider, commitment_id, coalesce(commitment_name, commitment_id) AS name, commitment_type,
               offering_type, term, payment_option, strftime(end_at, '%Y-%m-%d') AS end_date, days_to_expiry,
               utilization_pct_30d, unused_cost_30d, billing_currency, is_active
        FROM {SCHEMA}.commitment_inventory
        WHERE (CAST(? AS VARCHAR) IS NULL OR provider = ?) AND (? OR is_active IS DISTINCT FROM false)
        ORDER BY is_active DESC NULLS LAST, days_to_expiry NULLS LAST, provider, name""",
                 [provider, provider, include_expired])


def expired_count(con: duckdb.DuckDBPyConnection, provider: str | None = None) -> int:
    return con.execute(f"SELECT count(*) FROM {SCHEMA}.commitment_inventory "
                       "WHERE (CAST(? AS VARCHAR) IS NULL OR provider = ?) AND is_active = false",
                       [provider, provider]).fetchone()[0]


SAVINGS_SOURCES = ("negotiated_savings", "commitment_savings", "spot_savings", "other_savings")
SAVINGS_SUMS = ("list_cost", "effective_cost", *SAVINGS_SOURCES, "total_savings")


@dataclass(frozen=True)
class SavingsRow:
    month: str  # YYYY-MM, or the span of a total row
    provider: str
    billing_currency: str | None
    sums: dict[str, Any]  # SAVINGS_SUMS -> Σ

    @property
    def effective_savings_rate_pct(self) -> float | None:
        """100 × Σ total_savings / Σ list_cost; None without list cost."""
        list_cost, total = self.sums["list_cost"], self.sums["total_savings"]
        return None if not list_cost or total is None else 100 * float(total) / float(list_cost)


def savings(con: duckdb.DuckDBPyConnection, months: int, provider: str | None = None) -> list[SavingsRow]:
    """Per month (the newest `months` with data) and provider: the sums of rate_optimization.savings."""
    sums = ", ".join(f"sum({c}) AS {c}" for c in SAVINGS_SUMS)
    rows = _rows(con, f"""
        WITH selected AS (SELECT * FROM {SCHEMA}.savings WHERE CAST(? AS VARCHAR) IS NULL OR provider = ?),
        months AS (SELECT DISTINCT charge_month FROM selected ORDER BY charge_month DESC LIMIT ?)
        SELECT strftime(charge_month, '%Y-%m') AS month, provider, billing_currency, {sums}
        FROM selected WHERE charge_month IN (SELECT charge_month FROM months)
        GROUP BY ALL ORDER BY month, provider, billing_currency NULLS LAST""", [provider, provider, months])
    return [SavingsRow(r["month"], r["provider"], r["billing_currency"], {c: r[c] for c in SAVINGS_SUMS})
            for r in rows]


def savings_totals(rows: list[SavingsRow]) -> list[SavingsRow]:
    """One row per provider and currency summing `rows` over their months."""
    groups: dict[tuple[str, str | None], list[SavingsRow]] = {}
    for row in rows:
        groups.setdefault((row.provider, row.billing_currency), []).append(row)
    totals = []
    for (provider, currency), group in groups.items():
        span = group[0].month if len(group) == 1 else f"{group[0].month}..{group[-1].month}"
        sums = {}
        for column in SAVINGS_SUMS:
            values = [r.sums[column] for r in group if r.sums[column] is not None]
            sums[column] = sum(values[1:], values[0]) if values else None
        totals.append(SavingsRow(span, provider, currency, sums))
    return totals


def recommendations(con: duckdb.DuckDBPyConnection, lookback_days: int,
                    provider: str | None = None) -> list[dict[str, Any]]:
    """The purchase recommendations of one lookback: per provider, spend-based first, then reservations
    by expected savings."""
    return _rows(con, f"""
        SELECT provider, lookback_days, commitment_category, scope, billing_currency,
               strftime(window_start, '%Y-%m-%d %H:%M') AS window_start,
               strftime(window_end, '%Y-%m-%d %H:%M') AS window_end, hours_counted, unit, discount_rate,
               discount_source, on_demand_per_hour_avg, recommended_per_hour, recommended_commitment_per_hour,
               recommended_count, reference_size, expected_utilization_pct, expected_coverage_pct, expected_savings,
               expected_savings_per_month, break_even_utilization_pct
        FROM {SCHEMA}.commitment_recommendations
        WHERE lookback_days = ? AND (CAST(? AS VARCHAR) IS NULL OR provider = ?)
        ORDER BY provider, commitment_category = 'Spend' DESC, expected_savings_per_month DESC NULLS LAST, scope""",
                 [lookback_days, provider, provider])
