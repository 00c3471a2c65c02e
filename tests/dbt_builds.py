"""`dbt build` of a copy of the project over a test's own DuckDB file, as the FOCUS build runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1] / "transformations"
DBT = Path(sys.executable).with_name("dbt")


def dbt_build(tmp: Path, database: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    """Build a copy of the project in `tmp` over `database` with extra `args`; the run and each node's status."""
    project = tmp / "transformations"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    env = dict(os.environ, OPEN_FINOPS_DATABASE=str(database), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    proc = subprocess.run([str(DBT), "build", "--project-dir", str(project), "--profiles-dir", str(project), *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900)
    results = json.loads((project / "target" / "run_results.json").read_text())
    return proc, {r["unique_id"]: r["status"] for r in results["results"]}
