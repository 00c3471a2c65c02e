"""`finops rates commitments|savings|recommend`: the rate optimization marts, read from the published copy."""

from __future__ import annotations

import argparse
import os
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from openfinops.config import load_config

from .display import print_error

if TYPE_CHECKING:
    from openfinops.providers.aws.cost_explorer import ReservationRecommendation, SavingsPlanRecommendation

PIPED_WIDTH = 180  # tables written to a pipe or a file are not squeezed into 80 columns


def register(nouns: argparse._SubParsersAction) -> None:
    rates = nouns.add_parser("rates", help="commitments (RIs, savings plans, CUDs), savings and what to buy",
                             description="Reads the rate optimization marts from the published read-only copy "
                                         "(<data-dir>/published/finops-read.duckdb): never waits for an import.")
    verbs = rates.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    commitments = verbs.add_parser("commitments", help="the commitments: term, expiry, 30-day utilization, waste")
    _provider_flag(commitments)
    commitments.add_argument("--all", dest="include_expired", action="store_true", help="expired ones too")
    commitments.set_defaults(run=run_commitments)

    savings = verbs.add_parser("savings", help="list vs effective cost per month, savings by source, ESR")
    savings.add_argument("--months", type=_positive, default=6, help="the newest N months with data (default 6)")
    _provider_flag(savings)
    savings.set_defaults(run=run_savings)

    recommend = verbs.add_parser(
        "recommend", help="commitments to buy, computed from your own hourly usage",
        description="Purchase recommendations computed from the billing data (rate_optimization."
                    "commitment_recommendations): the hourly commitment that maximizes net savings over the "
                    "lookback's hourly on-demand eligible usage, with the discount rate it assumed.")
    recommend.add_argument("--lookback", type=int, choices=(30, 60), default=30, help="days of usage (default 30)")
    _provider_flag(recommend)
    aws = recommend.add_argument_group("comparison with AWS Cost Explorer (AWS bills $0.01 per API request)")
    aws.add_argument("--compare-aws", action="store_true",
                     help="also show Cost Explorer's Compute Savings Plan recommendation (standard AWS credential "
                          "chain; needs ce:GetSavingsPlansPurchaseRecommendation)")
    aws.add_argument("--aws-term", choices=("1yr", "3yr"), default="1yr", help="term asked for (default 1yr)")
    aws.add_argument("--aws-payment", choices=("no-upfront", "partial-upfront", "all-upfront"),
                     default="no-upfront", help="payment option asked for (default no-upfront)")
    aws.add_argument("--aws-reservations", action="store_true",
                     help="with --compare-aws, also its EC2 Standard RI recommendations "
                          "(ce:GetReservationPurchaseRecommendation)")
    recommend.set_defaults(run=run_recommend)


def _provider_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", type=str.lower, choices=("aws", "azure", "gcp"), help="only this provider")


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of months")
    return int(value)


def _published(args: argparse.Namespace) -> Path:
    return load_config().with_overrides(args.data_dir).data_dir / "published"


def _console() -> Console:
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPED_WIDTH)
    return console


def _money(value: Any, currency: str | None = None, places: int = 2) -> str:
    if value is None:
        return ""
    return f"{value:,.{places}f}" + (f" {currency}" if currency else "")


def _pct(value: Any) -> str:
    return "" if value is None else f"{value:.1f} %"


