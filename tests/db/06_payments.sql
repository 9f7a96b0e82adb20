-- payments: structure, constraints, privileges and RLS, and order_payment_status(), exercised
-- the way the C functions run a request:
--   select set_config('request.jwt.claims', '<verified JWT payload>', true);
--   set local role authenticated | anon | service_role;
-- Users: alice (a...a) and bob (b...b) are customers; ops (ad...ad) carries app_metadata.role=admin.
begin;
select plan(80);

-- rows_affected(sql): run a DML statement as the current role, return how many rows it touched.
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

-- order ids are drawn by the server: remember them by name, readable by every test role
create temp table fx (name text primary key, order_id text not null);
grant select on fx to public;
create function pg_temp.ord(p_name text) returns text
language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;

with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount,
                             crypto_currency, crypto_amount, crypto_address)
  values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 649, 649,
          'btc', 0.02456789, 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh')
  returning order_id)
insert into fx select 'alice_paid', order_id from o;
with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
  values ('a0000000-0000-4000-8000-00000000000a', 'instant', 5000, 'mt5', 99, 99)
  returning order_id)
insert into fx select 'alice_unpaid', order_id from o;
with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
  values ('b0000000-0000-4000-8000-00000000000b', 'two_step', 10000, 'mt4', 549, 549)
  returning order_id)
insert into fx select 'bob_paid', order_id from o;

-- alice_paid has three payments: an expired one, a newer waiting one (the newest by the
-- provider's clock), and a re-deposit child recorded last but without a provider created_at
-- (IPNs carry none), which therefore sorts after both.
insert into public.payments (payment_id, order_id, user_id, payment_status, pay_address, pay_amount,
                             pay_currency, price_amount, price_currency, provider_created_at,
                             provider_updated_at, created_at, updated_at, raw)
values
  ('5093564248', pg_temp.ord('alice_paid'), 'a0000000-0000-4000-8000-00000000000a', 'expired',
   'bc1qold', 0.02500000, 'btc', 649, 'usd', '2025-08-26 16:31:32.669+00', '2025-09-02 16:31:32.669+00',
   '2025-08-26 16:31:33+00', '2025-09-02 16:31:40+00', '{"payment_id": 5093564248, "payment_status": "expired"}'),
  ('5977953151', pg_temp.ord('alice_paid'), 'a0000000-0000-4000-8000-00000000000a', 'waiting',
   'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', 0.02456789, 'btc', 649, 'usd',
   '2025-08-27 09:00:00.123+00', '2025-08-27 09:05:00.5+00',
   '2025-08-27 09:00:01+00', '2025-08-27 09:05:01+00', '{"payment_id": "5977953151", "payment_status": "waiting"}');
insert into public.payments (payment_id, order_id, user_id, parent_payment_id, payment_status, pay_address,
                             pay_amount, actually_paid, pay_currency, created_at, updated_at)
values
  ('5800567260', pg_temp.ord('alice_paid'), 'a0000000-0000-4000-8000-00000000000a', '5093564248', 'finished',
   'bc1qold', 0.00100000, 0.001, 'btc', '2025-08-28 00:00:00+00', '2025-08-28 00:00:00+00');
insert into public.payments (payment_id, order_id, user_id, payment_status, pay_amount, actually_paid, pay_currency)
values
  ('6249365965', pg_temp.ord('bob_paid'), 'b0000000-0000-4000-8000-00000000000b', 'finished', 11.8, 12, 'trx');

-- ==============================================================================================
-- structure
-- ==============================================================================================
select has_table('public', 'payments', 'table payments exists');
select col_is_pk('public', 'payments', 'id', 'payments.id is the primary key');
select col_is_unique('public', 'payments', array['provider', 'payment_id'], 'payments (provider, payment_id) is unique');
select fk_ok('public', 'payments', array['order_id', 'user_id'], 'public', 'orders', array['order_id', 'user_id'],
  'payments (order_id, user_id) references orders (order_id, user_id)');
select fk_ok('public', 'payments', 'order_id', 'public', 'orders', 'order_id', 'payments.order_id references orders');
select col_default_is('public', 'payments', 'provider', 'nowpayments'::text, 'provider defaults to nowpayments');
select col_not_null('public', 'payments', 'actually_paid', 'payments.actually_paid is not null');
select col_not_null('public', 'payments', 'raw', 'payments.raw is not null');
select has_index('public', 'payments', 'payments_order_id_created_at_idx', array['order_id', 'created_at'],
  'index payments(order_id, created_at desc)');
select has_index('public', 'payments', 'payments_invoice_id_idx', 'invoice_id', 'index payments(invoice_id)');
select has_index('public', 'payments', 'payments_parent_payment_id_idx', 'parent_payment_id', 'index payments(parent_payment_id)');
select trigger_is('public', 'payments', 'update_payments_updated_at', 'ffx_internal', 'update_updated_at_column',
  'payments has the updated_at trigger');
select ok((select relrowsecurity from pg_class where oid = 'public.payments'::regclass), 'RLS is enabled on payments');

select table_privs_are('public', 'payments', 'anon', '{}'::text[], 'anon has no privilege on payments');
select table_privs_are('public', 'payments', 'authenticated', array['SELECT'], 'authenticated may only read payments');
select table_privs_are('public', 'payments', 'service_role', array['SELECT'],
  'service_role may only read payments (SECURITY DEFINER functions write them)');

select results_eq(
  $$select p.prosecdef, p.provolatile = 's', p.proconfig = array['search_path=""'], p.prorettype = 'jsonb'::regtype
      from pg_proc p where p.oid = 'ffx_internal.order_payment_status(text)'::regprocedure$$,
  $$values (false, true, true, true)$$,
  'order_payment_status is SECURITY INVOKER, STABLE, search_path pinned to empty, returns jsonb');
select function_privs_are('ffx_internal', 'order_payment_status', array['text'], 'anon', '{}'::text[],
  'anon cannot call order_payment_status');
select function_privs_are('ffx_internal', 'order_payment_status', array['text'], 'authenticated', array['EXECUTE'],
  'authenticated can call order_payment_status');
select function_privs_are('ffx_internal', 'order_payment_status', array['text'], 'service_role', array['EXECUTE'],
  'service_role can call order_payment_status');
select ok(not has_function_privilege('public', 'ffx_internal.order_payment_status(text)', 'EXECUTE'),
  'PUBLIC cannot call order_payment_status');

-- ==============================================================================================
-- constraints and defaults (as the superuser)
-- ==============================================================================================
select results_eq(
  $$select provider, actually_paid, raw, invoice_id from public.payments where payment_id = '6249365965'$$,
  $$values ('nowpayments', 12::numeric, '{}'::jsonb, null::text)$$,
  'defaults: provider nowpayments, raw {}');
select is((select actually_paid from public.payments where payment_id = '5977953151'), 0::numeric,
  'actually_paid defaults to 0');
select throws_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           values ('5977953151', %L, 'a0000000-0000-4000-8000-00000000000a', 'waiting')$$, pg_temp.ord('alice_paid')),
  '23505', null, 'a provider payment_id is stored once per provider');
