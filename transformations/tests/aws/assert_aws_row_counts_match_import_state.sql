-- AWS: per export and billing period, rows of focus.cost_and_usage (x_Provider 'aws') = rows in
-- the raw table for the loaded import = import_state.rows_loaded, not counting the rows stg_aws__cur
-- derives. No row is dropped or duplicated on the way. (Every provider's rows are checked against
-- import_state, without vendor columns, by tests/assert_focus_rows_match_import_state.sql.)

{%- set state = source('finops_state', 'import_state') %}
{%- set export_tables = raw_tables('aws', ['v1', 'v2', 'focus']) %}

with

state_counts as (
    select export, billing_period, rows_loaded
    from {{ state }}
    where lower(provider) = 'aws'
),

raw_counts as (
    select cast(null as varchar) as export, cast(null as varchar) as billing_period, cast(0 as bigint) as raw_rows
    where false
    {%- for t in export_tables %}
    union all
    select state.export, raw.billing_period, count(*)
    {{ current_raw_rows(t, state) }}
    group by all
    {%- endfor %}
),

focus_counts as (
    -- CUR staging derives one 'Unused' usage row per partly unused commitment fee (BilledCost 0);
    -- those rows have no raw line of their own. (coalesce: without it, every row whose status or
    -- cost is NULL would make the condition NULL and drop out of the count.)
    select x_SourceExport as export, x_BillingPeriod as billing_period, count(*) as focus_rows
    from {{ ref('cost_and_usage') }}
    where x_Provider = 'aws'
      and not coalesce(
          x_SourceFormat in ('v1', 'v2')
          and ChargeCategory = 'Usage'
          and CommitmentDiscountStatus = 'Unused'
          and BilledCost = 0,
          false
      )
    group by all
)

-- a period restated to no rows has rows_loaded 0 and no raw or FOCUS rows at all
select *
from state_counts
full outer join raw_counts using (export, billing_period)
full outer join focus_counts using (export, billing_period)
where coalesce(state_counts.rows_loaded, -1) <> coalesce(raw_counts.raw_rows, 0)
   or coalesce(state_counts.rows_loaded, -1) <> coalesce(focus_counts.focus_rows, 0)
