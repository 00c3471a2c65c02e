-- Every provider: focus.cost_and_usage holds the current import of every imported period and
-- nothing else. Per (provider, export, billing period) of finops_state.import_state, the FOCUS rows
-- carry its import id and source format, and there are at least rows_loaded of them (staging may
-- derive rows, e.g. AWS unused-commitment rows, but never drops one); a period restated to no rows
-- has none. Fails when a provider's staging model is missing from int_costs_unioned or writes an
-- x_Provider other than its import_state key. Exact counts against the raw tables, which need the
-- provider's columns, are in tests/<provider>/. Imports whose staging keeps only part of the rows by
-- design (var partial_source_formats, e.g. Azure actual cost paired with amortized cost) need not
-- have rows_loaded rows, but still no rows of another import id or source format.

{%- set partial = var('partial_source_formats', {}) %}

with

state as (
    select
        provider, export, billing_period, import_id, source_format, rows_loaded,
        {%- if partial %}
        {%- for provider, formats in partial.items() %}
        {% if loop.first %}({% else %}or {% endif %}(lower(provider) = '{{ provider }}' and source_format in (
            {%- for f in formats %}'{{ f }}'{% if not loop.last %}, {% endif %}{% endfor %})){% if loop.last %}){% endif %}
        {%- endfor %} as is_partial
        {%- else %}
        false as is_partial
        {%- endif %}
    from {{ source('finops_state', 'import_state') }}
),

focus_counts as (
    select
        x_Provider as provider,
        x_SourceExport as export,
        x_BillingPeriod as billing_period,
        x_ImportId as import_id,
        x_SourceFormat as source_format,
        count(*) as focus_rows
    from {{ ref('cost_and_usage') }}
    group by all
)

select *
from state
full outer join focus_counts using (provider, export, billing_period, import_id, source_format)
-- FOCUS rows of no current import; rows dropped (or a provider not built); rows of an empty period
where state.rows_loaded is null
   or (coalesce(focus_counts.focus_rows, 0) < state.rows_loaded and not state.is_partial)
   or (state.rows_loaded = 0 and focus_counts.focus_rows > 0)
