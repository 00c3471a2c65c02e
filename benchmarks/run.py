"""Benchmark the import and the FOCUS build against bare DuckDB: `python -m benchmarks.run --rows 1000000`.

For each export format (CUR 2.0 Parquet, CUR v1 gzip CSV) four steps run as separate processes:
the DuckDB baseline and `finops aws import-cur --no-build`, each on a fresh data folder;
`finops focus build` on a copy of what the import produced; and the build's baseline, one DuckDB
CREATE TABLE AS of the SQL dbt compiles for the FOCUS table, on what the build produced. The table
is printed and written to benchmarks/results/<UTC date>-<git short sha>.json. Targets are reported, never asserted: a
benchmark that fails on a slow laptop teaches nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from . import datasets, measure
from .datasets import Dataset

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
FINOPS = Path(sys.executable).parent / "finops"  # the console scripts installed next to this interpreter
DBT = Path(sys.executable).parent / "dbt"
DBT_PROJECT = REPO / "transformations"
COMPILED_FOCUS_SQL = Path("compiled", "open_finops", "models", "marts", "focus", "cost_and_usage.sql")
FORMATS = {"v2": "CUR 2.0 Parquet", "v1": "CUR v1 gzip CSV"}
# From issue #6: wall time as a multiple of its baseline's, so different machines compare.
TARGETS = {"import": 1.5, "build": 2.0}
BASELINES = {"import": "baseline", "build": "build-ctas"}
RSS_TARGET_MB_AT_10M = 2048
# Prefect's log lines in <data_dir>/logs/finops.log ("2026-12-01 12:00:01,234 | INFO | Flow run 'x' -
# Beginning flow run ...") time the flow itself, without interpreter start-up and the temporary
# Prefect server (~10 s).
FLOW_LOG = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) \|.*\| Flow run '[^']*' - "
                      r"(?:Beginning flow run|Finished in state)", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="usage rows in the billing period (the files hold ~9%% more lines)")
    parser.add_argument("--format", dest="formats", action="append", choices=FORMATS,
                        help="only this export format (repeatable; default: both)")
    parser.add_argument("--work-dir", type=Path, help="where the fresh data folders go (default: a temp folder)")
    args = parser.parse_args(argv)

    data = datasets.ensure(args.rows)
    work = Path(tempfile.mkdtemp(prefix="finops-bench-", dir=args.work_dir))
    try:
        steps = [step for v in (args.formats or list(FORMATS)) for step in measure_format(data[v], work)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    run = {"usage_rows": args.rows, "generator": datasets.generator_version(), "steps": steps,
           "ratios": ratios(steps), "targets": {"seconds_vs_baseline": TARGETS, "baselines": BASELINES,
                                           "peak_rss_mb_at_10m_rows": RSS_TARGET_MB_AT_10M}}
    print_table(run)
    path = save(run)
    print(f"\nwrote {path.relative_to(REPO)}")
    return 0


def measure_format(data: Dataset, work: Path) -> list[dict]:
    """Baseline, import and build for one export, each in its own fresh data folder."""
    v = data.cur_version
    print(f"{FORMATS[v]}: {data.rows:,} rows in {len(data.files)} file(s), {data.bytes / 2**20:,.0f} MiB", flush=True)

    folder = _fresh(work / f"{v}-baseline")
    database = folder / "baseline.duckdb"
    m = measure.run([sys.executable, "-m", "benchmarks.baseline", str(database), v, *map(str, data.files)], cwd=REPO)
    steps = [_step(data, "baseline", m, database)]
    shutil.rmtree(folder)

    imported = _fresh(work / f"{v}-import")
    m = measure.run([str(FINOPS), "--data-dir", str(imported), "aws", "import-cur", "--path", str(data.root),
                     "--export-name", data.export_name, "--cur-version", v, "--no-build"], cwd=work)
    steps.append(_step(data, "import", m, imported / "finops.duckdb", imported / "logs" / "finops.log"))

    if m.returncode == 0:
        # Build on a copy, so the build's data folder is fresh too and holds exactly one import
        # (and a log of the build alone).
        built = work / f"{v}-build"
        shutil.copytree(imported, built, ignore=shutil.ignore_patterns("logs"))
        m = measure.run([str(FINOPS), "--data-dir", str(built), "focus", "build"], cwd=work)
        steps.append(_step(data, "build", m, built / "finops.duckdb", built / "logs" / "finops.log"))
        if m.returncode == 0:
            steps.append(_build_baseline(data, built))
        shutil.rmtree(built)
    else:
        steps.append({"format": v, "step": "build", "status": "failed: skipped, the import failed"})
    shutil.rmtree(imported)
    return steps


def _build_baseline(data: Dataset, built: Path) -> dict:
    """CREATE TABLE AS of the FOCUS table's SQL as dbt compiles it for a first build, over the
    staging views the build left (views are SQL, so this is the same SQL)."""
    database = built / "finops.duckdb"
    target = built / "tmp" / "bench-compile"
    subprocess.run([str(DBT), "compile", "--select", "cost_and_usage", "--full-refresh", "--quiet",
                    "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT), "--target-path", str(target),
                    "--log-path", str(target / "logs")],
                   env={**os.environ, "OPEN_FINOPS_DATABASE": str(database)}, cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)  # dbt prints the compiled SQL
    sql = target / COMPILED_FOCUS_SQL
    m = measure.run([sys.executable, "-m", "benchmarks.build_baseline", str(database), str(sql)], cwd=REPO)
    return _step(data, "build-ctas", m, database)


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _step(data: Dataset, name: str, m: measure.Measurement, database: Path, log: Path | None = None) -> dict:
    step = {
        "format": data.cur_version,
        "step": name,
        "status": "ok" if m.returncode == 0 else f"failed: {_reason(m)}",
        "rows": data.rows,  # input rows, so rows/s compare across steps
        "seconds": round(m.seconds, 2),
        "flow_seconds": _flow_seconds(log) if log else None,
        "rows_per_second": round(data.rows / m.seconds),
        "peak_rss_mb": round(m.peak_rss_bytes / 2**20),
        "db_mb": round(_database_bytes(database) / 2**20, 1),
    }
    print(f"  {name:<10} {step['status'].split(':')[0]:<6} {step['seconds']:>8.1f} s {step['peak_rss_mb']:>6} MiB",
          flush=True)
    return step


def _reason(m: measure.Measurement) -> str:
    """The CLI's own one-line verdict ("finops: ..."), else the last line of output."""
    lines = [ln.strip() for ln in ANSI.sub("", m.output).splitlines() if ln.strip()]
    verdicts = [ln for ln in lines if ln.startswith("finops:")]
    last = verdicts[-1] if verdicts else (lines[-1] if lines else "no output")
    return f"exit {m.returncode}: {last[:300]}"


