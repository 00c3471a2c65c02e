"""Account names: the user's CSV file and AWS Organizations ListAccounts (against moto's server)."""

from __future__ import annotations

import boto3
import pytest

from openfinops.errors import AccessError, ImportFailed
from openfinops.providers.aws.accounts import organization_accounts, read_names_file


def test_names_file_with_the_organizations_console_headers(tmp_path):
    path = tmp_path / "accounts.csv"
    # As exported from the Organizations console and re-saved by a spreadsheet: the leading zero is gone.
    path.write_text('"Account ID","Account name","Email"\n'
                    '12345678901,"Payer, Inc.",root@example.com\n'
                    '210987654321,sandbox ,dev@example.com\n'
                    ',no id,x@example.com\n')

    assert read_names_file(path) == [("012345678901", "Payer, Inc."), ("210987654321", "sandbox")]


@pytest.mark.parametrize("text, message", [
    ("acct;label\n1;a\n", "needs an account_id and an account_name column"),
    ("account_id,account_name\nabc,a\n", "line 2: 'abc' is not an AWS account id"),
    ("account_id,account_name\n1,a\n000000000001,b\n", r"line 3: account 000000000001 is named twice \('a' and 'b'\)"),
])
def test_names_file_errors_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "accounts.csv"
    path.write_text(text)
    with pytest.raises(ImportFailed, match=message) as info:
        read_names_file(path)
    assert str(path) in str(info.value)


def test_missing_names_file(tmp_path):
    with pytest.raises(ImportFailed, match="account names file not found"):
        read_names_file(tmp_path / "nope.csv")


@pytest.fixture
def organizations(aws_credentials, monkeypatch):
    """moto's Organizations API, reached through the SDK's standard endpoint variable, as the management
    account's administrator (the S3 user may not call it)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", aws_credentials["endpoint_url"])
    key, secret = aws_credentials["org_admin"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    client = boto3.session.Session().client("organizations", region_name="us-east-1")
    try:  # the moto server is shared by the session: start without an organization
        master = client.describe_organization()["Organization"]["MasterAccountId"]
        for account in client.list_accounts()["Accounts"]:
            if account["Id"] != master:
                client.remove_account_from_organization(AccountId=account["Id"])
        client.delete_organization()
    except client.exceptions.AWSOrganizationsNotInUseException:
        pass
    return client


def test_organization_accounts_through_the_credential_chain(organizations):
    organizations.create_organization(FeatureSet="ALL")
    created = {organizations.create_account(AccountName=name, Email=f"{name}@example.com")
               ["CreateAccountStatus"]["AccountId"]: name for name in ("prod", "sandbox")}

    accounts = dict(organization_accounts())

    assert {accounts[i] for i in created} == {"prod", "sandbox"}
    assert len(accounts) == 3  # and the management account


def test_credentials_without_organizations_access_are_one_clear_error(aws_credentials, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", aws_credentials["endpoint_url"])
    with pytest.raises(AccessError, match="organizations:ListAccounts: .*AccessDenied.*not authorized") as info:
        organization_accounts()
    assert "management account's credentials" in str(info.value)
