"""The FOCUS build's baseline: one DuckDB CREATE TABLE AS of the SQL dbt runs for the FOCUS table.

`python -m benchmarks.build_baseline DB SQLFILE` runs the compiled (full-refresh) SQL of
focus.cost_and_usage against a database that already has the staging views, as its own process,
so it is measured like the `finops` commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def main(database: str, sql_file: str) -> None:
    sql = Path(sql_file).read_text()
    with duckdb.connect(database) as con:
        con.execute("set TimeZone = 'UTC'")  # as the dbt profile does
        con.execute(f"create table focus.baseline_cost_and_usage as {sql}")
        print(f"rows={con.execute('select count(*) from focus.baseline_cost_and_usage').fetchone()[0]}")


if __name__ == "__main__":
    main(*sys.argv[1:])
