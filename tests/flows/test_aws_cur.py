"""The aws-cur flow end to end: sample exports in the real AWS layouts, into a real DuckDB file."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.aws_cur import aws_cur
from openfinops.focus.publish import READ_DATABASE
from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2

PERIODS = ("2026-08", "2026-09")
ROWS = 300


def run(data_dir: Path, *sources: dict, build: bool = False, **params):
    """Run the flow; the FOCUS build is left out unless a test is about it (tests/flows/test_focus_build.py)."""
    state = aws_cur(sources=list(sources), data_dir=str(data_dir), build=build, return_state=True, **params)
    return state, state.result(raise_on_failure=False)


def v1_source(root: Path, name: str = "demo-cur-v1") -> dict:
    return {"name": name, "cur_version": "v1", "path": str(root)}


def v2_source(root: Path, name: str = "demo-cur2") -> dict:
    return {"name": name, "cur_version": "v2", "path": str(root)}


def query(data_dir: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def loaded(data_dir: Path, table: str) -> dict[str, tuple[int, Decimal]]:
    """Rows and cost per period of the current imports, as every reader sees them."""
    rows = query(data_dir, f"""
        SELECT billing_period, count(*), sum(line_item_unblended_cost)
        FROM aws_billing.{table} SEMI JOIN finops_state.import_state USING (billing_period, import_id)
        GROUP BY 1 ORDER BY 1""")
    return {period: (count, cost) for period, count, cost in rows}


def stale_rows(data_dir: Path, table: str) -> int:
    """Raw rows of imports that are not current (a crashed one's, until its period is imported again)."""
    return query(data_dir, f"""
        SELECT count(*) FROM aws_billing.{table}
        ANTI JOIN finops_state.import_state USING (billing_period, import_id)""")[0][0]


def expected_v1(root: Path, report: str) -> dict[str, tuple[int, Decimal]]:
    """Rows and exact cost per period, read straight from the current manifests' CSV files."""
    result = {}
    for manifest in sorted(root.glob(f"{report}/*/{report}-Manifest.json")):
        doc = json.loads(manifest.read_text())
        files = [str(root / key.split("/", 1)[1]) for key in doc["reportKeys"]]
        period = f"{doc['billingPeriod']['start'][:4]}-{doc['billingPeriod']['start'][4:6]}"
        with duckdb.connect() as con:
            result[period] = con.execute(
                "SELECT count(*), sum(CAST(\"lineItem/UnblendedCost\" AS DECIMAL(38,12))) "
                "FROM read_csv(?, all_varchar=true, union_by_name=true)", [files]).fetchone()
    return result


def expected_v2(root: Path, export: str) -> dict[str, tuple[int, Decimal]]:
    result = {}
    for manifest in sorted(root.glob(f"{export}/metadata/BILLING_PERIOD=*/*Manifest.json")):
        doc = json.loads(manifest.read_text())
        files = [str(root / key.split("/", 4)[4]) for key in doc["dataFiles"]]
        period = manifest.parent.name.split("=")[1]
        with duckdb.connect() as con:
            result[period] = con.execute(
                "SELECT count(*), sum(CAST(line_item_unblended_cost AS DECIMAL(38,12))) FROM read_parquet(?)",
                [files]).fetchone()
    return result


@pytest.fixture
def exports(tmp_path):
    v1, v2 = tmp_path / "exports" / "cur", tmp_path / "exports" / "cur2"
    write_cur_v1(v1, periods=PERIODS, rows_per_period=ROWS)
    write_cur_v2(v2, periods=PERIODS, rows_per_period=ROWS)
    return v1, v2


def test_v1_and_v2_land_every_row_with_exact_cost(data_dir, exports):
    v1, v2 = exports
    state, results = run(data_dir, v1_source(v1), v2_source(v2))

    assert state.is_completed(), results
    assert [r["status"] for r in results] == ["imported"] * 4
    assert loaded(data_dir, "demo_cur_v1") == expected_v1(v1, "demo-cur-v1")
    assert loaded(data_dir, "demo_cur2") == expected_v2(v2, "demo-cur2")
    # The summary reports what landed.
    assert sum(r["rows"] for r in results) == sum(n for n, _ in expected_v1(v1, "demo-cur-v1").values()) + sum(
        n for n, _ in expected_v2(v2, "demo-cur2").values())


def test_v1_and_v2_share_column_names_and_types(data_dir, exports):
    v1, v2 = exports
    run(data_dir, v1_source(v1), v2_source(v2))
    columns = {
        table: dict(query(data_dir, "SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_schema = 'aws_billing' AND table_name = ?", [table]))
        for table in ("demo_cur_v1", "demo_cur2")
    }
    for table in columns.values():
        assert table["line_item_unblended_cost"] == "DECIMAL(38,12)"
        assert table["pricing_public_on_demand_cost"] == "DECIMAL(38,12)"
        assert table["bill_payer_account_id"] == "VARCHAR"
        assert table["line_item_usage_start_date"] == "TIMESTAMP WITH TIME ZONE"
        assert table["resource_tags"] == "JSON"
        assert {"billing_period", "manifest_id", "source_file"} <= set(table)
        # Declared columns exist even in months that never used them.
        assert "savings_plan_savings_plan_a_r_n" in table
    assert not any(name.startswith("resource_tags_") for table in columns.values() for name in table)


def test_ids_keep_leading_zeros_and_tags_are_queryable(data_dir, exports):
    v1, v2 = exports
    run(data_dir, v1_source(v1), v2_source(v2))
    for table in ("demo_cur_v1", "demo_cur2"):
        accounts = {a for (a,) in query(data_dir, f"SELECT DISTINCT line_item_usage_account_id FROM aws_billing.{table}")}
        assert any(a.startswith("0") for a in accounts)
        assert all(len(a) == 12 for a in accounts)
        teams = query(data_dir, f"SELECT count(*) FROM aws_billing.{table} "
                                "WHERE resource_tags->>'$.user_Team' IS NOT NULL")[0][0]
        assert teams > 0
    # The same tag on the same row of the same month has the same key in both exports.
    same = query(data_dir, """
        SELECT count(*) FROM aws_billing.demo_cur_v1 a JOIN aws_billing.demo_cur2 b USING (identity_line_item_id)
        WHERE a.billing_period = '2026-08' AND (a.resource_tags->>'$.user_Team') = (b.resource_tags->>'$.user_Team')""")
    assert same[0][0] > 0


def test_rerun_skips_unchanged_periods(data_dir, exports):
    v1, v2 = exports
    run(data_dir, v1_source(v1), v2_source(v2))
    before = query(data_dir, "SELECT export, billing_period, manifest_id, imported_at FROM finops_state.import_state "
                             "ORDER BY 1, 2")

    state, results = run(data_dir, v1_source(v1), v2_source(v2))

    assert state.is_completed()
    assert [r["status"] for r in results] == ["skipped"] * 4
    assert query(data_dir, "SELECT export, billing_period, manifest_id, imported_at FROM finops_state.import_state "
                           "ORDER BY 1, 2") == before
    assert loaded(data_dir, "demo_cur_v1") == expected_v1(v1, "demo-cur-v1")


def test_restatement_replaces_only_that_period(data_dir, exports):
    v1, v2 = exports
    run(data_dir, v1_source(v1), v2_source(v2))
    first = loaded(data_dir, "demo_cur_v1")

    write_cur_v1(v1, periods=["2026-09"], rows_per_period=ROWS, revision=2)
    state, results = run(data_dir, v1_source(v1), v2_source(v2))

    assert state.is_completed()
    assert {(r["export"], r["billing_period"]): r["status"] for r in results} == {
        ("demo-cur-v1", "2026-08"): "skipped", ("demo-cur-v1", "2026-09"): "replaced",
        ("demo-cur2", "2026-08"): "skipped", ("demo-cur2", "2026-09"): "skipped"}
    after = loaded(data_dir, "demo_cur_v1")
    assert after == expected_v1(v1, "demo-cur-v1")
    assert after["2026-08"] == first["2026-08"]
    assert after["2026-09"] != first["2026-09"]
    # Nothing doubled: one manifest per period, every line item once.
    assert query(data_dir, "SELECT count(DISTINCT manifest_id) FROM aws_billing.demo_cur_v1 "
                           "WHERE billing_period = '2026-09'") == [(1,)]
    assert query(data_dir, "SELECT count(*) - count(DISTINCT (identity_line_item_id, identity_time_interval)) "
                           "FROM aws_billing.demo_cur_v1") == [(0,)]


def test_dlt_loads_the_parquet_files_as_duckdb_wrote_them(data_dir, exports, monkeypatch):
    """Each file is written in the raw table's column order with dlt's nullability, so dlt's
    normalize step links it into the load package instead of rewriting it in Python."""
    from dlt.normalize.items_normalizers.arrow import ArrowItemsNormalizer

    def rewrite(*args, **kwargs):
        raise AssertionError("dlt rewrote a Parquet file")

    monkeypatch.setattr(ArrowItemsNormalizer, "_write_with_dlt_columns", rewrite)
    v1, v2 = exports
    run(data_dir, v1_source(v1), v2_source(v2))
    write_cur_v1(v1, periods=["2026-09"], rows_per_period=ROWS, revision=2)  # into the existing table
    state, results = run(data_dir, v1_source(v1), v2_source(v2))

    assert state.is_completed(), results
    assert [r["status"] for r in results] == ["skipped", "replaced", "skipped", "skipped"]


def test_data_from_before_import_ids_is_imported_again(data_dir, exports):
    """A data folder made before raw rows carried `import_id` (the column added, NULL everywhere):
    every period is imported again once, and the old rows are deleted."""
    v1, _ = exports
    run(data_dir, v1_source(v1))
    expected = loaded(data_dir, "demo_cur_v1")
    with duckdb.connect(str(data_dir / "finops.duckdb")) as con:
        con.execute("ALTER TABLE finops_state.import_state DROP COLUMN import_id")
        con.execute("UPDATE aws_billing.demo_cur_v1 SET import_id = NULL")

    state, results = run(data_dir, v1_source(v1))

    assert state.is_completed(), results
    assert [r["status"] for r in results] == ["replaced", "replaced"]
    assert loaded(data_dir, "demo_cur_v1") == expected
    assert stale_rows(data_dir, "demo_cur_v1") == 0
    state, results = run(data_dir, v1_source(v1))
    assert [r["status"] for r in results] == ["skipped", "skipped"]


def test_restatement_to_no_rows_empties_the_period(data_dir, exports):
    """AWS can restate a period to header-only files (e.g. the account moved to another payer)."""
    _, v2 = exports
    run(data_dir, v2_source(v2))
    for data_file in (v2 / "demo-cur2" / "data" / "BILLING_PERIOD=2026-09").glob("*.parquet"):
        empty = pq.read_table(data_file).slice(0, 0)
        pq.write_table(empty, data_file)

    state, results = run(data_dir, v2_source(v2))

    assert state.is_completed(), results
    assert [(r["billing_period"], r["status"], r["rows"]) for r in results] == [
        ("2026-08", "skipped", results[0]["rows"]), ("2026-09", "replaced", 0)]
    assert query(data_dir, "SELECT count(*) FROM aws_billing.demo_cur2 WHERE billing_period = '2026-09'") == [(0,)]
    assert query(data_dir, "SELECT rows_loaded, cost_total FROM finops_state.import_state "
                           "WHERE billing_period = '2026-09'") == [(0, None)]


def published_failures(data_dir: Path) -> list[tuple]:
    """What the Data health dashboard reads: dashboards.import_failures in the published read copy."""
    with duckdb.connect(str(data_dir / "published" / READ_DATABASE), read_only=True) as con:
        return con.execute("SELECT export, billing_period, error, fixed FROM dashboards.import_failures").fetchall()


def test_bad_file_in_restatement_keeps_old_rows_then_recovers(data_dir, exports):
    v1, _ = exports
    run(data_dir, v1_source(v1), build=True)
    first = loaded(data_dir, "demo_cur_v1")
    assert published_failures(data_dir) == []

    write_cur_v1(v1, periods=["2026-09"], rows_per_period=ROWS, revision=2)
    manifest = json.loads((v1 / "demo-cur-v1/20260901-20261001/demo-cur-v1-Manifest.json").read_text())
    victim = v1 / manifest["reportKeys"][-1].split("/", 1)[1]
    good = victim.read_bytes()
    victim.write_bytes(good[: len(good) // 2])  # a truncated gzip, as an interrupted upload leaves

    state, results = run(data_dir, v1_source(v1), build=True)

    assert state.is_failed()
    failed = [r for r in results if r["status"] == "failed"]
    assert [r["billing_period"] for r in failed] == ["2026-09"]
    assert victim.name in failed[0]["error"]
    assert loaded(data_dir, "demo_cur_v1") == first  # the old rows are all still there
    # Nothing else changed, yet the failure reaches the dashboards: the flow built and published.
    [(export, period, error, fixed)] = published_failures(data_dir)
    assert (export, period, fixed) == ("demo-cur-v1", "2026-09", False) and victim.name in error

    victim.write_bytes(good)
    state, results = run(data_dir, v1_source(v1), build=True)
    assert state.is_completed()
    assert loaded(data_dir, "demo_cur_v1") == expected_v1(v1, "demo-cur-v1")
    assert [f[3] for f in published_failures(data_dir)] == [True]  # a later run of the period got through


# Where the machine goes away: after DuckDB wrote the first file for dlt (extract), or after dlt
# committed the first file's rows to the raw table (load), before the import is recorded.
CRASH_POINTS = {
    "extract": """
        import openfinops.providers.aws.source as cur_source
        real = cur_source.file_select
        def dying(*args, **kwargs):
            real(*args, **kwargs)
            os._exit(9)
        cur_source.file_select = dying
    """,
    "load": """
        from dlt.destinations.job_client_impl import ModelLoadJob
        real = ModelLoadJob.run
        def dying(self):
            real(self)
            os._exit(9)
        ModelLoadJob.run = dying
    """,
}


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_crash_mid_import_converges_on_next_run(data_dir, exports, tmp_path, point):
    """Kill the process mid-import of a restated period: readers still see the old rows, and the
    next run finishes the job and deletes what the dead one wrote."""
    v1, _ = exports
    run(data_dir, v1_source(v1))
    first = loaded(data_dir, "demo_cur_v1")
    write_cur_v1(v1, periods=["2026-09"], rows_per_period=ROWS, revision=2)

    crash = textwrap.dedent("""
        import os
        from pathlib import Path
        from openfinops.providers.aws.config import AwsExport
        from tasks.imports import find_manifests, plan_imports, load_billing_period
    """) + textwrap.dedent(CRASH_POINTS[point]) + textwrap.dedent(f"""
        export = AwsExport(name="demo-cur-v1", cur_version="v1", path={str(v1)!r})
        data = Path({str(data_dir)!r})
        plan = plan_imports.fn(export, find_manifests.fn(export), data / "finops.duckdb", "2026-09")
        load_billing_period.fn(export, plan[0], data)
    """)
    proc = subprocess.run([sys.executable, "-c", crash], cwd=Path(__file__).parents[2], capture_output=True)
    assert proc.returncode == 9, proc.stderr.decode()
    assert loaded(data_dir, "demo_cur_v1") == first
    if point == "load":
        assert stale_rows(data_dir, "demo_cur_v1") > 0  # the dead import's first file did land

    state, results = run(data_dir, v1_source(v1))
    assert state.is_completed()
    assert [r["status"] for r in results] == ["skipped", "replaced"]
    assert loaded(data_dir, "demo_cur_v1") == expected_v1(v1, "demo-cur-v1")
    assert stale_rows(data_dir, "demo_cur_v1") == 0


def test_exports_with_overlapping_names_stay_apart(data_dir, tmp_path):
    root = tmp_path / "exports"
    write_cur_v1(root, report="prod", periods=PERIODS, rows_per_period=ROWS)
    write_cur_v1(root, report="prod-east", periods=PERIODS, rows_per_period=ROWS, seed=7)
    run(data_dir, v1_source(root, "prod"), v1_source(root, "prod-east"))
    east = loaded(data_dir, "prod_east")

    write_cur_v1(root, report="prod", periods=["2026-09"], rows_per_period=ROWS, revision=2)
    state, results = run(data_dir, v1_source(root, "prod"), v1_source(root, "prod-east"))

    assert state.is_completed()
    assert loaded(data_dir, "prod_east") == east
    assert loaded(data_dir, "prod") == expected_v1(root, "prod")
    assert query(data_dir, "SELECT export, count(*) FROM finops_state.import_state GROUP BY 1 ORDER BY 1") == [
        ("prod", 2), ("prod-east", 2)]


def test_period_filter_imports_one_period(data_dir, exports):
    v1, _ = exports
    state, results = run(data_dir, v1_source(v1), period="2026-09")
    assert state.is_completed()
    assert [(r["billing_period"], r["status"]) for r in results] == [("2026-09", "imported")]
    assert set(loaded(data_dir, "demo_cur_v1")) == {"2026-09"}


def test_s3_export_imports_like_local_and_records_etags(data_dir, exports, s3_bucket, upload_tree, aws_credentials):
    v1, v2 = exports
    client, bucket = s3_bucket
    upload_tree(v1, "cur")
    upload_tree(v2, "cur2")
    s3 = {"bucket": bucket, "endpoint_url": aws_credentials["endpoint_url"], "region": "us-east-1"}

    state, results = run(data_dir, {"name": "demo-cur-v1", "cur_version": "v1", "prefix": "cur", **s3},
                         {"name": "demo-cur2", "cur_version": "v2", "prefix": "cur2", **s3})

    assert state.is_completed(), results
    assert loaded(data_dir, "demo_cur_v1") == expected_v1(v1, "demo-cur-v1")
    assert loaded(data_dir, "demo_cur2") == expected_v2(v2, "demo-cur2")
    files = json.loads(query(data_dir, "SELECT files FROM finops_state.import_state LIMIT 1")[0][0])
    assert all(f["etag"] for f in files)
    # No credential ends up in the database.
    dump = str(query(data_dir, "SELECT * FROM finops_state.import_state"))
    assert aws_credentials["secret"] not in dump and aws_credentials["key"] not in dump


def test_wrong_credentials_fail_clearly_and_touch_nothing(data_dir, exports, s3_bucket, upload_tree,
                                                          aws_credentials, monkeypatch):
    v1, _ = exports
    _, bucket = s3_bucket
    upload_tree(v1, "cur")
    source = {"name": "demo-cur-v1", "cur_version": "v1", "bucket": bucket, "prefix": "cur",
              "endpoint_url": aws_credentials["endpoint_url"]}
    run(data_dir, source)
    before = loaded(data_dir, "demo_cur_v1")

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG0")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    state, results = run(data_dir, source)

    assert state.is_failed()
    assert len(results) == 1 and results[0]["status"] == "failed"
    assert f"s3://{bucket}/cur" in results[0]["error"] and "access denied" in results[0]["error"]
    assert "not-the-secret" not in results[0]["error"]
    assert loaded(data_dir, "demo_cur_v1") == before


def read_csv_gz(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(gzip.decompress(path.read_bytes()).decode())))


def write_csv_gz(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path.write_bytes(gzip.compress(out.getvalue().encode()))


@pytest.mark.parametrize("damage, message", [
    ("corrupt-gzip", "demo-cur-v1-00001.csv.gz"),
    ("missing-file", "does not exist"),
    ("not-json", "not valid JSON"),
    ("wrong-type", "lineItem/UnblendedCost, row 1: 'twelve dollars' is not a decimal"),
    ("missing-column", "lineItem/UnblendedCost"),
])
def test_bad_input_fails_that_period_with_one_clear_error(data_dir, tmp_path, damage, message):
    root = tmp_path / "exports"
    write_cur_v1(root, periods=PERIODS, rows_per_period=ROWS, delivery="overwrite")
    run(data_dir, v1_source(root))
    before = loaded(data_dir, "demo_cur_v1")
    write_cur_v1(root, periods=["2026-09"], rows_per_period=ROWS, delivery="overwrite", revision=2)
    folder = root / "demo-cur-v1" / "20260901-20261001"
    manifest = folder / "demo-cur-v1-Manifest.json"
    data = folder / "demo-cur-v1-00001.csv.gz"
    if damage == "corrupt-gzip":
        data.write_bytes(b"\x1f\x8b\x08\x00" + b"garbage" * 100)
    elif damage == "missing-file":
        data.unlink()
    elif damage == "not-json":
        manifest.write_text("<Error>AccessDenied</Error>")
    elif damage == "wrong-type":
        rows = read_csv_gz(data)
        rows[1][rows[0].index("lineItem/UnblendedCost")] = "twelve dollars"
        write_csv_gz(data, rows)
    elif damage == "missing-column":
        rows = read_csv_gz(data)
        cost = rows[0].index("lineItem/UnblendedCost")
        write_csv_gz(data, [row[:cost] + row[cost + 1:] for row in rows])

    state, results = run(data_dir, v1_source(root))

    assert state.is_failed()
    failed = [r for r in results if r["status"] == "failed"]
    assert [r["billing_period"] for r in failed] == ["2026-09"]
    error = failed[0]["error"]
    assert message in error
    assert str(folder) in error or "demo-cur-v1-00001.csv.gz" in error
    assert "\n" not in error.strip()
    assert loaded(data_dir, "demo_cur_v1") == before
