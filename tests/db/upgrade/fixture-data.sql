-- Data for the upgrade fixtures: a little of everything the released layout (migrations
-- 0001_schema .. 0014_fast_paths) holds, written the way the running system writes it (the
-- functions of that layout, as service_role or as an admin), with the superuser only where an
-- operator or the original frontend would write directly. tests/db/upgrade/make-fixtures.sh runs
-- it on a database that the released layout migrated; tests/db/upgrade.sh upgrades the result.
--
-- Every table gets rows: users and profiles (active, suspended, banned), inventory (available,
-- delivered, disabled), orders in every state the released state machine produces (pending,
-- waiting, confirmed, partially paid, paid and delivered, paid and waiting for stock, expired,
-- refunded, price mismatch, cancelled, paid twice), payments, payment_transactions, the IPN inbox
-- (processed, duplicate, unmatched, failed), the e-mail outbox (sent, failed, pending), discount
-- codes (used by a paid order, burned by an unpaid one), audit rows and the webhook debug log.
\set ON_ERROR_STOP 1

-- who is calling: service_role (the backend) unless set otherwise
create function pg_temp.as_service() returns void language sql as $$
  select set_config('request.jwt.claims', '{"role": "service_role", "operator": "fixture"}', false)
$$;
create function pg_temp.as_admin() returns void language sql as $$
  select set_config('request.jwt.claims',
    '{"role": "authenticated", "sub": "ad000000-0000-4000-8000-0000000000ad", "email": "ops@example.com", "app_metadata": {"role": "admin"}}',
    false)
$$;

-- users (the profile trigger creates user_profiles) -------------------------------------------
insert into auth.users (id, email, aud, role, raw_user_meta_data, raw_app_meta_data, created_at) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', 'authenticated', 'authenticated',
   '{"first_name": "Alice", "last_name": "A", "country": "DE", "marketing_consent": "yes"}', '{"provider": "email"}', now()),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com', 'authenticated', 'authenticated',
   '{"first_name": "Bob", "phone": "+49 30 1234"}', '{"provider": "email"}', now()),
  ('c0000000-0000-4000-8000-00000000000c', 'carol@example.com', 'authenticated', 'authenticated',
   '{"first_name": "Carol"}', '{"provider": "email"}', now()),
  ('d0000000-0000-4000-8000-00000000000d', 'dave@example.com', 'authenticated', 'authenticated',
   '{"first_name": "Dave"}', '{"provider": "email"}', now()),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com', 'authenticated', 'authenticated',
   '{"first_name": "Ops"}', '{"provider": "email", "role": "admin"}', now());

-- reference data an operator edits --------------------------------------------------------------
update public.crypto_addresses set wallet_address = 'bc1qfixtureaddress0000000000000000000', is_active = true
 where crypto_name = 'Bitcoin';
update public.pricing set active = false where account_type = 'instant' and account_size = 200000;
insert into public.discount_codes (code, percent_off, max_uses) values ('spring10', 10, 5);
insert into public.discount_codes (code, amount_off, valid_until) values ('FIXED50', 50, now() + interval '1 year');

-- inventory: imported through the operator's function (audited), one disabled -------------------
select pg_temp.as_service();
select public.admin_inventory_import(
  jsonb_build_array(
    jsonb_build_object('line', 1, 'size', '10000', 'platform', 'mt4', 'server', 'FFX-Live01', 'login', '1001', 'password', 'pw-1001', 'investor_password', 'inv-1001'),
    jsonb_build_object('line', 2, 'size', '10000', 'platform', 'mt4', 'server', 'FFX-Live01', 'login', '1002', 'password', 'pw-1002', 'investor_password', 'inv-1002'),
    jsonb_build_object('line', 3, 'size', '10000', 'platform', 'mt4', 'server', 'FFX-Live01', 'login', '1003', 'password', 'pw-1003', 'investor_password', 'inv-1003'),
    jsonb_build_object('line', 4, 'size', '10000', 'platform', 'mt4', 'server', 'FFX-Live01', 'login', '1004', 'password', 'pw-1004', 'investor_password', 'inv-1004'),
    jsonb_build_object('line', 5, 'size', '5000', 'platform', 'mt5', 'server', 'FFX-Live02', 'login', '2001', 'password', 'pw-2001', 'investor_password', 'inv-2001'),
    jsonb_build_object('line', 6, 'size', '5000', 'platform', 'mt5', 'server', 'FFX-Live02', 'login', '2002', 'password', 'pw-2002', 'investor_password', 'inv-2002'),
    jsonb_build_object('line', 7, 'size', '25000', 'platform', 'mt4', 'server', 'FFX-Live01', 'login', '3001', 'password', 'pw-3001', 'investor_password', 'inv-3001')),
  'fixture stock');
