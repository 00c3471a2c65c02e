-- Supported versions: Azure Cost Management cost details exports ("Cost and usage details"),
-- actual cost (source_format 'actual') and amortized cost (source_format 'amortized'), of every
-- agreement type: Enterprise Agreement, Microsoft Customer Agreement and pay-as-you-go (MOSP),
-- landed with the current EA/MCA column names in snake_case (openfinops/providers/azure/settings.py:
-- older and localized headers are mapped by the importer, e.g. PreTaxCost -> cost_in_billing_currency).
-- Fields: https://learn.microsoft.com/azure/cost-management-billing/automate/understand-usage-details-fields
-- One row per raw cost line, unioned over every actual / amortized table listed in import_state.
-- Rename and cast only: missing columns become typed nulls (a PAYG export has ~24 of them).

{%- set import_state = source('finops_state', 'import_state') %}
{%- set columns = {
    'date': 'date',
    'billing_period_start_date': 'date',
    'billing_period_end_date': 'date',
    'cost_in_billing_currency': 'decimal(38,12)',
    'cost_in_pricing_currency': 'decimal(38,12)',
    'cost_in_usd': 'decimal(38,12)',
    'billing_currency': 'varchar',
    'pricing_currency': 'varchar',
    'exchange_rate_pricing_to_billing': 'decimal(38,12)',
    'quantity': 'decimal(38,12)',
    'unit_of_measure': 'varchar',
    'effective_price': 'decimal(38,12)',
    'unit_price': 'decimal(38,12)',
    'payg_price': 'decimal(38,12)',
    'charge_type': 'varchar',
    'pricing_model': 'varchar',
    'frequency': 'varchar',
    'term': 'varchar',
    'reservation_id': 'varchar',
    'reservation_name': 'varchar',
    'benefit_id': 'varchar',
    'benefit_name': 'varchar',
    'billing_account_id': 'varchar',
    'billing_account_name': 'varchar',
    'billing_profile_id': 'varchar',
    'billing_profile_name': 'varchar',
    'invoice_section_id': 'varchar',
    'invoice_section_name': 'varchar',
    'invoice_id': 'varchar',
    'partner_name': 'varchar',
    'subscription_id': 'varchar',
    'subscription_name': 'varchar',
    'resource_group_name': 'varchar',
    'resource_id': 'varchar',
    'resource_name': 'varchar',
    'resource_type': 'varchar',
    'resource_location': 'varchar',
    'location': 'varchar',
    'availability_zone': 'varchar',
    'consumed_service': 'varchar',
    'meter_category': 'varchar',
    'meter_sub_category': 'varchar',
    'meter_name': 'varchar',
    'meter_id': 'varchar',
    'meter_region': 'varchar',
    'product_name': 'varchar',
    'product_id': 'varchar',
    'product_order_id': 'varchar',
    'product_order_name': 'varchar',
    'part_number': 'varchar',
    'service_family': 'varchar',
    'publisher_type': 'varchar',
    'publisher_name': 'varchar',
    'publisher_id': 'varchar',
    'offer_id': 'varchar',
    'cost_center': 'varchar',
    'tags': 'varchar',
    'billing_period': 'varchar',
    'manifest_id': 'varchar',
    'import_id': 'varchar',
    'source_file': 'varchar',
} %}
{%- set export_tables = raw_tables('azure', ['actual', 'amortized']) %}

with

{% if export_tables | length > 0 -%}
raw_rows as (
    {% for t in export_tables %}
    select
        '{{ t.raw_table }}' as raw_table,
        {{ select_typed_columns(t.relation, columns) }}
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
    where lower(provider) = 'azure' and source_format in ('actual', 'amortized')
),

final as (
    select
        raw_rows.*,
        import_state.export as source_export,
        import_state.source_format
    from raw_rows
    inner join import_state
        on import_state.raw_table = raw_rows.raw_table
        and import_state.billing_period = raw_rows.billing_period
        and import_state.import_id = raw_rows.import_id
)

select * from final
