-- 0005_payments: one row per NOWPayments payment, and the read path of check-payment-status.
--
-- An order can have several provider payments (shared/reference/nowpayments.md section 4.4): a
-- fresh payment after one expired, a partially_paid payment followed by another with the same
-- purchase_id, repeated or wrong-asset deposits that arrive as child payments with
-- parent_payment_id set. The orders row keeps the summary (payment_status, crypto_*); this table
-- keeps each provider payment as the provider last reported it.
--
-- Written only by the backend (service_role: the create-payment function and the IPN webhook);
-- customers and admins read it under RLS. Privileges and policies follow 0003 (revoke all, grant
-- back what each role needs; auth.uid()/is_admin() wrapped in (select ...)).

-- ---------------------------------------------------------------------------------------------
-- payments
-- ---------------------------------------------------------------------------------------------
create table public.payments (
  id                  uuid primary key default gen_random_uuid(),
  provider            text not null default 'nowpayments',
  -- the provider's id as text: NOWPayments sends it as a string in some responses and as a
  -- number in others (nowpayments.md section 2.4); text keeps it exact either way
  payment_id          text not null,
  order_id            text not null references public.orders (order_id),
  user_id             uuid not null references auth.users (id),
  invoice_id          text,
  -- set for repeated / wrong-asset deposits: the payment this one was split off from
  parent_payment_id   text,
  payment_status      text not null,
  pay_address         text,
  pay_amount          numeric,
  pay_currency        text,
  actually_paid       numeric not null default 0,
  price_amount        numeric(12,2),
  price_currency      text,
  outcome_amount      numeric,
  outcome_currency    text,
  provider_created_at timestamptz,
  provider_updated_at timestamptz,
  -- the provider's last JSON for this payment (create response, GET status or IPN body)
  raw                 jsonb not null default '{}'::jsonb,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),

  constraint payments_provider_payment_id_key unique (provider, payment_id),
  -- the payment belongs to the user who placed the order
  constraint payments_order_user_fkey
    foreign key (order_id, user_id) references public.orders (order_id, user_id),
  -- the provider's statuses, verbatim (nowpayments.md section 4.1)
  constraint payments_payment_status_check check (payment_status in (
    'waiting', 'confirming', 'confirmed', 'sending', 'partially_paid', 'finished', 'failed',
    'refunded', 'expired'))
);

comment on table public.payments is
  'One row per provider payment (NOWPayments payment_id), several per order; written by the backend only.';
comment on column public.payments.raw is
  'The provider''s last JSON for this payment, as received.';

-- "newest payment of an order" (order_payment_status() below); its order_id prefix also serves the
-- composite foreign key check when an order row changes
create index payments_order_id_created_at_idx on public.payments (order_id, created_at desc);
create index payments_invoice_id_idx on public.payments (invoice_id);
create index payments_parent_payment_id_idx on public.payments (parent_payment_id);

create trigger update_payments_updated_at
  before update on public.payments
  for each row execute function public.update_updated_at_column();

-- privileges: customers and admins read (rows narrowed by the policies), only the backend writes;
-- no DELETE for anyone (payments are financial records)
revoke all on table public.payments from public, anon, authenticated, service_role;
grant select on table public.payments to authenticated;
grant select, insert, update on table public.payments to service_role;

alter table public.payments enable row level security;

create policy "Users can view own payments" on public.payments
  for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "Admins can view all payments" on public.payments
  for select to authenticated
  using ((select public.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- order_payment_status(order_id): the order and its newest payment as one jsonb document, for
-- check-payment-status.
--
-- SECURITY INVOKER: the caller's RLS decides what it sees, so another user's order and a missing
-- order are indistinguishable (both NULL). One statement: a unique-index lookup on orders plus an
-- index range scan of that order's payments (payments_order_id_created_at_idx) and a top-1 sort.
--
-- Shape: {"order": {...}, "payment": {...} | null}. Numeric columns come out as JSON numbers
-- (649.00, not "649.00"); timestamps as ISO-8601 UTC with milliseconds and Z. The payment's
-- created_at/updated_at are the provider's when known, else when the backend recorded the row.
-- "Newest" = provider_created_at desc nulls last, then created_at desc, then id (only so that
-- ties always resolve the same way).
-- ---------------------------------------------------------------------------------------------
create function public.order_payment_status(p_order_id text)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object(
           'order', jsonb_build_object(
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
             'user_id',         o.user_id,
             'created_at',      to_char(o.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'updated_at',      to_char(o.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
           ),
           'payment', case when p.id is null then null else jsonb_build_object(
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
                                        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
           ) end
         )
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
   where o.order_id = p_order_id
$$;

comment on function public.order_payment_status(text) is
  'check-payment-status: {"order": ..., "payment": newest payment or null} for an order the caller may see; NULL otherwise.';

revoke all on function public.order_payment_status(text) from public, anon, authenticated, service_role;
grant execute on function public.order_payment_status(text) to authenticated, service_role;
