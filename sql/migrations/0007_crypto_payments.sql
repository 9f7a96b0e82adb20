-- 0007_crypto_payments: the database half of create-crypto-payment.
--
-- The C function runs ONE transaction under the caller's identity (request.jwt.claims set,
-- SET LOCAL ROLE authenticated | service_role):
--
--   begin;
--   select public.crypto_payment_begin(...);    -- locks the order row until commit
--   -- action "create": POST /v1/invoice (only when invoice_id is null), POST /v1/invoice-payment
--   select public.crypto_payment_record(...);   -- stores invoice, payment, crypto fields, audit
--   commit;
--
-- so concurrent calls for one order serialise on the order's row lock: the first creates the
-- payment, the others find it open and get action "reuse". A NOWPayments failure rolls the whole
-- transaction back and the order stays payable.
--
-- Both functions are SECURITY DEFINER (customers may not update orders nor write payments,
-- payment_transactions or the audit log) and therefore check the caller themselves: the caller
-- may act for an order iff auth.uid() is the order's user, or public.is_admin(), or
-- auth.role() = 'service_role'. A caller who may not act for an order gets the same FF404
-- "Order not found" as for a missing order, so order ids cannot be probed.
--
-- Business errors: SQLSTATE FF400/FF404 with the client-facing text as message. A malformed
-- provider response (which is not the client's fault) raises 22023 and becomes a 500.

-- ---------------------------------------------------------------------------------------------
-- orders: the hosted checkout link and the provider coin of the open payment
-- ---------------------------------------------------------------------------------------------
alter table public.orders add column if not exists invoice_url text;
alter table public.orders add column if not exists pay_currency text;

comment on column public.orders.invoice_url is
  'NOWPayments hosted checkout link of invoice_id; set by crypto_payment_record().';
comment on column public.orders.pay_currency is
  'NOWPayments pay_currency of the newest payment created for the order.';

-- Customers create orders in the initial state only: the new provider columns are the backend's
-- to set, like invoice_id (0003).
drop policy "Users can create own orders" on public.orders;
create policy "Users can create own orders" on public.orders
  for insert to authenticated
  with check (
        (select auth.uid()) = user_id
    and order_status = 'pending'
    and payment_status = 'pending'
    and delivery_status = 'pending'
    and payment_provider_id is null
    and invoice_id is null
    and invoice_url is null
    and pay_currency is null
    and crypto_amount is null
    and crypto_address is null
    and paid_at is null
    and delivered_at is null
  );

-- ---------------------------------------------------------------------------------------------
-- crypto_payment_begin: lock the order, check the request against it, and either hand back the
-- open payment ("reuse") or say what to create ("create").
--
-- Order of checks (each a client error):
--   1. p_crypto_currency must be an active crypto_currency_map code  -> FF400 Unsupported currency: <code>
--   2. the order (order_id, user_id) exists and the caller may act   -> FF404 Order not found
--   3. the request matches the order (type, size, platform, amounts)  -> FF400 Order mismatch: <field>
--   4. an open payment in the same coin exists                        -> {"action": "reuse", ...}
--   5. the order is pending/pending/pending                           -> else FF400 Order is not in a payable state
--   6. there is something to pay (final_amount > 0)                   -> else FF400 Order has nothing to pay
--   -> {"action": "create", ...}
--
-- "Open" = payments row of this order, provider nowpayments, status waiting, in the same
-- provider coin, whose raw expiration_estimate_date lies in the future, or, when no expiration
-- is known, that was created less than 20 minutes ago (NOWPayments' fixed-rate window).
-- Reuse is checked before the payable state on purpose: the first IPN ("waiting") already moves
-- the order to processing/pending, and a retry must still get its open payment back.
-- ---------------------------------------------------------------------------------------------
create function public.crypto_payment_begin(
  p_order_id        text,
  p_user_id         uuid,
  p_account_type    text,
  p_account_size    integer,
  p_platform_type   text,
  p_amount          numeric,
  p_final_amount    numeric,
  p_crypto_currency text
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_coin text;
  o      public.orders%rowtype;
  p      record;
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

  select pm.payment_id, pm.pay_address, pm.pay_amount, pm.pay_currency,
         pm.raw ->> 'expiration_estimate_date' as expiration_date
    into p
    from public.payments pm
   where pm.order_id = o.order_id
     and pm.provider = 'nowpayments'
     and pm.payment_status = 'waiting'
     and pm.pay_currency = v_coin
     and case
           when pm.raw ->> 'expiration_estimate_date' ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}'
             then (pm.raw ->> 'expiration_estimate_date')::timestamptz > now()
           else coalesce(pm.provider_created_at, pm.created_at) > now() - interval '20 minutes'
         end
   order by coalesce(pm.provider_created_at, pm.created_at) desc, pm.created_at desc, pm.id desc
   limit 1;
  if found then
    return jsonb_build_object(
      'action', 'reuse',
      'invoice_url', o.invoice_url,
      'payment', jsonb_build_object(
        'payment_id',      p.payment_id,
        'pay_address',     p.pay_address,
        'pay_amount',      p.pay_amount,
        'pay_currency',    p.pay_currency,
        'expiration_date', coalesce(p.expiration_date, '')));
  end if;

  if not (o.order_status = 'pending' and o.payment_status = 'pending' and o.delivery_status = 'pending') then
    raise exception using errcode = 'FF400', message = 'Order is not in a payable state';
  end if;
  -- a 100 % discount: NOWPayments cannot take 0 USD
  if o.final_amount <= 0 then
    raise exception using errcode = 'FF400', message = 'Order has nothing to pay';
  end if;

  -- crypto_payment_record accepts a payment only for the order planned here, in this transaction
  perform set_config('ffx.crypto_payment_order', o.order_id, true);

  return jsonb_build_object(
    'action',            'create',
    'pay_currency',      v_coin,
    'price_amount',      to_char(o.final_amount, 'FM999999999990.00'),
    'price_currency',    'usd',
    -- null: create the invoice first; otherwise a new payment on the existing invoice
    'invoice_id',        o.invoice_id,
    'order_description', format('FlashFundX %s %s %s', o.account_type, o.account_size, upper(o.platform_type)));
end
$$;

comment on function public.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text) is
  'create-crypto-payment, step 1: lock and check the order; {"action":"reuse",...} or {"action":"create",...}.';

-- ---------------------------------------------------------------------------------------------
-- crypto_payment_record: store what NOWPayments created for the order. It re-checks the caller,
-- locks the order and checks it is still payable, and accepts a payment only in the transaction
-- in which crypto_payment_begin answered "create" for this order (transaction-local setting
-- ffx.crypto_payment_order); otherwise 55000, a 500 for the client.
--
--   p_invoice  NULL when the order's invoice already existed, else {"id": ..., "invoice_url": ...}
--   p_payment  {payment_id, payment_status, pay_address, pay_amount, pay_currency, price_amount,
--               price_currency, invoice_id, order_id, created_at, updated_at,
--               expiration_estimate_date, raw: the provider's whole JSON object}; amounts as JSON
--               numbers or numeric strings, timestamps ISO-8601 (or epoch milliseconds).
--
-- Writes: orders (invoice, provider ids, crypto_* and pay_currency; NEVER the three statuses,
-- which stay pending until the webhook), payments, payment_transactions and admin_audit_log.
-- A payment_id that is already recorded for this order (a replay) updates the order again but
-- adds no second payment, transaction or audit row.
-- ---------------------------------------------------------------------------------------------
create function public.crypto_payment_record(p_order_id text, p_invoice jsonb, p_payment jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  o                public.orders%rowtype;
  v_user_id        uuid;
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
  v_new_payment    uuid;
begin
  -- caller check before the lock (the order's owner is needed for it)
  select x.user_id into v_user_id from public.orders x where x.order_id = p_order_id;
  if not found
     or not (coalesce(auth.uid() = v_user_id, false)
             or public.is_admin()
             or coalesce(auth.role() = 'service_role', false)) then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;

  select * into o from public.orders x where x.order_id = p_order_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;
  if not (o.order_status = 'pending' and o.payment_status = 'pending' and o.delivery_status = 'pending') then
    raise exception using errcode = 'FF400', message = 'Order is not in a payable state';
  end if;
  -- Only after crypto_payment_begin planned a payment for this order in this transaction. The
  -- functions are executable by every customer, and on Supabase every public function is also an
  -- RPC endpoint (one call = one transaction): this keeps a customer from recording a payment the
  -- provider never created.
  if current_setting('ffx.crypto_payment_order', true) is distinct from o.order_id then
    raise exception 'crypto_payment_record: crypto_payment_begin(%) must come first in the same transaction', o.order_id
      using errcode = 'object_not_in_prerequisite_state';
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
  -- a freshly created payment is "waiting" (nowpayments.md section 3.9); anything else here
  -- would let a caller record a status the provider never reported
  if v_status <> 'waiting' then
    raise exception 'crypto_payment_record: a new payment must be waiting, not %', v_status
      using errcode = 'invalid_parameter_value';
  end if;
  if coalesce(p_payment ->> 'order_id', p_order_id) <> p_order_id then
    raise exception 'crypto_payment_record: the payment is for order %, not %', p_payment ->> 'order_id', p_order_id
      using errcode = 'invalid_parameter_value';
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
     set invoice_id          = coalesce(v_invoice_id, x.invoice_id, nullif(btrim(p_payment ->> 'invoice_id'), '')),
         invoice_url         = coalesce(v_invoice_url, x.invoice_url),
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
    values (auth.uid(), auth.jwt() ->> 'email', 'payment_created', 'orders', o.order_id,
            format('NOWPayments payment %s (%s) created', v_payment_id, v_coin),
            jsonb_build_object('actor_role', auth.role(),
                               'invoice_id', o.invoice_id,
                               'payment_id', v_payment_id,
                               'pay_currency', v_coin,
                               'pay_amount', v_pay_amount,
                               'pay_address', v_pay_address,
                               'price_amount', o.final_amount,
                               'price_currency', 'usd'));
  end if;

  return jsonb_build_object(
    'invoice_url', o.invoice_url,
    'payment', jsonb_build_object(
      'payment_id',      v_payment_id,
      'pay_address',     v_pay_address,
      'pay_amount',      v_pay_amount,
      'pay_currency',    v_coin,
      'expiration_date', v_expiration));
end
$$;

comment on function public.crypto_payment_record(text, jsonb, jsonb) is
  'create-crypto-payment, step 2: store the NOWPayments invoice/payment for the order; statuses stay pending.';

-- ---------------------------------------------------------------------------------------------
-- Privileges: the C function calls both as the customer (authenticated) or as service_role.
-- ---------------------------------------------------------------------------------------------
revoke all on function
  public.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text),
  public.crypto_payment_record(text, jsonb, jsonb)
from public, anon, authenticated, service_role;

grant execute on function
  public.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text),
  public.crypto_payment_record(text, jsonb, jsonb)
to authenticated, service_role;
