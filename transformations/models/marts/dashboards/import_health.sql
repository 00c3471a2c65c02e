-- One row per imported (provider, export, billing period): what was loaded, when, and whether the
-- FOCUS table reconciles with the export's own total. The Data health dashboard reads it.

with

imports as (
    select * from {{ ref('stg_finops_state__imports') }}
),

focus_totals as (
    select
        x_Provider as provider,
        x_SourceExport as export,
        x_BillingPeriod as billing_period,
        count(*) as focus_rows,
        sum(BilledCost) as focus_billed_cost,
        max(ChargePeriodEnd) as newest_charge_end
    from {{ ref('cost_and_usage') }}
    group by all
),

final as (
    select
        imports.provider,
        imports.export,
        imports.billing_period,
        imports.source_format,
        imports.manifest_id,
        imports.import_id,
        imports.file_count,
        imports.total_bytes,
        imports.rows_loaded,
        coalesce(focus_totals.focus_rows, 0) as focus_rows,
        imports.cost_total as export_cost_total,
        coalesce(focus_totals.focus_billed_cost, 0) as focus_billed_cost,
        coalesce(focus_totals.focus_billed_cost, 0) - coalesce(imports.cost_total, 0) as unreconciled_cost,
        focus_totals.newest_charge_end,
        imports.first_imported_at,
        imports.imported_at
    from imports
    left join focus_totals using (provider, export, billing_period)
)

select * from final
