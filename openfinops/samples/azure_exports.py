"""Deterministic generator of realistic Azure Cost Management exports (actual and amortized cost).

Files are laid out as Azure writes them to a storage container, with ``root`` standing in for
``<container>/<rootFolderPath>``:

* Exports v2 (manifest): ``<root>/<export>/<YYYYMMDD-YYYYMMDD>/<yyyyMMddHHmm>/<runId>/manifest.json``
  next to ``part_0_0001.csv`` (or ``.csv.gz`` / ``.snappy.parquet``). A later run of the same month
  (Azure restates a month until the 5th of the next) is a new timestamp folder with a new run id.
* Legacy exports: ``<root>/<export>/<YYYYMMDD-YYYYMMDD>/<export>_<guid>.csv``, no manifest; each run
  adds a file (its mtime is the run time).

Columns are those of an EA (PascalCase, the header order of Microsoft's EA sample) or an MCA
(camelCase) cost details file, dates ``MM/DD/YYYY``, numbers the way Azure writes them
(``5.64902E-05``), EA tags without their outer braces (``"env": "prod","team": "web"``).

The actual and amortized exports of one seed describe the same usage and reconcile as Azure's do:
on-demand, Spot and free usage and Marketplace purchases are identical in both; usage a reservation
or savings plan covers costs 0 in actual and its amortized rate in amortized (PricingModel
Reservation / SavingsPlan, benefitId/benefitName); UnusedReservation / UnusedSavingsPlan rows are
only in amortized; commitment purchases (ChargeType Purchase, OneTime or Recurring) and a
reservation's Refund only in actual. So for every month

    Σ actual − commitment purchases (net of refunds) = Σ amortized − commitment amortization

which `period_totals` exposes (exact decimals). Generation is vectorised with pyarrow in chunks of
``CHUNK_ROWS`` rows; only the few commitment rows of a month are built one by one.
"""

from __future__ import annotations

import argparse
import calendar
import functools
import gzip
import hashlib
import json
import os
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CHUNK_ROWS = 100_000
GZIP_LEVEL = 1
NANO = 10 ** 9  # amounts are int64 counts of 1e-9 (exact sums; Azure writes ≤ 9 decimals)

ACTUAL, AMORTIZED = "actual", "amortized"
KINDS = (ACTUAL, AMORTIZED)
EXPORT_TYPES = {ACTUAL: "ActualCost", AMORTIZED: "AmortizedCost"}
FORMATS = {"csv": ("Csv", "None", ".csv"), "csv.gz": ("Csv", "Gzip", ".csv.gz"),
           "parquet": ("Parquet", "Snappy", ".snappy.parquet")}
FLAVOURS = ("ea", "mca")
DATA_VERSION = "2023-12-01-preview"
API_VERSION = "2023-07-01-preview"

# --------------------------------------------------------------------------- the demo organisation
EA_ENROLLMENT = ("8611537", "Contoso Demo Ltd")
MCA_ACCOUNT = ("5e98e158-xxxx-xxxx-xxxx-d8d9f8a0b1c2:1a2b3c4d-5e6f-7a8b-9c0d-e1f2a3b4c5d6_2019-05-31",
               "Contoso Demo Ltd")
MCA_PROFILE = ("KXHM-ABCD-BG7-PGB", "Contoso Demo Billing")
CURRENCY = "USD"
OFFER_ID = "MS-AZR-0017P"
# (subscription id, name, EA account name, account owner, department / invoice section, cost center, team, env)
SUBSCRIPTIONS = [
    ("3f2b8c1e-6a4d-4e5f-9b7a-1c2d3e4f5a6b", "demo-prod", "Platform", "platform@contoso.example", "Engineering",
     "CC-1001", "web", "prod"),
    ("0a9d7e6c-5b4a-4c3d-8e2f-7a6b5c4d3e2f", "demo-data", "Data", "data@contoso.example", "Engineering", "CC-2001",
     "data", "prod"),
    ("b7c6d5e4-f3a2-4b1c-9d8e-0f1a2b3c4d5e", "demo-dev", "Platform", "platform@contoso.example", "Engineering",
     "CC-1001", "web", "dev"),
    ("e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "demo-shared", "IT", "it@contoso.example", "Shared Services", "",
     "platform", "prod"),
]
TEAMS = ["web", "data", "platform", "ml"]
# (ResourceLocation as EA writes it, MeterRegion, MCA location); all spellings of the toolkit's Regions.csv
REGIONS = [("westeurope", "EU West", "EU West"), ("EastUS", "US East", "US East"),
           ("eastus2", "US East 2", "US East 2"), ("northeurope", "EU North", "EU North"),
           ("uksouth", "UK South", "UK South")]

# Commitments. A 1-year reservation of four D4s v5 VMs in West Europe paid monthly, a 1-year compute
# savings plan billed monthly, and (in months whose number is a multiple of 3) a reservation bought
# upfront on the 2nd and returned on the 5th (Azure refunds the days not yet used).
RI_INSTANCES = 4
RI_HOURLY = Decimal("0.135400000")      # amortized rate per reserved hour (PAYG 0.23)
SP_HOURLY = Decimal("1.500000000")      # savings plan commitment per hour
SP_RATE = Decimal("0.201600000")        # E4s v5 savings plan rate (PAYG 0.252)
SP_VMS = 6
RETURNED_HOURLY = Decimal("0.287000000")  # E8s v5 reserved hour of the returned reservation
MARKETPLACE_MONTHLY = Decimal("250.00")
MARKETPLACE = ("Example Analytics, Inc.", "Example Analytics Platform", "pro")


@dataclass(frozen=True)
class Template:
    """A kind of usage: the meter and what the resources that use it look like."""

    key: str
    category: str
    subcategory: str
    meter: str
    unit: str                 # UnitOfMeasure (a value of the toolkit's PricingUnits.csv)
    price: str                # PAYG price per unit of measure
    qty: tuple[float, float]  # quantity per daily row, in units of measure
    service: str              # ConsumedService
    resource_type: str        # ARM type of the ResourceId (Services.csv)
    name: str                 # resource name pattern
    family: str               # ServiceFamily
    weight: float
    model: str = "OnDemand"
    free: str = ""            # "included": free grant (PayGPrice kept), "free": no charge at all
    whole: bool = False       # whole hours
    regions: tuple[int, ...] = (0, 1, 2, 3, 4)
    vm: str = ""              # VM size (AdditionalInfo ServiceType)
    info2: str = ""           # ServiceInfo2
    no_rg: float = 0.0        # share of resources whose rows have no ResourceGroup
    zonal: bool = False


