"""Reading a GCP billing export table in BigQuery: which invoice months got new rows, and a month's
rows as Arrow batches written to Parquet.

Bytes scanned are bounded by the partitions read. The export table is partitioned by the day rows
were appended (`_PARTITIONTIME`); rows still in the streaming buffer have none (NULL) and are read
too. Discovery reads two columns of the partitions since the watermark's day, and no query at all
while the table's metadata says nothing was appended since the last (see `discoveries`); a month's
load reads the partitions from its first day on (a month's rows are appended from that day on: late
usage and corrections are charged to the invoice month in which they are appended). `--dry-run`
shows both queries with BigQuery's estimate.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from openfinops.errors import AccessError, ImportFailed
from openfinops.importing.data_files import first_line
from openfinops.importing.exports import DataFile

from .manifests import Manifest, month_manifest

if TYPE_CHECKING:
    from google.cloud import bigquery

    from .config import GcpExport

EMULATOR_HOST_VARIABLE = "BIGQUERY_EMULATOR_HOST"
SCOPES = ("https://www.googleapis.com/auth/bigquery.readonly", "https://www.googleapis.com/auth/cloud-platform")
PAGE_ROWS = 50_000  # rows per Arrow batch: memory is bounded by this, not by the month


@dataclass(frozen=True)
class Query:
    sql: str
    parameters: tuple  # google.cloud.bigquery ScalarQueryParameter

    def job_config(self, dry_run: bool = False) -> bigquery.QueryJobConfig:
        from google.cloud import bigquery

        return bigquery.QueryJobConfig(query_parameters=list(self.parameters), dry_run=dry_run,
                                       use_query_cache=not dry_run)


def discovery_query(export: GcpExport, since: datetime | None) -> Query:
    """Per invoice month, the newest export_time among the rows appended since `since`'s day."""
    from google.cloud import bigquery

    where, parameters = "", ()
    if since is not None:
        where = "WHERE _PARTITIONTIME >= TIMESTAMP_TRUNC(@since, DAY) OR _PARTITIONTIME IS NULL\n"
        parameters = (bigquery.ScalarQueryParameter("since", "TIMESTAMP", since),)
    sql = (f"SELECT invoice.month AS invoice_month, MAX(export_time) AS last_export_time\n"
           f"FROM `{export.table_ref}`\n{where}GROUP BY invoice_month\nORDER BY invoice_month")
    return Query(sql, parameters)


def month_query(export: GcpExport, invoice_month: str) -> Query:
    """Every row of one invoice month (YYYYMM), from the partitions it can be in."""
    from google.cloud import bigquery

    first_day = date(int(invoice_month[:4]), int(invoice_month[4:]), 1)
    sql = (f"SELECT * FROM `{export.table_ref}`\n"
           "WHERE invoice.month = @invoice_month\n"
           # A day's margin: Google starts a month at midnight Pacific time, after midnight UTC.
           "  AND (_PARTITIONTIME >= TIMESTAMP(DATE_SUB(@first_day, INTERVAL 1 DAY)) OR _PARTITIONTIME IS NULL)")
    return Query(sql, (bigquery.ScalarQueryParameter("invoice_month", "STRING", invoice_month),
                       bigquery.ScalarQueryParameter("first_day", "DATE", first_day)))


def discover_months(export: GcpExport, since: datetime | None, database: Path | None) -> list[Manifest]:
    """The invoice months with rows appended since `since` (all months when None), each with the
    newest export_time of those rows: a month whose newest row is the one imported is unchanged.
    With `database`, the last discovery stored there is reused while the table is unchanged."""
    from . import discoveries

    if database is None:
        return month_manifests(export, query_months(export, since))
    version = table_version(export)
    months = discoveries.recall(database, export.name, version, since)
    if months is None:
        months = query_months(export, since)
        discoveries.remember(database, export.name, version, since, months)
    return month_manifests(export, months)


def table_version(export: GcpExport) -> str:
    """What changes whenever rows are appended to the export table: its metadata (`tables.get`, free).
    Loads change the modified time, rows and bytes; streamed rows the streaming buffer."""
    from google.api_core.exceptions import NotFound

    client = bigquery_client(export)
    with bigquery_errors(export):
        try:
            table = client.get_table(export.table_ref)
        except NotFound:
            # Say which is missing: BigQuery's answer may name the table when its dataset is.
            client.get_dataset(f"{export.project_id}.{export.billing_dataset}")
            raise
    buffer = table.streaming_buffer
    streaming = buffer and [buffer.estimated_rows, buffer.estimated_bytes, str(buffer.oldest_entry_time)]
    return json.dumps({"table": export.table_ref, "modified": str(table.modified), "rows": table.num_rows,
                       "bytes": table.num_bytes, "etag": table.etag, "streaming": streaming})


def query_months(export: GcpExport, since: datetime | None) -> list[tuple[str, datetime]]:
    """Run the discovery query: (invoice month YYYYMM, newest export_time) of each month with rows."""
    query = discovery_query(export, since)
    with bigquery_errors(export):
        rows = list(bigquery_client(export).query(query.sql, job_config=query.job_config()).result())
    return [(month, last) for month, last in rows if month]


