-- The console's core (sql/definitions/91_console.sql): who is staff, what each role may do,
-- console()'s refusals, the argument helpers' sentences, one-time sign-in links and the checkout
-- switch with its audit rows.
--
-- Identities (pg_temp.act): admin, finance, support (app_metadata.role), 'fake' (a customer whose
-- user_metadata claims admin), alice (a customer), anon, service (service_role, operator sam).
begin;
select plan(50);

insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('c0000000-0000-4000-8000-0000000000a1', 'boss@example.com',    '{}', '{"provider": "email", "role": "admin"}'),
  ('c0000000-0000-4000-8000-0000000000f1', 'counter@example.com', '{}', '{"provider": "email", "role": "finance"}'),
  ('c0000000-0000-4000-8000-0000000000e1', 'helper@example.com',  '{}', '{"provider": "email", "role": "support"}'),
  ('c0000000-0000-4000-8000-0000000000c1', 'carol@example.com',   '{"role": "admin"}', '{"provider": "email"}');

create function pg_temp.act(p_who text) returns void
language sql as $$
  select set_config('request.jwt.claims',
    case p_who
      when 'admin'   then '{"sub":"c0000000-0000-4000-8000-0000000000a1","role":"authenticated","email":"boss@example.com","app_metadata":{"role":"admin"}}'
      when 'finance' then '{"sub":"c0000000-0000-4000-8000-0000000000f1","role":"authenticated","email":"counter@example.com","app_metadata":{"role":"finance"}}'
      when 'support' then '{"sub":"c0000000-0000-4000-8000-0000000000e1","role":"authenticated","email":"helper@example.com","app_metadata":{"role":"support"}}'
      when 'fake'    then '{"sub":"c0000000-0000-4000-8000-0000000000c1","role":"authenticated","email":"carol@example.com","app_metadata":{},"user_metadata":{"role":"admin"}}'
      when 'anon'    then '{"role":"anon"}'
      when 'service' then '{"role":"service_role","operator":"sam"}'
      else '' end, true);
  select set_config('role',
    case p_who when 'anon' then 'anon' when 'service' then 'service_role' when 'super' then 'none'
               else 'authenticated' end, true);
$$;

create temp table mark as select coalesce(max(id), 0) as last_id from public.admin_audit_log;
grant select on mark to public;
create function pg_temp.audit_rows() returns bigint
language sql as $$ select count(*) from public.admin_audit_log a, pg_temp.mark m where a.id > m.last_id $$;

-- who is staff --------------------------------------------------------------------------------
select pg_temp.act('admin');
select is(ffx_internal.staff_role(), 'admin', 'app_metadata.role admin is staff');
select pg_temp.act('finance');
select is(ffx_internal.staff_role(), 'finance', 'finance is staff');
select pg_temp.act('support');
select is(ffx_internal.staff_role(), 'support', 'support is staff');
select pg_temp.act('service');
select is(ffx_internal.staff_role(), 'admin', 'service_role counts as admin (the bootstrap mode)');
select pg_temp.act('fake');
select is(ffx_internal.staff_role(), null, 'user_metadata claiming admin is not staff');
select pg_temp.act('super');

-- the capability table --------------------------------------------------------------------------
select is(
  (select string_agg(r || ':' || c, ' ' order by r, c)
     from unnest(array['admin', 'finance', 'support']) r,
          unnest(array['accept', 'export', 'manage', 'read', 'record', 'refund', 'resend']) c
    where ffx_internal.staff_may(r, c)),
  'admin:accept admin:export admin:manage admin:read admin:record admin:refund admin:resend '
  'finance:accept finance:export finance:read finance:record finance:refund support:read support:resend',
  'staff_may: support reads and resends, finance reads and handles money, admin does everything');
select ok(not ffx_internal.staff_may('admin', 'fly'), 'an unknown capability is nobody''s');
select is((select count(*) from ffx_internal.console_actions() a
            where a.capability not in ('read', 'resend', 'refund', 'accept', 'record', 'export', 'manage')),
          0::bigint, 'every action names a known capability');
select is((select count(*) - count(distinct action) from ffx_internal.console_actions()), 0::bigint,
          'no action is listed twice');
select is((select count(*) from ffx_internal.console_actions() a where a.action !~ '^[a-z_]+\.[a-z_]+$'),
          0::bigint, 'every action is resource.verb in lower case');

-- console()'s refusals --------------------------------------------------------------------------
select pg_temp.act('alice');
select throws_ok($$ select ffx_internal.console('me.get', '{}') $$, 'FF403', 'Staff only', 'a customer is refused');
select pg_temp.act('fake');
select throws_ok($$ select ffx_internal.console('me.get', '{}') $$, 'FF403', 'Staff only',
                 'a customer whose user_metadata says admin is refused');
