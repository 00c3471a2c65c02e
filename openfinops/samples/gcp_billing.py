"""Deterministic generator of realistic GCP Cloud Billing export rows (BigQuery standard and detailed tables).

Rows have exactly the export's field names and nesting (``openfinops/providers/gcp/schemas/*.schema.json``):
RECORDs are dicts, REPEATED fields lists, TIMESTAMPs timezone-aware datetimes, FLOATs Python floats
(money rounded to 6 decimals, as Google writes it) and NUMERIC ``price.*`` values Decimals. The fast
form is `generate_tables` (pyarrow tables, vectorised in chunks of ``CHUNK_ROWS``); `generate` is the
same rows as dicts for test sizes.

What one invoice month holds follows Google's documentation (schema.md / samples.md of the research):

* usage of five projects under an organisation (folders, ``project.ancestors``, labels with empty
  values, Resource Manager tags, ``system_labels`` such as ``compute.googleapis.com/machine_spec``):
  Compute Engine cores / RAM / disks (SUSTAINED_USAGE_DISCOUNT, resource-based COMMITTED_USAGE_DISCOUNT
  credits and their daily commitment fees), Cloud Storage, BigQuery analysis in tebibytes (FREE_TIER
  on some rows), Cloud SQL, Networking egress in gibibytes and free ingress (zero cost), Cloud Run
  (FREE_TIER), Cloud Logging (global); one project lives on PROMOTION credits; units such as
  byte-seconds, requests and gibibyte month; zone, region, multi-region and global locations;
* spend-based CUDs: before 2025-07 covered usage carries a COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE credit;
  from invoice month 2025-07 (Google's new data model) it is a separate row with a lower price and a
  non-default ``consumption_model``, and the daily "Commitment - dollar based v1" fee row is offset by
  a FEE_UTILIZATION_OFFSET credit for the part used;
* account-level rows without project or location (Support), a Marketplace row, per-project tax rows
  (``cost_type`` tax, on usage and adjustments), an adjustment (``adjustment_info``, negative cost,
  usage times of the month before), a rounding_error row, and late usage (the last day of the month
  before, invoiced in this month).

Rows are appended in daily batches: ``export_time`` is the first daily batch a few hours after the
usage ended, the same for every row of an append (`appends`). `corrections` gives what a later
export adds to a month already closed. Fields are filled from the invoice month Google started to
fill them (``FIELDS_SINCE``), so older months lack e.g. ``tags``, ``price`` or ``cost_at_list``.

Service ids are Google's; SKU ids, invoice-level (tax, rounding) service ids and all names are
illustrative. `invoice_totals` is what each invoice month adds up to (exact Decimals of the values
written); `write_jsonl` and `write_parquet` write files as a BigQuery extract job does.
"""

from __future__ import annotations

import argparse
import calendar
import copy
import functools
import gzip as gzip_module
import hashlib
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from openfinops.providers.gcp.settings import DETAILED, STANDARD, bigquery_schema
from openfinops.samples.arrays import arange, index, seeded, uniform

CHUNK_ROWS = 100_000
BILLING_ACCOUNT = "01A2B3-C4D5E6-F7A8B9"
PACIFIC = ZoneInfo("America/Los_Angeles")  # invoice months start at midnight Pacific time
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
GIB = 2 ** 30
MONTH_HOURS = 730  # Google's "month" pricing unit

# Invoice month from which Google fills a field (the month after its "first full day of data").
FIELDS_SINCE = {
    "credits.type": "2020-10",          # credits.id / full_name / type
    "project.number": "2020-11",
    "adjustment_info": "2020-11",
    "resource": "2021-09",
    "project.ancestors": "2022-05",
    "tags": "2022-11",
    "price.detailed": "2023-05",        # price in the detailed table only
    "cost_at_list": "2023-07",
    "transaction_type": "2023-09",
    "subscription": "2024-02",
    "invoice.publisher_type": "2024-11",
    "consumption_model": "2025-07",     # new CUD model, price in the standard table, cost_at_effective_price_default
}

# --------------------------------------------------------------------------- the demo organisation
ORGANIZATION = ("417928365012", "example.com")
FOLDERS = [("880417326151", "Production"), ("213790054873", "Non-production")]
# (id, number, name, folder index or None (directly under the organisation), project labels, weight)
PROJECTS = [
    ("shop-prod-7f3a", "482916305721", "Shop Production", 0, [("env", "prod"), ("team", "web")], 5),
    ("data-platform-prod", "119384756203", "Data Platform", 0,
     [("env", "prod"), ("team", "data"), ("cost-center", "cc-2001")], 4),
    ("shop-staging-2c91", "730281946658", "Shop Staging", 1, [("env", "staging"), ("team", "web")], 2),
    ("ml-sandbox-01", "264830175549", "ML Sandbox", 1, [("env", ""), ("team", "ml")], 1),  # lives on a promotion
    ("shared-infra", "905172638410", "Shared Infrastructure", None, [], 2),
]
PROMOTION_PROJECT = 3
CUD_PROJECTS = (0, 1)   # projects whose Compute usage the spend-based commitment covers
RESOURCE_CUD_PROJECT = 0
FEE_PROJECT = 4         # commitments are bought in the shared project
# Resource labels (lists of key/value), chosen per resource; one has an empty value, one is empty.
LABEL_SETS = [
    [("env", "prod"), ("team", "web"), ("app", "checkout")],
    [("env", "prod"), ("team", "data")],
    [("env", ""), ("team", "ml")],
    [],
    [("app", "search"), ("équipe", "données")],
    [("env", "staging"), ("goog-k8s-cluster-name", "shop-gke")],
]
# Resource Manager tags: (key, value, inherited, namespace); org-level keys are namespaced by the org number.
TAG_SETS = [
    [],
    [("environment", "production", True, ORGANIZATION[0])],
    [("environment", "production", True, ORGANIZATION[0]), ("data-class", "confidential", False, ORGANIZATION[0])],
    [("environment", "development", True, ORGANIZATION[0]), ("owner", "ml-team", False, "ml-sandbox-01")],
]
MACHINES = [("n2-standard-4", 4, 16), ("n2-standard-8", 8, 32), ("n2-highmem-2", 2, 16), ("n2-standard-2", 2, 8)]
RESOURCES_PER_TEMPLATE = 8

# location key -> (location, country, region, zone)
LOCATIONS = {
    "us-central1-a": ("us-central1-a", "US", "us-central1", "us-central1-a"),
    "us-central1-b": ("us-central1-b", "US", "us-central1", "us-central1-b"),
    "europe-west1-b": ("europe-west1-b", "BE", "europe-west1", "europe-west1-b"),
    "us-central1": ("us-central1", "US", "us-central1", None),
    "europe-west1": ("europe-west1", "BE", "europe-west1", None),
    "us": ("us", None, None, None),           # multi-region
    "eu": ("eu", None, None, None),
    "global": ("global", None, None, None),
}
LOCATION_KEYS = list(LOCATIONS)

SERVICES = {
    "gce": ("6F81-5844-456A", "Compute Engine"),
    "gcs": ("95FF-2EF5-5EA1", "Cloud Storage"),
    "bq": ("24E6-581D-38E5", "BigQuery"),
    "sql": ("9662-B51E-5089", "Cloud SQL"),
    "net": ("E505-1604-58F8", "Networking"),
    "run": ("152E-C115-5142", "Cloud Run"),
    "log": ("5490-F7B7-8DF6", "Cloud Logging"),
    "support": ("2062-016F-44A2", "Support"),
    "invoice": ("A0C5-4F1D-9B2E", "Invoice"),
    "marketplace": ("7C3B-95D2-1E8A", "Example Analytics Platform"),
}

