"""Decide per billing period what an import does: load it (new), replace it (changed) or skip it."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from openfinops.periods import resolve_period
from openfinops.warehouse import state

from .exports import BillingExport, BrokenManifest, Manifest


@dataclass(frozen=True)
class PlannedImport:
    manifest: Manifest | BrokenManifest
    status: str  # new, changed, unchanged, or "error" for a broken manifest
    previous: state.ImportRecord | None = None  # what the last import of this period loaded


@dataclass(frozen=True)
class PeriodResult:
    export: str
    billing_period: str
    status: str  # imported, replaced, skipped, failed
    manifest_id: str | None = None
    files: int = 0
    bytes: int = 0
    rows: int = 0
    cost: Decimal | None = None
    error: str | None = None

    @classmethod
    def skipped(cls, export: str, manifest: Manifest, previous: state.ImportRecord) -> PeriodResult:
        """A period whose manifest was imported already: what that import loaded."""
        return cls(export, manifest.billing_period, "skipped", manifest.manifest_id, len(manifest.files),
                   manifest.total_bytes, previous.rows_loaded, previous.cost_total)

    def as_dict(self) -> dict:
        return asdict(self)


def plan_periods(export: BillingExport, manifests: list[Manifest | BrokenManifest], database: Path,
                 period: str | None = None) -> list[PlannedImport]:
    """Per billing period (only `period`, if given: YYYY-MM, current or previous), compare the
    manifest with the stored import: new, changed (to replace) or unchanged (to skip)."""
    period = resolve_period(period)
    known = state.read_state(database, export.provider, export.name)
    plan = []
    for manifest in manifests:
        if period and manifest.billing_period != period:
            continue
        if isinstance(manifest, BrokenManifest):
            plan.append(PlannedImport(manifest, "error"))
        else:
            previous = known.get(manifest.billing_period)
            plan.append(PlannedImport(manifest, state.status(previous, manifest.fingerprint), previous))
    return plan


def delivery_age_hours(manifests: list[Manifest | BrokenManifest], now: float | None = None) -> float | None:
    """Hours since the export's newest delivery (None: it never delivered)."""
    newest = max((getattr(m, "written_at", 0.0) for m in manifests), default=0.0)
    return ((now or time.time()) - newest) / 3600 if newest else None
