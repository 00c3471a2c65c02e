"""Constants for Azure Cost Management exports: the raw column set, its types and header aliases.

Azure writes one logical schema under many spellings: EA exports in PascalCase, MCA in camelCase,
pay-as-you-go (and older EA) exports with their own names (`PreTaxCost`, `UsageDateTime`,
`SubscriptionGuid`), localized headers with the English name in parentheses. Every spelling lands
in one raw column named in snake_case after the current EA/MCA name (`CostInBillingCurrency` ->
`cost_in_billing_currency`). FocusCost exports keep their FOCUS names, in snake_case
(`BilledCost` -> `billed_cost`, `x_ResourceGroupName` -> `x_resource_group_name`).

Column names and meanings: https://learn.microsoft.com/azure/cost-management-billing/automate/understand-usage-details-fields
"""

# Raw tables live here, one per export.
DATASET = "azure_billing"
PROVIDER = "azure"

# Export types, as configured (`type`) and recorded as import_state.source_format.
ACTUAL, AMORTIZED, FOCUS = "actual", "amortized", "focus"
EXPORT_TYPES = (ACTUAL, AMORTIZED, FOCUS)

# Older and pay-as-you-go spellings -> the raw column (keys compared case-insensitively, after the
# header is reduced to its English name). Names not listed map to their own snake_case.
ALIASES = {
    "subscriptionguid": "subscription_id",
    "usagedatetime": "date",
    "usagedate": "date",
    "pretaxcost": "cost_in_billing_currency",
    "cost": "cost_in_billing_currency",
    "costinbillingcurrency": "cost_in_billing_currency",
    "usagequantity": "quantity",
    "consumedquantity": "quantity",
    "resourcerate": "effective_price",
    "instanceid": "resource_id",
    "instancename": "resource_id",
    "currency": "billing_currency",
    "billingcurrencycode": "billing_currency",
    "billingcurrency": "billing_currency",
    "pricingcurrencycode": "pricing_currency",
    "resourcegroup": "resource_group_name",
    "metersubcategory": "meter_sub_category",
    "paygprice": "payg_price",
    "costinusd": "cost_in_usd",
    "paygcostinbillingcurrency": "payg_cost_in_billing_currency",
    "paygcostinusd": "payg_cost_in_usd",
    "serviceinfo1": "service_info1",
    "serviceinfo2": "service_info2",
    "benefitid": "benefit_id",
    # older EA exports (e.g. Microsoft's FinOps toolkit test exports): Product, InvoiceSection
    "product": "product_name",
    "invoicesection": "invoice_section_name",
    "benefitname": "benefit_name",
}

# Actual and amortized cost details: exact decimals.
DECIMAL_COLUMNS = {
    "quantity",
    "effective_price",
    "unit_price",
    "payg_price",
    "market_price",
    "cost_in_billing_currency",
    "cost_in_pricing_currency",
    "cost_in_usd",
    "payg_cost_in_billing_currency",
    "payg_cost_in_usd",
    "exchange_rate_pricing_to_billing",
    # FocusCost exports
    "billed_cost",
    "effective_cost",
    "list_cost",
    "list_unit_price",
    "contracted_cost",
    "contracted_unit_price",
    "consumed_quantity",
    "pricing_quantity",
    "commitment_discount_quantity",
    "x_billed_cost_in_usd",
    "x_effective_cost_in_usd",
    "x_list_cost_in_usd",
    "x_contracted_cost_in_usd",
    "x_billing_exchange_rate",
    "x_effective_unit_price",
    "x_bilingual_unit_price",
    "x_sku_term",
}

# Dates written as MM/DD/YYYY, M/D/YY or ISO: read as DATE (no time of day in these exports).
DATE_COLUMNS = {
    "date",
    "billing_period_start_date",
    "billing_period_end_date",
    "service_period_start_date",
    "service_period_end_date",
    "exchange_rate_date",
}

# FocusCost timestamps (ISO 8601, UTC).
TIMESTAMP_COLUMNS = {
    "billing_period_start",
    "billing_period_end",
    "charge_period_start",
    "charge_period_end",
}

# JSON objects: tags (written with or without the outer braces) and additional info.
JSON_COLUMNS = {"tags", "additional_info", "x_sku_details"}

# A file must have these (after aliasing) to be read as cost details of its type.
REQUIRED_COLUMNS = {
    ACTUAL: {"date", "cost_in_billing_currency"},
    AMORTIZED: {"date", "cost_in_billing_currency"},
    FOCUS: {"billed_cost", "effective_cost", "charge_period_start"},
}

# The raw column whose sum is the period's total for the export's type: the invoice (actual), the
# amortized cost, or FOCUS BilledCost.
COST_COLUMNS = {ACTUAL: "cost_in_billing_currency", AMORTIZED: "cost_in_billing_currency", FOCUS: "billed_cost"}

