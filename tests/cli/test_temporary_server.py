"""Prefect's temporary API server dies with the CLI, even when the CLI is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
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


def _server_port(cli: subprocess.Popen) -> int | None:
    for pid in _descendants(cli.pid):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if "prefect.server.api.server:create_app" in args:
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
