"""The dbt project with a second provider next to AWS, and with a staging model that lacks a FOCUS
column: what its own tests cannot show on AWS-only data.

Each test copies transformations/ to a temporary folder, adds a made-up provider ("Other Cloud",
importer key `othercloud`) the way a real one is added (a staging model, one union line, seed rows,
an import_state row), and runs `dbt build` on a small hand-made database: two AWS CUR 2.0 line items
(one with an unused reservation part, so staging derives a row) and one row of the other provider.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from openfinops.warehouse import state

PROJECT = Path(__file__).resolve().parents[2] / "transformations"
DBT = Path(sys.executable).with_name("dbt")
FOCUS_COLUMNS = re.findall(r"\('(\w+)', '([^']+)'\)", (PROJECT / "macros" / "focus_columns.sql").read_text())
# The x_ columns of the cost_and_usage contract: every staging model delivers them.
X_COLUMNS = ("x_ChargeType", "x_InvoicingEntity", "x_UsageType", "x_Operation", "x_ServiceCode", "x_LineItemId",
             "x_ResourceGroupName",
             "x_Provider", "x_SourceExport", "x_SourceFormat", "x_ManifestId", "x_ImportId", "x_BillingPeriod",
             "x_SourceFile")

AWS_ROWS = """
    SELECT * FROM (VALUES
        ('Usage', 1.00, NULL, NULL, 'AmazonEC2', 'us-east-1', 'OnDemand'),
        ('RIFee', 2.00, 0.50, 'arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1', 'AmazonEC2',
         'us-east-1', 'Reserved')
    ) AS t(line_item_line_item_type, line_item_unblended_cost, reservation_unused_recurring_fee,
           reservation_reservation_a_r_n, line_item_product_code, product_region_code, pricing_term)
"""
# One Usage row in FOCUS columns: the other provider's raw data, which its staging model passes on.
OTHER_ROW = {
    "BilledCost": "10.00", "EffectiveCost": "10.00", "ListCost": "10.00", "ContractedCost": "10.00",
    "BillingAccountId": "'oc-account'", "BillingAccountType": "'Billing Account'", "BillingCurrency": "'USD'",
    "BillingPeriodStart": "'2026-09-01 00:00:00+00'", "BillingPeriodEnd": "'2026-10-01 00:00:00+00'",
    "ChargePeriodStart": "'2026-09-02 00:00:00+00'", "ChargePeriodEnd": "'2026-09-02 01:00:00+00'",
    "ChargeCategory": "'Usage'", "ChargeFrequency": "'Usage-Based'", "PricingCategory": "'Standard'",
    "PricingQuantity": "1", "PricingUnit": "'Hours'", "ConsumedQuantity": "1", "ConsumedUnit": "'Hours'",
    "InvoiceIssuerName": "'Other Cloud'", "ProviderName": "'Other Cloud'", "PublisherName": "'Other Cloud'",
    "RegionId": "'us-east-1'",
    "x_ServiceCode": "'AmazonEC2'",  # the same code as an AWS service: the seeds tell them apart by provider
    "x_Provider": "'othercloud'", "x_SourceExport": "'oc-export'", "x_SourceFormat": "'focus'",
    "x_ManifestId": "'oc-manifest'", "x_ImportId": "'oc-import'", "x_BillingPeriod": "'2026-09'",
    "x_SourceFile": "'oc.parquet'",
}


def make_database(path: Path, other_columns: list[tuple[str, str]]) -> None:
    """finops_state, one AWS CUR 2.0 table and the other provider's raw table with `other_columns`."""
    with duckdb.connect(str(path)) as con:
        # The importers' bookkeeping tables, as they write them
        for provider, export, source_format, raw_table, prefix, rows in [
                ("aws", "cur", "v2", "aws_billing.cur", "aws", 2),
                ("othercloud", "oc-export", "focus", "othercloud_billing.costs", "oc", 1)]:
            state.record_import(con, provider=provider, export=export, billing_period="2026-09",
                                source_format=source_format, raw_table=raw_table, import_id=f"{prefix}-import",
                                manifest_id=f"{prefix}-manifest", manifest_path=f"{prefix}/manifest.json",
                                fingerprint=prefix, files=[{"key": f"{prefix}/data", "size": 1, "etag": None}],
                                rows_loaded=rows, cost_total=None)
        con.sql("CREATE SCHEMA aws_billing")
        con.sql(f"""CREATE TABLE aws_billing.cur AS SELECT
            *,
            '111111111111' AS bill_payer_account_id,
            '222222222222' AS line_item_usage_account_id,
            TIMESTAMPTZ '2026-09-01 00:00:00+00' AS bill_billing_period_start_date,
            TIMESTAMPTZ '2026-10-01 00:00:00+00' AS bill_billing_period_end_date,
            TIMESTAMPTZ '2026-09-02 00:00:00+00' AS line_item_usage_start_date,
            TIMESTAMPTZ '2026-09-02 01:00:00+00' AS line_item_usage_end_date,
            1.0 AS line_item_usage_amount,
            CASE WHEN reservation_unused_recurring_fee IS NOT NULL THEN 0.25 END AS reservation_unused_quantity,
            'Hrs' AS pricing_unit,
            'USD' AS line_item_currency_code,
            '2026-09' AS billing_period,
            'aws-import' AS import_id,
            'aws-manifest' AS manifest_id,
            'cur.parquet' AS source_file,
            -- read by the reconciliation tests, which expect the importer's full column set
            NULL::DECIMAL(38,12) AS savings_plan_savings_plan_effective_cost,
            NULL::DECIMAL(38,12) AS savings_plan_total_commitment_to_date,
            NULL::DECIMAL(38,12) AS savings_plan_used_commitment,
            NULL::DECIMAL(38,12) AS reservation_effective_cost,
            NULL::DECIMAL(38,12) AS reservation_unused_amortized_upfront_fee_for_billing_period
            FROM ({AWS_ROWS})""")
        con.sql("CREATE SCHEMA othercloud_billing")
        values = ", ".join(f"CAST({OTHER_ROW.get(name, 'NULL')} AS {data_type}) AS {name}"
                           for name, data_type in other_columns)
        con.sql(f"CREATE TABLE othercloud_billing.costs AS SELECT {values}")


