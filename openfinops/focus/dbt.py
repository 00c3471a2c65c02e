"""The dbt project that builds the FOCUS table, run through prefect-dbt.

A build gets a profiles.yml of its own, written into the data dir: the project's profile with the
database file's absolute path, so nothing is passed through the environment.
"""

from __future__ import annotations

import ssl
import threading
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import yaml

from openfinops.focus.dbt_parse import PARSE_FILE, start_from_stored_parse, store_parse

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

PROJECT_DIR = Path(__file__).resolve().parents[2] / "transformations"
PROFILE = "open_finops"  # `profile:` in dbt_project.yml
# The project's parse, reused by the first build of every data dir (openfinops/focus/dbt_parse.py);
# in dbt's own target folder of the project, where `dbt parse` in transformations/ writes it.
STORED_PARSE = PROJECT_DIR / "target" / PARSE_FILE


def write_profile(database: Path, folder: Path) -> Path:
    """Write `folder/profiles.yml`: transformations/profiles.yml with `database` as the target's path.
    Returns the folder (dbt's profiles dir)."""
    profiles = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    profile = profiles[PROFILE]
    profile["outputs"][profile["target"]]["path"] = str(database.resolve())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profiles.yml").write_text(yaml.safe_dump(profiles, sort_keys=False))
    return folder


def _contract() -> list[dict[str, Any]]:
    models = yaml.safe_load((PROJECT_DIR / "models" / "marts" / "focus" / "_focus__models.yml").read_text())
    return next(m for m in models["models"] if m["name"] == "cost_and_usage")["columns"]


def contract_columns() -> list[str]:
    """The columns of focus.cost_and_usage as its enforced contract declares them, in order."""
    return [column["name"] for column in _contract()]


def contract_constraints() -> dict[str, int]:
    """How many constraints of each type (`not_null`, `check`) the contract puts on the table."""
    types = [c["type"] for column in _contract() for c in column.get("constraints", [])]
    return {kind: types.count(kind) for kind in ("not_null", "check")}


@cache
def import_dbt_in_background() -> None:
    """Import dbt and prefect-dbt (seconds of CPU) in a thread of their own, once per process, so that
    a flow that builds after loading data has them ready: loading is DuckDB's work, which leaves the
    interpreter free."""
    threading.Thread(target=_import_dbt, name="import-dbt", daemon=True).start()


def _import_dbt() -> None:
    import dbt.adapters.duckdb.connections  # noqa: F401
    import prefect_dbt  # noqa: F401


def dbt_build(database: Path, work: Path, target: Path, full_refresh: bool = False) -> dbtRunnerResult:
    """Run `dbt build` (seeds, models, data tests) on `database`. In a flow or task run, every model, seed
    and data test is a task run of its own, named after it, that fails when the node does.

    Unit tests are left out, as dbt advises for production runs: they test the SQL on fixed inputs,
    not the data, and on the demo's data took 8 s of an 18 s dbt run. The test suite runs them.

    Failed nodes are in the result; a dbt that could not run at all (a broken project, an unreadable
    profile) raises ValueError. dbt logs to `work/logs`, and to Prefect's loggers instead of stdout
    when in a run. The database file is closed when this returns.
    """
    # dbt takes seconds to import: only a build pays for it.
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from prefect_dbt import PrefectDbtSettings

    profiles_dir = write_profile(database, work)
    start_from_stored_parse(STORED_PARSE, target, profiles_dir, PROFILE)
    settings = PrefectDbtSettings(project_dir=PROJECT_DIR, profiles_dir=profiles_dir, target_path=target)
    # The caller raises for failed nodes itself, naming each one (dbt's result has them).
    runner = _runner_class()(settings=settings, raise_on_failure=False)
    # dbt.log keeps the debug lines (each node's SQL), as with a plain `dbt build`.
    args = ["build", "--exclude-resource-type", "unit_test", "--log-path", str(work / "logs"),
            "--log-level-file", "debug"]
    if full_refresh:
        args.append("--full-refresh")
    try:
        result = runner.invoke(args)
        store_parse(target, STORED_PARSE)
        return result
    finally:
        # The profile keeps DuckDB open for the whole run (keep_open) rather than reopening it for
        # every node; close it now, so the next writer (this process or another) can open the file.
        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager.close_all_connections()


