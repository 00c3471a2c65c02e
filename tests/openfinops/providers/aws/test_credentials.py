"""AWS credentials from a prefect-aws AwsCredentials block instead of the standard chain."""

from __future__ import annotations

import boto3
import pytest
from prefect_aws import AwsCredentials

from openfinops.errors import AccessError
from openfinops.importing.exports import BrokenManifest
from openfinops.providers.aws.config import AwsAccountNames, AwsExport
from openfinops.samples.aws_cur import write_cur_v2


@pytest.fixture
def wrong_chain(aws_credentials, monkeypatch):
    """The standard chain holds keys the server does not know: only a block can get in."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG0")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    return aws_credentials


def test_export_reads_s3_with_the_named_block(tmp_path, s3_bucket, upload_tree, wrong_chain):
    _, bucket = s3_bucket
    write_cur_v2(tmp_path / "cur2", export="demo-cur2", periods=["2026-09"], rows_per_period=50)
    upload_tree(tmp_path / "cur2", "cur2")
    AwsCredentials(aws_access_key_id=wrong_chain["key"], aws_secret_access_key=wrong_chain["secret"],
                   region_name="us-east-1").save("finops-test-s3", overwrite=True)
    location = {"name": "demo-cur2", "bucket": bucket, "prefix": "cur2", "endpoint_url": wrong_chain["endpoint_url"]}

    with pytest.raises(AccessError, match="access denied"):
        AwsExport(**location).discover()  # the chain's keys
    [manifest] = AwsExport(**location, credentials_block="finops-test-s3").discover()

    assert not isinstance(manifest, BrokenManifest)
    assert manifest.billing_period == "2026-09" and manifest.files


def test_organizations_with_the_named_block(wrong_chain, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", wrong_chain["endpoint_url"])
    key, secret = wrong_chain["org_admin"]
    AwsCredentials(aws_access_key_id=key, aws_secret_access_key=secret,
                   region_name="us-east-1").save("finops-test-org", overwrite=True)
    admin = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret).client(
        "organizations", region_name="us-east-1")
    try:  # the moto server is shared by the session: an organization may exist already
        admin.create_organization(FeatureSet="ALL")
    except admin.exceptions.AlreadyInOrganizationException:
        pass
    master = admin.describe_organization()["Organization"]["MasterAccountId"]

    with pytest.raises(AccessError):
        AwsAccountNames(organizations=True).read()  # the chain's keys
    found = AwsAccountNames(organizations=True, credentials_block="finops-test-org").read()

    assert found[master][1] == "organizations:ListAccounts"


def test_unknown_block_is_one_clear_error(aws_credentials):
    with pytest.raises(AccessError, match="AwsCredentials block 'no-such-block'"):
        AwsExport(name="x", bucket="b", credentials_block="no-such-block").discover()
