-- Supported versions: AWS Data Exports "FOCUS 1.0 with AWS columns" (source_format 'focus'),
-- landed with FOCUS column ids in snake_case (billed_cost, charge_period_start, x_service_code, ...).
-- https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-focus-1-0-aws-columns.html
-- Passes rows through with type coercion (literal 'NULL' / '' -> NULL) and upgrades 1.0 -> 1.2:
-- CommitmentDiscountQuantity/Unit are derived when absent (Spend: cost in billing currency; Usage:
-- the consumed/pricing quantity), BillingAccountType/SubAccountType get AWS's account kinds, other
-- columns new in 1.1/1.2 are NULL unless the export has them; units follow the FOCUS Unit Format
-- (macro focus_unit); ServiceSubcategory and pricing-currency columns are filled in int_costs_enriched.

{%- set import_state = source('finops_state', 'import_state') %}
{%- set focus_cols = {} %}
{%- for name, data_type in focus_columns() %}
    {%- do focus_cols.update({focus_snake_case(name): data_type}) %}
{%- endfor %}
{%- set extra_cols = {
    'x_service_code': 'varchar',
    'x_usage_type': 'varchar',
    'x_operation': 'varchar',
    'billing_period': 'varchar',
    'manifest_id': 'varchar',
    'import_id': 'varchar',
    'source_file': 'varchar',
} %}
{%- set columns = {} %}
{%- do columns.update(focus_cols) %}
{%- do columns.update(extra_cols) %}
{%- set export_tables = raw_tables('aws', ['focus']) %}

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
    where lower(provider) = 'aws' and source_format = 'focus'
),

pricing_units as (
    select * from {{ ref('pricing_units') }}
    where provider_name = 'AWS'
),

joined as (
    select
        raw_rows.*,
        import_state.export as source_export,
        import_state.source_format,
        {{ focus_unit('raw_rows.pricing_unit', 'pricing_seed.focus_unit') }} as focus_pricing_unit,
        {{ focus_unit('raw_rows.consumed_unit', 'consumed_seed.focus_unit') }} as focus_consumed_unit
    from raw_rows
    inner join import_state
        on import_state.raw_table = raw_rows.raw_table
        and import_state.billing_period = raw_rows.billing_period
        and import_state.import_id = raw_rows.import_id
    left join pricing_units as pricing_seed on pricing_seed.pricing_unit = raw_rows.pricing_unit
    left join pricing_units as consumed_seed on consumed_seed.pricing_unit = raw_rows.consumed_unit
),

final as (
    select
        {%- for name, data_type in focus_columns() %}
        {%- set col = focus_snake_case(name) %}
        {%- if name == 'ProviderName' %}
        coalesce({{ col }}, 'AWS') as {{ name }},
        {%- elif name == 'InvoiceIssuerName' %}
        {{ aws_invoice_issuer(col) }} as {{ name }},
        {%- elif name == 'CommitmentDiscountQuantity' %}
        -- new in 1.1: the amount of the commitment this row used or bought, in its unit
        coalesce({{ col }}, case
            when commitment_discount_id is null or coalesce(charge_category, '') not in ('Usage', 'Purchase') then null
            when commitment_discount_category = 'Spend' and charge_category = 'Usage' then effective_cost
            when commitment_discount_category = 'Spend' then billed_cost
            else coalesce(consumed_quantity, pricing_quantity)
        end) as {{ name }},
        {%- elif name == 'CommitmentDiscountUnit' %}
        coalesce({{ col }}, case
            when commitment_discount_id is null or coalesce(charge_category, '') not in ('Usage', 'Purchase') then null
            when commitment_discount_category = 'Spend' then billing_currency
            else coalesce(consumed_unit, pricing_unit)
        end) as {{ name }},
        {%- elif name == 'ResourceType' %}
        -- 1.2: ResourceType is required with a ResourceId and must be null without one
        case when resource_id is not null
            then coalesce({{ col }}, {{ aws_resource_type('resource_id') }}, x_service_code, service_name)
        end as {{ name }},
        {%- elif name == 'SkuMeter' %}
        -- 1.2 (SHOULD): a meter wherever there is a SKU; 1.0 exports without x_UsageType get the
        -- service and what it counts, e.g. 'Amazon Simple Queue Service Requests'
        case when sku_id is not null then coalesce(
            {{ col }}, x_usage_type, nullif(concat_ws(' ', service_name, coalesce(consumed_unit, pricing_unit)), '')
        ) end as {{ name }},
        {%- elif name in ('ContractedUnitPrice', 'ListUnitPrice') %}
        -- 1.2: unit prices are non-negative (1.0 exports carry negative ones on some credits)
        case when {{ col }} >= 0 then {{ col }} end as {{ name }},
        {%- elif name == 'BillingAccountType' %}
        coalesce({{ col }}, 'Billing Account') as {{ name }},
        {%- elif name == 'SubAccountType' %}
        case when sub_account_id is not null then coalesce({{ col }}, 'Linked Account') end as {{ name }},
        {%- elif name == 'PricingUnit' %}
        focus_pricing_unit as {{ name }},
        {%- elif name == 'ConsumedUnit' %}
        focus_consumed_unit as {{ name }},
        {%- elif name == 'ChargeClass' %}
        case when {{ col }} = 'Correction' then 'Correction' end as {{ name }},
        {%- else %}
        {{ col }} as {{ name }},
        {%- endif %}
        {%- endfor %}

        -- provider extras
        cast(null as varchar) as x_InvoicingEntity,
        x_usage_type as x_UsageType,
        x_operation as x_Operation,
        x_service_code as x_ServiceCode,
        cast(null as varchar) as x_ChargeType,
        cast(null as varchar) as x_LineItemId,
        cast(null as varchar) as x_ResourceGroupName,

        -- lineage
        'aws' as x_Provider,
        source_export as x_SourceExport,
        source_format as x_SourceFormat,
        manifest_id as x_ManifestId,
        import_id as x_ImportId,
        billing_period as x_BillingPeriod,
        source_file as x_SourceFile
    from joined
)

select * from final
