"""The automations Open FinOps Stack needs on the Prefect server, as data."""

from __future__ import annotations

from uuid import UUID

from prefect.automations import Automation
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import EventTrigger, Posture

from tasks.freshness import STALE_EVENT

IMPORT_TAG = "finops-import"

FAILED_BODY = """Open FinOps import failed: deployment {{ flow.name }}/{{ deployment.name }}
Run {{ flow_run.name }} ended {{ flow_run.state.name }}:
{{ flow_run.state.message }}
{{ flow_run|ui_url }}"""

STALE_BODY = """Open FinOps: {{ event.payload.message }}"""


def automations(block_id: UUID) -> list[Automation]:
    """Notify on a failed or crashed import run, and on an export that went silent."""
    return [
        Automation(
            name="finops: import failed",
            description="A run of an import deployment ended Failed or Crashed.",
            trigger=EventTrigger(
                expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
                match_related={"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{IMPORT_TAG}"},
                posture=Posture.Reactive, threshold=1,
            ),
            actions=[SendNotification(block_document_id=block_id, subject="Open FinOps import failed",
                                      body=FAILED_BODY)],
        ),
        Automation(
            name="finops: export silent",
            description="An export delivered nothing new for longer than [notifications] stale_after_hours.",
            trigger=EventTrigger(expect={STALE_EVENT}, posture=Posture.Reactive, threshold=1),
            actions=[SendNotification(block_document_id=block_id, subject="Open FinOps export silent",
                                      body=STALE_BODY)],
        ),
    ]
