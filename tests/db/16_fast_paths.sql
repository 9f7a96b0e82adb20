-- Fast paths: check_payment_status() returns what order_payment_status() returns plus the
-- age of our copy of the newest payment, under the caller's RLS; the single-expression helpers
-- are inlined by the planner (no SET clause) and still give the same answers.
-- Users: alice (a...a), bob (b...b), ops (ad...ad, app_metadata.role=admin).
begin;
select plan(18);

insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{}', '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{}', '{"provider": "email", "role": "admin"}');

create temp table fx (name text primary key, order_id text not null);
grant select on fx to public;
with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
  values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 649, 649)
  returning order_id)
insert into fx select 'alice_paid', order_id from o;
with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
  values ('a0000000-0000-4000-8000-00000000000a', 'instant', 5000, 'mt5', 99, 99)
  returning order_id)
insert into fx select 'alice_unpaid', order_id from o;

-- two payments: the older one last touched 2 hours ago, the newest 90 seconds ago
insert into public.payments (payment_id, order_id, user_id, payment_status, pay_currency,
                             provider_created_at, created_at, updated_at)
select '7000000001', order_id, 'a0000000-0000-4000-8000-00000000000a', 'expired', 'btc',
       now() - interval '3 hours', now() - interval '3 hours', now() - interval '2 hours'
  from fx where name = 'alice_paid';
insert into public.payments (payment_id, order_id, user_id, payment_status, pay_currency,
                             provider_created_at, created_at, updated_at)
select '7000000002', order_id, 'a0000000-0000-4000-8000-00000000000a', 'waiting', 'btc',
       now() - interval '1 hour', now() - interval '1 hour', now() - interval '90 seconds'
  from fx where name = 'alice_paid';

-- shape and privileges ------------------------------------------------------------------------
select ok((select p.prosecdef = false and p.provolatile = 's' and p.proconfig = array['search_path=""']
             and l.lanname = 'plpgsql'
             from pg_proc p join pg_language l on l.oid = p.prolang
            where p.oid = 'ffx_internal.check_payment_status(text)'::regprocedure),
  'check_payment_status is PL/pgSQL (plans kept per connection), SECURITY INVOKER, STABLE, search_path pinned');
select function_privs_are('ffx_internal', 'check_payment_status', array['text'], 'anon', '{}'::text[],
  'anon cannot call check_payment_status');
select function_privs_are('ffx_internal', 'check_payment_status', array['text'], 'authenticated', array['EXECUTE'],
  'authenticated can call check_payment_status');
select function_privs_are('ffx_internal', 'check_payment_status', array['text'], 'service_role', array['EXECUTE'],
  'service_role can call check_payment_status');
select is((select array_agg(p.proname::text order by p.proname) from pg_proc p
            where p.pronamespace = 'ffx_internal'::regnamespace
              and p.proname in ('is_admin', 'payment_status_rank', 'ipn_dedupe_key')
              and p.proconfig is null and not p.prosecdef),
  array['ipn_dedupe_key', 'is_admin', 'payment_status_rank'],
  'the single-expression helpers carry no SET clause and no SECURITY DEFINER, so they are inlined');

-- as alice ------------------------------------------------------------------------------------
select set_config('request.jwt.claims',
  '{"sub": "a0000000-0000-4000-8000-00000000000a", "role": "authenticated", "app_metadata": {"provider": "email"}}', true);
set local role authenticated;

create temp table cps as
  select s.* from ffx_internal.check_payment_status((select order_id from fx where name = 'alice_paid')) s;
select is((select jsonb_build_object('order', order_doc || jsonb_build_object('user_id', owner), 'payment', payment_doc)
             from cps),
          ffx_internal.order_payment_status((select order_id from fx where name = 'alice_paid')),
  'its documents are exactly order_payment_status()''s');
select ok((select not (order_doc ? 'user_id') from cps), 'the order document leaves the owner out (the API does)');
select is((select array[payment_doc ->> 'payment_id', payment_id, payment_status] from cps),
  array['7000000002', '7000000002', 'waiting'], 'the newest payment is the one reported, with its id and status');
select ok((select payment_age_s between 85 and 100 from cps),
  'payment_age_s is the age of our copy of that payment (90 s)');
select is((select owner from cps), 'a0000000-0000-4000-8000-00000000000a'::uuid,
  'the owner is reported for the function''s userId check');
select ok((select s.order_doc is not null and s.payment_doc is null and s.payment_id is null and s.payment_age_s is null
             from ffx_internal.check_payment_status((select order_id from fx where name = 'alice_unpaid')) s),
  'an order without payments: no payment document, no age');
select ok((select num_nulls(s.owner, s.order_doc, s.payment_doc, s.payment_id, s.payment_status, s.payment_age_s) = 6
             from ffx_internal.check_payment_status('FFX000000000') s),
  'an unknown order: one row of NULLs');
select is(ffx_internal.is_admin(), false, 'alice is not an admin (inlined is_admin)');

-- as bob: RLS hides alice's order ---------------------------------------------------------------
reset role;
select set_config('request.jwt.claims',
  '{"sub": "b0000000-0000-4000-8000-00000000000b", "role": "authenticated", "app_metadata": {"provider": "email"}}', true);
set local role authenticated;
select ok((select num_nulls(s.owner, s.order_doc, s.payment_doc, s.payment_id, s.payment_status, s.payment_age_s) = 6
             from ffx_internal.check_payment_status((select order_id from fx where name = 'alice_paid')) s),
  'another user''s order is invisible: one row of NULLs');

-- as ops (admin) ------------------------------------------------------------------------------
reset role;
select set_config('request.jwt.claims',
  '{"sub": "ad000000-0000-4000-8000-0000000000ad", "role": "authenticated", "app_metadata": {"role": "admin"}}', true);
set local role authenticated;
select is(ffx_internal.is_admin(), true, 'ops is an admin (inlined is_admin)');
select is((select s.payment_id from ffx_internal.check_payment_status((select order_id from fx where name = 'alice_paid')) s),
  '7000000002', 'an admin sees any order');

-- the inlined helpers still compute the same values ---------------------------------------------
reset role;
select is(ffx_internal.payment_status_rank('finished'), 6, 'payment_status_rank still ranks finished 6');
select is(ffx_internal.ipn_dedupe_key('{"payment_id": 1, "payment_status": "waiting", "updated_at": 5}'),
  '1:waiting:5::', 'ipn_dedupe_key still builds the key');

select * from finish();
rollback;
