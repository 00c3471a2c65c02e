"""How far a GCP export is imported: the newest export_time, held back by a month whose last import failed."""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb

from openfinops.providers.gcp.watermarks import watermark
from openfinops.warehouse import state


def imported(database, period: str, export_time: str, export: str = "billing") -> None:
    with duckdb.connect(str(database)) as con:
        con.execute(state.DDL)
        state.record_import(con, provider="gcp", export=export, billing_period=period, source_format="detailed",
                            raw_table=f"gcp_billing.{export}", import_id=period, manifest_id=export_time,
                            manifest_path="p.d.t", fingerprint=export_time, files=[], rows_loaded=1, cost_total=None)


def test_nothing_imported_reads_the_whole_table(tmp_path):
    assert watermark(tmp_path / "finops.duckdb", "gcp", "billing") is None


def test_the_newest_export_time_of_any_month(tmp_path):
    database = tmp_path / "finops.duckdb"
    imported(database, "2026-09", "2026-10-04T04:30:00+00:00")
    imported(database, "2026-10", "2026-10-20T04:30:00+00:00")
    imported(database, "2026-11", "2026-12-01T04:30:00+00:00", export="other")

    assert watermark(database, "gcp", "billing") == datetime(2026, 10, 20, 4, 30, tzinfo=timezone.utc)


def test_a_month_whose_last_import_failed_holds_the_watermark_back_until_it_succeeds(tmp_path):
    database = tmp_path / "finops.duckdb"
    imported(database, "2026-09", "2026-10-01T04:30:00+00:00")
    imported(database, "2026-10", "2026-10-20T04:30:00+00:00")
    # September got late rows on October 3rd; their import failed, October's went on.
    state.record_runs(database, "gcp", [("billing", "2026-09", "failed", "2026-10-03T04:30:00+00:00", "boom"),
                                        ("billing", "2026-10", "imported", "2026-10-20T04:30:00+00:00", None)], "r1")

    assert watermark(database, "gcp", "billing") == datetime(2026, 10, 3, 4, 30, tzinfo=timezone.utc)

    imported(database, "2026-09", "2026-10-03T04:30:00+00:00")
    state.record_runs(database, "gcp", [("billing", "2026-09", "replaced", "2026-10-03T04:30:00+00:00", None)], "r2")
    assert watermark(database, "gcp", "billing") == datetime(2026, 10, 20, 4, 30, tzinfo=timezone.utc)
