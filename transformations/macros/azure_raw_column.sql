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


{#- The columns of one Azure raw table that the reconciliation tests read, under fixed names. -#}
{% macro azure_raw_reconciliation_columns(t) %}
        state.export,
        state.source_format,
        raw.billing_period,
        coalesce(nullif({{ azure_raw_column(t.relation, 'billing_account_id') }}, ''),
            nullif({{ azure_raw_column(t.relation, 'billing_profile_id') }}, ''), '') as pair_account,
        coalesce(nullif({{ azure_raw_column(t.relation, 'subscription_id') }}, ''), '') as pair_subscription,
        {{ azure_raw_column(t.relation, 'charge_type') }} as charge_type,
        {{ azure_raw_column(t.relation, 'pricing_model') }} as pricing_model,
        coalesce({{ azure_raw_column(t.relation, 'cost_in_billing_currency', 'decimal(38,12)') }}, 0) as cost
{%- endmacro %}
