"""The commitment checks (tasks.commitment_alerts): one event per kind listing the commitments that need
attention, nothing when none do, a log line instead of a crash when the marts are not published yet."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

import pytest
from commitment_marts import commitment, daily_use, write_commitment_marts

from tasks.commitment_alerts import check_commitment_expiry, check_commitment_utilization

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def events(monkeypatch) -> list[dict]:
    emitted = []
    monkeypatch.setattr("tasks.commitment_alerts.emit_event", lambda **event: emitted.append(event))
    return emitted


@pytest.fixture
def published(tmp_path):
    write_commitment_marts(tmp_path / "published", [
        commitment("ri-1", NOW + timedelta(days=3), name="web RIs"),
        commitment("sp-1", NOW + timedelta(days=20), commitment_type="Savings Plan"),
        commitment("ri-2", NOW + timedelta(days=300), name="batch RIs"),
    ], [
        *daily_use("ri-1", date(2025, 6, 14), 7, used=100, committed=100, unused_cost=0),
        *daily_use("sp-1", date(2025, 6, 14), 7, used=10, committed=10, unused_cost=0),
        *daily_use("ri-2", date(2025, 6, 14), 7, used=40, committed=100, unused_cost=6),
    ])
    return tmp_path / "published"


def test_expiring_commitments_emit_one_event(published, events, caplog):
    assert check_commitment_expiry.fn(published, 30, 7, now=NOW) == 2

    [event] = events
    assert event["event"] == "finops.commitments.expiring"
    assert event["resource"] == {"prefect.resource.id": "finops.commitments",
                                 "prefect.resource.name": "commitment discounts"}
    payload = event["payload"]
    assert payload["count"] == 2 and payload["within_days"] == 30 and payload["window_days"] == 7
    assert [(c["commitment_id"], c["end_at"], c["days_to_expiry"]) for c in payload["commitments"]] == [
        ("ri-1", "2025-06-18T12:00:00+00:00", 3), ("sp-1", "2025-07-05T12:00:00+00:00", 20)]
    assert payload["message"].splitlines()[0] == "2 commitment discounts expire within 30 days:"
    assert "- web RIs (aws Reserved Instance): ends 2025-06-18, in 3 days" in payload["message"]
    assert "2 commitment discounts expire within 30 days" in caplog.text  # the run's log says it too


def test_underutilized_commitments_emit_one_event(published, events):
    assert check_commitment_utilization.fn(published, 80, 7, now=NOW) == 1

    [event] = events
    assert event["event"] == "finops.commitments.underutilized"
    payload = event["payload"]
    assert payload["count"] == 1 and payload["min_utilization_pct"] == 80 and payload["window_days"] == 7
    assert payload["commitments"] == [{
        "provider": "aws", "commitment_id": "ri-2", "name": "batch RIs", "type": "Reserved Instance",
        "end_at": "2026-04-11T12:00:00+00:00", "days_to_expiry": 300, "utilization_pct": 40.0,
        "unused_cost": "42.000000000000", "currency": "USD"}]
    assert "- batch RIs (aws Reserved Instance): 40.0 % used, 42.00 USD unused" in payload["message"]


def test_nothing_qualifies_nothing_is_emitted(published, events):
    assert check_commitment_expiry.fn(published, 2, 7, now=NOW) == 0
    assert check_commitment_utilization.fn(published, 40, 7, now=NOW) == 0  # 40 % is not below 40 %
    assert events == []


def test_unpublished_marts_are_logged_not_raised(tmp_path, events, caplog):
    caplog.set_level(logging.WARNING)

    assert check_commitment_expiry.fn(tmp_path / "published", 30, 7, now=NOW) == 0
    assert check_commitment_utilization.fn(tmp_path / "published", 80, 7, now=NOW) == 0

    assert events == []
    assert "commitment expiry not checked: " in caplog.text
    assert "commitment utilization not checked: " in caplog.text and "no published data yet" in caplog.text
