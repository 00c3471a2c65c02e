"""Azure cost details (actual, amortized) -> FOCUS 1.2, through the dbt project.

A small hand-made database: the 27-row anonymized EA usage sample (shared/data/azure, Apache-2.0,
finopsfoundation/focus_converters), landed as the importer lands it (raw_column names, the types of
openfinops/providers/azure/settings.py), as an actual and an amortized export of one period, plus
commitment rows (reservation purchase and refund, reservation- and savings-plan-covered usage,
unused reservation and savings plan, a marketplace purchase in both exports), a pay-as-you-go
actual-only export and an MCA amortized-only export. `dbt build` (seeds, models, data tests) must
pass, and the FOCUS rows must reconcile: with both exports Σ BilledCost = Σ actual cost and
Σ EffectiveCost = Σ amortized cost.
"""

from __future__ import annotations

import csv
import importlib
import sys
import types
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt_builds import dbt_build

from openfinops.warehouse import state

ROOT = Path(__file__).resolve().parents[2]


def _azure_columns():
    """openfinops/providers/azure/columns.py (raw_column, column_type), loaded from its file: under
    pytest, `openfinops.providers.azure` can resolve to tests/openfinops/providers/azure (a test
    package of the same dotted name), so it is imported under a private package name."""
    package = types.ModuleType("_azure_focus_test_provider")
    package.__path__ = [str(ROOT / "openfinops" / "providers" / "azure")]
    sys.modules.setdefault(package.__name__, package)
    return importlib.import_module(f"{package.__name__}.columns")


azure_columns = _azure_columns()
SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "azure" / "ea-usage-sample-27rows.csv"

RI = "/providers/Microsoft.Capacity/reservationOrders/ro-1/reservations/ri-1"
SP = "/providers/Microsoft.BillingBenefits/savingsPlanOrders/spo-1/savingsPlans/sp-1"
EA = {"billing_account_id": "12345678", "billing_account_name": "Example LTD.", "billing_profile_id": "12345678",
      "billing_profile_name": "Example LTD.", "billing_currency": "CAD", "subscription_id": "sub-ri",
      "subscription_name": "sub-ri", "date": "9/15/2023", "billing_period_start_date": "9/1/2023",
      "billing_period_end_date": "9/30/2023", "resource_location": "EastUS", "consumed_service": "Microsoft.Compute",
      "meter_category": "Virtual Machines", "meter_id": "m-vm", "meter_name": "D2s v3", "unit_of_measure": "1 Hour",
      "resource_id": "/subscriptions/sub-ri/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm-1",
      "resource_group_name": "rg-1", "product_name": "Virtual Machines Dsv3 Series - D2s v3 - US East"}