select pg_temp.act('anon');
select throws_ok($$ select ffx_internal.console('me.get', '{}') $$, '42501', null,
                 'anon cannot even call the entry point');
select pg_temp.act('support');
select throws_ok($$ select ffx_internal.console('checkout.pause', '{"message":"x","reason":"y"}') $$, 'FF403',
                 'The support role may not checkout.pause', 'support may not manage');
select pg_temp.act('finance');
select throws_ok($$ select ffx_internal.console('checkout.resume', '{"reason":"y"}') $$, 'FF403',
                 'The finance role may not checkout.resume', 'finance may not manage');
select pg_temp.act('admin');
select throws_ok($$ select ffx_internal.console('orders.fly', '{}') $$, 'FF404', 'Unknown action: orders.fly',
                 'an unknown action is 404');
select throws_ok($$ select ffx_internal.console('console_lock_down', '{}') $$, 'FF404', 'Unknown action: console_lock_down',
                 'no function outside the list can be reached');
select throws_ok($$ select ffx_internal.console('checkout.pause', '{"message":"x","reason":"y"}', true) $$, 'FF400',
                 'checkout.pause changes data: use POST', 'a change cannot be reached by GET');
select throws_ok($$ select ffx_internal.console('checkout.get', '[]') $$, 'FF400', 'Arguments must be a JSON object',
                 'arguments must be an object');
select is(ffx_internal.console('checkout') ->> 'paused', 'false', 'a bare resource name reaches its .get');
select is(ffx_internal.console('me.get') -> 'user' ->> 'email', 'boss@example.com', 'me.get names the caller');
select pg_temp.act('support');
select is((select count(*) from jsonb_array_elements(ffx_internal.console('me.get') -> 'actions') a
            where a ->> 'capability' not in ('read', 'resend')), 0::bigint,
          'me.get lists only what the role may do');
select pg_temp.act('super');
select is(pg_temp.audit_rows(), 0::bigint, 'refusals and reads wrote no audit row');

-- no console function is callable except through console() ------------------------------------
select is((select count(*) from pg_proc p
            where p.pronamespace = 'ffx_internal'::regnamespace and p.proname like 'console\_%'
              and p.proname not in ('console_actions')
              and (has_function_privilege('authenticated', p.oid, 'execute')
                   or has_function_privilege('service_role', p.oid, 'execute')
                   or has_function_privilege('anon', p.oid, 'execute'))), 0::bigint,
          'the API roles cannot call any console_* function directly');

select is((select array_agg(p.proname::text order by 1) from pg_proc p
            where p.pronamespace = 'ffx_internal'::regnamespace and p.proname like 'console\_%' and p.prosecdef
              and p.proname not in (select 'console_' || replace(a.action, '.', '_') from ffx_internal.console_actions() a)),
          null, 'every SECURITY DEFINER console_* function is an action''s (helpers run as their caller)');

select is((select array_agg(a.action order by 1) from ffx_internal.console_actions() a
            where to_regprocedure('ffx_internal.console_' || replace(a.action, '.', '_') || '(jsonb)') is null),
          null, 'every listed action has its console_<action>(jsonb) function');

-- the argument helpers ------------------------------------------------------------------------
select throws_ok($$ select ffx_internal.console_reason('{"reason":" \t\n"}') $$, 'FF400', 'A reason is required',
                 'a blank reason is refused');
select throws_ok($$ select ffx_internal.console_enum('{"status":"waitng"}', 'status', array['pending', 'paid']) $$, 'FF400',
                 'status must be one of: pending, paid', 'an out-of-set value names the set');
select throws_ok($$ select ffx_internal.console_int('{"limit":"5000"}', 'limit', 50, 1, 500) $$, 'FF400',
                 'limit must be a whole number from 1 to 500', 'an out-of-range number names the range');
select is(ffx_internal.console_int('{"limit":20}', 'limit', 50, 1, 500), 20, 'a JSON number is read');
select is(ffx_internal.console_int('{"limit":"20"}', 'limit', 50, 1, 500), 20, 'a query-string number is read');
select throws_ok($$ select ffx_internal.console_amount('{"amount":"-3"}', 'amount') $$, 'FF400',
                 'amount must be a positive amount', 'a negative amount is refused');
select throws_ok($$ select ffx_internal.console_text('{"email":["a"]}', 'email') $$, 'FF400',
                 'email must be a single value', 'an array where a value belongs is refused');
