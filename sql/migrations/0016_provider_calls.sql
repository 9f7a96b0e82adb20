-- 0016_provider_calls: no NOWPayments call under a lock, and bounded status refreshes (issue 13).
--
-- Until now create-crypto-payment held ONE transaction, and the order's row lock, across its
-- NOWPayments calls (up to 2 x FFX_NP_TIMEOUT_MS). Behind a connection pool that transaction also
-- held a server connection for the whole round trip, so a slow provider stalled every other
-- request waiting for one (IPNs included), and a second call for the same order waited as long.
-- Now the function runs three short steps and calls NOWPayments with nothing open in between:
--
--   (1) crypto_payment_begin   as the caller: the checks of 0007 in their order, then either the
--                              open payment ("reuse"), or "wait" (another call holds the order and
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
-- there unpaid. So there is still exactly one invoice per order and one open payment per order
-- and coin in our database, whatever the timing.
--
-- Invoices: while an order has no invoice, the call that will create it blocks every coin of the
-- order (a reservation of another coin makes the others "wait"), so two coins never create two
-- invoices; once the invoice exists, coins reserve independently. Taking over an expired
-- invoice-creating reservation also removes the order's other expired reservations, and
-- crypto_payment_record refuses a second invoice for an order that already has one.
--
-- Security. crypto_payment_record and crypto_payment_release are service_role only AND bound to
-- the token: on Supabase every public function is an RPC endpoint, and a customer calling them
-- directly through the Data API must not be able to record a payment NOWPayments never created.
-- (Before, the same-transaction GUC of 0007 did that job; with two transactions it cannot.)
-- crypto_payment_begin also refuses an order whose customer profile is banned or suspended:
-- FF403 "Account is suspended or banned" (create-order's words).
--
-- Discount codes (0017's ledger): the reservation step takes the order's discount-code hold
-- (public.discount_hold_take, FF400 "Invalid discount code" when the code has no room left)
-- BEFORE NOWPayments is asked, in the same short transaction as the reservation, so two
-- customers cannot both open a payment for a code's last use; crypto_payment_release gives the
-- hold back when the provider call failed (public.discount_hold_release keeps it while another
-- live payment of the order backs it). The record step therefore no longer runs in begin's
-- transaction, and the payments trigger of 0017 finds the hold already taken.
--
-- Status refreshes. check-payment-status refreshed a stale payment from NOWPayments on EVERY call
-- (with retries); ffx-reconcile polls the same payments. Both now first claim the refresh in
-- payment_refreshes with payment_refresh_claim(payment_id, interval, by): one atomic statement
-- that succeeds for at most one caller per payment per interval, across every worker and host.
-- Only the winner makes the GET.

-- =============================================================================================
-- payment_reservations
-- =============================================================================================
create table public.payment_reservations (
  order_id        text        not null references public.orders (order_id) on delete cascade,
  -- the provider coin (crypto_currency_map.provider_code), as payments.pay_currency
  pay_currency    text        not null,
  token           uuid        not null,
  -- who holds it: "<host>:<pid>:<request id>" of the worker making the provider calls
  holder          text        not null,
  -- the verified caller of crypto_payment_begin, for the audit row crypto_payment_record writes
  actor_id        uuid,
  actor_email     text,
  actor_role      text        not null,
  -- the order had no invoice when this was taken: the holder creates it
  creates_invoice boolean     not null,
  reserved_at     timestamptz not null default now(),
  expires_at      timestamptz not null,

  primary key (order_id, pay_currency),
  constraint payment_reservations_token_key unique (token),
  constraint payment_reservations_holder_length check (char_length(holder) <= 200),
  constraint payment_reservations_expiry check (expires_at > reserved_at)
);

comment on table public.payment_reservations is
  'create-crypto-payment: the call that is creating a NOWPayments payment for (order, coin), while it calls NOWPayments with no transaction open. Written only by crypto_payment_begin/record/release.';
comment on column public.payment_reservations.expires_at is
  'reserved_at + the holder''s provider budget + 5 s; after it, another call may take the reservation over (new token).';

-- nobody reads or writes it but the SECURITY DEFINER functions below (their owner)
alter table public.payment_reservations enable row level security;
revoke all on table public.payment_reservations from public, anon, authenticated, service_role;

-- =============================================================================================
-- payment_refreshes
-- =============================================================================================
create table public.payment_refreshes (
  provider     text        not null,
  payment_id   text        not null,
  -- the last time somebody was allowed to ask NOWPayments for this payment
  attempted_at timestamptz not null,
  -- "check-payment-status" or "ffx-reconcile"
  attempted_by text        not null,

  primary key (provider, payment_id),
  foreign key (provider, payment_id) references public.payments (provider, payment_id) on delete cascade,
  constraint payment_refreshes_by_length check (char_length(attempted_by) <= 64)
);

comment on table public.payment_refreshes is
  'The last GET /v1/payment/{id} attempt per payment (check-payment-status and ffx-reconcile), claimed through payment_refresh_claim().';

alter table public.payment_refreshes enable row level security;
revoke all on table public.payment_refreshes from public, anon, authenticated, service_role;

-- =============================================================================================
-- crypto_payment_open(order, coin): the open payment of an order in a coin, as the answer's
-- "payment" object, or NULL. Owner only (begin and record call it).
--
-- "Open" (as in 0007) = a NOWPayments payment of the order, status waiting, in the coin, whose
-- expiration_estimate_date lies in the future, or, when none is known, that was created less
-- than 20 minutes ago (NOWPayments' fixed-rate window).
-- =============================================================================================
create function public.crypto_payment_open(p_order_id text, p_coin text)
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

comment on function public.crypto_payment_open(text, text) is
  'The open (waiting, unexpired) NOWPayments payment of an order in a provider coin, as {payment_id, pay_address, pay_amount, pay_currency, expiration_date}; NULL if none. Owner only.';

-- =============================================================================================
-- crypto_payment_begin: check the request against the order and reserve (order, coin)
--
-- Order of checks (each a client error), those of 0007 unchanged in order and wording:
--   1. p_crypto_currency must be an active crypto_currency_map code  -> FF400 Unsupported currency: <code>
--   2. the order (order_id, user_id) exists and the caller may act   -> FF404 Order not found
--   3. the order's customer profile is active (not banned/suspended) -> FF403 Account is suspended or banned
--   4. the request matches the order (type, size, platform, amounts)  -> FF400 Order mismatch: <field>
--   5. an open payment in the same coin exists                        -> {"action": "reuse", ...}
--   6. the order is pending/pending/pending                           -> else FF400 Order is not in a payable state
--   7. there is something to pay (final_amount > 0)                   -> else FF400 Order has nothing to pay
--   8. another call holds an unexpired reservation of this coin (or of any coin while the order
--      has no invoice)                                                -> {"action": "wait"}
--   9. the order's discount code has room for it (hold taken)         -> else FF400 Invalid discount code
--   -> the reservation is taken (a new one, or over an expired one): {"action": "create",
--      "token", "pay_currency", "price_amount", "price_currency", "invoice_id" (null: create the
--      invoice first), "order_description", "took_over" (an expired reservation was replaced),
--      "previous_holder"}
--
-- The order row is locked (FOR UPDATE) only for this transaction: it serialises the reservation
-- decisions of concurrent calls, and is released at once.
--
-- p_holder    "<host>:<pid>:<request id>" of the calling worker (at most 200 characters)
-- p_budget_ms how long the caller's provider calls may take at most (1000-600000; the C function
--             passes 2 x FFX_NP_TIMEOUT_MS); the reservation expires 5 s after it.
-- =============================================================================================
drop function public.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text);
drop function public.crypto_payment_record(text, jsonb, jsonb);

create function public.crypto_payment_begin(
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
  if not (coalesce(auth.uid() = p_user_id, false)
          or public.is_admin()
          or coalesce(auth.role() = 'service_role', false)) then
    raise exception using errcode = 'FF404', message = 'Order not found';
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
  v_open := public.crypto_payment_open(o.order_id, v_coin);
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
  perform public.discount_hold_take(o.order_id);

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

comment on function public.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text, text, integer) is
  'create-crypto-payment, step 1 (as the caller): check the order; {"action":"reuse",...}, {"action":"wait"} or a reservation {"action":"create","token",...}.';

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
create function public.crypto_payment_record(p_order_id text, p_token uuid, p_invoice jsonb, p_payment jsonb)
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
  if not coalesce(auth.role() = 'service_role', false) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;

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
  v_open := public.crypto_payment_open(o.order_id, v_coin);
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

comment on function public.crypto_payment_record(text, uuid, jsonb, jsonb) is
  'create-crypto-payment, step 3 (service_role): store the NOWPayments invoice/payment if the token still holds the reservation, and release it; statuses stay pending.';

-- =============================================================================================
-- crypto_payment_release(order, token): give the reservation back after a failed provider call,
-- so the order is payable again at once, and with it the discount-code hold begin took (unless a
-- live payment of the order still backs it). True when the token still held it. service_role
-- only.
-- =============================================================================================
create function public.crypto_payment_release(p_order_id text, p_token uuid)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not coalesce(auth.role() = 'service_role', false) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  delete from public.payment_reservations x where x.order_id = p_order_id and x.token = p_token;
  if not found then
    return false;
  end if;
  perform public.discount_hold_release(p_order_id);
  return true;
end
$$;

comment on function public.crypto_payment_release(text, uuid) is
  'create-crypto-payment: release a reservation after a failed provider call (only with its token). service_role only.';

-- =============================================================================================
-- payment_refresh_claim(payment, interval, by): may the caller ask NOWPayments for this payment
-- now? True for at most one caller per payment per p_min_interval_s seconds, across every worker
-- and host: one INSERT ... ON CONFLICT DO UPDATE ... WHERE, which PostgreSQL evaluates against
-- the newest committed row (a concurrent claimer waits for the first one's statement, then sees
-- its attempt). The caller commits at once and makes the GET with nothing open. False also for
-- a payment we do not have. service_role only (check-payment-status claims as the service after
-- the caller's own read proved the order is theirs; ffx-reconcile is the service).
-- =============================================================================================
create function public.payment_refresh_claim(p_payment_id text, p_min_interval_s integer, p_by text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_claimed boolean;
begin
  if not coalesce(auth.role() = 'service_role', false) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
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

comment on function public.payment_refresh_claim(text, integer, text) is
  'check-payment-status and ffx-reconcile: claim the right to GET a payment from NOWPayments; true for at most one caller per payment per p_min_interval_s. service_role only.';

-- =============================================================================================
-- Privileges
-- =============================================================================================
revoke all on function
  public.crypto_payment_open(text, text),
  public.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text, text, integer),
  public.crypto_payment_record(text, uuid, jsonb, jsonb),
  public.crypto_payment_release(text, uuid),
  public.payment_refresh_claim(text, integer, text)
from public, anon, authenticated, service_role;

-- step 1 runs as the caller (the customer, an admin or the service role)
grant execute on function
  public.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text, text, integer)
to authenticated, service_role;
grant execute on function
  public.crypto_payment_record(text, uuid, jsonb, jsonb),
  public.crypto_payment_release(text, uuid),
  public.payment_refresh_claim(text, integer, text)
to service_role;
