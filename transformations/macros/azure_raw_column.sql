{#-
  `raw."<name>"` cast to `data_type` when raw table `relation` has the column, else a typed NULL:
  for the Azure reconciliation tests, which read raw tables whose column sets differ by agreement
  type (a pay-as-you-go export has no billing_account_id or charge_type).
-#}
{% macro azure_raw_column(relation, name, data_type='varchar') %}
    {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if name in present -%}
        cast(raw."{{ name }}" as {{ data_type }})
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{% endmacro %}


{#-
  The current import's rows of every Azure cost-details raw table (actual and amortized), as the
  reconciliation tests read them: export, source_format, billing_period, the pair key
  (pair_account, pair_subscription), charge_type, pricing_model and cost, under fixed names.
-#}
{% macro azure_current_cost_rows(state) %}
    select
        cast(null as varchar) as export, cast(null as varchar) as source_format,
        cast(null as varchar) as billing_period, cast(null as varchar) as pair_account,
        cast(null as varchar) as pair_subscription, cast(null as varchar) as charge_type,
        cast(null as varchar) as pricing_model, cast(0 as decimal(38, 12)) as cost
    where false
    {%- for t in raw_tables('azure', ['actual', 'amortized']) %}
    union all
    select
        state.export,
        state.source_format,
        raw.billing_period,
        coalesce(nullif({{ azure_raw_column(t.relation, 'billing_account_id') }}, ''),
            nullif({{ azure_raw_column(t.relation, 'billing_profile_id') }}, ''), '') as pair_account,
        coalesce(nullif({{ azure_raw_column(t.relation, 'subscription_id') }}, ''), '') as pair_subscription,
        {{ azure_raw_column(t.relation, 'charge_type') }} as charge_type,
        {{ azure_raw_column(t.relation, 'pricing_model') }} as pricing_model,
        coalesce({{ azure_raw_column(t.relation, 'cost_in_billing_currency', 'decimal(38,12)') }}, 0) as cost
    {{ current_raw_rows(t, state) }}
    {%- endfor %}
{%- endmacro %}
