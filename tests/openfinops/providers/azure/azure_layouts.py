"""Azure Cost Management export folders, as Azure writes them, for the Azure provider's tests."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pyarrow.parquet as pq

SHARED = Path(__file__).resolve().parents[5] / "shared" / "data" / "azure"  # ../shared beside the checkout
TYPES = {"actual": "ActualCost", "amortized": "AmortizedCost", "focus": "FocusCost"}
HEADER = ["SubscriptionId", "SubscriptionName", "ResourceGroup", "Date", "MeterCategory", "Quantity",
          "CostInBillingCurrency", "BillingCurrencyCode", "Tags"]


def cost_csv(rows: int, cost: str = "1.25", day: str = "01/15/2024", subscription: str = "sub-a",
             header: list[str] | None = None) -> bytes:
    """An actual-cost CSV of `rows` rows of `cost` each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header or HEADER)
    for n in range(rows):
        writer.writerow([f"0000000{n % 3}-0000-0000-0000-000000000000", subscription, "rg-app", day,
                         "Storage", "2", cost, "EUR", '"team": "finops","env": "prod"'][:len(header or HEADER)])
    return out.getvalue().encode()


def data_rows(name: str, data: bytes) -> int:
    """The data rows of a part as Azure counts them (records, not lines)."""
    if name.endswith(".parquet"):
        return pq.ParquetFile(io.BytesIO(data)).metadata.num_rows
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) - 1


def manifest_doc(export: str, blob_folder: str, parts: dict[str, bytes], *, run_id: str, export_type: str,
                 submitted: str | None, start: str, rows: dict[str, int] | None = None) -> dict:
    rows = rows if rows is not None else {name: data_rows(name, data) for name, data in parts.items()}
    return {
        "manifestVersion": "2024-04-01",
        "byteCount": sum(len(d) for d in parts.values()),
        "blobCount": len(parts),
        "dataRowCount": sum(rows.values()),
        "exportConfig": {"exportName": export, "resourceId": f"/subscriptions/x/providers/Microsoft.CostManagement/"
                                                            f"exports/{export}",
                         "dataVersion": "2023-12-01-preview", "apiVersion": "2023-07-01-preview",
                         "type": TYPES.get(export_type, export_type), "timeFrame": "MonthToDate",
                         "granularity": "Daily"},
        "deliveryConfig": {"partitionData": True, "dataOverwriteBehavior": "CreateNewReport", "fileFormat": "Csv",
                           "compressionMode": "None", "containerUri": "/subscriptions/x/storageAccounts/acct",
                           "rootFolderPath": "costs"},
        "runInfo": {"executionType": "Scheduled", "runId": run_id, "startDate": f"{start}T00:00:00",
                    "endDate": f"{start}T00:00:00", **({"submittedTime": submitted} if submitted else {})},
        "blobs": [{"blobName": f"{blob_folder}/{name}", "byteCount": len(data), "dataRowCount": rows[name]}
                  for name, data in parts.items()],
    }


def run_files(export: str, parts: dict[str, bytes], *, run_id: str = "run-1", period: str = "20240101-20240131",
              timestamp: str | None = "202402031914", export_type: str = "actual",
              submitted: str | None = "2024-02-03T19:14:30.5245257Z", rows: dict[str, int] | None = None,
              manifest: bool = True, root_folder: str = "costs") -> dict[str, bytes]:
    """The blobs of one v2 export run, by path under the container's root folder."""
    folder = "/".join(p for p in (export, period, timestamp, run_id) if p)
    files = {f"{folder}/{name}": data for name, data in parts.items()}
    if manifest:
        start = f"{period[:4]}-{period[4:6]}-{period[6:8]}"
        doc = manifest_doc(export, f"{root_folder}/{folder}", parts, run_id=run_id, export_type=export_type,
                           submitted=submitted, start=start, rows=rows)
        files[f"{folder}/manifest.json"] = json.dumps(doc).encode()
    return files


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_run(root: Path, export: str, parts: dict[str, bytes], **options) -> Path:
    """One v2 run under the local folder `root` (standing for the container's root folder); its folder."""
    files = run_files(export, parts, **options)
    write_files(root, files)
    return (root / next(iter(files))).parent
