"""Constants of the GCP Cloud Billing export to BigQuery, and its schema as the importer reads it.

Google writes two tables per billing account: the standard usage cost table
(`gcp_billing_export_v1_<BILLING_ACCOUNT_ID>`) and the detailed one, with resource-level rows
(`gcp_billing_export_resource_v1_<BILLING_ACCOUNT_ID>`). Both are partitioned by the day the rows
were appended (`_PARTITIONTIME`), not by usage day. Their BigQuery schemas are in `schemas/`, as
BigQuery reports them for a live export (every field NULLABLE, the arrays REPEATED RECORDs); the
detailed one adds `resource` and `subscription`.
Fields: https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables/detailed-usage
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

# Raw tables live here, one per export.
DATASET = "gcp_billing"
PROVIDER = "gcp"

# Export types, as configured (`type`) and recorded as import_state.source_format.
STANDARD, DETAILED = "standard", "detailed"
EXPORT_TYPES = (STANDARD, DETAILED)

SCHEMAS = Path(__file__).parent / "schemas"
SCHEMA_FILES = {STANDARD: "gcp_billing_export_v1.schema.json", DETAILED: "gcp_billing_export_resource_v1.schema.json"}

# The export's scalar types -> the raw column's dlt data type. FLOAT money is stored as an exact
# decimal (`cost` sums to the invoice); RECORDs, repeated or not, keep their nesting as JSON.
RAW_TYPES = {"STRING": "text", "TIMESTAMP": "timestamp", "FLOAT": "decimal", "NUMERIC": "decimal",
             "INTEGER": "bigint", "BOOLEAN": "bool", "DATE": "date"}

# The export's scalar types -> DuckDB types, for reading exported files with their schema.
# Timestamps are read as text: BigQuery's JSON extracts write "2025-10-01 07:00:00 UTC".
FILE_TYPES = {"STRING": "VARCHAR", "TIMESTAMP": "VARCHAR", "FLOAT": "DOUBLE", "NUMERIC": "DECIMAL(38,9)",
              "INTEGER": "BIGINT", "BOOLEAN": "BOOLEAN", "DATE": "DATE"}


@functools.cache
def bigquery_schema(export_type: str) -> tuple[dict, ...]:
    """The export table's fields, as BigQuery's JSON schema (name, type, mode, fields)."""
    return tuple(json.loads((SCHEMAS / SCHEMA_FILES[export_type]).read_text()))


def raw_columns() -> dict[str, str]:
    """Every raw column (the detailed export's top-level fields, a superset of the standard's) ->
    its dlt data type."""
    return {field["name"]: "json" if field["type"] == "RECORD" else RAW_TYPES[field["type"]]
            for field in bigquery_schema(DETAILED)}


def duckdb_type(field: dict) -> str:
    """The DuckDB type of a BigQuery field as read from an exported file."""
    if field["type"] == "RECORD":
        members = ", ".join(f'"{f["name"]}" {duckdb_type(f)}' for f in field["fields"])
        kind = f"STRUCT({members})"
    else:
        kind = FILE_TYPES[field["type"]]
    return f"{kind}[]" if field.get("mode") == "REPEATED" else kind


def export_type_of(table: str) -> str:
    """`gcp_billing_export_resource_v1_<BA>` is the detailed export; anything else the standard one."""
    return DETAILED if table.lower().startswith("gcp_billing_export_resource_") else STANDARD
