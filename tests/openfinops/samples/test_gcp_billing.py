"""Tests for the deterministic GCP Cloud Billing export generator (openfinops.samples.gcp_billing).

Rows are checked against the BigQuery JSON schemas the importer uses (openfinops/providers/gcp/schemas),
against what Google documents the export to hold, and read back from the files the writers produce.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from openfinops.providers.gcp.settings import DETAILED, STANDARD, bigquery_schema
from openfinops.samples.gcp_billing import (
    appends,
    arrow_schema,
    corrections,
    generate,
    generate_tables,
    invoice_totals,
    main,
    write_jsonl,
    write_parquet,
)

ROWS = 400
MONTHS = ("2025-06", "2025-07")  # the spend-based CUD data model changed with invoice month 2025-07
MONEY = {"cost", "amount", "cost_at_list", "cost_at_effective_price_default", "cost_at_list_consumption_model"}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return generate(MONTHS, ROWS)


@pytest.fixture(scope="module")
def files(rows, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("gcp")
    write_jsonl(rows, root / "export.jsonl")
    write_jsonl(rows, root / "export.jsonl.gz", gzip=True)
    write_parquet(rows, root / "export.parquet")
    return {"jsonl": root / "export.jsonl", "gz": root / "export.jsonl.gz", "parquet": root / "export.parquet"}


def by_month(rows, month):
    return [r for r in rows if r["invoice"]["month"] == month.replace("-", "")]


def validate(value, field: dict, path: str) -> None:
    """`value` is what BigQuery holds for `field` (name, type, mode of the schema JSON)."""
    if field.get("mode") == "REPEATED":
        assert isinstance(value, list), path  # a repeated field is never NULL, at most []
        for item in value:
            validate(item, {**field, "mode": "NULLABLE"}, path + "[]")
        return
    if value is None:
        return
    kind = field["type"]
    if kind == "RECORD":
        assert isinstance(value, dict), path
        assert list(value) == [f["name"] for f in field["fields"]], path
        for f in field["fields"]:
            validate(value[f["name"]], f, f"{path}.{f['name']}")
    elif kind == "STRING":
        assert isinstance(value, str), path
    elif kind == "TIMESTAMP":
        assert isinstance(value, datetime) and value.utcoffset() == timedelta(0), path
    elif kind == "FLOAT":
        assert isinstance(value, float), path
        if field["name"] in MONEY and not path.startswith("usage"):  # money has at most 6 decimals, as Google's
            assert Decimal(repr(value)).as_tuple().exponent >= -6, (path, value)
    elif kind == "NUMERIC":
        assert isinstance(value, Decimal) and value.as_tuple().exponent >= -9, path
    elif kind == "BOOLEAN":
        assert isinstance(value, bool), path
    else:
        raise AssertionError(f"unexpected type {kind} at {path}")


def test_deterministic_for_a_seed():
    assert generate(["2025-08"], 120) == generate(["2025-08"], 120)
    assert generate(["2025-08"], 120, seed=7) != generate(["2025-08"], 120)
    # the fast form holds the same rows
    assert [r for t in generate_tables(["2025-08"], 120) for r in t.to_pylist()] == generate(["2025-08"], 120)


@pytest.mark.parametrize("detailed", [True, False])
def test_every_row_validates_against_the_bigquery_schema(detailed):
    schema = bigquery_schema(DETAILED if detailed else STANDARD)
    assert arrow_schema(detailed).names == [f["name"] for f in schema]
    for row in generate(["2020-06", "2023-08", *MONTHS], 150, detailed=detailed):
        assert list(row) == [f["name"] for f in schema]
        for f in schema:
            validate(row[f["name"]], f, f["name"])


def test_realistic_features_are_present(rows):
    credit_types = {c["type"] for r in rows for c in r["credits"]}
    assert {"SUSTAINED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE",
            "FREE_TIER", "PROMOTION", "FEE_UTILIZATION_OFFSET"} <= credit_types
    assert all(c["amount"] <= 0 for r in rows for c in r["credits"])
    services = {r["service"]["description"] for r in rows}
    assert {"Compute Engine", "Cloud Storage", "BigQuery", "Cloud SQL", "Networking", "Cloud Run",
            "Support"} <= services
    units = {(r["usage"]["unit"], r["usage"]["pricing_unit"]) for r in rows if r["usage"]}
    assert {("byte-seconds", "gibibyte month"), ("bytes", "tebibyte"), ("bytes", "gibibyte"),
            ("requests", "count"), ("seconds", "hour")} <= units
    # projects with numbers, labels (one with an empty value) and ancestors up to the organisation
    projects = {r["project"]["id"]: r["project"] for r in rows if r["project"]}
    assert len(projects) == 5
    for p in projects.values():
        assert p["number"].isdigit() and p["ancestry_numbers"].startswith("/417928365012/")
        assert p["ancestors"][0]["resource_name"] == f"projects/{p['number']}"
        assert p["ancestors"][-1]["resource_name"].startswith("organizations/")
    assert any(lbl["value"] == "" for r in rows for lbl in r["labels"])
    assert any(lbl["value"] == "" for p in projects.values() for lbl in p["labels"])
    assert any(t["inherited"] is True for r in rows for t in r["tags"])
    assert any(t["inherited"] is False and t["namespace"] for r in rows for t in r["tags"])
    assert any(s["key"] == "compute.googleapis.com/machine_spec" for r in rows for s in r["system_labels"])
    # zone, region, multi-region and global locations
    locations = [r["location"] for r in rows if r["location"]]
    assert any(loc["zone"] for loc in locations)
    assert any(loc["region"] and not loc["zone"] for loc in locations)
    assert any(loc["location"] in ("us", "eu") and loc["region"] is None for loc in locations)
    assert any(loc["location"] == "global" for loc in locations)
    # resources with global names (detailed only)
    assert any(r["resource"] and r["resource"]["global_name"].startswith("//compute.googleapis.com/projects/")
               for r in rows)
    # account-level Support without project and location
    support = [r for r in rows if r["service"]["description"] == "Support"]
    assert support and all(r["project"] is None and r["location"] is None for r in support)
    # cost types
    for month in MONTHS:
        mrows = by_month(rows, month)
        types = {r["cost_type"] for r in mrows}
        assert types == {"regular", "tax", "adjustment", "rounding_error"}
        taxes = [r for r in mrows if r["cost_type"] == "tax"]
        assert len({r["project"]["id"] for r in taxes}) == len(taxes) >= 4  # one per project
        assert all(r["transaction_type"] is None for r in mrows if r["cost_type"] != "regular")
        adjustment, = [r for r in mrows if r["cost_type"] == "adjustment"]
        assert adjustment["cost"] < 0
        assert set(adjustment["adjustment_info"]) == {"id", "description", "mode", "type"}
        assert adjustment["usage_start_time"] < min(r["usage_start_time"] for r in mrows if r["cost_type"] == "tax")
        assert adjustment["usage_start_time"].strftime("%Y-%m") < month  # issued after its usage month
        # late usage: the last day of the month before, invoiced in this month
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=timezone.utc)
        late = [r for r in mrows if r["cost_type"] == "regular" and r["usage_start_time"] < start]
        assert late and all(r["usage_start_time"] >= start - timedelta(days=1) for r in late)
        assert any(r["cost"] == 0 and r["usage"]["amount"] > 0 for r in mrows if r["usage"])  # zero-cost rows
        assert any(r["seller_name"] and r["invoice"]["publisher_type"] == "PARTNER" for r in mrows)
        assert all(r["currency"] == "USD" and r["currency_conversion_rate"] == 1.0 for r in mrows)


def test_the_july_2025_cud_model_and_the_fields_older_months_lack(rows):
    june, july = by_month(rows, "2025-06"), by_month(rows, "2025-07")
    assert all(r["consumption_model"] is None and r["cost_at_effective_price_default"] is None for r in june)
    assert all(r["price"] is None or r["price"]["list_price"] is None for r in june)
    assert any(c["type"] == "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE" for r in june for c in r["credits"])
    regular = [r for r in july if r["cost_type"] == "regular"]
    assert all(r["consumption_model"] and r["price"]["list_price"] is not None for r in regular)
    covered = [r for r in regular if r["consumption_model"]["description"] != "Default"]
    assert covered and all(r["credits"] == [] or all(c["type"] == "PROMOTION" for c in r["credits"]) for r in covered)
    for r in covered:  # the CUD price is lower than the default one, and the subscription is named
        assert r["price"]["effective_price"] < r["price"]["effective_price_default"] <= r["price"]["list_price"]
        assert r["cost"] < r["cost_at_effective_price_default"]
        assert r["subscription"]["instance_id"].startswith("subscriptions/")
    fees = [r for r in july if r["sku"]["description"].startswith("Commitment - dollar based v1")]
    assert fees and all(r["consumption_model"]["description"] == "Default" for r in fees)
    assert any(c["type"] == "FEE_UTILIZATION_OFFSET" and -c["amount"] <= r["cost"] for r in fees for c in r["credits"])
    assert not any(c["type"] == "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE" for r in july for c in r["credits"])
    # the standard table has price only from 2025-07; the detailed one from 2023-05
    std = generate(MONTHS, 50, detailed=False)
    assert all(r["price"] is None for r in by_month(std, "2025-06"))
    assert any(r["price"] for r in by_month(std, "2025-07"))
    old = generate(["2020-06"], 80)
    assert all(c["type"] is None and c["name"] for r in old for c in r["credits"])
    assert all(r["tags"] == [] and r["price"] is None and r["cost_at_list"] is None and r["resource"] is None
               and (r["project"] is None or r["project"]["number"] is None) for r in old)


def test_rows_are_appended_in_daily_batches(rows):
    batches = appends(rows)
    times = [t for t, _ in batches]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(r["export_time"] == t for t, batch in batches for r in batch)
    assert sum(len(b) for _, b in batches) == len(rows)
    assert len(batches) >= 55  # about one a day over two months
    for r in rows:
        assert r["export_time"] > r["usage_end_time"] or r["cost_type"] == "adjustment"
        if r["cost_type"] == "regular" and r["usage"]:
            assert r["export_time"] - r["usage_end_time"] < timedelta(days=3)  # late usage: over a day
    # the first append of a month also holds the last usage of the month before
    assert any(len({r["invoice"]["month"] for r in b}) == 2 for _, b in batches)


def test_invoice_totals_equal_the_jsonl_file(rows, files):
    totals = invoice_totals(rows)
    assert list(totals) == list(MONTHS)
    for path in (files["jsonl"], files["gz"]):
        opener = __import__("gzip").open if path.suffix == ".gz" else open
        recomputed: dict[str, Decimal] = {}
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line, parse_float=Decimal)
                m = row["invoice"]["month"]
                key = f"{m[:4]}-{m[4:]}"
                recomputed[key] = recomputed.get(key, Decimal(0)) + Decimal(row["cost"]) + sum(
                    (Decimal(c["amount"]) for c in row["credits"]), Decimal(0))
        assert recomputed == totals
    # the rounding_error row brings every invoice to whole cents
    assert all(t == t.quantize(Decimal("0.01")) for t in totals.values())


def test_jsonl_is_formatted_as_bigquery_extracts_it(files):
    first = files["jsonl"].read_text(encoding="utf-8").splitlines()
    row = json.loads(first[0])
    assert row["usage_start_time"].endswith(" UTC") and "T" not in row["usage_start_time"][:19]
    assert isinstance(row["cost"], float) and isinstance(row["price"]["effective_price"], str)
    assert "adjustment_info" not in row and "seller_name" not in row  # NULL fields are left out
    assert all(isinstance(row[k], list) for k in ("labels", "credits", "system_labels", "tags"))
    support = next(json.loads(line) for line in first if '"Support"' in line)
    assert "project" not in support and "location" not in support


def test_jsonl_and_parquet_read_back_with_duckdb_agree(rows, files):
    con = duckdb.connect()
    jsonl = con.execute(f"SELECT count(*), sum(cost::DECIMAL(38, 9)) FROM read_json('{files['jsonl']}', "
                        "format = 'newline_delimited')").fetchone()
    parquet = con.execute(f"SELECT count(*), sum(cost::DECIMAL(38, 9)) FROM read_parquet('{files['parquet']}')"
                          ).fetchone()
    assert jsonl == parquet
    assert jsonl[0] == len(rows)
    assert jsonl[1] == sum(Decimal(repr(r["cost"])) for r in rows)
    assert pq.read_schema(files["parquet"]).equals(arrow_schema(True))
    assert str(arrow_schema(True).field("price").type.field("effective_price").type) == "decimal128(38, 9)"
    assert str(arrow_schema(True).field("export_time").type) == "timestamp[us, tz=UTC]"
    assert pq.read_table(files["parquet"]).to_pylist() == rows


def test_corrections_negate_and_reissue_as_google_documents():
    month = "2025-07"
    original = generate([month], ROWS)
    later = corrections(month, ROWS)
    assert all(r["invoice"]["month"] == "202507" for r in later)
    last_export = max(r["export_time"] for r in original)
    assert all(r["export_time"] > datetime(2025, 8, 2, tzinfo=timezone.utc) for r in later)
    assert all(r["export_time"] < datetime(2025, 8, 5, 12, tzinfo=timezone.utc) for r in later)
    assert min(r["export_time"] for r in later) > min(last_export, datetime(2025, 8, 2, tzinfo=timezone.utc))

    changed = ("cost", "credits", "usage", "export_time", "cost_at_list", "cost_at_effective_price_default",
               "cost_at_list_consumption_model")

    def key(r):
        rest = {k: v for k, v in r.items() if k not in changed}
        return json.dumps(rest, default=str, sort_keys=True)

    originals = {key(r): r for r in original}
    negations = [r for r in later if r["cost"] < 0]
    assert len(negations) >= 3
    for neg in negations:
        orig = originals[key(neg)]  # every other field equals the original's
        assert neg["cost"] == -orig["cost"] and neg["usage"]["amount"] == -orig["usage"]["amount"]
        assert [c["amount"] for c in neg["credits"]] == [-c["amount"] for c in orig["credits"]]
        reissued = [r for r in later if key(r) == key(neg) and r["cost"] > 0]
        assert len(reissued) == 1 and reissued[0]["cost"] == round(orig["cost"] * 0.9, 6)
        assert reissued[0]["export_time"] == neg["export_time"]
    # late usage of the month's last day, arriving days later
    late = [r for r in later if key(r) not in originals]
    assert late and all(r["usage_start_time"] >= datetime(2025, 7, 31, 7, tzinfo=timezone.utc) for r in late)
    assert all(r["export_time"] - r["usage_end_time"] > timedelta(hours=24) for r in late)
    # appended on top of the closed month, they change its total by exactly their own sum
    before, after = invoice_totals(original)[month], invoice_totals(original + later)[month]
    assert after - before == invoice_totals(later)[month]
    assert copy.deepcopy(later) == corrections(month, ROWS)  # deterministic


def test_another_currency_converts_costs_and_prices():
    usd = generate(["2025-08"], 80)
    eur = generate(["2025-08"], 80, currency="EUR", currency_conversion_rate=0.92)
    assert all(r["currency"] == "EUR" and r["currency_conversion_rate"] == 0.92 for r in eur)
    for a, b in zip(usd, eur):
        if a["cost_type"] == "regular" and a["price"] and a["cost"] > 1 and a["service"]["description"] != "Support":
            assert b["cost"] == pytest.approx(a["cost"] * 0.92, abs=2e-6)
            assert b["price"]["effective_price"] == (a["price"]["effective_price"] * Decimal("0.92")).quantize(
                Decimal("1e-9"))
    with pytest.raises(ValueError):
        generate(["2025-08"], 10, currency="EUR")


def test_cli_writes_a_file_per_month(tmp_path, capsys):
    main(["--out", str(tmp_path), "--months", "2025-09", "--rows", "50", "--format", "parquet"])
    written = list(tmp_path.glob("*.parquet"))
    assert len(written) == 1 and "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9" in written[0].name
    assert "2025-09" in capsys.readouterr().out
