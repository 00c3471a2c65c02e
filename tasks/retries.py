"""Retry settings for tasks that touch the network: transient failures only, with backoff."""

from __future__ import annotations

from prefect.cache_policies import NONE
from prefect.tasks import exponential_backoff

from openfinops.errors import is_transient


def _retry_transient(task, task_run, state) -> bool:
    try:
        state.result()
    except Exception as exc:  # the failed task's own exception, re-raised by result()
        return is_transient(exc)
    return False


RETRIES = dict(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=2), retry_jitter_factor=0.5,
               retry_condition_fn=_retry_transient, cache_policy=NONE)
