-- Supported versions: AWS Cost and Usage Report legacy (CUR, source_format 'v1') and
-- CUR 2.0 (Data Exports, source_format 'v2'), both landed with CUR 2.0 snake_case names.
-- Schema: https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html
-- One row per raw CUR line item, unioned over every CUR table listed in import_state.
-- Rename and cast only: missing columns become typed nulls.

{%- set import_state = source('finops_state', 'import_state') %}
{%- set columns = aws_cur_columns() %}
{%- set export_tables = raw_tables('aws', ['v1', 'v2']) %}

with

{% if export_tables | length > 0 -%}
raw_line_items as (
    {% for t in export_tables %}
    select
        '{{ t.raw_table }}' as raw_table,
        {{ select_typed_columns(t.relation, columns) }}
    from {{ t.relation }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

{%- else -%}
raw_line_items as (
    select cast(null as varchar) as raw_table, *
    from ({{ select_typed_nulls(columns) }})
),
{%- endif %}

import_state as (
    select * from {{ import_state }}
    where lower(provider) = 'aws' and source_format in ('v1', 'v2')
),

final as (
    select
        raw_line_items.*,
        import_state.export as source_export,
        import_state.source_format
    from raw_line_items
    inner join import_state
        on import_state.raw_table = raw_line_items.raw_table
        and import_state.billing_period = raw_line_items.billing_period
        and import_state.import_id = raw_line_items.import_id
)

select * from final
