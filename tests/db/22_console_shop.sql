-- The console's shop actions (sql/definitions/97_console_shop.sql) through ffx_internal.console():
-- each action's happy path, a bad input per kind of argument, the capability (support and finance
-- may read but not manage: FF403 and nothing changes), exactly one audit row per change naming
-- the acting admin, and no password in any listing, detail or audit row (credentials.reveal
-- excepted). Also: create-order refuses a customer the console suspended.
--
-- Identities (pg_temp.act): 'admin' (ops, app_metadata.role admin), 'support' (sue), 'finance'
-- (fin), 'alice' (a customer), 'super' (back to the superuser, for fixtures and checks).
begin;
select plan(153);
set local client_min_messages = warning;
create temp table audit_mark as select coalesce(max(id), 0) as last_id from public.admin_audit_log;
grant select on audit_mark to public;

insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice", "last_name": "Liddell"}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{"first_name": "Bob"}',   '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{}', '{"provider": "email", "role": "admin"}'),
  ('5a000000-0000-4000-8000-00000000005a', 'sue@example.com',   '{}', '{"provider": "email", "role": "support"}'),
  ('fa000000-0000-4000-8000-0000000000fa', 'fin@example.com',   '{}', '{"provider": "email", "role": "finance"}');

create function pg_temp.act(p_who text) returns void
language sql as $$
  select set_config('request.jwt.claims',
    case p_who
      when 'admin'   then '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"role":"admin"}}'
      when 'support' then '{"sub":"5a000000-0000-4000-8000-00000000005a","role":"authenticated","email":"sue@example.com","app_metadata":{"role":"support"}}'
      when 'finance' then '{"sub":"fa000000-0000-4000-8000-0000000000fa","role":"authenticated","email":"fin@example.com","app_metadata":{"role":"finance"}}'
      when 'alice'   then '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}'
      else '' end, true);
  select set_config('role', case when p_who = 'super' then 'none' else 'authenticated' end, true);
$$;

-- c(action, args): console() as the current identity
create function pg_temp.c(p_action text, p_args text) returns jsonb
language sql as $$ select ffx_internal.console(p_action, p_args::jsonb) $$;

-- the audit rows written since the mark (read as the superuser: the caller may not see the log)
create function pg_temp.audits() returns setof public.admin_audit_log
language sql security definer as $$
  select * from public.admin_audit_log where id > (select last_id from pg_temp.audit_mark) order by id
$$;
create function pg_temp.audit_count() returns bigint
language sql security definer as $$ select count(*) from pg_temp.audits() $$;
-- one_audit(): the new rows since the last call as type:admin_id:admin_email, comma-separated; moves the mark
create function pg_temp.one_audit() returns text
language plpgsql security definer as $$
declare
  v text;
begin
  select string_agg(a.action_type || ':' || coalesce(a.admin_id::text, '-') || ':' || coalesce(a.admin_email, '-'), ',')
    into v from pg_temp.audits() a;
  update pg_temp.audit_mark set last_id = (select coalesce(max(id), 0) from public.admin_audit_log);
  return coalesce(v, 'none');
end
$$;
grant execute on all functions in schema pg_temp to public;

-- fixtures: orders, stock and one delivered account ---------------------------------------------
insert into public.orders (user_id, account_type, account_size, platform_type)
values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4');
create temp table fx as select order_id from public.orders where user_id = 'a0000000-0000-4000-8000-00000000000a';
grant select on fx to public;
update public.orders set order_status = 'completed', payment_status = 'paid', delivery_status = 'delivered',
                         paid_at = now(), delivered_at = now()
 where order_id = (select order_id from fx);
insert into public.account_container (id, account_size, platform_type, server_name, login_id, password, investor_password, status,
                                      reserved_for_order_id, delivered_at) values
  ('c0000000-0000-4000-8000-000000000001', 10000, 'mt4', 'Srv-A', '7001', 'Secret-PW-1', 'Secret-INV-1', 'delivered',
   (select order_id from fx), now()),
  ('c0000000-0000-4000-8000-000000000002', 10000, 'mt4', 'Srv-A', '7002', 'Secret-PW-2', 'Secret-INV-2', 'available', null, null),
  ('c0000000-0000-4000-8000-000000000003', 10000, 'mt4', 'Srv-B', '7002', 'Secret-PW-3', 'Secret-INV-3', 'available', null, null);
insert into public.delivered_accounts (id, order_id, user_id, container_account_id, account_type, account_size, platform_type,
                                       server_name, login_id, password, investor_password, current_phase, challenge_status)
values ('d0000000-0000-4000-8000-00000000000d', (select order_id from fx), 'a0000000-0000-4000-8000-00000000000a',
        'c0000000-0000-4000-8000-000000000001', 'one_step', 10000, 'mt4', 'Srv-A', '7001', 'Secret-PW-1', 'Secret-INV-1',
        'challenge', 'active');
insert into public.email_outbox (order_id, template_name, to_email, status)
values ((select order_id from fx), 'account_delivery', 'alice@example.com', 'sent');
update pg_temp.audit_mark set last_id = (select coalesce(max(id), 0) from public.admin_audit_log);

