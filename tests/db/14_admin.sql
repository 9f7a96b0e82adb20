-- The operator CLI's SQL (sql/definitions/90_admin.sql): who may call each function,
-- what it changes, the audit row naming the operator and the reason, refusals (missing reason,
-- unknown ids, bad states), idempotence, nothing half-done on error, and the reports' values on
-- known orders (revenue by the UTC day of payment net of refunds, conversion, products).
--
-- Identities (pg_temp.act): 'admin' is ops (ad...ad, app_metadata.role=admin) as authenticated,
-- with the CLI's "operator" claim olga; 'service' is service_role with operator sam; 'alice' is a
-- customer; 'anon'; 'forgot' is the service_role role with a customer's claims (a connection that
-- forgot its request setup); 'super' is back to the superuser, for fixtures and checks.
-- Prices from the pricing trigger (10000): instant 849, hft 749, one_step 649, two_step 549.
--
-- The reports run first, on orders of their own: the database is fresh (every other file rolls
-- back), so their numbers are exact. Everything else is arranged after them.
begin;
select plan(116);
-- admin_inventory_import's `create temp table if not exists` notices on every call after the first
set local client_min_messages = warning;
-- the audit log as this file found it: the dblink clean-ups of earlier files commit user deletions,
-- and each leaves its user_erased entry (tests/db/20_user_erasure.sql)
create temp table audit_mark as select coalesce(max(id), 0) as last_id from public.admin_audit_log;

-- identities and helpers ------------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data, deleted_at) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}', null),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}', null),
  ('ae000000-0000-4000-8000-0000000000ae', 'gone@example.com',  '{"first_name": "Gone"}',  '{"provider": "email", "role": "admin"}', now());

create function pg_temp.act(p_who text) returns void
language sql as $$
  select set_config('request.jwt.claims',
    case p_who
      when 'admin'   then '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"},"operator":"olga"}'
      when 'service' then '{"role":"service_role","operator":"sam"}'
      when 'alice'   then '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}'
      when 'forgot'  then '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated"}'
      when 'anon'    then '{"role":"anon"}'
      else '' end, true);
  select set_config('role',
    case p_who when 'admin' then 'authenticated' when 'alice' then 'authenticated' when 'service' then 'service_role'
               when 'forgot' then 'service_role' when 'anon' then 'anon' else 'none' end, true);
$$;

-- orders by name, readable by every role
create temp table fx (name text primary key, order_id text);
grant select on fx to public;
create function pg_temp.ord(p_name text) returns text
language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;

-- mk(name, type, size, platform, state, paid_at): state 'pending', 'waiting' (processing/paid/pending,
-- paid_at set: waiting for stock), 'completed' (completed/paid/delivered, no account row), 'failed',
-- 'confirmed' (processing/paid without paid_at, as after a 'confirmed' IPN)
create function pg_temp.mk(p_name text, p_type text, p_size int, p_platform text, p_state text,
                           p_paid_at timestamptz default now()) returns void
language plpgsql as $$
declare
  v text;
begin
  insert into public.orders (user_id, account_type, account_size, platform_type)
  values ('a0000000-0000-4000-8000-00000000000a', p_type, p_size, p_platform) returning order_id into v;
  insert into pg_temp.fx values (p_name, v);
  update public.orders
     set order_status    = case p_state when 'waiting' then 'processing' when 'confirmed' then 'processing'
                                        when 'completed' then 'completed' when 'failed' then 'failed' else 'pending' end,
         payment_status  = case p_state when 'failed' then 'failed' when 'pending' then 'pending' else 'paid' end,
         delivery_status = case p_state when 'completed' then 'delivered' else 'pending' end,
         paid_at         = case when p_state in ('waiting', 'completed') then p_paid_at end,
         delivered_at    = case when p_state = 'completed' then p_paid_at end
   where order_id = v;
end
$$;

create function pg_temp.st(p_name text) returns text
language sql stable as $$
  select o.order_status || '/' || o.payment_status || '/' || o.delivery_status
    from public.orders o where o.order_id = pg_temp.ord(p_name)
$$;

-- noon UTC, p_days days ago (UTC)
create function pg_temp.day(p_days int) returns date
language sql stable as $$ select (now() at time zone 'UTC')::date - p_days $$;
create function pg_temp.noon(p_days int) returns timestamptz
language sql stable as $$ select (pg_temp.day(p_days) + time '12:00') at time zone 'UTC' $$;

-- the audit rows of one action on one record, as the superuser sees them
create function pg_temp.audit(p_action text, p_record text) returns setof public.admin_audit_log
language sql stable as $$
  select * from public.admin_audit_log a where a.action_type = p_action and a.record_id is not distinct from p_record
   order by a.id
$$;

-- a statement's SQLSTATE, or 'ok' (its effects are rolled back either way)
create function pg_temp.try(p_sql text) returns text
language plpgsql as $$
begin
  execute p_sql;
  raise exception using errcode = 'ZZ000';
exception
  when sqlstate 'ZZ000' then return 'ok';
  when others then return sqlstate;
end
$$;

-- results kept by name, to check several things about one call
create temp table res (name text primary key, r jsonb);
grant select, insert on res to public;
create function pg_temp.r(p_name text) returns jsonb
language sql stable as $$ select r from pg_temp.res where name = p_name $$;

-- an audit write that fails on demand (test.fail_audit = the action to refuse): proves the change
-- and its audit row commit together or not at all
create function public.test_fail_audit() returns trigger
language plpgsql as $$
begin
  if new.action_type = current_setting('test.fail_audit', true) then
    raise exception 'injected audit failure';
  end if;
  return new;
end
$$;
create trigger test_fail_audit before insert on public.admin_audit_log
  for each row execute function public.test_fail_audit();

-- ==============================================================================================
-- structure and privileges
-- ==============================================================================================
select results_eq(
  $$select p.proname::text collate "default", p.prosecdef, p.proconfig = array['search_path=""'],
           format_type(p.prorettype, null)::text collate "default"
      from pg_proc p
     where p.pronamespace = 'ffx_internal'::regnamespace
       and (p.proname like 'admin\_cli\_%' or p.proname like 'admin\_report\_%'
            or p.proname in ('admin_identity', 'admin_inventory_import', 'admin_inventory_set_status',
                             'admin_order_deliver', 'admin_order_refund', 'admin_resend_email', 'admin_ipn_reprocess'))
     order by 1$$,
  $$values ('admin_cli_audit', false, true, 'void'), ('admin_cli_check', false, true, 'void'),
           ('admin_cli_require_reason', false, true, 'void'),
           ('admin_identity', true, true, 'record'), ('admin_inventory_import', true, true, 'jsonb'),
           ('admin_inventory_set_status', true, true, 'jsonb'), ('admin_ipn_reprocess', true, true, 'jsonb'),
           ('admin_order_deliver', true, true, 'jsonb'), ('admin_order_refund', true, true, 'jsonb'),
           ('admin_report_conversion', false, true, 'record'),
           ('admin_report_products', false, true, 'record'), ('admin_report_revenue', false, true, 'record'),
           ('admin_resend_email', true, true, 'jsonb')$$,
  'the write paths are SECURITY DEFINER, the reports and helpers SECURITY INVOKER (RLS applies); search_path pinned');

