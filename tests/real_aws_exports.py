"""Real AWS exports (tests/fixtures/aws/real) laid out as AWS delivers them. A module of its own, not
conftest.py: test modules import it, and `conftest` names a different module in each test folder."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "tests" / "fixtures" / "aws" / "real"
SHARED_FOCUS_SAMPLE = REPO.parent / "shared" / "data" / "focus" / "focus-1.0-sample-vendor.csv"
# Manifest types of legacy CUR columns, as AWS writes them.
V1_DECIMAL_WORDS = ("Cost", "Rate", "Amount", "Fee", "Quantity", "Units", "Factor", "Commitment", "Value", "Discount",
                    "cost", "rate", "amount", "fee", "quantity", "units", "factor", "commitment", "value")
V1_CATEGORIES = {"line_item": "lineItem", "savings_plan": "savingsPlan", "resource_tags": "resourceTags",
                 "cost_category": "costCategory", "split_line_item": "splitLineItem"}


def _v1_manifest_column(header: str) -> dict:
    """A legacy CUR manifest entry ({category, name, type}) for a CSV header or a Parquet column."""
    if "/" in header:
        category, name = header.split("/", 1)
    else:  # Parquet names: line_item_usage_start_date -> lineItem / usage_start_date
        category = next((c for c in V1_CATEGORIES if header.startswith(c + "_")), header.split("_", 1)[0])
        name = header[len(category) + 1:]
        category = V1_CATEGORIES.get(category, category)
    kind = ("DateTime" if name.lower().endswith(("date", "_date")) else "Interval" if name == "TimeInterval"
            else "OptionalBigDecimal" if any(w in name for w in V1_DECIMAL_WORDS) else "OptionalString")
    return {"category": category, "name": name, "type": kind}


def write_real_v1(root: Path, source: Path, report: str, period: str, *, parquet: bool = False) -> None:
    """Lay a real legacy CUR file out as AWS delivers a report: the period folder's manifest and the
    data in an assembly folder (CSV), or in the Athena layout `<report>/<report>/year=/month=` (Parquet)."""
    start = datetime.strptime(period, "%Y-%m")
    end = (start + timedelta(days=32)).replace(day=1)
    folder = f"{start:%Y%m%d}-{end:%Y%m%d}"
    assembly = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{report}/{period}"))
    if parquet:
        rel = f"{report}/{report}/year={start.year}/month={start.month}/{report}-00001.snappy.parquet"
        with duckdb.connect() as con:
            header = [row[0] for row in con.sql(f"DESCRIBE SELECT * FROM '{source}'").fetchall()]
    else:
        rel = f"{report}/{folder}/{assembly}/{report}-00001.csv.gz"
        with gzip.open(source, "rt", encoding="utf-8") as f:
            header = next(csv.reader(f))
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, root / rel)
    manifest = {
        "assemblyId": assembly, "account": "000000000000",
        "columns": [_v1_manifest_column(h) for h in header],
        "charset": "UTF-8", "compression": "Parquet" if parquet else "GZIP",
        "contentType": "Parquet" if parquet else "text/csv", "reportId": assembly, "reportName": report,
        "billingPeriod": {"start": f"{start:%Y%m%d}T000000.000Z", "end": f"{end:%Y%m%d}T000000.000Z"},
        "bucket": "billing-reports", "reportKeys": [f"cur/{rel}"], "additionalArtifactKeys": [],
    }
    (root / report / folder).mkdir(parents=True, exist_ok=True)
    (root / report / folder / f"{report}-Manifest.json").write_text(json.dumps(manifest, indent=2))


def write_real_cur2(root: Path) -> str:
    """The real CUR 2.0 CSV export with its own manifest, where the manifest's keys say; its export name."""
    manifest = json.loads((REAL / "cur2-daily-2026-04-Manifest.json").read_text())
    [key] = manifest["dataFiles"]
    export = key.split("/data/")[0].rsplit("/", 1)[-1]
    data = root / export / "data" / key.split("/data/", 1)[1]
    data.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REAL / "cur2-daily-2026-04.csv.gz", data)
    meta = root / export / "metadata" / "BILLING_PERIOD=2026-04" / data.parent.name
    meta.mkdir(parents=True)
    (meta / f"{export}-Manifest.json").write_text(json.dumps(manifest))
    return export


