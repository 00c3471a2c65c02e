"""Run summaries (tasks.report): one markdown row per billing period and outcome."""

from __future__ import annotations

from decimal import Decimal

from openfinops.importing.planning import PeriodResult
from tasks.report import import_summary_markdown


def test_one_row_per_period():
    results = [
        PeriodResult("payer-cur2", "2026-09", "imported", "exec-1", files=2, bytes=10, rows=12345,
                     cost=Decimal("1234.5")),
        PeriodResult("payer-cur2", "2026-10", "failed", error="m.json: bad | worse"),
    ]

    assert import_summary_markdown(results).splitlines() == [
        "| export | billing period | outcome | manifest | files | rows | cost |",
        "|---|---|---|---|---:|---:|---:|",
        "| payer-cur2 | 2026-09 | imported | exec-1 | 2 | 12,345 | 1,234.50 |",
        "| payer-cur2 | 2026-10 | failed: m.json: bad \\| worse |  | 0 | 0 |  |",
    ]


def test_no_results_is_an_empty_table():
    assert len(import_summary_markdown([]).splitlines()) == 2
