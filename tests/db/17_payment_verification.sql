-- Payment verification: an order is paid, and delivers, only when what NOWPayments reports
-- as received for it (the parent and its repeated deposits, in the asset it was asked in, as exact
-- decimals) covers the signed pay_amount less the tolerance, at the order's price, for a customer
-- who may buy. Everything runs the way payment-webhook runs it (service_role, ipn_receive).
-- Users: alice (a...a) and bob (b...b) are customers, carl (c...c) gets banned, dora (d...d) leaves
-- (her auth.users row is deleted), ops (ad...ad) is an admin. Prices from the pricing trigger:
-- one_step 10000 mt4 = 649.
begin;
select plan(73);

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{"first_name": "Bob"}',   '{"provider": "email"}'),
  ('c0000000-0000-4000-8000-00000000000c', 'carl@example.com',  '{"first_name": "Carl"}',  '{"provider": "email"}'),
  ('d0000000-0000-4000-8000-00000000000d', 'dora@example.com',  '{"first_name": "Dora"}',  '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');

insert into public.account_container (account_size, platform_type, server_name, login_id, password, investor_password, created_at)
select 10000, 'mt4', 'FlashFundX-Live01', (700000 + g)::text, 'pw-' || g, 'inv-' || g, now() - make_interval(mins => 100 - g)
  from generate_series(1, 40) g;

create temp table fx (name text primary key, order_id text);
grant select on fx to public;
create function pg_temp.ord(p_name text) returns text
language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;

create function pg_temp.mk(p_name text, p_user uuid default 'a0000000-0000-4000-8000-00000000000a') returns void
language sql as $$
  with o as (
    insert into public.orders (user_id, account_type, account_size, platform_type)
    values (p_user, 'one_step', 10000, 'mt4') returning order_id)
  insert into pg_temp.fx select p_name, order_id from o
$$;

select pg_temp.mk(n) from unnest(array[
  'half', 'within', 'beyond', 'over', 'over_dust', 'kid', 'late_kid', 'kid_after', 'asset', 'asset_parent',
  'price', 'confirmed', 'force', 'accept', 'tol', 'refund_second', 'partial_only', 'held_rich']) n;
select pg_temp.mk('banned', 'c0000000-0000-4000-8000-00000000000c');
select pg_temp.mk('gone', 'd0000000-0000-4000-8000-00000000000d');

create temp sequence upd start 1765249461000;
grant usage on sequence upd to public;

-- ipn(payment_id, status, order, paid, overrides): asked 100 usdttrc20 for 649 usd
create function pg_temp.ipn(p_pid bigint, p_status text, p_order text, p_paid numeric, p_over jsonb default '{}') returns jsonb
language sql as $$
  select jsonb_build_object(
           'payment_id', p_pid, 'payment_status', p_status, 'order_id', pg_temp.ord(p_order),
           'parent_payment_id', null, 'invoice_id', null, 'pay_address', 'T-addr-' || p_pid,
           'pay_amount', 100, 'pay_currency', 'usdttrc20', 'price_amount', 649, 'price_currency', 'usd',
           'actually_paid', p_paid, 'actually_paid_at_fiat', 0, 'outcome_amount', p_paid,
           'outcome_currency', 'usdttrc20', 'purchase_id', '5172103429', 'updated_at', nextval('pg_temp.upd'))
         || p_over
$$;
-- a repeated deposit to pid's address: order_id null, parent_payment_id set
create function pg_temp.kid(p_pid bigint, p_parent bigint, p_status text, p_paid numeric, p_over jsonb default '{}') returns jsonb
language sql as $$
  select pg_temp.ipn(p_pid, p_status, null, p_paid, jsonb_build_object('parent_payment_id', p_parent) || p_over)
$$;
create function pg_temp.recv(p jsonb) returns jsonb
language sql as $$ select ffx_internal.ipn_receive(p, 'raw') $$;
create function pg_temp.st(p_name text) returns text
language sql stable as $$
  select o.order_status || '/' || o.payment_status || '/' || o.delivery_status || coalesce(' !' || o.needs_attention, '')
    from public.orders o where o.order_id = pg_temp.ord(p_name)
