"""Provisioning the dashboard files into Metabase, one small task per object kind."""

from __future__ import annotations

import os
from pathlib import Path

from prefect import task

from openfinops.dashboards import provision
from openfinops.dashboards.definitions import load_dashboards
from openfinops.dashboards.metabase import Metabase, MetabaseError, connect, sign_in, store_api_key, stored_api_key
from openfinops.logs import run_logger
from tasks.retries import RETRIES


def _retry_unreachable(task, task_run, state) -> bool:
    try:
        state.result()
    except MetabaseError as exc:  # a 4xx (bad password, bad request) fails once
        return exc.transient
    except Exception:
        return False
    return False


# Metabase may still be starting (connection refused, 503): retry those, with backoff.
METABASE_RETRIES = RETRIES | dict(retry_condition_fn=_retry_unreachable)


def _report(outcomes: list[provision.Outcome]) -> list[str]:
    logger = run_logger(__name__)
    for outcome in outcomes:
        logger.info("%s", outcome)
    return [str(o) for o in outcomes]


@task(name="set-up-metabase", **METABASE_RETRIES)
def set_up_metabase(url: str) -> list[str]:
    """Metabase has an admin: the first-run setup is done (by this run if needed)."""
    with Metabase(url) as metabase:
        outcome = provision.set_up(metabase)
    return _report([outcome] if outcome else [])


@task(name="ensure-api-key", **METABASE_RETRIES)
def ensure_api_key(url: str) -> list[str]:
    """Unless METABASE_API_KEY is set, the Secret block metabase-api-key holds an API key Metabase accepts,
    so the later steps, and later runs, need no admin password."""
    if os.environ.get("METABASE_API_KEY"):
        return []
    stored = stored_api_key()
    if stored:
        with Metabase(url, api_key=stored) as metabase:
            if provision.accepts(metabase):
                return _report([provision.Outcome("unchanged", "api-key", provision.API_KEY)])
    with sign_in(url) as metabase:
        api_key, outcome = provision.issue_api_key(metabase)
    store_api_key(api_key)
    return _report([outcome])


@task(name="connect-database", **METABASE_RETRIES)
def connect_database(url: str, database_file: str) -> tuple[int, list[str]]:
    """Metabase has the DuckDB database over `database_file`, read-only; returns its id."""
    with connect(url) as metabase:
        database_id, outcome = provision.ensure_database(metabase, database_file)
    return database_id, _report([outcome])


@task(name="sync-fields", **METABASE_RETRIES)
def sync_fields(url: str, database_id: int, folder: Path) -> dict[str, int]:
    """Metabase knows the columns the dashboards filter on; returns their field ids."""
    with connect(url) as metabase:
        return provision.sync_fields(metabase, database_id, provision.needed_tables(load_dashboards(folder)))


@task(name="ensure-collection", **METABASE_RETRIES)
def ensure_collection(url: str) -> tuple[int, list[str]]:
    """The "Open FinOps Stack" collection exists; returns its id."""
    with connect(url) as metabase:
        collection_id, outcome = provision.ensure_collection(metabase)
    return collection_id, _report([outcome])


@task(name="provision-dashboard", task_run_name="provision-dashboard-{name}", **METABASE_RETRIES)
def provision_dashboard(url: str, folder: Path, name: str, database_id: int, collection_id: int,
                        fields: dict[str, int]) -> list[str]:
    """The dashboard file `name` is in Metabase as it is written: its cards, layout and filters."""
    dashboard = next(d for d in load_dashboards(folder) if d.name == name)
    with connect(url) as metabase:
        existing = provision.provisioned(metabase, collection_id)
        return _report(provision.provision_dashboard(metabase, dashboard, database_id, collection_id, fields,
                                                     existing))


@task(name="archive-removed-dashboards", **METABASE_RETRIES)
def archive_removed(url: str, folder: Path, collection_id: int) -> list[str]:
    """No dashboard or card of a deleted dashboard file is left unarchived."""
    with connect(url) as metabase:
        existing = provision.provisioned(metabase, collection_id)
        return _report(provision.archive_removed(metabase, existing, provision.dashboard_files(folder)))
