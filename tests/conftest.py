"""Shared fixtures: one Prefect test server, an S3-protocol server and Azurite on 127.0.0.1, a data dir per test."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import duckdb
import pytest
from azurite import running_azurite
from prefect.testing.utilities import prefect_test_harness
from real_aws_exports import REAL, SHARED_FOCUS_SAMPLE, write_real_cur2, write_real_v1

REPO = Path(__file__).resolve().parents[1]
FOCUS_ROWS = REPO / "tests" / "fixtures" / "aws" / "focus-1.0-aws-rows.csv"


@pytest.fixture(scope="session", autouse=True)
def prefect_server():
    """Flows run against a throwaway Prefect API (SQLite), not the developer's."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(autouse=True)
def isolated_config(tmp_path, monkeypatch):
    """No developer config.toml, ./data (sample exports) or OPEN_FINOPS_* variables leak into tests:
    OPEN_FINOPS_CONFIG names an empty file (a named file must exist), so the defaults apply."""
    for key in list(os.environ):
        if key.startswith("OPEN_FINOPS_"):
            monkeypatch.delenv(key)
    empty = tmp_path / "empty-config.toml"
    empty.touch()
    monkeypatch.setenv("OPEN_FINOPS_CONFIG", str(empty))
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
def azurite(tmp_path_factory):
    """An Azurite blob service on 127.0.0.1 (tests/azurite.py): its port."""
    with running_azurite(tmp_path_factory.mktemp("azurite"), _free_port()) as port:
        yield port


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A moto S3 server on 127.0.0.1 that checks credentials like AWS does.

    The first requests are let through unauthenticated to create two IAM users and their access
    keys: `finops`, who may use S3 (and nothing else), and `org-admin`, who may use Organizations;
    after that every request must be signed with a known key.
    """
    port = _free_port()
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="6")
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
    keys = {}
    for user, action in (("finops", "s3:*"), ("org-admin", "organizations:*")):
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="access", PolicyDocument=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "%s", "Resource": "*"}]}' % action))
        keys[user] = iam.create_access_key(UserName=user)["AccessKey"]
    yield {"endpoint_url": endpoint, "key": keys["finops"]["AccessKeyId"], "secret": keys["finops"]["SecretAccessKey"],
           "org_admin": (keys["org-admin"]["AccessKeyId"], keys["org-admin"]["SecretAccessKey"])}
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
    # A session of its own: boto3's default one keeps the first credentials it saw.
    client = boto3.session.Session().client("s3", endpoint_url=aws_credentials["endpoint_url"],
                                            region_name="us-east-1")
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


def _write_focus_export(root: Path, export: str = "focus-daily", execution: str = "0b7f3c1e-focus-exec-1",
                        rows: Path = FOCUS_ROWS, extra: dict[str, str] = FOCUS_EXTRA) -> Path:
    """A one-file AWS FOCUS export for 2024-09, laid out like CUR 2.0, from the AWS rows of `rows`
    plus the `extra` columns (name: SQL value).

    Parquet as AWS writes it: decimals, timestamps, `Tags` as a map; the sample's `Id` column is
    not an AWS FOCUS column and is dropped. The manifest's keys point at another bucket/prefix.
    """
    data_dir = root / export / "data" / "BILLING_PERIOD=2024-09"
    meta_dir = root / export / "metadata" / "BILLING_PERIOD=2024-09"
    data_dir.mkdir(parents=True)
    meta_dir.mkdir(parents=True)
    con = duckdb.connect()
    source = f"(SELECT * FROM read_csv('{rows}', all_varchar=true, nullstr='NULL') WHERE ProviderName = 'AWS')"
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
    for name, value in extra.items():
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


# --------------------------------------------------------------------------- real AWS exports
@pytest.fixture(scope="session")
def real_exports(tmp_path_factory) -> list[dict]:
    """Every real export of tests/fixtures/aws/real (and the FOCUS sample's AWS rows), laid out as AWS
    writes them; the sources to import them with."""
    root = tmp_path_factory.mktemp("real-exports")
    write_real_v1(root / "v1", REAL / "focus-converters-legacy-cur-2023-11.csv.gz", "anonymous-cur", "2023-11")
    write_real_v1(root / "v1", REAL / "logzio-legacy-cur-2018-03.csv.gz", "logzio-cur", "2018-03")
    write_real_v1(root / "v1", REAL / "well-architected-labs-legacy-cur-2018-12.snappy.parquet", "workshop-cur",
                  "2018-12", parquet=True)
    cur2 = write_real_cur2(root / "v2")
    sources = [{"name": name, "cur_version": "v1", "path": str(root / "v1")}
               for name in ("anonymous-cur", "logzio-cur", "workshop-cur")]
    sources.append({"name": cur2, "cur_version": "v2", "path": str(root / "v2")})
    if SHARED_FOCUS_SAMPLE.exists():
        _write_focus_export(root / "focus", export="focus-sample-aws", rows=SHARED_FOCUS_SAMPLE, extra={})
        sources.append({"name": "focus-sample-aws", "cur_version": "focus", "path": str(root / "focus")})
    return sources


# --------------------------------------------------------------------------- the official FOCUS validator
VALIDATOR = REPO.parent / "shared" / "tools" / "focus-validate"
# Rules of focus-validator 2.2.1's bundled 1.2 model that conformant data fails, beyond those the tool
# already tolerates; each was read in the model JSON and the validator's condition compiler:
VALIDATOR_DEFECTS = {
    # The spec says EffectiveCost is 0 for purchases "intended to cover future eligible charges" (commitment
    # prepayments); the model drops that clause and so fails recurring purchases such as AWS Support.
    "EffectiveCost-C-005-C": "condition clause dropped: fails every Purchase, not just prepayments",
    "EffectiveCost-C-000-M": "composite parent of C-005-C",
    # FOCUS 1.2 InvoiceId: "MUST be null when the charge is not associated either with an invoice or with a
    # pre-generated provisional invoice" and "MUST NOT be null when the charge is associated with either an
    # issued invoice or a pre-generated provisional invoice". The model's C-004-C / C-005-C (tolerated by
    # the tool) have empty conditions; their parent is OR(C-004-C, C-005-C), so a table with both invoiced
    # (closed) and not yet invoiced (open) months fails it whatever its values.
    "InvoiceId-C-003-C": "composite parent of the tolerated C-004-C and C-005-C",
    "InvoiceId-C-000-O": "composite parent of C-003-C",
}


@pytest.fixture(scope="session")
def focus_validator():
    """A function that runs the FinOps Foundation's validator on a FOCUS Parquet file and fails the
    test on any failed rule that is not a known validator defect."""
    if not VALIDATOR.exists() and not os.environ.get("CI"):
        pytest.skip("FOCUS validator not on this machine (../shared/tools/focus-validate)")

    def validate(path: Path) -> str:
        allow = [arg for rule in VALIDATOR_DEFECTS for arg in ("--allow", rule)]
        proc = subprocess.run([str(VALIDATOR), str(path), "--show-violations", *allow], capture_output=True,
                              text=True, timeout=1800)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        return proc.stdout

    return validate
