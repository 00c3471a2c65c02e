"""The `[gcp]` config section and the BigQuery queries an import runs (their partition bounds)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from openfinops.config import ConfigError, load_config
from openfinops.providers.gcp.bigquery import discovery_query, month_query
from openfinops.providers.gcp.config import GcpExport

TABLE = "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9"


def test_the_seeds_variables_name_one_export_after_its_table(tmp_path):
    config = load_config(tmp_path / "none.toml", env={
        "OPEN_FINOPS_GCP_PROJECT_ID": "my-billing-project", "OPEN_FINOPS_GCP_DATASET": "billing_export",
        "OPEN_FINOPS_GCP_TABLE": TABLE, "OPEN_FINOPS_GCP_SERVICE_ACCOUNT_PATH": "/keys/reader.json"})

    (export,) = config.provider("gcp").exports

    assert (export.name, export.table_ref, export.type, export.service_account_path, export.table_name) == (
        TABLE, f"my-billing-project.billing_export.{TABLE}", "detailed", "/keys/reader.json", TABLE.lower())
    assert (export.provider, export.dataset, export.source_format) == ("gcp", "gcp_billing", "detailed")


def test_several_exports_side_by_side_share_the_sections_credentials(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f"""
[gcp]
service_account_path = "/keys/reader.json"

[[gcp.exports]]
name = "main-detailed"
project_id = "my-billing-project"
dataset = "billing_export"
table = "{TABLE}"

[[gcp.exports]]
name = "subsidiary"
project_id = "other-project"
dataset = "billing"
table = "gcp_billing_export_v1_0A1B2C_3D4E5F_6A7B8C"
credentials_block = "subsidiary-reader"

[[gcp.exports]]
name = "extracted"
path = "gs://billing-extracts/gcp"
""")
    exports = load_config(path, env={}).provider("gcp").exports

    assert [(e.name, e.type, e.service_account_path, e.credentials_block) for e in exports] == [
        ("main-detailed", "detailed", "/keys/reader.json", None),
        ("subsidiary", "standard", None, "subsidiary-reader"),
        ("extracted", "standard", "/keys/reader.json", None)]
    # The container passes the list as JSON.
    env = {"OPEN_FINOPS_GCP_EXPORTS": json.dumps([{"name": "a", "project_id": "my-billing-project",
                                                   "dataset": "d", "table": TABLE}])}
    assert [e.name for e in load_config(tmp_path / "none.toml", env=env).provider("gcp").exports] == ["a"]


@pytest.mark.parametrize("entry, message", [
    ({"name": "x", "project_id": "my-billing-project", "dataset": "d"}, "missing table"),
    ({"name": "x", "project_id": "My Project", "dataset": "d", "table": "t"}, "is not a GCP project id"),
    ({"name": "x", "project_id": "my-billing-project", "dataset": "d-1", "table": "t"}, "is not a BigQuery dataset"),
    ({"name": "x", "path": "/exports", "table": "t"}, "either path or project_id"),
    ({"name": "x", "path": "/exports", "type": "hourly"}, "type must be one of standard, detailed"),
    ({"name": "x", "path": "/exports", "region": "eu"}, "unknown keys: region"),
])
def test_a_bad_export_is_one_clear_error(tmp_path, entry, message):
    env = {"OPEN_FINOPS_GCP_EXPORTS": json.dumps([entry])}
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "none.toml", env=env)


def test_the_key_file_path_is_not_its_content_and_a_repr_shows_no_secret():
    export = GcpExport(name="x", project_id="my-billing-project", billing_dataset="d", table=TABLE,
                       service_account_path="/keys/reader.json")
    assert "private_key" not in repr(export)


def test_discovery_reads_only_the_partitions_appended_since_the_watermarks_day():
    export = GcpExport(name="x", project_id="my-billing-project", billing_dataset="billing_export", table=TABLE)
    since = datetime(2026, 11, 20, 14, 30, tzinfo=timezone.utc)

    first, later = discovery_query(export, None), discovery_query(export, since)

    assert "_PARTITIONTIME" not in first.sql  # the first import reads the whole table once
    assert "WHERE _PARTITIONTIME >= TIMESTAMP_TRUNC(@since, DAY) OR _PARTITIONTIME IS NULL" in later.sql
    assert [(p.name, p.value) for p in later.parameters] == [("since", since)]
    assert later.sql.startswith("SELECT invoice.month AS invoice_month, MAX(export_time) AS last_export_time\n"
                                f"FROM `my-billing-project.billing_export.{TABLE}`")


def test_a_months_load_reads_only_the_partitions_from_its_first_day_on():
    export = GcpExport(name="x", project_id="my-billing-project", billing_dataset="billing_export", table=TABLE)

    query = month_query(export, "202610")

    assert "WHERE invoice.month = @invoice_month" in query.sql
    assert "(_PARTITIONTIME >= TIMESTAMP(DATE_SUB(@first_day, INTERVAL 1 DAY)) OR _PARTITIONTIME IS NULL)" in query.sql
    assert [(p.name, str(p.value)) for p in query.parameters] == [("invoice_month", "202610"),
                                                                  ("first_day", "2026-10-01")]
