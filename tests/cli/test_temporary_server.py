"""Prefect's temporary API server dies with the CLI, even when the CLI is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from openfinops.samples.aws_cur import write_cur_v2

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: state, parent id, ..."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except OSError:
                continue  # exited meanwhile
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _alive(pid: int) -> bool:
    try:
        return _stat(pid)[0] != "Z"  # a zombie has exited; it only waits for its parent to notice
    except OSError:
        return False


def _server_args(pid: int) -> list[str] | None:
    """The command line of process `pid` if it is a Prefect API server."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return None
    return args if "prefect.server.api.server:create_app" in args else None


def _server_port(cli: subprocess.Popen) -> int | None:
    for pid in _descendants(cli.pid):
        if args := _server_args(pid):
            return int(args[args.index("--port") + 1])
    return None


def _wait_for_server(cli: subprocess.Popen, timeout_s: float = 240) -> None:
    """Until the CLI's temporary server answers (its first start creates Prefect's database)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and cli.poll() is None:
        port = _server_port(cli)
        if port:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.2)
    pytest.fail(f"the CLI's temporary Prefect server did not come up (CLI exit code {cli.poll()})")


def test_killing_the_cli_leaves_no_process_behind(tmp_path):
    root = tmp_path / "exports"
    write_cur_v2(root, periods=("2026-09",), rows_per_period=50, files_per_period=1)
    # No server configured (ephemeral mode), and a Prefect home of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_EPHEMERAL_ENABLED="true")
    cli = subprocess.Popen([sys.executable, "-m", "cli", "--data-dir", str(tmp_path / "data"), "aws",
                            "import-cur", "--path", str(root), "--export-name", "demo-cur2"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started: list[int] = []
    try:
        _wait_for_server(cli)
        started = _descendants(cli.pid)

        cli.send_signal(signal.SIGKILL)
        cli.wait()

        deadline = time.monotonic() + 5
        while any(map(_alive, started)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in started if _alive(pid)] == []
    finally:
        cli.kill()
        for pid in filter(_alive, started):
            os.kill(pid, signal.SIGKILL)


def test_the_server_starts_without_registering_block_types_and_a_saved_block_still_loads(tmp_path):
    """Registering block types at start costs the import of every Prefect collection (dbt among them):
    the temporary server skips it, and a block saved through it registers its own type."""
    script = """
from cli.temporary_server import start_temporary_server
start_temporary_server(None)()
from prefect import get_client
from prefect.blocks.system import Secret
with get_client(sync_client=True) as client:
    print(len(client.read_block_types()))
Secret(value="not-a-real-key").save("probe")
print(Secret.load("probe").get())
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_EPHEMERAL_ENABLED="true",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180", PREFECT_SERVER_ANALYTICS_ENABLED="false")

    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])

    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["0", "not-a-real-key"]


def _servers_of(prefect_home: Path) -> list[int]:
    """Running Prefect API servers started with this Prefect home (a finished CLI has no descendants
    left to look among)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _server_args(int(entry.name)) and _alive(int(entry.name)):
            try:
                if f"PREFECT_HOME={prefect_home}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue  # exited meanwhile
    return found


def test_a_command_that_ends_exits_with_its_code_after_its_logs_reach_the_server_and_the_server_stops(tmp_path):
    """The CLI skips the interpreter's teardown (cli.exit_now), not what runs at exit: Prefect's log
    worker sends the flow run's last lines to the temporary server before that server stops."""
    root = tmp_path / "exports"
    write_cur_v2(root, periods=("2026-09",), rows_per_period=50, files_per_period=1)
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_EPHEMERAL_ENABLED="true")
    command = [sys.executable, "-m", "cli", "--data-dir", str(tmp_path / "data"), "aws", "import-cur", "--path",
               str(root), "--export-name", "demo-cur2", "--no-build"]

    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    assert run.returncode == 0, run.stderr[-3000:]
    assert "1 imported, 0 replaced, 0 skipped, 0 failed" in run.stdout
    assert _servers_of(home) == []
    with sqlite3.connect(home / "prefect.db") as db:
        (flow_run_id,) = db.execute("SELECT id FROM flow_run").fetchone()
        last_lines = db.execute("SELECT message FROM log WHERE flow_run_id = ? AND task_run_id IS NULL "
                                "AND message LIKE 'Finished in state %'", (flow_run_id,)).fetchall()
    assert last_lines == [("Finished in state Completed()",)]
    assert "Finished in state Completed()" in (tmp_path / "data" / "logs" / "finops.log").read_text()

    failed = subprocess.run([*command[:3], "--config", str(tmp_path / "missing.toml"), *command[3:]], env=env,
                            capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2
    assert "missing.toml" in failed.stderr
