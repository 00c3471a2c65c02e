"""The `[azure]` config section: Azure Cost Management exports and how to reach their storage.

An export is read from a local folder (`path`, standing for the container's root folder) or from a
blob container (`container_url`: `https://<account>.blob.core.windows.net/<container>[/<root
folder>]`, or Azurite's path-style `http://127.0.0.1:10000/devstoreaccount1/<container>[/<root>]`).

Credentials, first found wins: the export's `connection_string` or `sas_token` (or the section's,
e.g. OPEN_FINOPS_AZURE_CONNECTION_STRING), the standard variables AZURE_STORAGE_CONNECTION_STRING /
AZURE_STORAGE_SAS_TOKEN, else the standard Azure credential chain (azure.identity
DefaultAzureCredential: environment, workload or managed identity, Azure CLI login). Secrets are
never logged, shown in a repr or written into a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from openfinops.config import ENV_PREFIX, ConfigError
from openfinops.providers.exports import check_tables, export_list, raw_table_name, select_exports

from .settings import COST_COLUMNS, DATASET, EXPORT_TYPES, PROVIDER

if TYPE_CHECKING:
    import dlt

    from openfinops.importing.exports import BrokenManifest

    from .manifests import Manifest

# Cost Management export names: letters, digits, '-' and '_' (they are folder names, and table names here).
EXPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,159}$")
# Azure's spellings of the export types (exportConfig.type, the portal's "Cost and usage details (...)").
TYPE_SPELLINGS = {"actualcost": "actual", "amortizedcost": "amortized", "focuscost": "focus"}


@dataclass(frozen=True)
class AzureExport:
    """One Cost Management export: actual cost, amortized cost or FOCUS cost details."""

    name: str
    type: str  # "actual" | "amortized" | "focus"
    path: str | None = None  # a local folder standing for the container's root folder
    container_url: str | None = None  # https://<account>.blob.core.windows.net/<container>[/<root folder>]
    connection_string: str | None = field(default=None, repr=False)
    sas_token: str | None = field(default=None, repr=False)

    provider = PROVIDER
    dataset = DATASET

    def __post_init__(self) -> None:
        if not EXPORT_NAME.match(self.name or ""):
            raise ConfigError(f"azure export name {self.name!r} is not a valid export name")
        kind = TYPE_SPELLINGS.get(str(self.type or "").strip().lower(), str(self.type or "").strip().lower())
        if kind not in EXPORT_TYPES:
            raise ConfigError(f"azure export {self.name!r}: type must be one of {', '.join(EXPORT_TYPES)}, "
                              f"not {self.type!r}")
        object.__setattr__(self, "type", kind)
        if bool(self.path) == bool(self.container_url):
            raise ConfigError(f"azure export {self.name!r}: set either container_url or path, not both or neither")
        if self.container_url:
            url = urlsplit(self.container_url)
            if url.query or url.fragment:
                # A SAS token pasted into the URL: a secret where secrets are not kept. Not echoed.
                raise ConfigError(f"azure export {self.name!r}: container_url must not carry a query (a SAS "
                                  "token?): set sas_token or AZURE_STORAGE_SAS_TOKEN instead")
            if url.scheme not in ("https", "http") or not url.hostname or not url.path.strip("/"):
                raise ConfigError(f"azure export {self.name!r}: container_url {self.container_url!r} is not "
                                  "https://<account>.blob.core.windows.net/<container>[/<root folder>]")
            from .storage import blob_location

            blob_location(self.container_url)  # the account and container must be in it

    @property
    def table_name(self) -> str:
        """The raw table in schema azure_billing: the export name in snake_case."""
        return raw_table_name(self.name)

    @property
    def location(self) -> str:
        """Where the export lives, for messages (never includes credentials)."""
        if self.path:
            return self.path
        return str(self.container_url).rstrip("/")

    @property
    def source_format(self) -> str:
        return self.type

    @property
    def cost_column(self) -> str:
        """The raw column whose sum is the period's total (the invoice, for actual cost)."""
        return COST_COLUMNS[self.type]

    def discover(self) -> list[Manifest | BrokenManifest]:
        """Every billing period's current export run, with its data files stat'ed."""
        from .manifests import discover
        from .storage import export_filesystem

        fs, root = export_filesystem(self)
        return discover(fs, root, self)

    def dlt_source(self, manifest: Manifest, import_id: str, scratch: Path) -> dlt.sources.DltSource:
        """The dlt source appending the run's rows to the export's raw table."""
        from .source import azure_costs
        from .storage import export_filesystem

        fs, _ = export_filesystem(self)
        return azure_costs(manifest, self.table_name, import_id, fs, scratch)