-- every action of this file exists and is reached only through console() ------------------------
select is(
  array(select a.action from ffx_internal.console_actions() a
         where split_part(a.action, '.', 1) in ('customers', 'inventory', 'deliveries', 'credentials', 'pricing',
                                                'discounts', 'rules', 'templates', 'coins', 'audit', 'staff')
           and to_regprocedure('ffx_internal.console_' || replace(a.action, '.', '_') || '(jsonb)') is null),
  '{}'::text[], 'every shop action has its function');
select is(
  array(select p.oid::regprocedure::text from pg_proc p
         where p.pronamespace = 'ffx_internal'::regnamespace and (p.proname like 'shop\_%' or p.proname like 'console\_%')
           and p.proname not in ('console_actions', 'console_lock_down')
           and (has_function_privilege('authenticated', p.oid, 'EXECUTE') or has_function_privilege('service_role', p.oid, 'EXECUTE'))
         order by 1),
  '{}'::text[], 'the actions and their helpers are owner only (console() is the way in)');
select is(
  array(select p.proname::text from pg_proc p
         where p.pronamespace = 'ffx_internal'::regnamespace and p.proname like 'console\_%' and p.prosecdef
           and p.proname in (select 'console_' || replace(a.action, '.', '_') from ffx_internal.console_actions() a)
           and not coalesce(p.proconfig @> array['search_path=""'], false)),
  '{}'::text[], 'every action is SECURITY DEFINER with search_path pinned');

-- customers --------------------------------------------------------------------------------------
select pg_temp.act('support');
select is((pg_temp.c('customers.list', '{"q": "LIDD"}') -> 'customers' -> 0 ->> 'email'), 'alice@example.com',
  'customers.list finds a customer by part of the name, in any case (support may read)');
select is((pg_temp.c('customers.list', '{"q": "bob@"}') ->> 'total')::int, 1, 'customers.list finds by part of the e-mail');
select is((pg_temp.c('customers.list', '{"status": "banned"}') ->> 'total')::int, 0, 'customers.list filters by status');
select throws_ok($$select pg_temp.c('customers.list', '{"status": "gone"}')$$, 'FF400',
  'status must be one of: active, suspended, banned', 'customers.list: a bad status');
select throws_ok($$select pg_temp.c('customers.list', '{"limit": "0"}')$$, 'FF400',
  'limit must be a whole number from 1 to 500', 'customers.list: a bad limit');
select is(pg_temp.c('customers.get', '{"email": "ALICE@example.com"}') -> 'customer' ->> 'total_spent_net', '649.00',
  'customers.get by e-mail: total spent net (one paid order of 649)');
select is(jsonb_array_length(pg_temp.c('customers.get', '{"user_id": "a0000000-0000-4000-8000-00000000000a"}') -> 'deliveries'), 1,
  'customers.get by id lists the deliveries');
select ok(pg_temp.c('customers.get', '{"user_id": "a0000000-0000-4000-8000-00000000000a"}')::text !~ 'Secret-',
  'customers.get shows no password');
select throws_ok($$select pg_temp.c('customers.get', '{}')$$, 'FF400', 'Give user_id or email', 'customers.get: no customer named');
select throws_ok($$select pg_temp.c('customers.get', '{"user_id": "nope"}')$$, 'FF400', 'user_id must be a UUID', 'customers.get: a bad id');
select throws_ok($$select pg_temp.c('customers.get', '{"email": "nobody@example.com"}')$$, 'FF404',
  'No customer with e-mail nobody@example.com', 'customers.get: an unknown customer');
select throws_ok($$select pg_temp.c('customers.set_status', '{"email": "alice@example.com", "status": "banned", "reason": "r"}')$$,
  'FF403', 'The support role may not customers.set_status', 'support may not change a customer''s status');
select pg_temp.act('finance');
select throws_ok($$select pg_temp.c('customers.set_email', '{"email": "alice@example.com", "new_email": "a@b.co", "reason": "r"}')$$,
  'FF403', 'The finance role may not customers.set_email', 'finance may not change a customer''s e-mail');
select pg_temp.act('super');
select is((select account_status || ' ' || email from public.user_profiles where id = 'a0000000-0000-4000-8000-00000000000a'),
  'active alice@example.com', 'the refused calls changed nothing');
select is(pg_temp.audit_count(), 0::bigint, 'and wrote no audit row');

select pg_temp.act('admin');
select throws_ok($$select pg_temp.c('customers.set_status', '{"email": "alice@example.com", "status": "suspended"}')$$,
  'FF400', 'A reason is required', 'customers.set_status needs a reason');
select throws_ok($$select pg_temp.c('customers.set_status', '{"email": "alice@example.com", "reason": "r"}')$$,
  'FF400', 'status is required', 'customers.set_status needs a status');
select throws_ok($$select pg_temp.c('customers.set_status', '{"email": "alice@example.com", "status": "active", "reason": "r"}')$$,
  'FF409', 'The customer is already active', 'customers.set_status: no change is refused');
