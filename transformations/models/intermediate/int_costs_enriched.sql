-- Adds reference data from seeds and fills vendor-neutral gaps:
--   * ServiceName / ServiceCategory / ServiceSubcategory by (provider, service code), unless the
--     source already has FOCUS service columns; unknown
--     services fall back to 'Other' / 'Other (Other)'; a subcategory that does not belong to the
--     row's category becomes 'Other (<category>)'.
--   * RegionName by (provider, region id).
--   * PricingUnit / ConsumedUnit in FOCUS Unit Format by (provider, unit).
--   * BillingAccountName / SubAccountName from any other row of the same account id (legacy CUR
--     has no account-name columns; CUR 2.0 exports of the same accounts do).
--   * Pricing-currency columns: when no pricing currency is given, prices are in the billing
--     currency, so they repeat the billing-currency values.

with

costs as (
    select * from {{ ref('int_costs_unioned') }}
),

services_seed as (
    select * from {{ ref('aws_services') }}
),

regions as (
    select * from {{ ref('aws_regions') }}
),

units as (
    select * from {{ ref('aws_pricing_units') }}
),

subcategories as (
    select * from {{ ref('focus_service_subcategories') }}
),

account_names as (
    select ProviderName, BillingAccountId as account_id, max(BillingAccountName) as account_name
    from costs
    where BillingAccountName is not null
    group by all
    union all
    select ProviderName, SubAccountId, max(SubAccountName)
    from costs
    where SubAccountName is not null
    group by all
),

account_names_unique as (
    select ProviderName, account_id, max(account_name) as account_name
    from account_names
    group by all
),

joined as (
    select
        costs.* exclude (
            ServiceName, ServiceCategory, ServiceSubcategory, RegionName, PricingUnit, ConsumedUnit,
            BillingAccountName, SubAccountName
        ),
        -- the seed is the one source of truth for categories, so a service is categorised the same
        -- way whatever export format it arrived in; FOCUS exports keep their ServiceName
        case
            when costs.ServiceCategory is not null
                then coalesce(costs.ServiceName, services.service_name, costs.x_ServiceCode, 'Other')
            else coalesce(services.service_name, costs.ServiceName, costs.x_ServiceCode, 'Other')
        end as ServiceName,
        coalesce(services.service_category, costs.ServiceCategory, 'Other') as ServiceCategory,
        case when services.service_category is not null then services.service_subcategory else costs.ServiceSubcategory end
            as candidate_subcategory,
        case when costs.RegionId is not null then coalesce(regions.region_name, costs.RegionName, costs.RegionId) end
            as RegionName,
        coalesce(pricing_units.focus_unit, costs.PricingUnit) as PricingUnit,
        coalesce(consumed_units.focus_unit, costs.ConsumedUnit) as ConsumedUnit,
        coalesce(costs.BillingAccountName, billing_accounts.account_name) as BillingAccountName,
        coalesce(costs.SubAccountName, sub_accounts.account_name) as SubAccountName
    from costs
    -- by service code, else by service name (FOCUS exports without x_ServiceCode)
    left join services_seed as services_by_code
        on services_by_code.provider_name = costs.ProviderName
        and services_by_code.service_code = costs.x_ServiceCode
    left join services_seed as services_by_name
        on services_by_name.provider_name = costs.ProviderName
        and services_by_name.service_name = costs.ServiceName
        and services_by_code.service_code is null
    cross join lateral (
        select
            coalesce(services_by_code.service_name, services_by_name.service_name) as service_name,
            coalesce(services_by_code.service_category, services_by_name.service_category) as service_category,
            coalesce(services_by_code.service_subcategory, services_by_name.service_subcategory) as service_subcategory
    ) as services
    left join regions
        on regions.provider_name = costs.ProviderName
        and regions.region_id = costs.RegionId
    left join units as pricing_units
        on pricing_units.provider_name = costs.ProviderName
        and pricing_units.pricing_unit = costs.PricingUnit
    left join units as consumed_units
        on consumed_units.provider_name = costs.ProviderName
        and consumed_units.pricing_unit = costs.ConsumedUnit
    left join account_names_unique as billing_accounts
        on billing_accounts.ProviderName = costs.ProviderName
        and billing_accounts.account_id = costs.BillingAccountId
    left join account_names_unique as sub_accounts
        on sub_accounts.ProviderName = costs.ProviderName
        and sub_accounts.account_id = costs.SubAccountId
),

final as (
    select
        joined.* exclude (
            candidate_subcategory, PricingCurrency, PricingCurrencyEffectiveCost,
            PricingCurrencyListUnitPrice, PricingCurrencyContractedUnitPrice
        ),
        coalesce(subcategories.ServiceSubcategory, 'Other (' || joined.ServiceCategory || ')') as ServiceSubcategory,
        coalesce(joined.PricingCurrency, joined.BillingCurrency) as PricingCurrency,
        case when joined.PricingCurrency is null then joined.EffectiveCost else joined.PricingCurrencyEffectiveCost end
            as PricingCurrencyEffectiveCost,
        case when joined.PricingCurrency is null then joined.ListUnitPrice else joined.PricingCurrencyListUnitPrice end
            as PricingCurrencyListUnitPrice,
        case when joined.PricingCurrency is null then joined.ContractedUnitPrice else joined.PricingCurrencyContractedUnitPrice end
            as PricingCurrencyContractedUnitPrice
    from joined
    left join subcategories
        on subcategories.ServiceCategory = joined.ServiceCategory
        and subcategories.ServiceSubcategory = joined.candidate_subcategory
)

select * from final
