"""GCP Cloud Billing exports: the BigQuery billing export tables (standard and detailed), or the
same rows as files (JSONL / Parquet, as BigQuery extracts them) in a folder or a GCS bucket."""

from openfinops.providers import ConfigSection

from .config import parse_section

SECTION = ConfigSection(key="gcp", parse=parse_section)
