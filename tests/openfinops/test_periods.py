"""Billing periods (openfinops.periods): YYYY-MM, or current / previous relative to today (UTC)."""

from __future__ import annotations

from datetime import date

import pytest

from openfinops.periods import recent_periods, resolve_period


def test_recent_periods_are_the_last_closed_months():
    assert recent_periods(3, date(2026, 2, 10)) == ("2025-11", "2025-12", "2026-01")
    assert recent_periods(1, date(2026, 1, 31)) == ("2025-12",)
    assert recent_periods(0, date(2026, 1, 31)) == ()


@pytest.mark.parametrize("period, today, expected", [
    ("current", date(2026, 2, 10), "2026-02"),
    ("previous", date(2026, 2, 10), "2026-01"),
    ("previous", date(2026, 1, 1), "2025-12"),
    ("2026-09", None, "2026-09"),
    (None, None, None),
])
def test_resolve_period(period, today, expected):
    assert resolve_period(period, today) == expected


@pytest.mark.parametrize("period", ["last-month", "2026-13", "2026-00", "2026-9", "202609", "Current"])
def test_not_a_billing_period(period):
    with pytest.raises(ValueError, match="is not a billing period"):
        resolve_period(period)
