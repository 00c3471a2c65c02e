"""The import tasks (tasks.imports): find manifests, plan, and load a period or say why not.

(Named test_import_tasks, not test_imports: tests/cli/test_imports.py has that module name.)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

import tasks.imports as imports
from openfinops.errors import ManifestError
from openfinops.importing.exports import BrokenManifest, DataFile, DeliveredFiles
from openfinops.importing.loading import LoadedPeriod
from openfinops.importing.planning import PeriodResult, PlannedImport
from openfinops.warehouse.state import ImportRecord

FILES = (DataFile("p/part-0.csv", "/x/part-0.csv", 100, None), DataFile("p/part-1.csv", "/x/part-1.csv", 50, None))


@dataclass(frozen=True)
class Delivery(DeliveredFiles):
    billing_period: str = "2026-09"
    manifest_id: str = "exec-2"
    path: str = "m.json"
    files: tuple = FILES
    written_at: float = 0.0


@dataclass(frozen=True)
class Export:
    name: str = "acme-costs"
    provider: str = "acme"

    def discover(self):
        return [Delivery(), BrokenManifest(self.name, "2026-10", "m.json", "m.json: not valid JSON")]


PREVIOUS = ImportRecord("acme", "acme-costs", "2026-09", "exec-1", "fp", 7, Decimal("1.5"), None, "import-1")


@pytest.fixture
def loads(monkeypatch):
    """load_period stubbed out: the loader has its own tests (tests/openfinops/importing/test_loading.py)."""
    calls = []

    def load_period(export, manifest, data_dir):
        calls.append((export.name, manifest.billing_period, data_dir))
        return LoadedPeriod("import-2", 3, Decimal("2.5"))

    monkeypatch.setattr(imports, "load_period", load_period)
    return calls


def test_find_manifests_asks_the_export():
    assert imports.find_manifests.fn(Export()) == Export().discover()


def test_plan_imports_plans_every_period(tmp_path):
    plan = imports.plan_imports.fn(Export(), Export().discover(), tmp_path / "finops.duckdb")

    assert [(p.manifest.billing_period, p.status) for p in plan] == [("2026-09", "new"), ("2026-10", "error")]
    assert imports.plan_imports.fn(Export(), Export().discover(), tmp_path / "finops.duckdb", "2026-10")[0].status \
        == "error"


@pytest.mark.parametrize("status, outcome", [("new", "imported"), ("changed", "replaced")])
def test_a_new_or_changed_period_is_loaded(loads, data_dir, status, outcome):
    result = imports.load_billing_period.fn(Export(), PlannedImport(Delivery(), status, PREVIOUS), data_dir)

    assert result == PeriodResult("acme-costs", "2026-09", outcome, "exec-2", files=2, bytes=150, rows=3,
                                  cost=Decimal("2.5"))
    assert loads == [("acme-costs", "2026-09", data_dir)]


def test_an_unchanged_period_is_skipped_with_what_was_loaded_before(loads, data_dir):
    result = imports.load_billing_period.fn(Export(), PlannedImport(Delivery(), "unchanged", PREVIOUS), data_dir)

    assert result == PeriodResult("acme-costs", "2026-09", "skipped", "exec-2", files=2, bytes=150, rows=7,
                                  cost=Decimal("1.5"))
    assert loads == []


def test_a_broken_manifest_fails_with_its_error(loads, data_dir):
    broken = BrokenManifest("acme-costs", "2026-10", "m.json", "m.json: not valid JSON")

    with pytest.raises(ManifestError, match="^m.json: not valid JSON$"):
        imports.load_billing_period.fn(Export(), PlannedImport(broken, "error"), data_dir)
    assert loads == []