# credit kinds: (name, full_name, id, type)
CREDITS = {
    "sud": ("Sustained Usage Discount", "", "Sustained Usage Discount", "SUSTAINED_USAGE_DISCOUNT"),
    "cud_cpu": ("Committed Usage Discount: CPU", "", "Committed Usage Discount: CPU", "COMMITTED_USAGE_DISCOUNT"),
    "cud_ram": ("Committed Usage Discount: RAM", "", "Committed Usage Discount: RAM", "COMMITTED_USAGE_DISCOUNT"),
    "cud_dollar": ("Committed use discount - dollar based: GCE Commitments",
                   "Committed use discount - dollar based: GCE Commitments", "8f1c-22d7-a4b9-0e63",
                   "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE"),
    "free": ("Free tier usage", "", "Free tier usage", "FREE_TIER"),
    "promotion": ("Google for Startups Cloud Program credit", "Google for Startups Cloud Program credit",
                  "12-b34-c56-d78", "PROMOTION"),
    "fee_offset": ("Commitment fee utilization offset", "", "Commitment fee utilization offset",
                   "FEE_UTILIZATION_OFFSET"),
}
CREDIT_KEYS = list(CREDITS)

CUD_MODEL = ("7754-699E-0EBF", "Compute Flexible CUDs 1 Year")
DEFAULT_MODEL = ("1B2C-3D4E-5F60", "Default")
CUD_PRICE_FACTOR = Decimal("0.72")  # Google's doc example: 0.01570434 / 0.02181159
CUD_COVERED_SHARE = 0.35
CUD_FEE_SKU = ("5515-81A8-03A2", "Commitment - dollar based v1: Compute Flexible CUD for 1 Year")
CUD_SUBSCRIPTION = "subscriptions/1fd3b130-40f8-4a79-ac6f-5753aaa0ceeb"
RESOURCE_CUD_FEES = [  # daily fees of the resource-based commitment (16 vCPU, 64 GiB for a year)
    ("CF4F-2A5B-6C3D", "Commitment v1: N2 Cpu in Americas for 1 Year", 16, "hour", Decimal("0.019915")),
    ("4A9E-8D7C-2B1F", "Commitment v1: N2 Ram in Americas for 1 Year", 64, "gibibyte hour", Decimal("0.002669")),
]
TAX = (Decimal("0.0471"), "State sales tax (4.71%)")
MARKETPLACE = ("Example Analytics, Inc.", "THIRD_PARTY_RESELLER", Decimal("250.00"))


@dataclass(frozen=True)
class Template:
    """A kind of usage: the SKU, its units and price, and what the resources using it look like."""

    key: str
    service: str
    sku_id: str
    sku: str
    unit: str                 # usage.unit
    pricing_unit: str         # usage.pricing_unit (= price.unit)
    factor: float             # usage.amount per pricing unit
    price: str                # list price per pricing unit (USD)
    qty: tuple[float, float]  # amount in pricing units per hourly row (or "cores"/"ram" from the machine)
    locations: tuple[str, ...]
    weight: float
    credit: str = ""          # sud | free_all | free_some | free_part
    cud: bool = False         # covered by the spend-based (flexible) commitment
    whole: bool = False       # whole pricing units (requests)
    machine: str = ""         # cores | ram: quantity from the VM's machine type
    discount: str = "0"       # negotiated discount: effective_price_default = list × (1 - discount)
    tier_start: str = "0"
    # resource.name = name + number; global_name = prefix + project + mid + location + suffix + name
    name: str = ""
    global_parts: tuple[str, str, str] | None = None
    system_labels: str = ""   # machine | storage


TEMPLATES = [
    Template("gce_core", "gce", "0C5C-D8E4-38C1", "N2 Instance Core running in Americas", "seconds", "hour", 3600,
             "0.031611", (0, 0), ("us-central1-a", "us-central1-b"), 14, credit="sud", cud=True, machine="cores",
             name="web-", global_parts=("//compute.googleapis.com/projects/", "/zones/", "/instances/"),
             system_labels="machine"),
    Template("gce_ram", "gce", "39F4-0112-F2F8", "N2 Instance Ram running in Americas", "byte-seconds",
             "gibibyte hour", 3600 * GIB, "0.004237", (0, 0), ("us-central1-a", "us-central1-b"), 14, credit="sud",
             cud=True, machine="ram", name="web-",
             global_parts=("//compute.googleapis.com/projects/", "/zones/", "/instances/"), system_labels="machine"),
    Template("gce_core_eu", "gce", "A7C1-6B0E-4E21", "N2 Instance Core running in EMEA", "seconds", "hour", 3600,
             "0.034773", (0, 0), ("europe-west1-b",), 5, credit="sud", machine="cores", name="batch-eu-",
             global_parts=("//compute.googleapis.com/projects/", "/zones/", "/instances/"), system_labels="machine"),
    Template("gce_pd", "gce", "D973-5D65-BAB2", "Balanced PD Capacity", "byte-seconds", "gibibyte month",
             MONTH_HOURS * 3600 * GIB, "0.1", (10 / MONTH_HOURS, 500 / MONTH_HOURS), ("us-central1-a", "us-central1-b"),
             7, name="disk-", global_parts=("//compute.googleapis.com/projects/", "/zones/", "/disks/")),
    Template("gcs_standard", "gcs", "E5F0-6A5D-7BAD", "Standard Storage US Multi-region", "byte-seconds",
             "gibibyte month", MONTH_HOURS * 3600 * GIB, "0.026", (0.001, 3.0), ("us",), 7, name="assets-",
             global_parts=("//storage.googleapis.com/projects/_/buckets/", "", ""), system_labels="storage"),
    Template("gcs_class_a", "gcs", "1A20-5E72-9D73", "Multi-Region Standard Class A Operations", "requests", "count",
             1, "0.000005", (100, 200_000), ("us", "eu"), 4, whole=True, name="assets-",
             global_parts=("//storage.googleapis.com/projects/_/buckets/", "", "")),
    Template("bq_analysis", "bq", "3362-E469-6BEF", "Analysis", "bytes", "tebibyte", 2.0 ** 40, "6.25",
             (0.00001, 0.4), ("us", "eu"), 6, credit="free_some", discount="0.05", tier_start="1"),
    Template("bq_storage", "bq", "5F79-0BEB-7DBC", "Active Logical Storage", "byte-seconds", "gibibyte month",
             MONTH_HOURS * 3600 * GIB, "0.02", (0.05, 20.0), ("us",), 3, discount="0.05"),
    Template("sql_vcpu", "sql", "9D4F-1C9E-3C8B", "Cloud SQL for PostgreSQL: Zonal - vCPU in Americas", "seconds",
             "hour", 3600, "0.0413", (2, 4), ("us-central1",), 5, whole=True, name="pg-",
             global_parts=("//cloudsql.googleapis.com/projects/", "/instances/", "")),
    Template("sql_ram", "sql", "C8A3-4F0B-69D1", "Cloud SQL for PostgreSQL: Zonal - RAM in Americas", "byte-seconds",
             "gibibyte hour", 3600 * GIB, "0.007", (8, 16), ("us-central1",), 5, whole=True, name="pg-",
             global_parts=("//cloudsql.googleapis.com/projects/", "/instances/", "")),
    Template("net_egress", "net", "9DE9-9092-B3BC", "Network Internet Data Transfer Out from Americas to Americas",
             "bytes", "gibibyte", float(GIB), "0.12", (0.0001, 5.0), ("us-central1",), 6),
    Template("net_ingress", "net", "E4CD-3B5F-0D0A", "Network Internet Data Transfer In from EMEA to Americas",
             "bytes", "gibibyte", float(GIB), "0", (0.001, 20.0), ("us-central1",), 2),  # free: zero-cost rows
    Template("run_cpu", "run", "8C1E-B5A0-6F4C", "CPU Allocation Time", "seconds", "vCPU-second", 1, "0.000024",
             (10, 3600), ("us-central1", "europe-west1"), 5, credit="free_part", name="checkout-api-",
             global_parts=("//run.googleapis.com/projects/", "/locations/", "/services/")),
    Template("run_requests", "run", "1F7D-2C36-8E59", "Requests", "requests", "count", 1, "0.0000004",
             (100, 100_000), ("us-central1", "europe-west1"), 3, credit="free_all", whole=True, name="checkout-api-",
             global_parts=("//run.googleapis.com/projects/", "/locations/", "/services/")),
    Template("log_storage", "log", "143F-A1B0-E0BE", "Log Storage cost", "bytes", "gibibyte", float(GIB), "0.5",
             (0.001, 2.0), ("global",), 2),
]


