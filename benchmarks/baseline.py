"""The baseline: bare DuckDB copying an export's files into one table, nothing else.

Run as its own process (`python -m benchmarks.baseline DB v2|v1 FILE...`) so it is measured
exactly like the `finops` commands: wall time, process-tree RSS, database size.
"""

from __future__ import annotations

import sys

import duckdb

READERS = {
    "v2": "read_parquet($files)",
    # Defaults (type sniffing, gzip from the file name): what a user would type by hand.
    "v1": "read_csv($files, header=true)",
}


def main(database: str, cur_version: str, *files: str) -> None:
    with duckdb.connect(database) as con:
        con.execute(f"create table t as select * from {READERS[cur_version]}", {"files": list(files)})
        print(f"rows={con.execute('select count(*) from t').fetchone()[0]}")


if __name__ == "__main__":
    main(*sys.argv[1:])
