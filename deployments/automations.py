"""The automations Open FinOps Stack needs on the Prefect server, as data."""

from __future__ import annotations

from uuid import UUID

from prefect.automations import Automation
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import EventTrigger, Posture

from tasks.commitment_alerts import EXPIRING_EVENT, UNDERUTILIZED_EVENT
from tasks.freshness import STALE_EVENT

# Deployment tags (prefect.yaml) that say what a run does, so a notification says what failed.
IMPORT_TAG = "finops-import"
BUILD_TAG = "finops-focus-build"
ALERTS_TAG = "finops-commitment-alerts"

# The run's message has one line per failed step (`import: ...`, `FOCUS build: ...`,
# `account names: ...`), so an import whose FOCUS build failed says exactly that.
FAILED_BODY = """Open FinOps {what} failed: deployment {{{{ flow.name }}}}/{{{{ deployment.name }}}}
Run {{{{ flow_run.name }}}} ended {{{{ flow_run.state.name }}}}:
{{{{ flow_run.state.message }}}}
{{{{ flow_run|ui_url }}}}"""

# The event's message says it all (an export gone silent, the commitments that need attention).
EVENT_BODY = """Open FinOps: {{ event.payload.message }}"""


def automations(block_id: UUID) -> list[Automation]:
    """Notify on a failed or crashed import, FOCUS build or commitment alerts run, on an export that went
    silent, and on commitment discounts about to expire or used too little."""
    return [
        _run_failed(block_id, "import", IMPORT_TAG, "A run of an import deployment ended Failed or Crashed."),
        _run_failed(block_id, "FOCUS build", BUILD_TAG, "A run of the FOCUS build deployment ended Failed or Crashed."),
        _run_failed(block_id, "commitment alerts", ALERTS_TAG,
                    "A run of the commitment alerts deployment ended Failed or Crashed."),
        _on_event(block_id, "export silent", STALE_EVENT,
                  "An export delivered nothing new for longer than [notifications] stale_after_hours."),
        _on_event(block_id, "commitments expiring", EXPIRING_EVENT,
                  "Active commitment discounts end within [notifications] commitment_expiry_days."),
        _on_event(block_id, "commitments under-utilized", UNDERUTILIZED_EVENT,
                  "Active commitment discounts were used below [notifications] commitment_min_utilization_pct "
                  "over the last commitment_utilization_window_days days of data."),
    ]


def _on_event(block_id: UUID, what: str, event: str, description: str) -> Automation:
    return Automation(
        name=f"finops: {what}",
        description=description,
        trigger=EventTrigger(expect={event}, posture=Posture.Reactive, threshold=1),
        actions=[SendNotification(block_document_id=block_id, subject=f"Open FinOps {what}", body=EVENT_BODY)],
    )


def _run_failed(block_id: UUID, what: str, tag: str, description: str) -> Automation:
    return Automation(
        name=f"finops: {what} failed",
        description=description,
        trigger=EventTrigger(
            expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
            match_related={"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{tag}"},
            posture=Posture.Reactive, threshold=1,
        ),
        actions=[SendNotification(block_document_id=block_id, subject=f"Open FinOps {what} failed",
                                  body=FAILED_BODY.format(what=what))],
    )
