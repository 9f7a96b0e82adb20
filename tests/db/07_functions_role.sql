-- pgtap-runs-as: superuser (SET SESSION AUTHORIZATION ffx_functions, which only a superuser may)
-- ffx_functions (shim): the login role of the C functions. NOINHERIT, so on its own it can touch no
-- application table; only after SET LOCAL ROLE anon | authenticated | service_role in a transaction,
-- and then under that role's privileges and RLS.
--
-- This file runs as a superuser. A superuser session may SET ROLE to anything, so the part that
-- must prove ffx_functions' OWN right to switch roles uses SET LOCAL SESSION AUTHORIZATION, which
-- makes ffx_functions the session user for the rest of the transaction (exactly as if it had logged
-- in); SET ROLE is then checked against ffx_functions' memberships.
begin;
select plan(26);

-- On a Supabase-shaped database pgTAP lives in schema extensions, which ffx_functions may not use:
-- it may for this transaction, so that the checks made as ffx_functions can call pgTAP (rolled
-- back with the rest; it gives no right on any table or function of the application).
do $$ begin
  if to_regnamespace('extensions') is not null then
    grant usage on schema extensions to ffx_functions;
  end if;
end $$;

-- the role itself --------------------------------------------------------------------------------
select has_role('ffx_functions', 'role ffx_functions exists');
select isnt_superuser('ffx_functions', 'ffx_functions is not a superuser');
select results_eq(
  $$select rolcanlogin, rolinherit, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication
      from pg_roles where rolname = 'ffx_functions'$$,
  $$values (true, false, false, false, false, false)$$,
  'ffx_functions: LOGIN NOINHERIT NOBYPASSRLS, no CREATEROLE, CREATEDB or REPLICATION');
select ok(pg_has_role('ffx_functions', 'anon', 'MEMBER'), 'ffx_functions is a member of anon');
select ok(pg_has_role('ffx_functions', 'authenticated', 'MEMBER'), 'ffx_functions is a member of authenticated');
select ok(pg_has_role('ffx_functions', 'service_role', 'MEMBER'), 'ffx_functions is a member of service_role');
select is(
  array(select r from unnest(array['anon', 'authenticated', 'service_role']) r
         where pg_has_role('ffx_functions', r, 'USAGE')),
  '{}'::text[],
  'ffx_functions inherits the privileges of none of them (NOINHERIT)');
select is(
  array(select b.rolname::text from pg_auth_members m
          join pg_roles b on b.oid = m.roleid
          join pg_roles u on u.oid = m.member
         where u.rolname = 'ffx_functions' order by 1),
  array['anon', 'authenticated', 'service_role'],
  'ffx_functions is a member of exactly anon, authenticated and service_role');
select is(
  array(select c.relname::text from pg_class c
         where c.relnamespace in ('public'::regnamespace, 'auth'::regnamespace) and c.relkind in ('r', 'p', 'v', 'S')
           and has_table_privilege('ffx_functions', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
           -- pgTAP's own views (public, readable by PUBLIC) are not the application's
           and not exists (select 1 from pg_depend d
                            where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
         order by 1),
  '{}'::text[],
  'ffx_functions holds no privilege on any application table, view or sequence in public or auth');

-- fixtures (as the superuser) ----------------------------------------------------------------------
insert into auth.users (id, email) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com');
insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount) values
  ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 649, 649),
  ('b0000000-0000-4000-8000-00000000000b', 'two_step', 10000, 'mt4', 549, 549);
insert into public.payments (payment_id, order_id, user_id, payment_status)
select 'np-' || order_id, order_id, user_id, 'waiting' from public.orders;

-- ffx_functions without a role switch: nothing works ----------------------------------------------
set local role ffx_functions;
select is(current_user::text, 'ffx_functions', 'now running as ffx_functions');
select throws_ok('select count(*) from public.orders', '42501', null,
  'ffx_functions cannot read orders without SET LOCAL ROLE');
select throws_ok('select count(*) from public.payments', '42501', null,
  'ffx_functions cannot read payments without SET LOCAL ROLE');
select throws_ok('select count(*) from public.user_profiles', '42501', null,
  'ffx_functions cannot read user_profiles without SET LOCAL ROLE');
select throws_ok($$insert into public.admin_audit_log (action_type) values ('x')$$, '42501', null,
  'ffx_functions cannot write the audit log without SET LOCAL ROLE');
select throws_ok($$select ffx_internal.order_payment_status('FFX000000000')$$, '42501', null,
  'ffx_functions cannot call order_payment_status without SET LOCAL ROLE');

-- ffx_functions as the session user: it may switch to its three roles, and to no other ----------
reset role;
set local session authorization ffx_functions;
select is(session_user::text, 'ffx_functions', 'ffx_functions is the session user');
select throws_ok('select count(*) from public.orders', '42501', null,
  'as the session user, still nothing without SET LOCAL ROLE');
select throws_ok('set local role postgres', '42501', null, 'ffx_functions cannot become postgres');

select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;
select is(current_user::text, 'authenticated', 'ffx_functions may SET LOCAL ROLE authenticated');
select results_eq('select distinct user_id from public.orders',
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid)$$, 'as authenticated, RLS shows alice only her orders');
select results_eq('select distinct user_id from public.payments',
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid)$$, 'as authenticated, RLS shows alice only her payments');
select is(
  ffx_internal.order_payment_status((select order_id from public.orders)) -> 'payment' ->> 'payment_status',
  'waiting', 'as authenticated, order_payment_status works');
select throws_ok($$update public.payments set payment_status = 'finished'$$, '42501', null,
  'as authenticated, the payments table stays read-only');

reset role;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;
select is((select count(*) from public.trading_rules), 24::bigint, 'ffx_functions may SET LOCAL ROLE anon');

reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;
select is((select count(*) from public.payments), 2::bigint, 'ffx_functions may SET LOCAL ROLE service_role, which bypasses RLS');

reset role;
select throws_ok('select count(*) from public.orders', '42501', null,
  'after RESET ROLE ffx_functions is powerless again');

reset role;
reset session authorization;
select * from finish();
rollback;