select is(
  array(select f || ':' || r
          from unnest(array['admin_cli_audit(text, text, text, text, jsonb, jsonb)', 'admin_cli_check(text)',
                            'admin_identity(text)', 'admin_inventory_import(jsonb, text)',
                            'admin_inventory_set_status(uuid, text, text)', 'admin_order_deliver(text, text, boolean)',
                            'admin_resend_email(text, text)', 'admin_ipn_reprocess(bigint, text)',
                            'admin_order_refund(text, text)', 'admin_report_revenue(integer)',
                            'admin_report_conversion()', 'admin_report_products()']) f,
               unnest(array['public', 'anon', 'authenticated', 'service_role', 'ffx_functions']) r
         where has_function_privilege(r, 'ffx_internal.' || f, 'EXECUTE')
         order by 1),
  array['admin_cli_check(text):authenticated', 'admin_cli_check(text):service_role', 'admin_identity(text):service_role',
        'admin_inventory_import(jsonb, text):authenticated', 'admin_inventory_import(jsonb, text):service_role',
        'admin_inventory_set_status(uuid, text, text):authenticated', 'admin_inventory_set_status(uuid, text, text):service_role',
        'admin_ipn_reprocess(bigint, text):authenticated', 'admin_ipn_reprocess(bigint, text):service_role',
        'admin_order_deliver(text, text, boolean):authenticated', 'admin_order_deliver(text, text, boolean):service_role',
        'admin_order_refund(text, text):authenticated', 'admin_order_refund(text, text):service_role',
        'admin_report_conversion():authenticated', 'admin_report_conversion():service_role',
        'admin_report_products():authenticated', 'admin_report_products():service_role',
        'admin_report_revenue(integer):authenticated', 'admin_report_revenue(integer):service_role',
        'admin_resend_email(text, text):authenticated', 'admin_resend_email(text, text):service_role'],
  'EXECUTE: entry points and the caller check for authenticated (checked inside) and service_role, '
  'admin_identity service_role only, the audit helper nobody, anon and the NOINHERIT login role nothing');

-- ==============================================================================================
-- reports, on orders of their own
-- ==============================================================================================
select pg_temp.mk('r_today1', 'one_step', 10000, 'mt4', 'completed', pg_temp.noon(0));
select pg_temp.mk('r_today2', 'one_step', 10000, 'mt4', 'completed', pg_temp.noon(0));
select pg_temp.mk('r_d2',     'two_step', 10000, 'mt5', 'completed', pg_temp.noon(2));
select pg_temp.mk('r_d2_ref', 'instant',  10000, 'mt4', 'completed', pg_temp.noon(2));
select pg_temp.mk('r_d10',    'hft',      10000, 'mt4', 'completed', pg_temp.noon(10));
select pg_temp.mk('r_d40',    'one_step', 10000, 'mt4', 'completed', pg_temp.noon(40));
select pg_temp.mk('r_pend',   'one_step', 10000, 'mt4', 'pending');
select pg_temp.mk('r_failed', 'two_step', 10000, 'mt5', 'failed');
select pg_temp.mk('r_conf',   'one_step', 10000, 'mt4', 'confirmed');
-- day buckets are UTC whatever the session's time zone (here UTC+14: the noon payments fall on
-- the next local day)
set local timezone = 'Pacific/Kiritimati';

select pg_temp.act('admin');
select results_eq('select * from ffx_internal.admin_report_revenue(7)',
  $$values (pg_temp.day(2), 2::bigint, 1398.00::numeric, 0::bigint, 0::numeric, 1398.00::numeric),
           (pg_temp.day(0), 2::bigint, 1298.00::numeric, 0::bigint, 0::numeric, 1298.00::numeric)$$,
  'revenue --days 7: one row per UTC day of payment, unpaid, failed and merely confirmed orders left out');
select results_eq('select day, paid_orders, net from ffx_internal.admin_report_revenue(null)',
  $$values (pg_temp.day(10), 1::bigint, 749.00::numeric), (pg_temp.day(2), 2::bigint, 1398.00::numeric),
           (pg_temp.day(0), 2::bigint, 1298.00::numeric)$$,
  'revenue without --days: the last 30 days (a payment 40 days ago is outside)');
select results_eq('select day from ffx_internal.admin_report_revenue(3)', $$values (pg_temp.day(2)), (pg_temp.day(0))$$,
  '--days 3 includes the day two days ago');
select results_eq('select day from ffx_internal.admin_report_revenue(2)', $$values (pg_temp.day(0))$$,
  '--days 2 does not');
select is((select count(*) from ffx_internal.admin_report_revenue(41)), 4::bigint, '--days 41 reaches the payment 40 days ago');
select throws_ok('select * from ffx_internal.admin_report_revenue(0)', 'FF400', 'Days must be between 1 and 3660', '--days 0 is refused');
select throws_ok('select * from ffx_internal.admin_report_revenue(3661)', 'FF400', 'Days must be between 1 and 3660', '--days 3661 is refused');

-- a refund: the order stays on its paid day and is subtracted there
insert into res select 'r_refund', ffx_internal.admin_order_refund(pg_temp.ord('r_d2_ref'), 'customer charged back');
select results_eq('select * from ffx_internal.admin_report_revenue(7)',
  $$values (pg_temp.day(2), 2::bigint, 1398.00::numeric, 1::bigint, 849.00::numeric, 549.00::numeric),
           (pg_temp.day(0), 2::bigint, 1298.00::numeric, 0::bigint, 0::numeric, 1298.00::numeric)$$,
  'after admin_order_refund the refunded 849 is netted on the day it was paid');
select results_eq('select * from ffx_internal.admin_report_conversion()',
  $$values (9::bigint, 6::bigint, 6::bigint, 1::bigint, 1::bigint, 66.67::numeric)$$,
  'conversion: 9 orders, 6 paid (paid_at), 6 delivered, 1 failed, 1 refunded, 66.67 % paid');
select results_eq('select * from ffx_internal.admin_report_products()',
  $$values ('one_step'::text, 10000, 'mt4'::text, 5::bigint, 3::bigint, 1947.00::numeric),
           ('hft', 10000, 'mt4', 1::bigint, 1::bigint, 749.00::numeric),
           ('two_step', 10000, 'mt5', 2::bigint, 1::bigint, 549.00::numeric),
           ('instant', 10000, 'mt4', 1::bigint, 1::bigint, 0.00::numeric)$$,
  'products: orders, paid and revenue net of refunds per type, size and platform, best first');

