-- Supported versions: Google Cloud Billing export to BigQuery, standard and detailed usage cost
-- (via base_gcp__billing), every schema version since 2018, including the July-2025 spend-based
-- CUD data model -> FOCUS 1.2 column ids. The only model with GCP billing-export vocabulary
-- (cost_type, credits, consumption_model, ...).
-- Fields: https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables/detailed-usage
-- CUD data model: https://cloud.google.com/docs/cuds-multiprice-datamodel
-- Details and the reasons for every choice: docs/gcp.md.
--
-- Rows: one FOCUS row per export row (the "charge row"), plus one ChargeCategory 'Credit' row per
-- credit that is not a price reduction of its row:
--   * netted on the charge row (discounts of the row's own price): credit types
--     SUSTAINED_USAGE_DISCOUNT, COMMITTED_USAGE_DISCOUNT, COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE,
--     DISCOUNT, RESELLER_MARGIN, SUBSCRIPTION_BENEFIT, FEE_UTILIZATION_OFFSET; credits without a type
--     (before 2020-09) whose name says committed or sustained;
--   * own Credit row (a form of payment, not a price): PROMOTION, FREE_TIER, and every other type
--     (CREDIT_TYPE_UNSPECIFIED, future types) or untyped name. It carries the charge row's account,
--     project, service, SKU, location, resource, tags and periods; no quantities or unit prices.
-- Cost rules:
--   charge row: BilledCost = EffectiveCost = cost + Σ netted credits.amount
--   credit row: BilledCost = EffectiveCost = ListCost = ContractedCost = credits.amount
--   So per invoice month Σ BilledCost = Σ (cost + Σ credits.amount), Google's invoice total, exactly.
--   ListCost = cost_at_list (else cost), ContractedCost = cost_at_effective_price_default (else
--   cost): before credits and before the commitment price of the July-2025 model.
--   Unit prices (Usage and Purchase rows that are not corrections): price.list_price and
--   price.effective_price_default (else price.effective_price) per pricing_unit_quantity, when that
--   times PricingQuantity gives the cost (FOCUS: unit price x PricingQuantity = cost); else the
--   cost divided by PricingQuantity (rows without price.*, tiered or percentage-priced SKUs such as
--   Support); else the price (or 0) as it is.
-- Charge category: cost_type regular -> Usage, except commitment fees (sku.description starting with
--   'Commitment', or a FEE_UTILIZATION_OFFSET credit) -> Purchase, Recurring; tax -> Tax;
--   adjustment -> Adjustment, ChargeClass Correction; rounding_error -> Adjustment. Any row with
--   adjustment_info is a Correction. NULL cost_type (exports before 2019) -> regular.
-- Commitments: PricingCategory Committed on usage with a committed-use credit or a consumption
--   model other than Default (Dynamic for preemptible / Spot SKUs, else Standard);
--   CommitmentDiscountId = subscription.instance_id (detailed export) on commitment fees and on the
--   July-2025 model's covered usage (consumption model not Default); usage discounted by a legacy
--   CUD credit has no id of its commitment (credits.id is not one), so it is Committed without
--   CommitmentDiscount columns.
-- Billing period = invoice.month, from midnight America/Los_Angeles (Google's invoice boundary),
--   end exclusive; charge period = usage_start_time / usage_end_time.
-- InvoiceIssuerName is Google Cloud also for marketplace (partner) rows: Google bills and collects
--   them; FOCUS would want BilledCost 0 for a third-party issuer, taking them out of the total.

with

billing_rows as (
    select * from {{ ref('base_gcp__billing') }}
),

pricing_units as (
    select lower(trim(pricing_unit)) as pricing_unit, focus_unit
    from {{ ref('pricing_units') }}
    where provider_name = 'Google Cloud'
),

services as (
    select lower(trim(service_name)) as service_key, service_category, service_subcategory
    from {{ ref('gcp_services') }}
),

classified as (
    select
        billing_rows.*,
        coalesce(nullif(lower(trim(cost_type)), ''), 'regular') as row_cost_type,
        -- netted: discounts of the row's own price (see header); typed credits by type, untyped
        -- (pre-2020-09) ones by name. coalesce: a NULL type falls through to the name test.
        list_filter(coalesce(credits, []), lambda c: coalesce(
            c.type in (
                'SUSTAINED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE',
                'DISCOUNT', 'RESELLER_MARGIN', 'SUBSCRIPTION_BENEFIT', 'FEE_UTILIZATION_OFFSET'
            ),
            regexp_matches(coalesce(c.name, c.full_name, c.id, ''), 'committed|sustained', 'i')
        )) as netted_credits,
        list_filter(coalesce(credits, []), lambda c: not coalesce(
            c.type in (
                'SUSTAINED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE',
                'DISCOUNT', 'RESELLER_MARGIN', 'SUBSCRIPTION_BENEFIT', 'FEE_UTILIZATION_OFFSET'
            ),
            regexp_matches(coalesce(c.name, c.full_name, c.id, ''), 'committed|sustained', 'i')
        )) as separate_credits,
        len(list_filter(coalesce(credits, []), lambda c: coalesce(
            c.type in ('COMMITTED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE'),
            regexp_matches(coalesce(c.name, c.full_name, c.id, ''), 'committed', 'i')
        ))) > 0 as has_cud_credit,
        len(list_filter(coalesce(credits, []), lambda c: coalesce(c.type = 'FEE_UTILIZATION_OFFSET', false))) > 0
            as has_fee_offset,
        -- the July-2025 model: covered usage is priced by a consumption model other than Default
        coalesce(nullif(trim(consumption_model.description), ''), 'Default') <> 'Default' as is_cud_priced,
        coalesce(
            adjustment_info.id, adjustment_info.type, adjustment_info.mode, adjustment_info.description
        ) is not null as has_adjustment_info,
        coalesce(nullif(invoice.month, ''), replace(billing_period, '-', '')) as invoice_month,
        nullif(trim(subscription.instance_id), '') as subscription_id,
        nullif(trim(project.id), '') as project_id,
        nullif(trim(resource.global_name), '') as resource_id,
        -- one key per distinct tag set (a resource repeats its labels on every hourly row)
        md5(cast(struct_pack(l := labels, s := system_labels, t := tags, p := project.labels) as varchar))
            as tag_set
    from billing_rows
),

charged as (
    select
        classified.*,
        case
            when row_cost_type = 'regular' and (coalesce(sku.description ilike 'Commitment%', false) or has_fee_offset)
                then 'Purchase'
            when row_cost_type = 'regular' then 'Usage'
            when row_cost_type = 'tax' then 'Tax'
            else 'Adjustment'
        end as charge_category,
        row_cost_type = 'adjustment' or has_adjustment_info as is_correction,
        coalesce(cost, 0) + coalesce(list_sum(list_transform(netted_credits, lambda c: coalesce(c.amount, 0))), 0)
            as net_cost,
        timezone('America/Los_Angeles', try_strptime(invoice_month || '01', '%Y%m%d')) as billing_period_start,
        coalesce(usage.amount_in_pricing_units, usage.amount, 0) as pricing_quantity,
        coalesce(
            {{ focus_unit('usage.pricing_unit', 'pricing_units.focus_unit') }},
            {{ focus_unit('usage.unit', 'consumed_units.focus_unit') }}, 'Units'
        ) as pricing_unit,
        coalesce({{ focus_unit('usage.unit', 'consumed_units.focus_unit') }}, 'Units') as consumed_unit
    from classified
    left join pricing_units on pricing_units.pricing_unit = lower(trim(classified.usage.pricing_unit))
    left join pricing_units as consumed_units on consumed_units.pricing_unit = lower(trim(classified.usage.unit))
),

priced as (
    select
        charged.*,
        charge_category in ('Usage', 'Purchase') and not is_correction as prices_apply,
        cast(coalesce(cost_at_list, cost, 0) as decimal(38, 12)) as list_cost,
        cast(coalesce(cost_at_effective_price_default, cost, 0) as decimal(38, 12)) as contracted_cost,
        price.list_price / coalesce(nullif(price.pricing_unit_quantity, 0), 1) as list_price_per_unit,
        coalesce(price.effective_price_default, price.effective_price)
            / coalesce(nullif(price.pricing_unit_quantity, 0), 1) as contracted_price_per_unit,
        case when subscription_id is not null and (charge_category = 'Purchase' or is_cud_priced)
            and row_cost_type = 'regular' then subscription_id end as commitment_id,
        case
            when charge_category = 'Purchase' and not (
                has_fee_offset or coalesce(sku.description ilike '%dollar based%', false)
            ) then 'Usage'
            else 'Spend'
        end as commitment_category
    from charged
),

-- the charge row (credit_index 0) and one row per separate credit (credit_index 1..n)
expanded as (
    select
        priced.*,
        unnest(range(1 + len(separate_credits))) as credit_index
    from priced
),

rows_out as (
    select
        expanded.*,
        credit_index > 0 as is_credit_row,
        case when credit_index > 0 then separate_credits[credit_index] end as credit
    from expanded
),

tag_sets as (
    select tag_set, json_group_object(tag_key, tag_value) as tags_json
    from (
        select tag_set, pair.tag_key, pair.tag_value
        from (
            select tag_set, unnest(list_concat(
                -- precedence, first wins: resource labels, tags, system labels, project labels
                list_transform(coalesce(any_labels, []), lambda l: {'tag_key': l.key, 'tag_value': l.value, 'rank': 1}),
                list_transform(coalesce(any_tags, []), lambda t: {
                    'tag_key': coalesce(nullif(t.namespace, '') || '/', '') || t.key, 'tag_value': t.value, 'rank': 2
                }),
                list_transform(coalesce(any_system_labels, []), lambda l: {
                    'tag_key': l.key, 'tag_value': l.value, 'rank': 3
                }),
                list_transform(coalesce(any_project_labels, []), lambda l: {
                    'tag_key': 'gcp-project-label/' || l.key, 'tag_value': l.value, 'rank': 4
                })
            )) as pair
            from (
                select tag_set, any_value(labels) as any_labels, any_value(tags) as any_tags,
                    any_value(system_labels) as any_system_labels, any_value(project.labels) as any_project_labels
                from classified
                group by tag_set
            )
        )
        where nullif(pair.tag_key, '') is not null
        qualify row_number() over (partition by tag_set, pair.tag_key order by pair.rank) = 1
    )
    group by tag_set
),

final as (
    select
        -- billing account and project
        billing_account_id as BillingAccountId,
        cast(null as varchar) as BillingAccountName,
        'Billing Account' as BillingAccountType,
        project_id as SubAccountId,
        case when project_id is not null then coalesce(nullif(trim(project.name), ''), project_id) end
            as SubAccountName,
        case when project_id is not null then 'Project' end as SubAccountType,

        -- periods: invoice month from midnight Los Angeles, end exclusive
        billing_period_start as BillingPeriodStart,
        billing_period_start + interval 1 month as BillingPeriodEnd,
        coalesce(usage_start_time, billing_period_start) as ChargePeriodStart,
        coalesce(usage_end_time, usage_start_time, billing_period_start + interval 1 month) as ChargePeriodEnd,

        -- charge
        case when is_credit_row then 'Credit' else charge_category end as ChargeCategory,
        case when is_correction then 'Correction' end as ChargeClass,
        case
            when is_credit_row
                then coalesce(nullif(credit.full_name, ''), nullif(credit.name, ''), nullif(credit.id, ''),
                    nullif(credit.type, ''), 'Credit')
            else coalesce(
                nullif(trim(sku.description), ''),
                nullif(trim(adjustment_info.description), ''),
                case row_cost_type
                    when 'rounding_error' then 'Rounding error'
                    when 'tax' then 'Tax'
                    when 'adjustment' then 'Adjustment'
                end,
                nullif(trim(service.description), '')
            )
        end as ChargeDescription,
        case charge_category
            when 'Usage' then 'Usage-Based'
            when 'Purchase' then 'Recurring'
            else 'One-Time'
        end as ChargeFrequency,
        case
            when is_credit_row or charge_category not in ('Usage', 'Purchase') then null
            when charge_category = 'Purchase' then 'Standard'
            when has_cud_credit or is_cud_priced then 'Committed'
            when coalesce(sku.description ilike '%preemptible%' or sku.description ilike '%spot%', false)
                then 'Dynamic'
            else 'Standard'
        end as PricingCategory,

        -- costs
        cast(case when is_credit_row then coalesce(credit.amount, 0) else net_cost end as decimal(38, 12))
            as BilledCost,
        cast(case when is_credit_row then coalesce(credit.amount, 0) else net_cost end as decimal(38, 12))
            as EffectiveCost,
        cast(case when is_credit_row then coalesce(credit.amount, 0) else list_cost end as decimal(38, 12))
            as ListCost,
        cast(case when is_credit_row then coalesce(credit.amount, 0) else contracted_cost end as decimal(38, 12))
            as ContractedCost,
        case when prices_apply and not is_credit_row
            then {{ gcp_unit_price('list_price_per_unit', 'pricing_quantity', 'list_cost') }} end as ListUnitPrice,
        case when prices_apply and not is_credit_row
            then {{ gcp_unit_price('contracted_price_per_unit', 'pricing_quantity', 'contracted_cost') }} end
            as ContractedUnitPrice,
        currency as BillingCurrency,

        -- quantities: usage.amount in usage.unit; usage.amount_in_pricing_units in usage.pricing_unit
        cast(case when charge_category = 'Usage' and not is_credit_row then coalesce(usage.amount, 0) end
            as decimal(38, 12)) as ConsumedQuantity,
        case when charge_category = 'Usage' and not is_credit_row then consumed_unit end as ConsumedUnit,
        cast(case when prices_apply and not is_credit_row then pricing_quantity end as decimal(38, 12))
            as PricingQuantity,
        case when prices_apply and not is_credit_row then pricing_unit end as PricingUnit,

        -- commitment discounts (see header)
        case when not is_credit_row then commitment_id end as CommitmentDiscountId,
        case when not is_credit_row and commitment_id is not null then coalesce(
            case when charge_category = 'Usage' then nullif(trim(consumption_model.description), '') end,
            nullif(trim(sku.description), ''), commitment_id
        ) end as CommitmentDiscountName,
        case when not is_credit_row and commitment_id is not null then commitment_category end
            as CommitmentDiscountCategory,
        case when not is_credit_row and commitment_id is not null then 'Committed Use Discount' end
            as CommitmentDiscountType,
        case when not is_credit_row and commitment_id is not null and charge_category = 'Usage' then 'Used' end
            as CommitmentDiscountStatus,
        -- spend-based: the commitment spent (the covered usage's cost is what the fee offset
        -- credits); resource-based fees: the committed quantity
        cast(case
            when is_credit_row or commitment_id is null or is_correction then null
            when commitment_category = 'Spend' then coalesce(cost, 0)
            else pricing_quantity
        end as decimal(38, 12)) as CommitmentDiscountQuantity,
        case
            when is_credit_row or commitment_id is null or is_correction then null
            when commitment_category = 'Spend' then currency
            else pricing_unit
        end as CommitmentDiscountUnit,

        -- capacity reservations: not in the billing export
        cast(null as varchar) as CapacityReservationId,
        cast(null as varchar) as CapacityReservationStatus,

        -- parties: marketplace rows are published by the partner (seller_name) but billed and
        -- collected by Google, also on a split invoice (invoice.publisher_type PARTNER): FOCUS wants
        -- BilledCost 0 where a third party issues the invoice, which would take them out of the total
        'Google Cloud' as ProviderName,
        coalesce(nullif(trim(seller_name), ''), 'Google Cloud') as PublisherName,
        'Google Cloud' as InvoiceIssuerName,
        -- the export has no invoice id
        cast(null as varchar) as InvoiceId,

        -- location (RegionName: seed regions, in int_costs_enriched)
        nullif(trim(location.region), '') as RegionId,
        cast(null as varchar) as RegionName,
        nullif(trim(location.zone), '') as AvailabilityZone,

        -- resource (detailed export only)
        resource_id as ResourceId,
        case when resource_id is not null
            then coalesce(nullif(trim(resource.name), ''), split_part(rtrim(resource_id, '/'), '/', -1)) end
            as ResourceName,
        case when resource_id is not null then coalesce(
            -- Google's FOCUS view: //compute.googleapis.com/projects/p/zones/z/instances/1 -> compute.instances
            case when starts_with(resource_id, '//') then nullif(regexp_replace(
                resource_id,
                '(//)|(googleapis.com/)|(projects/[^/]+/)|(project_commitments/[^/]+/)|(locations/[^/]+/)'
                || '|(regions/[^/]+/)|(zones/[^/]+/)|(global/)|(/[^/]+)',
                '', 'g'), '') end,
            nullif(trim(service.description), ''),
            'Resource'
        ) end as ResourceType,

        -- service (seed gcp_services by service.description; unknown services are Other)
        nullif(trim(service.description), '') as ServiceName,
        coalesce(services.service_category, 'Other') as ServiceCategory,
        coalesce(services.service_subcategory, 'Other (Other)') as ServiceSubcategory,

        -- SKU: the price of a SKU differs by tier and, since July 2025, by consumption model
        case when charge_category <> 'Tax' then nullif(trim(sku.id), '') end as SkuId,
        case when prices_apply and not is_credit_row and nullif(trim(sku.id), '') is not null
            then concat_ws('/',
                trim(sku.id),
                rtrim(rtrim(cast(price.tier_start_amount as varchar), '0'), '.'),
                case when is_cud_priced then nullif(trim(consumption_model.id), '') end
            )
        end as SkuPriceId,
        case when charge_category <> 'Tax' and nullif(trim(sku.id), '') is not null
            then coalesce(nullif(trim(sku.description), ''), trim(sku.id)) end as SkuMeter,
        cast(null as json) as SkuPriceDetails,

        -- tags (tag_sets): labels as written; tags as "<namespace>/<key>"; system labels as written
        -- (goog-... / <service>.googleapis.com/...); project labels as "gcp-project-label/<key>";
        -- on a repeated key the first of that order wins
        tag_sets.tags_json as Tags,

        -- pricing currency: the export's prices are in the billing currency (int_costs_enriched
        -- repeats the billing-currency values)
        cast(null as varchar) as PricingCurrency,
        cast(null as decimal(38, 12)) as PricingCurrencyContractedUnitPrice,
        cast(null as decimal(38, 12)) as PricingCurrencyEffectiveCost,
        cast(null as decimal(38, 12)) as PricingCurrencyListUnitPrice,

        -- provider extras (the mart's contract keeps x_ChargeType .. x_ResourceGroupName; the
        -- others stay in focus_staging)
        cast(null as varchar) as x_InvoicingEntity,
        cast(null as varchar) as x_UsageType,
        cast(null as varchar) as x_Operation,
        nullif(trim(service.id), '') as x_ServiceCode,
        row_cost_type as x_ChargeType,
        cast(null as varchar) as x_LineItemId,
        cast(null as varchar) as x_ResourceGroupName,
        row_cost_type as x_CostType,
        nullif(trim(service.id), '') as x_ServiceId,
        invoice_month as x_InvoiceMonth,
        invoice.publisher_type as x_InvoicePublisherType,
        export_time as x_ExportTime,
        -- the credits in BilledCost: those netted on a charge row; a credit row's own credit
        to_json(case when is_credit_row then [credit] else netted_credits end) as x_Credits,
        credit.type as x_CreditType,
        cast(cost as decimal(38, 12)) as x_Cost,
        transaction_type as x_TransactionType,
        nullif(trim(location.location), '') as x_Location,
        nullif(trim(project.number), '') as x_ProjectNumber,
        subscription_id as x_SubscriptionInstanceId,
        nullif(trim(consumption_model.id), '') as x_ConsumptionModelId,
        nullif(trim(consumption_model.description), '') as x_ConsumptionModelDescription,
        adjustment_info.type as x_AdjustmentType,
        adjustment_info.mode as x_AdjustmentMode,
        currency_conversion_rate as x_CurrencyConversionRate,

        -- lineage
        'gcp' as x_Provider,
        source_export as x_SourceExport,
        source_format as x_SourceFormat,
        manifest_id as x_ManifestId,
        import_id as x_ImportId,
        billing_period as x_BillingPeriod,
        source_file as x_SourceFile
    from rows_out
    left join services on services.service_key = lower(trim(rows_out.service.description))
    left join tag_sets on tag_sets.tag_set = rows_out.tag_set
)

select * from final
