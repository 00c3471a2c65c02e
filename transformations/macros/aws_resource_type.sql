{#-
  FOCUS ResourceType for an AWS resource id: the resource kind from an ARN
  (arn:aws:rds:...:db:name -> db, arn:aws:cloudfront::1:distribution/X -> distribution), or from
  the EC2 id prefix (i- -> Instance). NULL when there is no resource id.
-#}
{% macro aws_resource_type(resource_id, fallback='null') %}
    case
        when nullif({{ resource_id }}, '') is null then null
        when {{ resource_id }} like 'i-%' then 'Instance'
        when {{ resource_id }} like 'vol-%' then 'Volume'
        when {{ resource_id }} like 'snap-%' then 'Snapshot'
        when {{ resource_id }} like 'eni-%' then 'Network Interface'
        when {{ resource_id }} like 'nat-%' then 'NAT Gateway'
        when {{ resource_id }} like 'arn:%'
            then nullif(regexp_extract(split_part({{ resource_id }}, ':', 6), '^/?([^/:]+)', 1), '')
        when regexp_matches({{ resource_id }}, '^[a-z]+-[0-9a-z]+$')
            then split_part({{ resource_id }}, '-', 1)
        else {{ fallback }}
    end
{% endmacro %}