# (row, in actual, in amortized): the commitment scenarios; cost in actual / amortized
SCENARIOS = [
    # reservation purchase: only in actual
    (dict(EA, charge_type="Purchase", pricing_model="Reservation", frequency="OneTime", quantity="1",
          unit_price="744", payg_price="0", effective_price="744", benefit_id=RI, benefit_name="ri-1",
          reservation_id="ri-1", product_name="Reserved VM Instance, D2s v3, US East, 1 Year", meter_id="",
          resource_id="", consumed_service="Microsoft.Capacity", unit_of_measure="1 Hour"), "744", None),
    # reservation refund: only in actual
    (dict(EA, charge_type="Refund", pricing_model="Reservation", frequency="OneTime", quantity="-1",
          unit_price="100", payg_price="0", effective_price="100", benefit_id=RI, benefit_name="ri-1",
          reservation_id="ri-1", product_name="Reserved VM Instance, D2s v3, US East, 1 Year", meter_id="",
          resource_id="", consumed_service="Microsoft.Capacity"), "-100", None),
    # reservation-covered usage: 0 in actual, amortized rate in amortized
    (dict(EA, charge_type="Usage", pricing_model="Reservation", frequency="UsageBased", quantity="8",
          unit_price="0.2", payg_price="0.25", effective_price="0.1", benefit_id=RI, benefit_name="ri-1",
          reservation_id="ri-1"), "0", "0.8"),
    # unused reservation: only in amortized
    (dict(EA, charge_type="UnusedReservation", pricing_model="Reservation", frequency="UsageBased",
          quantity="2", unit_price="0.1", payg_price="0", effective_price="0.1", benefit_id=RI,
          benefit_name="ri-1", reservation_id="ri-1", resource_id=""), None, "0.2"),
    # savings-plan-covered usage, the savings plan's recurring fee, its unused part
    (dict(EA, charge_type="Usage", pricing_model="SavingsPlan", frequency="UsageBased", quantity="10",
          unit_price="0.2", payg_price="0.25", effective_price="0.15", benefit_id=SP, benefit_name="sp-1",
          subscription_id="sub-sp", subscription_name="sub-sp"), "0", "1.5"),
    (dict(EA, charge_type="Purchase", pricing_model="SavingsPlan", frequency="Recurring", quantity="1",
          unit_price="2", payg_price="0", effective_price="2", benefit_id=SP, benefit_name="sp-1",
          product_name="Compute Savings Plan, 1 Year", meter_id="", resource_id="",
          consumed_service="Microsoft.BillingBenefits", subscription_id="sub-sp", subscription_name="sub-sp"),
     "2", None),
    (dict(EA, charge_type="UnusedSavingsPlan", pricing_model="SavingsPlan", frequency="UsageBased",
          quantity="1", unit_price="0.5", payg_price="0", effective_price="0.5", benefit_id=SP, benefit_name="sp-1",
          resource_id="", subscription_id="sub-sp", subscription_name="sub-sp"), None, "0.5"),
    # marketplace purchase: in both exports, counted once
    (dict(EA, charge_type="Purchase", pricing_model="OnDemand", frequency="Recurring", quantity="1",
          unit_price="50", payg_price="50", effective_price="50", publisher_type="Marketplace",
          publisher_name="Contoso Software", product_name="Contoso Firewall - Monthly", meter_id="mp-1",
          resource_id="", consumed_service="", subscription_id="sub-mp", subscription_name="sub-mp"), "50", "50"),
    # a free row
    (dict(EA, charge_type="Usage", pricing_model="OnDemand", frequency="UsageBased", quantity="3",
          unit_price="0", payg_price="0", effective_price="0", meter_id="m-free", subscription_id="sub-free",
          subscription_name="sub-free", resource_location="", tags=None), "0", "0"),
]
# pay-as-you-go (actual only): the PayAsYouGo header set, no billing account, no ChargeType
PAYG = [
    {"subscription_id": "11111111-12ab-34dc-56ef-123456abcdef", "resource_group_name": "Example-Resource-Group",
     "resource_location": "US East", "date": "2023-09-02", "meter_category": "Load Balancer",
     "meter_sub_category": "Standard", "meter_id": "27827eb0-7f60-4928-940b-f5fe15e7a4cb",
     "meter_name": "Included LB Rules and Outbound Rules", "quantity": "3", "effective_price": "0.025",
     "cost_in_billing_currency": "0.075", "consumed_service": "Microsoft.Network",
     "resource_type": "Microsoft.Network/loadBalancers",
     "resource_id": "/subscriptions/11111111-12ab-34dc-56ef-123456abcdef/resourceGroups/Example-Resource-Group/"
                    "providers/Microsoft.Network/loadBalancers/kubernetes",
     "billing_currency": "USD", "unit_of_measure": "100 Hours", "service_name": "Load Balancer"},
    {"subscription_id": "11111111-12ab-34dc-56ef-123456abcdef", "resource_group_name": None,
     "resource_location": None, "date": "2023-09-03", "meter_category": "Bandwidth", "meter_id": "bw-1",
     "meter_name": "Data Transfer Out", "quantity": "0.5", "effective_price": "0.087",
     "cost_in_billing_currency": "0.0435", "consumed_service": None, "resource_id": None,
     "billing_currency": "USD", "unit_of_measure": "1 GB"},
]
# MCA (amortized only): billing profile != billing account, prices in USD, billed in EUR
MCA = dict(billing_account_id="acct-1:acct-2_2019-05-31", billing_account_name="Contoso MCA",
           billing_profile_id="BP-1", billing_profile_name="Contoso Profile", billing_currency="EUR",
           pricing_currency="USD", exchange_rate_pricing_to_billing="0.9", subscription_id="sub-mca",
           subscription_name="sub-mca", date="10/05/2023", billing_period_start_date="10/1/2023",
           billing_period_end_date="10/31/2023", resource_location="westeurope",
           consumed_service="Microsoft.Storage", meter_category="Storage", meter_id="m-st",
           meter_name="Hot LRS Data Stored", unit_of_measure="10K", product_id="DZH318Z0BNXN",
           resource_id="/subscriptions/sub-mca/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1",
           invoice_id="E0600XXXX")
