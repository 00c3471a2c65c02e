"""The SQL provisioned into Metabase, as Metabase runs it: with every filter empty it is the card's own
SQL (`cards_sql`, tested on the demo data) and parses in DuckDB; the tag clause picks the tagged rows."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from openfinops.dashboards.cards_sql import card_sql
from openfinops.dashboards.definitions import load_dashboards
from openfinops.dashboards.provision import native_sql

CARDS = [(d, c) for d in load_dashboards() for c in d.cards]
TAG = re.compile(r"{{\s*(\w+)\s*}}")


def expand_empty(sql: str) -> str:
    """Metabase's expansion with no filter value: an optional clause goes, a field filter is `1 = 1`."""
    return TAG.sub("1 = 1", re.sub(r"\[\[.*?\]\]", "", sql, flags=re.S))


def expand_text(sql: str, name: str, value: str) -> str:
    """Metabase's expansion of a text variable with a value: the clause stays, the tag is a string literal."""
    sql = re.sub(r"\[\[(.*?)\]\]", r"\1", sql, flags=re.S)
    return TAG.sub("1 = 1", sql.replace(f"{{{{{name}}}}}", _literal(value)))


@pytest.mark.parametrize("dashboard, card", CARDS, ids=[f"{d.name}/{c.id}" for d, c in CARDS])
def test_with_every_filter_empty_the_sql_is_the_cards_own(dashboard, card):
    sql = expand_empty(native_sql(card, dashboard))

    assert re.sub(r"\(1 = 1(?: AND 1 = 1)*\s*\)", "1 = 1", sql) == card_sql(card, dashboard)
    [(parsed,)] = duckdb.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()
    assert json.loads(parsed)["error"] is False, parsed


def test_the_tag_clause_keeps_the_rows_with_that_key_and_value():
    dashboard = next(d for d in load_dashboards() if d.name == "tags-allocation")
    card = next(c for c in dashboard.cards if c.id == "untagged-cost")
    clause = re.search(r"\[\[AND (.*?)\]\]", native_sql(card, dashboard), flags=re.S).group(1)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA focus; CREATE TABLE focus.cost_and_usage (Tags JSON, cost INT)")
    con.execute("""INSERT INTO focus.cost_and_usage VALUES ('{"Team": "ml"}', 1), ('{"Team": "web"}', 2),
                   ('{"Env": "ml"}', 4), (NULL, 8)""")

    [(cost,)] = con.execute(f"SELECT sum(cost) FROM focus.cost_and_usage WHERE {expand_text(clause, 'tag', 'Team=ml')}"
                            ).fetchall()

    assert cost == 1


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
