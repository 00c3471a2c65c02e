"""Faults of the FOCUS build found by trying the product as a new user would, on a real CUR."""

from __future__ import annotations

import csv
import gzip
import io
import os
import subprocess
import sys

import duckdb
import pytest
from prefect.settings import PREFECT_API_URL
from real_aws_exports import REAL, write_real_v1

import tasks.focus
from cli import main

CUR = REAL / "focus-converters-legacy-cur-2023-11.csv.gz"


@pytest.fixture
def finops(tmp_path):
    """`finops --data-dir <tmp>/data ...`; returns the exit code."""
    return lambda *args: main(["--data-dir", str(tmp_path / "data"), *args])


def test_a_failed_build_is_retried_by_the_next_import_until_it_succeeds(tmp_path, finops, monkeypatch):
    write_real_v1(tmp_path / "exports", CUR, "real-cur", "2023-11")
    imp = ("aws", "import-cur", "--path", str(tmp_path / "exports"), "--export-name", "real-cur", "--cur-version", "v1")
    publish = tasks.focus.publish_focus

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tasks.focus, "publish_focus", disk_full)
    assert finops(*imp) == 1
    assert finops(*imp) == 1  # the period is skipped, the build is not: it runs (and fails) again
    assert not (tmp_path / "data" / "published" / "current").exists()

    monkeypatch.setattr(tasks.focus, "publish_focus", publish)
    assert finops(*imp) == 0
    assert (tmp_path / "data" / "published" / "current").exists()

    with duckdb.connect(str(tmp_path / "data" / "finops.duckdb"), read_only=True) as con:
        built_at = con.execute("SELECT built_at FROM finops_state.focus_build").fetchall()
    assert finops(*imp) == 0  # nothing new and the table is current: no build
    with duckdb.connect(str(tmp_path / "data" / "finops.duckdb"), read_only=True) as con:
        assert con.execute("SELECT built_at FROM finops_state.focus_build").fetchall() == built_at


def test_hundreds_of_tags_on_every_row_build_in_bounded_memory(tmp_path, finops):
    """400 tag columns filled on every row of the real CUR: 60 MB of tag JSON over 1,281 rows. Parsing them
    into maps ran out of the build's 1 GB DuckDB memory limit."""
    tags = [f"resourceTags/user:team-{i:03d}" for i in range(400)]
    with gzip.open(CUR, "rt", newline="") as f:
        rows = list(csv.reader(f))
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(rows[0] + tags)
    for n, row in enumerate(rows[1:]):
        writer.writerow(row + [f"{'v' * 100}-{n:06d}-{i:03d}" for i in range(400)])
    wide = tmp_path / "wide.csv.gz"
    with gzip.open(wide, "wt", compresslevel=1, newline="") as f:
        f.write(text.getvalue())
    write_real_v1(tmp_path / "exports", wide, "wide-cur", "2023-11")

    assert finops("aws", "import-cur", "--path", str(tmp_path / "exports"), "--export-name", "wide-cur",
                  "--cur-version", "v1") == 0

    with duckdb.connect(str(tmp_path / "data" / "finops.duckdb"), read_only=True) as con:
        [(rows_built, keys, tag_bytes)] = con.execute(
            "SELECT count(*), min(len(json_keys(Tags))), sum(length(CAST(Tags AS VARCHAR))) "
            "FROM focus.cost_and_usage").fetchall()
    assert (rows_built, keys) == (1281, 400)
    assert tag_bytes > 60_000_000


def test_dbt_s_lines_go_to_the_log_file_not_the_console(tmp_path):
    """dbt reports every node (over a hundred) as it runs; in the CLI those lines go to the log file and
    the Prefect UI, not to the console. Run in a process of its own, as a user runs it."""
    write_real_v1(tmp_path / "exports", CUR, "real-cur", "2023-11")
    data_dir = tmp_path / "data"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}  # the test server: no temporary one

    run = subprocess.run([sys.executable, "-m", "cli", "--data-dir", str(data_dir), "aws", "import-cur", "--path",
                          str(tmp_path / "exports"), "--export-name", "real-cur", "--cur-version", "v1"],
                         check=False, env=env, capture_output=True, text=True, timeout=600)

    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert "1 imported" in run.stdout and "focus.cost_and_usage" in run.stdout
    assert not [line for line in run.stdout.splitlines() if "Running with dbt" in line or " PASS " in line]
    log = (data_dir / "logs" / "finops.log").read_text()
    assert "Task run 'model cost_and_usage' - Finished in state Completed()" in log
    assert "PASS assert_aws_billed_cost_reconciles_to_raw" in log
