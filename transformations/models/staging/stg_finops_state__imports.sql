-- The current import of every (provider, export, billing period), as the importers recorded it.

with

source as (
    select * from {{ source('finops_state', 'import_state') }}
),

final as (
    select
        provider,
        export,
        billing_period,
        source_format,
        manifest_id,
        import_id,
        file_count,
        total_bytes,
        rows_loaded,
        cost_total,
        first_imported_at,
        imported_at
    from source
)

select * from final
