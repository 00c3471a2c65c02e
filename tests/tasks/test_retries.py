"""Retry settings of network tasks (tasks.retries): transient failures are retried; bad input and bad
credentials fail at once (which errors are transient: tests/openfinops/test_errors.py)."""

from __future__ import annotations

import pytest
from prefect import flow

import tasks.imports as imports
from openfinops.errors import AccessError
from openfinops.providers.aws.config import AwsExport


@pytest.mark.parametrize("first_error, calls, completed", [
    (ConnectionResetError("connection reset by peer"), 2, True),
    (AccessError("s3://b/p: access denied"), 1, False),
])
def test_find_manifests_retries_only_transient_errors(monkeypatch, first_error, calls, completed):
    attempts = []

    class FlakyExport(AwsExport):
        def discover(self):
            attempts.append(1)
            if len(attempts) == 1:
                raise first_error
            return []

    task = imports.find_manifests.with_options(retry_delay_seconds=0, retry_jitter_factor=None)

    @flow
    def find() -> list:
        return task(FlakyExport(name="x", cur_version="v2", path="/nonexistent"))

    state = find(return_state=True)

    assert len(attempts) == calls
    assert state.is_completed() is completed
