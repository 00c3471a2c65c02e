"""The finops CLI as a user runs it: list, import, re-import, restatement, exit codes, and what it
writes where: results to stdout, one line per error to stderr, log lines to the log file."""

from __future__ import annotations

import csv
import gzip
import os
import subprocess
import sys

import duckdb
import pytest
from prefect import task
from prefect.settings import PREFECT_API_URL

from cli import main
from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2
from tasks.focus import BuildFailed


@pytest.fixture
def export(tmp_path):
    root = tmp_path / "exports"
    write_cur_v1(root, periods=("2026-08", "2026-09"), rows_per_period=200)
    return root


def cli(capsys, *args: str) -> tuple[int, str]:
    code, out, err = cli_streams(capsys, *args)
    return code, out + err


def cli_streams(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_import_and_restatement(capsys, data_dir, export):
    source = ["--path", str(export), "--export-name", "demo-cur-v1", "--cur-version", "v1"]

    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "list-manifests", *source)
    assert code == 0
    assert out.count("new") == 2 and "2026-08" in out and "2026-09" in out

    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "import-cur", *source)
    assert code == 0
    assert "2 imported, 0 replaced, 0 skipped, 0 failed" in out

    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "list-manifests", *source)
    assert out.count("already imported") == 2

    write_cur_v1(export, periods=("2026-09",), rows_per_period=200, revision=2)
    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "list-manifests", *source)
    assert "changed since import" in out

    code, out = cli(capsys, "--data-dir", str(data_dir), "aws", "import-cur", *source)
    assert code == 0
    assert "0 imported, 1 replaced, 1 skipped, 0 failed" in out
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT manifest_id) FROM aws_billing.demo_cur_v1").fetchone() == (2,)


def test_configured_exports_and_env_override(capsys, tmp_path, monkeypatch, export):
    data = tmp_path / "from-env"
    config = tmp_path / "config.toml"
    config.write_text(f'[project]\ndata_dir = "{tmp_path / "from-file"}"\n\n'
                      f'[[aws.exports]]\nname = "demo-cur-v1"\ncur_version = "v1"\npath = "{export}"\n')
    monkeypatch.setenv("OPEN_FINOPS_PROJECT_DATA_DIR", str(data))

    code, out = cli(capsys, "--config", str(config), "aws", "import-cur", "--export", "demo-cur-v1",
                    "--period", "2026-09")

    assert code == 0, out
    assert "1 imported" in out
    assert (data / "finops.duckdb").exists() and not (tmp_path / "from-file").exists()


def test_failures_exit_non_zero_with_the_reason_once_on_stderr(capsys, data_dir, export):
    manifest = export / "demo-cur-v1" / "20260901-20261001" / "demo-cur-v1-Manifest.json"
    manifest.write_text("not json")

    code, out, err = cli_streams(capsys, "--data-dir", str(data_dir), "aws", "import-cur", "--path", str(export),
                                 "--export-name", "demo-cur-v1", "--cur-version", "v1")

    assert code == 1
    assert "1 imported, 0 replaced, 0 skipped, 1 failed" in out and "not valid JSON" not in out
    assert err.splitlines() == [f"finops: demo-cur-v1 2026-09: {manifest}: manifest is not valid JSON "
                                "(Expecting value: line 1 column 1 (char 0))"]
    log = (data_dir / "logs" / "finops.log").read_text()
    assert "Task run 'load-demo-cur-v1-2026-09'" in log and "ManifestError" in log

    code, out, err = cli_streams(capsys, "--data-dir", str(data_dir), "aws", "list-manifests", "--path", str(export),
                                 "--export-name", "demo-cur-v1", "--cur-version", "v1")

    assert code == 1
    assert "already imported" in out and "not valid JSON" not in out
    assert err.splitlines() == [f"finops: demo-cur-v1 2026-09: {manifest}: manifest is not valid JSON "
                                "(Expecting value: line 1 column 1 (char 0))"]


@pytest.mark.parametrize("args, message", [
    (["aws", "import-cur", "--path", "/x"], "needs --export-name"),
    (["aws", "import-cur", "--export-name", "x"], "needs --bucket or --path"),
    (["aws", "import-cur"], "no AWS exports configured"),
])
def test_usage_errors_exit_2(capsys, args, message):
    code, out = cli(capsys, *args)
    assert code == 2 and message in out


def test_the_cli_loads_no_data_library_before_it_starts_prefects_server():
    """A command starts the temporary Prefect server after importing the CLI; dlt, dbt and DuckDB load
    while that server boots (dlt alone took ~0.5 s of a 0.65 s CLI import)."""
    script = "import sys, cli; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout

    assert [lib for lib in ("dlt", "dbt", "duckdb", "prefect_dbt", "pyarrow") if f"'{lib}'" in loaded] == []


def test_bad_period_is_rejected(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["aws", "import-cur", "--period", "2026-13"])
    assert exc.value.code == 2
    assert "not a billing period" in capsys.readouterr().err


