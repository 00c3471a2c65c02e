"""What every provider's config section does with its billing exports: pick the ones a run imports,
read the export list (a TOML array of tables, or JSON from the environment), and keep raw tables apart."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Sequence, TypeVar

from openfinops.config import ENV_PREFIX, ConfigError

E = TypeVar("E")


def raw_table_name(export_name: str) -> str:
    """An export's raw table: its name in snake_case (`demo-cur2` -> `demo_cur2`)."""
    return re.sub(r"[^a-z0-9]+", "_", export_name.lower()).strip("_")


def select_exports(provider: str, configured: tuple[E, ...], names: list[str] | None, sources: list[dict] | None,
                   parse: Callable[..., tuple[E, ...]], samples: tuple[E, ...] = ()) -> tuple[E, ...]:
    """One-off `sources` if given, else the `configured` exports named (default: all).

    With no exports configured the sample exports stand in (`samples`: those `finops demo` wrote),
    so a fresh checkout's deployments have something to import."""
    if sources:
        return parse(sources, source="command line")
    if not configured and samples:
        return samples
    if not configured:
        raise ConfigError(f"no {provider} exports configured: add [[{provider.lower()}.exports]] to config.toml, "
                          "pass a one-off source, or run `finops demo` to use sample exports")
    unknown = sorted(set(names or ()) - {e.name for e in configured})
    if unknown:
        known = ", ".join(e.name for e in configured)
        raise ConfigError(f"unknown {provider} export(s): {', '.join(unknown)} (configured: {known})")
    return tuple(e for e in configured if not names or e.name in names)


def export_list(section: str, values: dict[str, Any], source: str) -> tuple[list, str]:
    """`[[<section>.exports]]`, or OPEN_FINOPS_<SECTION>_EXPORTS as a JSON array (lists don't fit in a
    variable name; containers pass the whole list as JSON); and the source to name in errors."""
    exports = values.get("exports", [])
    if isinstance(exports, str):
        source = f"{ENV_PREFIX}{section.upper()}_EXPORTS"
        try:
            exports = json.loads(exports)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source} is not a JSON list of exports: {exc}") from None
    if not isinstance(exports, list):
        raise ConfigError(f"{source}: {section} exports must be a list ([[{section}.exports]] tables or a JSON array)")
    return exports, source


def check_tables(section: str, dataset: str, exports: Sequence, source: str) -> None:
    """Each export has a raw table of its own (`dataset.<export name in snake_case>`)."""
    tables: dict[str, str] = {}
    for export in exports:
        if export.table_name in tables:
            other = tables[export.table_name]
            problem = "is configured twice" if other == export.name else f"and {other!r} would share a table"
            raise ConfigError(f"{source}: {section} export {export.name!r} {problem} ({dataset}.{export.table_name})")
        tables[export.table_name] = export.name
