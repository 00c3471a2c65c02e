-- What usage would have cost at list prices and what it cost, by where the saving came from
-- (FOCUS 1.2: ListCost, ContractedCost, EffectiveCost; PricingCategory Committed / Dynamic).
--   negotiated  = Σ (ListCost − ContractedCost) of usage
--   commitment  = Σ (ContractedCost − EffectiveCost) of usage at commitment rates
--                 − the cost of unused commitments − commitment fees not amortized onto usage
--   spot        = Σ (ContractedCost − EffectiveCost) of Spot / preemptible usage
--   other       = the rest: credits and discounts not in the rows' prices
--   total       = Σ ListCost of usage − Σ EffectiveCost of usage, credits and commitment fees
-- ("usage" for list and contracted cost: what ran, not the rows of unused commitments)
-- Commitment purchases count through the usage they are amortized onto (their own EffectiveCost
-- is 0) or, where the provider does not amortize (Google Cloud's commitment fees, all of its
-- Purchase rows), with their EffectiveCost. Taxes and other purchases (support) are left out.

with

costs as (
    select
        *,
        ChargeCategory = 'Purchase' and (CommitmentDiscountId is not null or ProviderName = 'Google Cloud')
            as is_commitment_fee,
        -- usage that ran: an unused commitment's row may carry the list cost of what it would have
        -- covered (the spec's examples do), which nobody would have paid
        ChargeCategory = 'Usage' and CommitmentDiscountStatus is distinct from 'Unused' as is_consumption
    from {{ ref('cost_and_usage') }}
    where ChargeCategory in ('Usage', 'Credit', 'Purchase')
),

grouped as (
    select
        x_Provider as provider,
        cast(date_trunc('month', timezone('UTC', ChargePeriodStart)) as date) as charge_month,
        BillingAccountId as billing_account_id,
        SubAccountId as sub_account_id,
        SubAccountName as sub_account_name,
        ServiceCategory as service_category,
        ServiceName as service_name,
        BillingCurrency as billing_currency,
        coalesce(sum(ListCost) filter (where is_consumption), 0) as list_cost,
        coalesce(sum(ContractedCost) filter (where is_consumption), 0) as contracted_cost,
        coalesce(sum(EffectiveCost) filter (where ChargeCategory in ('Usage', 'Credit') or is_commitment_fee), 0)
            as effective_cost,
        coalesce(sum(ContractedCost - EffectiveCost) filter (where is_consumption and PricingCategory = 'Committed'), 0)
            as committed_usage_savings,
        coalesce(sum(EffectiveCost) filter (where CommitmentDiscountStatus = 'Unused'), 0) as unused_commitment_cost,
        coalesce(sum(EffectiveCost) filter (where is_commitment_fee), 0) as commitment_fee_cost,
        coalesce(sum(ContractedCost - EffectiveCost) filter (
            where ChargeCategory = 'Usage' and PricingCategory = 'Dynamic'), 0) as spot_savings,
        coalesce(sum(EffectiveCost) filter (where ChargeCategory = 'Credit'), 0) as credits
    from costs
    where ChargeCategory in ('Usage', 'Credit') or is_commitment_fee
    group by all
),

final as (
    select
        provider,
        charge_month,
        billing_account_id,
        sub_account_id,
        sub_account_name,
        service_category,
        service_name,
        billing_currency,
        list_cost,
        contracted_cost,
        effective_cost,
        list_cost - contracted_cost as negotiated_savings,
        committed_usage_savings - unused_commitment_cost - commitment_fee_cost as commitment_savings,
        spot_savings,
        (list_cost - effective_cost) - (list_cost - contracted_cost)
            - (committed_usage_savings - unused_commitment_cost - commitment_fee_cost) - spot_savings
            as other_savings,
        credits,
        unused_commitment_cost,
        list_cost - effective_cost as total_savings,
        round(100 * (list_cost - effective_cost) / nullif(list_cost, 0), 2) as effective_savings_rate_pct
    from grouped
)

select * from final
