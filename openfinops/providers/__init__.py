"""Cloud providers: one package each (`aws/`, later `azure/`, `gcp/`), found by looking here.

A provider package exposes `SECTION`, its config section: `[aws]` in config.toml and the
OPEN_FINOPS_AWS_* variables. Its settings list its billing exports, each of which the
vendor-neutral import machine (`openfinops.importing`) can discover and load.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class ConfigSection:
    """A provider's config section.

    `key` names the section (`[aws]`) and its variables (OPEN_FINOPS_AWS_*); `parse` turns the
    section's values (file, then environment; environment values are strings) into the provider's
    settings, raising ConfigError naming `source` (the config file) for a bad value;
    `parse({}, source)` gives the defaults.
    """

    key: str
    parse: Callable[[dict[str, Any], str], Any]  # (values, source) -> settings


def config_sections() -> dict[str, ConfigSection]:
    """Every provider package's config section, by key."""
    sections = {}
    for module in pkgutil.iter_modules(__path__):
        if module.ispkg:
            section = importlib.import_module(f"{__name__}.{module.name}").SECTION
            sections[section.key] = section
    return sections