select is(pg_temp.c('customers.set_status', '{"email": "alice@example.com", "status": "suspended", "reason": "chargeback"}')
            -> 'customer' ->> 'account_status', 'suspended', 'customers.set_status suspends');
select is(pg_temp.one_audit(), 'customer_set_status:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row by the admin');
select is((select account_status from public.delivered_accounts where id = 'd0000000-0000-4000-8000-00000000000d'), 'active',
  'a suspension leaves the delivered accounts as they are');

-- create-order refuses the suspended customer
select pg_temp.act('alice');
select throws_ok($$select * from ffx_internal.order_create('one_step', 10000, 'mt4', null)$$, 'FF403',
  'Account is suspended or banned', 'create-order (order_create) refuses a suspended customer');
select pg_temp.act('admin');
select is(pg_temp.c('customers.set_status', '{"email": "alice@example.com", "status": "banned", "reason": "fraud"}')
            -> 'accounts_suspended', '["d0000000-0000-4000-8000-00000000000d"]', 'a ban suspends the active delivered accounts');
select is(pg_temp.one_audit(), 'customer_set_status:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row for the ban');
select pg_temp.c('customers.set_status', '{"user_id": "a0000000-0000-4000-8000-00000000000a", "status": "active", "reason": "cleared"}');
select is(pg_temp.one_audit(), 'customer_set_status:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row for the reinstatement');
select is((select account_status from public.delivered_accounts where id = 'd0000000-0000-4000-8000-00000000000d'), 'suspended',
  'reinstating the customer reactivates no account by itself');
select pg_temp.act('alice');
select lives_ok($$select * from ffx_internal.order_create('one_step', 10000, 'mt4', null)$$, 'a reinstated customer may order again');

select pg_temp.act('admin');
select throws_ok($$select pg_temp.c('customers.set_email', '{"email": "alice@example.com", "new_email": "not an address", "reason": "r"}')$$,
  'FF400', 'new_email must be an e-mail address', 'customers.set_email: a bad address');
select throws_ok($$select pg_temp.c('customers.set_email', '{"email": "alice@example.com", "new_email": "alice@example.com", "reason": "r"}')$$,
  'FF409', 'Deliveries already go to alice@example.com', 'customers.set_email: the same address');
select is(pg_temp.c('customers.set_email', '{"email": "alice@example.com", "new_email": "alice@example.org", "reason": "typo"}')
            ->> 'outbox_rows_redirected', '1', 'customers.set_email redirects the outbox rows');
select is(pg_temp.one_audit(), 'customer_set_email:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select pg_temp.act('super');
select is((select p.email || ' ' || u.email || ' ' || e.to_email
             from public.user_profiles p join auth.users u on u.id = p.id
             join public.email_outbox e on e.order_id = (select order_id from fx)
            where p.id = 'a0000000-0000-4000-8000-00000000000a'),
  'alice@example.org alice@example.com alice@example.org',
  'the delivery address changes (profile and outbox), the sign-in address does not');

-- inventory --------------------------------------------------------------------------------------
select pg_temp.act('support');
select is(pg_temp.c('inventory.list', '{"login": "7001"}') -> 'accounts' -> 0 ->> 'customer_email', 'alice@example.org',
  'inventory.list: which account went to whom');
select is(pg_temp.c('inventory.list', '{"login": "7001"}') -> 'accounts' -> 0 ->> 'order_id', (select order_id from fx),
  'inventory.list names the order');
select is((pg_temp.c('inventory.list', '{"status": "available", "server": "srv-b"}') ->> 'total')::int, 1,
  'inventory.list filters by status and server');
select ok(pg_temp.c('inventory.list', '{}')::text !~ 'Secret-', 'inventory.list shows no password');
select throws_ok($$select pg_temp.c('inventory.list', '{"account_size": "big"}')$$, 'FF400',
  'account_size must be a whole number from 1 to 100000000', 'inventory.list: a bad size');
select throws_ok($$select pg_temp.c('inventory.list', '{"platform_type": "mt6"}')$$, 'FF400',
  'platform_type must be one of: mt4, mt5', 'inventory.list: a bad platform');
select is((select p from jsonb_array_elements(pg_temp.c('inventory.stock', '{}') -> 'products') p
            where p ->> 'account_size' = '10000' and p ->> 'platform_type' = 'mt4'),
  '{"low": true, "disabled": 0, "reserved": 0, "available": 2, "delivered": 1, "account_size": 10000, "platform_type": "mt4", "waiting_orders": 0}'::jsonb,
  'inventory.stock counts per product with the low flag');
select is(pg_temp.c('inventory.stock', '{}') ->> 'low_stock_level', '3', 'the low-stock level is the console settings'' (3 by default)');
select throws_ok($$select pg_temp.c('inventory.import', '{"rows": [], "dry_run": true}')$$, 'FF403',
  'The support role may not inventory.import', 'support may not import, even a dry run');

select pg_temp.act('admin');
select is(pg_temp.c('inventory.import', $${"dry_run": true, "rows": [
    {"line": 2, "size": "10000", "platform": "mt4", "server": "Srv-A", "login": "8001", "password": "p", "investor_password": "i"},
    {"line": 3, "size": "10000", "platform": "mt9", "server": "Srv-A", "login": "8002", "password": "p", "investor_password": "i"},
    {"line": 4, "size": "10000", "platform": "mt4", "server": "Srv-A", "login": "7002", "password": "p", "investor_password": "i"}]}$$),
  '{"dry_run": false, "lines": [{"ok": true, "line": 2}, {"ok": false, "line": 3, "error": "platform mt9 is not mt4 or mt5"},
    {"ok": false, "line": 4, "error": "server Srv-A login 7002 is already in the inventory"}],
    "valid": 1, "invalid": 2, "imported": 0, "delivered": 0}'::jsonb || '{"dry_run": true}',
  'inventory.import dry_run: one result per line');
