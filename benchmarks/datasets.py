"""Deterministic CUR 2.0 (Parquet) and CUR v1 (gzip CSV) exports of a given size, cached on disk."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from openfinops.samples import aws_cur

CACHE = Path(__file__).parent / "cache"  # git-ignored
PERIOD = "2026-09"  # one billing period is enough: imports work period by period
ROWS_PER_FILE = 1_000_000  # AWS splits large exports into several files; so do we
EXPORT_NAMES = {"v2": "bench-cur2", "v1": "bench-cur-v1"}
DATA_GLOBS = {"v2": "*.snappy.parquet", "v1": "*.csv.gz"}


@dataclass(frozen=True)
class Dataset:
    """One generated export: what `finops aws import-cur --path` and the baseline both read."""

    cur_version: str
    root: Path  # stands for s3://bucket/prefix
    export_name: str
    files: tuple[Path, ...]
    rows: int  # rows actually in the files (the generator adds SP negation and monthly lines)
    bytes: int


def generator_version() -> str:
    """A hash of the generator's source, so a changed generator never reuses stale files."""
    return hashlib.sha256(Path(aws_cur.__file__).read_bytes()).hexdigest()[:8]


def ensure(usage_rows: int, cache: Path = CACHE) -> dict[str, Dataset]:
    """The v2 and v1 exports for `usage_rows` usage rows, generated on first use."""
    folder = cache / f"{generator_version()}-{usage_rows}"
    info = folder / "dataset.json"
    if not info.exists():
        _generate(folder, usage_rows)
    return {v: Dataset(cur_version=v, root=folder / v, export_name=d["export_name"],
                       files=tuple(folder / f for f in d["files"]), rows=d["rows"], bytes=d["bytes"])
            for v, d in json.loads(info.read_text()).items()}


def _generate(folder: Path, usage_rows: int) -> None:
    # Write into a scratch folder and rename at the end: an interrupted run leaves nothing
    # that looks complete.
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    files_per_period = max(1, round(usage_rows / ROWS_PER_FILE))
    print(f"generating {usage_rows:,} usage rows in {files_per_period} file(s) per format into {folder} ...",
          flush=True)
    aws_cur.write_cur_v2(partial / "v2", export=EXPORT_NAMES["v2"], periods=(PERIOD,),
                         rows_per_period=usage_rows, files_per_period=files_per_period)
    aws_cur.write_cur_v1(partial / "v1", report=EXPORT_NAMES["v1"], periods=(PERIOD,),
                         rows_per_period=usage_rows, files_per_period=files_per_period)
    info = {}
    for version in ("v2", "v1"):
        files = sorted((partial / version).rglob(DATA_GLOBS[version]))
        info[version] = {
            "export_name": EXPORT_NAMES[version],
            "files": [str(f.relative_to(partial)) for f in files],
            "rows": _count_rows(version, files),
            "bytes": sum(f.stat().st_size for f in files),
        }
    (partial / "dataset.json").write_text(json.dumps(info, indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def _count_rows(version: str, files: list[Path]) -> int:
    if version == "v2":
        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    names = [str(f) for f in files]
    with duckdb.connect() as con:
        return con.execute("select count(*) from read_csv($1, header=true, all_varchar=true)", [names]).fetchone()[0]
