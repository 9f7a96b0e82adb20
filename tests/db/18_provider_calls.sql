-- No provider call under a lock, and bounded refreshes: the reservation that
-- crypto_payment_begin takes for (order, coin) while create-crypto-payment calls NOWPayments with
-- nothing open (wait, takeover after expiry, token-bound record and release, one invoice per
-- order), the refusal of banned and suspended customers, and payment_refresh_claim (at most once
-- per payment per interval). Time: everything here runs in one transaction, where now() stands
-- still, so "expired" is made by moving a reservation's times back.
begin;
select plan(86);

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{"first_name": "Bob"}',   '{"provider": "email"}'),
  ('c0000000-0000-4000-8000-00000000000c', 'carol@example.com', '{"first_name": "Carol"}', '{"provider": "email"}'),
  ('d0000000-0000-4000-8000-00000000000d', 'dave@example.com',  '{"first_name": "Dave"}',  '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');

create temp table fx (name text primary key, order_id text, user_id uuid);
grant select on fx to public;
with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type)
  values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4'),
         ('a0000000-0000-4000-8000-00000000000a', 'one_step', 25000, 'mt4'),
         ('a0000000-0000-4000-8000-00000000000a', 'one_step', 50000, 'mt4'),
         ('b0000000-0000-4000-8000-00000000000b', 'one_step', 10000, 'mt4'),
         ('c0000000-0000-4000-8000-00000000000c', 'one_step', 10000, 'mt4'),
         ('d0000000-0000-4000-8000-00000000000d', 'one_step', 10000, 'mt4')
  returning *)
insert into fx
select case o.user_id
         when 'a0000000-0000-4000-8000-00000000000a' then
           case o.account_size when 10000 then 'a1' when 25000 then 'a2' else 'a3' end
         when 'b0000000-0000-4000-8000-00000000000b' then 'b1'
         when 'c0000000-0000-4000-8000-00000000000c' then 'carol'
         else 'dave' end,
       o.order_id, o.user_id
  from o;
update public.user_profiles set account_status = 'banned' where id = 'c0000000-0000-4000-8000-00000000000c';
update public.user_profiles set account_status = 'suspended' where id = 'd0000000-0000-4000-8000-00000000000d';

create function pg_temp.ord(p_name text) returns text
language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;

create function pg_temp.as_user(p_sub text, p_email text, p_admin boolean default false) returns void
language plpgsql as $$
begin
  perform set_config('request.jwt.claims', jsonb_build_object(
    'sub', p_sub, 'role', 'authenticated', 'email', p_email,
    'app_metadata', case when p_admin then '{"provider":"email","role":"admin"}'::jsonb else '{"provider":"email"}'::jsonb end)::text, true);
  set local role authenticated;
end
$$;
create function pg_temp.as_alice() returns void language sql as
  $$ select pg_temp.as_user('a0000000-0000-4000-8000-00000000000a', 'alice@example.com') $$;
create function pg_temp.as_service() returns void language plpgsql as $$
begin
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
  set local role service_role;
end
$$;

-- beg(name, coin, holder, budget): crypto_payment_begin with the order's own values
create function pg_temp.beg(p_name text, p_coin text default 'usdt_bsc', p_holder text default 'host:1:req',
                            p_budget integer default 20000)
returns jsonb language sql as $$
  select ffx_internal.crypto_payment_begin(o.order_id, o.user_id, o.account_type, o.account_size, o.platform_type,
                                     o.amount, o.final_amount, p_coin, p_holder, p_budget)
    from public.orders o where o.order_id = pg_temp.ord(p_name)
$$;

-- the tokens handed out, by a name the test gives them
create temp table tokens (name text primary key, token uuid);
grant all on tokens to public;
create function pg_temp.keep(p_name text, p_plan jsonb) returns jsonb language sql as $$
  insert into pg_temp.tokens values (p_name, (p_plan ->> 'token')::uuid)
  on conflict (name) do update set token = excluded.token;
  select p_plan
