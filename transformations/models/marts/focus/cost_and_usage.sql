-- FOCUS 1.2 Cost and Usage dataset, one row per provider charge line.
-- Incremental (delete+insert) by (x_Provider, x_SourceExport, x_BillingPeriod): a run rebuilds
-- the periods whose (export, billing period, import id) is not in the table yet, i.e. new or
-- restated deliveries, and the periods whose account names changed. After it, rows of imports
-- that are no longer current are deleted, so a period restated to zero rows leaves the table.
-- `dbt build --full-refresh` produces the same table from scratch.

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['x_Provider', 'x_SourceExport', 'x_BillingPeriod'],
        on_schema_change='fail',
        post_hook="
            delete from {{ this }} as built
            where not exists (
                select 1 from {{ source('finops_state', 'import_state') }} as state
                where state.provider = built.x_Provider
                  and state.export = built.x_SourceExport
                  and state.billing_period = built.x_BillingPeriod
                  and state.import_id = built.x_ImportId
            )",
    )
}}

with

costs as (
    select * from {{ ref('int_costs_enriched') }}
),

account_names as (
    select * from {{ ref('int_account_names') }}
),

{% if is_incremental() -%}
loaded_periods as (
    select distinct x_Provider, x_SourceExport, x_BillingPeriod, x_ImportId
    from {{ this }}
),

built_accounts as materialized (
    select distinct
        x_Provider, x_SourceExport, x_BillingPeriod, BillingAccountId, BillingAccountName, SubAccountId, SubAccountName
    from {{ this }}
),

-- every (account, name) a period was built with, to compare with the current names
built_names as (
    select x_Provider as provider, x_SourceExport, x_BillingPeriod, BillingAccountId as account_id,
        BillingAccountName as account_name
    from built_accounts
    union
    select x_Provider, x_SourceExport, x_BillingPeriod, SubAccountId, SubAccountName
    from built_accounts
    where SubAccountId is not null
),

changed_periods as (
    select distinct x_Provider, x_SourceExport, x_BillingPeriod
    from costs
    anti join loaded_periods using (x_Provider, x_SourceExport, x_BillingPeriod, x_ImportId)
    union
    select provider, x_SourceExport, x_BillingPeriod
    from built_names
    anti join account_names using (provider, account_id, account_name)
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
        x_InvoicingEntity,
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