select lives_ok(
  format($$insert into public.payments (provider, payment_id, order_id, user_id, payment_status)
           values ('manual', '5977953151', %L, 'a0000000-0000-4000-8000-00000000000a', 'waiting')$$,
         pg_temp.ord('alice_paid')),
  'the same payment_id under another provider is a different payment');
select throws_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           values ('1', %L, 'a0000000-0000-4000-8000-00000000000a', 'pending')$$, pg_temp.ord('alice_paid')),
  '23514', null, 'payment_status outside the provider''s statuses is refused');
select throws_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           values ('2', %L, 'a0000000-0000-4000-8000-00000000000a', null)$$, pg_temp.ord('alice_paid')),
  '23502', null, 'payment_status is required');
select lives_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           select 's-' || s, %L, 'a0000000-0000-4000-8000-00000000000a', s
             from unnest(array['waiting', 'confirming', 'confirmed', 'sending', 'partially_paid',
                               'finished', 'failed', 'refunded', 'expired']) s$$, pg_temp.ord('alice_unpaid')),
  'every provider status is accepted');
select throws_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           values ('3', %L, 'a0000000-0000-4000-8000-00000000000a', 'waiting')$$, pg_temp.ord('bob_paid')),
  '23503', null, 'a payment must name its order''s own user');
select throws_ok(
  $$insert into public.payments (payment_id, order_id, user_id, payment_status)
    values ('4', 'FFX000000000', 'a0000000-0000-4000-8000-00000000000a', 'waiting')$$,
  '23503', null, 'a payment must belong to an existing order');
delete from public.payments where provider = 'manual' or payment_id like 's-%';

-- ==============================================================================================
-- alice: an ordinary customer
-- ==============================================================================================
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;

select set_eq('select payment_id from public.payments',
  array['5093564248', '5977953151', '5800567260'], 'alice sees exactly her own three payments');