# --------------------------------------------------------------------------- commitments
def run_commitments(args: argparse.Namespace) -> int:
    from openfinops import rates

    with rates.read_copy(_published(args), "commitment_inventory") as con:
        rows = rates.commitments(con, args.provider, args.include_expired)
        expired = 0 if args.include_expired else rates.expired_count(con, args.provider)
    table = Table(title="Commitments", title_justify="left")
    for name, options in (("provider", {}), ("name", {"overflow": "fold"}), ("type", {}), ("term", {}),
                          ("payment", {}), ("end", {"no_wrap": True}), ("days left", {"justify": "right"}),
                          ("utilization 30d", {"justify": "right", "no_wrap": True}),
                          ("unused cost 30d", {"justify": "right", "no_wrap": True})):
        table.add_column(name, **options)
    for r in rows:
        kind = r["commitment_type"] or ""
        if r["offering_type"]:
            kind = f"{kind} ({r['offering_type']})" if kind else r["offering_type"]
        days = "" if r["days_to_expiry"] is None else str(r["days_to_expiry"])
        if r["is_active"] is False:
            days = f"[dim]{days} expired[/]"
        elif r["days_to_expiry"] is not None and r["days_to_expiry"] <= 30:
            days = f"[yellow]{days}[/]"
        table.add_row(r["provider"], r["name"], kind, r["term"] or "", r["payment_option"] or "",
                      r["end_date"] or "", days, _pct(r["utilization_pct_30d"]),
                      _money(r["unused_cost_30d"], r["billing_currency"]))
    _console().print(table)
    unused: dict[str | None, Any] = {}
    for r in rows:
        if r["unused_cost_30d"] is not None:
            unused[r["billing_currency"]] = unused.get(r["billing_currency"], 0) + r["unused_cost_30d"]
    expiring = sum(1 for r in rows if r["is_active"] is not False and r["days_to_expiry"] is not None
                   and 0 <= r["days_to_expiry"] <= 90)
    line = f"{len(rows)} commitments, {expiring} expiring within 90 days"
    if unused:
        line += "; unused over 30 days: " + ", ".join(_money(v, c) for c, v in unused.items())
    if expired:
        line += f"; {expired} expired not shown (--all)"
    print(line)
    return 0


# --------------------------------------------------------------------------- savings
def run_savings(args: argparse.Namespace) -> int:
    from openfinops import rates

    with rates.read_copy(_published(args), "savings") as con:
        rows = rates.savings(con, args.months, args.provider)
    table = Table(title=f"Savings, newest {args.months} months (ESR = total savings / list cost, from the sums)",
                  title_justify="left")
    for name in ("month", "provider", "currency", "list cost", "effective cost", "negotiated", "commitments", "spot",
                 "other", "total savings", "ESR"):
        table.add_column(name, justify="left" if name in ("month", "provider", "currency") else "right",
                         no_wrap=True)

    def add(row: rates.SavingsRow, style: str | None = None) -> None:
        table.add_row(row.month, row.provider, row.billing_currency or "",
                      *(_money(row.sums[c]) for c in rates.SAVINGS_SUMS), _pct(row.effective_savings_rate_pct),
                      style=style)

    for row in rows:
        add(row)
    totals = rates.savings_totals(rows)
    if len({r.month for r in rows}) > 1:
        table.add_section()
        for row in totals:
            add(row, style="bold")
    _console().print(table)
    if not rows:
        print("no savings rows" + (f" for {args.provider}" if args.provider else ""))
    return 0


# --------------------------------------------------------------------------- recommend
def run_recommend(args: argparse.Namespace) -> int:
    from openfinops import rates

    if args.compare_aws and args.provider not in (None, "aws"):
        print_error(f"--compare-aws compares AWS recommendations: not with --provider {args.provider}")
        return 2
    with rates.read_copy(_published(args), "commitment_recommendations") as con:
        rows = rates.recommendations(con, args.lookback, args.provider)
    _print_recommendations(rows, args.lookback)
    return _compare_aws(args, rows) if args.compare_aws else 0


def _per_hour(value: Any, unit: str | None) -> str:
    if value is None:
        return ""
    return f"{value:,.3f} {unit}/h" if unit else f"{value:,.3f}/h"


