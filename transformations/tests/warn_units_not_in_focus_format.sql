-- Data health: units that still do not follow the FOCUS Unit Format after the provider's unit
-- rules and seed pricing_units (AWS: macro focus_unit). They pass through unchanged, so the build
-- does not fail; this lists them (stored in focus_health.warn_units_not_in_focus_format) so the
-- seed can learn them.

{{ config(severity='warn', store_failures=true, schema='focus_health') }}

with

units as (
    select ProviderName, 'PricingUnit' as unit_column, PricingUnit as unit, count(*) as rows
    from {{ ref('cost_and_usage') }}
    where PricingUnit is not null
    group by all
    union all
    select ProviderName, 'ConsumedUnit', ConsumedUnit, count(*)
    from {{ ref('cost_and_usage') }}
    where ConsumedUnit is not null
    group by all
)

select *
from units
where not regexp_matches(unit, '{{ focus_unit_format_pattern() }}')