select is(pg_temp.audit_count(), 0::bigint, 'a dry run writes no audit row');
select is((select count(*) from public.account_container), 3::bigint, 'and imports nothing');
select is(pg_temp.c('inventory.import', $${"reason": "batch", "rows": [
    {"line": 2, "size": "10000", "platform": "mt4", "server": "Srv-A", "login": "8001", "password": "p", "investor_password": "i"},
    {"line": 3, "size": "10000", "platform": "mt9", "server": "Srv-A", "login": "8002", "password": "p", "investor_password": "i"}]}$$)
    - 'lines', '{"dry_run": false, "valid": 1, "invalid": 1, "imported": 0, "delivered": 0, "success": false,
                 "error": "1 of 2 lines have errors: nothing was imported"}',
  'a real import with a bad line imports nothing and says so');
select is(pg_temp.audit_count(), 0::bigint, 'and writes no audit row');
select throws_ok($$select pg_temp.c('inventory.import', '{"rows": [{"line": 2, "size": "10000", "platform": "mt4", "server": "S", "login": "1", "password": "p", "investor_password": "i"}]}')$$,
  'FF400', 'A reason is required', 'a real import needs a reason');
select throws_ok($$select pg_temp.c('inventory.import', '{"rows": "a,b", "reason": "r"}')$$,
  'FF400', 'rows must be a non-empty list of accounts', 'inventory.import: rows not a list');
select throws_ok($$select pg_temp.c('inventory.import', '{"rows": [{"size": "1"}], "reason": "r"}')$$,
  'FF400', 'each of rows must be an object with its line number (line)', 'inventory.import: a row without its line');
select is(pg_temp.c('inventory.import', $${"reason": "batch", "rows": [
    {"line": 2, "size": "10000", "platform": "mt4", "server": "Srv-A", "login": "8001", "password": "Secret-PW-8", "investor_password": "Secret-INV-8"}]}$$)
    ->> 'imported', '1', 'inventory.import imports');
select is(pg_temp.one_audit(), 'inventory_import:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');

select throws_ok($$select pg_temp.c('inventory.update', '{"login": "7002", "password": "x", "reason": "r"}')$$,
  'FF409', 'Login 7002 is on several servers (Srv-A, Srv-B): give server', 'inventory.update: an ambiguous login');
select throws_ok($$select pg_temp.c('inventory.update', '{"login": "7002", "server": "Srv-A", "reason": "r"}')$$,
  'FF400', 'Give new_server, password or investor_password', 'inventory.update: nothing to change');
select throws_ok($$select pg_temp.c('inventory.update', '{"login": "9999", "password": "x", "reason": "r"}')$$,
  'FF404', 'No account with login 9999', 'inventory.update: an unknown login');
select throws_ok($$select pg_temp.c('inventory.update', '{"login": "7001", "password": "x", "reason": "r"}')$$,
  'FF409', 'Account 7001 on Srv-A is delivered: its credentials are the customer''s now', 'inventory.update: a delivered account');
select throws_ok($$select pg_temp.c('inventory.update', '{"login": "7002", "server": "Srv-A", "new_server": "Srv-B", "reason": "r"}')$$,
  'FF409', 'Server Srv-B already has login 7002', 'inventory.update: a server that has the login');
select is(pg_temp.c('inventory.update', '{"login": "7002", "server": "Srv-A", "password": "Secret-PW-fixed", "reason": "typo"}') -> 'changed',
  '["password"]', 'inventory.update corrects a password');
select pg_temp.act('super');
select is((select password from public.account_container where id = 'c0000000-0000-4000-8000-000000000002'), 'Secret-PW-fixed',
  'the password is changed');
