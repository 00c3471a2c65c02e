"""The `dashboards-provision` flow: the dashboard files (dashboards/*.yaml) into Metabase."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from openfinops.dashboards.definitions import DASHBOARDS_DIR, load_dashboards
from openfinops.dashboards.metabase import metabase_url
from openfinops.dashboards.provision import IN_CONTAINER_DATABASE
from tasks import dashboards as steps


@flow(name="dashboards-provision")
def dashboards_provision(url: str | None = None, database_path: str = IN_CONTAINER_DATABASE,
                         dashboards_dir: str | None = None) -> list[str]:
    """Set Metabase up if it is new, make sure of an API key for the steps after, connect Metabase to the
    published DuckDB copy (`database_path`, as Metabase's process sees it) and create or update every
    dashboard; one line per object."""
    url = metabase_url(url)
    folder = Path(dashboards_dir) if dashboards_dir else DASHBOARDS_DIR
    dashboards = load_dashboards(folder)  # a malformed file stops the run before Metabase is touched
    lines = steps.set_up_metabase(url) + steps.ensure_api_key(url)
    database_id, database_lines = steps.connect_database(url, database_path)
    fields = steps.sync_fields(url, database_id, dashboards)
    collection_id, collection_lines = steps.ensure_collection(url)
    lines += database_lines + collection_lines
    for dashboard in dashboards:
        lines += steps.provision_dashboard(url, dashboard, database_id, collection_id, fields)
    return lines + steps.archive_removed(url, dashboards, collection_id)