$$;
create function pg_temp.delivered(p_name text) returns bigint
language sql stable as $$ select count(*) from public.delivered_accounts d where d.order_id = pg_temp.ord(p_name) $$;
create function pg_temp.detail(p_name text) returns jsonb
language sql stable as $$ select attention_detail from public.orders where order_id = pg_temp.ord(p_name) $$;
create function pg_temp.act(p_who text) returns void
language plpgsql as $$
begin
  execute 'reset role';
  if p_who = 'service' then
    perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
    execute 'set local role service_role';
  elsif p_who = 'admin' then
    perform set_config('request.jwt.claims',
      '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}', true);
    execute 'set local role authenticated';
  elsif p_who = 'alice' then
    perform set_config('request.jwt.claims',
      '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}', true);
    execute 'set local role authenticated';
  end if;
end
$$;

-- ==============================================================================================
-- structure and privileges
-- ==============================================================================================
select has_table('public', 'payment_settings', 'table payment_settings exists');
select is((select underpay_tolerance from public.payment_settings), 0.00500::numeric(6,5), 'the default tolerance is 0.5 %');
select has_column('public', 'orders', 'attention_detail', 'orders.attention_detail exists');
select col_type_is('public', 'payments', 'counted', 'boolean', 'payments.counted is a boolean');
select is(
  array(select f || ':' || r
          from unnest(array['payment_group_root(uuid)', 'payment_group_verdict(text, uuid)',
                            'payment_hold(text, text, jsonb)', 'payment_settle(text, uuid, jsonb, text)',
                            'customer_is_active(uuid)', 'deliver_account_core(text, uuid, text)',
                            'deliver_account_unchecked(text, uuid, text)',
                            'admin_order_accept_payment(text, text)', 'admin_order_deliver(text, text, boolean)']) f,
               unnest(array['public', 'anon', 'authenticated', 'service_role']) r
         where has_function_privilege(r, 'ffx_internal.' || f, 'EXECUTE')
         order by 1),
  array['admin_order_accept_payment(text, text):authenticated', 'admin_order_accept_payment(text, text):service_role',
        'admin_order_deliver(text, text, boolean):authenticated', 'admin_order_deliver(text, text, boolean):service_role'],
  'EXECUTE: the helpers are the owner''s; the two admin entry points check their callers');

select pg_temp.act('alice');
select is((select count(*) from public.payment_settings), 0::bigint, 'a customer does not see the payment settings');
select throws_ok($$update public.payment_settings set underpay_tolerance = 0.09$$, '42501', null,
  'a customer cannot change the tolerance');
select throws_ok(format('select ffx_internal.admin_order_accept_payment(%L, %L)', pg_temp.ord('half'), 'r'), 'FF403', 'Unauthorized',
  'a customer cannot accept a payment');
select throws_ok(format('select ffx_internal.admin_order_deliver(%L, %L, true)', pg_temp.ord('half'), 'r'), 'FF403', 'Unauthorized',
  'a customer cannot force a delivery');
select pg_temp.act('admin');
select is((select count(*) from public.payment_settings), 1::bigint, 'an admin reads the payment settings');
select throws_ok($$update public.payment_settings set underpay_tolerance = 0.09$$, '42501', null,
  'an admin cannot change the tolerance through the API (scripts/migrate sets it)');

-- ==============================================================================================
-- the verdict, through the webhook's path
-- ==============================================================================================
select pg_temp.act('service');

-- half the amount, reported finished
select is(pg_temp.recv(pg_temp.ipn(101, 'finished', 'half', 50)) ->> 'verdict', 'underpaid', 'finished with half the amount: underpaid');
select is(pg_temp.st('half'), 'processing/pending/pending !underpaid', 'held: processing/pending, flagged underpaid');
select is(pg_temp.delivered('half'), 0::bigint, 'nothing delivered for half the money');
select ok((select paid_at is null from public.orders where order_id = pg_temp.ord('half')), 'an underpaid order has no paid_at');
select is((pg_temp.detail('half') ->> 'asked')::numeric || ' ' || (pg_temp.detail('half') ->> 'received')::numeric
          || ' ' || (pg_temp.detail('half') ->> 'currency') || ' ' || (pg_temp.detail('half') ->> 'tolerance'),
  '100 50 usdttrc20 0.00500', 'the detail has what the operator needs: asked, received, currency, tolerance');
select is(jsonb_array_length(pg_temp.detail('half') -> 'payments'), 1, 'and the payments, one here');
select results_eq(
  format($$select template_name, to_email, variables ->> 'order_id', variables ->> 'received'
             from public.email_outbox where order_id = %L$$, pg_temp.ord('half')),
  format($$values ('payment_review'::text, 'alice@example.com'::text, %L::text, '50'::text)$$, pg_temp.ord('half')),
  'the customer is told, once, that the payment is under review');