select is((select new_values - 'operator' from pg_temp.audits()), '{"password": "changed"}', 'the audit row says "changed", not the value');
select is(pg_temp.one_audit(), 'inventory_update:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select pg_temp.act('admin');
select is(pg_temp.c('inventory.set_status', '{"login": "7002", "server": "Srv-B", "status": "disabled", "reason": "broker closed it"}')
            -> 'account' ->> 'status', 'disabled', 'inventory.set_status disables by login');
select is(pg_temp.one_audit(), 'inventory_disable:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select throws_ok($$select pg_temp.c('inventory.set_status', '{"id": "c0000000-0000-4000-8000-000000000003", "status": "delivered", "reason": "r"}')$$,
  'FF400', 'status must be one of: available, disabled', 'inventory.set_status: a bad status');
select is(pg_temp.c('inventory.set_status', '{"id": "c0000000-0000-4000-8000-000000000003", "status": "available", "reason": "back"}')
            -> 'account' ->> 'status', 'available', 'inventory.set_status re-enables by id');
select is(pg_temp.one_audit(), 'inventory_enable:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');

-- deliveries and credentials ---------------------------------------------------------------------
select pg_temp.act('support');
select is(pg_temp.c('deliveries.list', '{"q": "alice@example.org"}') -> 'deliveries' -> 0 ->> 'login_id', '7001',
  'deliveries.list finds by e-mail');
select is((pg_temp.c('deliveries.list', format('{"q": "%s"}', (select order_id from fx))) ->> 'total')::int, 1,
  'deliveries.list finds by order id');
select is((pg_temp.c('deliveries.list', '{"account_status": "active"}') ->> 'total')::int, 0, 'deliveries.list filters by status');
select ok(pg_temp.c('deliveries.list', '{}')::text !~ 'Secret-', 'deliveries.list shows no password');
select throws_ok($$select pg_temp.c('deliveries.list', '{"order_id": "123"}')$$, 'FF400',
  'order_id must look like FFX123456789', 'deliveries.list: a bad order id');
select throws_ok($$select pg_temp.c('credentials.reveal', '{"delivery_id": "d0000000-0000-4000-8000-00000000000d", "reason": "r"}')$$,
  'FF403', 'The support role may not credentials.reveal', 'support may not reveal credentials');
select throws_ok($$select pg_temp.c('deliveries.set_status', '{"id": "d0000000-0000-4000-8000-00000000000d", "account_status": "closed", "reason": "r"}')$$,
  'FF403', 'The support role may not deliveries.set_status', 'support may not change a delivered account');

select pg_temp.act('admin');
select throws_ok($$select pg_temp.c('deliveries.set_status', '{"id": "d0000000-0000-4000-8000-00000000000d", "challenge_status": "won", "reason": "r"}')$$,
  'FF400', 'challenge_status must be one of: not_started, active, passed, failed', 'deliveries.set_status: a bad value');
select throws_ok($$select pg_temp.c('deliveries.set_status', '{"id": "d0000000-0000-4000-8000-00000000000d", "reason": "r"}')$$,
  'FF400', 'Give current_phase, challenge_status, phase_1_status, phase_2_status, live_status or account_status',
  'deliveries.set_status: nothing to change');
select throws_ok($$select pg_temp.c('deliveries.set_status', '{"order_id": "FFX000000000", "live_status": "active", "reason": "r"}')$$,
  'FF404', 'No delivered account for FFX000000000', 'deliveries.set_status: an unknown order');
select is(pg_temp.c('deliveries.set_status', format('{"order_id": "%s", "challenge_status": "passed", "current_phase": "live", "live_status": "active", "account_status": "active", "reason": "passed the challenge"}', (select order_id from fx)))
            -> 'delivery' ->> 'current_phase', 'live', 'deliveries.set_status: challenge passed, live');
select pg_temp.act('super');
select is((select old_values || new_values - 'operator' from pg_temp.audits()),
  format('{"order_id": "%s", "current_phase": "live", "challenge_status": "passed", "live_status": "active", "account_status": "active"}',
         (select order_id from fx))::jsonb,
  'the audit row has the old and new values');
select is((select old_values from pg_temp.audits()),
  format('{"order_id": "%s", "current_phase": "challenge", "challenge_status": "active", "live_status": "not_started", "account_status": "suspended"}',
         (select order_id from fx))::jsonb, 'the old values are the account''s');
select is(pg_temp.one_audit(), 'delivery_set_status:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
update public.user_profiles set account_status = 'banned' where id = 'a0000000-0000-4000-8000-00000000000a';
select pg_temp.act('admin');
select lives_ok($$select pg_temp.c('deliveries.set_status', '{"id": "d0000000-0000-4000-8000-00000000000d", "account_status": "breached", "reason": "daily loss"}')$$,
  'deliveries.set_status: a breach');
select is(pg_temp.one_audit(), 'delivery_set_status:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select throws_ok($$select pg_temp.c('deliveries.set_status', '{"id": "d0000000-0000-4000-8000-00000000000d", "account_status": "active", "reason": "r"}')$$,
  'FF409', 'The customer is suspended or banned: reinstate the customer first', 'a banned customer''s account is not reactivated');
select pg_temp.act('super');
update public.user_profiles set account_status = 'active' where id = 'a0000000-0000-4000-8000-00000000000a';

select pg_temp.act('admin');
select throws_ok($$select pg_temp.c('credentials.reveal', '{"delivery_id": "d0000000-0000-4000-8000-00000000000d"}')$$,
  'FF400', 'A reason is required', 'credentials.reveal needs a reason');
select throws_ok($$select pg_temp.c('credentials.reveal', '{"delivery_id": "d0000000-0000-4000-8000-00000000000d", "inventory_id": "c0000000-0000-4000-8000-000000000002", "reason": "r"}')$$,
  'FF400', 'Give delivery_id or inventory_id (one of them)', 'credentials.reveal: one account at a time');
select is(pg_temp.c('credentials.reveal', '{"delivery_id": "d0000000-0000-4000-8000-00000000000d", "reason": "customer lost the e-mail"}'),
  '{"login_id": "7001", "server_name": "Srv-A", "password": "Secret-PW-1", "investor_password": "Secret-INV-1"}',
  'credentials.reveal returns the passwords');
select is(pg_temp.one_audit(), 'credentials_reveal:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row naming the admin');
select is(pg_temp.c('credentials.reveal', '{"inventory_id": "c0000000-0000-4000-8000-000000000002", "reason": "check"}') ->> 'password',
  'Secret-PW-fixed', 'credentials.reveal of an inventory account');
select is(pg_temp.one_audit(), 'credentials_reveal:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select pg_temp.act('super');
select is((select count(*) from public.admin_audit_log a where a.id > 0 and a::text ~ 'Secret-'), 0::bigint,
  'no audit row holds a password');

-- pricing -----------------------------------------------------------------------------------------
select pg_temp.act('finance');
select is((pg_temp.c('pricing.list', '{"account_type": "one_step", "platform_type": "mt4"}') ->> 'total')::int, 6,
  'pricing.list filters (finance may read)');
select throws_ok($$select pg_temp.c('pricing.set', '{"account_type": "one_step", "account_size": 10000, "platform_type": "mt4", "price_usd": 1, "reason": "r"}')$$,
  'FF403', 'The finance role may not pricing.set', 'finance may not set a price');
select pg_temp.act('admin');
select throws_ok($$select pg_temp.c('pricing.set', '{"account_type": "one_step", "account_size": 10000, "platform_type": "mt4", "price_usd": "-5", "reason": "r"}')$$,
  'FF400', 'price_usd must be a positive amount', 'pricing.set: a bad price');
select throws_ok($$select pg_temp.c('pricing.set', '{"account_type": "one_step", "account_size": 300000, "platform_type": "mt4", "active": false, "reason": "r"}')$$,
  'FF400', 'price_usd is required for a new product', 'pricing.set: a new product needs a price');
select is(pg_temp.c('pricing.set', '{"account_type": "one_step", "account_size": 10000, "platform_type": "mt4", "price_usd": "699", "reason": "new price"}')
            -> 'price' ->> 'price_usd', '699.00', 'pricing.set changes a price');
select is(pg_temp.one_audit(), 'pricing_set:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select is(pg_temp.c('pricing.set', '{"account_type": "one_step", "account_size": 300000, "platform_type": "mt5", "price_usd": "9999", "reason": "new size"}')
            -> 'price' ->> 'active', 'true', 'pricing.set creates a product');
select is(pg_temp.one_audit(), 'pricing_set:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');

-- discounts --------------------------------------------------------------------------------------
select throws_ok($$select pg_temp.c('discounts.create', '{"code": "bad code!", "percent_off": 10, "reason": "r"}')$$,
  'FF400', 'code must be 1 to 64 letters, digits, _ or -, starting with a letter or digit', 'discounts.create: a bad code');
select throws_ok($$select pg_temp.c('discounts.create', '{"code": "X1", "percent_off": 10, "amount_off": 5, "reason": "r"}')$$,
  'FF400', 'Give percent_off or amount_off (one of them)', 'discounts.create: both kinds');
select throws_ok($$select pg_temp.c('discounts.create', '{"code": "X1", "percent_off": 150, "reason": "r"}')$$,
  'FF400', 'percent_off must be above 0 and at most 100, with at most 2 decimals', 'discounts.create: over 100%');
select throws_ok($$select pg_temp.c('discounts.create', '{"code": "X1", "amount_off": 5, "valid_until": "2001-01-01", "reason": "r"}')$$,
  'FF400', 'valid_until must be after valid_from (and in the future)', 'discounts.create: expired already');
select throws_ok($$select pg_temp.c('discounts.create', '{"code": "X1", "amount_off": 5, "max_uses": "-1", "reason": "r"}')$$,
  'FF400', 'max_uses must be a whole number from 0 to 1000000000', 'discounts.create: a bad limit');
select is(pg_temp.c('discounts.create', '{"code": " spring-25 ", "percent_off": 25, "max_uses": 1, "max_uses_per_user": 1, "reason": "spring"}')
            -> 'discount' ->> 'code', 'SPRING-25', 'discounts.create normalises the code as the order rules do');
select is(pg_temp.one_audit(), 'discount_create:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select throws_ok($$select pg_temp.c('discounts.create', '{"code": "Spring-25", "percent_off": 5, "reason": "r"}')$$,
  'FF409', 'Discount code SPRING-25 exists: change it with discounts.update', 'discounts.create: a code that exists');
-- the code works through create-order
select pg_temp.act('alice');
select is((select order_doc ->> 'discount_code' from ffx_internal.order_create('two_step', 10000, 'mt4', 'spring-25')), 'SPRING-25',
  'create-order takes the new code');
-- a use is recorded when the order's payment holds the code (32_discount_codes): one by hand here
select pg_temp.act('super');
insert into public.discount_code_uses (order_id, code, user_id, state, held_at)
select o.order_id, 'SPRING-25', o.user_id, 'held', now() from public.orders o where o.discount_code = 'SPRING-25';
select pg_temp.act('support');
select is(pg_temp.c('discounts.uses', '{"code": "spring-25"}') -> 'uses' -> 0 ->> 'email', 'alice@example.org',
  'discounts.uses: who used it');
select is(pg_temp.c('discounts.list', '{"q": "spring"}') -> 'discounts' -> 0 ->> 'max_uses_per_user', '1', 'discounts.list shows the limits');
select throws_ok($$select pg_temp.c('discounts.uses', '{"code": "NOPE"}')$$, 'FF404', 'No discount code NOPE', 'discounts.uses: an unknown code');
select pg_temp.act('admin');
select is(pg_temp.c('discounts.update', '{"code": "spring-25", "active": false, "max_uses": "none", "reason": "ended"}') -> 'discount',
  (select (pg_temp.c('discounts.list', '{"q": "spring"}') -> 'discounts' -> 0)), 'discounts.update answers the changed code');
select is(pg_temp.one_audit(), 'discount_update:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select is((select active::text || coalesce(max_uses::text, '-') from public.discount_codes where code = 'SPRING-25'), 'false-',
  'the code is deactivated and its limit removed');
select throws_ok($$select pg_temp.c('discounts.update', '{"code": "spring-25", "active": "maybe", "reason": "r"}')$$,
  'FF400', 'active must be true or false', 'discounts.update: a bad flag');
select throws_ok($$select pg_temp.c('discounts.update', '{"code": "spring-25", "active": false, "reason": "r"}')$$,
  'FF409', 'Nothing changes: the code already has these values', 'discounts.update: no change');

-- rules, templates, coins ------------------------------------------------------------------------
select is((pg_temp.c('rules.list', '{"account_type": "two_step"}') ->> 'total')::int, 6, 'rules.list');
select throws_ok($$select pg_temp.c('rules.set', '{"account_type": "two_step", "account_size": 10000, "phase_1_profit_target": "120", "reason": "r"}')$$,
  'FF400', 'phase_1_profit_target must be a percentage from 0 to 100', 'rules.set: a bad percentage');
select throws_ok($$select pg_temp.c('rules.set', '{"account_type": "two_step", "account_size": 10000, "reason": "r"}')$$,
  'FF400', null, 'rules.set: nothing to set');
select is(pg_temp.c('rules.set', '{"account_type": "two_step", "account_size": 10000, "phase_1_profit_target": "8.5", "phase_1_min_trading_days": 3, "reason": "new rules"}')
            -> 'rule' ->> 'phase_1_profit_target', '8.50', 'rules.set changes a rule');
select is(pg_temp.one_audit(), 'rules_set:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');

select is(pg_temp.c('templates.preview', '{"template_name": "account_delivery", "variables": {"first_name": "<Bo & \"Al\">"}}') ->> 'subject',
  'Your FlashFundX one_step account (FFX123456789) is ready', 'templates.preview renders the subject with samples');
select ok(strpos(pg_temp.c('templates.preview', '{"template_name": "account_delivery", "variables": "{\"first_name\": \"<Bo & \\\"Al\\\">\"}"}') ->> 'html',
                 'Welcome to FlashFundX, &lt;Bo &amp; &quot;Al&quot;&gt;!') > 0,
  'templates.preview HTML-escapes values in the HTML (variables as JSON text too)');
select pg_temp.act('super');
select is(ffx_internal.shop_render('a {{ x }} {{y}} {{bad name}} {{z', '{"x": 1.50, "y": true}', false), 'a 1.50 true {{bad name}} {{z',
  'the renderer keeps numbers as written, booleans as words, and copies what is not a placeholder');
select pg_temp.act('admin');
select throws_ok($$select pg_temp.c('templates.preview', '{"template_name": "account_delivery", "variables": [1]}')$$,
  'FF400', 'variables must be a JSON object', 'templates.preview: variables not an object');
select throws_ok($$select pg_temp.c('templates.set', '{"template_name": "account_delivery", "html_body": "<p>{{order_id}} {{server_name}} {{login_id}}</p>", "reason": "r"}')$$,
  'FF400', 'account_delivery needs {{investor_password}}, {{password}} in its HTML and text bodies', 'templates.set: a dropped placeholder');
select throws_ok($$select pg_temp.c('templates.set', '{"template_name": "account_delivery", "subject": "{{coupon}}", "reason": "r"}')$$,
  'FF400', null, 'templates.set: an unknown placeholder');
select throws_ok($$select pg_temp.c('templates.set', '{"template_name": "account_delivery", "is_active": false, "reason": "r"}')$$,
  'FF409', 'account_delivery cannot be deactivated: deliveries would not reach customers', 'templates.set: the delivery e-mail stays on');
select is(pg_temp.c('templates.set', '{"template_name": "account_delivery", "subject": "Your {{account_type}} account is ready", "reason": "shorter"}')
            -> 'template' ->> 'subject', 'Your {{account_type}} account is ready', 'templates.set changes a subject');
select is(pg_temp.one_audit(), 'template_set:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select is((pg_temp.c('templates.list', '{}') ->> 'total')::int, (select count(*)::int from public.email_templates), 'templates.list');

select throws_ok($$select pg_temp.c('coins.set', '{"code": "LTC!", "provider_code": "ltc", "reason": "r"}')$$,
  'FF400', 'code must be 1 to 32 lower-case letters, digits or _', 'coins.set: a bad code');
select throws_ok($$select pg_temp.c('coins.set', '{"code": "ltc", "reason": "r"}')$$,
  'FF400', 'Give provider_code or active', 'coins.set: nothing to set');
select is(pg_temp.c('coins.set', '{"code": "ltc", "provider_code": "ltc", "reason": "new coin"}') -> 'coin' ->> 'active', 'true', 'coins.set adds a coin');
select is(pg_temp.one_audit(), 'coin_set:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select is(pg_temp.c('coins.set', '{"code": "btc", "active": "false", "reason": "fees"}') -> 'coin' ->> 'active', 'false', 'coins.set disables a coin');
select is(pg_temp.one_audit(), 'coin_set:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select is((pg_temp.c('coins.list', '{"active": false}') ->> 'total')::int, 1, 'coins.list filters');
select pg_temp.act('support');
select throws_ok($$select pg_temp.c('coins.set', '{"code": "btc", "active": true, "reason": "r"}')$$,
  'FF403', 'The support role may not coins.set', 'support may not change a coin');
select pg_temp.act('finance');
select throws_ok($$select pg_temp.c('templates.set', '{"template_name": "payment_review", "subject": "{{order_id}}", "reason": "r"}')$$,
  'FF403', 'The finance role may not templates.set', 'finance may not change a template');

-- audit and staff --------------------------------------------------------------------------------
select pg_temp.act('support');
select ok((pg_temp.c('audit.list', format('{"order_id": "%s"}', (select order_id from fx))) ->> 'total')::int >= 1,
  'audit.list by order');
select is(pg_temp.c('audit.list', '{"admin": "ops@", "action": "coin_set", "limit": 1}') -> 'entries' -> 0 ->> 'record_id', 'btc',
  'audit.list by admin and action, newest first');
select is((pg_temp.c('audit.list', '{"admin": "ad000000-0000-4000-8000-0000000000ad", "from": "2000-01-01", "to": "2000-01-02"}') ->> 'total')::int, 0,
  'audit.list by admin id and dates');
select throws_ok($$select pg_temp.c('audit.list', '{"from": "yesterday"}')$$, 'FF400',
  'from must be a date (YYYY-MM-DD) or an ISO 8601 time', 'audit.list: a bad date');
select is(array(select s ->> 'email' from jsonb_array_elements(pg_temp.c('staff.list', '{}') -> 'staff') s),
  array['fin@example.com', 'ops@example.com', 'sue@example.com'], 'staff.list');
select throws_ok($$select pg_temp.c('staff.set_role', '{"email": "bob@example.com", "role": "admin", "reason": "r"}')$$,
  'FF403', 'The support role may not staff.set_role', 'support may not give roles');
select pg_temp.act('admin');
select throws_ok($$select pg_temp.c('staff.set_role', '{"email": "bob@example.com", "role": "owner", "reason": "r"}')$$,
  'FF400', 'role must be one of: admin, finance, support, none', 'staff.set_role: a bad role');
select throws_ok($$select pg_temp.c('staff.set_role', '{"email": "ops@example.com", "role": "none", "reason": "r"}')$$,
  'FF409', 'ops@example.com is the last admin: make someone else admin first', 'the last admin keeps the role');
select is(pg_temp.c('staff.set_role', '{"email": "bob@example.com", "role": "finance", "reason": "hired"}') -> 'staff' ->> 'role', 'finance',
  'staff.set_role gives a role');
select is(pg_temp.one_audit(), 'staff_set_role:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select pg_temp.c('staff.set_role', '{"email": "sue@example.com", "role": "none", "reason": "left"}');
select is(pg_temp.one_audit(), 'staff_set_role:ad000000-0000-4000-8000-0000000000ad:ops@example.com', 'one audit row');
select pg_temp.act('super');
select is((select raw_app_meta_data from auth.users where email = 'sue@example.com'), '{"provider": "email"}',
  'none removes the role key');

select * from finish();
rollback;
