"""Account names in focus.cost_and_usage: from the billing data, the user's CSV file or AWS Organizations,
else the id; the same in every period, after an incremental build as after a full refresh."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest
from real_aws_exports import REAL, write_real_v1

from cli import main
from openfinops.providers.aws.accounts import organization_accounts


@pytest.fixture
def run(tmp_path):
    """`finops --config <config.toml> ...` with the given [aws] keys and exports; returns the exit code.
    (`--config` sets OPEN_FINOPS_CONFIG; conftest's isolated_config restores it after the test.)"""
    def finops(*args: str, exports: list[dict], aws: str = "") -> int:
        config = tmp_path / "config.toml"
        config.write_text(f'[project]\ndata_dir = "{tmp_path / "data"}"\n[aws]\n{aws}\n' + "".join(
            f'[[aws.exports]]\nname = "{e["name"]}"\ncur_version = "{e["cur_version"]}"\npath = "{e["path"]}"\n'
            for e in exports))
        return main(["--config", str(config), *args])

    return finops


def names(tmp_path: Path) -> dict[str, set[str]]:
    with duckdb.connect(str(tmp_path / "data" / "finops.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT SubAccountId, list(DISTINCT SubAccountName), list(DISTINCT BillingAccountName) "
                           "FROM focus.cost_and_usage GROUP BY 1").fetchall()
    return {account: set(sub) | set(billing) for account, sub, billing in rows}


def everything(tmp_path: Path) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "data" / "finops.duckdb"), read_only=True) as con:
        return con.execute("SELECT * EXCLUDE (Tags), CAST(Tags AS VARCHAR) FROM focus.cost_and_usage ORDER BY ALL"
                           ).fetchall()


def test_names_file_names_every_period_and_a_rename_rebuilds_them(tmp_path, real_exports, run):
    """Two legacy CUR exports (no names at all) of different months, named by a CSV file."""
    exports = [e for e in real_exports if e["name"] in ("anonymous-cur", "logzio-cur")]
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,account_name\n123412340534,Anonymous Payer\n486140753397,Logs\n")
    aws = f'account_names_file = "{accounts}"'

    assert run("aws", "import-cur", exports=exports, aws=aws) == 0
    assert names(tmp_path) == {"123412340534": {"Anonymous Payer"}, "486140753397": {"Logs"}}

    # Nothing new to import, but the names changed: the build runs and renames every period.
    accounts.write_text("account_id,account_name\n123412340534,Anonymous Payer (renamed)\n")
    assert run("aws", "import-cur", exports=exports, aws=aws) == 0
    assert names(tmp_path) == {"123412340534": {"Anonymous Payer (renamed)"}, "486140753397": {"486140753397"}}

    incremental = everything(tmp_path)
    assert run("focus", "build", "--full-refresh", exports=exports, aws=aws) == 0
    assert everything(tmp_path) == incremental


def test_names_from_aws_organizations(tmp_path, real_exports, run, aws_credentials, monkeypatch):
    """moto's Organizations server, through the standard credential chain, names the management account."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", aws_credentials["endpoint_url"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", aws_credentials["org_admin"][0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", aws_credentials["org_admin"][1])
    import boto3

    org = boto3.session.Session().client("organizations", region_name="us-east-1")
    try:
        management = org.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    except org.exceptions.AlreadyInOrganizationException:
        management = org.describe_organization()["Organization"]["MasterAccountId"]
    # The real legacy CUR, billed to the organization's management account.
    source = tmp_path / "cur.csv.gz"
    with gzip.open(REAL / "focus-converters-legacy-cur-2023-11.csv.gz", "rt") as f, gzip.open(source, "wt") as out:
        out.write(f.read().replace("123412340534", management))
    write_real_v1(tmp_path / "exports", source, "org-cur", "2023-11")
    exports = [{"name": "org-cur", "cur_version": "v1", "path": str(tmp_path / "exports")}]

    assert run("aws", "import-cur", exports=exports, aws="organizations = true") == 0

    assert names(tmp_path) == {management: {dict(organization_accounts())[management]}}


def test_organizations_refusing_fails_the_run_but_imports_and_builds(tmp_path, real_exports, run, aws_credentials,
                                                                      monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", aws_credentials["endpoint_url"])  # S3-only credentials
    exports = [e for e in real_exports if e["name"] == "anonymous-cur"]

    assert run("aws", "import-cur", exports=exports, aws="organizations = true") == 1

    assert "organizations:ListAccounts" in capsys.readouterr().err
    assert names(tmp_path) == {"123412340534": {"123412340534"}}
    # The nightly build too: it builds, then fails the run.
    assert run("focus", "build", "--full-refresh", exports=exports, aws="organizations = true") == 1
    assert "organizations:ListAccounts" in capsys.readouterr().err
    assert names(tmp_path) == {"123412340534": {"123412340534"}}
