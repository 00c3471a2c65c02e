"""The `[gcp]` config section: GCP Cloud Billing exports and how to reach them.

An export is a BigQuery billing export table (`project_id`, `dataset`, `table`: the standard
`gcp_billing_export_v1_<BILLING_ACCOUNT_ID>` or the detailed
`gcp_billing_export_resource_v1_<BILLING_ACCOUNT_ID>`), or the same rows as files (`path`: a local
folder or `gs://<bucket>/<prefix>` of JSONL or Parquet files, as `bq extract` writes them).

Credentials, first found wins: the export's `service_account_path` (a service-account key file, or
OPEN_FINOPS_GCP_SERVICE_ACCOUNT_PATH), its `credentials_block` (a prefect-gcp GcpCredentials block,
for deployments), else Google's standard chain (GOOGLE_APPLICATION_CREDENTIALS, the gcloud login,
the metadata server). With BIGQUERY_EMULATOR_HOST set (a local BigQuery emulator) no credentials
are needed. A key file's content is never logged, shown or stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openfinops.config import ENV_PREFIX, ConfigError
from openfinops.providers.exports import check_tables, export_list, raw_table_name, select_exports

from .settings import DATASET, EXPORT_TYPES, PROVIDER, export_type_of

if TYPE_CHECKING:
    import dlt

    from .manifests import Manifest

EXPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,159}$")
# BigQuery's own rules: project ids are 6-30 lowercase letters, digits and hyphens (older ones may
# carry a domain prefix, `example.com:project`); datasets and tables are letters, digits and '_'.
PROJECT_ID = re.compile(r"^([a-z0-9.\-]+:)?[a-z][a-z0-9\-]{4,29}$")
NAME = re.compile(r"^[A-Za-z0-9_]{1,1024}$")


@dataclass(frozen=True)
class GcpExport:
    """One GCP billing export: a BigQuery export table, or its rows as files."""

    name: str
    project_id: str | None = None
    billing_dataset: str | None = None  # the BigQuery dataset holding the export table (`dataset` in config)
    table: str | None = None
    path: str | None = None  # files instead of BigQuery: a local folder or gs://<bucket>/<prefix>
    type: str | None = None  # standard | detailed (default: from the table's name; files: standard)
    service_account_path: str | None = None
    credentials_block: str | None = None
    # Where the imports of this export are recorded: discovery reads from the newest export_time
    # imported on (see `watermarks`), and not at all while the table is unchanged (`discoveries`).
    # Set by `GcpSettings.select`, not configured.
    database: Path | None = field(default=None, compare=False)

    provider = PROVIDER
    dataset = DATASET

    def __post_init__(self) -> None:
        if not EXPORT_NAME.match(self.name or ""):
            raise ConfigError(f"gcp export name {self.name!r} is not a valid export name")
        table_parts = (self.project_id, self.billing_dataset, self.table)
        if self.path and any(table_parts):
            raise ConfigError(f"gcp export {self.name!r}: set either path or project_id, dataset and table, not both")
        if not self.path:
            missing = [key for key, value in zip(("project_id", "dataset", "table"), table_parts) if not value]
            if missing:
                raise ConfigError(f"gcp export {self.name!r}: missing {', '.join(missing)} (the BigQuery billing "
                                  "export table), or set path to read exported files")
            if not PROJECT_ID.match(self.project_id):
                raise ConfigError(f"gcp export {self.name!r}: project_id {self.project_id!r} is not a GCP project id")
            for key, value in (("dataset", self.billing_dataset), ("table", self.table)):
                if not NAME.match(value):
                    raise ConfigError(f"gcp export {self.name!r}: {key} {value!r} is not a BigQuery {key} name "
                                      "(letters, digits and _)")
        kind = str(self.type or "").strip().lower() or (export_type_of(self.table) if self.table else "standard")
        if kind not in EXPORT_TYPES:
            raise ConfigError(f"gcp export {self.name!r}: type must be one of {', '.join(EXPORT_TYPES)}, "
                              f"not {self.type!r}")
        object.__setattr__(self, "type", kind)
        if self.service_account_path and self.credentials_block:
            raise ConfigError(f"gcp export {self.name!r}: set service_account_path or credentials_block, not both")

    @property
    def table_name(self) -> str:
        """The raw table in schema gcp_billing: the export name in snake_case."""
        return raw_table_name(self.name)

    @property
    def table_ref(self) -> str:
        """`project.dataset.table` of the BigQuery export table."""
        return f"{self.project_id}.{self.billing_dataset}.{self.table}"

    @property
    def location(self) -> str:
        """Where the export lives, for messages (never includes credentials)."""
        return self.path or self.table_ref

    @property
    def source_format(self) -> str:
        return self.type

    @property
    def cost_column(self) -> str:
        return "cost"

    @property
    def cost_sql(self) -> str:
        """What the invoice charges for a row: `cost` excludes the row's credits (negative amounts)."""
        return "cost + coalesce(list_sum(CAST(json_extract(credits, '$[*].amount') AS DECIMAL(38,12)[])), 0)"

    def discover(self) -> list[Manifest]:
        """Every invoice month with rows appended since the last import, with its newest export_time."""
        if self.path:
            from .files import discover_files

            return discover_files(self)
        from .bigquery import discover_months
        from .watermarks import watermark

        if self.database is None:
            return discover_months(self, None, None)
        return discover_months(self, watermark(self.database, self.provider, self.name), self.database)

    def dlt_source(self, manifest: Manifest, import_id: str, scratch: Path) -> dlt.sources.DltSource:
        """The dlt source appending the invoice month's rows to the export's raw table."""
        from .source import gcp_billing

        return gcp_billing(self, manifest, import_id, scratch)


