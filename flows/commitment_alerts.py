"""The `commitment-alerts` flow: report commitment discounts about to expire or left unused."""

from __future__ import annotations

from prefect import flow

from openfinops.config import load_config
from tasks.commitment_alerts import check_commitment_expiry, check_commitment_utilization


@flow(name="commitment-alerts")
def commitment_alerts(data_dir: str | None = None) -> dict[str, int]:
    """From the published copy of the last FOCUS build: the active commitment discounts (RIs, savings
    plans, reservations, CUDs) whose term ends within [notifications] commitment_expiry_days, and those
    used below commitment_min_utilization_pct over the newest commitment_utilization_window_days days
    of data; one event (and notification) per kind, none when nothing qualifies. How many of each."""
    config = load_config().with_overrides(data_dir)
    settings, published = config.notifications, config.data_dir / "published"
    window = settings.commitment_utilization_window_days
    expiring = check_commitment_expiry(published, settings.commitment_expiry_days, window)
    underutilized = check_commitment_utilization(published, settings.commitment_min_utilization_pct, window)
    return {"expiring": expiring, "underutilized": underutilized}