$$;
create function pg_temp.tok(p_name text) returns uuid
language sql stable as $$ select token from pg_temp.tokens where name = p_name $$;

create function pg_temp.np_payment(p_id text, p_coin text, p_order text)
returns jsonb language sql as $$
  select jsonb_build_object(
    'payment_id', p_id, 'payment_status', 'waiting', 'pay_address', 'addr-' || p_id, 'pay_amount', '649',
    'pay_currency', p_coin, 'price_amount', '649', 'price_currency', 'usd', 'order_id', p_order,
    'expiration_estimate_date', to_char((now() + interval '20 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'raw', jsonb_build_object('payment_id', p_id, 'payment_status', 'waiting', 'pay_currency', p_coin,
                              'expiration_estimate_date',
                              to_char((now() + interval '20 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
$$;
create function pg_temp.invoice(p_id text) returns jsonb language sql as $$
  select jsonb_build_object('id', p_id, 'invoice_url', 'https://nowpayments.io/payment/?iid=' || p_id)
$$;

-- make a reservation look old: its holder is gone
create function pg_temp.expire(p_order text, p_coin text) returns void language sql as $$
  update public.payment_reservations
     set reserved_at = now() - interval '1 minute', expires_at = now() - interval '1 second'
   where order_id = p_order and pay_currency = p_coin
$$;

-- ==============================================================================================
-- structure and privileges
-- ==============================================================================================
select has_table('public', 'payment_reservations', 'payment_reservations exists');
select col_is_pk('public', 'payment_reservations', array['order_id', 'pay_currency'],
  'one reservation per order and provider coin');
select col_is_unique('public', 'payment_reservations', 'token', 'tokens are unique');
select has_table('public', 'payment_refreshes', 'payment_refreshes exists');
select col_is_pk('public', 'payment_refreshes', array['provider', 'payment_id'], 'one refresh record per payment');
select fk_ok('public', 'payment_refreshes', array['provider', 'payment_id'], 'public', 'payments', array['provider', 'payment_id'],
  'payment_refreshes belong to payments');
select is(
  array(select r || ':' || t from unnest(array['anon', 'authenticated', 'service_role']) r,
                                  unnest(array['payment_reservations', 'payment_refreshes']) t
         where has_table_privilege(r, 'public.' || t, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')),
  '{}'::text[],
  'no API role may touch the reservations or the refresh records (only the functions do)');
select results_eq(
  $$select p.proname::text collate "default", p.prosecdef, p.proconfig = array['search_path=""']
      from pg_proc p
     where p.oid in ('ffx_internal.crypto_payment_release(text, uuid)'::regprocedure,
                     'ffx_internal.payment_refresh_claim(text, integer, text)'::regprocedure)
     order by 1$$,
  $$values ('crypto_payment_release', true, true), ('payment_refresh_claim', true, true)$$,
  'release and refresh_claim are SECURITY DEFINER with search_path pinned to empty');
select is(
  array(select r || ':' || f from unnest(array['public', 'anon', 'authenticated']) r,
                                  unnest(array['ffx_internal.crypto_payment_record(text, uuid, jsonb, jsonb)',
                                               'ffx_internal.crypto_payment_release(text, uuid)',
                                               'ffx_internal.payment_refresh_claim(text, integer, text)',
                                               'ffx_internal.crypto_payment_open(text, text)']) f
         where has_function_privilege(r, f, 'EXECUTE')),
  '{}'::text[],
  'record, release and refresh_claim are not executable by customers or anon; crypto_payment_open by nobody');
select ok(has_function_privilege('service_role', 'ffx_internal.crypto_payment_release(text, uuid)', 'EXECUTE')
      and has_function_privilege('service_role', 'ffx_internal.payment_refresh_claim(text, integer, text)', 'EXECUTE')
      and not has_function_privilege('service_role', 'ffx_internal.crypto_payment_open(text, text)', 'EXECUTE'),
  'service_role may release and claim');

-- ==============================================================================================
-- a reservation is taken once
-- ==============================================================================================
select pg_temp.as_alice();
select is(pg_temp.keep('a1', pg_temp.beg('a1', 'usdt_bsc', 'web-1:4242:req-1', 20000)) ->> 'action', 'create',
  'the first call reserves the order and coin');
select ok(pg_temp.tok('a1') is not null, 'and gets a token');
select is(pg_temp.beg('a1', 'usdt_bsc', 'web-2:77:req-2'), '{"action": "wait"}'::jsonb,
  'a second call for the same order and coin waits');
select is(pg_temp.beg('a1', 'btc', 'web-2:77:req-3'), '{"action": "wait"}'::jsonb,
  'while the order has no invoice, another coin waits too (one invoice per order)');
select pg_temp.as_user('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com', true);
select is(pg_temp.beg('a1', 'usdt_bsc', 'web-3:1:req-4') ->> 'action', 'wait', 'so does an admin');
select pg_temp.as_service();
select is(pg_temp.beg('a1', 'usdt_bsc', 'web-3:1:req-5') ->> 'action', 'wait', 'and the service');

reset role;
select results_eq(
  format($$select holder, actor_id, actor_email, actor_role, creates_invoice, expires_at - reserved_at, reserved_at
             from public.payment_reservations where order_id = %L$$, pg_temp.ord('a1')),
  $$values ('web-1:4242:req-1', 'a0000000-0000-4000-8000-00000000000a'::uuid, 'alice@example.com', 'authenticated',
            true, interval '25 seconds', now())$$,
  'the row names the holder and the verified caller, and expires after the budget plus 5 s');

-- ==============================================================================================
-- record: only with the token that holds the reservation, as the service
-- ==============================================================================================
select pg_temp.as_alice();
select throws_ok(format($$select ffx_internal.crypto_payment_record(%L, %L, %L, %L)$$, pg_temp.ord('a1'), pg_temp.tok('a1'),
                        pg_temp.invoice('4600000001'), pg_temp.np_payment('8100000001', 'usdtbsc', pg_temp.ord('a1'))),
  '42501', null, 'alice cannot record, not even with her own token (no forged payment through the Data API)');
select throws_ok(format($$select ffx_internal.crypto_payment_release(%L, %L)$$, pg_temp.ord('a1'), pg_temp.tok('a1')),
  '42501', null, 'nor release');
reset role;
select set_config('request.jwt.claims', '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated"}', true);
select throws_ok(format($$select ffx_internal.crypto_payment_record(%L, %L, null, %L)$$, pg_temp.ord('a1'), pg_temp.tok('a1'),
                        pg_temp.np_payment('8100000001', 'usdtbsc', pg_temp.ord('a1'))),
  'FF403', 'Unauthorized', 'record checks its caller itself: a customer''s claims are refused');
select throws_ok(format($$select ffx_internal.crypto_payment_release(%L, %L)$$, pg_temp.ord('a1'), pg_temp.tok('a1')),
  'FF403', 'Unauthorized', 'so does release');

select pg_temp.as_service();
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a1'), gen_random_uuid(), pg_temp.invoice('4600000001'),
                                       pg_temp.np_payment('8100000001', 'usdtbsc', pg_temp.ord('a1'))),
  '{"action": "superseded", "invoice_url": null, "payment": null}'::jsonb,
  'a token that holds nothing records nothing');
select is(ffx_internal.crypto_payment_release(pg_temp.ord('a1'), gen_random_uuid()), false,
  'and releases nothing');
reset role;
select is((select count(*) from public.payment_reservations where order_id = pg_temp.ord('a1')), 1::bigint,
  'the reservation is still there');
select pg_temp.as_service();
select throws_ok(format($$select ffx_internal.crypto_payment_record(%L, %L, null, %L)$$, pg_temp.ord('a1'), pg_temp.tok('a1'),
                        pg_temp.np_payment('8100000001', 'btc', pg_temp.ord('a1'))),
  '22023', null, 'a payment in another coin than the reservation''s is refused');
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a1'), pg_temp.tok('a1'), pg_temp.invoice('4600000001'),
                                       pg_temp.np_payment('8100000001', 'usdtbsc', pg_temp.ord('a1'))) ->> 'action',
  'recorded', 'the token that holds the reservation records the payment');
reset role;
select is((select count(*) from public.payment_reservations where order_id = pg_temp.ord('a1')), 0::bigint,
  'and the reservation is released with it');
select pg_temp.as_service();
select is((select invoice_id from public.orders where order_id = pg_temp.ord('a1')), '4600000001',
  'the order has its invoice');
select results_eq(
  format($$select admin_id, admin_email, new_values ->> 'actor_role' from public.admin_audit_log
            where action_type = 'payment_created' and record_id = %L$$, pg_temp.ord('a1')),
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid, 'alice@example.com', 'authenticated')$$,
  'the audit row names alice, who took the reservation, not the service that recorded it');
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a1'), pg_temp.tok('a1'), pg_temp.invoice('4600000001'),
                                       pg_temp.np_payment('8100000001', 'usdtbsc', pg_temp.ord('a1'))) ->> 'action',
  'superseded', 'a used token records nothing a second time');