select pg_temp.recv(pg_temp.ipn(101, 'finished', 'half', 50));
select is((select count(*) from public.email_outbox where order_id = pg_temp.ord('half')), 1::bigint,
  'the same report again sends no second review e-mail');

-- within and beyond the tolerance
select is(pg_temp.recv(pg_temp.ipn(102, 'finished', 'within', 99.5)) ->> 'verdict', 'paid', '99.5 of 100 with 0.5 %: paid');
select is(pg_temp.st('within') || ' ' || pg_temp.delivered('within'), 'completed/paid/delivered 1', 'delivered');
select is(pg_temp.recv(pg_temp.ipn(103, 'finished', 'beyond', 99.49999999)) ->> 'verdict', 'underpaid',
  '99.49999999 of 100: underpaid, compared as exact decimals');
select is(pg_temp.delivered('beyond'), 0::bigint, 'not delivered');

-- more than asked
select is(pg_temp.recv(pg_temp.ipn(104, 'finished', 'over', 150)) ->> 'verdict', 'overpaid', '150 of 100: overpaid');
select is(pg_temp.st('over') || ' ' || pg_temp.delivered('over'), 'completed/paid/delivered !overpaid 1',
  'an overpayment delivers and flags the excess');
select is((pg_temp.detail('over') ->> 'received')::numeric, 150::numeric, 'with the amount received');
select is(pg_temp.recv(pg_temp.ipn(105, 'finished', 'over_dust', 100.5)) ->> 'verdict', 'paid', '100.5 of 100 is within the tolerance: paid');
select is(pg_temp.st('over_dust'), 'completed/paid/delivered', 'dust is not flagged');

-- a partially paid parent completed by a repeated deposit without order_id
select pg_temp.recv(pg_temp.ipn(110, 'waiting', 'kid', 0));
select is(pg_temp.recv(pg_temp.ipn(110, 'partially_paid', 'kid', 60)) ->> 'verdict', 'partially_paid', 'the parent: partially_paid');
select is(pg_temp.st('kid') || ' ' || pg_temp.delivered('kid'), 'processing/pending/pending !partially_paid 0', 'held');
select is(pg_temp.recv(pg_temp.kid(111, 110, 'confirming', 40)) ->> 'order_id', pg_temp.ord('kid'),
  'the repeated deposit is matched by its parent');
select is(pg_temp.recv(pg_temp.kid(111, 110, 'finished', 40)) ->> 'verdict', 'paid', '60 + 40 of 100: paid');
select is(pg_temp.st('kid') || ' ' || pg_temp.delivered('kid'), 'completed/paid/delivered 1', 'delivered, the hold cleared');
select is(pg_temp.recv(pg_temp.kid(111, 110, 'finished', 40)) ->> 'delivered', 'false', 'the deposit reported again delivers nothing more');
select results_eq(
  format($$select payment_id, counted, needs_review from public.payments where order_id = %L order by payment_id$$, pg_temp.ord('kid')),
  $$values ('110'::text, true, false), ('111', true, false)$$,
  'both payments counted, neither to review');

-- partially_paid alone never delivers, even when it covers the amount
select is(pg_temp.recv(pg_temp.ipn(112, 'partially_paid', 'partial_only', 100)) ->> 'verdict', 'partially_paid',
  'a partially_paid payment of the whole amount: still held (a finished payment is required)');
select is(pg_temp.delivered('partial_only'), 0::bigint, 'not delivered');

-- a 1-unit deposit to the address of an expired payment
select pg_temp.recv(pg_temp.ipn(120, 'waiting', 'late_kid', 0));
select pg_temp.recv(pg_temp.ipn(120, 'expired', 'late_kid', 0));
select is(pg_temp.st('late_kid'), 'failed/failed/pending', 'the expired payment failed the order');
select is(pg_temp.recv(pg_temp.kid(121, 120, 'finished', 1)) ->> 'verdict', 'underpaid', 'a 1-unit child: underpaid');
select is(pg_temp.st('late_kid') || ' ' || pg_temp.delivered('late_kid'), 'failed/failed/pending !underpaid 0',
  'nothing delivered; the failed order is flagged for the operator');

-- a repeated deposit after the order was paid
select pg_temp.recv(pg_temp.ipn(130, 'finished', 'kid_after', 100));
select pg_temp.recv(pg_temp.kid(131, 130, 'finished', 100));
select is(pg_temp.st('kid_after') || ' ' || pg_temp.delivered('kid_after'), 'completed/paid/delivered !second_payment_refund_review 1',
  'a child after finished: one account, flagged for a refund decision');
