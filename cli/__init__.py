"""`finops <noun> <verb>`: parse arguments, call a flow, print one line per outcome."""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import sys
import threading

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


def run() -> None:
    """The `finops` command: main(), then an exit that skips the interpreter's teardown."""
    exit_now(main())


def exit_now(code: int) -> None:
    """Exit as the interpreter does, without its teardown. After a build the process holds millions
    of objects (dbt's manifest, Prefect's models); freeing them one by one took ~1.7 s on 2 cores,
    and nothing is left to release that the OS does not. What the interpreter runs at exit still
    runs, in its order: Prefect's log and event workers drain to the API (threading's exit hooks,
    which also wait for non-daemon threads), then the atexit hooks (the temporary Prefect server
    stops, logging flushes)."""
    threading._shutdown()  # type: ignore[attr-defined]  # what Py_FinalizeEx calls first
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