-- with an invoice, coins reserve independently
select pg_temp.as_alice();
select is(pg_temp.beg('a1', 'usdt_bsc') ->> 'action', 'reuse', 'the recorded payment is reused');
select is(pg_temp.keep('a1-btc', pg_temp.beg('a1', 'btc')) ->> 'action', 'create',
  'another coin reserves once the order has an invoice');
select is(pg_temp.keep('a1-trx', pg_temp.beg('a1', 'usdt_trc20')) ->> 'action', 'create',
  'and a third coin alongside it');
select is(pg_temp.beg('a1', 'btc') ->> 'action', 'wait', 'while btc is reserved, btc waits');
select is(pg_temp.tok('a1-btc') <> pg_temp.tok('a1-trx'), true, 'each reservation has its own token');

-- release: the order is payable again at once
select pg_temp.as_service();
select is(ffx_internal.crypto_payment_release(pg_temp.ord('a1'), pg_temp.tok('a1-trx')), true,
  'the holder''s token releases its reservation');
select is(ffx_internal.crypto_payment_release(pg_temp.ord('a1'), pg_temp.tok('a1-trx')), false, 'once');
select pg_temp.as_alice();
select is(pg_temp.beg('a1', 'usdt_trc20') ->> 'action', 'create', 'after a release the next call reserves at once');

