"""`finops <noun> <verb>`: parse arguments, call a flow, print one line per outcome."""

from __future__ import annotations

import argparse
import logging
import os
import sys

# Without a Prefect server configured, flows run against a temporary local API. Its first start
# migrates a fresh SQLite database, which takes longer than Prefect's 20 s default on a busy VM.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# dbt's console lines go to the log file (see logs.py): no colour codes there.
os.environ.setdefault("DBT_USE_COLORS", "false")

from openfinops.config import ConfigError, load_config  # noqa: E402

from . import aws, azure, dashboards, demo, focus, gcp, rates, report, server  # noqa: E402
from .display import print_error  # noqa: E402
from .logs import LOG_FILE, route_logs  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="finops", description="Open FinOps Stack: cloud billing exports to FOCUS.",
        epilog=f"Results go to stdout and each error as one line to stderr; Prefect's and dbt's log lines and "
               f"tracebacks go to <data-dir>/{LOG_FILE}.")
    parser.add_argument("--config", help="config file (default: $OPEN_FINOPS_CONFIG or ./config.toml)")
    parser.add_argument("--data-dir", help="data folder; the database is <data-dir>/finops.duckdb (default ./data)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help=f"also show Prefect's and dbt's log lines and tracebacks on stderr; they always go to "
                             f"<data-dir>/{LOG_FILE}")
    nouns = parser.add_subparsers(dest="noun", required=True, metavar="COMMAND")
    aws.register(nouns)
    azure.register(nouns)
    gcp.register(nouns)
    focus.register(nouns)
    server.register(nouns)
    demo.register(nouns)
    dashboards.register(nouns)
    report.register(nouns)
    rates.register(nouns)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.config:
        os.environ["OPEN_FINOPS_CONFIG"] = args.config
    try:
        config = load_config()
    except ConfigError as exc:
        print_error(exc)
        return 2
    args.log_file = config.with_overrides(args.data_dir).data_dir / LOG_FILE
    try:
        route_logs(args.log_file, args.verbose)
        return args.run(args)
    except (ConfigError, FileNotFoundError) as exc:
        print_error(exc)
        return 2
    except Exception as exc:
        # Whatever a command did not report itself: one line here, the traceback in the log file.
        logging.getLogger(__name__).exception("finops %s failed", " ".join(sys.argv[1:] if argv is None else argv))
        print_error(f"{exc} (details in {args.log_file})")
        return 1


if __name__ == "__main__":
    sys.exit(main())
