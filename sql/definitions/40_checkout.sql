-- 40_checkout: the database half of create-crypto-payment and check-payment-status.
--
-- create-crypto-payment runs three short steps and calls NOWPayments with nothing open in
-- between, so a slow provider holds no row lock and no pooled connection:
--
--   (1) crypto_payment_begin   as the caller: the checks in their order, then either the open
--                              payment ("reuse"), or "wait" (another call holds the order and
--                              coin), or a RESERVATION of (order, coin) with a random token
--                              ("create"); short transaction, the order row locked only inside it
--   (2) NOWPayments            POST /v1/invoice (only when the order has none), then
--                              POST /v1/invoice-payment; no transaction open, no row locked
--   (3) crypto_payment_record  as service_role, with the token: stores what NOWPayments created
--                              and releases the reservation, in one short transaction;
--       crypto_payment_release as service_role, with the token: after a provider failure, so the
--                              order stays payable at once
--
-- "wait": the C function calls (1) again every few tens of milliseconds for at most
-- FFX_PAYMENT_WAIT_MS (2 s) and then answers 503 with Retry-After; every poll is a short
-- transaction of its own, so a waiting call holds no lock and no pooled connection either.
--
-- A reservation expires at reserved_at + the caller's provider budget (2 x FFX_NP_TIMEOUT_MS:
-- two POSTs, never retried) + 5 s. A later call takes over an expired reservation with a NEW
-- token: the worker that held it crashed or stalled. If the stalled worker wakes up, its record
-- step finds its token gone and stores nothing (answer: "superseded"); the payment (and perhaps
-- the invoice) it created at NOWPayments is an orphan that no customer was ever shown: it expires
-- there unpaid. So there is exactly one invoice per order and one open payment per order and coin
-- in our database, whatever the timing.
--
-- Invoices: while an order has no invoice, the call that will create it blocks every coin of the
-- order (a reservation of another coin makes the others "wait"), so two coins never create two
-- invoices; once the invoice exists, coins reserve independently. Taking over an expired
-- invoice-creating reservation also removes the order's other expired reservations, and
-- crypto_payment_record refuses a second invoice for an order that already has one.
--
-- Security. crypto_payment_begin runs as the caller and is SECURITY DEFINER (customers may not
-- update orders nor write payments): the caller may act for an order iff auth.uid() is the
-- order's user, or ffx_internal.is_admin(), or service_role; anyone else gets the same FF404 "Order not
-- found" as for a missing order, so order ids cannot be probed. It also refuses an order whose
-- customer profile is banned or suspended: FF403 "Account is suspended or banned" (create-order's
-- words). crypto_payment_record and crypto_payment_release are service_role only AND bound to the
-- token: on Supabase every public function is an RPC endpoint, and a customer calling them
-- directly through the Data API must not be able to record a payment NOWPayments never created.
--
-- Discount codes (32_discount_codes): the reservation step takes the order's discount-code hold
-- (discount_hold_take, FF400 "Invalid discount code" when the code has no room left) BEFORE
-- NOWPayments is asked, in the same short transaction as the reservation, so two customers cannot
-- both open a payment for a code's last use; crypto_payment_release gives the hold back when the
-- provider call failed (discount_hold_release keeps it while another live payment of the order
-- backs it).
--
-- Status refreshes. check-payment-status refreshes a stale payment from NOWPayments, and
-- ffx-reconcile polls the same payments. Both first claim the refresh in payment_refreshes with
-- payment_refresh_claim(payment_id, interval, by): one atomic statement that succeeds for at most
-- one caller per payment per interval, across every worker and host. Only the winner makes the GET.
--
-- Business errors: SQLSTATE FF400/FF403/FF404 with the client-facing text as message. A malformed
-- provider response (which is not the client's fault) raises 22023 and becomes a 500.

-- payment_reservations and payment_refreshes: nobody reads or writes them but the SECURITY
-- DEFINER functions below (their owner).
revoke all on table public.payment_reservations, public.payment_refreshes
from public, anon, authenticated, service_role;

-- =============================================================================================
-- create-crypto-payment
-- =============================================================================================
-- =============================================================================================
-- crypto_payment_open(order, coin): the open payment of an order in a coin, as the answer's
-- "payment" object, or NULL. Owner only (begin and record call it).
--
-- "Open" = a NOWPayments payment of the order, status waiting, in the coin, whose
-- expiration_estimate_date lies in the future, or, when none is known, that was created less
-- than 20 minutes ago (NOWPayments' fixed-rate window).
-- =============================================================================================
create or replace function ffx_internal.crypto_payment_open(p_order_id text, p_coin text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_build_object(
           'payment_id',      pm.payment_id,
           'pay_address',     pm.pay_address,
           'pay_amount',      pm.pay_amount,
           'pay_currency',    pm.pay_currency,
           'expiration_date', coalesce(pm.raw ->> 'expiration_estimate_date', ''))
    from public.payments pm
   where pm.order_id = p_order_id
     and pm.provider = 'nowpayments'
     and pm.payment_status = 'waiting'
     and pm.pay_currency = p_coin
     and case
           when pm.raw ->> 'expiration_estimate_date' ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}'
             then (pm.raw ->> 'expiration_estimate_date')::timestamptz > now()
           else coalesce(pm.provider_created_at, pm.created_at) > now() - interval '20 minutes'
         end
   order by coalesce(pm.provider_created_at, pm.created_at) desc, pm.created_at desc, pm.id desc
   limit 1
$$;

comment on function ffx_internal.crypto_payment_open(text, text) is
  'The open (waiting, unexpired) NOWPayments payment of an order in a provider coin, as {payment_id, pay_address, pay_amount, pay_currency, expiration_date}; NULL if none. Owner only.';
revoke all on function ffx_internal.crypto_payment_open(text, text) from public, anon, authenticated, service_role;

create or replace function ffx_internal.crypto_payment_begin(
  p_order_id        text,
  p_user_id         uuid,
  p_account_type    text,
  p_account_size    integer,
  p_platform_type   text,
  p_amount          numeric,
  p_final_amount    numeric,
  p_crypto_currency text,
  p_holder          text,
  p_budget_ms       integer
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_coin     text;
  v_status   text;
  v_open     jsonb;
  v_token    uuid := gen_random_uuid();
  v_previous text;
  v_pause    text;
  o          public.orders%rowtype;
begin
  select m.provider_code into v_coin
    from public.crypto_currency_map m
   where m.code = p_crypto_currency and m.active;
  if not found then
    raise exception using errcode = 'FF400',
      message = 'Unsupported currency: ' || coalesce(p_crypto_currency, '');
  end if;

  -- the caller check comes first so that nobody can lock another user's order
  if not ffx_internal.may_act_for(p_user_id) then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;

  -- the seed's "payment system outage" procedure (console checkout.pause): no new payment, not even
  -- an open one handed back, while an operator has paused checkout; status checks, IPNs and
  -- deliveries go on. Here, in the statement the function runs first, it costs no round trip.
  select s.checkout_pause_message into v_pause from public.order_settings s where s.id and s.checkout_paused;
  if found then
    raise exception using errcode = 'FF503', message = v_pause;
  end if;

  select * into o
    from public.orders x
   where x.order_id = p_order_id and x.user_id = p_user_id
     for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;

  -- a banned or suspended customer pays for nothing more (an admin acting for them neither)
  select up.account_status into v_status from public.user_profiles up where up.id = o.user_id;
  if v_status is distinct from 'active' then
    raise exception using errcode = 'FF403', message = 'Account is suspended or banned';
  end if;

  -- field names as in the request body
  if p_account_type is distinct from o.account_type then
    raise exception using errcode = 'FF400', message = 'Order mismatch: accountType';
  end if;
  if p_account_size is distinct from o.account_size then
    raise exception using errcode = 'FF400', message = 'Order mismatch: accountSize';
  end if;
  if p_platform_type is distinct from o.platform_type then
    raise exception using errcode = 'FF400', message = 'Order mismatch: platformType';
  end if;
  if p_amount is distinct from o.amount then
    raise exception using errcode = 'FF400', message = 'Order mismatch: amount';
  end if;
  if p_final_amount is distinct from o.final_amount then
    raise exception using errcode = 'FF400', message = 'Order mismatch: finalAmount';
  end if;

  -- reuse comes before the payable state on purpose: the first IPN ("waiting") already moves the
  -- order to processing/pending, and a retry must still get its open payment back
  v_open := ffx_internal.crypto_payment_open(o.order_id, v_coin);
  if v_open is not null then
    return jsonb_build_object('action', 'reuse', 'invoice_url', o.invoice_url, 'payment', v_open);
  end if;

  if not (o.order_status = 'pending' and o.payment_status = 'pending' and o.delivery_status = 'pending') then
    raise exception using errcode = 'FF400', message = 'Order is not in a payable state';
  end if;
  -- a 100 % discount: NOWPayments cannot take 0 USD
  if o.final_amount <= 0 then
    raise exception using errcode = 'FF400', message = 'Order has nothing to pay';
  end if;

  if p_holder is null or char_length(p_holder) not between 1 and 200 then
    raise exception 'crypto_payment_begin: p_holder must be 1 to 200 characters'
      using errcode = 'invalid_parameter_value';
  end if;
  if p_budget_ms is null or p_budget_ms not between 1000 and 600000 then
    raise exception 'crypto_payment_begin: p_budget_ms must be between 1000 and 600000'
      using errcode = 'invalid_parameter_value';
  end if;

  -- somebody is at NOWPayments for this coin, or creating the order's invoice: wait
  perform 1
    from public.payment_reservations rv
   where rv.order_id = o.order_id
     and (rv.pay_currency = v_coin or o.invoice_id is null)
     and rv.expires_at > now();
  if found then
    return jsonb_build_object('action', 'wait');
  end if;

  -- the code's use is held before anybody is asked for a payment (idempotent per order)
  perform ffx_internal.discount_hold_take(o.order_id);

  -- Take it. Whatever is left for this coin (or, while the invoice is to be created, for the
  -- order) has expired: its holder crashed or stalled, and its token stops counting here.
  select string_agg(rv.holder, ', ' order by rv.reserved_at) into v_previous
    from public.payment_reservations rv
   where rv.order_id = o.order_id and (rv.pay_currency = v_coin or o.invoice_id is null);
  delete from public.payment_reservations rv
   where rv.order_id = o.order_id and (rv.pay_currency = v_coin or o.invoice_id is null);
  insert into public.payment_reservations (order_id, pay_currency, token, holder, actor_id, actor_email,
                                           actor_role, creates_invoice, reserved_at, expires_at)
  values (o.order_id, v_coin, v_token, p_holder, auth.uid(), auth.jwt() ->> 'email',
          coalesce(auth.role(), 'unknown'), o.invoice_id is null, now(),
          now() + make_interval(secs => p_budget_ms / 1000.0 + 5));

  return jsonb_build_object(
    'action',            'create',
    'token',             v_token,
    'pay_currency',      v_coin,
    'price_amount',      to_char(o.final_amount, 'FM999999999990.00'),
    'price_currency',    'usd',
    -- null: create the invoice first; otherwise a new payment on the existing invoice
    'invoice_id',        o.invoice_id,
    'order_description', format('FlashFundX %s %s %s', o.account_type, o.account_size, upper(o.platform_type)),
    'took_over',         v_previous is not null,
    'previous_holder',   v_previous);
end
$$;

comment on function ffx_internal.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text, text, integer) is
  'create-crypto-payment, step 1 (as the caller): check the order; {"action":"reuse",...}, {"action":"wait"} or a reservation {"action":"create","token",...}.';
revoke all on function ffx_internal.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text, text, integer) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text, text, integer) to authenticated, service_role;

