"""Azure export headers onto raw column names and types (see `settings` for the spellings).

`raw_column("Abonnement-GUID (SubscriptionGuid)")` -> `subscription_id`;
`raw_column("\ufeffSubscriptionGuid")` -> `subscription_id`; `raw_column("costInBillingCurrency")` ->
`cost_in_billing_currency`; `raw_column("x_ResourceGroupName")` -> `x_resource_group_name`.
"""

from __future__ import annotations

import re

from .settings import ACTUAL, ALIASES, DATE_COLUMNS, DECIMAL_COLUMNS, FOCUS, JSON_COLUMNS, TIMESTAMP_COLUMNS

# Localized exports write `Ressourcengruppe (ResourceGroup)`: the English name in parentheses.
LOCALIZED = re.compile(r"^.*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$")


def english_name(header: str) -> str:
    """The header without a byte-order mark, surrounding blanks or quotes, or its localized part."""
    name = header.replace("\ufeff", "").strip().strip('"').strip()
    match = LOCALIZED.match(name)
    return match[1] if match else name


def snake_case(name: str) -> str:
    """`CostInBillingCurrency` / `costInBillingCurrency` -> `cost_in_billing_currency`,
    `x_ResourceGroupName` -> `x_resource_group_name`, `ServiceInfo1` -> `service_info1`."""
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    name = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", name)
    return re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")


def raw_column(header: str, export_type: str = ACTUAL) -> str:
    """The raw column a file's header names. The aliases are cost details' spellings: a FOCUS export's
    `ConsumedQuantity` is FOCUS's, not the old cost details' name of `Quantity`."""
    name = english_name(header)
    return (export_type != FOCUS and ALIASES.get(name.lower())) or snake_case(name)


def column_type(name: str) -> str:
    """The dlt data type of raw column `name`."""
    if name in DECIMAL_COLUMNS:
        return "decimal"
    if name in DATE_COLUMNS:
        return "date"
    if name in TIMESTAMP_COLUMNS:
        return "timestamp"
    if name in JSON_COLUMNS:
        return "json"
    return "text"
