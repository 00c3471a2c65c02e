-- The one row "month to date" cards compare by: this month runs to the newest day with charges
-- (exports lag the clock), last month to the same day of its month. Computed once per build, so
-- no card scans the FOCUS table for its newest day.

with

newest as (
    select max(timezone('UTC', ChargePeriodStart))::date as as_of
    from {{ ref('cost_and_usage') }}
),

final as (
    select
        as_of,
        date_trunc('month', as_of)::timestamp as this_month_start,
        (as_of + interval 1 day)::timestamp as this_month_end,
        (date_trunc('month', as_of) - interval 1 month)::timestamp as last_month_start,
        least(date_trunc('month', as_of) - interval 1 month + (as_of - date_trunc('month', as_of)) + interval 1 day,
              date_trunc('month', as_of))::timestamp as last_month_end,
        day(as_of) as days_elapsed,
        day(last_day(as_of)) as days_in_month
    from newest
)

select * from final
