"""Tests for the deterministic Azure cost export generator (openfinops.samples.azure_exports).

The files are read back as an importer reads them (DuckDB `read_csv` with all_varchar, headers
through `openfinops.providers.azure.columns.raw_column`), and checked against what real Azure exports
hold and how actual and amortized cost reconcile.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from openfinops.providers.azure.columns import raw_column
from openfinops.providers.azure.settings import REQUIRED_COLUMNS
from openfinops.samples.azure_exports import (
    ACTUAL,
    AMORTIZED,
    HEADERS,
    default_run_time,
    period_totals,
    write_demo,
    write_export,
)

ROWS = 300
PERIODS = ("2026-08", "2026-09")  # 2026-09: a reservation bought and returned (a Refund)
SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
EA_SAMPLE = SHARED / "azure" / "ea-usage-sample-27rows.csv"
OPEN_DATA = SHARED / "ms-finops-toolkit-open-data"
# Raw columns the FOCUS models read, which both flavours must have.
CORE = {"date", "cost_in_billing_currency", "billing_currency", "subscription_id", "subscription_name",
        "resource_group_name", "resource_id", "resource_location", "meter_category", "meter_sub_category", "meter_id",
        "meter_name", "meter_region", "unit_of_measure", "quantity", "effective_price", "unit_price", "payg_price",
        "charge_type", "pricing_model", "frequency", "publisher_type", "publisher_name", "reservation_id",
        "reservation_name", "benefit_id", "benefit_name", "consumed_service", "tags", "additional_info",
        "billing_period_start_date", "billing_period_end_date", "billing_account_id", "billing_account_name",
        "billing_profile_id", "product_name", "service_family", "term", "product_order_id", "product_order_name"}


def rows(files: list[Path]) -> duckdb.DuckDBPyRelation:
    if str(files[0]).endswith(".parquet"):
        return duckdb.read_parquet([str(f) for f in files])
    return duckdb.read_csv([str(f) for f in files], all_varchar=True, header=True)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("azure")
    found = {}
    for kind in (ACTUAL, AMORTIZED):
        for d in write_export(root, export=f"ea-{kind}", kind=kind, periods=PERIODS, rows_per_period=ROWS):
            found[(kind, d.period)] = d
    return {"root": root, "deliveries": found}


def test_v2_layout_and_manifest_match_the_files(exports):
    root = exports["root"]
    for (kind, period), d in exports["deliveries"].items():
        rel = d.manifest.relative_to(root).as_posix()
        last = {"2026-08": "20260831", "2026-09": "20260930"}[period]
        assert re.fullmatch(rf"ea-{kind}/{period.replace('-', '')}01-{last}/\d{{12}}/[0-9a-f-]{{36}}/manifest\.json",
                            rel)
        doc = json.loads(d.manifest.read_text())
        assert doc["manifestVersion"] == "2024-04-01"
        assert doc["exportConfig"]["type"] == {"actual": "ActualCost", "amortized": "AmortizedCost"}[kind]
        assert doc["exportConfig"]["exportName"] == f"ea-{kind}"
        assert doc["exportConfig"]["resourceId"].endswith(f"/providers/Microsoft.CostManagement/exports/ea-{kind}")
        assert doc["deliveryConfig"]["fileFormat"] == "Csv" and doc["deliveryConfig"]["compressionMode"] == "None"
        assert doc["runInfo"]["runId"] == d.run_id == d.folder.name
        assert doc["runInfo"]["startDate"] == f"{period}-01T00:00:00"
        assert doc["runInfo"]["endDate"] == f"{period}-{last[6:]}T00:00:00"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", doc["runInfo"]["submittedTime"])
        assert d.folder.parent.name == doc["runInfo"]["submittedTime"][:16].replace("-", "").replace("T", "").replace(
            ":", "")
        assert doc["blobCount"] == len(doc["blobs"]) == 1
        blob = doc["blobs"][0]
        path = root / blob["blobName"].split("/", 1)[1]
        assert blob["blobName"].startswith(doc["deliveryConfig"]["rootFolderPath"] + "/")
        assert path == d.files[0] and path.name == "part_0_0001.csv"
        assert blob["byteCount"] == doc["byteCount"] == path.stat().st_size
        [(count,)] = rows([path]).aggregate("count(*)").fetchall()
        assert blob["dataRowCount"] == doc["dataRowCount"] == count == d.rows == d.totals.rows(kind)


def test_ea_header_is_microsofts_and_every_header_maps_onto_one_raw_column(exports):
    d = exports["deliveries"][(ACTUAL, PERIODS[0])]
    with open(d.files[0], newline="") as f:
        header = next(csv.reader(f))
    assert header == HEADERS["ea"]
    if EA_SAMPLE.exists():
        with open(EA_SAMPLE, newline="", encoding="utf-8-sig") as f:
            assert header == next(csv.reader(f))
    for flavour in ("ea", "mca"):
        raw = [raw_column(h) for h in HEADERS[flavour]]
        assert CORE <= set(raw), CORE - set(raw)
        assert REQUIRED_COLUMNS["actual"] <= set(raw)
        assert len(set(raw)) == len(raw), "two headers of one file would land in one raw column"
    # The same field has one raw name in both flavours (PascalCase and camelCase spellings).
    assert {raw_column("ResourceGroup"), raw_column("resourceGroupName")} == {"resource_group_name"}
    assert {raw_column("BillingCurrencyCode"), raw_column("billingCurrency")} == {"billing_currency"}


def test_values_look_like_azures(exports):
    d = exports["deliveries"][(ACTUAL, "2026-09")]
    rel = rows(d.files)
    dates = {r[0] for r in rel.query("t", 'SELECT DISTINCT "Date" FROM t').fetchall()}
    assert all(re.fullmatch(r"09/\d\d/2026", x) for x in dates) and len(dates) == 30
    assert rel.query("t", "SELECT DISTINCT BillingPeriodStartDate, BillingPeriodEndDate FROM t").fetchall() == [
        ("09/01/2026", "09/30/2026")]
    text = d.files[0].read_text()
    assert re.search(r",\d\.\d+E-0\d,", text), "small numbers in scientific notation"
    assert '"""env"": ""prod"",""team"": ""web"""' in text, "EA tags without outer braces"
    q = lambda sql: rel.query("t", sql).fetchall()  # noqa: E731
    assert q("SELECT count(*) FROM t WHERE ResourceGroup IS NULL AND ChargeType = 'Usage'")[0][0] > 0
    assert q("SELECT count(*) FROM t WHERE Tags IS NULL")[0][0] > 0
    assert q("SELECT count(*) FROM t WHERE PricingModel = 'Spot'")[0][0] > 0
    assert q("SELECT count(*) FROM t WHERE ChargeType = 'Usage' AND PricingModel = 'OnDemand' "
             "AND CostInBillingCurrency = '0'")[0][0] > 0  # free tier and included quantities
    units = {u for (u,) in q("SELECT DISTINCT UnitOfMeasure FROM t")}
    assert {"10K", "1 Hour", "100 Hours", "1 GB/Month", "10 Hours"} <= units
    # Every value Microsoft's open data knows.
    if OPEN_DATA.exists():
        con = duckdb.connect()
        known_units = {u for (u,) in con.execute(f"SELECT UnitOfMeasure FROM read_csv('{OPEN_DATA}/PricingUnits.csv',"
                                                 " all_varchar=true)").fetchall()}
        regions = {r.lower() for (r,) in con.execute(f"SELECT OriginalValue FROM read_csv('{OPEN_DATA}/Regions.csv', "
                                                     "all_varchar=true)").fetchall()}
        services = con.execute(f"SELECT lower(ConsumedService), lower(ResourceType) FROM "
                               f"read_csv('{OPEN_DATA}/Services.csv', all_varchar=true)").fetchall()
        assert units <= known_units
        for column in ("ResourceLocation", "MeterRegion"):
            assert {r.lower() for (r,) in q(f"SELECT DISTINCT {column} FROM t WHERE {column} IS NOT NULL")} <= regions
        assert {s.lower() for (s,) in q("SELECT DISTINCT ConsumedService FROM t")} <= {s for s, _ in services}
        types = {t for (t,) in q(r"""SELECT DISTINCT lower(regexp_extract(ResourceId,
                    '/providers/([^/]+/[^/]+(?:/[^/]+/[^/]+)?)', 1)) FROM t""")}
        known_types = {t for _, t in services}
        for t in types:  # nested ids (servers/x/databases/y) name a type with every other segment
            provider, *rest = t.split("/")
            assert f"{provider}/{rest[0]}" in known_types or t in known_types, t


def test_actual_and_amortized_reconcile_like_azures(exports):
    for period in PERIODS:
        actual = rows(exports["deliveries"][(ACTUAL, period)].files)
        amortized = rows(exports["deliveries"][(AMORTIZED, period)].files)
        kinds = {}
        for name, rel in (("actual", actual), ("amortized", amortized)):
            kinds[name] = dict(rel.query("t", """
                SELECT ChargeType || '/' || PricingModel || '/' || PublisherType,
                       sum(CAST(CostInBillingCurrency AS DECIMAL(38, 9)))
                FROM t GROUP BY 1""").fetchall())
        a, m = kinds["actual"], kinds["amortized"]
        assert a["Usage/OnDemand/Azure"] == m["Usage/OnDemand/Azure"] and a["Usage/Spot/Azure"] == m["Usage/Spot/Azure"]
        assert a["Usage/Reservation/Azure"] == 0 < m["Usage/Reservation/Azure"]
        assert a["Usage/SavingsPlan/Azure"] == 0 < m["Usage/SavingsPlan/Azure"]
        assert "UnusedReservation/Reservation/Azure" in m and "UnusedSavingsPlan/SavingsPlan/Azure" in m
        assert not any(k.startswith("Unused") for k in a)
        assert a["Purchase/Reservation/Azure"] > 0 and a["Purchase/SavingsPlan/Azure"] > 0
        assert "Purchase/Reservation/Azure" not in m and "Purchase/SavingsPlan/Azure" not in m
        assert a["Purchase/OnDemand/Marketplace"] == m["Purchase/OnDemand/Marketplace"] > 0
        if period == "2026-09":
            assert a["Refund/Reservation/Azure"] < 0 and "Refund/Reservation/Azure" not in m
            assert actual.query("t", "SELECT DISTINCT Frequency FROM t WHERE ChargeType = 'Purchase' AND "
                                     "PricingModel = 'Reservation' ORDER BY 1").fetchall() == [("OneTime",),
                                                                                             ("Recurring",)]
        else:
            assert "Refund/Reservation/Azure" not in a
        # Covered usage is the same usage in both, with benefit columns.
        covered = "SELECT count(*), sum(CAST(Quantity AS DECIMAL(38,9))) FROM t WHERE ChargeType = 'Usage' AND " \
                  "PricingModel IN ('Reservation', 'SavingsPlan') AND benefitId IS NOT NULL AND benefitName IS NOT NULL"
        assert actual.query("t", covered).fetchall() == amortized.query("t", covered).fetchall()
        assert actual.query("t", "SELECT count(*) FROM t WHERE PricingModel = 'Reservation' AND ChargeType = 'Usage' "
                                 "AND ReservationId IS NULL").fetchall() == [(0,)]


@pytest.mark.parametrize("period", ["2026-08", "2026-09", "2026-12"])
def test_totals_hold_the_published_relationship(exports, period):
    t = period_totals(period, ROWS)
    assert t.actual - t.commitment_purchases == t.amortized - t.commitment_amortization
    assert t.actual != t.amortized
    if period in PERIODS:
        for kind in (ACTUAL, AMORTIZED):
            d = exports["deliveries"][(kind, period)]
            [(count, total)] = rows(d.files).aggregate("count(*), sum(CAST(CostInBillingCurrency AS DECIMAL(38, 9)))"
                                                       ).fetchall()
            assert (count, total) == (t.rows(kind), t.total(kind)) == (d.rows, d.total)
            assert isinstance(total, Decimal)


def test_same_seed_same_bytes(tmp_path):
    a = write_export(tmp_path / "a", periods=["2026-09"], rows_per_period=ROWS)
    b = write_export(tmp_path / "b", periods=["2026-09"], rows_per_period=ROWS)
    assert a[0].files[0].read_bytes() == b[0].files[0].read_bytes()
    assert a[0].manifest.read_text() == b[0].manifest.read_text()
    c = write_export(tmp_path / "c", periods=["2026-09"], rows_per_period=ROWS, seed=7)
    assert c[0].files[0].read_bytes() != a[0].files[0].read_bytes()


def test_restatement_is_a_new_run_with_changed_rows(tmp_path):
    from openfinops.providers.azure.config import AzureExport

    first = write_export(tmp_path, export="daily-actual", periods=["2026-09"], rows_per_period=ROWS)[0]
    again = write_export(tmp_path, export="daily-actual", periods=["2026-09"], rows_per_period=ROWS, revision=2)[0]

    assert again.folder.parent.name > first.folder.parent.name and again.run_id != first.run_id
    assert first.manifest.exists(), "the earlier run stays where it was"
    assert again.rows > first.rows and again.total != first.total
    assert again.totals == period_totals("2026-09", ROWS, revision=2)
    changed = duckdb.sql(f"""
        SELECT count(*) FROM (SELECT * FROM read_csv('{again.files[0]}', all_varchar=true)
                              EXCEPT ALL SELECT * FROM read_csv('{first.files[0]}', all_varchar=true))""").fetchone()[0]
    assert 0 < changed < again.rows / 5
    [current] = AzureExport(name="daily-actual", type="actual", path=str(tmp_path)).discover()
    assert current.manifest_id == again.run_id and current.billing_period == "2026-09"


@pytest.mark.parametrize("fmt", ["csv.gz", "parquet"])
def test_compressed_and_parquet_runs_with_several_blobs(tmp_path, fmt):
    [d] = write_export(tmp_path, export="x", kind=AMORTIZED, periods=["2026-09"], rows_per_period=ROWS, fmt=fmt,
                       files_per_period=2)
    doc = json.loads(d.manifest.read_text())
    assert doc["deliveryConfig"]["fileFormat"] == ("Parquet" if fmt == "parquet" else "Csv")
    assert doc["deliveryConfig"]["compressionMode"] == ("Snappy" if fmt == "parquet" else "Gzip")
    ext = "snappy.parquet" if fmt == "parquet" else fmt
    assert [Path(b["blobName"]).name for b in doc["blobs"]] == [f"part_{i}_0001.{ext}" for i in range(2)]
    for blob, path in zip(doc["blobs"], d.files):
        count = rows([path]).aggregate("count(*)").fetchone()[0]
        if fmt == "parquet":
            assert pq.read_metadata(path).num_rows == count
        assert blob["dataRowCount"] == count > 0 and blob["byteCount"] == path.stat().st_size
    if fmt == "csv.gz":
        assert gzip.open(d.files[0], "rt").readline().startswith("InvoiceSectionName,")
    [(total,)] = rows(d.files).aggregate("sum(CAST(CostInBillingCurrency AS DECIMAL(38, 9)))").fetchall()
    assert total == d.total == period_totals("2026-09", ROWS).amortized


def test_legacy_layout_without_manifest(tmp_path):
    from openfinops.providers.azure.config import AzureExport

    first = write_export(tmp_path, export="legacy", periods=["2026-09"], rows_per_period=ROWS, layout="legacy")[0]
    again = write_export(tmp_path, export="legacy", periods=["2026-09"], rows_per_period=ROWS, layout="legacy",
                         revision=2)[0]
    for d in (first, again):
        assert d.manifest is None
        assert re.fullmatch(r"legacy/20260901-20260930/legacy_[0-9a-f-]{36}\.csv", d.files[0].relative_to(tmp_path)
                            .as_posix())
    assert first.files[0].read_bytes().split(b"\n", 1)[0].endswith(b"\r")  # CRLF, as older exports
    assert first.files[0].stat().st_mtime == default_run_time("2026-09").timestamp()
    [current] = AzureExport(name="legacy", type="actual", path=str(tmp_path)).discover()
    assert current.path.endswith(again.files[0].name)


def test_mca_flavour(tmp_path):
    [d] = write_export(tmp_path, export="mca", flavour="mca", periods=["2026-09"], rows_per_period=ROWS,
                       open_periods=())
    rel = rows(d.files)
    assert rel.columns == HEADERS["mca"]
    assert rel.columns[:2] == ["invoiceId", "previousInvoiceId"]
    text = d.files[0].read_text()
    assert '"{""env"":""prod"",""team"":""web""}"' in text, "MCA tags are a JSON object"
    [(invoices,)] = rel.aggregate("count(DISTINCT invoiceId)").fetchall()
    assert invoices == 1
    [(total,)] = rel.aggregate("sum(CAST(costInBillingCurrency AS DECIMAL(38, 9)))").fetchall()
    assert total == period_totals("2026-09", ROWS).actual
    [open_] = write_export(tmp_path / "open", export="mca", flavour="mca", periods=["2026-09"], rows_per_period=ROWS,
                           open_periods=["2026-09"])
    assert rows(open_.files).aggregate("count(invoiceId)").fetchone() == (0,)


def test_demo_writes_both_exports_of_the_same_usage(tmp_path):
    now = datetime(2026, 10, 2, 8, 0, tzinfo=timezone.utc)
    deliveries = write_demo(tmp_path, 100, periods=["2026-08"], run_time=now)
    assert sorted((d.export, d.kind) for d in deliveries) == [("demo-azure-actual", "actual"),
                                                             ("demo-azure-amortized", "amortized")]
    assert all(d.folder.parent.name == "202610020800" for d in deliveries)
    assert deliveries[0].totals == deliveries[1].totals