MCA_ROWS = [
    dict(MCA, charge_type="Usage", pricing_model="OnDemand", frequency="UsageBased", quantity="2",
         unit_price="0.05", payg_price="0.06", effective_price="0.05", cost_in_billing_currency="0.09",
         cost_in_pricing_currency="0.1"),
    dict(MCA, charge_type="Usage", pricing_model="Reservation", frequency="UsageBased", quantity="5",
         unit_price="0.05", payg_price="0.06", effective_price="0.02", cost_in_billing_currency="0.09",
         cost_in_pricing_currency="0.1", benefit_id=RI, benefit_name="ri-1"),
    dict(MCA, charge_type="UnusedReservation", pricing_model="Reservation", frequency="UsageBased",
         quantity="1", unit_price="0.02", payg_price="0", effective_price="0.02", cost_in_billing_currency="0.018",
         cost_in_pricing_currency="0.02", benefit_id=RI, benefit_name="ri-1", resource_id=None),
]


def _sample_rows() -> list[dict]:
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [{azure_columns.raw_column(k): (v if v != "" else None) for k, v in row.items()} for row in rows]


def _typed(name: str, value):
    """The SQL literal of `value` as the importer types raw column `name`."""
    if value is None or value == "":
        return "NULL"
    kind = azure_columns.column_type(name)
    text = str(value).replace("'", "''")
    if kind == "decimal":
        return f"CAST('{text}' AS DECIMAL(38,12))"
    if kind == "date":
        fmt = "%Y-%m-%d" if "-" in text else "%m/%d/%Y"
        return f"CAST(strptime('{text}', '{fmt}') AS DATE)"
    if kind == "json":
        return f"CAST('{text if text.lstrip().startswith('{') else '{' + text + '}'}' AS JSON)"
    return f"'{text}'"


def write_export(con, *, export: str, source_format: str, period: str, rows: list[dict]) -> None:
    """One raw table azure_billing.<export> and its import_state row, as the importer writes them."""
    table = export.replace("-", "_")
    import_id = f"{export}-{period}-import"
    names = sorted({k for row in rows for k in row} | {"billing_period", "manifest_id", "source_file", "import_id"})
    types = {"decimal": "DECIMAL(38,12)", "date": "DATE", "json": "JSON", "text": "VARCHAR", "timestamp": "TIMESTAMPTZ"}
    con.sql("CREATE SCHEMA IF NOT EXISTS azure_billing")
    exists = con.sql(f"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'azure_billing' "
                     f"AND table_name = '{table}'").fetchone()[0]
    if not exists:
        cols = ", ".join(f'"{n}" {types[azure_columns.column_type(n)]}' for n in names)
        con.sql(f"CREATE TABLE azure_billing.{table} ({cols})")
    lineage = {"billing_period": period, "manifest_id": f"{export}-manifest", "source_file": f"{export}.csv",
               "import_id": import_id}
    for row in rows:
        row = {**row, **lineage}
        con.sql(f"INSERT INTO azure_billing.{table} ({', '.join(chr(34) + n + chr(34) for n in row)}) "
                f"VALUES ({', '.join(_typed(n, v) for n, v in row.items())})")
    state.record_import(con, provider="azure", export=export, billing_period=period, source_format=source_format,
                        raw_table=f"azure_billing.{table}", import_id=import_id, manifest_id=f"{export}-manifest",
                        manifest_path=f"{export}/manifest.json", fingerprint=import_id,
                        files=[{"key": f"{export}.csv", "size": 1, "etag": None}], rows_loaded=len(rows),
                        cost_total=None)


