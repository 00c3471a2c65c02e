"""Commitment discounts that need attention: terms about to end, and commitments left unused.

Both read the rate optimization marts (`rate_optimization.commitment_inventory` and
`rate_optimization.commitment_utilization`) from the published read-only copy
(`<data_dir>/published/finops-read.duckdb`, opened by `openfinops.rates.read_copy`), so a check never
waits for, or blocks, an import or a build holding the working database.

- Days to expiry are counted from `end_at` to the time of the check, not taken from the build's
  `days_to_expiry`. Expired commitments are left out; so are those without `end_at`, which cannot
  be said to expire.
- Utilization is Σ used_quantity / Σ committed_quantity over the newest `window_days` days of each
  provider's data (providers' exports arrive with different delays), never an average of the days'
  percentages. A commitment with nothing committed in the window has no utilization and is not
  reported as under-used.
- A commitment is active while its `end_at` is in the future, or, without `end_at`, while the mart
  says so (it still had charges in the newest week of data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from openfinops.rates import SCHEMA, read_copy

MARTS = ("commitment_inventory", "commitment_utilization")
INVENTORY, UTILIZATION = (f"{SCHEMA}.{name}" for name in MARTS)
DIGEST_LIMIT = 25  # commitments listed in one notification; the event's payload counts them all

# The active commitments that match {where}: with utilization and unused cost over the newest $window
# days of their provider's data, and the days to expiry counted from $now (epoch seconds).
_COMMITMENTS = """
WITH newest AS (
    SELECT provider, max(charge_date) AS newest_day FROM {utilization} GROUP BY provider
), windowed AS (
    SELECT u.provider, u.commitment_id,
           sum(u.used_quantity) AS used_quantity, sum(u.committed_quantity) AS committed_quantity,
           sum(u.unused_cost) AS unused_cost
    FROM {utilization} AS u JOIN newest AS n ON n.provider = u.provider
    WHERE u.charge_date > n.newest_day - to_days(CAST($window AS INTEGER))
    GROUP BY u.provider, u.commitment_id
), final AS (
    SELECT i.provider, i.commitment_id, i.commitment_name, i.commitment_type, i.billing_currency,
           timezone('UTC', i.end_at) AS end_at_utc,
           CAST(ceil((epoch(i.end_at) - $now) / 86400) AS INTEGER) AS days_to_expiry,
           CASE WHEN w.committed_quantity > 0
                THEN 100 * CAST(w.used_quantity AS DOUBLE) / CAST(w.committed_quantity AS DOUBLE) END
               AS utilization_pct,
           w.unused_cost,
           coalesce(epoch(i.end_at) > $now, i.end_at IS NULL AND coalesce(i.is_active, false)) AS is_active
    FROM {inventory} AS i
    LEFT JOIN windowed AS w ON w.provider = i.provider AND w.commitment_id = i.commitment_id
)
SELECT provider, commitment_id, commitment_name, commitment_type, billing_currency, end_at_utc,
       days_to_expiry, utilization_pct, unused_cost
FROM final
WHERE is_active AND ({where})
ORDER BY {order}
"""


@dataclass(frozen=True)
class Commitment:
    """A commitment discount in an alert, with its use over the window."""

    provider: str
    commitment_id: str
    name: str | None
    type: str | None
    currency: str | None
    end_at: datetime | None  # UTC
    days_to_expiry: int | None  # whole days from the check to end_at, rounded up
    utilization_pct: float | None  # over the window; None when nothing was committed in it
    unused_cost: Decimal | None  # over the window

    @property
    def label(self) -> str:
        kind = " ".join(filter(None, (self.provider, self.type)))
        return f"{self.name or self.commitment_id} ({kind})"

    def usage(self, window_days: int) -> str:
        if self.utilization_pct is None:
            return f"nothing committed in the last {window_days} days of data"
        unused = f"{self.unused_cost or 0:,.2f} {self.currency or ''}".rstrip()
        return f"{self.utilization_pct:.1f} % used, {unused} unused in the last {window_days} days of data"

    def as_payload(self) -> dict:
        """The JSON-ready form an event carries."""
        return {"provider": self.provider, "commitment_id": self.commitment_id, "name": self.name,
                "type": self.type, "end_at": self.end_at.isoformat() if self.end_at else None,
                "days_to_expiry": self.days_to_expiry, "utilization_pct": self.utilization_pct,
                "unused_cost": str(self.unused_cost) if self.unused_cost is not None else None,
                "currency": self.currency}


def expiring_commitments(published: Path, within_days: int, window_days: int, now: datetime) -> list[Commitment]:
    """The active commitments whose term ends within `within_days` of `now` (0: none), soonest first."""
    return _select(published, "end_at_utc IS NOT NULL AND days_to_expiry <= $within",
                   "end_at_utc, provider, commitment_id", now, window_days, within=within_days)


def underutilized_commitments(published: Path, min_utilization_pct: float, window_days: int,
                              now: datetime) -> list[Commitment]:
    """The active commitments used below `min_utilization_pct` over the newest `window_days` days of
    their provider's data, the most unused cost first."""
    return _select(published, "utilization_pct < $min_pct",
                   "unused_cost DESC NULLS LAST, utilization_pct, provider, commitment_id", now, window_days,
                   min_pct=float(min_utilization_pct))


def expiring_digest(commitments: list[Commitment], within_days: int, window_days: int) -> str:
    """One notification's text: a line per commitment (the first DIGEST_LIMIT)."""
    verb = "expires" if len(commitments) == 1 else "expire"
    lines = [f"- {c.label}: ends {c.end_at:%Y-%m-%d}, in {c.days_to_expiry} "
             f"day{'' if c.days_to_expiry == 1 else 's'}; {c.usage(window_days)}" for c in commitments]
    return _digest(f"{_count(commitments)} {verb} within {within_days} days:", lines)


def underutilized_digest(commitments: list[Commitment], min_utilization_pct: float, window_days: int) -> str:
    """One notification's text: a line per commitment (the first DIGEST_LIMIT)."""
    verb = "was" if len(commitments) == 1 else "were"
    lines = [f"- {c.label}: {c.usage(window_days)}"
             + (f"; ends {c.end_at:%Y-%m-%d}" if c.end_at else "") for c in commitments]
    return _digest(f"{_count(commitments)} {verb} used below {min_utilization_pct:g} % "
                   f"in the last {window_days} days of data:", lines)


def _count(commitments: list[Commitment]) -> str:
    return f"{len(commitments)} commitment discount{'' if len(commitments) == 1 else 's'}"


def _digest(title: str, lines: list[str]) -> str:
    more = [f"... and {len(lines) - DIGEST_LIMIT} more"] if len(lines) > DIGEST_LIMIT else []
    return "\n".join([title, *lines[:DIGEST_LIMIT], *more])


def _select(published: Path, where: str, order: str, now: datetime, window_days: int,
            **params: float | int) -> list[Commitment]:
    # FileNotFoundError when nothing is published yet, or only a copy from before the marts
    with read_copy(published, *MARTS) as con:
        rows = con.execute(_COMMITMENTS.format(inventory=INVENTORY, utilization=UTILIZATION, where=where, order=order),
                           {"now": now.timestamp(), "window": window_days, **params}).fetchall()
    return [Commitment(provider, commitment_id, name, type_, currency,
                       end_at.replace(tzinfo=timezone.utc) if end_at else None, days, utilization, unused)
            for provider, commitment_id, name, type_, currency, end_at, days, utilization, unused in rows]
