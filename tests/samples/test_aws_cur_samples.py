"""Tests for the deterministic AWS CUR sample generator (openfinops.samples.aws_cur)."""

import gzip
import json
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2, write_demo

ROWS = 300
LINE_ITEM_TYPES = {"Usage", "DiscountedUsage", "RIFee", "Fee", "SavingsPlanCoveredUsage", "SavingsPlanNegation",
                   "SavingsPlanRecurringFee", "Tax", "Credit", "Refund"}


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
    assert keys == {"user_Team", "user_Environment", "user_CostCenter", "aws_createdBy"}


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
