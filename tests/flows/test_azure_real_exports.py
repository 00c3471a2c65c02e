"""Real Azure exports through the azure-billing flow: Microsoft's EA test-enrollment exports (actual and
amortized cost, tests/fixtures/azure) and the anonymised 27-row EA sample of ../shared/data/azure, each
in the legacy export layout, into FOCUS that reconciles with the files and passes the FOCUS validator."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from cli import main
from flows.azure_billing import azure_billing

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "azure"
EA_SAMPLE = REPO.parent / "shared" / "data" / "azure" / "ea-usage-sample-27rows.csv"
FOCUS_SAMPLE = REPO.parent / "shared" / "data" / "focus" / "focus-1.0-sample-vendor.csv"
# export name -> (type, file, billing period folder)
EXPORTS = {
    "trey-actual": ("actual", FIXTURES / "EA_ActualCost_Small.csv", "20230901-20230930"),
    "trey-amortized": ("amortized", FIXTURES / "EA_AmortizedCost_Small.csv", "20230901-20230930"),
    "ea-sample": ("actual", EA_SAMPLE, "20230901-20230930"),
    "trey-empty": ("actual", FIXTURES / "EA_NoRows.csv", "20230901-20230930"),
}


def file_total(path: Path) -> tuple[int, Decimal]:
    """Rows and Σ cost of an export file, read with Python's csv and decimal (not the importer's SQL)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    column = "Cost" if rows and "Cost" in rows[0] else "CostInBillingCurrency"
    return len(rows), sum((Decimal(r[column]) for r in rows), Decimal(0))


def lay_out(root: Path, names: list[str]) -> list[dict]:
    """Each export's file where a legacy (manifest-less) export writes it; the flow's sources."""
    sources = []
    for name in names:
        kind, path, period = EXPORTS[name]
        folder = root / name / period
        folder.mkdir(parents=True)
        shutil.copyfile(path, folder / f"{name}_6a2d9a3c-0d9f-4b8e-9f0e-2d1c3b4a5f60.csv")
        sources.append({"name": name, "type": kind, "path": str(root)})
    return sources