# --------------------------------------------------------------------------- schema
def _arrow_type(field: dict) -> pa.DataType:
    kind = field["type"]
    if kind in ("RECORD", "STRUCT"):
        t = pa.struct([pa.field(f["name"], _arrow_type(f)) for f in field["fields"]])
    else:
        t = {"STRING": pa.string(), "TIMESTAMP": pa.timestamp("us", tz="UTC"), "FLOAT": pa.float64(),
             "NUMERIC": pa.decimal128(38, 9), "BOOLEAN": pa.bool_(), "INTEGER": pa.int64(),
             "DATE": pa.date32()}[kind]
    return pa.list_(t) if field.get("mode") == "REPEATED" else t


@functools.cache
def arrow_schema(detailed: bool = True) -> pa.Schema:
    """The Arrow schema of the export table (column order of the live table), from its BigQuery JSON schema."""
    fields = bigquery_schema(DETAILED if detailed else STANDARD)
    return pa.schema([pa.field(f["name"], _arrow_type(f)) for f in fields])


# --------------------------------------------------------------------------- helpers
def _choice(u: pa.Array, weights: Sequence[float]) -> pa.Array:
    """Index of the weighted choice of each uniform."""
    total, acc, idx = sum(weights), 0.0, pa.repeat(pa.scalar(0, pa.int64()), len(u))
    for w in weights[:-1]:
        acc += w
        idx = pc.add(idx, pc.cast(pc.greater_equal(u, acc / total), pa.int64()))
    return idx


def _take(values: list, idx: pa.Array, type_: pa.DataType) -> pa.Array:
    return pc.take(pa.array(values, type_), idx)


def _uuid(*parts) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:16], version=4))


def _has(month: str, feature: str) -> bool:
    return month >= FIELDS_SINCE[feature]


def _next_month(month: str) -> str:
    y, m = map(int, month.split("-"))
    return f"{y + m // 12}-{m % 12 + 1:02d}"


def _prev_month(month: str) -> str:
    y, m = map(int, month.split("-"))
    return f"{y - (m == 1)}-{(m - 2) % 12 + 1:02d}"


def _month_start(month: str) -> datetime:
    """Midnight Pacific time on the first of the month, in UTC."""
    y, m = map(int, month.split("-"))
    return datetime(y, m, 1, tzinfo=PACIFIC).astimezone(timezone.utc)


