-- Azure: per billing period, Σ EffectiveCost of the Azure cost-details rows (x_Provider 'azure',
-- x_SourceFormat actual / amortized) in focus.cost_and_usage equals, exactly:
--   Σ amortized cost_in_billing_currency of every amortized export, plus
--   for the pair keys (account, subscription) that have no amortized export in the period: Σ actual
--   cost less commitment purchases and refunds (ChargeType Purchase/Refund, PricingModel
--   Reservation/SavingsPlan), whose amortization is unknown without the amortized data.
-- So where both exports are imported, Σ EffectiveCost = Σ amortized cost. Written from the raw
-- tables, independently of stg_azure__costs. FOCUS-format exports: Σ raw effective_cost per export.
-- Unlike BilledCost, this holds however the exports disagree: a difference is the build's fault.

{%- set state = source('finops_state', 'import_state') %}
{%- set focus_tables = raw_tables('azure', ['focus']) %}

with

raw_rows as (
    {{ azure_current_cost_rows(state) }}
),

amortized_keys as (
    select distinct billing_period, pair_account, pair_subscription from raw_rows where source_format = 'amortized'
),

raw_totals as (
    select billing_period, 'cost details' as kind, sum(cost) as raw_effective_cost
    from (
        select billing_period, cost from raw_rows where source_format = 'amortized'
        union all
        select raw_rows.billing_period, raw_rows.cost
        from raw_rows
        anti join amortized_keys using (billing_period, pair_account, pair_subscription)
        where raw_rows.source_format = 'actual'
          and not coalesce(charge_type in ('Purchase', 'Refund') and pricing_model in ('Reservation', 'SavingsPlan'), false)
    )
    group by all
    {%- for t in focus_tables %}
    union all
    select raw.billing_period, state.export,
        sum(try_cast(nullif(cast(raw.effective_cost as varchar), 'NULL') as decimal(38, 12)))
    {{ current_raw_rows(t, state) }}
    group by all
    {%- endfor %}
),

focus_totals as (
    select
        x_BillingPeriod as billing_period,
        case when x_SourceFormat = 'focus' then x_SourceExport else 'cost details' end as kind,
        sum(EffectiveCost) as effective_cost
    from {{ ref('cost_and_usage') }}
    where x_Provider = 'azure'
    group by all
)

select *
from raw_totals
full outer join focus_totals using (billing_period, kind)
where raw_totals.raw_effective_cost is distinct from focus_totals.effective_cost