select throws_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           values ('9', %L, 'a0000000-0000-4000-8000-00000000000a', 'finished')$$, pg_temp.ord('alice_unpaid')),
  '42501', null, 'alice cannot insert a payment, not even for her own order');
select throws_ok($$update public.payments set payment_status = 'finished' where payment_id = '5977953151'$$,
  '42501', null, 'alice cannot update her own payment');
select throws_ok($$update public.payments set actually_paid = 0 where payment_id = '6249365965'$$,
  '42501', null, 'alice cannot update bob''s payment');
select throws_ok($$delete from public.payments$$, '42501', null, 'alice cannot delete payments');
select throws_ok($$truncate public.payments$$, '42501', null, 'alice cannot truncate payments');

-- order_payment_status as alice
select is(ffx_internal.order_payment_status(pg_temp.ord('bob_paid')), null, 'another user''s order reads as NULL');
select is(ffx_internal.order_payment_status('FFX000000000'), null, 'a missing order reads as NULL');
select is(ffx_internal.order_payment_status(null), null, 'a NULL order id reads as NULL');

create temp table ops_alice as select ffx_internal.order_payment_status(pg_temp.ord('alice_paid')) as j;
create temp table ops_alice_unpaid as select ffx_internal.order_payment_status(pg_temp.ord('alice_unpaid')) as j;

select is((select j -> 'payment' ->> 'payment_id' from ops_alice), '5977953151',
  'the newest payment by the provider''s created_at is returned (a later row without it sorts last)');
select is(
  (select array(select jsonb_object_keys(j) order by 1) from ops_alice),
  array['order', 'payment'], 'top-level keys are order and payment');
select is(
  (select array(select jsonb_object_keys(j -> 'order') order by 1) from ops_alice),
  array['account_size', 'account_type', 'amount', 'created_at', 'crypto_address', 'crypto_amount',
        'crypto_currency', 'delivery_status', 'final_amount', 'order_id', 'order_status', 'payment_status',
        'platform_type', 'updated_at', 'user_id'],
  'the order object has exactly the documented keys');
select is(
  (select array(select jsonb_object_keys(j -> 'payment') order by 1) from ops_alice),
  array['actually_paid', 'created_at', 'order_id', 'pay_address', 'pay_amount', 'pay_currency', 'payment_id',
        'payment_status', 'updated_at'],
  'the payment object has exactly the documented keys');
select is(
  (select (j -> 'order') - 'created_at' - 'updated_at' from ops_alice),
  jsonb_build_object('order_id', pg_temp.ord('alice_paid'), 'order_status', 'pending', 'payment_status', 'pending',
                     'delivery_status', 'pending', 'account_type', 'one_step', 'account_size', 10000,
                     'platform_type', 'mt4', 'amount', 649, 'final_amount', 649, 'crypto_currency', 'btc',
                     'crypto_amount', 0.02456789, 'crypto_address', 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh',
                     'user_id', 'a0000000-0000-4000-8000-00000000000a'),
  'the order object carries the order''s values');
select is(
  (select (j -> 'payment') - 'created_at' - 'updated_at' from ops_alice),
  jsonb_build_object('payment_id', '5977953151', 'payment_status', 'waiting',
                     'pay_address', 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', 'pay_amount', 0.02456789,
                     'actually_paid', 0, 'pay_currency', 'btc', 'order_id', pg_temp.ord('alice_paid')),
  'the payment object carries the payment''s values');
select is(
  (select array[jsonb_typeof(j -> 'order' -> 'account_size'), jsonb_typeof(j -> 'order' -> 'amount'),
                jsonb_typeof(j -> 'order' -> 'final_amount'), jsonb_typeof(j -> 'order' -> 'crypto_amount'),
                jsonb_typeof(j -> 'payment' -> 'pay_amount'), jsonb_typeof(j -> 'payment' -> 'actually_paid')]
     from ops_alice),
  array['number', 'number', 'number', 'number', 'number', 'number'],
  'amounts and sizes are JSON numbers');
select is(
  (select array[jsonb_typeof(j -> 'payment' -> 'payment_id'), jsonb_typeof(j -> 'order' -> 'order_id'),
                jsonb_typeof(j -> 'order' -> 'user_id')]
     from ops_alice),
  array['string', 'string', 'string'], 'ids are JSON strings');
select is((select (j -> 'order' -> 'amount')::text from ops_alice), '649.00',
  'a numeric(12,2) amount is the number 649.00, not a string');
