"""The gcp-billing flow end to end against a BigQuery-protocol server: a billing export table with
Google's nested schema, appended to day by day as Google does, imported incrementally into DuckDB
and the FOCUS table; and the same rows as exported files.

The emulator puts every row in the partition of the day the test loads it, so what the partition
filters save is proved on the SQL (tests/openfinops/providers/gcp/test_gcp_config.py); here, that
each run loads exactly the invoice months that got rows, whole, and that nothing doubles.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from bigquery_emulator import PROJECT, append_rows, create_export_table, free_port, query_jobs, running_emulator

from cli import main
from flows.gcp_billing import gcp_billing
from openfinops.focus.export import export_focus
from openfinops.samples.gcp_billing import (
    appends,
    corrections,
    generate,
    invoice_totals,
    write_jsonl,
    write_parquet,
)

# gcsfs otherwise first asks GCS's gRPC API whether a bucket is hierarchical, which the local GCS
# server does not serve: a minute's timeout per bucket. Set before gcsfs is first imported.
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")

REPO = Path(__file__).resolve().parents[2]
GOOGLE_ROWS = REPO / "tests" / "fixtures" / "gcp" / "google-pso-cud-attribution"
MONTHS = ("2026-09", "2026-10")
ROWS = 150
DATASET = "billing_export"
TABLE = "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9"
# Export times: the first import sees everything appended until October 3rd (September, and
# October's first day).
FIRST_CUT = datetime(2026, 10, 3, tzinfo=timezone.utc)
SECOND_CUT = datetime(2026, 10, 5, tzinfo=timezone.utc)  # after the corrections of September


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    with running_emulator(tmp_path_factory.mktemp("bigquery")) as url:
        yield url


@pytest.fixture
def bigquery(emulator, monkeypatch):
    """The emulator, as Google's client finds it: BIGQUERY_EMULATOR_HOST, no credentials."""
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", emulator)
    return emulator


def source(table: str = TABLE, **extra) -> list[dict]:
    return [{"name": "billing", "project_id": PROJECT, "dataset": DATASET, "table": table, **extra}]


def append(url: str, ref: str, rows: list[dict], tmp_path: Path) -> None:
    """Append `rows` as Google does: one load job per export_time, oldest first."""
    for _, batch in appends(rows):
        path = tmp_path / "append.jsonl"
        write_jsonl(batch, path)
        append_rows(url, ref, path.read_bytes())


def run(data_dir: Path, sources: list[dict], build: bool = False, **params):
    state = gcp_billing(sources=sources, data_dir=str(data_dir), build=build, return_state=True, **params)
    return state, state.result(raise_on_failure=False)


