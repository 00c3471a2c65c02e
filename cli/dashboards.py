"""`finops dashboards provision`."""

from __future__ import annotations

import argparse

from openfinops.dashboards.definitions import DashboardError
from openfinops.dashboards.metabase import DEFAULT_URL, MetabaseError
from openfinops.dashboards.provision import IN_CONTAINER_DATABASE

from .display import print_error
from .logs import printed_output_logged


def register(nouns: argparse._SubParsersAction) -> None:
    dashboards = nouns.add_parser("dashboards", help="the dashboards of dashboards/*.yaml, in Metabase")
    verbs = dashboards.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    provision = verbs.add_parser(
        "provision", help="create or update the dashboards in Metabase (first-run setup included)",
        description="Signs in with METABASE_API_KEY, else with the API key it keeps in the Prefect Secret block "
                    "metabase-api-key, else as METABASE_ADMIN_EMAIL / METABASE_ADMIN_PASSWORD (the admin it "
                    "creates when Metabase is new), issuing that key.")
    provision.add_argument("--url", help=f"Metabase (default: $METABASE_URL or {DEFAULT_URL})")
    provision.add_argument("--database-path", default=IN_CONTAINER_DATABASE,
                           help="the published read-only DuckDB file as Metabase's process sees it (default: "
                                f"{IN_CONTAINER_DATABASE}, the compose service's path; a Metabase on this machine "
                                "needs <data-dir>/published/finops-read.duckdb)")
    provision.add_argument("--dashboards-dir", help="folder of dashboard files (default: the project's dashboards/)")
    provision.set_defaults(run=run_provision)


def run_provision(args: argparse.Namespace) -> int:
    from .temporary_server import start_temporary_server

    wait_for_server = start_temporary_server(None if args.verbose else args.log_file)
    from flows.dashboards_provision import dashboards_provision

    wait_for_server()
    try:
        with printed_output_logged():
            lines = dashboards_provision(url=args.url, database_path=args.database_path,
                                         dashboards_dir=args.dashboards_dir)
    except (MetabaseError, DashboardError) as exc:
        print_error(exc)
        return 1
    for line in lines:
        print(line)
    return 0
