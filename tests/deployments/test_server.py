"""Deployments on a real Prefect server and worker, started the way a user starts them."""

from __future__ import annotations

import calendar
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import boto3
import duckdb
import pytest
from azurite import AZURITE_ACCOUNT, azurite_connection_string, upload

from openfinops.periods import resolve_period
from openfinops.samples import azure_exports
from openfinops.samples.aws_cur import write_cur_v2
from openfinops.warehouse.locks import database_lock

from .servers import FlakyS3, Receiver

REPO = Path(__file__).resolve().parents[2]
FINOPS = [sys.executable, "-m", "cli"]
PREFECT = [sys.executable, "-m", "prefect"]


# (export, type) -> (flavour, seed, format) of the generated Azure exports: an EA and an MCA account,
# each with actual and amortized cost
AZURE_EXPORTS = {("ea-actual", "actual"): ("ea", 42, "csv"), ("ea-amortized", "amortized"): ("ea", 42, "csv"),
                 ("mca-actual", "actual"): ("mca", 7, "csv.gz"), ("mca-amortized", "amortized"): ("mca", 7, "csv.gz")}
PAYG = REPO.parent / "shared" / "data" / "azure" / "header-variants" / "PayAsYouGo.csv"


def write_payg_export(root: Path, period: str) -> None:
    """A pay-as-you-go export (legacy layout, no manifest) of `period`: the real PayAsYouGo header and
    row of ../shared/data/azure (PreTaxCost 0.075) on three days of `period`."""
    header, row = PAYG.read_text().splitlines()[:2]
    year, month = map(int, period.split("-"))
    folder = root / "payg-usage" / f"{year}{month:02d}01-{year}{month:02d}{calendar.monthrange(year, month)[1]}"
    folder.mkdir(parents=True)
    rows = [row.replace("2021-02-02", f"{period}-{day:02d}") for day in (1, 2, 3)]
    (folder / "payg-usage_0d2f8a4e-6b1c-4d3e-9f5a-7c8b9a0d1e2f.csv").write_text("\r\n".join([header, *rows]) + "\r\n")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, s3_server, azurite, free_port):
    """`finops server up` on a free port, with one CUR 2.0 export for last month in a bucket that is
    reached through a throttling S3 front, an Azure actual and amortized export of this month in an
    Azurite container, and notifications going to a local webhook receiver."""
    root = tmp_path_factory.mktemp("stack")
    period = resolve_period("previous")
    exports = root / "exports"
    write_cur_v2(exports, export="payer-cur2", periods=(period,), rows_per_period=300)
    s3 = boto3.client("s3", endpoint_url=s3_server["endpoint_url"], region_name="us-east-1",
                      aws_access_key_id=s3_server["key"], aws_secret_access_key=s3_server["secret"])
    s3.create_bucket(Bucket="stack-billing")
    for path in sorted(exports.rglob("*")):
        if path.is_file():
            s3.upload_file(str(path), "stack-billing", f"cur2/{path.relative_to(exports).as_posix()}")

    azure = root / "azure"
    current = resolve_period("current")
    for (name, kind), (flavour, seed, fmt) in AZURE_EXPORTS.items():
        azure_exports.write_export(azure, export=name, kind=kind, flavour=flavour, seed=seed, fmt=fmt,
                                   periods=(current,), rows_per_period=300, open_periods=(current,),
                                   root_folder_path="costs")
    write_payg_export(azure, current)
    upload(azurite, "billing", {f"costs/{p.relative_to(azure).as_posix()}": p.read_bytes()
                                for p in sorted(azure.rglob("*")) if p.is_file()})

    flaky = FlakyS3(int(s3_server["endpoint_url"].rsplit(":", 1)[1]), failures=3)
    receiver = Receiver()
    container_url = f"http://127.0.0.1:{azurite}/{AZURITE_ACCOUNT}/billing/costs"
    azure_config = ", ".join(f'{{name = "{name}", type = "{kind}", container_url = "{container_url}"}}'
                             for name, kind in [*AZURE_EXPORTS, ("payg-usage", "actual")])
    config = root / "config.toml"
    config.write_text(f"""
[project]
data_dir = "{root / 'data'}"

[[aws.exports]]
name = "payer-cur2"
cur_version = "v2"
bucket = "stack-billing"
prefix = "cur2"
region = "us-east-1"
endpoint_url = "{flaky.endpoint_url}"

[azure]
exports = [{azure_config}]

[notifications]
channel = "webhook"
url = "{receiver.url}"
""")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OPEN_FINOPS_", "AWS_", "AZURE_"))}
    env.update(PREFECT_HOME=str(root / "prefect-home"), OPEN_FINOPS_CONFIG=str(config),
               AZURE_STORAGE_CONNECTION_STRING=azurite_connection_string(azurite),
               AWS_ACCESS_KEY_ID=s3_server["key"], AWS_SECRET_ACCESS_KEY=s3_server["secret"],
               AWS_DEFAULT_REGION="us-east-1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    up = subprocess.run([*FINOPS, "server", "up", "--port", str(port)], cwd=REPO, env=env, capture_output=True,
                        text=True, timeout=600)
    assert up.returncode == 0, up.stdout + up.stderr
    env["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    yield {"env": env, "root": root, "period": period, "s3": s3, "flaky": flaky, "receiver": receiver,
           "database": root / "data" / "finops.duckdb", "azure_period": current}
    subprocess.run([*FINOPS, "server", "down"], cwd=REPO, env=env, capture_output=True, timeout=60)
    flaky.close()
    receiver.close()


