-- Account delivery: deliver_account_to_user (the seed's function, admin console and
-- backend), delivery on stock arrival (account_container triggers, deliver_waiting_orders), the
-- orders_waiting_for_stock view, and two sessions racing for stock (dblink).
-- Users: alice (a...a), bob (b...b) and carol (c...c) are customers; ops (ad...ad) carries
-- app_metadata.role=admin. Prices from the pricing trigger: instant 10000 = 849, hft 10000 = 749,
-- one_step 10000 = 649, two_step 10000 = 549.
begin;
select plan(54);

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{"first_name": "Bob"}',   '{"provider": "email"}'),
  ('c0000000-0000-4000-8000-00000000000c', 'carol@example.com', '{"first_name": "Carol"}', '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');
-- carol's profile has lost its e-mail: the delivery e-mail falls back to auth.users
update public.user_profiles set email = null where id = 'c0000000-0000-4000-8000-00000000000c';

-- stock (inserted before any order waits, so the stock trigger delivers nothing yet)
insert into public.account_container (account_size, platform_type, server_name, login_id, password, investor_password, created_at)
select 10000, 'mt4', 'FlashFundX-Live01', (2000 + g)::text, 'pw-' || (2000 + g), 'inv-' || (2000 + g),
       now() - make_interval(mins => 60 - g)
  from generate_series(1, 5) g;
insert into public.account_container (account_size, platform_type, server_name, login_id, password, created_at) values
  (25000, 'mt4', 'FlashFundX-Live01', '2501', 'pw-2501', now() - interval '1 day'),
  (5000,  'mt4', 'FlashFundX-Live02', '5001', 'pw-5001', now() - interval '1 day'),
  (200000, 'mt4', 'FlashFundX-Live02', '20001', 'pw-20001', now() - interval '1 day'),
  (200000, 'mt4', 'FlashFundX-Live02', '20002', 'pw-20002', now() - interval '1 day');

create temp table fx (name text primary key, order_id text, user_id uuid);
grant select on fx to public;
create function pg_temp.ord(p_name text) returns text
language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;
create function pg_temp.uid(p_name text) returns uuid
language sql stable as $$ select user_id from pg_temp.fx where name = p_name $$;

