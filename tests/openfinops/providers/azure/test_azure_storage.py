"""Azure exports read from blob storage (openfinops.providers.azure.storage), against Azurite: a v2 export
of gzip CSV and Parquet parts discovered and loaded through `container_url` + a connection string, and a
wrong key refused in one line that does not show the key.

Azurite (`npm install -g azurite`) runs on 127.0.0.1; without it these tests are skipped, unless
OPEN_FINOPS_REQUIRE_AZURITE is set (CI), which makes its absence a failure.
"""

from __future__ import annotations

import gzip
import io
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from azurite import AZURITE_ACCOUNT, AZURITE_KEY, azurite_connection_string, upload

from openfinops.errors import AccessError, ManifestError
from openfinops.importing.loading import load_period
from openfinops.providers.azure.config import AzureExport

from .azure_layouts import cost_csv, run_files


@pytest.fixture(autouse=True)
def no_azure_variables(monkeypatch):
    for name in ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_ACCOUNT_KEY",
                 "AZURE_STORAGE_ACCOUNT_NAME"):
        monkeypatch.delenv(name, raising=False)


def _parquet(rows: int) -> bytes:
    table = pa.table({"SubscriptionId": ["s"] * rows, "Date": ["2024-01-03"] * rows,
                      "CostInBillingCurrency": pa.array([Decimal("0.25")] * rows, pa.decimal128(18, 6)),
                      "Tags": ['"k": "v"'] * rows})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def test_a_v2_export_discovered_and_loaded_from_blob_storage(azurite, data_dir):
    gz = {"part_0_0001.csv.gz": gzip.compress(cost_csv(5, cost="1.5")),
          "part_1_0001.csv.gz": gzip.compress(cost_csv(4, cost="0.5"))}
    files = {**run_files("daily-actual", gz, run_id="csv-run", timestamp="202402031914"),
             **run_files("daily-actual", {"part_0_0001.snappy.parquet": _parquet(8)}, run_id="pq-run",
                         period="20240201-20240229", timestamp="202403010000",
                         submitted="2024-03-01T00:00:00Z")}
    # a run still being written: ignored
    files.update(run_files("daily-actual", {"part_0_0001.csv.gz": b"partial"}, run_id="writing",
                           timestamp="202402040000", manifest=False))
    upload(azurite, "billing", {f"costs/{name}": data for name, data in files.items()})
    export = AzureExport(name="daily-actual", type="actual",
                         container_url=f"http://127.0.0.1:{azurite}/{AZURITE_ACCOUNT}/billing/costs",
                         connection_string=azurite_connection_string(azurite))

    jan, feb = export.discover()

    assert [(m.billing_period, m.manifest_id, m.file_format) for m in (jan, feb)] == [
        ("2024-01", "csv-run", "csv"), ("2024-02", "pq-run", "parquet")]
    assert jan.files[0].path == "billing/costs/daily-actual/20240101-20240131/202402031914/csv-run/part_0_0001.csv.gz"
    assert jan.files[0].etag and jan.written_at > 0
    assert load_period(export, jan, data_dir).cost == Decimal("9.5")
    assert load_period(export, feb, data_dir).cost == Decimal(2)
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert con.sql("SELECT billing_period, count(*), min(date)::VARCHAR, min(tags->>'k') "
                       "FROM azure_billing.daily_actual GROUP BY ALL ORDER BY 1").fetchall() == [
            ("2024-01", 9, "2024-01-15", None), ("2024-02", 8, "2024-01-03", "v")]


def test_a_wrong_key_is_refused_in_one_line_without_the_key(azurite):
    upload(azurite, "refused", {"costs/daily-actual/20240101-20240131/r/manifest.json": b"{}"})
    wrong_key = AZURITE_KEY.replace("Eby8", "Wrong")
    export = AzureExport(name="daily-actual", type="actual",
                         container_url=f"http://127.0.0.1:{azurite}/{AZURITE_ACCOUNT}/refused/costs",
                         connection_string=azurite_connection_string(azurite, wrong_key))

    with pytest.raises(AccessError) as refused:
        export.discover()

    message = str(refused.value)
    assert message.startswith(f"http://127.0.0.1:{azurite}/{AZURITE_ACCOUNT}/refused/costs/daily-actual: "
                              "access denied (403 AuthorizationFailure)")
    assert "\n" not in message and wrong_key not in message and "Wrong" not in message
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_a_missing_container_or_export_folder(azurite):
    export = AzureExport(name="daily-actual", type="actual",
                         container_url=f"http://127.0.0.1:{azurite}/{AZURITE_ACCOUNT}/no-such-container",
                         connection_string=azurite_connection_string(azurite))

    with pytest.raises(ManifestError, match="no export folder named .daily-actual."):
        export.discover()
