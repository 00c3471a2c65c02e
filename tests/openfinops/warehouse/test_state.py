"""Import state (openfinops.warehouse.state): what was imported per export and period, account names, and
whether the FOCUS table is built from the current inputs."""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest

from openfinops.warehouse import state


def _record(con: duckdb.DuckDBPyConnection, **changes) -> None:
    values = dict(provider="aws", export="payer-cur2", billing_period="2026-09", source_format="v2",
                  raw_table="aws_billing.payer_cur2", import_id="import-1", manifest_id="exec-1",
                  manifest_path="s3://b/p/payer-cur2/metadata/BILLING_PERIOD=2026-09/payer-cur2-Manifest.json",
                  fingerprint="fp-1", files=[{"key": "a.parquet", "size": 100, "etag": "e1"},
                                             {"key": "b.parquet", "size": 50, "etag": None}],
                  rows_loaded=3, cost_total=Decimal("1.5"))
    values.update(changes)
    state.record_import(con, **values)


@pytest.fixture
def database(tmp_path):
    return tmp_path / "finops.duckdb"


def _names(**names: str) -> dict[str, tuple[str, str]]:
    return {account_id.lstrip("_"): (name, "accounts.csv") for account_id, name in names.items()}


# --------------------------------------------------------------------------- import state
def test_no_state_before_the_first_import(database):
    assert state.read_state(database, "aws", "payer-cur2") == {}
    assert not database.exists()  # reading creates nothing
    duckdb.connect(str(database)).close()
    assert state.read_state(database, "aws", "payer-cur2") == {}  # a database without the state table


def test_record_import_then_read_state(database):
    with duckdb.connect(str(database)) as con:
        _record(con)
        _record(con, export="other-export", fingerprint="fp-other")

    [(period, record)] = state.read_state(database, "aws", "payer-cur2").items()

    assert period == "2026-09"
    assert record == state.ImportRecord(provider="aws", export="payer-cur2", billing_period="2026-09",
                                        manifest_id="exec-1", fingerprint="fp-1", rows_loaded=3,
                                        cost_total=Decimal("1.5"), imported_at=record.imported_at,
                                        import_id="import-1")
    with duckdb.connect(str(database), read_only=True) as con:
        files, file_count, total_bytes = con.execute(
            f"SELECT files, file_count, total_bytes FROM {state.TABLE} WHERE export = 'payer-cur2'").fetchone()
    assert json.loads(files)[1] == {"key": "b.parquet", "size": 50, "etag": None}
    assert (file_count, total_bytes) == (2, 150)


def test_record_import_replaces_the_period_row(database):
    with duckdb.connect(str(database)) as con:
        _record(con)
        first_imported_at, imported_at = con.execute(
            f"SELECT first_imported_at, imported_at FROM {state.TABLE}").fetchone()
        _record(con, import_id="import-2", manifest_id="exec-2", fingerprint="fp-2", files=[], rows_loaded=0,
                cost_total=None)
        rows = con.execute(f"SELECT import_id, file_count, total_bytes, first_imported_at, imported_at "
                           f"FROM {state.TABLE}").fetchall()

    assert rows == [("import-2", 0, 0, first_imported_at, rows[0][4])]
    assert rows[0][4] >= imported_at
    record = state.read_state(database, "aws", "payer-cur2")["2026-09"]
    assert (record.manifest_id, record.rows_loaded, record.cost_total) == ("exec-2", 0, None)


def test_status_compares_fingerprints():
    record = state.ImportRecord("aws", "payer-cur2", "2026-09", "exec-1", "fp-1", 3, None, None, "import-1")

    assert state.status(None, "fp-1") == state.NEW
    assert state.status(record, "fp-1") == state.UNCHANGED
    assert state.status(record, "fp-2") == state.CHANGED


def test_state_from_before_import_ids_is_imported_again(database):
    """Rows of an import recorded before raw rows carried their import id cannot be told apart."""
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE SCHEMA {state.SCHEMA}")
        con.execute(f"""CREATE TABLE {state.TABLE} (provider VARCHAR, export VARCHAR, billing_period VARCHAR,
            source_format VARCHAR, raw_table VARCHAR, manifest_id VARCHAR, manifest_path VARCHAR,
            fingerprint VARCHAR, files JSON, file_count INTEGER, total_bytes BIGINT, rows_loaded BIGINT,
            cost_total DECIMAL(38, 12), first_imported_at TIMESTAMPTZ, imported_at TIMESTAMPTZ,
            PRIMARY KEY (provider, export, billing_period))""")
        con.execute(f"INSERT INTO {state.TABLE} VALUES ('aws', 'payer-cur2', '2026-09', 'v2', 'aws_billing.x', "
                    "'exec-1', 'm.json', 'fp-1', '[]', 0, 0, 0, NULL, now(), now())")

    record = state.read_state(database, "aws", "payer-cur2")["2026-09"]

    assert record.import_id is None
    assert state.status(record, "fp-1") == state.CHANGED
    with duckdb.connect(str(database)) as con:
        _record(con, fingerprint="fp-1")  # the next import adds the column
    assert state.read_state(database, "aws", "payer-cur2")["2026-09"].import_id == "import-1"


