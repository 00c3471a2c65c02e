"""Billing periods: `YYYY-MM`, or `current` / `previous` relative to today (UTC), for schedules."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

RELATIVE = ("current", "previous")


def resolve_period(period: str | None, today: date | None = None) -> str | None:
    if period is None or re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        return period
    if period not in RELATIVE:
        raise ValueError(f"{period!r} is not a billing period (YYYY-MM, current or previous)")
    today = today or datetime.now(timezone.utc).date()
    year, month = today.year, today.month
    if period == "previous":
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year:04d}-{month:02d}"


def recent_periods(count: int, today: date | None = None) -> tuple[str, ...]:
    """The `count` most recent closed billing periods, oldest first."""
    year, month = map(int, resolve_period("previous", today).split("-"))
    periods = []
    for _ in range(count):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return tuple(reversed(periods))