-- ==============================================================================================
-- takeover after expiry
-- ==============================================================================================
reset role;
select pg_temp.expire(pg_temp.ord('a1'), 'btc');
select pg_temp.as_alice();
select is(pg_temp.keep('a1-btc-2', pg_temp.beg('a1', 'btc', 'web-9:9:req-9')) - 'token',
  jsonb_build_object('action', 'create', 'pay_currency', 'btc', 'price_amount', '649.00', 'price_currency', 'usd',
                     'invoice_id', '4600000001', 'order_description', 'FlashFundX one_step 10000 MT4',
                     'took_over', true, 'previous_holder', 'host:1:req'),
  'an expired reservation is taken over, and the answer says whose it was');
select ok(pg_temp.tok('a1-btc-2') <> pg_temp.tok('a1-btc'), 'with a new token');
select pg_temp.as_service();
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a1'), pg_temp.tok('a1-btc'), null,
                                       pg_temp.np_payment('8100000002', 'btc', pg_temp.ord('a1'))),
  jsonb_build_object('action', 'superseded', 'invoice_url', 'https://nowpayments.io/payment/?iid=4600000001',
                     'payment', null),
  'the stalled first holder wakes up: its token records nothing');
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a1'), pg_temp.tok('a1-btc-2'), null,
                                       pg_temp.np_payment('8100000003', 'btc', pg_temp.ord('a1'))) ->> 'action',
  'recorded', 'the taker''s token records');
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a1'), pg_temp.tok('a1-btc'), null,
                                       pg_temp.np_payment('8100000002', 'btc', pg_temp.ord('a1'))) -> 'payment' ->> 'payment_id',
  '8100000003', 'a first holder that finishes after the taker gets the taker''s payment back, not a second one');