def make_azure_exports(con) -> dict:
    """The Azure raw tables of this test; returns the raw totals {(export, period): Decimal}."""
    sample = _sample_rows()
    actual = sample + [dict(row, cost_in_billing_currency=a) for row, a, _ in SCENARIOS if a is not None]
    amortized = sample + [dict(row, cost_in_billing_currency=m) for row, _, m in SCENARIOS if m is not None]
    write_export(con, export="ea-actual", source_format="actual", period="2023-09", rows=actual)
    write_export(con, export="ea-amortized", source_format="amortized", period="2023-09", rows=amortized)
    write_export(con, export="payg-actual", source_format="actual", period="2023-09", rows=PAYG)
    write_export(con, export="mca-amortized", source_format="amortized", period="2023-10", rows=MCA_ROWS)

    # as the raw tables hold them (DECIMAL(38,12))
    return {(export, period): con.sql("SELECT sum(cost_in_billing_currency) "
                                      f"FROM azure_billing.{export.replace('-', '_')}").fetchone()[0]
            for export, period in [("ea-actual", "2023-09"), ("ea-amortized", "2023-09"),
                                   ("payg-actual", "2023-09"), ("mca-amortized", "2023-10")]}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("azure_focus")
    database = tmp / "finops.duckdb"
    with duckdb.connect(str(database)) as con:
        totals = make_azure_exports(con)
    proc, status = dbt_build(tmp, database, "--threads", "4")
    return proc, database, status, totals