select ok(
  (select bool_and(v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$')
     from ops_alice,
          unnest(array[j -> 'order' ->> 'created_at', j -> 'order' ->> 'updated_at',
                       j -> 'payment' ->> 'created_at', j -> 'payment' ->> 'updated_at']) v),
  'timestamps are ISO-8601 UTC with milliseconds and Z');
select is((select j -> 'order' ->> 'created_at' from ops_alice),
  to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'order created_at is the order''s creation time');

-- the payment's timestamps are the provider's, in UTC whatever the session's time zone
set local timezone = 'Asia/Kolkata';
select results_eq(
  format($$select j -> 'payment' ->> 'created_at', j -> 'payment' ->> 'updated_at'
             from (select ffx_internal.order_payment_status(%L) as j) s$$, pg_temp.ord('alice_paid')),
  $$values ('2025-08-27T09:00:00.123Z', '2025-08-27T09:05:00.500Z')$$,
  'payment timestamps are the provider''s, rendered in UTC regardless of the session time zone');
reset timezone;

select is((select j -> 'payment' from ops_alice_unpaid), 'null'::jsonb, 'an order without payments has "payment": null');
select is((select jsonb_typeof(j -> 'order' -> 'crypto_amount') from ops_alice_unpaid), 'null',
  'a missing crypto_amount is JSON null');
select is((select j -> 'order' ->> 'order_id' from ops_alice_unpaid), pg_temp.ord('alice_unpaid'),
  'the order without payments is still returned');

-- ==============================================================================================
-- bob: sees his own, and order_payment_status does not leak alice's
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims',
  '{"sub":"b0000000-0000-4000-8000-00000000000b","role":"authenticated","email":"bob@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;

select results_eq('select payment_id from public.payments', array['6249365965'], 'bob sees only his own payment');
select is(ffx_internal.order_payment_status(pg_temp.ord('alice_paid')), null, 'bob cannot read alice''s order status');
select is(ffx_internal.order_payment_status(pg_temp.ord('bob_paid')) -> 'payment' -> 'actually_paid', '12'::jsonb,
  'bob reads his own order status');

-- ==============================================================================================
-- anon
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;

select throws_ok('select count(*) from public.payments', '42501', null, 'anon cannot read payments at all');
select throws_ok(format('select ffx_internal.order_payment_status(%L)', pg_temp.ord('alice_paid')), '42501', null,
  'anon cannot call order_payment_status');
select throws_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           values ('9', %L, 'a0000000-0000-4000-8000-00000000000a', 'finished')$$, pg_temp.ord('alice_unpaid')),
  '42501', null, 'anon cannot insert a payment');

-- ==============================================================================================
-- admin: reads everything, writes nothing
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;

select is((select count(*) from public.payments), 4::bigint, 'the admin sees every payment');
select is(ffx_internal.order_payment_status(pg_temp.ord('bob_paid')) -> 'payment' ->> 'payment_id', '6249365965',
  'the admin reads any order''s status');
select is(ffx_internal.order_payment_status(pg_temp.ord('alice_paid')) -> 'order' ->> 'user_id',
  'a0000000-0000-4000-8000-00000000000a', 'the admin sees whose order it is');
select throws_ok($$update public.payments set payment_status = 'finished'$$, '42501', null,
  'the admin cannot update payments (the provider is the source of truth)');
select throws_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           values ('9', %L, 'b0000000-0000-4000-8000-00000000000b', 'finished')$$, pg_temp.ord('bob_paid')),
  '42501', null, 'the admin cannot insert payments');
select throws_ok($$delete from public.payments$$, '42501', null, 'the admin cannot delete payments');

-- ==============================================================================================
-- service_role: the backend (create-payment, IPN webhook)
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;

select is((select count(*) from public.payments), 4::bigint, 'service_role sees every payment');
-- service_role reads payments only: payment_apply() and the checkout functions (SECURITY DEFINER)
-- write them, so a leaked service key cannot forge a payment through the Data API
select throws_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           values ('6000000009', %L, 'a0000000-0000-4000-8000-00000000000a', 'finished')$$, pg_temp.ord('alice_unpaid')),
  '42501', null, 'service_role cannot insert a payment');
select throws_ok($$update public.payments set payment_status = 'finished'$$, '42501', null,
  'service_role cannot update payments');

-- the rows below are set up as the table owner (what payment_apply() runs as)
reset role;
insert into public.payments (payment_id, order_id, user_id, invoice_id, payment_status, pay_address,
                             pay_amount, pay_currency, price_amount, price_currency,
                             provider_created_at, provider_updated_at, raw)
