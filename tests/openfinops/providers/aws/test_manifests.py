"""Manifest discovery and parsing for every layout AWS writes (openfinops.providers.aws.manifests).

Exports are generated with the project's sample generator (openfinops.samples.aws_cur) or, for the
AWS FOCUS export, built by hand from a few AWS rows of the FOCUS 1.0 sample data
(tests/fixtures/aws/focus-1.0-aws-rows.csv). The local folder stands for s3://<bucket>/<prefix>,
as openfinops.providers.aws.storage.export_filesystem does for an export configured with `path`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem

from openfinops.errors import ManifestError
from openfinops.providers.aws.config import AwsExport
from openfinops.providers.aws.manifests import BrokenManifest, Manifest, discover, parse, resolve_key
from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "aws"
FOCUS_ROWS = FIXTURES / "focus-1.0-aws-rows.csv"
ROWS = 12  # rows per period: tiny, these tests are about layout, not volume


@pytest.fixture
def fs() -> LocalFileSystem:
    return LocalFileSystem()


def _export(root: Path, name: str, cur_version: str) -> AwsExport:
    return AwsExport(name=name, cur_version=cur_version, path=str(root))


def _discover(fs, root: Path, name: str, cur_version: str) -> list[Manifest | BrokenManifest]:
    return discover(fs, str(root), _export(root, name, cur_version))


def _only(found: list) -> Manifest:
    assert len(found) == 1, found
    assert isinstance(found[0], Manifest), found[0]
    return found[0]


def _assert_files_resolved(manifest: Manifest, root: Path) -> None:
    """Every data file resolves under the local root, exists, and its size is the real one."""
    for f in manifest.files:
        assert f.path.startswith(str(root) + "/"), f.path
        assert os.path.isfile(f.path), f.path
        assert f.size == os.path.getsize(f.path) > 0
        assert f.etag is None  # a local folder has no ETags
    assert manifest.total_bytes == sum(os.path.getsize(f.path) for f in manifest.files)


# --------------------------------------------------------------------------- legacy CUR (v1)
def test_v1_new_version_uses_period_manifest_and_ignores_assembly_copies(fs, tmp_path):
    write_cur_v1(tmp_path, periods=("2026-08", "2026-09"), rows_per_period=ROWS, files_per_period=2)
    [restated] = write_cur_v1(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=2, revision=2)
    assembly = json.loads(restated.read_text())["assemblyId"]
    # Two assembly folders for September now, each with its own copy of a manifest.
    period_dir = tmp_path / "demo-cur-v1" / "20260901-20261001"
    assert len(list(period_dir.glob("*/demo-cur-v1-Manifest.json"))) == 2

    found = _discover(fs, tmp_path, "demo-cur-v1", "v1")

    assert [m.billing_period for m in found] == ["2026-08", "2026-09"]
    assert all(isinstance(m, Manifest) for m in found)
    september = found[1]
    assert september.path == str(period_dir / "demo-cur-v1-Manifest.json")
    assert september.manifest_id == assembly
    assert september.export == "demo-cur-v1" and september.cur_version == "v1"
    assert september.file_format == "csv"
    assert [f.key for f in september.files] == [
        f"cur/demo-cur-v1/20260901-20261001/{assembly}/demo-cur-v1-0000{i}.csv.gz" for i in (1, 2)]
    assert [f.path for f in september.files] == [
        str(period_dir / assembly / f"demo-cur-v1-0000{i}.csv.gz") for i in (1, 2)]
    _assert_files_resolved(september, tmp_path)
    columns = dict(september.columns)
    assert columns["lineItem/UnblendedCost"] == "BigDecimal"
    assert columns["lineItem/UsageStartDate"] == "DateTime"
    assert columns["resourceTags/user:Team"] == "OptionalString"
    assert september.raw["assemblyId"] == assembly


def test_v1_overwrite_reads_files_beside_the_manifest(fs, tmp_path):
    write_cur_v1(tmp_path, periods=("2026-10",), rows_per_period=ROWS, files_per_period=2, delivery="overwrite")

    manifest = _only(_discover(fs, tmp_path, "demo-cur-v1", "v1"))

    period_dir = tmp_path / "demo-cur-v1" / "20261001-20261101"
    assert manifest.billing_period == "2026-10"
    assert manifest.path == str(period_dir / "demo-cur-v1-Manifest.json")
    assert [f.path for f in manifest.files] == [str(period_dir / f"demo-cur-v1-0000{i}.csv.gz") for i in (1, 2)]
    assert manifest.file_format == "csv"
    _assert_files_resolved(manifest, tmp_path)


def test_v1_zip_compression(fs, tmp_path):
    write_cur_v1(tmp_path, periods=("2026-10",), rows_per_period=ROWS, files_per_period=1, delivery="overwrite",
                 compression="ZIP")

    manifest = _only(_discover(fs, tmp_path, "demo-cur-v1", "v1"))

    assert manifest.raw["compression"] == "ZIP"
    assert [f.key for f in manifest.files] == ["cur/demo-cur-v1/20261001-20261101/demo-cur-v1-00001.csv.zip"]
    assert manifest.file_format == "csv"
    _assert_files_resolved(manifest, tmp_path)


# --------------------------------------------------------------------------- CUR 2.0 (v2)
def test_v2_overwrite_parquet_rebases_s3_uris(fs, tmp_path):
    [top] = write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=2)
    doc = json.loads(top.read_text())
    assert doc["dataFiles"][0].startswith("s3://demo-billing/cur2/demo-cur2/")  # written for another bucket

    manifest = _only(_discover(fs, tmp_path, "demo-cur2", "v2"))

    data_dir = tmp_path / "demo-cur2" / "data" / "BILLING_PERIOD=2026-09"
    assert manifest.billing_period == "2026-09"
    assert manifest.manifest_id == doc["executionId"]
    assert manifest.path == str(top)
    assert manifest.file_format == "parquet"
    assert [f.key for f in manifest.files] == doc["dataFiles"]
    assert [f.path for f in manifest.files] == [str(data_dir / f"demo-cur2-0000{i}.snappy.parquet") for i in (1, 2)]
    _assert_files_resolved(manifest, tmp_path)
    columns = dict(manifest.columns)
    assert columns["line_item_unblended_cost"] == "double"
    assert columns["resource_tags"] == "map<string,string>"
    assert columns["line_item_usage_start_date"] == "timestamp"


def test_v2_new_version_most_recently_written_manifest_wins(fs, tmp_path):
    [top] = write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1,
                         delivery="new-version")
    first = json.loads(top.read_text())["executionId"]
    write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1, delivery="new-version",
                 revision=2)
    second = json.loads(top.read_text())["executionId"]
    assert first != second
    meta = tmp_path / "demo-cur2" / "metadata" / "BILLING_PERIOD=2026-09"
    first_copy = meta / first / "demo-cur2-Manifest.json"
    second_copy = meta / second / "demo-cur2-Manifest.json"
    base = 1_750_000_000
    os.utime(first_copy, (base, base))
    os.utime(top, (base + 10, base + 10))
    os.utime(second_copy, (base + 20, base + 20))

    manifest = _only(_discover(fs, tmp_path, "demo-cur2", "v2"))
    assert manifest.path == str(second_copy)
    assert manifest.manifest_id == second
    assert [f.path for f in manifest.files] == [
        str(tmp_path / "demo-cur2" / "data" / "BILLING_PERIOD=2026-09" / second / "demo-cur2-00001.snappy.parquet")]
    _assert_files_resolved(manifest, tmp_path)

    # The choice follows the write time, not the folder names: make the first delivery newest.
    os.utime(first_copy, (base + 30, base + 30))
    manifest = _only(_discover(fs, tmp_path, "demo-cur2", "v2"))
    assert manifest.path == str(first_copy)
    assert manifest.manifest_id == first
    assert [f.path for f in manifest.files] == [
        str(tmp_path / "demo-cur2" / "data" / "BILLING_PERIOD=2026-09" / first / "demo-cur2-00001.snappy.parquet")]


def test_v2_gzip_csv(fs, tmp_path):
    write_cur_v2(tmp_path, periods=("2026-08", "2026-10"), rows_per_period=ROWS, files_per_period=1, fmt="csv")

    found = _discover(fs, tmp_path, "demo-cur2", "v2")

    assert [m.billing_period for m in found] == ["2026-08", "2026-10"]
    for manifest in found:
        assert isinstance(manifest, Manifest)
        assert manifest.file_format == "csv"
        assert [f.key.rsplit("/", 1)[-1] for f in manifest.files] == ["demo-cur2-00001.csv.gz"]
        _assert_files_resolved(manifest, tmp_path)


# --------------------------------------------------------------------------- AWS FOCUS export


def test_focus_export_discovery(fs, tmp_path, write_focus_export):
    path = write_focus_export(tmp_path)

    manifest = _only(_discover(fs, tmp_path, "focus-daily", "focus"))

    assert manifest.cur_version == "focus"
    assert manifest.billing_period == "2024-09"
    assert manifest.manifest_id == "0b7f3c1e-focus-exec-1"
    assert manifest.path == str(path)
    assert manifest.file_format == "parquet"
    assert [f.key for f in manifest.files] == [
        "s3://bucket/prefix/focus-daily/data/BILLING_PERIOD=2024-09/focus-daily-00001.snappy.parquet"]
    assert [f.path for f in manifest.files] == [
        str(tmp_path / "focus-daily" / "data" / "BILLING_PERIOD=2024-09" / "focus-daily-00001.snappy.parquet")]
    _assert_files_resolved(manifest, tmp_path)
    columns = dict(manifest.columns)
    assert columns["BilledCost"] == "decimal"
    assert columns["ChargePeriodStart"] == "timestamp"
    assert columns["Tags"] == "map<string,string>"


# --------------------------------------------------------------------------- keys and fingerprints
def test_resolve_key_rebases_from_the_export_folder_on():
    root = "/data/copy"
    assert resolve_key(root, "rep", "cur/rep/20260901-20261001/a1/rep-00001.csv.gz") == \
        "/data/copy/rep/20260901-20261001/a1/rep-00001.csv.gz"
    assert resolve_key(root, "exp", "s3://other-bucket/deep/prefix/exp/data/BILLING_PERIOD=2026-09/exp-1.parquet") == \
        "/data/copy/exp/data/BILLING_PERIOD=2026-09/exp-1.parquet"
    assert resolve_key(root, "exp", "exp/data/BILLING_PERIOD=2026-09/exp-1.parquet") == \
        "/data/copy/exp/data/BILLING_PERIOD=2026-09/exp-1.parquet"  # export at the bucket root (no prefix)
    assert resolve_key(root, "exp", "s3://b/p/other/data/x.parquet") is None
    assert resolve_key(root, "exp", "s3://b/p/exp-1/data/x.parquet") is None  # a segment, not a substring


def test_keys_written_for_another_bucket_and_prefix_resolve_locally(fs, tmp_path):
    write_cur_v1(tmp_path, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1,
                 prefix="replicated/from/payer", bucket="payer-billing")
    write_cur_v2(tmp_path, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1,
                 prefix="org/exports", bucket="payer-billing")

    v1 = _only(_discover(fs, tmp_path, "demo-cur-v1", "v1"))
    v2 = _only(_discover(fs, tmp_path, "demo-cur2", "v2"))

    assert v1.files[0].key.startswith("replicated/from/payer/demo-cur-v1/")
    assert v2.files[0].key.startswith("s3://payer-billing/org/exports/demo-cur2/")
    _assert_files_resolved(v1, tmp_path)
    _assert_files_resolved(v2, tmp_path)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_fingerprint_is_stable_and_changes_on_restatement(fs, tmp_path, version):
    def deliver(root: Path, revision: int) -> None:
        if version == "v1":
            write_cur_v1(root, periods=("2026-09",), rows_per_period=ROWS, files_per_period=2, revision=revision,
                         delivery="overwrite")
        else:
            write_cur_v2(root, periods=("2026-09",), rows_per_period=ROWS, files_per_period=2, revision=revision)

    name = "demo-cur-v1" if version == "v1" else "demo-cur2"
    deliver(tmp_path / "a", 1)
    deliver(tmp_path / "b", 1)
    first = _only(_discover(fs, tmp_path / "a", name, version))
    assert _only(_discover(fs, tmp_path / "a", name, version)).fingerprint == first.fingerprint
    # Same delivery in another folder: same keys, sizes and id, so same fingerprint.
    assert _only(_discover(fs, tmp_path / "b", name, version)).fingerprint == first.fingerprint

    deliver(tmp_path / "a", 2)
    restated = _only(_discover(fs, tmp_path / "a", name, version))

    assert restated.manifest_id != first.manifest_id
    assert restated.fingerprint != first.fingerprint


def test_fingerprint_changes_when_a_file_changes_under_the_same_manifest(fs, tmp_path):
    write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1)
    before = _only(_discover(fs, tmp_path, "demo-cur2", "v2"))
    with open(before.files[0].path, "ab") as f:
        f.write(b"\0")

    after = _only(_discover(fs, tmp_path, "demo-cur2", "v2"))

    assert after.manifest_id == before.manifest_id
    assert after.fingerprint != before.fingerprint


# --------------------------------------------------------------------------- errors
def _broken(found: list, period: str) -> BrokenManifest:
    [item] = [m for m in found if m.billing_period == period]
    assert isinstance(item, BrokenManifest), item
    return item


def test_manifest_not_json_breaks_only_that_period(fs, tmp_path):
    manifests = write_cur_v1(tmp_path, periods=("2026-08", "2026-09"), rows_per_period=ROWS, files_per_period=1)
    manifests[1].write_text('{"assemblyId": "truncated", "reportKeys": [')

    found = _discover(fs, tmp_path, "demo-cur-v1", "v1")

    assert isinstance(found[0], Manifest) and found[0].billing_period == "2026-08"
    broken = _broken(found, "2026-09")
    assert broken.path == str(manifests[1])
    assert broken.error.startswith(f"{manifests[1]}: manifest is not valid JSON")


def test_manifest_not_an_object(fs, tmp_path):
    [top] = write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1)
    top.write_text("[]")

    broken = _broken(_discover(fs, tmp_path, "demo-cur2", "v2"), "2026-09")

    assert broken.error == f"{top}: manifest is not a JSON object"


@pytest.mark.parametrize("version, field", [
    ("v1", "assemblyId"), ("v1", "reportKeys"), ("v1", "columns"), ("v1", "billingPeriod"),
    ("v2", "executionId"), ("v2", "dataFiles"), ("v2", "columns"),
])
def test_manifest_missing_field(fs, tmp_path, version, field):
    if version == "v1":
        [top] = write_cur_v1(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1)
        name = "demo-cur-v1"
    else:
        [top] = write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1)
        name = "demo-cur2"
    doc = json.loads(top.read_text())
    del doc[field]
    top.write_text(json.dumps(doc))

    broken = _broken(_discover(fs, tmp_path, name, version), "2026-09")

    assert broken.error.startswith(f"{top}: manifest has no {field!r} field")


def test_manifest_with_no_data_files(fs, tmp_path):
    [top] = write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1)
    doc = json.loads(top.read_text())
    doc["dataFiles"] = []
    top.write_text(json.dumps(doc))

    broken = _broken(_discover(fs, tmp_path, "demo-cur2", "v2"), "2026-09")

    assert broken.error == f"{top}: manifest lists no data files"


def test_manifest_listing_a_missing_data_file(fs, tmp_path):
    [top] = write_cur_v1(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=2)
    doc = json.loads(top.read_text())
    missing_key = doc["reportKeys"][1]
    missing_path = tmp_path / missing_key.removeprefix("cur/")
    missing_path.unlink()

    broken = _broken(_discover(fs, tmp_path, "demo-cur-v1", "v1"), "2026-09")

    assert broken.error == f"{top}: lists data file {missing_key}, which does not exist ({missing_path})"


def test_manifest_key_outside_the_export_folder(fs, tmp_path):
    [top] = write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1)
    doc = json.loads(top.read_text())
    doc["dataFiles"] = ["s3://demo-billing/cur2/another-export/data/BILLING_PERIOD=2026-09/x.snappy.parquet"]
    top.write_text(json.dumps(doc))

    broken = _broken(_discover(fs, tmp_path, "demo-cur2", "v2"), "2026-09")

    assert str(top) in broken.error and "not under the export folder 'demo-cur2'" in broken.error


def test_unsupported_data_file_type(fs, tmp_path):
    [top] = write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1)
    doc = json.loads(top.read_text())
    data = Path(doc["dataFiles"][0].replace("s3://demo-billing/cur2", str(tmp_path)))
    other = data.with_name("demo-cur2-00001.json")
    shutil.copy(data, other)
    doc["dataFiles"] = [doc["dataFiles"][0].replace(data.name, other.name)]
    top.write_text(json.dumps(doc))

    broken = _broken(_discover(fs, tmp_path, "demo-cur2", "v2"), "2026-09")

    assert broken.error.startswith(f"{top}: unsupported data files")


def test_billing_period_mismatch_v1(fs, tmp_path):
    [top] = write_cur_v1(tmp_path, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1)
    doc = json.loads(top.read_text())
    doc["billingPeriod"] = {"start": "20260901T000000.000Z", "end": "20261001T000000.000Z"}
    top.write_text(json.dumps(doc))

    broken = _broken(_discover(fs, tmp_path, "demo-cur-v1", "v1"), "2026-08")

    assert broken.error == f"{top}: manifest is for billing period 2026-09, but sits in the folder for 2026-08"


def test_billing_period_mismatch_v2(fs, tmp_path):
    [top] = write_cur_v2(tmp_path, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1)
    doc = json.loads(top.read_text())
    doc["billingPeriod"]["start"] = "2026-09-01T00:00:00.000Z"
    top.write_text(json.dumps(doc))

    broken = _broken(_discover(fs, tmp_path, "demo-cur2", "v2"), "2026-08")

    assert broken.error == f"{top}: manifest is for billing period 2026-09, but sits in the folder for 2026-08"


def test_v1_billing_period_not_a_cur_timestamp(fs, tmp_path):
    [top] = write_cur_v1(tmp_path, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1)
    doc = json.loads(top.read_text())
    doc["billingPeriod"] = {"start": "2026-08-01T00:00:00Z"}
    top.write_text(json.dumps(doc))

    broken = _broken(_discover(fs, tmp_path, "demo-cur-v1", "v1"), "2026-08")

    assert broken.error == f"{top}: billingPeriod.start '2026-08-01T00:00:00Z' is not a CUR timestamp"


def test_v2_export_configured_as_v1_suggests_cur_version(fs, tmp_path):
    write_cur_v2(tmp_path, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1)

    with pytest.raises(ManifestError) as info:
        _discover(fs, tmp_path, "demo-cur2", "v1")

    message = str(info.value)
    assert message.startswith(f"{tmp_path}/demo-cur2: unknown export layout")
    assert "demo-cur2/<yyyymmdd-yyyymmdd>/demo-cur2-Manifest.json" in message
    assert 'set cur_version = "v2" or "focus"' in message


@pytest.mark.parametrize("version", ["v2", "focus"])
def test_v1_report_configured_as_v2_or_focus_suggests_v1(fs, tmp_path, version):
    write_cur_v1(tmp_path, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1)

    with pytest.raises(ManifestError) as info:
        _discover(fs, tmp_path, "demo-cur-v1", version)

    message = str(info.value)
    assert message.startswith(f"{tmp_path}/demo-cur-v1: unknown export layout")
    assert "demo-cur-v1/metadata/BILLING_PERIOD=YYYY-MM/demo-cur-v1-Manifest.json" in message
    assert 'set cur_version = "v1"' in message


def test_export_folder_with_neither_layout(fs, tmp_path):
    (tmp_path / "stray" / "notes").mkdir(parents=True)

    with pytest.raises(ManifestError) as info:
        _discover(fs, tmp_path, "stray", "v2")

    assert str(info.value).startswith(f"{tmp_path}/stray: unknown export layout")
    assert "cur_version" not in str(info.value)  # no misleading hint


def test_missing_export_folder(fs, tmp_path):
    write_cur_v2(tmp_path, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1)

    with pytest.raises(ManifestError) as info:
        _discover(fs, tmp_path, "demo-cur-2", "v2")

    assert str(info.value) == f"{tmp_path}: no export folder named 'demo-cur-2'"


def test_parse_reads_one_manifest_directly(fs, tmp_path):
    [top] = write_cur_v1(tmp_path, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1,
                         delivery="overwrite")
    export = _export(tmp_path, "demo-cur-v1", "v1")

    manifest = parse(fs, str(tmp_path), export, "2026-08", str(top))

    assert manifest == _only(discover(fs, str(tmp_path), export))
    with pytest.raises(ManifestError, match="manifest is for billing period 2026-08, but sits in the folder for "
                                            "2026-07"):
        parse(fs, str(tmp_path), export, "2026-07", str(top))


# --------------------------------------------------------------------------- edge cases
def test_prefix_equal_to_export_name(fs, tmp_path):
    write_cur_v1(tmp_path, report="cur", prefix="cur", periods=("2026-08",), rows_per_period=ROWS,
                 files_per_period=1)

    manifest = _only(_discover(fs, tmp_path, "cur", "v1"))

    _assert_files_resolved(manifest, tmp_path)


def test_local_folder_with_glob_characters(fs, tmp_path):
    root = tmp_path / "billing [copy]"
    write_cur_v2(root, periods=("2026-08",), rows_per_period=ROWS, files_per_period=1)

    manifest = _only(_discover(fs, root, "demo-cur2", "v2"))

    assert manifest.billing_period == "2026-08"


def test_manifest_column_entry_missing_name(fs, tmp_path):
    manifests = write_cur_v1(tmp_path, periods=("2026-08", "2026-09"), rows_per_period=ROWS, files_per_period=1)
    doc = json.loads(manifests[1].read_text())
    del doc["columns"][0]["category"]
    manifests[1].write_text(json.dumps(doc))

    found = _discover(fs, tmp_path, "demo-cur-v1", "v1")

    assert isinstance(found[0], Manifest)
    assert str(manifests[1]) in _broken(found, "2026-09").error


def test_v2_newest_manifest_compared_as_numbers(fs, tmp_path):
    [top] = write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1,
                         delivery="new-version")
    first = json.loads(top.read_text())["executionId"]
    write_cur_v2(tmp_path, periods=("2026-09",), rows_per_period=ROWS, files_per_period=1, delivery="new-version",
                 revision=2)
    second = json.loads(top.read_text())["executionId"]
    meta = tmp_path / "demo-cur2" / "metadata" / "BILLING_PERIOD=2026-09"
    os.utime(meta / first / "demo-cur2-Manifest.json", (999_999_999, 999_999_999))  # 2001-09-09
    os.utime(top, (999_999_990, 999_999_990))
    os.utime(meta / second / "demo-cur2-Manifest.json", (1_000_000_001, 1_000_000_001))

    manifest = _only(_discover(fs, tmp_path, "demo-cur2", "v2"))

    assert manifest.manifest_id == second
