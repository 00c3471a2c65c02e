{#-
  The current import's rows of every GCP billing export raw table (standard and detailed), as the
  GCP reconciliation tests read them, straight from the raw JSON (not through base_gcp__billing):
  export, billing_period, cost, credits_total (Σ credits.amount) and separate_credits (how many of
  the row's credits are not discounts of its price, so stg_gcp__billing gives each a Credit row: any
  type but SUSTAINED_USAGE_DISCOUNT, COMMITTED_USAGE_DISCOUNT(_DOLLAR_BASE), DISCOUNT,
  RESELLER_MARGIN, SUBSCRIPTION_BENEFIT, FEE_UTILIZATION_OFFSET; untyped ones unless their name says
  committed or sustained). A table without a cost or credits column counts them as 0.
-#}
{% macro gcp_current_raw_rows(state) %}
    {%- set netted_types = "'SUSTAINED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE', "
        ~ "'DISCOUNT', 'RESELLER_MARGIN', 'SUBSCRIPTION_BENEFIT', 'FEE_UTILIZATION_OFFSET'" %}
    select
        cast(null as varchar) as export, cast(null as varchar) as billing_period,
        cast(0 as decimal(38, 12)) as cost, cast(0 as decimal(38, 12)) as credits_total,
        cast(0 as bigint) as separate_credits
    where false
    {%- for t in raw_tables('gcp', ['standard', 'detailed']) %}
    {%- set present = adapter.get_columns_in_relation(t.relation) | map(attribute='name') | map('lower') | list %}
    union all
    select
        state.export,
        raw.billing_period,
        {%- if 'cost' in present %}
        coalesce(cast(raw.cost as decimal(38, 12)), 0),
        {%- else %}
        cast(0 as decimal(38, 12)),
        {%- endif %}
        {%- if 'credits' in present %}
        coalesce(list_sum([
            coalesce((c->>'amount')::decimal(38, 12), 0) for c in cast(cast(raw.credits as json) as json[])
        ]), 0),
        coalesce(len(list_filter(cast(cast(raw.credits as json) as json[]), lambda c: not coalesce(
            (c->>'type') in ({{ netted_types }}),
            regexp_matches(coalesce(c->>'name', c->>'full_name', c->>'id', ''), 'committed|sustained', 'i')
        ))), 0)
        {%- else %}
        cast(0 as decimal(38, 12)), cast(0 as bigint)
        {%- endif %}
    {{ current_raw_rows(t, state) }}
    {%- endfor %}
{%- endmacro %}
