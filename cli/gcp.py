"""`finops gcp import-billing` and `finops gcp list-exports`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from openfinops.config import ConfigError, load_config

from . import imports
from .aws import _period
from .display import human_bytes

if TYPE_CHECKING:
    from prefect import Flow

EXPORT_TYPES = ("standard", "detailed")


def register(nouns: argparse._SubParsersAction) -> None:
    gcp = nouns.add_parser("gcp", help="GCP Cloud Billing exports (BigQuery standard and detailed, or their files)")
    verbs = gcp.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    imp = verbs.add_parser("import-billing", help="import invoice months with new rows into DuckDB")
    _selection_flags(imp)
    imp.add_argument("--period", type=_period, help="only this invoice month (YYYY-MM, current or previous)")
    imp.add_argument("--no-build", dest="build", action="store_false",
                     help="do not rebuild the FOCUS table after importing")
    imp.add_argument("--dry-run", action="store_true",
                     help="show the BigQuery queries an import would run, with BigQuery's estimate of the bytes "
                          "each reads; import nothing")
    imp.set_defaults(run=import_billing)

    ls = verbs.add_parser("list-exports", help="list each invoice month with new rows and its import status")
    _selection_flags(ls)
    ls.set_defaults(run=list_exports)


def _selection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--export", action="append", dest="exports", metavar="NAME",
                        help="a configured export (repeatable; default: all)")
    one_off = parser.add_argument_group("one-off source (instead of the configured exports)")
    one_off.add_argument("--project-id", help="the GCP project of the BigQuery billing export dataset")
    one_off.add_argument("--dataset", help="the BigQuery dataset of the billing export")
    one_off.add_argument("--table", help="gcp_billing_export_v1_<BILLING_ACCOUNT_ID> (standard) or "
                                         "gcp_billing_export_resource_v1_<BILLING_ACCOUNT_ID> (detailed)")
    one_off.add_argument("--path", help="a folder or gs://<bucket>/<prefix> of exported JSONL or Parquet files")
    one_off.add_argument("--service-account-path", metavar="FILE",
                         help="service account key file (default: GOOGLE_APPLICATION_CREDENTIALS or the gcloud login)")
    one_off.add_argument("--export-name", help="the export's name (default: the table's)")
    one_off.add_argument("--type", dest="export_type", choices=EXPORT_TYPES,
                         help="standard or detailed (default: from the table's name; files: standard)")


def _one_off(args: argparse.Namespace) -> list[dict] | None:
    table = {key: getattr(args, key) for key in ("project_id", "dataset", "table") if getattr(args, key)}
    if not (table or args.path):
        if args.export_name or args.service_account_path:
            raise ConfigError("--export-name and --service-account-path need --table or --path")
        return None
    if args.path and table:
        raise ConfigError("give either --path or --project-id/--dataset/--table, not both")
    name = args.export_name or args.table
    if not name:
        raise ConfigError("a one-off --path needs --export-name")
    source = {"name": name, **table}
    for key, value in (("path", args.path), ("service_account_path", args.service_account_path),
                       ("type", args.export_type)):
        if value:
            source[key] = value
    return [source]


def _selected(args: argparse.Namespace):
    sources = _one_off(args)
    config = load_config().with_overrides(args.data_dir)
    gcp = config.provider("gcp")
    return sources, config, gcp, gcp.select(args.exports, sources, config.samples, config.database)


def import_billing(args: argparse.Namespace) -> int:
    sources, config, gcp, selected = _selected(args)  # fail fast, exit 2
    if args.dry_run:
        return dry_run(selected, config.database, args.period)
    return imports.import_billing(args, "gcp", _gcp_billing, selected, gcp.account_names, config,
                                  exports=args.exports, period=args.period, data_dir=args.data_dir, sources=sources,
                                  build=args.build)


def run_import(args: argparse.Namespace, **parameters) -> int:
    """Run the gcp-billing flow without first looking for anything new (the demo always has some)."""
    return imports.run_import(args, "gcp", _gcp_billing, **parameters)


def _gcp_billing() -> Flow:
    from flows.gcp_billing import gcp_billing  # when it runs: it imports Prefect's engine, dlt and more

    return gcp_billing


def dry_run(exports, database, period: str | None) -> int:
    """Print each BigQuery export's discovery query (or that the table is unchanged: no query), and
    the load query of every invoice month an import would load, each with BigQuery's estimate of the
    bytes it reads; the exit code."""
    from openfinops.errors import ImportFailed
    from openfinops.importing.planning import plan_periods
    from openfinops.providers.gcp import discoveries
    from openfinops.providers.gcp.bigquery import (
        discovery_query,
        estimate_bytes,
        month_manifests,
        month_query,
        query_months,
        table_version,
    )
    from openfinops.providers.gcp.watermarks import watermark

    from .display import print_error

    code = 0
    for export in exports:
        try:
            if export.path:
                found = export.discover()
                print(f"-- {export.name}: files under {export.location}: {len(found)} invoice months")
            else:
                since = watermark(database, export.provider, export.name)
                months = discoveries.recall(database, export.name, table_version(export), since)
                if months is not None:
                    print(f"-- {export.name}: the table is unchanged since the last discovery: no query")
                else:
                    query = discovery_query(export, since)
                    print(f"-- {export.name}: invoice months with rows appended since "
                          f"{since.isoformat() if since else 'the start (first import)'}: "
                          f"{human_bytes(estimate_bytes(export, query))} estimated\n{_with_values(query)}\n")
                    months = query_months(export, since)
                found = month_manifests(export, months)
            for planned in plan_periods(export, found, database, period):
                month = planned.manifest
                if planned.status == "unchanged":
                    print(f"-- {export.name} {month.billing_period}: imported already (newest row {month.manifest_id})")
                    continue
                if export.path:
                    print(f"-- {export.name} {month.billing_period}: {planned.status}, {len(month.files)} files, "
                          f"{human_bytes(month.total_bytes)}")
                    continue
                query = month_query(export, month.invoice_month)
                print(f"-- {export.name} {month.billing_period}: {planned.status} (newest row {month.manifest_id}): "
                      f"{human_bytes(estimate_bytes(export, query))} estimated\n{_with_values(query)}\n")
        except ImportFailed as exc:
            print_error(f"{export.name}: {exc}")
            code = 1
    return code


def _with_values(query) -> str:
    """The query text followed by its parameters' values."""
    values = ", ".join(f"@{p.name} = {p.value}" for p in query.parameters)
    return f"{query.sql};" + (f"\n-- {values}" if values else "")


def list_exports(args: argparse.Namespace) -> int:
    _, config, _, exports = _selected(args)
    return imports.list_periods("GCP billing export invoice months", "newest export_time", exports, config.database,
                                type_of=lambda export: export.type)
