-- A customer leaves: deleting the auth.users row as Supabase Auth does (role
-- supabase_auth_admin) succeeds, the financial records stay without their user, the personal
-- data goes, the audit log records the erasure; an e-mail change in Auth reaches user_profiles
-- (docs/ARCHITECTURE.md, "When a customer leaves").
-- Users: zelda (2...2) is erased; otto (3...3) is another customer; sam (5...5) is soft-deleted;
-- ops (ad...ad) is an admin.
begin;
select plan(47);

-- On a Supabase-shaped database pgTAP lives in schema extensions, which supabase_auth_admin may
-- not use: the owner (postgres) lets it for this transaction, so that the checks made while
-- acting as Supabase Auth can call pgTAP (rolled back with the rest).
do $$ begin
  if to_regnamespace('extensions') is not null then
    grant usage on schema extensions to supabase_auth_admin;
  end if;
end $$;

create function pg_temp.uid(p_who text) returns uuid
language sql immutable as $$
  select case p_who
    when 'zelda' then '20000000-0000-4000-8000-000000000002' when 'otto' then '30000000-0000-4000-8000-000000000003'
    when 'sam' then '50000000-0000-4000-8000-000000000005' when 'ops' then 'ad000000-0000-4000-8000-0000000000ad' end::uuid
$$;

-- act_as(who): the claims and the role of one request, as PostgREST sets them ('owner': the
-- superuser, no claims; 'auth': Supabase Auth's own connection, no claims).
create function pg_temp.act_as(p_who text) returns void
language plpgsql as $$
begin
  reset role;
  perform set_config('request.jwt.claims', case
    when p_who in ('owner', 'auth') then ''
    when p_who = 'service' then '{"role":"service_role"}'
    else json_build_object('sub', pg_temp.uid(p_who), 'role', 'authenticated', 'email', p_who || '@example.org',
                           'app_metadata', case when p_who = 'ops' then '{"role":"admin"}'::json else '{}'::json end)::text
  end, true);
  if p_who = 'auth' then
    set local role supabase_auth_admin;
  elsif p_who = 'service' then
    set local role service_role;
  elsif p_who <> 'owner' then
    set local role authenticated;
  end if;
end
$$;

-- mentions(term): the public tables whose rows contain the term anywhere in their text (any case).
create function pg_temp.mentions(p_term text) returns text[]
language plpgsql as $$
declare
  t record;
  hit boolean;
  found_in text[] := '{}';
begin
  for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind = 'r' order by 1 loop
    execute format('select exists (select 1 from public.%I x where strpos(lower(x::text), lower($1)) > 0)', t.relname)
      into hit using p_term;
    if hit then
      found_in := found_in || t.relname::text;
    end if;
  end loop;
  return found_in;
end
$$;

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  (pg_temp.uid('zelda'), 'Zelda.Quux@example.org', '{"first_name": "Zeldarine", "last_name": "Quuxworth"}', '{}'),
  (pg_temp.uid('otto'), 'otto.pemberton@example.org', '{"first_name": "Ottoline", "last_name": "Pemberton"}', '{}'),
  (pg_temp.uid('sam'), 'sam.soft@example.org', '{"first_name": "Samwisebee", "last_name": "Softly"}', '{}'),
  (pg_temp.uid('ops'), 'ops@example.org', '{}', '{"role": "admin"}');

insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount,
                           order_status, payment_status, delivery_status, paid_at, delivered_at) values
  (pg_temp.uid('zelda'), 'one_step', 10000, 'mt4', 0, 0, 'completed', 'paid', 'delivered', now(), now()),
  (pg_temp.uid('zelda'), 'two_step', 25000, 'mt5', 0, 0, 'pending', 'pending', 'pending', null, null),
  (pg_temp.uid('zelda'), 'hft', 5000, 'mt4', 0, 0, 'cancelled', 'failed', 'pending', null, null),
  (pg_temp.uid('zelda'), 'instant', 50000, 'mt5', 0, 0, 'refunded', 'refunded', 'delivered', now(), now()),
  (pg_temp.uid('otto'), 'one_step', 10000, 'mt4', 0, 0, 'pending', 'pending', 'pending', null, null),
  (pg_temp.uid('sam'), 'hft', 5000, 'mt4', 0, 0, 'pending', 'pending', 'pending', null, null);

create temp table ord as
select o.order_id, o.user_id, o.account_type, o.order_status, o.payment_status, o.delivery_status,
       o.amount, o.final_amount
  from public.orders o;
