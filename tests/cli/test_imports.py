"""An import with nothing new answers at once without a Prefect server; anything to do or to report
(a restated period, other account names, an unbuilt FOCUS table, a silent export) still runs the flow."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

import cli.temporary_server
from cli import imports, main
from openfinops.config import load_config
from openfinops.samples.aws_cur import write_cur_v1

SOURCE = ["--export-name", "demo-cur-v1", "--cur-version", "v1"]


@pytest.fixture
def export(tmp_path):
    root = tmp_path / "exports"
    write_cur_v1(root, periods=("2026-08", "2026-09"), rows_per_period=200)
    return root


@pytest.fixture
def no_server(monkeypatch):
    """As without PREFECT_API_URL (the tests' Prefect harness sets it); counts the flow runs the CLI
    starts (each starts the temporary server first; with the harness's server, that returns at once)."""
    monkeypatch.setattr(imports, "prefect_server_configured", lambda: False)
    started = []
    start = cli.temporary_server.start_temporary_server

    def counted(output):
        started.append(output)
        return start(output)

    monkeypatch.setattr(cli.temporary_server, "start_temporary_server", counted)
    return started


def finops(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_nothing_new_answers_without_starting_a_prefect_server(capsys, tmp_path, data_dir, export):
    """Run as a user does, in its own process, with no server configured and a Prefect home of its own:
    the summary of a run that skips every period, the FOCUS table's, and no Prefect server or flow."""
    source = ["--path", str(export), *SOURCE]
    code, out = finops(capsys, "--data-dir", str(data_dir), "aws", "import-cur", *source)
    assert code == 0 and "2 imported" in out, out
    log = data_dir / "logs" / "finops.log"
    flow_runs = log.read_text().count("Beginning flow run")
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_EPHEMERAL_ENABLED="true")

    run = subprocess.run([sys.executable, "-m", "cli", "--data-dir", str(data_dir), "aws", "import-cur", *source],
                         env=env, capture_output=True, text=True, timeout=300)

    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stderr == ""
    assert "Billing import (aws)" in run.stdout
    assert run.stdout.count("skipped") == 3  # two periods and the totals line
    assert "0 imported, 0 replaced, 2 skipped, 0 failed; 0 rows loaded" in run.stdout
    assert "focus.cost_and_usage" in run.stdout and "demo-cur-v1" in run.stdout
    assert log.read_text().count("Beginning flow run") == flow_runs
    assert not (home / "prefect.db").exists()  # what the temporary server creates first


def test_restated_periods_and_renamed_accounts_still_run_the_flow(capsys, monkeypatch, tmp_path, data_dir, export,
                                                                   no_server):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,account_name\n210987654321,ML sandbox\n")  # the account the CUR leaves unnamed
    monkeypatch.setenv("OPEN_FINOPS_AWS_ACCOUNT_NAMES_FILE", str(accounts))
    command = ["--data-dir", str(data_dir), "aws", "import-cur", "--path", str(export), *SOURCE]

    code, out = finops(capsys, *command)
    assert code == 0 and "2 imported, 0 replaced, 0 skipped" in out and len(no_server) == 1, out

    code, out = finops(capsys, *command)
    assert code == 0 and "0 imported, 0 replaced, 2 skipped, 0 failed" in out and len(no_server) == 1, out

    accounts.write_text("account_id,account_name\n210987654321,ML research\n")
    code, out = finops(capsys, *command)
    assert code == 0 and "2 skipped" in out and len(no_server) == 2, out
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert con.execute("SELECT DISTINCT SubAccountName FROM focus.cost_and_usage "
                           "WHERE SubAccountId = '210987654321'").fetchall() == [("ML research",)]

    write_cur_v1(export, periods=("2026-09",), rows_per_period=200, revision=2)
    code, out = finops(capsys, *command)
    assert code == 0 and "0 imported, 1 replaced, 1 skipped, 0 failed" in out and len(no_server) == 3, out


def test_what_the_plan_without_prefect_leaves_to_the_flow(capsys, monkeypatch, data_dir, export):
    """After an import without the FOCUS build: nothing to import unless building, and the flow for
    a silent export, a broken manifest or an export that cannot be read."""
    code, out = finops(capsys, "--data-dir", str(data_dir), "aws", "import-cur", "--path", str(export), *SOURCE,
                       "--no-build")
    assert code == 0 and "2 imported" in out, out
    config = load_config().with_overrides(data_dir)
    aws = config.provider("aws")
    selected = aws.select(sources=[{"name": "demo-cur-v1", "cur_version": "v1", "path": str(export)}])

    def plan(build: bool = False, period: str | None = None, stale_after_hours: float = 48) -> list[dict] | None:
        monkeypatch.setenv("OPEN_FINOPS_NOTIFICATIONS_STALE_AFTER_HOURS", str(stale_after_hours))
        config = load_config().with_overrides(data_dir)
        return imports.nothing_to_import("aws", selected, aws.account_names, config, period, build)

    skipped = plan()
    assert [(r["billing_period"], r["status"]) for r in skipped] == [("2026-08", "skipped"), ("2026-09", "skipped")]
    assert all(r["rows"] > 0 and r["cost"] is not None for r in skipped)
    assert [r["billing_period"] for r in plan(period="2026-09")] == ["2026-09"]
    assert plan(build=True) is None  # the FOCUS table was never built
    assert plan(stale_after_hours=0.0001) is None  # the flow warns about the silent export

    manifest = export / "demo-cur-v1" / "20260901-20261001" / "demo-cur-v1-Manifest.json"
    manifest.write_text("not json")
    assert plan() is None
    assert plan(period="2026-08") is not None  # only the broken period's import needs the flow

    for path in sorted(export.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    assert plan() is None