-- mk(name, user, type, size, platform, state): state 'pending', 'paid' (processing/paid, as after
-- 'confirmed' or an admin's manual mark) or 'waiting' (paid, paid_at set, not delivered)
create function pg_temp.mk(p_name text, p_user uuid, p_type text, p_size int, p_platform text, p_state text,
                           p_paid_at timestamptz default null) returns void
language plpgsql as $$
declare
  v text;
begin
  insert into public.orders (user_id, account_type, account_size, platform_type)
  values (p_user, p_type, p_size, p_platform) returning order_id into v;
  insert into pg_temp.fx values (p_name, v, p_user);
  if p_state in ('paid', 'waiting') then
    update public.orders set order_status = 'processing', payment_status = 'paid',
                             paid_at = case when p_state = 'waiting' then coalesce(p_paid_at, now()) end
     where order_id = v;
  end if;
end
$$;

select pg_temp.mk('ph_instant', 'a0000000-0000-4000-8000-00000000000a', 'instant',  10000, 'mt4', 'paid');
select pg_temp.mk('ph_hft',     'a0000000-0000-4000-8000-00000000000a', 'hft',      10000, 'mt4', 'paid');
select pg_temp.mk('ph_one',     'a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 'paid');
select pg_temp.mk('ph_two',     'a0000000-0000-4000-8000-00000000000a', 'two_step', 10000, 'mt4', 'paid');
select pg_temp.mk('np',         'a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 'pending');
select pg_temp.mk('norules',    'a0000000-0000-4000-8000-00000000000a', 'two_step', 25000, 'mt4', 'paid');
select pg_temp.mk('nostock',    'a0000000-0000-4000-8000-00000000000a', 'one_step', 50000, 'mt5', 'paid');
select pg_temp.mk('adm',        'c0000000-0000-4000-8000-00000000000c', 'one_step', 5000,  'mt4', 'paid');
-- a size with a price but (in this test) no trading rules
delete from public.trading_rules where account_type = 'two_step' and account_size = 25000;

create function pg_temp.dl(p_name text) returns jsonb
language sql as $$ select ffx_internal.deliver_account_to_user(pg_temp.ord(p_name), pg_temp.uid(p_name)) $$;
create function pg_temp.st(p_name text) returns text
language sql stable as $$
  select o.order_status || '/' || o.payment_status || '/' || o.delivery_status
    from public.orders o where o.order_id = pg_temp.ord(p_name)
$$;
create temp table res (name text primary key, r jsonb);
grant select, insert on res to public;

-- ==============================================================================================
-- structure and privileges
-- ==============================================================================================
select results_eq(
  $$select p.proname::text collate "default", p.prosecdef, p.proconfig = array['search_path=""'], format_type(p.prorettype, null)
      from pg_proc p
     where p.oid in ('ffx_internal.deliver_account_to_user(text, uuid)'::regprocedure,
                     'ffx_internal.deliver_waiting_orders(integer, text)'::regprocedure,
                     'ffx_internal.account_container_stock_arrived()'::regprocedure)
     order by 1$$,
  $$values ('account_container_stock_arrived', true, true, 'trigger'),
           ('deliver_account_to_user', true, true, 'jsonb'),
           ('deliver_waiting_orders', true, true, 'integer')$$,
  'the delivery entry points are SECURITY DEFINER with search_path pinned to empty');
select trigger_is('public', 'account_container', 'account_container_stock_arrived_insert', 'ffx_internal',
  'account_container_stock_arrived', 'account_container has the stock-arrival INSERT trigger');
select trigger_is('public', 'account_container', 'account_container_stock_arrived_update', 'ffx_internal',
  'account_container_stock_arrived', 'account_container has the stock-arrival UPDATE trigger');
-- tgtype bits: 1 = FOR EACH ROW, 2 = BEFORE, 4 = INSERT, 16 = UPDATE
select results_eq(
  $$select tgname::text collate "default", tgtype::int
      from pg_trigger where tgrelid = 'public.account_container'::regclass and tgname like 'account_container_stock%' order by 1$$,
  $$values ('account_container_stock_arrived_insert', 4), ('account_container_stock_arrived_update', 16)$$,
  'both fire AFTER, once per statement');
select has_view('public', 'orders_waiting_for_stock', 'view orders_waiting_for_stock exists');
select has_view('public', 'ipn_unmatched_events', 'view ipn_unmatched_events exists');
select is(
  array(select c.relname::text from pg_class c
         where c.oid in ('public.orders_waiting_for_stock'::regclass, 'public.ipn_unmatched_events'::regclass)
           and c.reloptions @> array['security_invoker=true'] order by 1),
  array['ipn_unmatched_events', 'orders_waiting_for_stock'],
  'both views run with the caller''s rights (security_invoker), so RLS applies');
select is(
  array(select v || ':' || r
          from unnest(array['orders_waiting_for_stock', 'ipn_unmatched_events']) v,
               unnest(array['anon', 'authenticated', 'service_role']) r
         where has_table_privilege(r, 'public.' || v, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
         order by 1),
  array['ipn_unmatched_events:authenticated', 'ipn_unmatched_events:service_role',
        'orders_waiting_for_stock:authenticated', 'orders_waiting_for_stock:service_role'],
  'the views: authenticated (admins, by RLS) and service_role, not anon');
select table_privs_are('public', 'orders_waiting_for_stock', 'authenticated', array['SELECT'], 'the stock view is read-only');

-- ==============================================================================================
-- callers who may not deliver
-- ==============================================================================================
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;
select throws_ok(format('select ffx_internal.deliver_account_to_user(%L, %L)', pg_temp.ord('ph_one'), pg_temp.uid('ph_one')),
  '42501', null, 'anon cannot execute deliver_account_to_user');

reset role;
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;
select throws_ok($$select pg_temp.dl('ph_one')$$, 'FF403', 'Unauthorized',
  'a customer cannot deliver, not even her own paid order');
select throws_ok('select ffx_internal.deliver_waiting_orders()', 'FF403', 'Unauthorized', 'a customer cannot run deliver_waiting_orders');

-- ==============================================================================================
-- service_role: the four account types
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;

insert into res select 'ph_instant', pg_temp.dl('ph_instant');
insert into res select 'ph_hft', pg_temp.dl('ph_hft');
insert into res select 'ph_one', pg_temp.dl('ph_one');
insert into res select 'ph_two', pg_temp.dl('ph_two');

select is((select count(*) from res where (r ->> 'success')::boolean and not (r ->> 'already_delivered')::boolean),
  4::bigint, 'all four orders are delivered');
select results_eq(
  $$select d.account_type, d.current_phase, d.challenge_status, d.phase_1_status, d.phase_2_status, d.live_status,
           d.account_status, d.email_sent
      from public.delivered_accounts d join pg_temp.fx f on f.order_id = d.order_id
     where f.name like 'ph\_%' order by d.account_type$$,
  $$values ('hft',      'challenge', 'active',      'not_started', 'not_started', 'not_started', 'active', false),
           ('instant',  'live',      'not_started', 'not_started', 'not_started', 'active',      'active', false),
           ('one_step', 'challenge', 'active',      'not_started', 'not_started', 'not_started', 'active', false),
           ('two_step', 'phase_1',   'not_started', 'active',      'not_started', 'not_started', 'active', false)$$,
  'phases: instant live, hft and one_step challenge, two_step phase_1; all active');
select results_eq(
  $$select r - 'delivered_account_id' from res where name = 'ph_one'$$,
  format($$values ('{"success": true, "already_delivered": false, "order_id": %s, "login_id": "2003", "server_name": "FlashFundX-Live01"}'::jsonb)$$,
         to_json(pg_temp.ord('ph_one'))),
  'the answer: success, order_id, login_id, server_name');
select is((select (r ->> 'delivered_account_id')::uuid from res where name = 'ph_one'),
  (select id from public.delivered_accounts where order_id = pg_temp.ord('ph_one')),
  'the answer names the delivered account');
select results_eq(
  $$select f.name, d.login_id, d.password, d.investor_password, d.server_name, d.user_id = f.user_id
      from public.delivered_accounts d join pg_temp.fx f on f.order_id = d.order_id
     where f.name like 'ph\_%' order by d.login_id$$,
  $$values ('ph_instant', '2001', 'pw-2001', 'inv-2001', 'FlashFundX-Live01', true),
           ('ph_hft',     '2002', 'pw-2002', 'inv-2002', 'FlashFundX-Live01', true),
           ('ph_one',     '2003', 'pw-2003', 'inv-2003', 'FlashFundX-Live01', true),
           ('ph_two',     '2004', 'pw-2004', 'inv-2004', 'FlashFundX-Live01', true)$$,
  'oldest inventory first; credentials copied; the order''s user');
select results_eq(
  $$select c.login_id, c.status, c.reserved_for_order_id = d.order_id, c.delivered_at is not null, d.container_account_id = c.id
      from public.account_container c join public.delivered_accounts d on d.container_account_id = c.id
     where c.login_id between '2001' and '2004' order by c.login_id$$,
  $$values ('2001', 'delivered', true, true, true), ('2002', 'delivered', true, true, true),
           ('2003', 'delivered', true, true, true), ('2004', 'delivered', true, true, true)$$,
  'the inventory rows are marked delivered for their orders');
select is(
  (select count(*) from public.orders o join pg_temp.fx f on f.order_id = o.order_id
    where f.name like 'ph\_%' and o.order_status = 'completed' and o.payment_status = 'paid'
      and o.delivery_status = 'delivered' and o.paid_at is not null and o.delivered_at is not null),
  4::bigint, 'the orders are completed/paid/delivered with paid_at and delivered_at');
select is(
  array(select count(*) from pg_temp.fx f left join public.email_outbox e on e.order_id = f.order_id
         where f.name like 'ph\_%' group by f.name),
  array[1, 1, 1, 1]::bigint[], 'one outbox e-mail per delivered order');
select results_eq(
  $$select e.template_name, e.to_email, e.status, e.variables
      from public.email_outbox e where e.order_id = pg_temp.ord('ph_one')$$,
  format($$values ('account_delivery', 'alice@example.com', 'pending',
                   '{"first_name": "Alice", "order_id": %s, "account_type": "one_step", "account_size": "10000",
                     "platform_type": "mt4", "server_name": "FlashFundX-Live01", "login_id": "2003",
                     "password": "pw-2003", "investor_password": "inv-2003"}'::jsonb)$$, to_json(pg_temp.ord('ph_one'))),
  'the e-mail has the account_delivery template''s variables');
select results_eq(
  $$select total_orders, total_spent from public.user_profiles where id = 'a0000000-0000-4000-8000-00000000000a'$$,
  $$values (4, 2796.00::numeric(12,2))$$,
  'alice''s totals: 4 orders, 849 + 749 + 649 + 549');
select results_eq(
  $$select count(*), bool_and(new_values ->> 'login_id' is not null), bool_or(new_values::text like '%pw-%' or old_values::text like '%pw-%')
      from public.admin_audit_log a join pg_temp.fx f on f.order_id = a.record_id
     where f.name like 'ph\_%' and a.action_type = 'account_delivered'$$,
  $$values (4::bigint, true, false)$$,
  'one account_delivered audit row per delivery, naming the login and never a password');

-- idempotent -------------------------------------------------------------------------------------
create temp table snap as
  select (select count(*) from public.delivered_accounts) da, (select count(*) from public.email_outbox) ob,
         (select count(*) from public.account_container where status = 'delivered') cd,
         (select count(*) from public.admin_audit_log) al,
         (select total_orders || '/' || total_spent from public.user_profiles where id = 'a0000000-0000-4000-8000-00000000000a') tot;
grant select on snap to public;
select results_eq(
  $$select r ->> 'success', r ->> 'already_delivered', r ->> 'delivered_account_id', r ->> 'login_id'
      from pg_temp.dl('ph_one') r$$,
  $$select 'true', 'true', r ->> 'delivered_account_id', '2003' from res where name = 'ph_one'$$,
  'a second call: already_delivered, with the existing delivery');
select results_eq(
  $$select (select count(*) from public.delivered_accounts), (select count(*) from public.email_outbox),
           (select count(*) from public.account_container where status = 'delivered'),
           (select count(*) from public.admin_audit_log),
           (select total_orders || '/' || total_spent from public.user_profiles where id = 'a0000000-0000-4000-8000-00000000000a')$$,
  'select da, ob, cd, al, tot from snap',
  'and creates nothing: no account, e-mail, inventory change, audit row or total');

-- not paid, not found ---------------------------------------------------------------------------
select is(pg_temp.dl('np'), '{"success": false, "error": "Order not paid"}'::jsonb, 'an unpaid order: Order not paid');
select is((select count(*) from public.account_container where status = 'available' and account_size = 10000), 1::bigint,
  'and no inventory is taken');
select is(ffx_internal.deliver_account_to_user(pg_temp.ord('np'), 'b0000000-0000-4000-8000-00000000000b'),
  '{"success": false, "error": "Order not found"}'::jsonb, 'another user''s order: Order not found');
select is(ffx_internal.deliver_account_to_user('FFX000000000', 'a0000000-0000-4000-8000-00000000000a'),
  '{"success": false, "error": "Order not found"}'::jsonb, 'an unknown order: Order not found');

-- no trading rules ------------------------------------------------------------------------------
select is(pg_temp.dl('norules'),
  jsonb_build_object('success', false, 'error', 'No trading rules for this account type and size', 'waiting', true,
                     'order_id', pg_temp.ord('norules')),
  'no trading rules for two_step 25000: refused, waiting');
select results_eq(
  $$select pg_temp.st('norules'), (select paid_at is not null from public.orders where order_id = pg_temp.ord('norules')),
           (select status from public.account_container where login_id = '2501')$$,
  $$values ('processing/paid/pending', true, 'available')$$,
  'the order stays paid with delivery pending; the 25000 account is not taken');

-- no stock: waiting -----------------------------------------------------------------------------
select is(pg_temp.dl('nostock'),
  jsonb_build_object('success', false, 'error', 'No accounts available', 'waiting', true, 'order_id', pg_temp.ord('nostock')),
  'no one_step 50000 mt5 in stock: No accounts available, waiting');
select results_eq(
  $$select pg_temp.st('nostock'), (select paid_at is not null from public.orders where order_id = pg_temp.ord('nostock'))$$,
  $$values ('processing/paid/pending', true)$$,
  'the order waits for stock: processing/paid/pending with paid_at');

-- the unique constraints behind "once" ---------------------------------------------------------
-- as the owner (what the delivery functions run as): service_role has no direct write on delivered_accounts
reset role;
select throws_ok(
  $$insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                           platform_type, server_name, login_id, password, current_phase)
    select pg_temp.ord('np'), pg_temp.uid('np'), c.id, 'one_step', 10000, 'mt4', c.server_name, c.login_id, c.password, 'challenge'
      from public.account_container c where c.login_id = '2003'$$,
  '23505', 'duplicate key value violates unique constraint "delivered_accounts_container_account_id_key"',
  'an inventory account already delivered cannot be delivered to another order');
select throws_ok(
  $$insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                           platform_type, server_name, login_id, password, current_phase)
    select pg_temp.ord('ph_one'), pg_temp.uid('ph_one'), c.id, 'one_step', 10000, 'mt4', c.server_name, c.login_id, c.password, 'challenge'
      from public.account_container c where c.login_id = '2005'$$,
  '23505', 'duplicate key value violates unique constraint "delivered_accounts_order_id_key"',
  'an order cannot get a second delivered account');

-- ==============================================================================================
-- stock arrival delivers waiting orders, oldest paid first
-- ==============================================================================================
reset role;
-- created W1, W2, W3 in that order, paid W2 first, then W3, then W1
select pg_temp.mk('w1', 'b0000000-0000-4000-8000-00000000000b', 'one_step', 100000, 'mt5', 'waiting', now() - interval '1 hour');
select pg_temp.mk('w2', 'b0000000-0000-4000-8000-00000000000b', 'one_step', 100000, 'mt5', 'waiting', now() - interval '3 hours');
select pg_temp.mk('w3', 'b0000000-0000-4000-8000-00000000000b', 'one_step', 100000, 'mt5', 'waiting', now() - interval '2 hours');

select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;
select results_eq(
  $$select w.order_id, w.queue_position, w.waiting_reason, w.available_accounts, w.age > interval '59 minutes', w.email
      from public.orders_waiting_for_stock w where w.account_size = 100000 order by w.queue_position$$,
  format($$values (%L, 1::bigint, 'no_stock', 0::bigint, true, 'bob@example.com'),
                  (%L, 2::bigint, 'no_stock', 0::bigint, true, 'bob@example.com'),
                  (%L, 3::bigint, 'no_stock', 0::bigint, true, 'bob@example.com')$$,
         pg_temp.ord('w2'), pg_temp.ord('w3'), pg_temp.ord('w1')),
  'orders_waiting_for_stock: the queue by paid_at, with age and reason');
select is((select waiting_reason from public.orders_waiting_for_stock where order_id = pg_temp.ord('norules')),
  'no_trading_rules', 'an order without trading rules is listed with that reason');

-- the admin adds two accounts in one statement
insert into public.account_container (account_size, platform_type, server_name, login_id, password)
values (100000, 'mt5', 'FlashFundX-Live03', '100001', 'pw-100001'), (100000, 'mt5', 'FlashFundX-Live03', '100002', 'pw-100002');
select results_eq(
  $$select pg_temp.st('w2'), pg_temp.st('w3'), pg_temp.st('w1')$$,
  $$values ('completed/paid/delivered', 'completed/paid/delivered', 'processing/paid/pending')$$,
  'two accounts arrive: the two oldest paid orders get them, the third still waits');
select is(array(select w.order_id from public.orders_waiting_for_stock w where w.account_size = 100000),
  array[pg_temp.ord('w1')], 'the third is still listed as waiting');
select is((select count(*) from public.admin_audit_log
            where action_type = 'account_delivered' and admin_id = 'ad000000-0000-4000-8000-0000000000ad'
              and record_id in (pg_temp.ord('w2'), pg_temp.ord('w3')) and new_values ->> 'reason' = 'stock_arrival'),
  2::bigint, 'the deliveries are audited as stock arrival, in the name of the admin who added the stock');
select is((select count(*) from public.email_outbox where order_id in (pg_temp.ord('w2'), pg_temp.ord('w3'))), 2::bigint,
  'and e-mailed');

-- one more, added disabled: nothing; then enabled: delivered
insert into public.account_container (account_size, platform_type, server_name, login_id, password, status)
values (100000, 'mt5', 'FlashFundX-Live03', '100003', 'pw-100003', 'disabled');
select is(pg_temp.st('w1'), 'processing/paid/pending', 'a disabled account delivers nothing');
update public.account_container set status = 'available' where login_id = '100003';
select is(pg_temp.st('w1') || ' ' || (select login_id from public.delivered_accounts where order_id = pg_temp.ord('w1')),
  'completed/paid/delivered 100003', 'the account made available: the last waiting order gets it');
select is((select count(*) from public.orders_waiting_for_stock where account_size = 100000), 0::bigint, 'nobody waits for 100000 mt5');

-- a customer sees nothing in the admin view, not even her own waiting order
reset role;
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;
select is((select count(*) from public.orders_waiting_for_stock), 0::bigint, 'a customer sees no row of orders_waiting_for_stock');

-- deliver_waiting_orders, called by the backend ---------------------------------------------------
reset role;
-- stock was already there (20001, 20002) when these orders came to wait: only an explicit run delivers
select pg_temp.mk('x1', 'b0000000-0000-4000-8000-00000000000b', 'hft', 200000, 'mt4', 'waiting', now() - interval '10 minutes');
select pg_temp.mk('x2', 'b0000000-0000-4000-8000-00000000000b', 'hft', 200000, 'mt4', 'waiting', now() - interval '5 minutes');
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;
select is(ffx_internal.deliver_waiting_orders(200000, 'mt5'), 0, 'deliver_waiting_orders(200000, mt5): none waits for that');
select is(ffx_internal.deliver_waiting_orders(), 2, 'deliver_waiting_orders(): delivers the two orders there is stock for');
select is(pg_temp.st('x1') || ' ' || pg_temp.st('x2') || ' ' || pg_temp.st('nostock') || ' ' || pg_temp.st('norules'),
  'completed/paid/delivered completed/paid/delivered processing/paid/pending processing/paid/pending',
  'the ones without stock or rules keep waiting');
select is(ffx_internal.deliver_waiting_orders(), 0, 'run again: nothing left to deliver');

-- an admin delivers by hand; the e-mail address falls back to auth.users ------------------------
reset role;
select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;
select results_eq(
  $$select r ->> 'success', r ->> 'login_id' from pg_temp.dl('adm') r$$,
  $$values ('true', '5001')$$,
  'an admin can deliver an order');
select results_eq(
  $$select a.admin_id, a.admin_email, a.new_values ->> 'reason', e.to_email, e.variables ->> 'first_name'
      from public.admin_audit_log a join public.email_outbox e on e.order_id = a.record_id
     where a.action_type = 'account_delivered' and a.record_id = pg_temp.ord('adm')$$,
  $$values ('ad000000-0000-4000-8000-0000000000ad'::uuid, 'ops@example.com', 'admin', 'carol@example.com', 'Carol')$$,
  'audited in the admin''s name; e-mailed to the auth.users address');

-- ==============================================================================================
-- two sessions at once (dblink), on committed fixtures that are removed at the end
-- ==============================================================================================
reset role;
create extension if not exists dblink;
create function pg_temp.connstr() returns text
language sql stable as $$
  -- ffx.dblink_url: where the session user is no superuser (the Supabase shape), dblink needs a
  -- password, so tests/db/run.sh sets the database's own URL there
  select coalesce(nullif(current_setting('ffx.dblink_url', true), ''),
                  format('dbname=%s user=%s port=%s host=%s', current_database(), current_user,
                         current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)))
$$;
do $$ begin
  perform dblink_connect('ffx_setup', pg_temp.connstr());
  perform dblink_connect('ffx_a', pg_temp.connstr());
  perform dblink_connect('ffx_b', pg_temp.connstr());
end $$;

-- committed: user eve; r1, r2 pending orders for hft 200000 mt5 and ONE account of that product;
-- q1 (older) and q2 waiting for hft 100000 mt4, of which there is no stock
do $do$ begin
  perform dblink_exec('ffx_setup', $$
    insert into auth.users (id, email) values ('e0000000-0000-4000-8000-000000000001', 'eve@example.com');
    insert into public.orders (user_id, account_type, account_size, platform_type)
    select 'e0000000-0000-4000-8000-000000000001', 'hft', s, p
      from (values (200000, 'mt5'), (200000, 'mt5'), (100000, 'mt4'), (100000, 'mt4')) v (s, p);
    update public.orders set order_status = 'processing', payment_status = 'paid',
                             paid_at = now() - interval '1 hour' * (row_number)
      from (select order_id, row_number() over (order by created_at, order_id)
              from public.orders where account_size = 100000 and platform_type = 'mt4'
               and user_id = 'e0000000-0000-4000-8000-000000000001') q
     where orders.order_id = q.order_id;
    insert into public.account_container (account_size, platform_type, server_name, login_id, password)
    values (200000, 'mt5', 'FlashFundX-Race', 'race-1', 'pw-race-1')
  $$);
  -- both "webhooks" open their transactions; B would fail after 2 s instead of hanging if it
  -- had to wait for one of A's row locks
  perform dblink_exec('ffx_a', $$begin; select set_config('request.jwt.claims', '{"role":"service_role"}', true);
                                 set local role service_role$$);
  perform dblink_exec('ffx_b', $$begin; set local lock_timeout = '2s';
                                 select set_config('request.jwt.claims', '{"role":"service_role"}', true);
                                 set local role service_role$$);
end $do$;
create temp table eve as
  select order_id, account_size, paid_at from public.orders where user_id = 'e0000000-0000-4000-8000-000000000001';
create function pg_temp.finished_for(p_order text, p_pid int) returns text
language sql stable as $$
  select format($q$select r ->> 'delivered', r ->> 'order_status' || '/' || (r ->> 'payment_status') || '/' || (r ->> 'delivery_status')
                     from ffx_internal.payment_apply(%L::jsonb, 'ipn') r$q$,
                jsonb_build_object('payment_id', p_pid, 'payment_status', 'finished', 'order_id', p_order,
                                   'price_amount', 8999, 'price_currency', 'usd', 'pay_amount', 8999,
                                   'pay_currency', 'usdttrc20', 'actually_paid', 8999))
$$;

-- the last account of a product, raced by two paid orders: A takes it and keeps its transaction
-- open; B, at the same time, skips the locked row and waits for stock
create temp table race as
  select 'a' s, * from dblink('ffx_a', pg_temp.finished_for((select min(order_id) from eve where account_size = 200000), 9001))
    as t (delivered text, state text)
  union all
  select 'b', * from dblink('ffx_b', pg_temp.finished_for((select max(order_id) from eve where account_size = 200000), 9002))
    as t (delivered text, state text);
select results_eq('select s, delivered, state from race order by s',
  $$values ('a', 'true', 'completed/paid/delivered'), ('b', 'false', 'processing/paid/pending')$$,
  'the last account raced by two finished payments: one is delivered, the other waits (without blocking)');

-- q1 is locked by session A; session B adds one account of q's product: the stock trigger skips
-- the locked q1 and delivers q2. (Fresh transactions: A's delivery above holds eve's user_profiles
-- row for the totals, and a second delivery to the same user would rightly wait for it.)
do $do$ begin
  perform dblink_exec('ffx_a', 'rollback');
  perform dblink_exec('ffx_b', 'rollback');
  perform dblink_exec('ffx_a', 'begin');
  perform dblink_exec('ffx_b', $$begin; set local lock_timeout = '2s'$$);
  perform x from dblink('ffx_a', format('select 1 from public.orders where order_id = %L for update',
                                        (select order_id from eve where account_size = 100000 order by paid_at limit 1)))
    as t (x int);
  perform dblink_exec('ffx_b', $$
    insert into public.account_container (account_size, platform_type, server_name, login_id, password)
    values (100000, 'mt4', 'FlashFundX-Race', 'race-2', 'pw-race-2')$$);
end $do$;
select is(
  (select order_id from dblink('ffx_b', $$select d.order_id from public.delivered_accounts d
                                           where d.login_id = 'race-2'$$) as t (order_id text)),
  (select order_id from eve where account_size = 100000 order by paid_at desc limit 1),
  'stock arrival skips a waiting order another transaction holds and delivers the next one');

do $do$ begin
  perform dblink_exec('ffx_a', 'rollback');
  perform dblink_exec('ffx_b', 'rollback');
  perform dblink_exec('ffx_setup', $$
    delete from public.account_container where server_name = 'FlashFundX-Race';
    delete from public.orders where user_id = 'e0000000-0000-4000-8000-000000000001';
    delete from auth.users where id = 'e0000000-0000-4000-8000-000000000001'
  $$);
  perform dblink_disconnect('ffx_setup');
  perform dblink_disconnect('ffx_a');
  perform dblink_disconnect('ffx_b');
end $do$;
select is((select count(*) from dblink(pg_temp.connstr(),
            $$select 1 from auth.users where id = 'e0000000-0000-4000-8000-000000000001'
              union all select 1 from public.account_container where server_name = 'FlashFundX-Race'$$) as t (x int)),
  0::bigint, 'the committed fixtures are gone again');

select * from finish();
rollback;
