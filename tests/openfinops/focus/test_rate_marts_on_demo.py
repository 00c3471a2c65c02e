"""The rate optimization marts on the demo's AWS data (tests/openfinops/conftest.py: two exports, three
months) against the same figures worked out by hand from the CUR's own columns: RI utilization from the
RIFee rows' unused normalized units, Savings Plan utilization from used / total commitment, unused
cost, EC2 coverage and Spot savings from pricing/publicOnDemandCost, and the effective savings rate
the way a CUR user computes it (public on-demand cost against the amortized cost)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def database(demo_data_dir) -> Path:
    return demo_data_dir / "finops.duckdb"


def one(database: Path, sql: str) -> tuple:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchone()


def rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


# the raw CUR lines of the current imports, with the CUR's column names (base_aws__cur renames nothing else)
CUR = "focus_staging.base_aws__cur"


@pytest.mark.parametrize("kind", ["Reserved Instance", "Savings Plan"])
def test_utilization_and_unused_cost_match_the_fee_rows(database, kind):
    if kind == "Reserved Instance":
        by_hand = rows(database, f"""
            select billing_period,
                   round(100 * (1 - sum(reservation_unused_normalized_unit_quantity)
                                    / sum(reservation_total_reserved_normalized_units)), 2),
                   sum(reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee)
            from {CUR} where line_item_line_item_type = 'RIFee' group by 1 order by 1""")
    else:
        by_hand = rows(database, f"""
            select billing_period,
                   round(100 * sum(savings_plan_used_commitment) / sum(savings_plan_total_commitment_to_date), 2),
                   sum(savings_plan_total_commitment_to_date - savings_plan_used_commitment)
            from {CUR} where line_item_line_item_type = 'SavingsPlanRecurringFee' group by 1 order by 1""")
    marts = rows(database, f"""
        select strftime(charge_month, '%Y-%m'), round(100 * sum(used_quantity) / sum(committed_quantity), 2),
               sum(unused_cost)
        from rate_optimization.commitment_utilization where provider = 'aws' and commitment_type = '{kind}'
        group by 1 order by 1""")

    assert by_hand, "the demo has no such commitment"
    assert [(m, float(u), money(c)) for m, u, c in marts] == [(m, float(u), money(c)) for m, u, c in by_hand]


def test_ec2_coverage_matches_the_public_on_demand_cost_of_covered_and_on_demand_hours(database):
    by_hand = rows(database, f"""
        select billing_period,
               sum(pricing_public_on_demand_cost) filter (
                   where line_item_line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage')),
               sum(pricing_public_on_demand_cost) filter (
                   where line_item_line_item_type = 'Usage' and pricing_term = 'OnDemand')
        from {CUR}
        where line_item_usage_type like '%BoxUsage:%' and line_item_usage_start_date >= bill_billing_period_start_date
        group by 1 order by 1""")
    marts = rows(database, """
        select strftime(charge_month, '%Y-%m'), sum(covered_cost), sum(on_demand_cost)
        from rate_optimization.commitment_coverage
        where provider = 'aws' and service_name = 'Amazon Elastic Compute Cloud'
        group by 1 order by 1""")

    assert [(m, money(c), money(o)) for m, c, o in marts] == [(m, money(c), money(o)) for m, c, o in by_hand]
    assert all(c > 0 and o > 0 for _, c, o in by_hand)


def test_spot_savings_are_the_public_on_demand_cost_spot_did_not_charge(database):
    by_hand = one(database, f"""
        select sum(pricing_public_on_demand_cost - line_item_unblended_cost), sum(line_item_unblended_cost)
        from {CUR} where line_item_usage_type like '%SpotUsage%'""")
    marts = one(database, "select sum(savings), sum(spot_cost) from rate_optimization.spot_usage "
                          "where provider = 'aws'")

    assert by_hand[0] > by_hand[1] > 0  # Spot at ~37 % of the on-demand rate
    assert tuple(map(money, marts)) == tuple(map(money, by_hand))


def test_effective_savings_rate_is_public_on_demand_cost_against_amortized_cost(database):
    """The CUR user's ESR: Σ public on-demand cost of the usage that ran, against what it cost
    amortized (RI and Savings Plan rates, their unused part, and the credits and discounts)."""
    list_cost, amortized = one(database, f"""
        select
            sum(coalesce(pricing_public_on_demand_cost, line_item_unblended_cost)) filter (
                where line_item_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')),
            sum(case line_item_line_item_type
                    when 'DiscountedUsage' then reservation_effective_cost
                    when 'SavingsPlanCoveredUsage' then savings_plan_savings_plan_effective_cost
                    when 'RIFee' then reservation_unused_amortized_upfront_fee_for_billing_period
                                      + reservation_unused_recurring_fee
                    when 'SavingsPlanRecurringFee' then savings_plan_total_commitment_to_date
                                                        - savings_plan_used_commitment
                    when 'SavingsPlanNegation' then 0
                    else line_item_unblended_cost end) filter (
                where line_item_line_item_type in (
                    'Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'RIFee', 'SavingsPlanRecurringFee',
                    'SavingsPlanNegation', 'Credit', 'Refund', 'EdpDiscount', 'PrivateRateDiscount',
                    'BundledDiscount', 'Discount', 'DistributorDiscount'))
        from {CUR}""")
    marts = one(database, """
        select sum(list_cost), sum(effective_cost), sum(total_savings),
               sum(negotiated_savings) + sum(commitment_savings) + sum(spot_savings) + sum(other_savings),
               100 * sum(total_savings) / sum(list_cost)
        from rate_optimization.savings where provider = 'aws'""")

    assert (money(marts[0]), money(marts[1])) == (money(list_cost), money(amortized))
    assert marts[2] == marts[3]  # the sources add up to the total
    assert round(marts[4], 2) == float(round(100 * (list_cost - amortized) / list_cost, 2))


def test_inventory_has_terms_from_the_cur_and_utilization_of_the_last_30_days(database):
    inventory = rows(database, """
        select commitment_type, offering_type, payment_option, term, start_at::date, end_at::date, days_to_expiry,
               is_active, utilization_pct_30d
        from rate_optimization.commitment_inventory where provider = 'aws' order by commitment_type""")
    last_30 = rows(database, """
        select commitment_type, round(100 * sum(used_quantity) / sum(committed_quantity), 2)
        from rate_optimization.commitment_utilization
        where provider = 'aws'
          and charge_date > (select max(charge_date) from rate_optimization.commitment_utilization
                             where provider = 'aws') - 30
        group by 1 order by 1""")

    assert [r[:6] for r in inventory] == [
        ("Reserved Instance", "standard", "Partial Upfront", "1yr", date(2026, 8, 1), date(2027, 8, 1)),
        ("Savings Plan", "ComputeSavingsPlans", "No Upfront", "1yr", date(2026, 9, 1), date(2027, 9, 1)),
    ]
    today = date.today()
    assert [r[6] for r in inventory] == [(date(2027, 8, 1) - today).days, (date(2027, 9, 1) - today).days]
    assert [r[7] for r in inventory] == [True, True]
    assert [(r[0], r[8]) for r in inventory] == [(t, float(u)) for t, u in last_30]


def test_recommendations_are_computed_from_the_hours_they_show(database):
    recommendations = rows(database, """
        select r.lookback_days, r.commitment_category, r.scope, r.hours_counted, r.on_demand_per_hour_avg,
               count(*), avg(case when r.commitment_category = 'Spend' then h.on_demand_cost else h.on_demand_units end)
        from rate_optimization.commitment_recommendations r
        join rate_optimization.commitment_recommendation_hours h
          on h.provider = r.provider and h.commitment_category = r.commitment_category and h.scope = r.scope
         and h.hour >= r.window_start and h.hour < r.window_end
        where r.provider = 'aws'
        group by all""")

    assert {(lookback, category) for lookback, category, *_ in recommendations} >= {(30, "Spend"), (60, "Spend")}
    for _, _, _, hours, average, counted, average_of_hours in recommendations:
        assert counted == hours
        assert average == pytest.approx(average_of_hours, abs=1e-6)
