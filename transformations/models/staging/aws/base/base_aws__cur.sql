-- Supported versions: AWS Cost and Usage Report legacy (CUR, source_format 'v1') and
-- CUR 2.0 (Data Exports, source_format 'v2'), both landed with CUR 2.0 snake_case names.
-- Schema: https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html
-- One row per raw CUR line item, unioned over every CUR table listed in import_state.
-- Rename and cast only: missing columns become typed nulls.

{%- set columns = aws_cur_columns() %}

{{ current_import_rows('aws', ['v1', 'v2'], columns) }}
