"""Every card of the dashboard files (dashboards/*.yaml), run as Metabase runs it: against the published
read-only copy of the demo's FOCUS data, filters expanded as field filters; the numbers match direct queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from openfinops.dashboards.cards_sql import DateRange, card_sql
from openfinops.dashboards.definitions import Card, Dashboard, load_dashboards
from openfinops.focus.publish import READ_DATABASE

DASHBOARDS = {d.name: d for d in load_dashboards()}
CARDS = [(d, c) for d in DASHBOARDS.values() for c in d.cards]


@pytest.fixture(scope="module")
def read_copy(demo_data_dir) -> Path:
    """The published read-only copy of the demo's FOCUS data (tests/openfinops/conftest.py)."""
    return demo_data_dir / "published" / READ_DATABASE


def run(read_copy: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(read_copy), read_only=True) as con:
        return con.execute(sql).fetchall()


def card(dashboard: str, card_id: str) -> tuple[Dashboard, Card]:
    d = DASHBOARDS[dashboard]
    return d, next(c for c in d.cards if c.id == card_id)


def run_card(read_copy: Path, dashboard: str, card_id: str, values: dict | None = None) -> list[tuple]:
    d, c = card(dashboard, card_id)
    return run(read_copy, card_sql(c, d, values))


def test_the_six_dashboards_are_there():
    assert sorted(DASHBOARDS) == ["cost-explorer", "data-health", "executive-summary", "invoice-chargeback",
                                  "rate-optimization", "tags-allocation"]


@pytest.mark.parametrize("dashboard, card", CARDS, ids=[f"{d.name}/{c.id}" for d, c in CARDS])
def test_every_card_runs_and_returns_rows(read_copy, dashboard, card):
    rows = run(read_copy, card_sql(card, dashboard))

    assert rows and all(value is not None for value in rows[0][:1])
    if card.display in ("line", "area", "bar", "stacked_bar"):
        with duckdb.connect(str(read_copy), read_only=True) as con:
            columns = con.execute(card_sql(card, dashboard)).description
        names = [c[0] for c in columns]
        assert card.x in names and set(card.y) <= set(names) and (card.series is None or card.series in names)


@pytest.mark.parametrize("dashboard, card", [(d, c) for d, c in CARDS if c.placeholders],
                         ids=[f"{d.name}/{c.id}" for d, c in CARDS if c.placeholders])
def test_every_filter_of_a_card_narrows_it(read_copy, dashboard, card):
    """With every filter set, the card still runs: each expanded predicate names a column of its source."""
    values = {"date_range": DateRange(date(2026, 9, 1), date(2026, 10, 31)), "provider": ["AWS"],
              "billing_account": ["Demo Org Management"], "sub_account": ["demo-prod"],
              "service_category": ["Compute"], "service": ["Amazon Elastic Compute Cloud"],
              "region": ["us-east-1"], "charge_category": ["Usage"], "tag": ("Environment", "prod")}

    run(read_copy, card_sql(card, dashboard, values))


def newest_month(read_copy: Path) -> str:
    [(month,)] = run(read_copy, "SELECT strftime(max(timezone('UTC', ChargePeriodStart)), '%Y-%m') "
                                "FROM focus.cost_and_usage")
    return month


def test_executive_totals_are_the_newest_months_costs(read_copy):
    month = newest_month(read_copy)
    [(billed, effective)] = run(read_copy, f"""
        SELECT sum(BilledCost), sum(EffectiveCost) FROM focus.cost_and_usage
        WHERE strftime(timezone('UTC', ChargePeriodStart), '%Y-%m') = '{month}'""")

    assert run_card(read_copy, "executive-summary", "billed-mtd") == [(billed,)]
    assert run_card(read_copy, "executive-summary", "effective-mtd") == [(effective,)]
    # The newest day is the month's last: the forecast is the month's cost.
    assert run_card(read_copy, "executive-summary", "forecast-eom") == [(round(float(billed), 2),)]
    assert sum(r[1] for r in run_card(read_copy, "executive-summary", "cost-by-provider")) == effective
    assert sum(r[1] for r in run_card(read_copy, "executive-summary", "cost-by-service-category")) == effective
    [billed_row, effective_row] = run_card(read_copy, "executive-summary", "mtd-vs-last-month")
    assert billed_row[:2] == ("Billed cost", billed) and effective_row[:2] == ("Effective cost", effective)


