"""Shared fixtures: one Prefect test server, one S3-protocol server on 127.0.0.1, a data dir per test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from prefect.testing.utilities import prefect_test_harness

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def prefect_server():
    """Flows run against a throwaway Prefect API (SQLite), not the developer's."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch):
    """No developer config.toml or OPEN_FINOPS_* variables leak into tests."""
    for key in list(os.environ):
        if key.startswith("OPEN_FINOPS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("OPEN_FINOPS_CONFIG", str(tmp_path / "no-config.toml"))


@pytest.fixture
def data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A moto S3 server on 127.0.0.1 that checks credentials like AWS does.

    The first requests are let through unauthenticated to create an IAM user and its access key;
    after that every request must be signed with a known key.
    """
    port = _free_port()
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("moto server did not start")
            time.sleep(0.2)
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bootstrap",
                       aws_secret_access_key="bootstrap")
    iam.create_user(UserName="finops")
    iam.put_user_policy(UserName="finops", PolicyName="s3", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'))
    key = iam.create_access_key(UserName="finops")["AccessKey"]
    yield {"endpoint_url": endpoint, "key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
    proc.terminate()
    proc.wait(10)
    log.close()


@pytest.fixture
def aws_credentials(s3_server, monkeypatch):
    """Valid credentials for the test S3 server, through the standard environment variables."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server["key"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server["secret"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return s3_server


@pytest.fixture
def s3_bucket(aws_credentials, request):
    """A fresh bucket on the test server; returns (boto3 client, bucket name)."""
    client = boto3.client("s3", endpoint_url=aws_credentials["endpoint_url"], region_name="us-east-1")
    name = "billing-" + request.node.name.lower().replace("_", "-")[:40].strip("-")
    client.create_bucket(Bucket=name)
    return client, name


@pytest.fixture
def upload_tree(s3_bucket):
    """Copy a local export folder into the test bucket under a prefix, as AWS would have written it."""
    client, bucket = s3_bucket

    def upload(local: Path, prefix: str) -> None:
        for path in sorted(local.rglob("*")):
            if path.is_file():
                client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(local).as_posix()}")

    return upload
