"""An invoice month of a GCP billing export as the import machine sees it: a "manifest" whose id is
the newest `export_time` of the month's rows.

BigQuery's billing export has no file or run id: Google appends rows (each append's `export_time`
is later than the last) and never rewrites them; a correction is new rows. So a month changed
exactly when it got rows with a later export_time, and it is then reloaded whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openfinops.importing.exports import DataFile, DeliveredFiles


@dataclass(frozen=True)
class Manifest(DeliveredFiles):
    billing_period: str  # YYYY-MM, the invoice month
    manifest_id: str  # the newest export_time of the month's rows, ISO 8601 UTC
    path: str  # the export table (project.dataset.table) or the files' folder
    files: tuple[DataFile, ...]  # the table's rows of the month, or the files holding them
    written_at: float  # that export_time, epoch seconds (freshness)

    @property
    def invoice_month(self) -> str:
        """As BigQuery writes it: YYYYMM."""
        return self.billing_period.replace("-", "")


def month_manifest(invoice_month: str, last_export: datetime, path: str, files: tuple[DataFile, ...]) -> Manifest:
    """The manifest of `invoice_month` (YYYYMM) whose newest row was exported at `last_export`."""
    return Manifest(billing_period=f"{invoice_month[:4]}-{invoice_month[4:]}", manifest_id=last_export.isoformat(),
                    path=path, files=files, written_at=last_export.timestamp())
