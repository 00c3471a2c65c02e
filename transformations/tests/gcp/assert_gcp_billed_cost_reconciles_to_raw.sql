-- GCP: per export and billing period (invoice month), Σ BilledCost and Σ EffectiveCost of the GCP
-- rows (x_Provider 'gcp') in focus.cost_and_usage both equal Σ (cost + Σ credits.amount) of the raw
-- rows of the current import, exactly: Google's invoice total ("SUM(cost) + SUM(credits)"), however
-- staging splits credits between netted discounts and Credit rows. Written from the raw JSON,
-- independently of base_gcp__billing / stg_gcp__billing. (EffectiveCost = BilledCost for GCP:
-- commitment fees are billed hourly, so there is nothing to amortize.) Returns the periods that differ.

{%- set state = source('finops_state', 'import_state') %}

with

raw_rows as (
    {{ gcp_current_raw_rows(state) }}
),

raw_totals as (
    select export, billing_period, sum(cost + credits_total) as raw_total
    from raw_rows
    group by all
),

focus_totals as (
    select x_SourceExport as export, x_BillingPeriod as billing_period,
        sum(BilledCost) as billed_cost, sum(EffectiveCost) as effective_cost
    from {{ ref('cost_and_usage') }}
    where x_Provider = 'gcp'
    group by all
)

select *
from raw_totals
full outer join focus_totals using (export, billing_period)
where raw_totals.raw_total is distinct from focus_totals.billed_cost
   or raw_totals.raw_total is distinct from focus_totals.effective_cost
