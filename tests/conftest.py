"""Shared fixtures: one Prefect test server, one S3-protocol server on 127.0.0.1, a data dir per test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import json

import boto3
import duckdb
import pytest
from prefect.testing.utilities import prefect_test_harness

REPO = Path(__file__).resolve().parents[1]
FOCUS_ROWS = REPO / "tests" / "fixtures" / "aws" / "focus-1.0-aws-rows.csv"


@pytest.fixture(scope="session", autouse=True)
def prefect_server():
    """Flows run against a throwaway Prefect API (SQLite), not the developer's."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch):
    """No developer config.toml, ./data (sample exports) or OPEN_FINOPS_* variables leak into tests."""
    for key in list(os.environ):
        if key.startswith("OPEN_FINOPS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("OPEN_FINOPS_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.chdir(tmp_path)


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
def free_port():
    """A function returning a free TCP port on 127.0.0.1, for servers a test starts."""
    return _free_port


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


# --------------------------------------------------------------------------- an AWS FOCUS export
FOCUS_DECIMALS = {"BilledCost", "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice", "EffectiveCost",
                  "ListCost", "ListUnitPrice", "PricingQuantity"}
FOCUS_TIMESTAMPS = {"BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart"}
FOCUS_EXTRA = {"x_ServiceCode": "'AmazonEC2'", "x_UsageType": "'BoxUsage:m5.large'"}


def _write_focus_export(root: Path, export: str = "focus-daily", execution: str = "0b7f3c1e-focus-exec-1") -> Path:
    """A one-file AWS FOCUS export for 2024-09, laid out like CUR 2.0, from the fixture's AWS rows.

    Parquet as AWS writes it: decimals, timestamps, `Tags` as a map; the sample's `Id` column is
    not an AWS FOCUS column and is dropped. The manifest's keys point at another bucket/prefix.
    """
    data_dir = root / export / "data" / "BILLING_PERIOD=2024-09"
    meta_dir = root / export / "metadata" / "BILLING_PERIOD=2024-09"
    data_dir.mkdir(parents=True)
    meta_dir.mkdir(parents=True)
    con = duckdb.connect()
    source = f"read_csv('{FOCUS_ROWS}', all_varchar=true, nullstr='NULL')"
    names = [row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    expressions, columns = [], []
    for name in names:
        q = f'"{name}"'
        if name == "Id":
            continue
        if name in FOCUS_DECIMALS:
            expressions.append(f"CAST({q} AS DECIMAL(38,12)) AS {q}")
            columns.append({"name": name, "type": "decimal"})
        elif name in FOCUS_TIMESTAMPS:
            expressions.append(f"CAST({q} AS TIMESTAMP) AS {q}")
            columns.append({"name": name, "type": "timestamp"})
        elif name == "Tags":
            expressions.append(f"CAST(CAST({q} AS JSON) AS MAP(VARCHAR, VARCHAR)) AS {q}")
            columns.append({"name": name, "type": "map<string,string>"})
        else:
            expressions.append(q)
            columns.append({"name": name, "type": "string"})
    for name, value in FOCUS_EXTRA.items():
        expressions.append(f"{value} AS {name}")
        columns.append({"name": name, "type": "string"})
    file_name = f"{export}-00001.snappy.parquet"
    con.sql(f"COPY (SELECT {', '.join(expressions)} FROM {source}) TO '{data_dir / file_name}' "
            "(FORMAT parquet, COMPRESSION snappy)")
    con.close()
    manifest = {
        "executionId": execution,
        "columns": columns,
        "dataFiles": [f"s3://bucket/prefix/{export}/data/BILLING_PERIOD=2024-09/{file_name}"],
        "billingPeriod": {"start": "2024-09-01T00:00:00.000Z", "end": "2024-10-01T00:00:00.000Z"},
    }
    path = meta_dir / f"{export}-Manifest.json"
    path.write_text(json.dumps(manifest, indent=2))
    return path


@pytest.fixture
def write_focus_export():
    """Write a one-period AWS FOCUS export (real AWS rows of the FOCUS sample data) under a root."""
    return _write_focus_export
