"""Progress of long imports: files, bytes and rows moved so far.

Tasks report increments here; the CLI installs a live display, and without one (a worker, a
test) reports are ignored and the run logger's per-period lines are all there is.
"""

from __future__ import annotations

import threading
from typing import Protocol


class Reporter(Protocol):
    def __call__(self, *, files: int = 0, bytes: int = 0, rows: int = 0) -> None: ...


_lock = threading.Lock()
_reporter: Reporter | None = None


def install(reporter: Reporter | None) -> None:
    global _reporter
    with _lock:
        _reporter = reporter


def report(*, files: int = 0, bytes: int = 0, rows: int = 0) -> None:
    reporter = _reporter
    if reporter is not None:
        reporter(files=files, bytes=bytes, rows=rows)
