"""Provisioning the dashboard files into Metabase, one small task per object kind."""

from __future__ import annotations

import os

from prefect import task

from openfinops.dashboards import provision
from openfinops.dashboards.definitions import Dashboard
from openfinops.dashboards.metabase import Metabase, connect, sign_in, store_api_key, stored_api_key
from openfinops.logs import run_logger
from tasks.retries import RETRIES


def _report(outcomes: list[provision.Outcome]) -> list[str]:
    logger = run_logger(__name__)
    for outcome in outcomes:
        logger.info("%s", outcome)
    return [str(o) for o in outcomes]


# Every task retries with backoff while Metabase is unreachable or answers 5xx (it may still be
# starting); a 4xx, such as a wrong password, fails at once (MetabaseError.transient).
@task(name="set-up-metabase", **RETRIES)
def set_up_metabase(url: str) -> list[str]:
    """Metabase has an admin: the first-run setup is done (by this run if needed)."""
    with Metabase(url) as metabase:
        outcome = provision.set_up(metabase)
    return _report([outcome] if outcome else [])


@task(name="ensure-api-key", **RETRIES)
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


@task(name="connect-database", **RETRIES)
def connect_database(url: str, database_file: str) -> tuple[int, list[str]]:
    """Metabase has the DuckDB database over `database_file`, read-only; returns its id."""
    with connect(url) as metabase:
        database_id, outcome = provision.ensure_database(metabase, database_file)
    return database_id, _report([outcome])


@task(name="sync-fields", **RETRIES)
def sync_fields(url: str, database_id: int, dashboards: list[Dashboard]) -> dict[str, int]:
    """Metabase knows the columns the dashboards filter on; returns their field ids."""
    with connect(url) as metabase:
        return provision.sync_fields(metabase, database_id, provision.needed_tables(dashboards))


@task(name="ensure-collection", **RETRIES)
def ensure_collection(url: str) -> tuple[int, list[str]]:
    """The "Open FinOps Stack" collection exists; returns its id."""
    with connect(url) as metabase:
        collection_id, outcome = provision.ensure_collection(metabase)
    return collection_id, _report([outcome])


@task(name="provision-dashboard", task_run_name="provision-dashboard-{dashboard.name}", **RETRIES)
def provision_dashboard(url: str, dashboard: Dashboard, database_id: int, collection_id: int,
                        fields: dict[str, int]) -> list[str]:
    """The dashboard file is in Metabase as it is written: its cards, layout and filters."""
    with connect(url) as metabase:
        # Read here, not once for the run: a retry must see what the failed attempt created.
        existing = provision.provisioned(metabase, collection_id)
        return _report(provision.provision_dashboard(metabase, dashboard, database_id, collection_id, fields,
                                                     existing))


@task(name="archive-removed-dashboards", **RETRIES)
def archive_removed(url: str, dashboards: list[Dashboard], collection_id: int) -> list[str]:
    """No dashboard or card of a deleted dashboard file is left unarchived."""
    with connect(url) as metabase:
        existing = provision.provisioned(metabase, collection_id)
        return _report(provision.archive_removed(metabase, existing, {d.path.name for d in dashboards}))
