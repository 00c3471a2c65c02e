"""Configuration: config.toml, then OPEN_FINOPS_<SECTION>_<KEY> environment variables, then CLI flags.

Only locations and names live here. AWS credentials never do: they come from the standard AWS
credential chain (environment, shared profile, instance role) when a bucket is read.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

ENV_PREFIX = "OPEN_FINOPS_"
CUR_VERSIONS = ("v1", "v2", "focus")
# Export names become table names and S3 path segments; keep them to what AWS allows.
EXPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


class ConfigError(ValueError):
    """The configuration is incomplete or contradicts itself."""


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
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")

    @property
    def location(self) -> str:
        """Where the export lives, for messages (never includes credentials)."""
        if self.path:
            return self.path
        return f"s3://{self.bucket}/{self.prefix.strip('/')}".rstrip("/")


@dataclass(frozen=True)
class AwsAccountNames:
    """Where display names of AWS account ids come from when the billing data has none (`[aws]`).

    Legacy CUR carries no account names. CUR 2.0 and FOCUS exports do, and their names win;
    accounts without one are named from `account_names_file` (a CSV of account id and name),
    else from AWS Organizations `ListAccounts` when `organizations` is on, else by their id.
    """

    file: Path | None = None
    organizations: bool = False


CHANNELS = ("slack", "teams", "email", "webhook")


@dataclass(frozen=True)
class Notifications:
    """Where failed imports and silent exporters are reported (`[notifications]`).

    Webhook URLs and the SMTP password are secrets: set them through the environment
    (OPEN_FINOPS_NOTIFICATIONS_URL, OPEN_FINOPS_NOTIFICATIONS_SMTP_PASSWORD) rather than the file.
    """

    channel: str | None = None
    url: str | None = None  # slack, teams, webhook
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    email_from: str | None = None
    email_to: str | None = None
    stale_after_hours: float = 48.0  # an export that delivered nothing newer is reported as silent

    def __post_init__(self) -> None:
        if self.channel and self.channel not in CHANNELS:
            raise ConfigError(f"[notifications] channel must be one of {', '.join(CHANNELS)}, not {self.channel!r}")
        if self.channel in ("slack", "teams", "webhook") and not self.url:
            raise ConfigError(f"[notifications] channel {self.channel!r} needs url (or OPEN_FINOPS_NOTIFICATIONS_URL)")
        if self.channel == "email" and not (self.smtp_host and self.email_to):
            raise ConfigError("[notifications] channel 'email' needs smtp_host and email_to")


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("data")
    aws_exports: tuple[AwsExport, ...] = field(default_factory=tuple)
    aws_account_names: AwsAccountNames = field(default_factory=AwsAccountNames)
    notifications: Notifications = field(default_factory=Notifications)

    @property
    def database(self) -> Path:
        return self.data_dir / "finops.duckdb"

    @property
    def sample_exports(self) -> tuple[AwsExport, ...]:
        """The sample exports `finops demo` writes into <data_dir>/samples."""
        samples = self.data_dir / "samples"
        return (AwsExport(name="demo-cur-v1", cur_version="v1", path=str(samples / "cur-v1")),
                AwsExport(name="demo-cur2", cur_version="v2", path=str(samples / "cur2")))

    def select_aws_exports(self, names: list[str] | None = None, sources: list[dict] | None = None,
                           ) -> tuple[AwsExport, ...]:
        """One-off `sources` if given, else the configured exports named (default: all).

        With no exports configured the sample exports stand in, once `finops demo` has written them,
        so a fresh checkout's deployments have something to import.
        """
        if sources:
            return parse_exports(sources, source="command line")
        if not self.aws_exports and (self.data_dir / "samples").is_dir():
            return self.sample_exports
        if not self.aws_exports:
            raise ConfigError("no AWS exports configured: add [[aws.exports]] to config.toml, pass a one-off "
                              "source, or run `finops demo` to use sample exports")
        unknown = sorted(set(names or ()) - {e.name for e in self.aws_exports})
        if unknown:
            known = ", ".join(e.name for e in self.aws_exports)
            raise ConfigError(f"unknown AWS export(s): {', '.join(unknown)} (configured: {known})")
        return tuple(e for e in self.aws_exports if not names or e.name in names)

    def with_overrides(self, data_dir: str | Path | None = None) -> Config:
        return replace(self, data_dir=Path(data_dir)) if data_dir else self


def default_config_path(env: Mapping[str, str] = os.environ) -> Path:
    return Path(env.get(f"{ENV_PREFIX}CONFIG", "config.toml"))


def load_config(path: Path | None = None, env: Mapping[str, str] = os.environ) -> Config:
    """Read config.toml (if present) and apply OPEN_FINOPS_* environment overrides.

    A file named by OPEN_FINOPS_CONFIG (`finops --config` sets it) must exist; the default
    ./config.toml and an explicit `path` may be absent, leaving the defaults.
    """
    named = env.get(f"{ENV_PREFIX}CONFIG")
    if path is None and named and not Path(named).exists():
        # A mistyped name must not quietly mean "no configuration" (and import the demo samples).
        raise ConfigError(f"config file {named} not found")
    path = path or default_config_path(env)
    raw: dict = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc

    project = dict(raw.get("project", {}))
    aws = dict(raw.get("aws", {}))
    notifications = dict(raw.get("notifications", {}))
    _apply_env(env, "PROJECT", project)
    _apply_env(env, "AWS", aws)
    _apply_env(env, "NOTIFICATIONS", notifications)
    for section, values, allowed in (("project", project, {"data_dir"}), ("aws", aws, AWS_KEYS),
                                     ("notifications", notifications, set(Notifications.__dataclass_fields__))):
        unknown = set(values) - allowed
        if unknown:
            raise ConfigError(f"{path} / {ENV_PREFIX}{section.upper()}_*: unknown [{section}] keys: "
                              f"{', '.join(sorted(unknown))}")
    data_dir = str(project.get("data_dir", "data")).strip()
    if not data_dir:
        raise ConfigError(f"{path} / {ENV_PREFIX}PROJECT_DATA_DIR: data_dir is empty")
    for key in ("smtp_port", "stale_after_hours"):
        if key in notifications:
            try:
                notifications[key] = float(notifications[key]) if key == "stale_after_hours" else int(notifications[key])
            except ValueError:
                raise ConfigError(f"[notifications] {key} is not a number: {notifications[key]!r}") from None
    return Config(data_dir=Path(data_dir), aws_exports=_aws_exports(aws, path),
                  aws_account_names=_aws_account_names(aws), notifications=Notifications(**notifications))


# `[aws]` holds the export list, one export written as plain keys (the first releases' form), and
# where account names come from.
SINGLE_EXPORT_KEYS = {"export_name": "name", "cur_version": "cur_version", "bucket": "bucket", "prefix": "prefix",
                      "region": "region", "endpoint_url": "endpoint_url", "path": "path"}
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
AWS_KEYS = {"exports", "account_names_file", "organizations", *SINGLE_EXPORT_KEYS}


def _aws_exports(aws: dict, path: Path) -> tuple[AwsExport, ...]:
    """`[[aws.exports]]` (or OPEN_FINOPS_AWS_EXPORTS as JSON), plus the single export of plain `[aws]` keys."""
    exports, source = aws.get("exports", []), str(path)
    if isinstance(exports, str):
        # Lists don't fit in a variable name; containers pass the whole list as JSON.
        source = f"{ENV_PREFIX}AWS_EXPORTS"
        try:
            exports = json.loads(exports)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source} is not a JSON list of exports: {exc}") from exc
    if not isinstance(exports, list):
        raise ConfigError(f"{source}: AWS exports must be a list ([[aws.exports]] tables or a JSON array)")
    single = {SINGLE_EXPORT_KEYS[key]: value for key, value in aws.items() if key in SINGLE_EXPORT_KEYS}
    if single:
        if not single.get("name"):
            raise ConfigError(f"{path} / {ENV_PREFIX}AWS_*: [aws] {', '.join(sorted(single))} given without "
                              "export_name (or use [[aws.exports]])")
        exports = [*exports, single]
    return parse_exports(exports, source=source)


def _aws_account_names(aws: dict) -> AwsAccountNames:
    file = str(aws.get("account_names_file", "")).strip()
    organizations = aws.get("organizations", False)
    if isinstance(organizations, str) and organizations.strip().lower() in BOOLEANS:  # from the environment
        organizations = BOOLEANS[organizations.strip().lower()]
    if not isinstance(organizations, bool):
        raise ConfigError(f"[aws] organizations / {ENV_PREFIX}AWS_ORGANIZATIONS must be true or false, "
                          f"not {organizations!r}")
    return AwsAccountNames(file=Path(file) if file else None, organizations=organizations)


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
    tables: dict[str, str] = {}
    for export in exports:
        if export.table_name in tables:
            other = tables[export.table_name]
            problem = "is configured twice" if other == export.name else f"and {other!r} would share a table"
            raise ConfigError(f"{source}: aws export {export.name!r} {problem} (aws_billing.{export.table_name})")
        tables[export.table_name] = export.name
    return tuple(exports)


def _apply_env(env: Mapping[str, str], section: str, values: dict) -> None:
    prefix = f"{ENV_PREFIX}{section}_"
    for key, value in env.items():
        # An empty variable (compose passes unset ones as "") means "not set".
        if key.startswith(prefix) and value.strip():
            values[key[len(prefix):].lower()] = value
