"""Where an AWS export's files live (openfinops.providers.aws.storage): a local folder or an S3 bucket, and
S3's permission errors as one clear message."""

from __future__ import annotations

import pytest
from fsspec.implementations.local import LocalFileSystem

from openfinops.errors import AccessError
from openfinops.providers.aws.config import AwsExport
from openfinops.providers.aws.storage import access_errors, export_filesystem


def test_a_local_folder_stands_for_the_bucket_and_prefix(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))

    fs, root = export_filesystem(AwsExport(name="cur", path="~/exports/../exports"))

    assert isinstance(fs, LocalFileSystem)
    assert root == str(tmp_path / "exports")


@pytest.mark.parametrize("prefix, root", [("/exports/cur/", "billing/exports/cur"), ("", "billing")])
def test_a_bucket_is_read_through_s3(prefix, root):
    import s3fs

    export = AwsExport(name="cur", bucket="billing", prefix=prefix, region="eu-west-1",
                       endpoint_url="http://127.0.0.1:9")

    fs, found = export_filesystem(export)

    assert isinstance(fs, s3fs.S3FileSystem)
    assert found == root
    assert fs.client_kwargs == {"region_name": "eu-west-1", "endpoint_url": "http://127.0.0.1:9"}
    assert fs.dircache.use_listings_cache is False  # AWS rewrites manifests in place


def test_access_denied_names_the_location_and_what_to_check():
    with pytest.raises(AccessError) as info:
        with access_errors("s3://billing/cur"):
            raise PermissionError("Forbidden")

    assert str(info.value).startswith("s3://billing/cur: access denied (Forbidden). Check the AWS credentials")


def test_other_errors_pass_unchanged():
    with pytest.raises(ConnectionResetError):
        with access_errors("s3://billing/cur"):
            raise ConnectionResetError("reset")
