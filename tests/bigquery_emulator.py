"""A BigQuery-protocol server for the tests: the workplace's `bigquery-emulator` (bqemulator,
DuckDB-backed, REST + Storage Read) on 127.0.0.1, and a billing export table in it.

Its measured limits (the tool's header): NDJSON loads through `load_table_from_file`, uncompressed;
dry runs estimate 0 bytes; every row lands in the partition of the day it is loaded.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
EMULATOR = REPO.parent / "shared" / "tools" / "bigquery-emulator"
SCHEMAS = REPO / "openfinops" / "providers" / "gcp" / "schemas"
PROJECT = "finops-billing"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_emulator(workspace: Path) -> Iterator[str]:
    """The emulator until the block ends; yields its URL for BIGQUERY_EMULATOR_HOST. Skips the test
    without the tool, unless OPEN_FINOPS_REQUIRE_BIGQUERY_EMULATOR is set (CI)."""
    if not EMULATOR.exists():
        if os.environ.get("OPEN_FINOPS_REQUIRE_BIGQUERY_EMULATOR"):
            pytest.fail(f"{EMULATOR} is missing and OPEN_FINOPS_REQUIRE_BIGQUERY_EMULATOR is set")
        pytest.skip(f"{EMULATOR} is missing")
    rest, grpc = free_port(), free_port()
    url = f"http://127.0.0.1:{rest}"
    log = workspace / "bigquery-emulator.log"
    with open(log, "w") as out:
        # Its own session: stopping it stops the server it starts, too.
        proc = subprocess.Popen([str(EMULATOR), "--rest-port", str(rest), "--grpc-port", str(grpc), "--project",
                                 PROJECT], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.time() + 600  # the first start installs it into its own venv
            while True:
                try:
                    urllib.request.urlopen(f"{url}/bigquery/v2/projects/{PROJECT}/datasets", timeout=2).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        pytest.fail(f"the BigQuery emulator did not start: {log.read_text()[-3000:]}")
                    time.sleep(0.5)
            yield url
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)


def client(url: str):
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(project=PROJECT, credentials=AnonymousCredentials(),
                           client_options=ClientOptions(api_endpoint=url))


def create_export_table(url: str, dataset: str, table: str, detailed: bool = True) -> str:
    """An empty billing export table with Google's schema, partitioned by append day as Google's is."""
    from google.cloud import bigquery

    bq = client(url)
    bq.create_dataset(dataset, exists_ok=True)
    name = "gcp_billing_export_resource_v1.schema.json" if detailed else "gcp_billing_export_v1.schema.json"
    schema = [bigquery.SchemaField.from_api_repr(f) for f in json.loads((SCHEMAS / name).read_text())]
    ref = f"{PROJECT}.{dataset}.{table}"
    bq.delete_table(ref, not_found_ok=True)
    created = bigquery.Table(ref, schema=schema)
    created.time_partitioning = bigquery.TimePartitioning(type_=bigquery.TimePartitioningType.DAY)
    bq.create_table(created)
    return ref


def append_rows(url: str, ref: str, jsonl: bytes) -> None:
    """Append rows (BigQuery's NDJSON) as the billing export does: one load job."""
    from google.cloud import bigquery

    job = client(url).load_table_from_file(io.BytesIO(jsonl), ref, job_config=bigquery.LoadJobConfig(
        source_format=bigquery.SourceFormat.NEWLINE_DELIMITED_JSON,
        write_disposition=bigquery.WriteDisposition.WRITE_APPEND))
    job.result()


def query_jobs(url: str) -> int:
    """How many query jobs the server has run: each reads (and BigQuery bills) at least 10 MB."""
    return sum(job.job_type == "query" for job in client(url).list_jobs(all_users=True))
