"""Rate optimization marts (transformations/models/marts/rate_optimization) on FOCUS rows whose answers
are known: the FOCUS 1.2 specification's commitment discount scenarios
(../shared/data/focus-spec-1.2-examples/, CC-BY-4.0) and hourly usage series whose best commitment
can be worked out by hand. The rows are written into `focus.cost_and_usage` (the contract's columns)
and only the rate optimization models are built over them, with their data tests."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import yaml
from dbt_builds import PROJECT, dbt_build

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "data" / "focus-spec-1.2-examples"
MODELS = ["commitment_eligible_usage", "int_rate_usage", "commitment_utilization", "commitment_coverage", "savings",
          "spot_usage", "commitment_recommendation_hours", "commitment_recommendations"]

# the spec's scenarios that use a commitment; each gets its own commitment id
SCENARIOS = {
    "usage_1": "commitment_discount_scenarios/commitment_discount_usage_scenario_1.csv",
    "usage_2": "commitment_discount_scenarios/commitment_discount_usage_scenario_2.csv",
    "usage_3": "commitment_discount_scenarios/commitment_discount_usage_scenario_3.csv",
    "usage_4": "commitment_discount_scenarios/commitment_discount_usage_scenario_4.csv",
    "purchase_1": "commitment_discount_scenarios/commitment_discount_purchase_scenario_1.csv",
    "flex_1": "commitment_discount_flexibility/"
              "one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv",
    "flex_2": "commitment_discount_flexibility/"
              "one_hundred_percent_utilization_with_commitment_discount_flexibility_with_2_resources.csv",
    "no_flex_100": "commitment_discount_flexibility/one_hundred_percent_utilization_without_commitment_discount_"
                   "flexibility.csv",
    "no_flex_0": "commitment_discount_flexibility/zero_percent_utilization_without_commitment_discount_flexibility.csv",
}


def focus_columns() -> dict[str, str]:
    models = yaml.safe_load((PROJECT / "models" / "marts" / "focus" / "_focus__models.yml").read_text())["models"]
    [table] = [m for m in models if m["name"] == "cost_and_usage"]
    return {c["name"]: c["data_type"] for c in table["columns"]}


def spec_rows(name: str, path: str) -> list[dict]:
    """A scenario's rows as FOCUS rows of provider `spec-<name>`: 'null' is NULL, the placeholder ids
    are made unique per scenario, and ContractedCost is ListCost (the scenarios have no negotiated rates)."""
    with open(EXAMPLES / path, newline="") as f:
        rows = [{k: (None if v in ("null", "") else v) for k, v in row.items()} for row in csv.DictReader(f)
                if any(row.values())]
    for row in rows:
        for key in ("CommitmentDiscountId", "ResourceId"):
            if row.get(key):
                row[key] = row[key].replace("<my-", f"{name}-").rstrip(">")
        row.update(x_Provider=f"spec-{name}", ProviderName="Microsoft", ServiceName="Virtual Machines",
                   BillingCurrency="USD", BillingAccountId="spec-account", ContractedCost=row.get("ListCost"),
                   x_UsageType=row.get("SkuId"))
        for key in ("ListCost", "ContractedCost", "BilledCost", "EffectiveCost"):
            row.setdefault(key, None)
        if row["ListCost"] is None and row["ChargeCategory"] == "Usage":
            row["ListCost"] = row["ContractedCost"] = row["BilledCost"]
    return rows


def hourly_rows(provider: str, usage_type: str, costs: list[float], start: datetime, rate: float = 0.096,
                **extra) -> list[dict]:
    """On-demand EC2 usage, one row per hour with cost c (c / rate instance hours), none where c is 0."""
    rows = []
    for i, cost in enumerate(costs):
        if cost:
            begin = start + timedelta(hours=i)
            rows.append({"x_Provider": provider, "ProviderName": "AWS", "ServiceName": "Amazon Elastic Compute Cloud",
                         "x_UsageType": usage_type, "ChargeCategory": "Usage", "PricingCategory": "Standard",
                         "ChargePeriodStart": begin.isoformat(), "ChargePeriodEnd": (begin + timedelta(hours=1))
                         .isoformat(), "ListCost": cost, "ContractedCost": cost, "BilledCost": cost,
                         "EffectiveCost": cost, "ConsumedQuantity": cost / rate, "ConsumedUnit": "Hours",
                         "BillingCurrency": "USD", "BillingAccountId": "111111111111", **extra})
    return rows


START = datetime(2026, 10, 1, tzinfo=timezone.utc)
HOURS = 30 * 24
# steady: 9.6 USD of m5.large an hour, every hour (100 instances)
STEADY = [9.6] * HOURS
# half the hours only: a commitment would sit idle half the time
HALF = [9.6 if i % 2 else 0.0 for i in range(HOURS)]
# 4.8 every hour, and 4.8 more in 80 % of the hours (more than the 75 % break-even of a 25 % discount)
STEPPED = [4.8 + (4.8 if i % 5 else 0.0) for i in range(HOURS)]


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rate_optimization")
    database = tmp / "finops.duckdb"
    columns = focus_columns()
    rows = [r for name, path in SCENARIOS.items() for r in spec_rows(name, path)]
    rows += hourly_rows("steady", "BoxUsage:m5.large", STEADY, START)
    rows += hourly_rows("half", "BoxUsage:m5.large", HALF, START)
    rows += hourly_rows("stepped", "BoxUsage:m5.large", STEPPED, START)
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE SCHEMA focus")
        con.execute("CREATE TABLE focus.cost_and_usage ("
                    + ", ".join(f'"{name}" {type_}' for name, type_ in columns.items()) + ")")
        names = sorted({k for row in rows for k in row if k in columns})
        batch = pa.table({k: pa.array([None if row.get(k) is None else str(row[k]) for row in rows], pa.string())
                          for k in names})
        con.register("batch", batch)
        con.execute("INSERT INTO focus.cost_and_usage BY NAME SELECT * FROM batch")
    proc, status = dbt_build(tmp, database, "--select", *MODELS)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert set(status.values()) <= {"success", "pass"}
    return database


def query(database: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def utilization(database: Path, scenario: str) -> tuple:
    [row] = query(database, """
        select sum(used_quantity), sum(unused_quantity), sum(used_cost), sum(unused_cost),
               100 * sum(used_quantity) / sum(committed_quantity)
        from rate_optimization.commitment_utilization where provider = ?""", f"spec-{scenario}")
    return tuple(None if v is None else round(Decimal(v), 4) for v in row)


@pytest.mark.parametrize("scenario, used, unused, used_cost, unused_cost, pct", [
    ("usage_1", 1, 0, Decimal("1"), 0, 100),               # fully used: 1 hour of a 1-hour commitment
    ("usage_2", 0, 1, 0, Decimal("1"), 0),                 # not used at all: the whole hour is Unused
    ("usage_3", Decimal("0.75"), Decimal("0.25"), Decimal("0.75"), Decimal("0.25"), 75),
    ("usage_4", 1, 0, Decimal("1"), 0, 100),               # the overflow is on demand, not the commitment's
    ("flex_1", 1, 0, Decimal("0.5"), 0, 100),              # 1 normalized hour bought, used by a third of a large VM
    ("flex_2", 4, 0, Decimal("2"), 0, 100),                # 4 normalized hours, used by two medium VMs
    ("no_flex_100", 1, 0, Decimal("1.5"), 0, 100),
    ("no_flex_0", 0, 1, 0, Decimal("1.5"), 0),             # the large VM did not run; the medium one is on demand
])
def test_utilization_matches_the_spec_scenarios(marts, scenario, used, unused, used_cost, unused_cost, pct):
    assert utilization(marts, scenario) == (used, unused, used_cost, unused_cost, pct)


def test_a_purchase_alone_has_no_utilization_and_counts_through_its_usage(marts):
    """purchase_scenario_1: a one-time purchase of a year, BilledCost 8760, EffectiveCost 0 (amortized)."""
    assert query(marts, "select count(*) from rate_optimization.commitment_utilization where provider = ?",
                 "spec-purchase_1") == [(0,)]
    assert query(marts, "select sum(list_cost), sum(effective_cost), sum(total_savings) from rate_optimization.savings "
                        "where provider = ?", "spec-purchase_1") == [(0, 0, 0)]


@pytest.mark.parametrize("scenario, list_cost, effective, commitment, total, esr", [
    # one large VM hour: a third at the commitment rate (ListCost 3.00, EffectiveCost 0.50), 0.75 on demand
    ("flex_1", Decimal("5.25"), Decimal("2.75"), Decimal("2.5"), Decimal("2.5"), Decimal("47.62")),
    # the commitment went unused (EffectiveCost 1.50) and the medium VM ran on demand (2.00)
    ("no_flex_0", Decimal("2"), Decimal("3.5"), Decimal("-1.5"), Decimal("-1.5"), Decimal("-75")),
    ("usage_3", 0, Decimal("1"), Decimal("-1"), Decimal("-1"), None),
])
def test_savings_and_esr_match_the_spec_scenarios(marts, scenario, list_cost, effective, commitment, total, esr):
    [row] = query(marts, """
        select sum(list_cost), sum(effective_cost), sum(commitment_savings), sum(total_savings),
               round(100 * sum(total_savings) / nullif(sum(list_cost), 0), 2),
               sum(negotiated_savings) + sum(spot_savings) + sum(other_savings)
        from rate_optimization.savings where provider = ?""", f"spec-{scenario}")
    *values, rest = row
    assert values == [list_cost, effective, commitment, total, None if esr is None else float(esr)]
    assert rest == 0


def recommendation(database: Path, provider: str, category: str = "Spend") -> dict:
    rows = query(database, """
        select * from rate_optimization.commitment_recommendations
        where provider = ? and commitment_category = ? and lookback_days = 30""", provider, category)
    names = [r[0] for r in query(database, "select column_name from information_schema.columns "
                                           "where table_name = 'commitment_recommendations' order by ordinal_position")]
    [row] = rows
    return dict(zip(names, row))


def test_steady_usage_is_covered_whole(marts):
    """9.6 USD an hour every hour, 25 % discount (assumed: no committed usage): commit 7.20 an hour."""
    r = recommendation(marts, "steady")
    assert (r["hours_counted"], r["discount_source"], r["discount_rate"]) == (720, "assumed", 0.25)
    assert r["recommended_per_hour"] == pytest.approx(9.6)
    assert r["recommended_commitment_per_hour"] == pytest.approx(7.2)
    assert (r["expected_utilization_pct"], r["expected_coverage_pct"]) == (100, 100)
    assert r["expected_savings"] == pytest.approx(720 * 2.4, abs=0.01)
    assert r["expected_savings_per_month"] == pytest.approx(730 * 2.4, abs=0.01)
    assert r["break_even_utilization_pct"] == 75


def test_usage_half_the_hours_is_not_worth_a_commitment(marts):
    r = recommendation(marts, "half")
    assert (r["recommended_per_hour"], r["expected_savings"], r["expected_utilization_pct"]) == (0, 0, None)


def test_the_best_commitment_covers_the_level_reached_in_more_hours_than_the_break_even(marts):
    """4.8 always + 4.8 in 80 % of the hours: covering 9.6 saves 720·4.8 + 576·4.8 − 720·9.6·0.75
    = 1036.80, more than covering 4.8 (720·4.8·0.25 = 864)."""
    r = recommendation(marts, "stepped")
    assert r["recommended_per_hour"] == pytest.approx(9.6)
    assert r["expected_savings"] == pytest.approx(1036.80, abs=0.01)
    assert r["expected_utilization_pct"] == pytest.approx(90)  # (4.8 + 0.8 · 4.8) / 9.6


def test_reservations_are_counted_in_instances_of_the_family(marts):
    """100 m5.large an hour = 400 normalized units: reserve 100 m5.large (30 % assumed discount)."""
    r = recommendation(marts, "steady", "Usage")
    assert (r["scope"], r["unit"], r["reference_size"], r["recommended_count"]) == ("m5", "Normalized Hours",
                                                                                    "m5.large", 100)
    assert r["recommended_per_hour"] == pytest.approx(400)
    assert r["expected_savings"] == pytest.approx(720 * 9.6 * 0.30, abs=0.01)


def test_the_hours_behind_a_recommendation_are_zero_filled(marts):
    rows = query(marts, """
        select count(*), count(*) filter (where on_demand_cost = 0), sum(on_demand_cost)
        from rate_optimization.commitment_recommendation_hours
        where provider = 'half' and commitment_category = 'Spend' and hour >= ?""", START)
    assert rows == [(HOURS, HOURS // 2, pytest.approx(sum(HALF)))]


def test_coverage_counts_committed_usage_against_all_eligible_usage(marts):
    """flex_1: the large VM's hour is a third covered (ListCost 3.00) and 0.75 on demand (2.25)."""
    [row] = query(marts, """
        select sum(covered_cost), sum(on_demand_cost), round(100 * sum(covered_cost) / sum(eligible_cost), 2)
        from rate_optimization.commitment_coverage where provider = 'spec-flex_1'""")
    assert row == (Decimal("3"), Decimal("2.25"), 57.14)
