"""The FOCUS table: built by dbt after an import, reconciled, incremental, exported and validated."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from cli import main
from flows.aws_cur import aws_cur
from flows.focus_build import focus_build
from openfinops.focus.dbt import contract_constraints
from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2
from openfinops.warehouse.database import table_constraints

REPO = Path(__file__).resolve().parents[2]
PERIODS = ("2026-08", "2026-09", "2026-10")


@pytest.fixture
def built(tmp_path, data_dir):
    """Both sample exports imported and the FOCUS table built by the import flow."""
    v1, v2 = tmp_path / "exports" / "cur", tmp_path / "exports" / "cur2"
    write_cur_v1(v1, periods=PERIODS, rows_per_period=400)
    write_cur_v2(v2, periods=PERIODS, rows_per_period=400)
    sources = [{"name": "demo-cur-v1", "cur_version": "v1", "path": str(v1)},
               {"name": "demo-cur2", "cur_version": "v2", "path": str(v2)}]
    state = aws_cur(sources=sources, data_dir=str(data_dir), return_state=True)
    assert state.is_completed(), state.message
    return data_dir, sources, v1


def query(data_dir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_import_builds_a_focus_table_that_reconciles_with_raw_cur(built):
    data_dir, _, _ = built
    # Unused commitment gets a derived row of its own (BilledCost 0) that has no raw line.
    focus = query(data_dir, """
        SELECT x_SourceExport, x_BillingPeriod,
               count(*) FILTER (WHERE coalesce(CommitmentDiscountStatus, '') <> 'Unused'),
               sum(BilledCost)
        FROM focus.cost_and_usage GROUP BY ALL ORDER BY ALL""")
    raw = query(data_dir, """
        SELECT 'demo-cur-v1', billing_period, count(*), sum(line_item_unblended_cost) FROM aws_billing.demo_cur_v1
        GROUP BY ALL
        UNION ALL
        SELECT 'demo-cur2', billing_period, count(*), sum(line_item_unblended_cost) FROM aws_billing.demo_cur2
        GROUP BY ALL ORDER BY ALL""")
    assert focus == raw
    assert len(focus) == 6
    # Commitments: amortized cost differs from the invoice, and unused commitment is visible.
    assert query(data_dir, "SELECT sum(BilledCost) <> sum(EffectiveCost) FROM focus.cost_and_usage") == [(True,)]
    assert query(data_dir, "SELECT count(*) > 0 FROM focus.cost_and_usage "
                           "WHERE CommitmentDiscountStatus = 'Unused'") == [(True,)]
    # Dashboards get the same table through the published read-only copy.
    with duckdb.connect(str(data_dir / "published" / "finops-read.duckdb"), read_only=True) as con:
        published = con.execute("SELECT count(*), sum(BilledCost) FROM focus.cost_and_usage").fetchone()
    assert published == query(data_dir, "SELECT count(*), sum(BilledCost) FROM focus.cost_and_usage")[0]


def test_a_build_writes_the_offline_report_and_links_it_when_turned_on(built, monkeypatch):
    data_dir, _, _ = built
    report = (data_dir / "reports" / "dashboards.html").resolve()
    assert not report.exists()  # the default: off

    monkeypatch.setenv("OPEN_FINOPS_PROJECT_OFFLINE_REPORT", "true")
    assert focus_build(data_dir=str(data_dir), return_state=True).is_completed()
    assert report.stat().st_size > 1_000_000
    report.unlink()

    monkeypatch.setenv("OPEN_FINOPS_PROJECT_OFFLINE_REPORT", "false")
    assert focus_build(data_dir=str(data_dir), return_state=True).is_completed()
    assert not report.exists()

    monkeypatch.setenv("OPEN_FINOPS_PROJECT_OFFLINE_REPORT", "true")
    assert focus_build(data_dir=str(data_dir), return_state=True).is_completed()
    assert report.exists()
    with get_client(sync_client=True) as client:
        links = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["dashboards-report"])))
    assert any(report.as_uri() in str(link.data) for link in links)


def test_restatement_rebuilds_only_that_period_and_matches_a_full_refresh(built):
    data_dir, sources, v1 = built
    before = query(data_dir, "SELECT * FROM focus.cost_and_usage WHERE x_BillingPeriod <> '2026-10' "
                             "ORDER BY ALL")
    write_cur_v1(v1, periods=("2026-10",), rows_per_period=400, revision=2)

    state = aws_cur(sources=sources, data_dir=str(data_dir), return_state=True)

    assert state.is_completed(), state.message
    assert query(data_dir, "SELECT * FROM focus.cost_and_usage WHERE x_BillingPeriod <> '2026-10' "
                           "ORDER BY ALL") == before
    assert query(data_dir, "SELECT count(DISTINCT x_ManifestId) FROM focus.cost_and_usage "
                           "WHERE x_SourceExport = 'demo-cur-v1' AND x_BillingPeriod = '2026-10'") == [(1,)]
    incremental = query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL")

    assert focus_build(data_dir=str(data_dir), full_refresh=True, return_state=True).is_completed()
    assert query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL") == incremental


def test_a_table_built_before_a_column_was_added_is_rebuilt_whole(built):
    data_dir, _, _ = built
    full = query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL")
    # As a release before x_ResourceGroupName left it: the incremental build alone would refuse it.
    with duckdb.connect(str(data_dir / "finops.duckdb")) as con:
        con.execute("ALTER TABLE focus.cost_and_usage DROP COLUMN x_ResourceGroupName")

    assert focus_build(data_dir=str(data_dir), return_state=True).is_completed()
    assert query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL") == full


def test_a_table_built_before_its_constraints_is_rebuilt_whole_with_them(built):
    data_dir, _, _ = built
    full = query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL")
    # As a release before the contract's constraints left it: they would hold for new rows only.
    with duckdb.connect(str(data_dir / "finops.duckdb")) as con:
        con.execute("CREATE TABLE focus.unconstrained AS SELECT * FROM focus.cost_and_usage")
        con.execute("DROP TABLE focus.cost_and_usage")
        con.execute("ALTER TABLE focus.unconstrained RENAME TO cost_and_usage")
        assert table_constraints(con, "focus", "cost_and_usage") == {}

    assert focus_build(data_dir=str(data_dir), return_state=True).is_completed()
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert table_constraints(con, "focus", "cost_and_usage") == contract_constraints()
    assert contract_constraints()["not_null"] > 20 and contract_constraints()["check"] > 40
    assert query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL") == full


def test_restatement_to_no_rows_removes_the_period_from_focus(built):
    """AWS can restate a period to header-only files; FOCUS must lose that period too, and later builds
    still reconcile."""
    data_dir, sources, _ = built
    v2 = Path(sources[1]["path"])
    for data_file in (v2 / "demo-cur2" / "data" / "BILLING_PERIOD=2026-09").glob("*.parquet"):
        pq.write_table(pq.read_table(data_file).slice(0, 0), data_file)
    kept = query(data_dir, "SELECT * FROM focus.cost_and_usage WHERE NOT (x_SourceExport = 'demo-cur2' "
                           "AND x_BillingPeriod = '2026-09') ORDER BY ALL")

    state = aws_cur(sources=sources, data_dir=str(data_dir), return_state=True)

    assert state.is_completed(), state.message
    assert query(data_dir, "SELECT count(*) FROM focus.cost_and_usage "
                           "WHERE x_SourceExport = 'demo-cur2' AND x_BillingPeriod = '2026-09'") == [(0,)]
    assert query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL") == kept
    assert focus_build(data_dir=str(data_dir), return_state=True).is_completed()
    assert focus_build(data_dir=str(data_dir), full_refresh=True, return_state=True).is_completed()
    assert query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL") == kept


def test_tags_keep_every_key_and_value_with_focus_key_names(built):
    """Tags are rewritten as text (for memory), so check them against a real JSON parser."""
    data_dir, _, _ = built
    rows = query(data_dir, """
        SELECT raw.resource_tags, focus.Tags
        FROM aws_billing.demo_cur2 AS raw
        JOIN focus.cost_and_usage AS focus
            ON focus.x_SourceExport = 'demo-cur2' AND focus.x_LineItemId = raw.identity_line_item_id
            AND coalesce(focus.CommitmentDiscountStatus, '') <> 'Unused'
        WHERE raw.resource_tags IS NOT NULL""")
    assert rows

    def focus_key(key: str) -> str:
        return key[5:] if key.startswith("user_") else "aws:" + key[4:] if key.startswith("aws_") else key

    for raw, tags in rows:
        expected = {focus_key(k): v for k, v in json.loads(raw).items() if v not in ("", None)}
        assert (json.loads(tags) if tags else {}) == expected


def test_export_writes_focus_names_and_types(built, capsys, tmp_path):
    data_dir, _, _ = built
    out = tmp_path / "focus.parquet"
    assert main(["--data-dir", str(data_dir), "focus", "export", "--format", "parquet", "--out", str(out),
                 "--period", "2026-09", "--provider", "aws"]) == 0
    with duckdb.connect() as con:
        columns = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{out}')").fetchall())
        assert con.execute(f"SELECT DISTINCT x_BillingPeriod FROM '{out}'").fetchall() == [("2026-09",)]
    assert columns["BilledCost"].startswith("DECIMAL")
    assert columns["ChargePeriodStart"] == "TIMESTAMP WITH TIME ZONE"
    assert columns["BillingAccountId"] == "VARCHAR"

    csv_out = tmp_path / "focus.csv"
    assert main(["--data-dir", str(data_dir), "focus", "export", "--format", "csv", "--out", str(csv_out)]) == 0
    header = csv_out.read_text().splitlines()[0].split(",")
    assert header[:1] and "BilledCost" in header and "EffectiveCost" in header


def test_exported_parquet_passes_the_official_focus_validator(built, tmp_path, focus_validator):
    data_dir, _, _ = built
    out = tmp_path / "focus.parquet"
    assert main(["--data-dir", str(data_dir), "focus", "export", "--out", str(out)]) == 0

    focus_validator(out)


def test_aws_focus_export_passes_through_to_focus_1_2(tmp_path, data_dir, write_focus_export):
    root = tmp_path / "exports"
    write_focus_export(root)
    source = {"name": "focus-daily", "cur_version": "focus", "path": str(root)}

    state = aws_cur(sources=[source], data_dir=str(data_dir), return_state=True)

    assert state.is_completed(), state.message
    raw = query(data_dir, "SELECT count(*), sum(billed_cost), sum(effective_cost) FROM aws_billing.focus_daily")
    assert query(data_dir, "SELECT count(*), sum(BilledCost), sum(EffectiveCost) FROM focus.cost_and_usage "
                           "WHERE x_SourceExport = 'focus-daily'") == raw
    assert query(data_dir, "SELECT DISTINCT x_SourceFormat, x_BillingPeriod FROM focus.cost_and_usage") == [
        ("focus", "2024-09")]


# Metabase's DuckDB driver 1.5.5.0 bundles DuckDB 1.5.5 (dashboards/metabase/Containerfile). It opens
# files of storage number 64 (DuckDB's default, 1.0 format) up to 68 (1.5's format, the newest it
# writes); a file written by DuckDB 2.x could not be opened by it.
METABASE_DRIVER_STORAGE_VERSIONS = range(64, 69)


def test_database_files_are_readable_by_the_metabase_driver(built):
    data_dir, _, _ = built
    for path in (data_dir / "finops.duckdb", data_dir / "published" / "finops-read.duckdb"):
        header = path.read_bytes()[:64]
        assert header[8:12] == b"DUCK"
        assert int.from_bytes(header[12:20], "little") in METABASE_DRIVER_STORAGE_VERSIONS
        assert b"v1.5." in header  # the DuckDB release that wrote it, same minor as the driver's