-- service_role reads the same numbers; a customer and anon are refused
select pg_temp.act('service');
select results_eq('select * from ffx_internal.admin_report_products()',
  $$values ('one_step'::text, 10000, 'mt4'::text, 5::bigint, 3::bigint, 1947.00::numeric),
           ('hft', 10000, 'mt4', 1::bigint, 1::bigint, 749.00::numeric),
           ('two_step', 10000, 'mt5', 2::bigint, 1::bigint, 549.00::numeric),
           ('instant', 10000, 'mt4', 1::bigint, 1::bigint, 0.00::numeric)$$,
  'service_role sees every order too');
select pg_temp.act('alice');
select is((select count(*) from public.orders), 9::bigint, '(alice sees her own 9 orders through RLS)');
select throws_ok('select * from ffx_internal.admin_report_revenue(7)', 'FF403', 'Unauthorized',
  'a customer gets no report, not even of her own orders');
select throws_ok('select * from ffx_internal.admin_report_conversion()', 'FF403', 'Unauthorized', 'nor the conversion');
select throws_ok('select * from ffx_internal.admin_report_products()', 'FF403', 'Unauthorized', 'nor the products');
select pg_temp.act('forgot');
select throws_ok('select * from ffx_internal.admin_report_revenue(7)', 'FF403', 'Unauthorized',
  'the service_role role with a customer''s claims is refused');
select pg_temp.act('anon');
select throws_ok('select * from ffx_internal.admin_report_products()', '42501', null, 'anon may not execute a report');
select pg_temp.act('super');
reset timezone;

-- ==============================================================================================
-- fixtures for the write paths
-- ==============================================================================================
-- an inventory row already there (import duplicates), one delivered to nobody here
insert into public.account_container (id, account_size, platform_type, server_name, login_id, password, investor_password, status)
values ('c0000000-0000-4000-8000-000000000001', 50000, 'mt5', 'Live-9', '9001', 'pw-9001', 'inv-9001', 'available'),
       ('c0000000-0000-4000-8000-000000000002', 100000, 'mt4', 'Live-9', '9002', 'pw-9002', 'inv-9002', 'available'),
       ('c0000000-0000-4000-8000-000000000003', 100000, 'mt4', 'Live-9', '9003', 'pw-9003', 'inv-9003', 'delivered'),
       ('c0000000-0000-4000-8000-000000000004', 25000, 'mt4', 'Live-9', '9004', 'pw-9004', 'inv-9004', 'available'),
       ('c0000000-0000-4000-8000-000000000005', 25000, 'mt4', 'Live-9', '9005', 'pw-9005', 'inv-9005', 'available'),
       ('c0000000-0000-4000-8000-000000000006', 200000, 'mt4', 'Live-9', '9006', 'pw-9006', 'inv-9006', 'available'),
       ('c0000000-0000-4000-8000-000000000007', 200000, 'mt4', 'Live-9', '9007', 'pw-9007', 'inv-9007', 'available');
-- orders made waiting after the stock arrived (the stock trigger delivers on stock, not on orders)
select pg_temp.mk('w_import',  'one_step', 50000,  'mt5', 'waiting', now() - interval '2 hours');
select pg_temp.mk('d_wait',    'one_step', 25000,  'mt4', 'waiting');
select pg_temp.mk('d_wait2',   'one_step', 25000,  'mt4', 'waiting', now() + interval '1 second');
select pg_temp.mk('d_pend',    'one_step', 25000,  'mt4', 'pending');
select pg_temp.mk('f_del',     'one_step', 200000, 'mt4', 'waiting');
select pg_temp.mk('f_del2',    'one_step', 200000, 'mt4', 'waiting', now() + interval '1 second');
select pg_temp.mk('f_pend',    'one_step', 200000, 'mt4', 'pending');
select pg_temp.mk('e_sent',    'one_step', 10000,  'mt4', 'completed');
select pg_temp.mk('e_failed',  'one_step', 10000,  'mt4', 'completed');
select pg_temp.mk('e_failed2', 'one_step', 10000,  'mt4', 'completed');
select pg_temp.mk('e_sending', 'one_step', 10000,  'mt4', 'completed');
select pg_temp.mk('e_pending', 'one_step', 10000,  'mt4', 'completed');
select pg_temp.mk('ev_order',  'one_step', 10000,  'mt4', 'pending');

insert into public.email_outbox (order_id, template_name, to_email, status, attempts, sent_at, locked_until, last_error)
select pg_temp.ord(n), 'account_delivery', 'alice@example.com', s, a, sa, lu, le
  from (values ('e_sent', 'sent', 1, now() - interval '1 day', null::timestamptz, null),
               ('e_failed', 'failed', 8, null, null, 'smtp 550 mailbox unavailable'),
               ('e_failed2', 'failed', 8, null, null, 'smtp 550 mailbox unavailable'),
               ('e_sending', 'sending', 1, null, now() + interval '1 minute', null),
               ('e_pending', 'pending', 0, null, null, null)) v (n, s, a, sa, lu, le);

-- inbox: an event whose invoice no order carries yet, and one that cannot be applied
insert into public.ipn_events (dedupe_key, payment_id, payment_status, order_id, invoice_id, payload, signature, state, attempts)
values ('7001:waiting:t', '7001', 'waiting', null, 'INV-77',
        '{"payment_id": 7001, "payment_status": "waiting", "order_id": null, "invoice_id": "INV-77", "price_amount": 649, "price_currency": "usd", "pay_amount": 0.01, "pay_currency": "btc", "updated_at": 1765249461000}',
        'raw', 'unmatched', 1),
       ('7002:finished:t', '7002', 'finished', pg_temp.ord('ev_order'), null,
        jsonb_build_object('payment_id', 7002, 'payment_status', 'finished', 'order_id', pg_temp.ord('ev_order'),
                           'price_amount', 'n/a', 'price_currency', 'usd'),
        'raw', 'failed', 1);
create function pg_temp.event(p_payment text) returns bigint
language sql stable as $$ select id from public.ipn_events where payment_id = p_payment $$;

-- ==============================================================================================
-- who may call what: every entry point, with arguments that would work for an admin
-- ==============================================================================================
create temp table calls (name text primary key, sql text);
grant select on calls to public;
insert into calls values
  ('cli_audit',  $$select ffx_internal.admin_cli_audit('x', 'orders', null, 'r', null, null)$$),
  ('cli_check',  $$select ffx_internal.admin_cli_check('r')$$),
  ('deliver',    format('select ffx_internal.admin_order_deliver(%L, %L)', pg_temp.ord('d_wait'), 'r')),
  ('identity',   $$select * from ffx_internal.admin_identity('ops@example.com')$$),
  ('import',     $$select ffx_internal.admin_inventory_import('[{"line": 2, "size": "5000", "platform": "mt4", "server": "M", "login": "1", "password": "p", "investor_password": "i"}]', 'r')$$),
  ('refund',     format('select ffx_internal.admin_order_refund(%L, %L)', pg_temp.ord('f_del'), 'r')),
  ('reports',    'select * from ffx_internal.admin_report_revenue(7), ffx_internal.admin_report_conversion(), ffx_internal.admin_report_products()'),
  ('reprocess',  format('select ffx_internal.admin_ipn_reprocess(%s, %L)', pg_temp.event('7002'), 'r')),
  ('resend',     format('select ffx_internal.admin_resend_email(%L, %L)', pg_temp.ord('e_sent'), 'r')),
  ('set_status', $$select ffx_internal.admin_inventory_set_status('c0000000-0000-4000-8000-000000000002', 'disabled', 'r')$$);

