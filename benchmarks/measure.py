"""Run a command; measure its wall time and the peak RSS of its whole process tree.

`finops` starts a temporary Prefect API server and dbt may start workers, so the RSS of the
top process alone would hide most of the memory. We read /proc rather than use psutil, which
is not a project dependency.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

POLL_SECONDS = 0.05
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_bytes: int  # max over samples of the summed RSS of the process and its descendants
    returncode: int
    output: str  # stdout and stderr, interleaved


def run(cmd: list[str], *, cwd: Path | None = None, timeout: float | None = None,
        env: dict[str, str] | None = None) -> Measurement:
    """Run `cmd` to completion while a thread samples the RSS of its process tree. After `timeout`
    seconds the whole tree is killed: a program that fails in its main process while its worker
    processes wait for work (focus-converter does) would otherwise never exit."""
    # Earlier steps' writes (gigabytes of database) are flushed first, not during this step.
    os.sync()
    with tempfile.TemporaryFile(mode="w+") as out:  # a file, not a pipe: a chatty child never blocks
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
        peak = [0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(proc.pid, peak, done), daemon=True)
        sampler.start()
        killed = ""
        try:
            returncode = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc.pid)
            returncode = proc.wait()
            killed = f"\nkilled after {timeout:.0f} s\n"
        seconds = time.perf_counter() - start  # timed here, so sampling never adds to the wall time
        done.set()
        sampler.join()
        out.seek(0)
        return Measurement(seconds, peak[0], returncode, out.read() + killed)


def _kill_tree(root: int) -> None:
    for pid in _tree(root):  # the tree of the process we started, and nothing else
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _sample(root: int, peak: list[int], done: threading.Event) -> None:
    while not done.is_set():
        peak[0] = max(peak[0], sum(_rss(pid) for pid in _tree(root)))
        done.wait(POLL_SECONDS)


def _tree(root: int) -> list[int]:
    """`root` and all its descendants, from the parent ids in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # the process exited while we were looking
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the command name may contain spaces and ')'
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
    except (OSError, IndexError):
        return 0
