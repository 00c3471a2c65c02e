-- Supported versions: Google Cloud Billing export to BigQuery, standard usage cost
-- (`gcp_billing_export_v1_*`, source_format 'standard') and detailed usage cost
-- (`gcp_billing_export_resource_v1_*`, source_format 'detailed'), every schema version since 2018:
-- columns added later (credits.type 2020-09, adjustment_info 2020-10, tags 2022-10, price and
-- cost_at_list 2023, transaction_type/seller_name 2023-08, subscription 2024-01, the July-2025
-- spend-based CUD fields) are typed nulls where a table lacks them, as are the detailed-only
-- resource and subscription in a standard table.
-- Fields: https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables/detailed-usage
-- One row per raw export row, unioned over every standard / detailed table listed in import_state,
-- of the import each period is current with. Rename and cast only: the BigQuery RECORD / REPEATED
-- RECORD columns, landed as JSON, are parsed once each into DuckDB structs and lists
-- (json_transform: numbers may be JSON numbers or strings, in scientific notation; an unparsable
-- value becomes NULL rather than failing the build).

{%- set columns = {
    'billing_account_id': 'varchar',
    'service': 'json',
    'sku': 'json',
    'usage_start_time': 'timestamp with time zone',
    'usage_end_time': 'timestamp with time zone',
    'project': 'json',
    'labels': 'json',
    'system_labels': 'json',
    'location': 'json',
    'resource': 'json',
    'tags': 'json',
    'price': 'json',
    'subscription': 'json',
    'transaction_type': 'varchar',
    'seller_name': 'varchar',
    'export_time': 'timestamp with time zone',
    'cost': 'decimal(38,12)',
    'currency': 'varchar',
    'currency_conversion_rate': 'decimal(38,12)',
    'usage': 'json',
    'credits': 'json',
    'invoice': 'json',
    'cost_type': 'varchar',
    'adjustment_info': 'json',
    'cost_at_list': 'decimal(38,12)',
    'consumption_model': 'json',
    'cost_at_effective_price_default': 'decimal(38,12)',
    'cost_at_list_consumption_model': 'decimal(38,12)',
    'billing_period': 'varchar',
    'manifest_id': 'varchar',
    'import_id': 'varchar',
    'source_file': 'varchar',
} %}
{#- The structure each JSON column is read with (BigQuery's field names; fields not listed are not read). -#}
{%- set key_value = '[{"key": "VARCHAR", "value": "VARCHAR"}]' %}
{%- set structures = {
    'service': '{"id": "VARCHAR", "description": "VARCHAR"}',
    'sku': '{"id": "VARCHAR", "description": "VARCHAR"}',
    'project': '{"id": "VARCHAR", "number": "VARCHAR", "name": "VARCHAR", "ancestry_numbers": "VARCHAR", '
        ~ '"labels": ' ~ key_value ~ '}',
    'labels': key_value,
    'system_labels': key_value,
    'location': '{"location": "VARCHAR", "country": "VARCHAR", "region": "VARCHAR", "zone": "VARCHAR"}',
    'resource': '{"name": "VARCHAR", "global_name": "VARCHAR"}',
    'tags': '[{"key": "VARCHAR", "value": "VARCHAR", "inherited": "BOOLEAN", "namespace": "VARCHAR"}]',
    'price': '{"effective_price": "DECIMAL(38,12)", "tier_start_amount": "DECIMAL(38,12)", "unit": "VARCHAR", '
        ~ '"pricing_unit_quantity": "DECIMAL(38,12)", "list_price": "DECIMAL(38,12)", '
        ~ '"effective_price_default": "DECIMAL(38,12)", "list_price_consumption_model": "DECIMAL(38,12)"}',
    'subscription': '{"instance_id": "VARCHAR"}',
    'usage': '{"amount": "DECIMAL(38,12)", "unit": "VARCHAR", "amount_in_pricing_units": "DECIMAL(38,12)", '
        ~ '"pricing_unit": "VARCHAR"}',
    'credits': '[{"name": "VARCHAR", "amount": "DECIMAL(38,12)", "full_name": "VARCHAR", "id": "VARCHAR", '
        ~ '"type": "VARCHAR"}]',
    'invoice': '{"month": "VARCHAR", "publisher_type": "VARCHAR"}',
    'adjustment_info': '{"id": "VARCHAR", "description": "VARCHAR", "mode": "VARCHAR", "type": "VARCHAR"}',
    'consumption_model': '{"id": "VARCHAR", "description": "VARCHAR"}',
} %}

with

current_rows as (
    {{ current_import_rows('gcp', ['standard', 'detailed'], columns) }}
),

final as (
    select
        current_rows.* replace (
            {%- for name, structure in structures.items() %}
            json_transform({{ name }}, '{{ structure }}') as {{ name }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
    from current_rows
)

select * from final
