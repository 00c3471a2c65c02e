"""build-focus in the Prefect UI: every dbt model, seed and test of the build is a task run of its own."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import TaskRun
from prefect.client.schemas.sorting import TaskRunSort
from prefect.states import State

from flows.aws_cur import aws_cur
from flows.focus_build import focus_build
from openfinops.focus import dbt
from openfinops.focus.dbt import PROJECT_DIR
from openfinops.focus.dbt_parse import PARSE_FILE, start_from_stored_parse
from openfinops.samples.aws_cur import write_cur_v1
from tasks.focus import BuildFailed

RECONCILIATION = "assert_aws_billed_cost_reconciles_to_raw"


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, State]:
    """A sample CUR imported and built by the aws-cur flow; the data dir and the flow run's state."""
    work = tmp_path_factory.mktemp("focus-task")
    write_cur_v1(work / "exports", periods=("2026-09",), rows_per_period=200)
    (work / "empty-config.toml").touch()
    with pytest.MonkeyPatch.context() as mp:  # as the isolated_config fixture does, for the whole module
        for key in [k for k in os.environ if k.startswith("OPEN_FINOPS_")]:
            mp.delenv(key)
        mp.setenv("OPEN_FINOPS_CONFIG", str(work / "empty-config.toml"))
        mp.chdir(work)
        state = aws_cur(sources=[{"name": "demo-cur-v1", "cur_version": "v1", "path": str(work / "exports")}],
                        data_dir=str(work / "data"), return_state=True)
    assert state.is_completed(), state.message
    return work / "data", state


def task_runs(flow_state: State) -> dict[str, TaskRun]:
    """The task runs of a flow run by name, once none is still running: prefect-dbt ends a node's
    task run in a thread of its own, shortly after dbt reports the node."""
    flow_run = FlowRunFilter(id=FlowRunFilterId(any_=[flow_state.state_details.flow_run_id]))
    deadline = time.time() + 30
    with get_client(sync_client=True) as client:
        while True:
            runs: list[TaskRun] = []  # in pages: the API returns at most 200 at a time
            while page := client.read_task_runs(flow_run_filter=flow_run, sort=TaskRunSort.ID_DESC,
                                                offset=len(runs)):
                runs += page
            if all(r.state.is_final() for r in runs) or time.time() > deadline:
                break
            time.sleep(0.5)
    names = [r.name for r in runs]
    assert len(set(names)) == len(names), names
    return {r.name: r for r in runs}


def dbt_nodes(data_dir: Path) -> set[str]:
    """The task run name of every model, seed and data test in the build's manifest."""
    manifest = json.loads((data_dir / "tmp" / "dbt" / "target" / "manifest.json").read_text())
    return {f"{node['resource_type']} {node['name']}" for node in manifest["nodes"].values()
            if node["resource_type"] in ("model", "seed", "test") and node["config"]["materialized"] != "ephemeral"}


def test_every_model_seed_and_test_is_a_completed_task_run(imported):
    data_dir, state = imported

    runs = task_runs(state)

    nodes = {name: run for name, run in runs.items() if name.split(" ")[0] in ("model", "seed", "test")}
    assert set(nodes) == dbt_nodes(data_dir)
    assert {"model stg_aws__cur", "model cost_and_usage", f"test {RECONCILIATION}"} <= set(nodes)
    assert any(name.startswith("seed ") for name in nodes)
    assert {name: run.state.name for name, run in nodes.items() if not run.state.is_completed()} == {}
    [build] = [run for name, run in runs.items() if name.startswith("build-focus")]
    assert build.state.is_completed()
    # In the UI's graph each node's run sits inside build-focus.
    assert all([parent.id for parent in run.task_inputs["__parents__"]] == [build.id] for run in nodes.values())


def test_a_second_build_reuses_the_parse_and_no_node_builds_a_client_of_its_own(imported, monkeypatch):
    """The fixed cost of a build: dbt reads its parse back, and node task runs share one SSL context
    (each Prefect client loads a CA bundle into a new one, ~30 ms: three per node unless shared)."""
    data_dir, _ = imported
    contexts = []
    create = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *args, **kwargs: contexts.append(args or kwargs)
                        or create(*args, **kwargs))

    state = focus_build(data_dir=str(data_dir), return_state=True)

    assert state.is_completed(), state.message
    assert len(contexts) < len(dbt_nodes(data_dir)) / 4, contexts
    logs = sorted((data_dir / "tmp" / "dbt" / "logs").glob("dbt.log*"), key=lambda p: p.stat().st_mtime)  # rotated
    log = "".join(path.read_text() for path in logs)
    build = log[log.rindex("Running with dbt="):]
    assert "Unable to do partial parsing" not in build
    assert "Nothing changed, skipping partial parsing" in build or "Partial parsing enabled" in build


