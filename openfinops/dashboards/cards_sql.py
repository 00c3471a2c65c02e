"""A card's SQL with its filters expanded, as Metabase expands field filters.

A card writes `{{filters}}` where the dashboard's filters (all but the date range) narrow its
source table, and `{{date_range}}` where the date range does. Metabase replaces each with a
predicate on the filter's column, qualified by the card's source table, or with `1 = 1` when the
filter is empty; this does the same wherever a card runs outside Metabase (the offline report, the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openfinops.importing.sql import literal, quote

from .definitions import DATE_RANGE, PLACEHOLDERS, Card, Dashboard, Filter

EVERYTHING = "1 = 1"


@dataclass(frozen=True)
class DateRange:
    start: date | None = None  # inclusive
    end: date | None = None  # inclusive: the last day shown


FilterValue = list[str] | DateRange | tuple[str, str]  # category values, a date range, a tag (key, value)


def card_sql(card: Card, dashboard: Dashboard, values: dict[str, FilterValue] | None = None) -> str:
    """The card's SQL, its filters expanded for `values` (filter name -> value; absent: everything)."""
    values = values or {}
    offered = {f.name: f for f in dashboard.filters}

    def expand(match) -> str:
        if match.group(1) == DATE_RANGE:
            return predicate(card.source, offered[DATE_RANGE], values.get(DATE_RANGE))
        predicates = [predicate(card.source, f, values.get(f.name)) for f in offered.values() if f.name != DATE_RANGE]
        return " AND ".join(p for p in predicates if p != EVERYTHING) or EVERYTHING

    return PLACEHOLDERS.sub(expand, card.sql)


def qualified(source: str | None, column: str) -> str:
    """`column` of table `source` ("schema.table"), as Metabase names a field filter's column."""
    return ".".join(quote(part) for part in [*(source or "").split("."), column] if part)


def predicate(source: str | None, flt: Filter, value: FilterValue | None) -> str:
    """`flt` set to `value`, on its column of `source` (unqualified when None); `1 = 1` when empty."""
    if not value:
        return EVERYTHING
    column = qualified(source, flt.column)
    if flt.type == "date_range":
        assert isinstance(value, DateRange)
        bounds = ([f"{column} >= {literal(value.start.isoformat())}::DATE"] if value.start else []) + \
                 ([f"{column} < {literal(value.end.isoformat())}::DATE + INTERVAL 1 DAY"] if value.end else [])
        return "(" + " AND ".join(bounds) + ")" if bounds else EVERYTHING
    if flt.type == "tag":
        key, tag_value = value
        return f"({column} ->> {literal(key)}) = {literal(tag_value)}"
    return f"{column} IN ({', '.join(literal(v) for v in value)})"