def test_filters_narrow_the_totals_like_a_direct_query(read_copy):
    month = newest_month(read_copy)
    in_month = f"strftime(timezone('UTC', ChargePeriodStart), '%Y-%m') = '{month}'"
    [(ml,)] = run(read_copy, f"SELECT sum(BilledCost) FROM focus.cost_and_usage WHERE {in_month} "
                             "AND (Tags ->> 'Team') = 'ml'")
    [(compute,)] = run(read_copy, f"SELECT sum(BilledCost) FROM focus.cost_and_usage WHERE {in_month} "
                                  "AND ServiceCategory IN ('Compute', 'Storage')")

    assert ml and compute
    assert run_card(read_copy, "executive-summary", "billed-mtd", {"tag": ("Team", "ml")}) == [(ml,)]
    assert run_card(read_copy, "executive-summary", "billed-mtd",
                    {"service_category": ["Compute", "Storage"]}) == [(compute,)]
    assert run_card(read_copy, "executive-summary", "billed-mtd", {"provider": ["Microsoft"]}) == [(0,)]


def test_invoice_cards_add_up_to_the_billed_cost(read_copy):
    [(billed, effective)] = run(read_copy, "SELECT sum(BilledCost), sum(EffectiveCost) FROM focus.cost_and_usage")

    assert sum(r[2] for r in run_card(read_copy, "invoice-chargeback", "billed-by-period")) == billed
    assert sum(r[6] for r in run_card(read_copy, "invoice-chargeback", "billed-by-invoice")) == billed
    assert sum(r[2] for r in run_card(read_copy, "invoice-chargeback", "showback-by-sub-account")) == effective
    assert sum(r[4] for r in run_card(read_copy, "invoice-chargeback", "showback-by-tag")) == effective


def test_a_date_range_keeps_the_days_it_names(read_copy):
    september = {"date_range": DateRange(date(2026, 9, 1), date(2026, 9, 30))}
    [(billed,)] = run(read_copy, "SELECT sum(BilledCost) FROM focus.cost_and_usage "
                                 "WHERE timezone('UTC', ChargePeriodStart) >= '2026-09-01' "
                                 "AND timezone('UTC', ChargePeriodStart) < '2026-10-01'")

    rows = run_card(read_copy, "invoice-chargeback", "billed-by-period", september)

    assert sum(r[2] for r in rows) == billed


def test_tag_cards_split_usage_into_tagged_and_untagged(read_copy):
    [(usage, untagged)] = run(read_copy, """
        SELECT sum(EffectiveCost), sum(EffectiveCost) FILTER (WHERE Tags IS NULL OR Tags::VARCHAR = '{}')
        FROM focus.cost_and_usage WHERE ChargeCategory = 'Usage'""")

    assert run_card(read_copy, "tags-allocation", "untagged-cost") == [(untagged,)]
    tagged_pct = round(float(100 * (usage - untagged) / usage), 1)
    assert run_card(read_copy, "tags-allocation", "tagged-share") == [(tagged_pct,)]
    assert sum(r[2] for r in run_card(read_copy, "tags-allocation", "tagged-by-month")) == usage


def test_data_health_shows_every_period_reconciled(read_copy, demo_periods):
    imports = run_card(read_copy, "data-health", "imports")

    assert len(imports) == 2 * len(demo_periods)
    assert all(row[11] == 0 and row[9] == row[10] for row in imports)  # unreconciled, export vs FOCUS totals
    assert all(row[7] <= row[8] for row in imports)  # FOCUS rows: the raw rows plus derived ones
    assert run_card(read_copy, "data-health", "unreconciled-periods") == [(0,)]
    assert run_card(read_copy, "data-health", "periods-loaded") == [(2 * len(demo_periods),)]
    [(total,)] = run(read_copy, "SELECT sum(BilledCost) FROM focus.cost_and_usage")
    assert sum(row[10] for row in imports) == total
    assert isinstance(total, Decimal)


def test_data_health_shows_the_failed_import_until_it_is_fixed(read_copy):
    """The fixture's third export has a damaged file: its period failed, and no later run got through."""
    assert run_card(read_copy, "data-health", "failures-not-fixed") == [(1,)]
    [failure] = run_card(read_copy, "data-health", "failed-imports")
    _, provider, export, period, state, error, manifest_id, flow_run_id = failure
    assert (provider, export, period, state) == ("aws", "demo-broken", "2026-10", "not fixed")
    assert ".csv.gz" in error and manifest_id and flow_run_id


