-- FOCUS 1.2 Cost and Usage dataset, one row per provider charge line.
-- Incremental (delete+insert) by (x_Provider, x_SourceExport, x_BillingPeriod): a run rebuilds
-- only the periods whose (export, billing period, import id) is not in the table yet, i.e. new
-- or restated deliveries. `dbt build --full-refresh` produces the same table from scratch.

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['x_Provider', 'x_SourceExport', 'x_BillingPeriod'],
        on_schema_change='fail',
    )
}}

with

costs as (
    select * from {{ ref('int_costs_enriched') }}
),

{% if is_incremental() -%}
loaded_periods as (
    select distinct x_Provider, x_SourceExport, x_BillingPeriod, x_ImportId
    from {{ this }}
),

changed_periods as (
    select distinct x_Provider, x_SourceExport, x_BillingPeriod, x_ImportId
    from costs
    anti join loaded_periods using (x_Provider, x_SourceExport, x_BillingPeriod, x_ImportId)
),

costs_to_build as (
    select costs.*
    from costs
    semi join changed_periods using (x_Provider, x_SourceExport, x_BillingPeriod)
),
{%- else -%}
costs_to_build as (
    select * from costs
),
{%- endif %}

final as (
    select
        AvailabilityZone,
        BilledCost,
        BillingAccountId,
        BillingAccountName,
        BillingAccountType,
        BillingCurrency,
        BillingPeriodEnd,
        BillingPeriodStart,
        CapacityReservationId,
        CapacityReservationStatus,
        ChargeCategory,
        ChargeClass,
        ChargeDescription,
        ChargeFrequency,
        ChargePeriodEnd,
        ChargePeriodStart,
        CommitmentDiscountCategory,
        CommitmentDiscountId,
        CommitmentDiscountName,
        CommitmentDiscountQuantity,
        CommitmentDiscountStatus,
        CommitmentDiscountType,
        CommitmentDiscountUnit,
        ConsumedQuantity,
        ConsumedUnit,
        ContractedCost,
        ContractedUnitPrice,
        EffectiveCost,
        InvoiceId,
        InvoiceIssuerName,
        ListCost,
        ListUnitPrice,
        PricingCategory,
        PricingCurrency,
        PricingCurrencyContractedUnitPrice,
        PricingCurrencyEffectiveCost,
        PricingCurrencyListUnitPrice,
        PricingQuantity,
        PricingUnit,
        ProviderName,
        PublisherName,
        RegionId,
        RegionName,
        ResourceId,
        ResourceName,
        ResourceType,
        ServiceCategory,
        ServiceName,
        ServiceSubcategory,
        SkuId,
        SkuMeter,
        SkuPriceDetails,
        SkuPriceId,
        SubAccountId,
        SubAccountName,
        SubAccountType,
        Tags,
        x_ChargeType,
        x_UsageType,
        x_Operation,
        x_ServiceCode,
        x_LineItemId,
        x_Provider,
        x_SourceExport,
        x_SourceFormat,
        x_ManifestId,
        x_ImportId,
        x_BillingPeriod,
        x_SourceFile
    from costs_to_build
)

select * from final