def focus(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_build_and_every_data_and_unit_test_pass(built):
    proc, _, status, _ = built
    assert proc.returncode == 0, proc.stdout[-6000:]
    for test in ("assert_azure_billed_cost_reconciles_to_raw", "assert_azure_effective_cost_reconciles_to_raw",
                 "assert_azure_row_counts_match_import_state", "assert_focus_rows_match_import_state",
                 "assert_staging_models_deliver_focus_columns"):
        ran = [s for uid, s in status.items() if test in uid.split(".")[-2:]]
        assert ran == ["pass"], test
    assert any(".stg_azure__costs." in uid for uid in status), "the Azure unit tests ran"
    assert all(s in ("pass", "success", "warn") for s in status.values()), {k: s for k, s in status.items()
                                                                            if s not in ("pass", "success", "warn")}


def test_both_exports_reconcile_to_actual_and_amortized_totals(built):
    _, database, _, totals = built
    rows = focus(database, """
        SELECT sum(BilledCost), sum(EffectiveCost) FROM focus.cost_and_usage
        WHERE x_Provider = 'azure' AND x_SourceExport IN ('ea-actual', 'ea-amortized')""")
    assert rows == [(totals[("ea-actual", "2023-09")], totals[("ea-amortized", "2023-09")])]
    # the marketplace purchase is in both exports and in FOCUS once
    assert focus(database, "SELECT x_SourceExport, BilledCost, EffectiveCost, PublisherName "
                           "FROM focus.cost_and_usage WHERE SubAccountId = 'sub-mp'") == [
        ("ea-amortized", Decimal("50"), Decimal("50"), "Contoso Software")]


def test_single_exports_keep_their_own_total(built):
    _, database, _, totals = built
    payg = focus(database, "SELECT sum(BilledCost), sum(EffectiveCost), count(*), any_value(BillingAccountId), "
                           "any_value(BillingAccountType) FROM focus.cost_and_usage "
                           "WHERE x_SourceExport = 'payg-actual'")
    assert payg == [(totals[("payg-actual", "2023-09")], totals[("payg-actual", "2023-09")], 2,
                     "11111111-12ab-34dc-56ef-123456abcdef", "Subscription")]
    mca = focus(database, "SELECT sum(BilledCost), sum(EffectiveCost), any_value(BillingAccountId), "
                          "any_value(BillingAccountType), any_value(PricingCurrency) "
                          "FROM focus.cost_and_usage WHERE x_SourceExport = 'mca-amortized'")
    # amortized only: the covered usage and the unused reservation are not billed here
    assert mca == [(Decimal("0.09"), totals[("mca-amortized", "2023-10")], "BP-1", "Billing Profile", "USD")]


def test_commitment_rows(built):
    _, database, _, _ = built
    rows = focus(database, """
        SELECT x_ChargeType, x_PricingModel, ChargeCategory, ChargeClass, BilledCost, EffectiveCost,
            CommitmentDiscountStatus, CommitmentDiscountType, CommitmentDiscountCategory, PricingCategory
        FROM focus_staging.stg_azure__costs
        WHERE x_SourceExport LIKE 'ea-%' AND CommitmentDiscountId IS NOT NULL
        ORDER BY x_PricingModel, x_ChargeType""")
    assert rows == [
        ("Purchase", "Reservation", "Purchase", None, Decimal("744"),
         Decimal("0"), None, "Reservation", "Usage", "Standard"),
        ("Refund", "Reservation", "Purchase", "Correction", Decimal("-100"),
         Decimal("0"), None, "Reservation", "Usage", "Standard"),
        ("UnusedReservation", "Reservation", "Usage", None, Decimal("0"),
         Decimal("0.2"), "Unused", "Reservation", "Usage", "Committed"),
        ("Usage", "Reservation", "Usage", None, Decimal("0"),
         Decimal("0.8"), "Used", "Reservation", "Usage", "Committed"),
        ("Purchase", "SavingsPlan", "Purchase", None, Decimal("2"),
         Decimal("0"), None, "Savings Plan", "Spend", "Standard"),
        ("UnusedSavingsPlan", "SavingsPlan", "Usage", None, Decimal("0"),
         Decimal("0.5"), "Unused", "Savings Plan", "Spend", "Committed"),
        ("Usage", "SavingsPlan", "Usage", None, Decimal("0"),
         Decimal("1.5"), "Used", "Savings Plan", "Spend", "Committed"),
    ]


def test_key_mappings(built):
    _, database, _, _ = built
    # region, service (the sample writes consumed service microsoft.compute and a placeholder resource id),
    # unit, tags, billing account, periods of an EA row from the sample
    rows = focus(database, """
        SELECT RegionId, RegionName, ServiceCategory, PricingUnit, ConsumedUnit, Tags->>'tagA', BillingAccountId,
            BillingAccountType, SubAccountType, ProviderName, InvoiceIssuerName,
            strftime(ChargePeriodStart AT TIME ZONE 'UTC', '%Y-%m-%d %H'),
            strftime(ChargePeriodEnd AT TIME ZONE 'UTC', '%Y-%m-%d %H'),
            strftime(BillingPeriodEnd AT TIME ZONE 'UTC', '%Y-%m-%d')
        FROM focus.cost_and_usage
        WHERE x_SourceExport = 'ea-amortized' AND SkuMeter = 'Intra-Region Ingress'""")
    assert rows and rows[0] == ("centralus", "Central US", "Compute", "GB", "GB", "valueA", "12345678",
                                "Billing Account", "Subscription", "Microsoft", "Microsoft",
                                "2023-09-02 00", "2023-09-03 00", "2023-10-01")
    # 10K block: PricingQuantity is the quantity of 10,000-unit blocks, ConsumedQuantity the units
    mca = focus(database, """
        SELECT PricingUnit, PricingQuantity, ConsumedUnit, ConsumedQuantity, ListUnitPrice, ListCost
        FROM focus.cost_and_usage WHERE x_SourceExport = 'mca-amortized' AND x_ChargeType = 'Usage'
          AND CommitmentDiscountId IS NULL""")
    assert mca == [("10000 Units", Decimal("2"), "Units", Decimal("20000"), Decimal("0.054"), Decimal("0.108"))]
    # prices times quantities are the costs, for every priced Azure row (to the 12 decimals costs keep)
    assert focus(database, """
        SELECT count(*) FROM focus.cost_and_usage WHERE x_Provider = 'azure' AND PricingQuantity IS NOT NULL
          AND (abs(ListUnitPrice * PricingQuantity - ListCost) > 0.000000000001
               OR abs(ContractedUnitPrice * PricingQuantity - ContractedCost) > 0.000000000001)
        """) == [(0,)]
