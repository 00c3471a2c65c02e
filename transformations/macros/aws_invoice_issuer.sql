{#
  InvoiceIssuerName for AWS rows. When an AWS entity (Amazon Web Services, Inc., AWS EMEA SARL, ...)
  issues the invoice, the issuer is the provider itself, "AWS": FOCUS reads a different issuer
  as a third party (a reseller) collecting the payment. A reseller's name is kept as written.
#}
{% macro aws_invoice_issuer(entity_sql) -%}
    case
        when {{ entity_sql }} is null
            or {{ entity_sql }} ilike 'Amazon Web Services%'
            or {{ entity_sql }} ilike 'AWS%'
            then 'AWS'
        else {{ entity_sql }}
    end
{%- endmacro %}