def prefect(stack, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*PREFECT, *args], cwd=REPO, env=stack["env"], capture_output=True, text=True,
                          timeout=timeout)


def api(stack, code: str) -> object:
    """Evaluate `code` against the server with Prefect's sync client bound to `client`; JSON result."""
    script = ("import json\nfrom prefect.client.orchestration import get_client\n"
              f"with get_client(sync_client=True) as client:\n    print(json.dumps({code}, default=str))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=stack["env"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_monthly_run_imports_through_throttling_and_builds_focus(stack):
    run = prefect(stack, "deployment", "run", "aws-cur/monthly", "--watch", "--watch-timeout", "540")

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Completed" in run.stdout
    assert stack["flaky"].failed == 3 and stack["flaky"].forwarded > 0  # throttled, then retried to success
    with duckdb.connect(str(stack["database"]), read_only=True) as con:
        raw = con.execute("SELECT count(*), sum(line_item_unblended_cost) FROM aws_billing.payer_cur2").fetchone()
        focus = con.execute("SELECT count(*) FILTER (WHERE coalesce(CommitmentDiscountStatus, '') <> 'Unused'), "
                            "sum(BilledCost), min(x_BillingPeriod) "
                            "FROM focus.cost_and_usage").fetchone()
    assert raw[0] > 300 and focus[:2] == raw and focus[2] == stack["period"]
    artifacts = api(stack, "[a.description for a in client.read_artifacts() if a.key == 'import-summary']")
    assert artifacts, "the run publishes its import summary as an artifact"


def test_registering_twice_leaves_one_of_each(stack):
    again = subprocess.run([sys.executable, "-m", "deployments.setup"], cwd=REPO, env=stack["env"],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]

    deployments = api(stack, "sorted(d.name for d in client.read_deployments())")
    automations = api(stack, "sorted(a.name for a in client.read_automations())")
    pools = api(stack, "sorted(p.name for p in client.read_work_pools())")
    blocks = api(stack, "sorted(b.name for b in client.read_block_documents() if b.name == 'finops-alerts')")
    # aws-cur, azure-billing, gcp-billing; commitment-alerts
    assert deployments == ["daily", "daily", "daily", "daily", "monthly", "monthly", "monthly", "nightly", "on-demand"]
    assert automations == ["finops: FOCUS build failed", "finops: commitment alerts failed",
                           "finops: commitments expiring", "finops: commitments under-utilized",
                           "finops: export silent", "finops: import failed"]
    assert pools == ["finops-process"]
    assert blocks == ["finops-alerts"]


def test_runs_started_together_queue_instead_of_crashing(stack):
    started = [prefect(stack, "deployment", "run", name) for name in ("aws-cur/daily", "focus-build/nightly")]
    ids = [line.split()[-1] for proc in started for line in proc.stdout.splitlines() if "UUID" in line]
    assert len(ids) == 2, [p.stdout for p in started]

    states = _wait_for_terminal(stack, ids)

    assert states == ["COMPLETED", "COMPLETED"]


def test_corrupt_export_fails_the_run_and_notifies(stack):
    s3, period = stack["s3"], stack["period"]
    prefix = "cur2/payer-cur2"
    manifest_key = f"{prefix}/metadata/BILLING_PERIOD={period}/payer-cur2-Manifest.json"
    manifest = json.loads(s3.get_object(Bucket="stack-billing", Key=manifest_key)["Body"].read())
    data_key = manifest["dataFiles"][0].split("/", 3)[3]
    s3.put_object(Bucket="stack-billing", Key=data_key, Body=b"PAR1 this is not parquet")
    manifest["executionId"] = "restated-after-corruption"
    s3.put_object(Bucket="stack-billing", Key=manifest_key, Body=json.dumps(manifest).encode())
    before = len(stack["receiver"].messages)

    run = prefect(stack, "deployment", "run", "aws-cur/monthly", "--watch", "--watch-timeout", "540")

    assert run.returncode != 0 and "Failed" in run.stdout
    text = _notification_after(stack, before)
    assert "aws-cur/monthly" in text
    assert f"payer-cur2 {period}" in text and data_key.rsplit("/", 1)[1] in text
    assert "/runs/flow-run/" in text


def _notification_after(stack, before: int, timeout: float = 120) -> str:
    """The text of the one notification the receiver got after its first `before` ones."""
    deadline = time.monotonic() + timeout
    while len(stack["receiver"].messages) == before and time.monotonic() < deadline:
        time.sleep(1)
    [message] = stack["receiver"].messages[before:]
    return message["text"]


def _wait_for_terminal(stack, ids: list[str], timeout: float = 540) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        states = api(stack, f"[client.read_flow_run(i).state.type.value for i in {ids!r}]")
        if all(s in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for s in states) or time.monotonic() > deadline:
            return states
        time.sleep(3)


def test_failed_focus_build_notifies_as_a_build_failure(stack):
    """A nightly build whose reconciliation test fails says so: not "import failed"."""
    with database_lock(stack["database"]), duckdb.connect(str(stack["database"])) as con:
        [(table,)] = con.execute("SELECT raw_table FROM finops_state.import_state WHERE rows_loaded > 0 "
                                 "LIMIT 1").fetchall()
        con.execute(f"UPDATE {table} SET line_item_unblended_cost = line_item_unblended_cost + 1 "
                    f"WHERE rowid = (SELECT min(rowid) FROM {table})")
    before = len(stack["receiver"].messages)
    try:
        run = prefect(stack, "deployment", "run", "focus-build/nightly", "--watch", "--watch-timeout", "540")

        assert run.returncode != 0 and "Failed" in run.stdout
        text = _notification_after(stack, before)
        assert "FOCUS build failed" in text and "focus-build/nightly" in text
        assert "import failed" not in text
        assert "billed_cost_reconciles_to_raw" in text  # the failed dbt test names itself
    finally:
        with database_lock(stack["database"]), duckdb.connect(str(stack["database"])) as con:
            con.execute(f"UPDATE {table} SET line_item_unblended_cost = line_item_unblended_cost - 1 "
                        f"WHERE rowid = (SELECT min(rowid) FROM {table})")


def test_azure_daily_run_imports_from_blob_storage_next_to_aws(stack, focus_validator):
    aws = "SELECT count(*), sum(BilledCost) FROM focus.cost_and_usage WHERE x_Provider = 'aws'"
    aws_before = (0, None)  # unless the AWS runs above built the table
    if stack["database"].exists():
        with database_lock(stack["database"]), duckdb.connect(str(stack["database"]), read_only=True) as con:
            aws_before = con.execute(aws).fetchone()

    run = prefect(stack, "deployment", "run", "azure-billing/daily", "--watch", "--watch-timeout", "540")

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Completed" in run.stdout
    with duckdb.connect(str(stack["database"]), read_only=True) as con:
        azure = con.execute("SELECT sum(BilledCost), sum(EffectiveCost), min(x_BillingPeriod), "
                            "count(DISTINCT x_SourceExport) FROM focus.cost_and_usage "
                            "WHERE x_Provider = 'azure'").fetchone()
        assert con.execute(aws).fetchone() == aws_before
        by_account = dict(con.execute("""
            SELECT split_part(x_SourceExport, '-', 1), (sum(BilledCost), sum(EffectiveCost)) FROM focus.cost_and_usage
            WHERE x_Provider = 'azure' GROUP BY 1""").fetchall())
    ea, mca = (azure_exports.period_totals(stack["azure_period"], rows_per_period=300, seed=seed) for seed in (42, 7))
    assert by_account == {"ea": (ea.actual, ea.amortized), "mca": (mca.actual, mca.amortized),
                          "payg": (Decimal("0.225"), Decimal("0.225"))}
    assert azure[2:] == (stack["azure_period"], 5)
    out = stack["root"] / "azure-focus.parquet"
    export = subprocess.run([*FINOPS, "focus", "export", "--out", str(out), "--provider", "Microsoft"], cwd=REPO,
                            env=stack["env"], capture_output=True, text=True, timeout=300)
    assert export.returncode == 0, export.stderr
    focus_validator(out)
