{#-
  Raw billing tables are named by the user's export configuration, so they are discovered at run
  time from finops_state.import_state (written by the importer) instead of being declared as
  sources. Returns a list of {raw_table, relation} of one provider (import_state.provider, e.g.
  'aws') for the given source formats; an empty list at parse time, when import_state does not
  exist yet, or when it has no rows.
-#}
{% macro raw_tables(provider, source_formats) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set state = adapter.get_relation(database=target.database, schema='finops_state', identifier='import_state') -%}
    {%- if state is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select distinct raw_table
        from {{ state }}
        where lower(provider) = '{{ provider }}'
          and source_format in ({% for f in source_formats %}'{{ f }}'{% if not loop.last %}, {% endif %}{% endfor %})
        order by raw_table
    {%- endset -%}
    {%- set tables = [] -%}
    {%- for raw_table in run_query(query).columns[0].values() -%}
        {%- set parts = raw_table.split('.') -%}
        {%- set relation = adapter.get_relation(database=target.database, schema=parts[0], identifier=parts[1]) -%}
        {%- if relation is not none -%}
            {%- do tables.append({'raw_table': raw_table, 'relation': relation}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(tables) }}
{% endmacro %}


{#-
  Select `columns` (an ordered mapping name -> DuckDB type) from `relation`, casting the columns
  that exist and filling the missing ones with typed nulls (export columns vary by account and version).
  `null_strings` turns literal 'NULL' / '' text into real NULLs (the FOCUS CSV convention).
-#}
{% macro select_typed_columns(relation, columns, null_strings=false) %}
    {%- set present = {} -%}
    {%- for col in adapter.get_columns_in_relation(relation) -%}
        {%- do present.update({col.name | lower: col.name}) -%}
    {%- endfor -%}
    {%- for name, data_type in columns.items() %}
        {%- if name in present -%}
            {%- if null_strings and data_type != 'varchar' -%}
        try_cast(nullif(nullif(cast("{{ present[name] }}" as varchar), 'NULL'), '') as {{ data_type }}) as {{ name }}
            {%- elif null_strings -%}
        nullif(nullif("{{ present[name] }}", 'NULL'), '') as {{ name }}
            {%- else -%}
        cast("{{ present[name] }}" as {{ data_type }}) as {{ name }}
            {%- endif -%}
        {%- else -%}
        cast(null as {{ data_type }}) as {{ name }}
        {%- endif -%}
        {%- if not loop.last %},{% endif %}
    {% endfor -%}
{% endmacro %}


{#- Typed empty result with the same columns, for when no raw table exists yet. -#}
{% macro select_typed_nulls(columns) %}
    select
    {%- for name, data_type in columns.items() %}
        cast(null as {{ data_type }}) as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    where false
{% endmacro %}


{#-
  The rows of a provider's raw tables (`raw_tables(provider, source_formats)`) that belong to the
  import each period was last recorded for, as `columns` (typed, missing ones typed nulls), with
  raw_table, source_export and source_format. A typed empty result when no raw table exists yet.
-#}
{% macro current_import_rows(provider, source_formats, columns) %}
    {%- set export_tables = raw_tables(provider, source_formats) %}
    select
        raw_rows.*,
        import_state.export as source_export,
        import_state.source_format
    from (
        {%- if export_tables | length > 0 %}
        {%- for t in export_tables %}
        select
            '{{ t.raw_table }}' as raw_table,
            {{ select_typed_columns(t.relation, columns) }}
        from {{ t.relation }}
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
        {%- else %}
        select cast(null as varchar) as raw_table, *
        from ({{ select_typed_nulls(columns) }})
        {%- endif %}
    ) as raw_rows
    inner join {{ source('finops_state', 'import_state') }} as import_state
        on import_state.raw_table = raw_rows.raw_table
        and import_state.billing_period = raw_rows.billing_period
        and import_state.import_id = raw_rows.import_id
    where lower(import_state.provider) = '{{ provider }}'
        and import_state.source_format in ({% for f in source_formats %}'{{ f }}'{% if not loop.last %}, {% endif %}{% endfor %})
{% endmacro %}
