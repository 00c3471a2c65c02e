{#
  FROM clause for the raw rows of one raw table that belong to the manifest each period was last
  imported from (`raw` and `state` aliases), as the reconciliation checks compare against.
#}
{% macro current_raw_rows(t, state) -%}
    from {{ t.relation }} as raw
    inner join {{ state }} as state
        on state.raw_table = '{{ t.raw_table }}'
        and state.billing_period = raw.billing_period
        and state.manifest_id = raw.manifest_id
{%- endmacro %}
