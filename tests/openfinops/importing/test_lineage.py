"""What every raw table holds besides the provider's columns (openfinops.importing.lineage)."""

from __future__ import annotations

from openfinops.importing.lineage import DECIMAL_SQL, LINEAGE_COLUMNS, column_hint, lineage_hints


def test_decimals_keep_every_digit_providers_write():
    assert column_hint("decimal") == {"data_type": "decimal", "precision": 38, "scale": 12, "nullable": True}
    assert DECIMAL_SQL == "DECIMAL(38,12)"


def test_other_hints_are_nullable_columns_of_their_type():
    assert column_hint("timestamp") == {"data_type": "timestamp", "nullable": True}


def test_lineage_columns_are_text():
    assert LINEAGE_COLUMNS == ("billing_period", "manifest_id", "source_file", "import_id")
    assert lineage_hints() == {name: {"data_type": "text", "nullable": True} for name in LINEAGE_COLUMNS}
