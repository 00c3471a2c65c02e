"""Display names for AWS account ids: the user's CSV file, or AWS Organizations `ListAccounts`.

Legacy CUR has no account-name columns, so without a list every account would be shown by its id.
The task `refresh-account-names` stores them in `finops_state.account_names`; the FOCUS build uses
them for accounts whose billing rows carry no name (CUR 2.0 and FOCUS exports carry names, and
those win).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from botocore.exceptions import BotoCoreError, ClientError

from openfinops.errors import AccessError, ImportFailed
from openfinops.importing.sql import literal, quote

from .credentials import aws_session

# Header spellings of the two columns: ours, and the AWS Organizations console's account export.
ID_HEADERS = {"account_id", "accountid", "id"}
NAME_HEADERS = {"account_name", "accountname", "name"}
ACCOUNT_ID = re.compile(r"^\d{1,12}$")
ORGANIZATIONS = "organizations:ListAccounts"


def read_names_file(path: Path) -> list[tuple[str, str]]:
    """(account id, name) pairs of a CSV file with an account id and an account name column."""
    if not path.is_file():
        raise ImportFailed(f"{path}: account names file not found")
    scan = f"read_csv({literal(str(path))}, header=true, all_varchar=true)"
    with duckdb.connect() as con:
        try:
            columns = [row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
        except duckdb.Error as exc:
            raise ImportFailed(f"{path}: cannot read as CSV ({str(exc).splitlines()[0]})") from None
        headers = {re.sub(r"[\s_-]+", "_", c.strip().lower()): c for c in columns}
        id_column = next((headers[h] for h in ID_HEADERS if h in headers), None)
        name_column = next((headers[h] for h in NAME_HEADERS if h in headers), None)
        if id_column is None or name_column is None:
            raise ImportFailed(f"{path}: needs an account_id and an account_name column, found {', '.join(columns)}")
        rows = con.sql(f"SELECT trim({quote(id_column)}), trim({quote(name_column)}) FROM {scan}").fetchall()
    names: dict[str, str] = {}
    for line, (account_id, name) in enumerate(rows, start=2):
        if not account_id or not name:
            continue
        if not ACCOUNT_ID.match(account_id):
            raise ImportFailed(f"{path}: line {line}: {account_id!r} is not an AWS account id")
        # Spreadsheets drop the leading zeros of ids like 012345678901.
        account_id = account_id.zfill(12)
        if names.get(account_id, name) != name:
            raise ImportFailed(f"{path}: line {line}: account {account_id} is named twice "
                               f"({names[account_id]!r} and {name!r})")
        names[account_id] = name
    return sorted(names.items())


def organization_accounts(credentials_block: str | None = None) -> list[tuple[str, str]]:
    """Every account of the organization, through the standard AWS credential chain or the named
    credentials block (the caller must be the management account or a delegated administrator)."""
    client = aws_session(credentials_block).client("organizations")
    try:
        pages = client.get_paginator("list_accounts").paginate()
        return sorted((account["Id"], account["Name"]) for page in pages for account in page["Accounts"])
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status in (400, 401, 403) and error.get("Code") not in ("TooManyRequestsException", "ThrottlingException"):
            message = " ".join(str(error.get("Message", "")).split())  # one line
            raise AccessError(f"{ORGANIZATIONS}: {error.get('Code')}: {message}. Names need the "
                              "management account's credentials, or set [aws] organizations = false and name "
                              "accounts in account_names_file.") from None
        raise
    except BotoCoreError as exc:
        if "credentials" in str(exc).lower():
            raise AccessError(f"{ORGANIZATIONS}: {exc}") from None
        raise
