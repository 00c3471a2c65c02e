"""`finops azure import-billing` and `finops azure list-exports`."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from openfinops.config import ConfigError, load_config

from . import imports
from .aws import _period

if TYPE_CHECKING:
    from prefect import Flow

EXPORT_TYPES = ("actual", "amortized", "focus")
# The standard variable the Azure storage SDKs read; the CLI's --connection-string lands here, so
# that it never becomes a flow parameter (Prefect stores and shows those) or reaches a message.
CONNECTION_STRING_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING"


def register(nouns: argparse._SubParsersAction) -> None:
    azure = nouns.add_parser("azure", help="Azure Cost Management exports (actual, amortized, FOCUS)")
    verbs = azure.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    imp = verbs.add_parser("import-billing", help="import new and restated billing periods into DuckDB")
    _selection_flags(imp)
    imp.add_argument("--period", type=_period, help="only this billing period (YYYY-MM, current or previous)")
    imp.add_argument("--no-build", dest="build", action="store_false",
                     help="do not rebuild the FOCUS table after importing")
    imp.set_defaults(run=import_billing)

    ls = verbs.add_parser("list-exports", help="list each billing period's current export run and its import status")
    _selection_flags(ls)
    ls.set_defaults(run=list_exports)


def _selection_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--export", action="append", dest="exports", metavar="NAME",
                        help="a configured export (repeatable; default: all)")
    one_off = parser.add_argument_group("one-off source (instead of the configured exports)")
    one_off.add_argument("--path", help="local folder standing for the export's <container>/<root folder>")
    one_off.add_argument("--container-url", metavar="URL",
                         help="https://<account>.blob.core.windows.net/<container>[/<root folder>]")
    one_off.add_argument("--connection-string", metavar="SECRET",
                         help=f"storage connection string for --container-url (or set {CONNECTION_STRING_VARIABLE}; "
                              "default: the Azure login)")
    one_off.add_argument("--export-name", help="the export's name (its folder under the root folder)")
    one_off.add_argument("--type", dest="export_type", choices=EXPORT_TYPES, default="actual",
                         help="what the export holds: cost and usage details actual or amortized, or FOCUS "
                              "(default actual)")


def _one_off(args: argparse.Namespace) -> list[dict] | None:
    """The one-off source of the flags; a connection string goes to the environment, not into it."""
    if args.path and args.container_url:
        raise ConfigError("give either --path or --container-url, not both")
    if args.connection_string:
        if not args.container_url:
            raise ConfigError("--connection-string needs --container-url")
        os.environ[CONNECTION_STRING_VARIABLE] = args.connection_string
    if not (args.path or args.container_url):
        if args.export_name:
            raise ConfigError("--export-name needs --path or --container-url")
        return None
    if not args.export_name:
        raise ConfigError("a one-off source needs --export-name")
    source = {"name": args.export_name, "type": args.export_type}
    if args.path:
        source["path"] = args.path
    else:
        source["container_url"] = args.container_url
    return [source]


def import_billing(args: argparse.Namespace) -> int:
    sources = _one_off(args)
    config = load_config().with_overrides(args.data_dir)
    azure = config.provider("azure")
    selected = azure.select(args.exports, sources, config.samples)  # fail fast, exit 2
    return imports.import_billing(args, "azure", _azure_billing, selected, azure.account_names, config,
                                  exports=args.exports, period=args.period, data_dir=args.data_dir, sources=sources,
                                  build=args.build)


def run_import(args: argparse.Namespace, **parameters) -> int:
    """Run the azure-billing flow without first looking for anything new (the demo always has some);
    the exit code."""
    return imports.run_import(args, "azure", _azure_billing, **parameters)


def _azure_billing() -> Flow:
    from flows.azure_billing import (
        azure_billing,  # when it runs: it imports Prefect's engine, dlt and more
    )

    return azure_billing


def list_exports(args: argparse.Namespace) -> int:
    config = load_config().with_overrides(args.data_dir)
    exports = config.provider("azure").select(args.exports, _one_off(args), config.samples)
    return imports.list_periods("Azure cost export runs", "run id", exports, config.database,
                                type_of=lambda export: export.type)