def test_a_new_data_dir_builds_from_the_stored_parse(imported, tmp_path, monkeypatch):
    """dbt parses the project (9 s on 2 cores) once, into the stored parse; the first build of another
    data dir reads it back, made valid for its own profile, instead of parsing again."""
    data_dir, _ = imported
    stored = tmp_path / "stored" / PARSE_FILE
    monkeypatch.setattr(dbt, "STORED_PARSE", stored)
    logs = {}
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        shutil.copy(data_dir / "finops.duckdb", tmp_path / name)
        state = focus_build(data_dir=str(tmp_path / name), return_state=True)
        assert state.is_completed(), state.message
        logs[name] = (tmp_path / name / "tmp" / "dbt" / "logs" / "dbt.log").read_text()
        if name == "first":
            stored_at = stored.stat().st_mtime_ns

    assert "Unable to do partial parsing because saved manifest not found" in logs["first"]
    assert "Unable to do partial parsing" not in logs["second"]
    assert "Partial parsing enabled" in logs["second"]
    assert stored.stat().st_mtime_ns == stored_at  # nothing new to store


def test_a_stored_parse_dbt_cannot_read_is_left_to_dbt(tmp_path):
    (tmp_path / "stored").write_bytes(b"not a dbt parse")
    profiles = dbt.write_profile(tmp_path / "finops.duckdb", tmp_path / "work")

    assert not start_from_stored_parse(tmp_path / "stored", tmp_path / "target", profiles, dbt.PROFILE)
    assert not (tmp_path / "target" / PARSE_FILE).exists()


@pytest.mark.parametrize("raw_change, error", [
    ("line_item_currency_code = NULL", "NOT NULL constraint failed: cost_and_usage.BillingCurrency"),
    ("line_item_line_item_description = '  '",
     "CHECK constraint failed on table cost_and_usage with expression CHECK((ltrim(ChargeDescription) != ''))"),
], ids=["null BillingCurrency", "blank ChargeDescription"])
def test_a_row_against_the_contract_fails_the_build_and_leaves_the_table(imported, tmp_path, raw_change, error):
    """The FOCUS columns' rules (never null, no blank text, accepted values, null unless ...) are
    constraints DuckDB enforces on every row the build writes: a new import with one bad row fails the
    build, names the column, and the dashboards keep the table as it was."""
    built, _ = imported
    data_dir = tmp_path / "data"
    shutil.copytree(built, data_dir, symlinks=True)
    with duckdb.connect(str(data_dir / "finops.duckdb")) as con:
        before = con.execute("SELECT * FROM focus.cost_and_usage ORDER BY ALL").fetchall()
        # The period imported again (a new import id), with one bad row
        con.execute(f"UPDATE aws_billing.demo_cur_v1 SET {raw_change} "
                    "WHERE rowid = (SELECT min(rowid) FROM aws_billing.demo_cur_v1)")
        con.execute("UPDATE aws_billing.demo_cur_v1 SET import_id = 'again'")
        con.execute("UPDATE finops_state.import_state SET import_id = 'again'")

    state = focus_build(data_dir=str(data_dir), return_state=True)

    assert state.is_failed()
    message = str(state.result(raise_on_failure=False))
    assert "\ncost_and_usage: " in message and error in message, message
    failed = {name for name, run in task_runs(state).items() if run.state.is_failed()}
    assert {name for name in failed if not name.startswith("build-focus")} == {"model cost_and_usage"}
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert con.execute("SELECT * FROM focus.cost_and_usage ORDER BY ALL").fetchall() == before


def test_the_dbt_unit_tests_pass(imported, tmp_path):
    """Builds leave the unit tests out (they test the SQL on fixed inputs, not the data): here they run,
    on the built project's relations, every one of them."""
    data_dir, _ = imported
    manifest = json.loads((data_dir / "tmp" / "dbt" / "target" / "manifest.json").read_text())
    unit_tests = {test["name"] for test in manifest["unit_tests"].values()}
    target = tmp_path / "target"

    proc = subprocess.run([str(Path(sys.executable).with_name("dbt")), "test", "--select", "test_type:unit",
                           "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(data_dir / "tmp" / "dbt"),
                           "--target-path", str(target), "--log-path", str(tmp_path)],
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false"))

    assert proc.returncode == 0, proc.stdout[-3000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert {r["unique_id"].split(".")[-1] for r in results} == unit_tests
    assert len(unit_tests) >= 19 and {r["status"] for r in results} == {"pass"}


def test_a_failed_dbt_test_fails_its_own_task_run_and_the_build(imported, tmp_path):
    built, _ = imported
    data_dir = tmp_path / "data"
    shutil.copytree(built, data_dir, symlinks=True)
    with duckdb.connect(str(data_dir / "finops.duckdb")) as con:  # a raw cost the FOCUS table does not have
        con.execute("UPDATE aws_billing.demo_cur_v1 SET line_item_unblended_cost = line_item_unblended_cost + 1 "
                    "WHERE rowid = (SELECT min(rowid) FROM aws_billing.demo_cur_v1)")

    state = focus_build(data_dir=str(data_dir), return_state=True)

    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, BuildFailed)
    assert f"\n{RECONCILIATION}: Got 1 result, configured to fail if != 0" in str(error)
    runs = task_runs(state)
    failed = runs[f"test {RECONCILIATION}"]
    assert failed.state.is_failed()
    assert f"test.open_finops.{RECONCILIATION} finished with status fail" in failed.state.message
    assert runs["model cost_and_usage"].state.is_completed()
    assert [name for name, run in runs.items() if name.startswith("build-focus") and run.state.is_failed()]
    # dbt keeps DuckDB open during the run (keep_open): a failed build closes it too.
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM focus.cost_and_usage").fetchone()[0] > 0
