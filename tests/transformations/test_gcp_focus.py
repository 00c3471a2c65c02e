"""Google Cloud billing export (standard, detailed) -> FOCUS 1.2, through the dbt project.

A small hand-made database in the importer's form (docs: the raw table contract of issue #15):
a detailed export with two invoice months (202507, 202508) and a standard export of 2019 in the
old schema (no price, cost_at_list, tags, adjustment_info, consumption_model, ...; credits without a
type). The rows cover sustained-use and committed-use credits (typed and by name), free-tier and
promotion credits, zero and negative costs, a tax row per project and an account-level one, an
adjustment of July usage invoiced in August, a rounding error, a Support row without project or
location, the July-2025 spend-based CUD model (covered usage, overage, commitment fees with a
FEE_UTILIZATION_OFFSET credit), a marketplace partner row, labels with an empty value, tags, system
and project labels. `dbt build` (seeds, models, data tests) must pass, Σ BilledCost per invoice
month must equal Σ (cost + Σ credits.amount) exactly, and the official FOCUS validator must pass
on the Google Cloud rows.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt_builds import dbt_build

from openfinops.focus.export import export_focus
from openfinops.warehouse import state

# the raw columns as the importer lands them (contract), in the detailed table's order
TYPES = {
    "billing_account_id": "VARCHAR", "service": "JSON", "sku": "JSON", "usage_start_time": "TIMESTAMPTZ",
    "usage_end_time": "TIMESTAMPTZ", "project": "JSON", "labels": "JSON", "system_labels": "JSON",
    "location": "JSON", "resource": "JSON", "tags": "JSON", "price": "JSON", "subscription": "JSON",
    "transaction_type": "VARCHAR", "seller_name": "VARCHAR", "export_time": "TIMESTAMPTZ",
    "cost": "DECIMAL(38,12)", "currency": "VARCHAR", "currency_conversion_rate": "DECIMAL(38,12)", "usage": "JSON",
    "credits": "JSON", "invoice": "JSON", "cost_type": "VARCHAR", "adjustment_info": "JSON",
    "cost_at_list": "DECIMAL(38,12)", "consumption_model": "JSON", "cost_at_effective_price_default": "DECIMAL(38,12)",
    "cost_at_list_consumption_model": "DECIMAL(38,12)",
    "billing_period": "VARCHAR", "manifest_id": "VARCHAR", "source_file": "VARCHAR", "import_id": "VARCHAR",
}
# the 2019 standard table: the columns it had then
STANDARD_2019 = ["billing_account_id", "service", "sku", "usage_start_time", "usage_end_time", "project", "labels",
                 "system_labels", "location", "export_time", "cost", "currency", "currency_conversion_rate", "usage",
                 "credits", "invoice", "cost_type", "billing_period", "manifest_id", "source_file", "import_id"]

ACCOUNT = "01A2B3-C4D5E6-F7A8B9"
GCE = {"id": "6F81-5844-456A", "description": "Compute Engine"}
WEB = {"id": "web-shop-prod", "number": "111111111111", "name": "Web Shop",
       "labels": [{"key": "cost-center", "value": "cc-1"}], "ancestry_numbers": "/433637338589/111111111111/",
       "ancestors": [{"resource_name": "projects/111111111111", "display_name": "Web Shop"}]}
DATA = {"id": "data-lake", "number": "222222222222", "name": "Data Lake", "labels": [],
        "ancestry_numbers": "/433637338589/222222222222/"}
NO_PROJECT = {"id": None, "number": None, "name": None, "labels": [], "ancestry_numbers": None}
CENTRAL = {"location": "us-central1-a", "country": "US", "region": "us-central1", "zone": "us-central1-a"}
VM = "//compute.googleapis.com/projects/web-shop-prod/zones/us-central1-a/instances/1234567890"
CUD_SUB = "subscriptions/1fd3b130-40f8-4a79-ac6f-5753aaa0ceeb"
FLEX = {"id": "7754-699E-0EBF", "description": "Compute Flexible CUDs 1 Year"}
DEFAULT = {"id": "D1E2-F3A4-B5C6", "description": "Default"}


def hour(day: str, h: int = 0) -> dict:
    return {"usage_start_time": f"{day} {h:02d}:00:00+00", "usage_end_time": f"{day} {h + 1:02d}:00:00+00",
            "export_time": f"{day} {h + 3:02d}:15:00+00"}


def price(effective, list_=None, default=None, tier="0", unit="hour", block="1") -> dict:
    return {"effective_price": effective, "tier_start_amount": tier, "unit": unit, "pricing_unit_quantity": block,
            "list_price": list_, "effective_price_default": default, "list_price_consumption_model": list_}


# invoice month 2025-07 (detailed export)
JULY = [
    # GCE usage with a sustained-use, a committed-use, a free-tier and a promotion credit; numbers as
    # JSON numbers, strings and in scientific notation; labels with an empty value, tags (one
    # without namespace, colliding with a label), system labels, project labels
    dict(service=GCE, sku={"id": "2E27-4F75-95CD", "description": "N1 Predefined Instance Core running in Americas"},
         **hour("2025-07-03", 10), project=WEB, location=CENTRAL, cost="10.00", cost_at_list="12.00",
         cost_at_effective_price_default="10.00", cost_at_list_consumption_model="12.00",
         labels=[{"key": "app", "value": "shop"}, {"key": "empty", "value": ""}],
         system_labels=[{"key": "compute.googleapis.com/machine_spec", "value": "n1-standard-4"},
                        {"key": "goog-resource-type", "value": "compute.googleapis.com/Instance"}],
         tags=[{"key": "env", "value": "prod", "inherited": True, "namespace": "123456789012"},
               {"key": "app", "value": "from-tag", "inherited": False, "namespace": None}],
         resource={"name": "vm-1", "global_name": VM}, transaction_type="GOOGLE",
         usage={"amount": 36000, "unit": "seconds", "amount_in_pricing_units": 10, "pricing_unit": "hour"},
         price=price("1.0", "1.2", "1.0"), consumption_model=DEFAULT,
         credits='[{"name": "Sustained Usage Discount", "amount": -2.0, "full_name": "Sustained Usage Discount",'
                 ' "id": "SUD-1", "type": "SUSTAINED_USAGE_DISCOUNT"},'
                 ' {"name": "Committed Usage Discount: CPU", "amount": "-3.0", "full_name": "Committed use discount",'
                 ' "id": "Committed Usage Discount: CPU", "type": "COMMITTED_USAGE_DISCOUNT"},'
                 ' {"name": "Free tier usage", "amount": -5e-1, "full_name": "Free tier usage", "id": "FT-1",'
                 ' "type": "FREE_TIER"},'
                 ' {"name": "Free Trial", "amount": "-1.25E0", "full_name": "Free Trial credit", "id": "PROMO-1",'
                 ' "type": "PROMOTION"}]'),
    # a zero-cost row in a multi-region (no region), a bucket
    dict(service={"id": "95FF-2EF5-5EA1", "description": "Cloud Storage"},
         sku={"id": "E5F0-6A5D-7BAD", "description": "Standard Storage US Multi-region"}, **hour("2025-07-04"),
         project=DATA, location={"location": "US", "country": "US", "region": None, "zone": None},
         resource={"name": "my-bucket", "global_name": "//storage.googleapis.com/projects/_/buckets/my-bucket"},
         cost="0", cost_at_list="0", cost_at_effective_price_default="0", labels=[], system_labels=[], tags=[],
         usage={"amount": 0, "unit": "byte-seconds", "amount_in_pricing_units": 0, "pricing_unit": "gibibyte month"},
         price=price("0.026", "0.026", "0.026", unit="gibibyte month"), credits="[]", transaction_type="GOOGLE"),
    # negative usage (a reversal of two hours), priced
    dict(service=GCE, sku={"id": "2E27-4F75-95CD", "description": "N1 Predefined Instance Core running in Americas"},
         **hour("2025-07-05"), project=WEB, location=CENTRAL, cost="-0.40", cost_at_list="-0.40",
         usage={"amount": -7200, "unit": "seconds", "amount_in_pricing_units": -2, "pricing_unit": "hour"},
         price=price("0.2", "0.2", "0.2"), credits=None, transaction_type="GOOGLE"),
    # a tax row per project
    dict(service={"id": "B9FB-9E41-5C31", "description": "Invoice"}, sku={"id": "TAX-1", "description": "Tax"},
         **hour("2025-07-01"), project=WEB, cost="0.85", cost_type="tax", credits=[]),
    dict(service={"id": "B9FB-9E41-5C31", "description": "Invoice"}, sku={"id": "TAX-1", "description": "Tax"},
         **hour("2025-07-01"), project=DATA, cost="0.15", cost_type="tax", credits=[]),
    # Support: account level, no project, no location; percentage-priced
    dict(service={"id": "2062-016F-44A2", "description": "Support"},
         sku={"id": "E4F5-0256-E0EE", "description": "GCP Support Variable fee"}, **hour("2025-07-06", 4),
         project=NO_PROJECT, location=None, cost="42.144372",
         usage={"amount": "2700.0", "unit": "seconds", "amount_in_pricing_units": "0.0010402219140083217",
                "pricing_unit": "month"}, credits=[], transaction_type="GOOGLE"),
    # rounding error: no service, no SKU
    dict(**hour("2025-07-31", 20), cost="-0.003", cost_type="rounding_error", credits=[]),
]
# invoice month 2025-08 (detailed export)
AUGUST = [
    # an adjustment of July usage, with the sustained-use credit it reverses
    dict(service=GCE, sku={"id": "2E27-4F75-95CD", "description": "N1 Predefined Instance Core running in Americas"},
         **hour("2025-07-10"), project=WEB, location=CENTRAL, cost="-1.50", cost_type="adjustment",
         usage={"amount": -5400, "unit": "seconds", "amount_in_pricing_units": -1.5, "pricing_unit": "hour"},
         adjustment_info={"id": "adj-1", "description": "Correction of Compute Engine usage",
                          "mode": "MANUAL_ADJUSTMENT", "type": "USAGE_CORRECTION"},
         credits=[{"name": "Sustained Usage Discount", "amount": 0.3, "type": "SUSTAINED_USAGE_DISCOUNT"}]),
    # July-2025 spend-based CUD model (Google's "overutilized" example): covered usage, overage, fee
    dict(service=GCE, sku={"id": "CF7A-1A2B-3C4D", "description": "E2 Instance Core running in Americas"},
         **hour("2025-08-02", 5), project=WEB, location=CENTRAL, cost="0.025132", cost_at_list="0.034905",
         cost_at_effective_price_default="0.034905", cost_at_list_consumption_model="0.025132",
         usage={"amount": 42981.600996, "unit": "seconds", "amount_in_pricing_units": 11.93933361,
                "pricing_unit": "hour"},
         price=price("0.00210494", "0.00292353", "0.00292353"), consumption_model=FLEX,
         subscription={"instance_id": CUD_SUB}, credits=[], transaction_type="GOOGLE"),
    dict(service=GCE, sku={"id": "CF7A-1A2B-3C4D", "description": "E2 Instance Core running in Americas"},
         **hour("2025-08-02", 5), project=WEB, location=CENTRAL, cost="0.058648", cost_at_list="0.058648",
         cost_at_effective_price_default="0.058648",
         usage={"amount": 72218.399004, "unit": "seconds", "amount_in_pricing_units": 20.06066639,
                "pricing_unit": "hour"},
         price=price("0.00292353", "0.00292353", "0.00292353"), consumption_model=DEFAULT, credits=[],
         transaction_type="GOOGLE"),
    dict(service=GCE, sku={"id": "5515-81A8-03A2", "description": "Commitment - dollar based v1: GCE for 1 year"},
         **hour("2025-08-02", 5), project=WEB, location={"location": "us-central1", "country": "US",
                                                        "region": "us-central1", "zone": None},
         cost="0.025132", cost_at_list="0.025132", cost_at_effective_price_default="0.025132",
         system_labels=[{"key": "goog-originating-sku-id", "value": "CF7A-1A2B-3C4D"}],
         usage={"amount": 0.025131670, "unit": "hour", "amount_in_pricing_units": 0.025131670, "pricing_unit": "hour"},
         price=price("1", "1", "1"), consumption_model=DEFAULT, subscription={"instance_id": CUD_SUB},
         credits=[{"name": "Fee utilization offset", "amount": "-0.025132", "type": "FEE_UTILIZATION_OFFSET"}],
         transaction_type="GOOGLE"),
    # an underutilized fee: the unused part stays billed
    dict(service=GCE, sku={"id": "5515-81A8-03A2", "description": "Commitment - dollar based v1: GCE for 1 year"},
         **hour("2025-08-03", 5), project=WEB, location={"location": "us-central1", "country": "US",
                                                        "region": "us-central1", "zone": None},
         cost="0.067369", cost_at_list="0.067369", cost_at_effective_price_default="0.067369",
         usage={"amount": 0.0673690, "unit": "hour", "amount_in_pricing_units": 0.0673690, "pricing_unit": "hour"},
         price=price("1", "1", "1"), consumption_model=DEFAULT, subscription={"instance_id": CUD_SUB},
         credits=[{"name": "Fee utilization offset", "amount": "-0.0673581", "type": "FEE_UTILIZATION_OFFSET"}],
         transaction_type="GOOGLE"),
    # a marketplace product sold and invoiced by the partner
    dict(service={"id": "AAAA-BBBB-CCCC", "description": "Acme Observability SaaS"},
         sku={"id": "ACME-0001", "description": "Acme Pro plan"}, **hour("2025-08-05"), project=DATA,
         cost="5.00", cost_at_list="5.00", seller_name="Acme Partner Inc.", transaction_type="THIRD_PARTY_RESELLER",
         usage={"amount": 1, "unit": "count", "amount_in_pricing_units": 1, "pricing_unit": "count"},
         price=price("5", "5", "5", unit="count"), credits=[], invoice_publisher="PARTNER"),
]
# invoice month 2019-01 (standard export, 2019 schema): credits by name only
JANUARY_2019 = [
    dict(service=GCE, sku={"id": "6C71-E844-38BC", "description": "N1 Standard Instance Ram running in Americas"},
         **hour("2019-01-21", 8), project={"id": "project-1", "name": "project-1", "labels": [],
                                           "ancestry_numbers": "/433637338589/396521612401/"},
         location={"location": "us-west1", "country": "US", "region": "us-west1"}, cost="70",
         usage={"amount": "70", "unit": "gibibyte hour", "amount_in_pricing_units": "70",
                "pricing_unit": "gibibyte hour"},
         credits=[{"name": "Sustained Usage Discount", "amount": "-40.0"}], cost_type="regular"),
    dict(service=GCE, sku={"id": "CP-CORE", "description": "N1 Predefined Instance Core running in Americas"},
         **hour("2019-01-21", 9), project={"id": "project-1", "name": "project-1", "labels": []},
         location={"location": "us-west1", "country": "US", "region": "us-west1"}, cost="20",
         usage={"amount": "72000", "unit": "seconds", "amount_in_pricing_units": "20", "pricing_unit": "hour"},
         credits=[{"name": "Committed Usage Discount: CPU", "amount": -12.5},
                  {"name": "Free tier usage", "amount": -1}], cost_type="regular"),
    dict(service={"id": "24E6-581D-38E5", "description": "BigQuery"},
         sku={"id": "QUERY-1", "description": "Analysis"}, **hour("2019-01-22"),
         project={"id": "project-2", "name": "project-2", "labels": [{"key": "env", "value": "dev"}]},
         location={"location": "US", "country": "US"}, cost="3.00",
         usage={"amount": "549755813888", "unit": "bytes", "amount_in_pricing_units": "0.5",
                "pricing_unit": "tebibyte"},
         labels=[{"key": "team", "value": "analytics"}],
         credits=[{"name": "Promotion: Google Cloud Free Trial", "amount": -3.0}], cost_type="regular"),
    # the one account-level tax row of the time
    dict(service={"id": "B9FB-9E41-5C31", "description": "Invoice"}, sku={"id": "TAX-0", "description": "Tax"},
         **hour("2019-01-01"), project=None, cost="2.00", cost_type="tax", credits=[]),
    # no usage record at all, no cost
    dict(service=GCE, sku={"id": "6C71-E844-38BC", "description": "N1 Standard Instance Ram running in Americas"},
         **hour("2019-01-23"), project={"id": "project-1", "name": "project-1"}, cost="0", usage=None, credits=None),
]
# invoice month -> Σ (cost + Σ credits.amount), computed by hand from the rows above
INVOICE_TOTALS = {
    "2019-01": Decimal("38.5"),  # (70 - 40) + (20 - 12.5 - 1) + (3 - 3) + 2 + 0
    "2025-07": Decimal("45.991372"),  # (10 - 2 - 3 - 0.5 - 1.25) + 0 - 0.40 + 0.85 + 0.15 + 42.144372 - 0.003
    "2025-08": Decimal("3.8837909"),  # (-1.5 + 0.3) + 0.025132 + 0.058648 + 0 + (0.067369 - 0.0673581) + 5
}


def _value(name: str, row: dict, month: str):
    if name == "billing_account_id":
        return ACCOUNT
    if name == "currency":
        return "USD"
    if name == "currency_conversion_rate":
        return "1.0"
    if name == "cost_type":
        return row.get("cost_type", "regular")
    if name == "invoice":
        return {"month": month.replace("-", ""), "publisher_type": row.get("invoice_publisher", "GOOGLE")}
    return row.get(name)


def _literal(value, kind: str) -> str:
    if value is None:
        return "NULL"
    if kind == "JSON":
        text = value if isinstance(value, str) else json.dumps(value)
        return "'" + text.replace("'", "''") + "'::JSON"
    return f"CAST('{value}' AS {kind})"


def write_export(con, *, export: str, source_format: str, months: dict[str, list[dict]], columns: list[str]) -> None:
    """Raw table gcp_billing.<export> and its import_state rows, one import per invoice month."""
    table = export.replace("-", "_")
    con.sql("CREATE SCHEMA IF NOT EXISTS gcp_billing")
    con.sql(f"CREATE TABLE gcp_billing.{table} ({', '.join(f'{c} {TYPES[c]}' for c in columns)})")
    for month, rows in months.items():
        import_id = f"{export}-{month}-import"
        lineage = {"billing_period": month, "manifest_id": f"{export}-{month}", "source_file": f"{export}.jsonl",
                   "import_id": import_id}
        for row in rows:
            if month == "2019-01":
                # the 2019 table: the export's own invoice record had no publisher_type yet
                row = dict(row, invoice_publisher=None)
            values = [_literal(lineage[c] if c in lineage else _value(c, row, month), TYPES[c]) for c in columns]
            if month == "2019-01":
                values[columns.index("invoice")] = _literal({"month": "201901"}, "JSON")
            con.sql(f"INSERT INTO gcp_billing.{table} ({', '.join(columns)}) VALUES ({', '.join(values)})")
        state.record_import(con, provider="gcp", export=export, billing_period=month, source_format=source_format,
                            raw_table=f"gcp_billing.{table}", import_id=import_id, manifest_id=f"{export}-{month}",
                            manifest_path=f"{export}/{month}", fingerprint=import_id,
                            files=[{"key": f"{export}.jsonl", "size": 1, "etag": None}], rows_loaded=len(rows),
                            cost_total=None)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gcp_focus")
    database = tmp / "finops.duckdb"
    with duckdb.connect(str(database)) as con:
        write_export(con, export="gcp-detailed", source_format="detailed",
                     months={"2025-07": JULY, "2025-08": AUGUST}, columns=list(TYPES))
        write_export(con, export="gcp-standard-2019", source_format="standard", months={"2019-01": JANUARY_2019},
                     columns=STANDARD_2019)
    proc, status = dbt_build(tmp, database, "--threads", "4")
    return proc, database, status


def focus(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.sql(sql).fetchall()


def test_build_and_every_data_test_pass(built):
    proc, _, status = built
    assert proc.returncode == 0, proc.stdout[-6000:]
    for test in ("assert_gcp_billed_cost_reconciles_to_raw", "assert_gcp_row_counts_match_import_state",
                 "assert_focus_rows_match_import_state", "assert_staging_models_deliver_focus_columns"):
        ran = [s for uid, s in status.items() if test in uid.split(".")[-2:]]
        assert ran == ["pass"], test
    assert any(".stg_gcp__billing." in uid for uid in status), "the GCP unit tests ran"
    assert all(s in ("pass", "success", "warn") for s in status.values()), {k: s for k, s in status.items()
                                                                            if s not in ("pass", "success", "warn")}


def test_billed_cost_is_the_invoice_total_per_month(built):
    _, database, _ = built
    rows = focus(database, """
        SELECT x_BillingPeriod, sum(BilledCost), sum(EffectiveCost) FROM focus.cost_and_usage
        WHERE x_Provider = 'gcp' GROUP BY ALL ORDER BY 1""")
    assert rows == [(month, total, total) for month, total in sorted(INVOICE_TOTALS.items())]


def test_credit_rows(built):
    _, database, _ = built
    rows = focus(database, """
        SELECT x_BillingPeriod, x_CreditType, ChargeDescription, BilledCost, EffectiveCost, ListCost, ContractedCost,
            ChargeClass, SubAccountId, ServiceName, SkuId, RegionId, PricingQuantity, ConsumedQuantity,
            PricingCategory, strftime(ChargePeriodStart, '%Y-%m-%d %H')
        FROM focus_staging.stg_gcp__billing WHERE ChargeCategory = 'Credit' ORDER BY x_BillingPeriod, BilledCost""")
    assert rows == [
        ("2019-01", None, "Promotion: Google Cloud Free Trial", Decimal(-3), Decimal(-3), Decimal(-3), Decimal(-3),
         None, "project-2", "BigQuery", "QUERY-1", None, None, None, None, "2019-01-22 00"),
        ("2019-01", None, "Free tier usage", Decimal(-1), Decimal(-1), Decimal(-1), Decimal(-1),
         None, "project-1", "Compute Engine", "CP-CORE", "us-west1", None, None, None, "2019-01-21 09"),
        ("2025-07", "PROMOTION", "Free Trial credit", Decimal("-1.25"), Decimal("-1.25"), Decimal("-1.25"),
         Decimal("-1.25"), None, "web-shop-prod", "Compute Engine", "2E27-4F75-95CD", "us-central1", None, None,
         None, "2025-07-03 10"),
        ("2025-07", "FREE_TIER", "Free tier usage", Decimal("-0.5"), Decimal("-0.5"), Decimal("-0.5"),
         Decimal("-0.5"), None, "web-shop-prod", "Compute Engine", "2E27-4F75-95CD", "us-central1", None, None,
         None, "2025-07-03 10"),
    ]
    # discount credits are netted on their row: the GCE hour with SUD and CUD credits, the 2019 RAM
    # hour with a sustained-use credit by name, the core hour with a committed-use credit by name
    netted = focus(database, """
        SELECT x_BillingPeriod, SkuId, x_Cost, BilledCost, ListCost, ContractedCost, PricingCategory,
            json_array_length(x_Credits)
        FROM focus_staging.stg_gcp__billing WHERE ChargeCategory = 'Usage' AND x_Cost > BilledCost
        ORDER BY x_BillingPeriod, SkuId""")
    assert netted == [
        ("2019-01", "6C71-E844-38BC", Decimal(70), Decimal(30), Decimal(70), Decimal(70), "Standard", 1),
        ("2019-01", "CP-CORE", Decimal(20), Decimal("7.5"), Decimal(20), Decimal(20), "Committed", 1),
        ("2025-07", "2E27-4F75-95CD", Decimal(10), Decimal(5), Decimal(12), Decimal(10), "Committed", 2),
    ]


def test_charge_categories_and_classes(built):
    _, database, _ = built
    rows = focus(database, """
        SELECT x_BillingPeriod, x_ChargeType, ChargeCategory, ChargeClass, ChargeFrequency, count(*), sum(BilledCost)
        FROM focus.cost_and_usage WHERE x_Provider = 'gcp' GROUP BY ALL ORDER BY ALL""")
    assert rows == [
        ("2019-01", "regular", "Credit", None, "Usage-Based", 2, Decimal(-4)),
        ("2019-01", "regular", "Usage", None, "Usage-Based", 4, Decimal("40.5")),
        ("2019-01", "tax", "Tax", None, "One-Time", 1, Decimal(2)),
        ("2025-07", "regular", "Credit", None, "Usage-Based", 2, Decimal("-1.75")),
        ("2025-07", "regular", "Usage", None, "Usage-Based", 4, Decimal("46.744372")),
        ("2025-07", "rounding_error", "Adjustment", None, "One-Time", 1, Decimal("-0.003")),
        ("2025-07", "tax", "Tax", None, "One-Time", 2, Decimal(1)),
        ("2025-08", "adjustment", "Adjustment", "Correction", "One-Time", 1, Decimal("-1.2")),
        ("2025-08", "regular", "Purchase", None, "Recurring", 2, Decimal("0.0000109")),
        ("2025-08", "regular", "Usage", None, "Usage-Based", 3, Decimal("5.08378")),
    ]
    # the adjustment keeps its July usage times, in the August invoice
    assert focus(database, """
        SELECT strftime(ChargePeriodStart, '%Y-%m-%d'), strftime(BillingPeriodStart, '%Y-%m-%d %H'), x_AdjustmentType
        FROM focus_staging.stg_gcp__billing WHERE ChargeCategory = 'Adjustment' AND ChargeClass = 'Correction'
        """) == [("2025-07-10", "2025-08-01 07", "USAGE_CORRECTION")]


def test_july_2025_commitment_model(built):
    _, database, _ = built
    rows = focus(database, """
        SELECT SkuId, ChargeCategory, PricingCategory, BilledCost, ContractedCost, CommitmentDiscountId,
            CommitmentDiscountCategory, CommitmentDiscountStatus, CommitmentDiscountName, CommitmentDiscountQuantity,
            CommitmentDiscountUnit, SkuPriceId
        FROM focus.cost_and_usage WHERE x_BillingPeriod = '2025-08' AND x_ChargeType = 'regular'
          AND ServiceName = 'Compute Engine' ORDER BY ChargeCategory, BilledCost""")
    assert rows == [
        ("5515-81A8-03A2", "Purchase", "Standard", Decimal(0), Decimal("0.025132"), CUD_SUB, "Spend", None,
         "Commitment - dollar based v1: GCE for 1 year", Decimal("0.025132"), "USD", "5515-81A8-03A2/0"),
        ("5515-81A8-03A2", "Purchase", "Standard", Decimal("0.0000109"), Decimal("0.067369"), CUD_SUB, "Spend", None,
         "Commitment - dollar based v1: GCE for 1 year", Decimal("0.067369"), "USD", "5515-81A8-03A2/0"),
        ("CF7A-1A2B-3C4D", "Usage", "Committed", Decimal("0.025132"), Decimal("0.034905"), CUD_SUB, "Spend", "Used",
         "Compute Flexible CUDs 1 Year", Decimal("0.025132"), "USD", "CF7A-1A2B-3C4D/0/7754-699E-0EBF"),
        ("CF7A-1A2B-3C4D", "Usage", "Standard", Decimal("0.058648"), Decimal("0.058648"), None, None, None,
         None, None, None, "CF7A-1A2B-3C4D/0"),
    ]


def test_accounts_periods_and_parties(built):
    _, database, _ = built
    rows = focus(database, """
        SELECT DISTINCT x_BillingPeriod, BillingAccountId, BillingAccountType, strftime(BillingPeriodStart,
            '%Y-%m-%d %H:%M'), strftime(BillingPeriodEnd, '%Y-%m-%d %H:%M')
        FROM focus.cost_and_usage WHERE x_Provider = 'gcp' ORDER BY 1""")
    # midnight in Los Angeles: 08:00 UTC in winter (PST), 07:00 in summer (PDT); end exclusive
    assert rows == [
        ("2019-01", ACCOUNT, "Billing Account", "2019-01-01 08:00", "2019-02-01 08:00"),
        ("2025-07", ACCOUNT, "Billing Account", "2025-07-01 07:00", "2025-08-01 07:00"),
        ("2025-08", ACCOUNT, "Billing Account", "2025-08-01 07:00", "2025-09-01 07:00"),
    ]
    sub_accounts = focus(database, """
        SELECT DISTINCT SubAccountId, SubAccountName, SubAccountType FROM focus.cost_and_usage
        WHERE x_Provider = 'gcp' ORDER BY ALL""")
    assert sub_accounts == [("data-lake", "Data Lake", "Project"), ("project-1", "project-1", "Project"),
                            ("project-2", "project-2", "Project"), ("web-shop-prod", "Web Shop", "Project"),
                            (None, None, None)]
    # Support and the rounding error: no project, no location
    assert focus(database, """
        SELECT ServiceName, ServiceCategory, ServiceSubcategory, SubAccountId, RegionId, ChargeCategory, PricingUnit,
            round(ListUnitPrice * PricingQuantity - ListCost, 9)
        FROM focus.cost_and_usage WHERE x_Provider = 'gcp' AND x_BillingPeriod = '2025-07' AND SubAccountId IS NULL
        ORDER BY ServiceName""") == [
        ("Other", "Other", "Other (Other)", None, None, "Adjustment", None, None),
        ("Support", "Management and Governance", "Support", None, None, "Usage", "Months", Decimal(0)),
    ]
    parties = focus(database, """
        SELECT DISTINCT ProviderName, PublisherName, InvoiceIssuerName FROM focus.cost_and_usage
        WHERE x_Provider = 'gcp' ORDER BY ALL""")
    # the partner publishes; Google bills and collects, also on a split (PARTNER) invoice
    assert parties == [("Google Cloud", "Acme Partner Inc.", "Google Cloud"),
                       ("Google Cloud", "Google Cloud", "Google Cloud")]


def test_tags_resource_region_and_units(built):
    _, database, _ = built
    (tags, resource_type, resource_name, region, zone, unit, consumed_unit, list_price, sku_price), = focus(
        database, """
        SELECT Tags, ResourceType, ResourceName, RegionName, AvailabilityZone, PricingUnit, ConsumedUnit,
            ListUnitPrice, SkuPriceId
        FROM focus.cost_and_usage WHERE x_BillingPeriod = '2025-07' AND ChargeCategory = 'Usage'
          AND ResourceName = 'vm-1' AND BilledCost > 0""")
    assert json.loads(tags) == {
        "app": "shop",  # the label wins over the tag without namespace
        "empty": "",
        "123456789012/env": "prod",
        "compute.googleapis.com/machine_spec": "n1-standard-4",
        "goog-resource-type": "compute.googleapis.com/Instance",
        "gcp-project-label/cost-center": "cc-1",
    }
    assert (resource_type, resource_name, region, zone, unit, consumed_unit, list_price, sku_price) == (
        "compute.instances", "vm-1", "Iowa", "us-central1-a", "Hours", "Seconds", Decimal("1.2"), "2E27-4F75-95CD/0")
    assert focus(database, """
        SELECT ResourceType, RegionId, PricingUnit, ConsumedUnit, Tags FROM focus.cost_and_usage
        WHERE ServiceName = 'Cloud Storage'""") == [("storage.buckets", None, "GiB-Months", "B-Seconds", None)]
    # the standard 2019 table: no resource columns; project labels and labels
    (resource_id, tags), = focus(database, """
        SELECT ResourceId, Tags FROM focus.cost_and_usage WHERE ServiceName = 'BigQuery' AND ChargeCategory = 'Usage'
        """)
    assert (resource_id, json.loads(tags)) == (None, {"team": "analytics", "gcp-project-label/env": "dev"})
    # unit price x PricingQuantity = the cost on every priced row (to 12 decimals)
    assert focus(database, """
        SELECT count(*) FROM focus.cost_and_usage WHERE x_Provider = 'gcp' AND PricingQuantity IS NOT NULL
          AND (abs(ListUnitPrice * PricingQuantity - ListCost) > 0.000000001
               OR abs(ContractedUnitPrice * PricingQuantity - ContractedCost) > 0.000000001)""") == [(0,)]


def test_gcp_rows_pass_the_focus_validator(built, tmp_path, focus_validator):
    _, database, _ = built
    out = tmp_path / "gcp-focus.parquet"
    assert export_focus(database, out, "parquet", provider="Google Cloud") == 22
    focus_validator(out)


def test_spend_based_cud_utilization_is_what_the_fee_offset_says(built):
    """Google writes no unused rows: the fee's part the covered usage did not offset is the unused
    commitment. 2 August: the fee (0.025132) is offset whole by the covered usage (0.025132);
    3 August: 0.0673581 of 0.067369 offset, 0.0000109 unused (rate_optimization.commitment_utilization)."""
    _, database, _ = built
    rows = focus(database, f"""
        SELECT strftime(charge_date, '%Y-%m-%d'), used_quantity, unused_quantity, unused_cost, utilization_pct
        FROM rate_optimization.commitment_utilization WHERE commitment_id = '{CUD_SUB}' ORDER BY charge_date""")
    assert rows == [("2025-08-02", Decimal("0.025132"), 0, 0, 100.0),
                    ("2025-08-03", 0, Decimal("0.0000109"), Decimal("0.0000109"), 0.0)]