select pg_temp.act('anon');
select results_eq('select name, pg_temp.try(sql) from pg_temp.calls order by 1',
  $$select name, '42501' from pg_temp.calls order by 1$$,
  'anon may execute none of them');
select pg_temp.act('alice');
select results_eq('select name, pg_temp.try(sql) from pg_temp.calls order by 1',
  $$values ('cli_audit', '42501'), ('cli_check', 'FF403'), ('deliver', 'FF403'), ('identity', '42501'), ('import', 'FF403'),
           ('refund', 'FF403'), ('reports', 'FF403'), ('reprocess', 'FF403'), ('resend', 'FF403'), ('set_status', 'FF403')$$,
  'a customer: refused by the grants or, where authenticated may execute, by the function (FF403)');
select pg_temp.act('forgot');
select results_eq('select name, pg_temp.try(sql) from pg_temp.calls order by 1',
  $$values ('cli_audit', '42501'), ('cli_check', 'FF403'), ('deliver', 'FF403'), ('identity', 'FF403'), ('import', 'FF403'),
           ('refund', 'FF403'), ('reports', 'FF403'), ('reprocess', 'FF403'), ('resend', 'FF403'), ('set_status', 'FF403')$$,
  'the service_role role without the service''s claims: every function checks the claims too');
select pg_temp.act('admin');
select results_eq('select name, pg_temp.try(sql) from pg_temp.calls order by 1',
  $$values ('cli_audit', '42501'), ('cli_check', 'ok'), ('deliver', 'ok'), ('identity', '42501'), ('import', 'ok'),
           ('refund', 'ok'), ('reports', 'ok'), ('reprocess', 'ok'), ('resend', 'ok'), ('set_status', 'ok')$$,
  'an admin may call every entry point but admin_identity (and the owner-only audit helper)');
select pg_temp.act('service');
select results_eq('select name, pg_temp.try(sql) from pg_temp.calls order by 1',
  $$values ('cli_audit', '42501'), ('cli_check', 'ok'), ('deliver', 'ok'), ('identity', 'ok'), ('import', 'ok'),
           ('refund', 'ok'), ('reports', 'ok'), ('reprocess', 'ok'), ('resend', 'ok'), ('set_status', 'ok')$$,
  'service_role may call every entry point');
select pg_temp.act('super');
select is((select count(*) from public.admin_audit_log
            where action_type <> 'order_refund' and id > (select last_id from audit_mark)), 0::bigint,
  'the trials above left nothing behind (each ran in a rolled-back subtransaction)');

-- ==============================================================================================
-- admin_cli_check and admin_cli_audit (the audit helper is owner only: both called here as the
-- owner, with claims)
-- ==============================================================================================
select pg_temp.act('admin');
select pg_temp.act('super');
select set_config('request.jwt.claims', '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"role":"admin"},"operator":"olga"}', true);
select lives_ok($$select ffx_internal.admin_cli_check(null)$$, 'admin_cli_check: an admin without a reason passes (the caller decides if one is needed)');
select throws_ok($$select ffx_internal.admin_cli_check(' 	 ')$$, 'FF400', 'A reason is required', 'a blank reason is refused');
select ffx_internal.admin_cli_audit('test_action', 'orders', 'FFX000000001', 'why', '{"a": 1}', '{"b": 2}');
select results_eq(
  $$select admin_id, admin_email, table_name, description, old_values, new_values from pg_temp.audit('test_action', 'FFX000000001')$$,
  $$values ('ad000000-0000-4000-8000-0000000000ad'::uuid, 'ops@example.com'::text, 'orders'::text, 'why'::text,
            '{"a": 1}'::jsonb, '{"b": 2, "operator": "olga"}'::jsonb)$$,
  'admin_cli_audit as an admin: the admin''s id and e-mail, the reason, the OS user in new_values.operator');
select set_config('request.jwt.claims', '{"role":"service_role","operator":"sam"}', true);
select lives_ok($$select ffx_internal.admin_cli_check('r')$$, 'admin_cli_check: service_role passes');
select ffx_internal.admin_cli_audit('test_action', 'orders', 'FFX000000002', 'why', null, null);
select results_eq(
  $$select admin_id, admin_email, new_values from pg_temp.audit('test_action', 'FFX000000002')$$,
  $$values (null::uuid, 'operator:sam'::text, '{"operator": "sam"}'::jsonb)$$,
  'as service_role the operator is the e-mail column: operator:<OS user>');
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
select ffx_internal.admin_cli_audit('test_action', 'orders', 'FFX000000003', 'why', null, null);
select is((select admin_email from pg_temp.audit('test_action', 'FFX000000003')), 'operator:unknown',
  'no operator claim: operator:unknown, never NULL');
select set_config('request.jwt.claims', '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com"}', true);
select throws_ok($$select ffx_internal.admin_cli_check('r')$$, 'FF403', 'Unauthorized', 'admin_cli_check refuses a customer');