# --------------------------------------------------------------------------- the config file
@pytest.mark.parametrize("how", ["flag", "environment"])
def test_a_named_config_file_must_exist(capsys, tmp_path, monkeypatch, how):
    missing = tmp_path / "no" / "such.toml"
    args = ["--config", str(missing)] if how == "flag" else []
    if how == "environment":
        monkeypatch.setenv("OPEN_FINOPS_CONFIG", str(missing))

    code, out, err = cli_streams(capsys, *args, "aws", "import-cur")

    assert code == 2
    assert (out, err) == ("", f"finops: config file {missing} not found\n")
    assert not (tmp_path / "data").exists()


def test_the_default_config_file_may_be_absent(capsys, tmp_path, monkeypatch, export):
    monkeypatch.delenv("OPEN_FINOPS_CONFIG")
    assert not (tmp_path / "config.toml").exists()

    code, out = cli(capsys, "aws", "list-manifests", "--path", str(export), "--export-name", "demo-cur-v1",
                    "--cur-version", "v1")

    assert code == 0, out
    assert out.count("new") == 2


# --------------------------------------------------------------------------- errors and the log file
@task(name="build-focus")
def _failing_build(data_dir, full_refresh: bool = False):
    raise BuildFailed("dbt build of focus.cost_and_usage failed: cost_and_usage: Binder Error: no column Foo")


def test_a_failed_focus_build_is_one_line_without_a_summary(capsys, monkeypatch, data_dir, export):
    """The table was never built: no FOCUS summary (it used to crash on the missing table)."""
    monkeypatch.setattr("flows.billing_import.build_focus", _failing_build)
    monkeypatch.setattr("flows.focus_build.build_focus", _failing_build)
    message = "dbt build of focus.cost_and_usage failed: cost_and_usage: Binder Error: no column Foo"

    code, out, err = cli_streams(capsys, "--data-dir", str(data_dir), "aws", "import-cur", "--path", str(export),
                                 "--export-name", "demo-cur-v1", "--cur-version", "v1")

    assert code == 1
    assert "2 imported" in out and "focus.cost_and_usage" not in out
    assert err.splitlines() == [f"finops: FOCUS build: {message}"]  # the import run's line names the failed step

    code, out, err = cli_streams(capsys, "--data-dir", str(data_dir), "focus", "build")

    assert code == 1
    assert (out, err.splitlines()) == ("", [f"finops: {message}"])


def test_an_unexpected_error_is_one_line_and_a_traceback_in_the_log(capsys, data_dir):
    duckdb.connect(str(data_dir / "finops.duckdb")).close()  # a database without the FOCUS table

    code, out, err = cli_streams(capsys, "--data-dir", str(data_dir), "focus", "export", "--out", "focus.parquet")

    log_file = data_dir / "logs" / "finops.log"
    assert code == 1
    assert out == ""
    assert err.startswith("finops: Catalog Error: Table with name") and "cost_and_usage" in err
    assert err.endswith(f"(details in {log_file})\n") and len(err.splitlines()) == 1
    assert "Traceback" in log_file.read_text()


def test_console_has_results_and_errors_only(tmp_path, data_dir):
    """Run as a user does, in its own process: the summary on stdout, exactly one line on stderr naming
    the export, period, file, column, row and value; Prefect's log lines in the log file, with
    --verbose on stderr as well."""
    root = tmp_path / "exports"
    write_cur_v2(root, periods=("2026-09",), rows_per_period=50, files_per_period=1, fmt="csv")
    [data_file] = (root / "demo-cur2" / "data").rglob("*.csv.gz")
    with gzip.open(data_file, "rt", newline="") as f:
        table = list(csv.reader(f))
    table[17][table[0].index("line_item_unblended_cost")] = "abc"
    with gzip.open(data_file, "wt", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(table)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}  # the test server: no temporary one
    command = [sys.executable, "-m", "cli", "--data-dir", str(data_dir), "aws", "import-cur",
               "--path", str(root), "--export-name", "demo-cur2", "--no-build"]
    error = (f"finops: demo-cur2 2026-09: {data_file}: column line_item_unblended_cost, row 17: 'abc' "
             "is not a decimal")

    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    assert run.returncode == 1
    assert "0 imported, 0 replaced, 0 skipped, 1 failed" in run.stdout and "abc" not in run.stdout
    assert run.stderr.splitlines() == [error]
    log = (data_dir / "logs" / "finops.log").read_text()
    assert "Beginning flow run" in log and "Task run encountered an exception DataFileError" in log

    verbose = subprocess.run([*command[:3], "--verbose", *command[3:]], env=env, capture_output=True, text=True,
                             timeout=300)

    assert verbose.returncode == 1
    assert "Beginning flow run" in verbose.stderr and "exception DataFileError" in verbose.stderr
    assert verbose.stderr.splitlines().count(error) == 1
    assert "Beginning flow run" not in verbose.stdout
