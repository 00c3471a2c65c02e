"""Benchmark the import and the FOCUS build against bare DuckDB and a peer: `python -m benchmarks.run --rows 1000000`.

For each export format (CUR 2.0 Parquet, CUR v1 gzip CSV) these steps run as separate processes:
the DuckDB baseline (a bare copy of the files) and `finops aws import-cur --no-build`, each on a fresh
data folder; `finops focus build` on a copy of what the import produced, then once more on the built
folder (`build-again`: nothing changed), and `finops report` (the offline dashboards report, which
these builds skip so that they time the FOCUS build alone); with --build-ctas, one DuckDB CREATE
TABLE AS of the SQL dbt compiles for the FOCUS table. Up to 2M rows (or with --peer), for CUR v1
also `finops aws import-cur` (import and build, as a user runs it) on a fresh data folder, and the
FinOps Foundation's focus-converter on the same files, alternately, three times each (--peer-runs):
the comparison is of their median runs. The table is printed and written to
benchmarks/results/<UTC date>-<git short sha>.json. Targets are reported, never asserted: a benchmark
that fails on a slow laptop teaches nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb

from cli.server import api_healthy
from cli.temporary_server import free_port
from openfinops.focus.summary import summarize

from . import datasets, measure
from .datasets import Dataset

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
FINOPS = Path(sys.executable).parent / "finops"  # the console scripts installed next to this interpreter
DBT = Path(sys.executable).parent / "dbt"
DBT_PROJECT = REPO / "transformations"
COMPILED_FOCUS_SQL = Path("compiled", "open_finops", "models", "marts", "focus", "cost_and_usage.sql")
FORMATS = {"v2": "CUR 2.0 Parquet", "v1": "CUR v1 gzip CSV"}
SERVED = "import+build (server)"  # the same, with a Prefect server already running
FINOPS_STEPS = ("import", "build", "build-again", "import+build", SERVED)
# Issue 12: wall time as a multiple of the bare DuckDB copy of the same files, so different machines
# compare. (Issue 6 judged the build against build-ctas, which hid how heavy the build's SQL is.)
TARGETS = {"import": 1.5, "build": 3.0}
RSS_TARGET_MB = 2048  # peak RSS of every finops step ...
RSS_TARGET_ROWS = 10_000_000  # ... judged at this size
PEER_RSS_SHARE = 0.25  # import+build in a quarter of the peer's memory (and faster than it)
# The peer: the FinOps Foundation's focus-converter, in a venv of its own (benchmarks/peer-requirements.txt).
PEER = "focus-converter"
PEER_VENV = Path(__file__).parent / ".venv-peer" / "bin" / PEER
PEER_MAX_ROWS = 2_000_000  # by default (its target is at 1M): it holds a whole file in memory, ~9 GiB per 1M lines
PEER_TIMEOUT_S_PER_1M_ROWS = 300  # when it fails, its writer processes keep it alive forever
# Each side of the comparison runs this often, alternately, and is judged by its median run: on a
# shared 2-core VM one run can take 20 % longer than the next (the bare copy: 11.7-15.1 s in an hour).
PEER_RUNS = 3
# Prefect's log lines in <data_dir>/logs/finops.log ("2026-12-01 12:00:01,234 | INFO | Flow run 'x' -
# Beginning flow run ...") time the flow itself, without interpreter start-up and the temporary
# Prefect server (~10 s).
FLOW_LOG = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) \|.*\| Flow run '[^']*' - "
                      r"(?:Beginning flow run|Finished in state)", re.MULTILINE)
# dbt's own log, <data_dir>/tmp/dbt/logs/dbt.log ("12:00:01.234567 [info ] [MainThread]: Found 8 models, ...").
# `dbt build` writes no perf_info.json (only `dbt parse` does), so its parse is timed from here.
DBT_LOG_LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d+) \[[^]]*\] \[[^]]*\]: (.*)$", re.MULTILINE)
DBT_PARTIAL_PARSE = ("Unable to do partial parsing", "Partial parsing enabled", "Partial parsing not enabled")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="usage rows in the billing period (the files hold ~9%% more lines)")
    parser.add_argument("--format", dest="formats", action="append", choices=FORMATS,
                        help="only this export format (repeatable; default: both)")
    parser.add_argument("--work-dir", type=Path, help="where the fresh data folders go (default: a temp folder)")
    parser.add_argument("--build-ctas", action="store_true",
                        help="also time a DuckDB CREATE TABLE AS of the build's SQL (at 10M rows: ~250 s, ~19 GiB)")
    parser.add_argument("--no-report", dest="report", action="store_false",
                        help="skip the `report` step (the offline dashboards report)")
    parser.add_argument("--peer", nargs="?", const="", metavar="PATH",
                        help=f"compare with {PEER} (CUR v1) at any size; PATH is its executable (default: "
                             f"{PEER_VENV.relative_to(REPO)}, else on PATH). Default: up to {PEER_MAX_ROWS:,} rows")
    parser.add_argument("--no-peer", dest="peer", action="store_const", const=False,
                        help=f"neither {PEER} nor the import+build step")
    parser.add_argument("--peer-runs", type=int, default=PEER_RUNS, metavar="N",
                        help=f"run import+build, import+build (server) and {PEER} N times each, alternately; "
                             f"their median runs are compared (default {PEER_RUNS})")
    args = parser.parse_args(argv)

    # The comparison with the peer (import+build and the peer itself) costs minutes and ~9 GiB per file.
    compare = args.peer is not False and (args.peer is not None or args.rows <= PEER_MAX_ROWS)
    peer = find_peer(args.peer or None) if compare else None
    if compare and peer is None:
        print(f"{PEER} not found: its step is skipped (install it: see benchmarks/README.md)", flush=True)
    data = datasets.ensure(args.rows)
    # A config may turn the offline report on: off in every step here, the `report` step times it.
    os.environ["OPEN_FINOPS_PROJECT_OFFLINE_REPORT"] = "false"
    work = Path(tempfile.mkdtemp(prefix="finops-bench-", dir=args.work_dir))
    try:
        steps = [step for v in (args.formats or list(FORMATS))
                 for step in measure_format(data[v], work, args.build_ctas, args.report, compare, peer,
                                            args.peer_runs)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    run = {"usage_rows": args.rows, "generator": datasets.generator_version(),
           "peer": {"executable": str(peer), "version": peer_version(peer)} if peer else None,
           "steps": steps, "ratios": ratios(steps), "targets": targets(steps, args.rows)}
    print_table(run)
    path = save(run)
    print(f"\nwrote {path.relative_to(REPO)}")
    return 0


def measure_format(data: Dataset, work: Path, build_ctas: bool, report: bool, compare: bool,
                   peer: Path | None, peer_runs: int) -> list[dict]:
    """The steps for one export, each in its own fresh data folder."""
    v = data.cur_version
    print(f"{FORMATS[v]}: {data.rows:,} rows in {len(data.files)} file(s), {data.bytes / 2**20:,.0f} MiB", flush=True)
    steps = [_baseline(data, work), *_import_then_build(data, work, build_ctas, report)]
    if compare and v == "v1":  # focus-converter reads CUR v1 (its provider `aws-cur`)
        for run in range(1, peer_runs + 1):
            print(f"  comparison with {PEER}, run {run} of {peer_runs}", flush=True)
            compared = [_import_and_build(data, work)]
            with prefect_server(work) as api_url:
                compared.append(_import_and_build(data, work, api_url))
            compared.append(_peer(data, work, peer))
            steps += [{**step, "run": run} for step in compared]
    return steps


def _baseline(data: Dataset, work: Path) -> dict:
    folder = _fresh(work / f"{data.cur_version}-baseline")
    database = folder / "baseline.duckdb"
    m = measure.run([sys.executable, "-m", "benchmarks.baseline", str(database), data.cur_version,
                     *map(str, data.files)], cwd=REPO)
    step = _step(data, "baseline", m, _database_bytes(database))
    shutil.rmtree(folder)
    return step


def _import_then_build(data: Dataset, work: Path, build_ctas: bool, report: bool) -> list[dict]:
    """import (--no-build) on a fresh folder, then build, build-again and build-ctas on a copy of it."""
    v = data.cur_version
    imported = _fresh(work / f"{v}-import")
    steps = [_finops(data, "import", imported, work, "aws", "import-cur", "--path", str(data.root),
                     "--export-name", data.export_name, "--cur-version", v, "--no-build")]
    if steps[0]["status"] != "ok":
        shutil.rmtree(imported)
        return [*steps, {"format": v, "step": "build", "status": "failed: skipped, the import failed"}]
    # Build on a copy, so the build's data folder is fresh too and holds exactly one import.
    built = work / f"{v}-build"
    shutil.copytree(imported, built, ignore=shutil.ignore_patterns("logs"))
    shutil.rmtree(imported)
    steps.append(_finops(data, "build", built, work, "focus", "build"))
    if steps[-1]["status"] == "ok":
        # Nothing changed: the incremental build rebuilds nothing but runs every test. Its time is
        # the fixed cost of a build (start-up, dbt parse, seeds, views, tests).
        steps.append(_finops(data, "build-again", built, work, "focus", "build"))
        if report:
            steps.append(_finops(data, "report", built, work, "report", "--out", str(built / "report.html")))
        if build_ctas:  # last: it adds a table to the database
            steps.append(_build_baseline(data, built))
    shutil.rmtree(built)
    return steps


def _import_and_build(data: Dataset, work: Path, api_url: str | None = None) -> dict:
    """`finops aws import-cur` as a user runs it (import, then build), on a fresh data folder; with
    `api_url`, against that Prefect server (as after `finops server up`, or in the compose stack)
    instead of the temporary one the CLI starts."""
    folder = _fresh(work / f"{data.cur_version}-import+build")
    step = _finops(data, SERVED if api_url else "import+build", folder, work, "aws", "import-cur", "--path",
                   str(data.root), "--export-name", data.export_name, "--cur-version", data.cur_version,
                   env={**os.environ, "PREFECT_API_URL": api_url} if api_url else None)
    shutil.rmtree(folder)
    return step


@contextmanager
def prefect_server(work: Path) -> Iterator[str]:
    """A Prefect server of its own (home, database, port) for the duration; yields its API URL. Its
    start-up and memory are not part of any step: it is the long-lived server a user already runs."""
    port = free_port()
    home = _fresh(work / "prefect-server")
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    api_url = f"http://127.0.0.1:{port}/api"
    with open(home / "server.log", "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not api_healthy(api_url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not start; see {home / 'server.log'}")
            time.sleep(0.5)
        yield api_url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        shutil.rmtree(home, ignore_errors=True)


def _finops(data: Dataset, name: str, folder: Path, cwd: Path, *argv: str, env: dict | None = None) -> dict:
    """Run `finops --data-dir folder argv...` and measure it, with what its logs and FOCUS table say."""
    flow_log, dbt_log = folder / "logs" / "finops.log", folder / "tmp" / "dbt" / "logs" / "dbt.log"
    # The logs are appended to: only what this run adds is read (build-again shares the build's folder).
    marks = {log: log.stat().st_size if log.exists() else 0 for log in (flow_log, dbt_log)}
    m = measure.run([str(FINOPS), "--data-dir", str(folder), *argv], cwd=cwd, env=env)
    flow = _flow_seconds(_read_from(flow_log, marks[flow_log]))
    database = folder / "finops.duckdb"
    return _step(data, name, m, _database_bytes(database), flow_seconds=flow,
                 startup_seconds=round(m.seconds - flow, 2) if flow is not None else None,
                 **_dbt_parse(_read_from(dbt_log, marks[dbt_log])),
                 **(_focus_totals(database) if m.returncode == 0 else {}))


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
    return _step(data, "build-ctas", m, _database_bytes(database))


def find_peer(path: str | None) -> Path | None:
    """focus-converter's executable: `path`, else the benchmark's own venv, else on PATH."""
    if path:
        return Path(path).resolve() if Path(path).exists() else None
    if PEER_VENV.exists():
        return PEER_VENV
    found = shutil.which(PEER)
    return Path(found) if found else None


def peer_version(peer: Path) -> str | None:
    """The installed focus-converter's version, asked of the interpreter its script starts."""
    first = peer.read_text(errors="replace").split("\n", 1)[0]
    if not first.startswith("#!"):
        return None
    ask = f"import importlib.metadata as m; print(m.version('{PEER}'))"
    out = subprocess.run([first[2:].strip(), "-c", ask], capture_output=True, text=True)
    return out.stdout.strip() or None


