"""The last discovery of a BigQuery export, reused only while it still answers the query it stands for."""

from __future__ import annotations

from datetime import datetime, timezone

from openfinops.providers.gcp.discoveries import recall, remember

SEPTEMBER = ("202609", datetime(2026, 10, 3, 4, 30, tzinfo=timezone.utc))
OCTOBER = ("202610", datetime(2026, 10, 20, 4, 30, tzinfo=timezone.utc))
WATERMARK = datetime(2026, 10, 3, 4, 30, tzinfo=timezone.utc)


def test_nothing_stored_runs_the_query(tmp_path):
    database = tmp_path / "finops.duckdb"
    assert recall(database, "billing", "v1", None) is None
    assert not database.exists()

    remember(database, "other", "v1", None, [SEPTEMBER])
    assert recall(database, "billing", "v1", None) is None


def test_an_unchanged_table_answers_from_the_last_discovery_from_its_watermark_or_a_later_one(tmp_path):
    database = tmp_path / "finops.duckdb"
    remember(database, "billing", "v1", WATERMARK, [SEPTEMBER, OCTOBER])

    assert recall(database, "billing", "v1", WATERMARK) == [SEPTEMBER, OCTOBER]
    assert recall(database, "billing", "v1", OCTOBER[1]) == [SEPTEMBER, OCTOBER]
    # Held back by a failed month, or no import recorded: the query reads partitions it did not.
    assert recall(database, "billing", "v1", datetime(2026, 10, 1, tzinfo=timezone.utc)) is None
    assert recall(database, "billing", "v1", None) is None
    # Rows appended since: the table's version changed.
    assert recall(database, "billing", "v2", OCTOBER[1]) is None


def test_a_discovery_of_the_whole_table_holds_for_any_watermark_and_the_newest_replaces_it(tmp_path):
    database = tmp_path / "finops.duckdb"
    remember(database, "billing", "v1", None, [SEPTEMBER])
    assert recall(database, "billing", "v1", None) == [SEPTEMBER]
    assert recall(database, "billing", "v1", WATERMARK) == [SEPTEMBER]

    remember(database, "billing", "v2", WATERMARK, [])
    assert recall(database, "billing", "v1", WATERMARK) is None
    assert recall(database, "billing", "v2", WATERMARK) == []
