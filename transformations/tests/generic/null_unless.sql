{#- The column must be NULL on every row where `condition` does not hold (FOCUS conditional nulls). -#}
{% test null_unless(model, column_name, condition) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and not coalesce({{ condition }}, false)

{% endtest %}
