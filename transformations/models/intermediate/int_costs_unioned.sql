-- Every provider's staged cost rows in FOCUS column ids, one line per staging model.
-- Adding a provider = adding one `union all by name` line. Each model read here must have exactly
-- the FOCUS column set plus x_ extras (tests/assert_staging_models_deliver_focus_columns.sql).

with

unioned as (
    select * from {{ ref('stg_aws__cur') }}
    union all by name
    select * from {{ ref('stg_aws__focus_export') }}
    union all by name
    select * from {{ ref('stg_azure__costs') }}
    union all by name
    select * from {{ ref('stg_azure__focus_export') }}
    union all by name
    select * from {{ ref('stg_gcp__billing') }}
)

select * from unioned