grant select on ord to public;  -- pg_temp.ord() is called as every role
create function pg_temp.ord(p_who text, p_type text) returns text
language sql stable as $$
  select order_id from ord where user_id = pg_temp.uid(p_who) and account_type = p_type
$$;

insert into public.account_container (id, account_size, platform_type, server_name, login_id, password,
                                      investor_password, status, delivered_at) values
  ('c0000000-0000-4000-8000-0000000000e1', 10000, 'mt4', 'FFX-Live', '700001', 'Secret-Pw-1', 'Inv-Pw-1', 'delivered', now());
insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                       platform_type, server_name, login_id, password, investor_password,
                                       current_phase, email_sent, email_sent_at)
values (pg_temp.ord('zelda', 'one_step'), pg_temp.uid('zelda'), 'c0000000-0000-4000-8000-0000000000e1', 'one_step',
        10000, 'mt4', 'FFX-Live', '700001', 'Secret-Pw-1', 'Inv-Pw-1', 'challenge', true, now());

insert into public.payments (payment_id, order_id, user_id, payment_status, pay_amount, pay_currency,
                             actually_paid, price_amount, price_currency, counted, raw)
values ('8800000001', pg_temp.ord('zelda', 'one_step'), pg_temp.uid('zelda'), 'finished', 99.5, 'usdttrc20', 99.5,
        99.00, 'usd', true,
        '{"payment_id": 8800000001, "payment_status": "finished", "customer_email": "zelda.quux@example.org",
          "nested": [{"note": "paid by ZELDA.QUUX@EXAMPLE.ORG"}]}'),
       ('8800000002', pg_temp.ord('otto', 'one_step'), pg_temp.uid('otto'), 'waiting', 10, 'usdttrc20', 0,
        99.00, 'usd', false, '{"customer_email": "otto.pemberton@example.org"}');
insert into public.payment_transactions (order_id, user_id, provider_transaction_id, amount, currency, status,
                                         event_type, provider_response)
values (pg_temp.ord('zelda', 'one_step'), pg_temp.uid('zelda'), '8800000001', 99, 'usd', 'completed', 'finished',
        '{"payer": "zelda.quux@example.org"}');
insert into public.ipn_events (dedupe_key, payment_id, payment_status, order_id, payload, signature, state,
                               matched_order_id)
values ('k-8800000001', '8800000001', 'finished', pg_temp.ord('zelda', 'one_step'),
        '{"payment_id": 8800000001, "order_description": "for zelda.quux@example.org"}', 'raw', 'processed',
        pg_temp.ord('zelda', 'one_step'));
insert into public.payment_reservations (order_id, pay_currency, token, holder, actor_id, actor_email, actor_role,
                                         creates_invoice, expires_at)
values (pg_temp.ord('zelda', 'two_step'), 'usdttrc20', gen_random_uuid(), 'test:1:1', pg_temp.uid('zelda'),
        'zelda.quux@example.org', 'authenticated', true, now() + interval '1 minute');
insert into public.discount_code_attempts (user_id, code, accepted) values (pg_temp.uid('zelda'), 'NOPE', false);

insert into public.email_outbox (order_id, template_name, to_email, variables, status, sent_at) values
  (pg_temp.ord('zelda', 'one_step'), 'account_delivery', 'zelda.quux@example.org',
   '{"first_name": "Zeldarine", "login_id": "700001", "password": "Secret-Pw-1"}', 'sent', now()),
  (pg_temp.ord('zelda', 'two_step'), 'payment_review', 'zelda.quux@example.org',
   '{"first_name": "Zeldarine", "asked": "10"}', 'pending', null),
  (pg_temp.ord('zelda', 'instant'), 'account_delivery', 'zelda.quux@example.org',
   '{"first_name": "Zeldarine", "password": "Secret-Pw-2"}', 'failed', null),
  (pg_temp.ord('otto', 'one_step'), 'payment_review', 'otto.pemberton@example.org',
   '{"first_name": "Ottoline"}', 'pending', null);
update public.email_outbox set last_error = '550 <zelda.quux@example.org>: no such user'
 where order_id = pg_temp.ord('zelda', 'instant');

insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id, description,
                                    old_values, new_values) values
  (pg_temp.uid('zelda'), 'zelda.quux@example.org', 'payment_created', 'orders', pg_temp.ord('zelda', 'one_step'),
   null, null, '{"payment_id": "8800000001", "amount": 99}'),
  (pg_temp.uid('ops'), 'ops@example.org', 'update_account_status', 'user_profiles', pg_temp.uid('zelda')::text,
   'Zeldarine Quuxworth asked to be suspended', '{"account_status": "active"}', '{"account_status": "suspended"}'),
  (pg_temp.uid('ops'), 'ops@example.org', 'refund', 'orders', pg_temp.ord('zelda', 'instant'),
   'refunded on request', null, '{"contact": "zelda.quux@example.org", "amount": 499}'),
  (pg_temp.uid('otto'), 'otto.pemberton@example.org', 'payment_created', 'orders', pg_temp.ord('otto', 'one_step'),
   'Ottoline Pemberton paid', null, '{"payment_id": "8800000002"}');

create temp table audit_before as select * from public.admin_audit_log;
create temp table otto_profile as select * from public.user_profiles where id = pg_temp.uid('otto');

-- ==============================================================================================
-- structure
-- ==============================================================================================
select col_is_null('public', 'orders', 'user_id', 'orders.user_id is nullable (a deleted customer''s orders stay)');
select col_is_null('public', 'payments', 'user_id', 'payments.user_id is nullable');
select col_is_null('public', 'delivered_accounts', 'user_id', 'delivered_accounts.user_id is nullable');
select results_eq(
  $$select c.conrelid::regclass::text, c.confdeltype::text from pg_constraint c
     where c.contype = 'f' and c.confrelid = 'auth.users'::regclass
       and c.connamespace = 'public'::regnamespace order by 1$$,
  $$values ('delivered_accounts', 'n'), ('orders', 'n'), ('payment_transactions', 'n'), ('payments', 'n'),
           ('user_profiles', 'c')$$,
  'every foreign key to auth.users: SET NULL on the financial tables, CASCADE on the profile');
select has_trigger('auth', 'users', 'on_auth_user_deleted', 'auth.users has the erasure trigger');
select is((select p.prosecdef and p.proconfig @> array['search_path=""']
             from pg_proc p where p.oid = to_regprocedure('ffx_internal.handle_user_deleted()')), true,
  'the erasure trigger function is SECURITY DEFINER with an empty search_path');
select ok(pg_has_role('supabase_auth_admin', 'supabase_auth_admin', 'member')
          and has_table_privilege('supabase_auth_admin', 'auth.users', 'delete')
          and not has_table_privilege('supabase_auth_admin', 'public.orders', 'select'),
  'supabase_auth_admin may delete auth.users and has no right on public');
select throws_ok(
  $$insert into public.orders (user_id, account_type, account_size, platform_type) values (null, 'hft', 5000, 'mt4')$$,
  'FF400', 'An order needs a customer', 'a new order still needs a customer');

-- ==============================================================================================
-- the erasure, as Supabase Auth does it
-- ==============================================================================================
select pg_temp.act_as('auth');
select lives_ok($$delete from auth.users where id = '20000000-0000-4000-8000-000000000002'$$,
  'supabase_auth_admin deletes a customer who ordered (no orders_user_id_fkey)');
select pg_temp.act_as('owner');

select is((select count(*) from auth.users where id = pg_temp.uid('zelda')), 0::bigint, 'the auth.users row is gone');
select is((select count(*) from public.user_profiles where id = pg_temp.uid('zelda')), 0::bigint, 'the profile is gone');

-- every financial row stays, with its amounts and statuses, and without its user
select results_eq(
  $$select o.order_id, o.account_type, o.order_status, o.payment_status, o.delivery_status, o.amount, o.final_amount
      from public.orders o join ord using (order_id) where ord.user_id = pg_temp.uid('zelda') order by 1$$,
  $$select order_id, account_type, order_status, payment_status, delivery_status, amount, final_amount
      from ord where user_id = pg_temp.uid('zelda') order by 1$$,
  'the four orders stay with their amounts and statuses');
select is((select count(*) from public.orders o join ord using (order_id)
            where ord.user_id = pg_temp.uid('zelda') and o.user_id is null), 4::bigint, 'the orders lost their user');
select results_eq(
  $$select payment_id, payment_status, pay_amount, actually_paid, price_amount, counted, user_id
      from public.payments where order_id = pg_temp.ord('zelda', 'one_step')$$,
  $$values ('8800000001'::text, 'finished'::text, 99.5::numeric, 99.5::numeric, 99.00::numeric(12,2), true, null::uuid)$$,
  'the payment stays with its amounts and status');
