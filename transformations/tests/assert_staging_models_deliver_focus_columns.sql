-- Every model int_costs_unioned reads (each provider's stg_ models) has exactly the FOCUS column
-- set: every FOCUS 1.2 column (macro focus_columns) and every column of the cost_and_usage contract
-- (x_Provider, x_ImportId, ...), and no other column unless it starts with x_. The union is
-- `union all by name`, so a missing column would silently be NULL and a misspelt one an extra.
-- The models are read from the union's dependencies, so a new provider's model is checked as soon
-- as it is in the union. A model that fails stops the build with an error naming it and its
-- missing / unexpected columns (the test runs after int_costs_unioned, before the mart is built).

{%- set unioned = ref('int_costs_unioned') %}
{%- set not_built = [] %}

{%- if execute %}
    {%- set mart = graph.nodes.get('model.' ~ project_name ~ '.cost_and_usage') %}
    {%- set union_node = graph.nodes.get('model.' ~ project_name ~ '.int_costs_unioned') %}
    {%- if mart is none or union_node is none or union_node.depends_on.nodes | length == 0 %}
        {{ exceptions.raise_compiler_error('cost_and_usage or the staging models of int_costs_unioned not found') }}
    {%- endif %}
    {%- set expected = [] %}
    {%- for name, data_type in focus_columns() %}
        {%- do expected.append(name) %}
    {%- endfor %}
    {%- for name in mart.columns %}
        {%- if name not in expected %}{% do expected.append(name) %}{% endif %}
    {%- endfor %}

    {%- set problems = [] %}
    {%- for node_id in union_node.depends_on.nodes | sort %}
        {%- set node = graph.nodes[node_id] %}
        {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) %}
        {%- set actual = adapter.get_columns_in_relation(relation) | map(attribute='name') | list %}
        {%- if actual | length == 0 %}
            {%- do not_built.append(node) %}
        {%- else %}
            {%- set missing = expected | reject('in', actual) | list %}
            {%- set unexpected = [] %}
            {%- for name in actual %}
                {%- if name not in expected and not name.startswith('x_') %}{% do unexpected.append(name) %}{% endif %}
            {%- endfor %}
            {%- if missing or unexpected %}
                {%- do problems.append(
                    node.name ~ ' does not deliver the FOCUS column set: missing ['
                    ~ missing | join(', ') ~ '], unexpected [' ~ unexpected | join(', ') ~ ']'
                ) %}
            {%- endif %}
        {%- endif %}
    {%- endfor %}
    {%- if problems %}
        {{ exceptions.raise_compiler_error(problems | join('; ')) }}
    {%- endif %}
{%- endif %}

-- One row per model whose columns could not be read (not built): the test fails for it.
select cast(null as varchar) as model
from {{ unioned }}
where false
{%- for node in not_built %}
union all
select '{{ node.name }}'
{%- endfor %}
