"""`finops server up` / `finops server down`: a local Prefect server and worker for the deployments."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from openfinops.config import load_config

REPO = Path(os.environ.get("OPEN_FINOPS_HOME", Path(__file__).resolve().parents[1]))  # holds prefect.yaml


def register(nouns: argparse._SubParsersAction) -> None:
    server = nouns.add_parser("server", help="local Prefect server and worker running the deployments")
    verbs = server.add_subparsers(dest="verb", required=True, metavar="COMMAND")
    up = verbs.add_parser("up", help="start the Prefect server (UI) and a worker; register deployments")
    up.add_argument("--port", type=int, default=4200, help="UI/API port on 127.0.0.1 (default 4200)")
    up.set_defaults(run=server_up)
    down = verbs.add_parser("down", help="stop the worker and the server started by `server up`")
    down.set_defaults(run=server_down)


def _run_dir(args: argparse.Namespace) -> Path:
    path = (load_config().with_overrides(args.data_dir).data_dir / "server").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _start(name: str, argv: list[str], run_dir: Path, env: dict) -> None:
    log = open(run_dir / f"{name}.log", "ab")
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    (run_dir / f"{name}.pid").write_text(str(proc.pid))


def api_healthy(api_url: str) -> bool:
    """Whether a Prefect API answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def server_up(args: argparse.Namespace) -> int:
    from deployments.setup import WORK_POOL, register

    from .demo import write_samples

    config = load_config().with_overrides(args.data_dir)
    if not config.provider("aws").exports and not config.samples.is_dir():
        write_samples(config)  # nothing configured yet: the deployments import the sample exports
    run_dir = _run_dir(args)
    api_url = f"http://127.0.0.1:{args.port}/api"
    config_file = Path(os.environ.get("OPEN_FINOPS_CONFIG", "config.toml")).resolve()
    if not config_file.exists():
        # No config file (the defaults apply): the worker gets an empty one, as it must name one that exists.
        config_file = Path(os.devnull)
    env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_UI_URL": api_url.removesuffix("/api"),
           "OPEN_FINOPS_HOME": str(REPO),
           "OPEN_FINOPS_CONFIG": str(config_file), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    if args.data_dir:
        env["OPEN_FINOPS_PROJECT_DATA_DIR"] = str(Path(args.data_dir).resolve())
    prefect = [sys.executable, "-m", "prefect"]

    if not api_healthy(api_url):
        server_env = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
        _start("prefect-server", [*prefect, "server", "start", "--host", "127.0.0.1", "--port", str(args.port)],
               run_dir, server_env)
        deadline = time.monotonic() + 180
        while not api_healthy(api_url):
            if time.monotonic() > deadline:
                print(f"finops: the Prefect server did not come up; see {run_dir / 'prefect-server.log'}")
                return 1
            time.sleep(1)
    os.environ.update(env)
    register()
    if not _alive(run_dir / "worker.pid"):
        _start("worker", [*prefect, "worker", "start", "--pool", WORK_POOL, "--type", "process"], run_dir, env)
    # Point this machine's Prefect profile at the server, so `prefect deployment run ...` (and
    # finops commands) use it instead of a temporary one.
    subprocess.run([*prefect, "config", "set", f"PREFECT_API_URL={api_url}"], check=True, capture_output=True)
    print(f"Prefect UI: http://127.0.0.1:{args.port}  (logs in {run_dir})")
    deployments = deployment_names()
    print(f"Deployments: {', '.join(deployments)} on work pool {WORK_POOL}; "
          f"try `.venv/bin/prefect deployment run {deployments[0]}`")
    return 0


def deployment_names(repo: Path = REPO) -> list[str]:
    """`<flow name>/<deployment name>` of every deployment in prefect.yaml, in its order."""
    import yaml
    from prefect.flows import load_flow_from_entrypoint

    deployments = yaml.safe_load((repo / "prefect.yaml").read_text())["deployments"]
    flows = {d["entrypoint"]: load_flow_from_entrypoint(str(repo / d["entrypoint"])).name for d in deployments}
    return [f"{flows[d['entrypoint']]}/{d['name']}" for d in deployments]


def _alive(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text()), 0)
        return True
    except (OSError, ValueError):
        return False


def server_down(args: argparse.Namespace) -> int:
    run_dir = _run_dir(args)
    for name in ("worker", "prefect-server"):
        pid_file = run_dir / f"{name}.pid"
        if _alive(pid_file):
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
            print(f"stopped {name}")
        pid_file.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "prefect", "config", "unset", "PREFECT_API_URL", "-y"],
                   capture_output=True)
    return 0
