"""Planning an import (openfinops.importing.planning): per billing period new, changed, unchanged or error,
for all periods or one (YYYY-MM, current or previous)."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from openfinops.importing.exports import BrokenManifest, DataFile
from openfinops.importing.planning import PeriodResult, PlannedImport, plan_periods
from openfinops.periods import resolve_period
from openfinops.warehouse import state

from .fakes import FakeExport, FakeManifest

FILES = (DataFile("2026-09/part-0.csv", "/x/part-0.csv", 100, "e1"),)


def _imported(database, export: FakeExport, delivery: FakeManifest, import_id: str = "import-1") -> None:
    with duckdb.connect(str(database)) as con:
        state.record_import(con, provider=export.provider, export=export.name, billing_period=delivery.billing_period,
                            source_format="csv", raw_table="acme_billing.acme_costs", import_id=import_id,
                            manifest_id=delivery.manifest_id, manifest_path=delivery.path,
                            fingerprint=delivery.fingerprint, files=[{"key": "k", "size": 1, "etag": None}],
                            rows_loaded=7, cost_total=Decimal("1.5"))


@pytest.fixture
def database(tmp_path):
    return tmp_path / "finops.duckdb"


def test_everything_is_new_before_the_first_import(database):
    manifests = [FakeManifest("2026-08", "exec-a", FILES), FakeManifest("2026-09", "exec-b", FILES)]

    plan = plan_periods(FakeExport(), manifests, database)

    assert plan == [PlannedImport(manifests[0], "new"), PlannedImport(manifests[1], "new")]


def test_new_changed_unchanged_and_error(database):
    export = FakeExport()
    july, august, september = (FakeManifest(p, f"exec-{p}", FILES) for p in ("2026-07", "2026-08", "2026-09"))
    _imported(database, export, july)
    _imported(database, export, august)
    restated = FakeManifest("2026-08", "exec-2026-08-restated", FILES)
    broken = BrokenManifest(export.name, "2026-10", "m.json", "m.json: not valid JSON")

    plan = plan_periods(export, [july, restated, september, broken], database)

    assert [(p.manifest.billing_period, p.status) for p in plan] == [
        ("2026-07", "unchanged"), ("2026-08", "changed"), ("2026-09", "new"), ("2026-10", "error")]
    previous = state.read_state(database, "acme", "acme-costs")
    assert plan[0].previous == previous["2026-07"] and plan[0].previous.rows_loaded == 7
    assert plan[1].previous == previous["2026-08"]
    assert plan[2].previous is None and plan[3].previous is None


def test_a_changed_file_under_the_same_manifest_id_is_a_change(database):
    export = FakeExport()
    _imported(database, export, FakeManifest("2026-09", "exec-1", FILES))
    rewritten = (DataFile("2026-09/part-0.csv", "/x/part-0.csv", 101, "e2"),)

    [planned] = plan_periods(export, [FakeManifest("2026-09", "exec-1", rewritten)], database)

    assert planned.status == "changed"


def test_other_exports_imports_do_not_count(database):
    delivery = FakeManifest("2026-09", "exec-1", FILES)
    _imported(database, FakeExport(name="other-export"), delivery)
    _imported(database, FakeExport(provider="other-provider"), delivery)

    assert [p.status for p in plan_periods(FakeExport(), [delivery], database)] == ["new"]


def test_only_the_period_asked_for(database):
    current, previous = resolve_period("current"), resolve_period("previous")
    manifests = [FakeManifest("2026-08", "a", FILES), FakeManifest(previous, "b", FILES),
                 FakeManifest(current, "c", FILES), BrokenManifest("acme-costs", "2026-09", "m.json", "broken")]

    def periods(period):
        return [p.manifest.billing_period for p in plan_periods(FakeExport(), manifests, database, period)]

    assert periods("2026-08") == ["2026-08"]
    assert periods("2026-09") == ["2026-09"]  # a broken period can be asked for, and fails
    assert periods("current") == [current]
    assert periods("previous") == [previous]
    assert periods("2020-01") == []
    assert periods(None) == ["2026-08", previous, current, "2026-09"]
    with pytest.raises(ValueError, match="is not a billing period"):
        periods("last-month")


def test_period_result_as_dict():
    result = PeriodResult("acme-costs", "2026-09", "imported", "exec-1", files=2, bytes=10, rows=3,
                          cost=Decimal("1.5"))

    assert result.as_dict() == {"export": "acme-costs", "billing_period": "2026-09", "status": "imported",
                                "manifest_id": "exec-1", "files": 2, "bytes": 10, "rows": 3,
                                "cost": Decimal("1.5"), "error": None}
