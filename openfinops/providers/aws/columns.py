"""Column names and types: legacy CUR, CUR 2.0 and the FOCUS export onto one raw schema.

Legacy CUR names columns `lineItem/UnblendedCost`; CUR 2.0 (and the Athena/Parquet flavour of
legacy CUR) names them `line_item_unblended_cost`. Raw tables use the CUR 2.0 names, and the
per-tag columns of legacy CUR (`resourceTags/user:Team`) fold into the CUR 2.0 map columns
(`resource_tags`, key `user_Team`), stored as JSON.
"""

from __future__ import annotations

import json
import re

from openfinops.importing.sql import cast, literal, quote

from .settings import (
    DECIMAL_COLUMNS,
    FOLDED_V1_CATEGORIES,
    JSON_COLUMNS,
    MAP_COLUMNS,
    STRING_COLUMNS,
    TIMESTAMP_COLUMNS,
)


def snake_case(name: str) -> str:
    """`UnblendedCost` -> `unblended_cost`, `ReservationARN` -> `reservation_a_r_n` (as AWS does)."""
    name = re.sub(r"(?<!^)(?<!_)([A-Z])", r"_\1", name).lower()
    return re.sub(r"[^a-z0-9_]+", "_", name).strip("_")


def v1_column_name(header: str) -> str:
    """`lineItem/UnblendedCost` -> `line_item_unblended_cost`."""
    category, _, name = header.partition("/")
    return f"{snake_case(category)}_{snake_case(name)}" if name else snake_case(category)


def tag_key(header: str) -> tuple[str, str] | None:
    """(map column, key) for a legacy CUR column folded into a map, else None.

    `resourceTags/user:Team` -> ("resource_tags", "user_Team"), the key CUR 2.0 writes;
    `costCategory/Team` -> ("cost_category", "Team"); Parquet legacy CUR's
    `resource_tags_user_team` -> ("resource_tags", "user_team").
    """
    category, sep, name = header.partition("/")
    if sep and category in FOLDED_V1_CATEGORIES and name:
        return MAP_COLUMNS[category], name.replace(":", "_", 1)
    for map_column in (MAP_COLUMNS[c] for c in FOLDED_V1_CATEGORIES):
        if not sep and header.startswith(map_column + "_"):
            return map_column, header[len(map_column) + 1:]
    return None


def column_type(name: str, manifest_type: str) -> str:
    """The dlt data type of a raw column: known CUR 2.0 columns by name, the rest by manifest type."""
    if name in DECIMAL_COLUMNS:
        return "decimal"
    if name in TIMESTAMP_COLUMNS:
        return "timestamp"
    if name in JSON_COLUMNS:
        return "json"
    if name in STRING_COLUMNS:
        return "text"
    kind = manifest_type.lower()
    if kind in ("bigdecimal", "optionalbigdecimal", "double", "float", "real", "number") or kind.startswith("decimal"):
        return "decimal"
    if kind in ("datetime", "timestamp") or kind.startswith("timestamp"):
        return "timestamp"
    if kind == "date":
        return "date"
    if kind in ("bigint", "int", "integer", "long", "smallint", "tinyint"):
        return "bigint"
    if kind == "boolean":
        return "bool"
    if kind.startswith(("map", "struct", "array")):
        return "json"
    return "text"


def select_list(header: list[str], source_types: dict[str, str], manifest_types: dict[str, str],
                cur_version: str) -> tuple[dict[str, str], dict[str, str]]:
    """SQL expressions that turn one file's columns into raw columns, and the raw column types,
    both by raw column name.

    `header` is the file's column names, `source_types` their DuckDB types as read,
    `manifest_types` the manifest's type per header name.
    """
    expressions: dict[str, str] = {}
    types: dict[str, str] = {}
    folded: dict[str, list[tuple[str, str]]] = {}
    for column in header:
        folded_into = tag_key(column) if cur_version == "v1" else None
        if folded_into:
            folded.setdefault(folded_into[0], []).append((folded_into[1], column))
            continue
        name = v1_column_name(column) if cur_version == "v1" else snake_case(column)
        kind = column_type(name, manifest_types.get(column, source_types.get(column, "string")))
        expressions[name] = cast(quote(column), source_types.get(column, "VARCHAR"), kind)
        types[name] = kind
    for map_column, entries in folded.items():
        expressions[map_column] = json_object_sql(entries)
        types[map_column] = "json"
    return expressions, types


def json_object_sql(entries: list[tuple[str, str]]) -> str:
    """SQL of a JSON object of (key, text column) `entries`, without the empty and NULL ones; NULL if
    none is left. Written as text: building a MAP to serialise it costs a sixth of a CSV import."""
    members = ", ".join(f"CASE WHEN {quote(col)} <> '' THEN {literal(json.dumps(key, ensure_ascii=False) + ':')} "
                        f"|| to_json({quote(col)}) END" for key, col in entries)
    return f"nullif('{{' || concat_ws(',', {members}) || '}}', '{{}}')::JSON"

