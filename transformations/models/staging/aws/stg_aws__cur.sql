-- Supported versions: AWS CUR legacy and CUR 2.0 (via base_aws__cur) -> FOCUS 1.2 column ids.
-- CUR 2.0 dictionary: https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html
-- AWS's own CUR -> FOCUS mapping: https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-focus-1-2-aws-columns.html
--
-- Cost rules (one rule each, applied to every export):
--   BilledCost    = line_item_unblended_cost, always. (Net unblended is only present with private
--                   pricing and is not what the CUR reconciles to; it is not used.)
--   EffectiveCost = the standard CUR amortized cost:
--                   DiscountedUsage          -> reservation_effective_cost
--                   SavingsPlanCoveredUsage  -> savings_plan_savings_plan_effective_cost
--                   SavingsPlanNegation      -> 0
--                   SavingsPlanRecurringFee, RIFee, SavingsPlanUpfrontFee, RI upfront Fee -> 0
--                                            (purchases; amortized onto usage)
--                   anything else            -> BilledCost
--   Unused commitment: a RIFee / SavingsPlanRecurringFee row whose commitment was not fully used
--   gets a second, derived row (FOCUS spec "commitment_discount_usage_scenario_2/3"):
--   ChargeCategory Usage, CommitmentDiscountStatus Unused, BilledCost 0,
--   EffectiveCost = RIFee: unused amortized upfront fee + unused recurring fee;
--                   SavingsPlanRecurringFee: total_commitment_to_date - used_commitment.
--   So Σ EffectiveCost is the standard CUR amortized cost and Σ BilledCost the unblended cost.
--   ContractedCost = ListCost scaled by the row's negotiated discounts (EDP, private rates) where
--                   the CUR carries net columns: net / gross unblended cost (net / gross effective
--                   cost for RI- and Savings-Plan-covered usage); = ListCost without them.
--   ChargeClass 'Correction' only for a charge of an earlier billing period (a refund of this
--   month's usage is not a correction).
--   RI commitment quantities are in normalized units ('Normalized Hours') wherever the CUR gives
--   them (size-flexible reservations), so used + unused adds up to what was bought.

with

line_items as (
    select * from {{ ref('base_aws__cur') }}
),

pricing_units as (
    select * from {{ ref('pricing_units') }}
    where provider_name = 'AWS'
),

-- tags rewritten once per distinct tag set (a resource repeats its tags on every hourly row)
tag_sets as (
    select resource_tags, {{ aws_focus_tags('resource_tags') }} as focus_tags
    from (select distinct cast(resource_tags as varchar) as resource_tags from {{ ref('base_aws__cur') }})
),

classified as (
    select
        line_items.*,
        {{ focus_unit('line_items.pricing_unit', 'pricing_units.focus_unit') }} as focus_unit,
        line_item_line_item_type as line_item_type,
        case
            when line_item_line_item_type in ('DiscountedUsage', 'RIFee')
                or (line_item_line_item_type = 'Fee' and nullif(reservation_reservation_a_r_n, '') is not null)
                then 'ri'
            when line_item_line_item_type in (
                'SavingsPlanCoveredUsage', 'SavingsPlanNegation',
                'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee'
            ) then 'sp'
        end as commitment_kind,
        case
            when line_item_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
                then 'Usage'
            when line_item_line_item_type in ('RIFee', 'Fee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee')
                then 'Purchase'
            when line_item_line_item_type = 'Tax'
                then 'Tax'
            when line_item_line_item_type in (
                'Credit', 'Refund', 'SavingsPlanNegation', 'BundledDiscount', 'EdpDiscount',
                'PrivateRateDiscount', 'Discount', 'DistributorDiscount'
            ) then 'Credit'
            else 'Adjustment'
        end as charge_category,
        coalesce(line_item_usage_start_date < bill_billing_period_start_date, false) as is_correction,
        -- the factor negotiated discounts (EDP, private rates) leave of the price; 1 without them
        case
            when line_item_line_item_type = 'DiscountedUsage'
                then reservation_net_effective_cost / nullif(reservation_effective_cost, 0)
            when line_item_line_item_type = 'SavingsPlanCoveredUsage'
                then savings_plan_net_savings_plan_effective_cost / nullif(savings_plan_savings_plan_effective_cost, 0)
            else line_item_net_unblended_cost / nullif(line_item_unblended_cost, 0)
        end as negotiated_factor,
        -- size-flexible RIs are bought and used in normalized units
        case
            when line_item_line_item_type = 'DiscountedUsage' then nullif(line_item_normalized_usage_amount, 0)
            when line_item_line_item_type in ('RIFee', 'Fee') then nullif(reservation_total_reserved_normalized_units, 0)
        end as normalized_quantity,
        case
            when line_item_line_item_type = 'RIFee'
                then coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0)
                    + coalesce(reservation_unused_recurring_fee, 0)
            when line_item_line_item_type = 'SavingsPlanRecurringFee'
                then coalesce(savings_plan_total_commitment_to_date, 0) - coalesce(savings_plan_used_commitment, 0)
            else 0
        end as unused_commitment_cost
    from line_items
    left join pricing_units on pricing_units.pricing_unit = line_items.pricing_unit
),

