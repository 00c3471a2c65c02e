{#-
  A GCP unit price (ListUnitPrice, ContractedUnitPrice) that FOCUS can check: unit price x
  PricingQuantity = the cost. `price` is the export's price per pricing unit (price.* divided by
  pricing_unit_quantity; DOUBLE, NULL before the export had it), `quantity` the PricingQuantity,
  `cost` the cost it must give:
    * the export's price, when it gives the cost (to the FOCUS validator's tolerance, 1e-9);
    * else the cost per unit (rows without price.*, and SKUs whose cost is not price x quantity:
      tiered, percentage-priced such as Support, or rounded by Google);
    * else (no quantity, or a cost of the other sign) the export's price, never below 0.
-#}
{% macro gcp_unit_price(price, quantity, cost) -%}
    cast(case
        when {{ price }} >= 0
            and abs({{ price }} * cast({{ quantity }} as double) - cast({{ cost }} as double))
                <= 1e-10 * greatest(abs(cast({{ cost }} as double)), 1)
            then {{ price }}
        when {{ quantity }} <> 0 and cast({{ cost }} as double) / cast({{ quantity }} as double) >= 0
            then cast({{ cost }} as double) / cast({{ quantity }} as double)
        else greatest(coalesce({{ price }}, 0), 0)
    end as decimal(38, 12))
{%- endmacro %}