select results_eq(
  $$select amount, status, user_id from public.payment_transactions where order_id = pg_temp.ord('zelda', 'one_step')$$,
  $$values (99::numeric(20,8), 'completed'::text, null::uuid)$$,
  'the payment transaction stays');
select results_eq(
  $$select login_id, password, investor_password, container_account_id, user_id from public.delivered_accounts
     where order_id = pg_temp.ord('zelda', 'one_step')$$,
  $$values ('700001'::text, 'Secret-Pw-1'::text, 'Inv-Pw-1'::text, 'c0000000-0000-4000-8000-0000000000e1'::uuid, null::uuid)$$,
  'the delivered account stays with the order, credentials included, without its user');
select is((select status from public.account_container where id = 'c0000000-0000-4000-8000-0000000000e1'), 'delivered',
  'the inventory record of the delivered account stays');
select is((select count(*) from public.ipn_events where payment_id = '8800000001'), 1::bigint, 'the IPN stays');

-- the outbox: kept, no recipient, no variables; the unsent e-mail is cancelled and cannot be requeued
select results_eq(
  $$select template_name, status, to_email, variables from public.email_outbox e join ord using (order_id)
     where ord.user_id = pg_temp.uid('zelda') order by e.id$$,
  $$values ('account_delivery'::text, 'sent'::text, ''::text, '{}'::jsonb),
           ('payment_review', 'failed', '', '{}'),
           ('account_delivery', 'failed', '', '{}')$$,
  'the outbox rows stay without recipient or variables; the pending one is cancelled');
select pg_temp.act_as('service');
select is(ffx_internal.outbox_requeue((select id from public.email_outbox where order_id = pg_temp.ord('zelda', 'instant'))),
  false, 'an erased customer''s e-mail cannot be requeued');
select pg_temp.act_as('owner');

-- the personal data is gone from every public table
select is(pg_temp.mentions('zelda.quux@example.org'), '{}'::text[], 'no public table holds the e-mail');
select is(pg_temp.mentions('Zeldarine'), '{}'::text[], 'no public table holds the first name');
select is(pg_temp.mentions('Quuxworth'), '{}'::text[], 'no public table holds the last name');
select is((select count(*) from public.discount_code_attempts where user_id = pg_temp.uid('zelda')), 0::bigint,
  'the discount attempts (rate-limit memory) are gone');
select is((select actor_email from public.payment_reservations where order_id = pg_temp.ord('zelda', 'two_step')),
  null, 'the reservation no longer names the actor''s e-mail');
select is((select raw -> 'nested' -> 0 ->> 'note' from public.payments where payment_id = '8800000001'),
  'paid by [erased]', 'provider JSON: the e-mail is redacted in place, any case, at any depth');
select is((select raw -> 'payment_id' from public.payments where payment_id = '8800000001'), '8800000001'::jsonb,
  'provider JSON: numbers are untouched');

-- the audit log: the entries stay (same acts, same records), their text is redacted, user_erased added
select results_eq(
  $$select id, admin_id, action_type, table_name, record_id, created_at from public.admin_audit_log
     where id in (select id from audit_before) order by id$$,
  $$select id, admin_id, action_type, table_name, record_id, created_at from audit_before order by id$$,
  'every audit entry stays: who, what, which record, when');
select results_eq(
  $$select admin_email, description from public.admin_audit_log where action_type = 'update_account_status'$$,
  $$values ('ops@example.org'::text, '[erased] [erased] asked to be suspended'::text)$$,
  'an admin''s entry about the customer keeps the admin and loses the names');
select is((select new_values ->> 'amount' from public.admin_audit_log where action_type = 'refund'), '499',
  'a redacted entry keeps its figures');
select results_eq(
  $$select admin_id, record_id, table_name, (new_values -> 'kept')::text, (new_values -> 'cancelled')::text,
           (new_values -> 'removed' ->> 'user_profiles')::int, new_values ->> 'by'
      from public.admin_audit_log where action_type = 'user_erased' and record_id = pg_temp.uid('zelda')::text$$,
  $$values (null::uuid, '20000000-0000-4000-8000-000000000002'::text, 'auth.users'::text,
            '{"orders": 4, "payments": 1, "email_outbox": 3, "delivered_accounts": 1, "payment_transactions": 1}'::text,
            '{"email_outbox": 1}'::text, 1, 'supabase_auth_admin'::text)$$,
  'one user_erased entry: the user id and the counts, by Supabase Auth');