select results_eq(
  format($$select payment_id from public.payments where order_id = %L and pay_currency = 'btc'$$, pg_temp.ord('a1')),
  $$values ('8100000003')$$,
  'exactly one btc payment for the order');

-- an invoice-creating takeover: the stalled holder's invoice is never recorded
select pg_temp.as_alice();
select is(pg_temp.keep('a2-usdt', pg_temp.beg('a2', 'usdt_bsc', 'web-1:1:first')) -> 'invoice_id', 'null'::jsonb,
  'a2: the first call will create the invoice');
reset role;
select pg_temp.expire(pg_temp.ord('a2'), 'usdtbsc');
select pg_temp.as_alice();
select is(pg_temp.keep('a2-btc', pg_temp.beg('a2', 'btc', 'web-2:2:second')) ->> 'took_over', 'true',
  'another coin takes over the order while its invoice-creating reservation is expired');
reset role;
select is((select array_agg(pay_currency) from public.payment_reservations where order_id = pg_temp.ord('a2')),
  array['btc'], 'the expired invoice-creating reservation is gone with it');
select pg_temp.as_service();
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a2'), pg_temp.tok('a2-btc'), pg_temp.invoice('4600000002'),
                                       pg_temp.np_payment('8200000001', 'btc', pg_temp.ord('a2'))) ->> 'action',
  'recorded', 'the taker records its invoice and payment');
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a2'), pg_temp.tok('a2-usdt'), pg_temp.invoice('4600000099'),
                                       pg_temp.np_payment('8200000002', 'usdtbsc', pg_temp.ord('a2'))) ->> 'action',
  'superseded', 'the first holder''s invoice and payment are not recorded');
select is((select invoice_id from public.orders where order_id = pg_temp.ord('a2')), '4600000002',
  'the order keeps one invoice');

-- belt and braces: a token that still holds a reservation cannot add a second invoice, nor a
-- second open payment in its coin
reset role;
insert into public.payment_reservations (order_id, pay_currency, token, holder, actor_role, creates_invoice, expires_at)
values (pg_temp.ord('a2'), 'usdtmatic', 'e0000000-0000-4000-8000-000000000001', 'stale:1:x', 'authenticated', true,
        now() + interval '1 minute');
insert into public.payments (payment_id, order_id, user_id, payment_status, pay_currency, raw)
select '8200000003', order_id, user_id, 'waiting', 'trx', '{}' from public.orders where order_id = pg_temp.ord('a2');
insert into public.payment_reservations (order_id, pay_currency, token, holder, actor_role, creates_invoice, expires_at)
values (pg_temp.ord('a2'), 'trx', 'e0000000-0000-4000-8000-000000000002', 'stale:1:y', 'authenticated', false,
        now() + interval '1 minute');
select pg_temp.as_service();
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a2'), 'e0000000-0000-4000-8000-000000000001', pg_temp.invoice('4600000003'),
                                       pg_temp.np_payment('8200000004', 'usdtmatic', pg_temp.ord('a2'))) ->> 'action',
  'superseded', 'a second invoice for an order that has one is refused');
select is(ffx_internal.crypto_payment_record(pg_temp.ord('a2'), 'e0000000-0000-4000-8000-000000000002', null,
                                       pg_temp.np_payment('8200000005', 'trx', pg_temp.ord('a2'))) -> 'payment' ->> 'payment_id',
  '8200000003', 'a second open payment in a coin is refused; the open one is answered');
select is((select count(*) from public.payments where order_id = pg_temp.ord('a2')), 2::bigint,
  'a2 has the taker''s payment and the one that arrived by itself, nothing else');

