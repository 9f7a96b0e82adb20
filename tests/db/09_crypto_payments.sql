-- crypto_payment_begin / crypto_payment_record (sql/definitions/40_checkout.sql), called the way
-- create-crypto-payment does:
--   under the caller's identity (request.jwt.claims set, set local role authenticated | service_role):
--     select ffx_internal.crypto_payment_begin(...);   -- checks; reuse, wait, or a reservation with a token
--   (NOWPayments calls, nothing open)
--   as service_role, with the token:
--     select ffx_internal.crypto_payment_record(order, token, invoice, payment);
-- Here both run in one test transaction; pg_temp.rec() switches to service_role for the record
-- step and back. The reservations themselves (waiting, takeover, release) are tested in
-- 18_provider_calls.sql.
-- Users: alice (a...a) and bob (b...b) are customers; ops (ad...ad) carries app_metadata.role=admin.
begin;
select plan(80);

create function pg_temp.rows_affected(q text) returns bigint
language plpgsql as $$
declare
  n bigint;
begin
  execute q;
  get diagnostics n = row_count;
  return n;
end
$$;

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{"first_name": "Bob"}',   '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');
insert into public.discount_codes (code, percent_off) values ('FREE', 100);
update public.crypto_currency_map set active = false where code = 'trx';

-- the orders, remembered by name with what a correct request would send (readable by every role)
create temp table fx (
  name text primary key, order_id text, user_id uuid, account_type text, account_size int,
  platform_type text, amount numeric, final_amount numeric
);
grant select on fx to public;

with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, discount_code)
  values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', null),
         ('a0000000-0000-4000-8000-00000000000a', 'hft',      25000, 'mt5', null),
         ('a0000000-0000-4000-8000-00000000000a', 'instant',  5000,  'mt4', null),
         ('a0000000-0000-4000-8000-00000000000a', 'two_step', 5000,  'mt4', 'FREE'),
         ('b0000000-0000-4000-8000-00000000000b', 'two_step', 10000, 'mt4', null),
         ('b0000000-0000-4000-8000-00000000000b', 'two_step', 50000, 'mt5', null)
  returning *)
insert into fx
select case when o.user_id = 'a0000000-0000-4000-8000-00000000000a' then
         case o.account_type when 'one_step' then 'alice_a' when 'hft' then 'alice_b'
                             when 'instant' then 'alice_done' else 'alice_free' end
       else case o.account_size when 10000 then 'bob_a' else 'bob_b' end end,
       o.order_id, o.user_id, o.account_type, o.account_size, o.platform_type, o.amount, o.final_amount
  from o;
update public.orders set order_status = 'completed', payment_status = 'paid', delivery_status = 'delivered'
 where order_id = (select order_id from fx where name = 'alice_done');

create function pg_temp.ord(p_name text) returns text
language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;

-- the newest plan crypto_payment_begin returned per order and provider coin (its token)
create temp table plans (order_id text, coin text, plan jsonb, primary key (order_id, coin));
grant all on plans to public;

-- beg(name, coin, overrides): crypto_payment_begin with the order's own values, except the
-- fields named in overrides (keys: user_id, account_type, account_size, platform_type, amount,
-- final_amount, order_id); a "create" plan is kept in plans (the token) and returned without
-- the reservation's own fields (token, took_over, previous_holder)
create function pg_temp.beg(p_name text, p_coin text default 'usdt_bsc', p_over jsonb default '{}')
returns jsonb language plpgsql as $$
declare
  v jsonb;
begin
  select ffx_internal.crypto_payment_begin(
           coalesce(p_over ->> 'order_id', f.order_id),
           coalesce((p_over ->> 'user_id')::uuid, f.user_id),
           coalesce(p_over ->> 'account_type', f.account_type),
           coalesce((p_over ->> 'account_size')::int, f.account_size),
           coalesce(p_over ->> 'platform_type', f.platform_type),
           coalesce((p_over ->> 'amount')::numeric, f.amount),
           coalesce((p_over ->> 'final_amount')::numeric, f.final_amount),
           p_coin, 'pgtap:1:09', 20000)
    into v
    from pg_temp.fx f where f.name = p_name;
  if v ->> 'action' = 'create' then
    insert into pg_temp.plans values (pg_temp.ord(p_name), v ->> 'pay_currency', v)
    on conflict (order_id, coin) do update set plan = excluded.plan;
  end if;
  return v - 'token' - 'took_over' - 'previous_holder';