select results_eq(
  format($$select payment_id, counted, needs_review from public.payments where order_id = %L order by payment_id$$, pg_temp.ord('kid_after')),
  $$values ('130'::text, true, false), ('131', false, true)$$,
  'the child is not counted and is to review');

-- money in another asset
select pg_temp.recv(pg_temp.ipn(140, 'waiting', 'asset', 0));
select is(pg_temp.recv(pg_temp.kid(141, 140, 'finished', 100, '{"pay_currency": "usdterc20"}')) ->> 'verdict', 'wrong_currency',
  'a wrong-asset deposit of the full amount: wrong_currency');
select is(pg_temp.delivered('asset'), 0::bigint, 'not delivered');
select pg_temp.recv(pg_temp.ipn(142, 'waiting', 'asset_parent', 0));
select is(pg_temp.recv(pg_temp.ipn(142, 'finished', 'asset_parent', 100, '{"pay_currency": "USDTERC20"}')) ->> 'verdict',
  'wrong_currency', 'the payment itself reported finished in another asset: wrong_currency');
select is((select pay_currency from public.payments where payment_id = '142'), 'usdttrc20',
  'the asset first recorded for the payment is kept');

-- the price
select is(pg_temp.recv(pg_temp.ipn(150, 'finished', 'price', 100, '{"price_amount": 1}')) ->> 'verdict', 'price_mismatch',
  'a price other than the order''s: price_mismatch');
select is(pg_temp.st('price'), 'processing/pending/pending !price_mismatch', 'held, and not paid');

-- confirmed and sending are not paid
select pg_temp.recv(pg_temp.ipn(160, 'confirmed', 'confirmed', 100));
select pg_temp.recv(pg_temp.ipn(160, 'sending', 'confirmed', 100));
select is(pg_temp.st('confirmed'), 'processing/pending/pending', 'confirmed then sending: processing/pending');

-- a banned customer (set up as the owner: service_role does not write profiles)
reset role;
update public.user_profiles set account_status = 'banned' where id = 'c0000000-0000-4000-8000-00000000000c';
select is(pg_temp.recv(pg_temp.ipn(170, 'finished', 'banned', 100)) ->> 'verdict', 'customer_blocked',
  'a full payment from a banned customer: customer_blocked');
select is(pg_temp.st('banned') || ' ' || pg_temp.delivered('banned'), 'processing/pending/pending !customer_blocked 0',
  'held, nothing delivered');
select is(pg_temp.detail('banned') ->> 'payment_verdict', 'paid', 'the detail says the money itself was right');
select is(ffx_internal.deliver_account_to_user(pg_temp.ord('banned'), 'c0000000-0000-4000-8000-00000000000c') ->> 'error',
  'Customer account is not active', 'the delivery function itself refuses a banned customer');

-- a customer who left (her auth.users row deleted) before her money arrived: the order stays,
-- without its user, and nobody receives an account for it
reset role;
delete from auth.users where id = 'd0000000-0000-4000-8000-00000000000d';
select pg_temp.act('service');
select is(pg_temp.recv(pg_temp.ipn(175, 'finished', 'gone', 100)) ->> 'verdict', 'customer_blocked',
  'a full payment for the order of a customer who left: customer_blocked');
select is(pg_temp.st('gone') || ' ' || pg_temp.delivered('gone'), 'processing/pending/pending !customer_blocked 0',
  'held, nothing delivered');

-- the tolerance is the database's setting
reset role;
update public.payment_settings set underpay_tolerance = 0.02;
select pg_temp.act('service');
select is(pg_temp.recv(pg_temp.ipn(180, 'finished', 'tol', 98.5)) ->> 'verdict', 'paid', 'with 2 %, 98.5 of 100 is paid');
reset role;
update public.payment_settings set underpay_tolerance = 0.005;

-- ==============================================================================================
-- the operator
-- ==============================================================================================
select pg_temp.act('service');
select pg_temp.recv(pg_temp.ipn(190, 'confirmed', 'force', 100));
select pg_temp.recv(pg_temp.ipn(191, 'finished', 'accept', 90));
select pg_temp.act('admin');
select throws_ok(format('select ffx_internal.admin_order_deliver(%L, %L)', pg_temp.ord('force'), 'r'), 'FF409',
  'Order not paid: accept a held payment (orders accept-payment) or deliver with --force', 'a confirmed order is not delivered');
select throws_ok(format('select ffx_internal.admin_order_deliver(%L, null, true)', pg_temp.ord('force')), 'FF400',
  'A reason is required', 'forcing needs a reason');