-- ==============================================================================================
-- admin_identity (the CLI's --as-admin lookup; service_role only)
-- ==============================================================================================
select pg_temp.act('service');
select results_eq($$select id, email, app_metadata ->> 'role', user_metadata ->> 'first_name' from ffx_internal.admin_identity('OPS@Example.com')$$,
  $$values ('ad000000-0000-4000-8000-0000000000ad'::uuid, 'ops@example.com'::text, 'admin'::text, 'Ops'::text)$$,
  'admin_identity finds the user by e-mail, case-insensitively, with both metadata');
select is((select count(*) from ffx_internal.admin_identity('gone@example.com')), 0::bigint, 'a deleted user is not found');
select is((select count(*) from ffx_internal.admin_identity('nobody@example.com')), 0::bigint, 'an unknown e-mail: no row');
select is((select app_metadata ->> 'role' from ffx_internal.admin_identity('alice@example.com')), null,
  'a customer is found without the admin role (the CLI refuses to act as her)');

-- ==============================================================================================
-- admin_inventory_import
-- ==============================================================================================
select pg_temp.act('admin');
select throws_ok($$select ffx_internal.admin_inventory_import('{"line": 2}', 'r')$$, 'FF400', 'No rows to import', 'rows must be an array');
select throws_ok($$select ffx_internal.admin_inventory_import('[]', 'r')$$, 'FF400', 'No rows to import', 'an empty array is refused');
select throws_ok($$select ffx_internal.admin_inventory_import('[{"line": 2, "size": "50000", "platform": "mt5", "server": "Imp", "login": "L1", "password": "p", "investor_password": "i"}]', '  ')$$,
  'FF400', 'A reason is required', 'a blank reason is refused');

create function pg_temp.row(p_line int, p_size text, p_platform text, p_server text, p_login text) returns jsonb
language sql immutable as $$
  select jsonb_build_object('line', p_line, 'size', p_size, 'platform', p_platform, 'server', p_server, 'login', p_login,
                            'password', 'pw-secret-' || p_line, 'investor_password', 'inv-secret-' || p_line)
$$;
insert into res select 'imp_bad', ffx_internal.admin_inventory_import(jsonb_build_array(
  pg_temp.row(2, '50000', 'mt5', 'Imp', 'L1'),
  pg_temp.row(3, '50000', 'mt6', 'Imp', 'L2'),
  pg_temp.row(4, '-5', 'mt5', 'Imp', 'L3'),
  pg_temp.row(5, '50000', 'mt5', 'Imp', ''),
  pg_temp.row(6, '50000', 'MT5', ' Imp ', 'L1'),
  pg_temp.row(7, '50000', 'mt5', 'Live-9', '9001')), 'bad batch');
select is(pg_temp.r('imp_bad'),
  '{"success": false, "errors": [
     {"line": 3, "error": "platform mt6 is not mt4 or mt5"},
     {"line": 4, "error": "size -5 is not a positive integer"},
     {"line": 5, "error": "empty field"},
     {"line": 6, "error": "duplicate of line 2 (server Imp, login L1)"},
     {"line": 7, "error": "server Live-9 login 9001 is already in the inventory"}]}'::jsonb,
  'bad rows: every problem by line (a duplicate after trimming and lower-casing), line 2 alone is fine');
select pg_temp.act('super');
select is((select count(*) from public.account_container where server_name = 'Imp'), 0::bigint,
  'one bad row imports nothing, not even the good one');
select is((select count(*) from public.admin_audit_log where action_type = 'inventory_import'), 0::bigint,
  'and writes no audit row');

select pg_temp.act('admin');
insert into res select 'imp_ok', ffx_internal.admin_inventory_import(jsonb_build_array(
  pg_temp.row(2, '50000', 'mt5', 'Imp', 'L1'), pg_temp.row(3, ' 50000 ', 'MT5', 'Imp', 'L2'),
  pg_temp.row(4, '50000', 'mt5', 'Imp', 'L3')), 'batch 7 from the broker');
select is(pg_temp.r('imp_ok'), '{"success": true, "imported": 3, "delivered": 1}'::jsonb,
  'a good file: 3 imported, and the waiting order of that size and platform delivered at once');
select pg_temp.act('super');
select results_eq($$select login_id, password, investor_password from public.account_container where server_name = 'Imp' order by 1$$,
  $$values ('L1'::text, 'pw-secret-2'::text, 'inv-secret-2'::text), ('L2', 'pw-secret-3', 'inv-secret-3'), ('L3', 'pw-secret-4', 'inv-secret-4')$$,
  'the rows are in the inventory with their credentials (fields trimmed, passwords as given)');
select is(pg_temp.st('w_import'), 'completed/paid/delivered', 'the waiting order got one of them');
select results_eq(
  $$select admin_id, admin_email, table_name, description, new_values ->> 'imported', new_values ->> 'delivered',
           new_values ->> 'operator', jsonb_array_length(new_values -> 'lines'), new_values::text like '%secret%'
      from pg_temp.audit('inventory_import', null)$$,
  $$values ('ad000000-0000-4000-8000-0000000000ad'::uuid, 'ops@example.com'::text, 'account_container'::text,
            'batch 7 from the broker'::text, '3'::text, '1'::text, 'olga'::text, 3, false)$$,
  'one audit row: the admin, the reason, the counts, the operator, the lines without their passwords');

select pg_temp.act('admin');
select is(ffx_internal.admin_inventory_import(jsonb_build_array(pg_temp.row(2, '50000', 'mt5', 'Imp', 'L1')), 'again') -> 'errors',
  '[{"line": 2, "error": "server Imp login L1 is already in the inventory"}]'::jsonb,
  'importing the same row again is refused: nothing is ever imported twice');
select pg_temp.act('service');
select is(ffx_internal.admin_inventory_import(jsonb_build_array(pg_temp.row(2, '5000', 'mt4', 'Imp', 'S1')), null),
  '{"success": true, "imported": 1, "delivered": 0}'::jsonb, 'service_role imports without a reason');
select pg_temp.act('super');
select results_eq($$select admin_id, admin_email, description from pg_temp.audit('inventory_import', null) offset 1$$,
  $$values (null::uuid, 'operator:sam'::text, '1 accounts imported'::text)$$,
  'audited with the operator and a description instead of the reason');

-- the import and the audit row are one: a failing audit write leaves no account and no delivery
select pg_temp.mk('w_import2', 'one_step', 50000, 'mt5', 'waiting');
update public.account_container set status = 'disabled' where server_name = 'Imp' and status = 'available';
select set_config('test.fail_audit', 'inventory_import', true);
select pg_temp.act('admin');
select throws_ok(format('select ffx_internal.admin_inventory_import(%L, %L)', jsonb_build_array(pg_temp.row(2, '50000', 'mt5', 'Imp', 'L9')), 'r'),
  'P0001', 'injected audit failure', 'an import whose audit row fails raises');
select pg_temp.act('super');
select set_config('test.fail_audit', '', true);
select is((select count(*) from public.account_container where login_id = 'L9'), 0::bigint, 'nothing imported');
select is(pg_temp.st('w_import2'), 'processing/paid/pending', 'and the waiting order was not delivered');

-- ==============================================================================================
-- admin_inventory_set_status
-- ==============================================================================================
select pg_temp.act('admin');
select throws_ok($$select ffx_internal.admin_inventory_set_status('c0000000-0000-4000-8000-000000000002', 'disabled', null)$$,
  'FF400', 'A reason is required', 'disable needs a reason');
select throws_ok($$select ffx_internal.admin_inventory_set_status('c0000000-0000-4000-8000-000000000002', 'disabled', '')$$,
  'FF400', 'A reason is required', 'an empty reason is no reason');
select throws_ok($$select ffx_internal.admin_inventory_set_status('c0000000-0000-4000-8000-000000000002', 'delivered', 'r')$$,
  'FF400', 'Status must be available or disabled', 'only available or disabled can be set');
select throws_ok($$select ffx_internal.admin_inventory_set_status('c0000000-0000-4000-8000-0000000000ff', 'disabled', 'r')$$,
  'FF404', 'Account not found', 'an unknown account');
