"""`finops demo`: generate sample AWS exports and import them, restatement included."""

from __future__ import annotations

import argparse
from pathlib import Path

from openfinops.config import Config, load_config
from openfinops.periods import recent_periods
from openfinops.providers.aws.config import sample_exports

from .aws import run_import


def register(nouns: argparse._SubParsersAction) -> None:
    parser = nouns.add_parser("demo", help="generate sample AWS exports into <data-dir>/samples and import them")
    parser.add_argument("--rows", type=int, default=2000, help="usage rows per billing period (default 2000)")
    parser.set_defaults(run=demo)


def demo(args: argparse.Namespace) -> int:
    from openfinops.samples.aws_cur import write_cur_v1  # pyarrow: imported only when used

    config = load_config().with_overrides(args.data_dir)
    periods = write_samples(config, args.rows)
    sources = [{"name": e.name, "cur_version": e.cur_version, "path": e.path} for e in sample_exports(config.samples)]
    code = run_import(args, data_dir=str(config.data_dir), sources=sources)
    if code:
        return code

    last = periods[-1]
    print(f"\nAWS restates {last} in the legacy CUR export; importing again replaces only that period:")
    v1 = sample_exports(config.samples)[0]
    write_cur_v1(Path(v1.path), report=v1.name, periods=[last], rows_per_period=args.rows, revision=2)
    return run_import(args, data_dir=str(config.data_dir), sources=sources)


def write_samples(config: Config, rows: int = 2000) -> tuple[str, ...]:
    """Write the sample exports for the last three closed months; returns those periods."""
    from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2

    periods = recent_periods(3)
    v1, v2 = sample_exports(config.samples)
    print(f"Writing sample exports ({', '.join(periods)}) to {config.samples}")
    write_cur_v1(Path(v1.path), report=v1.name, periods=periods, rows_per_period=rows)
    write_cur_v2(Path(v2.path), export=v2.name, periods=periods, rows_per_period=rows)
    return periods
