"""Register everything the Prefect server needs; running it twice changes nothing.

    python -m deployments.setup        (with PREFECT_API_URL pointing at the server)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from prefect.automations import Automation
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate

from deployments.automations import automations
from openfinops.config import Config, load_config
from tasks.notify import BLOCK_NAME, notification_block

WORK_POOL = "finops-process"
REPO = Path(__file__).resolve().parents[1]


def ensure_work_pool() -> None:
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name=WORK_POOL, type="process"), overwrite=True)


def ensure_automations(config: Config) -> list[str]:
    """Create or update the notification block and automations; none when notifications are off."""
    block = notification_block(config.notifications)
    if block is None:
        return []
    block_id = block.save(BLOCK_NAME, overwrite=True)
    names = []
    for wanted in automations(block_id):
        try:
            existing = Automation.read(name=wanted.name)
        except ValueError:  # not there yet
            wanted.create()
        else:
            wanted.id = existing.id
            wanted.update()
        names.append(wanted.name)
    return names


def deploy_all(repo: Path = REPO) -> None:
    """`prefect deploy --all` from prefect.yaml: deployments are updated in place by name."""
    subprocess.run([sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"], cwd=repo, check=True,
                   env={**os.environ, "OPEN_FINOPS_HOME": str(repo)})


def wait_for_api(timeout_s: float = 300) -> None:
    """The server may still be starting (compose starts setup alongside it)."""
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while client.api_healthcheck() is not None:
            if time.monotonic() > deadline:
                raise RuntimeError("the Prefect API did not become healthy; is PREFECT_API_URL right?")
            time.sleep(2)


def register(config: Config | None = None) -> None:
    config = config or load_config()
    wait_for_api()
    ensure_work_pool()
    ensure_automations(config)
    deploy_all()


if __name__ == "__main__":
    register()
