"""The automations Open FinOps Stack needs on the Prefect server, as data."""

from __future__ import annotations

from uuid import UUID

from prefect.automations import Automation
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import EventTrigger, Posture

from tasks.freshness import STALE_EVENT

# Deployment tags (prefect.yaml) that say what a run does, so a notification says what failed.
IMPORT_TAG = "finops-import"
BUILD_TAG = "finops-focus-build"

# The run's message has one line per failed step (`import: ...`, `FOCUS build: ...`,
# `account names: ...`), so an import whose FOCUS build failed says exactly that.
FAILED_BODY = """Open FinOps {what} failed: deployment {{{{ flow.name }}}}/{{{{ deployment.name }}}}
Run {{{{ flow_run.name }}}} ended {{{{ flow_run.state.name }}}}:
{{{{ flow_run.state.message }}}}
{{{{ flow_run|ui_url }}}}"""

STALE_BODY = """Open FinOps: {{ event.payload.message }}"""


def automations(block_id: UUID) -> list[Automation]:
    """Notify on a failed or crashed import run or FOCUS build run, and on an export that went silent."""
    return [
        _run_failed(block_id, "import", IMPORT_TAG, "A run of an import deployment ended Failed or Crashed."),
        _run_failed(block_id, "FOCUS build", BUILD_TAG, "A run of the FOCUS build deployment ended Failed or Crashed."),
        Automation(
            name="finops: export silent",
            description="An export delivered nothing new for longer than [notifications] stale_after_hours.",
            trigger=EventTrigger(expect={STALE_EVENT}, posture=Posture.Reactive, threshold=1),
            actions=[SendNotification(block_document_id=block_id, subject="Open FinOps export silent",
                                      body=STALE_BODY)],
        ),
    ]


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
