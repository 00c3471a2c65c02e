-- Adds reference data from seeds: FOCUS ServiceCategory / ServiceSubcategory / ServiceName by
-- (provider, service code), and region display names by (provider, region id).
-- Unknown services fall back to 'Other' / 'Other (Other)'; a subcategory that does not belong to
-- the row's category becomes 'Other (<category>)'.

with

costs as (
    select * from {{ ref('int_costs_unioned') }}
),

services as (
    select * from {{ ref('aws_services') }}
),

regions as (
    select * from {{ ref('aws_regions') }}
),

subcategories as (
    select * from {{ ref('focus_service_subcategories') }}
),

joined as (
    select
        costs.* exclude (ServiceName, ServiceCategory, ServiceSubcategory, RegionName),
        coalesce(services.service_name, costs.ServiceName, costs.x_ServiceCode, 'Other') as ServiceName,
        coalesce(costs.ServiceCategory, services.service_category, 'Other') as ServiceCategory,
        coalesce(costs.ServiceSubcategory, services.service_subcategory) as candidate_subcategory,
        case when costs.RegionId is not null then coalesce(regions.region_name, costs.RegionName, costs.RegionId) end
            as RegionName
    from costs
    left join services
        on services.provider_name = costs.ProviderName
        and services.service_code = costs.x_ServiceCode
    left join regions
        on regions.provider_name = costs.ProviderName
        and regions.region_id = costs.RegionId
),

final as (
    select
        joined.* exclude (candidate_subcategory),
        coalesce(subcategories.ServiceSubcategory, 'Other (' || joined.ServiceCategory || ')') as ServiceSubcategory
    from joined
    left join subcategories
        on subcategories.ServiceCategory = joined.ServiceCategory
        and subcategories.ServiceSubcategory = joined.candidate_subcategory
)

select * from final