def query(data_dir: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data_dir / "finops.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def loaded(data_dir: Path, table: str = "billing") -> dict[str, tuple[int, Decimal]]:
    """Rows and what the invoice charges (cost + credits) per invoice month of the current imports."""
    return {p: (n, total) for p, n, total in query(data_dir, f"""
        SELECT billing_period, count(*),
               sum(cost + coalesce(list_sum(CAST(json_extract(credits, '$[*].amount') AS DECIMAL(38,12)[])), 0))
        FROM gcp_billing.{table} SEMI JOIN finops_state.import_state USING (billing_period, import_id)
        GROUP BY 1 ORDER BY 1""")}


def expected(rows: list[dict]) -> dict[str, tuple[int, Decimal]]:
    counts: dict[str, int] = {}
    for row in rows:
        month = row["invoice"]["month"]
        counts[f"{month[:4]}-{month[4:]}"] = counts.get(f"{month[:4]}-{month[4:]}", 0) + 1
    return {month: (counts[month], total) for month, total in sorted(invoice_totals(rows).items())}


def outcomes(results: list[dict]) -> dict[str, str]:
    return {r["billing_period"]: r["status"] for r in results}


def test_months_load_whole_as_rows_arrive_and_late_rows_replace_a_closed_month(bigquery, data_dir, tmp_path,
                                                                                focus_validator):
    ref = create_export_table(bigquery, DATASET, TABLE)
    rows = generate(MONTHS, ROWS)
    early = [r for r in rows if r["export_time"] < FIRST_CUT]
    append(bigquery, ref, early, tmp_path)

    state, results = run(data_dir, source())

    assert state.is_completed(), state.message
    assert outcomes(results) == {"2026-09": "imported", "2026-10": "imported"}
    assert loaded(data_dir) == expected(early)
    recorded = dict(query(data_dir, "SELECT billing_period, cost_total FROM finops_state.import_state"))
    assert recorded == {month: total for month, (_, total) in expected(early).items()}

    # Nothing appended since: every month is as imported, and the table's metadata says so without
    # a query.
    imports = query(data_dir, "SELECT billing_period, import_id FROM finops_state.import_state ORDER BY 1")
    queries = query_jobs(bigquery)
    state, results = run(data_dir, source())
    assert outcomes(results) == {"2026-09": "skipped", "2026-10": "skipped"}
    assert query_jobs(bigquery) == queries
    assert query(data_dir, "SELECT billing_period, import_id FROM finops_state.import_state ORDER BY 1") == imports

    # September is closed; on October 3rd and 4th Google appends late usage and a correction (a
    # negation and a re-issue) for it, with October's own rows. Both months are reloaded whole.
    late = corrections("2026-09", ROWS)
    middle = [r for r in rows if FIRST_CUT <= r["export_time"] < SECOND_CUT]
    append(bigquery, ref, middle + late, tmp_path)
    state, results = run(data_dir, source())
    assert outcomes(results) == {"2026-09": "replaced", "2026-10": "replaced"}
    assert loaded(data_dir) == expected(early + middle + late)

    # The rest of October: September, closed, is left as it is.
    rest = [r for r in rows if r["export_time"] >= SECOND_CUT]
    assert {r["invoice"]["month"] for r in rest} == {"202610"}
    append(bigquery, ref, rest, tmp_path)
    september = query(data_dir, "SELECT import_id FROM finops_state.import_state WHERE billing_period = '2026-09'")
    state, results = run(data_dir, source(), build=True)
    assert state.is_completed(), state.message
    assert outcomes(results) == {"2026-09": "skipped", "2026-10": "replaced"}
    assert query(data_dir, "SELECT import_id FROM finops_state.import_state WHERE billing_period = '2026-09'") == \
        september
    assert loaded(data_dir) == expected(rows + late)
    focus = dict(query(data_dir, "SELECT x_BillingPeriod, sum(BilledCost) FROM focus.cost_and_usage "
                                 "WHERE x_Provider = 'gcp' GROUP BY 1"))
    assert focus == invoice_totals(rows + late)
    out = tmp_path / "gcp-focus.parquet"
    assert export_focus(data_dir / "finops.duckdb", out, "parquet", provider="gcp") > len(rows)
    focus_validator(out)


def google_rows() -> list[dict]:
    """The 148 rows Google wrote for its CUD attribution tool's tests (Apache-2.0; README there)."""
    decoder, rows = json.JSONDecoder(), []
    for path in sorted(GOOGLE_ROWS.glob("test_*/export.json")):
        text, at = path.read_text(), 0
        while True:  # a sequence of pretty-printed objects, as their `jq -rc .` reads it
            while at < len(text) and text[at].isspace():
                at += 1
            if at == len(text):
                break
            row, at = decoder.raw_decode(text, at)
            rows.append(row)
    return rows


def test_googles_own_export_rows_import_reconciled_with_the_invoice_and_validate(bigquery, data_dir, tmp_path,
                                                                                focus_validator):
    rows = google_rows()
    table = "gcp_billing_export_v1_00F3D8_28D652_3F036F"
    ref = create_export_table(bigquery, DATASET, table, detailed=False)
    append_rows(bigquery, ref, "\n".join(json.dumps(row) for row in rows).encode())

    state, results = run(data_dir, source(table), build=True)

    assert state.is_completed(), state.message
    assert outcomes(results) == {"2019-01": "imported", "2019-03": "imported"}
    invoice: dict[str, Decimal] = {}  # Google's invoice total: cost + credits, from the strings it wrote
    for row in rows:
        month = f"{row['invoice']['month'][:4]}-{row['invoice']['month'][4:]}"
        charged = Decimal(row["cost"]) + sum(Decimal(c["amount"]) for c in row.get("credits") or [])
        invoice[month] = invoice.get(month, Decimal(0)) + charged
    focus = dict(query(data_dir, "SELECT x_BillingPeriod, sum(BilledCost) FROM focus.cost_and_usage "
                                 "WHERE x_Provider = 'gcp' GROUP BY 1"))
    assert focus == invoice
    # Credits named, not typed (before 2020-09): both discounts are netted on their usage rows.
    assert query(data_dir, "SELECT DISTINCT ChargeCategory FROM focus.cost_and_usage ORDER BY 1") == [
        ("Purchase",), ("Usage",)]
    out = tmp_path / "google.parquet"
    assert export_focus(data_dir / "finops.duckdb", out, "parquet", provider="gcp") == len(rows)
    focus_validator(out)


def test_the_standard_export_and_exported_files_import_the_same_invoice(bigquery, data_dir, tmp_path):
    table = "gcp_billing_export_v1_01A2B3_C4D5E6_F7A8B9"
    ref = create_export_table(bigquery, DATASET, table, detailed=False)
    rows = generate(MONTHS, ROWS, seed=7, detailed=False)
    append(bigquery, ref, rows, tmp_path)
    folder = tmp_path / "extract"
    folder.mkdir()
    by_month = {m: [r for r in rows if r["invoice"]["month"] == m.replace("-", "")] for m in MONTHS}
    write_jsonl(by_month["2026-09"], folder / "billing-000000000000.json.gz", gzip=True)
    write_parquet(by_month["2026-10"], folder / "billing-000000000001.parquet", detailed=False)

    state, results = run(data_dir, [*source(table), {"name": "extract", "path": str(folder)}], build=True)

    assert state.is_completed(), state.message
    assert sorted((r["export"], r["billing_period"], r["status"]) for r in results) == [
        ("billing", "2026-09", "imported"), ("billing", "2026-10", "imported"),
        ("extract", "2026-09", "imported"), ("extract", "2026-10", "imported")]
    assert loaded(data_dir, "billing") == loaded(data_dir, "extract") == expected(rows)
    types = query(data_dir, "SELECT DISTINCT export, source_format FROM finops_state.import_state ORDER BY 1")
    assert types == [("billing", "standard"), ("extract", "standard")]
    focus = query(data_dir, "SELECT x_SourceExport, x_BillingPeriod, sum(BilledCost) FROM focus.cost_and_usage "
                            "WHERE x_Provider = 'gcp' GROUP BY ALL ORDER BY ALL")
    totals = invoice_totals(rows)
    assert focus == [(export, month, totals[month]) for export in ("billing", "extract") for month in MONTHS]


def test_a_missing_dataset_or_table_and_bad_credentials_are_one_clear_line(bigquery, data_dir, tmp_path, capsys):
    create_export_table(bigquery, DATASET, TABLE)
    key = tmp_path / "reader.json"
    key.write_text('{"type": "service_account", "private_key": "not a key"}')
    cases = [
        (["--dataset", "no_such_dataset", "--table", TABLE], "BigQuery dataset not found"),
        (["--dataset", DATASET, "--table", "gcp_billing_export_v1_000000_000000_000000"], "BigQuery table not found"),
        (["--dataset", DATASET, "--table", TABLE, "--service-account-path", str(key)],
         f"{key} is not a service account key file"),
    ]
    for flags, message in cases:
        code = main(["--data-dir", str(data_dir), "gcp", "import-billing", "--project-id", PROJECT, *flags])
        err = capsys.readouterr().err
        assert code == 1, err
        assert message in err
        assert "not a key" not in err  # a key file's content is never shown


def test_credentials_from_a_prefect_gcp_block_as_deployments_use_them(bigquery, data_dir, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from prefect_gcp import GcpCredentials

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    GcpCredentials(service_account_info={
        "type": "service_account", "project_id": PROJECT, "private_key_id": "1", "private_key": key,
        "client_email": f"billing-reader@{PROJECT}.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token"}).save("billing-reader", overwrite=True)
    ref = create_export_table(bigquery, DATASET, TABLE)
    rows = generate(("2026-10",), 30)
    append(bigquery, ref, rows, tmp_path)

    state, results = run(data_dir, source(credentials_block="billing-reader"))

    assert state.is_completed(), state.message
    assert loaded(data_dir) == expected(rows)
    state, results = run(data_dir, source(credentials_block="no-such-block"))
    assert state.is_failed()
    assert [r["error"] for r in results] == [f"{ref}: no GcpCredentials block named 'no-such-block'"]


def test_dry_run_shows_each_query_with_its_estimate_and_loads_nothing(bigquery, data_dir, tmp_path, capsys):
    ref = create_export_table(bigquery, DATASET, TABLE)
    append(bigquery, ref, generate(("2026-10",), 50), tmp_path)

    import_billing = ["--data-dir", str(data_dir), "gcp", "import-billing", "--project-id", PROJECT,
                      "--dataset", DATASET, "--table", TABLE, "--no-build"]
    code = main([*import_billing, "--dry-run"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"FROM `{ref}`" in out and "the start (first import)" in out
    assert "-- billing_export" not in out  # named after the table
    assert f"-- {TABLE} 2026-10: new" in out and "@invoice_month = 202610" in out
    assert "_PARTITIONTIME >= TIMESTAMP(DATE_SUB(@first_day, INTERVAL 1 DAY))" in out
    assert "B estimated" in out
    assert not (data_dir / "finops.duckdb").exists()

    # Imported, and nothing appended since: no query to show, nothing to load.
    assert main(import_billing) == 0
    queries = query_jobs(bigquery)
    assert main([*import_billing, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"-- {TABLE}: the table is unchanged since the last discovery: no query" in out
    assert f"-- {TABLE} 2026-10: imported already" in out and "SELECT" not in out
    assert query_jobs(bigquery) == queries


def test_a_damaged_export_file_fails_its_month_naming_the_file_and_keeps_the_good_data(data_dir, tmp_path):
    folder = tmp_path / "extract"
    folder.mkdir()
    rows = generate(MONTHS, 50)
    write_jsonl(rows, folder / "billing-000000000000.json")
    state, _ = run(data_dir, [{"name": "extract", "path": str(folder)}])
    assert state.is_completed(), state.message
    before = loaded(data_dir, "extract")

    text = (folder / "billing-000000000000.json").read_text().splitlines()
    text[3] = text[3].replace('"cost":', '"cost":"twelve","x":', 1)
    (folder / "billing-000000000000.json").write_text("\n".join(text) + "\n")
    state, results = run(data_dir, [{"name": "extract", "path": str(folder)}])

    assert state.is_failed()
    assert "billing-000000000000.json" in state.message
    assert loaded(data_dir, "extract") == before


@pytest.fixture
def gcs(tmp_path, monkeypatch):
    """A local GCS server (PyPI gcp-storage-emulator), as gcsfs finds it: STORAGE_EMULATOR_HOST."""
    binary = shutil.which("gcp-storage-emulator", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.skip("gcp-storage-emulator is not installed (the test extra)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "gcs.log", "w") as log:
        proc = subprocess.Popen([binary, "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory"],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/storage/v1/b", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail(f"the GCS server did not start: {(tmp_path / 'gcs.log').read_text()}")
                time.sleep(0.2)
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", url)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_exported_files_in_a_gcs_bucket_import_and_a_rerun_skips(gcs, data_dir, tmp_path):
    import gcsfs

    rows = generate(MONTHS, 50, seed=3)
    write_jsonl(rows, tmp_path / "billing-000000000000.json")
    bucket = gcsfs.GCSFileSystem(token="anon")
    bucket.mkdir("billing-extracts")
    bucket.put_file(str(tmp_path / "billing-000000000000.json"), "billing-extracts/gcp/billing-000000000000.json")
    sources = [{"name": "extract", "path": "gs://billing-extracts/gcp"}]

    state, results = run(data_dir, sources)

    assert state.is_completed(), state.message
    assert outcomes(results) == {"2026-09": "imported", "2026-10": "imported"}
    assert loaded(data_dir, "extract") == expected(rows)
    state, results = run(data_dir, sources)
    assert outcomes(results) == {"2026-09": "skipped", "2026-10": "skipped"}