select public.admin_inventory_set_status(
  (select id from public.account_container where login_id = '3001'), 'disabled', 'broker closed it');

-- orders: inserted as the original frontend does (the pricing trigger sets the amounts) ----------
create temp table fx (name text primary key, order_id text);
create function pg_temp.mk(p_name text, p_user uuid, p_type text, p_size integer, p_platform text,
                           p_code text default null) returns text
language sql as $$
  with o as (
    insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount, discount_code)
    values (p_user, p_type, p_size, p_platform, 0, 0, p_code) returning order_id)
  insert into pg_temp.fx select p_name, order_id from o returning order_id
$$;
create function pg_temp.ord(p_name text) returns text language sql stable as
$$ select order_id from pg_temp.fx where name = p_name $$;

select pg_temp.mk('pending',      'a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 'SPRING10');
select pg_temp.mk('waiting',      'a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4');
select pg_temp.mk('confirmed',    'b0000000-0000-4000-8000-00000000000b', 'one_step', 10000, 'mt4');
select pg_temp.mk('partial',      'b0000000-0000-4000-8000-00000000000b', 'two_step', 5000, 'mt5');
select pg_temp.mk('delivered',    'a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 'spring10');
select pg_temp.mk('no_stock',     'b0000000-0000-4000-8000-00000000000b', 'hft', 200000, 'mt5');
select pg_temp.mk('expired',      'c0000000-0000-4000-8000-00000000000c', 'one_step', 10000, 'mt4');
select pg_temp.mk('refunded',     'a0000000-0000-4000-8000-00000000000a', 'two_step', 5000, 'mt5');
select pg_temp.mk('mismatch',     'b0000000-0000-4000-8000-00000000000b', 'one_step', 10000, 'mt4');
select pg_temp.mk('cancelled',    'a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4');
select pg_temp.mk('second',       'b0000000-0000-4000-8000-00000000000b', 'one_step', 10000, 'mt4', 'FIXED50');
select pg_temp.mk('checkout',     'a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4');

-- create-crypto-payment as the released layout runs it: begin and record in one transaction
begin;
select set_config('request.jwt.claims',
  '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-00000000000a", "email": "alice@example.com"}', true);
select public.crypto_payment_begin(pg_temp.ord('checkout'), 'a0000000-0000-4000-8000-00000000000a',
  'one_step', 10000, 'mt4', 649, 649, 'btc');
select public.crypto_payment_record(pg_temp.ord('checkout'),
  '{"id": "4401001", "invoice_url": "https://nowpayments.io/payment/?iid=4401001"}',
  jsonb_build_object('payment_id', '5500001', 'payment_status', 'waiting', 'pay_address', 'bc1qcheckout',
                     'pay_amount', 0.00656612, 'pay_currency', 'btc', 'price_amount', 649,
                     'price_currency', 'usd', 'invoice_id', '4401001', 'order_id', pg_temp.ord('checkout'),
                     'created_at', '2026-01-05T10:00:00.000Z', 'updated_at', '2026-01-05T10:00:00.000Z',
                     'expiration_estimate_date', '2026-01-05T10:20:00.000Z',
                     'raw', jsonb_build_object('payment_id', '5500001', 'payment_status', 'waiting')));
commit;

-- IPNs through the inbox, as payment-webhook sends them ------------------------------------------
select pg_temp.as_service();
create temp sequence upd start 1767607200000;
create function pg_temp.ipn(p_pid bigint, p_status text, p_order text, p_over jsonb default '{}') returns jsonb
language sql as $$
  select public.ipn_receive(jsonb_build_object(
           'payment_id', p_pid, 'payment_status', p_status, 'order_id', pg_temp.ord(p_order),
           'parent_payment_id', null, 'invoice_id', null, 'pay_address', 'addr-' || p_pid,
           'pay_amount', 0.00656612, 'pay_currency', 'btc',
           'price_amount', (select final_amount from public.orders where order_id = pg_temp.ord(p_order)),
           'price_currency', 'usd',
           'actually_paid', case when p_status in ('finished', 'confirmed', 'sending', 'refunded') then 0.00656612
                                 when p_status = 'partially_paid' then 0.00328306 else 0 end,
           'outcome_amount', 0.0065, 'outcome_currency', 'btc',
           'updated_at', nextval('pg_temp.upd')) || p_over, 'raw')
$$;

select pg_temp.ipn(6001, 'waiting', 'waiting');
select pg_temp.ipn(6002, 'waiting', 'confirmed');
select pg_temp.ipn(6002, 'confirmed', 'confirmed');
select pg_temp.ipn(6003, 'partially_paid', 'partial');
select pg_temp.ipn(6004, 'confirming', 'delivered');
select pg_temp.ipn(6004, 'finished', 'delivered');
select pg_temp.ipn(6005, 'finished', 'no_stock');
select pg_temp.ipn(6006, 'waiting', 'expired');
select pg_temp.ipn(6006, 'expired', 'expired');
select pg_temp.ipn(6007, 'finished', 'refunded');
select pg_temp.ipn(6007, 'refunded', 'refunded');
select pg_temp.ipn(6008, 'finished', 'mismatch', '{"price_amount": 1}');
select pg_temp.ipn(6009, 'finished', 'second');
select pg_temp.ipn(6010, 'finished', 'second');
select pg_temp.ipn(5500001, 'waiting', 'checkout');
-- the same notification again (a provider retry): a duplicate, nothing else happens
select public.ipn_receive(e.payload, 'canonical') from public.ipn_events e where e.payment_id = '6001';
-- a notification for nothing we know: unmatched
select public.ipn_receive('{"payment_id": 6999, "payment_status": "finished", "order_id": "FFX999999999", "actually_paid": 1}', 'raw');
-- a payment recorded for another order: the apply fails and the event is kept for review
select pg_temp.ipn(6001, 'confirming', 'confirmed');

-- an admin cancels an order that will never be paid (the released layout let an admin update it)
update public.orders set order_status = 'cancelled', payment_status = 'failed'
 where order_id = pg_temp.ord('cancelled');

-- the reconciler's bookkeeping: a poll claimed, a failed event retried ------------------------------
update public.payments set updated_at = now() - interval '1 hour' where payment_id = '6001';
select * from public.reconcile_due_payments(10, 60);
select public.reconcile_failed_events(10);

-- profiles: an admin suspends and bans; a customer edits her own ---------------------------------
select pg_temp.as_admin();
select public.admin_set_account_status('c0000000-0000-4000-8000-00000000000c', 'suspended', 'chargeback');
select public.admin_set_account_status('d0000000-0000-4000-8000-00000000000d', 'banned', 'fraud');
update public.user_profiles set last_login_at = now(), signup_ip = '203.0.113.7'
 where id = 'a0000000-0000-4000-8000-00000000000a';

-- the mailer: one sent, one failed for good, the rest pending ------------------------------------
select pg_temp.as_service();
select public.outbox_mark_sent(id) from public.outbox_claim(1, 60);
select public.outbox_mark_failed(id, '550 mailbox unavailable', 1) from public.outbox_claim(1, 60);

-- the webhook debug sink -------------------------------------------------------------------------
select public.webhook_debug_record('POST', '/functions/v1/webhook-debug', 'x=1',
  '{"content-type": "application/json"}', convert_to('{"hello": "world"}', 'UTF8'), '198.51.100.4');
select public.webhook_debug_record('GET', '/functions/v1/webhook-debug', null, '{}', null, '198.51.100.5');

select set_config('request.jwt.claims', '', false);
