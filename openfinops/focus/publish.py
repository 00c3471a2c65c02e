"""Publish the FOCUS table for dashboards: a read-only copy that imports never lock or half-write.

DuckDB lets one process write a database file and no other process open it meanwhile, and a
dashboard's connection pool would hold the file open indefinitely. So dashboards never open the
working database. After each successful build, `focus.cost_and_usage` is written as Parquet into a
new version folder, and the symlink `published/current` is switched to it with one atomic rename.
Dashboards open `published/finops-read.duckdb`, whose only content is a view over
`published/current/*.parquet`: each query sees one complete version, old or new, never a mix.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb

from openfinops.warehouse.database import DUCKDB_CONFIG

READ_DATABASE = "finops-read.duckdb"
KEEP_VERSIONS = 3  # older versions are deleted; a query still reading one has had minutes to finish


def publish_focus(database: Path, published: Path) -> Path:
    """Write a new published version of focus.cost_and_usage and switch to it; returns its folder."""
    published.mkdir(parents=True, exist_ok=True)
    version = published / f"v{time.time_ns()}"
    version.mkdir()
    with duckdb.connect(str(database), config=DUCKDB_CONFIG) as con:
        con.execute(f"COPY focus.cost_and_usage TO '{version / 'cost_and_usage.parquet'}' "
                    "(FORMAT parquet, COMPRESSION zstd)")
    link = published / "current"
    staging = published / "current.next"
    staging.unlink(missing_ok=True)
    staging.symlink_to(version.name)
    os.replace(staging, link)  # atomic: readers follow the old link or the new one
    _ensure_read_database(published)
    _prune(published, keep=version)
    return version


def _ensure_read_database(published: Path) -> None:
    read_db = published / READ_DATABASE
    if read_db.exists():
        return
    tmp = published / (READ_DATABASE + ".tmp")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        con.execute("CREATE SCHEMA focus")
        con.execute(f"CREATE VIEW focus.cost_and_usage AS "
                    f"SELECT * FROM read_parquet('{published.resolve() / 'current' / '*.parquet'}')")
    os.replace(tmp, read_db)


def _prune(published: Path, keep: Path) -> None:
    versions = sorted((p for p in published.glob("v*") if p.is_dir()), key=lambda p: int(p.name[1:]))
    for old in versions[:-KEEP_VERSIONS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
