-- How much of each commitment discount was used, per UTC day (FOCUS 1.2: CommitmentDiscountStatus
-- Used / Unused rows, CommitmentDiscountQuantity in CommitmentDiscountUnit).
-- A row spanning several days (AWS's monthly unused-RI row) is spread over them by the hours it
-- overlaps each, so a month's sum is exact and its days an even share.
-- A commitment whose provider writes no Unused rows takes its unused part from its recurring
-- purchase rows (in the unit of its used rows): for a spend commitment, what its fee still costs
-- after the usage it paid for (Google Cloud offsets the used part of a CUD fee with a credit, so the
-- fee row's EffectiveCost is exactly the unused commitment); otherwise the purchased quantity minus
-- the used one, at the purchase's cost per unit.

with

commitment_rows as (
    select
        x_Provider as provider,
        BillingAccountId as billing_account_id,
        CommitmentDiscountId as commitment_id,
        CommitmentDiscountName as commitment_name,
        CommitmentDiscountType as commitment_type,
        CommitmentDiscountCategory as commitment_category,
        CommitmentDiscountUnit as commitment_unit,
        BillingCurrency as billing_currency,
        CommitmentDiscountStatus as status,
        ChargeCategory = 'Purchase' as is_purchase,
        CommitmentDiscountQuantity as quantity,
        EffectiveCost as cost,
        timezone('UTC', ChargePeriodStart) as start_utc,
        case when ChargePeriodEnd > ChargePeriodStart then timezone('UTC', ChargePeriodEnd)
            else timezone('UTC', ChargePeriodStart) + interval 1 hour end as end_utc
    from {{ ref('cost_and_usage') }}
    where CommitmentDiscountId is not null
        and (CommitmentDiscountStatus in ('Used', 'Unused')
            or (ChargeCategory = 'Purchase' and ChargeFrequency = 'Recurring' and ChargeClass is null))
),

commitments as (
    select
        provider,
        commitment_id,
        bool_or(status = 'Unused') as has_unused_rows,
        -- the unit used and unused quantities are counted in (a purchase row may count reservations)
        mode(commitment_unit) filter (where status is not null) as usage_unit
    from commitment_rows
    group by provider, commitment_id
),

spread as (
    select
        commitment_rows.*,
        commitments.has_unused_rows,
        commitments.usage_unit,
        day,
        epoch(least(day + interval 1 day, end_utc) - greatest(day, start_utc)) / epoch(end_utc - start_utc) as share
    from commitment_rows
    join commitments using (provider, commitment_id),
        unnest(range(date_trunc('day', start_utc), end_utc, interval 1 day)) as days(day)
),

daily as (
    select
        provider,
        commitment_id,
        cast(day as date) as charge_date,
        any_value(has_unused_rows) as has_unused_rows,
        any_value(usage_unit) as commitment_unit,
        max(billing_account_id) as billing_account_id,
        max(commitment_name) filter (where status is not null) as commitment_name,
        max(commitment_type) as commitment_type,
        max(commitment_category) as commitment_category,
        max(billing_currency) as billing_currency,
        coalesce(sum(quantity * share) filter (where status = 'Used'), 0) as used_quantity,
        coalesce(sum(quantity * share) filter (where status = 'Unused'), 0) as unused_reported_quantity,
        coalesce(sum(cost * share) filter (where status = 'Used'), 0) as used_cost,
        coalesce(sum(cost * share) filter (where status = 'Unused'), 0) as unused_reported_cost,
        sum(quantity * share) filter (where is_purchase and commitment_unit = usage_unit) as purchased_quantity,
        sum(cost * share) filter (where is_purchase and commitment_unit = usage_unit) as purchased_cost
    from spread
    group by provider, commitment_id, day
),

measured as (
    select
        *,
        case
            when has_unused_rows then unused_reported_quantity
            when commitment_category = 'Spend' then coalesce(purchased_cost, 0)
            else greatest(coalesce(purchased_quantity, 0) - used_quantity, 0)
        end as unused_quantity,
        case
            when has_unused_rows then unused_reported_cost
            when commitment_category = 'Spend' then coalesce(purchased_cost, 0)
            else coalesce(greatest(coalesce(purchased_quantity, 0) - used_quantity, 0)
                * purchased_cost / nullif(purchased_quantity, 0), 0)
        end as unused_cost
    from daily
),

final as (
    select
        provider,
        billing_account_id,
        commitment_id,
        commitment_name,
        commitment_type,
        commitment_category,
        commitment_unit,
        billing_currency,
        charge_date,
        cast(date_trunc('month', charge_date) as date) as charge_month,
        cast(used_quantity as decimal(38, 12)) as used_quantity,
        cast(unused_quantity as decimal(38, 12)) as unused_quantity,
        cast(used_quantity + unused_quantity as decimal(38, 12)) as committed_quantity,
        cast(used_cost as decimal(38, 12)) as used_cost,
        cast(unused_cost as decimal(38, 12)) as unused_cost,
        cast(used_cost + unused_cost as decimal(38, 12)) as committed_cost,
        round(100 * used_quantity / nullif(used_quantity + unused_quantity, 0), 2) as utilization_pct
    from measured
    where used_quantity <> 0 or unused_quantity <> 0 or used_cost <> 0 or unused_cost <> 0
)

select * from final
