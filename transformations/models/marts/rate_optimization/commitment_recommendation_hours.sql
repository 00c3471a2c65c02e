-- The hours purchase recommendations are computed from: per provider and scope, the on-demand
-- usage commitments could cover in each hour of the 60 days up to the end of the provider's
-- newest hourly or daily charge, hours without such usage as zero. A charge longer than an hour
-- (Azure's daily rows) is spread evenly over its hours.
--   Spend scope 'compute': spend-eligible usage (savings plans, flexible CUDs), in cost at list prices.
--   Usage scopes, one per instance family: reservation-eligible usage of instance types, also in
--     units: AWS normalized hours (hours × the size's normalization factor), else instance hours.
--     Google Cloud's resource-based CUDs (cores and memory) are not recommended here.

with

usage as (
    select * from {{ ref('int_rate_usage') }}
    where PricingCategory = 'Standard'
        and (is_spend_eligible or is_usage_eligible)
),

windows as (
    select
        x_Provider as provider,
        date_trunc('hour', max(charge_end_utc) - interval 1 microsecond) + interval 1 hour as window_end,
        date_trunc('hour', max(charge_end_utc) - interval 1 microsecond) + interval 1 hour - interval 60 day
            as window_start
    from {{ ref('int_rate_usage') }}
    -- the end of the newest hourly or daily charge (a monthly row would reach into the future)
    where charge_end_utc <= charge_start_utc + interval 1 day
    group by x_Provider
),

scoped as (
    select
        x_Provider as provider,
        'Spend' as commitment_category,
        'compute' as scope,
        BillingCurrency as billing_currency,
        charge_start_utc,
        charge_end_utc,
        ListCost as on_demand_cost,
        cast(null as double) as on_demand_units,
        cast(null as varchar) as instance_type
    from usage
    where is_spend_eligible
    union all
    select
        x_Provider,
        'Usage',
        instance_family,
        BillingCurrency,
        charge_start_utc,
        charge_end_utc,
        ListCost,
        ConsumedQuantity * coalesce(normalization_factor, 1),
        instance_type
    from usage
    where is_usage_eligible and instance_family is not null and instance_type is not null
        and ConsumedUnit = 'Hours' and ProviderName <> 'Google Cloud'
),

spread as (
    select
        scoped.*,
        hour,
        1 / len(range(date_trunc('hour', charge_start_utc), charge_end_utc, interval 1 hour)) as share
    from scoped
    join windows using (provider),
        unnest(range(date_trunc('hour', charge_start_utc), charge_end_utc, interval 1 hour)) as hours(hour)
    where charge_end_utc > windows.window_start
),

hourly as (
    select
        provider,
        commitment_category,
        scope,
        billing_currency,
        hour,
        sum(on_demand_cost * share) as on_demand_cost,
        sum(on_demand_units * share) as on_demand_units
    from spread
    group by all
),

scopes as (
    select distinct provider, commitment_category, scope, billing_currency
    from spread
),

grid as (
    select scopes.*, hour
    from scopes
    join windows using (provider),
        unnest(range(windows.window_start, windows.window_end, interval 1 hour)) as hours(hour)
),

final as (
    select
        grid.provider,
        grid.commitment_category,
        grid.scope,
        grid.billing_currency,
        timezone('UTC', grid.hour) as hour,
        cast(coalesce(hourly.on_demand_cost, 0) as double) as on_demand_cost,
        case when grid.commitment_category = 'Usage' then coalesce(hourly.on_demand_units, 0) end
            as on_demand_units
    from grid
    left join hourly using (provider, commitment_category, scope, billing_currency, hour)
)

select * from final
