"""`finops <noun> <verb>`: parse arguments, call a flow, print one line per outcome."""

from __future__ import annotations

import argparse
import os
import sys

# Without a Prefect server configured, flows run against a temporary local API. Its first start
# migrates a fresh SQLite database, which takes longer than Prefect's 20 s default on a busy VM.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from openfinops.config import ConfigError  # noqa: E402

from . import aws, demo, focus, server  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="finops", description="Open FinOps Stack: cloud billing exports to FOCUS.")
    parser.add_argument("--config", help="config file (default: $OPEN_FINOPS_CONFIG or ./config.toml)")
    parser.add_argument("--data-dir", help="data folder; the database is <data-dir>/finops.duckdb (default ./data)")
    nouns = parser.add_subparsers(dest="noun", required=True, metavar="COMMAND")
    aws.register(nouns)
    focus.register(nouns)
    server.register(nouns)
    demo.register(nouns)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.config:
        os.environ["OPEN_FINOPS_CONFIG"] = args.config
    try:
        return args.run(args)
    except (ConfigError, FileNotFoundError) as exc:
        print(f"finops: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
