-- The FOCUS Usage rows rate optimization reads, with what it groups and filters them by: the
-- instance type and family the row ran (macros instance_types), AWS's normalization factor, and
-- whether a spend-based commitment (savings plan, flexible CUD) or a reservation could cover it
-- (seed commitment_eligible_usage).

with

usage as (
    select
        *,
        {{ instance_type('ProviderName', 'x_UsageType', 'SkuMeter') }} as instance_type
    from {{ ref('cost_and_usage') }}
    where ChargeCategory = 'Usage'
),

eligible_usage as (
    select * from {{ ref('commitment_eligible_usage') }}
),

final as (
    select
        usage.*,
        {{ instance_family('usage.ProviderName', 'usage.instance_type', 'usage.SkuMeter') }} as instance_family,
        {{ normalization_factor('usage.ProviderName', 'usage.instance_type') }} as normalization_factor,
        coalesce(eligible_usage.spend_commitment, false) as is_spend_eligible,
        coalesce(eligible_usage.usage_commitment, false) as is_usage_eligible,
        timezone('UTC', usage.ChargePeriodStart) as charge_start_utc,
        -- a charge without duration counts as one hour
        case when usage.ChargePeriodEnd > usage.ChargePeriodStart then timezone('UTC', usage.ChargePeriodEnd)
            else timezone('UTC', usage.ChargePeriodStart) + interval 1 hour end as charge_end_utc
    from usage
    -- the seed's patterns do not overlap, so a row matches one line at most
    left join eligible_usage
        on eligible_usage.provider_name = usage.ProviderName
        and eligible_usage.service_name = usage.ServiceName
        and coalesce(usage.x_UsageType, usage.SkuMeter) like eligible_usage.usage_like
        and not coalesce(usage.x_UsageType, usage.SkuMeter) like coalesce(eligible_usage.usage_not_like, '')
)

select * from final
