-- Supported versions: Azure Cost Management actual and amortized cost details (via base_azure__costs)
-- -> FOCUS 1.2 column ids. The only model with Azure cost-details vocabulary (charge_type,
-- pricing_model, meter_*, ...).
-- Microsoft's mapping, followed here: "Convert Cost Management data to FOCUS"
--   https://learn.microsoft.com/cloud-computing/finops/focus/convert
-- and the FinOps toolkit open data it names (seeds azure_pricing_units, azure_services,
-- azure_regions). Cost details fields:
--   https://learn.microsoft.com/azure/cost-management-billing/automate/understand-usage-details-fields
-- Details and the reasons for every choice: docs/azure.md.
--
-- Which rows (Microsoft: "keep all rows from the amortized cost data; filter the actual cost data to
-- only include rows where ChargeType is Purchase or Refund and PricingModel is Reservation or
-- SavingsPlan"), paired row by row, so two exports are never double counted:
--   pair key = (billing period, coalesce(billing_account_id, billing_profile_id), subscription_id)
--   * every amortized row;
--   * an actual row whose pair key is in some amortized export of the same period: only when it
--     is a commitment purchase or refund (ChargeType Purchase/Refund, PricingModel
--     Reservation/SavingsPlan); everything else of it is in the amortized data already;
--   * an actual row whose pair key no amortized export has (actual-only): every row.
-- Cost rules:
--   BilledCost    = cost_in_billing_currency, except 0 on amortized rows of commitment-covered
--                   usage (ChargeType Usage, PricingModel Reservation/SavingsPlan) and of unused
--                   commitments (UnusedReservation/UnusedSavingsPlan): their cost was billed by the
--                   purchase.
--   EffectiveCost = cost_in_billing_currency, except 0 on actual rows of commitment purchases and
--                   refunds: they are amortized onto the usage (and the unused rows) instead.
--   So with both exports, per period and pair key, Σ BilledCost = Σ actual cost and
--   Σ EffectiveCost = Σ amortized cost. Actual-only: Σ EffectiveCost lacks the commitments (covered
--   usage costs 0 in actual data); amortized-only: Σ BilledCost lacks the commitment purchases.
-- Quantities: Azure prices per UnitOfMeasure ("10K", "100 Hours"), and cost = Quantity x price.
--   PricingQuantity = Quantity, PricingUnit = "<PricingBlockSize> <DistinctUnits>" (just
--   DistinctUnits when the block is 1), so ListUnitPrice x PricingQuantity = ListCost exactly;
--   ConsumedQuantity = Quantity x PricingBlockSize in DistinctUnits (seed azure_pricing_units).
--   Units the seed does not know pass through as written, block size 1.

with

cost_rows as (
    select * from {{ ref('base_azure__costs') }}
),

pricing_units as (
    select
        trim(UnitOfMeasure) as unit_of_measure,
        min(cast(PricingBlockSize as decimal(38, 12))) as block_size,
        min(DistinctUnits) as distinct_units
    from {{ ref('azure_pricing_units') }}
    group by all
),

services as (
    select
        lower(ConsumedService) as consumed_service,
        lower(ResourceType) as resource_type,
        ServiceName as service_name,
        ServiceCategory as service_category,
        ServiceSubcategory as service_subcategory,
        PublisherName as publisher_name
    from {{ ref('azure_services') }}
),

-- fallbacks when the (consumed service, resource type) pair is not in the seed: one service per
-- resource type, else one per consumed service, else the service the meter category names (the
-- first by name, so the choice is stable)
services_by_type as (
    select * from services
    qualify row_number() over (partition by resource_type order by consumed_service nulls last, service_name) = 1
),

services_by_consumed_service as (
    select * from services
    where consumed_service is not null
    qualify row_number() over (partition by consumed_service order by resource_type, service_name) = 1
),

-- last: the service the meter category names (so a service name has one category throughout)
services_by_name as (
    select * from services
    qualify row_number() over (partition by service_name order by consumed_service nulls last, resource_type) = 1
),

regions as (
    select lower(trim(OriginalValue)) as original_value, RegionId as region_id, RegionName as region_name
    from {{ ref('azure_regions') }}
),

-- the pair keys each amortized export covers, per period
amortized_keys as (
    select distinct billing_period, pair_account, pair_subscription
    from (
        select
            billing_period,
            coalesce(nullif(billing_account_id, ''), nullif(billing_profile_id, ''), '') as pair_account,
            coalesce(nullif(subscription_id, ''), '') as pair_subscription
        from cost_rows
        where source_format = 'amortized'
    )
),

keyed as (
    select
        cost_rows.*,
        coalesce(nullif(billing_account_id, ''), nullif(billing_profile_id, ''), '') as pair_account,
        coalesce(nullif(subscription_id, ''), '') as pair_subscription,
        source_format = 'amortized' as is_amortized,
        -- coalesce(..., false): a NULL charge type or pricing model is "not this kind"
        coalesce(pricing_model in ('Reservation', 'SavingsPlan'), false) as is_commitment_model,
        coalesce(charge_type in ('UnusedReservation', 'UnusedSavingsPlan'), false) as is_unused,
        coalesce(charge_type = 'Refund', false) as is_refund,
        coalesce(cost_in_billing_currency, 0) as cost
    from cost_rows
),

kept as (
    select
        keyed.*,
        is_commitment_model and coalesce(charge_type in ('Purchase', 'Refund'), false) as is_commitment_purchase,
        is_commitment_model and coalesce(charge_type = 'Usage', false) as is_commitment_usage
    from keyed
    left join amortized_keys
        on amortized_keys.billing_period = keyed.billing_period
        and amortized_keys.pair_account = keyed.pair_account
        and amortized_keys.pair_subscription = keyed.pair_subscription
    where keyed.is_amortized
        or amortized_keys.billing_period is null
        or (keyed.is_commitment_model and coalesce(keyed.charge_type in ('Purchase', 'Refund'), false))
),

classified as (
    select
        kept.*,
        case
            -- pay-as-you-go exports have no ChargeType: all of it is usage
            when charge_type is null or charge_type in ('Usage', 'UnusedReservation', 'UnusedSavingsPlan') then 'Usage'
            when charge_type in ('Purchase', 'Refund') then 'Purchase'
            when charge_type in ('Credit', 'Tax') then charge_type
            else 'Adjustment'
        end as charge_category,
        case
            when is_amortized and (is_commitment_usage or is_unused) then cast(0 as decimal(38, 12))
            else cost
        end as billed_cost,
        case
            when not is_amortized and is_commitment_purchase then cast(0 as decimal(38, 12))
            else cost
        end as effective_cost,
        -- commitment discounts: BenefitId (reservations and savings plans), else ReservationId
        case
            when benefit_id ilike '%/microsoft.capacity/%' then 'Usage'
            when benefit_id ilike '%/microsoft.billingbenefits/%' then 'Spend'
            when pricing_model = 'Reservation' or charge_type = 'UnusedReservation' then 'Usage'
            when pricing_model = 'SavingsPlan' or charge_type = 'UnusedSavingsPlan' then 'Spend'
        end as commitment_category,
        coalesce(nullif(trim(benefit_id), ''), nullif(trim(reservation_id), '')) as commitment_id,
        coalesce(nullif(trim(benefit_name), ''), nullif(trim(reservation_name), '')) as commitment_name,
        pricing_units.unit_of_measure is not null as is_known_unit,
        coalesce(pricing_units.block_size, 1) as block_size,
        coalesce(pricing_units.distinct_units, nullif(trim(kept.unit_of_measure), '')) as distinct_unit,
        -- unit prices in the pricing currency: the contracted price (UnitPrice; EffectivePrice in
        -- exports without it, e.g. pay-as-you-go ResourceRate) and the list price (PayGPrice, never
        -- below the contracted price: commitment purchases carry PayGPrice 0)
        coalesce(unit_price, effective_price, payg_price) as contracted_price,
        coalesce(exchange_rate_pricing_to_billing, 1) as exchange_rate,
        coalesce(nullif(trim(resource_location), ''), nullif(trim(location), '')) as location_value,
        coalesce(
            nullif(lower(trim(resource_type)), ''),
            nullif(lower(regexp_extract(resource_id, '/providers/([^/]+/[^/]+)', 1)), '')
        ) as arm_resource_type
    from kept
    left join pricing_units on pricing_units.unit_of_measure = trim(kept.unit_of_measure)
),

priced as (
    select
        classified.*,
        charge_category in ('Usage', 'Purchase') and not is_refund as prices_apply,
        case when payg_price is null or payg_price < contracted_price then contracted_price else payg_price end
            as list_price,
        case when commitment_category is not null then commitment_id end as commitment_discount_id,
        case
            when charge_category = 'Usage' and not is_unused and not is_refund
                then cast(coalesce(quantity, 0) * block_size as decimal(38, 12))
        end as consumed_quantity,
        case
            when charge_category = 'Usage' and not is_unused and not is_refund then coalesce(distinct_unit, 'Units')
        end as consumed_unit,
        case
            when not is_known_unit then coalesce(distinct_unit, 'Units')
            when block_size = 1 then distinct_unit
            else cast(cast(block_size as bigint) as varchar) || ' ' || distinct_unit
        end as block_unit
    from classified
),

looked_up as (
    select
        priced.*,
        -- the chosen seed row: the exact (consumed service, resource type) pair, else by resource
        -- type, else by consumed service
        case
            when service_exact.service_name is not null then service_exact
            when services_by_type.service_name is not null then services_by_type
            when services_by_consumed_service.service_name is not null then services_by_consumed_service
            else services_by_name
        end as service,
        region.region_id as seed_region_id,
        region.region_name as seed_region_name
    from priced
    left join services as service_exact
        on service_exact.consumed_service = lower(priced.consumed_service)
        and service_exact.resource_type = priced.arm_resource_type
    left join services_by_type
        on services_by_type.resource_type = priced.arm_resource_type
    left join services_by_consumed_service
        on services_by_consumed_service.consumed_service = lower(priced.consumed_service)
    left join services_by_name
        on services_by_name.service_name = coalesce(nullif(trim(priced.meter_category), ''), nullif(trim(priced.consumed_service), ''))
    left join regions as region
        on region.original_value = lower(priced.location_value)
),

final as (
    select
        -- billing account: EA billing account (enrollment), MCA billing profile (what is invoiced),
        -- pay-as-you-go: the subscription, which is what is invoiced there
        case
            when coalesce(nullif(billing_profile_id, '') <> nullif(billing_account_id, ''), false)
                then billing_profile_id
            else coalesce(nullif(billing_account_id, ''), nullif(billing_profile_id, ''), nullif(subscription_id, ''))
        end as BillingAccountId,
        case
            when coalesce(nullif(billing_profile_id, '') <> nullif(billing_account_id, ''), false)
                then nullif(trim(billing_profile_name), '')
            when nullif(billing_account_id, '') is not null then nullif(trim(billing_account_name), '')
            when nullif(billing_profile_id, '') is not null then nullif(trim(billing_profile_name), '')
            else nullif(trim(subscription_name), '')
        end as BillingAccountName,
        case
            when coalesce(nullif(billing_profile_id, '') <> nullif(billing_account_id, ''), false)
                or (nullif(billing_account_id, '') is null and nullif(billing_profile_id, '') is not null)
                then 'Billing Profile'
            when nullif(billing_account_id, '') is not null then 'Billing Account'
            else 'Subscription'
        end as BillingAccountType,
        nullif(trim(subscription_id), '') as SubAccountId,
        nullif(trim(subscription_name), '') as SubAccountName,
        case when nullif(trim(subscription_id), '') is not null then 'Subscription' end as SubAccountType,

        -- periods: Azure dates are days; FOCUS ends are exclusive
        timezone('UTC', cast(coalesce(
            billing_period_start_date, cast(strptime(billing_period || '-01', '%Y-%m-%d') as date)
        ) as timestamp)) as BillingPeriodStart,
        timezone('UTC', cast(coalesce(
            billing_period_end_date + 1,
            cast(strptime(billing_period || '-01', '%Y-%m-%d') + interval 1 month as date)
        ) as timestamp)) as BillingPeriodEnd,
        timezone('UTC', cast(coalesce(
            date, billing_period_start_date, cast(strptime(billing_period || '-01', '%Y-%m-%d') as date)
        ) as timestamp)) as ChargePeriodStart,
        timezone('UTC', cast(coalesce(
            date, billing_period_start_date, cast(strptime(billing_period || '-01', '%Y-%m-%d') as date)
        ) + 1 as timestamp)) as ChargePeriodEnd,

        -- charge
        charge_category as ChargeCategory,
        case when is_refund then 'Correction' end as ChargeClass,
        coalesce(nullif(trim(product_name), ''), nullif(trim(meter_name), '')) as ChargeDescription,
        case
            when frequency = 'OneTime' then 'One-Time'
            when frequency = 'Recurring' then 'Recurring'
            when frequency = 'UsageBased' then 'Usage-Based'
            when charge_category = 'Usage' then 'Usage-Based'
            else 'One-Time'
        end as ChargeFrequency,
        case
            when charge_category not in ('Usage', 'Purchase') then null
            when pricing_model = 'Spot' then 'Dynamic'
            when charge_category = 'Usage' and (is_commitment_model or is_unused) then 'Committed'
            else 'Standard'
        end as PricingCategory,

        -- costs
        cast(billed_cost as decimal(38, 12)) as BilledCost,
        cast(effective_cost as decimal(38, 12)) as EffectiveCost,
        cast(case
            when prices_apply and list_price >= 0
                then cast(list_price * exchange_rate as decimal(38, 12)) * coalesce(quantity, 1)
            else billed_cost
        end as decimal(38, 12)) as ListCost,
        cast(case
            when prices_apply and list_price >= 0 then list_price * exchange_rate
            when prices_apply then 0
        end as decimal(38, 12)) as ListUnitPrice,
        cast(case
            when prices_apply and contracted_price >= 0
                then cast(contracted_price * exchange_rate as decimal(38, 12)) * coalesce(quantity, 1)
            else billed_cost
        end as decimal(38, 12)) as ContractedCost,
        cast(case
            when prices_apply and contracted_price >= 0 then contracted_price * exchange_rate
            when prices_apply then 0
        end as decimal(38, 12)) as ContractedUnitPrice,
        billing_currency as BillingCurrency,

        -- quantities
        consumed_quantity as ConsumedQuantity,
        consumed_unit as ConsumedUnit,
        cast(case when prices_apply then coalesce(quantity, 1) end as decimal(38, 12)) as PricingQuantity,
        case when prices_apply then block_unit end as PricingUnit,

        -- commitment discounts
        commitment_discount_id as CommitmentDiscountId,
        case when commitment_discount_id is not null
            then coalesce(commitment_name, split_part(commitment_discount_id, '/', -1)) end
            as CommitmentDiscountName,
        case when commitment_discount_id is not null then commitment_category end as CommitmentDiscountCategory,
        case when commitment_discount_id is not null
            then case commitment_category when 'Usage' then 'Reservation' when 'Spend' then 'Savings Plan' end
        end as CommitmentDiscountType,
        case
            when commitment_discount_id is null or charge_category <> 'Usage' then null
            when is_unused then 'Unused'
            else 'Used'
        end as CommitmentDiscountStatus,
        cast(case
            when commitment_discount_id is null or charge_category not in ('Usage', 'Purchase') or is_refund then null
            when commitment_category = 'Spend' and charge_category = 'Usage' then effective_cost
            when commitment_category = 'Spend' then cost
            when charge_category = 'Usage' then coalesce(quantity, 0) * block_size
            else coalesce(quantity, 1)
        end as decimal(38, 12)) as CommitmentDiscountQuantity,
        case
            when commitment_discount_id is null or charge_category not in ('Usage', 'Purchase') or is_refund then null
            when commitment_category = 'Spend' then billing_currency
            when charge_category = 'Usage' then coalesce(distinct_unit, 'Units')
            else block_unit
        end as CommitmentDiscountUnit,

        -- capacity reservations: not in cost details
        cast(null as varchar) as CapacityReservationId,
        cast(null as varchar) as CapacityReservationStatus,

        -- parties: marketplace rows are published by their seller
        'Microsoft' as ProviderName,
        coalesce(
            nullif(trim(publisher_name), ''),
            service.publisher_name,
            case when publisher_type = 'Marketplace' then 'Azure Marketplace' end,
            'Microsoft'
        ) as PublisherName,
        coalesce(nullif(trim(partner_name), ''), 'Microsoft') as InvoiceIssuerName,
        nullif(trim(invoice_id), '') as InvoiceId,

        -- location (seed azure_regions: every spelling Azure writes -> region id and name)
        case when location_value is not null
            then coalesce(seed_region_id, lower(replace(location_value, ' ', ''))) end as RegionId,
        case when location_value is not null then coalesce(seed_region_name, location_value) end as RegionName,
        nullif(trim(availability_zone), '') as AvailabilityZone,

        -- resource
        nullif(trim(resource_id), '') as ResourceId,
        case when nullif(trim(resource_id), '') is not null then coalesce(
            nullif(trim(resource_name), ''), nullif(split_part(rtrim(resource_id, '/'), '/', -1), '')
        ) end as ResourceName,
        case when nullif(trim(resource_id), '') is not null
            then coalesce(arm_resource_type, nullif(lower(consumed_service), ''), 'Resource') end as ResourceType,

        -- service (seed azure_services by consumed service and resource type)
        coalesce(service.service_name, nullif(trim(meter_category), ''), nullif(trim(consumed_service), ''))
            as ServiceName,
        service.service_category as ServiceCategory,
        service.service_subcategory as ServiceSubcategory,

        -- SKU: ProductId (MCA), else the meter (EA has no product id)
        coalesce(nullif(trim(product_id), ''), nullif(trim(meter_id), ''), nullif(trim(part_number), ''),
            nullif(trim(product_name), '')) as SkuId,
        case when coalesce(nullif(trim(product_id), ''), nullif(trim(meter_id), ''), nullif(trim(part_number), ''),
                nullif(trim(product_name), '')) is not null
            then concat_ws('_',
                coalesce(nullif(trim(product_id), ''), nullif(trim(meter_id), ''), nullif(trim(part_number), ''),
                    nullif(trim(product_name), '')),
                nullif(trim(pricing_model), ''), nullif(trim(term), ''))
        end as SkuPriceId,
        case when coalesce(nullif(trim(product_id), ''), nullif(trim(meter_id), ''), nullif(trim(part_number), ''),
                nullif(trim(product_name), '')) is not null
            then coalesce(nullif(trim(meter_name), ''), nullif(trim(meter_sub_category), ''),
                nullif(trim(meter_category), ''), nullif(trim(product_name), ''))
        end as SkuMeter,
        cast(null as json) as SkuPriceDetails,

        -- tags: a JSON object; EA writes it without the outer braces
        case
            when nullif(trim(tags), '') is null then null
            when json_valid(tags) then cast(tags as json)
            when json_valid('{' || tags || '}') then cast('{' || tags || '}' as json)
        end as Tags,

        -- pricing currency (MCA prices in USD, bills in the local currency): the pricing-currency
        -- columns only where the currencies differ; int_costs_enriched repeats the billing ones otherwise
        case when coalesce(pricing_currency <> billing_currency, false) then pricing_currency end as PricingCurrency,
        cast(case when coalesce(pricing_currency <> billing_currency, false) and prices_apply and contracted_price >= 0
            then contracted_price end as decimal(38, 12)) as PricingCurrencyContractedUnitPrice,
        cast(case when coalesce(pricing_currency <> billing_currency, false)
            then case when effective_cost = 0 then 0
                else coalesce(cost_in_pricing_currency, effective_cost / nullif(exchange_rate, 0)) end
        end as decimal(38, 12)) as PricingCurrencyEffectiveCost,
        cast(case when coalesce(pricing_currency <> billing_currency, false) and prices_apply and list_price >= 0
            then list_price end as decimal(38, 12)) as PricingCurrencyListUnitPrice,

        -- provider extras (the mart's contract keeps x_ChargeType .. x_LineItemId; the others stay
        -- in focus_staging)
        cast(null as varchar) as x_InvoicingEntity,
        nullif(trim(meter_name), '') as x_UsageType,
        cast(null as varchar) as x_Operation,
        nullif(trim(consumed_service), '') as x_ServiceCode,
        charge_type as x_ChargeType,
        cast(null as varchar) as x_LineItemId,
        nullif(trim(resource_group_name), '') as x_ResourceGroupName,
        nullif(trim(meter_category), '') as x_SkuMeterCategory,
        nullif(trim(meter_sub_category), '') as x_SkuMeterSubcategory,
        nullif(trim(meter_id), '') as x_SkuMeterId,
        nullif(trim(part_number), '') as x_SkuPartNumber,
        unit_of_measure as x_PricingUnitDescription,
        block_size as x_PricingBlockSize,
        pricing_model as x_PricingModel,
        nullif(trim(invoice_section_name), '') as x_InvoiceSectionName,
        nullif(trim(billing_account_id), '') as x_BillingAccountId,
        nullif(trim(billing_profile_id), '') as x_BillingProfileId,

        -- lineage
        'azure' as x_Provider,
        source_export as x_SourceExport,
        source_format as x_SourceFormat,
        manifest_id as x_ManifestId,
        import_id as x_ImportId,
        billing_period as x_BillingPeriod,
        source_file as x_SourceFile
    from looked_up
)

select * from final
