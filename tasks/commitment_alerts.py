"""Commitment discounts that need attention are reported like a failure: one event per kind and run,
which an automation (deployments/automations.py) turns into a notification."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from prefect import task
from prefect.cache_policies import NONE
from prefect.events import emit_event

from openfinops.commitment_alerts import (
    DIGEST_LIMIT,
    Commitment,
    expiring_commitments,
    expiring_digest,
    underutilized_commitments,
    underutilized_digest,
)
from openfinops.logs import run_logger

EXPIRING_EVENT = "finops.commitments.expiring"
UNDERUTILIZED_EVENT = "finops.commitments.underutilized"


@task(name="check-commitment-expiry", cache_policy=NONE)
def check_commitment_expiry(published: Path, within_days: int, window_days: int, now: datetime | None = None) -> int:
    """Emit `finops.commitments.expiring` listing the active commitment discounts whose term ends within
    `within_days`, if any; how many there are (0 also when the marts are not published yet)."""
    try:
        expiring = expiring_commitments(published, within_days, window_days, now or datetime.now(timezone.utc))
    except FileNotFoundError as exc:  # nothing published yet, or no marts in it
        run_logger(__name__).warning("commitment expiry not checked: %s", exc)
        return 0
    if expiring:
        _report(EXPIRING_EVENT, expiring_digest(expiring, within_days, window_days), expiring,
                {"within_days": within_days, "window_days": window_days})
    return len(expiring)


@task(name="check-commitment-utilization", cache_policy=NONE)
def check_commitment_utilization(published: Path, min_utilization_pct: float, window_days: int,
                                 now: datetime | None = None) -> int:
    """Emit `finops.commitments.underutilized` listing the active commitment discounts used below
    `min_utilization_pct` over the newest `window_days` days of data, if any; how many there are
    (0 also when the marts are not published yet)."""
    try:
        underused = underutilized_commitments(published, min_utilization_pct, window_days,
                                              now or datetime.now(timezone.utc))
    except FileNotFoundError as exc:  # nothing published yet, or no marts in it
        run_logger(__name__).warning("commitment utilization not checked: %s", exc)
        return 0
    if underused:
        _report(UNDERUTILIZED_EVENT, underutilized_digest(underused, min_utilization_pct, window_days), underused,
                {"min_utilization_pct": min_utilization_pct, "window_days": window_days})
    return len(underused)


def _report(event: str, message: str, commitments: list[Commitment], limits: dict) -> None:
    run_logger(__name__).warning(message)
    emit_event(event=event,
               resource={"prefect.resource.id": "finops.commitments", "prefect.resource.name": "commitment discounts"},
               payload={"message": message, "count": len(commitments), **limits,
                        "commitments": [c.as_payload() for c in commitments[:DIGEST_LIMIT]]})
