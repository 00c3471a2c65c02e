{#-
  The 57 FOCUS 1.2 Cost and Usage columns (ColumnId, DuckDB type), from
  /work/shared/data/focus/focus-1.2-columns.csv. Used to read FOCUS exports; the mart's contract in
  _focus__models.yml lists the same columns.
-#}
{% macro focus_columns() %}
    {{ return([
        ('AvailabilityZone', 'varchar'),
        ('BilledCost', 'decimal(38,12)'),
        ('BillingAccountId', 'varchar'),
        ('BillingAccountName', 'varchar'),
        ('BillingAccountType', 'varchar'),
        ('BillingCurrency', 'varchar'),
        ('BillingPeriodEnd', 'timestamp with time zone'),
        ('BillingPeriodStart', 'timestamp with time zone'),
        ('CapacityReservationId', 'varchar'),
        ('CapacityReservationStatus', 'varchar'),
        ('ChargeCategory', 'varchar'),
        ('ChargeClass', 'varchar'),
        ('ChargeDescription', 'varchar'),
        ('ChargeFrequency', 'varchar'),
        ('ChargePeriodEnd', 'timestamp with time zone'),
        ('ChargePeriodStart', 'timestamp with time zone'),
        ('CommitmentDiscountCategory', 'varchar'),
        ('CommitmentDiscountId', 'varchar'),
        ('CommitmentDiscountName', 'varchar'),
        ('CommitmentDiscountQuantity', 'decimal(38,12)'),
        ('CommitmentDiscountStatus', 'varchar'),
        ('CommitmentDiscountType', 'varchar'),
        ('CommitmentDiscountUnit', 'varchar'),
        ('ConsumedQuantity', 'decimal(38,12)'),
        ('ConsumedUnit', 'varchar'),
        ('ContractedCost', 'decimal(38,12)'),
        ('ContractedUnitPrice', 'decimal(38,12)'),
        ('EffectiveCost', 'decimal(38,12)'),
        ('InvoiceId', 'varchar'),
        ('InvoiceIssuerName', 'varchar'),
        ('ListCost', 'decimal(38,12)'),
        ('ListUnitPrice', 'decimal(38,12)'),
        ('PricingCategory', 'varchar'),
        ('PricingCurrency', 'varchar'),
        ('PricingCurrencyContractedUnitPrice', 'decimal(38,12)'),
        ('PricingCurrencyEffectiveCost', 'decimal(38,12)'),
        ('PricingCurrencyListUnitPrice', 'decimal(38,12)'),
        ('PricingQuantity', 'decimal(38,12)'),
        ('PricingUnit', 'varchar'),
        ('ProviderName', 'varchar'),
        ('PublisherName', 'varchar'),
        ('RegionId', 'varchar'),
        ('RegionName', 'varchar'),
        ('ResourceId', 'varchar'),
        ('ResourceName', 'varchar'),
        ('ResourceType', 'varchar'),
        ('ServiceCategory', 'varchar'),
        ('ServiceName', 'varchar'),
        ('ServiceSubcategory', 'varchar'),
        ('SkuId', 'varchar'),
        ('SkuMeter', 'varchar'),
        ('SkuPriceDetails', 'json'),
        ('SkuPriceId', 'varchar'),
        ('SubAccountId', 'varchar'),
        ('SubAccountName', 'varchar'),
        ('SubAccountType', 'varchar'),
        ('Tags', 'json'),
    ]) }}
{% endmacro %}


{#- FOCUS ColumnId -> snake_case, as exports land (BilledCost -> billed_cost). -#}
{% macro focus_snake_case(column_id) %}
    {{- return(modules.re.sub('(?<!^)(?=[A-Z])', '_', column_id).lower()) -}}
{% endmacro %}