select is(ffx_internal.admin_inventory_set_status('c0000000-0000-4000-8000-000000000002', 'disabled', 'broker closed it'),
  '{"success": true, "id": "c0000000-0000-4000-8000-000000000002", "old_status": "available", "status": "disabled"}'::jsonb,
  'disable an available account');
select throws_ok($$select ffx_internal.admin_inventory_set_status('c0000000-0000-4000-8000-000000000002', 'disabled', 'again')$$,
  'FF409', 'Account is already disabled', 'disabling twice is refused (and not audited twice)');
select throws_ok($$select ffx_internal.admin_inventory_set_status('c0000000-0000-4000-8000-000000000003', 'disabled', 'r')$$,
  'FF409', 'Account is delivered: only available <-> disabled', 'a delivered account cannot be disabled');
select pg_temp.act('super');
select pg_temp.mk('w_enable', 'one_step', 100000, 'mt4', 'waiting');
select pg_temp.act('admin');
select is(ffx_internal.admin_inventory_set_status('c0000000-0000-4000-8000-000000000002', 'available', 'broker reopened it') ->> 'status',
  'delivered', 'enabling is stock arriving: the waiting order takes the account in the same transaction');
select pg_temp.act('super');
select is(pg_temp.st('w_enable'), 'completed/paid/delivered', 'the waiting order is delivered');
select results_eq(
  $$select action_type, admin_email, description, old_values ->> 'status', new_values ->> 'status', new_values ->> 'operator'
      from public.admin_audit_log where record_id = 'c0000000-0000-4000-8000-000000000002' order by id$$,
  $$values ('inventory_disable'::text, 'ops@example.com'::text, 'broker closed it'::text, 'available'::text, 'disabled'::text, 'olga'::text),
           ('inventory_enable', 'ops@example.com', 'broker reopened it', 'disabled', 'available', 'olga')$$,
  'two audit rows: operator, reason, old and new status; the refused calls left none');

-- ==============================================================================================
-- admin_order_deliver
-- ==============================================================================================
select pg_temp.act('admin');
select throws_ok(format('select ffx_internal.admin_order_deliver(%L, null)', pg_temp.ord('d_wait')), 'FF400', 'A reason is required',
  'deliver needs a reason');
select throws_ok($$select ffx_internal.admin_order_deliver('FFX999999999', 'r')$$, 'FF404', 'Order not found', 'an unknown order');
insert into res select 'deliver', ffx_internal.admin_order_deliver(pg_temp.ord('d_wait'), 'customer called support');
select is((pg_temp.r('deliver') ->> 'success', pg_temp.r('deliver') ->> 'login_id'), ('true'::text, '9004'::text),
  'a paid waiting order gets the oldest available account of its size and platform');
insert into res select 'deliver_again', ffx_internal.admin_order_deliver(pg_temp.ord('d_wait'), 'customer called again');
select is((pg_temp.r('deliver_again') ->> 'already_delivered', pg_temp.r('deliver_again') ->> 'login_id'), ('true'::text, '9004'::text),
  'delivering again changes nothing: the same account, already_delivered');
select throws_ok(format('select ffx_internal.admin_order_deliver(%L, %L)', pg_temp.ord('d_pend'), 'r'), 'FF409',
  'Order not paid: accept a held payment (orders accept-payment) or deliver with --force',
  'an unpaid order is refused (forcing it is covered in 17_payment_verification)');
select pg_temp.act('super');
select results_eq(
  $$select pg_temp.st('d_wait'), pg_temp.st('d_pend'),
           (select count(*) from public.delivered_accounts where order_id in (pg_temp.ord('d_wait'), pg_temp.ord('d_pend'))),
           (select status from public.account_container where id = 'c0000000-0000-4000-8000-000000000005')$$,
  $$values ('completed/paid/delivered'::text, 'pending/pending/pending'::text, 1::bigint, 'available'::text)$$,
  'one account for the paid order, none for the unpaid one, the next account untouched');
select results_eq(
  $$select action_type, admin_email, description, new_values #>> '{result,success}', new_values ->> 'operator'
      from public.admin_audit_log where record_id = pg_temp.ord('d_wait') order by id$$,
  $$values ('account_delivered'::text, 'ops@example.com'::text, 'Account 9004 on Live-9 delivered (admin)'::text, null::text, null::text),
           ('manual_delivery', 'ops@example.com', 'customer called support', 'true', 'olga'),
           ('manual_delivery', 'ops@example.com', 'customer called again', 'true', 'olga')$$,
  'the automation''s delivery row, then one manual_delivery row per call with the reason and the operator');
select is((select count(*) from public.admin_audit_log where record_id = 'FFX999999999'), 0::bigint,
  'the refused call on an unknown order left no audit row');

select set_config('test.fail_audit', 'manual_delivery', true);
select pg_temp.act('admin');
select throws_ok(format('select ffx_internal.admin_order_deliver(%L, %L)', pg_temp.ord('d_wait2'), 'r'), 'P0001', 'injected audit failure',
  'a delivery whose audit row fails raises');
select pg_temp.act('super');
select set_config('test.fail_audit', '', true);
select results_eq(
  $$select pg_temp.st('d_wait2'), (select count(*) from public.delivered_accounts where order_id = pg_temp.ord('d_wait2')),
           (select status from public.account_container where id = 'c0000000-0000-4000-8000-000000000005'),
           (select count(*) from public.email_outbox where order_id = pg_temp.ord('d_wait2'))$$,
  $$values ('processing/paid/pending'::text, 0::bigint, 'available'::text, 0::bigint)$$,
  'and is wholly undone: the order still waits, the account is available, no e-mail queued');

-- ==============================================================================================
-- admin_resend_email
-- ==============================================================================================
create function pg_temp.mail(p_name text) returns text
language sql stable as $$
  select e.status || ':' || e.attempts || ':' || (e.locked_until is null) || ':' || (e.next_attempt_at <= now())
    from public.email_outbox e where e.order_id = pg_temp.ord(p_name)
$$;
select pg_temp.act('admin');
select throws_ok(format('select ffx_internal.admin_resend_email(%L, null)', pg_temp.ord('e_sent')), 'FF400', 'A reason is required',
  'resend needs a reason');
select throws_ok(format('select ffx_internal.admin_resend_email(%L, %L)', pg_temp.ord('e_sent'), E' \n'), 'FF400', 'A reason is required',
  'a blank reason is refused');
select throws_ok(format('select ffx_internal.admin_resend_email(%L, %L)', pg_temp.ord('d_pend'), 'r'), 'FF404',
  'No delivery e-mail for this order', 'an order without a delivery e-mail');
select throws_ok(format('select ffx_internal.admin_resend_email(%L, %L)', pg_temp.ord('e_sending'), 'r'), 'FF409',
  'The e-mail is being sent right now', 'an e-mail a mailer holds is left alone');
select is(ffx_internal.admin_resend_email(pg_temp.ord('e_failed'), 'address fixed') - 'outbox_id',
  '{"success": true, "old_status": "failed", "status": "pending"}'::jsonb, 'a failed e-mail goes back to the queue');
