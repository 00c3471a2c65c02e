-- Every commitment discount seen in the FOCUS data: what it is, when it runs, how it was bought
-- (AWS from the raw CUR: stg_aws__commitments) and how well it was used in the last 30 days of data.
-- days_to_expiry counts from the day of the build; alerts count from their own run.

with

commitment_rows as (
    select * from {{ ref('cost_and_usage') }}
    where CommitmentDiscountId is not null
),

utilization as (
    select * from {{ ref('commitment_utilization') }}
),

aws_commitments as (
    select * from {{ ref('stg_aws__commitments') }}
),

newest as (
    select provider, max(charge_date) as as_of
    from utilization
    group by provider
),

recent_utilization as (
    select
        utilization.provider,
        utilization.commitment_id,
        sum(used_quantity) as used_quantity,
        sum(committed_quantity) as committed_quantity,
        sum(unused_cost) as unused_cost,
        count(distinct charge_date) as days
    from utilization
    join newest using (provider)
    where charge_date > as_of - interval 30 day
    group by utilization.provider, utilization.commitment_id
),

described as (
    select
        x_Provider as provider,
        CommitmentDiscountId as commitment_id,
        max(BillingAccountId) as billing_account_id,
        coalesce(arg_max(SubAccountId, ChargePeriodStart) filter (where ChargeCategory = 'Purchase'),
                 arg_max(SubAccountId, ChargePeriodStart)) as sub_account_id,
        arg_max(CommitmentDiscountName, ChargePeriodStart) as commitment_name,
        arg_max(CommitmentDiscountType, ChargePeriodStart) as commitment_type,
        arg_max(CommitmentDiscountCategory, ChargePeriodStart) as commitment_category,
        mode(CommitmentDiscountUnit) filter (where CommitmentDiscountStatus is not null) as commitment_unit,
        max(BillingCurrency) as billing_currency,
        mode(RegionId) filter (where ChargeCategory = 'Purchase') as purchase_region_id,
        mode({{ instance_type('ProviderName', 'x_UsageType', 'SkuMeter') }}) filter (where ChargeCategory = 'Purchase')
            as instance_type,
        min(ChargePeriodStart) as first_charge_at,
        max(ChargePeriodEnd) as last_charge_at
    from commitment_rows
    group by x_Provider, CommitmentDiscountId
),

final as (
    select
        described.provider,
        described.billing_account_id,
        coalesce(aws_commitments.owner_account_id, described.sub_account_id) as sub_account_id,
        described.commitment_id,
        described.commitment_name,
        described.commitment_type,
        described.commitment_category,
        described.commitment_unit,
        described.billing_currency,
        aws_commitments.offering_type,
        aws_commitments.payment_option,
        aws_commitments.term,
        coalesce(aws_commitments.region_id, described.purchase_region_id) as region_id,
        described.instance_type,
        cast(recent_utilization.committed_quantity / nullif(24 * recent_utilization.days, 0) as decimal(38, 6))
            as committed_per_hour,
        aws_commitments.start_at,
        aws_commitments.end_at,
        described.first_charge_at,
        described.last_charge_at,
        round(100 * recent_utilization.used_quantity / nullif(recent_utilization.committed_quantity, 0), 2)
            as utilization_pct_30d,
        recent_utilization.unused_cost as unused_cost_30d,
        date_diff('day', current_date, cast(aws_commitments.end_at as date)) as days_to_expiry,
        case
            when aws_commitments.end_at is not null then aws_commitments.end_at > now()
            else coalesce(cast(described.last_charge_at as date) > newest.as_of - interval 7 day, false)
        end as is_active
    from described
    left join aws_commitments
        on described.provider = 'aws' and aws_commitments.commitment_id = described.commitment_id
    left join recent_utilization
        on recent_utilization.provider = described.provider
        and recent_utilization.commitment_id = described.commitment_id
    left join newest on newest.provider = described.provider
)

select * from final