-- =============================================================================================
-- crypto_payment_record: store what NOWPayments created, if the token still holds the
-- reservation, and release it. service_role only (the C function, after step 1 checked the
-- caller under the caller's own identity).
--
--   p_token    the token crypto_payment_begin returned
--   p_invoice  NULL when the order's invoice already existed, else {"id": ..., "invoice_url": ...}
--   p_payment  {payment_id, payment_status, pay_address, pay_amount, pay_currency, price_amount,
--               price_currency, invoice_id, order_id, created_at, updated_at,
--               expiration_estimate_date, raw: the provider's whole JSON object}; amounts as JSON
--               numbers or numeric strings, timestamps ISO-8601 (or epoch milliseconds).
--
-- Answers {"action": "recorded", "invoice_url", "payment"}, or, when the token no longer holds
-- the reservation (taken over after it expired, or released), or the order got an invoice or an
-- open payment in this coin some other way meanwhile: {"action": "superseded", "invoice_url",
-- "payment": the open payment in this coin or null}, writing nothing (what NOWPayments created
-- for this call is an orphan; see the header).
--
-- Writes: orders (invoice, provider ids, crypto_* and pay_currency; NEVER the three statuses,
-- which stay pending until the webhook), payments, payment_transactions and admin_audit_log (in
-- the name of the reservation's actor). A payment_id already recorded for this order (a replay)
-- adds no second payment, transaction or audit row. Business errors: FF403 (not service_role),
-- FF404 (no order), FF400 (the order stopped being payable); a provider answer that makes no
-- sense raises 22023 (a 500).
-- =============================================================================================
create or replace function ffx_internal.crypto_payment_record(p_order_id text, p_token uuid, p_invoice jsonb, p_payment jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  o                public.orders%rowtype;
  rv               public.payment_reservations%rowtype;
  v_payment_id     text := nullif(btrim(p_payment ->> 'payment_id'), '');
  v_status         text := coalesce(nullif(btrim(p_payment ->> 'payment_status'), ''), 'waiting');
  v_coin           text := nullif(lower(btrim(p_payment ->> 'pay_currency')), '');
  v_pay_address    text := nullif(btrim(p_payment ->> 'pay_address'), '');
  v_pay_amount     numeric;
  v_price_amount   numeric;
  v_created_at     timestamptz;
  v_updated_at     timestamptz;
  v_invoice_id     text := nullif(btrim(p_invoice ->> 'id'), '');
  v_invoice_url    text := nullif(btrim(p_invoice ->> 'invoice_url'), '');
  v_raw            jsonb := p_payment -> 'raw';
  v_expiration     text := coalesce(p_payment ->> 'expiration_estimate_date',
                                    p_payment -> 'raw' ->> 'expiration_estimate_date', '');
  v_existing_order text;
  v_open           jsonb;
  v_reserved       boolean;
  v_new_payment    uuid;
begin
  perform ffx_internal.require_service_role();

  select * into o from public.orders x where x.order_id = p_order_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;

  -- the provider's answer must make sense (otherwise: 500, and the transaction rolls back)
  if jsonb_typeof(p_payment) is distinct from 'object' or v_payment_id is null or v_coin is null then
    raise exception 'crypto_payment_record: payment_id and pay_currency are required'
      using errcode = 'invalid_parameter_value';
  end if;
  -- SQL NULL or JSON null: no new invoice
  if p_invoice is not null and jsonb_typeof(p_invoice) <> 'null'
     and (jsonb_typeof(p_invoice) <> 'object' or v_invoice_id is null) then
    raise exception 'crypto_payment_record: the invoice needs an id'
      using errcode = 'invalid_parameter_value';
  end if;
  -- a freshly created payment is "waiting"; anything else here would record a status the
  -- provider never reported
  if v_status <> 'waiting' then
    raise exception 'crypto_payment_record: a new payment must be waiting, not %', v_status
      using errcode = 'invalid_parameter_value';
  end if;
  if coalesce(p_payment ->> 'order_id', p_order_id) <> p_order_id then
    raise exception 'crypto_payment_record: the payment is for order %, not %', p_payment ->> 'order_id', p_order_id
      using errcode = 'invalid_parameter_value';
  end if;

  select * into rv from public.payment_reservations x
   where x.order_id = o.order_id and x.token = p_token
     for update;
  v_reserved := found;
  if v_reserved and rv.pay_currency <> v_coin then
    raise exception 'crypto_payment_record: the payment is in %, the reservation in %', v_coin, rv.pay_currency
      using errcode = 'invalid_parameter_value';
  end if;
  v_open := ffx_internal.crypto_payment_open(o.order_id, v_coin);
  if not v_reserved
     or (v_invoice_id is not null and o.invoice_id is not null and o.invoice_id <> v_invoice_id)
     or (v_open is not null and v_open ->> 'payment_id' <> v_payment_id) then
    return jsonb_build_object('action', 'superseded', 'invoice_url', o.invoice_url,
                              'payment', coalesce(v_open, 'null'::jsonb));
  end if;

  if not (o.order_status = 'pending' and o.payment_status = 'pending' and o.delivery_status = 'pending') then
    raise exception using errcode = 'FF400', message = 'Order is not in a payable state';
  end if;
  if v_raw is null or jsonb_typeof(v_raw) <> 'object' then
    v_raw := '{}'::jsonb;
  end if;

  v_pay_amount   := nullif(btrim(p_payment ->> 'pay_amount'), '')::numeric;
  v_price_amount := nullif(btrim(p_payment ->> 'price_amount'), '')::numeric;
  v_created_at := case
                    when p_payment ->> 'created_at' ~ '^\d+$' then to_timestamp((p_payment ->> 'created_at')::numeric / 1000)
                    else nullif(btrim(p_payment ->> 'created_at'), '')::timestamptz
                  end;
  v_updated_at := case
                    when p_payment ->> 'updated_at' ~ '^\d+$' then to_timestamp((p_payment ->> 'updated_at')::numeric / 1000)
                    else nullif(btrim(p_payment ->> 'updated_at'), '')::timestamptz
                  end;

  update public.orders x
     set invoice_id          = coalesce(x.invoice_id, v_invoice_id, nullif(btrim(p_payment ->> 'invoice_id'), '')),
         invoice_url         = coalesce(x.invoice_url, v_invoice_url),
         payment_provider    = 'nowpayments',
         payment_provider_id = v_payment_id,
         crypto_currency     = v_coin,
         crypto_amount       = v_pay_amount,
         crypto_address      = v_pay_address,
         pay_currency        = v_coin
   where x.order_id = o.order_id
  returning * into o;

  insert into public.payments (provider, payment_id, order_id, user_id, invoice_id, payment_status,
                               pay_address, pay_amount, pay_currency, price_amount, price_currency,
                               provider_created_at, provider_updated_at, raw)
  values ('nowpayments', v_payment_id, o.order_id, o.user_id,
          coalesce(nullif(btrim(p_payment ->> 'invoice_id'), ''), o.invoice_id),
          v_status, v_pay_address, v_pay_amount, v_coin, v_price_amount,
          nullif(lower(btrim(p_payment ->> 'price_currency')), ''),
          v_created_at, v_updated_at, v_raw)
  on conflict (provider, payment_id) do nothing
  returning id into v_new_payment;

  if v_new_payment is null then
    -- already recorded: fine for this order (a replay), never for another one
    select pm.order_id into v_existing_order
      from public.payments pm
     where pm.provider = 'nowpayments' and pm.payment_id = v_payment_id;
    if v_existing_order is distinct from o.order_id then
      raise exception 'crypto_payment_record: payment % belongs to order %', v_payment_id, v_existing_order
        using errcode = 'invalid_parameter_value';
    end if;
  else
    insert into public.payment_transactions (order_id, user_id, transaction_type, provider,
                                             provider_transaction_id, amount, currency, status,
                                             event_type, provider_response)
    values (o.order_id, o.user_id, 'payment', 'nowpayments', v_payment_id, o.final_amount, 'usd',
            'pending', 'payment_created', v_raw);

    insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                        description, new_values)
    values (rv.actor_id, rv.actor_email, 'payment_created', 'orders', o.order_id,
            format('NOWPayments payment %s (%s) created', v_payment_id, v_coin),
            jsonb_build_object('actor_role', rv.actor_role,
                               'invoice_id', o.invoice_id,
                               'payment_id', v_payment_id,
                               'pay_currency', v_coin,
                               'pay_amount', v_pay_amount,
                               'pay_address', v_pay_address,
                               'price_amount', o.final_amount,
                               'price_currency', 'usd'));
  end if;

  delete from public.payment_reservations x where x.order_id = rv.order_id and x.token = rv.token;

  return jsonb_build_object(
    'action', 'recorded',
    'invoice_url', o.invoice_url,
    'payment', jsonb_build_object(
      'payment_id',      v_payment_id,
      'pay_address',     v_pay_address,
      'pay_amount',      v_pay_amount,
      'pay_currency',    v_coin,
      'expiration_date', v_expiration));
end
$$;

comment on function ffx_internal.crypto_payment_record(text, uuid, jsonb, jsonb) is
  'create-crypto-payment, step 3 (service_role): store the NOWPayments invoice/payment if the token still holds the reservation, and release it; statuses stay pending.';
revoke all on function ffx_internal.crypto_payment_record(text, uuid, jsonb, jsonb) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.crypto_payment_record(text, uuid, jsonb, jsonb) to service_role;

-- =============================================================================================
-- crypto_payment_release(order, token): give the reservation back after a failed provider call,
-- so the order is payable again at once, and with it the discount-code hold begin took (unless a
-- live payment of the order still backs it). True when the token still held it. service_role
-- only.
-- =============================================================================================
create or replace function ffx_internal.crypto_payment_release(p_order_id text, p_token uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform ffx_internal.require_service_role();
  delete from public.payment_reservations x where x.order_id = p_order_id and x.token = p_token;
  if not found then
    return false;
  end if;
  perform ffx_internal.discount_hold_release(p_order_id);
  return true;
end
$$;

comment on function ffx_internal.crypto_payment_release(text, uuid) is
  'create-crypto-payment: release a reservation after a failed provider call (only with its token). service_role only.';
revoke all on function ffx_internal.crypto_payment_release(text, uuid) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.crypto_payment_release(text, uuid) to service_role;

-- =============================================================================================
-- check-payment-status
-- =============================================================================================
-- check_payment_status(order_id): what check-payment-status needs, in one call, shaped so that the
-- function copies the documents into its answer without parsing them: the order's owner (for the
-- userId check), the order document without the owner, the newest payment's document (NULL
-- without a payment), that payment's id and status, and how many seconds ago our copy of it last
-- changed (which decides whether the function refreshes it from NOWPayments). Every column is
-- NULL when RLS hides the order or it does not exist. The documents are order_payment_status()'s.
create or replace function ffx_internal.check_payment_status(p_order_id text, out owner uuid, out order_doc jsonb,
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

comment on function ffx_internal.check_payment_status(text) is
  'check-payment-status: owner, order and newest-payment documents, that payment''s id, status and age in seconds.';
revoke all on function ffx_internal.check_payment_status(text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.check_payment_status(text) to authenticated, service_role;

-- order_payment_status keeps its contract and now shares the query above.
create or replace function ffx_internal.order_payment_status(p_order_id text)
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
    from ffx_internal.check_payment_status(p_order_id) s
$$;

comment on function ffx_internal.order_payment_status(text) is
  'check-payment-status: {"order": ..., "payment": newest payment or null} for an order the caller may see; NULL otherwise.';
revoke all on function ffx_internal.order_payment_status(text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.order_payment_status(text) to authenticated, service_role;

-- =============================================================================================
-- payment_refresh_claim(payment, interval, by): may the caller ask NOWPayments for this payment
-- now? True for at most one caller per payment per p_min_interval_s seconds, across every worker
-- and host: one INSERT ... ON CONFLICT DO UPDATE ... WHERE, which PostgreSQL evaluates against
-- the newest committed row (a concurrent claimer waits for the first one's statement, then sees
-- its attempt). The caller commits at once and makes the GET with nothing open. False also for
-- a payment we do not have. service_role only (check-payment-status claims as the service after
-- the caller's own read proved the order is theirs; ffx-reconcile is the service).
-- =============================================================================================
create or replace function ffx_internal.payment_refresh_claim(p_payment_id text, p_min_interval_s integer, p_by text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claimed boolean;
begin
  perform ffx_internal.require_service_role();
  if p_min_interval_s is null or p_min_interval_s not between 0 and 604800 then
    raise exception 'payment_refresh_claim: p_min_interval_s must be between 0 and 604800'
      using errcode = 'invalid_parameter_value';
  end if;
  if p_by is null or char_length(p_by) not between 1 and 64 then
    raise exception 'payment_refresh_claim: p_by must be 1 to 64 characters'
      using errcode = 'invalid_parameter_value';
  end if;

  insert into public.payment_refreshes as f (provider, payment_id, attempted_at, attempted_by)
  select pm.provider, pm.payment_id, clock_timestamp(), p_by
    from public.payments pm
   where pm.provider = 'nowpayments' and pm.payment_id = p_payment_id
  on conflict (provider, payment_id) do update
     set attempted_at = excluded.attempted_at, attempted_by = excluded.attempted_by
   where f.attempted_at <= excluded.attempted_at - make_interval(secs => p_min_interval_s)
  returning true into v_claimed;
  return coalesce(v_claimed, false);
end
$$;

comment on function ffx_internal.payment_refresh_claim(text, integer, text) is
  'check-payment-status and ffx-reconcile: claim the right to GET a payment from NOWPayments; true for at most one caller per payment per p_min_interval_s. service_role only.';
revoke all on function ffx_internal.payment_refresh_claim(text, integer, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.payment_refresh_claim(text, integer, text) to service_role;
