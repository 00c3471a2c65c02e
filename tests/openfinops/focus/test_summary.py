"""What the FOCUS table holds (openfinops.focus.summary): rows and costs per provider, export and period."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from openfinops.focus.summary import PeriodSummary, summarize


def test_rows_and_costs_per_provider_export_and_period(tmp_path):
    database = tmp_path / "finops.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("CREATE SCHEMA focus")
        con.execute("""CREATE TABLE focus.cost_and_usage AS SELECT * FROM (VALUES
            ('AWS', 'payer-cur2', '2026-09', 1.5::DECIMAL(38,12), 1.0::DECIMAL(38,12)),
            ('AWS', 'payer-cur2', '2026-09', 2.5, 2.0),
            ('AWS', 'payer-cur2', '2026-08', -1, -1),
            ('AWS', 'legacy-cur', '2026-09', 10, 9)
        ) AS t(ProviderName, x_SourceExport, x_BillingPeriod, BilledCost, EffectiveCost)""")

    assert summarize(database) == [
        PeriodSummary("AWS", "legacy-cur", "2026-09", 1, Decimal(10), Decimal(9)),
        PeriodSummary("AWS", "payer-cur2", "2026-08", 1, Decimal(-1), Decimal(-1)),
        PeriodSummary("AWS", "payer-cur2", "2026-09", 2, Decimal(4), Decimal(3)),
    ]


def test_nothing_before_the_first_build(tmp_path):
    database = tmp_path / "finops.duckdb"
    assert summarize(database) == []
    assert not database.exists()
    duckdb.connect(str(database)).close()
    assert summarize(database) == []