select is(ffx_internal.admin_resend_email(pg_temp.ord('e_sent'), 'customer lost it') - 'outbox_id',
  '{"success": true, "old_status": "sent", "status": "pending"}'::jsonb, 'a sent e-mail is sent again');
select is(ffx_internal.admin_resend_email(pg_temp.ord('e_pending'), 'nudge') - 'outbox_id',
  '{"success": true, "old_status": "pending", "status": "pending"}'::jsonb, 'a pending one stays pending');
select pg_temp.act('super');
select results_eq(
  $$select pg_temp.mail('e_failed'), pg_temp.mail('e_sent'), pg_temp.mail('e_pending'), pg_temp.mail('e_sending')$$,
  $$values ('pending:0:true:true'::text, 'pending:0:true:true'::text, 'pending:0:true:true'::text, 'sending:1:false:true'::text)$$,
  'each is pending, due now, with a fresh count of attempts; the one being sent is untouched');
select results_eq(
  $$select a.action_type, a.admin_email, a.description, a.old_values ->> 'status', a.new_values ->> 'order_id', a.new_values ->> 'operator'
      from public.admin_audit_log a
     where a.action_type in ('resend_email', 'requeue_email') order by a.id$$,
  $$values ('requeue_email'::text, 'ops@example.com'::text, null::text, 'failed'::text, null::text, null::text),
           ('resend_email', 'ops@example.com', 'address fixed', 'failed', pg_temp.ord('e_failed'), 'olga'),
           ('resend_email', 'ops@example.com', 'customer lost it', 'sent', pg_temp.ord('e_sent'), 'olga'),
           ('resend_email', 'ops@example.com', 'nudge', 'pending', pg_temp.ord('e_pending'), 'olga')$$,
  'a failed e-mail goes through outbox_requeue (its own audit row); every resend is audited with reason and operator');

select set_config('test.fail_audit', 'resend_email', true);
select pg_temp.act('admin');
select throws_ok(format('select ffx_internal.admin_resend_email(%L, %L)', pg_temp.ord('e_failed2'), 'r'), 'P0001', 'injected audit failure',
  'a resend whose audit row fails raises');
select pg_temp.act('super');
select set_config('test.fail_audit', '', true);
select is(pg_temp.mail('e_failed2'), 'failed:8:true:true', 'and the e-mail is still failed with its attempts');

-- ==============================================================================================
-- admin_ipn_reprocess
-- ==============================================================================================
select pg_temp.act('admin');
select throws_ok(format('select ffx_internal.admin_ipn_reprocess(%s, %L)', pg_temp.event('7001'), ' '), 'FF400', 'A reason is required',
  'a blank reason is refused (none at all is allowed: the reconciler''s path needs none)');
select throws_ok($$select ffx_internal.admin_ipn_reprocess(999999, 'r')$$, 'FF404', 'Event not found', 'an unknown event');
select is(ffx_internal.admin_ipn_reprocess(pg_temp.event('7001'), 'try again') ->> 'outcome', 'unmatched',
  'an unmatched event whose order still cannot be found stays unmatched');
select pg_temp.act('super');
select is((select state || ':' || attempts from public.ipn_events where payment_id = '7001'), 'unmatched:2', 'one more attempt counted');
update public.orders set invoice_id = 'INV-77' where order_id = pg_temp.ord('ev_order');
select pg_temp.act('admin');
insert into res select 'reprocess', ffx_internal.admin_ipn_reprocess(pg_temp.event('7001'), 'invoice linked by hand');
select is((pg_temp.r('reprocess') ->> 'outcome', pg_temp.r('reprocess') ->> 'order_id', pg_temp.r('reprocess') ->> 'order_status'),
  ('processed'::text, pg_temp.ord('ev_order'), 'processing'::text),
  'once the invoice is linked the event is applied to its order (waiting: processing)');
select throws_ok(format('select ffx_internal.admin_ipn_reprocess(%s, %L)', pg_temp.event('7001'), 'again'), 'FF409', 'Event already processed',
  'reprocessing a processed event is refused');
select pg_temp.act('super');
select results_eq(
  $$select e.state, e.attempts, e.matched_order_id, pg_temp.st('ev_order'),
           (select count(*) from public.payments p where p.payment_id = '7001'),
           (select count(*) from public.payment_transactions t where t.provider_transaction_id = '7001')
      from public.ipn_events e where e.payment_id = '7001'$$,
  $$values ('processed'::text, 3, pg_temp.ord('ev_order'), 'processing/pending/pending'::text, 1::bigint, 1::bigint)$$,
  'the event is processed once: one payment, one transaction, and the refused second call changed nothing');
select results_eq(
  $$select action_type, admin_email, description, new_values #>> '{result,outcome}', new_values ->> 'operator'
      from public.admin_audit_log where table_name = 'ipn_events' and record_id = pg_temp.event('7001')::text order by id$$,
  $$values ('ipn_reprocessed'::text, 'ops@example.com'::text, null::text, null::text, null::text),
           ('ipn_reprocess_cli', 'ops@example.com', 'try again', 'unmatched', 'olga'),
           ('ipn_reprocessed', 'ops@example.com', null, null, null),
           ('ipn_reprocess_cli', 'ops@example.com', 'invoice linked by hand', 'processed', 'olga')$$,
  'each reprocess: ipn_reprocess''s own row and the CLI''s with reason, outcome and operator; the refused one none');
select is((select count(*) from public.admin_audit_log where record_id = '999999'), 0::bigint, 'the unknown event left no audit row');

select pg_temp.act('service');
select is(ffx_internal.admin_ipn_reprocess(pg_temp.event('7002'), null) ->> 'outcome', 'failed',
  'an event that still cannot be applied fails again (reported, not raised)');
select pg_temp.act('super');
select results_eq(
  $$select e.state, e.attempts, pg_temp.st('ev_order'), a.admin_email, a.description
      from public.ipn_events e, public.admin_audit_log a
     where e.payment_id = '7002' and a.action_type = 'ipn_reprocess_cli' and a.record_id = e.id::text$$,
  $$values ('failed'::text, 2, 'processing/pending/pending'::text, 'operator:sam'::text, 'reprocess'::text)$$,
  'still failed, one more attempt, the order untouched; audited for the service operator with the default reason');

-- ==============================================================================================
-- admin_order_refund
-- ==============================================================================================
select pg_temp.act('admin');
select is(ffx_internal.admin_order_deliver(pg_temp.ord('f_del'), 'set up a delivered order') ->> 'login_id', '9006', '(f_del delivered)');
select throws_ok(format('select ffx_internal.admin_order_refund(%L, null)', pg_temp.ord('f_del')), 'FF400', 'A reason is required',
  'refund needs a reason');
select throws_ok(format('select ffx_internal.admin_order_refund(%L, %L)', pg_temp.ord('f_del'), '   '), 'FF400', 'A reason is required',
  'a blank reason is refused');
