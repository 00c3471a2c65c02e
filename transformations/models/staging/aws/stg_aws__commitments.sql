-- AWS Reserved Instances and Savings Plans, one row per commitment (its ARN, FOCUS's
-- CommitmentDiscountId), with what FOCUS has no column for: term start and end, offering, payment
-- option, term length, region. Read from the commitment's fee rows (RIFee, the RI's upfront Fee,
-- SavingsPlanRecurringFee, SavingsPlanUpfrontFee), the newest fee's values winning.
-- CUR columns: reservation/StartTime, reservation/EndTime, pricing/offeringClass,
-- pricing/purchaseOption, pricing/LeaseContractLength; savingsPlan/StartTime, EndTime,
-- OfferingType, PaymentOption, PurchaseTerm, Region.

with

fees as (
    select *
    from {{ ref('base_aws__cur') }}
    where line_item_line_item_type in ('RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee')
        or (line_item_line_item_type = 'Fee' and nullif(reservation_reservation_a_r_n, '') is not null)
),

classified as (
    select
        case when line_item_line_item_type in ('RIFee', 'Fee') then 'ri' else 'sp' end as commitment_kind,
        case when line_item_line_item_type in ('RIFee', 'Fee')
            then nullif(reservation_reservation_a_r_n, '') else nullif(savings_plan_savings_plan_a_r_n, '')
        end as commitment_id,
        line_item_usage_start_date as fee_start,
        line_item_usage_account_id as owner_account_id,
        case when line_item_line_item_type in ('RIFee', 'Fee')
            then nullif(trim(pricing_offering_class), '') else nullif(trim(savings_plan_offering_type), '')
        end as offering_type,
        case when line_item_line_item_type in ('RIFee', 'Fee')
            then nullif(trim(pricing_purchase_option), '') else nullif(trim(savings_plan_payment_option), '')
        end as payment_option,
        case when line_item_line_item_type in ('RIFee', 'Fee')
            then nullif(trim(pricing_lease_contract_length), '') else nullif(trim(savings_plan_purchase_term), '')
        end as term,
        case when line_item_line_item_type in ('RIFee', 'Fee')
            then nullif(product_region_code, '') else nullif(trim(savings_plan_region), '')
        end as region_id,
        try_cast(nullif(case when line_item_line_item_type in ('RIFee', 'Fee')
            then reservation_start_time else savings_plan_start_time end, '') as timestamp with time zone) as start_at,
        try_cast(nullif(case when line_item_line_item_type in ('RIFee', 'Fee')
            then reservation_end_time else savings_plan_end_time end, '') as timestamp with time zone) as end_at
    from fees
),

final as (
    select
        commitment_id,
        any_value(commitment_kind) as commitment_kind,
        arg_max(owner_account_id, fee_start) as owner_account_id,
        arg_max(offering_type, fee_start) filter (where offering_type is not null) as offering_type,
        arg_max(payment_option, fee_start) filter (where payment_option is not null) as payment_option,
        arg_max(term, fee_start) filter (where term is not null) as term,
        arg_max(region_id, fee_start) filter (where region_id is not null) as region_id,
        arg_max(start_at, fee_start) filter (where start_at is not null) as start_at,
        arg_max(end_at, fee_start) filter (where end_at is not null) as end_at
    from classified
    where commitment_id is not null
    group by commitment_id
)

select * from final