TEMPLATES = [
    Template("vm_d2s", "Virtual Machines", "Dsv5 Series", "D2s v5", "1 Hour", "0.115", (1, 24),
             "Microsoft.Compute", "Microsoft.Compute/virtualMachines", "vm-{team}-{n:02d}", "Compute", 14,
             whole=True, vm="Standard_D2s_v5", info2="Canonical", zonal=True),
    Template("vm_spot", "Virtual Machines", "Dv3 Series", "D4 v3 Spot", "1 Hour", "0.0394", (1, 24),
             "Microsoft.Compute", "Microsoft.Compute/virtualMachines", "vm-batch-{n:02d}", "Compute", 6,
             model="Spot", whole=True, vm="Standard_D4_v3", info2="Canonical", regions=(1, 2)),
    Template("vmss_b", "Virtual Machines", "BS Series", "B2ms", "10 Hours", "0.832", (0.1, 2.4),
             "Microsoft.Compute", "Microsoft.Compute/virtualMachineScaleSets", "aks-nodepool-{n:04d}-vmss",
             "Compute", 6, vm="Standard_B2ms"),
    Template("disk_p10", "Storage", "Premium SSD Managed Disks", "P10 LRS Disk", "1/Month", "19.71",
             (0.032258, 0.033334), "Microsoft.Compute", "Microsoft.Compute/disks", "disk-{team}-{n:02d}",
             "Storage", 8),
    Template("blob_hot", "Storage", "General Block Blob v2", "Hot LRS Data Stored", "1 GB/Month", "0.0184",
             (0.01, 60), "Microsoft.Storage", "Microsoft.Storage/storageAccounts", "st{team}{n:04d}", "Storage", 8),
    Template("queue_ops", "Storage", "Queues v2", "Class 2 Operations", "10K", "0.004", (0.0001, 0.5),
             "Microsoft.Storage", "Microsoft.Storage/storageAccounts", "st{team}{n:04d}", "Storage", 4),
    Template("bandwidth_out", "Bandwidth", "Rtn Preference: MGN", "Standard Data Transfer Out", "1 GB", "0.087",
             (0.00001, 12), "Microsoft.Network", "Microsoft.Network/publicIPAddresses", "pip-{team}-{n:02d}",
             "Networking", 5, no_rg=0.3),
    Template("bandwidth_in", "Bandwidth", "Rtn Preference: MGN", "Standard Data Transfer In", "1 GB", "0", (0.001, 30),
             "Microsoft.Network", "Microsoft.Network/publicIPAddresses", "pip-{team}-{n:02d}", "Networking", 3,
             free="free", no_rg=0.3),
    Template("public_ip", "Virtual Network", "IP Addresses", "Standard IPv4 Static Public IP", "1 Hour", "0.005",
             (24, 24), "Microsoft.Network", "Microsoft.Network/publicIPAddresses", "pip-{team}-{n:02d}",
             "Networking", 4, whole=True),
    Template("lb_rules", "Load Balancer", "Standard", "Standard Included LB Rules and Outbound Rules", "100 Hours",
             "2.5", (0.24, 0.24), "Microsoft.Network", "Microsoft.Network/loadBalancers", "lb-{team}-{n:02d}",
             "Networking", 3),
    Template("sql_vcore", "SQL Database", "General Purpose - Compute Gen5", "vCore", "1 Hour", "0.2525", (2, 48),
             "Microsoft.Sql", "Microsoft.Sql/servers/databases", "sql-{team}-{n:02d}/db-{team}", "Databases", 5,
             whole=True),
    Template("postgres", "Azure Database for PostgreSQL", "Flexible Server General Purpose Dsv4 Series Compute",
             "vCore", "1 Hour", "0.0857", (2, 48), "Microsoft.DBforPostgreSQL",
             "Microsoft.DBforPostgreSQL/flexibleServers", "psql-{team}-{n:02d}", "Databases", 4, whole=True),
    Template("app_service", "Azure App Service", "Premium v3 Plan", "P1 v3 App", "1 Hour", "0.169", (24, 24),
             "Microsoft.Web", "Microsoft.Web/serverfarms", "asp-{team}-{n:02d}", "Web", 3, whole=True),
    Template("aks_uptime", "Azure Kubernetes Service", "Standard", "Standard Uptime SLA", "1 Hour", "0.1",
             (24, 24), "Microsoft.ContainerService", "Microsoft.ContainerService/managedClusters",
             "aks-{team}-{n:02d}", "Containers", 2, whole=True),
    Template("log_ingest", "Log Analytics", "Analytics Logs", "Analytics Logs Data Ingestion", "1 GB", "2.76",
             (0.001, 3), "Microsoft.OperationalInsights", "Microsoft.OperationalInsights/workspaces",
             "log-{team}-{n:02d}", "Management and Governance", 4),
    Template("log_included", "Log Analytics", "Analytics Logs", "Analytics Logs Data Retention", "1 GB/Month",
             "0.1", (0.01, 5), "Microsoft.OperationalInsights", "Microsoft.OperationalInsights/workspaces",
             "log-{team}-{n:02d}", "Management and Governance", 2, free="included"),
    Template("keyvault", "Key Vault", "Standard", "Operations", "10K", "0.03", (0.0001, 0.8), "Microsoft.KeyVault",
             "Microsoft.KeyVault/vaults", "kv-{team}-{n:02d}", "Security", 3),
    Template("redis", "Redis Cache", "Standard", "C1 Cache Instance", "1 Hour", "0.1", (24, 24), "Microsoft.Cache",
             "Microsoft.Cache/Redis", "redis-{team}-{n:02d}", "Databases", 1, whole=True),
    Template("functions", "Functions", "", "Standard Total Executions", "10", "0.000002", (1, 5000),
             "Microsoft.Web", "Microsoft.Web/serverfarms", "func-{team}-{n:02d}", "Compute", 2, free="included"),
]


