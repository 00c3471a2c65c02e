"""Prefect task: store a provider's account list (display names of account ids)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from prefect import task

from openfinops.logs import run_logger
from openfinops.warehouse import state
from tasks.retries import RETRIES


class AccountNames(Protocol):
    """Where a provider's account names come from (a file, the provider's API)."""

    def read(self) -> dict[str, tuple[str, str]]: ...  # account id -> (name, where it came from)


@task(name="refresh-account-names", task_run_name="refresh-account-names-{provider}", **RETRIES)
def refresh_account_names(provider: str, names: AccountNames, database: Path) -> int:
    """Make the configured account list the provider's stored one; returns how many names it has."""
    found = names.read()
    if state.replace_account_names(database, provider, found):
        run_logger(__name__).info("%s account names: %d from %s", provider, len(found),
                                  ", ".join(sorted({source for _, source in found.values()})) or "nowhere")
    return len(found)