def _flow_seconds(log: Path) -> float | None:
    """Seconds between the first flow's start and the last flow's end, from the step's Prefect log."""
    stamps = [datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
              for stamp in FLOW_LOG.findall(log.read_text(errors="replace") if log.exists() else "")]
    if len(stamps) < 2:
        return None
    return round((stamps[-1] - stamps[0]).total_seconds(), 2)


def _database_bytes(database: Path) -> int:
    files = [database, database.with_name(database.name + ".wal")]
    return sum(f.stat().st_size for f in files if f.exists())


def ratios(steps: list[dict]) -> dict:
    """import/baseline and build/build-ctas per format: wall time, flow time and peak RSS."""
    out: dict[str, dict] = {}
    for v in FORMATS:
        by_step = {s["step"]: s for s in steps if s["format"] == v and s["status"] == "ok"}
        for name in TARGETS:
            step, base = by_step.get(name), by_step.get(BASELINES[name])
            if base is None or step is None:
                continue
            flow = step["flow_seconds"]
            out.setdefault(v, {})[name] = {
                "seconds": round(step["seconds"] / base["seconds"], 2),
                "flow_seconds": round(flow / base["seconds"], 2) if flow is not None else None,
                "peak_rss": round(step["peak_rss_mb"] / max(base["peak_rss_mb"], 1), 2),
            }
    return out


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) / 2**20, 1),
        "cpu": model.group(1) if model else platform.processor(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def git_sha() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    except OSError:
        return "nogit"
    return out.stdout.strip() if out.returncode == 0 else "nogit"


def save(run: dict) -> Path:
    """Add this run to today's file for this commit; runs at other sizes on the same day stay."""
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    sha = git_sha()
    path = RESULTS / f"{date}-{sha}.json"
    report = json.loads(path.read_text()) if path.exists() else {"date": date, "git_sha": sha, "runs": {}}
    report["machine"] = machine()
    report["runs"][str(run["usage_rows"])] = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                              **run}
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def print_table(run: dict) -> None:
    header = f"{'format':<16} {'step':<10} {'rows':>11} {'wall s':>8} {'flow s':>7} {'rows/s':>10} " \
             f"{'peak RSS MiB':>12} {'DB MiB':>8}  status"
    print(f"\n{run['usage_rows']:,} usage rows per period (generator {run['generator']})\n{header}\n{'-' * len(header)}")
    for s in run["steps"]:
        if "seconds" not in s:
            print(f"{FORMATS[s['format']]:<16} {s['step']:<10} {'':>11} {'':>8} {'':>7} {'':>10} {'':>12} {'':>8}  "
                  f"{s['status']}")
            continue
        flow = f"{s['flow_seconds']:.1f}" if s["flow_seconds"] is not None else "-"
        print(f"{FORMATS[s['format']]:<16} {s['step']:<10} {s['rows']:>11,} {s['seconds']:>8.1f} {flow:>7} "
              f"{s['rows_per_second']:>10,} {s['peak_rss_mb']:>12,} {s['db_mb']:>8,.1f}  {s['status']}")
    print()
    for v, by_step in run["ratios"].items():
        for name, r in by_step.items():
            flow = f"{r['flow_seconds']:.2f}x" if r["flow_seconds"] is not None else "-"
            print(f"{FORMATS[v]:<16} {name}/{BASELINES[name]}: wall {r['seconds']:.2f}x (target <= {TARGETS[name]}x), "
                  f"flow {flow}, peak RSS {r['peak_rss']:.2f}x")

if __name__ == "__main__":
    sys.exit(main())
