"""The profile a build writes: the project's own, pointed at one database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from openfinops.focus.dbt import PROFILE, PROJECT_DIR, write_profile

DBT = Path(sys.executable).with_name("dbt")


def test_the_written_profile_is_the_projects_with_the_databases_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    folder = write_profile(Path("data") / "finops.duckdb", tmp_path / "dbt")

    written = yaml.safe_load((folder / "profiles.yml").read_text())[PROFILE]
    project = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())[PROFILE]
    output = written["outputs"][written["target"]]
    assert output.pop("path") == str(tmp_path / "data" / "finops.duckdb")
    assert project["outputs"][project["target"]].pop("path").startswith("{{ env_var('OPEN_FINOPS_DATABASE'")
    assert written == project
    assert output["keep_open"] is True  # one DuckDB for the whole run; dbt_build closes it after


def test_a_project_parsed_with_the_developers_profile_is_not_parsed_again(tmp_path):
    """The container image parses the project at build time with transformations/profiles.yml
    (OPEN_FINOPS_DATABASE set to the database's path); a build with the written profile reuses that parse."""
    database, target = tmp_path / "finops.duckdb", tmp_path / "target"

    def parse(profiles_dir: Path, logs: Path, **env: str) -> str:
        subprocess.run([str(DBT), "parse", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(profiles_dir),
                        "--target-path", str(target), "--log-path", str(logs), "--log-level-file", "debug"],
                       check=True, capture_output=True, env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false",
                                                                 **env))
        return (logs / "dbt.log").read_text()

    parse(PROJECT_DIR, tmp_path / "image-logs", OPEN_FINOPS_DATABASE=str(database))
    log = parse(write_profile(database, tmp_path / "dbt"), tmp_path / "build-logs")

    assert "Unable to do partial parsing" not in log
    assert "partial parsing" in log.lower()