@dataclass(frozen=True)
class AzureAccountNames:
    """Subscription names come with the billing data (SubscriptionName / SubAccountName): no list."""

    def read(self) -> dict[str, tuple[str, str]]:
        return {}


@dataclass(frozen=True)
class AzureSettings:
    exports: tuple[AzureExport, ...] = field(default_factory=tuple)
    account_names: AzureAccountNames = field(default_factory=AzureAccountNames)

    def select(self, names: list[str] | None = None, sources: list[dict] | None = None,
               samples: Path | None = None) -> tuple[AzureExport, ...]:
        """One-off `sources` if given, else the configured exports named (default: all); the sample
        exports when none are configured and `finops demo` wrote them into `samples`."""
        # A data folder of a demo from before Azure has samples/ but no samples/azure/.
        written = sample_exports(samples) if samples and (samples / "azure").is_dir() else ()
        return select_exports("Azure", self.exports, names, sources, parse_exports, written)


def sample_exports(samples: Path) -> tuple[AzureExport, ...]:
    """The sample exports `finops demo` writes into `samples` (<data_dir>/samples)."""
    return (AzureExport(name="demo-azure-actual", type="actual", path=str(samples / "azure")),
            AzureExport(name="demo-azure-amortized", type="amortized", path=str(samples / "azure")))


# `[azure]` holds the export list, one export written as plain keys, and credentials every export
# without its own uses (OPEN_FINOPS_AZURE_CONNECTION_STRING, OPEN_FINOPS_AZURE_SAS_TOKEN).
SINGLE_EXPORT_KEYS = {"export_name": "name", "type": "type", "path": "path", "container_url": "container_url"}
SECRET_KEYS = ("connection_string", "sas_token")
KEYS = {"exports", *SINGLE_EXPORT_KEYS, *SECRET_KEYS}


def parse_section(azure: dict[str, Any], source: str) -> AzureSettings:
    unknown = set(azure) - KEYS
    if unknown:
        raise ConfigError(f"{source} / {ENV_PREFIX}AZURE_*: unknown [azure] keys: {', '.join(sorted(unknown))}")
    secrets = {key: str(azure[key]).strip() for key in SECRET_KEYS if str(azure.get(key, "")).strip()}
    exports = _exports(azure, source)
    if secrets:
        exports = tuple(e if (e.connection_string or e.sas_token) else _with(e, secrets) for e in exports)
    return AzureSettings(exports=exports)


def _with(export: AzureExport, secrets: dict[str, str]) -> AzureExport:
    return AzureExport(**{**export.__dict__, **secrets})


def _exports(azure: dict, source: str) -> tuple[AzureExport, ...]:
    """`[[azure.exports]]` (or OPEN_FINOPS_AZURE_EXPORTS as JSON), plus the single export of plain keys."""
    exports, source = export_list("azure", azure, source)
    single = {SINGLE_EXPORT_KEYS[key]: value for key, value in azure.items() if key in SINGLE_EXPORT_KEYS}
    if single:
        if not single.get("name"):
            raise ConfigError(f"{source} / {ENV_PREFIX}AZURE_*: [azure] {', '.join(sorted(single))} given without "
                              "export_name (or use [[azure.exports]])")
        exports = [*exports, single]
    return parse_exports(exports, source=source)


def parse_exports(items: list, source: str = "config") -> tuple[AzureExport, ...]:
    allowed = set(AzureExport.__dataclass_fields__)
    exports = []
    for item in items:
        if not isinstance(item, dict):
            # Not echoed: an entry may hold a connection string.
            raise ConfigError(f"{source}: each [[azure.exports]] entry must be a table, got a {type(item).__name__}")
        if not item.get("name"):
            raise ConfigError(f"{source}: an azure export has no name (keys: {', '.join(sorted(item))})")
        unknown = set(item) - allowed
        if unknown:
            raise ConfigError(f"{source}: azure export {item['name']!r} has unknown keys: {', '.join(sorted(unknown))}")
        if not item.get("type"):
            raise ConfigError(f"{source}: azure export {item['name']!r} has no type "
                              f"({', '.join(EXPORT_TYPES)})")
        exports.append(AzureExport(**{k: (str(v).strip() or None) if k in SECRET_KEYS and v is not None else v
                                      for k, v in item.items()}))
    check_tables("azure", DATASET, exports, source)
    return tuple(exports)