def add_other_provider(project: Path) -> None:
    """What adding a provider takes: a staging model, a union line, its seed rows."""
    staging = project / "models" / "staging" / "othercloud"
    staging.mkdir()
    (staging / "stg_othercloud__costs.sql").write_text("select * from othercloud_billing.costs\n")
    unioned = project / "models" / "intermediate" / "int_costs_unioned.sql"
    text = unioned.read_text()
    last = "    select * from {{ ref('stg_aws__focus_export') }}\n"
    assert last in text
    unioned.write_text(text.replace(last, last + "    union all by name\n"
                                    "    select * from {{ ref('stg_othercloud__costs') }}\n"))
    with open(project / "seeds" / "services.csv", "a") as f:
        f.write("Other Cloud,AmazonEC2,Other Cloud Machines,Compute,Virtual Machines\n")
    with open(project / "seeds" / "regions.csv", "a") as f:
        f.write("Other Cloud,us-east-1,Other Cloud East\n")


def dbt_build(tmp_path: Path, other_columns: list[tuple[str, str]]) -> tuple[subprocess.CompletedProcess, Path, dict]:
    """Build the project with the other provider added; the dbt process, the database, node -> status."""
    project = tmp_path / "transformations"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    add_other_provider(project)
    database = tmp_path / "finops.duckdb"
    make_database(database, other_columns)
    env = dict(os.environ, OPEN_FINOPS_DATABASE=str(database), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    # unit tests are left out: they test the AWS mappings, not the data
    proc = subprocess.run([str(DBT), "build", "--project-dir", str(project), "--profiles-dir", str(project),
                           "--exclude", "test_type:unit", "--threads", "4"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600)
    results = json.loads((project / "target" / "run_results.json").read_text())
    status = {r["unique_id"].split(".")[2]: r["status"] for r in results["results"]}
    return proc, database, status


def test_a_second_provider_adds_rows_and_every_test_holds(tmp_path):
    proc, database, status = dbt_build(tmp_path, FOCUS_COLUMNS + [(name, "varchar") for name in X_COLUMNS])

    assert proc.returncode == 0, proc.stdout[-4000:]
    # the AWS reconciliation checks ran, on the AWS rows only
    for test in ("assert_aws_billed_cost_reconciles_to_raw", "assert_aws_effective_cost_reconciles_to_raw",
                 "assert_aws_row_counts_match_import_state", "assert_focus_rows_match_import_state",
                 "assert_staging_models_deliver_focus_columns"):
        assert status[test] == "pass", test
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.sql("""
            SELECT x_Provider, ProviderName, count(*), sum(BilledCost), sum(EffectiveCost),
                string_agg(DISTINCT ServiceName), string_agg(DISTINCT RegionName)
            FROM focus.cost_and_usage GROUP BY ALL ORDER BY ALL""").fetchall()
    # AWS: usage 1.00, RI fee 2.00 billed, its unused 0.50 as a derived row
    assert [r[:3] for r in rows] == [("aws", "AWS", 3), ("othercloud", "Other Cloud", 1)]
    assert [(float(r[3]), float(r[4])) for r in rows] == [(3.0, 1.5), (10.0, 10.0)]
    # the same service code and region id name different things per provider
    assert [r[5:] for r in rows] == [("Amazon Elastic Compute Cloud", "US East (N. Virginia)"),
                                     ("Other Cloud Machines", "Other Cloud East")]


def test_a_staging_model_without_a_focus_column_stops_the_build(tmp_path):
    columns = [c for c in FOCUS_COLUMNS if c[0] != "Tags"] + [("Labels", "json")]
    proc, database, status = dbt_build(tmp_path, columns + [(name, "varchar") for name in X_COLUMNS])

    assert proc.returncode != 0
    assert ("stg_othercloud__costs does not deliver the FOCUS column set: missing [Tags], unexpected [Labels]"
            in proc.stdout), proc.stdout[-4000:]
    assert status["assert_staging_models_deliver_focus_columns"] == "error"
    assert status["cost_and_usage"] == "skipped"
