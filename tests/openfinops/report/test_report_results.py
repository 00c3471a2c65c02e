"""The offline report's results: every card, under every filter value it offers, as the card's own SQL
returns it on the published read copy of the demo's FOCUS data."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pytest

from openfinops.dashboards.cards_sql import DateRange, card_sql
from openfinops.dashboards.definitions import load_dashboards
from openfinops.focus.publish import READ_DATABASE
from openfinops.report.render import render, write_report
from openfinops.report.results import ALL, MONTHS, Results, _json_value, card_results, choice_key

DASHBOARDS = load_dashboards()


@pytest.fixture(scope="module")
def read_copy(demo_data_dir) -> Path:
    return demo_data_dir / "published" / READ_DATABASE


@pytest.fixture(scope="module")
def results(read_copy) -> Results:
    return card_results(read_copy, DASHBOARDS, top=5)


def query(read_copy: Path, sql: str) -> dict:
    with duckdb.connect(str(read_copy), read_only=True) as con:
        relation = con.execute(sql)
        columns = [c[0] for c in relation.description]
        return {"columns": columns, "rows": [[_json_value(v) for v in row] for row in relation.fetchall()]}


def test_every_card_has_its_unfiltered_results(read_copy, results):
    for dashboard in DASHBOARDS:
        for card in dashboard.cards:
            keys = results.cards[(dashboard.name, card.id)]
            assert results.tables[keys[ALL]] == query(read_copy, card_sql(card, dashboard)), card.id


def test_each_offered_value_gives_the_card_filtered_by_it(read_copy, results):
    dashboard = next(d for d in DASHBOARDS if d.name == "executive-summary")
    card = next(c for c in dashboard.cards if c.id == "billed-mtd")
    keys = results.cards[(dashboard.name, card.id)]
    categories = results.choices[dashboard.name]["service_category"]
    tags = results.choices[dashboard.name]["tag"]

    assert len(categories) == 5 and len(tags) == 5  # top=5
    for name, choice in [("service_category", c) for c in categories] + [("tag", t) for t in tags]:
        expected = query(read_copy, card_sql(card, dashboard, {name: choice.value}))
        assert results.tables[keys[f"{name}={choice.label}"]] == expected
    # Narrowing to one category never gives more than everything; together the categories add up.
    total = results.tables[keys[ALL]]["rows"][0][0]
    parts = [results.tables[keys[f"service_category={c.label}"]]["rows"][0][0] for c in categories]
    assert all(abs(p) <= abs(total) + 0.01 for p in parts) and len(set(parts)) > 1


def test_every_card_under_a_value_of_each_filter_is_the_card_with_that_filter(read_copy, results):
    """The report runs a card on the rows a value selects; that must equal the card with the filter
    expanded (a card reads its source only where its placeholders narrow it)."""
    checked = 0
    for dashboard in DASHBOARDS:
        for flt in dashboard.filters:
            choice = next((c for c in results.choices[dashboard.name][flt.name] if not c.selects_all), None)
            if choice is None:
                continue
            for card in dashboard.cards:
                index = results.cards[(dashboard.name, card.id)][choice_key(flt.name, choice)]
                expected = query(read_copy, card_sql(card, dashboard, {flt.name: choice.value}))
                assert results.tables[index] == expected, f"{dashboard.name}/{card.id} {flt.name}={choice.label}"
                checked += 1
    assert checked > 150


def test_a_dashboard_alone_gets_its_newest_day_and_filter_values(read_copy):
    """Whatever columns its cards name, the report reads ChargePeriodStart (the newest day) and BilledCost
    (values by cost): rate-optimization's cards name neither."""
    [dashboard] = [d for d in DASHBOARDS if d.name == "rate-optimization"]

    alone = card_results(read_copy, [dashboard], top=3)

    assert alone.as_of == "2026-10-31" and len(alone.choices[dashboard.name]["sub_account"]) == 3


def test_filter_values_are_the_largest_by_cost(read_copy, results):
    [(largest,)] = query(read_copy, """
        SELECT ServiceName FROM focus.cost_and_usage WHERE ServiceName IS NOT NULL
        GROUP BY ALL ORDER BY sum(abs(BilledCost)) DESC LIMIT 1""")["rows"]
    services = results.choices["cost-explorer"]["service"]

    assert services[0].label == largest and services[0].value == [largest]
    assert all(re.fullmatch(r"[^=]+=.+", c.label) for c in results.choices["cost-explorer"]["tag"])


def test_the_date_range_offers_the_newest_months(results):
    months = results.choices["invoice-chargeback"]["date_range"]

    assert [m.label for m in months] == ["2026-10", "2026-09", "2026-08"][:MONTHS]
    assert months[0].value == DateRange(date(2026, 10, 1), date(2026, 10, 31))


def test_a_card_without_filters_is_run_once(results):
    newest = results.cards[("executive-summary", "newest-day")]
    assert len(newest) > 1 and len(set(newest.values())) == 1


def test_a_value_every_row_has_reuses_the_unfiltered_results(results):
    [aws] = results.choices["executive-summary"]["provider"]  # the demo is one AWS bill
    keys = results.cards[("executive-summary", "billed-mtd")]

    assert aws.selects_all and keys[choice_key("provider", aws)] == keys[ALL]


def test_the_page_cannot_be_broken_out_of_by_a_value():
    """A tag value with `</script>` stays inside the embedded JSON."""
    dashboard = DASHBOARDS[0]
    hostile = "</script><script>alert(1)</script>"
    results = Results("2026-10-31", {dashboard.name: {f.name: [] for f in dashboard.filters}},
                      {(dashboard.name, c.id): {ALL: 0} for c in dashboard.cards},
                      [{"columns": ["x"], "rows": [[hostile]]}])

    page = render([dashboard], results, 5, datetime(2026, 11, 1, tzinfo=timezone.utc))

    assert page.count("</script>") == 3  # the data, Plotly's script and the report's own
    data = page.split('<script type="application/json" id="report-data">')[1].split("</script>")[0]
    assert json.loads(data)["tables"][0]["rows"] == [[hostile]]


def test_the_flow_wrote_the_report_after_its_build(demo_data_dir):
    report = demo_data_dir / "reports" / "dashboards.html"
    assert report.exists() and report.stat().st_size > 1_000_000  # Plotly's script is inline


def test_no_published_copy_is_one_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no published FOCUS table yet"):
        write_report(tmp_path / "published", tmp_path / "report.html")
