"""The dlt source of one AWS billing period (openfinops.providers.aws.source): declared columns, append only.

Loading through it is tested end to end in tests/flows/test_aws_cur.py and tests/flows/test_real_exports.py.
"""

from __future__ import annotations

from fsspec.implementations.local import LocalFileSystem

from openfinops.importing.lineage import LINEAGE_COLUMNS
from openfinops.providers.aws.manifests import Manifest
from openfinops.providers.aws.settings import KNOWN_COLUMNS
from openfinops.providers.aws.source import aws_cur, declared_columns


def _manifest(cur_version: str) -> Manifest:
    return Manifest(export="cur", cur_version=cur_version, billing_period="2026-09", manifest_id="exec-1",
                    path="m.json", columns=(), files=(), file_format="csv")


def test_cur_declares_the_whole_cur2_schema_and_lineage():
    columns = declared_columns(_manifest("v1"))

    assert set(columns) == KNOWN_COLUMNS | set(LINEAGE_COLUMNS)
    assert columns == declared_columns(_manifest("v2"))
    assert columns["line_item_unblended_cost"]["data_type"] == "decimal"
    assert columns["line_item_usage_start_date"]["data_type"] == "timestamp"
    assert columns["resource_tags"]["data_type"] == "json"
    assert columns["line_item_usage_account_id"]["data_type"] == "text"
    assert all(hint["nullable"] for hint in columns.values())


def test_the_focus_export_declares_lineage_only():
    assert set(declared_columns(_manifest("focus"))) == set(LINEAGE_COLUMNS)


def test_one_appending_resource_named_for_the_raw_table(tmp_path):
    source = aws_cur(_manifest("v2"), "payer_cur2", "import-1", LocalFileSystem(), tmp_path)

    [resource] = source.resources.values()
    assert resource.name == "payer_cur2"
    assert resource.write_disposition == "append"
    assert set(resource.columns) >= {"import_id", "billing_period", "line_item_unblended_cost"}
