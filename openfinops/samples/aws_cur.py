"""Deterministic generator of realistic AWS billing exports (legacy CUR and CUR 2.0).

The files are laid out exactly as AWS delivers them to S3, with ``root`` standing in
for ``s3://<bucket>/<prefix>``; keys written *inside* manifests are the full keys AWS
would write (relative to the bucket, or full ``s3://`` URIs for CUR 2.0).

Both formats are rendered from one canonical set of line items, so a v1 and a v2 export
generated with the same seed describe the same bill.  Everything is vectorised with
pyarrow (numpy is not a project dependency) and written in chunks of ``CHUNK_ROWS`` rows
so that benchmarks with ~10M rows run in bounded memory.

What the bills hold follows real exports (AWS semantics):
  Usage (on-demand, Spot, and free tier or free usage at $0, some of it without a pricing
  term), DiscountedUsage (size-flexible RI, unblended 0), RIFee, Fee (RI upfront once,
  monthly AWS Support), SavingsPlanCoveredUsage / SavingsPlanNegation /
  SavingsPlanRecurringFee, EdpDiscount / PrivateRateDiscount / BundledDiscount with net
  columns, Tax per product (AWS and Marketplace), Credit, Refund (one of them for the month
  before), Marketplace usage billed by its seller, EKS split cost allocation rows, and open
  months without invoice ids.  Legacy CSV writes numbers the way AWS does (``9.984E-7``).
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
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from openfinops.samples.arrays import arange, index, seeded, uniform

CHUNK_ROWS = 200_000
GZIP_LEVEL = 1  # fast: these files are regenerated, not archived

# Calendar facts of the demo organisation.  They are absolute months (not "the first
# period generated") so that regenerating a single period, e.g. a restatement, produces
# the same schema as the original delivery.
RI_PURCHASE_PERIOD = "2026-08"      # upfront RI Fee appears once, in this month
SAVINGS_PLAN_START = "2026-09"      # legacy CUR only grows savingsPlan/* columns from here
COST_CENTER_TAG_START = "2026-09"   # user:CostCenter activated as cost allocation tag here
EDP_START = "2026-09"               # Enterprise Discount Program and private pricing from here
REFUND_PERIOD = "2026-09"
PRIOR_PERIOD_REFUND = "2026-10"     # refunds an overcharge of the month before
EMEA_FROM = "2026-10"               # the payer's sold-to address moved to Ireland: AWS EMEA invoices it

PAYER = ("012345678901", "Demo Org Management")
ACCOUNTS = [  # (id, name, default team, default environment); ids keep leading zeros
    PAYER + ("platform", "prod"),
    ("000987654321", "demo-prod", "web", "prod"),
    ("123456789012", "demo-staging", "web", "staging"),
    ("098765432109", "demo-data", "data", "prod"),
    ("210987654321", None, "ml", "dev"),  # real exports miss some account names
]
ACCOUNT_INDEX = {a[0]: i for i, a in enumerate(ACCOUNTS)}
TEAMS = ["platform", "web", "data", "ml"]
COST_CENTERS = ["CC-1001", "CC-1002", "CC-2001"]
# Values of the hand-typed "cost center" tag on EC2, which (unlike most services) accepts any
# character in tag values.
FREE_TEXT_COST_CENTERS = ["CC-1001", "R&D, Platform", 'Marketing "Brand"', "owner=web; shared", "Données clients",
                          ""]
EQUIPES = ["Plateforme", "Données", "Équipe Web", "Recherche & Développement"]  # user:Équipe, set in EU regions

# (region code, location, usage type prefix).  us-east-1 usage types carry no prefix
# (e.g. "BoxUsage:m5.large"), every other region does (e.g. "USW2-BoxUsage:m5.large").
REGIONS = [
    ("us-east-1", "US East (N. Virginia)", ""),
    ("us-west-2", "US West (Oregon)", "USW2-"),
    ("eu-west-1", "EU (Ireland)", "EU-"),
    ("eu-central-1", "EU (Frankfurt)", "EUC1-"),
]

# An invoicing entity belongs to the payer account: every AWS line of a month has it as
# legal entity, Marketplace lines have their seller.
US_ENTITY = "Amazon Web Services, Inc."
EMEA_ENTITY = "Amazon Web Services EMEA SARL"
MARKETPLACE_PRODUCT = "8r6lmvjn0b3y0rqz2x2wcbh5o"  # Marketplace product codes are opaque ids
MARKETPLACE_SELLER = "Example Analytics, Inc."
MARKETPLACE_LISTING = "Example Analytics Platform"

# Reserved Instances: one size-flexible regional Linux RI (m5.xlarge, normalization factor 8,
# partial upfront, 1yr, us-east-1) covers m5 instances of every size; Savings Plan terms.
RI_NORMALIZATION_FACTOR = 8.0
RI_UPFRONT_HOURLY = 0.0450   # amortised upfront per reserved m5.xlarge hour
RI_RECURRING_HOURLY = 0.0380
SP_OD_RATE = 0.136           # c6g.xlarge on-demand
SP_RATE = 0.0952             # Compute Savings Plan rate for the same usage

# Negotiated discounts (from EDP_START): private pricing on CloudFront, the EDP on what AWS
# then bills (not Marketplace, Support or tax), and NAT gateway hours of demo-prod waived
# because its NAT gateways run with AWS Network Firewall (a bundled discount).
EDP_RATE = 0.03
PRIVATE_RATE = 0.15
BUNDLED_ACCOUNT = 1
DISCOUNT_TYPES = ("EdpDiscount", "PrivateRateDiscount", "BundledDiscount")  # line item type = discount/<type>
DISCOUNT_DESCRIPTIONS = {"EdpDiscount": "Enterprise Discount Program discount",
                         "PrivateRateDiscount": "Private pricing discount",
                         "BundledDiscount": "NAT Gateway charges waived with AWS Network Firewall"}

# EKS split cost allocation: the first few on-demand m5.large hours of a month are EKS nodes
# running these pods: (namespace, app, {unit: (reserved, actually used)}).
EKS_NODE_HOURS = 2
EKS_NODE = {"vCPU-Hours": 2.0, "GB-Hours": 8.0}  # m5.large capacity
EKS_WEIGHT = {"vCPU-Hours": 9.0, "GB-Hours": 1.0}  # AWS splits instance cost 9:1 per vCPU : GiB
EKS_PODS = [("shop", "checkout-api", {"vCPU-Hours": (0.5, 0.3), "GB-Hours": (2.0, 2.5)}),
            ("data", "ingest-worker", {"vCPU-Hours": (1.0, 0.8), "GB-Hours": (3.0, 2.0)})]


@dataclass(frozen=True)
class Template:
    """One kind of usage line item; rows are sampled from resources of these templates."""

    key: str
    product_code: str
    product_name: str
    usage_type: str            # without the region prefix; "{region}" where AWS puts the region code
    operation: str
    unit: str
    rate: float                # public on-demand rate per unit
    amount: tuple[float, float]
    family: str
    weight: float
    resource: str              # format string, see _Org
    line_type: str = "Usage"
    instance_type: str = ""
    norm_factor: float | None = None
    daily: bool = False
    zonal: bool = False
    regions: tuple[int, ...] = (0, 1, 2, 3)
    seller: str | None = None  # Marketplace seller's legal name: billed by AWS Marketplace
    term: str | None = "OnDemand"
    free: bool = False         # billed at $0 (free tier, free data transfer in); the public rate stays
    spot_rate: float | None = None  # Spot: billed at this rate; `rate` stays the public on-demand one
    whole: bool = False        # counted in whole units (requests, events)
    description: str = ""      # when not the generic one; "{location}" is the region's name
    extra: dict = field(default_factory=dict)  # long-tail product attributes (v2 product map)


EC2 = "Amazon Elastic Compute Cloud"
M5 = {"operating_system": "Linux", "instance_family": "General purpose"}
C6 = {"operating_system": "Linux", "instance_family": "Compute optimized"}
TEMPLATES = [
    Template("ec2_m5l", "AmazonEC2", EC2, "BoxUsage:m5.large", "RunInstances", "Hrs", 0.096, (1, 1),
             "Compute Instance", 18, "i-{h17}", instance_type="m5.large", norm_factor=4, zonal=True,
             extra={"vcpu": "2", "memory": "8 GiB", **M5}),
    Template("ec2_c5xl", "AmazonEC2", EC2, "BoxUsage:c5.xlarge", "RunInstances", "Hrs", 0.17, (1, 1),
             "Compute Instance", 8, "i-{h17}", instance_type="c5.xlarge", norm_factor=8, zonal=True,
             extra={"vcpu": "4", "memory": "8 GiB", **C6}),
    Template("ec2_spot", "AmazonEC2", EC2, "SpotUsage:m5.large", "RunInstances:SV001", "Hrs", 0.096, (1, 1),
             "Compute Instance", 6, "i-{h17}", instance_type="m5.large", norm_factor=4, zonal=True, term=None,
             spot_rate=0.0352,
             extra={"vcpu": "2", "memory": "8 GiB", "instance_family": "General purpose"}),
    Template("ec2_ri_l", "AmazonEC2", EC2, "BoxUsage:m5.large", "RunInstances", "Hrs", 0.096, (1, 1),
             "Compute Instance", 4, "i-{h17}", line_type="DiscountedUsage", instance_type="m5.large", norm_factor=4,
             zonal=True, regions=(0,), term="Reserved", extra={"vcpu": "2", "memory": "8 GiB", **M5}),
    Template("ec2_ri_xl", "AmazonEC2", EC2, "BoxUsage:m5.xlarge", "RunInstances", "Hrs", 0.192, (1, 1),
             "Compute Instance", 4, "i-{h17}", line_type="DiscountedUsage", instance_type="m5.xlarge", norm_factor=8,
             zonal=True, regions=(0,), term="Reserved", extra={"vcpu": "4", "memory": "16 GiB", **M5}),
    Template("ec2_ri_2xl", "AmazonEC2", EC2, "BoxUsage:m5.2xlarge", "RunInstances", "Hrs", 0.384, (1, 1),
             "Compute Instance", 2, "i-{h17}", line_type="DiscountedUsage", instance_type="m5.2xlarge",
             norm_factor=16, zonal=True, regions=(0,), term="Reserved",
             extra={"vcpu": "8", "memory": "32 GiB", **M5}),
    Template("ec2_sp", "AmazonEC2", EC2, "BoxUsage:c6g.xlarge", "RunInstances", "Hrs", SP_OD_RATE, (1, 1),
             "Compute Instance", 10, "i-{h17}", line_type="SavingsPlanCoveredUsage", instance_type="c6g.xlarge",
             norm_factor=8, zonal=True, extra={"vcpu": "4", "memory": "8 GiB", **C6}),
    Template("ebs_gp3", "AmazonEC2", EC2, "EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 0.08, (0.5, 20),
             "Storage", 8, "vol-{h17}", daily=True, zonal=True, extra={"volume_api_name": "gp3"}),
    Template("ebs_iops", "AmazonEC2", EC2, "EBS:VolumeP-IOPS.piops", "CreateVolume-P-IOPS", "IOPS-Mo", 0.065,
             (100, 3000), "System Operation", 1, "vol-{h17}", daily=True, zonal=True,
             extra={"volume_api_name": "io1"}),
    Template("ebs_throughput", "AmazonEC2", EC2, "EBS:VolumeP-Throughput.gp3", "CreateVolume-Gp3", "GiBps-mo",
             40.96, (0.05, 0.5), "Provisioned Throughput", 1, "vol-{h17}", daily=True, zonal=True,
             extra={"volume_api_name": "gp3"}),
    Template("nat", "AmazonEC2", EC2, "NatGateway-Hours", "NatGateway", "Hrs", 0.045, (1, 1), "NAT Gateway", 3,
             "arn:aws:ec2:{region}:{account}:natgateway/nat-{h17}"),
    Template("eip_remap", "AmazonEC2", EC2, "ElasticIP:Remap", "AssociateAddressVPC", "Count", 0.0, (1, 5),
             "IP Address", 0.5, "", free=True, whole=True,
             description="$0.00 per Elastic IP address remap - first 100 remaps / month"),
    Template("s3_storage", "AmazonS3", "Amazon Simple Storage Service", "TimedStorage-ByteHrs", "StandardStorage",
             "GB-Mo", 0.023, (1, 400), "Storage", 8, "demo-{team}-{h8}", daily=True,
             extra={"storage_class": "General Purpose"}),
    Template("s3_requests", "AmazonS3", "Amazon Simple Storage Service", "Requests-Tier1", "PutObject",
             "Requests", 0.000005, (100, 50000), "API Request", 4, "demo-{team}-{h8}", whole=True),
    Template("s3_in", "AmazonS3", "Amazon Simple Storage Service", "DataTransfer-In-Bytes", "PutObject", "GB",
             0.0, (0.000001, 2), "Data Transfer", 2, "demo-{team}-{h8}", free=True,
             description="$0.000 per GB - data transfer in per month"),
    Template("s3_out_free", "AmazonS3", "Amazon Simple Storage Service", "DataTransfer-Out-Bytes", "GetObject",
             "GB", 0.09, (0.0000001, 0.001), "Data Transfer", 2, "demo-{team}-{h8}", term=None, free=True,
             description="$0.000 per GB - data transfer out under the monthly global free tier"),
    Template("rds", "AmazonRDS", "Amazon Relational Database Service", "InstanceUsage:db.r6g.large",
             "CreateDBInstance:0014", "Hrs", 0.225, (1, 1), "Database Instance", 6,
             "arn:aws:rds:{region}:{account}:db:{team}-db-{h4}", instance_type="db.r6g.large", norm_factor=4,
             zonal=True, extra={"database_engine": "PostgreSQL", "vcpu": "2", "memory": "16 GiB",
                                "instance_family": "Memory optimized"}),
    Template("aurora", "AmazonRDS", "Amazon Relational Database Service", "Aurora:ServerlessV2Usage",
             "CreateDBInstance:0021", "ACU-Hr", 0.12, (0.5, 8), "ServerlessV2", 2,
             "arn:aws:rds:{region}:{account}:db:{team}-aurora-{h4}",
             extra={"database_engine": "Aurora PostgreSQL"}),
    Template("lambda", "AWSLambda", "AWS Lambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second",
             0.0000166667, (100, 40000), "Serverless", 6,
             "arn:aws:lambda:{region}:{account}:function:{team}-fn-{h4}"),
    Template("cloudfront", "AmazonCloudFront", "Amazon CloudFront", "US-DataTransfer-Out-Bytes", "GET",
             "GB", 0.085, (0.1, 30), "Data Transfer", 4, "arn:aws:cloudfront::{account}:distribution/E{H13}",
             regions=(0,)),
    Template("dynamodb", "AmazonDynamoDB", "Amazon DynamoDB", "ReadRequestUnits", "PayPerRequestThroughput",
             "ReadRequestUnits", 0.00000025, (1000, 2_000_000), "Amazon DynamoDB PayPerRequest Throughput", 4,
             "arn:aws:dynamodb:{region}:{account}:table/{team}-table-{h4}", whole=True),
    Template("dynamodb_write", "AmazonDynamoDB", "Amazon DynamoDB", "WriteRequestUnits", "PayPerRequestThroughput",
             "WriteRequestUnits", 0.00000125, (100, 500_000), "Amazon DynamoDB PayPerRequest Throughput", 2,
             "arn:aws:dynamodb:{region}:{account}:table/{team}-table-{h4}", whole=True),
    Template("eks", "AmazonEKS", "Amazon Elastic Container Service for Kubernetes", "AmazonEKS-Hours:perCluster",
             "CreateOperation", "Hours", 0.10, (1, 1), "Compute", 3,
             "arn:aws:eks:{region}:{account}:cluster/{team}-cluster"),
    Template("alb", "AWSELB", "Elastic Load Balancing", "LCUUsage", "LoadBalancing:Application", "LCU-Hrs", 0.008,
             (0.1, 20), "Load Balancer-Application", 2,
             "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{team}-alb/{h16}"),
    Template("cloudwatch", "AmazonCloudWatch", "AmazonCloudWatch", "CW:MetricMonitorUsage", "MetricStorage",
             "Metrics", 0.30, (0.1, 5), "Metric", 3, "", daily=True),
    Template("cw_alarms", "AmazonCloudWatch", "AmazonCloudWatch", "CW:AlarmMonitorUsage", "Unknown", "Alarms",
             0.10, (0.5, 10), "Alarm", 1, "arn:aws:cloudwatch:{region}:{account}:alarm:{team}-{h8}", daily=True),
    Template("cw_dashboards", "AmazonCloudWatch", "AmazonCloudWatch", "DashboardsUsageHour-Basic", "DashboardHour",
             "Dashboards", 3.0, (0.001, 0.05), "Dashboard", 1, "", regions=(0,), term=None, free=True,
             description="First 3 Dashboards per month are free."),
    Template("cloudtrail", "AWSCloudTrail", "AWS CloudTrail", "FreeEventsRecorded", "None", "Events", 0.0,
             (1, 300), "Management Tools - AWS CloudTrail Free Events Recorded", 1, "", free=True, whole=True,
             description="0.0 per free event recorded in {location} region"),
    Template("kms_keys", "awskms", "AWS Key Management Service", "{region}-KMS-Keys", "CurrentKeys", "Keys", 1.0,
             (1, 5), "Encryption Key", 1, "arn:aws:kms:{region}:{account}:key/{uuid}", daily=True,
             description="$1 per customer managed KMS key version in {location}"),
    Template("kms_requests", "awskms", "AWS Key Management Service", "{region}-KMS-Requests", "DescribeKey",
             "Requests", 0.000003, (1, 5000), "API Request", 1, "", term=None, free=True, whole=True,
             description="$0.00 per request - Monthly Global Free Tier for KMS requests"),
    Template("glue_etl", "AWSGlue", "AWS Glue", "ETL-DPU-Hour", "Jobrun", "DPU-Hour", 0.44, (0.1, 10), "AWS Glue", 1,
             "arn:aws:glue:{region}:{account}:job/{team}-etl-{h4}"),
    Template("glue_requests", "AWSGlue", "AWS Glue", "Catalog-Request", "Request", "Request", 0.000001, (1, 50),
             "AWS Glue", 1, "", term=None, free=True, whole=True,
             description="$0 for AWS Glue Data Catalog requests under the free tier"),
    Template("glue_storage", "AWSGlue", "AWS Glue", "Catalog-Storage", "Storage", "Obj-Month", 0.00001,
             (0.01, 0.5), "AWS Glue", 1, "", term=None, free=True,
             description="$0 for AWS Glue Data Catalog storage under the free tier"),
    Template("sns", "AmazonSNS", "Amazon Simple Notification Service", "Requests-Tier1", "ListTopics", "Requests",
             0.0000005, (1, 100), "API Request", 1, "", free=True, whole=True,
             description="First 1,000,000 Amazon SNS API Requests per month are free"),
    Template("secrets_api", "AWSSecretsManager", "AWS Secrets Manager", "AWSSecretsManagerAPIRequest",
             "GetSecretValue", "API Requests", 0.000005, (1, 500), "API Request", 1,
             "arn:aws:secretsmanager:{region}:{account}:secret:{team}-db-{h4}", free=True, whole=True,
             description="$0 per 10000 API Requests"),
    Template("refactor_spaces", "AWSMigrationHubRefactorSpaces", "AWS Migration Hub Refactor Spaces", "API-Request",
             "ListEnvironments", "API Request", 0.000002, (1, 20), "AWS Migration Hub", 0.5, "", term=None,
             free=True, whole=True, description="$0.0 per request for ListEnvironments API in {location}"),
    Template("iot", "AWSIoT", "AWS IoT", "RegistryAndShadowOperations", "ListThings", "Operations", 0.00000125,
             (1, 200), "AWSIoT", 1, "", whole=True,
             description="$1.25 per million Device Shadow and Device Registry Operations"),
    Template("route53", "AmazonRoute53", "Amazon Route 53", "DNS-Queries", "Query", "Queries", 0.0000004,
             (1000, 2_000_000), "DNS Query", 1, "arn:aws:route53:::hostedzone/Z{H13}", regions=(0,), whole=True),
    Template("backup", "AWSBackup", "AWS Backup", "WarmStorage-ByteHrs-EBS", "Storage", "GB-Month", 0.05, (1, 200),
             "Storage Snapshot", 1, "arn:aws:ec2:{region}::snapshot/snap-{h17}", daily=True),
    Template("transcribe", "transcribe", "Amazon Transcribe", "TranscribeAudio", "Transcribe", "Second", 0.0004,
             (15, 3600), "Transcribe", 0.5, "", whole=True),
    Template("datatransfer", "AWSDataTransfer", "AWS Data Transfer", "DataTransfer-Out-Bytes", "PublicIP-Out",
             "GB", 0.09, (0.01, 10), "Data Transfer", 4, "i-{h17}"),
    Template("vpc_ipv4", "AmazonVPC", "Amazon Virtual Private Cloud", "PublicIPv4:InUseAddress",
             "AssociateAddressVPC", "Hrs", 0.005, (1, 1), "VPC Public IPv4 Address", 3,
             "arn:aws:ec2:{region}:{account}:ipv4pool-ec2/eipalloc-{h17}"),
    Template("marketplace", MARKETPLACE_PRODUCT, MARKETPLACE_LISTING, "SoftwareUsage:hosts", "Unknown", "Hosts",
             0.03, (1, 12), "SaaS", 2, "", regions=(0,), seller=MARKETPLACE_SELLER, term=None, whole=True,
             description=f"{MARKETPLACE_LISTING} - hosts"),
]
PRODUCT_NAMES = {t.product_code: t.product_name for t in TEMPLATES} | {
    "ComputeSavingsPlans": "Savings Plans for AWS Compute usage", "AWSSupportBusiness": "AWS Support (Business)"}


# --------------------------------------------------------------------------- columns
# (legacy CUR name, legacy manifest type, CUR 2.0 name, CUR 2.0 type, canonical kind)
# kind: "s" string, "n" number (float64), "t" timestamp.  A CUR 2.0 name "product:x"
# means the attribute lives in the ``product`` map under key x (CUR 2.0 keeps only a
# fixed set of product_* columns and moves the long tail into that map).  Legacy CUR has
# no account names.
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
    ("lineItem/NetUnblendedRate", "OptionalBigDecimal", "line_item_net_unblended_rate", "double", "n"),
    ("lineItem/NetUnblendedCost", "OptionalBigDecimal", "line_item_net_unblended_cost", "double", "n"),
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
    ("reservation/NetEffectiveCost", "OptionalBigDecimal", "reservation_net_effective_cost", "double", "n"),
    ("reservation/AmortizedUpfrontCostForUsage", "OptionalBigDecimal",
     "reservation_amortized_upfront_cost_for_usage", "double", "n"),
    ("reservation/AmortizedUpfrontFeeForBillingPeriod", "OptionalBigDecimal",
     "reservation_amortized_upfront_fee_for_billing_period", "double", "n"),
    ("reservation/RecurringFeeForUsage", "OptionalBigDecimal", "reservation_recurring_fee_for_usage", "double", "n"),
    ("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "OptionalBigDecimal",
     "reservation_unused_amortized_upfront_fee_for_billing_period", "double", "n"),
    ("reservation/UnusedRecurringFee", "OptionalBigDecimal", "reservation_unused_recurring_fee", "double", "n"),
    ("reservation/UnusedQuantity", "OptionalBigDecimal", "reservation_unused_quantity", "double", "n"),
    ("reservation/UnusedNormalizedUnitQuantity", "OptionalBigDecimal",
     "reservation_unused_normalized_unit_quantity", "double", "n"),
    # CUR 2.0 types these four as strings.
    ("reservation/TotalReservedUnits", "OptionalBigDecimal", "reservation_total_reserved_units", "string", "n"),
    ("reservation/TotalReservedNormalizedUnits", "OptionalBigDecimal",
     "reservation_total_reserved_normalized_units", "string", "n"),
    ("reservation/UnitsPerReservation", "OptionalBigDecimal", "reservation_units_per_reservation", "string", "n"),
    ("reservation/NormalizedUnitsPerReservation", "OptionalBigDecimal",
     "reservation_normalized_units_per_reservation", "string", "n"),
    ("reservation/NumberOfReservations", "OptionalString", "reservation_number_of_reservations", "string", "s"),
    ("reservation/StartTime", "OptionalString", "reservation_start_time", "string", "s"),
    ("reservation/EndTime", "OptionalString", "reservation_end_time", "string", "s"),
    ("savingsPlan/SavingsPlanARN", "OptionalString", "savings_plan_savings_plan_a_r_n", "string", "s"),
    ("savingsPlan/SavingsPlanRate", "OptionalBigDecimal", "savings_plan_savings_plan_rate", "double", "n"),
    ("savingsPlan/SavingsPlanEffectiveCost", "OptionalBigDecimal",
     "savings_plan_savings_plan_effective_cost", "double", "n"),
    ("savingsPlan/NetSavingsPlanEffectiveCost", "OptionalBigDecimal",
     "savings_plan_net_savings_plan_effective_cost", "double", "n"),
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
    # Discounts applied to the row (negative); CUR 2.0 keeps the rarer ones in its discount map.
    ("discount/EdpDiscount", "OptionalBigDecimal", "discount:edp_discount", None, "n"),
    ("discount/PrivateRateDiscount", "OptionalBigDecimal", "discount:private_rate_discount", None, "n"),
    ("discount/BundledDiscount", "OptionalBigDecimal", "discount_bundled_discount", "double", "n"),
    ("discount/TotalDiscount", "OptionalBigDecimal", "discount_total_discount", "double", "n"),
    ("splitLineItem/ParentResourceId", "OptionalString", "split_line_item_parent_resource_id", "string", "s"),
    ("splitLineItem/SplitUsage", "OptionalBigDecimal", "split_line_item_split_usage", "double", "n"),
    ("splitLineItem/SplitUsageRatio", "OptionalBigDecimal", "split_line_item_split_usage_ratio", "string", "n"),
    ("splitLineItem/ReservedUsage", "OptionalBigDecimal", "split_line_item_reserved_usage", "double", "n"),
    ("splitLineItem/ActualUsage", "OptionalBigDecimal", "split_line_item_actual_usage", "double", "n"),
    ("splitLineItem/SplitCost", "OptionalBigDecimal", "split_line_item_split_cost", "double", "n"),
    ("splitLineItem/UnusedCost", "OptionalBigDecimal", "split_line_item_unused_cost", "double", "n"),
    ("splitLineItem/PublicOnDemandSplitCost", "OptionalBigDecimal",
     "split_line_item_public_on_demand_split_cost", "double", "n"),
    ("splitLineItem/PublicOnDemandUnusedCost", "OptionalBigDecimal",
     "split_line_item_public_on_demand_unused_cost", "double", "n"),
    ("splitLineItem/NetSplitCost", "OptionalBigDecimal", "split_line_item_net_split_cost", "double", "n"),
    ("splitLineItem/NetUnusedCost", "OptionalBigDecimal", "split_line_item_net_unused_cost", "double", "n"),
    ("resourceTags/aws:createdBy", "OptionalString", "resource_tags:aws_createdBy", None, "s"),
    ("resourceTags/user:CostCenter", "OptionalString", "resource_tags:user_CostCenter", None, "s"),
    ("resourceTags/user:Environment", "OptionalString", "resource_tags:user_Environment", None, "s"),
    ("resourceTags/user:Team", "OptionalString", "resource_tags:user_Team", None, "s"),
    ("resourceTags/user:app.kubernetes.io/name", "OptionalString", "resource_tags:user_app.kubernetes.io/name", None,
     "s"),
    ("resourceTags/user:cost center", "OptionalString", "resource_tags:user_cost center", None, "s"),
    ("resourceTags/user:Équipe", "OptionalString", "resource_tags:user_Équipe", None, "s"),
    ("costCategory/BusinessUnit", "OptionalString", "cost_category:BusinessUnit", None, "s"),
]
KIND = {c[0] or c[2]: c[4] for c in COLUMNS}

# CUR 2.0 fixed schema: all scalar columns plus the map columns, every month.
V2_MAPS = {"product": pa.string(), "resource_tags": pa.string(), "cost_category": pa.string(),
           "discount": pa.float64()}

# Legacy CUR adds a column the first month it has values: (column or prefix, first month).
V1_COLUMNS_SINCE = [
    ("savingsPlan/", SAVINGS_PLAN_START),
    ("resourceTags/user:CostCenter", COST_CENTER_TAG_START),
    ("discount/", EDP_START),
    ("lineItem/NetUnblended", EDP_START),
    ("reservation/NetEffectiveCost", EDP_START),
    ("savingsPlan/NetSavingsPlanEffectiveCost", EDP_START),
    ("splitLineItem/Net", EDP_START),
]
# Columns an export without resource IDs leaves out: split cost allocation needs resource IDs,
# and only its pod rows carry the Kubernetes label tag.
RESOURCE_COLUMNS = ("lineItem/ResourceId", "line_item_resource_id", "splitLineItem/", "split_line_item_",
                    "resourceTags/user:app.kubernetes.io/name")


def _v2_schema(resource_ids: bool = True) -> tuple[pa.Schema, list[dict]]:
    arrow = {"string": pa.string(), "double": pa.float64(), "timestamp": pa.timestamp("ms")}
    fields, manifest_cols = [], []
    scalars = [(c[2], c[3]) for c in COLUMNS
               if ":" not in c[2] and (resource_ids or not c[2].startswith(RESOURCE_COLUMNS))]
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


def _v1_columns(period: str, resource_ids: bool = True) -> list[tuple[str, str]]:
    """Legacy CUR columns for a month: the schema drifts as features get used."""
    cols = []
    for v1, v1type, *_ in COLUMNS:
        if v1 is None or any(v1.startswith(c) and period < since for c, since in V1_COLUMNS_SINCE):
            continue
        if not resource_ids and v1.startswith(RESOURCE_COLUMNS):
            continue
        cols.append((v1, v1type))
    return cols


# --------------------------------------------------------------------------- helpers
def _fixed_width_strings(text: bytes, n: int, width: int) -> pa.Array:
    """Cut one ASCII blob into n strings of ``width`` characters without a Python loop."""
    offsets = pc.cast(pc.multiply(arange(n + 1), width), pa.int32())
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


def _is_open(period: str, open_periods: Sequence[str] | None) -> bool:
    """A month is open (not invoiced yet) until it ends; by default, the current UTC month on."""
    if open_periods is None:
        return period >= datetime.now(timezone.utc).strftime("%Y-%m")
    return period in open_periods


def _invoicing_entity(period: str) -> str:
    return EMEA_ENTITY if period >= EMEA_FROM else US_ENTITY


def _invoice_id(period: str, revision: int, billing_entity: str) -> str:
    """AWS and Marketplace charges are invoiced separately; AWS EMEA numbers its invoices EUIN..."""
    number = int(hashlib.sha256(f"{period}:{revision}:{billing_entity}".encode()).hexdigest()[:12], 16)
    if billing_entity == "AWS" and _invoicing_entity(period) == EMEA_ENTITY:
        return f"EUINIE{period[2:4]}-{number % 10 ** 7:07d}"
    return str(1_000_000_000 + number % 9_000_000_000)


def _lookup(values: list, idx: pa.Array, type_=None) -> pa.Array:
    return pc.take(pa.array(values, type_), idx)


def _plain(x: float) -> str:
    return f"{x:.10f}".rstrip("0").rstrip(".")


def _fmt_decimal(arr: pa.Array) -> pa.Array:
    """Render numbers as AWS does in legacy CSV: Java's Double.toString of the value rounded to
    10 decimals, so 1.0 and 0.0041666667, and below 0.001 scientific: 9.984E-7, 5.0E-6."""
    units = pc.cast(pc.round(pc.multiply(pc.abs(arr), 1e10)), pa.int64())  # |value| in 1e-10, exact
    sign = pc.if_else(pc.and_(pc.less(arr, 0.0), pc.greater(units, 0)), "-", "")
    whole = pc.divide(units, 10 ** 10)
    fraction = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(pc.subtract(units, pc.multiply(whole, 10 ** 10)), pa.string()),
                                          10, "0"), "0")
    text = pc.binary_join_element_wise(sign, pc.cast(whole, pa.string()), ".",
                                       pc.if_else(pc.equal(fraction, ""), "0", fraction), "")
    small = pc.fill_null(pc.and_(pc.greater(units, 0), pc.less(units, 10 ** 7)), False)
    if not pc.any(small).as_py():
        return text
    digits = pc.cast(pc.filter(units, small), pa.string())  # 0.0000166667 -> 166667 -> 1.66667E-5
    rest = pc.utf8_rtrim(pc.utf8_slice_codeunits(digits, 1), "0")
    scientific = pc.binary_join_element_wise(
        pc.filter(sign, small), pc.utf8_slice_codeunits(digits, 0, 1), ".", pc.if_else(pc.equal(rest, ""), "0", rest),
        "E-", pc.cast(pc.subtract(11, pc.utf8_length(digits)), pa.string()), "")
    return pc.replace_with_mask(text, small, scientific)


def _fmt_ts(arr: pa.Array, fmt: str = "%Y-%m-%dT%H:%M:%SZ") -> pa.Array:
    # Times repeat (hour slots of one month): format each distinct one once.
    encoded = pc.dictionary_encode(arr)
    return pc.take(pc.strftime(encoded.dictionary, format=fmt), encoded.indices)


# --------------------------------------------------------------------------- model
def _catalog_entry(t: Template, region: tuple[str, str, str]) -> tuple[str, str, str, str]:
    """Usage type, SKU, rate code and line item description of a template in a region."""
    code, location, prefix = region
    usage_type = t.usage_type.format(region=code) if "{region}" in t.usage_type else prefix + t.usage_type
    # The SKU identifies the product, not the row.
    sku = hashlib.sha1(f"{t.key}{code}".encode()).hexdigest()[:16].upper()
    rate_code = f"{sku}.{'4NA3R6Y6AM' if t.line_type == 'DiscountedUsage' else 'JRTCKXETXF'}.6YS6EN2CT7"
    if t.description:
        description = t.description.format(location=location)
    elif t.line_type == "DiscountedUsage":
        description = f"USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), {t.instance_type} reserved instance applied"
    elif t.line_type == "SavingsPlanCoveredUsage":
        description = f"Compute Savings Plan rate {SP_RATE} applied to {t.usage_type}"
    elif t.spot_rate is not None:
        description = f"${_plain(t.spot_rate)} per Hour for Linux/UNIX Spot Instance: {t.instance_type}"
    else:
        description = f"USD {_plain(t.rate)} per {t.unit} for {usage_type} in {location}"
    return usage_type, sku, rate_code, description


class _Org:
    """The resources of the demo organisation, sized to the requested volume."""

    def __init__(self, seed: int, rows_per_period: int):
        rng = seeded(seed, "org")
        pool = max(8, min(5000, rows_per_period // 200))
        total_w = sum(t.weight for t in TEMPLATES)
        res: dict[str, list] = {k: [] for k in ("tmpl", "account", "region", "az", "id", "team", "env", "cc", "by",
                                                "free_cc", "equipe")}
        self.pool_start, self.pool_size = [], []
        for ti, t in enumerate(TEMPLATES):
            self.pool_start.append(len(res["id"]))
            size = max(2, int(pool * t.weight / total_w * 4))
            self.pool_size.append(size)
            for i in range(size):  # per-resource (not per-row) loop: a few thousand at most
                if t.line_type == "DiscountedUsage":
                    acct = rng.choice([1, 2])  # RI bought by the payer, used by prod/staging
                elif t.seller:
                    acct = 0
                elif t.key == "nat" and i == 0:
                    acct = BUNDLED_ACCOUNT
                else:
                    acct = rng.randrange(len(ACCOUNTS))
                reg = rng.choice(t.regions)
                team = ACCOUNTS[acct][2] if rng.random() < 0.8 else rng.choice(TEAMS)
                tagged = rng.random() < 0.85 and t.resource != ""
                h = rng.randbytes(16).hex()
                rid = t.resource.format(h17=h[:17], h16=h[:16], h8=h[:8], h4=h[:4], H13=h[:13].upper(),
                                        uuid=uuid.UUID(h), team=team, region=REGIONS[reg][0],
                                        account=ACCOUNTS[acct][0])
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
                res["free_cc"].append(rng.choice(FREE_TEXT_COST_CENTERS) if tagged and t.product_code == "AmazonEC2"
                                      else None)
                res["equipe"].append(rng.choice(EQUIPES) if tagged and REGIONS[reg][0].startswith("eu-") else None)
        self.res = {k: pa.array(v) for k, v in res.items()}
        # Template sampling table: 1000 slots filled in proportion to weights.
        table = []
        for ti, t in enumerate(TEMPLATES):
            table += [ti] * round(1000 * t.weight / total_w)
        self.template_table = pa.array(table, pa.int64())
        # Price list entries per (template, region), looked up by template * len(REGIONS) + region.
        catalog = [_catalog_entry(t, r) for t in TEMPLATES for r in REGIONS]
        self.usage_type, self.sku, self.rate_code, self.description = (pa.array(col) for col in zip(*catalog))
        self.ri_arn = f"arn:aws:ec2:us-east-1:{PAYER[0]}:reserved-instances/{_uuid(seed, 'ri')}"
        self.sp_arn = f"arn:aws:savingsplans::{PAYER[0]}:savingsplan/{_uuid(seed, 'sp')}"
        # Size commitments so that RI/SP utilisation lands around 85-90% whatever the volume.
        present = sum(TEMPLATES[i].weight for i in set(table))
        self.ri_normalized_per_row = sum(t.weight / present * t.norm_factor for t in TEMPLATES
                                         if t.line_type == "DiscountedUsage")
        self.sp_share = next(t.weight for t in TEMPLATES if t.key == "ec2_sp") / present


@dataclass
class _Totals:
    """Per-period accumulators needed by the monthly lines (fees, discounts, tax, EKS pods)."""

    ri_used_normalized: float = 0.0
    sp_used: float = 0.0
    # (account id, product code) -> {"cost": unblended, "EdpDiscount": ..., ...}
    by_product: dict = field(default_factory=dict)
    eks_nodes: list = field(default_factory=list)  # EC2 rows (dicts) whose hour runs EKS pods

    def add(self, account: str, product: str, cost: float, discounts: dict[str, float]) -> None:
        sums = self.by_product.setdefault((account, product), dict.fromkeys(("cost",) + DISCOUNT_TYPES, 0.0))
        sums["cost"] += cost
        for kind in DISCOUNT_TYPES:
            sums[kind] += discounts.get(kind) or 0.0

    def aws_cost(self, account: str | None = None) -> float:
        """AWS (not Marketplace) charges so far, of one account or all."""
        return sum(s["cost"] for (a, p), s in self.by_product.items()
                   if p != MARKETPLACE_PRODUCT and account in (None, a))


def _usage_chunk(org: _Org, period: str, n: int, rng: random.Random, revision: int, restate_rng: random.Random | None,
                 totals: _Totals) -> dict[str, pa.Array]:
    """n usage line items (+ their SavingsPlanNegation twins) as canonical arrays."""
    start, end = _period_bounds(period)
    hours = int((end - start).total_seconds() // 3600)
    sp_active = period >= SAVINGS_PLAN_START
    cc_active = period >= COST_CENTER_TAG_START
    edp_active = period >= EDP_START

    tmpl = pc.take(org.template_table, index(uniform(rng, n), len(org.template_table)))
    if not sp_active:  # before the Savings Plan existed that usage was plain on-demand
        sp_idx = next(i for i, t in enumerate(TEMPLATES) if t.key == "ec2_sp")
        od_idx = next(i for i, t in enumerate(TEMPLATES) if t.key == "ec2_c5xl")
        tmpl = pc.if_else(pc.equal(tmpl, sp_idx), od_idx, tmpl)
    size = pc.take(pa.array(org.pool_size, pa.int64()), tmpl)
    within = pc.cast(pc.floor(pc.multiply(uniform(rng, n), pc.cast(size, pa.float64()))), pa.int64())
    res = pc.add(pc.take(pa.array(org.pool_start, pa.int64()), tmpl), within)
    R = {k: pc.take(v, res) for k, v in org.res.items()}
    T = lambda attr, type_=None: _lookup([getattr(t, attr) for t in TEMPLATES], tmpl, type_)  # noqa: E731
    catalog = pc.add(pc.multiply(tmpl, len(REGIONS)), R["region"])

    daily = T("daily")
    slot = index(uniform(rng, n), hours)
    slot = pc.if_else(daily, pc.multiply(pc.divide(slot, 24), 24), slot)  # daily lines start at midnight
    span = pc.if_else(daily, 24 * 3600, 3600)
    t0 = int(start.timestamp())
    start_s = pc.add(pc.multiply(slot, 3600), t0)
    usage_start = pc.cast(start_s, pa.timestamp("s"))
    usage_end = pc.cast(pc.add(start_s, span), pa.timestamp("s"))

    lo = _lookup([t.amount[0] for t in TEMPLATES], tmpl, pa.float64())
    hi = _lookup([t.amount[1] for t in TEMPLATES], tmpl, pa.float64())
    amount = pc.add(lo, pc.multiply(uniform(rng, n), pc.subtract(hi, lo)))
    amount = pc.if_else(daily, pc.divide(amount, 30.0), amount)  # GB-Mo accrue per day
    if restate_rng is not None:  # restatement: AWS re-rated ~3% of the lines upward
        bump = pc.less(uniform(restate_rng, n), 0.03)
        amount = pc.if_else(bump, pc.multiply(amount, 1.15), amount)
    amount = pc.round(pc.if_else(T("whole"), pc.ceil(amount), amount), 10)

    rate = T("rate", pa.float64())
    line_type = T("line_type")
    is_ri = pc.equal(line_type, "DiscountedUsage")
    is_sp = pc.equal(line_type, "SavingsPlanCoveredUsage")
    is_mp = pc.is_valid(T("seller"))
    od_cost = pc.multiply(amount, rate)
    # Spot bills its own rate; pricing/publicOnDemandCost keeps what the hour costs on demand
    billed_rate = pc.coalesce(T("spot_rate", pa.float64()), rate)
    unblended_rate = pc.if_else(pc.or_(is_ri, T("free")), 0.0, billed_rate)
    unblended = pc.multiply(amount, unblended_rate)
    nf = T("norm_factor", pa.float64())
    normalized = pc.multiply(amount, nf)
    usage_type = pc.take(org.usage_type, catalog)
    null_s = pa.nulls(n, pa.string())
    null_n = pa.nulls(n, pa.float64())
    term = T("term")
    extra = {k: _lookup([t.extra.get(k) for t in TEMPLATES], tmpl)
             for k in ("vcpu", "memory", "operating_system", "storage_class", "volume_api_name", "database_engine",
                       "instance_family")}
    region_code = pc.if_else(is_mp, null_s, _lookup([r[0] for r in REGIONS], R["region"]))
    # An RI's cost per normalized unit: each size of the family uses it by its normalization factor.
    ri_effective = pc.if_else(is_ri, pc.multiply(normalized, (RI_UPFRONT_HOURLY + RI_RECURRING_HOURLY)
                                                 / RI_NORMALIZATION_FACTOR), null_n)
    sp_effective = pc.if_else(is_sp, pc.multiply(amount, SP_RATE), null_n)

    c: dict[str, pa.Array] = {
        "identity/LineItemId": _random_ids(rng, n),
        "lineItem/UsageAccountId": _lookup([a[0] for a in ACCOUNTS], R["account"]),
        "line_item_usage_account_name": _lookup([a[1] for a in ACCOUNTS], R["account"], pa.string()),
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
        "lineItem/NormalizedUsageAmount": normalized,
        "lineItem/UnblendedRate": unblended_rate,
        "lineItem/UnblendedCost": unblended,
        "lineItem/BlendedRate": unblended_rate,
        "lineItem/BlendedCost": unblended,
        "lineItem/LineItemDescription": pc.take(org.description, catalog),
        "lineItem/LegalEntity": pc.if_else(is_mp, T("seller"), _invoicing_entity(period)),
        "bill/BillingEntity": pc.if_else(is_mp, "AWS Marketplace", "AWS"),
        "bill/BillType": pa.repeat("Anniversary", n),
        "product/ProductName": T("product_name"),
        "product/servicecode": pc.if_else(is_mp, null_s, T("product_code")),
        "product/sku": pc.take(org.sku, catalog),
        "product/productFamily": T("family"),
        "product/region": region_code,
        "product/regionCode": region_code,
        "product/location": pc.if_else(is_mp, null_s, _lookup([r[1] for r in REGIONS], R["region"])),
        "product/locationType": pc.if_else(is_mp, null_s, pa.repeat("AWS Region", n)),
        "product/instanceType": pc.if_else(pc.equal(T("instance_type"), ""), null_s, T("instance_type")),
        "product/instanceFamily": extra["instance_family"],
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
        # Free tier rows keep a currency even without a term; Spot and Marketplace rows have neither.
        "pricing/currency": pc.if_else(pc.or_(pc.is_valid(term), T("free")), "USD", null_s),
        "pricing/publicOnDemandCost": od_cost,
        "pricing/publicOnDemandRate": rate,
        "pricing/RateCode": pc.take(org.rate_code, catalog),
        "pricing/RateId": pc.cast(pc.add(pc.multiply(pc.add(tmpl, 1), 1_000_003), R["region"]), pa.string()),
        "pricing/purchaseOption": pc.if_else(is_ri, "Partial Upfront", null_s),
        "pricing/offeringClass": pc.if_else(is_ri, "standard", null_s),
        "pricing/LeaseContractLength": pc.if_else(is_ri, "1yr", null_s),
        "reservation/ReservationARN": pc.if_else(is_ri, org.ri_arn, null_s),
        "reservation/EffectiveCost": ri_effective,
        "reservation/AmortizedUpfrontCostForUsage": pc.if_else(
            is_ri, pc.multiply(normalized, RI_UPFRONT_HOURLY / RI_NORMALIZATION_FACTOR), null_n),
        "reservation/RecurringFeeForUsage": pc.if_else(
            is_ri, pc.multiply(normalized, RI_RECURRING_HOURLY / RI_NORMALIZATION_FACTOR), null_n),
        "savingsPlan/SavingsPlanARN": pc.if_else(is_sp, org.sp_arn, null_s),
        "savingsPlan/SavingsPlanRate": pc.if_else(is_sp, SP_RATE, null_n),
        "savingsPlan/SavingsPlanEffectiveCost": sp_effective,
        "resourceTags/user:Team": R["team"],
        "resourceTags/user:Environment": R["env"],
        "resourceTags/user:CostCenter": R["cc"] if cc_active else null_s,
        "resourceTags/user:cost center": R["free_cc"],
        "resourceTags/user:Équipe": R["equipe"],
        "resourceTags/aws:createdBy": R["by"],
        "costCategory/BusinessUnit": pc.if_else(pc.is_in(R["team"], pa.array(["data", "ml"])), "Analytics",
                                                pc.if_else(pc.is_null(R["team"]), null_s, "Engineering")),
    }
    if edp_active:
        # Private pricing takes its share of CloudFront first, the bundled discount waives
        # demo-prod's NAT gateway hours, and the EDP takes its share of what AWS still bills
        # for usage.  Net = gross + the row's discounts; commitments get the EDP on their fees.
        private = pc.equal(T("product_code"), "AmazonCloudFront")
        bundled = pc.and_(pc.equal(T("key"), "nat"), pc.equal(R["account"], BUNDLED_ACCOUNT))
        private_factor = pc.if_else(private, 1 - PRIVATE_RATE, 1.0)
        after_private = pc.multiply(unblended, private_factor)
        billed = pc.if_else(bundled, 0.0, after_private)
        edp = pc.and_(pc.and_(pc.equal(line_type, "Usage"), pc.invert(is_mp)), pc.greater(billed, 0.0))
        edp_factor = pc.if_else(edp, 1 - EDP_RATE, 1.0)
        net = pc.multiply(billed, edp_factor)
        net_factor = pc.if_else(bundled, 0.0, pc.multiply(private_factor, edp_factor))
        c.update({
            "discount/PrivateRateDiscount": pc.if_else(private, pc.subtract(after_private, unblended), null_n),
            "discount/BundledDiscount": pc.if_else(bundled, pc.negate(after_private), null_n),
            "discount/EdpDiscount": pc.if_else(edp, pc.subtract(net, billed), null_n),
            "discount/TotalDiscount": pc.if_else(pc.or_(pc.or_(private, bundled), edp), pc.subtract(net, unblended),
                                                 null_n),
            "lineItem/NetUnblendedCost": net,
            "lineItem/NetUnblendedRate": pc.multiply(unblended_rate, net_factor),
            "reservation/NetEffectiveCost": pc.multiply(ri_effective, 1 - EDP_RATE),
            "savingsPlan/NetSavingsPlanEffectiveCost": pc.multiply(sp_effective, 1 - EDP_RATE),
        })

    totals.ri_used_normalized += pc.sum(pc.if_else(is_ri, normalized, 0.0)).as_py() or 0.0
    totals.sp_used += pc.sum(pc.if_else(is_sp, sp_effective, 0.0)).as_py() or 0.0
    _add_totals(totals, c)
    if len(totals.eks_nodes) < EKS_NODE_HOURS:
        m5_large = pc.indices_nonzero(pc.equal(tmpl, next(i for i, t in enumerate(TEMPLATES) if t.key == "ec2_m5l")))
        for node in pa.table({"account": R["account"], "region": R["region"], "az": R["az"], "id": R["id"],
                              "start": usage_start, "cost": unblended, "team": R["team"]}) \
                .take(m5_large.slice(0, 2 * EKS_NODE_HOURS)).to_pylist():
            if len(totals.eks_nodes) < EKS_NODE_HOURS and \
                    (node["id"], node["start"]) not in {(n["id"], n["start"]) for n in totals.eks_nodes}:
                totals.eks_nodes.append(node)  # distinct instance hours

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
        if edp_active:  # covered usage has no discounts of its own, so neither has its negation
            neg.update({"lineItem/NetUnblendedRate": neg["lineItem/UnblendedRate"],
                        "lineItem/NetUnblendedCost": neg["lineItem/UnblendedCost"],
                        "savingsPlan/NetSavingsPlanEffectiveCost": mn})
        _add_totals(totals, neg)
        c = {k: pa.concat_arrays([c[k], neg[k]]) for k in c}
    return c


def _add_totals(totals: _Totals, c: dict[str, pa.Array]) -> None:
    """Add a chunk's cost and discounts per (account, product) to the period's totals."""
    sums = {"cost": c["lineItem/UnblendedCost"]}
    sums |= {kind: pc.fill_null(c[f"discount/{kind}"], 0.0) for kind in DISCOUNT_TYPES if f"discount/{kind}" in c}
    grouped = pa.table({"a": c["lineItem/UsageAccountId"], "p": c["lineItem/ProductCode"], **sums}) \
        .group_by(["a", "p"], use_threads=False).aggregate([(k, "sum") for k in sums])
    for row in grouped.to_pylist():  # one per account and product
        totals.add(row["a"], row["p"], row["cost_sum"], {k: row.get(f"{k}_sum") for k in DISCOUNT_TYPES})


def _monthly_chunk(org: _Org, period: str, rows_per_period: int, totals: _Totals, seed: int, revision: int,
                   resource_ids: bool) -> dict[str, pa.Array]:
    """Commitment and Support fees, EKS pod rows, discounts, credits, refunds and taxes: the
    lines AWS adds for a month on top of its usage (a few hundred)."""
    start, end = _period_bounds(period)
    t0, t1 = start.replace(tzinfo=None), end.replace(tzinfo=None)
    hours = (end - start).total_seconds() / 3600
    edp_active = period >= EDP_START
    entity = _invoicing_entity(period)
    rows: list[dict] = []

    def line(account: int, line_type: str, product: str, cost: float, desc: str, edp: bool = False, **kw) -> dict:
        row = {"lineItem/UsageAccountId": ACCOUNTS[account][0],
               "line_item_usage_account_name": ACCOUNTS[account][1],
               "lineItem/LineItemType": line_type, "lineItem/ProductCode": product,
               "lineItem/UnblendedCost": cost, "lineItem/BlendedCost": cost,
               "lineItem/LineItemDescription": desc, "lineItem/LegalEntity": entity,
               "lineItem/UsageStartDate": t0, "lineItem/UsageEndDate": t1,
               "product/ProductName": PRODUCT_NAMES[product],
               "bill/BillType": "Anniversary", "bill/BillingEntity": "AWS", **kw}
        if edp and edp_active:  # the EDP discounts commitment fees too
            discount = -EDP_RATE * cost
            row |= {"discount/EdpDiscount": discount, "discount/TotalDiscount": discount,
                    "lineItem/NetUnblendedCost": cost + discount}
            for gross, net in (("lineItem/UnblendedRate", "lineItem/NetUnblendedRate"),
                               ("reservation/EffectiveCost", "reservation/NetEffectiveCost")):
                if gross in row:
                    row[net] = row[gross] * (1 - EDP_RATE)
        rows.append(row)
        return row

    # Reserved Instances: enough m5.xlarge reservations for ~87% utilisation at this volume, and
    # never fewer than the usage they covered.  Usage of every m5 size draws on them in normalized units.
    ri_count = max(1, math.ceil(rows_per_period * org.ri_normalized_per_row / (hours * RI_NORMALIZATION_FACTOR)
                                / 0.87), math.ceil(totals.ri_used_normalized / (hours * RI_NORMALIZATION_FACTOR)))
    reserved = ri_count * hours  # m5.xlarge hours
    unused_normalized = max(0.0, reserved * RI_NORMALIZATION_FACTOR - totals.ri_used_normalized)
    unused = unused_normalized / RI_NORMALIZATION_FACTOR
    ri_common = {"reservation/ReservationARN": org.ri_arn, "reservation/NumberOfReservations": str(ri_count),
                 "reservation/StartTime": "2026-08-01T00:00:00.000Z", "reservation/EndTime": "2027-08-01T00:00:00.000Z",
                 "pricing/term": "Reserved", "pricing/purchaseOption": "Partial Upfront",
                 "pricing/offeringClass": "standard", "pricing/LeaseContractLength": "1yr",
                 "product/servicecode": "AmazonEC2", "product/region": "us-east-1", "product/regionCode": "us-east-1",
                 "product/location": REGIONS[0][1], "product/instanceType": "m5.xlarge"}
    line(0, "RIFee", "AmazonEC2", reserved * RI_RECURRING_HOURLY,
         f"USD {RI_RECURRING_HOURLY} hourly fee per Linux/UNIX (Amazon VPC), m5.xlarge instance", edp=True,
         **{"lineItem/UsageType": "HeavyUsage:m5.xlarge", "lineItem/Operation": "RunInstances",
            "lineItem/UsageAmount": reserved, "lineItem/UnblendedRate": RI_RECURRING_HOURLY,
            "lineItem/BlendedRate": RI_RECURRING_HOURLY, "lineItem/NormalizationFactor": RI_NORMALIZATION_FACTOR,
            "lineItem/NormalizedUsageAmount": reserved * RI_NORMALIZATION_FACTOR,
            "reservation/AmortizedUpfrontFeeForBillingPeriod": reserved * RI_UPFRONT_HOURLY,
            "reservation/TotalReservedUnits": reserved,
            "reservation/TotalReservedNormalizedUnits": reserved * RI_NORMALIZATION_FACTOR,
            "reservation/UnitsPerReservation": hours,
            "reservation/NormalizedUnitsPerReservation": hours * RI_NORMALIZATION_FACTOR,
            "reservation/UnusedQuantity": unused, "reservation/UnusedNormalizedUnitQuantity": unused_normalized,
            "reservation/UnusedRecurringFee": unused * RI_RECURRING_HOURLY,
            "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": unused * RI_UPFRONT_HOURLY,
            "reservation/EffectiveCost": unused * (RI_RECURRING_HOURLY + RI_UPFRONT_HOURLY),
            **ri_common})
    if period == RI_PURCHASE_PERIOD:
        upfront = ri_count * 8760 * RI_UPFRONT_HOURLY
        line(0, "Fee", "AmazonEC2", upfront, "Sign up charge for subscription: m5.xlarge 1yr Partial Upfront", edp=True,
             **{"bill/BillType": "Purchase", "lineItem/UsageType": "HeavyUsage:m5.xlarge",
                "lineItem/UsageAmount": float(ri_count), **ri_common})

    # Compute Savings Plan, no upfront: the commitment (~90% used, at least what covered usage used)
    # is billed whether used or not.
    if period >= SAVINGS_PLAN_START:
        commitment = max(round(rows_per_period * org.sp_share * SP_RATE / 0.9, 2),
                         math.ceil(totals.sp_used * 100) / 100)
        used = totals.sp_used
        line(0, "SavingsPlanRecurringFee", "ComputeSavingsPlans", commitment,
             "1 year No Upfront Compute Savings Plan", edp=True,
             **{"lineItem/UsageType": "ComputeSP:1yrNoUpfront", "lineItem/UsageAmount": hours,
                "lineItem/UnblendedRate": commitment / hours, "lineItem/BlendedRate": commitment / hours,
                "savingsPlan/SavingsPlanARN": org.sp_arn, "savingsPlan/TotalCommitmentToDate": commitment,
                "savingsPlan/UsedCommitment": used, "savingsPlan/RecurringCommitmentForBillingPeriod": commitment,
                "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod": 0.0,
                "savingsPlan/OfferingType": "ComputeSavingsPlans", "savingsPlan/PaymentOption": "No Upfront",
                "savingsPlan/PurchaseTerm": "1yr", "savingsPlan/Region": "Any",
                "savingsPlan/StartTime": "2026-09-01T00:00:00.000Z", "savingsPlan/EndTime": "2027-09-01T00:00:00.000Z"})

    # AWS Support: a monthly fee over the whole month.
    line(0, "Fee", "AWSSupportBusiness", max(100.0, round(0.10 * totals.aws_cost(), 2)), "AWS Support (Business)",
         **{"lineItem/UsageType": "Dollar", "lineItem/Operation": ""})

    # EKS split cost allocation: the node hour's EC2 row keeps the cost; each pod gets a row per
    # vCPU and memory with unblended cost 0 and its share of the node in splitLineItem/*.
    # Capacity no pod reserved is unused cost, shared by the pods in proportion.
    weights = sum(EKS_WEIGHT[u] * EKS_NODE[u] for u in EKS_NODE)
    for node in totals.eks_nodes if resource_ids else []:
        region = REGIONS[node["region"]]
        account = ACCOUNTS[node["account"]][0]
        cluster = f"{node['team'] or 'shared'}-cluster"
        for unit, capacity in EKS_NODE.items():
            share = node["cost"] * EKS_WEIGHT[unit] * capacity / weights  # the cost of all the node's vCPU (or GiB)
            ratios = [max(usage[unit]) / capacity for _, _, usage in EKS_PODS]
            for (namespace, app, usage), ratio in zip(EKS_PODS, ratios):
                uid = _uuid(seed, node["id"], node["start"], app)
                pod = f"{app}-{uid[:10].replace('-', '')}-{uid[-5:]}"
                split_cost = share * ratio
                unused_cost = share * (1 - sum(ratios)) * ratio / sum(ratios)
                row = line(node["account"], "Usage", "AmazonEKS", 0.0, f"EKS pod {namespace}/{pod} on {node['id']}",
                           **{"lineItem/UsageType": f"{region[2]}EKS-EC2-{unit}", "lineItem/Operation": "EKSPod-EC2",
                              "lineItem/ResourceId": f"arn:aws:eks:{region[0]}:{account}:pod/{cluster}/{namespace}/"
                                                     f"{pod}/{uid}",
                              "lineItem/AvailabilityZone": node["az"], "lineItem/UsageAmount": max(usage[unit]),
                              "lineItem/UnblendedRate": 0.0, "lineItem/UsageStartDate": node["start"],
                              "lineItem/UsageEndDate": node["start"] + timedelta(hours=1), "pricing/unit": unit,
                              "product/servicecode": "AmazonEKS", "product/region": region[0],
                              "product/regionCode": region[0], "product/location": region[1],
                              "splitLineItem/ParentResourceId": node["id"],
                              "splitLineItem/ReservedUsage": usage[unit][0],
                              "splitLineItem/ActualUsage": usage[unit][1],
                              "splitLineItem/SplitUsage": max(usage[unit]), "splitLineItem/SplitUsageRatio": ratio,
                              "splitLineItem/SplitCost": split_cost, "splitLineItem/UnusedCost": unused_cost,
                              # the node runs on demand: public and billed cost are the same
                              "splitLineItem/PublicOnDemandSplitCost": split_cost,
                              "splitLineItem/PublicOnDemandUnusedCost": unused_cost,
                              "resourceTags/user:Team": node["team"], "resourceTags/user:app.kubernetes.io/name": app})
                if edp_active:  # the node hour is EDP-discounted usage
                    row |= {"splitLineItem/NetSplitCost": split_cost * (1 - EDP_RATE),
                            "splitLineItem/NetUnusedCost": unused_cost * (1 - EDP_RATE)}

    for row in rows:  # the charges so far are usage-like: discounted and taxed per product
        totals.add(row["lineItem/UsageAccountId"], row["lineItem/ProductCode"], row["lineItem/UnblendedCost"],
                   {kind: row.get(f"discount/{kind}") for kind in DISCOUNT_TYPES})
    if edp_active:  # the discount lines sum up what the lines' discount columns took off
        for (account, product), sums in sorted(totals.by_product.items()):
            for kind in DISCOUNT_TYPES:
                if sums[kind]:
                    line(ACCOUNT_INDEX[account], kind, product, sums[kind], DISCOUNT_DESCRIPTIONS[kind],
                         **{"lineItem/BlendedCost": None})  # blended cost is blank for discounts
    for i in (1, 3):  # promotional credits on two accounts, capped
        credit = -min(50.0, round(0.05 * totals.aws_cost(ACCOUNTS[i][0]), 2))
        line(i, "Credit", "AmazonEC2", credit, "AWS Promotional Credit")
    if period == REFUND_PERIOD:
        line(1, "Refund", "AmazonS3", -25.0, "Refund for S3 service event 2026-09", **{"bill/BillType": "Refund"})
    if period == PRIOR_PERIOD_REFUND:  # refunds usage of the month before, on this month's bill
        previous = (start - timedelta(days=1)).strftime("%Y-%m")
        line(3, "Refund", "AmazonRDS", -40.0, f"Refund for Amazon RDS overcharge in {previous}",
             **{"bill/BillType": "Refund", "lineItem/UsageStartDate": _period_bounds(previous)[0].replace(tzinfo=None),
                "lineItem/UsageEndDate": t0})
    tax_type, tax_rate = ("VAT", 0.23) if entity == EMEA_ENTITY else ("Sales", 0.07)
    for (account, product), sums in sorted(totals.by_product.items()):  # one tax line per product, even at 0
        seller = {"bill/BillingEntity": "AWS Marketplace", "lineItem/LegalEntity": MARKETPLACE_SELLER} \
            if product == MARKETPLACE_PRODUCT else {}
        line(ACCOUNT_INDEX[account], "Tax", product, round(max(sum(sums.values()), 0.0) * tax_rate, 2),
             f"Tax for product code {product}", **{"lineItem/TaxType": tax_type, "lineItem/UsageAmount": 1.0, **seller})
    if edp_active:  # net columns fill every line; a discount line is already in the net of what it discounts
        for row in rows:
            row.setdefault("lineItem/NetUnblendedCost", 0.0 if row["lineItem/LineItemType"] in DISCOUNT_TYPES
                           else row["lineItem/UnblendedCost"])

    types = {"n": pa.float64(), "s": pa.string(), "t": pa.timestamp("s")}
    chunk = {k: pa.array([r.get(k) for r in rows], types[KIND[k]]) for k in sorted({k for r in rows for k in r})}
    chunk["identity/LineItemId"] = _random_ids(seeded(seed, period, "monthly", revision), len(rows))
    return chunk


def _finish(chunk: dict[str, pa.Array], period: str, revision: int, open_: bool) -> dict[str, pa.Array]:
    """Columns that are the same for every line of the period, or follow from the others."""
    n = len(chunk["identity/LineItemId"])
    start, end = _period_bounds(period)
    chunk["bill/PayerAccountId"] = pa.repeat(PAYER[0], n)
    chunk["bill_payer_account_name"] = pa.repeat(PAYER[1], n)
    chunk["bill/InvoicingEntity"] = pa.repeat(_invoicing_entity(period), n)
    if open_:  # not invoiced yet
        chunk["bill/InvoiceId"] = pa.nulls(n, pa.string())
    else:
        chunk["bill/InvoiceId"] = pc.if_else(pc.equal(chunk["bill/BillingEntity"], "AWS Marketplace"),
                                             _invoice_id(period, revision, "AWS Marketplace"),
                                             _invoice_id(period, revision, "AWS"))
    chunk["bill/BillingPeriodStartDate"] = pa.repeat(pa.scalar(start.replace(tzinfo=None), pa.timestamp("s")), n)
    chunk["bill/BillingPeriodEndDate"] = pa.repeat(pa.scalar(end.replace(tzinfo=None), pa.timestamp("s")), n)
    chunk["lineItem/CurrencyCode"] = pa.repeat("USD", n)
    chunk["identity/TimeInterval"] = pc.binary_join_element_wise(
        _fmt_ts(chunk["lineItem/UsageStartDate"]), _fmt_ts(chunk["lineItem/UsageEndDate"]), "/")
    return chunk


def _generate_period(period: str, rows_per_period: int, files: int, seed: int, revision: int, open_: bool,
                     resource_ids: bool):
    """Yield (file_index, canonical chunk) in file order; memory bounded by CHUNK_ROWS."""
    org = _Org(seed, rows_per_period)
    totals = _Totals()
    per_file = [rows_per_period // files + (1 if j < rows_per_period % files else 0) for j in range(files)]
    for j, rows in enumerate(per_file):
        for k, off in enumerate(range(0, rows, CHUNK_ROWS)):
            n = min(CHUNK_ROWS, rows - off)
            restate = seeded(seed, period, j, k, "restate", revision) if revision > 1 else None
            chunk = _usage_chunk(org, period, n, seeded(seed, period, j, k), revision, restate, totals)
            yield j, _finish(chunk, period, revision, open_)
        if j == files - 1:
            if revision > 1:  # restatement also brings late-arriving usage lines
                late = max(1, rows_per_period // 50)
                chunk = _usage_chunk(org, period, late, seeded(seed, period, "late", revision), revision, None, totals)
                yield j, _finish(chunk, period, revision, open_)
            yield j, _finish(_monthly_chunk(org, period, rows_per_period, totals, seed, revision, resource_ids),
                             period, revision, open_)


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
            arrays.append(_fmt_ts(pc.cast(arr, pa.timestamp("ms"))))  # AWS writes 2026-09-01T00:00:00.000Z
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
                 files_per_period: int = 2, open_periods: Sequence[str] | None = None,
                 resource_ids: bool = True) -> list[Path]:
    """Write a legacy CUR export (CSV, GZIP or ZIP) and return the manifest paths written.

    ``open_periods``: months not invoiced yet (no invoice ids); by default the current UTC month
    on.  ``resource_ids=False`` writes a report created without "Include resource IDs" (no
    lineItem/ResourceId, and so no split cost allocation data).
    """
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
        cols = _v1_columns(period, resource_ids)
        schema = pa.schema([(c[0], pa.string()) for c in cols])
        names = [f"{report}-{j + 1:05d}{ext}" for j in range(files_per_period)]
        writers: dict[int, _CsvFile] = {}
        for j, chunk in _generate_period(period, rows_per_period, files_per_period, seed, revision,
                                         _is_open(period, open_periods), resource_ids):
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
    p = arange(n * k)
    src = pc.add(pc.multiply(pc.subtract(p, pc.multiply(pc.divide(p, k), k)), n), pc.divide(p, k))
    vals = pc.take(flat_vals, src)
    key_names = pc.take(pa.array(keys), pc.subtract(p, pc.multiply(pc.divide(p, k), k)))
    valid = pc.is_valid(vals)
    per_row = pc.cast(pc.is_valid(values[keys[0]]), pa.int32())
    for key in keys[1:]:
        per_row = pc.add(per_row, pc.cast(pc.is_valid(values[key]), pa.int32()))
    offsets = pa.concat_arrays([pa.array([0], pa.int64()), pc.cumulative_sum(pc.cast(per_row, pa.int64()))])
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
            cols.append(_fmt_ts(col))  # %S carries the fraction
        else:
            cols.append(col)
    return pa.table(cols, names=table.column_names)


def write_cur_v2(root: Path, *, export: str = "demo-cur2", prefix: str = "cur2", bucket: str = "demo-billing",
                 periods: Sequence[str] = ("2026-08", "2026-09", "2026-10"), rows_per_period: int = 2000,
                 seed: int = 42, revision: int = 1, delivery: str = "overwrite", fmt: str = "parquet",
                 files_per_period: int = 2, open_periods: Sequence[str] | None = None,
                 resource_ids: bool = True) -> list[Path]:
    """Write a CUR 2.0 (Data Exports) export and return the manifest paths written.

    ``open_periods`` and ``resource_ids`` as for ``write_cur_v1`` (without resource IDs the
    export has no line_item_resource_id and no split_line_item_* columns).
    """
    if delivery not in ("new-version", "overwrite"):
        raise ValueError(f"delivery must be 'new-version' or 'overwrite', not {delivery!r}")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv', not {fmt!r}")
    root = Path(root)
    schema, manifest_cols = _v2_schema(resource_ids)
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
        for j, chunk in _generate_period(period, rows_per_period, files_per_period, seed, revision,
                                         _is_open(period, open_periods), resource_ids):
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
