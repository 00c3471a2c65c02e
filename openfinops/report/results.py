"""Every card's results for the offline report, under each filter value the report offers.

A report file has no database behind it, so its filters can only choose among results computed
beforehand. For each filter a dashboard offers, the report offers its largest values by cost (and
the newest months for the date range), one filter at a time.

Running every card once per value over the whole FOCUS table would scan it a thousand times. So
the FOCUS columns the cards use are copied once into an in-memory database, and for each value
the rows it selects become that database's `focus.cost_and_usage`; the cards that take the filter
run unfiltered on it. That equals the card with the filter expanded, as long as a card reads its
source only where its placeholders narrow it (docs/dashboards.md); the tests hold every built-in
card to it. A value every row has (the one provider of a single-cloud bill) reuses the unfiltered
results.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from openfinops.dashboards.cards_sql import DateRange, FilterValue, card_sql, predicate
from openfinops.dashboards.definitions import Card, Dashboard, Filter
from openfinops.importing.sql import literal, quote
from openfinops.warehouse.database import DUCKDB_CONFIG

FOCUS_TABLE = "focus.cost_and_usage"
TOP_VALUES = 10  # per filter: the values with the largest cost
MONTHS = 6  # the date range offers the newest months
ALL = ""  # the key of the unfiltered results


@dataclass(frozen=True)
class Choice:
    """One value a report filter offers: its label and what the filter is set to."""
    label: str
    value: FilterValue
    selects_all: bool = False  # every row has this value


@dataclass
class Results:
    """Per dashboard and filter, the values offered; per card and choice, an index into `tables`."""
    as_of: str | None
    choices: dict[str, dict[str, list[Choice]]] = field(default_factory=dict)  # dashboard -> filter -> choices
    cards: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # (dashboard, card) -> key -> table
    tables: list[dict] = field(default_factory=list)  # {"columns": [...], "rows": [[...]]}


def choice_key(filter_name: str, choice: Choice) -> str:
    return f"{filter_name}={choice.label}"


def card_results(read_database: Path, dashboards: list[Dashboard], top: int = TOP_VALUES) -> Results:
    """Run every card of `dashboards` on the published read copy, unfiltered and under each offered value."""
    work = read_database.parent.parent / "tmp"  # the data folder's scratch space
    work.mkdir(exist_ok=True)
    # In memory, spilling to scratch files beyond the memory limit.
    with tempfile.TemporaryDirectory(prefix="report-", dir=work) as scratch, \
            duckdb.connect(config={**DUCKDB_CONFIG, "temp_directory": scratch}) as con:
        con.execute(f"ATTACH {literal(str(read_database))} AS published (READ_ONLY)")
        _copy_published(con, dashboards)
        [(as_of,)] = con.execute("SELECT max(timezone('UTC', ChargePeriodStart))::DATE FROM focus.rows").fetchall()
        results = Results(as_of.isoformat() if as_of else None)
        offered = {f.name: f for d in dashboards for f in d.filters}
        choices = {name: _choices(con, flt, top) for name, flt in offered.items()}
        for dashboard in dashboards:
            results.choices[dashboard.name] = {f.name: choices[f.name] for f in dashboard.filters}

        tables: dict[tuple[str, str], int] = {}  # (rows key, SQL) -> index in results.tables

        def run_cards(key: str, cards: list[tuple[Dashboard, Card]]) -> None:
            for dashboard, card in cards:
                sql = card_sql(card, dashboard)  # every filter empty: the rows selected narrow it
                index = tables.get((key, sql))
                if index is None:
                    index = tables[(key, sql)] = len(results.tables)
                    results.tables.append(_table(con, sql))
                results.cards.setdefault((dashboard.name, card.id), {})[key] = index

        every_card = [(d, c) for d in dashboards for c in d.cards]
        con.execute(f"CREATE VIEW {FOCUS_TABLE} AS SELECT * FROM focus.rows")
        run_cards(ALL, every_card)
        for name, flt in offered.items():
            taking = [(d, c) for d, c in every_card if flt in d.filters and c.takes(flt)]
            for choice in choices[name]:
                key = choice_key(name, choice)
                if choice.selects_all:  # the unfiltered results hold
                    for d, c in taking:
                        results.cards[(d.name, c.id)][key] = results.cards[(d.name, c.id)][ALL]
                else:
                    _select_rows(con, predicate(None, flt, choice.value))
                    run_cards(key, taking)
        for dashboard, card in every_card:  # a card that does not take a filter shows its unfiltered results
            keys = results.cards[(dashboard.name, card.id)]
            for flt in dashboard.filters:
                for choice in choices[flt.name]:
                    keys.setdefault(choice_key(flt.name, choice), keys[ALL])
    return results


# what the report reads itself, whatever the cards name: the newest day, filter values by cost
REPORT_COLUMNS = ("ChargePeriodStart", "BilledCost")


def _copy_published(con: duckdb.DuckDBPyConnection, dashboards: list[Dashboard]) -> None:
    """`focus.rows`: the published FOCUS table's columns that any card or filter names, and those the
    report itself reads (the newest day, filter values by cost); the other published tables (small
    marts) whole, under their own names."""
    columns = [name for (name,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'published' "
        "AND table_schema = 'focus' AND table_name = 'cost_and_usage' ORDER BY ordinal_position").fetchall()]
    text = "\n".join([c.sql for d in dashboards for c in d.cards] + [f.column for d in dashboards for f in d.filters]
                     + list(REPORT_COLUMNS))
    used = [c for c in columns if re.search(rf"\b{re.escape(c)}\b", text, re.IGNORECASE)]
    con.execute("CREATE SCHEMA focus")
    con.execute(f"CREATE TABLE focus.rows AS SELECT {', '.join(map(quote, used))} FROM published.{FOCUS_TABLE}")
    for schema, table in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = 'published' "
            "AND NOT (table_schema = 'focus' AND table_name = 'cost_and_usage')").fetchall():
        name = f"{quote(schema)}.{quote(table)}"
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM published.{name}")


def _select_rows(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """Make `focus.cost_and_usage` the rows `where` selects. A copy, not a view: each card then
    reads only those rows, and the values of a filter add up to the table read about once."""
    con.execute(f"CREATE OR REPLACE TABLE focus.selected AS SELECT * FROM focus.rows WHERE {where}")
    con.execute(f"CREATE OR REPLACE VIEW {FOCUS_TABLE} AS SELECT * FROM focus.selected")


def _choices(con: duckdb.DuckDBPyConnection, flt: Filter, top: int) -> list[Choice]:
    column = quote(flt.column)
    everything = "count(*) = (SELECT count(*) FROM focus.rows)"
    if flt.type == "date_range":
        months = con.execute(f"""
            SELECT date_trunc('month', timezone('UTC', {column}))::DATE AS month, {everything}
            FROM focus.rows WHERE {column} IS NOT NULL GROUP BY month ORDER BY month DESC LIMIT {MONTHS}""").fetchall()
        return [Choice(m.strftime("%Y-%m"), DateRange(m, _month_end(m)), all_) for m, all_ in months]
    if flt.type == "tag":
        # Each set of tags parsed once, into key/value pairs that do not carry the whole set along.
        pairs = con.execute(f"""
            WITH by_tags AS (
                SELECT {column} AS tags, count(*) AS n, sum(abs(BilledCost)) AS cost
                FROM focus.rows WHERE {column} IS NOT NULL GROUP BY 1),
            pairs AS (
                SELECT unnest(map_entries(json_transform(tags, '"MAP(VARCHAR, VARCHAR)"'))) AS tag, n, cost
                FROM by_tags)
            SELECT tag.key, tag.value, sum(n) = (SELECT count(*) FROM focus.rows) FROM pairs
            WHERE tag.value IS NOT NULL AND tag.value <> ''
            GROUP BY 1, 2 ORDER BY sum(cost) DESC NULLS LAST, 1, 2 LIMIT {top}""").fetchall()
        return [Choice(f"{key}={value}", (key, value), all_) for key, value, all_ in pairs]
    names = con.execute(f"""
        SELECT {column}, {everything} FROM focus.rows WHERE {column} IS NOT NULL AND {column} <> ''
        GROUP BY {column} ORDER BY sum(abs(BilledCost)) DESC NULLS LAST, {column} LIMIT {top}""").fetchall()
    return [Choice(name, [name], all_) for name, all_ in names]


def _month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _table(con: duckdb.DuckDBPyConnection, sql: str) -> dict:
    relation = con.execute(sql)
    columns = [c[0] for c in relation.description]
    return {"columns": columns, "rows": [[_json_value(v) for v in row] for row in relation.fetchall()]}


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    return value
