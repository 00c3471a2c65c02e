"""`finops focus build` and `finops focus export`."""

from __future__ import annotations

import argparse
from pathlib import Path

from openfinops.config import load_config

from .aws import _period
from .display import print_error, print_focus_summary
from .logs import printed_output_logged


def register(nouns: argparse._SubParsersAction) -> None:
    focus = nouns.add_parser("focus", help="the FOCUS 1.2 table (focus.cost_and_usage)")
    verbs = focus.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    build = verbs.add_parser("build", help="build focus.cost_and_usage with dbt and run its tests")
    build.add_argument("--full-refresh", action="store_true", help="rebuild every period, not just changed ones")
    build.set_defaults(run=run_build)

    export = verbs.add_parser("export", help="write the FOCUS table to a file")
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.add_argument("--out", required=True, type=Path, help="output file")
    export.add_argument("--period", type=_period, help="only this billing period (YYYY-MM)")
    export.add_argument("--provider", help="only this provider: aws, azure, gcp, or its FOCUS ProviderName")
    export.set_defaults(run=run_export)


def run_build(args: argparse.Namespace) -> int:
    from .temporary_server import start_temporary_server

    wait_for_server = start_temporary_server(None if args.verbose else args.log_file)
    from flows.focus_build import focus_build

    wait_for_server()
    with printed_output_logged():
        state = focus_build(data_dir=args.data_dir, full_refresh=args.full_refresh, return_state=True)
    print_focus_summary(args.data_dir)
    if state.is_failed():
        # The build's own error, or the run's message when the build passed and a later step failed.
        result = state.result(raise_on_failure=False)
        print_error(result if isinstance(result, BaseException) else state.message)
        return 1
    return 0


def run_export(args: argparse.Namespace) -> int:
    from openfinops.focus.export import export_focus

    database = load_config().with_overrides(args.data_dir).database
    rows = export_focus(database, args.out, args.format, args.period, args.provider)
    print(f"wrote {rows:,} FOCUS rows to {args.out}")
    return 0