def _buy(r: dict) -> str:
    if r["commitment_category"] == "Spend":
        if r["recommended_commitment_per_hour"] is None:
            return ""
        if not r["recommended_commitment_per_hour"]:
            return "nothing"
        return _per_hour(r["recommended_commitment_per_hour"], r["billing_currency"])
    if r["recommended_count"] is None:
        return ""
    if not r["recommended_count"]:
        return "nothing"
    return f"{r['recommended_count']:,} × {r['reference_size'] or '?'}"


def _discount(r: dict) -> str:
    if r["discount_rate"] is None:
        return ""
    return f"{100 * float(r['discount_rate']):.1f} % {r['discount_source'] or ''}".strip()


def _print_recommendations(rows: list[dict], lookback: int) -> None:
    if not rows:
        print(f"no purchase recommendations for a {lookback}-day lookback (not enough commitment-eligible usage, "
              "or the rate optimization marts were built before any)")
        return
    table = Table(title=f"Purchase recommendations, {lookback}-day lookback", title_justify="left")
    for name, options in (("provider", {}), ("commitment", {"overflow": "fold"}), ("hours", {"justify": "right"}),
                          ("discount", {"no_wrap": True}), ("on-demand avg", {"justify": "right"}),
                          ("covers", {"justify": "right"}), ("buy", {"justify": "right", "no_wrap": True}),
                          ("utilization", {"justify": "right", "no_wrap": True}),
                          ("coverage", {"justify": "right", "no_wrap": True}),
                          ("savings/month", {"justify": "right", "no_wrap": True}),
                          ("break-even", {"justify": "right", "no_wrap": True})):
        table.add_column(name, **options)
    windows = {}
    for r in rows:
        windows.setdefault(r["provider"], f"{r['window_start']} to {r['window_end']} UTC")
        unit = r["unit"]
        table.add_row(r["provider"], f"{r['commitment_category']}: {r['scope']}",
                      "" if r["hours_counted"] is None else f"{r['hours_counted']:,}", _discount(r),
                      _per_hour(r["on_demand_per_hour_avg"], unit), _per_hour(r["recommended_per_hour"], unit),
                      _buy(r), _pct(r["expected_utilization_pct"]), _pct(r["expected_coverage_pct"]),
                      _money(r["expected_savings_per_month"], r["billing_currency"]),
                      _pct(r["break_even_utilization_pct"]))
    _console().print(table)
    for provider, window in windows.items():
        print(f"{provider}: hourly usage from {window}")
    print("discount: observed on your own committed usage in the window, or assumed (dbt var "
          "commitment_discount_rates)\n"
          "covers: on-demand usage per hour the commitment pays for; buy: Spend, the hourly commitment at the "
          "commitment's rate; Usage, instances of the family's most used size\n"
          "break-even: the utilization below which it costs more than it saves; savings/month: net savings per "
          "hour of the window × 730")


def _compare_aws(args: argparse.Namespace, rows: list[dict]) -> int:
    from openfinops.providers.aws.cost_explorer import (
        CostExplorerError,
        ec2_reservation_recommendations,
        savings_plan_recommendation,
    )

    failed = False
    try:
        aws = savings_plan_recommendation(args.lookback, args.aws_term, args.aws_payment)
    except CostExplorerError as exc:
        print_error(exc)
        failed = True
    else:
        ours = next((r for r in rows if r["provider"] == "aws" and r["commitment_category"] == "Spend"), None)
        _print_savings_plan_comparison(ours, aws, args)
    if args.aws_reservations and not failed:
        try:
            reservations = ec2_reservation_recommendations(args.lookback, args.aws_term, args.aws_payment)
        except CostExplorerError as exc:
            print_error(exc)
            failed = True
        else:
            _print_reservation_comparison([r for r in rows if r["provider"] == "aws"
                                           and r["commitment_category"] == "Usage"], reservations, args)
    return 1 if failed else 0


