"""Configuration: config.toml, then OPEN_FINOPS_<SECTION>_<KEY> environment variables, then CLI flags.

This module holds the sections every installation has (`[project]`, `[notifications]`); each
provider package registers its own (`[aws]`, ...; see `openfinops.providers`). Only locations and
names live here; cloud credentials come from the providers' standard credential chains.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from openfinops.providers import config_sections

ENV_PREFIX = "OPEN_FINOPS_"
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class ConfigError(ValueError):
    """The configuration is incomplete or contradicts itself."""


CHANNELS = ("slack", "teams", "email", "webhook")
# The [notifications] keys that are numbers, and their kind.
NOTIFICATION_NUMBERS = {"smtp_port": int, "stale_after_hours": float, "commitment_expiry_days": int,
                        "commitment_min_utilization_pct": float, "commitment_utilization_window_days": int}


@dataclass(frozen=True)
class Notifications:
    """Where failed imports, silent exporters and commitment discounts that need attention are reported
    (`[notifications]`).

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
    # Active commitment discounts (RIs, savings plans, reservations, CUDs) whose term ends within this
    # many days are reported (0: never), and those used below this percentage over the newest
    # `commitment_utilization_window_days` days of data (0: never).
    commitment_expiry_days: int = 30
    commitment_min_utilization_pct: float = 80.0
    commitment_utilization_window_days: int = 7

    def __post_init__(self) -> None:
        if self.channel and self.channel not in CHANNELS:
            raise ConfigError(f"[notifications] channel must be one of {', '.join(CHANNELS)}, not {self.channel!r}")
        if self.channel in ("slack", "teams", "webhook") and not self.url:
            raise ConfigError(f"[notifications] channel {self.channel!r} needs url (or OPEN_FINOPS_NOTIFICATIONS_URL)")
        if self.channel == "email" and not (self.smtp_host and self.email_to):
            raise ConfigError("[notifications] channel 'email' needs smtp_host and email_to")
        if self.commitment_expiry_days < 0:
            raise ConfigError("[notifications] commitment_expiry_days must be 0 (no expiry alerts) or more, "
                              f"not {self.commitment_expiry_days}")
        if not 0 <= self.commitment_min_utilization_pct <= 100:
            raise ConfigError("[notifications] commitment_min_utilization_pct must be a percentage from 0 (no "
                              f"utilization alerts) to 100, not {self.commitment_min_utilization_pct:g}")
        if self.commitment_utilization_window_days < 1:
            raise ConfigError("[notifications] commitment_utilization_window_days must be 1 or more, "
                              f"not {self.commitment_utilization_window_days}")


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("data")
    # Write <data_dir>/reports/dashboards.html after each FOCUS build. Off by default: it runs every card
    # once per filter value, 220 s at 10M FOCUS rows, longer than that import and build.
    offline_report: bool = False
    notifications: Notifications = field(default_factory=Notifications)
    # Each provider's settings by section key (`aws`); the defaults of every registered provider.
    providers: Mapping[str, Any] = field(default_factory=lambda: {key: section.parse({}, "defaults")
                                                                  for key, section in config_sections().items()})

    @property
    def database(self) -> Path:
        return self.data_dir / "finops.duckdb"

    @property
    def samples(self) -> Path:
        """Where `finops demo` writes its sample exports."""
        return self.data_dir / "samples"

    def provider(self, key: str) -> Any:
        """The settings of provider `key` (`aws`, ...)."""
        return self.providers[key]

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
    notifications = dict(raw.get("notifications", {}))
    _apply_env(env, "PROJECT", project)
    _apply_env(env, "NOTIFICATIONS", notifications)
    for section, values, allowed in (("project", project, {"data_dir", "offline_report"}),
                                     ("notifications", notifications, set(Notifications.__dataclass_fields__))):
        unknown = set(values) - allowed
        if unknown:
            raise ConfigError(f"{path} / {ENV_PREFIX}{section.upper()}_*: unknown [{section}] keys: "
                              f"{', '.join(sorted(unknown))}")
    data_dir = str(project.get("data_dir", "data")).strip()
    if not data_dir:
        raise ConfigError(f"{path} / {ENV_PREFIX}PROJECT_DATA_DIR: data_dir is empty")
    for key, kind in NOTIFICATION_NUMBERS.items():
        if key in notifications:
            notifications[key] = parse_number(notifications[key], kind, f"[notifications] {key}")
    providers = {}
    for key, section in config_sections().items():
        values = dict(raw.get(key, {}))
        _apply_env(env, key.upper(), values)
        providers[key] = section.parse(values, str(path))
    offline_report = parse_bool(project.get("offline_report", Config.offline_report), "[project] offline_report")
    return Config(data_dir=Path(data_dir), offline_report=offline_report, notifications=Notifications(**notifications),
                  providers=providers)


def parse_bool(value: Any, name: str) -> bool:
    """A boolean from the file, or from the environment's spellings (true/false, 1/0, yes/no)."""
    if isinstance(value, str) and value.strip().lower() in BOOLEANS:
        return BOOLEANS[value.strip().lower()]
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, not {value!r}")
    return value


def parse_number(value: Any, kind: type[int] | type[float], name: str) -> int | float:
    """A number from the file or from the environment's text; `int` ones must be whole."""
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise ConfigError(f"{name} is not a number: {value!r}")
    if kind is int:
        if not number.is_integer():
            raise ConfigError(f"{name} is not a whole number: {value!r}")
        return int(number)
    return number


def _apply_env(env: Mapping[str, str], section: str, values: dict) -> None:
    prefix = f"{ENV_PREFIX}{section}_"
    for key, value in env.items():
        # An empty variable (compose passes unset ones as "") means "not set".
        if key.startswith(prefix) and value.strip():
            values[key[len(prefix):].lower()] = value
