"""Tests for the deterministic AWS CUR sample generator (openfinops.samples.aws_cur).

Besides layouts and determinism, these check that the generated bills hold what real AWS
bills hold (free tier rows, open months, discounts, split cost allocation, odd tags, ...),
read back from the files as an importer would read them.
"""

import gzip
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from openfinops.samples.aws_cur import MARKETPLACE_PRODUCT, write_cur_v1, write_cur_v2, write_demo

ROWS = 300
LINE_ITEM_TYPES = {"Usage", "DiscountedUsage", "RIFee", "Fee", "SavingsPlanCoveredUsage", "SavingsPlanNegation",
                   "SavingsPlanRecurringFee", "Tax", "Credit", "Refund", "EdpDiscount", "PrivateRateDiscount",
                   "BundledDiscount"}


def _local(root: Path, key: str, prefix: str) -> Path:
    """Map a key as written in a manifest (relative to the bucket) back onto root."""
    assert key.startswith(prefix + "/"), key
    return root / key[len(prefix) + 1:]


def _v1_rows(paths: list[Path]):
    files = ", ".join(f"'{p}'" for p in paths)
    return duckdb.sql(f"select * from read_csv([{files}], all_varchar=true, union_by_name=true)")


def _v1_total(root: Path, manifest: Path) -> float:
    m = json.loads(manifest.read_text())
    rel = _v1_rows([_local(root, k, "cur") for k in m["reportKeys"]])
    return duckdb.sql('select sum("lineItem/UnblendedCost"::decimal(38,10)) from rel').fetchone()[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    write_demo(root, rows_per_period=ROWS)
    return root


def test_v1_layout_and_manifest(demo):
    base = demo / "cur-v1" / "demo-cur-v1"
    assert sorted(p.name for p in base.iterdir()) == ["20260801-20260901", "20260901-20261001",
                                                      "20261001-20261101"]
    manifest = json.loads((base / "20260901-20261001" / "demo-cur-v1-Manifest.json").read_text())
    assembly = manifest["assemblyId"]
    assert manifest["billingPeriod"] == {"start": "20260901T000000.000Z", "end": "20261001T000000.000Z"}
    assert manifest["reportKeys"] == [f"cur/demo-cur-v1/20260901-20261001/{assembly}/demo-cur-v1-0000{i}.csv.gz"
                                      for i in (1, 2)]
    assert manifest["compression"] == "GZIP" and manifest["contentType"] == "text/csv"
    assert manifest["bucket"] == "demo-billing" and manifest["account"] == "012345678901"
    # new-version: a copy of the manifest lives inside the assembly folder too
    assert (base / "20260901-20261001" / assembly / "demo-cur-v1-Manifest.json").exists()
    for key in manifest["reportKeys"]:
        path = _local(demo / "cur-v1", key, "cur")
        header = gzip.open(path, "rt").readline().replace('"', "").strip().split(",")
        assert header == [f'{c["category"]}/{c["name"]}' for c in manifest["columns"]]
    types = {c["type"] for c in manifest["columns"]}
    assert types <= {"String", "OptionalString", "DateTime", "BigDecimal", "OptionalBigDecimal", "Interval"}


def test_v1_schema_drift(demo):
    base = demo / "cur-v1" / "demo-cur-v1"
    cols = {}
    for period in ("20260801-20260901", "20260901-20261001"):
        m = json.loads((base / period / "demo-cur-v1-Manifest.json").read_text())
        cols[period] = {f'{c["category"]}/{c["name"]}' for c in m["columns"]}
    first, second = cols["20260801-20260901"], cols["20260901-20261001"]
    assert not any(c.startswith("savingsPlan/") for c in first)
    assert "savingsPlan/SavingsPlanEffectiveCost" in second
    assert "resourceTags/user:CostCenter" not in first and "resourceTags/user:CostCenter" in second


def test_v1_restatement_new_version(demo):
    period = demo / "cur-v1" / "demo-cur-v1" / "20261001-20261101"
    assemblies = [p for p in period.iterdir() if p.is_dir()]
    assert len(assemblies) == 2  # revision 1 and revision 2 side by side
    latest = json.loads((period / "demo-cur-v1-Manifest.json").read_text())
    old = next(p for p in assemblies if p.name != latest["assemblyId"])
    old_manifest = old / "demo-cur-v1-Manifest.json"
    assert _v1_total(demo / "cur-v1", period / "demo-cur-v1-Manifest.json") != \
        _v1_total(demo / "cur-v1", old_manifest)


def test_line_item_types_and_leading_zero_accounts(demo):
    paths = []
    for manifest in (demo / "cur-v1" / "demo-cur-v1").glob("*/demo-cur-v1-Manifest.json"):
        paths += [_local(demo / "cur-v1", k, "cur") for k in json.loads(manifest.read_text())["reportKeys"]]
    rel = _v1_rows(paths)
    types = {r[0] for r in duckdb.sql('select distinct "lineItem/LineItemType" from rel').fetchall()}
    assert LINE_ITEM_TYPES <= types
    accounts = {r[0] for r in duckdb.sql('select distinct "lineItem/UsageAccountId" from rel').fetchall()}
    assert {"012345678901", "000987654321", "098765432109"} <= accounts
    assert all(len(a) == 12 for a in accounts)
    # RI covered usage is free in unblended terms but carries an effective cost
    ri = duckdb.sql("""select max("lineItem/UnblendedCost"::double), min("reservation/EffectiveCost"::double)
                       from rel where "lineItem/LineItemType" = 'DiscountedUsage'""").fetchone()
    assert ri[0] == 0 and ri[1] > 0
    # Savings Plan negations cancel the covered on-demand cost exactly
    sp = duckdb.sql("""select sum("lineItem/UnblendedCost"::decimal(38,10)) from rel
                       where "lineItem/LineItemType" in ('SavingsPlanCoveredUsage', 'SavingsPlanNegation')""")
    assert sp.fetchone()[0] == 0
    assert duckdb.sql("""select count(*) from rel where "lineItem/LineItemType" = 'Usage'
                         and "lineItem/UsageType" like '%SpotUsage:%'""").fetchone()[0] > 0


def test_v2_layout_manifest_and_parquet(demo):
    base = demo / "cur2" / "demo-cur2"
    manifest = json.loads((base / "metadata" / "BILLING_PERIOD=2026-09" / "demo-cur2-Manifest.json").read_text())
    assert manifest["dataFiles"] == [
        f"s3://demo-billing/cur2/demo-cur2/data/BILLING_PERIOD=2026-09/demo-cur2-0000{i}.snappy.parquet"
        for i in (1, 2)]
    assert manifest["billingPeriod"] == {"start": "2026-09-01T00:00:00.000Z", "end": "2026-10-01T00:00:00.000Z"}
    assert manifest["exportArn"].startswith("arn:aws:bcm-data-exports:us-east-1:012345678901:export/demo-cur2-")
    schemas = []
    for uri in manifest["dataFiles"]:
        path = _local(demo / "cur2", uri.removeprefix("s3://demo-billing/"), "cur2")
        schemas.append(pq.read_schema(path))
    assert [c["name"] for c in manifest["columns"]] == schemas[0].names
    # CUR 2.0 has a fixed schema: every month has the same columns
    m8 = json.loads((base / "metadata" / "BILLING_PERIOD=2026-08" / "demo-cur2-Manifest.json").read_text())
    assert m8["columns"] == manifest["columns"]
    s = schemas[0]
    tags = s.field("resource_tags").type
    assert pa.types.is_map(tags) and tags.key_type == pa.string() and tags.item_type == pa.string()
    assert str(s.field("line_item_unblended_cost").type) == "double"
    assert str(s.field("line_item_usage_start_date").type).startswith("timestamp")
    files = [str(_local(demo / "cur2", u.removeprefix("s3://demo-billing/"), "cur2")) for u in manifest["dataFiles"]]
    keys = {r[0] for r in duckdb.sql(
        f"select distinct unnest(map_keys(resource_tags)) from read_parquet({files})").fetchall()}
    assert keys == {"user_Team", "user_Environment", "user_CostCenter", "aws_createdBy", "user_cost center",
                    "user_Équipe", "user_app.kubernetes.io/name"}


def test_v1_and_v2_describe_the_same_bill(demo):
    v1 = _v1_total(demo / "cur-v1", next((demo / "cur-v1" / "demo-cur-v1").glob("20260901-*/*-Manifest.json")))
    v2 = duckdb.sql(f"""select sum(line_item_unblended_cost) from
        '{demo}/cur2/demo-cur2/data/BILLING_PERIOD=2026-09/*.parquet'""").fetchone()[0]
    assert float(v1) == pytest.approx(v2, abs=0.01)


def test_deterministic(tmp_path):
    for run in ("a", "b"):
        write_cur_v1(tmp_path / run, periods=("2026-09",), rows_per_period=ROWS)
        write_cur_v2(tmp_path / run, periods=("2026-09",), rows_per_period=ROWS)
    for path in sorted((tmp_path / "a").rglob("*")):
        if path.is_file():
            other = tmp_path / "b" / path.relative_to(tmp_path / "a")
            if path.name.endswith(".gz"):  # gzip headers carry no name/mtime from pyarrow, but compare content
                assert gzip.decompress(path.read_bytes()) == gzip.decompress(other.read_bytes()), path
            else:
                assert path.read_bytes() == other.read_bytes(), path
    other_seed = write_cur_v1(tmp_path / "c", periods=("2026-09",), rows_per_period=ROWS, seed=7)[0]
    a = json.loads((tmp_path / "a" / "demo-cur-v1" / "20260901-20261001" / "demo-cur-v1-Manifest.json").read_text())
    assert json.loads(other_seed.read_text())["assemblyId"] != a["assemblyId"]


def test_v1_overwrite_zip_and_restatement(tmp_path):
    m1 = write_cur_v1(tmp_path, periods=("2026-10",), rows_per_period=ROWS, delivery="overwrite",
                      compression="ZIP", files_per_period=1)[0]
    first = json.loads(m1.read_text())
    total1 = _zip_total(tmp_path, first)
    m2 = write_cur_v1(tmp_path, periods=("2026-10",), rows_per_period=ROWS, delivery="overwrite",
                      compression="ZIP", files_per_period=1, revision=2)[0]
    second = json.loads(m2.read_text())
    assert m1 == m2 and second["assemblyId"] != first["assemblyId"]
    assert second["reportKeys"] == ["cur/demo-cur-v1/20261001-20261101/demo-cur-v1-00001.csv.zip"]
    period_dir = tmp_path / "demo-cur-v1" / "20261001-20261101"
    assert sorted(p.name for p in period_dir.iterdir()) == ["demo-cur-v1-00001.csv.zip", "demo-cur-v1-Manifest.json"]
    assert _zip_total(tmp_path, second) != total1


def _zip_total(root: Path, manifest: dict) -> float:
    path = _local(root, manifest["reportKeys"][0], "cur")
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["demo-cur-v1-00001.csv"]
        csv = root / "extracted.csv"
        csv.write_bytes(zf.read("demo-cur-v1-00001.csv"))
    rel = _v1_rows([csv])
    return duckdb.sql('select sum("lineItem/UnblendedCost"::decimal(38,10)) from rel').fetchone()[0]


def test_v2_new_version_csv(tmp_path):
    write_cur_v2(tmp_path, periods=("2026-10",), rows_per_period=ROWS, delivery="new-version", fmt="csv")
    m = write_cur_v2(tmp_path, periods=("2026-10",), rows_per_period=ROWS, delivery="new-version", fmt="csv",
                     revision=2)[0]
    manifest = json.loads(m.read_text())
    execution = manifest["executionId"]
    assert manifest["dataFiles"][0] == (f"s3://demo-billing/cur2/demo-cur2/data/BILLING_PERIOD=2026-10/"
                                        f"{execution}/demo-cur2-00001.csv.gz")
    data = tmp_path / "demo-cur2" / "data" / "BILLING_PERIOD=2026-10"
    assert len([p for p in data.iterdir() if p.is_dir()]) == 2
    assert (tmp_path / "demo-cur2" / "metadata" / "BILLING_PERIOD=2026-10" / execution /
            "demo-cur2-Manifest.json").exists()
    files = [str(_local(tmp_path, u.removeprefix("s3://demo-billing/"), "cur2")) for u in manifest["dataFiles"]]
    row = duckdb.sql(f"""select bill_payer_account_id, resource_tags from read_csv({files}, all_varchar=true)
                         where resource_tags like '%user_Team%' limit 1""").fetchone()
    assert row[0] == "012345678901" and json.loads(row[1])["user_Team"]


# --------------------------------------------------------------------------- what real bills hold
BILL_PERIODS = ("2026-08", "2026-09", "2026-10", "2026-11")  # discounts from 09, AWS EMEA from 10, 11 still open
BILL_ROWS = 600
DISCOUNTS = ("EdpDiscount", "PrivateRateDiscount", "BundledDiscount")


@pytest.fixture(scope="module")
def bill(tmp_path_factory):
    """One bill as legacy CUR, CUR 2.0 Parquet and CUR 2.0 CSV, queryable as v1, v2 and v2csv (all
    columns of v1 as the text in the file)."""
    root = tmp_path_factory.mktemp("bill")
    kw = {"periods": BILL_PERIODS, "rows_per_period": BILL_ROWS, "open_periods": ("2026-11",)}
    write_cur_v1(root / "cur", **kw)
    write_cur_v2(root / "cur2", **kw)
    write_cur_v2(root / "cur2csv", fmt="csv", **kw)
    v1_files = []
    for manifest in sorted((root / "cur" / "demo-cur-v1").glob("*/demo-cur-v1-Manifest.json")):
        v1_files += [str(_local(root / "cur", k, "cur")) for k in json.loads(manifest.read_text())["reportKeys"]]
    con = duckdb.connect()
    con.execute(f"""create view v1 as select "bill/BillingPeriodStartDate"[:7] as period, *
                    from read_csv({v1_files}, all_varchar=true, union_by_name=true)""")
    con.execute(f"""create view v2 as select BILLING_PERIOD as period, *
                    from read_parquet('{root}/cur2/demo-cur2/data/*/*.parquet', hive_partitioning=true)""")
    con.execute(f"""create view v2csv as select BILLING_PERIOD as period, *
                    from read_csv('{root}/cur2csv/demo-cur2/data/*/*.csv.gz', all_varchar=true,
                                  hive_partitioning=true)""")
    return root, con


def _v1_headers(root: Path, period_folder: str) -> list[str]:
    manifest = json.loads((root / "cur" / "demo-cur-v1" / period_folder / "demo-cur-v1-Manifest.json").read_text())
    return [f'{c["category"]}/{c["name"]}' for c in manifest["columns"]]


def _one(con, sql: str):
    return con.sql(sql).fetchone()


def _set(con, sql: str) -> set:
    return {r[0] for r in con.sql(sql).fetchall()}


def test_v1_columns_appear_only_when_used(bill):
    root, con = bill
    for folder in ("20260801-20260901", "20260901-20261001", "20261001-20261101", "20261101-20261201"):
        headers = _v1_headers(root, folder)
        counts = _one(con, "select " + ", ".join(f"count(nullif(\"{h}\", ''))" for h in headers)
                      + f" from v1 where period = '{folder[:4]}-{folder[4:6]}'")
        unused = [h for h, count in zip(headers, counts) if count == 0]
        assert unused == (["bill/InvoiceId"] if folder.startswith("202611") else []), folder  # open: not invoiced


def test_free_tier_and_zero_cost_usage(bill):
    _, con = bill
    # Free tier / free usage: billed at $0 for a positive amount, some without a pricing term, public
    # on-demand cost 0 (data transfer in) or small and positive (free tier), as in real bills.
    v1 = _one(con, """select count(*), count(*) filter ("pricing/term" is null),
                             count(*) filter ("pricing/publicOnDemandCost"::double = 0),
                             count(*) filter ("pricing/publicOnDemandCost"::double > 0),
                             count(*) filter ("lineItem/LineItemDescription" like '$0.00%'),
                             count(*) filter ("lineItem/LineItemDescription" like '$0 for % under the free tier')
                      from v1 where "lineItem/LineItemType" = 'Usage' and "lineItem/UnblendedCost"::decimal(38,10) = 0
                        and "lineItem/UnblendedRate"::decimal(38,10) = 0 and "lineItem/UsageAmount"::double > 0""")
    assert all(count > 0 for count in v1), v1
    v2 = _one(con, """select count(*), count(*) filter (pricing_term is null), count(*) filter (
                             pricing_public_on_demand_cost > 0)
                      from v2 where line_item_line_item_type = 'Usage' and line_item_unblended_cost = 0
                        and line_item_unblended_rate = 0 and line_item_usage_amount > 0""")
    assert all(count > 0 for count in v2), v2
    # The legacy CSV writes numbers as AWS does: 1.0, 0.0041666667, and below 0.001 9.984E-7 style.
    tiny = con.sql("""select "lineItem/UsageAmount" from v1
                      where regexp_full_match("lineItem/UsageAmount", '[1-9]\\.[0-9]+E-[0-9]+')""").fetchall()
    assert tiny and all(0 < float(t) < 0.001 for (t,) in tiny)
    assert _one(con, """select count(*) from v1
                        where regexp_full_match("lineItem/UnblendedRate", '[1-9]\\.[0-9]*E-[0-9]+')""")[0] > 0
    assert _one(con, """select count(*) from v1 where "lineItem/UsageAmount" = '1.0'""")[0] > 0
    assert _one(con, """select count(*) from v1 where "lineItem/UsageAmount" like '%E%'
                        and "lineItem/UsageAmount"::double >= 0.001""")[0] == 0


def test_open_month_has_no_invoice_ids(bill, tmp_path):
    _, con = bill
    for view, column in (("v1", '"bill/InvoiceId"'), ("v2", "bill_invoice_id"), ("v2csv", "bill_invoice_id")):
        invoiced = dict(con.sql(f"select period, count({column}) = count(*) from {view} group by all").fetchall())
        missing = dict(con.sql(f"select period, count({column}) = 0 from {view} group by all").fetchall())
        assert invoiced == {"2026-08": True, "2026-09": True, "2026-10": True, "2026-11": False}, view
        assert missing["2026-11"], view
    # By default the current UTC month (not yet invoiced) is open and past months are closed.
    this_month = datetime.now(timezone.utc).strftime("%Y-%m")
    write_cur_v2(tmp_path, periods=("2025-06", this_month), rows_per_period=50, files_per_period=1)
    ids = dict(duckdb.sql(f"""select BILLING_PERIOD, count(bill_invoice_id) from
        read_parquet('{tmp_path}/demo-cur2/data/*/*.parquet', hive_partitioning=true) group by all""").fetchall())
    assert ids[this_month] == 0 and ids["2025-06"] > 0


def test_account_names_only_in_cur2_and_not_for_every_account(bill):
    root, con = bill
    for folder in ("20260801-20260901", "20261101-20261201"):
        assert not [h for h in _v1_headers(root, folder) if "name" in h.lower() and "account" in h.lower()]
    names = dict(con.sql("""select line_item_usage_account_id, any_value(line_item_usage_account_name)
                            from v2 group by all""").fetchall())
    assert len(names) == 5 and None in names.values() and len([n for n in names.values() if n]) == 4
    assert _set(con, "select distinct bill_payer_account_name from v2") == {"Demo Org Management"}


REAL_UNITS = {"Hrs", "Hours", "GB-Mo", "GB-Month", "GB", "Requests", "Request", "API Request", "API Requests",
              "Obj-Month", "Dashboards", "Events", "Keys", "Operations", "IOPS-Mo", "Lambda-GB-Second", "Second",
              "vCPU-Hours", "ACU-Hr", "LCU-Hrs", "GB-Hours", "ReadRequestUnits", "WriteRequestUnits", "Count",
              "Alarms", "Metrics", "Queries", "DPU-Hour", "GiBps-mo"}


def test_pricing_units_as_aws_spells_them(bill):
    _, con = bill
    v1 = _set(con, 'select distinct "pricing/unit" from v1')
    v2 = _set(con, "select distinct pricing_unit from v2")
    assert REAL_UNITS <= v1 and None in v1
    assert REAL_UNITS <= v2 and None in v2
    # Units sit on plausible usage types, e.g. Aurora Serverless v2 capacity in ACU-Hr.
    aurora = _set(con, """select distinct "lineItem/UsageType" from v1 where "pricing/unit" = 'ACU-Hr'""")
    assert {u.split("-", 1)[-1] for u in aurora} == {"Aurora:ServerlessV2Usage"}  # without the region prefix
    assert _set(con, """select distinct "lineItem/ProductCode" from v1
                        where "pricing/unit" = 'LCU-Hrs'""") == {"AWSELB"}


def test_marketplace_lines_are_billed_by_the_seller(bill):
    _, con = bill
    for view, entity, legal, code, name, kind, invoice in (
            ("v1", '"bill/BillingEntity"', '"lineItem/LegalEntity"', '"lineItem/ProductCode"',
             '"product/ProductName"', '"lineItem/LineItemType"', '"bill/InvoiceId"'),
            ("v2", "bill_billing_entity", "line_item_legal_entity", "line_item_product_code",
             "product['product_name']", "line_item_line_item_type", "bill_invoice_id")):
        assert _set(con, f"select distinct {entity} from {view}") == {"AWS", "AWS Marketplace"}
        marketplace = con.sql(f"""select distinct {legal}, {code}, {name}, {kind} from {view}
                                  where {entity} = 'AWS Marketplace'""").fetchall()
        assert {r[:3] for r in marketplace} == {("Example Analytics, Inc.", MARKETPLACE_PRODUCT,
                                                 "Example Analytics Platform")}
        assert {r[3] for r in marketplace} == {"Usage", "Tax"}
        # Marketplace charges are invoiced apart from AWS's.
        assert _one(con, f"""select count(distinct {invoice}) from {view} where period = '2026-09'""")[0] == 2


def test_negotiated_discounts_and_net_columns(bill):
    root, con = bill
    august, september = _v1_headers(root, "20260801-20260901"), _v1_headers(root, "20260901-20261001")
    net_columns = ["lineItem/NetUnblendedCost", "lineItem/NetUnblendedRate", "reservation/NetEffectiveCost",
                   "savingsPlan/NetSavingsPlanEffectiveCost", "discount/EdpDiscount", "discount/PrivateRateDiscount",
                   "discount/BundledDiscount", "discount/TotalDiscount"]
    assert not set(net_columns) & set(august)  # the columns appear with the first discounted month
    assert set(net_columns) <= set(september)
    d = lambda c: f'coalesce("{c}"::decimal(38,10), 0)'  # noqa: E731
    for period in ("2026-09", "2026-10"):
        discount_lines = dict(con.sql(f"""select "lineItem/LineItemType", max("lineItem/UnblendedCost"::double)
            from v1 where period = '{period}' and "lineItem/LineItemType" in {DISCOUNTS} group by all""").fetchall())
        assert set(discount_lines) == set(DISCOUNTS) and max(discount_lines.values()) < 0
        row_error, discounted, lines, net, gross = _one(con, f"""select
            max(abs({d("lineItem/NetUnblendedCost")} - {d("lineItem/UnblendedCost")} - {d("discount/EdpDiscount")}
                    - {d("discount/PrivateRateDiscount")} - {d("discount/BundledDiscount")}))
                filter ("lineItem/LineItemType" not in {DISCOUNTS}),
            sum({d("lineItem/NetUnblendedCost")} - {d("lineItem/UnblendedCost")})
                filter ("lineItem/LineItemType" not in {DISCOUNTS}),
            sum({d("lineItem/UnblendedCost")}) filter ("lineItem/LineItemType" in {DISCOUNTS}),
            sum({d("lineItem/NetUnblendedCost")}), sum({d("lineItem/UnblendedCost")})
            from v1 where period = '{period}'""")
        assert row_error < 1e-9  # net = gross + the row's discounts
        assert abs(discounted - lines) < 1e-6 and lines < 0  # the discount lines add up the rows' discounts
        assert abs(net - gross) < 1e-6  # so net and gross both total the invoice
        assert _one(con, f"""select count(*) from v1 where period = '{period}'
                             and "lineItem/NetUnblendedCost" is null""")[0] == 0  # on every line
    commitments = dict(con.sql("""select "lineItem/LineItemType",
        max(abs(coalesce("reservation/NetEffectiveCost", "savingsPlan/NetSavingsPlanEffectiveCost")::double
                - 0.97 * coalesce("reservation/EffectiveCost", "savingsPlan/SavingsPlanEffectiveCost")::double))
        from v1 where period = '2026-10' and "lineItem/LineItemType" in
            ('DiscountedUsage', 'RIFee', 'SavingsPlanCoveredUsage') group by all""").fetchall())
    assert set(commitments) == {"DiscountedUsage", "RIFee", "SavingsPlanCoveredUsage"}
    assert max(commitments.values()) < 1e-9
    # CUR 2.0: the same in its columns and its discount map; no net columns before the discounts.
    v2 = dict(con.sql("""select period, (count(line_item_net_unblended_cost), count(line_item_net_unblended_rate),
            count(reservation_net_effective_cost), count(savings_plan_net_savings_plan_effective_cost),
            count(discount['edp_discount']), count(discount['private_rate_discount']),
            count(discount_bundled_discount), count(discount_total_discount),
            max(abs(line_item_net_unblended_cost - line_item_unblended_cost - discount_total_discount)))
        from v2 group by all""").fetchall())
    assert v2["2026-08"][:8] == (0,) * 8
    assert all(count > 0 for count in v2["2026-10"][:8]) and v2["2026-10"][8] < 1e-9


def test_support_fee_covers_the_month(bill):
    _, con = bill
    fees = con.sql("""select period, "product/ProductName", "lineItem/UsageStartDate" = "bill/BillingPeriodStartDate",
                             "lineItem/UsageEndDate" = "bill/BillingPeriodEndDate"
                      from v1 where "lineItem/LineItemType" = 'Fee' and "lineItem/ProductCode" = 'AWSSupportBusiness'
                      order by 1""").fetchall()
    assert fees == [(p, "AWS Support (Business)", True, True) for p in BILL_PERIODS]


def test_credits_and_a_refund_of_the_month_before(bill):
    _, con = bill
    assert _one(con, "select max(line_item_unblended_cost) from v2 where line_item_line_item_type = 'Credit'")[0] < 0
    refunds = con.sql("""select period, strftime(line_item_usage_start_date, '%Y-%m-%d'),
                                strftime(line_item_usage_end_date, '%Y-%m-%d'), line_item_unblended_cost < 0
                         from v2 where line_item_line_item_type = 'Refund' order by 1""").fetchall()
    assert refunds == [("2026-09", "2026-09-01", "2026-10-01", True),  # this month's
                       ("2026-10", "2026-09-01", "2026-10-01", True)]  # last month's usage, on this bill


def test_eks_split_cost_allocation(bill):
    _, con = bill
    pods = con.sql("""select period, "lineItem/UsageType", "pricing/unit", "lineItem/ResourceId",
                             "lineItem/UnblendedCost"::double, "splitLineItem/ParentResourceId"
                      from v1 where "splitLineItem/ParentResourceId" is not null""").fetchall()
    assert pods and {p[2] for p in pods} == {"vCPU-Hours", "GB-Hours"}
    assert all(p[1].endswith(("EKS-EC2-vCPU-Hours", "EKS-EC2-GB-Hours")) for p in pods)
    assert all(p[3].startswith("arn:aws:eks:") and ":pod/" in p[3] and p[4] == 0 for p in pods)
    # A node hour's pods (used and unused share, vCPU and memory) split exactly the node's cost,
    # which stays on the EC2 row: nothing is counted twice.
    split = con.sql("""
        with pods as (
            select period, "splitLineItem/ParentResourceId" as node, "lineItem/UsageStartDate" as hour,
                   sum("splitLineItem/SplitCost"::double + "splitLineItem/UnusedCost"::double) as split_cost,
                   sum("splitLineItem/SplitUsageRatio"::double) filter ("pricing/unit" = 'vCPU-Hours') as ratio
            from v1 where "splitLineItem/ParentResourceId" is not null group by all)
        select distinct pods.*, ec2."lineItem/UnblendedCost"::double from pods join v1 as ec2
            on ec2.period = pods.period and ec2."lineItem/ResourceId" = pods.node
           and ec2."lineItem/UsageStartDate" = pods.hour and ec2."lineItem/UsageType" like '%BoxUsage:%'""").fetchall()
    assert len(split) == len(pods) // 4  # each node hour: 2 pods x (vCPU, memory)
    assert all(abs(s[3] - s[5]) < 1e-9 and 0 < s[4] < 1 and s[5] > 0 for s in split)
    assert _one(con, """select count(*), count(split_line_item_net_split_cost) filter (period >= '2026-09') from v2
                        where split_line_item_parent_resource_id is not null and split_line_item_split_cost > 0
                        and line_item_unblended_cost = 0""") == (len(pods), len(pods) * 3 // 4)


def test_tags_with_unusual_characters(bill):
    root, con = bill
    headers = _v1_headers(root, "20261001-20261101")
    assert {"resourceTags/user:cost center", "resourceTags/user:app.kubernetes.io/name", "resourceTags/user:Équipe",
            "resourceTags/aws:createdBy"} <= set(headers)
    cost_centers = _set(con, 'select distinct "resourceTags/user:cost center" from v1')
    assert {"R&D, Platform", 'Marketing "Brand"', "owner=web; shared", "Données clients"} <= cost_centers
    assert "Équipe Web" in _set(con, 'select distinct "resourceTags/user:Équipe" from v1')
    assert _set(con, 'select distinct "resourceTags/user:app.kubernetes.io/name" from v1') >= {"checkout-api"}
    assert _one(con, """select count(*) from v1 where "resourceTags/aws:createdBy" like 'AssumedRole:%'""")[0] > 0
    # CUR 2.0 keeps empty values in its map, and its CSV writes the map as JSON that parses back.
    assert _one(con, """select count(*) from v2 where resource_tags['user_cost center'] = ''""")[0] > 0
    parquet = dict(con.sql("""select identity_line_item_id, resource_tags['user_cost center'] from v2 where
                              period = '2026-10' and map_contains(resource_tags, 'user_cost center')""").fetchall())
    csv = {i: json.loads(tags)["user_cost center"] for i, tags in con.sql(
        """select identity_line_item_id, resource_tags from v2csv
           where period = '2026-10' and resource_tags like '%user_cost center%'""").fetchall()}
    assert csv == parquet and 'Marketing "Brand"' in csv.values()


def test_invoicing_entity_is_the_payers_and_changes_with_its_address(bill):
    _, con = bill
    rows = set(con.sql("""select period, "bill/InvoicingEntity", "lineItem/LegalEntity", "lineItem/TaxType"
                          from v1 where "bill/BillingEntity" = 'AWS' and "lineItem/LineItemType" = 'Tax'""").fetchall())
    assert rows == {("2026-08", "Amazon Web Services, Inc.", "Amazon Web Services, Inc.", "Sales"),
                    ("2026-09", "Amazon Web Services, Inc.", "Amazon Web Services, Inc.", "Sales"),
                    ("2026-10", "Amazon Web Services EMEA SARL", "Amazon Web Services EMEA SARL", "VAT"),
                    ("2026-11", "Amazon Web Services EMEA SARL", "Amazon Web Services EMEA SARL", "VAT")}
    assert _set(con, """select distinct "lineItem/LegalEntity" from v1 where period = '2026-10'
                        and "bill/BillingEntity" = 'AWS'""") == {"Amazon Web Services EMEA SARL"}
    assert _set(con, """select distinct "bill/InvoiceId"[:6] from v1
                        where period = '2026-10' and "bill/BillingEntity" = 'AWS'""") == {"EUINIE"}


def test_size_flexible_reserved_instance(bill):
    _, con = bill
    used = con.sql("""select "product/instanceType", "lineItem/NormalizationFactor"::double,
                             max(abs("lineItem/NormalizedUsageAmount"::double
                                     - "lineItem/UsageAmount"::double * "lineItem/NormalizationFactor"::double)),
                             count(distinct "reservation/ReservationARN")
                      from v1 where "lineItem/LineItemType" = 'DiscountedUsage' group by all order by 2""").fetchall()
    assert [u[:2] for u in used] == [("m5.large", 4.0), ("m5.xlarge", 8.0), ("m5.2xlarge", 16.0)]
    assert all(u[2] < 1e-9 and u[3] == 1 for u in used)
    for period in BILL_PERIODS:
        fee = _one(con, f"""select "reservation/TotalReservedUnits"::double,
                                   "reservation/TotalReservedNormalizedUnits"::double,
                                   "reservation/UnusedQuantity"::double,
                                   "reservation/UnusedNormalizedUnitQuantity"::double
                            from v1 where period = '{period}' and "lineItem/LineItemType" = 'RIFee'""")
        normalized = _one(con, f"""select sum("lineItem/NormalizedUsageAmount"::double) from v1
                                   where period = '{period}' and "lineItem/LineItemType" = 'DiscountedUsage'""")[0]
        assert fee[1] == 8 * fee[0] and fee[3] == pytest.approx(8 * fee[2])
        assert normalized + fee[3] == pytest.approx(fee[1])  # used + unused = reserved, in normalized units
    assert _one(con, """select count(reservation_total_reserved_normalized_units),
                               count(reservation_unused_normalized_unit_quantity) from v2
                        where line_item_line_item_type = 'RIFee'""") == (4, 4)


def test_amortized_cost_stays_meaningful(bill):
    """The standard CUR amortized cost moves commitment fees onto the usage that used them: it equals
    the invoice without the RI upfront fee, plus the upfront fee amortised over the month."""
    _, con = bill
    for period in BILL_PERIODS:
        amortized, invoice, upfront, amortised_upfront = _one(con, f"""select
            sum(case
                when line_item_line_item_type = 'SavingsPlanCoveredUsage' then savings_plan_savings_plan_effective_cost
                when line_item_line_item_type = 'SavingsPlanRecurringFee'
                    then savings_plan_total_commitment_to_date - savings_plan_used_commitment
                when line_item_line_item_type in ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') then 0
                when line_item_line_item_type = 'DiscountedUsage' then reservation_effective_cost
                when line_item_line_item_type = 'RIFee'
                    then reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
                when line_item_line_item_type = 'Fee' and reservation_reservation_a_r_n is not null then 0
                else line_item_unblended_cost end),
            sum(line_item_unblended_cost),
            sum(line_item_unblended_cost) filter (line_item_line_item_type = 'Fee'
                                                  and reservation_reservation_a_r_n is not null),
            sum(reservation_amortized_upfront_fee_for_billing_period)
            from v2 where period = '{period}'""")
        assert amortized == pytest.approx(invoice - (upfront or 0) + amortised_upfront, abs=1e-6), period


def test_v1_and_v2_describe_the_same_bill_every_month(bill):
    _, con = bill
    v1 = con.sql("""select period, count(*), sum("lineItem/UnblendedCost"::decimal(38,10))::double,
                           sum("lineItem/NetUnblendedCost"::decimal(38,10))::double from v1 group by all order by 1""")
    v2 = con.sql("""select period, count(*), sum(line_item_unblended_cost), sum(line_item_net_unblended_cost)
                    from v2 group by all order by 1""")
    for a, b in zip(v1.fetchall(), v2.fetchall(), strict=True):
        assert a[:2] == b[:2] and a[2] == pytest.approx(b[2], abs=1e-6)
        assert (a[3] is None and b[3] is None) or a[3] == pytest.approx(b[3], abs=1e-6)


def test_without_resource_ids(tmp_path):
    """A report created without "Include resource IDs" has no resource id and no split cost columns."""
    [v1] = write_cur_v1(tmp_path / "cur", periods=("2026-09",), rows_per_period=ROWS, resource_ids=False)
    [v2] = write_cur_v2(tmp_path / "cur2", periods=("2026-09",), rows_per_period=ROWS, resource_ids=False)
    columns = [f'{c["category"]}/{c["name"]}' for c in json.loads(v1.read_text())["columns"]]
    assert "lineItem/ResourceId" not in columns and not [c for c in columns if c.startswith("splitLineItem/")]
    assert "resourceTags/user:app.kubernetes.io/name" not in columns  # a label of pods, which need resource IDs
    assert "lineItem/UsageAccountId" in columns
    columns = [c["name"] for c in json.loads(v2.read_text())["columns"]]
    assert "line_item_resource_id" not in columns and not [c for c in columns if c.startswith("split_line_item_")]
    files = [str(p) for p in (tmp_path / "cur").rglob("*.csv.gz")]
    header = gzip.open(files[0], "rt").readline()
    assert "lineItem/ResourceId" not in header
    assert duckdb.sql(f"""select count(*) from read_csv({files}, all_varchar=true)
                          where "lineItem/UsageType" like '%EKS-EC2-%'""").fetchone()[0] == 0