def month_manifests(export: GcpExport, months: list[tuple[str, datetime]]) -> list[Manifest]:
    return [month_manifest(month, last, export.table_ref, (_month_rows(export, month, last),))
            for month, last in months]


def _month_rows(export: GcpExport, invoice_month: str, last_export: datetime) -> DataFile:
    """The month's rows of the table, as the one 'file' of its manifest."""
    return DataFile(key=f"{export.table_ref} invoice.month={invoice_month}", path=export.table_ref, size=0,
                    etag=last_export.isoformat())


def fetch_month(export: GcpExport, manifest: Manifest, folder: Path) -> Path | None:
    """The month's rows in one Parquet file in `folder`, written batch by batch; None if it has none."""
    query = month_query(export, manifest.invoice_month)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{export.table}-{manifest.invoice_month}.parquet"
    writer = None
    with bigquery_errors(export):
        client = bigquery_client(export)
        result = client.query(query.sql, job_config=query.job_config()).result(page_size=PAGE_ROWS)
        try:
            for batch in result.to_arrow_iterable(bqstorage_client=_storage_client(client)):
                if writer is None:
                    writer = pq.ParquetWriter(target, batch.schema)
                writer.write_table(pa.Table.from_batches([batch]))
        finally:
            if writer is not None:
                writer.close()
    return target if writer is not None else None


def estimate_bytes(export: GcpExport, query: Query) -> int:
    """BigQuery's estimate of the bytes `query` reads (a dry run: free, nothing read)."""
    with bigquery_errors(export):
        job = bigquery_client(export).query(query.sql, job_config=query.job_config(dry_run=True))
    return int(job.total_bytes_processed or 0)


def bigquery_client(export: GcpExport) -> bigquery.Client:
    """A client for the export's project with the export's credentials (see `config`)."""
    from google.cloud import bigquery

    credentials = _credentials(export)
    if os.environ.get(EMULATOR_HOST_VARIABLE):  # the client sends requests there; it checks no credentials
        from google.auth.credentials import AnonymousCredentials

        credentials = AnonymousCredentials()
    return bigquery.Client(project=export.project_id, credentials=credentials)


def _credentials(export: GcpExport):
    """The export's own credentials, or None for Google's standard chain (which the client runs)."""
    if export.service_account_path:
        from google.oauth2 import service_account

        path = Path(export.service_account_path).expanduser()
        try:
            return service_account.Credentials.from_service_account_file(str(path), scopes=SCOPES)
        except FileNotFoundError:
            raise AccessError(f"{export.location}: service account key file {path} not found") from None
        except (ValueError, KeyError) as exc:  # not a key file; its content is never echoed
            raise AccessError(f"{export.location}: {path} is not a service account key file "
                              f"({type(exc).__name__})") from None
    if export.credentials_block:
        from prefect_gcp import GcpCredentials

        try:
            block = GcpCredentials.load(export.credentials_block)
        except ValueError:  # Prefect's "Unable to find block document named ..."
            raise AccessError(f"{export.location}: no GcpCredentials block named {export.credentials_block!r}") \
                from None
        return block.get_credentials_from_service_account()
    if not os.environ.get(EMULATOR_HOST_VARIABLE):
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        try:
            credentials, _ = google.auth.default(scopes=SCOPES)
        except DefaultCredentialsError:
            raise AccessError(f"{export.location}: no Google credentials found: set service_account_path "
                              "(or GOOGLE_APPLICATION_CREDENTIALS) to a service account key file") from None
        return credentials
    return None


def _storage_client(client: bigquery.Client):
    """The Storage Read API client (fast, parallel Arrow streams), unless talking to an emulator."""
    if os.environ.get(EMULATOR_HOST_VARIABLE):
        return None
    from google.cloud import bigquery_storage

    return bigquery_storage.BigQueryReadClient(credentials=client._credentials)


@contextmanager
def bigquery_errors(export: GcpExport) -> Iterator[None]:
    """BigQuery's refusals as one clear line naming the export table; other errors (timeouts,
    5xx) pass through, for the task's retries."""
    from google.api_core import exceptions
    from google.auth import exceptions as auth_exceptions

    try:
        yield
    except exceptions.NotFound as exc:
        raise AccessError(f"{export.location}: {_not_found(exc)}") from None
    except (exceptions.Forbidden, exceptions.Unauthorized) as exc:
        raise AccessError(f"{export.location}: BigQuery refused access ({exc.code} {_reason(exc)}): the "
                          "credentials need roles/bigquery.dataViewer on the dataset and roles/bigquery.jobUser "
                          "on the project") from None
    except auth_exceptions.RefreshError as exc:
        raise AccessError(f"{export.location}: Google refused the credentials ({first_line(exc)})") from None
    except exceptions.BadRequest as exc:
        raise ImportFailed(f"{export.location}: BigQuery rejected the query ({_reason(exc)})") from None


def _not_found(exc) -> str:
    message = _reason(exc)
    if "dataset" in message.lower() and "table" not in message.lower():
        return f"BigQuery dataset not found ({message})"
    return f"BigQuery table not found ({message})"


def _reason(exc) -> str:
    return first_line(getattr(exc, "message", None) or exc)
