"""The `[aws]` config section: billing exports, where account names come from, credentials.

AWS credentials never live here: S3 and AWS Organizations are read through the standard AWS
credential chain (environment, shared profile, SSO, instance/task role), or through a prefect-aws
`AwsCredentials` block named by `credentials_block` (for deployments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openfinops.config import ENV_PREFIX, ConfigError, parse_bool
from openfinops.providers.exports import check_tables, export_list, raw_table_name, select_exports

from .settings import DATASET, PROVIDER

if TYPE_CHECKING:
    import dlt

    from openfinops.importing.exports import BrokenManifest

    from .manifests import Manifest

CUR_VERSIONS = ("v1", "v2", "focus")
# Export names become table names and S3 path segments; keep them to what AWS allows.
EXPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


@dataclass(frozen=True)
class AwsExport:
    """One AWS billing export: a legacy CUR report, a CUR 2.0 export or a FOCUS export."""

    name: str
    cur_version: str = "v2"
    bucket: str | None = None
    prefix: str = ""
    region: str | None = None
    endpoint_url: str | None = None
    path: str | None = None
    credentials_block: str | None = None  # a prefect-aws AwsCredentials block; default: the credential chain

    provider = PROVIDER
    dataset = DATASET

    def __post_init__(self) -> None:
        if not EXPORT_NAME.match(self.name or ""):
            raise ConfigError(f"aws export name {self.name!r} is not a valid export name")
        if self.cur_version not in CUR_VERSIONS:
            raise ConfigError(
                f"aws export {self.name!r}: cur_version must be one of {', '.join(CUR_VERSIONS)}, "
                f"not {self.cur_version!r}"
            )
        if bool(self.bucket) == bool(self.path):
            raise ConfigError(f"aws export {self.name!r}: set either bucket (+ prefix) or path, not both or neither")

    @property
    def table_name(self) -> str:
        """The raw table in schema aws_billing: the export name in snake_case."""
        return raw_table_name(self.name)

    @property
    def location(self) -> str:
        """Where the export lives, for messages (never includes credentials)."""
        if self.path:
            return self.path
        return f"s3://{self.bucket}/{self.prefix.strip('/')}".rstrip("/")

    @property
    def source_format(self) -> str:
        return self.cur_version

    @property
    def cost_column(self) -> str:
        """The raw column whose sum is the invoice total of a period."""
        return "billed_cost" if self.cur_version == "focus" else "line_item_unblended_cost"

    def discover(self) -> list[Manifest | BrokenManifest]:
        """Every billing period's current manifest, with its data files stat'ed."""
        from .manifests import discover
        from .storage import export_filesystem

        fs, root = export_filesystem(self)
        return discover(fs, root, self)

    def dlt_source(self, manifest: Manifest, import_id: str, scratch: Path) -> dlt.sources.DltSource:
        """The dlt source appending the manifest's rows to the export's raw table."""
        from .source import aws_cur
        from .storage import export_filesystem

        fs, _ = export_filesystem(self)
        return aws_cur(manifest, self.table_name, import_id, fs, scratch)


@dataclass(frozen=True)
class AwsAccountNames:
    """Where display names of AWS account ids come from when the billing data has none.

    Legacy CUR carries no account names. CUR 2.0 and FOCUS exports do, and their names win;
    accounts without one are named from `account_names_file` (a CSV of account id and name),
    else from AWS Organizations `ListAccounts` when `organizations` is on, else by their id.
    """

    file: Path | None = None
    organizations: bool = False
    credentials_block: str | None = None

    def read(self) -> dict[str, tuple[str, str]]:
        """Account id -> (name, where the name came from); the file wins over Organizations."""
        from .accounts import ORGANIZATIONS, organization_accounts, read_names_file

        names: dict[str, tuple[str, str]] = {}
        if self.organizations:
            names.update((account_id, (name, ORGANIZATIONS))
                         for account_id, name in organization_accounts(self.credentials_block))
        if self.file:
            names.update((account_id, (name, str(self.file))) for account_id, name in read_names_file(self.file))
        return names


@dataclass(frozen=True)
class AwsSettings:
    exports: tuple[AwsExport, ...] = field(default_factory=tuple)
    account_names: AwsAccountNames = field(default_factory=AwsAccountNames)

    def select(self, names: list[str] | None = None, sources: list[dict] | None = None,
               samples: Path | None = None) -> tuple[AwsExport, ...]:
        """One-off `sources` if given, else the configured exports named (default: all); the sample
        exports when none are configured and `finops demo` wrote them into `samples`."""
        written = sample_exports(samples) if samples and samples.is_dir() else ()
        return select_exports("AWS", self.exports, names, sources, parse_exports, written)


# `[aws]` holds the export list, one export written as plain keys (the first releases' form), where
# account names come from, and the credentials block.
SINGLE_EXPORT_KEYS = {"export_name": "name", "cur_version": "cur_version", "bucket": "bucket", "prefix": "prefix",
                      "region": "region", "endpoint_url": "endpoint_url", "path": "path"}
KEYS = {"exports", "account_names_file", "organizations", "credentials_block", *SINGLE_EXPORT_KEYS}


def sample_exports(samples: Path) -> tuple[AwsExport, ...]:
    """The sample exports `finops demo` writes into `samples` (<data_dir>/samples)."""
    return (AwsExport(name="demo-cur-v1", cur_version="v1", path=str(samples / "cur-v1")),
            AwsExport(name="demo-cur2", cur_version="v2", path=str(samples / "cur2")))


def parse_section(aws: dict[str, Any], source: str) -> AwsSettings:
    unknown = set(aws) - KEYS
    if unknown:
        raise ConfigError(f"{source} / {ENV_PREFIX}AWS_*: unknown [aws] keys: {', '.join(sorted(unknown))}")
    block = str(aws.get("credentials_block", "")).strip() or None
    exports = _exports(aws, source)
    if block:
        exports = tuple(e if e.credentials_block else _with_block(e, block) for e in exports)
    return AwsSettings(exports=exports, account_names=_account_names(aws, block))


def _with_block(export: AwsExport, block: str) -> AwsExport:
    return AwsExport(**{**export.__dict__, "credentials_block": block})


def _exports(aws: dict, source: str) -> tuple[AwsExport, ...]:
    """`[[aws.exports]]` (or OPEN_FINOPS_AWS_EXPORTS as JSON), plus the single export of plain `[aws]` keys."""
    exports, source = export_list("aws", aws, source)
    single = {SINGLE_EXPORT_KEYS[key]: value for key, value in aws.items() if key in SINGLE_EXPORT_KEYS}
    if single:
        if not single.get("name"):
            raise ConfigError(f"{source} / {ENV_PREFIX}AWS_*: [aws] {', '.join(sorted(single))} given without "
                              "export_name (or use [[aws.exports]])")
        exports = [*exports, single]
    return parse_exports(exports, source=source)


def _account_names(aws: dict, block: str | None) -> AwsAccountNames:
    file = str(aws.get("account_names_file", "")).strip()
    organizations = parse_bool(aws.get("organizations", False),
                               f"[aws] organizations / {ENV_PREFIX}AWS_ORGANIZATIONS")
    return AwsAccountNames(file=Path(file) if file else None, organizations=organizations, credentials_block=block)


def parse_exports(items: list, source: str = "config") -> tuple[AwsExport, ...]:
    allowed = set(AwsExport.__dataclass_fields__)
    exports = []
    for item in items:
        if not isinstance(item, dict):
            raise ConfigError(f"{source}: each [[aws.exports]] entry must be a table, got {item!r}")
        if not item.get("name"):
            raise ConfigError(f"{source}: an aws export has no name: {item!r}")
        unknown = set(item) - allowed
        if unknown:
            raise ConfigError(f"{source}: aws export {item['name']!r} has unknown keys: {', '.join(sorted(unknown))}")
        exports.append(AwsExport(**item))
    check_tables("aws", DATASET, exports, source)
    return tuple(exports)
