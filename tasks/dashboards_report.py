"""The offline dashboards report, written after each FOCUS build and linked from the run."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_link_artifact
from prefect.cache_policies import NONE

from openfinops.report.render import REPORT_FILE, write_report


@task(name="write-dashboards-report", cache_policy=NONE)
def write_dashboards_report(data_dir: Path) -> Path:
    """Render the dashboards from the just-published read copy into one HTML file (see `finops report`)."""
    out = (data_dir / REPORT_FILE).resolve()
    results = write_report(data_dir / "published", out)
    create_link_artifact(key="dashboards-report", link=out.as_uri(), link_text=str(out),
                         description=f"Offline dashboards report (one HTML file), data up to {results.as_of}")
    return out
