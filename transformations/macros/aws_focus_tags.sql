{#-
  CUR resource tags (a JSON object, keys as CUR 2.0 writes them) as FOCUS Tags: `user_Team` ->
  `Team`, `aws_createdBy` -> `aws:createdBy`, pairs with an empty or null value dropped, NULL when
  none is left. Rewritten as text rather than parsed: rows of hundreds of tags, parsed into maps,
  outgrow the build's memory limit. A pattern anchored at `{` or `,` before a quote matches only
  keys, and one ending in `: ""` only empty values: quotes inside JSON strings are escaped.
-#}
{% macro aws_focus_tags(tags) -%}
    cast(nullif(
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            cast({{ tags }} as varchar),
            '"(?:[^"\\]|\\.)*"\s*:\s*(?:""|null)\s*,?', '', 'g'),
            ',\s*\}$', '}'),
            '([{,]\s*)"user_', '\1"', 'g'),
            '([{,]\s*)"aws_', '\1"aws:', 'g'),
        '{}') as json)
{%- endmacro %}