# Text columns of actual and amortized cost details (EA and MCA, pay-as-you-go), as raw names.
COST_DETAILS_STRING_COLUMNS = {
    "account_name",
    "account_owner_id",
    "availability_zone",
    "benefit_id",
    "benefit_name",
    "billing_account_id",
    "billing_account_name",
    "billing_currency",
    "billing_profile_id",
    "billing_profile_name",
    "charge_type",
    "consumed_service",
    "cost_allocation_rule_name",
    "cost_center",
    "customer_name",
    "customer_tenant_id",
    "frequency",
    "invoice_id",
    "invoice_section_id",
    "invoice_section_name",
    "is_azure_credit_eligible",
    "location",
    "meter_category",
    "meter_id",
    "meter_name",
    "meter_region",
    "meter_sub_category",
    "offer_id",
    "part_number",
    "partner_earned_credit_applied",
    "partner_earned_credit_rate",
    "partner_name",
    "partner_tenant_id",
    "plan_name",
    "previous_invoice_id",
    "pricing_currency",
    "pricing_model",
    "product_id",
    "product_name",
    "product_order_id",
    "product_order_name",
    "provider",
    "publisher_id",
    "publisher_name",
    "publisher_type",
    "reseller_mpn_id",
    "reseller_name",
    "reservation_id",
    "reservation_name",
    "resource_group_name",
    "resource_id",
    "resource_location",
    "resource_name",
    "resource_type",
    "service_family",
    "service_info1",
    "service_info2",
    "service_name",
    "service_tier",
    "subscription_id",
    "subscription_name",
    "term",
    "unit_of_measure",
}

# Text columns of FocusCost exports (FOCUS 1.0 plus Microsoft's x_ columns), as raw names.
FOCUS_STRING_COLUMNS = {
    "availability_zone",
    "billing_account_id",
    "billing_account_name",
    "billing_account_type",
    "billing_currency",
    "charge_category",
    "charge_class",
    "charge_description",
    "charge_frequency",
    "commitment_discount_category",
    "commitment_discount_id",
    "commitment_discount_name",
    "commitment_discount_status",
    "commitment_discount_type",
    "commitment_discount_unit",
    "consumed_unit",
    "invoice_issuer_name",
    "pricing_category",
    "pricing_unit",
    "provider_name",
    "publisher_name",
    "region_id",
    "region_name",
    "resource_id",
    "resource_name",
    "resource_type",
    "service_category",
    "service_name",
    "sku_id",
    "sku_price_id",
    "sub_account_id",
    "sub_account_name",
    "sub_account_type",
    "x_account_id",
    "x_account_name",
    "x_account_owner_id",
    "x_billing_account_id",
    "x_billing_account_name",
    "x_billing_exchange_rate_date",
    "x_billing_profile_id",
    "x_billing_profile_name",
    "x_charge_id",
    "x_cost_allocation_rule_name",
    "x_cost_center",
    "x_customer_id",
    "x_customer_name",
    "x_invoice_id",
    "x_invoice_issuer_id",
    "x_invoice_section_id",
    "x_invoice_section_name",
    "x_partner_credit_applied",
    "x_partner_credit_rate",
    "x_pricing_block_size",
    "x_pricing_currency",
    "x_pricing_subcategory",
    "x_pricing_unit_description",
    "x_publisher_category",
    "x_publisher_id",
    "x_reseller_id",
    "x_reseller_name",
    "x_resource_group_name",
    "x_resource_type",
    "x_service_period_end",
    "x_service_period_start",
    "x_sku_description",
    "x_sku_is_credit_eligible",
    "x_sku_meter_category",
    "x_sku_meter_id",
    "x_sku_meter_name",
    "x_sku_meter_subcategory",
    "x_sku_offer_id",
    "x_sku_order_id",
    "x_sku_order_name",
    "x_sku_part_number",
    "x_sku_region",
    "x_sku_service_family",
    "x_sku_tier",
}

_FOCUS_TYPED = {
    "billed_cost", "effective_cost", "list_cost", "list_unit_price", "contracted_cost", "contracted_unit_price",
    "consumed_quantity", "pricing_quantity", "commitment_discount_quantity", "x_billed_cost_in_usd",
    "x_effective_cost_in_usd", "x_list_cost_in_usd", "x_contracted_cost_in_usd", "x_billing_exchange_rate",
    "x_effective_unit_price", "x_bilingual_unit_price", "x_sku_term", "tags", "x_sku_details",
} | TIMESTAMP_COLUMNS

# Every raw column an export of each type is known to have, declared up front so a raw table has
# the same columns every month, whichever columns a month's files carry.
KNOWN_COLUMNS = {
    ACTUAL: COST_DETAILS_STRING_COLUMNS | DATE_COLUMNS | (JSON_COLUMNS - {"x_sku_details"})
    | (DECIMAL_COLUMNS - _FOCUS_TYPED),
    FOCUS: FOCUS_STRING_COLUMNS | _FOCUS_TYPED,
}
KNOWN_COLUMNS[AMORTIZED] = KNOWN_COLUMNS[ACTUAL]