def _print_savings_plan_comparison(ours: dict | None, aws: SavingsPlanRecommendation,
                                   args: argparse.Namespace) -> None:
    table = Table(title=f"Compute Savings Plan, ours vs AWS Cost Explorer ({args.aws_term}, {args.aws_payment}, "
                        f"{args.lookback}-day lookback)", title_justify="left")
    for name in ("", "ours", "AWS Cost Explorer"):
        table.add_column(name, justify="left" if not name else "right", no_wrap=bool(name))
    o = ours or {}
    cur = o.get("billing_currency")
    window = f"{o['window_start']} to {o['window_end']} UTC" if ours else ""
    for label, mine, theirs in (
        ("usage window", window, f"{args.lookback} days before {aws.generated_at or 'now'}"),
        ("discount rate", _discount(o) if ours else "", f"{args.aws_term} {args.aws_payment} rates"),
        ("on-demand eligible spend per hour (avg)", _per_hour(o.get("on_demand_per_hour_avg"), cur),
         _per_hour(aws.average_hourly_on_demand_spend, aws.currency)),
        ("hourly commitment to buy", _per_hour(o.get("recommended_commitment_per_hour"), cur),
         _per_hour(aws.hourly_commitment, aws.currency)),
        ("expected utilization", _pct(o.get("expected_utilization_pct")), _pct(aws.utilization_pct)),
        ("expected coverage", _pct(o.get("expected_coverage_pct")), _pct(aws.coverage_pct)),
        ("savings per month", _money(o.get("expected_savings_per_month"), cur),
         _money(aws.monthly_savings, aws.currency)),
        ("upfront cost", "", _money(aws.upfront_cost, aws.currency)),
    ):
        table.add_row(label, mine or "—", theirs or "—")
    _console().print(table)
    if not ours:
        print("ours: no AWS spend-based recommendation in the data for this lookback")
    if not aws.recommendations:
        print("AWS Cost Explorer: no Savings Plan recommended (not enough eligible on-demand usage)")


def _print_reservation_comparison(ours: list[dict], aws: list[ReservationRecommendation],
                                  args: argparse.Namespace) -> None:
    families: dict[str, list[ReservationRecommendation]] = {}
    for r in aws:
        families.setdefault(r.family or r.instance_type or "?", []).append(r)
    mine = {r["scope"]: r for r in ours}
    table = Table(title=f"EC2 reservations per instance family, ours vs AWS Cost Explorer (Standard, "
                        f"{args.aws_term}, {args.aws_payment}, {args.lookback}-day lookback)", title_justify="left")
    for name, justify in (("family", "left"), ("ours: buy", "right"), ("ours: units/h", "right"),
                          ("ours: savings/month", "right"), ("AWS: buy", "left"), ("AWS: normalized units", "right"),
                          ("AWS: utilization", "right"), ("AWS: savings/month", "right")):
        table.add_column(name, justify=justify, overflow="fold")
    for family in sorted(set(mine) | set(families)):
        o = mine.get(family)
        theirs = families.get(family, [])
        util = [(r.utilization_pct, r.normalized_units) for r in theirs if r.utilization_pct is not None
                and r.normalized_units]
        weight = sum((w for _, w in util), Decimal(0))
        units = [r.normalized_units for r in theirs if r.normalized_units is not None]
        savings = [r.monthly_savings for r in theirs if r.monthly_savings is not None]
        table.add_row(
            family, _buy(o) if o else "", _money(o["recommended_per_hour"], places=3) if o else "",
            _money(o["expected_savings_per_month"], o["billing_currency"]) if o else "",
            "; ".join(f"{r.count or 0:,} × {r.instance_type} {r.region or ''}".strip() for r in theirs),
            _money(sum(units, Decimal(0)), places=3) if units else "",
            _pct(sum((u * w for u, w in util), Decimal(0)) / weight) if weight else "",
            _money(sum(savings, Decimal(0)), theirs[0].currency) if savings else "")
    _console().print(table)
    if not aws:
        print("AWS Cost Explorer: no EC2 reservation recommended")