select is((select (new_values -> 'scrubbed' ->> 'admin_audit_log')::int from public.admin_audit_log
            where action_type = 'user_erased' and record_id = pg_temp.uid('zelda')::text), 3, 'three audit entries were redacted');

-- orphaned rows: admins and service_role only, even for the gone user's still valid token
select pg_temp.act_as('zelda');
select is((select count(*) from public.orders), 0::bigint, 'the gone user''s token sees no order');
select is((select count(*) from public.delivered_accounts), 0::bigint, 'the gone user''s token sees no credentials');
select is((select count(*) from public.payments) + (select count(*) from public.payment_transactions), 0::bigint,
  'the gone user''s token sees no payment');
select pg_temp.act_as('otto');
select is((select count(*) from public.orders where user_id is null), 0::bigint, 'another customer sees no orphaned order');
select pg_temp.act_as('ops');
select is((select count(*) from public.orders where user_id is null
            and order_id in (select order_id from ord where user_id = pg_temp.uid('zelda'))), 4::bigint,
  'an admin sees the orphaned orders');
select pg_temp.act_as('owner');

-- the append-only rule still holds outside an erasure
select throws_ok($$update public.admin_audit_log set description = 'x' where action_type = 'refund'$$,
  '42501', 'admin_audit_log is append-only: UPDATE refused', 'the audit log is append-only again after the erasure');
select set_config('ffx.erasing_user', '30000000-0000-4000-8000-000000000003', true);
select throws_ok($$update public.admin_audit_log set action_type = 'x' where action_type = 'refund'$$,
  '42501', 'admin_audit_log is append-only: UPDATE refused', 'an erasure may not change what an entry records');
select set_config('ffx.erasing_user', '', true);

-- another customer is untouched
select results_eq($$select * from public.user_profiles where id = pg_temp.uid('otto')$$,
  $$select * from otto_profile$$, 'another customer''s profile is untouched');
select results_eq(
  $$select o.user_id, e.to_email, e.variables, e.status from public.orders o join public.email_outbox e using (order_id)
     where o.order_id = pg_temp.ord('otto', 'one_step')$$,
  $$values (pg_temp.uid('otto'), 'otto.pemberton@example.org'::text, '{"first_name": "Ottoline"}'::jsonb, 'pending'::text)$$,
  'another customer''s order and pending e-mail are untouched');
select results_eq(
  $$select admin_email, description from public.admin_audit_log where admin_id = pg_temp.uid('otto')$$,
  $$values ('otto.pemberton@example.org'::text, 'Ottoline Pemberton paid'::text)$$,
  'another customer''s audit entry is untouched');

-- ==============================================================================================
-- an e-mail change in Auth reaches the profile
-- ==============================================================================================
select pg_temp.act_as('auth');
update auth.users set email = 'otto.new@example.org' where id = '30000000-0000-4000-8000-000000000003';
select pg_temp.act_as('owner');
select results_eq($$select email, first_name, last_name from public.user_profiles where id = pg_temp.uid('otto')$$,
  $$values ('otto.new@example.org'::text, 'Ottoline'::text, 'Pemberton'::text)$$,
  'the new e-mail reaches user_profiles, nothing else changes');
select pg_temp.act_as('auth');
update auth.users set email = null where id = '30000000-0000-4000-8000-000000000003';
select pg_temp.act_as('owner');
select is((select email from public.user_profiles where id = pg_temp.uid('otto')), null,
  'a removed e-mail (NULL) reaches user_profiles');

-- ==============================================================================================
-- a soft delete (deleted_at set, e-mail rewritten) erases too
-- ==============================================================================================
select pg_temp.act_as('auth');
select lives_ok($$update auth.users set deleted_at = now(), email = 'x8d0f@deleted.invalid'
                   where id = '50000000-0000-4000-8000-000000000005'$$, 'Supabase Auth soft-deletes a customer');
select pg_temp.act_as('owner');
select results_eq(
  $$select (select count(*) from public.user_profiles where id = pg_temp.uid('sam')),
           (select count(*) from public.orders where order_id = pg_temp.ord('sam', 'hft') and user_id is null)$$,
  $$values (0::bigint, 1::bigint)$$, 'soft delete: the profile is gone, the order stays without its user');
select is(pg_temp.mentions('sam.soft@example.org') || pg_temp.mentions('Samwisebee'), '{}'::text[],
  'soft delete: no public table holds the e-mail or the name');

select * from finish();
rollback;
