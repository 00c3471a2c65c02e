{#- No two rows share the values of `columns` (a composite key, e.g. provider_name + service_code). -#}
{% test unique_combination(model, columns) %}

select {{ columns | join(', ') }}, count(*) as rows
from {{ model }}
group by all
having count(*) > 1

{% endtest %}
