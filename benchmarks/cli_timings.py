"""Time the commands that should answer at once (issue 11): `python -m benchmarks.cli_timings`.

On the demo data (`finops demo` into a temp folder), each command runs `--runs` times (default 3) as
its own process, with no Prefect server configured: PREFECT_API_URL unset and PREFECT_HOME in the
temp folder, so neither the developer's profile nor their server is used. With `--with-server` the
import with nothing new is timed once more against a `prefect server start` launched for the run.
The medians are printed against the targets and written to
benchmarks/results/<UTC date>-<git short sha>-cli.json. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from cli.server import api_healthy

from . import measure
from .run import RESULTS, git_sha, machine

FINOPS = Path(sys.executable).parent / "finops"  # the console script installed next to this interpreter
# From issue 11: seconds of wall time, process start to exit.
TARGETS = {"help": 1.0, "list-manifests": 3.0, "import-nothing-new": 5.0, "import-nothing-new-server": 5.0}
FLOW_STARTED = "Beginning flow run"  # Prefect's log line, in <data-dir>/logs/finops.log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per command; the median is reported (default 3)")
    parser.add_argument("--finops", default=str(FINOPS),
                        help="the command that runs the CLI, e.g. \"python -m cli\" (default: %(default)s)")
    parser.add_argument("--with-server", action="store_true",
                        help="also time the import with nothing new against a Prefect server started for it")
    parser.add_argument("--label", help="added to the results file name, e.g. `before`")
    parser.add_argument("--work-dir", type=Path, help="where the temp folder goes (default: the system's)")
    args = parser.parse_args(argv)

    finops = shlex.split(args.finops)
    work = Path(tempfile.mkdtemp(prefix="finops-cli-timings-", dir=args.work_dir))
    try:
        steps = measure_commands(finops, work, args.runs, args.with_server)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(steps)
    path = save({"finops": args.finops, "label": args.label, "runs_per_command": args.runs, "targets_s": TARGETS,
                 "steps": steps}, args.label)
    print(f"\nwrote {path.relative_to(RESULTS.parent.parent)}")
    return 0 if all(s["status"] == "ok" for s in steps) else 1


def measure_commands(finops: list[str], work: Path, runs: int, with_server: bool) -> list[dict]:
    data = work / "data"
    env = _environment(work)
    print(f"demo data in {data} ...", flush=True)
    demo = _repeat([*finops, "--data-dir", str(data), "demo"], 1, work, env, data)
    steps = [_step("demo", "finops demo (setup: writes and imports the samples)", demo)]
    if steps[0]["status"] != "ok":
        return steps
    commands = {
        "help": ("finops --help", ["--help"]),
        "list-manifests": ("finops aws list-manifests", ["--data-dir", str(data), "aws", "list-manifests"]),
        "focus-export": ("finops focus export --out ...",
                         ["--data-dir", str(data), "focus", "export", "--out", str(work / "focus.parquet")]),
        "import-nothing-new": ("finops aws import-cur (nothing new, no server)",
                               ["--data-dir", str(data), "aws", "import-cur"]),
    }
    for name, (title, argv) in commands.items():
        steps.append(_step(name, title, _repeat([*finops, *argv], runs, work, env, data)))
    if with_server:
        with prefect_server(work, env) as api_url:
            server_env = {**env, "PREFECT_API_URL": api_url}
            argv = [*finops, *commands["import-nothing-new"][1]]
            steps.append(_step("import-nothing-new-server", "finops aws import-cur (nothing new, Prefect server)",
                               _repeat(argv, runs, work, server_env, data)))
    return steps


def _environment(work: Path) -> dict[str, str]:
    """No Prefect server, profile or finops config of the developer's: all of them in `work`."""
    config = work / "config.toml"
    config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OPEN_FINOPS_"))}
    return {**env, "PREFECT_HOME": str(work / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "OPEN_FINOPS_CONFIG": str(config)}


def _repeat(cmd: list[str], runs: int, cwd: Path, env: dict, data: Path) -> list[tuple[measure.Measurement, bool]]:
    """Each run's measurement, and whether it ran a Prefect flow (a line in the data folder's log)."""
    log = data / "logs" / "finops.log"
    done = []
    for _ in range(runs):
        before = _flow_runs(log)
        m = _run(cmd, cwd, env)
        done.append((m, _flow_runs(log) > before))
    return done


def _run(cmd: list[str], cwd: Path, env: dict) -> measure.Measurement:
    """measure.run with `env` as the child's whole environment (it inherits this process's)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        return measure.run(cmd, cwd=cwd)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _flow_runs(log: Path) -> int:
    return log.read_text(errors="replace").count(FLOW_STARTED) if log.exists() else 0


def _step(name: str, title: str, runs: list[tuple[measure.Measurement, bool]]) -> dict:
    measurements = [m for m, _ in runs]
    failed = [m for m in measurements if m.returncode != 0]
    seconds = [round(m.seconds, 2) for m in measurements]
    step = {
        "step": name,
        "command": title,
        "status": "ok" if not failed else f"failed: exit {failed[0].returncode}: {_last_line(failed[0].output)}",
        "median_s": round(statistics.median(seconds), 2),
        "runs_s": seconds,
        "peak_rss_mb": round(max(m.peak_rss_bytes for m in measurements) / 2**20),
        "ran_flow": any(flow for _, flow in runs),
        "target_s": TARGETS.get(name),
    }
    if name.startswith("import") and not failed:
        last = measurements[-1].output
        step["nothing_imported"] = "0 imported, 0 replaced" in last and " 0 failed" in last
    met = "" if step["target_s"] is None else ("met" if step["median_s"] < step["target_s"] else "MISSED")
    print(f"  {name:<26} {step['median_s']:>6.2f} s  {met:<6}  {step['status']}", flush=True)
    return step


def _last_line(output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"


class prefect_server:
    """`prefect server start` on a free port with its home in `work`, stopped on exit; yields its API URL."""

    def __init__(self, work: Path, env: dict) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.env = {**env, "PREFECT_HOME": str(work / "prefect-server-home")}  # its database, not the CLI's
        self.log = work / "prefect-server.log"

    def __enter__(self) -> str:
        api_url = f"http://127.0.0.1:{self.port}/api"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                          "--port", str(self.port)], env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 240
        while not api_healthy(api_url):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.__exit__()
                raise RuntimeError(f"the Prefect server did not come up; see {self.log}")
            time.sleep(1)
        return api_url

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def print_table(steps: list[dict]) -> None:
    header = f"{'command':<56} {'median s':>8} {'runs s':<20} {'peak RSS MiB':>12} {'flow':>5} {'target s':>8}"
    print(f"\n{header}\n{'-' * len(header)}")
    for s in steps:
        runs = ", ".join(f"{x:.2f}" for x in s["runs_s"])
        flow = "yes" if s["ran_flow"] else "no"
        target = "" if s["target_s"] is None else f"< {s['target_s']:g}"
        status = "" if s["status"] == "ok" else f"  {s['status']}"
        print(f"{s['command']:<56} {s['median_s']:>8.2f} {runs:<20} {s['peak_rss_mb']:>12,} {flow:>5} {target:>8}"
              f"{status}")


def save(report: dict, label: str | None) -> Path:
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    sha = git_sha()
    path = RESULTS / f"{date}-{sha}-cli{'-' + label if label else ''}.json"
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps({"date": date, "git_sha": sha, "measured_at": datetime.now(timezone.utc).isoformat(
        timespec="seconds"), "machine": machine(), **report}, indent=2) + "\n")
    return path


if __name__ == "__main__":
    sys.exit(main())
