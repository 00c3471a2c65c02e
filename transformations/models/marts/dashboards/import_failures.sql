-- Failed imports per (provider, export, billing period), each with whether a later run of the same
-- period got through (`fixed`). A failure to list the export (billing period '*') is fixed by any
-- later run of that export that did not fail. The Data health dashboard reads it.

with

runs as (
    select * from {{ ref('stg_finops_state__import_runs') }}
),

failures as (
    select * from runs where status = 'failed'
),

final as (
    select
        failures.provider,
        failures.export,
        failures.billing_period,
        failures.manifest_id,
        failures.error,
        failures.flow_run_id,
        failures.finished_at as failed_at,
        exists (
            select 1 from runs as later
            where later.provider = failures.provider
              and later.export = failures.export
              and (later.billing_period = failures.billing_period or failures.billing_period = '*')
              and later.status <> 'failed'
              and later.finished_at > failures.finished_at
        ) as fixed
    from failures
)

select * from final