def _peer(data: Dataset, work: Path, peer: Path | None) -> dict:
    """focus-converter on the CUR v1 files, into one folder of FOCUS Parquet (its default: FOCUS
    columns and the source columns)."""
    if peer is None:
        return {"format": data.cur_version, "step": PEER, "status": "skipped: not installed"}
    out = _fresh(work / f"{data.cur_version}-peer")
    # It reads one path per call: polars cannot scan gzip CSV by glob. So one call per file, run
    # by a shell, so the measurement covers them all.
    script = ('peer=$1 out=$2; shift 2; for f; do "$peer" convert --provider aws-cur --data-format csv '
              '--data-path "$f" --export-path "$out" || exit; done')
    timeout = max(PEER_TIMEOUT_S_PER_1M_ROWS, PEER_TIMEOUT_S_PER_1M_ROWS * data.rows / 1e6)
    m = measure.run(["sh", "-c", script, "sh", str(peer), str(out), *map(str, data.files)], cwd=work, timeout=timeout)
    files = sorted(out.rglob("*.parquet"))
    totals = _parquet_totals(files) if m.returncode == 0 else {}
    step = _step(data, PEER, m, sum(f.stat().st_size for f in files), **totals)
    shutil.rmtree(out)
    return step


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _step(data: Dataset, name: str, m: measure.Measurement, size_bytes: int, **extra) -> dict:
    step = {
        "format": data.cur_version,
        "step": name,
        "status": "ok" if m.returncode == 0 else f"failed: {_reason(m)}",
        "rows": data.rows,  # input rows, so rows/s compare across steps
        "seconds": round(m.seconds, 2),
        "flow_seconds": None,
        "startup_seconds": None,
        "rows_per_second": round(data.rows / m.seconds),
        "peak_rss_mb": round(m.peak_rss_bytes / 2**20),
        "db_mb": round(size_bytes / 2**20, 1),  # the database, or the peer's Parquet
        "output_rows": None,  # rows of the FOCUS table (or the peer's Parquet) after the step
        "billed_cost": None,  # their Σ BilledCost
        **extra,
    }
    print(f"  {name:<21} {step['status'].split(':')[0]:<6} {step['seconds']:>8.1f} s {step['peak_rss_mb']:>6} MiB",
          flush=True)
    return step


