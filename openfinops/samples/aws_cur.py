"""Deterministic generator of realistic AWS billing exports (legacy CUR and CUR 2.0).

The files are laid out exactly as AWS delivers them to S3, with ``root`` standing in
for ``s3://<bucket>/<prefix>``; keys written *inside* manifests are the full keys AWS
would write (relative to the bucket, or full ``s3://`` URIs for CUR 2.0).

Both formats are rendered from one canonical set of line items, so a v1 and a v2 export
generated with the same seed describe the same bill.  Everything is vectorised with
pyarrow (numpy is not a project dependency) and written in chunks of ``CHUNK_ROWS`` rows
so that benchmarks with ~10M rows run in bounded memory.

Economics modelled (AWS semantics):
  Usage (on-demand and Spot), DiscountedUsage (RI covered, unblended 0), RIFee, Fee (RI
  upfront once, monthly Support), SavingsPlanCoveredUsage / SavingsPlanNegation /
  SavingsPlanRecurringFee, Tax, Credit, Refund.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import random
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CHUNK_ROWS = 200_000
GZIP_LEVEL = 1  # fast: these files are regenerated, not archived

# Calendar facts of the demo organisation.  They are absolute months (not "the first
# period generated") so that regenerating a single period, e.g. a restatement, produces
# the same schema as the original delivery.
RI_PURCHASE_PERIOD = "2026-08"      # upfront RI Fee appears once, in this month
SAVINGS_PLAN_START = "2026-09"      # legacy CUR only grows savingsPlan/* columns from here
COST_CENTER_TAG_START = "2026-09"   # user:CostCenter activated as cost allocation tag here
REFUND_PERIOD = "2026-09"

PAYER = ("012345678901", "Demo Org Management")
ACCOUNTS = [  # (id, name, default team, default environment); ids keep leading zeros
    PAYER + ("platform", "prod"),
    ("000987654321", "demo-prod", "web", "prod"),
    ("123456789012", "demo-staging", "web", "staging"),
    ("098765432109", "demo-data", "data", "prod"),
    ("210987654321", "demo-sandbox", "ml", "dev"),
]
TEAMS = ["platform", "web", "data", "ml"]
ENVIRONMENTS = ["prod", "staging", "dev"]
COST_CENTERS = ["CC-1001", "CC-1002", "CC-2001"]

# (region code, location, usage type prefix).  us-east-1 usage types carry no prefix
# (e.g. "BoxUsage:m5.large"), every other region does (e.g. "USW2-BoxUsage:m5.large").
REGIONS = [
    ("us-east-1", "US East (N. Virginia)", ""),
    ("us-west-2", "US West (Oregon)", "USW2-"),
    ("eu-west-1", "EU (Ireland)", "EU-"),
    ("eu-central-1", "EU (Frankfurt)", "EUC1-"),
]

INVOICING_ENTITY = "Amazon Web Services, Inc."
MARKETPLACE_PRODUCT = "8r6lmvjn0b3y0rqz2x2wcbh5o"  # Marketplace product codes are opaque ids

# Reserved Instance (partial upfront, 1yr, m5.xlarge us-east-1) and Savings Plan terms.
RI_OD_RATE = 0.192
RI_UPFRONT_HOURLY = 0.0450   # amortised upfront per reserved hour
RI_RECURRING_HOURLY = 0.0380
SP_OD_RATE = 0.136           # c6g.xlarge on-demand
SP_RATE = 0.0952             # Compute Savings Plan rate for the same usage


@dataclass(frozen=True)
class Template:
    """One kind of usage line item; rows are sampled from resources of these templates."""

    key: str
    product_code: str
    product_name: str
    usage_type: str            # without the region prefix
    operation: str
    unit: str
    rate: float                # public on-demand rate per unit
    amount: tuple[float, float]
    family: str
    weight: float
    resource: str              # format string, see _resource_id
    line_type: str = "Usage"
    instance_type: str = ""
    norm_factor: float | None = None
    daily: bool = False
    zonal: bool = False
    regions: tuple[int, ...] = (0, 1, 2, 3)
    billing_entity: str = "AWS"
    legal_entity: str = "Amazon Web Services, Inc."
    term: str | None = "OnDemand"
    extra: dict = field(default_factory=dict)  # long-tail product attributes (v2 product map)


TEMPLATES = [
    Template("ec2_m5l", "AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:m5.large", "RunInstances",
             "Hrs", 0.096, (1, 1), "Compute Instance", 18, "i-{h17}", instance_type="m5.large",
             norm_factor=4, zonal=True, extra={"vcpu": "2", "memory": "8 GiB", "operating_system": "Linux"}),
    Template("ec2_c5xl", "AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:c5.xlarge", "RunInstances",
             "Hrs", 0.17, (1, 1), "Compute Instance", 8, "i-{h17}", instance_type="c5.xlarge",
             norm_factor=8, zonal=True, extra={"vcpu": "4", "memory": "8 GiB", "operating_system": "Linux"}),
    Template("ec2_spot", "AmazonEC2", "Amazon Elastic Compute Cloud", "SpotUsage:m5.large", "RunInstances:SV001",
             "Hrs", 0.0352, (1, 1), "Compute Instance", 6, "i-{h17}", instance_type="m5.large",
             norm_factor=4, zonal=True, term=None, extra={"vcpu": "2", "memory": "8 GiB"}),
    Template("ec2_ri", "AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:m5.xlarge", "RunInstances",
             "Hrs", RI_OD_RATE, (1, 1), "Compute Instance", 10, "i-{h17}", line_type="DiscountedUsage",
             instance_type="m5.xlarge", norm_factor=8, zonal=True, regions=(0,), term="Reserved",
             extra={"vcpu": "4", "memory": "16 GiB", "operating_system": "Linux"}),
    Template("ec2_sp", "AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:c6g.xlarge", "RunInstances",
             "Hrs", SP_OD_RATE, (1, 1), "Compute Instance", 10, "i-{h17}", line_type="SavingsPlanCoveredUsage",
             instance_type="c6g.xlarge", norm_factor=8, zonal=True,
             extra={"vcpu": "4", "memory": "8 GiB", "operating_system": "Linux"}),
    Template("ebs_gp3", "AmazonEC2", "Amazon Elastic Compute Cloud", "EBS:VolumeUsage.gp3", "CreateVolume-Gp3",
             "GB-Mo", 0.08, (0.5, 20), "Storage", 8, "vol-{h17}", daily=True, zonal=True,
             extra={"volume_api_name": "gp3"}),
    Template("nat", "AmazonEC2", "Amazon Elastic Compute Cloud", "NatGateway-Hours", "NatGateway",
             "Hrs", 0.045, (1, 1), "NAT Gateway", 3, "arn:aws:ec2:{region}:{account}:natgateway/nat-{h17}"),
    Template("s3_storage", "AmazonS3", "Amazon Simple Storage Service", "TimedStorage-ByteHrs", "StandardStorage",
             "GB-Mo", 0.023, (1, 400), "Storage", 8, "demo-{team}-{h8}", daily=True,
             extra={"storage_class": "General Purpose"}),
    Template("s3_requests", "AmazonS3", "Amazon Simple Storage Service", "Requests-Tier1", "PutObject",
             "Requests", 0.000005, (100, 50000), "API Request", 4, "demo-{team}-{h8}"),
    Template("rds", "AmazonRDS", "Amazon Relational Database Service", "InstanceUsage:db.r6g.large",
             "CreateDBInstance:0014", "Hrs", 0.225, (1, 1), "Database Instance", 6,
             "arn:aws:rds:{region}:{account}:db:{team}-db-{h4}", instance_type="db.r6g.large", norm_factor=4,
             zonal=True, extra={"database_engine": "PostgreSQL", "vcpu": "2", "memory": "16 GiB"}),
    Template("lambda", "AWSLambda", "AWS Lambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second",
             0.0000166667, (100, 40000), "Serverless", 6,
             "arn:aws:lambda:{region}:{account}:function:{team}-fn-{h4}"),
    Template("cloudfront", "AmazonCloudFront", "Amazon CloudFront", "US-DataTransfer-Out-Bytes", "GET",
             "GB", 0.085, (0.1, 30), "Data Transfer", 4, "arn:aws:cloudfront::{account}:distribution/E{H13}",
             regions=(0,)),
    Template("dynamodb", "AmazonDynamoDB", "Amazon DynamoDB", "ReadRequestUnits", "PayPerRequestThroughput",
             "ReadRequestUnits", 0.00000025, (1000, 2_000_000), "Amazon DynamoDB PayPerRequest Throughput", 4,
             "arn:aws:dynamodb:{region}:{account}:table/{team}-table-{h4}"),
    Template("eks", "AmazonEKS", "Amazon Elastic Container Service for Kubernetes", "AmazonEKS-Hours:perCluster",
             "CreateOperation", "Hours", 0.10, (1, 1), "Compute", 3,
             "arn:aws:eks:{region}:{account}:cluster/{team}-cluster"),
    Template("cloudwatch", "AmazonCloudWatch", "AmazonCloudWatch", "CW:MetricMonitorUsage", "MetricStorage",
             "Metrics", 0.30, (0.1, 5), "Metric", 3, "", daily=True),
    Template("datatransfer", "AWSDataTransfer", "AWS Data Transfer", "DataTransfer-Out-Bytes", "PublicIP-Out",
             "GB", 0.09, (0.01, 10), "Data Transfer", 4, "i-{h17}"),
    Template("vpc_ipv4", "AmazonVPC", "Amazon Virtual Private Cloud", "PublicIPv4:InUseAddress",
             "AssociateAddressVPC", "Hrs", 0.005, (1, 1), "VPC Public IPv4 Address", 3,
             "arn:aws:ec2:{region}:{account}:ipv4pool-ec2/eipalloc-{h17}"),
    Template("marketplace", MARKETPLACE_PRODUCT, "Acme Observability Pro (Demo)", "SoftwareUsage:hosts",
             "Unknown", "Hosts", 0.03, (1, 12), "SaaS", 2, "", regions=(0,), billing_entity="AWS Marketplace",
             legal_entity="Acme Observability, Inc.", term=None),
]


# --------------------------------------------------------------------------- columns
# (legacy CUR name, legacy manifest type, CUR 2.0 name, CUR 2.0 type, canonical kind)
# kind: "s" string, "n" number (float64), "t" timestamp.  A CUR 2.0 name "product:x"
# means the attribute lives in the ``product`` map under key x (CUR 2.0 keeps only a
# fixed set of product_* columns and moves the long tail into that map).
COLUMNS = [
    ("identity/LineItemId", "String", "identity_line_item_id", "string", "s"),
    ("identity/TimeInterval", "Interval", "identity_time_interval", "string", "s"),
    ("bill/InvoiceId", "OptionalString", "bill_invoice_id", "string", "s"),
    ("bill/InvoicingEntity", "OptionalString", "bill_invoicing_entity", "string", "s"),
    ("bill/BillingEntity", "String", "bill_billing_entity", "string", "s"),
    ("bill/BillType", "String", "bill_bill_type", "string", "s"),
    ("bill/PayerAccountId", "String", "bill_payer_account_id", "string", "s"),
    (None, None, "bill_payer_account_name", "string", "s"),
    ("bill/BillingPeriodStartDate", "DateTime", "bill_billing_period_start_date", "timestamp", "t"),
    ("bill/BillingPeriodEndDate", "DateTime", "bill_billing_period_end_date", "timestamp", "t"),
    ("lineItem/UsageAccountId", "String", "line_item_usage_account_id", "string", "s"),
    (None, None, "line_item_usage_account_name", "string", "s"),
    ("lineItem/LineItemType", "String", "line_item_line_item_type", "string", "s"),
    ("lineItem/UsageStartDate", "DateTime", "line_item_usage_start_date", "timestamp", "t"),
    ("lineItem/UsageEndDate", "DateTime", "line_item_usage_end_date", "timestamp", "t"),
    ("lineItem/ProductCode", "String", "line_item_product_code", "string", "s"),
    ("lineItem/UsageType", "OptionalString", "line_item_usage_type", "string", "s"),
    ("lineItem/Operation", "OptionalString", "line_item_operation", "string", "s"),
    ("lineItem/AvailabilityZone", "OptionalString", "line_item_availability_zone", "string", "s"),
    ("lineItem/ResourceId", "OptionalString", "line_item_resource_id", "string", "s"),
    ("lineItem/UsageAmount", "OptionalBigDecimal", "line_item_usage_amount", "double", "n"),
    ("lineItem/NormalizationFactor", "OptionalBigDecimal", "line_item_normalization_factor", "double", "n"),
    ("lineItem/NormalizedUsageAmount", "OptionalBigDecimal", "line_item_normalized_usage_amount", "double", "n"),
    ("lineItem/CurrencyCode", "String", "line_item_currency_code", "string", "s"),
    ("lineItem/UnblendedRate", "OptionalBigDecimal", "line_item_unblended_rate", "double", "n"),
    ("lineItem/UnblendedCost", "BigDecimal", "line_item_unblended_cost", "double", "n"),
    ("lineItem/BlendedRate", "OptionalBigDecimal", "line_item_blended_rate", "double", "n"),
    ("lineItem/BlendedCost", "BigDecimal", "line_item_blended_cost", "double", "n"),
    (None, None, "line_item_net_unblended_cost", "double", "n"),
    ("lineItem/LineItemDescription", "String", "line_item_line_item_description", "string", "s"),
    ("lineItem/TaxType", "OptionalString", "line_item_tax_type", "string", "s"),
    ("lineItem/LegalEntity", "OptionalString", "line_item_legal_entity", "string", "s"),
    ("product/ProductName", "OptionalString", "product:product_name", None, "s"),
    ("product/servicecode", "OptionalString", "product_servicecode", "string", "s"),
    ("product/sku", "OptionalString", "product_sku", "string", "s"),
    ("product/productFamily", "OptionalString", "product_product_family", "string", "s"),
    ("product/region", "OptionalString", "product:region", None, "s"),
    ("product/regionCode", "OptionalString", "product_region_code", "string", "s"),
    ("product/location", "OptionalString", "product_location", "string", "s"),
    ("product/locationType", "OptionalString", "product_location_type", "string", "s"),
    ("product/instanceType", "OptionalString", "product_instance_type", "string", "s"),
    ("product/instanceFamily", "OptionalString", "product_instance_family", "string", "s"),
    ("product/usagetype", "OptionalString", "product_usagetype", "string", "s"),
    ("product/operation", "OptionalString", "product_operation", "string", "s"),
    ("product/vcpu", "OptionalString", "product:vcpu", None, "s"),
    ("product/memory", "OptionalString", "product:memory", None, "s"),
    ("product/operatingSystem", "OptionalString", "product:operating_system", None, "s"),
    ("product/storageClass", "OptionalString", "product:storage_class", None, "s"),
    ("product/volumeApiName", "OptionalString", "product:volume_api_name", None, "s"),
    ("product/databaseEngine", "OptionalString", "product:database_engine", None, "s"),
    ("pricing/term", "OptionalString", "pricing_term", "string", "s"),
    ("pricing/unit", "OptionalString", "pricing_unit", "string", "s"),
    ("pricing/currency", "OptionalString", "pricing_currency", "string", "s"),
    ("pricing/publicOnDemandCost", "OptionalBigDecimal", "pricing_public_on_demand_cost", "double", "n"),
    ("pricing/publicOnDemandRate", "OptionalBigDecimal", "pricing_public_on_demand_rate", "double", "n"),
    ("pricing/RateCode", "OptionalString", "pricing_rate_code", "string", "s"),
    ("pricing/RateId", "OptionalString", "pricing_rate_id", "string", "s"),
    ("pricing/purchaseOption", "OptionalString", "pricing_purchase_option", "string", "s"),
    ("pricing/offeringClass", "OptionalString", "pricing_offering_class", "string", "s"),
    ("pricing/LeaseContractLength", "OptionalString", "pricing_lease_contract_length", "string", "s"),
    ("reservation/ReservationARN", "OptionalString", "reservation_reservation_a_r_n", "string", "s"),
    ("reservation/EffectiveCost", "OptionalBigDecimal", "reservation_effective_cost", "double", "n"),
    ("reservation/AmortizedUpfrontCostForUsage", "OptionalBigDecimal",
     "reservation_amortized_upfront_cost_for_usage", "double", "n"),
    ("reservation/AmortizedUpfrontFeeForBillingPeriod", "OptionalBigDecimal",
     "reservation_amortized_upfront_fee_for_billing_period", "double", "n"),
    ("reservation/RecurringFeeForUsage", "OptionalBigDecimal", "reservation_recurring_fee_for_usage", "double", "n"),
    ("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "OptionalBigDecimal",
     "reservation_unused_amortized_upfront_fee_for_billing_period", "double", "n"),
    ("reservation/UnusedRecurringFee", "OptionalBigDecimal", "reservation_unused_recurring_fee", "double", "n"),
    ("reservation/UnusedQuantity", "OptionalBigDecimal", "reservation_unused_quantity", "double", "n"),
    ("reservation/NumberOfReservations", "OptionalString", "reservation_number_of_reservations", "string", "s"),
    ("reservation/StartTime", "OptionalString", "reservation_start_time", "string", "s"),
    ("reservation/EndTime", "OptionalString", "reservation_end_time", "string", "s"),
    ("savingsPlan/SavingsPlanARN", "OptionalString", "savings_plan_savings_plan_a_r_n", "string", "s"),
    ("savingsPlan/SavingsPlanRate", "OptionalBigDecimal", "savings_plan_savings_plan_rate", "double", "n"),
    ("savingsPlan/SavingsPlanEffectiveCost", "OptionalBigDecimal",
     "savings_plan_savings_plan_effective_cost", "double", "n"),
    ("savingsPlan/UsedCommitment", "OptionalBigDecimal", "savings_plan_used_commitment", "double", "n"),
    ("savingsPlan/TotalCommitmentToDate", "OptionalBigDecimal", "savings_plan_total_commitment_to_date", "double", "n"),
    ("savingsPlan/RecurringCommitmentForBillingPeriod", "OptionalBigDecimal",
     "savings_plan_recurring_commitment_for_billing_period", "double", "n"),
    ("savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod", "OptionalBigDecimal",
     "savings_plan_amortized_upfront_commitment_for_billing_period", "double", "n"),
    ("savingsPlan/OfferingType", "OptionalString", "savings_plan_offering_type", "string", "s"),
    ("savingsPlan/PaymentOption", "OptionalString", "savings_plan_payment_option", "string", "s"),
    ("savingsPlan/PurchaseTerm", "OptionalString", "savings_plan_purchase_term", "string", "s"),
    ("savingsPlan/Region", "OptionalString", "savings_plan_region", "string", "s"),
    ("savingsPlan/StartTime", "OptionalString", "savings_plan_start_time", "string", "s"),
    ("savingsPlan/EndTime", "OptionalString", "savings_plan_end_time", "string", "s"),
    ("resourceTags/aws:createdBy", "OptionalString", "resource_tags:aws_createdBy", None, "s"),
    ("resourceTags/user:CostCenter", "OptionalString", "resource_tags:user_CostCenter", None, "s"),
    ("resourceTags/user:Environment", "OptionalString", "resource_tags:user_Environment", None, "s"),
    ("resourceTags/user:Team", "OptionalString", "resource_tags:user_Team", None, "s"),
    ("costCategory/BusinessUnit", "OptionalString", "cost_category:BusinessUnit", None, "s"),
]
KIND = {c[0] or c[2]: c[4] for c in COLUMNS}

# CUR 2.0 fixed schema: all scalar columns plus the map columns, every month.
V2_MAPS = {"product": pa.string(), "resource_tags": pa.string(), "cost_category": pa.string(),
           "discount": pa.float64()}
V2_EXTRA_SCALARS = [("discount_bundled_discount", "double"), ("discount_total_discount", "double")]


def _v2_schema() -> tuple[pa.Schema, list[dict]]:
    arrow = {"string": pa.string(), "double": pa.float64(), "timestamp": pa.timestamp("ms")}
    fields, manifest_cols = [], []
    scalars = [(c[2], c[3]) for c in COLUMNS if ":" not in c[2]] + V2_EXTRA_SCALARS
    names = sorted([n for n, _ in scalars] + list(V2_MAPS))  # AWS lists CUR 2.0 columns alphabetically
    types = dict(scalars)
    for name in names:
        if name in V2_MAPS:
            fields.append(pa.field(name, pa.map_(pa.string(), V2_MAPS[name])))
            manifest_cols.append({"name": name, "type": f"map<string,{'double' if name == 'discount' else 'string'}>"})
        else:
            fields.append(pa.field(name, arrow[types[name]]))
            manifest_cols.append({"name": name, "type": types[name]})
    return pa.schema(fields), manifest_cols


def _v1_columns(period: str) -> list[tuple[str, str]]:
    """Legacy CUR columns for a month: the schema drifts as features get used."""
    cols = []
    for v1, v1type, *_ in COLUMNS:
        if v1 is None:
            continue
        if v1.startswith("savingsPlan/") and period < SAVINGS_PLAN_START:
            continue
        if v1 == "resourceTags/user:CostCenter" and period < COST_CENTER_TAG_START:
            continue
        cols.append((v1, v1type))
    return cols


# --------------------------------------------------------------------------- helpers
def _rng(*parts) -> random.Random:
    # str seeds are hashed with SHA-512 by random.Random, so this is stable across runs.
    return random.Random(":".join(map(str, parts)))


def _uniform(rng: random.Random, n: int) -> pa.Array:
    """n floats in [0, 1) from one C-level randbytes call (no per-row Python)."""
    u32 = pa.Array.from_buffers(pa.uint32(), n, [None, pa.py_buffer(rng.randbytes(4 * n))])
    return pc.divide(pc.cast(u32, pa.float64()), 2.0 ** 32)


def _index(u: pa.Array, k) -> pa.Array:
    return pc.cast(pc.floor(pc.multiply(u, k)), pa.int64())


def _arange(n: int) -> pa.Array:
    return pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), n)), 1)


def _fixed_width_strings(text: bytes, n: int, width: int) -> pa.Array:
    """Cut one ASCII blob into n strings of ``width`` characters without a Python loop."""
    offsets = pc.cast(pc.multiply(_arange(n + 1), width), pa.int32())
    return pa.StringArray.from_buffers(n, offsets.buffers()[1], pa.py_buffer(text))


_B32_TABLE = bytes(b"abcdefghijklmnopqrstuvwxyz234567"[i % 32] for i in range(256))


def _random_ids(rng: random.Random, n: int) -> pa.Array:
    # Real line item ids are 52-char lowercase base32 strings.  Mapping each random byte
    # through a 256-entry table (byte % 32) is uniform and runs in C (base64.b32encode doesn't).
    return _fixed_width_strings(rng.randbytes(52 * n).translate(_B32_TABLE), n, 52)


def _uuid(*parts) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:16], version=4))


def _period_bounds(period: str) -> tuple[datetime, datetime]:
    start = datetime.strptime(period, "%Y-%m").replace(tzinfo=timezone.utc)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def _lookup(values: list, idx: pa.Array, type_=None) -> pa.Array:
    return pc.take(pa.array(values, type_), idx)


def _fmt_decimal(arr: pa.Array) -> pa.Array:
    """Render numbers as AWS does in CSV: plain decimal text with fixed precision."""
    text = pc.cast(pc.cast(pc.round(arr, 10), pa.decimal128(38, 10)), pa.string())
    return pc.replace_substring_regex(text, r"^-?0E-10$", "0.0000000000")


def _fmt_ts(arr: pa.Array) -> pa.Array:
    return pc.strftime(arr, format="%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- model
class _Org:
    """The resources of the demo organisation, sized to the requested volume."""

    def __init__(self, seed: int, rows_per_period: int):
        rng = _rng(seed, "org")
        pool = max(8, min(5000, rows_per_period // 200))
        total_w = sum(t.weight for t in TEMPLATES)
        res: dict[str, list] = {k: [] for k in ("tmpl", "account", "region", "az", "id", "team", "env", "cc", "by")}
        self.pool_start, self.pool_size = [], []
        for ti, t in enumerate(TEMPLATES):
            self.pool_start.append(len(res["id"]))
            size = max(2, int(pool * t.weight / total_w * 4))
            self.pool_size.append(size)
            for _ in range(size):  # per-resource (not per-row) loop: a few thousand at most
                if t.key == "ec2_ri":
                    acct = rng.choice([1, 2])  # RI bought by the payer, used by prod/staging
                elif t.key == "marketplace":
                    acct = 0
                else:
                    acct = rng.randrange(len(ACCOUNTS))
                reg = rng.choice(t.regions)
                team = ACCOUNTS[acct][2] if rng.random() < 0.8 else rng.choice(TEAMS)
                tagged = rng.random() < 0.85 and t.resource != ""
                h = rng.randbytes(12).hex()
                rid = t.resource.format(h17=h[:17], h8=h[:8], h4=h[:4], H13=h[:13].upper(), team=team,
                                        region=REGIONS[reg][0], account=ACCOUNTS[acct][0])
                res["tmpl"].append(ti)
                res["account"].append(acct)
                res["region"].append(reg)
                res["az"].append(REGIONS[reg][0] + "abc"[rng.randrange(3)] if t.zonal else None)
                res["id"].append(rid or None)
                res["team"].append(team if tagged else None)
                res["env"].append(ACCOUNTS[acct][3] if tagged else None)
                res["cc"].append(rng.choice(COST_CENTERS) if tagged else None)
                res["by"].append(f"AssumedRole:AROA{h[:16].upper()}:terraform" if tagged and rng.random() < 0.6
                                 else None)
        self.res = {k: pa.array(v) for k, v in res.items()}
        # Template sampling table: 1000 slots filled in proportion to weights.
        table = []
        for ti, t in enumerate(TEMPLATES):
            table += [ti] * round(1000 * t.weight / total_w)
        self.template_table = pa.array(table, pa.int64())
        self.ri_arn = f"arn:aws:ec2:us-east-1:{PAYER[0]}:reserved-instances/{_uuid(seed, 'ri')}"
        self.sp_arn = f"arn:aws:savingsplans::{PAYER[0]}:savingsplan/{_uuid(seed, 'sp')}"
        # Size commitments so that RI/SP utilisation lands around 85-90% whatever the volume.
        share = {t.key: t.weight / sum(TEMPLATES[i].weight for i in self.template_table.unique().to_pylist())
                 for t in TEMPLATES}
        self.ri_share, self.sp_share = share["ec2_ri"], share["ec2_sp"]


@dataclass
class _Totals:
    """Per-period accumulators needed by the monthly fee/tax/credit lines."""

    ri_used_hours: float = 0.0
    sp_used: float = 0.0
    per_account: list = field(default_factory=lambda: [0.0] * len(ACCOUNTS))


def _usage_chunk(org: _Org, period: str, n: int, rng: random.Random, revision: int, restate_rng: random.Random | None,
                 totals: _Totals) -> dict[str, pa.Array]:
    """n usage line items (+ their SavingsPlanNegation twins) as canonical arrays."""
    start, end = _period_bounds(period)
    hours = int((end - start).total_seconds() // 3600)
    sp_active = period >= SAVINGS_PLAN_START
    cc_active = period >= COST_CENTER_TAG_START

    tmpl = pc.take(org.template_table, _index(_uniform(rng, n), len(org.template_table)))
    if not sp_active:  # before the Savings Plan existed that usage was plain on-demand
        sp_idx = next(i for i, t in enumerate(TEMPLATES) if t.key == "ec2_sp")
        od_idx = next(i for i, t in enumerate(TEMPLATES) if t.key == "ec2_c5xl")
        tmpl = pc.if_else(pc.equal(tmpl, sp_idx), od_idx, tmpl)
    size = pc.take(pa.array(org.pool_size, pa.int64()), tmpl)
    within = pc.cast(pc.floor(pc.multiply(_uniform(rng, n), pc.cast(size, pa.float64()))), pa.int64())
    res = pc.add(pc.take(pa.array(org.pool_start, pa.int64()), tmpl), within)
    R = {k: pc.take(v, res) for k, v in org.res.items()}
    T = lambda attr, type_=None: _lookup([getattr(t, attr) for t in TEMPLATES], tmpl, type_)  # noqa: E731

    daily = T("daily")
    slot = _index(_uniform(rng, n), hours)
    slot = pc.if_else(daily, pc.multiply(pc.divide(slot, 24), 24), slot)  # daily lines start at midnight
    span = pc.if_else(daily, 24 * 3600, 3600)
    t0 = int(start.timestamp())
    start_s = pc.add(pc.multiply(slot, 3600), t0)
    usage_start = pc.cast(start_s, pa.timestamp("s"))
    usage_end = pc.cast(pc.add(start_s, span), pa.timestamp("s"))

    lo = _lookup([t.amount[0] for t in TEMPLATES], tmpl, pa.float64())
    hi = _lookup([t.amount[1] for t in TEMPLATES], tmpl, pa.float64())
    amount = pc.add(lo, pc.multiply(_uniform(rng, n), pc.subtract(hi, lo)))
    amount = pc.if_else(daily, pc.divide(amount, 30.0), amount)  # GB-Mo accrue per day
    if restate_rng is not None:  # restatement: AWS re-rated ~3% of the lines upward
        bump = pc.less(_uniform(restate_rng, n), 0.03)
        amount = pc.if_else(bump, pc.multiply(amount, 1.15), amount)
    amount = pc.round(amount, 8)

    rate = T("rate", pa.float64())
    line_type = T("line_type")
    is_ri = pc.equal(line_type, "DiscountedUsage")
    is_sp = pc.equal(line_type, "SavingsPlanCoveredUsage")
    od_cost = pc.multiply(amount, rate)
    unblended_rate = pc.if_else(is_ri, 0.0, rate)
    unblended = pc.if_else(is_ri, 0.0, od_cost)
    nf = T("norm_factor", pa.float64())
    prefix = _lookup([r[2] for r in REGIONS], R["region"])
    usage_type = pc.binary_join_element_wise(prefix, T("usage_type"), "")
    is_mp = pc.equal(T("billing_entity"), "AWS Marketplace")
    usage_type = pc.if_else(is_mp, T("usage_type"), usage_type)
    null_s = pa.nulls(n, pa.string())
    null_n = pa.nulls(n, pa.float64())
    desc = pc.binary_join_element_wise(
        "$", pc.cast(rate, pa.string()), " per ", T("unit"), " for ", T("usage_type"), "")
    desc = pc.if_else(is_ri, pc.binary_join_element_wise(
        "USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), ", T("instance_type"), " reserved instance applied", ""), desc)
    desc = pc.if_else(is_sp, pc.binary_join_element_wise(
        f"Compute Savings Plan rate {SP_RATE} applied to ", T("usage_type"), ""), desc)
    # SKU should identify the product, not the row: derive it from template + region.
    sku_tbl = [hashlib.sha1(f"{t.key}{r[0]}".encode()).hexdigest()[:16].upper() for t in TEMPLATES for r in REGIONS]
    sku = pc.take(pa.array(sku_tbl), pc.add(pc.multiply(tmpl, len(REGIONS)), R["region"]))
    term = T("term")
    extra = {k: _lookup([t.extra.get(k) for t in TEMPLATES], tmpl)
             for k in ("vcpu", "memory", "operating_system", "storage_class", "volume_api_name", "database_engine")}

    ri_eff_rate = RI_UPFRONT_HOURLY + RI_RECURRING_HOURLY
    c: dict[str, pa.Array] = {
        "identity/LineItemId": _random_ids(rng, n),
        "lineItem/UsageAccountId": _lookup([a[0] for a in ACCOUNTS], R["account"]),
        "line_item_usage_account_name": _lookup([a[1] for a in ACCOUNTS], R["account"]),
        "lineItem/LineItemType": line_type,
        "lineItem/UsageStartDate": usage_start,
        "lineItem/UsageEndDate": usage_end,
        "lineItem/ProductCode": T("product_code"),
        "lineItem/UsageType": usage_type,
        "lineItem/Operation": T("operation"),
        "lineItem/AvailabilityZone": R["az"],
        "lineItem/ResourceId": R["id"],
        "lineItem/UsageAmount": amount,
        "lineItem/NormalizationFactor": nf,
        "lineItem/NormalizedUsageAmount": pc.multiply(amount, nf),
        "lineItem/UnblendedRate": unblended_rate,
        "lineItem/UnblendedCost": unblended,
        "lineItem/BlendedRate": unblended_rate,
        "lineItem/BlendedCost": unblended,
        "lineItem/LineItemDescription": desc,
        "lineItem/LegalEntity": T("legal_entity"),
        "bill/BillingEntity": T("billing_entity"),
        "product/ProductName": T("product_name"),
        "product/servicecode": pc.if_else(is_mp, null_s, T("product_code")),
        "product/sku": sku,
        "product/productFamily": T("family"),
        "product/region": pc.if_else(is_mp, null_s, _lookup([r[0] for r in REGIONS], R["region"])),
        "product/regionCode": pc.if_else(is_mp, null_s, _lookup([r[0] for r in REGIONS], R["region"])),
        "product/location": pc.if_else(is_mp, null_s, _lookup([r[1] for r in REGIONS], R["region"])),
        "product/locationType": pc.if_else(is_mp, null_s, pa.repeat("AWS Region", n)),
        "product/instanceType": pc.if_else(pc.equal(T("instance_type"), ""), null_s, T("instance_type")),
        "product/instanceFamily": pc.if_else(pc.equal(T("family"), "Compute Instance"),
                                             pc.if_else(is_ri, "General purpose", "Compute optimized"), null_s),
        "product/usagetype": usage_type,
        "product/operation": T("operation"),
        "product/vcpu": extra["vcpu"],
        "product/memory": extra["memory"],
        "product/operatingSystem": extra["operating_system"],
        "product/storageClass": extra["storage_class"],
        "product/volumeApiName": extra["volume_api_name"],
        "product/databaseEngine": extra["database_engine"],
        "pricing/term": term,
        "pricing/unit": T("unit"),
        "pricing/currency": pc.if_else(pc.is_null(term), null_s, pa.repeat("USD", n)),
        "pricing/publicOnDemandCost": od_cost,
        "pricing/publicOnDemandRate": rate,
        "pricing/RateCode": pc.binary_join_element_wise(sku, pc.if_else(is_ri, ".4NA3R6Y6AM", ".JRTCKXETXF"),
                                                        ".6YS6EN2CT7", ""),
        "pricing/purchaseOption": pc.if_else(is_ri, "Partial Upfront", null_s),
        "pricing/offeringClass": pc.if_else(is_ri, "standard", null_s),
        "pricing/LeaseContractLength": pc.if_else(is_ri, "1yr", null_s),
        "reservation/ReservationARN": pc.if_else(is_ri, org.ri_arn, null_s),
        "reservation/EffectiveCost": pc.if_else(is_ri, pc.multiply(amount, ri_eff_rate), null_n),
        "reservation/AmortizedUpfrontCostForUsage": pc.if_else(is_ri, pc.multiply(amount, RI_UPFRONT_HOURLY), null_n),
        "reservation/RecurringFeeForUsage": pc.if_else(is_ri, pc.multiply(amount, RI_RECURRING_HOURLY), null_n),
        "savingsPlan/SavingsPlanARN": pc.if_else(is_sp, org.sp_arn, null_s),
        "savingsPlan/SavingsPlanRate": pc.if_else(is_sp, SP_RATE, null_n),
        "savingsPlan/SavingsPlanEffectiveCost": pc.if_else(is_sp, pc.multiply(amount, SP_RATE), null_n),
        "resourceTags/user:Team": R["team"],
        "resourceTags/user:Environment": R["env"],
        "resourceTags/user:CostCenter": R["cc"] if cc_active else null_s,
        "resourceTags/aws:createdBy": R["by"],
        "costCategory/BusinessUnit": pc.if_else(pc.is_in(R["team"], pa.array(["data", "ml"])), "Analytics",
                                                pc.if_else(pc.is_null(R["team"]), null_s, "Engineering")),
    }
    c["pricing/RateId"] = pc.cast(pc.add(pc.multiply(pc.add(tmpl, 1), 1_000_003), R["region"]), pa.string())
    c["bill/BillType"] = pa.repeat("Anniversary", n)
    c["lineItem/LineItemDescription"] = pc.if_else(is_mp, "Acme Observability Pro - hosts", desc)

    totals.ri_used_hours += pc.sum(pc.if_else(is_ri, amount, 0.0)).as_py() or 0.0
    totals.sp_used += pc.sum(pc.if_else(is_sp, pc.multiply(amount, SP_RATE), 0.0)).as_py() or 0.0
    _add_per_account(totals, c["lineItem/UsageAccountId"], unblended)

    # SavingsPlanNegation: one twin per covered line, cancelling its on-demand cost.
    neg_mask = is_sp
    if pc.any(neg_mask).as_py():
        neg = {k: pc.filter(v, neg_mask) for k, v in c.items()}
        m = len(neg["identity/LineItemId"])
        mn = pa.nulls(m, pa.float64())
        neg.update({
            "identity/LineItemId": _random_ids(rng, m),
            "lineItem/LineItemType": pa.repeat("SavingsPlanNegation", m),
            "lineItem/UnblendedRate": pc.negate(neg["lineItem/UnblendedRate"]),
            "lineItem/UnblendedCost": pc.negate(neg["lineItem/UnblendedCost"]),
            "lineItem/BlendedRate": pc.negate(neg["lineItem/BlendedRate"]),
            "lineItem/BlendedCost": pc.negate(neg["lineItem/BlendedCost"]),
            "lineItem/LineItemDescription": pc.binary_join_element_wise(
                "SavingsPlanNegation used by AccountId : ", neg["lineItem/UsageAccountId"],
                " and UsageSku : ", neg["product/sku"], ""),
            "pricing/publicOnDemandCost": mn, "pricing/publicOnDemandRate": mn,
            "savingsPlan/SavingsPlanRate": mn, "savingsPlan/SavingsPlanEffectiveCost": mn,
        })
        _add_per_account(totals, neg["lineItem/UsageAccountId"], neg["lineItem/UnblendedCost"])
        c = {k: pa.concat_arrays([c[k], neg[k]]) for k in c}
    return c


def _add_per_account(totals: _Totals, account_ids: pa.Array, cost: pa.Array) -> None:
    grouped = pa.table({"a": account_ids, "c": cost}).group_by("a").aggregate([("c", "sum")])
    index = {a[0]: i for i, a in enumerate(ACCOUNTS)}
    for a, s in zip(grouped["a"].to_pylist(), grouped["c_sum"].to_pylist()):  # one per account
        totals.per_account[index[a]] += s or 0.0


def _monthly_chunk(org: _Org, period: str, rows_per_period: int, totals: _Totals, seed: int,
                   revision: int) -> dict[str, pa.Array]:
    """Fees, RI/SP recurring fees, taxes, credits and refunds: a handful of lines per month."""
    start, end = _period_bounds(period)
    hours = (end - start).total_seconds() / 3600
    iso = lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
    rows: list[dict] = []

    def line(account: int, line_type: str, product: str, cost: float, desc: str, **kw) -> None:
        rows.append({"lineItem/UsageAccountId": ACCOUNTS[account][0],
                     "line_item_usage_account_name": ACCOUNTS[account][1],
                     "lineItem/LineItemType": line_type, "lineItem/ProductCode": product,
                     "lineItem/UnblendedCost": cost, "lineItem/BlendedCost": cost,
                     "lineItem/LineItemDescription": desc, "lineItem/LegalEntity": INVOICING_ENTITY,
                     "bill/BillType": "Anniversary", "bill/BillingEntity": "AWS", **kw})

    # Reserved Instances: enough reservations for ~87% utilisation at this volume.
    ri_count = max(1, math.ceil(rows_per_period * org.ri_share / hours / 0.87))
    reserved = ri_count * hours
    unused = max(0.0, reserved - totals.ri_used_hours)
    ri_common = {"reservation/ReservationARN": org.ri_arn, "reservation/NumberOfReservations": str(ri_count),
                 "reservation/StartTime": "2026-08-01T00:00:00.000Z", "reservation/EndTime": "2027-08-01T00:00:00.000Z",
                 "pricing/term": "Reserved", "pricing/purchaseOption": "Partial Upfront",
                 "pricing/offeringClass": "standard", "pricing/LeaseContractLength": "1yr",
                 "product/ProductName": "Amazon Elastic Compute Cloud", "product/servicecode": "AmazonEC2",
                 "product/region": "us-east-1", "product/regionCode": "us-east-1",
                 "product/location": REGIONS[0][1], "product/instanceType": "m5.xlarge"}
    line(0, "RIFee", "AmazonEC2", reserved * RI_RECURRING_HOURLY,
         f"USD {RI_RECURRING_HOURLY} hourly fee per Linux/UNIX (Amazon VPC), m5.xlarge instance",
         **{"lineItem/UsageType": "HeavyUsage:m5.xlarge", "lineItem/Operation": "RunInstances",
            "lineItem/UsageAmount": reserved, "lineItem/UnblendedRate": RI_RECURRING_HOURLY,
            "lineItem/BlendedRate": RI_RECURRING_HOURLY, "lineItem/NormalizationFactor": 8.0,
            "lineItem/NormalizedUsageAmount": reserved * 8,
            "reservation/AmortizedUpfrontFeeForBillingPeriod": reserved * RI_UPFRONT_HOURLY,
            "reservation/UnusedQuantity": unused, "reservation/UnusedRecurringFee": unused * RI_RECURRING_HOURLY,
            "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": unused * RI_UPFRONT_HOURLY,
            "reservation/EffectiveCost": unused * (RI_RECURRING_HOURLY + RI_UPFRONT_HOURLY),
            **ri_common})
    if period == RI_PURCHASE_PERIOD:
        upfront = ri_count * 8760 * RI_UPFRONT_HOURLY
        line(0, "Fee", "AmazonEC2", upfront, "Sign up charge for subscription: m5.xlarge 1yr Partial Upfront",
             **{"bill/BillType": "Purchase", "lineItem/UsageType": "HeavyUsage:m5.xlarge",
                "lineItem/UsageAmount": float(ri_count), **ri_common})

    # Compute Savings Plan, no upfront: the commitment is billed whether used or not.
    if period >= SAVINGS_PLAN_START:
        commitment = round(rows_per_period * org.sp_share * SP_RATE / 0.9, 2)
        used = min(totals.sp_used, commitment)
        line(0, "SavingsPlanRecurringFee", "ComputeSavingsPlans", commitment,
             "1 year No Upfront Compute Savings Plan",
             **{"lineItem/UsageType": "ComputeSP:1yrNoUpfront", "lineItem/UsageAmount": hours,
                "lineItem/UnblendedRate": commitment / hours, "lineItem/BlendedRate": commitment / hours,
                "savingsPlan/SavingsPlanARN": org.sp_arn, "savingsPlan/TotalCommitmentToDate": commitment,
                "savingsPlan/UsedCommitment": used, "savingsPlan/RecurringCommitmentForBillingPeriod": commitment,
                "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod": 0.0,
                "savingsPlan/OfferingType": "ComputeSavingsPlans", "savingsPlan/PaymentOption": "No Upfront",
                "savingsPlan/PurchaseTerm": "1yr", "savingsPlan/Region": "Any",
                "savingsPlan/StartTime": "2026-09-01T00:00:00.000Z", "savingsPlan/EndTime": "2027-09-01T00:00:00.000Z",
                "product/ProductName": "Savings Plans for AWS Compute usage"})

    usage_total = sum(totals.per_account)
    line(0, "Fee", "AWSSupportBusiness", max(100.0, round(0.10 * usage_total, 2)),
         "AWS Support (Business)", **{"product/ProductName": "AWS Support (Business)",
                                      "lineItem/UsageType": "Dollar", "lineItem/Operation": ""})
    for i in (1, 3):  # promotional credits on two accounts, capped
        credit = -min(50.0, round(0.05 * totals.per_account[i], 2))
        line(i, "Credit", "AmazonEC2", credit, "AWS Promotional Credit",
             **{"product/ProductName": "Amazon Elastic Compute Cloud"})
    if period == REFUND_PERIOD:
        line(1, "Refund", "AmazonS3", -25.0, "Refund for S3 service event 2026-09",
             **{"bill/BillType": "Refund", "product/ProductName": "Amazon Simple Storage Service"})
    for i, cost in enumerate(totals.per_account):
        line(i, "Tax", "AmazonEC2", round(max(cost, 0.0) * 0.07, 2), "Tax for product code AmazonEC2",
             **{"lineItem/TaxType": "Sales", "product/ProductName": "Amazon Elastic Compute Cloud"})

    rng = _rng(seed, period, "monthly", revision)
    n = len(rows)
    keys = sorted({k for r in rows for k in r})
    chunk = {}
    for k in keys:
        kind = KIND[k]
        chunk[k] = pa.array([r.get(k) for r in rows], pa.float64() if kind == "n" else pa.string())
    chunk["identity/LineItemId"] = _random_ids(rng, n)
    t0, t1 = pa.scalar(start.replace(tzinfo=None), pa.timestamp("s")), pa.scalar(end.replace(tzinfo=None),
                                                                                 pa.timestamp("s"))
    chunk["lineItem/UsageStartDate"] = pa.repeat(t0, n)
    chunk["lineItem/UsageEndDate"] = pa.repeat(t1, n)
    return chunk


def _finish(chunk: dict[str, pa.Array], period: str, revision: int, final: bool) -> dict[str, pa.Array]:
    """Columns that are the same for every line of the period."""
    n = len(chunk["identity/LineItemId"])
    start, end = _period_bounds(period)
    chunk["bill/PayerAccountId"] = pa.repeat(PAYER[0], n)
    chunk["bill_payer_account_name"] = pa.repeat(PAYER[1], n)
    chunk["bill/InvoicingEntity"] = pa.repeat(INVOICING_ENTITY, n)
    # InvoiceId stays blank until the bill is final.
    chunk["bill/InvoiceId"] = pa.repeat(f"EUINUS26-{period.replace('-', '')}{revision:02d}", n) if final \
        else pa.nulls(n, pa.string())
    chunk["bill/BillingPeriodStartDate"] = pa.repeat(pa.scalar(start.replace(tzinfo=None), pa.timestamp("s")), n)
    chunk["bill/BillingPeriodEndDate"] = pa.repeat(pa.scalar(end.replace(tzinfo=None), pa.timestamp("s")), n)
    chunk["lineItem/CurrencyCode"] = pa.repeat("USD", n)
    chunk["identity/TimeInterval"] = pc.binary_join_element_wise(
        _fmt_ts(chunk["lineItem/UsageStartDate"]), _fmt_ts(chunk["lineItem/UsageEndDate"]), "/")
    chunk["line_item_net_unblended_cost"] = chunk["lineItem/UnblendedCost"]
    return chunk


def _generate_period(period: str, rows_per_period: int, files: int, seed: int, revision: int):
    """Yield (file_index, canonical chunk) in file order; memory bounded by CHUNK_ROWS."""
    org = _Org(seed, rows_per_period)
    totals = _Totals()
    final = True  # the sample periods are closed months, invoiced (restatements get a new invoice)
    per_file = [rows_per_period // files + (1 if j < rows_per_period % files else 0) for j in range(files)]
    for j, rows in enumerate(per_file):
        for k, off in enumerate(range(0, rows, CHUNK_ROWS)):
            n = min(CHUNK_ROWS, rows - off)
            restate = _rng(seed, period, j, k, "restate", revision) if revision > 1 else None
            chunk = _usage_chunk(org, period, n, _rng(seed, period, j, k), revision, restate, totals)
            yield j, _finish(chunk, period, revision, final)
        if j == files - 1:
            if revision > 1:  # restatement also brings late-arriving usage lines
                late = max(1, rows_per_period // 50)
                chunk = _usage_chunk(org, period, late, _rng(seed, period, "late", revision), revision, None, totals)
                yield j, _finish(chunk, period, revision, final)
            yield j, _finish(_monthly_chunk(org, period, rows_per_period, totals, seed, revision),
                             period, revision, final)


# --------------------------------------------------------------------------- v1 writer
def _v1_table(chunk: dict[str, pa.Array], cols: list[tuple[str, str]]) -> pa.Table:
    n = len(chunk["identity/LineItemId"])
    arrays = []
    for name, _ in cols:
        arr = chunk.get(name)
        if arr is None:
            arrays.append(pa.nulls(n, pa.string()))
        elif KIND[name] == "n":
            arrays.append(_fmt_decimal(pc.cast(arr, pa.float64())))
        elif KIND[name] == "t":
            arrays.append(_fmt_ts(arr))
        else:
            arrays.append(pc.cast(arr, pa.string()))
    return pa.table(arrays, names=[c[0] for c in cols])


class _CsvFile:
    """Streaming CSV writer; gzip streams directly, zip stages an uncompressed temp file."""

    def __init__(self, path: Path, schema: pa.Schema, compression: str):
        self.path, self.compression = path, compression
        self.raw = path.with_suffix("") if compression == "ZIP" else path  # x.csv.zip -> x.csv
        if compression == "GZIP":
            # Python's gzip rather than pyarrow's: pyarrow fixes level 9, which made gzip
            # dominate benchmark runtime; mtime=0 keeps the bytes reproducible.
            self.gz = gzip.GzipFile(str(path), "wb", compresslevel=GZIP_LEVEL, mtime=0)
            self.stream = pa.PythonFile(self.gz, mode="w")
        else:
            self.gz = None
            self.stream = pa.OSFile(str(self.raw), "wb")
        self.writer = pacsv.CSVWriter(self.stream, schema, write_options=pacsv.WriteOptions(quoting_style="needed"))

    def write(self, table: pa.Table) -> None:
        self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()
        self.stream.close()
        if self.gz is not None:
            self.gz.close()
        if self.compression == "ZIP":
            with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.write(self.raw, arcname=self.raw.name)
            self.raw.unlink()


def write_cur_v1(root: Path, *, report: str = "demo-cur-v1", prefix: str = "cur", bucket: str = "demo-billing",
                 periods: Sequence[str] = ("2026-08", "2026-09", "2026-10"), rows_per_period: int = 2000,
                 seed: int = 42, revision: int = 1, delivery: str = "new-version", compression: str = "GZIP",
                 files_per_period: int = 2) -> list[Path]:
    """Write a legacy CUR export (CSV, GZIP or ZIP) and return the manifest paths written."""
    if delivery not in ("new-version", "overwrite"):
        raise ValueError(f"delivery must be 'new-version' or 'overwrite', not {delivery!r}")
    if compression not in ("GZIP", "ZIP"):
        raise ValueError(f"compression must be 'GZIP' or 'ZIP', not {compression!r}")
    root = Path(root)
    ext = ".csv.gz" if compression == "GZIP" else ".csv.zip"
    report_id = hashlib.sha256(f"{seed}:{report}".encode()).hexdigest()
    manifests = []
    for period in periods:
        start, end = _period_bounds(period)
        folder = f"{start:%Y%m%d}-{end:%Y%m%d}"
        assembly = _uuid(seed, report, period, revision)
        rel_dir = f"{report}/{folder}/{assembly}" if delivery == "new-version" else f"{report}/{folder}"
        out_dir = root / rel_dir
        if delivery == "overwrite" and out_dir.exists():  # overwrite replaces the previous data files
            for old in out_dir.glob(f"{report}-*.csv.*"):
                old.unlink()
        out_dir.mkdir(parents=True, exist_ok=True)
        cols = _v1_columns(period)
        schema = pa.schema([(c[0], pa.string()) for c in cols])
        names = [f"{report}-{j + 1:05d}{ext}" for j in range(files_per_period)]
        writers: dict[int, _CsvFile] = {}
        for j, chunk in _generate_period(period, rows_per_period, files_per_period, seed, revision):
            if j not in writers:
                for prev in [w for i, w in writers.items() if i < j]:
                    prev.close()
                writers = {i: w for i, w in writers.items() if i >= j}
                writers[j] = _CsvFile(out_dir / names[j], schema, compression)
            writers[j].write(_v1_table(chunk, cols))
        for w in writers.values():
            w.close()
        manifest = {
            "assemblyId": assembly,
            "account": PAYER[0],
            "columns": [{"category": n.split("/", 1)[0], "name": n.split("/", 1)[1], "type": t} for n, t in cols],
            "charset": "UTF-8",
            "compression": compression,
            "contentType": "text/csv",
            "reportId": report_id,
            "reportName": report,
            "billingPeriod": {"start": f"{start:%Y%m%d}T000000.000Z", "end": f"{end:%Y%m%d}T000000.000Z"},
            "bucket": bucket,
            "reportKeys": [f"{prefix}/{rel_dir}/{name}" for name in names],
            "additionalArtifactKeys": [],
        }
        text = json.dumps(manifest, indent=2)
        top = root / report / folder / f"{report}-Manifest.json"
        top.write_text(text)  # the period-level manifest always points at the latest assembly
        if delivery == "new-version":  # AWS also leaves a copy inside each assembly folder
            (out_dir / f"{report}-Manifest.json").write_text(text)
        manifests.append(top)
    return manifests


# --------------------------------------------------------------------------- v2 writer
def _map_array(values: dict[str, pa.Array], n: int, item_type: pa.DataType) -> pa.Array:
    """Build MAP<string, item> rows holding only the keys whose value is not null."""
    keys = list(values)
    if not keys:
        return pa.MapArray.from_arrays(pa.repeat(pa.scalar(0, pa.int32()), n + 1), pa.array([], pa.string()),
                                       pa.array([], item_type))
    k = len(keys)
    flat_vals = pa.concat_arrays([pc.cast(values[key], item_type) for key in keys])  # key-major
    # Re-order to row-major: position p -> row p // k, key p % k -> source (p % k) * n + p // k
    p = _arange(n * k)
    src = pc.add(pc.multiply(pc.subtract(p, pc.multiply(pc.divide(p, k), k)), n), pc.divide(p, k))
    vals = pc.take(flat_vals, src)
    key_names = pc.take(pa.array(keys), pc.subtract(p, pc.multiply(pc.divide(p, k), k)))
    valid = pc.is_valid(vals)
    counts = pc.cast(valid, pa.int32())
    per_row = pa.table({"r": pc.divide(p, k), "c": counts}).group_by("r", use_threads=False) \
        .aggregate([("c", "sum")]).sort_by("r")["c_sum"]
    offsets = pa.concat_arrays([pa.array([0], pa.int64()), pc.cumulative_sum(per_row.combine_chunks())])
    return pa.MapArray.from_arrays(pc.cast(offsets, pa.int32()), pc.filter(key_names, valid), pc.filter(vals, valid))


def _v2_table(chunk: dict[str, pa.Array], schema: pa.Schema) -> pa.Table:
    n = len(chunk["identity/LineItemId"])
    maps: dict[str, dict[str, pa.Array]] = {m: {} for m in V2_MAPS}
    scalars: dict[str, pa.Array] = {}
    for v1, _, v2, _, kind in COLUMNS:
        arr = chunk.get(v1 or v2)
        if ":" in v2:
            m, key = v2.split(":", 1)
            if arr is not None:
                maps[m][key] = arr
        elif arr is not None:
            scalars[v2] = arr
    arrays = []
    for f in schema:
        if f.name in maps:
            arrays.append(_map_array(dict(sorted(maps[f.name].items())), n, V2_MAPS[f.name]))
        elif f.name in scalars:
            arrays.append(pc.cast(scalars[f.name], f.type))
        else:
            arrays.append(pa.nulls(n, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _v2_csv_table(table: pa.Table) -> pa.Table:
    """CUR 2.0 CSV renders map columns as JSON objects and timestamps as ISO text."""
    cols = []
    for name, col in zip(table.column_names, table.columns):
        col = col.combine_chunks()
        if pa.types.is_map(col.type):
            keys, items = col.keys, pc.cast(col.items, pa.string())
            quoted = items if pa.types.is_floating(col.type.item_type) else pc.binary_join_element_wise(
                '"', pc.replace_substring(items, '"', '\\"'), '"', "")
            pairs = pc.binary_join_element_wise('"', keys, '":', quoted, "")
            lists = pa.ListArray.from_arrays(col.offsets, pairs)
            cols.append(pc.binary_join_element_wise("{", pc.binary_join(lists, ","), "}", ""))
        elif pa.types.is_timestamp(col.type):
            cols.append(pc.strftime(col, format="%Y-%m-%dT%H:%M:%SZ"))  # %S carries the fraction
        else:
            cols.append(col)
    return pa.table(cols, names=table.column_names)


def write_cur_v2(root: Path, *, export: str = "demo-cur2", prefix: str = "cur2", bucket: str = "demo-billing",
                 periods: Sequence[str] = ("2026-08", "2026-09", "2026-10"), rows_per_period: int = 2000,
                 seed: int = 42, revision: int = 1, delivery: str = "overwrite", fmt: str = "parquet",
                 files_per_period: int = 2) -> list[Path]:
    """Write a CUR 2.0 (Data Exports) export and return the manifest paths written."""
    if delivery not in ("new-version", "overwrite"):
        raise ValueError(f"delivery must be 'new-version' or 'overwrite', not {delivery!r}")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv', not {fmt!r}")
    root = Path(root)
    schema, manifest_cols = _v2_schema()
    ext = ".snappy.parquet" if fmt == "parquet" else ".csv.gz"
    export_id = _uuid(seed, "export", export)
    manifests = []
    for period in periods:
        start, end = _period_bounds(period)
        partition = f"BILLING_PERIOD={period}"
        execution = _uuid(seed, export, period, revision)
        data_rel = f"{export}/data/{partition}"
        meta_dir = root / export / "metadata" / partition
        if delivery == "new-version":  # "create new export file": one folder per execution
            data_rel += f"/{execution}"
        out_dir = root / data_rel
        if delivery == "overwrite" and out_dir.exists():
            for old in out_dir.glob(f"{export}-*"):
                old.unlink()
        out_dir.mkdir(parents=True, exist_ok=True)
        names = [f"{export}-{j + 1:05d}{ext}" for j in range(files_per_period)]
        writer, current = None, -1
        for j, chunk in _generate_period(period, rows_per_period, files_per_period, seed, revision):
            if j != current:
                if writer is not None:
                    writer.close()
                current = j
                if fmt == "parquet":
                    writer = pq.ParquetWriter(str(out_dir / names[j]), schema, compression="snappy")
                else:
                    writer = _CsvFile(out_dir / names[j], _v2_csv_table(schema.empty_table()).schema, "GZIP")
            table = _v2_table(chunk, schema)
            writer.write_table(table) if fmt == "parquet" else writer.write(_v2_csv_table(table))
        if writer is not None:
            writer.close()
        manifest = {
            "executionId": execution,
            "exportArn": f"arn:aws:bcm-data-exports:us-east-1:{PAYER[0]}:export/{export}-{export_id}",
            "columns": manifest_cols,
            "dataFiles": [f"s3://{bucket}/{prefix}/{data_rel}/{name}" for name in names],
            "additionalOutputFiles": [],
            "billingPeriod": {"start": f"{start:%Y-%m-%dT%H:%M:%S}.000Z", "end": f"{end:%Y-%m-%dT%H:%M:%S}.000Z"},
        }
        text = json.dumps(manifest, indent=2)
        meta_dir.mkdir(parents=True, exist_ok=True)
        top = meta_dir / f"{export}-Manifest.json"
        top.write_text(text)  # refreshed on every execution, points at the latest files
        if delivery == "new-version":
            (meta_dir / execution).mkdir(exist_ok=True)
            (meta_dir / execution / f"{export}-Manifest.json").write_text(text)
        manifests.append(top)
    return manifests


# --------------------------------------------------------------------------- demo / CLI
DEMO_PERIODS = ("2026-08", "2026-09", "2026-10")


def write_demo(root: Path, rows_per_period: int = 2000, *, versions: Sequence[str] = ("v1", "v2"),
               seed: int = 42) -> None:
    """root/cur-v1 (legacy CUR, new-version, GZIP) and root/cur2 (CUR 2.0 Parquet, overwrite).

    The last month is delivered twice in the legacy export: revision 1, then a
    restatement (revision 2) that adds a new assembly and repoints the period manifest.
    """
    root = Path(root)
    if "v1" in versions:
        write_cur_v1(root / "cur-v1", periods=DEMO_PERIODS, rows_per_period=rows_per_period, seed=seed)
        write_cur_v1(root / "cur-v1", periods=DEMO_PERIODS[-1:], rows_per_period=rows_per_period, seed=seed,
                     revision=2)
    if "v2" in versions:
        write_cur_v2(root / "cur2", periods=DEMO_PERIODS, rows_per_period=rows_per_period, seed=seed)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate deterministic sample AWS CUR exports.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--rows", type=int, default=2000, help="usage rows per billing period")
    parser.add_argument("--version", choices=["v1", "v2", "both"], default="both")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    versions = ("v1", "v2") if args.version == "both" else (args.version,)
    write_demo(args.out_dir, args.rows, versions=versions, seed=args.seed)
    print(f"wrote {', '.join(versions)} sample exports to {args.out_dir}")


if __name__ == "__main__":
    main()
