"""The offline report: the dashboard files rendered into one HTML file that needs no server.

Everything is inline — Plotly's JavaScript (shipped in the plotly package), the report's own
script and style, and the cards' results as JSON — so the file can be mailed, opened from disk,
and read on a phone, with no request to any network.
"""

from __future__ import annotations

import html
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from plotly.offline import get_plotlyjs

from openfinops.dashboards.definitions import Dashboard, load_dashboards
from openfinops.focus.publish import READ_DATABASE

from .results import TOP_VALUES, Results, card_results

ASSETS = Path(__file__).with_name("assets")
REPORT_FILE = Path("reports") / "dashboards.html"  # under the data folder, written after each FOCUS build
TITLE = "Open FinOps Stack"


def write_report(published: Path, out: Path, dashboards: list[Dashboard] | None = None,
                 top: int = TOP_VALUES) -> Results:
    """Render `dashboards` (default: the built-in ones) from the published read copy into `out`,
    replacing it in one rename so a reader never opens half a file."""
    read_database = published / READ_DATABASE
    if not read_database.exists():
        raise FileNotFoundError(f"{read_database}: no published FOCUS table yet (import or build first)")
    dashboards = load_dashboards() if dashboards is None else dashboards
    results = card_results(read_database, dashboards, top)
    page = render(dashboards, results, top, datetime.now(timezone.utc))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, out)
    return results


def render(dashboards: list[Dashboard], results: Results, top: int, generated: datetime) -> str:
    data = {
        "top": top,
        "dashboards": [_dashboard(d, results) for d in dashboards],
        "tables": results.tables,
    }
    subtitle = f"Data up to {results.as_of or 'no data yet'} · generated {generated:%Y-%m-%d %H:%M} UTC"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{TITLE} — dashboards</title>
<style>{(ASSETS / "report.css").read_text()}</style>
</head>
<body>
<header><h1>{TITLE}</h1><p>{html.escape(subtitle)}</p></header>
<nav></nav>
<main></main>
<script type="application/json" id="report-data">{_script_json(data)}</script>
<script>{get_plotlyjs()}</script>
<script>{(ASSETS / "report.js").read_text()}</script>
</body>
</html>
"""


def _dashboard(dashboard: Dashboard, results: Results) -> dict:
    choices = results.choices[dashboard.name]
    return {
        "name": dashboard.name,
        "title": dashboard.title,
        "description": dashboard.description,
        "filters": [{"name": f.name, "title": f.title, "choices": [c.label for c in choices[f.name]]}
                    for f in dashboard.filters],
        "cards": [{"id": c.id, "title": c.title, "description": c.description, "display": c.display,
                   "x": c.x, "y": list(c.y), "series": c.series,
                   "col": c.position.col, "row": c.position.row,
                   "width": c.position.size_x, "height": c.position.size_y,
                   "results": results.cards[(dashboard.name, c.id)]} for c in dashboard.cards],
    }


def _script_json(data: dict) -> str:
    # Inside <script>, "</" would end the element early; JSON allows the escaped form.
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
