"""The demo's FOCUS data, imported once for every test that reads what dashboards read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.aws_cur import aws_cur
from openfinops.samples.aws_cur import write_cur_v1, write_cur_v2

DEMO_PERIODS = ("2026-08", "2026-09", "2026-10")
BROKEN_EXPORT = "demo-broken"


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory) -> Path:
    """The demo's two AWS exports (three months) imported and built by the `aws-cur` flow, and a third
    export whose one file is damaged: the flow's data folder, with the published read-only copy (the
    failed import included) and the dashboards report the flow wrote."""
    root = tmp_path_factory.mktemp("demo-dashboards")
    config = root / "empty-config.toml"
    config.touch()
    with pytest.MonkeyPatch.context() as mp:
        for key in [k for k in os.environ if k.startswith("OPEN_FINOPS_")]:
            mp.delenv(key)
        mp.setenv("OPEN_FINOPS_CONFIG", str(config))
        mp.setenv("OPEN_FINOPS_PROJECT_OFFLINE_REPORT", "true")
        write_cur_v1(root / "cur", periods=DEMO_PERIODS, rows_per_period=400)
        write_cur_v2(root / "cur2", periods=DEMO_PERIODS, rows_per_period=400)
        write_cur_v1(root / "broken", report=BROKEN_EXPORT, periods=DEMO_PERIODS[-1:], rows_per_period=50,
                     files_per_period=1)
        [damaged] = (root / "broken").rglob("*.csv.gz")
        damaged.write_bytes(damaged.read_bytes()[:200])  # a truncated gzip
        sources = [{"name": "demo-cur-v1", "cur_version": "v1", "path": str(root / "cur")},
                   {"name": "demo-cur2", "cur_version": "v2", "path": str(root / "cur2")},
                   {"name": BROKEN_EXPORT, "cur_version": "v1", "path": str(root / "broken")}]
        state = aws_cur(sources=sources, data_dir=str(root / "data"), return_state=True)
    assert state.is_failed() and BROKEN_EXPORT in state.message, state.message
    assert state.message.count("failed") == 1, state.message  # only the damaged export
    return root / "data"


@pytest.fixture(scope="session")
def demo_periods() -> tuple[str, ...]:
    return DEMO_PERIODS
