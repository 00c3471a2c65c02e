"""`finops demo`: generate sample AWS, Azure and GCP exports and import them, restatement included."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from pathlib import Path

from openfinops.config import Config, load_config
from openfinops.periods import recent_periods
from openfinops.providers.aws.config import sample_exports

from . import azure, gcp
from .aws import run_import
from .report import run_report


def register(nouns: argparse._SubParsersAction) -> None:
    parser = nouns.add_parser("demo", help="generate sample AWS, Azure and GCP exports into <data-dir>/samples "
                                           "and import them")
    parser.add_argument("--rows", type=int, default=2000, help="usage rows per billing period (default 2000)")
    parser.set_defaults(run=demo)


def demo(args: argparse.Namespace) -> int:
    from openfinops.samples.aws_cur import (
        write_cur_v1,  # pyarrow: imported only when used
    )

    config = load_config().with_overrides(args.data_dir)
    periods = write_samples(config, args.rows)
    write_azure_samples(config, periods, args.rows)
    write_gcp_samples(config, periods, args.rows)
    sources = [{"name": e.name, "cur_version": e.cur_version, "path": e.path} for e in sample_exports(config.samples)]
    # The FOCUS table is built once every provider's exports are in.
    code = run_import(args, data_dir=str(config.data_dir), sources=sources, build=False)
    if code:
        return code
    code = azure.run_import(args, data_dir=str(config.data_dir), sources=azure_sources(config), build=False)
    if code:
        return code
    code = gcp.run_import(args, data_dir=str(config.data_dir), sources=gcp_sources(config))
    if code:
        return code

    last = periods[-1]
    print(f"\nAWS restates {last} in the legacy CUR export; importing again replaces only that period:")
    v1 = sample_exports(config.samples)[0]
    write_cur_v1(Path(v1.path), report=v1.name, periods=[last], rows_per_period=args.rows, revision=2)
    code = run_import(args, data_dir=str(config.data_dir), sources=sources)
    if code == 0 and not config.offline_report:  # else the build wrote it
        # `finops report` into the file a build writes (seconds on the demo's data)
        from openfinops.report.render import REPORT_FILE

        code = run_report(argparse.Namespace(data_dir=args.data_dir, out=config.data_dir / REPORT_FILE,
                                             dashboards=None, top=None))
    return code


def write_samples(config: Config, rows: int = 2000) -> tuple[str, ...]:
    """Write the sample exports for the last three closed months; returns those periods."""
    from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2

    periods = recent_periods(3)
    v1, v2 = sample_exports(config.samples)
    print(f"Writing sample exports ({', '.join(periods)}) to {config.samples}")
    write_cur_v1(Path(v1.path), report=v1.name, periods=periods, rows_per_period=rows)
    write_cur_v2(Path(v2.path), export=v2.name, periods=periods, rows_per_period=rows)
    return periods


def write_azure_samples(config: Config, periods: tuple[str, ...], rows: int = 2000) -> None:
    """The Azure sample exports (EA actual and amortized cost of the same usage) of `periods`, as
    runs of a few minutes ago."""
    from openfinops.providers.azure.config import sample_exports as azure_exports
    from openfinops.samples.azure_exports import write_export

    run_time = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(minutes=5)
    for export in azure_exports(config.samples):
        write_export(Path(export.path), export=export.name, kind=export.type, flavour="ea", periods=periods,
                     rows_per_period=rows, run_time=run_time)


def azure_sources(config: Config) -> list[dict]:
    from openfinops.providers.azure.config import sample_exports as azure_exports

    return [{"name": e.name, "type": e.type, "path": e.path} for e in azure_exports(config.samples)]


def write_gcp_samples(config: Config, periods: tuple[str, ...], rows: int = 2000) -> None:
    """The GCP sample export of `periods`: the detailed billing export's rows as a BigQuery extract
    writes them (one JSONL file per invoice month)."""
    from openfinops.providers.gcp.config import sample_exports as gcp_exports
    from openfinops.samples.gcp_billing import generate_tables, write_jsonl

    (export,) = gcp_exports(config.samples)
    folder = Path(export.path)
    folder.mkdir(parents=True, exist_ok=True)
    for n, period in enumerate(periods):
        write_jsonl(generate_tables([period], rows), folder / f"billing-{n:012d}.json")


def gcp_sources(config: Config) -> list[dict]:
    from openfinops.providers.gcp.config import sample_exports as gcp_exports

    return [{"name": e.name, "type": e.type, "path": e.path} for e in gcp_exports(config.samples)]