select throws_ok($$select ffx_internal.admin_order_refund('FFX999999999', 'r')$$, 'FF404', 'Order not found', 'an unknown order');
select throws_ok(format('select ffx_internal.admin_order_refund(%L, %L)', pg_temp.ord('f_pend'), 'r'), 'FF409',
  'Order is not paid (pending/pending)', 'an unpaid order cannot be refunded');
select is(ffx_internal.admin_order_refund(pg_temp.ord('f_del'), 'refunded on the NOWPayments dashboard') - 'order_id',
  jsonb_build_object('success', true, 'amount', (select final_amount from public.orders where order_id = pg_temp.ord('f_del')),
                     'old_order_status', 'completed', 'old_payment_status', 'paid', 'order_status', 'refunded',
                     'payment_status', 'refunded', 'delivery_status', 'delivered', 'accounts_suspended', 1),
  'a delivered order is refunded and its account suspended');
select throws_ok(format('select ffx_internal.admin_order_refund(%L, %L)', pg_temp.ord('f_del'), 'again'), 'FF409',
  'Order is already refunded', 'refunding twice is refused');
select pg_temp.act('super');
select results_eq(
  $$select pg_temp.st('f_del'), d.account_status, c.status
      from public.delivered_accounts d join public.account_container c on c.id = d.container_account_id
     where d.order_id = pg_temp.ord('f_del')$$,
  $$values ('refunded/refunded/delivered'::text, 'suspended'::text, 'delivered'::text)$$,
  'order refunded/refunded, the account suspended (its inventory row stays delivered: never handed out again)');
select results_eq(
  $$select t.transaction_type, t.provider, t.amount = o.final_amount, t.currency, t.status, t.event_type,
           t.provider_response ->> 'reason', t.provider_response ->> 'operator'
      from public.payment_transactions t join public.orders o on o.order_id = t.order_id
     where t.order_id = pg_temp.ord('f_del')$$,
  $$values ('refund'::text, 'manual'::text, true, 'usd'::text, 'completed'::text, 'admin_refund'::text,
            'refunded on the NOWPayments dashboard'::text, 'olga'::text)$$,
  'one refund transaction in the ledger (the second call wrote none)');
select results_eq(
  $$select admin_id, admin_email, description, old_values, new_values - 'amount'
      from pg_temp.audit('order_refund', pg_temp.ord('f_del'))$$,
  $$values ('ad000000-0000-4000-8000-0000000000ad'::uuid, 'ops@example.com'::text, 'refunded on the NOWPayments dashboard'::text,
            '{"order_status": "completed", "payment_status": "paid", "delivery_status": "delivered"}'::jsonb,
            '{"order_status": "refunded", "payment_status": "refunded", "delivery_status": "delivered", "accounts_suspended": 1, "operator": "olga"}'::jsonb)$$,
  'one audit row with the admin, the reason, the operator, old and new states');
select is((select count(*) from public.admin_audit_log where record_id in ('FFX999999999', pg_temp.ord('f_pend'))), 0::bigint,
  'the refused refunds left no audit row');

-- a paid order still waiting for stock: refunded, it leaves the queue and stock no longer goes to it
select pg_temp.mk('f_wait', 'one_step', 200000, 'mt4', 'waiting', now() - interval '1 hour');
update public.account_container set status = 'disabled' where id = 'c0000000-0000-4000-8000-000000000007';
select pg_temp.act('service');
select is(ffx_internal.admin_order_refund(pg_temp.ord('f_wait'), 'customer cancelled') ->> 'accounts_suspended', '0',
  'a waiting order is refunded (no account to suspend)');
select pg_temp.act('super');
select is((select count(*) from public.orders_waiting_for_stock where order_id = pg_temp.ord('f_wait')), 0::bigint,
  'it is no longer waiting for stock');
update public.account_container set status = 'available' where id = 'c0000000-0000-4000-8000-000000000007';
select results_eq(
  $$select pg_temp.st('f_wait'), pg_temp.st('f_del2'),
           (select login_id from public.delivered_accounts where order_id = pg_temp.ord('f_del2'))$$,
  $$values ('refunded/refunded/pending'::text, 'completed/paid/delivered'::text, '9007'::text)$$,
  'stock of its size arriving skips it, though it was paid first, and goes to the next waiting order');
select pg_temp.act('service');
select is(ffx_internal.payment_apply(jsonb_build_object('payment_id', 7101, 'payment_status', 'finished', 'order_id', pg_temp.ord('f_wait'),
                                                  'price_amount', (select final_amount from public.orders where order_id = pg_temp.ord('f_wait')),
                                                  'price_currency', 'usd'), 'ipn') - 'payment_id' - 'order_id',
  '{"outcome": "processed", "order_status": "refunded", "payment_status": "refunded", "delivery_status": "pending",
    "needs_attention": "second_payment_refund_review", "delivered": false, "changed": true}'::jsonb,
  'a finished payment arriving after the refund delivers nothing: it is flagged for review, as the state machine does');
select pg_temp.act('super');
select is((select admin_email from pg_temp.audit('order_refund', pg_temp.ord('f_wait'))), 'operator:sam',
  'the service operator''s refund is audited as operator:sam');

select set_config('test.fail_audit', 'order_refund', true);
select pg_temp.act('admin');
select throws_ok(format('select ffx_internal.admin_order_refund(%L, %L)', pg_temp.ord('f_del2'), 'r'), 'P0001', 'injected audit failure',
  'a refund whose audit row fails raises');
select pg_temp.act('super');
select set_config('test.fail_audit', '', true);
select results_eq(
  $$select pg_temp.st('f_del2'), (select account_status from public.delivered_accounts where order_id = pg_temp.ord('f_del2')),
           (select count(*) from public.payment_transactions where order_id = pg_temp.ord('f_del2') and transaction_type = 'refund')$$,
  $$values ('completed/paid/delivered'::text, 'active'::text, 0::bigint)$$,
  'and is wholly undone: the order completed, the account active, no refund in the ledger');

-- ==============================================================================================
-- RLS still holds around the CLI's functions
-- ==============================================================================================
select pg_temp.act('alice');
select is((select count(*) from public.admin_audit_log), 0::bigint, 'a customer reads none of the audit rows the CLI wrote');
select is((select count(*) from public.account_container), 0::bigint, 'nor the inventory');
update public.account_container set status = 'disabled' where id = 'c0000000-0000-4000-8000-000000000005';
select pg_temp.act('admin');
select is((select status from public.account_container where id = 'c0000000-0000-4000-8000-000000000005'), 'available',
  'her direct UPDATE of the inventory changed nothing (RLS); an admin sees the row');
select cmp_ok((select count(*) from public.admin_audit_log), '>', 20::bigint, 'an admin reads the audit rows');
select pg_temp.act('super');

select * from finish();
rollback;
