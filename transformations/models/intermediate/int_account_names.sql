-- One display name per (provider, account id), for every billing and sub account in the data:
--   1. the name the billing data itself carries (exports that have name columns), from its newest period;
--   2. else the user's account list (finops_state.account_names: a CSV file or the provider's API,
--      written by the importer);
--   3. else the account id itself (exports without name columns, and no list entry).
-- One name per account for every period and export, so a dashboard groups an account as one, and
-- an incremental build gives the same names as a full refresh (see cost_and_usage).

{{ config(materialized='table') }}

with

costs as (
    select * from {{ ref('int_costs_unioned') }}
),

listed as (
    select * from {{ ref('stg_finops_state__account_names') }}
),

-- one pass over the cost rows: the few distinct account pairs of each period
account_rows as materialized (
    select distinct x_Provider, x_BillingPeriod, BillingAccountId, BillingAccountName, SubAccountId, SubAccountName
    from costs
),

accounts as (
    select x_Provider as provider, BillingAccountId as account_id, BillingAccountName as account_name,
        x_BillingPeriod as billing_period
    from account_rows
    union all
    select x_Provider, SubAccountId, SubAccountName, x_BillingPeriod
    from account_rows
    where SubAccountId is not null
),

billed_names as (
    select
        provider,
        account_id,
        -- newest period first; among names of one period the greatest, so the choice is stable
        max_by(account_name, billing_period || account_name) filter (where account_name is not null)
            as account_name
    from accounts
    group by all
),

final as (
    select
        billed_names.provider,
        billed_names.account_id,
        coalesce(billed_names.account_name, listed.account_name, billed_names.account_id) as account_name
    from billed_names
    left join listed
        on listed.provider = billed_names.provider
        and listed.account_id = billed_names.account_id
)

select * from final
