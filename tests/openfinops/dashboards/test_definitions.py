"""Dashboard files (openfinops.dashboards.definitions): read, and a malformed one named with what is wrong."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest

from openfinops.dashboards.cards_sql import DateRange, card_sql
from openfinops.dashboards.definitions import DASHBOARDS_DIR, FILTERS_FILE, DashboardError, load_dashboards

CARD = """
  - id: total
    title: Total
    display: number
    source: focus.cost_and_usage
    position: {col: 0, row: 0, width: 6, height: 3}
    sql: select sum(BilledCost) from focus.cost_and_usage where {{filters}}
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    shutil.copy(DASHBOARDS_DIR / FILTERS_FILE, folder / FILTERS_FILE)
    path = folder / "mine.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_dashboard_file_is_read_with_its_filters_cards_and_grid(tmp_path):
    write(tmp_path, "title: Mine\ndescription: My costs\nfilters: [provider, date_range]\ncards:" + CARD)

    [dashboard] = load_dashboards(tmp_path)

    assert (dashboard.name, dashboard.title, dashboard.description) == ("mine", "Mine", "My costs")
    assert [f.column for f in dashboard.filters] == ["ProviderName", "ChargePeriodStart"]
    [card] = dashboard.cards
    assert (card.id, card.display, card.placeholders) == ("total", "number", {"filters"})
    assert (card.position.col, card.position.row, card.position.size_x, card.position.size_y) == (0, 0, 6, 3)


def test_filters_expand_like_metabase_field_filters(tmp_path):
    write(tmp_path, "title: Mine\nfilters: [provider, tag, date_range]\ncards:" + CARD.replace(
        "where {{filters}}", "where {{filters}} and {{date_range}}"))
    [dashboard] = load_dashboards(tmp_path)
    [card] = dashboard.cards

    assert card_sql(card, dashboard).endswith("where 1 = 1 and 1 = 1")
    sql = card_sql(card, dashboard, {"provider": ["AWS", "O'Cloud"], "tag": ("cost center", "R&D"),
                                     "date_range": DateRange(end=date(2026, 9, 30))})
    assert sql.endswith(
        """where "focus"."cost_and_usage"."ProviderName" IN ('AWS', 'O''Cloud') """
        """AND ("focus"."cost_and_usage"."Tags" ->> 'cost center') = 'R&D' """
        """and ("focus"."cost_and_usage"."ChargePeriodStart" < '2026-09-30'::DATE + INTERVAL 1 DAY)""")


@pytest.mark.parametrize("text, message", [
    ("title: Mine\nfilters: [team]\ncards:" + CARD, "unknown filter(s) team"),
    ("title: Mine\ncards: []", "cards must be a non-empty list"),
    ("cards:" + CARD, "title is missing"),
    ("title: Mine\ncards:" + CARD.replace("display: number", "display: gauge"), "display 'gauge' is not one of"),
    ("title: Mine\ncards:" + CARD.replace("{{filters}}", "{{team}}"), "unknown placeholder(s) team"),
    ("title: Mine\ncards:" + CARD.replace("{{filters}}", "{{date_range}}"), "offers no date_range filter"),
    ("title: Mine\ncards:" + CARD.replace("    source: focus.cost_and_usage\n", ""), "names its source table"),
    ("title: Mine\ncards:" + CARD.replace("col: 0", "col: 20"), "does not fit the 24-column grid"),
    ("title: Mine\ncards:" + CARD + CARD.replace("id: total", "id: other"), "cards total and other overlap"),
    ("title: Mine\ncards:" + CARD + CARD, "card id(s) used twice: total"),
    ("title: Mine\ncards:" + CARD.replace("display: number", "display: line"), "needs chart.x and chart.y"),
    ("title: [Mine\n", "not valid YAML"),
])
def test_a_malformed_dashboard_file_is_named_with_what_is_wrong(tmp_path, text, message):
    path = write(tmp_path, text)

    with pytest.raises(DashboardError) as info:
        load_dashboards(tmp_path)

    assert str(info.value).startswith(str(path)) and message in str(info.value)
