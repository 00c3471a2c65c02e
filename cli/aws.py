"""`finops aws import-cur` and `finops aws list-manifests`."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from openfinops.config import ConfigError, load_config
from openfinops.periods import resolve_period
from openfinops.providers.aws.config import CUR_VERSIONS

from .display import human_bytes, import_progress, print_error, print_focus_summary, print_import_summary
from .logs import printed_output_logged


def register(nouns: argparse._SubParsersAction) -> None:
    aws = nouns.add_parser("aws", help="AWS billing exports (CUR v1, CUR 2.0, FOCUS)")
    verbs = aws.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    imp = verbs.add_parser("import-cur", help="import new and restated billing periods into DuckDB")
    _selection_flags(imp)
    imp.add_argument("--period", type=_period, help="only this billing period (YYYY-MM, current or previous)")
    imp.add_argument("--no-build", dest="build", action="store_false",
                     help="do not rebuild the FOCUS table after importing")
    imp.set_defaults(run=import_cur)

    ls = verbs.add_parser("list-manifests", help="list each billing period's manifest and its import status")
    _selection_flags(ls)
    ls.set_defaults(run=list_manifests)


def _selection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--export", action="append", dest="exports", metavar="NAME",
                        help="a configured export (repeatable; default: all)")
    one_off = parser.add_argument_group("one-off source (instead of the configured exports)")
    one_off.add_argument("--bucket", help="S3 bucket holding the export")
    one_off.add_argument("--prefix", default="", help="S3 prefix the export was set up with")
    one_off.add_argument("--region", help="bucket region")
    one_off.add_argument("--endpoint-url", help="S3-compatible endpoint (MinIO, Ceph, ...)")
    one_off.add_argument("--path", help="local folder standing for s3://bucket/prefix")
    one_off.add_argument("--export-name", help="report (CUR v1) or export (CUR 2.0, FOCUS) name")
    one_off.add_argument("--cur-version", choices=CUR_VERSIONS, default="v2", help="export type (default v2)")


def _period(value: str) -> str:
    try:
        resolve_period(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _one_off(args: argparse.Namespace) -> list[dict] | None:
    if not (args.bucket or args.path):
        if args.export_name:
            raise ConfigError("--export-name needs --bucket or --path")
        return None
    if not args.export_name:
        raise ConfigError("a one-off source needs --export-name")
    source = {"name": args.export_name, "cur_version": args.cur_version}
    for key in ("bucket", "prefix", "region", "endpoint_url", "path"):
        value = getattr(args, key)
        if value:
            source[key] = value
    return [source]


def import_cur(args: argparse.Namespace) -> int:
    sources = _one_off(args)
    config = load_config().with_overrides(args.data_dir)
    config.provider("aws").select(args.exports, sources, config.samples)  # fail fast, exit 2
    return run_import(args, exports=args.exports, period=args.period, data_dir=args.data_dir, sources=sources,
                      build=args.build)


def run_import(args: argparse.Namespace, **parameters) -> int:
    """Run the aws-cur flow with a live progress line, then print its summary and one line per error;
    the exit code."""
    from flows.aws_cur import aws_cur

    from .temporary_server import start_temporary_server

    start_temporary_server(None if args.verbose else args.log_file)
    with import_progress(), printed_output_logged():
        state = aws_cur(**parameters, return_state=True)
    results = state.result(raise_on_failure=False)
    if isinstance(results, BaseException):
        print_error(f"import failed: {results}")
        return 1
    print_import_summary(results)
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


def list_manifests(args: argparse.Namespace) -> int:
    from openfinops.errors import ImportFailed
    from openfinops.importing.exports import BrokenManifest
    from openfinops.warehouse import state

    config = load_config().with_overrides(args.data_dir)
    exports = config.provider("aws").select(args.exports, _one_off(args), config.samples)

    table = Table(title="AWS billing export manifests", title_justify="left")
    table.add_column("export")
    table.add_column("period", no_wrap=True)
    table.add_column("manifest id", overflow="fold")
    table.add_column("files", justify="right")
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    problems = []
    for export in exports:
        known = state.read_state(config.database, export.provider, export.name)
        try:
            found = export.discover()
        except ImportFailed as exc:
            table.add_row(export.name, "", "", "", "", "[red]error[/]")
            problems.append(f"{export.name}: {exc}")
            continue
        for m in found:
            if isinstance(m, BrokenManifest):
                table.add_row(m.export, m.billing_period, "", "", "", "[red]error[/]")
                problems.append(f"{m.export} {m.billing_period}: {m.error}")
                continue
            status = state.status(known.get(m.billing_period), m.fingerprint)
            label = {"new": "[green]new[/]", "changed": "[yellow]changed since import[/]",
                     "unchanged": "already imported"}[status]
            table.add_row(m.export, m.billing_period, m.manifest_id, str(len(m.files)), human_bytes(m.total_bytes),
                          label)
    Console().print(table)
    for problem in problems:
        print_error(problem)
    return 1 if problems else 0
