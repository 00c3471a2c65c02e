"""What every raw table holds besides the provider's own columns, whatever the provider.

Lineage columns say where a raw row came from: its billing period, the manifest (or export run)
that delivered it, its file, and the import that wrote it (`finops_state.import_state.import_id`
names the period's current import). Money, rates and quantities are exact decimals of one type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # dlt takes ~0.5 s to import; the CLI imports this module before it starts a server
    from dlt.common.schema.typing import TColumnSchema

# Scale 12 keeps every digit the providers write (AWS rates go down to 1e-10) with room for 26
# integer digits.
DECIMAL_PRECISION = 38
DECIMAL_SCALE = 12
DECIMAL_SQL = f"DECIMAL({DECIMAL_PRECISION},{DECIMAL_SCALE})"

PERIOD_COLUMN = "billing_period"
MANIFEST_COLUMN = "manifest_id"
SOURCE_FILE_COLUMN = "source_file"
IMPORT_COLUMN = "import_id"
LINEAGE_COLUMNS = (PERIOD_COLUMN, MANIFEST_COLUMN, SOURCE_FILE_COLUMN, IMPORT_COLUMN)


def column_hint(kind: str) -> TColumnSchema:
    """dlt's hint for a raw column of dlt data type `kind`: nullable, decimals at our precision.

    Nullable: a file may lack any column, and dlt loads NULL into the ones a file lacks (it refuses
    to for a NOT NULL column).
    """
    if kind == "decimal":
        return {"data_type": "decimal", "precision": DECIMAL_PRECISION, "scale": DECIMAL_SCALE, "nullable": True}
    return {"data_type": kind, "nullable": True}


def lineage_hints() -> dict[str, TColumnSchema]:
    return {name: column_hint("text") for name in LINEAGE_COLUMNS}