-- ==============================================================================================
-- begin: who may pay, and the reservation's parameters
-- ==============================================================================================
select pg_temp.as_user('c0000000-0000-4000-8000-00000000000c', 'carol@example.com');
select throws_ok($$select pg_temp.beg('carol')$$, 'FF403', 'Account is suspended or banned', 'a banned customer cannot pay');
select throws_ok(format($$select ffx_internal.crypto_payment_begin(%L, 'a0000000-0000-4000-8000-00000000000a', 'one_step', 50000,
                          'mt4', 999, 999, 'usdt_bsc', 'h:1:r', 20000)$$, pg_temp.ord('a3')),
  'FF404', 'Order not found', 'and learns nothing about other orders');
select pg_temp.as_user('d0000000-0000-4000-8000-00000000000d', 'dave@example.com');
select throws_ok($$select pg_temp.beg('dave')$$, 'FF403', 'Account is suspended or banned', 'nor a suspended one');
select pg_temp.as_user('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com', true);
select throws_ok($$select pg_temp.beg('carol')$$, 'FF403', 'Account is suspended or banned', 'an admin cannot pay for them');
select pg_temp.as_service();
select throws_ok($$select pg_temp.beg('dave')$$, 'FF403', 'Account is suspended or banned', 'nor can the service');
reset role;
insert into public.payments (payment_id, order_id, user_id, payment_status, pay_currency, raw)
select '8300000001', order_id, user_id, 'waiting', 'usdtbsc', '{}' from public.orders where order_id = pg_temp.ord('carol');
select pg_temp.as_user('c0000000-0000-4000-8000-00000000000c', 'carol@example.com');
select throws_ok($$select pg_temp.beg('carol')$$, 'FF403', 'Account is suspended or banned',
  'a banned customer does not get an open payment back either');
reset role;
update public.user_profiles set account_status = 'active' where id = 'd0000000-0000-4000-8000-00000000000d';
select pg_temp.as_user('d0000000-0000-4000-8000-00000000000d', 'dave@example.com');
select is(pg_temp.beg('dave') ->> 'action', 'create', 'reinstated, the customer can pay again');
reset role;
select is((select count(*) from public.payment_reservations where order_id in (pg_temp.ord('carol'))), 0::bigint,
  'the refusals reserved nothing');

select pg_temp.as_alice();
select throws_ok($$select pg_temp.beg('a3', 'usdt_bsc', 'h:1:r', 999)$$, '22023', null, 'a budget under 1 s is refused');
select throws_ok($$select pg_temp.beg('a3', 'usdt_bsc', 'h:1:r', 600001)$$, '22023', null, 'a budget over 10 min is refused');
select throws_ok($$select pg_temp.beg('a3', 'usdt_bsc', '')$$, '22023', null, 'an empty holder is refused');
select throws_ok($$select pg_temp.beg('a3', 'usdt_bsc', repeat('h', 201))$$, '22023', null, 'a holder over 200 characters is refused');
select is(pg_temp.beg('a3', 'usdt_bsc', 'h:1:r', 1000) ->> 'action', 'create', 'the smallest budget is taken');
reset role;
select is((select expires_at - reserved_at from public.payment_reservations where order_id = pg_temp.ord('a3')),
  interval '6 seconds', 'and expires 5 s after it');

-- ==============================================================================================
-- the discount code's last use: held by the reservation, before NOWPayments is asked
-- ==============================================================================================
reset role;
insert into public.discount_codes (code, percent_off, max_uses) values ('LASTONE', 10, 1);
with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, discount_code)
  values ('a0000000-0000-4000-8000-00000000000a', 'two_step', 10000, 'mt4', 'LASTONE'),
         ('b0000000-0000-4000-8000-00000000000b', 'two_step', 10000, 'mt4', 'LASTONE')
  returning order_id, user_id)
insert into fx
select case o.user_id when 'a0000000-0000-4000-8000-00000000000a' then 'a-code' else 'b-code' end, o.order_id, o.user_id
  from o;
