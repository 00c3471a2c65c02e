-- GCP: per export and billing period, the raw table holds import_state.rows_loaded rows of the
-- current import, and focus.cost_and_usage (x_Provider 'gcp') holds one row per raw row plus one
-- Credit row per credit that is not a discount of its row's price (promotions, free tier, ...:
-- macro gcp_current_raw_rows). No row dropped or duplicated on the way.

{%- set state = source('finops_state', 'import_state') %}

with

state_counts as (
    select export, billing_period, rows_loaded
    from {{ state }}
    where lower(provider) = 'gcp'
),

raw_rows as (
    {{ gcp_current_raw_rows(state) }}
),

raw_counts as (
    select export, billing_period, count(*) as raw_rows, count(*) + sum(separate_credits) as expected_rows
    from raw_rows
    group by all
),

focus_counts as (
    select x_SourceExport as export, x_BillingPeriod as billing_period, count(*) as focus_rows
    from {{ ref('cost_and_usage') }}
    where x_Provider = 'gcp'
    group by all
)

-- a period restated to no rows has rows_loaded 0 and no raw or FOCUS rows at all
select *
from state_counts
full outer join raw_counts using (export, billing_period)
full outer join focus_counts using (export, billing_period)
where coalesce(state_counts.rows_loaded, -1) <> coalesce(raw_counts.raw_rows, 0)
   or coalesce(raw_counts.expected_rows, 0) <> coalesce(focus_counts.focus_rows, 0)
