-- Every import run's outcome per (provider, export, billing period), as the importers logged it.

with

source as (
    select * from {{ source('finops_state', 'import_runs') }}
),

final as (
    select
        provider,
        export,
        billing_period,
        status,
        manifest_id,
        error,
        flow_run_id,
        finished_at
    from source
)

select * from final
