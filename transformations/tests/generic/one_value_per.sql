{#- The column holds one value per value of `key` (e.g. one ProviderName per x_Provider). -#}
{% test one_value_per(model, column_name, key) %}

select {{ key }}, count(distinct {{ column_name }}) as distinct_values, min({{ column_name }}) as a_value,
    max({{ column_name }}) as another_value
from {{ model }}
group by all
having count(distinct {{ column_name }}) > 1

{% endtest %}