# --------------------------------------------------------------------------- account names
def test_replace_account_names_says_whether_anything_changed(database):
    assert state.replace_account_names(database, "aws", {}) is False
    assert not database.exists()  # nothing to store: no database made for it

    assert state.replace_account_names(database, "aws", _names(_1="prod", _2="dev")) is True
    assert state.replace_account_names(database, "aws", _names(_2="dev", _1="prod")) is False
    assert state.replace_account_names(database, "aws", _names(_1="prod", _2="sandbox")) is True
    assert state.replace_account_names(database, "azure", _names(_1="sub-1")) is True

    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(f"SELECT * FROM {state.ACCOUNT_NAMES} ORDER BY ALL").fetchall() == [
            ("aws", "1", "prod", "accounts.csv"), ("aws", "2", "sandbox", "accounts.csv"),
            ("azure", "1", "sub-1", "accounts.csv")]


def test_an_empty_account_list_removes_the_providers_names(database):
    state.replace_account_names(database, "aws", _names(_1="prod"))
    state.replace_account_names(database, "azure", _names(_1="sub-1"))

    assert state.replace_account_names(database, "aws", {}) is True
    assert state.replace_account_names(database, "aws", {}) is False

    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(f"SELECT provider, account_id FROM {state.ACCOUNT_NAMES}").fetchall() == [("azure", "1")]


def test_a_new_source_of_the_same_names_is_a_change(database):
    state.replace_account_names(database, "aws", {"1": ("prod", "accounts.csv")})
    assert state.replace_account_names(database, "aws", {"1": ("prod", "organizations:ListAccounts")}) is True


# --------------------------------------------------------------------------- FOCUS build inputs
def _inputs(database) -> str:
    with duckdb.connect(str(database)) as con:
        return state.focus_inputs(con)


def test_focus_inputs_change_with_imports_and_names(database):
    with duckdb.connect(str(database)) as con:
        _record(con)
    inputs = [_inputs(database)]
    with duckdb.connect(str(database)) as con:
        _record(con, rows_loaded=4, fingerprint="fp-x")  # the same import recorded again
    assert _inputs(database) == inputs[-1]

    with duckdb.connect(str(database)) as con:
        _record(con, import_id="import-2")  # the period imported again
    inputs.append(_inputs(database))
    with duckdb.connect(str(database)) as con:
        _record(con, billing_period="2026-10")  # another period
    inputs.append(_inputs(database))
    state.replace_account_names(database, "aws", _names(_1="prod"))
    inputs.append(_inputs(database))
    state.replace_account_names(database, "aws", _names(_1="production"))
    inputs.append(_inputs(database))
    state.replace_account_names(database, "aws", {"1": ("production", "organizations:ListAccounts")})
    assert _inputs(database) == inputs[-1]  # where a name came from is not a FOCUS input

    assert len(set(inputs)) == len(inputs)


def test_focus_is_current_until_an_import_or_a_name_changes(database):
    assert state.focus_is_current(database)  # no database: nothing to build
    duckdb.connect(str(database)).close()
    assert state.focus_is_current(database)  # nothing imported yet

    with duckdb.connect(str(database)) as con:
        _record(con)
    assert not state.focus_is_current(database)  # imported, never built

    with duckdb.connect(str(database)) as con:
        state.record_focus_build(con, state.focus_inputs(con))
    assert state.focus_is_current(database)

    state.replace_account_names(database, "aws", _names(_1="prod"))
    assert not state.focus_is_current(database)
    with duckdb.connect(str(database)) as con:
        state.record_focus_build(con, state.focus_inputs(con))
    assert state.focus_is_current(database)

    with duckdb.connect(str(database)) as con:
        _record(con, import_id="import-2")
    assert not state.focus_is_current(database)


def test_a_build_from_older_inputs_is_not_current(database):
    with duckdb.connect(str(database)) as con:
        _record(con)
        before = state.focus_inputs(con)
        _record(con, import_id="import-2")  # an import landed while the build ran
        state.record_focus_build(con, before)
        assert con.execute(f"SELECT count(*) FROM {state.FOCUS_BUILD}").fetchone() == (1,)

    assert not state.focus_is_current(database)