# --------------------------------------------------------------------------- columns
# (canonical key, EA header, MCA header); EA headers in the order of Microsoft's EA sample file.
EA_COLUMNS = [
    ("invoice_section_name", "InvoiceSectionName"), ("account_name", "AccountName"),
    ("account_owner_id", "AccountOwnerId"), ("subscription_id", "SubscriptionId"),
    ("subscription_name", "SubscriptionName"), ("resource_group", "ResourceGroup"),
    ("resource_location", "ResourceLocation"), ("date", "Date"), ("product_name", "ProductName"),
    ("meter_category", "MeterCategory"), ("meter_sub_category", "MeterSubCategory"), ("meter_id", "MeterId"),
    ("meter_name", "MeterName"), ("meter_region", "MeterRegion"), ("unit_of_measure", "UnitOfMeasure"),
    ("quantity", "Quantity"), ("effective_price", "EffectivePrice"), ("cost", "CostInBillingCurrency"),
    ("cost_center", "CostCenter"), ("consumed_service", "ConsumedService"), ("resource_id", "ResourceId"),
    ("tags", "Tags"), ("offer_id", "OfferId"), ("additional_info", "AdditionalInfo"),
    ("service_info1", "ServiceInfo1"), ("service_info2", "ServiceInfo2"), ("resource_name", "ResourceName"),
    ("reservation_id", "ReservationId"), ("reservation_name", "ReservationName"), ("unit_price", "UnitPrice"),
    ("product_order_id", "ProductOrderId"), ("product_order_name", "ProductOrderName"), ("term", "Term"),
    ("publisher_type", "PublisherType"), ("publisher_name", "PublisherName"), ("charge_type", "ChargeType"),
    ("frequency", "Frequency"), ("pricing_model", "PricingModel"), ("availability_zone", "AvailabilityZone"),
    ("billing_account_id", "BillingAccountId"), ("billing_account_name", "BillingAccountName"),
    ("billing_currency", "BillingCurrencyCode"), ("billing_period_start", "BillingPeriodStartDate"),
    ("billing_period_end", "BillingPeriodEndDate"), ("billing_profile_id", "BillingProfileId"),
    ("billing_profile_name", "BillingProfileName"), ("invoice_section_id", "InvoiceSectionId"),
    ("credit_eligible", "IsAzureCreditEligible"), ("part_number", "PartNumber"), ("payg_price", "PayGPrice"),
    ("plan_name", "PlanName"), ("service_family", "ServiceFamily"),
    ("cost_allocation_rule_name", "CostAllocationRuleName"), ("benefit_id", "benefitId"),
    ("benefit_name", "benefitName"),
]
# MCA: the columns of Microsoft's camelCase sample plus the invoice, billing profile and invoice
# section columns every MCA file has.
MCA_COLUMNS = [
    ("invoice_id", "invoiceId"), ("previous_invoice_id", "previousInvoiceId"),
    ("billing_account_id", "billingAccountId"), ("billing_account_name", "billingAccountName"),
    ("billing_profile_id", "billingProfileId"), ("billing_profile_name", "billingProfileName"),
    ("invoice_section_id", "invoiceSectionId"), ("invoice_section_name", "invoiceSectionName"),
    ("partner_name", "partnerName"), ("reseller_name", "resellerName"), ("reseller_mpn_id", "resellerMpnId"),
    ("cost_center", "costCenter"), ("billing_period_end", "billingPeriodEndDate"),
    ("billing_period_start", "billingPeriodStartDate"), ("billing_period_end", "servicePeriodEndDate"),
    ("billing_period_start", "servicePeriodStartDate"), ("date", "date"), ("service_family", "serviceFamily"),
    ("product_order_id", "productOrderId"), ("product_order_name", "productOrderName"),
    ("consumed_service", "consumedService"), ("meter_id", "meterId"), ("meter_name", "meterName"),
    ("meter_category", "meterCategory"), ("meter_sub_category", "meterSubCategory"),
    ("meter_region", "meterRegion"), ("product_id", "ProductId"), ("product_name", "ProductName"),
    ("subscription_id", "SubscriptionId"), ("subscription_name", "subscriptionName"),
    ("publisher_type", "publisherType"), ("publisher_id", "publisherId"), ("publisher_name", "publisherName"),
    ("resource_group", "resourceGroupName"), ("resource_id", "ResourceId"),
    ("resource_location", "resourceLocation"), ("location", "location"), ("effective_price", "effectivePrice"),
    ("quantity", "quantity"), ("unit_of_measure", "unitOfMeasure"), ("charge_type", "chargeType"),
    ("billing_currency", "billingCurrency"), ("billing_currency", "pricingCurrency"),
    ("cost", "costInBillingCurrency"), ("cost", "costInPricingCurrency"), ("cost", "costInUsd"),
    ("payg_cost", "paygCostInBillingCurrency"), ("payg_cost", "paygCostInUsd"),
    ("exchange_rate", "exchangeRatePricingToBilling"), ("billing_period_start", "exchangeRateDate"),
    ("credit_eligible", "isAzureCreditEligible"), ("service_info1", "serviceInfo1"),
    ("service_info2", "serviceInfo2"), ("additional_info", "additionalInfo"), ("tags", "tags"),
    ("payg_price", "PayGPrice"), ("unit_price", "unitPrice"), ("frequency", "frequency"), ("term", "term"),
    ("reservation_id", "reservationId"), ("reservation_name", "reservationName"),
    ("pricing_model", "pricingModel"), ("benefit_id", "benefitId"), ("benefit_name", "benefitName"),
    ("cost_allocation_rule_name", "costAllocationRuleName"),
]
HEADERS = {"ea": [h for _, h in EA_COLUMNS], "mca": [h for _, h in MCA_COLUMNS]}
NUMERIC = {"quantity", "effective_price", "cost", "unit_price", "payg_price", "payg_cost"}
# Row attributes that differ between the two exports of a row (the rest is shared).
PER_KIND = {"cost", "effective_price", "unit_price"}


# --------------------------------------------------------------------------- helpers
def _rng(*parts) -> random.Random:
    return random.Random(":".join(map(str, parts)))


def _uuid(*parts) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:16], version=4))


def _uniform(rng: random.Random, n: int) -> pa.Array:
    u32 = pa.Array.from_buffers(pa.uint32(), n, [None, pa.py_buffer(rng.randbytes(4 * n))])
    return pc.divide(pc.cast(u32, pa.float64()), 2.0 ** 32)


def _index(u: pa.Array, k) -> pa.Array:
    return pc.cast(pc.floor(pc.multiply(u, k)), pa.int64())


def _nano(value: Decimal | str | float) -> int:
    return int((Decimal(str(value)) * NANO).to_integral_value())


def _period_days(period: str) -> tuple[date, int]:
    year, month = map(int, period.split("-"))
    return date(year, month, 1), calendar.monthrange(year, month)[1]


def _mdy(d: date) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"


def _fmt_number(units: pa.Array) -> pa.Array:
    """int64 counts of 1e-9 as Azure writes numbers: `0.027265128`, `250`, `-3.5`, and below 1e-4
    in scientific notation, `5.64902E-05` (exact: every digit kept)."""
    units = pc.cast(units, pa.int64())
    absolute = pc.abs(units)
    sign = pc.if_else(pc.less(units, 0), "-", "")
    whole = pc.divide(absolute, NANO)
    fraction = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(pc.subtract(absolute, pc.multiply(whole, NANO)), pa.string()),
                                          9, "0"), "0")
    text = pc.binary_join_element_wise(sign, pc.cast(whole, pa.string()),
                                       pc.if_else(pc.equal(fraction, ""), "", "."), fraction, "")
    small = pc.fill_null(pc.and_(pc.greater(absolute, 0), pc.less(absolute, 100_000)), False)
    if not pc.any(small).as_py():
        return text
    digits = pc.cast(pc.filter(absolute, small), pa.string())  # 56490 -> 5.649E-05
    rest = pc.utf8_rtrim(pc.utf8_slice_codeunits(digits, 1), "0")
    exponent = pc.utf8_lpad(pc.cast(pc.subtract(10, pc.utf8_length(digits)), pa.string()), 2, "0")
    scientific = pc.binary_join_element_wise(
        pc.filter(sign, small), pc.utf8_slice_codeunits(digits, 0, 1), pc.if_else(pc.equal(rest, ""), "", "."),
        rest, "E-", exponent, "")
    return pc.replace_with_mask(text, small, scientific)


def _take(values: list, idx: pa.Array, type_=pa.string()) -> pa.Array:
    return pc.take(pa.array(values, type_), idx)


# --------------------------------------------------------------------------- the organisation's resources
def _tags(items: list[tuple[str, str]], flavour: str) -> str | None:
    if not items:
        return None
    if flavour == "ea":  # EA writes the pairs without the outer braces
        return ",".join(f'"{k}": "{v}"' for k, v in items)
    return "{" + ",".join(f'"{k}":"{v}"' for k, v in items) + "}"


def _resource_id(sub: str, rg: str, rtype: str, name: str) -> str:
    provider, *types = rtype.split("/")
    names = name.split("/")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names))
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{path}"


def _additional_info(t: Template, extra: dict | None = None) -> str | None:
    if t.vm:
        info = {"UsageType": "ComputeHR", "ImageType": t.info2 or None, "ServiceType": t.vm, "VMName": None,
                "VCPUs": int("".join(c for c in t.vm.split("_")[1] if c.isdigit()) or 1)}
    elif t.key.startswith("blob"):
        info = {"StorageAccountType": "Standard_LRS"}
    else:
        return None
    return json.dumps({**info, **(extra or {})}, separators=(",", ":"))


