-- Supported versions: Azure Cost Management "FOCUS cost" exports (FocusCost, FOCUS 1.0;
-- source_format 'focus'), landed with FOCUS column ids in snake_case (billed_cost,
-- charge_period_start, x_resource_group_name, ...).
-- Columns: https://learn.microsoft.com/azure/cost-management-billing/dataset-schema/cost-usage-details-focus
-- Passes rows through with type coercion (literal 'NULL' / '' -> NULL) and upgrades 1.0 -> 1.2 (as
-- stg_aws__focus_export does): CommitmentDiscountQuantity/Unit are derived when absent (Spend:
-- cost in billing currency; Usage: the consumed/pricing quantity), BillingAccountType (MCA billing
-- profile or billing account) and SubAccountType ('Subscription') are filled, other columns new in
-- 1.1/1.2 are NULL unless the export has them. Microsoft's FocusCost already writes BilledCost
-- and EffectiveCost from both the actual and the amortized data, so nothing is paired here.
-- ServiceSubcategory and the pricing-currency columns are filled in int_costs_enriched.

{%- set import_state = source('finops_state', 'import_state') %}
{%- set focus_cols = {} %}
{%- for name, data_type in focus_columns() %}
    {%- do focus_cols.update({focus_snake_case(name): data_type}) %}
{%- endfor %}
{%- set extra_cols = {
    'x_resource_group_name': 'varchar',
    'x_resource_type': 'varchar',
    'x_sku_meter_category': 'varchar',
    'x_sku_meter_subcategory': 'varchar',
    'x_sku_meter_id': 'varchar',
    'x_sku_meter_name': 'varchar',
    'x_sku_part_number': 'varchar',
    'x_pricing_unit_description': 'varchar',
    'x_pricing_block_size': 'decimal(38,12)',
    'x_invoice_section_name': 'varchar',
    'x_billing_account_id': 'varchar',
    'x_billing_profile_id': 'varchar',
    'x_pricing_subcategory': 'varchar',
    'billing_period': 'varchar',
    'manifest_id': 'varchar',
    'import_id': 'varchar',
    'source_file': 'varchar',
} %}
{%- set columns = {} %}
{%- do columns.update(focus_cols) %}
{%- do columns.update(extra_cols) %}
{%- set export_tables = raw_tables('azure', ['focus']) %}

with

{% if export_tables | length > 0 -%}
raw_rows as (
    {% for t in export_tables %}
    select
        '{{ t.raw_table }}' as raw_table,
        {{ select_typed_columns(t.relation, columns, null_strings=true) }}
    from {{ t.relation }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

{%- else -%}
raw_rows as (
    select cast(null as varchar) as raw_table, *
    from ({{ select_typed_nulls(columns) }})
),
{%- endif %}

import_state as (
    select * from {{ import_state }}
    where lower(provider) = 'azure' and source_format = 'focus'
),

joined as (
    select
        raw_rows.*,
        import_state.export as source_export,
        import_state.source_format
    from raw_rows
    inner join import_state
        on import_state.raw_table = raw_rows.raw_table
        and import_state.billing_period = raw_rows.billing_period
        and import_state.import_id = raw_rows.import_id
),

final as (
    select
        {%- for name, data_type in focus_columns() %}
        {%- set col = focus_snake_case(name) %}
        {%- if name == 'ProviderName' %}
        coalesce({{ col }}, 'Microsoft') as {{ name }},
        {%- elif name == 'InvoiceIssuerName' %}
        coalesce({{ col }}, 'Microsoft') as {{ name }},
        {%- elif name == 'CommitmentDiscountQuantity' %}
        -- new in 1.1: the amount of the commitment this row used or bought, in its unit
        coalesce({{ col }}, case
            when commitment_discount_id is null or coalesce(charge_category, '') not in ('Usage', 'Purchase')
                or charge_class is not null then null
            when commitment_discount_category = 'Spend' and charge_category = 'Usage' then effective_cost
            when commitment_discount_category = 'Spend' then billed_cost
            else coalesce(consumed_quantity, pricing_quantity, 1)
        end) as {{ name }},
        {%- elif name == 'CommitmentDiscountUnit' %}
        coalesce({{ col }}, case
            when commitment_discount_id is null or coalesce(charge_category, '') not in ('Usage', 'Purchase')
                or charge_class is not null then null
            when commitment_discount_category = 'Spend' then billing_currency
            else coalesce(consumed_unit, pricing_unit, 'Units')
        end) as {{ name }},
        {%- elif name == 'ResourceType' %}
        -- 1.2: ResourceType is required with a ResourceId and must be null without one
        case when resource_id is not null
            then coalesce({{ col }}, x_resource_type, 'Resource')
        end as {{ name }},
        {%- elif name == 'SkuMeter' %}
        -- 1.2 (SHOULD): a meter wherever there is a SKU; a 1.0 export without Microsoft's x_ columns
        -- gets the service and what it counts, e.g. 'Storage GB/Month'
        case when sku_id is not null then coalesce(
            {{ col }}, x_sku_meter_name, x_sku_meter_subcategory,
            nullif(concat_ws(' ', service_name, coalesce(consumed_unit, pricing_unit)), '')
        ) end as {{ name }},
        {%- elif name in ('ContractedUnitPrice', 'ListUnitPrice') %}
        -- 1.2: unit prices are non-negative
        case when {{ col }} >= 0 then {{ col }} end as {{ name }},
        {%- elif name == 'BillingAccountType' %}
        case when billing_account_id is not null then coalesce({{ col }}, case
            when billing_account_id ilike '%/billingProfiles/%' then 'Billing Profile'
            else 'Billing Account'
        end) end as {{ name }},
        {%- elif name == 'SubAccountType' %}
        case when sub_account_id is not null then coalesce({{ col }}, 'Subscription') end as {{ name }},
        {%- elif name == 'ChargeClass' %}
        case when {{ col }} = 'Correction' then 'Correction' end as {{ name }},
        {%- else %}
        {{ col }} as {{ name }},
        {%- endif %}
        {%- endfor %}

        -- provider extras
        cast(null as varchar) as x_InvoicingEntity,
        x_sku_meter_name as x_UsageType,
        cast(null as varchar) as x_Operation,
        cast(null as varchar) as x_ServiceCode,
        cast(null as varchar) as x_ChargeType,
        cast(null as varchar) as x_LineItemId,
        x_resource_group_name as x_ResourceGroupName,
        x_sku_meter_category as x_SkuMeterCategory,
        x_sku_meter_subcategory as x_SkuMeterSubcategory,
        x_sku_meter_id as x_SkuMeterId,
        x_sku_part_number as x_SkuPartNumber,
        x_pricing_unit_description as x_PricingUnitDescription,
        x_pricing_block_size as x_PricingBlockSize,
        x_pricing_subcategory as x_PricingModel,
        x_invoice_section_name as x_InvoiceSectionName,
        x_billing_account_id as x_BillingAccountId,
        x_billing_profile_id as x_BillingProfileId,

        -- lineage
        'azure' as x_Provider,
        source_export as x_SourceExport,
        source_format as x_SourceFormat,
        manifest_id as x_ManifestId,
        import_id as x_ImportId,
        billing_period as x_BillingPeriod,
        source_file as x_SourceFile
    from joined
)

select * from final