def _us(dt: datetime) -> int:
    return (dt - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


def _dt(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us)


def _batch_us(day: int) -> int:
    """The daily append of UTC day `day` (days since 1970): about 04:30 UTC, a few minutes later each day."""
    return day * DAY_US + (4 * 3600 + 1800 + day * 7919 % 1800) * 1_000_000 + day * 104_729 % 1_000_000


def _export_us(ready_us: int) -> int:
    """The first daily append at or after `ready_us`."""
    day = ready_us // DAY_US
    return _batch_us(day) if _batch_us(day) >= ready_us else _batch_us(day + 1)


def _export_array(ready: pa.Array) -> pa.Array:
    """`_export_us` of an int64 array of µs."""
    day = pc.divide(ready, DAY_US)  # integer division (values are positive)

    def batch(d):
        secs = pc.add(4 * 3600 + 1800, pc.subtract(pc.multiply(d, 7919), pc.multiply(pc.divide(pc.multiply(d, 7919),
                                                                                                   1800), 1800)))
        micro = pc.subtract(pc.multiply(d, 104_729), pc.multiply(pc.divide(pc.multiply(d, 104_729), 1_000_000),
                                                                 1_000_000))
        return pc.add(pc.add(pc.multiply(d, DAY_US), pc.multiply(secs, 1_000_000)), micro)

    today = batch(day)
    return pc.if_else(pc.greater_equal(today, ready), today, batch(pc.add(day, 1)))


def _round6(arr: pa.Array) -> pa.Array:
    """Round to 6 decimals as the float nearest to the decimal (Arrow's round multiplies by 1e-6, which
    leaves 0.043680000000000004 where Google writes 0.04368)."""
    return pc.divide(pc.round(pc.multiply(arr, 1e6)), 1e6)


def _money(x: float, rate: float = 1.0) -> float:
    return round(x * rate, 6) + 0.0  # + 0.0: no -0.0


def _dec(x: Decimal) -> Decimal:
    return x.quantize(Decimal("1e-9"))


# --------------------------------------------------------------------------- catalogs per month
def _kv(pairs) -> list[dict]:
    return [{"key": k, "value": v} for k, v in pairs]


def _project(i: int, month: str) -> dict:
    pid, number, name, folder, labels, _ = PROJECTS[i]
    org = f"organizations/{ORGANIZATION[0]}"
    ancestors = [{"resource_name": f"projects/{number}", "display_name": name}]
    if folder is not None:
        ancestors.append({"resource_name": f"folders/{FOLDERS[folder][0]}", "display_name": FOLDERS[folder][1]})
    ancestors.append({"resource_name": org, "display_name": ORGANIZATION[1]})
    path = [ORGANIZATION[0]] + ([FOLDERS[folder][0]] if folder is not None else [])
    return {"id": pid, "number": number if _has(month, "project.number") else None, "name": name,
            "labels": _kv(labels), "ancestry_numbers": "/" + "/".join(path) + "/",
            "ancestors": ancestors if _has(month, "project.ancestors") else []}


def _location(key: str | None) -> dict | None:
    if key is None:
        return None
    return dict(zip(("location", "country", "region", "zone"), LOCATIONS[key]))


def _system_labels(t: Template, r: int) -> list[dict]:
    if t.system_labels == "machine":
        spec, cores, mem = MACHINES[r % len(MACHINES)]
        return _kv([("compute.googleapis.com/machine_spec", spec), ("compute.googleapis.com/cores", str(cores)),
                    ("compute.googleapis.com/memory", str(mem * 1024)),
                    ("compute.googleapis.com/is_unused_reservation", "false")])
    if t.system_labels == "storage":
        return _kv([("storage.googleapis.com/object_state", "live" if r % 3 else "noncurrent")])
    return []


def _tags(i: int) -> list[dict]:
    return [{"key": k, "value": v, "inherited": inh, "namespace": ns} for k, v, inh, ns in TAG_SETS[i]]


@dataclass
class _Ctx:
    """Everything fixed for one invoice month of one generation."""

    month: str
    seed: int
    detailed: bool
    account: str
    currency: str
    rate: float
    schema: pa.Schema
    start_us: int
    hours: int

    @property
    def new_model(self) -> bool:
        return _has(self.month, "consumption_model")

    def price(self, usd: Decimal) -> Decimal:
        return _dec(usd * Decimal(repr(self.rate)))


def _ctx(month: str, seed: int, detailed: bool, account: str, currency: str, rate: float | None) -> _Ctx:
    start, end = _month_start(month), _month_start(_next_month(month))
    rate = 1.0 if rate is None else rate
    return _Ctx(month, seed, detailed, account, currency, rate, arrow_schema(detailed), _us(start),
                int((end - start) / timedelta(hours=1)))


def _type(ctx: _Ctx, path: str) -> pa.DataType:
    """The Arrow type of a (dotted) field of the detailed schema."""
    t = arrow_schema(True).field(path.split(".")[0]).type
    for part in path.split(".")[1:]:
        t = t.value_type if pa.types.is_list(t) else t
        t = t.field(part).type
    return t


# --------------------------------------------------------------------------- usage rows (vectorised)
def _struct(type_: pa.DataType, values: dict[str, pa.Array], n: int, mask: pa.Array | None = None) -> pa.Array:
    """A struct array of `type_` from its members' arrays (missing members null); `mask` true = null."""
    arrays = [values[f.name] if f.name in values else pa.nulls(n, f.type) for f in type_]
    arrays = [a if a.type == f.type else pc.cast(a, f.type) for a, f in zip(arrays, type_)]
    return pa.StructArray.from_arrays(arrays, fields=list(type_), mask=mask)


def _usage_chunk(ctx: _Ctx, n: int, rng: random.Random, acc: "_Acc", late: int = 0,
                 tail: bool = False) -> pa.Table:
    """n hourly usage rows of the month; the first `late` of them are late usage of the month before's
    last day (or, with `tail`, all are usage of this month's last day that arrives days later)."""
    month, rate = ctx.month, ctx.rate
    u = {k: uniform(rng, n) for k in ("tmpl", "proj", "hour", "res", "qty", "frac", "loc", "cover", "credit",
                                       "share", "lag", "label", "tag")}
    t = _choice(u["tmpl"], [x.weight for x in TEMPLATES])
    p = _choice(u["proj"], [x[5] for x in PROJECTS])
    r = index(u["res"], RESOURCES_PER_TEMPLATE)
    if tail:
        hour = pc.add(index(u["hour"], 24), ctx.hours - 24)
    else:
        hour = index(u["hour"], ctx.hours)
        if late:
            is_late = pc.less(arange(n), late)
            hour = pc.if_else(is_late, pc.subtract(index(u["hour"], 24), 24), hour)
    start = pc.add(ctx.start_us, pc.multiply(hour, HOUR_US))
    end = pc.add(start, HOUR_US)
    if tail:  # arrives on day 2-4 of the next month, after the month was first closed
        lag = pc.add(index(u["lag"], 60 * HOUR_US), 26 * HOUR_US)
    else:
        lag = pc.add(index(u["lag"], 10 * HOUR_US), 2 * HOUR_US)
        if late:
            lag = pc.if_else(is_late, pc.add(lag, 24 * HOUR_US), lag)
    export = _export_array(pc.add(end, lag))

    def per_t(attr):
        return [getattr(x, attr) for x in TEMPLATES]

    # quantity in pricing units
    machine = pc.modulo(r, len(MACHINES))
    cores = _take([float(m[1]) for m in MACHINES], machine, pa.float64())
    ram = _take([float(m[2]) for m in MACHINES], machine, pa.float64())
    frac = pc.if_else(pc.less(u["frac"], 0.85), 1.0, u["frac"])  # most VMs run the whole hour
    lo, hi = _take([x.qty[0] for x in TEMPLATES], t, pa.float64()), _take([x.qty[1] for x in TEMPLATES], t,
                                                                             pa.float64())
    ranged = pc.add(lo, pc.multiply(u["qty"], pc.subtract(hi, lo)))
    ranged = pc.if_else(_take(per_t("whole"), t, pa.bool_()), pc.round(ranged), ranged)
    kind = _take(per_t("machine"), t, pa.string())
    pu = pc.if_else(pc.equal(kind, "cores"), pc.multiply(cores, frac),
                    pc.if_else(pc.equal(kind, "ram"), pc.multiply(ram, frac), ranged))
    # usage is measured in whole base units (seconds, bytes, byte-seconds, requests); the amount in
    # pricing units follows from it and has as many decimals as it needs, as in Google's rows
    factor = _take(per_t("factor"), t, pa.float64())
    amount = pc.max_element_wise(pc.round(pc.multiply(pu, factor)), 1.0)
    pu = pc.divide(amount, factor)

    # prices: list, negotiated (default model), CUD (new model, covered rows)
    list_usd = [Decimal(x.price) for x in TEMPLATES]
    default_usd = [_dec(Decimal(x.price) * (1 - Decimal(x.discount))) for x in TEMPLATES]
    covered = pc.and_(pc.and_(_take(per_t("cud"), t, pa.bool_()), pc.is_in(p, pa.array(CUD_PROJECTS, pa.int64()))),
                      pc.less(u["cover"], CUD_COVERED_SHARE))
    new_model = ctx.new_model
    dec = pa.decimal128(38, 9)
    list_price = _take([ctx.price(x) for x in list_usd], t, dec)
    default_price = _take([ctx.price(x) for x in default_usd], t, dec)
    cud_price = _take([ctx.price(_dec(x * CUD_PRICE_FACTOR)) for x in default_usd], t, dec)
    cud_list = _take([ctx.price(_dec(x * CUD_PRICE_FACTOR)) for x in list_usd], t, dec)
    f_list = _take([float(x) * rate for x in list_usd], t, pa.float64())
    f_default = _take([float(x) * rate for x in default_usd], t, pa.float64())
    f_cud = _take([float(_dec(x * CUD_PRICE_FACTOR)) * rate for x in default_usd], t, pa.float64())
    cm_covered = pc.and_(covered, pa.scalar(new_model))
    cost = _round6(pc.multiply(pu, pc.if_else(cm_covered, f_cud, f_default)))
    cost_at_list = _round6(pc.multiply(pu, f_list))

    # credits: slot 1 by template, slot 2 the promotion of one project
    credit = _take(per_t("credit"), t, pa.string())
    kind1 = pa.repeat(pa.scalar(""), n)  # "" = no credit
    is_sud = pc.equal(credit, "sud")
    # no sustained use discount on what a commitment covers
    kind1 = pc.if_else(pc.and_(pc.and_(is_sud, pc.invert(covered)), pc.less(u["credit"], 0.7)), "sud", kind1)
    res_cud = pc.and_(pc.and_(is_sud, pc.equal(p, RESOURCE_CUD_PROJECT)), pc.less(u["credit"], 0.4))
    kind1 = pc.if_else(pc.and_(res_cud, pc.invert(covered)),
                       pc.if_else(pc.equal(kind, "cores"), "cud_cpu", "cud_ram"), kind1)
    if not new_model:  # legacy spend-based CUD: the covered usage is credited, the fee row pays for it
        kind1 = pc.if_else(covered, "cud_dollar", kind1)
    kind1 = pc.if_else(pc.equal(credit, "free_all"), "free", kind1)
    kind1 = pc.if_else(pc.and_(pc.equal(credit, "free_some"), pc.less(u["credit"], 0.25)), "free", kind1)
    part = pc.and_(pc.equal(credit, "free_part"), pc.less(u["credit"], 0.6))
    kind1 = pc.if_else(part, "free", kind1)
    kind1 = pc.if_else(pc.equal(cost, 0.0), "", kind1)  # no credit on free usage
    has1 = pc.not_equal(kind1, "")
    sud = pc.negate(_round6(pc.multiply(cost, pc.add(0.05, pc.multiply(u["share"], 0.15)))))  # 5-20 %
    amt1 = pc.if_else(pc.equal(kind1, "sud"), sud,
                      pc.if_else(part, pc.negate(pc.min_element_wise(cost, 0.0125 * rate)), pc.negate(cost)))
    amt1 = pc.if_else(has1, amt1, 0.0)
    net1 = _round6(pc.add(cost, amt1))
    has2 = pc.and_(pc.equal(p, PROMOTION_PROJECT), pc.greater(net1, 0.0))
    amt2 = pc.negate(net1)

    row2 = pc.multiply(arange(n), 2)  # credits ordered by row, then slot
    keys = pa.concat_arrays([pc.filter(row2, has1), pc.filter(pc.add(row2, 1), has2)])
    order = pc.sort_indices(keys)
    n2 = pc.sum(has2).as_py() or 0
    kinds = pc.take(pa.concat_arrays([pc.filter(kind1, has1), pa.repeat(pa.scalar("promotion"), n2)]), order)
    amounts = pc.take(pa.concat_arrays([pc.filter(amt1, has1), pc.filter(amt2, has2)]), order)
    kind_idx = pc.index_in(kinds, pa.array(CREDIT_KEYS))
    typed = _has(month, "credits.type")
    m = len(kind_idx)
    credit_type = _type(ctx, "credits").value_type
    credit_values = {"name": _take([CREDITS[k][0] for k in CREDIT_KEYS], kind_idx, pa.string()),
                     "amount": _round6(amounts)}
    if typed:
        for i, name in ((1, "full_name"), (2, "id"), (3, "type")):
            credit_values[name] = _take([CREDITS[k][i] for k in CREDIT_KEYS], kind_idx, pa.string())
    counts = pc.add(pc.cast(has1, pa.int32()), pc.cast(has2, pa.int32()))
    offsets = pa.concat_arrays([pa.array([0], pa.int32()), pc.cumulative_sum(counts)]) if n else pa.array([0],
                                                                                                         pa.int32())
    credits = pa.ListArray.from_arrays(offsets, _struct(credit_type, credit_values, m))

    # descriptive columns from per-month catalogs
    loc_lists = [x.locations for x in TEMPLATES]
    loc_pick = pc.modulo(index(u["loc"], 840), _take([len(x) for x in loc_lists], t, pa.int64()))
    loc_offset = _take([sum(len(x) for x in loc_lists[:i]) for i in range(len(TEMPLATES))], t, pa.int64())
    loc_key = _take([k for x in loc_lists for k in x], pc.add(loc_offset, loc_pick), pa.string())
    loc_idx = pc.index_in(loc_key, pa.array(LOCATION_KEYS))
    location = _take([_location(k) for k in LOCATION_KEYS], loc_idx, _type(ctx, "location"))
    columns = {
        "billing_account_id": pa.repeat(pa.scalar(ctx.account), n),
        "service": _take([dict(zip(("id", "description"), SERVICES[x.service])) for x in TEMPLATES], t,
                         _type(ctx, "service")),
        "sku": _take([{"id": x.sku_id, "description": x.sku} for x in TEMPLATES], t, _type(ctx, "sku")),
        "usage_start_time": pc.cast(start, pa.timestamp("us", tz="UTC")),
        "usage_end_time": pc.cast(end, pa.timestamp("us", tz="UTC")),
        "project": _take([_project(i, month) for i in range(len(PROJECTS))], p, _type(ctx, "project")),
        "labels": _take([_kv(x) for x in LABEL_SETS],
                        pc.modulo(pc.add(pc.multiply(p, 3), r), len(LABEL_SETS)), _type(ctx, "labels")),
        "system_labels": _take([_system_labels(x, i) for x in TEMPLATES for i in range(RESOURCES_PER_TEMPLATE)],
                               pc.add(pc.multiply(t, RESOURCES_PER_TEMPLATE), r), _type(ctx, "system_labels")),
        "location": location,
        "tags": (_take([_tags(i) for i in range(len(TAG_SETS))], pc.modulo(pc.add(p, pc.divide(r, 4)), len(TAG_SETS)),
                       _type(ctx, "tags")) if _has(month, "tags") else
                 pa.array([[]] * n, _type(ctx, "tags"))),
        "transaction_type": pa.repeat(pa.scalar("GOOGLE" if _has(month, "transaction_type") else None,
                                                pa.string()), n),
        "seller_name": pa.nulls(n, pa.string()),
        "export_time": pc.cast(export, pa.timestamp("us", tz="UTC")),
        "cost": cost,
        "currency": pa.repeat(pa.scalar(ctx.currency), n),
        "currency_conversion_rate": pa.repeat(pa.scalar(rate), n),
        "usage": _struct(_type(ctx, "usage"), {
            "amount": amount, "unit": _take(per_t("unit"), t, pa.string()),
            "amount_in_pricing_units": pu, "pricing_unit": _take(per_t("pricing_unit"), t, pa.string())}, n),
        "credits": credits,
        "invoice": _struct(_type(ctx, "invoice"), {
            "month": pa.repeat(pa.scalar(month.replace("-", "")), n),
            "publisher_type": pa.repeat(pa.scalar("GOOGLE" if _has(month, "invoice.publisher_type") else None,
                                                  pa.string()), n)}, n),
        "cost_type": pa.repeat(pa.scalar("regular"), n),
        "adjustment_info": pa.nulls(n, _type(ctx, "adjustment_info")),
        "cost_at_list": cost_at_list if _has(month, "cost_at_list") else pa.nulls(n, pa.float64()),
    }
    if ctx.detailed:
        has_resource = _take([x.global_parts is not None for x in TEMPLATES], t, pa.bool_())
        name = pc.binary_join_element_wise(_take(per_t("name"), t, pa.string()),
                                           pc.cast(pc.add(pc.multiply(p, 10), r), pa.string()), "")
        parts = [_take([(x.global_parts or ("", "", ""))[i] for x in TEMPLATES], t, pa.string()) for i in range(3)]
        uses_loc = pc.not_equal(parts[1], "")
        project_id = _take([x[0] for x in PROJECTS], p, pa.string())
        global_name = pc.binary_join_element_wise(
            parts[0], pc.if_else(pc.starts_with(parts[0], "//storage"), "", project_id), parts[1],
            pc.if_else(uses_loc, loc_key, ""), parts[2], name, "")
        null = pc.invert(pc.and_(has_resource, pa.scalar(_has(month, "resource"))))
        columns["resource"] = _struct(_type(ctx, "resource"), {"name": name, "global_name": global_name}, n, null)
        columns["subscription"] = _struct(_type(ctx, "subscription"), {
            "instance_id": pa.repeat(pa.scalar(CUD_SUBSCRIPTION), n)}, n,
            pc.invert(pc.and_(cm_covered, pa.scalar(_has(month, "subscription")))))
    if new_model or (ctx.detailed and _has(month, "price.detailed")):
        values = {"effective_price": pc.if_else(cm_covered, cud_price, default_price),
                  "tier_start_amount": _take([Decimal(x.tier_start) for x in TEMPLATES], t, dec),
                  "unit": _take(per_t("pricing_unit"), t, pa.string()),
                  "pricing_unit_quantity": pa.repeat(pa.scalar(Decimal(1), dec), n)}
        if new_model:
            values |= {"list_price": list_price, "effective_price_default": default_price,
                       "list_price_consumption_model": pc.if_else(cm_covered, cud_list, list_price)}
        columns["price"] = _struct(_type(ctx, "price"), values, n)
    if new_model:
        columns["consumption_model"] = _struct(_type(ctx, "consumption_model"), {
            "id": pc.if_else(cm_covered, CUD_MODEL[0], DEFAULT_MODEL[0]),
            "description": pc.if_else(cm_covered, CUD_MODEL[1], DEFAULT_MODEL[1])}, n)
        columns["cost_at_effective_price_default"] = _round6(pc.multiply(pu, f_default))
        f_cud_list = _take([float(_dec(x * CUD_PRICE_FACTOR)) * rate for x in list_usd], t, pa.float64())
        columns["cost_at_list_consumption_model"] = _round6(pc.multiply(pu, pc.if_else(cm_covered, f_cud_list,
                                                                                        f_list)))
    table = pa.Table.from_arrays([columns[f.name] if f.name in columns else pa.nulls(n, f.type)
                                  for f in ctx.schema], schema=ctx.schema)
    acc.add_usage(table, p, hour, covered, ctx)
    return table


# --------------------------------------------------------------------------- monthly rows (a few, as dicts)
class _Acc:
    """Sums of a month's rows that its tax, commitment fee and rounding rows are computed from."""

    def __init__(self) -> None:
        self.net_by_project: dict[int, float] = defaultdict(float)
        self.covered_by_day: dict[int, float] = defaultdict(float)  # CUD-priced cost of covered usage per day
        self.total = 0.0

    def add_usage(self, table: pa.Table, p: pa.Array, hour: pa.Array, covered: pa.Array, ctx: _Ctx) -> None:
        credits = pc.list_flatten(table.column("credits")).combine_chunks() if table.num_rows else None
        parents = pc.list_parent_indices(table.column("credits")).combine_chunks() if table.num_rows else None
        per_row = pa.table({"p": p, "cost": table.column("cost")}).group_by("p").aggregate([("cost", "sum")])
        for pi, s in zip(per_row.column("p").to_pylist(), per_row.column("cost_sum").to_pylist()):
            self.net_by_project[pi] += s
            self.total += s
        if credits is not None and len(credits):
            cp = pa.table({"p": pc.take(p, parents), "a": credits.field("amount")}).group_by("p").aggregate(
                [("a", "sum")])
            for pi, s in zip(cp.column("p").to_pylist(), cp.column("a_sum").to_pylist()):
                self.net_by_project[pi] += s
                self.total += s
        day = pc.divide(pc.add(hour, 24), 24)  # day index +1 (late usage of the month before is day 0)
        cost = table.column("cost").combine_chunks()
        if not ctx.new_model:  # legacy: the commitment pays the discounted price of what it covers
            cost = pc.multiply(cost, float(CUD_PRICE_FACTOR))
        cov = pa.table({"d": day, "c": cost, "k": covered}).filter(pc.field("k")).group_by("d").aggregate(
            [("c", "sum")])
        for d, s in zip(cov.column("d").to_pylist(), cov.column("c_sum").to_pylist()):
            self.covered_by_day[d - 1] += s

    def add_row(self, row: dict) -> None:
        net = row["cost"] + sum(c["amount"] for c in row["credits"])
        self.total += net
        if row["project"] is not None and row["cost_type"] in ("regular", "adjustment"):
            self.net_by_project[[x[0] for x in PROJECTS].index(row["project"]["id"])] += net


def _row(ctx: _Ctx, *, service: str, sku: tuple[str, str], start_us: int, end_us: int, export_us: int,
         cost: float, usage: tuple[float, str, float, str] | None, project: int | None = None,
         location: str | None = None, credits: Sequence[tuple[str, float]] = (), cost_type: str = "regular",
         adjustment: dict | None = None, labels: Sequence[tuple[str, str]] = (), price: Decimal | None = None,
         list_price: Decimal | None = None, subscription: str | None = None, seller: str | None = None,
         transaction_type: str = "GOOGLE", publisher: str = "GOOGLE") -> dict:
    """One row of the month as a dict with every field of the table (fields not yet filled then are None)."""
    month, regular = ctx.month, cost_type == "regular"
    typed = _has(month, "credits.type")
    row = {
        "billing_account_id": ctx.account,
        "service": dict(zip(("id", "description"), SERVICES[service])),
        "sku": {"id": sku[0], "description": sku[1]},
        "usage_start_time": _dt(start_us), "usage_end_time": _dt(end_us),
        "project": _project(project, month) if project is not None else None,
        "labels": _kv(labels), "system_labels": [],
        "location": _location(location),
        "tags": _tags(1) if project is not None and _has(month, "tags") else [],
        "transaction_type": transaction_type if regular and _has(month, "transaction_type") else None,
        "seller_name": seller,
        "export_time": _dt(export_us),
        "cost": cost, "currency": ctx.currency, "currency_conversion_rate": ctx.rate,
        "usage": None if usage is None else dict(zip(("amount", "unit", "amount_in_pricing_units", "pricing_unit"),
                                                       usage)),
        "credits": [{"name": CREDITS[k][0], "amount": a, "full_name": CREDITS[k][1] if typed else None,
                     "id": CREDITS[k][2] if typed else None, "type": CREDITS[k][3] if typed else None}
                    for k, a in credits],
        "invoice": {"month": month.replace("-", ""),
                    "publisher_type": publisher if _has(month, "invoice.publisher_type") else None},
        "cost_type": cost_type,
        "adjustment_info": adjustment if _has(month, "adjustment_info") else None,
        "cost_at_list": None, "consumption_model": None, "cost_at_effective_price_default": None,
        "cost_at_list_consumption_model": None, "price": None,
    }
    if ctx.detailed:
        row["resource"] = None
        row["subscription"] = ({"instance_id": subscription} if subscription and _has(month, "subscription")
                               else None)
    if regular and _has(month, "cost_at_list"):
        row["cost_at_list"] = _money(float(list_price), usage[2]) if list_price is not None else cost
    if regular and price is not None and (ctx.new_model or (ctx.detailed and _has(month, "price.detailed"))):
        row["price"] = {"effective_price": price, "tier_start_amount": _dec(Decimal(0)), "unit": usage[3],
                        "pricing_unit_quantity": _dec(Decimal(1)), "list_price": None,
                        "effective_price_default": None, "list_price_consumption_model": None}
        if ctx.new_model:
            lp = list_price if list_price is not None else price
            row["price"] |= {"list_price": lp, "effective_price_default": price, "list_price_consumption_model": lp}
    if regular and ctx.new_model:
        row["consumption_model"] = dict(zip(("id", "description"), DEFAULT_MODEL))
        row["cost_at_effective_price_default"] = cost
        row["cost_at_list_consumption_model"] = row["cost_at_list"]
    return row


def _monthly_rows(ctx: _Ctx, acc: _Acc) -> list[dict]:
    """The month's fee, account-level, Marketplace, adjustment, tax and rounding rows."""
    rng = seeded(ctx.seed, "gcp-monthly", ctx.month)
    rate, days = ctx.rate, calendar.monthrange(*map(int, ctx.month.split("-")))[1]
    first_day_us = ctx.start_us
    end_us = ctx.start_us + ctx.hours * HOUR_US
    rows = []

    def add(row: dict) -> None:
        rows.append(row)
        acc.add_row(row)

    for d in range(days):
        day_start, day_end = first_day_us + d * DAY_US, min(first_day_us + (d + 1) * DAY_US, end_us)
        export = _export_us(day_end + 3 * HOUR_US)
        # Support: an account-level charge, no project and no location (like Google's real rows).
        fee = _money(10 + 5 * rng.random(), rate)
        add(_row(ctx, service="support", sku=("E4F5-0256-E0EE", "GCP Support Variable fee"), start_us=day_start,
                 end_us=day_end, export_us=export, cost=fee, usage=(86400.0, "seconds", 1 / days, "month"),
                 price=_dec(Decimal(repr(round(fee * days, 6))))))  # per month
        # resource-based commitment fees (their usage gets COMMITTED_USAGE_DISCOUNT credits)
        for sku_id, desc, qty, unit, price in RESOURCE_CUD_FEES:
            p = ctx.price(price)
            add(_row(ctx, service="gce", sku=(sku_id, desc), start_us=day_start, end_us=day_end, export_us=export,
                     cost=_money(float(price) * qty * 24, rate), project=RESOURCE_CUD_PROJECT, location="us-central1",
                     usage=(qty * 24 * (3600 if unit == "hour" else 3600 * GIB),
                            "seconds" if unit == "hour" else "byte-seconds", float(qty * 24), unit), price=p))
    # spend-based commitment: a fixed daily fee about 90 % of what it covers on an average day
    covered = [acc.covered_by_day.get(d, 0.0) for d in range(days)]
    commit = round(max(1.0, 0.9 * sum(covered) / days), 2)
    for d in range(days):
        day_start = first_day_us + d * DAY_US
        offset = [("fee_offset", -_money(min(commit, covered[d])))] if ctx.new_model and covered[d] > 0 else []
        add(_row(ctx, service="gce", sku=CUD_FEE_SKU, start_us=day_start, end_us=day_start + DAY_US,
                 export_us=_export_us(day_start + DAY_US + 3 * HOUR_US), cost=commit, project=FEE_PROJECT,
                 location="us-central1", usage=(commit, "hour", commit, "hour"), credits=offset,
                 price=_dec(Decimal(1)), subscription=CUD_SUBSCRIPTION))
    # Marketplace: a third-party SaaS plan billed through Google, on its own (partner) invoice
    mp_start = first_day_us + 14 * DAY_US
    seller, ttype, mp_fee = MARKETPLACE
    add(_row(ctx, service="marketplace", sku=("9E1A-7B22-C3F4", "Pro plan - monthly fee"), start_us=mp_start,
             end_us=mp_start + HOUR_US, export_us=_export_us(mp_start + 5 * HOUR_US), cost=_money(float(mp_fee), rate),
             project=1, location="global", usage=(1.0, "month", 1.0, "month"), seller=seller, transaction_type=ttype,
             publisher="PARTNER", price=ctx.price(mp_fee)))
    # adjustment: an SLA credit issued this month for usage of the month before
    prev = _us(_month_start(_prev_month(ctx.month)))
    adj_start = prev + 13 * DAY_US + 9 * HOUR_US
    add(_row(ctx, service="gce", sku=("0C5C-D8E4-38C1", "N2 Instance Core running in Americas"),
             start_us=adj_start, end_us=adj_start + HOUR_US, export_us=_export_us(first_day_us + 11 * DAY_US),
             cost=_money(-(25 + 30 * rng.random()), rate), project=0, location="us-central1-a", usage=None,
             cost_type="adjustment",
             adjustment={"id": _uuid(ctx.seed, "adjustment", ctx.month), "mode": "MANUAL_ADJUSTMENT",
                         "description": "SLA credit: Compute Engine us-central1-a incident", "type": "SLA_VIOLATION"}))
    # per-project tax on usage and adjustments, after the month closed
    close = _export_us(end_us + 30 * HOUR_US)
    for i in range(len(PROJECTS)):
        net = acc.net_by_project.get(i, 0.0)
        if net > 0:
            add(_row(ctx, service="invoice", sku=("B1E5-7A94-0C3D", TAX[1]), start_us=ctx.start_us, end_us=end_us,
                     export_us=close, cost=_money(float(TAX[0]) * net), project=i, usage=None, cost_type="tax"))
    # the invoice's rounding error brings the month to whole cents
    total = acc.total
    add(_row(ctx, service="invoice", sku=("D7C2-4E18-95AB", "Rounding error"), start_us=ctx.start_us,
             end_us=end_us, export_us=close, cost=_money(round(total, 2) - total), usage=None,
             cost_type="rounding_error"))
    return rows


# --------------------------------------------------------------------------- public API
def generate_tables(months: Sequence[str], rows_per_month: int, seed: int = 42, detailed: bool = True,
                    billing_account_id: str = BILLING_ACCOUNT, currency: str = "USD",
                    currency_conversion_rate: float | None = None) -> Iterator[pa.Table]:
    """The rows of each invoice month (YYYY-MM) as Arrow tables of `arrow_schema(detailed)`.

    `rows_per_month` usage rows (1 % of them late usage of the month before) in chunks of
    ``CHUNK_ROWS``, then the month's ~100 fee, tax, adjustment and rounding rows. Prices and costs are in
    `currency`; `currency_conversion_rate` (local currency per USD) defaults to 1.
    """
    if currency != "USD" and currency_conversion_rate is None:
        raise ValueError("a currency other than USD needs its currency_conversion_rate")
    for month in months:
        datetime.strptime(month, "%Y-%m")
        ctx = _ctx(month, seed, detailed, billing_account_id, currency, currency_conversion_rate)
        acc = _Acc()
        remaining, chunk, late = rows_per_month, 0, max(1, rows_per_month // 100) if rows_per_month else 0
        while remaining > 0:
            n = min(CHUNK_ROWS, remaining)
            yield _usage_chunk(ctx, n, seeded(seed, "gcp-usage", month, chunk), acc, late=late if chunk == 0 else 0)
            remaining, chunk = remaining - n, chunk + 1
        yield pa.Table.from_pylist(_monthly_rows(ctx, acc), schema=ctx.schema)


def generate(months: Sequence[str], rows_per_month: int, seed: int = 42, detailed: bool = True,
             billing_account_id: str = BILLING_ACCOUNT, currency: str = "USD",
             currency_conversion_rate: float | None = None) -> list[dict]:
    """`generate_tables` as a list of row dicts (for test sizes)."""
    return [row for table in generate_tables(months, rows_per_month, seed, detailed, billing_account_id, currency,
                                             currency_conversion_rate) for row in table.to_pylist()]


def appends(rows: Iterable[dict]) -> list[tuple[datetime, list[dict]]]:
    """The rows grouped as BigQuery appends them: one batch per export_time, in export order."""
    batches: dict[datetime, list[dict]] = defaultdict(list)
    for row in rows:
        batches[row["export_time"]].append(row)
    return sorted(batches.items(), key=lambda kv: kv[0])


def corrections(month: str, rows_per_month: int, seed: int = 42, detailed: bool = True,
                billing_account_id: str = BILLING_ACCOUNT, currency: str = "USD",
                currency_conversion_rate: float | None = None, share: float = 0.01) -> list[dict]:
    """Rows a later export appends to invoice month `month` after it was first closed.

    Late usage of the month's last day arriving on days 2-4 of the next month, and a usage correction:
    for a `share` of the Compute Engine rows, a row that negates the original and one re-issued at 90 %
    of its usage; as Google documents, both match the original in every field but cost, credits,
    usage amounts (and the cost_at_* that follow them) and export_time.
    """
    original = generate([month], rows_per_month, seed, detailed, billing_account_id, currency,
                        currency_conversion_rate)
    ctx = _ctx(month, seed, detailed, billing_account_id, currency, currency_conversion_rate)
    candidates = [r for r in original if r["cost_type"] == "regular" and r["service"]["id"] == SERVICES["gce"][0]
                  and r["usage"] is not None and r["cost"] > 0 and r["sku"]["id"] != CUD_FEE_SKU[0]
                  and r["project"] is not None]
    rng = seeded(seed, "gcp-corrections", month)
    picked = sorted(rng.sample(range(len(candidates)), min(len(candidates), max(3, int(len(candidates) * share)))))
    at = _dt(_export_us(ctx.start_us + ctx.hours * HOUR_US + 2 * DAY_US + 6 * HOUR_US))

    def scaled(row: dict, factor: float) -> dict:
        new = copy.deepcopy(row)
        new["export_time"] = at
        new["cost"] = _money(row["cost"], factor)
        for key in ("cost_at_list", "cost_at_effective_price_default", "cost_at_list_consumption_model"):
            if row.get(key) is not None:
                new[key] = _money(row[key], factor)
        new["usage"]["amount"] = row["usage"]["amount"] * factor
        new["usage"]["amount_in_pricing_units"] = row["usage"]["amount_in_pricing_units"] * factor
        for c in new["credits"]:
            c["amount"] = _money(c["amount"], factor)
        return new

    fixed = [scaled(candidates[i], -1.0) for i in picked] + [scaled(candidates[i], 0.9) for i in picked]
    late = _usage_chunk(ctx, max(3, rows_per_month // 100), seeded(seed, "gcp-late-tail", month), _Acc(), tail=True)
    return sorted(fixed + late.to_pylist(), key=lambda r: r["export_time"])


def _credit_sum(credits) -> Decimal:
    return sum((Decimal(repr(c["amount"])) for c in credits or ()), Decimal(0))


def invoice_totals(rows: Iterable[dict] | pa.Table) -> dict[str, Decimal]:
    """Per invoice month (YYYY-MM): Σ (cost + Σ credits.amount), exact decimals of the floats written."""
    if isinstance(rows, pa.Table):
        rows = rows.select(["invoice", "cost", "credits"]).to_pylist()
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        m = row["invoice"]["month"]
        totals[f"{m[:4]}-{m[4:]}"] += Decimal(repr(row["cost"])) + _credit_sum(row["credits"])
    return dict(sorted(totals.items()))


# --------------------------------------------------------------------------- writing
def _tables(rows, detailed: bool | None = None) -> Iterator[pa.Table]:
    """Rows given as dicts, a table or tables, as tables (dicts: of the table their fields say)."""
    if isinstance(rows, pa.Table):
        yield rows
    elif isinstance(rows, list) and (not rows or isinstance(rows[0], dict)):
        if rows:
            yield pa.Table.from_pylist(rows, schema=arrow_schema("resource" in rows[0] if detailed is None
                                                                 else detailed))
    else:
        yield from rows


def _json_lines(table: pa.Table) -> pa.Array:
    """The rows as BigQuery's NEWLINE_DELIMITED_JSON extract writes them: TIMESTAMP "2025-10-01 07:00:00 UTC",
    NUMERIC as strings, FLOAT as numbers, NULL fields left out, repeated fields as arrays (maybe [])."""
    columns, select = [], []
    for name, col in zip(table.column_names, table.columns):
        col = col.combine_chunks()
        if pa.types.is_timestamp(col.type):
            text = pc.replace_substring_regex(pc.strftime(col, format="%Y-%m-%d %H:%M:%S"), r"\.?0+$", "")
            col = pc.binary_join_element_wise(text, " UTC", "")
        columns.append(col)
        if pa.types.is_struct(col.type) and any(pa.types.is_decimal(f.type) for f in col.type):
            # DuckDB prints every decimal digit ("0.000000400"): strip the trailing zeros as BigQuery does
            members = ", ".join(f'"{f.name}" := rtrim(rtrim(CAST("{name}"."{f.name}" AS VARCHAR), \'0\'), \'.\')'
                                if pa.types.is_decimal(f.type) else f'"{f.name}" := "{name}"."{f.name}"'
                                for f in col.type)
            select.append(f'CASE WHEN "{name}" IS NULL THEN NULL ELSE struct_pack({members}) END AS "{name}"')
        else:
            select.append(f'"{name}"')
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("text_rows", pa.table(columns, names=table.column_names))
    lines = con.sql(f"SELECT to_json(q) AS j FROM (SELECT {', '.join(select)} FROM text_rows) q"
                    ).to_arrow_table().column("j").combine_chunks()
    con.close()
    # Drop null members. Keys are schema names, and quotes inside string values are escaped (\\"),
    # so these patterns only match real members: first every `,"key":null`, then a leading one.
    lines = pc.replace_substring_regex(lines, r',"[a-z_]+":null', "")
    lines = pc.replace_substring_regex(lines, r'\{"[a-z_]+":null,', "{")
    return pc.replace_substring_regex(lines, r'\{"[a-z_]+":null\}', "{}")


def write_jsonl(rows: Iterable[dict] | pa.Table | Iterable[pa.Table], path: Path | str, gzip: bool = False) -> int:
    """Write rows as a BigQuery NEWLINE_DELIMITED_JSON extract (optionally gzip-compressed); the row count."""
    path = Path(path)
    # mtime 0: the same rows give the same bytes
    out = gzip_module.GzipFile(str(path), "wb", compresslevel=1, mtime=0) if gzip else open(path, "wb")
    count = 0
    with out:
        for table in _tables(rows):
            if table.num_rows:
                lines = _json_lines(table)
                out.write(("\n".join(lines.to_pylist()) + "\n").encode())
                count += table.num_rows
    return count


def write_parquet(rows: Iterable[dict] | pa.Table | Iterable[pa.Table], path: Path | str,
                  detailed: bool = True) -> int:
    """Write rows as a BigQuery PARQUET extract (nested structs and lists, UTC timestamps, NUMERIC as
    decimal128(38, 9)); the row count."""
    schema, count = arrow_schema(detailed), 0
    with pq.ParquetWriter(str(path), schema, compression="snappy") as writer:
        for table in _tables(rows, detailed):
            writer.write_table(table.select(schema.names).cast(schema))
            count += table.num_rows
    return count


# --------------------------------------------------------------------------- CLI
def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate deterministic sample GCP billing export rows.")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--months", nargs="+", default=["2025-06", "2025-07", "2025-08"])
    parser.add_argument("--rows", type=int, default=2000, help="usage rows per invoice month")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--standard", action="store_true", help="the standard table (default: detailed)")
    parser.add_argument("--format", choices=["jsonl", "jsonl.gz", "parquet"], default="jsonl")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    table = ("gcp_billing_export_v1_" if args.standard else "gcp_billing_export_resource_v1_") + \
        BILLING_ACCOUNT.replace("-", "_")
    for month in args.months:
        path = args.out / f"{table}-{month}.{args.format}"
        tables = generate_tables([month], args.rows, args.seed, detailed=not args.standard)
        if args.format == "parquet":
            n = write_parquet(tables, path, detailed=not args.standard)
        else:
            n = write_jsonl(tables, path, gzip=args.format == "jsonl.gz")
        print(f"{month}: {n} rows -> {path}")


if __name__ == "__main__":
    main()
