"""Silent exporters: an export with no new delivery for too long is reported like a failure."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NONE
from prefect.events import emit_event

from openfinops.importing.planning import delivery_age_hours
from openfinops.logs import run_logger

STALE_EVENT = "finops.export.stale"


@task(name="check-freshness", cache_policy=NONE)
def check_freshness(provider: str, export: str, manifests: list, stale_after_hours: float,
                    now: float | None = None) -> bool:
    """Emit `finops.export.stale` (an automation turns it into a notification) when the newest
    manifest is older than the window; True when the export is fresh."""
    age_hours = delivery_age_hours(manifests, now)
    if age_hours is not None and age_hours <= stale_after_hours:
        return True
    message = (f"{provider} export {export!r} has delivered nothing new for {age_hours:.0f} hours "
               f"(limit {stale_after_hours:g})" if age_hours is not None
               else f"{provider} export {export!r} has no manifests at all")
    run_logger(__name__).warning(message)
    emit_event(event=STALE_EVENT,
               resource={"prefect.resource.id": f"finops.export.{provider}.{export}", "prefect.resource.name": export},
               payload={"message": message, "age_hours": age_hours, "limit_hours": stale_after_hours})
    return False
