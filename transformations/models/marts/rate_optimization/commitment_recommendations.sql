-- Purchase recommendations from the user's own usage (commitment_recommendation_hours), per
-- provider, scope and lookback (30 and 60 days up to the newest hour with charges).
-- A commitment covering L (on-demand cost, or units, per hour) costs L × (1 − d) every hour, used
-- or not, where d is its discount on on-demand prices. Over the window's hours h with usage x_h:
--     net savings(L) = Σ_h min(x_h, L) − hours × L × (1 − d)        (× the unit price for units)
-- which is largest at a level some hour reaches (it is piecewise linear between them), so every
-- such level is tried: each distinct x_h for Spend, whole instances of the family's most used size
-- for Usage. d is observed on the user's committed usage of the same scope in the window
-- (1 − Σ EffectiveCost / Σ ListCost), else var commitment_discount_rates.

with

hours as (
    select * from {{ ref('commitment_recommendation_hours') }}
),

lookbacks as (
    select unnest([30, 60]) as lookback_days
),

windows as (
    select provider, max(hour) + interval 1 hour as window_end
    from hours
    group by provider
),

series as (
    select
        hours.provider,
        lookbacks.lookback_days,
        hours.commitment_category,
        hours.scope,
        hours.billing_currency,
        hours.hour,
        windows.window_end,
        hours.on_demand_cost,
        case when hours.commitment_category = 'Spend' then hours.on_demand_cost else hours.on_demand_units end as x
    from hours
    join windows using (provider)
    cross join lookbacks
    where hours.hour >= windows.window_end - to_days(lookbacks.lookback_days)
),

stats as (
    select
        provider,
        lookback_days,
        commitment_category,
        scope,
        billing_currency,
        min(hour) as window_start,
        any_value(window_end) as window_end,
        count(*) as hours_counted,
        sum(x) as total_x,
        max(x) as max_x,
        sum(on_demand_cost) as total_cost
    from series
    group by all
),

-- the size a family's reservations are counted in: its most used on-demand instance type
reference_sizes as (
    select
        x_Provider as provider,
        instance_family as scope,
        arg_max(instance_type, units) as reference_size,
        arg_max(normalization_factor, units) as normalization_factor
    from (
        select x_Provider, instance_family, instance_type, any_value(normalization_factor) as normalization_factor,
            sum(ConsumedQuantity) as units
        from {{ ref('int_rate_usage') }}
        where PricingCategory = 'Standard' and is_usage_eligible and instance_type is not null
            and ConsumedUnit = 'Hours'
        group by all
    )
    group by all
),

committed_usage as (
    select
        x_Provider as provider,
        CommitmentDiscountCategory as commitment_category,
        instance_family,
        charge_start_utc,
        ListCost,
        EffectiveCost
    from {{ ref('int_rate_usage') }}
    where CommitmentDiscountStatus = 'Used' and ListCost > 0
),

observed_discounts as (
    select
        stats.provider,
        stats.lookback_days,
        stats.commitment_category,
        stats.scope,
        1 - sum(committed_usage.EffectiveCost) / sum(committed_usage.ListCost) as discount_rate
    from stats
    join committed_usage
        on committed_usage.provider = stats.provider
        and committed_usage.commitment_category = stats.commitment_category
        and (stats.commitment_category = 'Spend' or committed_usage.instance_family = stats.scope)
        and committed_usage.charge_start_utc >= timezone('UTC', stats.window_start)
        and committed_usage.charge_start_utc < timezone('UTC', stats.window_end)
    group by all
),

discounts as (
    select
        stats.*,
        reference_sizes.reference_size,
        coalesce(reference_sizes.normalization_factor, 1) as reference_units,
        reference_sizes.normalization_factor is not null as is_normalized,
        case
            when observed_discounts.discount_rate between 0.01 and 0.9 then observed_discounts.discount_rate
            when stats.commitment_category = 'Spend' then {{ var('commitment_discount_rates')['Spend'] }}
            else {{ var('commitment_discount_rates')['Usage'] }}
        end as discount_rate,
        case when observed_discounts.discount_rate between 0.01 and 0.9 then 'observed' else 'assumed' end
            as discount_source,
        -- what one unit of x costs on demand (x is already cost for Spend)
        case when stats.commitment_category = 'Spend' then 1
            else stats.total_cost / nullif(stats.total_x, 0) end as unit_price
    from stats
    left join observed_discounts using (provider, lookback_days, commitment_category, scope)
    left join reference_sizes
        on stats.commitment_category = 'Usage'
        and reference_sizes.provider = stats.provider
        and reference_sizes.scope = stats.scope
),

candidates as (
    select distinct provider, lookback_days, commitment_category, scope, x as level
    from series
    where commitment_category = 'Spend'
    union all
    select provider, lookback_days, commitment_category, scope, k * reference_units
    from discounts,
        unnest(range(0, cast(ceil(coalesce(max_x, 0) / reference_units) as bigint) + 1)) as counts(k)
    where commitment_category = 'Usage'
),

evaluated as (
    select
        candidates.provider,
        candidates.lookback_days,
        candidates.commitment_category,
        candidates.scope,
        candidates.level,
        sum(least(series.x, candidates.level)) as covered
    from candidates
    join series using (provider, lookback_days, commitment_category, scope)
    group by all
),

best as (
    select
        discounts.*,
        evaluated.level,
        evaluated.covered,
        (evaluated.covered - discounts.hours_counted * evaluated.level * (1 - discounts.discount_rate))
            * discounts.unit_price as net_savings
    from evaluated
    join discounts using (provider, lookback_days, commitment_category, scope)
    qualify row_number() over (
        partition by provider, lookback_days, commitment_category, scope
        order by net_savings desc, evaluated.level
    ) = 1
),

final as (
    select
        provider,
        lookback_days,
        commitment_category,
        scope,
        billing_currency,
        window_start,
        window_end,
        hours_counted,
        case
            when commitment_category = 'Spend' then billing_currency
            when is_normalized then 'Normalized Hours'
            else 'Hours'
        end as unit,
        round(discount_rate, 4) as discount_rate,
        discount_source,
        round(total_x / hours_counted, 6) as on_demand_per_hour_avg,
        round(level, 6) as recommended_per_hour,
        case when commitment_category = 'Spend' then round(level * (1 - discount_rate), 3) end
            as recommended_commitment_per_hour,
        case when commitment_category = 'Usage' then cast(round(level / reference_units) as bigint) end
            as recommended_count,
        reference_size,
        round(100 * covered / nullif(hours_counted * level, 0), 2) as expected_utilization_pct,
        round(100 * covered / nullif(total_x, 0), 2) as expected_coverage_pct,
        round(net_savings, 2) as expected_savings,
        round(net_savings / hours_counted * 730, 2) as expected_savings_per_month,
        round(100 * (1 - discount_rate), 2) as break_even_utilization_pct
    from best
)

select * from final
