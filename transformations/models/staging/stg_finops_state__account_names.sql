-- The user's account list per provider (a CSV file or the provider's API), as the importer stored it.

with

source as (
    select * from {{ source('finops_state', 'account_names') }}
),

final as (
    select provider, account_id, account_name
    from source
)

select * from final
