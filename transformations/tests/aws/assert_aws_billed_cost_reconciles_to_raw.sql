-- AWS: per export and billing period, Σ BilledCost of the AWS rows (x_Provider 'aws') in
-- focus.cost_and_usage equals Σ of the raw invoice cost (CUR line_item_unblended_cost, FOCUS-export
-- billed_cost) exactly, no rounding. Returns the periods that differ (a failing test). Other
-- providers' rows are compared by their own tests in tests/<provider>/.

{%- set state = source('finops_state', 'import_state') %}
{%- set cur_tables = raw_tables('aws', ['v1', 'v2']) %}
{%- set focus_tables = raw_tables('aws', ['focus']) %}

with

raw_totals as (
    select
        cast(null as varchar) as export,
        cast(null as varchar) as billing_period,
        cast(0 as decimal(38, 12)) as raw_billed_cost
    where false
    {%- for t in cur_tables %}
    union all
    select state.export, raw.billing_period, sum(raw.line_item_unblended_cost)
    {{ current_raw_rows(t, state) }}
    group by all
    {%- endfor %}
    {%- for t in focus_tables %}
    union all
    select state.export, raw.billing_period,
        sum(try_cast(nullif(cast(raw.billed_cost as varchar), 'NULL') as decimal(38, 12)))
    {{ current_raw_rows(t, state) }}
    group by all
    {%- endfor %}
),

focus_totals as (
    select x_SourceExport as export, x_BillingPeriod as billing_period, sum(BilledCost) as billed_cost
    from {{ ref('cost_and_usage') }}
    where x_Provider = 'aws'
    group by all
)

select *
from raw_totals
full outer join focus_totals using (export, billing_period)
where raw_totals.raw_billed_cost is distinct from focus_totals.billed_cost