end
$$;

-- rec(order, invoice, payment): crypto_payment_record as service_role with the token of the
-- order's newest plan in the payment's coin (none: a random token), then back to the caller
create function pg_temp.rec(p_order text, p_invoice jsonb, p_payment jsonb)
returns jsonb language plpgsql as $$
declare
  v_claims text := current_setting('request.jwt.claims', true);
  v_role   text := current_user;
  v_token  uuid;
  v        jsonb;
begin
  select (p.plan ->> 'token')::uuid into v_token
    from pg_temp.plans p where p.order_id = p_order and p.coin = lower(p_payment ->> 'pay_currency');
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
  set local role service_role;
  v := ffx_internal.crypto_payment_record(p_order, coalesce(v_token, gen_random_uuid()), p_invoice, p_payment);
  perform set_config('request.jwt.claims', v_claims, true);
  execute format('set local role %I', v_role);
  return v;
end
$$;

create function pg_temp.iso(t timestamptz) returns text
language sql immutable as $$ select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- np_payment(...): the provider payment as the C side hands it over (every field a string, plus
-- the provider's whole JSON as raw). p_expires NULL = the provider sent no expiration.
create function pg_temp.np_payment(p_id text, p_coin text, p_order text, p_invoice text,
                                   p_expires timestamptz default now() + interval '20 minutes',
                                   p_status text default 'waiting', p_pay_amount jsonb default '"649.5"')
returns jsonb language sql as $$
  select jsonb_build_object(
    'payment_id', p_id, 'payment_status', p_status, 'pay_address', 'addr-' || p_id,
    'pay_amount', p_pay_amount, 'pay_currency', p_coin, 'price_amount', '649', 'price_currency', 'usd',
    'invoice_id', p_invoice, 'order_id', p_order,
    'created_at', pg_temp.iso(now()), 'updated_at', pg_temp.iso(now()),
    'expiration_estimate_date', pg_temp.iso(p_expires),
    'raw', jsonb_build_object(
      'payment_id', p_id, 'payment_status', p_status, 'pay_address', 'addr-' || p_id,
      'pay_amount', p_pay_amount, 'pay_currency', p_coin, 'price_amount', 649, 'price_currency', 'usd',
      'order_id', p_order, 'created_at', pg_temp.iso(now()), 'updated_at', pg_temp.iso(now()),
      'expiration_estimate_date', pg_temp.iso(p_expires), 'network', 'bsc'))
$$;

-- ==============================================================================================
-- structure and privileges
-- ==============================================================================================
select has_column('public', 'orders', 'invoice_url', 'orders.invoice_url exists');
select has_column('public', 'orders', 'pay_currency', 'orders.pay_currency exists');
select results_eq(
  $$select p.proname::text collate "default", p.prosecdef, p.proconfig = array['search_path=""'], p.prorettype = 'jsonb'::regtype
      from pg_proc p
     where p.oid in ('ffx_internal.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text, text, integer)'::regprocedure,
                     'ffx_internal.crypto_payment_record(text, uuid, jsonb, jsonb)'::regprocedure)
     order by 1$$,
  $$values ('crypto_payment_begin', true, true, true), ('crypto_payment_record', true, true, true)$$,
  'both functions are SECURITY DEFINER, search_path pinned to empty, return jsonb');
select function_privs_are('ffx_internal', 'crypto_payment_begin',
  array['text', 'uuid', 'text', 'integer', 'text', 'numeric', 'numeric', 'text', 'text', 'integer'], 'anon', '{}'::text[],
  'anon cannot call crypto_payment_begin');
select function_privs_are('ffx_internal', 'crypto_payment_record', array['text', 'uuid', 'jsonb', 'jsonb'], 'anon', '{}'::text[],
  'anon cannot call crypto_payment_record');
select function_privs_are('ffx_internal', 'crypto_payment_begin',
  array['text', 'uuid', 'text', 'integer', 'text', 'numeric', 'numeric', 'text', 'text', 'integer'], 'authenticated', array['EXECUTE'],
  'authenticated can call crypto_payment_begin');
select function_privs_are('ffx_internal', 'crypto_payment_record', array['text', 'uuid', 'jsonb', 'jsonb'], 'authenticated',
  '{}'::text[], 'authenticated cannot call crypto_payment_record (a customer could record a payment NOWPayments never made)');
select function_privs_are('ffx_internal', 'crypto_payment_begin',
  array['text', 'uuid', 'text', 'integer', 'text', 'numeric', 'numeric', 'text', 'text', 'integer'], 'service_role', array['EXECUTE'],
  'service_role can call crypto_payment_begin');
select function_privs_are('ffx_internal', 'crypto_payment_record', array['text', 'uuid', 'jsonb', 'jsonb'], 'service_role',
  array['EXECUTE'], 'service_role can call crypto_payment_record');
select ok(not has_function_privilege('public', 'ffx_internal.crypto_payment_begin(text, uuid, text, integer, text, numeric, numeric, text, text, integer)', 'EXECUTE')
      and not has_function_privilege('public', 'ffx_internal.crypto_payment_record(text, uuid, jsonb, jsonb)', 'EXECUTE'),
  'PUBLIC can call neither');

-- ==============================================================================================
-- anon
-- ==============================================================================================
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;
select throws_ok($$select pg_temp.beg('alice_a')$$, '42501', null, 'anon cannot execute crypto_payment_begin');
select throws_ok(format($$select ffx_internal.crypto_payment_record(%L, gen_random_uuid(), null, %L)$$, pg_temp.ord('alice_a'),
                        pg_temp.np_payment('1', 'usdtbsc', pg_temp.ord('alice_a'), '1')),
  '42501', null, 'anon cannot execute crypto_payment_record');

-- ==============================================================================================
-- alice: the errors, in the order they are checked
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;

select throws_ok($$select pg_temp.beg('alice_a', 'doge')$$, 'FF400', 'Unsupported currency: doge',
  'an unknown currency');
select throws_ok($$select pg_temp.beg('alice_a', 'trx')$$, 'FF400', 'Unsupported currency: trx',
  'an inactive currency');
select throws_ok($$select pg_temp.beg('alice_a', 'USDT_BSC')$$, 'FF400', 'Unsupported currency: USDT_BSC',
  'currency codes are exact');
select throws_ok($$select pg_temp.beg('bob_a')$$, 'FF404', 'Order not found',
  'another user''s order, under his user id');
select throws_ok($$select pg_temp.beg('bob_a', 'usdt_bsc', '{"user_id": "a0000000-0000-4000-8000-00000000000a"}')$$,
  'FF404', 'Order not found', 'another user''s order, under her own user id');
select throws_ok($$select pg_temp.beg('alice_a', 'usdt_bsc', '{"order_id": "FFX000000000"}')$$,
  'FF404', 'Order not found', 'a missing order');
select throws_ok($$select pg_temp.beg('alice_a', 'usdt_bsc', '{"account_type": "two_step"}')$$,
  'FF400', 'Order mismatch: accountType', 'a different account type');
select throws_ok($$select pg_temp.beg('alice_a', 'usdt_bsc', '{"account_size": 25000}')$$,
  'FF400', 'Order mismatch: accountSize', 'a different account size');
select throws_ok($$select pg_temp.beg('alice_a', 'usdt_bsc', '{"platform_type": "mt5"}')$$,
  'FF400', 'Order mismatch: platformType', 'a different platform');
select throws_ok($$select pg_temp.beg('alice_a', 'usdt_bsc', '{"amount": 1}')$$,
  'FF400', 'Order mismatch: amount', 'a different amount');
select throws_ok($$select pg_temp.beg('alice_a', 'usdt_bsc', '{"final_amount": 648.99}')$$,
  'FF400', 'Order mismatch: finalAmount', 'a different final amount');
select throws_ok($$select pg_temp.beg('alice_done')$$, 'FF400', 'Order is not in a payable state',
  'a completed order');
select throws_ok($$select pg_temp.beg('alice_free')$$, 'FF400', 'Order has nothing to pay',
  'a fully discounted order');

-- ==============================================================================================
-- alice: create, record, reuse
-- ==============================================================================================
select is(pg_temp.beg('alice_a', 'usdt_bsc', '{"amount": "649.00", "final_amount": "649"}'),
  jsonb_build_object('action', 'create', 'pay_currency', 'usdtbsc', 'price_amount', '649.00',
                     'price_currency', 'usd', 'invoice_id', null,
                     'order_description', 'FlashFundX one_step 10000 MT4'),
  'a first call plans an invoice and a payment (amounts compare as numbers: 649 = 649.00)');

select is(
  pg_temp.rec(pg_temp.ord('alice_a'),
    '{"id": "4522625843", "invoice_url": "https://nowpayments.io/payment/?iid=4522625843"}',
    pg_temp.np_payment('5514469786', 'usdtbsc', pg_temp.ord('alice_a'), '4522625843')),
  jsonb_build_object('action', 'recorded', 'invoice_url', 'https://nowpayments.io/payment/?iid=4522625843',
                     'payment', jsonb_build_object('payment_id', '5514469786', 'pay_address', 'addr-5514469786',
                                                   'pay_amount', 649.5, 'pay_currency', 'usdtbsc',
                                                   'expiration_date', pg_temp.iso(now() + interval '20 minutes'))),
  'crypto_payment_record returns the invoice link and the payment');

select results_eq(
  format($$select order_status, payment_status, delivery_status, invoice_id, invoice_url, payment_provider,
                  payment_provider_id, crypto_currency, crypto_amount, crypto_address, pay_currency, paid_at
             from public.orders where order_id = %L$$, pg_temp.ord('alice_a')),
  $$values ('pending', 'pending', 'pending', '4522625843', 'https://nowpayments.io/payment/?iid=4522625843',
            'nowpayments', '5514469786', 'usdtbsc', 649.5::numeric, 'addr-5514469786', 'usdtbsc', null::timestamptz)$$,
  'the order carries the invoice and the payment; its statuses stay pending');
select is(ffx_internal.order_payment_status(pg_temp.ord('alice_a')) -> 'payment' ->> 'payment_id',
  '5514469786', 'alice reads the recorded payment through order_payment_status');

select is(pg_temp.beg('alice_a'),
  jsonb_build_object('action', 'reuse', 'invoice_url', 'https://nowpayments.io/payment/?iid=4522625843',
                     'payment', jsonb_build_object('payment_id', '5514469786', 'pay_address', 'addr-5514469786',
                                                   'pay_amount', 649.5, 'pay_currency', 'usdtbsc',
                                                   'expiration_date', pg_temp.iso(now() + interval '20 minutes'))),
  'a second call with the same coin reuses the open payment');

select is(pg_temp.beg('alice_a', 'btc'),
  jsonb_build_object('action', 'create', 'pay_currency', 'btc', 'price_amount', '649.00',
                     'price_currency', 'usd', 'invoice_id', '4522625843',
                     'order_description', 'FlashFundX one_step 10000 MT4'),
  'another coin plans a new payment on the existing invoice');
select is(
  pg_temp.rec(pg_temp.ord('alice_a'), null,
    pg_temp.np_payment('5514469787', 'BTC', pg_temp.ord('alice_a'), '4522625843', p_pay_amount => '0.00612345')),
  jsonb_build_object('action', 'recorded', 'invoice_url', 'https://nowpayments.io/payment/?iid=4522625843',
                     'payment', jsonb_build_object('payment_id', '5514469787', 'pay_address', 'addr-5514469787',
                                                   'pay_amount', 0.00612345, 'pay_currency', 'btc',
                                                   'expiration_date', pg_temp.iso(now() + interval '20 minutes'))),
  'the second payment is recorded on the same invoice (pay_currency lower-cased, a JSON number amount)');
select results_eq(
  format($$select invoice_id, invoice_url, payment_provider_id, crypto_currency, crypto_amount, pay_currency
             from public.orders where order_id = %L$$, pg_temp.ord('alice_a')),
  $$values ('4522625843', 'https://nowpayments.io/payment/?iid=4522625843', '5514469787', 'btc',
            0.00612345::numeric, 'btc')$$,
  'the order now points at the newest payment and keeps its invoice');
select is(pg_temp.beg('alice_a', 'usdt_bsc') -> 'payment' ->> 'payment_id', '5514469786',
  'the first coin''s payment is still open and reused');
select is(pg_temp.beg('alice_a', 'btc') -> 'payment' ->> 'payment_id', '5514469787',
  'and so is the second coin''s');

-- a replay of the same provider payment adds nothing: its token was used up, and the answer is the
-- open payment
select is(
  pg_temp.rec(pg_temp.ord('alice_a'), null,
    pg_temp.np_payment('5514469787', 'btc', pg_temp.ord('alice_a'), '4522625843', p_pay_amount => '0.00612345')
      - 'expiration_estimate_date') - 'invoice_url',
  jsonb_build_object('action', 'superseded',
                     'payment', jsonb_build_object('payment_id', '5514469787', 'pay_address', 'addr-5514469787',
                                                   'pay_amount', 0.00612345, 'pay_currency', 'btc',
                                                   'expiration_date', pg_temp.iso(now() + interval '20 minutes'))),
  'recording the same payment twice stores nothing (counted below) and answers the open payment');

-- expiry: past expiration_estimate_date, or no expiration and older than 20 minutes
select is(pg_temp.beg('alice_b', 'usdt_trc20') ->> 'action', 'create', 'alice_b: a first payment is planned');
select lives_ok(
  format($$select pg_temp.rec(%L, '{"id": "4522625900", "invoice_url": "https://nowpayments.io/payment/?iid=4522625900"}', %L)$$,
         pg_temp.ord('alice_b'),
         pg_temp.np_payment('6000000001', 'usdttrc20', pg_temp.ord('alice_b'), '4522625900', now() - interval '1 minute')),
  'a payment whose estimate already expired is recorded');
select is(pg_temp.beg('alice_b', 'usdt_trc20') ->> 'action', 'create',
  'a payment past its expiration_estimate_date is not reused');
select is(pg_temp.beg('alice_b', 'bnb') ->> 'action', 'create', 'alice_b: a bnb payment is planned');
select lives_ok(
  format($$select pg_temp.rec(%L, null, %L)$$, pg_temp.ord('alice_b'),
         pg_temp.np_payment('6000000002', 'bnbbsc', pg_temp.ord('alice_b'), '4522625900', null)),
  'a payment without an expiration is recorded');
select is(pg_temp.beg('alice_b', 'bnb') -> 'payment' ->> 'payment_id', '6000000002',
  'without an expiration, a payment created just now is reused');
select is(pg_temp.beg('alice_b', 'bnb') -> 'payment' ->> 'expiration_date', '',
  'and its unknown expiration_date is ""');

reset role;
update public.payments set provider_created_at = now() - interval '21 minutes', created_at = now() - interval '21 minutes'
 where payment_id = '6000000002';
update public.payments set payment_status = 'expired' where payment_id = '5514469786';
set local role authenticated;
select is(pg_temp.beg('alice_b', 'bnb') ->> 'action', 'create',
  'without an expiration, a payment older than 20 minutes is not reused');
select is(pg_temp.beg('alice_a', 'usdt_bsc') ->> 'action', 'create',
  'a payment that is no longer waiting is not reused');

-- the first IPN moves the order to processing: the open payment is still handed back, a new coin is not
reset role;
update public.orders set order_status = 'processing' where order_id = pg_temp.ord('alice_a');
set local role authenticated;
select is(pg_temp.beg('alice_a', 'btc') ->> 'action', 'reuse',
  'an open payment is reused even after the order moved to processing');
select throws_ok($$select pg_temp.beg('alice_a', 'usdt_polygon')$$, 'FF400', 'Order is not in a payable state',
  'but a new coin for a processing order is refused');
select throws_ok(
  format($$select pg_temp.rec(%L, null, %L)$$, pg_temp.ord('alice_a'),
         pg_temp.np_payment('5514469799', 'usdtbsc', pg_temp.ord('alice_a'), '4522625843')),
  'FF400', 'Order is not in a payable state',
  'nor can a payment be recorded for it, even under a reservation taken while it was pending');
reset role;
update public.orders set order_status = 'pending' where order_id = pg_temp.ord('alice_a');
set local role authenticated;

-- record: only the service records, and the provider's answer is checked
select throws_ok(
  format($$select ffx_internal.crypto_payment_record(%L, gen_random_uuid(), null, %L)$$, pg_temp.ord('alice_a'),
         pg_temp.np_payment('7000000001', 'usdtbsc', pg_temp.ord('alice_a'), null)),
  '42501', null, 'alice cannot record a payment, not even for her own order');
select throws_ok($$select pg_temp.rec('FFX000000000', null, '{"payment_id": "1", "pay_currency": "btc"}')$$,
  'FF404', 'Order not found', 'the service cannot record one for a missing order');
select throws_ok(
  format($$select pg_temp.rec(%L, null, %L)$$, pg_temp.ord('alice_a'),
         pg_temp.np_payment('7000000002', 'usdtbsc', pg_temp.ord('alice_a'), null) - 'payment_id'),
  '22023', null, 'a payment without payment_id is an internal error');
select throws_ok(
  format($$select pg_temp.rec(%L, null, %L)$$, pg_temp.ord('alice_a'),
         pg_temp.np_payment('7000000003', 'usdtbsc', pg_temp.ord('alice_a'), null, p_status => 'finished')),
  '22023', null, 'a new payment that is not waiting is refused (a caller cannot forge a finished payment)');
select throws_ok(
  format($$select pg_temp.rec(%L, null, %L)$$, pg_temp.ord('alice_a'),
         pg_temp.np_payment('7000000004', 'usdtbsc', pg_temp.ord('alice_b'), null)),
  '22023', null, 'a payment made out to another order is refused');
select is(pg_temp.beg('alice_b', 'usdt_bsc') ->> 'action', 'create', 'alice_b: a usdtbsc payment is planned');
select throws_ok(
  format($$select pg_temp.rec(%L, null, %L)$$, pg_temp.ord('alice_b'),
         pg_temp.np_payment('5514469786', 'usdtbsc', pg_temp.ord('alice_b'), null)),
  '22023', null, 'a payment_id already recorded for another order is refused');

-- the provider columns are the backend's
select results_eq($$insert into public.orders (user_id, account_type, account_size, platform_type, invoice_url)
  values ('a0000000-0000-4000-8000-00000000000a', 'hft', 5000, 'mt4', 'https://phish.example') returning invoice_url$$,
  $$values (null::text)$$, 'an invoice_url alice sends with a new order is dropped');
select results_eq($$insert into public.orders (user_id, account_type, account_size, platform_type, pay_currency)
  values ('a0000000-0000-4000-8000-00000000000a', 'hft', 5000, 'mt4', 'btc') returning pay_currency$$,
  $$values (null::text)$$, 'a pay_currency alice sends with a new order is dropped');
select is(pg_temp.rows_affected(format($$update public.orders set invoice_url = 'https://phish.example'
  where order_id = %L$$, pg_temp.ord('alice_a'))), 0::bigint, 'alice cannot change her order''s invoice_url');

-- ==============================================================================================
-- what was written (as the superuser)
-- ==============================================================================================
reset role;
select results_eq(
  $$select provider, order_id, user_id, invoice_id, payment_status, pay_address, pay_amount, pay_currency,
           price_amount, price_currency, provider_created_at, provider_updated_at, raw ->> 'network'
      from public.payments where payment_id = '5514469786'$$,
  format($$values ('nowpayments', %L, 'a0000000-0000-4000-8000-00000000000a'::uuid, '4522625843', 'expired',
                   'addr-5514469786', 649.5::numeric, 'usdtbsc', 649.00::numeric(12,2), 'usd',
                   %L::timestamptz, %L::timestamptz, 'bsc')$$,
         pg_temp.ord('alice_a'), pg_temp.iso(now()), pg_temp.iso(now())),
  'the payments row carries the provider''s payment, with the order''s user and the raw JSON');
select is((select raw from public.payments where payment_id = '5514469787'),
  pg_temp.np_payment('5514469787', 'BTC', pg_temp.ord('alice_a'), '4522625843', p_pay_amount => '0.00612345') -> 'raw',
  'payments.raw is the provider''s JSON as given');
select is((select count(*) from public.payments where order_id = pg_temp.ord('alice_a')), 2::bigint,
  'two payments for alice_a (the replay added none)');
select results_eq(
  format($$select user_id, transaction_type, provider, provider_transaction_id, amount, currency, status,
                  event_type, provider_response ->> 'payment_id'
             from public.payment_transactions where order_id = %L order by provider_transaction_id$$,
         pg_temp.ord('alice_a')),
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid, 'payment', 'nowpayments', '5514469786', 649::numeric,
            'usd', 'pending', 'payment_created', '5514469786'),
           ('a0000000-0000-4000-8000-00000000000a'::uuid, 'payment', 'nowpayments', '5514469787', 649::numeric,
            'usd', 'pending', 'payment_created', '5514469787')$$,
  'one pending payment transaction per recorded payment, for the final amount in USD');