# Rate optimization: the cards read the rate_optimization marts; their numbers are the FOCUS rows' own.
# List cost counts Usage rows, effective cost Usage and Credit rows (and commitment fees a provider
# does not amortize, none on AWS: the contract, transformations/models/marts/rate_optimization).
SAVINGS = """
    SELECT sum(ListCost) FILTER (WHERE ChargeCategory = 'Usage'),
           sum(EffectiveCost) FILTER (WHERE ChargeCategory IN ('Usage', 'Credit'))
    FROM focus.cost_and_usage WHERE {where}"""
SEPTEMBER = DateRange(date(2026, 9, 1), date(2026, 9, 30))
IN_SEPTEMBER = ("timezone('UTC', ChargePeriodStart) >= '2026-09-01' "
                "AND timezone('UTC', ChargePeriodStart) < '2026-10-01'")


def esr(list_cost: Decimal, effective_cost: Decimal) -> float:
    return round(float(100 * (list_cost - effective_cost) / list_cost), 2)


def test_the_effective_savings_rate_is_the_focus_rows_list_cost_less_effective_cost(read_copy):
    [(list_cost, effective_cost)] = run(read_copy, SAVINGS.format(where="true"))

    assert list_cost > 0
    assert run_card(read_copy, "rate-optimization", "effective-savings-rate") == [(esr(list_cost, effective_cost),)]
    assert run_card(read_copy, "rate-optimization", "total-savings") == [(list_cost - effective_cost,)]


@pytest.mark.parametrize("values, where", [
    ({"date_range": SEPTEMBER}, IN_SEPTEMBER),
    ({"sub_account": ["demo-prod"]}, "SubAccountName = 'demo-prod'"),
    ({"service": ["Amazon Elastic Compute Cloud"], "date_range": SEPTEMBER},
     f"ServiceName = 'Amazon Elastic Compute Cloud' AND {IN_SEPTEMBER}"),
    ({"provider": ["AWS"], "billing_account": ["Demo Org Management"]}, "true"),
], ids=["september", "sub-account", "service-in-september", "provider-and-billing-account"])
def test_filters_narrow_the_savings_marts_like_the_focus_rows(read_copy, values, where):
    """The marts have no FOCUS columns: a card keeps the mart rows of the provider, accounts, service and
    month of the FOCUS rows the filters select, which must equal the mart built from those rows alone."""
    [(list_cost, effective_cost)] = run(read_copy, SAVINGS.format(where=where))
    [(spot_cost,)] = run(read_copy, "SELECT coalesce(sum(EffectiveCost), 0) FROM focus.cost_and_usage "
                                    f"WHERE ChargeCategory = 'Usage' AND PricingCategory = 'Dynamic' AND {where}")

    assert run_card(read_copy, "rate-optimization", "total-savings", values) == [(list_cost - effective_cost,)]
    assert run_card(read_copy, "rate-optimization", "effective-savings-rate", values) == [
        (esr(list_cost, effective_cost),)]
    by_month = run_card(read_copy, "rate-optimization", "savings-by-month", values)
    assert sum(r[2] for r in by_month) == list_cost - effective_cost
    assert sum(r[5] for r in run_card(read_copy, "rate-optimization", "spot-savings", values)) == spot_cost


def test_another_providers_filter_leaves_no_savings(read_copy):
    assert run_card(read_copy, "rate-optimization", "total-savings", {"provider": ["Microsoft"]}) == [(0,)]
    assert run_card(read_copy, "rate-optimization", "effective-savings-rate", {"provider": ["Microsoft"]}) == [
        (None,)]


def test_savings_by_source_add_up_to_this_months_savings(read_copy):
    month = newest_month(read_copy)
    [(list_cost, effective_cost)] = run(read_copy, SAVINGS.format(
        where=f"strftime(timezone('UTC', ChargePeriodStart), '%Y-%m') = '{month}'"))
    [(spot,)] = run(read_copy, f"""
        SELECT sum(ContractedCost - EffectiveCost) FROM focus.cost_and_usage
        WHERE ChargeCategory = 'Usage' AND PricingCategory = 'Dynamic'
          AND strftime(timezone('UTC', ChargePeriodStart), '%Y-%m') = '{month}'""")

    sources = dict(run_card(read_copy, "rate-optimization", "savings-by-source-this-month"))

    assert list(sources) == ["Negotiated discounts", "Commitments, net of unused", "Spot",
                             "Credits and other discounts"]
    assert sum(sources.values()) == list_cost - effective_cost
    assert sources["Spot"] == spot
    by_month = run_card(read_copy, "rate-optimization", "savings-by-month")
    assert {r[1]: r[2] for r in by_month if r[0] == month} == sources


