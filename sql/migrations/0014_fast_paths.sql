-- 0014_fast_paths: the hot paths' SQL, shaped for PostgreSQL's caches (docs/BENCHMARKS.md).
--
-- A SQL-language function with a SET clause is never inlined: each call goes through the
-- security-definer call handler and re-parses and re-plans its body. On the paths that run on
-- every request that parsing was the largest cost in PostgreSQL's profile. Two remedies:
--
-- * Single-expression helpers that are SECURITY INVOKER and name everything schema-qualified
--   lose their SET clause, so the planner inlines them into the calling query (and into the
--   plans PL/pgSQL caches). Without SECURITY DEFINER there is no privilege to hijack through the
--   search path; the operators they use are pg_catalog's, which is always searched first.
-- * Whole queries move into PL/pgSQL, which keeps their plans for the life of the connection.

alter function public.is_admin() reset search_path;
alter function public.payment_status_rank(text) reset search_path;
alter function public.ipn_dedupe_key(jsonb) reset search_path;

-- check_payment_status(order_id): what check-payment-status needs, in one call, shaped so that the
-- function copies the documents into its answer without parsing them: the order's owner (for the
-- userId check), the order document without the owner, the newest payment's document (NULL
-- without a payment), that payment's id and status, and how many seconds ago our copy of it last
-- changed (which decides whether the function refreshes it from NOWPayments). Every column is
-- NULL when RLS hides the order or it does not exist. The documents are order_payment_status()'s.
create function public.check_payment_status(p_order_id text, out owner uuid, out order_doc jsonb,
                                            out payment_doc jsonb, out payment_id text,
                                            out payment_status text, out payment_age_s bigint)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  select o.user_id,
         jsonb_build_object(
           'order_id',        o.order_id,
           'order_status',    o.order_status,
           'payment_status',  o.payment_status,
           'delivery_status', o.delivery_status,
           'account_type',    o.account_type,
           'account_size',    o.account_size,
           'platform_type',   o.platform_type,
           'amount',          o.amount,
           'final_amount',    o.final_amount,
           'crypto_currency', o.crypto_currency,
           'crypto_amount',   o.crypto_amount,
           'crypto_address',  o.crypto_address,
           'created_at',      to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'updated_at',      to_char(o.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
         case when p.id is null then null else jsonb_build_object(
           'payment_id',      p.payment_id,
           'payment_status',  p.payment_status,
           'pay_address',     p.pay_address,
           'pay_amount',      p.pay_amount,
           'actually_paid',   p.actually_paid,
           'pay_currency',    p.pay_currency,
           'order_id',        p.order_id,
           'created_at',      to_char(coalesce(p.provider_created_at, p.created_at) at time zone 'UTC',
                                      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'updated_at',      to_char(coalesce(p.provider_updated_at, p.updated_at) at time zone 'UTC',
                                      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) end,
         p.payment_id, p.payment_status, extract(epoch from now() - p.updated_at)::bigint
    into owner, order_doc, payment_doc, payment_id, payment_status, payment_age_s
    from public.orders o
    left join lateral (
           select pm.id, pm.payment_id, pm.payment_status, pm.pay_address, pm.pay_amount,
                  pm.actually_paid, pm.pay_currency, pm.order_id, pm.provider_created_at,
                  pm.provider_updated_at, pm.created_at, pm.updated_at
             from public.payments pm
            where pm.order_id = o.order_id
            order by pm.provider_created_at desc nulls last, pm.created_at desc, pm.id desc
            limit 1
         ) p on true
   where o.order_id = p_order_id;
end
$$;

comment on function public.check_payment_status(text) is
  'check-payment-status: owner, order and newest-payment documents, that payment''s id, status and age in seconds.';

revoke all on function public.check_payment_status(text) from public, anon, authenticated, service_role;
grant execute on function public.check_payment_status(text) to authenticated, service_role;

-- order_payment_status keeps its contract and now shares the query above.
create or replace function public.order_payment_status(p_order_id text)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select case when s.order_doc is not null then
           jsonb_build_object('order', s.order_doc || jsonb_build_object('user_id', s.owner),
                              'payment', coalesce(s.payment_doc, 'null'::jsonb))
         end
    from public.check_payment_status(p_order_id) s
$$;
