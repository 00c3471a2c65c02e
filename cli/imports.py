"""A billing import from the command line: answered at once when nothing is new, else run as its flow.

With no Prefect server configured, running a flow means starting Prefect's temporary API server
first (~8 s). So the CLI plans first, outside Prefect, with the functions the flow's tasks call:
when every selected billing period is unchanged, every export delivered recently, the account names
are the stored ones and (when building) the FOCUS table is current, the flow would skip every period
and build nothing. The CLI then prints the summary that run would have printed and starts no server.
Anything else (a new or restated period, a broken manifest, a silent export, a failed read) runs the
flow, which does the work and reports it. With a server configured the flow always runs, so every
import is a tracked run there.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from openfinops.config import Config

from .display import (
    human_bytes,
    import_progress,
    print_error,
    print_focus_summary,
    print_import_summary,
)
from .logs import printed_output_logged

if TYPE_CHECKING:
    from prefect import Flow

    from openfinops.importing.exports import BillingExport
    from tasks.accounts import AccountNames

logger = logging.getLogger(__name__)


def import_billing(args: argparse.Namespace, provider: str, flow: Callable[[], Flow],
                   selected: Sequence[BillingExport], account_names: AccountNames, config: Config,
                   **parameters) -> int:
    """Import `provider`'s `selected` exports with the flow `flow()` returns, called with `parameters`,
    unless no server is configured and there is nothing to import; the exit code."""
    if not prefect_server_configured():
        results = nothing_to_import(provider, selected, account_names, config, parameters.get("period"),
                                    parameters.get("build", True))
        if results is not None:
            print_import_summary(results, provider)
            if parameters.get("build", True):
                print_focus_summary(parameters.get("data_dir"))
            return 0
    return run_import(args, provider, flow, **parameters)


def prefect_server_configured() -> bool:
    """Whether flows run on a Prefect server (PREFECT_API_URL, from the environment or the Prefect
    profile `finops server up` sets) rather than on a temporary one started for this command."""
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def nothing_to_import(provider: str, exports: Sequence[BillingExport], account_names: AccountNames, config: Config,
                      period: str | None, build: bool) -> list[dict] | None:
    """The results of an import run that would change nothing (every period `skipped`), or None when
    it has something to do or to report: a new, restated or broken period, an export with no recent
    delivery (the run warns), other account names, a FOCUS table to build, or a failed read."""
    from openfinops.importing.planning import (
        PeriodResult,
        delivery_age_hours,
        plan_periods,
    )
    from openfinops.warehouse.state import (
        UNCHANGED,
        focus_is_current,
        read_account_names,
    )

    results = []
    try:
        for export in exports:
            manifests = export.discover()
            age_hours = delivery_age_hours(manifests)
            if age_hours is None or age_hours > config.notifications.stale_after_hours:
                return None  # the run warns about a silent export
            for planned in plan_periods(export, manifests, config.database, period):
                if planned.status != UNCHANGED:
                    return None
                results.append(PeriodResult.skipped(export.name, planned.manifest, planned.previous).as_dict())
        if account_names.read() != read_account_names(config.database, provider):
            return None
        if build and not focus_is_current(config.database):
            return None
    except Exception as exc:  # the flow runs the same step, with its retries, and reports the failure
        logger.warning("planning the %s import outside Prefect: %s; running the flow", provider, exc)
        return None
    return results


def run_import(args: argparse.Namespace, provider: str, flow: Callable[[], Flow], **parameters) -> int:
    """Run the import flow `flow()` returns with a live progress line, then print its summary and one
    line per error; the exit code."""
    from .temporary_server import start_temporary_server

    wait_for_server = start_temporary_server(None if args.verbose else args.log_file)
    import_flow = flow()  # imports the flow's modules while the server boots
    wait_for_server()
    with import_progress(), printed_output_logged():
        state = import_flow(**parameters, return_state=True)
    results = state.result(raise_on_failure=False)
    if isinstance(results, BaseException):
        print_error(f"import failed: {results}")
        return 1
    print_import_summary(results, provider)
    problems = [f"{r['export']} {r['billing_period']}: {r['error']}" for r in results if r["status"] == "failed"]
    for problem in problems:
        print_error(problem)
    # The run's message has a line per failed step; the one listing the failed periods is printed above.
    for line in (state.message or "").splitlines() if state.is_failed() else ():
        if not (problems and all(problem in line for problem in problems)):
            print_error(line)
    if parameters.get("build", True):
        print_focus_summary(parameters.get("data_dir"))
    return 1 if state.is_failed() else 0


def list_periods(title: str, id_column: str, exports: Sequence[BillingExport], database: Path,
                 type_of: Callable[[BillingExport], str] | None = None) -> int:
    """Print a table of each export's billing periods: the current delivery (its id, files and size)
    and whether it is new, changed since its import or imported already; one line per problem on
    stderr. `type_of` adds a column saying what each export holds. The exit code."""
    from rich.console import Console
    from rich.table import Table

    from openfinops.errors import ImportFailed
    from openfinops.importing.planning import plan_periods

    table = Table(title=title, title_justify="left")
    table.add_column("export")
    if type_of:
        table.add_column("type")
    for name, options in (("period", {"no_wrap": True}), (id_column, {"overflow": "fold"}),
                          ("files", {"justify": "right"}), ("size", {"justify": "right", "no_wrap": True}),
                          ("status", {"no_wrap": True})):
        table.add_column(name, **options)
    problems = []

    def row(export: BillingExport, *cells: str) -> None:
        table.add_row(export.name, *([type_of(export)] if type_of else []), *cells)

    for export in exports:
        try:
            found = export.discover()
        except ImportFailed as exc:
            row(export, "", "", "", "", "[red]error[/]")
            problems.append(f"{export.name}: {exc}")
            continue
        for planned in plan_periods(export, found, database):
            m = planned.manifest
            if planned.status == "error":
                row(export, m.billing_period, "", "", "", "[red]error[/]")
                problems.append(f"{export.name} {m.billing_period}: {m.error}")
                continue
            label = {"new": "[green]new[/]", "changed": "[yellow]changed since import[/]",
                     "unchanged": "already imported"}[planned.status]
            row(export, m.billing_period, m.manifest_id, str(len(m.files)), human_bytes(m.total_bytes), label)
    Console().print(table)
    for problem in problems:
        print_error(problem)
    return 1 if problems else 0