def test_unused_commitment_cost_is_the_unused_commitment_rows(read_copy):
    [(unused,)] = run(read_copy, "SELECT sum(EffectiveCost) FROM focus.cost_and_usage "
                                 "WHERE CommitmentDiscountStatus = 'Unused'")

    assert unused > 0
    assert run_card(read_copy, "rate-optimization", "unused-commitment-cost") == [(unused,)]
    # commitment_utilization spreads a monthly row over its days: the same cost, to the float's last digits
    by_commitment = run_card(read_copy, "rate-optimization", "utilization-by-commitment")
    assert float(sum(r[9] for r in by_commitment)) == pytest.approx(float(unused), abs=1e-6)


def test_utilization_per_commitment_is_its_used_over_its_committed_quantity(read_copy):
    focus = {(month, commitment): (used, unused) for month, commitment, used, unused in run(read_copy, """
        SELECT strftime(timezone('UTC', ChargePeriodStart), '%Y-%m'),
               coalesce(CommitmentDiscountName, CommitmentDiscountId),
               coalesce(sum(CommitmentDiscountQuantity) FILTER (WHERE CommitmentDiscountStatus = 'Used'), 0),
               coalesce(sum(CommitmentDiscountQuantity) FILTER (WHERE CommitmentDiscountStatus = 'Unused'), 0)
        FROM focus.cost_and_usage WHERE CommitmentDiscountStatus IS NOT NULL GROUP BY 1, 2""")}

    rows = run_card(read_copy, "rate-optimization", "utilization-by-commitment")

    assert {(r[0], r[2]) for r in rows} == set(focus)
    for month, _, commitment, _, _, used, committed, utilization_pct, *_ in rows:
        expected_used, unused = focus[(month, commitment)]
        assert float(used) == pytest.approx(float(expected_used))
        assert float(committed) == pytest.approx(float(expected_used + unused))
        assert utilization_pct == round(float(100 * used / committed), 2)
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), reverse=True)  # newest month first


def test_coverage_cards_agree(read_copy):
    [(coverage_pct,)] = run_card(read_copy, "rate-optimization", "commitment-coverage")
    by_service = run_card(read_copy, "rate-optimization", "coverage-by-service")
    by_family = run_card(read_copy, "rate-optimization", "coverage-by-instance-family")
    covered, on_demand = sum(r[1] for r in by_service), sum(r[2] for r in by_service)

    assert 0 < coverage_pct < 100
    assert coverage_pct == round(float(100 * covered / (covered + on_demand)), 2)
    assert (sum(r[3] for r in by_family), sum(r[4] for r in by_family)) == (covered, on_demand)


def test_the_inventory_lists_every_commitment_soonest_expiry_first(read_copy):
    [(commitments,)] = run(read_copy, "SELECT count(DISTINCT CommitmentDiscountId) FROM focus.cost_and_usage")

    rows = run_card(read_copy, "rate-optimization", "commitment-inventory")

    assert commitments > 0 and len(rows) == commitments
    days = [r[1] for r in rows if r[0] != "inactive" and r[1] is not None]
    assert days == sorted(days)
    expiring = sum(r[0] == "EXPIRES WITHIN 90 DAYS" for r in rows)
    assert run_card(read_copy, "rate-optimization", "expiring-within-90-days") == [(expiring,)]


def test_recommendations_and_their_hours(read_copy):
    rows = run_card(read_copy, "rate-optimization", "recommendations")
    [(providers,)] = run(read_copy, "SELECT count(DISTINCT x_Provider) FROM focus.cost_and_usage")

    spend = [r for r in rows if r[2] == "Spend"]
    assert sorted(r[1] for r in spend) == sorted([30, 60] * providers)
    assert all(r[15] == 24 * r[1] for r in rows)  # hours_counted: every hour of the window
    hours = run_card(read_copy, "rate-optimization", "recommendation-hours")
    on_demand = [r[2] for r in hours if r[1] == "aws: on-demand eligible cost"]
    assert len(on_demand) == 24 * 60
    # The 60-day recommendation's average on-demand cost per hour is the line's average.
    [sixty] = [r for r in spend if r[0] == "aws" and r[1] == 60]
    assert sum(on_demand) / len(on_demand) == pytest.approx(sixty[16], abs=1e-3)
