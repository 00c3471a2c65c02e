"""`finops <noun> <verb>`: parse arguments, call a flow, print one line per outcome."""

from __future__ import annotations

import argparse
import os
import sys

from openfinops.config import ConfigError

from . import aws, demo


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="finops", description="Open FinOps Stack: cloud billing exports to FOCUS.")
    parser.add_argument("--config", help="config file (default: $OPEN_FINOPS_CONFIG or ./config.toml)")
    parser.add_argument("--data-dir", help="data folder; the database is <data-dir>/finops.duckdb (default ./data)")
    nouns = parser.add_subparsers(dest="noun", required=True, metavar="COMMAND")
    aws.register(nouns)
    demo.register(nouns)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.config:
        os.environ["OPEN_FINOPS_CONFIG"] = args.config
    try:
        return args.run(args)
    except ConfigError as exc:
        print(f"finops: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
