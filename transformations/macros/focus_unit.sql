{#-
  A pricing unit in FOCUS Unit Format (AWS, GCP): the seed's spelling for the irregular ones
  (`seed_unit`, NULL when the seed has none), else these rules on the unit as the provider writes it:
    * white space trimmed and collapsed;
    * time units spelled out in the plural, alone or after a hyphen: Hrs, Hr, hour -> Hours;
      Mo, Month -> Months; Second, Sec -> Seconds; Day -> Days; Minute, Min -> Minutes;
    * Obj (S3 objects) -> Objects.
  Anything else passes through unchanged; the data health test `warn_units_not_in_focus_format`
  lists what still does not follow the Unit Format.
-#}
{% macro focus_unit(unit, seed_unit) -%}
    coalesce({{ seed_unit }}, nullif(
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            regexp_replace(trim({{ unit }}), '\s+', ' ', 'g'),
            '(^|-)(hrs|hr|hours|hour)$', '\1Hours', 'i'),
            '(^|-)(mo|mos|month|months)$', '\1Months', 'i'),
            '(^|-)(sec|secs|second|seconds)$', '\1Seconds', 'i'),
            '(^|-)(day|days)$', '\1Days', 'i'),
            '(^|-)(min|mins|minute|minutes)$', '\1Minutes', 'i'),
            '^objs?(-|$)', 'Objects\1', 'i'),
        ''))
{%- endmacro %}


{#-
  The FOCUS 1.2 Unit Format as a regular expression: the pattern the FinOps Foundation's
  validator (focus-validator 2.2.1, FormatUnitGenerator) checks PricingUnit and ConsumedUnit with.
-#}
{% macro focus_unit_format_pattern() -%}
    {%- set sizes = 'b|Kb|Mb|Gb|Tb|Pb|Eb|B|KB|MB|GB|TB|PB|EB|Kib|Mib|Gib|Tib|Pib|Eib|KiB|MiB|GiB|TiB|PiB|EiB' -%}
    {%- set singular = 'Year|Month|Day|Hour|Minute|Second' -%}
    {%- set plural = 'Years|Months|Days|Hours|Minutes|Seconds' -%}
    {%- set count = '[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z][A-Za-z0-9]*)*' -%}
    {{- '(^(' ~ sizes ~ '|' ~ singular ~ '|' ~ plural ~ '|' ~ count ~ ')$)'
        ~ '|(^(' ~ sizes ~ '|' ~ count ~ ')-(' ~ plural ~ ')$)'
        ~ '|(^(' ~ sizes ~ '|' ~ count ~ '|' ~ plural ~ ')/(' ~ singular ~ ')$)'
        ~ '|(^[0-9]+ (' ~ sizes ~ '|' ~ singular ~ '|' ~ plural ~ '|' ~ count ~ ')$)'
        ~ '|(^(' ~ sizes ~ '|' ~ count ~ '|' ~ plural ~ ')/[0-9]+ (' ~ plural ~ ')$)' -}}
{%- endmacro %}