select throws_ok($$ select ffx_internal.console_time('{"from":"2026-13-45"}', 'from') $$, 'FF400',
                 'from is not a valid date', 'an impossible date is refused');
select is(ffx_internal.console_time('{"from":"2026-03-01"}', 'from'), '2026-03-01 00:00:00+00'::timestamptz,
          'a date is its UTC midnight');
select throws_ok($$ select ffx_internal.console_order_id('{"order_id":"FFX12"}') $$, 'FF400',
                 'order_id must look like FFX123456789', 'a malformed order id is refused');
select throws_ok($$ select ffx_internal.console_bool('{"dry_run":"maybe"}', 'dry_run') $$, 'FF400',
                 'dry_run must be true or false', 'a non-boolean is refused');

-- sign-in links ---------------------------------------------------------------------------------
select pg_temp.act('admin');
select throws_ok($$ select ffx_internal.console('login_links.create', '{"email":"carol@example.com"}') $$, 'FF409',
                 'carol@example.com has no staff role: give one first (staff.set_role)',
                 'no link for someone without a staff role');
create temp table link as select ffx_internal.console('login_links.create', '{"email":"Counter@Example.com","ttl_minutes":5}') as j;
grant select on link to public;
select pg_temp.act('super');
select is((select encode(l.secret_sha256, 'hex') from ffx_internal.admin_login_links l, link
            where l.id = (link.j ->> 'link_id')::uuid),
          (select encode(sha256(convert_to(link.j ->> 'secret', 'UTF8')), 'hex') from link),
          'only the secret''s SHA-256 is stored');
select is((select count(*) from ffx_internal.admin_login_links l, link
            where l.id = (link.j ->> 'link_id')::uuid and position((link.j ->> 'secret') in l::text) > 0), 0::bigint,
          'the secret itself is stored nowhere in the row');
select is(pg_temp.audit_rows(), 1::bigint, 'creating a link wrote one audit row');
select pg_temp.act('admin');
select throws_ok($$ select * from ffx_internal.admin_login_redeem((select (j ->> 'link_id')::uuid from pg_temp.link), 'x') $$,
                 '42501', null, 'only service_role may redeem');
select pg_temp.act('service');
select throws_ok($$ select * from ffx_internal.admin_login_redeem((select (j ->> 'link_id')::uuid from pg_temp.link), 'wrong') $$,
                 'FF401', 'This sign-in link is invalid, used or expired', 'a wrong secret is refused');
select is((select role from ffx_internal.admin_login_redeem((select (j ->> 'link_id')::uuid from link), (select j ->> 'secret' from link))),
          'finance', 'the right secret gives the staff member and their role');
select throws_ok($$ select * from ffx_internal.admin_login_redeem((select (j ->> 'link_id')::uuid from pg_temp.link), (select j ->> 'secret' from pg_temp.link)) $$,
                 'FF401', 'This sign-in link is invalid, used or expired', 'a link works once');
select pg_temp.act('super');
update ffx_internal.admin_login_links set created_at = now() - interval '1 hour', expires_at = now() - interval '50 minutes', used_at = null
 where id = (select (j ->> 'link_id')::uuid from link);
select pg_temp.act('service');
select throws_ok($$ select * from ffx_internal.admin_login_redeem((select (j ->> 'link_id')::uuid from pg_temp.link), (select j ->> 'secret' from pg_temp.link)) $$,
                 'FF401', 'This sign-in link is invalid, used or expired', 'an expired link is refused');

-- the checkout switch ---------------------------------------------------------------------------
select pg_temp.act('super');
truncate mark;
insert into mark select coalesce(max(id), 0) from public.admin_audit_log;
select pg_temp.act('admin');
select throws_ok($$ select ffx_internal.console('checkout.pause', '{"reason":"provider down"}') $$, 'FF400',
                 'message is required', 'pausing needs the message customers will read');
select is(ffx_internal.console('checkout.pause', '{"message":"Payments are paused for maintenance","reason":"provider down"}') ->> 'paused',
          'true', 'an admin pauses checkout');
select pg_temp.act('super');
select is((select admin_id::text || ' ' || action_type || ' ' || description from public.admin_audit_log a, mark m
            where a.id > m.last_id),
          'c0000000-0000-4000-8000-0000000000a1 checkout_pause provider down',
          'one audit row naming the admin, the action and the reason');
select pg_temp.act('admin');
select is(ffx_internal.console('checkout.resume', '{"reason":"provider back"}') ->> 'message', null,
          'resuming clears the message');
select pg_temp.act('super');

select * from finish();
rollback;