-- one extra row per commitment fee with an unused part (see header). Unnested rather than a
-- union of two reads: DuckDB would hold the month's classified rows in memory for those.
expanded as (
    select * replace (case when is_unused_row then 'Usage' else charge_category end as charge_category)
    from (
        select
            *,
            unnest(case when unused_commitment_cost <> 0 then [false, true] else [false] end) as is_unused_row
        from classified
    )
),

final as (
    select
        -- billing account and sub account
        bill_payer_account_id as BillingAccountId,
        nullif(trim(bill_payer_account_name), '') as BillingAccountName,
        'Billing Account' as BillingAccountType,
        line_item_usage_account_id as SubAccountId,
        nullif(trim(line_item_usage_account_name), '') as SubAccountName,
        'Linked Account' as SubAccountType,

        -- periods
        bill_billing_period_start_date as BillingPeriodStart,
        bill_billing_period_end_date as BillingPeriodEnd,
        line_item_usage_start_date as ChargePeriodStart,
        coalesce(line_item_usage_end_date, line_item_usage_start_date) as ChargePeriodEnd,

        -- charge
        charge_category as ChargeCategory,
        case when is_correction then 'Correction' end as ChargeClass,
        nullif(line_item_line_item_description, '') as ChargeDescription,
        case
            when is_unused_row then 'Usage-Based'
            when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
            -- monthly fees (AWS Support and the like) cover the whole billing period
            when line_item_type = 'Fee' and commitment_kind is null and (
                line_item_product_code ilike '%support%'
                or (line_item_usage_start_date = bill_billing_period_start_date
                    and line_item_usage_end_date = bill_billing_period_end_date)
            ) then 'Recurring'
            when charge_category = 'Purchase' then 'One-Time'
            when charge_category in ('Usage') or line_item_type in (
                'SavingsPlanNegation', 'BundledDiscount', 'EdpDiscount', 'PrivateRateDiscount', 'Discount'
            ) then 'Usage-Based'
            else 'One-Time'
        end as ChargeFrequency,
        case
            when charge_category not in ('Usage', 'Purchase') then null
            when commitment_kind is not null and charge_category = 'Usage' then 'Committed'
            when pricing_term = 'Spot' or line_item_usage_type like '%SpotUsage%' then 'Dynamic'
            when pricing_term = 'OnDemand' or charge_category = 'Purchase' then 'Standard'
            else 'Other'
        end as PricingCategory,

        -- costs
        cast(case when is_unused_row then 0 else line_item_unblended_cost end as decimal(38, 12)) as BilledCost,
        cast(case
            when is_unused_row then unused_commitment_cost
            when line_item_type = 'DiscountedUsage' then coalesce(reservation_effective_cost, 0)
            when line_item_type = 'SavingsPlanCoveredUsage' then coalesce(savings_plan_savings_plan_effective_cost, 0)
            when line_item_type = 'SavingsPlanNegation' then 0
            when line_item_type in ('RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') then 0
            when line_item_type = 'Fee' and commitment_kind = 'ri' then 0
            else line_item_unblended_cost
        end as decimal(38, 12)) as EffectiveCost,
        cast(case
            when charge_category = 'Credit' or is_unused_row then 0
            when pricing_public_on_demand_cost is not null then pricing_public_on_demand_cost
            when charge_category in ('Tax', 'Adjustment') then 0
            else line_item_unblended_cost
        end as decimal(38, 12)) as ListCost,
        cast(case
            when is_unused_row then 0
            when charge_category in ('Usage', 'Purchase') and not is_correction
                then coalesce(pricing_public_on_demand_rate, line_item_unblended_rate)
        end as decimal(38, 12)) as ListUnitPrice,
        -- (DuckDB's lateral aliases; an exact copy when no discount applies)
        case when coalesce(negotiated_factor, 1) = 1 then ListCost
            else cast(ListCost * negotiated_factor as decimal(38, 12)) end as ContractedCost,
        case when coalesce(negotiated_factor, 1) = 1 then ListUnitPrice
            else cast(ListUnitPrice * negotiated_factor as decimal(38, 12)) end as ContractedUnitPrice,
        line_item_currency_code as BillingCurrency,

        -- quantities
        cast(case
            when charge_category = 'Usage' and not is_correction and not is_unused_row then line_item_usage_amount
        end as decimal(38, 12)) as ConsumedQuantity,
        case
            when charge_category = 'Usage' and not is_correction and not is_unused_row then coalesce(focus_unit, 'Units')
        end as ConsumedUnit,
        cast(case
            when is_unused_row and commitment_kind = 'ri'
                then coalesce(reservation_unused_quantity, line_item_usage_amount, 1)
            when is_unused_row then unused_commitment_cost
            when charge_category in ('Usage', 'Purchase') and not is_correction
                then coalesce(line_item_usage_amount, 1)
        end as decimal(38, 12)) as PricingQuantity,
        case
            when is_unused_row and commitment_kind = 'sp' then line_item_currency_code
            when charge_category in ('Usage', 'Purchase') and not is_correction then coalesce(
                focus_unit,
                case when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Hours' else 'Units' end
            )
        end as PricingUnit,

        -- commitment discounts
        case commitment_kind
            when 'ri' then nullif(reservation_reservation_a_r_n, '')
            when 'sp' then nullif(savings_plan_savings_plan_a_r_n, '')
        end as CommitmentDiscountId,
        case commitment_kind
            when 'ri' then split_part(nullif(reservation_reservation_a_r_n, ''), '/', -1)
            when 'sp' then split_part(nullif(savings_plan_savings_plan_a_r_n, ''), '/', -1)
        end as CommitmentDiscountName,
        case commitment_kind when 'ri' then 'Reserved Instance' when 'sp' then 'Savings Plan' end
            as CommitmentDiscountType,
        case commitment_kind when 'ri' then 'Usage' when 'sp' then 'Spend' end
            as CommitmentDiscountCategory,
        case
            when commitment_kind is null then null
            when is_unused_row then 'Unused'
            when line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage') then 'Used'
        end as CommitmentDiscountStatus,
        cast(case
            when commitment_kind is null or charge_category not in ('Usage', 'Purchase') then null
            when is_unused_row and commitment_kind = 'ri' and normalized_quantity is not null
                then coalesce(reservation_unused_normalized_unit_quantity, 0)
            when is_unused_row and commitment_kind = 'ri'
                then coalesce(reservation_unused_quantity, line_item_usage_amount, 1)
            when is_unused_row then unused_commitment_cost
            when commitment_kind = 'ri' then coalesce(normalized_quantity, line_item_usage_amount, 1)
            when line_item_type = 'SavingsPlanCoveredUsage' then savings_plan_savings_plan_effective_cost
            when line_item_type = 'SavingsPlanRecurringFee' then savings_plan_total_commitment_to_date
            else line_item_unblended_cost
        end as decimal(38, 12)) as CommitmentDiscountQuantity,
        case
            when commitment_kind is null or charge_category not in ('Usage', 'Purchase') then null
            when commitment_kind = 'ri' and normalized_quantity is not null then 'Normalized Hours'
            when commitment_kind = 'ri' then 'Hours'
            else line_item_currency_code
        end as CommitmentDiscountUnit,

        -- capacity reservations (not in the CUR columns we read)
        cast(null as varchar) as CapacityReservationId,
        cast(null as varchar) as CapacityReservationStatus,

        -- parties
        'AWS' as ProviderName,
        case
            when bill_billing_entity = 'AWS Marketplace'
                then coalesce(nullif(line_item_legal_entity, ''), 'AWS Marketplace')
            else coalesce(nullif(line_item_legal_entity, ''), 'Amazon Web Services, Inc.')
        end as PublisherName,
        {{ aws_invoice_issuer("coalesce(nullif(bill_invoicing_entity, ''), nullif(line_item_legal_entity, ''))") }}
            as InvoiceIssuerName,
        nullif(bill_invoice_id, '') as InvoiceId,

        -- location
        nullif(product_region_code, '') as RegionId,
        nullif(product_location, '') as RegionName,
        nullif(line_item_availability_zone, '') as AvailabilityZone,

        -- resource
        nullif(line_item_resource_id, '') as ResourceId,
        cast(null as varchar) as ResourceName,
        case when nullif(line_item_resource_id, '') is not null then coalesce(
            {{ aws_resource_type('line_item_resource_id') }},
            nullif(product_product_family, ''),
            line_item_product_code
        ) end as ResourceType,

        -- service and SKU (category/subcategory come from the seed in int_costs_enriched)
        coalesce(
            nullif(product_product_name, ''),
            nullif(json_extract_string(product, '$.product_name'), ''),
            nullif(product_servicecode, ''),
            line_item_product_code
        ) as ServiceName,
        cast(null as varchar) as ServiceCategory,
        cast(null as varchar) as ServiceSubcategory,
        nullif(product_sku, '') as SkuId,
        -- a rate code starts with its SKU; a bare rate id can be shared by the SKUs one RI covers
        coalesce(nullif(pricing_rate_code, ''), nullif(product_sku, '') || '.' || nullif(pricing_rate_id, ''))
            as SkuPriceId,
        case when nullif(product_sku, '') is not null
            then coalesce(nullif(product_product_family, ''), nullif(line_item_usage_type, ''))
        end as SkuMeter,
        cast(null as json) as SkuPriceDetails,

        -- tags: user_X -> X, aws_X -> aws:X (as AWS writes them in its FOCUS export), empty values
        -- dropped (macro aws_focus_tags, per tag set in tag_sets)
        tag_sets.focus_tags as Tags,

        -- pricing currency: CUR prices are in the billing currency (line_item_currency_code); the
        -- pricing-currency columns repeat the billing-currency values (set in int_costs_enriched)
        cast(null as varchar) as PricingCurrency,
        cast(null as decimal(38, 12)) as PricingCurrencyContractedUnitPrice,
        cast(null as decimal(38, 12)) as PricingCurrencyEffectiveCost,
        cast(null as decimal(38, 12)) as PricingCurrencyListUnitPrice,

        -- provider extras
        nullif(bill_invoicing_entity, '') as x_InvoicingEntity,
        line_item_usage_type as x_UsageType,
        line_item_operation as x_Operation,
        coalesce(nullif(product_servicecode, ''), line_item_product_code) as x_ServiceCode,
        line_item_type as x_ChargeType,
        identity_line_item_id as x_LineItemId,
        cast(null as varchar) as x_ResourceGroupName,

        -- lineage
        'aws' as x_Provider,
        source_export as x_SourceExport,
        source_format as x_SourceFormat,
        manifest_id as x_ManifestId,
        import_id as x_ImportId,
        billing_period as x_BillingPeriod,
        source_file as x_SourceFile
    from expanded
    left join tag_sets on tag_sets.resource_tags = cast(expanded.resource_tags as varchar)
)

select * from final
