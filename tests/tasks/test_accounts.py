"""Refreshing a provider's account names (tasks.accounts): the configured list becomes the stored one."""

from __future__ import annotations

import logging

import duckdb
import pytest

from openfinops.errors import ImportFailed
from openfinops.warehouse import state
from tasks.accounts import refresh_account_names


class Names:
    def __init__(self, names: dict[str, tuple[str, str]]) -> None:
        self.names = names

    def read(self) -> dict[str, tuple[str, str]]:
        if isinstance(self.names, Exception):
            raise self.names
        return self.names


def test_the_configured_names_are_stored(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="tasks.accounts")
    database = tmp_path / "finops.duckdb"
    names = Names({"1": ("prod", "accounts.csv"), "2": ("dev", "organizations:ListAccounts")})

    assert refresh_account_names.fn("aws", names, database) == 2

    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(f"SELECT account_id, account_name FROM {state.ACCOUNT_NAMES} ORDER BY 1").fetchall() == [
            ("1", "prod"), ("2", "dev")]
    assert "aws account names: 2 from accounts.csv, organizations:ListAccounts" in caplog.text

    caplog.clear()
    assert refresh_account_names.fn("aws", names, database) == 2
    assert "account names" not in caplog.text  # nothing changed, nothing said


def test_no_names_configured_makes_no_database(tmp_path):
    assert refresh_account_names.fn("aws", Names({}), tmp_path / "finops.duckdb") == 0
    assert not (tmp_path / "finops.duckdb").exists()


def test_an_unreadable_list_fails_and_keeps_the_stored_names(tmp_path):
    database = tmp_path / "finops.duckdb"
    refresh_account_names.fn("aws", Names({"1": ("prod", "accounts.csv")}), database)

    with pytest.raises(ImportFailed, match="accounts.csv: line 2"):
        refresh_account_names.fn("aws", Names(ImportFailed("accounts.csv: line 2: 'x' is not an AWS account id")),
                                 database)

    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(f"SELECT account_name FROM {state.ACCOUNT_NAMES}").fetchall() == [("prod",)]
