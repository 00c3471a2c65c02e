"""Prefect's temporary API server, started so that it cannot outlive the CLI.

With no server configured (PREFECT_API_URL unset), Prefect 3 runs flows against a temporary API:
a uvicorn subprocess (~300 MB) that SubprocessASGIServer starts on first use and stops at exit.
Nothing stops it when the CLI is killed (kill -9, the OOM killer): it runs on, orphaned. So the
CLI starts that same server itself, first, with Linux's parent-death signal set in the child;
Prefect's client then finds it running. It starts before the flows are imported, so that the two
overlap.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable

import prefect
from prefect.settings import get_current_settings

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def start_temporary_server(output: Path | None) -> Callable[[], None]:
    """Start Prefect's temporary API server, bound to die with this process, unless Prefect will not
    use one (a real server is configured, ephemeral mode is off) or this is not Linux. Returns the
    function to call before the first flow runs: it waits until the server answers.

    The server boots (~10 s on 2 cores) while the caller imports its flows and dbt. `output`
    receives the server's own output (None: this process's stderr). Prefect's start applies:
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, another port if the first is taken, stop at exit.
    Call both from the main thread (see `_die_with`).
    """
    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled or sys.platform != "linux":
        return lambda: None
    port = free_port()
    spawned = [_run_uvicorn(port, output)]

    def wait_until_ready() -> None:
        # Imported only now: it takes seconds, during which the server boots.
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()  # the one Prefect's client starts, or finds running
        if server.running:
            spawned.pop().kill()
            return
        server.port = port
        # Prefect's own start waits for the health check; it runs the command again on another port
        # if this one was taken meanwhile.
        server._run_uvicorn_command = lambda: spawned.pop() if spawned else _run_uvicorn(server.port, output)
        server.start()

    return wait_until_ready


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_uvicorn(port: int, output: Path | None) -> subprocess.Popen:
    """Prefect 3.9's command and environment (SubprocessASGIServer._run_uvicorn_command), in a child
    that dies with this process and writes to `output`."""
    server_env = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
                  # No block types registered at start: to check whether they changed, Prefect imports
                  # every installed collection (prefect-aws, -gcp, -dbt: dbt itself), ~5 s of a ~13 s
                  # start on 2 cores. A block saved through this server registers its own type.
                  "PREFECT_API_BLOCKS_REGISTER_ON_START": "false", "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false"}
    log = open(output, "ab") if output else None
    try:
        return subprocess.Popen(
            args=[sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
                  "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                  "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            env={**os.environ, **server_env, **get_current_settings().to_environment_variables(exclude_unset=True)},
            stdout=log, stderr=log, preexec_fn=_die_with(os.getpid()),
        )
    finally:
        if log:
            log.close()


def _die_with(parent: int) -> Callable[[], None]:
    """A preexec_fn: the child gets SIGKILL when `parent` dies, however it dies (SIGKILL because
    nothing must keep it alive; its SQLite database survives a kill).

    The signal follows the thread that started the child, not the process: the server is started
    from the main thread, which lives as long as the CLI.
    """
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child only calls it

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return preexec
