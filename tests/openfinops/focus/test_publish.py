"""The published copy dashboards read: switched atomically, never blocking or blocked by imports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from decimal import Decimal

import duckdb

from openfinops.focus.publish import KEEP_VERSIONS, PUBLISHED_TABLES, READ_DATABASE, publish_focus

# What DuckDB raises for a query planned on one published version and run on the next.
SWITCH_ERRORS = "Invalid data|don't know what type|Cannot open file"


def make_focus(database, rows: int, cost: str) -> None:
    """The FOCUS table and the dashboards' marts, as a build leaves them."""
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS focus")
        con.execute(f"CREATE OR REPLACE TABLE focus.cost_and_usage AS SELECT range AS n, {cost}::DECIMAL(38,12) "
                    f"AS BilledCost FROM range({rows})")
        con.execute("CREATE SCHEMA IF NOT EXISTS dashboards")
        con.execute("CREATE OR REPLACE TABLE dashboards.import_health AS "
                    "SELECT count(*) AS focus_rows, sum(BilledCost) AS focus_billed_cost FROM focus.cost_and_usage")
        con.execute("CREATE OR REPLACE TABLE dashboards.reporting_window AS SELECT DATE '2026-09-30' AS as_of")
        con.execute("CREATE OR REPLACE TABLE dashboards.import_failures AS SELECT 'demo' AS export, false AS fixed")
        con.execute("CREATE SCHEMA IF NOT EXISTS rate_optimization")
        for table in (t for t in PUBLISHED_TABLES if t.startswith("rate_optimization.")):
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT 'aws' AS provider")


def test_dashboards_read_a_published_version_while_the_working_database_is_written(tmp_path):
    database, published = tmp_path / "finops.duckdb", tmp_path / "published"
    make_focus(database, 1000, "1.5")
    publish_focus(database, published)
    read_db = published / READ_DATABASE

    # A dashboard-like reader in another process keeps the published database open and queries it.
    # A query planned just before the switch and run just after it fails (DuckDB opens the file
    # twice, see openfinops/focus/publish.py); like a dashboard reloaded, the reader runs it again.
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, re, sys, time
        con = duckdb.connect({str(read_db)!r}, read_only=True)
        seen, failed = set(), []
        deadline = time.time() + 60
        while time.time() < deadline and len(seen) < 4:
            for table, query in (("focus", "SELECT count(*), sum(BilledCost) FROM focus.cost_and_usage"),
                                 ("health", "SELECT focus_rows, focus_billed_cost FROM dashboards.import_health")):
                try:
                    seen.add((table, *con.execute(query).fetchone()))
                except duckdb.Error as e:
                    if not re.search({SWITCH_ERRORS!r}, str(e)):
                        raise
                    failed.append(str(e))
            time.sleep(0.05)
        print(sorted(seen), len(failed))
    """)], stdout=subprocess.PIPE, text=True)
    time.sleep(1)

    # Meanwhile the importer writes the working database: no lock conflict with the reader.
    make_focus(database, 2000, "2.5")
    publish_focus(database, published)

    out, _ = reader.communicate(timeout=90)
    assert reader.returncode == 0
    seen, failed = out.rsplit(" ", 1)
    # The reader saw the old version of each table and then the new one, each complete.
    assert seen == ("[('focus', 1000, Decimal('1500.000000000000')), ('focus', 2000, Decimal('5000.000000000000')), "
                    "('health', 1000, Decimal('1500.000000000000')), ('health', 2000, Decimal('5000.000000000000'))]")
    assert int(failed) <= 1  # one switch: at most the one query that spanned it


def test_publishing_switches_current_and_prunes_old_versions(tmp_path):
    database, published = tmp_path / "finops.duckdb", tmp_path / "published"
    versions = []
    for i in range(KEEP_VERSIONS + 2):
        make_focus(database, 10 + i, "1")
        versions.append(publish_focus(database, published))

    assert (published / "current").resolve() == versions[-1].resolve()
    assert not (published / "current.next").exists()
    assert sorted(p.name for p in published.glob("v*")) == sorted(v.name for v in versions[-KEEP_VERSIONS:])
    with duckdb.connect(str(published / READ_DATABASE), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM focus.cost_and_usage").fetchone() == (10 + KEEP_VERSIONS + 1,)


def test_a_read_database_from_before_the_marts_gets_their_views(tmp_path):
    database, published = tmp_path / "finops.duckdb", tmp_path / "published"
    make_focus(database, 5, "2")
    publish_focus(database, published)
    (published / READ_DATABASE).unlink()
    with duckdb.connect(str(published / READ_DATABASE)) as con:  # as publish_focus made it before
        con.execute("CREATE SCHEMA focus")
        con.execute(f"CREATE VIEW focus.cost_and_usage AS "
                    f"SELECT * FROM read_parquet('{published.resolve() / 'current' / '*.parquet'}')")

    publish_focus(database, published)

    with duckdb.connect(str(published / READ_DATABASE), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM focus.cost_and_usage").fetchone() == (5,)
        assert con.execute("SELECT focus_rows, focus_billed_cost FROM dashboards.import_health").fetchall() == [
            (5, Decimal("10"))]