select results_eq(
  format($$select admin_id, admin_email, table_name, new_values ->> 'payment_id', new_values ->> 'actor_role'
             from public.admin_audit_log where action_type = 'payment_created' and record_id = %L
            order by new_values ->> 'payment_id'$$, pg_temp.ord('alice_a')),
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid, 'alice@example.com', 'orders', '5514469786', 'authenticated'),
           ('a0000000-0000-4000-8000-00000000000a'::uuid, 'alice@example.com', 'orders', '5514469787', 'authenticated')$$,
  'each recorded payment is in the audit log, by alice');
select results_eq(
  format($$select order_status, payment_status, delivery_status, invoice_id, pay_currency
             from public.orders where order_id = %L$$, pg_temp.ord('alice_b')),
  $$values ('pending', 'pending', 'pending', '4522625900', 'bnbbsc')$$,
  'alice_b: statuses pending, invoice and newest coin recorded');

-- ==============================================================================================
-- bob cannot see or use alice's
-- ==============================================================================================
select set_config('request.jwt.claims',
  '{"sub":"b0000000-0000-4000-8000-00000000000b","role":"authenticated","email":"bob@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;
select throws_ok($$select pg_temp.beg('alice_a')$$, 'FF404', 'Order not found', 'bob cannot begin a payment for alice''s order');
select throws_ok(
  format($$select ffx_internal.crypto_payment_record(%L, gen_random_uuid(), '{"id": "1", "invoice_url": "https://forged.example"}', %L)$$,
         pg_temp.ord('bob_a'), pg_temp.np_payment('7100000002', 'usdtbsc', pg_temp.ord('bob_a'), '1')),
  '42501', null, 'bob cannot record a payment for his own order (the Data API path)');
select is(
  pg_temp.rec(pg_temp.ord('bob_a'), '{"id": "1", "invoice_url": "https://forged.example"}',
              pg_temp.np_payment('7100000002', 'usdtbsc', pg_temp.ord('bob_a'), '1')),
  '{"action": "superseded", "invoice_url": null, "payment": null}'::jsonb,
  'even the service records nothing without a token that holds a reservation');
select is(pg_temp.beg('bob_a') ->> 'action', 'create', 'bob can begin a payment for his own order');
select is(
  pg_temp.rec(pg_temp.ord('bob_a'), '{"id": "4522625950", "invoice_url": "https://nowpayments.io/payment/?iid=4522625950"}',
    pg_temp.np_payment('7100000003', 'usdtbsc', pg_temp.ord('bob_a'), '4522625950')) -> 'payment' ->> 'payment_id',
  '7100000003', 'and the service records it with his reservation''s token');
-- bob with user_metadata.role = admin (which users can edit) is still bob
select set_config('request.jwt.claims',
  '{"sub":"b0000000-0000-4000-8000-00000000000b","role":"authenticated","email":"bob@example.com","app_metadata":{"provider":"email"},"user_metadata":{"role":"admin"}}',
  true);
select throws_ok($$select pg_temp.beg('alice_a')$$, 'FF404', 'Order not found',
  'user_metadata.role = admin grants nothing');
reset role;

-- ==============================================================================================
-- ops: the admin may act for any order, under its real owner
-- ==============================================================================================
select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;
select throws_ok($$select pg_temp.beg('bob_a', 'usdt_bsc', '{"user_id": "ad000000-0000-4000-8000-0000000000ad"}')$$,
  'FF404', 'Order not found', 'the admin must name the order''s real user');
select is(pg_temp.beg('bob_a', 'usdt_trc20'),
  jsonb_build_object('action', 'create', 'pay_currency', 'usdttrc20', 'price_amount', '549.00',
                     'price_currency', 'usd', 'invoice_id', '4522625950',
                     'order_description', 'FlashFundX two_step 10000 MT4'),
  'the admin can begin a payment (another coin) for bob''s order');
select is(
  pg_temp.rec(pg_temp.ord('bob_a'), null,
    pg_temp.np_payment('7200000001', 'usdttrc20', pg_temp.ord('bob_a'), '4522625950')) ->> 'invoice_url',
  'https://nowpayments.io/payment/?iid=4522625950', 'the admin''s reservation is recorded');

-- ==============================================================================================
-- service_role: the backend may act for any order
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;
select is(pg_temp.beg('bob_b', 'btc') ->> 'action', 'create', 'service_role can begin a payment for bob''s order');
select lives_ok(
  format($$select pg_temp.rec(%L, '{"id": "4522626100", "invoice_url": "https://nowpayments.io/payment/?iid=4522626100"}', %L)$$,
         pg_temp.ord('bob_b'), pg_temp.np_payment('7300000001', 'btc', pg_temp.ord('bob_b'), '4522626100')),
  'service_role can record it');
select is(pg_temp.beg('bob_b', 'btc') ->> 'action', 'reuse', 'and then reuses it');
select is(pg_temp.beg('bob_a', 'usdt_trc20') -> 'payment' ->> 'payment_id', '7200000001',
  'service_role gets the admin''s open payment back');

-- ==============================================================================================
-- who did what (as the superuser)
-- ==============================================================================================
reset role;
select results_eq(
  $$select record_id, admin_id, admin_email, new_values ->> 'actor_role'
      from public.admin_audit_log
     where action_type = 'payment_created' and new_values ->> 'payment_id' in ('7200000001', '7300000001')
     order by new_values ->> 'payment_id'$$,
  format($$values (%L, 'ad000000-0000-4000-8000-0000000000ad'::uuid, 'ops@example.com', 'authenticated'),
                  (%L, null::uuid, null::text, 'service_role')$$, pg_temp.ord('bob_a'), pg_temp.ord('bob_b')),
  'the audit log names the admin, and the service role without a user');
select results_eq(
  $$select p.user_id, o.user_id from public.payments p join public.orders o using (order_id)
     where p.payment_id in ('7200000001', '7300000001') order by p.payment_id$$,
  $$values ('b0000000-0000-4000-8000-00000000000b'::uuid, 'b0000000-0000-4000-8000-00000000000b'::uuid),
           ('b0000000-0000-4000-8000-00000000000b'::uuid, 'b0000000-0000-4000-8000-00000000000b'::uuid)$$,
  'payments recorded by the admin or the service role belong to the order''s user');
select is(
  (select count(*) from public.orders
    where payment_provider_id is not null
      and (order_status, payment_status, delivery_status) <> ('pending', 'pending', 'pending')),
  0::bigint, 'recording never moved an order out of pending');

select * from finish();
rollback;
