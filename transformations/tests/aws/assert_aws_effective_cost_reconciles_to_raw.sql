-- AWS: per export and billing period, Σ EffectiveCost of the AWS rows (x_Provider 'aws') equals
-- the amortized total computed straight from the raw CUR with the standard CUR amortized-cost
-- formula (AWS Well-Architected / CUR query library), written here independently of stg_aws__cur.
-- FOCUS exports: Σ raw effective_cost. Other providers' rows are compared by their own tests.

{%- set state = source('finops_state', 'import_state') %}
{%- set cur_tables = raw_tables('aws', ['v1', 'v2']) %}
{%- set focus_tables = raw_tables('aws', ['focus']) %}

with

raw_totals as (
    select
        cast(null as varchar) as export,
        cast(null as varchar) as billing_period,
        cast(0 as decimal(38, 12)) as raw_amortized_cost
    where false
    {%- for t in cur_tables %}
    union all
    select
        state.export,
        raw.billing_period,
        sum(case
            when raw.line_item_line_item_type = 'SavingsPlanCoveredUsage'
                then coalesce(raw.savings_plan_savings_plan_effective_cost, 0)
            when raw.line_item_line_item_type = 'SavingsPlanRecurringFee'
                then coalesce(raw.savings_plan_total_commitment_to_date, 0) - coalesce(raw.savings_plan_used_commitment, 0)
            when raw.line_item_line_item_type = 'SavingsPlanNegation' then 0
            when raw.line_item_line_item_type = 'SavingsPlanUpfrontFee' then 0
            when raw.line_item_line_item_type = 'DiscountedUsage'
                then coalesce(raw.reservation_effective_cost, 0)
            when raw.line_item_line_item_type = 'RIFee'
                then coalesce(raw.reservation_unused_amortized_upfront_fee_for_billing_period, 0)
                    + coalesce(raw.reservation_unused_recurring_fee, 0)
            when raw.line_item_line_item_type = 'Fee' and coalesce(raw.reservation_reservation_a_r_n, '') <> '' then 0
            else raw.line_item_unblended_cost
        end)
    {{ current_raw_rows(t, state) }}
    group by all
    {%- endfor %}
    {%- for t in focus_tables %}
    union all
    select state.export, raw.billing_period,
        sum(try_cast(nullif(cast(raw.effective_cost as varchar), 'NULL') as decimal(38, 12)))
    {{ current_raw_rows(t, state) }}
    group by all
    {%- endfor %}
),

focus_totals as (
    select x_SourceExport as export, x_BillingPeriod as billing_period, sum(EffectiveCost) as effective_cost
    from {{ ref('cost_and_usage') }}
    where x_Provider = 'aws'
    group by all
)

select *
from raw_totals
full outer join focus_totals using (export, billing_period)
where raw_totals.raw_amortized_cost is distinct from focus_totals.effective_cost