select is(ffx_internal.admin_order_deliver(pg_temp.ord('force'), 'paid by wire, ticket 7', true) ->> 'success', 'true',
  'with force and a reason it is delivered');
select throws_ok(format('select ffx_internal.admin_order_accept_payment(%L, %L)', pg_temp.ord('confirmed'), 'r'), 'FF409',
  'Order has no held payment', 'accept-payment needs a held payment');
select throws_ok(format('select ffx_internal.admin_order_accept_payment(%L, %L)', pg_temp.ord('banned'), 'r'), 'FF409',
  'Customer account is not active', 'a banned customer''s payment cannot be accepted');
select is(ffx_internal.admin_order_accept_payment(pg_temp.ord('accept'), 'customer topped up by wire') ->> 'success', 'true',
  'an admin accepts a held underpayment: delivered');
select is(pg_temp.st('accept'), 'completed/paid/delivered', 'the hold is cleared');
select pg_temp.act('service');
select is(pg_temp.recv(pg_temp.ipn(191, 'finished', 'accept', 90)) ->> 'delivered', 'false',
  'the accepted payment reported again delivers nothing more');
select is(pg_temp.recv(pg_temp.ipn(190, 'finished', 'force', 100)) ->> 'needs_attention', null,
  'the forced order''s own payment finishing afterwards is its money, not a second payment');
reset role;
select results_eq(
  format($$select action_type, admin_email, description from public.admin_audit_log
            where record_id in (%L, %L) and action_type in ('payment_forced', 'payment_accepted', 'manual_delivery')
            order by id$$, pg_temp.ord('force'), pg_temp.ord('accept')),
  $$values ('payment_forced'::text, 'ops@example.com'::text, 'paid by wire, ticket 7'::text),
           ('manual_delivery', 'ops@example.com', 'paid by wire, ticket 7'),
           ('payment_accepted', 'ops@example.com', 'customer topped up by wire'),
           ('manual_delivery', 'ops@example.com', 'customer topped up by wire')$$,
  'every operator decision is audited with the reason');

-- refunds: of the money that paid the order, and of a second payment
select pg_temp.act('service');
select pg_temp.recv(pg_temp.ipn(200, 'finished', 'refund_second', 100));
select pg_temp.recv(pg_temp.ipn(201, 'finished', 'refund_second', 100));
select is(pg_temp.st('refund_second'), 'completed/paid/delivered !second_payment_refund_review', 'a second payment: to review');
select pg_temp.recv(pg_temp.ipn(201, 'refunded', 'refund_second', 100));
select is(pg_temp.st('refund_second'), 'completed/paid/delivered', 'its refund ends the review; the order stays delivered');
select pg_temp.recv(pg_temp.ipn(200, 'refunded', 'refund_second', 100));
select is(pg_temp.st('refund_second'), 'refunded/refunded/delivered', 'the refund of the counted payment refunds the order');

-- a held order paid in full by another coin's payment: the held money goes to review
select pg_temp.recv(pg_temp.ipn(210, 'finished', 'held_rich', 30));
select is(pg_temp.st('held_rich'), 'processing/pending/pending !underpaid', 'the first coin: underpaid');
select pg_temp.recv(pg_temp.ipn(211, 'finished', 'held_rich', 100, '{"pay_address": "T-other"}'));
select is(pg_temp.st('held_rich') || ' ' || pg_temp.delivered('held_rich'), 'completed/paid/delivered !second_payment_refund_review 1',
  'the second coin pays in full: delivered, and the first coin''s money is to review');

-- waiting for stock, then banned: stock arrival skips the customer
reset role;
update public.user_profiles set account_status = 'active' where id = 'c0000000-0000-4000-8000-00000000000c';
select pg_temp.mk('wait_ban', 'c0000000-0000-4000-8000-00000000000c');
update public.orders set account_size = 100000, order_status = 'processing', payment_status = 'paid', paid_at = now()
 where order_id = pg_temp.ord('wait_ban');
update public.user_profiles set account_status = 'suspended' where id = 'c0000000-0000-4000-8000-00000000000c';
insert into public.account_container (account_size, platform_type, server_name, login_id, password)
values (100000, 'mt4', 'FlashFundX-Live01', 'ban-1', 'pw');
select is(pg_temp.delivered('wait_ban'), 0::bigint, 'stock arrival delivers nothing to a suspended customer');
select is((select status from public.account_container where login_id = 'ban-1'), 'available', 'the account stays available');

select * from finish();
rollback;