def _reason(m: measure.Measurement) -> str:
    """The CLI's own one-line verdict ("finops: ..."), else the last line of output."""
    lines = [ln.strip() for ln in ANSI.sub("", m.output).splitlines() if ln.strip()]
    verdicts = [ln for ln in lines if ln.startswith("finops:")]
    last = verdicts[-1] if verdicts else (lines[-1] if lines else "no output")
    return f"exit {m.returncode}: {last[:300]}"


def _read_from(log: Path, offset: int) -> str:
    if not log.exists():
        return ""
    with log.open("rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


def _flow_seconds(log: str) -> float | None:
    """Seconds between the first flow's start and the last flow's end, from the step's Prefect log."""
    stamps = [datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f") for stamp in FLOW_LOG.findall(log)]
    if len(stamps) < 2:
        return None
    return round((stamps[-1] - stamps[0]).total_seconds(), 2)


def _dbt_parse(log: str) -> dict:
    """dbt's time from its start to its first node (adapter, project parse, manifest written) and
    what it says about partial parsing, from this step's part of dbt.log; {} if dbt did not run."""
    lines = [(datetime.strptime(t, "%H:%M:%S.%f"), msg) for t, msg in DBT_LOG_LINE.findall(log)]
    start = next((t for t, msg in lines if msg.startswith("Running with dbt=")), None)
    found = next((t for t, msg in lines if start and t >= start and re.match(r"Found \d+ models", msg)), None)
    if start is None or found is None:
        return {}
    partial = next((msg for _, msg in lines if msg.startswith(DBT_PARTIAL_PARSE)), None)
    # Clock times only: a parse across midnight wraps.
    return {"dbt_parse_seconds": round((found - start).total_seconds() % 86400, 2), "dbt_partial_parse": partial}


def _focus_totals(database: Path) -> dict:
    """Rows and Σ BilledCost of the FOCUS table (the CLI's own summary); {} before any build."""
    periods = summarize(database)
    return _totals(sum(p.rows for p in periods), sum(p.billed_cost for p in periods)) if periods else {}


def _parquet_totals(files: list[Path]) -> dict:
    with duckdb.connect() as con:
        return _totals(*con.execute("select count(*), sum(BilledCost) from read_parquet($1)",
                                    [[str(f) for f in files]]).fetchone())


def _totals(rows: int, billed) -> dict:
    return {"output_rows": rows, "billed_cost": round(float(billed or 0), 2)}


def _database_bytes(database: Path) -> int:
    files = [database, database.with_name(database.name + ".wal")]
    return sum(f.stat().st_size for f in files if f.exists())


def _ok_steps(steps: list[dict], v: str) -> dict[str, dict]:
    """Each step of format `v` that succeeded; of a step run several times, its median run (the
    lower of the middle two for an even count), and only if every run of it succeeded."""
    runs: dict[str, list[dict]] = {}
    for s in steps:
        if s["format"] == v:
            runs.setdefault(s["step"], []).append(s)
    return {name: sorted(tries, key=lambda t: t["seconds"])[(len(tries) - 1) // 2]
            for name, tries in runs.items() if all(t["status"] == "ok" for t in tries)}


def ratios(steps: list[dict]) -> dict:
    """Per format, "step/reference": wall time, flow time and peak RSS of the step over the reference's."""
    pairs = [("import", "baseline"), ("build", "baseline"), ("build-again", "baseline"), ("build", "build-ctas"),
             ("import+build", PEER), (SERVED, PEER)]
    out: dict[str, dict] = {}
    for v in FORMATS:
        by_step = _ok_steps(steps, v)
        for name, reference in pairs:
            step, base = by_step.get(name), by_step.get(reference)
            if base is None or step is None:
                continue
            flow = step["flow_seconds"]
            out.setdefault(v, {})[f"{name}/{reference}"] = {
                "seconds": round(step["seconds"] / base["seconds"], 2),
                "flow_seconds": round(flow / base["seconds"], 2) if flow is not None else None,
                "peak_rss": round(step["peak_rss_mb"] / max(base["peak_rss_mb"], 1), 2),
            }
    return out


def targets(steps: list[dict], usage_rows: int) -> list[dict]:
    """Issue 12's targets per format, each with its measure and whether it is met (None: not judged
    at this size)."""
    out = []
    for v in FORMATS:
        by_step = _ok_steps(steps, v)
        base = by_step.get("baseline")
        for name, limit in TARGETS.items():
            if base and name in by_step:
                ratio = round(by_step[name]["seconds"] / base["seconds"], 2)
                out.append(_target(v, f"{name} wall / baseline wall", ratio, "x", f"<= {limit}x", ratio <= limit))
        finops = [s for s in steps if s["format"] == v and s["status"] == "ok" and s["step"] in FINOPS_STEPS]
        if finops:
            peak = max(s["peak_rss_mb"] for s in finops)
            judged = usage_rows >= RSS_TARGET_ROWS
            out.append(_target(v, "peak RSS, every finops step", peak, " MiB",
                               f"< {RSS_TARGET_MB} MiB at {RSS_TARGET_ROWS / 1e6:.0f}M rows",
                               peak < RSS_TARGET_MB if judged else None))
        peer = by_step.get(PEER)
        for name in ("import+build", SERVED):
            ours = by_step.get(name)
            if ours and peer:
                ratio = round(ours["seconds"] / peer["seconds"], 2)
                out.append(_target(v, f"{name} wall / {PEER}'s", ratio, "x", "< 1x", ratio < 1))
                ratio = round(ours["peak_rss_mb"] / max(peer["peak_rss_mb"], 1), 2)
                out.append(_target(v, f"{name} peak RSS / {PEER}'s", ratio, "x", f"<= {PEER_RSS_SHARE}x",
                                   ratio <= PEER_RSS_SHARE))
    return out


def _target(v: str, name: str, measured: float, unit: str, limit: str, met: bool | None) -> dict:
    return {"format": v, "target": name, "measured": measured, "unit": unit, "limit": limit, "met": met}


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
    header = f"{'format':<16} {'step':<25} {'rows':>11} {'wall s':>8} {'flow s':>7} {'start s':>7} " \
             f"{'rows/s':>10} {'peak RSS MiB':>12} {'DB MiB':>8} {'out rows':>11} {'Σ BilledCost':>13}  status"
    print(f"\n{run['usage_rows']:,} usage rows per period (generator {run['generator']})")
    print(f"{header}\n{'-' * len(header)}")
    for s in run["steps"]:
        if "seconds" not in s:
            print(f"{FORMATS[s['format']]:<16} {_name(s):<25} {s['status']}")
            continue
        print(f"{FORMATS[s['format']]:<16} {_name(s):<25} {s['rows']:>11,} {s['seconds']:>8.1f} "
              f"{_num(s['flow_seconds'], '.1f'):>7} {_num(s['startup_seconds'], '.1f'):>7} {s['rows_per_second']:>10,} "
              f"{s['peak_rss_mb']:>12,} {s['db_mb']:>8,.1f} {_num(s['output_rows'], ','):>11} "
              f"{_num(s['billed_cost'], ',.2f'):>13}  {s['status']}")
    print()
    for s in run["steps"]:
        if s.get("dbt_parse_seconds") is not None:
            print(f"{FORMATS[s['format']]:<16} {_name(s):<25} dbt start to first node "
                  f"{s['dbt_parse_seconds']:.1f} s: {s['dbt_partial_parse'] or 'partial parsing not reported'}")
    print()
    for v, by_pair in run["ratios"].items():
        for pair, r in by_pair.items():
            print(f"{FORMATS[v]:<16} {pair:<36} wall {r['seconds']:.2f}x, flow {_num(r['flow_seconds'], '.2f')}x, "
                  f"peak RSS {r['peak_rss']:.2f}x")
    print("\ntargets (issue 12):")
    for t in run["targets"]:
        met = {True: "met", False: "NOT met", None: "not judged at this size"}[t["met"]]
        measured = f"{t['measured']:,}{t['unit']}"
        print(f"{FORMATS[t['format']]:<16} {t['target']:<46} {measured:>10} (target {t['limit']}): {met}")


def _name(step: dict) -> str:
    return f"{step['step']} #{step['run']}" if "run" in step else step["step"]


def _num(value: float | int | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


if __name__ == "__main__":
    sys.exit(main())
