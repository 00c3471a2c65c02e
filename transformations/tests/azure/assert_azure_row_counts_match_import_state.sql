-- Azure: per export and billing period, rows of focus.cost_and_usage (x_Provider 'azure') = the rows
-- the pairing keeps of the raw table's current import, and the raw table has import_state.rows_loaded
-- rows. Kept: every amortized and FOCUS-export row; of an actual export, every row whose pair key
-- (period, coalesce(billing_account_id, billing_profile_id), subscription_id) no amortized export
-- of the period has, and the commitment purchases and refunds (ChargeType Purchase/Refund,
-- PricingModel Reservation/SavingsPlan) of the others. No row dropped or duplicated on the way.

{%- set state = source('finops_state', 'import_state') %}
{%- set focus_tables = raw_tables('azure', ['focus']) %}

with

state_counts as (
    select export, billing_period, rows_loaded
    from {{ state }}
    where lower(provider) = 'azure'
),

raw_rows as (
    {{ azure_current_cost_rows(state) }}
),

amortized_keys as (
    select distinct billing_period, pair_account, pair_subscription from raw_rows where source_format = 'amortized'
),

raw_counts as (
    select export, billing_period, count(*) as raw_rows,
        count(*) filter (where
            source_format = 'amortized'
            or not is_paired
            or coalesce(charge_type in ('Purchase', 'Refund') and pricing_model in ('Reservation', 'SavingsPlan'), false)
        ) as kept_rows
    from (
        select raw_rows.*, amortized_keys.billing_period is not null as is_paired
        from raw_rows
        left join amortized_keys using (billing_period, pair_account, pair_subscription)
    )
    group by all
    {%- for t in focus_tables %}
    union all
    select state.export, raw.billing_period, count(*), count(*)
    {{ current_raw_rows(t, state) }}
    group by all
    {%- endfor %}
),

focus_counts as (
    select x_SourceExport as export, x_BillingPeriod as billing_period, count(*) as focus_rows
    from {{ ref('cost_and_usage') }}
    where x_Provider = 'azure'
    group by all
)

-- a period restated to no rows has rows_loaded 0 and no raw or FOCUS rows at all
select *
from state_counts
full outer join raw_counts using (export, billing_period)
full outer join focus_counts using (export, billing_period)
where coalesce(state_counts.rows_loaded, -1) <> coalesce(raw_counts.raw_rows, 0)
   or coalesce(raw_counts.kept_rows, 0) <> coalesce(focus_counts.focus_rows, 0)
