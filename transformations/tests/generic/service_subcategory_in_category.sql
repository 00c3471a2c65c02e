{#- Every (category, subcategory) pair must be a row of the FOCUS subcategory seed. -#}
{% test service_subcategory_in_category(model, column_name, category_column, seed) %}

select
    model.{{ category_column }} as service_category,
    model.{{ column_name }} as service_subcategory,
    count(*) as rows
from (select * from {{ model }}) as model
left join {{ seed }} as allowed
    on allowed.ServiceCategory = model.{{ category_column }}
    and allowed.ServiceSubcategory = model.{{ column_name }}
where model.{{ column_name }} is not null
  and allowed.ServiceSubcategory is null
group by all

{% endtest %}