values ('6000000001', pg_temp.ord('alice_unpaid'), 'a0000000-0000-4000-8000-00000000000a', '6417549628', 'waiting',
        'TDbq', 69.242455, 'trx', 99, 'usd', '2025-09-01 00:00:00.001+00', '2025-09-01 00:00:00.001+00',
        '{"payment_id": 6000000001, "payment_status": "waiting"}');
select throws_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status)
           values ('6000000001', %L, 'a0000000-0000-4000-8000-00000000000a', 'waiting')$$, pg_temp.ord('alice_unpaid')),
  '23505', null, 'the same provider payment cannot be recorded twice');
-- the IPN path: upsert on (provider, payment_id)
select is(pg_temp.rows_affected(
  format($$insert into public.payments (payment_id, order_id, user_id, payment_status, actually_paid,
                                        provider_updated_at, raw)
           values ('6000000001', %L, 'a0000000-0000-4000-8000-00000000000a', 'finished', 69.25,
                   '2025-09-01 00:04:00+00', '{"payment_id": 6000000001, "payment_status": "finished"}')
           on conflict (provider, payment_id) do update
             set payment_status = excluded.payment_status, actually_paid = excluded.actually_paid,
                 provider_updated_at = excluded.provider_updated_at, raw = excluded.raw,
                 updated_at = '2000-01-01'$$, pg_temp.ord('alice_unpaid'))),
  1::bigint, 'the IPN path upserts a payment on (provider, payment_id)');
select results_eq(
  $$select payment_status, actually_paid, raw ->> 'payment_status', updated_at, invoice_id
      from public.payments where payment_id = '6000000001'$$,
  $$values ('finished', 69.25::numeric, 'finished', now(), '6417549628')$$,
  'the upsert updated the status and raw JSON, the trigger stamped updated_at, other fields stayed');
set local role service_role;
select is(ffx_internal.order_payment_status(pg_temp.ord('alice_unpaid')) -> 'payment',
  jsonb_build_object('payment_id', '6000000001', 'payment_status', 'finished', 'pay_address', 'TDbq',
                     'pay_amount', 69.242455, 'actually_paid', 69.25, 'pay_currency', 'trx',
                     'order_id', pg_temp.ord('alice_unpaid'), 'created_at', '2025-09-01T00:00:00.001Z',
                     'updated_at', '2025-09-01T00:04:00.000Z'),
  'service_role reads the new payment through order_payment_status');
select throws_ok($$delete from public.payments$$, '42501', null, 'service_role cannot delete payments');
select throws_ok($$truncate public.payments$$, '42501', null, 'service_role cannot truncate payments');

-- a re-deposit with its own provider created_at later than the original becomes the newest
reset role;
select lives_ok(
  format($$insert into public.payments (payment_id, order_id, user_id, parent_payment_id, payment_status,
                                        actually_paid, provider_created_at)
           values ('6000000002', %L, 'a0000000-0000-4000-8000-00000000000a', '5977953151', 'partially_paid',
                   0.01, '2025-08-29 00:00:00+00')$$, pg_temp.ord('alice_paid')),
  'a child payment is recorded (as the owner, as payment_apply() does)');
set local role service_role;
select is(ffx_internal.order_payment_status(pg_temp.ord('alice_paid')) -> 'payment' ->> 'payment_id', '6000000002',
  'the payment with the latest provider created_at is the newest');
select is(ffx_internal.order_payment_status(pg_temp.ord('alice_paid')) -> 'payment' -> 'pay_amount', 'null'::jsonb,
  'a payment without pay_amount gives JSON null');
select is((select count(*) from public.payments where parent_payment_id = '5977953151'), 1::bigint,
  'children are found by parent_payment_id');

-- ties on both timestamps resolve the same way every time
reset role;
insert into public.payments (payment_id, order_id, user_id, payment_status, created_at)
select 'tie-' || i, pg_temp.ord('bob_paid'), 'b0000000-0000-4000-8000-00000000000b', 'waiting', '2030-01-01'
  from generate_series(1, 5) i;
select is(ffx_internal.order_payment_status(pg_temp.ord('bob_paid')) -> 'payment' ->> 'payment_id',
  (select payment_id from public.payments where payment_id like 'tie-%' order by id desc limit 1),
  'equal timestamps resolve by id, so the same payment is picked every time');

select * from finish();
rollback;
