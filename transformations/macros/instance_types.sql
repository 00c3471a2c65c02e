{#-
  The instance type a usage row runs, from the provider's usage type or SKU meter; NULL when the
  row is not a running instance (storage, requests, Lambda):
    * AWS: the part after ':' of an instance usage type (BoxUsage:m5.large, SpotUsage:m5.large,
      InstanceUsage:db.r6g.large, NodeUsage:cache.t3.micro, ESInstance:r6g.large.search ...).
    * Azure: the VM size meter (D4s v5), without a ' Spot' / ' Low Priority' suffix.
    * Google Cloud: none (Compute Engine bills cores and RAM, not instance types).
-#}
{% macro instance_type(provider, usage_type, sku_meter) -%}
    case
        when {{ provider }} = 'AWS'
            and regexp_matches({{ usage_type }}, '(BoxUsage|SpotUsage|DedicatedUsage|HostUsage|HeavyUsage|InstanceUsage|Multi-AZUsage|NodeUsage|Node|ESInstance)[^:]*:')
            then nullif(split_part({{ usage_type }}, ':', 2), '')
        when {{ provider }} = 'Microsoft' and regexp_matches({{ sku_meter }}, '^[A-Z]+[0-9]+[a-z]*( v[0-9]+)?( Spot| Low Priority)?$')
            then regexp_replace({{ sku_meter }}, ' (Spot|Low Priority)$', '')
    end
{%- endmacro %}


{#-
  The instance family reservations and coverage are counted by: AWS the type without its size
  (m5.large -> m5, db.r6g.large -> db.r6g), Azure the size series (D4s v5 -> Ds v5), Google Cloud
  the machine series of a core or RAM SKU (N2 Instance Core running in Americas -> N2).
-#}
{% macro instance_family(provider, instance_type, sku_meter) -%}
    case
        when {{ provider }} = 'AWS' then nullif(regexp_replace({{ instance_type }}, '\.[^.]+$', ''), {{ instance_type }})
        when {{ provider }} = 'Microsoft' then regexp_replace({{ instance_type }}, '^([A-Z]+)[0-9]+', '\1')
        when {{ provider }} = 'Google Cloud'
            then nullif(regexp_extract({{ sku_meter }}, '^(\S+) (Predefined |Custom )?Instance (Core|Ram)', 1), '')
    end
{%- endmacro %}


{#-
  AWS's normalization factor of an instance size (nano 0.25 ... large 4, xlarge 8, 2xlarge 16,
  Nxlarge 8N): RIs of one family are bought and used in these normalized units. NULL for other
  providers and sizes without one (metal).
-#}
{% macro normalization_factor(provider, instance_type) -%}
    case when {{ provider }} = 'AWS' then
        case regexp_extract({{ instance_type }}, '\.([0-9]*x?large|nano|micro|small|medium)(\.search)?$', 1)
            when 'nano' then 0.25
            when 'micro' then 0.5
            when 'small' then 1
            when 'medium' then 2
            when 'large' then 4
            when 'xlarge' then 8
            when '' then null
            else 8 * try_cast(regexp_extract({{ instance_type }}, '\.([0-9]+)xlarge', 1) as integer)
        end
    end
{%- endmacro %}