select pg_temp.as_alice();
select is(pg_temp.keep('a-code', pg_temp.beg('a-code', 'usdt_bsc')) ->> 'action', 'create',
  'the first checkout with the code reserves');
reset role;
select results_eq($$select uses, held from public.discount_codes where code = 'LASTONE'$$, $$values (0, 1)$$,
  'and holds the code''s last use before NOWPayments is asked');
select pg_temp.as_user('b0000000-0000-4000-8000-00000000000b', 'bob@example.com');
select throws_ok($$select pg_temp.beg('b-code', 'usdt_bsc')$$, 'FF400', 'Invalid discount code',
  'a second customer cannot open a payment for the code''s last use');
reset role;
select is((select count(*) from public.payment_reservations where order_id = pg_temp.ord('b-code')), 0::bigint,
  'nor reserve anything');
select pg_temp.as_service();
select is(ffx_internal.crypto_payment_release(pg_temp.ord('a-code'), pg_temp.tok('a-code')), true,
  'the first checkout''s provider call failed: it releases');
reset role;
select results_eq($$select uses, held from public.discount_codes where code = 'LASTONE'$$, $$values (0, 0)$$,
  'and the hold goes back with the reservation');
select pg_temp.as_user('b0000000-0000-4000-8000-00000000000b', 'bob@example.com');
select is(pg_temp.beg('b-code', 'usdt_bsc') ->> 'action', 'create', 'now the second customer can pay with it');
reset role;

-- ==============================================================================================
-- payment_refresh_claim: at most once per payment per interval
-- ==============================================================================================
insert into public.payments (payment_id, order_id, user_id, payment_status, pay_currency, raw)
select '8400000001', order_id, user_id, 'waiting', 'btc', '{}' from public.orders where order_id = pg_temp.ord('b1');
select pg_temp.as_user('b0000000-0000-4000-8000-00000000000b', 'bob@example.com');
select throws_ok($$select ffx_internal.payment_refresh_claim('8400000001', 30, 'check-payment-status')$$, '42501', null,
  'a customer cannot claim a refresh');
reset role;
select set_config('request.jwt.claims', '{"role":"authenticated"}', true);
select throws_ok($$select ffx_internal.payment_refresh_claim('8400000001', 30, 'x')$$, 'FF403', 'Unauthorized',
  'the claim checks its caller itself');
select pg_temp.as_service();
select is(ffx_internal.payment_refresh_claim('8400000001', 30, 'check-payment-status'), true, 'the first claim wins');
select is(ffx_internal.payment_refresh_claim('8400000001', 30, 'check-payment-status'), false,
  'a second one within the interval loses');
select is(ffx_internal.payment_refresh_claim('8400000001', 60, 'ffx-reconcile'), false,
  'so does the reconciler''s, with its own interval');
select is(ffx_internal.payment_refresh_claim('8400000002', 30, 'check-payment-status'), false,
  'a payment we do not have is never claimed');
select throws_ok($$select ffx_internal.payment_refresh_claim('8400000001', -1, 'x')$$, '22023', null, 'a negative interval is refused');
select throws_ok($$select ffx_internal.payment_refresh_claim('8400000001', 30, '')$$, '22023', null, 'an empty claimer is refused');
reset role;
select is((select attempted_by from public.payment_refreshes where payment_id = '8400000001'), 'check-payment-status',
  'the attempt names who made it');
update public.payment_refreshes set attempted_at = attempted_at - interval '31 seconds' where payment_id = '8400000001';
select pg_temp.as_service();
select is(ffx_internal.payment_refresh_claim('8400000001', 60, 'ffx-reconcile'), false,
  '31 s later the reconciler (60 s) still waits');
select is(ffx_internal.payment_refresh_claim('8400000001', 30, 'check-payment-status'), true,
  'while the status check (30 s) may ask again');
select is(ffx_internal.payment_refresh_claim('8400000001', 0, 'ffx-reconcile'), true, 'an interval of 0 always may');

select * from finish();
rollback;
