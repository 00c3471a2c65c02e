"""The azure-billing flow end to end: generated actual and amortized Azure exports, in Azure's layout,
into a real DuckDB file and the FOCUS table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from cli import main
from flows.azure_billing import azure_billing
from flows.focus_build import focus_build
from openfinops.samples.azure_exports import ACTUAL, AMORTIZED, period_totals, write_export

PERIODS = ("2026-08", "2026-09")  # 2026-09 has a reservation bought and returned (a Refund)
ROWS = 300
EXPORTS = {ACTUAL: "ea-actual", AMORTIZED: "ea-amortized"}


def write(root: Path, periods=PERIODS, revision: int = 1) -> None:
    for kind, name in EXPORTS.items():
        write_export(root, export=name, kind=kind, periods=periods, rows_per_period=ROWS, revision=revision)


def sources(root: Path) -> list[dict]:
    return [{"name": name, "type": kind, "path": str(root)} for kind, name in EXPORTS.items()]


def run(data_dir: Path, root: Path, build: bool = False, **params):
    state = azure_billing(sources=sources(root), data_dir=str(data_dir), build=build, return_state=True, **params)
    return state, state.result(raise_on_failure=False)


def query(data_dir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def loaded(data_dir: Path, table: str) -> dict[str, tuple[int, Decimal]]:
    """Rows and cost per period of the current imports."""
    return {p: (n, cost) for p, n, cost in query(data_dir, f"""
        SELECT billing_period, count(*), sum(cost_in_billing_currency)
        FROM azure_billing.{table} SEMI JOIN finops_state.import_state USING (billing_period, import_id)
        GROUP BY 1 ORDER BY 1""")}


def expected(kind: str, revisions: dict[str, int] | None = None) -> dict[str, tuple[int, Decimal]]:
    totals = {p: period_totals(p, ROWS, revision=(revisions or {}).get(p, 1)) for p in PERIODS}
    return {p: (t.rows(kind), t.total(kind)) for p, t in totals.items()}


def focus_totals(data_dir: Path) -> dict[str, tuple[Decimal, Decimal]]:
    return {p: (billed, effective) for p, billed, effective in query(data_dir, """
        SELECT x_BillingPeriod, sum(BilledCost), sum(EffectiveCost) FROM focus.cost_and_usage
        WHERE x_Provider = 'azure' GROUP BY 1 ORDER BY 1""")}


@pytest.fixture
def exports(tmp_path) -> Path:
    root = tmp_path / "exports"
    write(root)
    return root


def test_every_row_lands_with_exact_cost(data_dir, exports):
    state, results = run(data_dir, exports)

    assert state.is_completed(), results
    assert sorted((r["export"], r["billing_period"], r["status"]) for r in results) == [
        (name, p, "imported") for name in sorted(EXPORTS.values()) for p in PERIODS]
    assert loaded(data_dir, "ea_actual") == expected(ACTUAL)
    assert loaded(data_dir, "ea_amortized") == expected(AMORTIZED)
    types = dict(query(data_dir, "SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_schema = 'azure_billing' AND table_name = 'ea_actual'"))
    assert types["cost_in_billing_currency"].startswith("DECIMAL") and types["date"] == "DATE"
    assert {"subscription_id", "resource_group_name", "benefit_id", "pricing_model"} <= set(types)


def test_focus_billed_cost_is_the_invoice_and_effective_cost_the_amortized_cost(data_dir, exports, tmp_path,
                                                                                focus_validator):
    state, results = run(data_dir, exports, build=True)

    assert state.is_completed(), state.message
    totals = {p: period_totals(p, ROWS) for p in PERIODS}
    assert focus_totals(data_dir) == {p: (t.actual, t.amortized) for p, t in totals.items()}
    # reservations, a savings plan, a refund, Spot, Marketplace and free rows, as FOCUS 1.2 has them
    out = tmp_path / "azure-focus.parquet"
    assert main(["--data-dir", str(data_dir), "focus", "export", "--out", str(out), "--provider", "Microsoft"]) == 0
    focus_validator(out)


def test_a_restated_month_replaces_the_old_rows_and_a_rerun_skips(data_dir, exports):
    run(data_dir, exports, build=True)
    write(exports, periods=["2026-09"], revision=2)  # a later run of the same month, with changed rows

    state, results = run(data_dir, exports, build=True)

    assert state.is_completed(), state.message
    assert {(r["export"], r["billing_period"]): r["status"] for r in results} == {
        ("ea-actual", "2026-08"): "skipped", ("ea-actual", "2026-09"): "replaced",
        ("ea-amortized", "2026-08"): "skipped", ("ea-amortized", "2026-09"): "replaced"}
    revised = {"2026-09": 2}
    assert loaded(data_dir, "ea_actual") == expected(ACTUAL, revised)
    assert loaded(data_dir, "ea_amortized") == expected(AMORTIZED, revised)
    assert query(data_dir, "SELECT count(DISTINCT manifest_id) FROM azure_billing.ea_actual "
                           "WHERE billing_period = '2026-09'") == [(1,)]
    t = {p: period_totals(p, ROWS, revision=revised.get(p, 1)) for p in PERIODS}
    assert focus_totals(data_dir) == {p: (x.actual, x.amortized) for p, x in t.items()}

    incremental = query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL")
    assert focus_build(data_dir=str(data_dir), full_refresh=True, return_state=True).is_completed()
    assert query(data_dir, "SELECT * FROM focus.cost_and_usage ORDER BY ALL") == incremental

    state, results = run(data_dir, exports, build=True)

    assert state.is_completed()
    assert [r["status"] for r in results] == ["skipped"] * 4
    assert loaded(data_dir, "ea_actual") == expected(ACTUAL, revised)
    assert focus_totals(data_dir) == {p: (x.actual, x.amortized) for p, x in t.items()}


def test_cli_one_off_import_then_nothing_doubles(capsys, data_dir, exports):
    """`finops azure import-billing --path ... --export-name ... --type ...`, once per export."""
    for kind, name in EXPORTS.items():
        code = main(["--data-dir", str(data_dir), "azure", "import-billing", "--path", str(exports),
                     "--export-name", name, "--type", kind])
        out = capsys.readouterr()
        assert code == 0, out.out + out.err
        assert "2 imported, 0 replaced, 0 skipped, 0 failed" in out.out
    totals = {p: period_totals(p, ROWS) for p in PERIODS}
    assert focus_totals(data_dir) == {p: (t.actual, t.amortized) for p, t in totals.items()}

    code = main(["--data-dir", str(data_dir), "azure", "import-billing", "--path", str(exports), "--export-name",
                 "ea-actual", "--type", "actual"])
    out = capsys.readouterr().out
    assert code == 0 and "0 imported, 0 replaced, 2 skipped, 0 failed" in out
    assert loaded(data_dir, "ea_actual") == expected(ACTUAL)


def test_no_azure_exports_configured_is_nothing_to_do(data_dir):
    state = azure_billing(data_dir=str(data_dir), return_state=True)

    assert state.is_completed() and state.result() == []
