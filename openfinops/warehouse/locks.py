"""One process at a time on the DuckDB file, across processes (CLI runs and worker flow runs).

DuckDB lets one process open a database for writing, and no other process open it at all while
it does: a second one fails at once on DuckDB's file lock. Everything that opens the file
(imports, FOCUS builds, state reads, exports) takes this lock first, so it waits its turn instead.
"""

from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from openfinops.logs import run_logger


@contextmanager
def database_lock(database: Path, timeout_s: float = 6 * 3600) -> Iterator[None]:
    """Hold the lock of `database`, waiting (and saying so) while another run has it."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(database.with_name(database.name + ".lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            run_logger(__name__).info("waiting for %s: another import or build is writing it", database)
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{database}: still locked by another writer after {timeout_s:g} s")
                    time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
