"""Which failures are worth retrying (openfinops.errors): transient ones, never bad input or bad credentials."""

from __future__ import annotations

import pytest

from openfinops.dashboards.metabase import MetabaseError
from openfinops.errors import AccessError, DataFileError, ImportFailed, ManifestError, is_transient


@pytest.mark.parametrize("exc, transient", [
    (ConnectionResetError("connection reset by peer"), True),
    (TimeoutError("read timed out"), True),
    (OSError("SlowDown: please reduce your request rate"), True),
    (DataFileError("x.csv.gz: corrupt or truncated gzip file"), False),
    (ManifestError("m.json: manifest is not valid JSON"), False),
    (AccessError("s3://b/p: access denied"), False),
    (PermissionError("AccessDenied"), False),
    (FileNotFoundError("s3://b/p/x.csv.gz"), False),
    (ValueError("'2026-13' is not a billing period"), False),
    (MetabaseError("GET /api/database: cannot reach Metabase"), True),  # its own judgement: unreachable
    (MetabaseError("GET /api/database: HTTP 503: starting", 503), True),
    (MetabaseError("POST /api/session: HTTP 401: password did not match", 401), False),
])
def test_transient_or_permanent(exc, transient):
    assert is_transient(exc) is transient


def test_every_input_error_is_an_import_failure():
    assert all(issubclass(error, ImportFailed) for error in (ManifestError, DataFileError, AccessError))
