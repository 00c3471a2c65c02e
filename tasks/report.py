"""Run summaries: a markdown table of periods imported, replaced, skipped or failed."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE


def import_summary_markdown(results: list) -> str:
    lines = [
        "| export | billing period | outcome | manifest | files | rows | cost |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for r in results:
        cost = "" if r.cost is None else f"{r.cost:,.2f}"
        outcome = r.status if not r.error else f"{r.status}: {r.error}".replace("|", "\\|")
        lines.append(f"| {r.export} | {r.billing_period} | {outcome} | {r.manifest_id or ''} | {r.files} | "
                     f"{r.rows:,} | {cost} |")
    return "\n".join(lines)


@task(name="publish-import-summary", cache_policy=NONE)
def publish_import_summary(results: list) -> None:
    """Attach the run's per-period outcome table to the flow run in the Prefect UI."""
    create_markdown_artifact(key="import-summary", markdown=import_summary_markdown(results),
                             description="Billing periods imported, replaced, skipped or failed")
