"""One process at a time on the DuckDB file (openfinops.warehouse.locks): others wait their turn."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import time

import pytest

from openfinops.warehouse.locks import database_lock

HOLD_IN_ANOTHER_PROCESS = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from openfinops.warehouse.locks import database_lock

    database, timeout_s = Path(sys.argv[1]), float(sys.argv[2])
    print("started", flush=True)
    try:
        with database_lock(database, timeout_s=timeout_s):
            print("locked", time.monotonic(), flush=True)
    except TimeoutError as exc:
        print("timeout", exc, flush=True)
""")


def _other_process(database, timeout_s: float = 60) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD_IN_ANOTHER_PROCESS, str(database), str(timeout_s)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "started"
    return process


def _outcome(process: subprocess.Popen) -> str:
    """The other process's last line (read line by line: `communicate` would skip what readline buffered)."""
    line = process.stdout.readline().strip()
    assert process.wait(timeout=30) == 0
    return line


def test_the_lock_file_sits_beside_the_database(tmp_path):
    database = tmp_path / "new" / "finops.duckdb"

    with database_lock(database):
        assert (tmp_path / "new" / "finops.duckdb.lock").exists()

    assert not database.exists()  # the lock never creates the database


def test_another_process_waits_for_the_lock_and_gets_it_after_release(tmp_path):
    database = tmp_path / "finops.duckdb"

    with database_lock(database):
        other = _other_process(database)
        time.sleep(1.5)
        assert other.poll() is None  # still waiting
        released = time.monotonic()

    word, locked_at = _outcome(other).split()
    assert word == "locked"
    assert released <= float(locked_at) < released + 5  # CLOCK_MONOTONIC is shared by the processes


def test_a_free_lock_is_taken_at_once_by_another_process(tmp_path):
    database = tmp_path / "finops.duckdb"
    with database_lock(database):
        pass

    other = _other_process(database, timeout_s=0)

    assert _outcome(other).startswith("locked ")


def test_waiting_longer_than_the_timeout_raises(tmp_path):
    database = tmp_path / "finops.duckdb"

    with database_lock(database):
        other = _other_process(database, timeout_s=0.5)
        outcome = _outcome(other)

    assert outcome == f"timeout {database}: still locked by another writer after 0.5 s"


def test_a_second_holder_in_the_same_process_waits_too(tmp_path, caplog):
    """flock locks belong to open files, not processes: two runs in one worker process take turns as well."""
    caplog.set_level(logging.INFO, logger="openfinops.warehouse.locks")
    database = tmp_path / "finops.duckdb"

    with database_lock(database):
        with pytest.raises(TimeoutError, match="still locked by another writer"):
            with database_lock(database, timeout_s=0.2):
                pass

    assert f"waiting for {database}: another import or build is writing it" in caplog.text


def test_the_lock_is_released_when_the_block_fails(tmp_path):
    database = tmp_path / "finops.duckdb"

    with pytest.raises(RuntimeError):
        with database_lock(database):
            raise RuntimeError("import failed")

    with database_lock(database, timeout_s=0):
        pass