class _Org:
    """Resources of the demo organisation: a pool per template, sized to the requested volume."""

    def __init__(self, seed: int, rows_per_period: int):
        rng = _rng(seed, "azure-org")
        pool = max(6, min(4000, rows_per_period // 150))
        total_w = sum(t.weight for t in TEMPLATES)
        cols = {k: [] for k in ("tmpl", "sub", "rg", "region", "id", "name", "tags_ea", "tags_mca", "zone")}
        self.start, self.size = [], []
        for ti, t in enumerate(TEMPLATES):
            self.start.append(len(cols["id"]))
            size = max(2, int(pool * t.weight / total_w * 4))
            self.size.append(size)
            for n in range(size):  # per resource, not per row: a few thousand at most
                sub = rng.randrange(len(SUBSCRIPTIONS))
                team = SUBSCRIPTIONS[sub][6] if rng.random() < 0.75 else rng.choice(TEAMS)
                env = SUBSCRIPTIONS[sub][7]
                rg = f"rg-{team}-{env}"
                name = t.name.format(team=team, n=n + 1)
                tags = []
                if rng.random() < 0.8:
                    tags = [("env", env), ("team", team)]
                    if rng.random() < 0.4:
                        tags.append(("cost-center", rng.choice(["CC-1001", "CC-2001", "R&D"])))
                    if t.resource_type.endswith("virtualMachineScaleSets"):
                        tags.append(("aks-managed-poolName", "nodepool1"))
                cols["tmpl"].append(ti)
                cols["sub"].append(sub)
                cols["rg"].append(rg if rng.random() >= t.no_rg else "")
                cols["region"].append(rng.choice(t.regions))
                cols["id"].append(_resource_id(SUBSCRIPTIONS[sub][0], rg, t.resource_type, name))
                cols["name"].append(name.split("/")[-1])
                cols["tags_ea"].append(_tags(tags, "ea"))
                cols["tags_mca"].append(_tags(tags, "mca"))
                cols["zone"].append(str(rng.randrange(1, 4)) if t.zonal and rng.random() < 0.5 else None)
        self.res = {k: pa.array(v, pa.int64() if k in ("tmpl", "sub", "region") else pa.string())
                    for k, v in cols.items()}
        table = []
        for ti, t in enumerate(TEMPLATES):
            table += [ti] * round(1000 * t.weight / total_w)
        self.table = pa.array(table, pa.int64())
        # Meters are per template and region: ids and MCA product ids, looked up by tmpl * regions + region.
        self.meter_id = pa.array([_uuid("meter", t.key, r[1]) for t in TEMPLATES for r in REGIONS])
        self.product_id = pa.array([hashlib.sha1(f"{t.key}{r[1]}".encode()).hexdigest()[:12].upper()
                                    for t in TEMPLATES for r in REGIONS])
        self.part_number = pa.array([f"AAA-{int(hashlib.sha1(t.key.encode()).hexdigest()[:5], 16) % 100000:05d}"
                                     for t in TEMPLATES])
        product = []
        for t in TEMPLATES:
            for r in REGIONS:
                parts = [t.category if not t.subcategory else t.category + " " + t.subcategory, t.meter, r[1]]
                product.append(" - ".join(parts))
        self.product = pa.array(product)
        self.info = pa.array([_additional_info(t) for t in TEMPLATES])


# --------------------------------------------------------------------------- rows
@dataclass
class PeriodTotals:
    """What a month's two exports add up to (exact), and the commitment parts of each."""

    actual: Decimal = Decimal(0)
    amortized: Decimal = Decimal(0)
    commitment_purchases: Decimal = Decimal(0)    # actual: reservation / savings plan purchases, net of refunds
    commitment_amortization: Decimal = Decimal(0)  # amortized: covered usage + unused reservation / savings plan
    actual_rows: int = 0
    amortized_rows: int = 0

    def total(self, kind: str) -> Decimal:
        return self.actual if kind == ACTUAL else self.amortized

    def rows(self, kind: str) -> int:
        return self.actual_rows if kind == ACTUAL else self.amortized_rows


@dataclass
class _Acc:
    units: dict = field(default_factory=lambda: {"actual": 0, "amortized": 0, "purchases": 0, "amortization": 0})
    rows: dict = field(default_factory=lambda: {ACTUAL: 0, AMORTIZED: 0})

    def add(self, chunk: dict[str, pa.Array]) -> None:
        for kind in KINDS:
            mask = chunk[f"in_{kind}"]
            self.rows[kind] += pc.sum(pc.cast(mask, pa.int64())).as_py() or 0
            self.units[kind] += pc.sum(pc.filter(chunk[f"cost_{kind}"], mask)).as_py() or 0
        commitment = pc.is_in(chunk["pricing_model"], pa.array(["Reservation", "SavingsPlan"]))
        purchase = pc.and_(commitment, pc.is_in(chunk["charge_type"], pa.array(["Purchase", "Refund"])))
        amortization = pc.and_(commitment, pc.invert(purchase))
        self.units["purchases"] += pc.sum(pc.filter(chunk["cost_actual"], purchase)).as_py() or 0
        self.units["amortization"] += pc.sum(pc.filter(chunk["cost_amortized"], amortization)).as_py() or 0

    def totals(self) -> PeriodTotals:
        d = {k: Decimal(v).scaleb(-9) for k, v in self.units.items()}
        return PeriodTotals(d["actual"], d["amortized"], d["purchases"], d["amortization"], self.rows[ACTUAL],
                            self.rows[AMORTIZED])


def _usage_chunk(org: _Org, period: str, n: int, rng: random.Random, restate: random.Random | None
                 ) -> dict[str, pa.Array]:
    """n daily usage rows of on-demand, Spot and free meters: the same in both exports."""
    _, days = _period_days(period)
    tmpl = pc.take(org.table, _index(_uniform(rng, n), len(org.table)))
    size = pc.take(pa.array(org.size, pa.int64()), tmpl)
    res = pc.add(pc.take(pa.array(org.start, pa.int64()), tmpl),
                 pc.cast(pc.floor(pc.multiply(_uniform(rng, n), pc.cast(size, pa.float64()))), pa.int64()))
    R = {k: pc.take(v, res) for k, v in org.res.items()}
    T = lambda attr, type_=pa.string(): _take([getattr(t, attr) for t in TEMPLATES], tmpl, type_)  # noqa: E731
    meter = pc.add(pc.multiply(tmpl, len(REGIONS)), R["region"])
    day = _index(_uniform(rng, n), days)

    lo = _take([t.qty[0] for t in TEMPLATES], tmpl, pa.float64())
    hi = _take([t.qty[1] for t in TEMPLATES], tmpl, pa.float64())
    qty = pc.add(lo, pc.multiply(_uniform(rng, n), pc.subtract(hi, lo)))
    qty = pc.if_else(T("whole", pa.bool_()), pc.round(qty), qty)
    if restate is not None:  # late usage: a few rows' quantities grow
        bump = pc.less(_uniform(restate, n), 0.05)
        qty = pc.if_else(bump, pc.multiply(qty, pc.add(1.0, _uniform(restate, n))), qty)
        qty = pc.if_else(T("whole", pa.bool_()), pc.round(qty), qty)
    qty_units = pc.cast(pc.round(pc.multiply(qty, 1e6)), pa.int64())  # 6 decimals, like Azure's quantities
    qty_units = pc.multiply(qty_units, 1000)
    payg = _take([_nano(t.price) for t in TEMPLATES], tmpl, pa.int64())
    free = T("free")
    price = pc.if_else(pc.equal(free, ""), payg, 0)
    cost = pc.cast(pc.round(pc.divide(pc.multiply(pc.cast(qty_units, pa.float64()), pc.cast(price, pa.float64())),
                                      float(NANO))), pa.int64())
    payg_cost = pc.cast(pc.round(pc.divide(pc.multiply(pc.cast(qty_units, pa.float64()), pc.cast(payg, pa.float64())),
                                           float(NANO))), pa.int64())
    payg = pc.if_else(pc.equal(free, "free"), 0, payg)
    payg_cost = pc.if_else(pc.equal(free, "free"), 0, payg_cost)
    null = pa.nulls(n, pa.string())
    true = pa.repeat(pa.scalar(True), n)
    return {
        "sub": R["sub"], "resource_group": R["rg"], "region": R["region"], "day": day,
        "product_name": pc.take(org.product, meter), "meter_category": T("category"),
        "meter_sub_category": T("subcategory"), "meter_id": pc.take(org.meter_id, meter), "meter_name": T("meter"),
        "unit_of_measure": T("unit"), "quantity": qty_units,
        "cost_actual": cost, "cost_amortized": cost,
        "effective_price_actual": price, "effective_price_amortized": price,
        "unit_price_actual": price, "unit_price_amortized": price, "payg_price": payg, "payg_cost": payg_cost,
        "consumed_service": T("service"), "resource_id": R["id"], "resource_name": R["name"],
        "tags_ea": R["tags_ea"], "tags_mca": R["tags_mca"], "additional_info": pc.take(org.info, tmpl),
        "service_info2": pc.if_else(pc.equal(T("info2"), ""), null, T("info2")),
        "reservation_id": null, "reservation_name": null, "product_order_id": null, "product_order_name": null,
        "term": null, "publisher_type": pa.repeat(pa.scalar("Azure"), n), "publisher_name": null,
        "charge_type": pa.repeat(pa.scalar("Usage"), n), "frequency": pa.repeat(pa.scalar("UsageBased"), n),
        "pricing_model": T("model"), "availability_zone": R["zone"], "part_number": pc.take(org.part_number, tmpl),
        "plan_name": null, "service_family": T("family"), "benefit_id": null, "benefit_name": null,
        "product_id": pc.take(org.product_id, meter), "in_actual": true, "in_amortized": true,
    }


@functools.lru_cache(maxsize=1)
def _keys() -> tuple[str, ...]:
    """The canonical columns of a chunk."""
    return tuple(_usage_chunk(_Org(0, 0), "2026-01", 1, _rng("keys"), None))


def _row(**kw) -> dict:
    """One commitment / purchase row; missing attributes empty."""
    row = {k: None for k in _keys()}
    row.update(publisher_type="Azure", frequency="UsageBased", charge_type="Usage", pricing_model="OnDemand",
               in_actual=True, in_amortized=True, resource_group="", cost_actual=0, cost_amortized=0,
               effective_price_actual=0, effective_price_amortized=0, unit_price_actual=0,
               unit_price_amortized=0, payg_price=0, payg_cost=0)
    row.update(kw)
    return row


def _rows_chunk(rows: list[dict]) -> dict[str, pa.Array]:
    types = {"sub": pa.int64(), "region": pa.int64(), "day": pa.int64(), "in_actual": pa.bool_(),
             "in_amortized": pa.bool_()}
    out = {}
    for key in _keys():
        kind = types.get(key, pa.int64() if key in ("quantity", "payg_price", "payg_cost")
                         or key.startswith(("cost_", "effective_price_", "unit_price_")) else pa.string())
        out[key] = pa.array([r[key] for r in rows], kind)
    return out


def _commitment_rows(org: _Org, period: str, seed: int) -> list[dict]:
    """The month's reservation, savings plan and Marketplace rows (a few hundred)."""
    rng = _rng(seed, "azure-commitments", period)
    _, days = _period_days(period)
    rows: list[dict] = []
    vm = TEMPLATES[0]

    # Reservation: 4 x D4s v5 in West Europe (demo-prod), billed monthly, used by five VMs.
    order, ri = _uuid(seed, "ri-order"), _uuid(seed, "ri")
    ri_name, ri_path = "VM_RI_D4s_v5_westeurope", f"/providers/Microsoft.Capacity/reservationOrders/{order}"
    benefit = f"{ri_path}/reservations/{ri}"
    rate, payg = _nano(RI_HOURLY), _nano("0.23")
    sub = SUBSCRIPTIONS[0]
    meter = _uuid("meter", "ri-d4s", "EU West")
    for day in range(days):
        used = 0
        for v in range(RI_INSTANCES):
            hours = rng.randint(18, 24)
            used += hours
            name = f"vm-web-{v + 1:02d}"
            rows.append(_row(
                sub=0, resource_group="rg-web-prod", region=0, day=day,
                product_name="Virtual Machines Dsv5 Series - D4s v5 - EU West", meter_category="Virtual Machines",
                meter_sub_category="Dsv5 Series", meter_id=meter, meter_name="D4s v5", unit_of_measure="1 Hour",
                quantity=hours * NANO, cost_amortized=hours * rate, effective_price_amortized=rate,
                unit_price_actual=payg, unit_price_amortized=payg, payg_price=payg, payg_cost=hours * payg,
                consumed_service="Microsoft.Compute",
                resource_id=_resource_id(sub[0], "rg-web-prod", "Microsoft.Compute/virtualMachines", name),
                resource_name=name, tags_ea=_tags([("env", "prod"), ("team", "web")], "ea"),
                tags_mca=_tags([("env", "prod"), ("team", "web")], "mca"),
                additional_info=_additional_info(vm, {"ServiceType": "Standard_D4s_v5", "VCPUs": 4,
                                                      "ReservationOrderId": order, "ReservationId": ri,
                                                      "RINormalizationRatio": 1}),
                service_info2="Canonical", reservation_id=ri, reservation_name=ri_name, product_order_id=order,
                product_order_name="Reserved VM Instance, Standard_D4s_v5, EU West, 1 Year", term="12",
                pricing_model="Reservation", part_number="AAA-50123", service_family="Compute",
                benefit_id=benefit, benefit_name=ri_name, product_id="DZH318Z0BQ4L"))
        unused = RI_INSTANCES * 24 - used
        rows.append(_row(
            sub=0, region=0, day=day, product_name="Virtual Machines Dsv5 Series - D4s v5 - EU West",
            meter_category="Virtual Machines", meter_sub_category="Dsv5 Series", meter_id=meter, meter_name="D4s v5",
            unit_of_measure="1 Hour", quantity=unused * NANO, cost_amortized=unused * rate,
            effective_price_amortized=rate, consumed_service="Microsoft.Capacity", resource_id=benefit,
            resource_name=ri, reservation_id=ri, reservation_name=ri_name, product_order_id=order,
            product_order_name="Reserved VM Instance, Standard_D4s_v5, EU West, 1 Year", term="12",
            charge_type="UnusedReservation", frequency="Recurring", pricing_model="Reservation",
            service_family="Compute", benefit_id=benefit, benefit_name=ri_name, in_actual=False))
    monthly = rate * 24 * RI_INSTANCES * 365 // 12  # a monthly payment is a twelfth of the term's cost
    rows.append(_row(
        sub=0, region=0, day=0, product_name="Reserved VM Instance, Standard_D4s_v5, EU West, 1 Year",
        meter_category="Virtual Machines", meter_name="Reservation-Base VM", unit_of_measure="1 Hour",
        quantity=RI_INSTANCES * NANO, cost_actual=monthly, effective_price_actual=monthly // RI_INSTANCES,
        unit_price_actual=monthly // RI_INSTANCES, consumed_service="Microsoft.Capacity", resource_id=ri_path,
        resource_name=order, reservation_id=ri, reservation_name=ri_name, product_order_id=order,
        product_order_name="Reserved VM Instance, Standard_D4s_v5, EU West, 1 Year", term="12",
        charge_type="Purchase", frequency="Recurring", pricing_model="Reservation", service_family="Compute",
        benefit_id=benefit, benefit_name=ri_name, in_amortized=False))

    # Savings plan: $1.50/hour, 1 year, billed monthly; six E4s v5 VMs of demo-data in US East use it.
    sp_order, sp = _uuid(seed, "sp-order"), _uuid(seed, "sp")
    sp_name = "Compute_SavingsPlan_demo"
    sp_path = f"/providers/Microsoft.BillingBenefits/savingsPlanOrders/{sp_order}"
    sp_benefit = f"{sp_path}/savingsPlans/{sp}"
    sp_rate, sp_payg, commitment = _nano(SP_RATE), _nano("0.252"), _nano(SP_HOURLY) * 24
    sub = SUBSCRIPTIONS[1]
    sp_meter = _uuid("meter", "sp-e4s", "US East")
    for day in range(days):
        used = 0
        for v in range(SP_VMS):
            hours = rng.randint(16, 24)
            used += hours * sp_rate
            name = f"vm-etl-{v + 1:02d}"
            rows.append(_row(
                sub=1, resource_group="rg-data-prod", region=1, day=day,
                product_name="Virtual Machines Esv5 Series - E4s v5 - US East", meter_category="Virtual Machines",
                meter_sub_category="Esv5 Series", meter_id=sp_meter, meter_name="E4s v5", unit_of_measure="1 Hour",
                quantity=hours * NANO, cost_amortized=hours * sp_rate, effective_price_amortized=sp_rate,
                unit_price_actual=sp_payg, unit_price_amortized=sp_payg, payg_price=sp_payg,
                payg_cost=hours * sp_payg, consumed_service="Microsoft.Compute",
                resource_id=_resource_id(sub[0], "rg-data-prod", "Microsoft.Compute/virtualMachines", name),
                resource_name=name, tags_ea=_tags([("env", "prod"), ("team", "data")], "ea"),
                tags_mca=_tags([("env", "prod"), ("team", "data")], "mca"),
                additional_info=_additional_info(vm, {"ServiceType": "Standard_E4s_v5", "VCPUs": 4}),
                service_info2="Canonical", pricing_model="SavingsPlan", part_number="AAA-50456",
                service_family="Compute", benefit_id=sp_benefit, benefit_name=sp_name, product_id="DZH318Z0BQ5M"))
        rows.append(_row(
            sub=1, region=1, day=day, product_name="Compute Savings Plan, 1 Year", meter_category="Virtual Machines",
            meter_name="Savings Plan", unit_of_measure="1 Hour", quantity=24 * NANO,
            cost_amortized=commitment - used, effective_price_amortized=(commitment - used) // 24,
            consumed_service="Microsoft.BillingBenefits", resource_id=sp_benefit, resource_name=sp,
            product_order_id=sp_order, product_order_name="Compute Savings Plan, 1 Year", term="12",
            charge_type="UnusedSavingsPlan", frequency="Recurring", pricing_model="SavingsPlan",
            service_family="Compute", benefit_id=sp_benefit, benefit_name=sp_name, in_actual=False))
    rows.append(_row(
        sub=1, region=1, day=0, product_name="Compute Savings Plan, 1 Year", meter_category="Virtual Machines",
        meter_name="Savings Plan", unit_of_measure="1 Hour", quantity=days * 24 * NANO,
        cost_actual=commitment * days, effective_price_actual=commitment // 24, unit_price_actual=commitment // 24,
        consumed_service="Microsoft.BillingBenefits", resource_id=sp_path, resource_name=sp_order,
        product_order_id=sp_order, product_order_name="Compute Savings Plan, 1 Year", term="12",
        charge_type="Purchase", frequency="Recurring", pricing_model="SavingsPlan", service_family="Compute",
        benefit_id=sp_benefit, benefit_name=sp_name, in_amortized=False))

    # A reservation bought upfront on the 2nd and returned on the 5th: Azure refunds the unused days.
    if int(period[5:]) % 3 == 0:
        x_order, x = _uuid(seed, "returned-order", period), _uuid(seed, "returned", period)
        x_name, x_path = "VM_RI_E8s_v5_eastus2", f"/providers/Microsoft.Capacity/reservationOrders/{x_order}"
        x_benefit, daily = f"{x_path}/reservations/{x}", _nano(RETURNED_HOURLY) * 24
        common = dict(sub=2, region=2, meter_category="Virtual Machines", reservation_id=x, reservation_name=x_name,
                      product_order_id=x_order, term="12", pricing_model="Reservation", service_family="Compute",
                      product_order_name="Reserved VM Instance, Standard_E8s_v5, US East 2, 1 Year",
                      benefit_id=x_benefit, benefit_name=x_name)
        rows.append(_row(**common, day=1, product_name="Reserved VM Instance, Standard_E8s_v5, US East 2, 1 Year",
                         meter_name="Reservation-Base VM", unit_of_measure="1 Hour", quantity=NANO,
                         cost_actual=daily * 365, effective_price_actual=daily * 365, unit_price_actual=daily * 365,
                         consumed_service="Microsoft.Capacity", resource_id=x_path, resource_name=x_order,
                         charge_type="Purchase", frequency="OneTime", in_amortized=False))
        rows.append(_row(**common, day=4, product_name="Reserved VM Instance, Standard_E8s_v5, US East 2, 1 Year",
                         meter_name="Reservation-Base VM", unit_of_measure="1 Hour", quantity=-NANO,
                         cost_actual=-daily * 362, effective_price_actual=daily * 362, unit_price_actual=daily * 365,
                         consumed_service="Microsoft.Capacity", resource_id=x_path, resource_name=x_order,
                         charge_type="Refund", frequency="OneTime", in_amortized=False))
        for day in (1, 2, 3):
            rows.append(_row(**common, day=day, product_name="Virtual Machines Esv5 Series - E8s v5 - US East 2",
                             meter_sub_category="Esv5 Series", meter_id=_uuid("meter", "ri-e8s", "US East 2"),
                             meter_name="E8s v5", unit_of_measure="1 Hour", quantity=24 * NANO,
                             cost_amortized=daily, effective_price_amortized=daily // 24,
                             consumed_service="Microsoft.Capacity", resource_id=x_benefit, resource_name=x,
                             charge_type="UnusedReservation", frequency="Recurring", in_actual=False))

    # Marketplace SaaS plan, billed on the 1st by its publisher: in both exports.
    publisher, offer, plan = MARKETPLACE
    price = _nano(MARKETPLACE_MONTHLY)
    sub = SUBSCRIPTIONS[3]
    rows.append(_row(
        sub=3, resource_group="rg-platform-prod", region=1, day=0, product_name=f"{offer} - {plan.title()} Plan",
        meter_category="SaaS", meter_sub_category=offer, meter_id=_uuid("meter", "marketplace"),
        meter_name=f"{plan.title()} Plan - Monthly", unit_of_measure="1/Month", quantity=NANO,
        cost_actual=price, cost_amortized=price, effective_price_actual=price, effective_price_amortized=price,
        unit_price_actual=price, unit_price_amortized=price, payg_price=price, payg_cost=price,
        consumed_service="Microsoft.SaaS",
        resource_id=_resource_id(sub[0], "rg-platform-prod", "Microsoft.SaaS/resources", "example-analytics"),
        resource_name="example-analytics", publisher_type="Marketplace", publisher_name=publisher,
        charge_type="Purchase", frequency="Recurring", plan_name=plan, service_family="Other",
        product_id="DZH318Z0C7NB"))
    return rows


def _generate(period: str, rows_per_period: int, seed: int, revision: int) -> Iterator[dict[str, pa.Array]]:
    """The month's rows of both exports, in chunks (canonical columns, see `_usage_chunk`)."""
    org = _Org(seed, rows_per_period)
    yield _rows_chunk(_commitment_rows(org, period, seed))
    rng = _rng(seed, "azure-usage", period)
    restate = _rng(seed, "azure-restate", period, revision) if revision > 1 else None
    remaining = rows_per_period
    while remaining > 0:
        n = min(CHUNK_ROWS, remaining)
        yield _usage_chunk(org, period, n, rng, restate)
        remaining -= n
    if revision > 1:  # usage that arrived late
        extra = _rng(seed, "azure-late", period, revision)
        yield _usage_chunk(org, period, max(1, rows_per_period // 50) * (revision - 1), extra, None)


def period_totals(period: str, rows_per_period: int = 2000, seed: int = 42, revision: int = 1) -> PeriodTotals:
    """The totals the actual and amortized exports of `period` add up to (without writing them)."""
    acc = _Acc()
    for chunk in _generate(period, rows_per_period, seed, revision):
        acc.add(chunk)
    return acc.totals()


# --------------------------------------------------------------------------- rendering
def _render(chunk: dict[str, pa.Array], kind: str, flavour: str, period: str, closed: bool) -> pa.Table:
    """The chunk's rows of the `kind` export as the strings Azure writes, in the flavour's columns."""
    mask = chunk[f"in_{kind}"]
    c = {k: pc.filter(v, mask) for k, v in chunk.items()}
    n = len(c["sub"])
    start, days = _period_days(period)
    const = lambda v: pa.repeat(pa.scalar(v, pa.string()), n)  # noqa: E731
    sub = c["sub"]
    account_id, account_name = EA_ENROLLMENT if flavour == "ea" else MCA_ACCOUNT
    values = {
        "invoice_section_name": _take([s[4] for s in SUBSCRIPTIONS], sub),
        "account_name": _take([s[2] for s in SUBSCRIPTIONS], sub),
        "account_owner_id": _take([s[3] for s in SUBSCRIPTIONS], sub),
        "subscription_id": _take([s[0] for s in SUBSCRIPTIONS], sub),
        "subscription_name": _take([s[1] for s in SUBSCRIPTIONS], sub),
        "resource_group": c["resource_group"],
        "resource_location": _take([r[0] for r in REGIONS], c["region"]),
        "location": _take([r[2] for r in REGIONS], c["region"]),
        "meter_region": _take([r[1] for r in REGIONS], c["region"]),
        "date": _take([_mdy(start + timedelta(days=d)) for d in range(days)], c["day"]),
        "cost": _fmt_number(c[f"cost_{kind}"]),
        "effective_price": _fmt_number(c[f"effective_price_{kind}"]),
        "unit_price": _fmt_number(c[f"unit_price_{kind}"]),
        "quantity": _fmt_number(c["quantity"]),
        "payg_price": _fmt_number(c["payg_price"]),
        "payg_cost": _fmt_number(c["payg_cost"]),
        "cost_center": pc.if_else(pc.equal(_take([s[5] for s in SUBSCRIPTIONS], sub), ""), pa.nulls(n, pa.string()),
                                  _take([s[5] for s in SUBSCRIPTIONS], sub)),
        "tags": c["tags_ea" if flavour == "ea" else "tags_mca"],
        "offer_id": const(OFFER_ID),
        "service_info1": pa.nulls(n, pa.string()),
        "billing_account_id": const(account_id),
        "billing_account_name": const(account_name),
        "billing_currency": const(CURRENCY),
        "billing_period_start": const(_mdy(start)),
        "billing_period_end": const(_mdy(start + timedelta(days=days - 1))),
        "billing_profile_id": const(account_id if flavour == "ea" else MCA_PROFILE[0]),
        "billing_profile_name": const(account_name if flavour == "ea" else MCA_PROFILE[1]),
        "invoice_section_id": (pa.nulls(n, pa.string()) if flavour == "ea" else
                               _take([f"{hashlib.sha1(s[4].encode()).hexdigest()[:4].upper()}-PJA-PGB"
                                      for s in SUBSCRIPTIONS], sub)),
        "credit_eligible": pc.if_else(pc.equal(c["publisher_type"], "Marketplace"),
                                      "FALSE" if flavour == "ea" else "False", "TRUE" if flavour == "ea" else "True"),
        "cost_allocation_rule_name": pa.nulls(n, pa.string()),
        "invoice_id": const(f"G{int(hashlib.sha1(period.encode()).hexdigest()[:9], 16) % 10 ** 9:09d}")
        if closed else pa.nulls(n, pa.string()),
        "previous_invoice_id": pa.nulls(n, pa.string()),
        "partner_name": pa.nulls(n, pa.string()), "reseller_name": pa.nulls(n, pa.string()),
        "reseller_mpn_id": pa.nulls(n, pa.string()),
        "exchange_rate": const("1"),
        "publisher_id": pa.nulls(n, pa.string()),
        "product_order_name": (c["product_order_name"] if flavour == "ea" else
                               pc.fill_null(c["product_order_name"], "Azure plan")),
    }
    names, arrays = [], []
    for key, header in EA_COLUMNS if flavour == "ea" else MCA_COLUMNS:
        arr = values[key] if key in values else c[key]
        arr = pc.cast(arr, pa.string())
        names.append(header)
        arrays.append(pc.if_else(pc.equal(arr, ""), pa.nulls(n, pa.string()), arr))  # empty, never ""
    return pa.Table.from_arrays(arrays, names=names)


# --------------------------------------------------------------------------- writing
@dataclass
class Delivery:
    """One export run of one month: where it went and what it holds."""

    export: str
    kind: str
    period: str
    run_id: str
    folder: Path
    manifest: Path | None
    files: list[Path]
    rows: int
    total: Decimal            # Σ CostInBillingCurrency of the files
    totals: PeriodTotals      # both exports' totals of this month and revision


def _csv_bytes(table: pa.Table, newline: str, header: bool) -> bytes:
    """RFC 4180 as Azure writes it: a field is quoted only when it holds a quote, comma or line break."""
    cols = []
    for col in table.columns:
        col = pc.fill_null(col.combine_chunks(), "")
        special = pc.match_substring_regex(col, '[",\r\n]')
        if pc.any(special).as_py():  # most columns (ids, dates, numbers) never need quotes
            quoted = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
            col = pc.if_else(special, quoted, col)
        cols.append(col)
    lines = pc.binary_join_element_wise(*cols, ",")
    lines = pc.cast(pc.binary_join_element_wise(lines, newline, ""), pa.large_string())
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(lines)], pa.int64()), lines)
    body = pc.binary_join(whole, pa.scalar("", pa.large_string()))[0].as_buffer().to_pybytes() if len(lines) else b""
    head = (",".join(table.column_names) + newline).encode() if header else b""
    return head + body


class _Writer:
    def __init__(self, path: Path, fmt: str, schema: pa.Schema, newline: str):
        self.path, self.fmt, self.rows, self.newline, self.header = path, fmt, 0, newline, True
        if fmt == "parquet":
            self.writer = pq.ParquetWriter(str(path), schema, compression="snappy")
        elif fmt == "csv.gz":  # mtime 0: the same rows give the same bytes
            self.stream = gzip.GzipFile(str(path), "wb", compresslevel=GZIP_LEVEL, mtime=0)
        else:
            self.stream = open(path, "wb")

    def write(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self.fmt == "parquet":
            self.writer.write_table(table)
        else:
            self.stream.write(_csv_bytes(table, self.newline, self.header))
            self.header = False

    def close(self) -> None:
        (self.writer if self.fmt == "parquet" else self.stream).close()


def default_run_time(period: str, revision: int = 1) -> datetime:
    """When Azure ran the export for a closed month: the 3rd of the next month, a day later per restatement."""
    start, days = _period_days(period)
    return datetime(start.year, start.month, days, 19, 14, 30, 524525, tzinfo=timezone.utc) + timedelta(
        days=2 + revision)


def _period_folder(period: str) -> str:
    start, days = _period_days(period)
    return f"{start:%Y%m%d}-{start + timedelta(days=days - 1):%Y%m%d}"


def write_export(root: Path, *, export: str = "demo-azure-actual", kind: str = ACTUAL, flavour: str = "ea",
                 periods: Sequence[str] = ("2026-07", "2026-08", "2026-09"), rows_per_period: int = 2000,
                 seed: int = 42, revision: int = 1, fmt: str = "csv", layout: str = "v2",
                 run_time: datetime | None = None, files_per_period: int = 1, root_folder_path: str = "exports",
                 open_periods: Sequence[str] = ()) -> list[Delivery]:
    """Write one run of a Cost Management export for each of `periods`; the deliveries written.

    `kind` is actual or amortized; `flavour` ea or mca; `fmt` csv, csv.gz or parquet (v2 layout only);
    `layout` v2 (manifest) or legacy. A `revision` above 1 is a restatement: a later run (new
    timestamp folder and run id) whose rows changed. `run_time` defaults to a fixed time after the
    month (`default_run_time`).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if flavour not in FLAVOURS:
        raise ValueError(f"flavour must be one of {FLAVOURS}, not {flavour!r}")
    if fmt not in FORMATS or (layout == "legacy" and fmt != "csv"):
        raise ValueError(f"format {fmt!r} is not written by {layout} exports")
    if layout not in ("v2", "legacy"):
        raise ValueError(f"layout must be v2 or legacy, not {layout!r}")
    root = Path(root)
    file_format, compression, ext = FORMATS[fmt]
    schema = pa.schema([pa.field(h, pa.string()) for h in HEADERS[flavour]])
    deliveries = []
    for period in periods:
        submitted = run_time or default_run_time(period, revision)
        run_id = _uuid(seed, export, period, revision, submitted.isoformat())
        folder = root / export / _period_folder(period)
        if layout == "v2":
            folder = folder / f"{submitted:%Y%m%d%H%M}" / run_id
            names = [f"part_{i}_0001{ext}" for i in range(files_per_period)]
        else:
            names = [f"{export}_{run_id}.csv"]
        folder.mkdir(parents=True, exist_ok=True)
        writers = [_Writer(folder / name, fmt, schema, "\r\n" if layout == "legacy" else "\n")
                   for name in names]
        acc = _Acc()
        closed = period not in open_periods
        for chunk in _generate(period, rows_per_period, seed, revision):
            acc.add(chunk)
            table = _render(chunk, kind, flavour, period, closed)
            step = -(-table.num_rows // len(writers)) if table.num_rows else 0
            for i, w in enumerate(writers):
                part = table.slice(i * step, step)
                if part.num_rows or w.rows == 0:
                    w.write(part)
        for w in writers:
            w.close()
        totals = acc.totals()
        files = [w.path for w in writers]
        manifest = None
        if layout == "v2":
            manifest = folder / "manifest.json"
            manifest.write_text(json.dumps(_manifest(export, kind, period, submitted, run_id, writers, root,
                                                     root_folder_path, file_format, compression), indent=2))
        else:
            stamp = submitted.timestamp()
            for f in files:
                os.utime(f, (stamp, stamp))
        deliveries.append(Delivery(export, kind, period, run_id, folder, manifest, files, sum(w.rows for w in writers),
                                   totals.total(kind), totals))
    return deliveries


def _manifest(export: str, kind: str, period: str, submitted: datetime, run_id: str, writers: list[_Writer],
              root: Path, root_folder_path: str, file_format: str, compression: str) -> dict:
    start, days = _period_days(period)
    blobs = [{"blobName": f"{root_folder_path}/{w.path.relative_to(root).as_posix()}",
              "byteCount": w.path.stat().st_size, "dataRowCount": w.rows} for w in writers]
    scope = f"/providers/Microsoft.Billing/billingAccounts/{EA_ENROLLMENT[0]}"
    ticks = f"{submitted:%Y-%m-%dT%H:%M:%S}.{submitted.microsecond:06d}{submitted.microsecond % 10}Z"
    return {
        "manifestVersion": "2024-04-01",
        "byteCount": sum(b["byteCount"] for b in blobs),
        "blobCount": len(blobs),
        "dataRowCount": sum(b["dataRowCount"] for b in blobs),
        "exportConfig": {
            "exportName": export,
            "resourceId": f"{scope}/providers/Microsoft.CostManagement/exports/{export}",
            "dataVersion": DATA_VERSION,
            "apiVersion": API_VERSION,
            "type": EXPORT_TYPES[kind],
            "timeFrame": "MonthToDate",
            "granularity": "Daily",
        },
        "deliveryConfig": {
            "partitionData": True,
            "dataOverwriteBehavior": "OverwritePreviousReport",
            "fileFormat": file_format,
            "compressionMode": compression,
            "containerUri": f"/subscriptions/{SUBSCRIPTIONS[3][0]}/resourceGroups/rg-finops/providers/"
                            "Microsoft.Storage/storageAccounts/stfinopsexports",
            "rootFolderPath": root_folder_path,
        },
        "runInfo": {
            "executionType": "Scheduled",
            "submittedTime": ticks,
            "runId": run_id,
            "startDate": f"{start:%Y-%m-%d}T00:00:00",
            "endDate": f"{start + timedelta(days=days - 1):%Y-%m-%d}T00:00:00",
        },
        "blobs": blobs,
    }


# --------------------------------------------------------------------------- demo / CLI
DEMO_EXPORTS = (("demo-azure-actual", ACTUAL), ("demo-azure-amortized", AMORTIZED))


def write_demo(root: Path, rows_per_period: int = 2000, *, periods: Sequence[str] = ("2026-07", "2026-08", "2026-09"),
               seed: int = 42, flavour: str = "ea", revision: int = 1, run_time: datetime | None = None
               ) -> list[Delivery]:
    """root/demo-azure-actual and root/demo-azure-amortized: the same usage, both cost views."""
    deliveries = []
    for export, kind in DEMO_EXPORTS:
        deliveries += write_export(root, export=export, kind=kind, flavour=flavour, periods=periods,
                                   rows_per_period=rows_per_period, seed=seed, revision=revision, run_time=run_time)
    return deliveries


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate deterministic sample Azure cost exports.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--rows", type=int, default=2000, help="usage rows per billing period")
    parser.add_argument("--flavour", choices=FLAVOURS, default="ea")
    parser.add_argument("--periods", nargs="+", default=["2026-07", "2026-08", "2026-09"])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    for d in write_demo(args.out_dir, args.rows, periods=args.periods, seed=args.seed, flavour=args.flavour):
        print(f"{d.export} {d.period}: {d.rows} rows, {d.total} {CURRENCY} -> {d.folder}")


if __name__ == "__main__":
    main()
