-- How much of the usage commitments could cover they did cover, per month, service, region and
-- instance family: ListCost (the on-demand equivalent) of usage at commitment rates against that of
-- eligible usage at standard rates. Eligible: seed commitment_eligible_usage (int_rate_usage);
-- Spot is not, and unused-commitment rows are not usage.

with

eligible as (
    select *
    from {{ ref('int_rate_usage') }}
    where (is_spend_eligible or is_usage_eligible)
        and PricingCategory in ('Committed', 'Standard')
        and CommitmentDiscountStatus is distinct from 'Unused'
),

final as (
    select
        x_Provider as provider,
        cast(date_trunc('month', charge_start_utc) as date) as charge_month,
        ServiceName as service_name,
        RegionId as region_id,
        instance_family,
        BillingCurrency as billing_currency,
        coalesce(sum(ListCost) filter (where PricingCategory = 'Committed'), 0) as covered_cost,
        coalesce(sum(ListCost) filter (where PricingCategory = 'Standard'), 0) as on_demand_cost,
        coalesce(sum(ListCost), 0) as eligible_cost,
        round(100 * sum(ListCost) filter (where PricingCategory = 'Committed') / nullif(sum(ListCost), 0), 2)
            as coverage_pct,
        sum(ConsumedQuantity) filter (where PricingCategory = 'Committed' and ConsumedUnit = 'Hours')
            as covered_hours,
        sum(ConsumedQuantity) filter (where PricingCategory = 'Standard' and ConsumedUnit = 'Hours')
            as on_demand_hours
    from eligible
    group by all
)

select * from final
