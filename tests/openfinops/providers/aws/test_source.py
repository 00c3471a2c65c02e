"""The dlt source of one AWS billing period (openfinops.providers.aws.source): declared columns, append only,
and the rows dlt loads from each file's SELECT.

Loading through it is also tested end to end in tests/flows/test_aws_cur.py and tests/flows/test_real_exports.py.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from fsspec.implementations.local import LocalFileSystem

from openfinops.importing import data_files
from openfinops.importing.lineage import LINEAGE_COLUMNS
from openfinops.importing.loading import load_period
from openfinops.importing.sql import quote
from openfinops.providers.aws.config import AwsExport
from openfinops.providers.aws.manifests import Manifest
from openfinops.providers.aws.reader import file_select
from openfinops.providers.aws.settings import KNOWN_COLUMNS
from openfinops.providers.aws.source import aws_cur, declared_columns
from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2


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


EXPORTS = {"v1": "demo-cur-v1", "v2": "demo-cur2", "v2-csv": "demo-cur2", "focus": "focus-daily"}


@pytest.mark.parametrize("flavour", EXPORTS)
def test_dlt_loads_the_rows_the_files_selects_read(tmp_path, data_dir, flavour, write_focus_export):
    """dlt rewrites each file's SELECT (sqlglot, DuckDB to DuckDB) before it runs it: the raw table holds
    exactly the rows the SELECTs read, and NULL in the declared columns no file has."""
    root = tmp_path / "exports"
    if flavour == "v1":
        write_cur_v1(root, periods=("2026-09",), rows_per_period=300, files_per_period=2, delivery="overwrite")
    elif flavour == "focus":
        write_focus_export(root)
    else:
        write_cur_v2(root, periods=("2026-09",), rows_per_period=300, files_per_period=2,
                     fmt="csv" if flavour == "v2-csv" else "parquet")
    export = AwsExport(name=EXPORTS[flavour], cur_version=flavour.split("-")[0], path=str(root))
    [manifest] = export.discover()

    loaded = load_period(export, manifest, data_dir)

    # Each file read on its own: the load reads them in one SELECT
    selects = {f.key: file_select(Path(f.path), f, manifest, loaded.import_id) for f in manifest.files}
    columns = list(dict.fromkeys(name for s in selects.values() for name in s.columns)) + list(LINEAGE_COLUMNS)
    listed = ", ".join(quote(name) for name in columns)
    one_by_one = [data_files.select_sql({Path(f.path): f.key}, selects[f.key].file_format, selects[f.key].expressions)
                  for f in manifest.files]
    with data_files.connection() as con:
        union = " UNION ALL BY NAME ".join(f"({sql})" for sql in one_by_one)
        expected = con.execute(f"SELECT {listed} FROM ({union}) ORDER BY {listed}").fetchall()
    table = f"aws_billing.{export.table_name}"
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        assert con.execute(f"SELECT {listed} FROM {table} ORDER BY {listed}").fetchall() == expected
        assert len(expected) == loaded.rows > 0
        absent = set(declared_columns(manifest)) - set(columns)
        if absent:
            nulls = ", ".join(f"count({quote(name)})" for name in sorted(absent))
            assert set(con.execute(f"SELECT {nulls} FROM {table}").fetchone()) == {0}