def query(data_dir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def imported(tmp_path, data_dir):
    def run(names: list[str]):
        state = azure_billing(sources=lay_out(tmp_path / "exports", names), data_dir=str(data_dir),
                              return_state=True)
        assert state.is_completed(), state.message
        return data_dir
    return run


def focus_by_export(data_dir: Path) -> dict[str, tuple[int, Decimal, Decimal]]:
    return {export: (n, billed, effective) for export, n, billed, effective in query(data_dir, """
        SELECT x_SourceExport, count(*), sum(BilledCost), sum(EffectiveCost) FROM focus.cost_and_usage
        WHERE x_Provider = 'azure' GROUP BY 1""")}


def test_each_type_alone_reconciles_with_its_file(imported):
    # Actual cost alone: BilledCost is the invoice. The sample has no amortized export beside it.
    data_dir = imported(["trey-actual", "ea-sample", "trey-empty"])
    focus = focus_by_export(data_dir)
    for name in ("trey-actual", "ea-sample"):
        rows, cost = file_total(EXPORTS[name][1])
        assert focus[name][:2] == (rows, pytest.approx(cost, abs=Decimal("1e-9"))), name
    assert "trey-empty" not in focus  # a header without rows imports nothing
    assert query(data_dir, "SELECT rows_loaded FROM finops_state.import_state WHERE export = 'trey-empty'") == [(0,)]


def test_amortized_alone_gives_the_effective_cost(imported):
    data_dir = imported(["trey-amortized"])
    rows, cost = file_total(EXPORTS["trey-amortized"][1])
    assert focus_by_export(data_dir)["trey-amortized"] == (rows, pytest.approx(cost - covered(), abs=Decimal("1e-9")),
                                                           pytest.approx(cost, abs=Decimal("1e-9")))


def covered() -> Decimal:
    """Σ cost of the amortized file's commitment-covered usage: billed by the purchase, not by the row."""
    with open(EXPORTS["trey-amortized"][1], encoding="utf-8-sig", newline="") as f:
        return sum((Decimal(r["Cost"]) for r in csv.DictReader(f)
                    if r["PricingModel"] in ("Reservation", "SavingsPlan")), Decimal(0))


def test_actual_and_amortized_together_pass_the_focus_validator(imported, focus_validator, tmp_path):
    data_dir = imported(["trey-actual", "trey-amortized", "ea-sample"])
    actual_rows, actual_cost = file_total(EXPORTS["trey-actual"][1])
    _, amortized_cost = file_total(EXPORTS["trey-amortized"][1])
    # The amortized export covers the enrollment's subscriptions: the actual export adds only its
    # reservation purchase (EffectiveCost 0; amortized onto the usage instead).
    purchases = query(data_dir, """
        SELECT count(*), sum(BilledCost), sum(EffectiveCost) FROM focus.cost_and_usage
        WHERE x_SourceExport = 'trey-actual'""")
    assert purchases == [(1, Decimal("3.25"), Decimal("0"))]
    assert focus_by_export(data_dir)["trey-amortized"][2] == pytest.approx(amortized_cost, abs=Decimal("1e-9"))
    # The two files are samples of different rows, so the amortized rows do not add up to the invoice:
    # the build publishes, and records the month as a data health warning.
    (period, billed, invoice), = query(data_dir, """
        SELECT billing_period, billed_cost, raw_billed_cost
        FROM focus_health.assert_azure_billed_cost_reconciles_to_raw""")
    assert period == "2023-09" and billed != invoice
    assert actual_rows == 11 and invoice > actual_cost
    out = tmp_path / "focus.parquet"
    assert main(["--data-dir", str(data_dir), "focus", "export", "--out", str(out), "--provider", "Microsoft"]) == 0
    focus_validator(out)


def write_focus_cost_export(root: Path, export: str) -> tuple[int, Decimal, Decimal]:
    """The Microsoft rows of the FOCUS sample (FOCUS 1.0, September 2024) as a FocusCost export run:
    a CSV with empty cells where the sample writes NULL (as Cost Management does), beside its
    manifest. Rows, Σ BilledCost and Σ EffectiveCost of the file."""
    run = "5b0c6f0e-9d3a-4c1e-8f2b-3a4d5e6f7a8b"
    folder = root / export / "20240901-20240930" / "202410031914" / run
    folder.mkdir(parents=True)
    part = folder / "part_0_0001.csv"
    with duckdb.connect() as con:
        rows = f"read_csv('{FOCUS_SAMPLE}', all_varchar=true, nullstr='NULL')"
        con.execute(f"COPY (SELECT * EXCLUDE (Id) FROM {rows} WHERE ProviderName = 'Microsoft') TO '{part}' (HEADER)")
        count, billed, effective = con.execute(
            f"SELECT count(*), sum(BilledCost::DECIMAL(38,12)), sum(EffectiveCost::DECIMAL(38,12)) "
            f"FROM {rows} WHERE ProviderName = 'Microsoft'").fetchone()
    blob = f"costs/{export}/20240901-20240930/202410031914/{run}/part_0_0001.csv"
    (folder / "manifest.json").write_text(json.dumps({
        "manifestVersion": "2024-04-01", "byteCount": part.stat().st_size, "blobCount": 1, "dataRowCount": count,
        "exportConfig": {"exportName": export, "type": "FocusCost", "dataVersion": "1.0", "timeFrame": "MonthToDate"},
        "runInfo": {"runId": run, "submittedTime": "2024-10-03T19:14:30.5245257Z", "startDate": "2024-09-01T00:00:00",
                    "endDate": "2024-09-30T00:00:00"},
        "blobs": [{"blobName": blob, "byteCount": part.stat().st_size, "dataRowCount": count}]}))
    return count, billed, effective


def test_a_focus_cost_export_passes_through_to_focus_1_2(tmp_path, data_dir, focus_validator):
    expected = write_focus_cost_export(tmp_path / "exports", "focus-daily")

    state = azure_billing(sources=[{"name": "focus-daily", "type": "focus", "path": str(tmp_path / "exports")}],
                          data_dir=str(data_dir), return_state=True)

    assert state.is_completed(), state.message
    assert focus_by_export(data_dir)["focus-daily"] == expected
    out = tmp_path / "focus.parquet"
    assert main(["--data-dir", str(data_dir), "focus", "export", "--out", str(out), "--provider", "Microsoft"]) == 0
    focus_validator(out)
