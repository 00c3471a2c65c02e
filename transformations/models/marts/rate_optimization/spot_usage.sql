-- Spot / preemptible usage (FOCUS PricingCategory Dynamic) and what it saved against the same
-- usage on demand: ListCost, which AWS fills from pricing/publicOnDemandCost.

with

spot as (
    select * from {{ ref('int_rate_usage') }}
    where PricingCategory = 'Dynamic'
),

final as (
    select
        x_Provider as provider,
        cast(date_trunc('month', charge_start_utc) as date) as charge_month,
        BillingAccountId as billing_account_id,
        SubAccountId as sub_account_id,
        SubAccountName as sub_account_name,
        ServiceName as service_name,
        RegionId as region_id,
        instance_family,
        instance_type,
        BillingCurrency as billing_currency,
        sum(ConsumedQuantity) filter (where ConsumedUnit = 'Hours') as spot_hours,
        coalesce(sum(EffectiveCost), 0) as spot_cost,
        coalesce(sum(ListCost), 0) as on_demand_equivalent_cost,
        coalesce(sum(ListCost), 0) - coalesce(sum(EffectiveCost), 0) as savings,
        round(100 * (sum(ListCost) - sum(EffectiveCost)) / nullif(sum(ListCost), 0), 2) as savings_pct
    from spot
    group by all
)

select * from final
