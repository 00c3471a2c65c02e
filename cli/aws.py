"""`finops aws import-cur` and `finops aws list-manifests`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from openfinops.config import ConfigError, load_config
from openfinops.periods import resolve_period
from openfinops.providers.aws.config import CUR_VERSIONS

from . import imports

if TYPE_CHECKING:
    from prefect import Flow



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
    aws = config.provider("aws")
    selected = aws.select(args.exports, sources, config.samples)  # fail fast, exit 2
    return imports.import_billing(args, "aws", _aws_cur, selected, aws.account_names, config, exports=args.exports,
                                  period=args.period, data_dir=args.data_dir, sources=sources, build=args.build)


def run_import(args: argparse.Namespace, **parameters) -> int:
    """Run the aws-cur flow without first looking for anything new (the demo always has some); the
    exit code."""
    return imports.run_import(args, "aws", _aws_cur, **parameters)


def _aws_cur() -> Flow:
    from flows.aws_cur import (
        aws_cur,  # when it runs: it imports Prefect's engine, dlt and more
    )

    return aws_cur


def list_manifests(args: argparse.Namespace) -> int:
    config = load_config().with_overrides(args.data_dir)
    exports = config.provider("aws").select(args.exports, _one_off(args), config.samples)
    return imports.list_periods("AWS billing export manifests", "manifest id", exports, config.database)
