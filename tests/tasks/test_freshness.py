"""The silent-exporter check (tasks.freshness): an export with no new delivery for too long is reported."""

from __future__ import annotations

import time

from tasks.freshness import check_freshness


class Delivered:
    def __init__(self, written_at: float) -> None:
        self.written_at = written_at


def test_an_export_silent_for_too_long_is_reported(caplog):
    now = time.time()
    assert check_freshness.fn("aws", "payer-cur2", [Delivered(now - 3600)], 48, now=now) is True
    assert check_freshness.fn("aws", "payer-cur2", [Delivered(now - 72 * 3600)], 48, now=now) is False
    assert "delivered nothing new for 72 hours (limit 48)" in caplog.text
    assert check_freshness.fn("aws", "payer-cur2", [], 48, now=now) is False


def test_a_silent_export_emits_the_stale_event(monkeypatch):
    events = []
    monkeypatch.setattr("tasks.freshness.emit_event", lambda **event: events.append(event))
    now = time.time()

    check_freshness.fn("aws", "payer-cur2", [Delivered(now - 3600)], 48, now=now)
    check_freshness.fn("aws", "payer-cur2", [Delivered(now - 50 * 3600), Delivered(now - 72 * 3600)], 48, now=now)

    [event] = events
    assert event["event"] == "finops.export.stale"
    assert event["resource"] == {"prefect.resource.id": "finops.export.aws.payer-cur2",
                                 "prefect.resource.name": "payer-cur2"}
    assert event["payload"]["limit_hours"] == 48
    assert round(event["payload"]["age_hours"]) == 50  # the newest delivery counts
