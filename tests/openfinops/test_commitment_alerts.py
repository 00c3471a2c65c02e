"""Which commitment discounts need attention (openfinops.commitment_alerts), read from a published copy
holding the two commitment marts: expiry counted from the check's time, utilization as Σ used / Σ
committed over each provider's newest days of data."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import duckdb
import pytest
from commitment_marts import commitment, daily_use, write_commitment_marts

from openfinops.commitment_alerts import (
    DIGEST_LIMIT,
    expiring_commitments,
    expiring_digest,
    underutilized_commitments,
    underutilized_digest,
)

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc)
NEWEST = date(2025, 6, 14)  # the newest day of AWS data; GCP's arrives later
GCP_NEWEST = date(2025, 6, 5)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    inventory = [
        commitment("ri-soon", NOW + timedelta(days=10), name="web RIs"),
        commitment("sp-edge", NOW + timedelta(days=30), name="compute SP", commitment_type="Savings Plan"),
        commitment("ri-later", NOW + timedelta(days=30, minutes=1)),
        commitment("sp-no-data", NOW + timedelta(days=5)),  # no utilization rows: utilization NULL
        # ended yesterday; the build still said active and 999 days to go
        commitment("ri-expired", NOW - timedelta(days=1)),
        commitment("cud-no-end", None, provider="gcp", name="n2 CUD", commitment_type="Committed Use Discount"),
        commitment("cud-no-end-gone", None, provider="gcp", is_active=False),
        commitment("ri-at-threshold", NOW + timedelta(days=365)),
        commitment("ri-recent-drop", NOW + timedelta(days=365), name="batch RIs"),
        commitment("ri-uneven", NOW + timedelta(days=365)),
        commitment("ri-no-data", NOW + timedelta(days=200)),
    ]
    utilization = [
        *daily_use("ri-soon", NEWEST, 30, used=95, committed=100, unused_cost=0.5),
        *daily_use("sp-edge", NEWEST, 30, used=9, committed=10, unused_cost=1),
        *daily_use("ri-later", NEWEST, 30, used=100, committed=100, unused_cost=0),
        *daily_use("ri-expired", NEWEST - timedelta(days=2), 30, used=1, committed=100, unused_cost=9),
        *daily_use("cud-no-end", GCP_NEWEST, 10, used=5, committed=10, unused_cost=2, provider="gcp"),
        *daily_use("cud-no-end-gone", GCP_NEWEST - timedelta(days=20), 10, used=0, committed=10, unused_cost=2,
                   provider="gcp"),
        *daily_use("ri-at-threshold", NEWEST, 30, used=80, committed=100, unused_cost=1),
        # fully used for weeks, then dropped to 20 % in the last 7 days
        *daily_use("ri-recent-drop", NEWEST, 7, used=20, committed=100, unused_cost=8),
        *daily_use("ri-recent-drop", NEWEST - timedelta(days=7), 23, used=100, committed=100, unused_cost=0),
        # one day 10 of 10 (100 %), one day 10 of 100 (10 %): 20 / 110, not the 55 % of the average
        *daily_use("ri-uneven", NEWEST, 1, used=10, committed=10, unused_cost=0),
        *daily_use("ri-uneven", NEWEST - timedelta(days=1), 1, used=10, committed=100, unused_cost=9),
    ]
    path = tmp_path_factory.mktemp("commitments") / "published"
    write_commitment_marts(path, inventory, utilization)
    return path


def test_expiring_counts_days_from_now_up_to_and_including_the_limit(published):
    expiring = expiring_commitments(published, within_days=30, window_days=7, now=NOW)

    assert [(c.commitment_id, c.days_to_expiry) for c in expiring] == [
        ("sp-no-data", 5), ("ri-soon", 10), ("sp-edge", 30)]  # soonest first; not expired, not without end
    soon = expiring[1]
    assert soon.end_at == NOW + timedelta(days=10) and soon.end_at.tzinfo == timezone.utc
    assert soon.utilization_pct == pytest.approx(95) and soon.unused_cost == Decimal("3.5")  # 7 days × 0.5
    assert expiring[0].utilization_pct is None and expiring[0].unused_cost is None
    assert [c.commitment_id for c in expiring_commitments(published, 10, 7, NOW)] == ["sp-no-data", "ri-soon"]
    assert expiring_commitments(published, 0, 7, NOW) == []  # 0 turns the alert off


def test_a_commitment_is_expiring_until_its_end_passes(published):
    later = NOW + timedelta(days=1, minutes=1)  # ri-later is now exactly 29 days away, the others a bit less
    assert [(c.commitment_id, c.days_to_expiry) for c in expiring_commitments(published, 30, 7, later)] == [
        ("sp-no-data", 4), ("ri-soon", 9), ("sp-edge", 29), ("ri-later", 29)]
    after = NOW + timedelta(days=10, seconds=1)
    assert "ri-soon" not in [c.commitment_id for c in expiring_commitments(published, 30, 7, after)]


def test_underutilized_is_sum_used_over_sum_committed_in_each_providers_newest_days(published):
    underused = underutilized_commitments(published, min_utilization_pct=80, window_days=7, now=NOW)

    by_id = {c.commitment_id: c for c in underused}
    # most unused cost first: ri-recent-drop 7 × 8, ri-uneven 9, cud-no-end 7 × 2 (GCP's own newest week)
    assert list(by_id) == ["ri-recent-drop", "cud-no-end", "ri-uneven"]
    assert by_id["ri-recent-drop"].utilization_pct == pytest.approx(20)
    assert by_id["ri-recent-drop"].unused_cost == Decimal("56")
    assert by_id["ri-uneven"].utilization_pct == pytest.approx(100 * 20 / 110)
    assert by_id["cud-no-end"].utilization_pct == pytest.approx(50) and by_id["cud-no-end"].end_at is None
    # Left out: exactly at the threshold (ri-at-threshold, 80 %), expired (ri-expired), without end_at and
    # inactive (cud-no-end-gone), no utilization rows (ri-no-data, sp-no-data), used enough (the rest).


def test_the_window_decides_what_counts(published):
    ids = [c.commitment_id for c in underutilized_commitments(published, 80, 30, NOW)]
    # over 30 days ri-recent-drop was used (7 × 20 + 23 × 100) / 3000 = 81.3 %
    assert "ri-recent-drop" not in ids and "ri-uneven" in ids
    assert "cud-no-end-gone" not in ids  # unused in the window, but without end_at and no longer active
    assert underutilized_commitments(published, 0, 7, NOW) == []  # 0 turns the alert off
    assert [c.commitment_id for c in underutilized_commitments(published, 80.01, 7, NOW)] == [
        "ri-recent-drop", "cud-no-end", "ri-uneven", "ri-at-threshold"]


def test_digests_list_each_commitment(published):
    expiring = expiring_commitments(published, 30, 7, NOW)
    underused = underutilized_commitments(published, 80, 7, NOW)

    assert expiring_digest(expiring, 30, 7).splitlines() == [
        "3 commitment discounts expire within 30 days:",
        "- sp-no-data (aws Reserved Instance): ends 2025-06-20, in 5 days; "
        "nothing committed in the last 7 days of data",
        "- web RIs (aws Reserved Instance): ends 2025-06-25, in 10 days; "
        "95.0 % used, 3.50 USD unused in the last 7 days of data",
        "- compute SP (aws Savings Plan): ends 2025-07-15, in 30 days; "
        "90.0 % used, 7.00 USD unused in the last 7 days of data",
    ]
    assert underutilized_digest(underused[:1], 80, 7).splitlines() == [
        "1 commitment discount was used below 80 % in the last 7 days of data:",
        "- batch RIs (aws Reserved Instance): 20.0 % used, 56.00 USD unused in the last 7 days of data; "
        "ends 2026-06-15",
    ]
    assert "- n2 CUD (gcp Committed Use Discount): 50.0 % used, 14.00 USD unused" in underutilized_digest(
        underused, 80, 7)


def test_a_long_digest_is_cut(published):
    many = expiring_commitments(published, 30, 7, NOW) * 10

    lines = expiring_digest(many, 30, 7).splitlines()

    assert lines[0] == "30 commitment discounts expire within 30 days:"
    assert len(lines) == 1 + DIGEST_LIMIT + 1 and lines[-1] == f"... and {30 - DIGEST_LIMIT} more"


def test_nothing_published_or_no_marts_yet_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no published data yet"):
        expiring_commitments(tmp_path / "published", 30, 7, NOW)
    (tmp_path / "published").mkdir()
    with duckdb.connect(str(tmp_path / "published" / "finops-read.duckdb")) as con:
        con.execute("CREATE SCHEMA focus; CREATE TABLE focus.cost_and_usage (BilledCost DECIMAL(38, 10))")
    with pytest.raises(FileNotFoundError, match="rate_optimization.commitment_inventory"):
        underutilized_commitments(tmp_path / "published", 80, 7, NOW)
