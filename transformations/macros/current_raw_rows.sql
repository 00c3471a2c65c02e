{#
  FROM clause for the raw rows of one raw table that belong to the import each period was last
  recorded for (`raw` and `state` aliases), as the reconciliation checks compare against.
#}
{% macro current_raw_rows(t, state) -%}
    from {{ t.relation }} as raw
    inner join {{ state }} as state
        on state.raw_table = '{{ t.raw_table }}'
        and state.billing_period = raw.billing_period
        and state.import_id = raw.import_id
{%- endmacro %}
