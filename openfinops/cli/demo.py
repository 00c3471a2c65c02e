"""`finops demo`: generate sample AWS exports and import them, restatement included."""

from __future__ import annotations

import argparse

from openfinops.config import load_config
from openfinops.samples.aws_cur import DEMO_PERIODS, write_cur_v1, write_cur_v2

from .aws import run_import


def register(nouns: argparse._SubParsersAction) -> None:
    parser = nouns.add_parser("demo", help="generate sample AWS exports into <data-dir>/samples and import them")
    parser.add_argument("--rows", type=int, default=2000, help="usage rows per billing period (default 2000)")
    parser.set_defaults(run=demo)


def demo(args: argparse.Namespace) -> int:
    data_dir = load_config().with_overrides(args.data_dir).data_dir
    samples = data_dir / "samples"
    sources = [
        {"name": "demo-cur-v1", "cur_version": "v1", "path": str(samples / "cur-v1")},
        {"name": "demo-cur2", "cur_version": "v2", "path": str(samples / "cur2")},
    ]
    print(f"Writing sample exports ({', '.join(DEMO_PERIODS)}) to {samples}")
    write_cur_v1(samples / "cur-v1", periods=DEMO_PERIODS, rows_per_period=args.rows)
    write_cur_v2(samples / "cur2", periods=DEMO_PERIODS, rows_per_period=args.rows)
    code = run_import(data_dir=str(data_dir), sources=sources)
    if code:
        return code

    last = DEMO_PERIODS[-1]
    print(f"\nAWS restates {last} in the legacy CUR export; importing again replaces only that period:")
    write_cur_v1(samples / "cur-v1", periods=[last], rows_per_period=args.rows, revision=2)
    return run_import(data_dir=str(data_dir), sources=sources)
