"""The dbt project that builds the FOCUS table, run through prefect-dbt.

A build gets a profiles.yml of its own, written into the data dir: the project's profile with the
database file's absolute path, so nothing is passed through the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

PROJECT_DIR = Path(__file__).resolve().parents[2] / "transformations"
PROFILE = "open_finops"  # `profile:` in dbt_project.yml


def write_profile(database: Path, folder: Path) -> Path:
    """Write `folder/profiles.yml`: transformations/profiles.yml with `database` as the target's path.
    Returns the folder (dbt's profiles dir)."""
    profiles = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    profile = profiles[PROFILE]
    profile["outputs"][profile["target"]]["path"] = str(database.resolve())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles, sort_keys=False))
    return folder


def dbt_build(database: Path, work: Path, target: Path, full_refresh: bool = False) -> dbtRunnerResult:
    """Run `dbt build` (seeds, models, tests) on `database`. In a flow or task run, every model, seed
    and data test is a task run of its own, named after it, that fails when the node does.

    Failed nodes are in the result; a dbt that could not run at all (a broken project, an unreadable
    profile) raises ValueError. dbt logs to `work/logs`, and to Prefect's loggers instead of stdout
    when in a run.
    """
    # dbt takes seconds to import: only a build pays for it.
    from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

    settings = PrefectDbtSettings(project_dir=PROJECT_DIR, profiles_dir=write_profile(database, work),
                                  target_path=target)
    # The caller raises for failed nodes itself, naming each one (dbt's result has them).
    runner = PrefectDbtRunner(settings=settings, raise_on_failure=False)
    # dbt.log keeps the debug lines (each node's SQL), as with a plain `dbt build`.
    args = ["build", "--log-path", str(work / "logs"), "--log-level-file", "debug"]
    if full_refresh:
        args.append("--full-refresh")
    return runner.invoke(args)
