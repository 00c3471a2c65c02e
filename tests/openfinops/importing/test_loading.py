"""Loading one billing period (openfinops.importing.loading): the export's dlt source appends the rows under
a new import id, then one transaction deletes the period's older rows and records the import.

The export is a made-up provider's (tests/openfinops/importing/fakes.py): a real dlt source over small
CSV files, no cloud.
"""

from __future__ import annotations

import re
from decimal import Decimal

import dlt
import duckdb
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from openfinops.errors import DataFileError
from openfinops.importing import loading
from openfinops.importing.exports import DataFile
from openfinops.importing.loading import LoadedPeriod, load_period, run_pipeline
from openfinops.warehouse import state

from .fakes import FakeExport, FakeManifest, manifest, total, write_file

TABLE = "acme_billing.acme_costs"
SEPTEMBER = [("s1", "1.5"), ("s2", "2.25"), ("s3", "0.000000000001")]
AUGUST = [("a1", "10"), ("a2", "-3")]


@pytest.fixture
def export() -> FakeExport:
    return FakeExport()


def _rows(data_dir, period: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        return con.execute(f"SELECT line_id, cost, import_id, manifest_id FROM {TABLE} WHERE billing_period = ? "
                           "ORDER BY line_id", [period]).fetchall()


def _current_rows(data_dir, period: str) -> list[str]:
    """The period's rows as readers see them: joined to the recorded import."""
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        return [line_id for (line_id,) in con.execute(
            f"SELECT r.line_id FROM {TABLE} r JOIN {state.TABLE} s ON s.billing_period = r.billing_period "
            "AND s.import_id = r.import_id WHERE r.billing_period = ? ORDER BY 1", [period]).fetchall()]


def test_rows_land_and_the_import_is_recorded(export, data_dir):
    delivery = manifest(data_dir, "2026-09", "exec-1", SEPTEMBER[:2], SEPTEMBER[2:])

    loaded = load_period(export, delivery, data_dir)

    assert loaded == LoadedPeriod(loaded.import_id, 3, total(SEPTEMBER))
    assert _rows(data_dir, "2026-09") == [(line_id, Decimal(cost), loaded.import_id, "exec-1")
                                          for line_id, cost in SEPTEMBER]
    record = state.read_state(data_dir / "finops.duckdb", "acme", "acme-costs")["2026-09"]
    assert (record.import_id, record.manifest_id, record.fingerprint, record.rows_loaded, record.cost_total) == (
        loaded.import_id, "exec-1", delivery.fingerprint, 3, Decimal("3.750000000001"))
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert con.execute(f"SELECT source_format, raw_table, file_count, total_bytes FROM {state.TABLE}"
                           ).fetchone() == ("csv", "acme_billing.acme_costs", 2, delivery.total_bytes)
        assert con.execute(f"DESCRIBE {TABLE}").fetchall()[1][:2] == ("cost", "DECIMAL(38,12)")


def test_the_files_of_the_load_live_until_dlt_has_loaded_them(export, data_dir, monkeypatch):
    scratch, seen = data_dir / "tmp" / "downloads" / "acme_costs", []

    def run_pipeline_and_look(source, **kwargs):
        info = run_pipeline(source, **kwargs)
        seen.extend(sorted(path.name for path in scratch.rglob("*.model")))
        return info

    monkeypatch.setattr(loading, "run_pipeline", run_pipeline_and_look)
    load_period(export, manifest(data_dir, "2026-09", "exec-1", SEPTEMBER[:2], SEPTEMBER[2:]), data_dir)

    assert seen == ["select-0.model"]  # still there when dlt's load step was done (the two files are alike)
    assert not scratch.exists()


def test_a_later_file_with_a_new_column_extends_the_table(export, data_dir):
    load_period(export, manifest(data_dir, "2026-08", "exec-a", AUGUST), data_dir)
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        before = [row[0] for row in con.execute(f"DESCRIBE {TABLE}").fetchall()]
    regional = data_dir / "2026-09" / "exec-1" / "part-1.csv"
    regional.parent.mkdir(parents=True)
    regional.write_text("region,line_id,cost\neu-west-1,s2,2.25\n")  # a new column, columns in another order
    delivery = FakeManifest("2026-09", "exec-1", (write_file(data_dir, "2026-09/exec-1/part-0.csv", SEPTEMBER[:1]),
                                                  DataFile("2026-09/exec-1/part-1.csv", str(regional),
                                                           regional.stat().st_size, None)))

    load_period(export, delivery, data_dir)

    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        assert [row[0] for row in con.execute(f"DESCRIBE {TABLE}").fetchall()] == before + ["region"]
        assert con.execute(f"SELECT line_id, cost, region FROM {TABLE} ORDER BY 1").fetchall() == [
            ("a1", Decimal(10), None), ("a2", Decimal(-3), None), ("s1", Decimal("1.5"), None),
            ("s2", Decimal("2.25"), "eu-west-1")]


def test_a_second_load_of_the_period_replaces_the_first(export, data_dir):
    august = load_period(export, manifest(data_dir, "2026-08", "exec-a", AUGUST), data_dir)
    first = load_period(export, manifest(data_dir, "2026-09", "exec-1", SEPTEMBER), data_dir)

    restated = [("s1", "1.75"), ("s4", "4")]
    second = load_period(export, manifest(data_dir, "2026-09", "exec-2", restated), data_dir)

    assert second.import_id != first.import_id
    assert (second.rows, second.cost) == (2, total(restated))
    assert _rows(data_dir, "2026-09") == [("s1", Decimal("1.75"), second.import_id, "exec-2"),
                                          ("s4", Decimal("4"), second.import_id, "exec-2")]
    assert [row[2] for row in _rows(data_dir, "2026-08")] == [august.import_id] * 2  # other periods untouched
    known = state.read_state(data_dir / "finops.duckdb", "acme", "acme-costs")
    assert {period: r.import_id for period, r in known.items()} == {"2026-08": august.import_id,
                                                                    "2026-09": second.import_id}


def test_a_failing_source_leaves_the_earlier_rows_and_state(export, data_dir):
    first = load_period(export, manifest(data_dir, "2026-09", "exec-1", SEPTEMBER), data_dir)
    first_rows = _rows(data_dir, "2026-09")
    before = state.read_state(data_dir / "finops.duckdb", "acme", "acme-costs")
    broken = manifest(data_dir, "2026-09", "exec-2", [("s1", "1")], [("s2", "not a number")])

    # the input's error, not dlt's, though the value fails to cast in dlt's load step
    with pytest.raises(DataFileError, match=rf"^{re.escape(str(data_dir))}/2026-09/exec-2/part-1\.csv: "
                                            r"column cost, row 1: 'not a number' is not a decimal$"):
        load_period(export, broken, data_dir)

    # the good file may have landed before the bad one failed, under an id nothing records
    assert [row for row in _rows(data_dir, "2026-09") if row[2] == first.import_id] == first_rows
    assert _current_rows(data_dir, "2026-09") == ["s1", "s2", "s3"]
    assert state.read_state(data_dir / "finops.duckdb", "acme", "acme-costs") == before
    assert not (data_dir / "tmp" / "downloads" / "acme_costs").exists()
    # and the next import of the period runs as if nothing had happened
    fixed = load_period(export, manifest(data_dir, "2026-09", "exec-3", [("s1", "1")]), data_dir)
    assert _rows(data_dir, "2026-09") == [("s1", Decimal(1), fixed.import_id, "exec-3")]


def test_a_crash_before_the_import_is_recorded_changes_nothing_readers_see(export, data_dir, monkeypatch):
    """The new rows are appended, but the transaction that deletes the old ones and records the import
    never commits: readers still see the old import, and the next import deletes the orphans."""
    first = load_period(export, manifest(data_dir, "2026-09", "exec-1", SEPTEMBER), data_dir)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(loading.state, "record_import", crash)
        with pytest.raises(OSError, match="disk full"):
            load_period(export, manifest(data_dir, "2026-09", "exec-2", [("s9", "9")]), data_dir)

    # the old rows were not deleted; the crashed import's rows are there, under an id nothing records
    assert [(row[0], row[2] == first.import_id) for row in _rows(data_dir, "2026-09")] == [
        ("s1", True), ("s2", True), ("s3", True), ("s9", False)]
    assert _current_rows(data_dir, "2026-09") == ["s1", "s2", "s3"]
    assert state.read_state(data_dir / "finops.duckdb", "acme", "acme-costs")["2026-09"].import_id == first.import_id

    rerun = load_period(export, manifest(data_dir, "2026-09", "exec-2", [("s9", "9")]), data_dir)

    assert _rows(data_dir, "2026-09") == [("s9", Decimal(9), rerun.import_id, "exec-2")]


def test_a_restatement_to_no_rows_empties_the_period(export, data_dir):
    load_period(export, manifest(data_dir, "2026-08", "exec-a", AUGUST), data_dir)
    load_period(export, manifest(data_dir, "2026-09", "exec-1", SEPTEMBER), data_dir)

    empty = load_period(export, manifest(data_dir, "2026-09", "exec-2"), data_dir)  # no data file

    assert (empty.rows, empty.cost) == (0, None)
    assert _rows(data_dir, "2026-09") == []
    assert len(_rows(data_dir, "2026-08")) == 2
    record = state.read_state(data_dir / "finops.duckdb", "acme", "acme-costs")["2026-09"]
    assert (record.manifest_id, record.import_id, record.rows_loaded, record.cost_total) == (
        "exec-2", empty.import_id, 0, None)


def test_a_first_import_of_no_rows_is_recorded_without_a_table(export, data_dir):
    loaded = load_period(export, manifest(data_dir, "2026-09", "exec-1"), data_dir)

    assert (loaded.rows, loaded.cost) == (0, None)
    assert state.read_state(data_dir / "finops.duckdb", "acme", "acme-costs")["2026-09"].rows_loaded == 0


def test_run_pipeline_passes_errors_that_are_not_the_inputs_on(data_dir):
    @dlt.resource(name="broken")
    def broken():
        yield {"a": 1}
        raise RuntimeError("a bug, not a bad file")

    with pytest.raises(PipelineStepFailed) as info:
        run_pipeline(broken(), pipeline_name="acme__broken", database=data_dir / "finops.duckdb",
                     dataset="acme_billing", pipelines_dir=data_dir / "tmp" / "dlt")
    assert "a bug, not a bad file" in str(info.value)
