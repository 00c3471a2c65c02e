"""The `commitment-alerts` flow on the test Prefect server, with the project's automations and notification
block registered as `finops server up` registers them: an expiring and an under-used commitment each
reach the configured webhook as a notification."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from commitment_marts import commitment, daily_use, write_commitment_marts
from prefect.automations import Automation
from prefect.blocks.notifications import CustomWebhookNotificationBlock

from deployments.setup import ensure_automations
from flows.commitment_alerts import commitment_alerts
from openfinops.config import load_config
from tasks.notify import BLOCK_NAME
from tests.deployments.servers import Receiver


@pytest.fixture
def receiver(tmp_path, data_dir, monkeypatch):
    """Notifications of [notifications] channel 'webhook' go to a local receiver; the automations and
    the block exist on the test server for the test only."""
    hook = Receiver()
    config = tmp_path / "config.toml"
    config.write_text(f'[project]\ndata_dir = "{data_dir}"\n\n'
                      f'[notifications]\nchannel = "webhook"\nurl = "{hook.url}"\ncommitment_expiry_days = 45\n')
    monkeypatch.setenv("OPEN_FINOPS_CONFIG", str(config))
    monkeypatch.setenv("OPEN_FINOPS_NOTIFICATIONS_COMMITMENT_MIN_UTILIZATION_PCT", "70")  # env over file
    names = ensure_automations(load_config())
    yield hook
    for name in names:
        Automation.read(name=name).delete()
    CustomWebhookNotificationBlock.delete(BLOCK_NAME)
    hook.close()


def test_expiring_and_underused_commitments_are_notified(receiver, data_dir):
    now = datetime.now(timezone.utc)
    today, ends = now.date(), now + timedelta(days=40, hours=1)
    write_commitment_marts(data_dir / "published", [
        commitment("ri-expiring", ends, name="web RIs"),
        commitment("sp-underused", now + timedelta(days=200), name="compute SP", commitment_type="Savings Plan"),
        commitment("ri-fine", now + timedelta(days=200)),
    ], [
        *daily_use("ri-expiring", today, 7, used=99, committed=100, unused_cost=0.1),
        *daily_use("sp-underused", today, 7, used=6, committed=10, unused_cost=4),  # 60 %: below 70
        *daily_use("ri-fine", today, 7, used=75, committed=100, unused_cost=2),  # 75 %: below 80 only
    ])

    assert commitment_alerts() == {"expiring": 1, "underutilized": 1}

    messages = _notifications(receiver, 2)
    by_subject = {m["subject"]: m["text"] for m in messages}
    assert set(by_subject) == {"Open FinOps commitments expiring", "Open FinOps commitments under-utilized"}
    expiring = by_subject["Open FinOps commitments expiring"]
    assert expiring.startswith("Open FinOps: 1 commitment discount expires within 45 days:")
    assert f"- web RIs (aws Reserved Instance): ends {ends:%Y-%m-%d}, in 41 days" in expiring
    underused = by_subject["Open FinOps commitments under-utilized"]
    assert underused.startswith("Open FinOps: 1 commitment discount was used below 70 % in the last 7 days")
    assert "- compute SP (aws Savings Plan): 60.0 % used, 28.00 USD unused" in underused
    assert "ri-fine" not in expiring + underused


def _notifications(receiver: Receiver, count: int, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(receiver.messages) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(receiver.messages) == count, receiver.messages
    return receiver.messages