@dataclass(frozen=True)
class GcpAccountNames:
    """Project names come with the billing data (project.name): no list."""

    def read(self) -> dict[str, tuple[str, str]]:
        return {}


@dataclass(frozen=True)
class GcpSettings:
    exports: tuple[GcpExport, ...] = field(default_factory=tuple)
    account_names: GcpAccountNames = field(default_factory=GcpAccountNames)

    def select(self, names: list[str] | None = None, sources: list[dict] | None = None,
               samples: Path | None = None, database: Path | None = None) -> tuple[GcpExport, ...]:
        """One-off `sources` if given, else the configured exports named (default: all); the sample
        export when none is configured and `finops demo` wrote it into `samples`. Each reads its
        import state from `database`."""
        written = sample_exports(samples) if samples and (samples / "gcp").is_dir() else ()
        selected = select_exports("GCP", self.exports, names, sources, parse_exports, written)
        return tuple(replace(export, database=database) for export in selected)


def sample_exports(samples: Path) -> tuple[GcpExport, ...]:
    """The sample export `finops demo` writes into `samples` (<data_dir>/samples): detailed export
    rows as BigQuery extracts them to JSONL."""
    return (GcpExport(name="demo-gcp-detailed", type="detailed", path=str(samples / "gcp")),)


# `[gcp]` holds the export list, or one export as plain keys (named after its table unless
# export_name is given); the seed's variables OPEN_FINOPS_GCP_PROJECT_ID, _DATASET, _TABLE and
# _SERVICE_ACCOUNT_PATH set those keys.
SINGLE_EXPORT_KEYS = {"export_name": "name", "project_id": "project_id", "dataset": "billing_dataset",
                      "table": "table", "path": "path", "type": "type"}
CREDENTIAL_KEYS = ("service_account_path", "credentials_block")
KEYS = {"exports", *SINGLE_EXPORT_KEYS, *CREDENTIAL_KEYS}


def parse_section(gcp: dict[str, Any], source: str) -> GcpSettings:
    unknown = set(gcp) - KEYS
    if unknown:
        raise ConfigError(f"{source} / {ENV_PREFIX}GCP_*: unknown [gcp] keys: {', '.join(sorted(unknown))}")
    credentials = {key: str(gcp[key]).strip() for key in CREDENTIAL_KEYS if str(gcp.get(key, "")).strip()}
    exports, source = export_list("gcp", gcp, source)
    single = {SINGLE_EXPORT_KEYS[key]: value for key, value in gcp.items() if key in SINGLE_EXPORT_KEYS}
    if single:
        single.setdefault("name", single.get("table") or "")
        if not single["name"]:
            raise ConfigError(f"{source} / {ENV_PREFIX}GCP_*: [gcp] {', '.join(sorted(single))} given without "
                              "table or export_name (or use [[gcp.exports]])")
        exports = [*exports, {"dataset" if k == "billing_dataset" else k: v for k, v in single.items()}]
    parsed = parse_exports(exports, source=source)
    if credentials:  # the section's credentials serve every export without its own
        parsed = tuple(e if (e.service_account_path or e.credentials_block) else replace(e, **credentials)
                       for e in parsed)
    return GcpSettings(exports=parsed)


def parse_exports(items: list, source: str = "config") -> tuple[GcpExport, ...]:
    allowed = {"name", "project_id", "dataset", "table", "path", "type", *CREDENTIAL_KEYS}
    exports = []
    for item in items:
        if not isinstance(item, dict):
            raise ConfigError(f"{source}: each [[gcp.exports]] entry must be a table, got a {type(item).__name__}")
        if not item.get("name"):
            raise ConfigError(f"{source}: a gcp export has no name (keys: {', '.join(sorted(item))})")
        unknown = set(item) - allowed
        if unknown:
            raise ConfigError(f"{source}: gcp export {item['name']!r} has unknown keys: {', '.join(sorted(unknown))}")
        values = {("billing_dataset" if key == "dataset" else key): (str(value).strip() or None)
                  for key, value in item.items() if value is not None}
        exports.append(GcpExport(**values))
    check_tables("gcp", DATASET, exports, source)
    return tuple(exports)
