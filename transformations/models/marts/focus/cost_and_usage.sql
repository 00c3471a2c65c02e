-- FOCUS 1.2 Cost and Usage dataset, one row per provider charge line.
-- Incremental by (x_Provider, x_SourceExport, x_BillingPeriod) (macro replace_partitions): a run rebuilds
-- the periods whose (export, billing period, import id) is not in the table yet, i.e. new or
-- restated deliveries, and the periods whose account names changed (and, for a provider that pairs
-- the exports of a period, every export of that period: see changed_periods). After it, rows of imports
-- that are no longer current are deleted, so a period restated to zero rows leaves the table.
-- `dbt build --full-refresh` produces the same table from scratch.

{#- post_hook: an import id is new on every import, so it alone names the (provider, export,
    period) import. A join on all four columns made DuckDB hash the freshly written table, and run
    out of memory at 10M rows. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        unique_key=['x_Provider', 'x_SourceExport', 'x_BillingPeriod'],
        on_schema_change='fail',
        post_hook="
            delete from {{ this }}
            where x_ImportId not in (
                select import_id from {{ source('finops_state', 'import_state') }} where import_id is not null
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

-- the import each period is current with; read from the importer's record rather than from the
-- cost rows, so the month's rows are read once, by costs_to_build
current_imports as (
    select provider as x_Provider, export as x_SourceExport, billing_period as x_BillingPeriod, import_id as x_ImportId
    from {{ source('finops_state', 'import_state') }}
),

changed_partitions as (
    select x_Provider, x_SourceExport, x_BillingPeriod
    from current_imports
    anti join loaded_periods using (x_Provider, x_SourceExport, x_BillingPeriod, x_ImportId)
    union
    select provider, x_SourceExport, x_BillingPeriod
    from built_names
    anti join account_names using (provider, account_id, account_name)
    {%- if var('partial_source_formats', {}) %}
    union
    -- an import no longer current (its export's period gone from import_state)
    select x_Provider, x_SourceExport, x_BillingPeriod
    from loaded_periods
    anti join current_imports using (x_Provider, x_SourceExport, x_BillingPeriod, x_ImportId)
    {%- endif %}
),

-- Providers whose staging pairs the exports of one billing period (var partial_source_formats;
-- Azure: actual with amortized cost) have every export of that provider and period rebuilt when
-- one of them changes: the rows one export contributes depend on the others.
changed_periods as (
    select x_Provider, x_SourceExport, x_BillingPeriod
    from changed_partitions
    {%- set paired = var('partial_source_formats', {}).keys() | list %}
    {%- if paired %}
    union
    select current_imports.x_Provider, current_imports.x_SourceExport, current_imports.x_BillingPeriod
    from current_imports
    semi join changed_partitions using (x_Provider, x_BillingPeriod)
    where lower(current_imports.x_Provider) in ({% for p in paired %}'{{ p }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif %}
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
        x_ResourceGroupName,
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
