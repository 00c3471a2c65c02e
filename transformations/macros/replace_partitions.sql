{#-
  Incremental strategy `replace_partitions`: every group of rows sharing a `unique_key` value in the
  new rows (for cost_and_usage: one billing period of one export) replaces the target's rows of that
  group, as BigQuery's insert_overwrite replaces partitions. dbt's delete+insert joins the target
  with the new rows on the key; all rows of a period share one key, so that join pairs every old row
  with every new one (a billion pairs for a 30,000-row restatement) and must hold a month in memory.
  Here the few distinct keys are collected first, into a table whose size DuckDB knows.
-#}
{% macro get_incremental_replace_partitions_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] | join(', ') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set replaced = source.identifier ~ '__replaced_keys' -%}
    create or replace temporary table {{ replaced }} as select distinct {{ keys }} from {{ source }};
    delete from {{ target }} where ({{ keys }}) in (select {{ keys }} from {{ replaced }});
    insert into {{ target }} ({{ columns }}) select {{ columns }} from {{ source }};
    drop table {{ replaced }}
{% endmacro %}
