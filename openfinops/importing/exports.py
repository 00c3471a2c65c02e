"""What the import machine needs from a provider's billing export, whatever the provider.

A provider delivers each billing period as a *manifest*: an id that changes whenever the provider
restates the period (AWS assemblyId/executionId, an Azure export run id, ...) and the data files
it consists of. The machine plans per period from these (new, changed or unchanged), loads a
period's files through the export's dlt source, and records the import (see `loading`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:
    import dlt


@dataclass(frozen=True)
class DataFile:
    key: str  # as the provider names it (its manifest, its listing)
    path: str  # resolved on the export's filesystem
    size: int
    etag: str | None


class DeliveredFiles:
    """`total_bytes` and `fingerprint` of a manifest, from its `manifest_id` and `files` (a base of
    the providers' manifest dataclasses)."""

    manifest_id: str
    files: Sequence[DataFile]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.manifest_id, self.files)


class Manifest(Protocol):
    """One billing period's current delivery."""

    billing_period: str  # YYYY-MM
    manifest_id: str  # the delivery's version: a restatement has a new one
    path: str
    files: Sequence[DataFile]
    written_at: float  # when the provider wrote it (epoch seconds), for freshness checks
    # Optional (read with getattr): data file key -> the rows the provider says it holds. The load
    # fails, before the import is recorded, when the rows loaded from a file differ.
    # expected_rows: Mapping[str, int] | None

    @property
    def total_bytes(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...


@dataclass(frozen=True)
class BrokenManifest:
    """A billing period whose manifest cannot be used; other periods still import."""

    export: str
    billing_period: str
    path: str
    error: str


class BillingExport(Protocol):
    """A configured billing export of one provider."""

    provider: str  # the provider's key in finops_state.import_state (`aws`)
    dataset: str  # the schema of its raw tables
    name: str
    location: str  # for messages; never includes credentials

    @property
    def table_name(self) -> str: ...

    @property
    def source_format(self) -> str: ...  # recorded in import_state; staging models select on it

    @property
    def cost_column(self) -> str: ...  # the raw column whose sum is the period's invoice total
    # Optional (read with getattr): SQL over the raw columns whose sum is the invoice total, where
    # no one column is (GCP: cost plus the row's credits).
    # cost_sql: str

    def discover(self) -> list[Manifest | BrokenManifest]: ...

    def dlt_source(self, manifest: Manifest, import_id: str, scratch: Path) -> dlt.sources.DltSource: ...


def fingerprint(manifest_id: str, files: Sequence[DataFile]) -> str:
    """Changes whenever the provider delivers anything different for the period."""
    parts = [manifest_id] + sorted(f"{f.key}|{f.size}|{f.etag or ''}" for f in files)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
