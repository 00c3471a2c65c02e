"""`finops report`: the dashboards as one HTML file to open offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from openfinops.config import load_config


def register(nouns: argparse._SubParsersAction) -> None:
    report = nouns.add_parser("report", help="write the dashboards as one self-contained HTML file")
    report.add_argument("--out", type=Path, default=Path("report.html"), help="output file (default report.html)")
    report.add_argument("--dashboards", type=Path,
                        help="folder of dashboard files (default: the built-in dashboards/)")
    report.add_argument("--top", type=int, default=None,
                        help="values each filter offers, the largest by cost (default 10)")
    report.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    from openfinops.dashboards.definitions import load_dashboards
    from openfinops.report.render import write_report
    from openfinops.report.results import TOP_VALUES

    config = load_config().with_overrides(args.data_dir)
    dashboards = load_dashboards(args.dashboards) if args.dashboards else load_dashboards()
    results = write_report(config.data_dir / "published", args.out, dashboards, args.top or TOP_VALUES)
    cards = sum(len(d.cards) for d in dashboards)
    print(f"wrote {len(dashboards)} dashboards ({cards} cards, data up to {results.as_of}) to {args.out}")
    return 0
