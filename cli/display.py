"""Terminal output: a live progress line during imports, the end-of-run summary tables (stdout) and
one line per error (stderr)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from decimal import Decimal
from typing import Iterator

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from openfinops import progress

console = Console(stderr=True)


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} B"


@contextmanager
def import_progress() -> Iterator[None]:
    """Show files, bytes and rows moved so far while the block runs."""
    totals = {"files": 0, "bytes": 0, "rows": 0}

    def render() -> Text:
        return Text(f"importing: {totals['files']:,} files · {human_bytes(totals['bytes'])} · {totals['rows']:,} rows",
                    style="cyan")

    with Live(render(), console=console, refresh_per_second=4, transient=True) as live:
        def report(*, files: int = 0, bytes: int = 0, rows: int = 0) -> None:
            totals["files"] += files
            totals["bytes"] += bytes
            totals["rows"] += rows
            live.update(render())

        progress.install(report)
        try:
            yield
        finally:
            progress.install(None)


def print_import_summary(results: list[dict], provider: str) -> None:
    """One row per billing period of a `provider`'s import run, then the totals."""
    table = Table(title=f"Billing import ({provider})", title_justify="left")
    for column, justify in (("export", "left"), ("period", "left"), ("outcome", "left"), ("files", "right"),
                            ("size", "right"), ("rows", "right"), ("cost", "right")):
        table.add_column(column, justify=justify)
    for r in results:
        style = {"failed": "red", "skipped": "dim", "replaced": "yellow"}.get(r["status"], "green")
        table.add_row(r["export"], r["billing_period"], f"[{style}]{r['status']}[/]", str(r["files"]),
                      human_bytes(r["bytes"]), f"{r['rows']:,}", _money(r["cost"]))
    Console().print(table)
    counts = {s: sum(1 for r in results if r["status"] == s) for s in ("imported", "replaced", "skipped", "failed")}
    loaded = [r for r in results if r["status"] in ("imported", "replaced")]
    cost = sum((r["cost"] or Decimal(0) for r in loaded), Decimal(0))
    print(", ".join(f"{n} {s}" for s, n in counts.items()) + f"; {sum(r['rows'] for r in loaded):,} rows loaded, "
          f"cost {_money(cost)}")


def print_error(message: object) -> None:
    """The one line an error gets on the console: `finops: <message>` on stderr."""
    # A message of several lines ("... failed:", then one line per failed node) stays readable.
    text = ""
    for line in (line.strip() for line in str(message).splitlines() if line.strip()):
        text += (" " if not text or text.endswith(":") else "; ") + line
    text = text.strip()
    print(f"finops: {text}", file=sys.stderr)


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def print_focus_summary(data_dir: str | None) -> None:
    """Rows, BilledCost and EffectiveCost per provider and billing period of focus.cost_and_usage,
    if it was ever built."""
    from openfinops.config import load_config
    from openfinops.focus.summary import summarize
    from openfinops.report.render import REPORT_FILE

    config = load_config().with_overrides(data_dir)
    summary = summarize(config.database)
    if not summary:
        return
    table = Table(title="focus.cost_and_usage", title_justify="left")
    for column, justify in (("provider", "left"), ("export", "left"), ("period", "left"), ("rows", "right"),
                            ("BilledCost", "right"), ("EffectiveCost", "right")):
        table.add_column(column, justify=justify)
    for s in summary:
        table.add_row(s.provider, s.export, s.billing_period, f"{s.rows:,}", _money(s.billed_cost),
                      _money(s.effective_cost))
    Console().print(table)
    report = config.data_dir / REPORT_FILE
    if config.offline_report and report.exists():
        print(f"dashboards, offline: {report}")
