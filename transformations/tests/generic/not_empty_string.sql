{#- FOCUS wants real NULLs: no '' or whitespace-only placeholders. -#}
{% test not_empty_string(model, column_name) %}

select {{ column_name }}
from {{ model }}
where trim(cast({{ column_name }} as varchar)) = ''

{% endtest %}
