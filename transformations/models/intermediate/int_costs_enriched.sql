-- Adds reference data from seeds and fills vendor-neutral gaps. The seeds are keyed by
-- provider_name = ProviderName, so a new provider adds seed rows, not joins here.
--   * ServiceName / ServiceCategory / ServiceSubcategory by (provider, service code), unless the
--     source already has FOCUS service columns; unknown
--     services fall back to 'Other' / 'Other (Other)'; a subcategory that does not belong to the
--     row's category becomes 'Other (<category>)'.
--   * RegionName by (provider, region id).
--   * BillingAccountName / SubAccountName: one name per account id (int_account_names).
--   * Pricing-currency columns: when no pricing currency is given, prices are in the billing
--     currency, so they repeat the billing-currency values.

with

costs as (
    select * from {{ ref('int_costs_unioned') }}
),

services_seed as (
    select * from {{ ref('services') }}
),

regions as (
    select * from {{ ref('regions') }}
),

subcategories as (
    select * from {{ ref('focus_service_subcategories') }}
),

account_names as (
    select * from {{ ref('int_account_names') }}
),

looked_up as (
    select
        costs.*,
        -- Rows are looked up by service code (x_ServiceCode). Rows that carry FOCUS service columns
        -- (FOCUS exports) are looked up by their ServiceName first, so a service name always gets the
        -- same category. `service` is the chosen seed row.
        case
            when (costs.ServiceCategory is not null and services_by_name.service_name is not null)
                or services_by_code.service_code is null
                then services_by_name
            else services_by_code
        end as service,
        regions.region_name as seed_region_name,
        billing_accounts.account_name as billing_account_name,
        sub_accounts.account_name as sub_account_name
    from costs
    left join services_seed as services_by_code
        on services_by_code.provider_name = costs.ProviderName
        and services_by_code.service_code = costs.x_ServiceCode
    left join services_seed as services_by_name
        on services_by_name.provider_name = costs.ProviderName
        and services_by_name.service_name = costs.ServiceName
    left join regions
        on regions.provider_name = costs.ProviderName
        and regions.region_id = costs.RegionId
    left join account_names as billing_accounts
        on billing_accounts.provider = costs.x_Provider
        and billing_accounts.account_id = costs.BillingAccountId
    left join account_names as sub_accounts
        on sub_accounts.provider = costs.x_Provider
        and sub_accounts.account_id = costs.SubAccountId
),

joined as (
    select
        looked_up.* exclude (
            ServiceName, ServiceCategory, ServiceSubcategory, RegionName, BillingAccountName, SubAccountName,
            service, seed_region_name, billing_account_name, sub_account_name
        ),
        -- the seed is the one source of truth for categories, so a service is categorised the same
        -- way whatever export format it arrived in; FOCUS exports keep their ServiceName
        case
            when ServiceCategory is not null then coalesce(ServiceName, service.service_name, x_ServiceCode, 'Other')
            else coalesce(service.service_name, ServiceName, x_ServiceCode, 'Other')
        end as ServiceName,
        coalesce(service.service_category, ServiceCategory, 'Other') as ServiceCategory,
        case when service.service_category is not null then service.service_subcategory else ServiceSubcategory end
            as candidate_subcategory,
        case when RegionId is not null then coalesce(seed_region_name, RegionName, RegionId) end as RegionName,
        billing_account_name as BillingAccountName,
        sub_account_name as SubAccountName
    from looked_up
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
