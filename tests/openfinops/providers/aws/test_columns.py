"""Column naming and typing (openfinops.providers.aws.columns): legacy CUR, CUR 2.0 and FOCUS names onto the raw
schema."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest

from openfinops.importing.lineage import DECIMAL_SQL
from openfinops.importing.sql import literal, quote
from openfinops.providers.aws.columns import (
    column_type,
    json_object_sql,
    select_list,
    snake_case,
    tag_key,
    v1_column_name,
)


@pytest.mark.parametrize("header, expected", [
    ("lineItem/UnblendedCost", "line_item_unblended_cost"),
    ("bill/PayerAccountId", "bill_payer_account_id"),
    ("reservation/ReservationARN", "reservation_reservation_a_r_n"),
    ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"),
    ("product/servicecode", "product_servicecode"),
    ("pricing/publicOnDemandCost", "pricing_public_on_demand_cost"),
    ("product/fromLocation", "product_from_location"),
    ("identity/TimeInterval", "identity_time_interval"),
    ("identity/LineItemId", "identity_line_item_id"),
    ("lineItem/UsageStartDate", "line_item_usage_start_date"),
    ("bill/BillingPeriodStartDate", "bill_billing_period_start_date"),
    ("product/ProductName", "product_product_name"),
    ("pricing/LeaseContractLength", "pricing_lease_contract_length"),
    # Athena/Parquet flavour of legacy CUR: already snake_case, kept as is.
    ("line_item_unblended_cost", "line_item_unblended_cost"),
])
def test_v1_column_name(header, expected):
    assert v1_column_name(header) == expected


@pytest.mark.parametrize("name, expected", [
    # CUR 2.0 names pass through unchanged
    ("line_item_unblended_cost", "line_item_unblended_cost"),
    ("savings_plan_savings_plan_a_r_n", "savings_plan_savings_plan_a_r_n"),
    # FOCUS names
    ("BilledCost", "billed_cost"),
    ("ChargePeriodStart", "charge_period_start"),
    ("SkuPriceId", "sku_price_id"),
    ("Tags", "tags"),
    ("x_ServiceCode", "x_service_code"),
    ("x_UsageType", "x_usage_type"),
    ("x_CostCategories", "x_cost_categories"),
])
def test_snake_case(name, expected):
    assert snake_case(name) == expected


@pytest.mark.parametrize("header, expected", [
    ("resourceTags/user:Team", ("resource_tags", "user_Team")),
    ("resourceTags/aws:createdBy", ("resource_tags", "aws_createdBy")),
    ("resourceTags/user:cost-center", ("resource_tags", "user_cost-center")),
    ("costCategory/Team", ("cost_category", "Team")),
    ("costCategory/Business Unit", ("cost_category", "Business Unit")),
    # Parquet legacy CUR writes tag columns already flattened
    ("resource_tags_user_team", ("resource_tags", "user_team")),
    ("cost_category_team", ("cost_category", "team")),
])
def test_tag_key_folds_tag_columns(header, expected):
    assert tag_key(header) == expected


@pytest.mark.parametrize("header", [
    "lineItem/UnblendedCost",
    "product/servicecode",       # product/* stays as columns in legacy CUR
    "discount/TotalDiscount",
    "resource_tags",             # the CUR 2.0 map column itself
    "resourceTags/",             # no key
    "line_item_resource_id",
])
def test_tag_key_leaves_other_columns(header):
    assert tag_key(header) is None


@pytest.mark.parametrize("name, manifest_type, expected", [
    # known CUR 2.0 columns: by name, whatever the manifest says
    ("line_item_unblended_cost", "String", "decimal"),
    ("line_item_unblended_cost", "double", "decimal"),
    ("line_item_usage_start_date", "String", "timestamp"),
    ("bill_payer_account_id", "bigint", "text"),       # account ids keep their leading zeros
    ("line_item_usage_account_id", "OptionalBigDecimal", "text"),
    ("identity_time_interval", "Interval", "text"),
    ("resource_tags", "string", "json"),
    ("product", "map<string,string>", "json"),
    ("reservation_number_of_reservations", "OptionalString", "decimal"),
    # unknown columns: by manifest type (legacy CUR, CUR 2.0/FOCUS manifests, DuckDB types)
    ("some_new_cost", "BigDecimal", "decimal"),
    ("some_new_cost", "OptionalBigDecimal", "decimal"),
    ("some_new_cost", "double", "decimal"),
    ("some_new_cost", "decimal", "decimal"),
    ("some_new_cost", "decimal(38,10)", "decimal"),
    ("some_new_cost", "DECIMAL(18,3)", "decimal"),
    ("some_new_date", "DateTime", "timestamp"),
    ("some_new_date", "timestamp", "timestamp"),
    ("some_new_date", "TIMESTAMP WITH TIME ZONE", "timestamp"),
    ("some_new_day", "date", "date"),
    ("some_new_text", "String", "text"),
    ("some_new_text", "OptionalString", "text"),
    ("some_new_text", "VARCHAR", "text"),
    ("some_new_map", "map<string,string>", "json"),
    ("some_new_map", "map<string,double>", "json"),
    ("some_new_map", "MAP(VARCHAR, VARCHAR)", "json"),
    ("some_new_struct", "struct<a:string>", "json"),
    ("some_new_count", "bigint", "bigint"),
    ("some_new_count", "INTEGER", "bigint"),
    ("some_new_flag", "boolean", "bool"),
])
def test_column_type(name, manifest_type, expected):
    assert column_type(name, manifest_type) == expected


# --------------------------------------------------------------------------- select_list through DuckDB
V1_HEADER = [
    "identity/LineItemId",
    "bill/PayerAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UnblendedCost",
    "lineItem/UsageAmount",
    "product/servicecode",
    "resourceTags/aws:createdBy",
    "resourceTags/user:Team",
    "costCategory/BusinessUnit",
]
V1_MANIFEST_TYPES = {
    "identity/LineItemId": "String", "bill/PayerAccountId": "String", "lineItem/LineItemType": "String",
    "lineItem/UsageStartDate": "DateTime", "lineItem/UnblendedCost": "BigDecimal",
    "lineItem/UsageAmount": "OptionalBigDecimal", "product/servicecode": "OptionalString",
    "resourceTags/aws:createdBy": "OptionalString", "resourceTags/user:Team": "OptionalString",
    "costCategory/BusinessUnit": "OptionalString",
}
V1_ROWS = [
    # id, payer, type, start, cost, amount, service, createdBy, team, business unit
    ("r1", "012345678901", "Usage", "2026-09-01T00:00:00Z", "0.0960000000", "1", "AmazonEC2", "", "web", "Eng"),
    ("r2", "012345678901", "Tax", "2026-09-01T00:00:00Z", "1.25", "", "", "", "", ""),
    ("r3", "012345678901", "Credit", "2026-09-02T13:00:00Z", " -0.5 ", " ", "AmazonS3", "root", "", ""),
]


def _select(expressions):
    return ", ".join(f"{sql} AS {quote(name)}" for name, sql in expressions.items())


def _run(header, rows, manifest_types, cur_version, source_types=None):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    values = ", ".join("(" + ", ".join("'" + v.replace("'", "''") + "'" for v in row) + ")" for row in rows)
    con.execute(f"CREATE TABLE src AS SELECT * FROM (VALUES {values}) AS t({', '.join(map(quote, header))})")
    source_types = source_types or {h: "VARCHAR" for h in header}
    expressions, types = select_list(header, source_types, manifest_types, cur_version)
    relation = con.sql(f"SELECT {_select(expressions)} FROM src")
    result = [dict(zip(relation.columns, r)) for r in relation.fetchall()]
    return result, dict(zip(relation.columns, map(str, relation.types))), types


def test_select_list_v1_types_and_names():
    rows, sql_types, types = _run(V1_HEADER, V1_ROWS, V1_MANIFEST_TYPES, "v1")

    assert list(sql_types) == [
        "identity_line_item_id", "bill_payer_account_id", "line_item_line_item_type", "line_item_usage_start_date",
        "line_item_unblended_cost", "line_item_usage_amount", "product_servicecode", "resource_tags",
        "cost_category"]
    assert types == {
        "identity_line_item_id": "text", "bill_payer_account_id": "text", "line_item_line_item_type": "text",
        "line_item_usage_start_date": "timestamp", "line_item_unblended_cost": "decimal",
        "line_item_usage_amount": "decimal", "product_servicecode": "text", "resource_tags": "json",
        "cost_category": "json"}
    assert sql_types["line_item_unblended_cost"] == DECIMAL_SQL == "DECIMAL(38,12)"
    assert sql_types["line_item_usage_start_date"] == "TIMESTAMP WITH TIME ZONE"
    assert sql_types["bill_payer_account_id"] == "VARCHAR"
    assert sql_types["resource_tags"] == "JSON"
    assert rows[0]["bill_payer_account_id"] == "012345678901"
    assert rows[0]["line_item_unblended_cost"] == Decimal("0.096")
    assert rows[0]["line_item_usage_start_date"].isoformat() == "2026-09-01T00:00:00+00:00"


def test_select_list_v1_empty_cells_become_null():
    rows, _, _ = _run(V1_HEADER, V1_ROWS, V1_MANIFEST_TYPES, "v1")

    assert rows[1]["line_item_usage_amount"] is None             # '' in a decimal column
    assert rows[2]["line_item_usage_amount"] is None             # ' ' in a decimal column
    assert rows[2]["line_item_unblended_cost"] == Decimal("-0.5")  # padded number still parses


def test_select_list_v1_tags_fold_into_json():
    rows, _, _ = _run(V1_HEADER, V1_ROWS, V1_MANIFEST_TYPES, "v1")

    # empty tags are left out of the object
    assert json.loads(rows[0]["resource_tags"]) == {"user_Team": "web"}
    assert json.loads(rows[0]["cost_category"]) == {"BusinessUnit": "Eng"}
    assert json.loads(rows[2]["resource_tags"]) == {"aws_createdBy": "root"}
    # a row with no tags at all gets NULL, not {}
    assert rows[1]["resource_tags"] is None
    assert rows[1]["cost_category"] is None
    assert rows[2]["cost_category"] is None


def test_select_list_v1_null_tags_are_left_out():
    header = ["lineItem/UnblendedCost", "resourceTags/user:Team", "resourceTags/user:Env"]
    con = duckdb.connect()
    con.execute("CREATE TABLE src AS SELECT * FROM (VALUES ('1', NULL::VARCHAR, 'prod'), ('2', NULL, NULL)) "
                "AS t(\"lineItem/UnblendedCost\", \"resourceTags/user:Team\", \"resourceTags/user:Env\")")
    expressions, _ = select_list(header, {h: "VARCHAR" for h in header}, {}, "v1")

    tags = [r[-1] for r in con.sql(f"SELECT {_select(expressions)} FROM src ORDER BY 1").fetchall()]

    assert json.loads(tags[0]) == {"user_Env": "prod"}
    assert tags[1] is None


def test_select_list_does_not_fold_tags_outside_v1():
    header = ["line_item_unblended_cost", "resource_tags_user_team"]
    _, types = select_list(header, {h: "VARCHAR" for h in header}, {}, "v2")
    assert types == {"line_item_unblended_cost": "decimal", "resource_tags_user_team": "text"}


def test_select_list_v2_map_columns_become_json():
    con = duckdb.connect()
    con.execute("""CREATE TABLE src AS SELECT * FROM (VALUES
        ('0.5', MAP {'user_Team': 'web'}, MAP {'BU': 'Eng'}),
        ('0.1', MAP {}::MAP(VARCHAR, VARCHAR), NULL::MAP(VARCHAR, VARCHAR))
    ) AS t(line_item_unblended_cost, resource_tags, cost_category)""")
    header = ["line_item_unblended_cost", "resource_tags", "cost_category"]
    source_types = {h: str(t) for h, t in zip(header, con.table("src").types)}
    manifest = {"line_item_unblended_cost": "double", "resource_tags": "map<string,string>",
                "cost_category": "map<string,string>"}
    expressions, types = select_list(header, source_types, manifest, "v2")

    rows = con.sql(f"SELECT {_select(expressions)} FROM src ORDER BY 1 DESC").fetchall()

    assert types == {"line_item_unblended_cost": "decimal", "resource_tags": "json", "cost_category": "json"}
    assert json.loads(rows[0][1]) == {"user_Team": "web"} and json.loads(rows[0][2]) == {"BU": "Eng"}
    assert rows[1][1] is None  # empty map -> NULL
    assert rows[1][2] is None


def test_select_list_v2_csv_json_text():
    header = ["line_item_unblended_cost", "resource_tags"]
    rows, sql_types, _ = _run(header, [("1", '{"user_Team":"web"}'), ("2", "")],
                              {"resource_tags": "map<string,string>"}, "v2")

    assert sql_types["resource_tags"] == "JSON"
    assert json.loads(rows[0]["resource_tags"]) == {"user_Team": "web"}
    assert rows[1]["resource_tags"] is None


def test_select_list_v2_csv_empty_object_is_null_like_parquet():
    header = ["line_item_unblended_cost", "resource_tags"]
    rows, _, _ = _run(header, [("1", "{}")], {"resource_tags": "map<string,string>"}, "v2")

    assert rows[0]["resource_tags"] is None


def test_select_list_focus_names_and_types():
    header = ["BilledCost", "ChargePeriodStart", "BillingAccountId", "x_ServiceCode"]
    rows, sql_types, types = _run(
        header, [("0.00000080000", "2024-09-18 22:00:00", "1234567890123", "AmazonSQS"), ("", "", "", "")],
        {"BilledCost": "decimal", "ChargePeriodStart": "timestamp", "BillingAccountId": "string",
         "x_ServiceCode": "string"}, "focus")

    assert types == {"billed_cost": "decimal", "charge_period_start": "timestamp", "billing_account_id": "text",
                     "x_service_code": "text"}
    assert sql_types["billed_cost"] == "DECIMAL(38,12)"
    assert rows[0]["billed_cost"] == Decimal("0.0000008")
    assert rows[1]["billed_cost"] is None and rows[1]["charge_period_start"] is None


def test_json_object_sql_keeps_every_character_and_leaves_out_empty_tags():
    entries = [("user_cost center", "a"), ("user_Équipe", "b"), ('user_say "hi"', "c"), ("user_it's\\", "d"),
               ("user_Empty", "e")]
    values = ["Marketing \"Brand\"\nline 2", "Plateforme", "x", "o'k", ""]
    select = ", ".join(f"{literal(v)} AS {col}" for v, (_, col) in zip(values, entries))

    [(text,)] = duckdb.sql(f"SELECT {json_object_sql(entries)} FROM (SELECT {select})").fetchall()

    assert json.loads(text) == {"user_cost center": "Marketing \"Brand\"\nline 2", "user_Équipe": "Plateforme",
                                'user_say "hi"': "x", "user_it's\\": "o'k"}


def test_json_object_sql_is_null_without_tags():
    entries = [("user_Team", "a"), ("user_Env", "b")]

    assert duckdb.sql(f"SELECT {json_object_sql(entries)} FROM (SELECT '' AS a, NULL AS b)").fetchall() == [(None,)]
