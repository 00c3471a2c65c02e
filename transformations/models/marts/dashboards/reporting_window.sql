-- The one row "month to date" cards compare by: this month runs to the newest day with charges
-- (exports lag the clock), last month to the same day of its month. Computed once per build, so
-- no card scans the FOCUS table for its newest day. Each bound is a UTC date-time, and the same
-- instant (`_at`, TIMESTAMPTZ) for cards to compare ChargePeriodStart with as it is: converting
-- every row to UTC first costs more than the rest of a card.

with

newest as (
    select max(timezone('UTC', ChargePeriodStart))::date as as_of
    from {{ ref('cost_and_usage') }}
),

bounds as (
    select
        as_of,
        date_trunc('month', as_of)::timestamp as this_month_start,
        (as_of + interval 1 day)::timestamp as this_month_end,
        (date_trunc('month', as_of) - interval 1 month)::timestamp as last_month_start,
        least(date_trunc('month', as_of) - interval 1 month + (as_of - date_trunc('month', as_of)) + interval 1 day,
              date_trunc('month', as_of))::timestamp as last_month_end,
        (as_of - interval 89 day)::timestamp as trend_start,
        day(as_of) as days_elapsed,
        day(last_day(as_of)) as days_in_month
    from newest
),

final as (
    select
        *,
        timezone('UTC', this_month_start) as this_month_start_at,
        timezone('UTC', this_month_end) as this_month_end_at,
        timezone('UTC', last_month_start) as last_month_start_at,
        timezone('UTC', last_month_end) as last_month_end_at,
        timezone('UTC', trend_start) as trend_start_at
    from bounds
)

select * from final