def _runner_class() -> type:
    """prefect-dbt's PrefectDbtRunner, with the per-node cost of its task runs cut.

    prefect-dbt runs each node's task run in a thread of its own, from a serialized copy of the
    run's contexts. Each such thread validated that copy again, twice (the first time importing
    every installed Prefect collection), and built three Prefect clients, each loading a CA bundle
    into a new SSL context: ~0.1 s of CPU per node, more than most nodes take in DuckDB. Here the
    threads get the costly parts of the contexts as objects, and one client each, on one SSL
    context. Defined on first use: prefect-dbt imports dbt.
    """
    from prefect.context import FlowRunContext, SettingsContext, TaskRunContext, hydrated_context
    from prefect.task_engine import run_task_sync
    from prefect_dbt import PrefectDbtRunner
    from prefect_dbt.core._tracker import NodeTaskTracker

    class NodeTracker(NodeTaskTracker):
        def __init__(self, settings: dict[str, Any]):
            super().__init__()
            self._settings, self._ssl_context = settings, _ssl_context()

        def run_task_in_thread(self, node_id, task, task_run_id, parameters, context) -> None:
            """As prefect-dbt's (0.7), in a client context of the thread's own."""

            def run_task() -> None:
                with _client_context(self._settings, self._ssl_context) as client, \
                        hydrated_context(context, client=client):
                    wait_for = [state for dep in self.get_node_dependencies(node_id)
                                if (state := self.get_task_result(dep))]
                    state = run_task_sync(task, task_run_id=task_run_id, parameters=parameters, wait_for=wait_for,
                                          context=context, return_type="state")
                    self.set_task_result(node_id, state or None)

            threading.Thread(target=run_task, daemon=True).start()

    class Runner(PrefectDbtRunner):
        def _create_unified_callback(self, task_state, log_level, context, **kwargs):
            # invoke() calls this right after serializing the contexts, in the same thread. Swap in
            # the objects slow to validate (pydantic takes a model instance as it is): the settings,
            # and the result stores, whose storage block would import every Prefect collection.
            settings = SettingsContext.get()
            context["settings_context"] = {"profile": settings.profile, "settings": settings.settings}
            for key, run in (("flow_run_context", FlowRunContext.get()), ("task_run_context", TaskRunContext.get())):
                if "result_store" in context.get(key, {}):
                    context[key]["result_store"] = run.result_store
            return super()._create_unified_callback(NodeTracker(context["settings_context"]), log_level, context,
                                                    **kwargs)

    return Runner


def _ssl_context() -> ssl.SSLContext:
    """The SSL context Prefect's client builds for itself (SyncPrefectClient.__init__ in Prefect 3.9)."""
    import certifi
    from prefect.settings import PREFECT_API_SSL_CERT_FILE, PREFECT_API_TLS_INSECURE_SKIP_VERIFY

    if PREFECT_API_TLS_INSECURE_SKIP_VERIFY.value():
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=PREFECT_API_SSL_CERT_FILE.value() or certifi.where())


@contextmanager
def _client_context(settings: dict[str, Any], ssl_context: ssl.SSLContext) -> Iterator[Any]:
    """A Prefect client for this thread, on `ssl_context`, that Prefect's get_client returns in it.
    `settings`: a SettingsContext's fields."""
    from prefect.client.orchestration import get_client
    from prefect.context import SettingsContext, SyncClientContext

    with SettingsContext(**settings):  # the client reads the API's URL from them
        client = get_client(sync_client=True, httpx_settings={"verify": ssl_context})
        # Constructed without its httpx settings: get_client(sync_client=True) only returns the
        # context's client to callers that pass the same settings, and Prefect's pass none.
        with SyncClientContext.model_construct(client=client):
            yield client
