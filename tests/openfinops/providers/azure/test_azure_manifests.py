"""Finding each billing period's current run of an Azure export (openfinops.providers.azure.manifests):
exports with manifest.json, with and without the timestamp folder, legacy exports without one, restated
and empty runs, and broken deliveries.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from openfinops.errors import ManifestError
from openfinops.importing.exports import BrokenManifest
from openfinops.importing.loading import load_period
from openfinops.importing.planning import plan_periods
from openfinops.providers.azure.config import AzureExport
from openfinops.providers.azure.manifests import Manifest, parse, resolve_blob

from .azure_layouts import cost_csv, write_run


def _export(root: Path, name: str = "daily-actual", kind: str = "actual") -> AzureExport:
    return AzureExport(name=name, type=kind, path=str(root))


def test_a_run_with_a_timestamp_folder(tmp_path):
    run = write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(3), "part_1_0001.csv": cost_csv(2)},
                    run_id="7b1c", period="20240101-20240131", timestamp="202402031914")

    [manifest] = _export(tmp_path).discover()

    assert isinstance(manifest, Manifest)
    assert (manifest.billing_period, manifest.manifest_id, manifest.file_format) == ("2024-01", "7b1c", "csv")
    assert manifest.path == str(run / "manifest.json")
    assert [f.key for f in manifest.files] == ["costs/daily-actual/20240101-20240131/202402031914/7b1c/part_0_0001.csv",
                                               "costs/daily-actual/20240101-20240131/202402031914/7b1c/part_1_0001.csv"]
    assert [f.path for f in manifest.files] == [str(run / "part_0_0001.csv"), str(run / "part_1_0001.csv")]
    assert manifest.files[0].size == len(cost_csv(3))
    assert manifest.expected_rows == {manifest.files[0].key: 3, manifest.files[1].key: 2}
    assert manifest.written_at == pytest.approx((run / "manifest.json").stat().st_mtime)


def test_a_run_without_a_timestamp_folder(tmp_path):
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv.gz": b"x" * 10}, run_id="r1", timestamp=None,
              period="20240201-20240229", rows={"part_0_0001.csv.gz": 5})

    [manifest] = _export(tmp_path).discover()

    assert (manifest.billing_period, manifest.manifest_id) == ("2024-02", "r1")
    assert manifest.files[0].key == "costs/daily-actual/20240201-20240229/r1/part_0_0001.csv.gz"


def test_the_newest_completed_run_of_a_month_is_current(tmp_path):
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(1)}, run_id="old", timestamp="202401100000",
              submitted="2024-01-10T00:00:00Z")
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(2)}, run_id="new", timestamp="202401110000",
              submitted="2024-01-11T00:00:00.1234567Z")
    # still being written: no manifest yet
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(3)}, run_id="writing",
              timestamp="202401120000", manifest=False)
    # without timestamp folders the submittedTime decides, not the folder name
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(1)}, run_id="z-first", timestamp=None,
              period="20240201-20240229", submitted="2024-02-02T00:00:00Z")
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(1)}, run_id="a-second", timestamp=None,
              period="20240201-20240229", submitted="2024-02-03T00:00:00Z")

    found = _export(tmp_path).discover()

    assert [(m.billing_period, m.manifest_id) for m in found] == [("2024-01", "new"), ("2024-02", "a-second")]


def test_a_month_with_only_an_unfinished_run_has_nothing_to_import(tmp_path):
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(3)}, manifest=False)

    assert _export(tmp_path).discover() == []


def test_a_restated_month_replaces_the_old_runs_rows(tmp_path, data_dir):
    export = _export(tmp_path)
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(2, cost="1")}, run_id="first",
              timestamp="202402010000", submitted="2024-02-01T00:00:00Z")
    [first] = plan_periods(export, export.discover(), data_dir / "finops.duckdb")
    assert first.status == "new"
    load_period(export, first.manifest, data_dir)

    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(3, cost="2")}, run_id="restated",
              timestamp="202402050000", submitted="2024-02-05T00:00:00Z")
    [plan] = plan_periods(export, export.discover(), data_dir / "finops.duckdb")
    assert (plan.status, plan.manifest.manifest_id) == ("changed", "restated")
    loaded = load_period(export, plan.manifest, data_dir)

    assert (loaded.rows, loaded.cost) == (3, Decimal(6))
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert con.sql("SELECT manifest_id, count(*) FROM azure_billing.daily_actual GROUP BY ALL").fetchall() == [
            ("restated", 3)]


def test_a_run_without_rows_never_replaces_a_month_with_data(tmp_path, data_dir, caplog):
    export = _export(tmp_path)
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(2)}, run_id="with-rows",
              timestamp="202402010000", submitted="2024-02-01T00:00:00Z")
    [manifest] = export.discover()
    load_period(export, manifest, data_dir)
    # newer runs: one listing no blob, one whose only blob holds a header
    write_run(tmp_path, "daily-actual", {}, run_id="no-blobs", timestamp="202402020000",
              submitted="2024-02-02T00:00:00Z")
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(0)}, run_id="header-only",
              timestamp="202402030000", submitted="2024-02-03T00:00:00Z")

    [current] = export.discover()

    assert current.manifest_id == "with-rows"
    [plan] = plan_periods(export, [current], data_dir / "finops.duckdb")
    assert plan.status == "unchanged"
    assert "header-only of 2024-01 has no rows" in caplog.text and "no-blobs" in caplog.text


def test_a_month_with_only_runs_without_rows_is_left_out(tmp_path):
    write_run(tmp_path, "daily-actual", {}, run_id="empty", period="20240301-20240331", timestamp="202403020000")
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(1)}, run_id="april", period="20240401-20240430",
              timestamp="202404020000")

    assert [m.billing_period for m in _export(tmp_path).discover()] == ["2024-04"]


def test_legacy_exports_take_the_newest_file_of_each_month(tmp_path):
    folder = tmp_path / "monthly" / "20240101-20240131"
    folder.mkdir(parents=True)
    old = folder / "monthly_0d6f2c1e-1111-4c3a-9d2b-3c4d5e6f7a8b.csv"
    new = folder / "monthly_9a8b7c6d-2222-4e5f-8a9b-0c1d2e3f4a5b.csv"
    old.write_bytes(cost_csv(1))
    new.write_bytes(cost_csv(2))
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_700_086_400, 1_700_086_400))
    feb = tmp_path / "monthly" / "20240201-20240229" / "nested"
    feb.mkdir(parents=True)
    (feb / "monthly_abc-123.csv").write_bytes(cost_csv(1))
    (feb / "notes.txt").write_text("not an export file")

    jan, feb_manifest = _export(tmp_path, "monthly").discover()

    assert (jan.billing_period, jan.manifest_id, jan.path) == ("2024-01", "9a8b7c6d-2222-4e5f-8a9b-0c1d2e3f4a5b",
                                                               str(new))
    assert [f.key for f in jan.files] == ["monthly/20240101-20240131/monthly_9a8b7c6d-2222-4e5f-8a9b-0c1d2e3f4a5b.csv"]
    assert jan.expected_rows is None and jan.written_at == 1_700_086_400
    assert (feb_manifest.billing_period, feb_manifest.manifest_id) == ("2024-02", "abc-123")


def test_a_type_other_than_configured_is_a_clear_error(tmp_path):
    run = write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(1)}, export_type="amortized")

    [broken] = _export(tmp_path).discover()

    assert isinstance(broken, BrokenManifest) and broken.billing_period == "2024-01"
    assert broken.error == (f"{run / 'manifest.json'}: the export's type is AmortizedCost, but azure export "
                            "'daily-actual' is configured with type = 'actual'")
    with pytest.raises(ManifestError, match="AmortizedCost"):
        parse(str(tmp_path), _export(tmp_path), "2024-01", str(run / "manifest.json"),
              json.loads((run / "manifest.json").read_text()), {})


def test_a_broken_manifest_breaks_its_month_only(tmp_path):
    run = write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(1)}, period="20240101-20240131")
    (run / "manifest.json").write_text('{"manifestVersion": "2024-04-01", "blobs": [')
    write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(1)}, period="20240201-20240229")

    broken, good = _export(tmp_path).discover()

    assert isinstance(broken, BrokenManifest) and isinstance(good, Manifest)
    assert broken.error.startswith(f"{run / 'manifest.json'}: manifest is not valid JSON")


@pytest.mark.parametrize(("damage", "error"), [
    ("missing", r"lists blob costs/daily-actual/20240101-20240131/202402031914/run-1/part_1_0001\.csv, which does "
                r"not exist \(.*/part_1_0001\.csv\)"),
    ("truncated", r"lists blob .*/part_0_0001\.csv with \d+ bytes, but it has 10"),
    ("elsewhere", r"blob 'costs/other-export/x\.csv' is not under the export folder 'daily-actual'"),
    ("not-a-manifest", r"no 'exportConfig' or 'blobs'; is this a Cost Management export manifest\?"),
])
def test_a_manifest_that_does_not_match_its_blobs(tmp_path, damage, error):
    run = write_run(tmp_path, "daily-actual", {"part_0_0001.csv": cost_csv(3), "part_1_0001.csv": cost_csv(1)})
    doc = json.loads((run / "manifest.json").read_text())
    if damage == "missing":
        (run / "part_1_0001.csv").unlink()
    elif damage == "truncated":
        (run / "part_0_0001.csv").write_bytes(b"x" * 10)
    elif damage == "elsewhere":
        doc["blobs"][1]["blobName"] = "costs/other-export/x.csv"
    else:
        doc = {"id": 1}
    (run / "manifest.json").write_text(json.dumps(doc))

    [broken] = _export(tmp_path).discover()

    assert isinstance(broken, BrokenManifest)
    assert broken.error.startswith(str(run / "manifest.json"))
    assert broken.error == broken.error.strip() and "\n" not in broken.error
    assert re.search(error, broken.error), broken.error


def test_no_export_folder_or_an_unknown_layout(tmp_path):
    with pytest.raises(ManifestError, match=r"no export folder named 'daily-actual'"):
        _export(tmp_path).discover()
    (tmp_path / "daily-actual" / "2024-01").mkdir(parents=True)
    (tmp_path / "daily-actual" / "2024-01" / "x.csv").write_text("a\n")
    with pytest.raises(ManifestError, match=r"unknown export layout, expected daily-actual/<YYYYMMDD-YYYYMMDD>/"
                                            r".*\(found: 2024-01\)"):
        _export(tmp_path).discover()


def test_blob_names_are_rebased_from_the_export_folder_on():
    name = "costs/daily-actual/20240101-20240131/202402031914/7b1c/part_0_0001.csv"
    assert resolve_blob("billing/copy", "daily-actual", name) == \
        "billing/copy/daily-actual/20240101-20240131/202402031914/7b1c/part_0_0001.csv"
    # a root folder named like the export; a blob URL
    assert resolve_blob("/data", "x", "x/x/20240101-20240131/r/p.csv") == "/data/x/20240101-20240131/r/p.csv"
    assert resolve_blob("c", "x", "https://acct.blob.core.windows.net/c/x/20240101-20240131/r/p.csv") == \
        "c/x/20240101-20240131/r/p.csv"
    assert resolve_blob("c", "x", "costs/y/20240101-20240131/r/p.csv") is None
