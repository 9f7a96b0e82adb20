-- pgtap-runs-as: superuser (SET SESSION AUTHORIZATION ffx_functions, which only a superuser may)
-- email_outbox: structure, privileges and RLS, and the mailer's functions outbox_claim,
-- outbox_mark_sent, outbox_mark_failed, outbox_requeue, run the way the mailer runs them:
--   select set_config('request.jwt.claims', '{"role":"service_role"}', true);
--   set local role service_role;
-- Users: alice (a...a) and bob (b...b) are customers; ops (ad...ad) carries app_metadata.role=admin.
--
-- Everything runs in one transaction, so now() is one instant throughout: "due" and "expired" are
-- arranged by setting timestamps relative to it. The last part (SKIP LOCKED between two mailers)
-- needs two other sessions that see committed rows: it uses dblink, commits its own fixtures
-- (users e...1, e...2) and deletes them again.
begin;
select plan(90);

-- On a Supabase-shaped database pgTAP lives in schema extensions, which ffx_functions may not use:
-- it may for this transaction, so that the checks made as ffx_functions can call pgTAP (rolled
-- back with the rest; it gives no right on any table or function of the application).
do $$ begin
  if to_regnamespace('extensions') is not null then
    grant usage on schema extensions to ffx_functions;
  end if;
end $$;

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{"first_name": "Bob"}',   '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');

-- order ids and outbox ids are drawn by the server: remember them by name, readable by every role
create temp table fx (name text primary key, order_id text, outbox_id bigint);
grant select on fx to public;
create function pg_temp.ord(p_name text) returns text
language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;
create function pg_temp.ob(p_name text) returns bigint
language sql stable as $$ select outbox_id from pg_temp.fx where name = p_name $$;

with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
  values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 649, 649) returning order_id)
insert into fx (name, order_id) select 'alice_1', order_id from o;
with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
  values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 649, 649) returning order_id)
insert into fx (name, order_id) select 'alice_2', order_id from o;
with o as (
  insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
  values ('b0000000-0000-4000-8000-00000000000b', 'one_step', 10000, 'mt4', 649, 649) returning order_id)
insert into fx (name, order_id) select 'bob_1', order_id from o;

-- alice_1 has been delivered (its e-mail not yet sent); alice_2 and bob_1 have no delivered account
insert into public.account_container (id, account_size, platform_type, server_name, login_id, password,
                                      investor_password, status)
values ('c0000000-0000-4000-8000-000000000001', 10000, 'mt4', 'FlashFundX-Live01', '7001', 'pw-alice', 'inv-alice',
        'delivered');
insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                       platform_type, server_name, login_id, password, investor_password,
                                       current_phase)
values (pg_temp.ord('alice_1'), 'a0000000-0000-4000-8000-00000000000a', 'c0000000-0000-4000-8000-000000000001',
        'one_step', 10000, 'mt4', 'FlashFundX-Live01', '7001', 'pw-alice', 'inv-alice', 'challenge');

-- add(name, order, template, status, next_attempt_at, locked_until, attempts): one outbox row
create function pg_temp.add(p_name text, p_order text, p_template text, p_status text,
                            p_next timestamptz, p_locked timestamptz, p_attempts integer) returns void
language sql as $$
  with r as (
    insert into public.email_outbox (order_id, template_name, to_email, variables, status, next_attempt_at,
                                     locked_until, attempts)
    values (pg_temp.ord(p_order), p_template, 'alice@example.com',
            jsonb_build_object('first_name', 'Alice', 'order_id', pg_temp.ord(p_order), 'login_id', '7001',
                               'password', 'pw-alice'),
            p_status, p_next, p_locked, p_attempts)
    returning id)
  insert into pg_temp.fx (name, outbox_id) select p_name, id from r
$$;

do $$ begin
  perform pg_temp.add('due',        'alice_1', 'account_delivery', 'pending', now() - interval '1 second', null, 0);
  perform pg_temp.add('later',      'alice_2', 'account_delivery', 'pending', now() + interval '1 hour', null, 0);
  perform pg_temp.add('sent',       'bob_1',   'account_delivery', 'sent',    now() - interval '1 hour', null, 1);
  perform pg_temp.add('leased',     'alice_1', 'receipt',          'sending', now() - interval '1 hour',
                   now() + interval '1 minute', 1);
  perform pg_temp.add('expired',    'alice_2', 'no_such_template', 'sending', now() - interval '1 hour',
                   now() - interval '1 second', 1);
  perform pg_temp.add('dead',       'bob_1',   'receipt',          'failed',  now() - interval '1 hour', null, 8);
end $$;

-- ==============================================================================================
-- structure
-- ==============================================================================================
select has_table('public', 'email_outbox', 'table email_outbox exists');
select col_is_pk('public', 'email_outbox', 'id', 'email_outbox.id is the primary key');
select results_eq(
  $$select a.attname::text collate "default", format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity::text,
           pg_get_expr(d.adbin, d.adrelid) collate "default"
      from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where a.attrelid = 'public.email_outbox'::regclass and a.attnum > 0 and not a.attisdropped
     order by a.attnum$$,
  $$values ('id', 'bigint', true, 'a', null::text),
           ('order_id', 'text', true, '', null),
           ('template_name', 'text', true, '', null),
           ('to_email', 'text', true, '', null),
           ('variables', 'jsonb', true, '', '''{}''::jsonb'),
           ('status', 'text', true, '', '''pending''::text'),
           ('attempts', 'integer', true, '', '0'),
           ('next_attempt_at', 'timestamp with time zone', true, '', 'now()'),
           ('locked_until', 'timestamp with time zone', false, '', null),
           ('last_error', 'text', false, '', null),
           ('sent_at', 'timestamp with time zone', false, '', null),
           ('created_at', 'timestamp with time zone', true, '', 'now()'),
           ('updated_at', 'timestamp with time zone', true, '', 'now()')$$,
  'email_outbox has exactly the documented columns, types, nullability and defaults');
select fk_ok('public', 'email_outbox', 'order_id', 'public', 'orders', 'order_id', 'email_outbox.order_id references orders');
select col_is_unique('public', 'email_outbox', array['order_id', 'template_name'],
  'email_outbox (order_id, template_name) is unique');
select has_index('public', 'email_outbox', 'email_outbox_status_next_attempt_at_idx', array['status', 'next_attempt_at'],
  'index email_outbox(status, next_attempt_at)');
select trigger_is('public', 'email_outbox', 'update_email_outbox_updated_at', 'ffx_internal', 'update_updated_at_column',
  'email_outbox has the updated_at trigger');
select trigger_is('public', 'email_outbox', 'email_outbox_notify', 'ffx_internal', 'email_outbox_notify',
  'email_outbox has the NOTIFY trigger');
-- tgtype bits: 1 = FOR EACH ROW, 2 = BEFORE, 4 = INSERT, 8 = DELETE, 16 = UPDATE
select is((select tgtype::int from pg_trigger where tgrelid = 'public.email_outbox'::regclass and tgname = 'email_outbox_notify'),
  1 | 4, 'the NOTIFY trigger fires AFTER INSERT, FOR EACH ROW');
select matches((select prosrc from pg_proc where oid = 'ffx_internal.email_outbox_notify()'::regprocedure),
  $re$pg_notify\('ffx_outbox', new\.id::text\)$re$, 'the trigger notifies channel ffx_outbox with the row id');
select ok((select relrowsecurity from pg_class where oid = 'public.email_outbox'::regclass), 'RLS is enabled on email_outbox');

select table_privs_are('public', 'email_outbox', 'anon', '{}'::text[], 'anon has no privilege on email_outbox');
select table_privs_are('public', 'email_outbox', 'authenticated', array['SELECT'],
  'authenticated may only read email_outbox (and the policy shows admins only)');
select table_privs_are('public', 'email_outbox', 'service_role', array['SELECT'],
  'service_role may only read email_outbox (the delivery transaction and the outbox functions write it)');

select results_eq(
  $$select p.proname::text collate "default", p.prosecdef, p.proconfig = array['search_path=""']
      from pg_proc p
     where p.oid in ('ffx_internal.outbox_claim(integer, integer)'::regprocedure, 'ffx_internal.outbox_mark_sent(bigint)'::regprocedure,
                     'ffx_internal.outbox_mark_failed(bigint, text, integer)'::regprocedure,
                     'ffx_internal.outbox_requeue(bigint)'::regprocedure)
     order by 1$$,
  $$values ('outbox_claim', true, true), ('outbox_mark_failed', true, true), ('outbox_mark_sent', true, true),
           ('outbox_requeue', true, true)$$,
  'the outbox functions are SECURITY DEFINER with search_path pinned to empty');
select is(
  array(select f || ':' || r
          from unnest(array['outbox_claim(integer, integer)', 'outbox_mark_sent(bigint)',
                            'outbox_mark_failed(bigint, text, integer)', 'outbox_requeue(bigint)',
                            'email_outbox_notify()']) f,
               unnest(array['public', 'anon', 'authenticated', 'service_role']) r
         where has_function_privilege(r, ('ffx_internal.' || f)::regprocedure, 'EXECUTE')
         order by 1),
  array['outbox_claim(integer, integer):service_role', 'outbox_mark_failed(bigint, text, integer):service_role',
        'outbox_mark_sent(bigint):service_role', 'outbox_requeue(bigint):authenticated',
        'outbox_requeue(bigint):service_role'],
  'claim/mark functions: service_role only; requeue: authenticated (checks admin) and service_role');

-- ==============================================================================================
-- constraints and defaults (as the superuser)
-- ==============================================================================================
select lives_ok(
  format($$insert into public.email_outbox (order_id, template_name, to_email) values (%L, 'defaults', 'x@example.com')$$,
         pg_temp.ord('bob_1')),
  'a row needs only order_id, template_name and to_email');
select results_eq(
  $$select status, attempts, variables, next_attempt_at, locked_until, last_error, sent_at, created_at, updated_at
      from public.email_outbox where template_name = 'defaults'$$,
  $$values ('pending', 0, '{}'::jsonb, now(), null::timestamptz, null::text, null::timestamptz, now(), now())$$,
  'defaults: pending, 0 attempts, {} variables, due now');
select throws_ok(
  format($$insert into public.email_outbox (order_id, template_name, to_email) values (%L, 'account_delivery', 'y@example.com')$$,
         pg_temp.ord('alice_1')),
  '23505', 'duplicate key value violates unique constraint "email_outbox_order_id_template_name_key"',
  'one e-mail per (order, template): a second account_delivery for the same order is refused');
select lives_ok(
  format($$insert into public.email_outbox (order_id, template_name, to_email) values (%L, 'other', 'y@example.com')$$,
         pg_temp.ord('alice_1')),
  'another template for the same order is fine');
select throws_ok(
  format($$insert into public.email_outbox (order_id, template_name, to_email, status) values (%L, 'bad', 'x@example.com', 'queued')$$,
         pg_temp.ord('bob_1')),
  '23514', null, 'status outside pending/sending/sent/failed is refused');
select throws_ok(
  $$insert into public.email_outbox (order_id, template_name, to_email) values ('FFX000000000', 'x', 'x@example.com')$$,
  '23503', null, 'an outbox row must belong to an existing order');
select throws_ok(
  $$insert into public.email_outbox (id, order_id, template_name, to_email)
    select 1, order_id, 'x', 'x@example.com' from pg_temp.fx where name = 'bob_1'$$,
  '428C9', null, 'ids are generated always');
update public.email_outbox set updated_at = '2000-01-01' where template_name = 'defaults';
select is((select updated_at from public.email_outbox where template_name = 'defaults'), now(),
  'updated_at is stamped on update');
delete from public.email_outbox where template_name in ('defaults', 'other');

-- ==============================================================================================
-- service_role: the mailer
-- ==============================================================================================
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;

-- no direct write: the mailer changes rows only through the SECURITY DEFINER functions below
select throws_ok(
  format($$insert into public.email_outbox (order_id, template_name, to_email) values (%L, 'forged', 'x@example.com')$$,
         pg_temp.ord('bob_1')),
  '42501', null, 'service_role cannot insert into email_outbox');
select throws_ok($$update public.email_outbox set status = 'sent'$$, '42501', null,
  'service_role cannot update email_outbox');

-- claim --------------------------------------------------------------------------------------
create temp table claim1 as select * from ffx_internal.outbox_claim(10, 120);
select set_eq('select id from claim1', array[pg_temp.ob('due'), pg_temp.ob('expired')],
  'claim takes the due pending row and the sending row whose lease expired, nothing else');
select results_eq(
  format($$select to_email, template_name, subject, html_body is not null, text_body is not null, variables, attempts
             from claim1 where id = %s$$, pg_temp.ob('due')),
  format($$select 'alice@example.com', 'account_delivery', t.subject, true, true,
                  jsonb_build_object('first_name', 'Alice', 'order_id', %L, 'login_id', '7001', 'password', 'pw-alice'),
                  1
             from public.email_templates t where t.template_name = 'account_delivery'$$, pg_temp.ord('alice_1')),
  'a claimed row carries its recipient, variables, attempt number and the active template');
select results_eq(
  format('select subject, html_body, text_body, attempts from claim1 where id = %s', pg_temp.ob('expired')),
  $$values (null::text, null::text, null::text, 2)$$,
  'a reclaimed lease counts one more attempt; a missing template comes back as NULL subject and bodies');
select results_eq(
  format('select status, locked_until, attempts from public.email_outbox where id = %s', pg_temp.ob('due')),
  $$values ('sending', now() + interval '120 seconds', 1)$$,
  'a claimed row is sending, leased for p_lease_seconds, with attempts + 1');
select is((select count(*) from ffx_internal.outbox_claim(10, 120)), 0::bigint,
  'a second claim returns none of the rows leased by the first');
select results_eq(
  $$select f.name, o.status, o.attempts from public.email_outbox o join pg_temp.fx f on f.outbox_id = o.id
     where f.name in ('later', 'sent', 'leased', 'dead') order by 1$$,
  $$values ('dead', 'failed', 8), ('later', 'pending', 0), ('leased', 'sending', 1), ('sent', 'sent', 1)$$,
  'rows not yet due, sent, leased or failed were left alone');

-- the template must be active
reset role;
update public.email_templates set is_active = false where template_name = 'account_delivery';
update public.email_outbox set locked_until = now() - interval '1 second' where id = pg_temp.ob('due');
set local role service_role;
select results_eq('select id, subject, attempts from ffx_internal.outbox_claim(10, 120)',
  format('values (%s::bigint, null::text, 2)', pg_temp.ob('due')),
  'an expired lease is claimed again (attempts 2); an inactive template comes back as NULL');
reset role;
update public.email_templates set is_active = true where template_name = 'account_delivery';
set local role service_role;

select throws_ok('select * from ffx_internal.outbox_claim(0, 120)', '22023', null, 'claim refuses a limit below 1');
select throws_ok('select * from ffx_internal.outbox_claim(10, 0)', '22023', null, 'claim refuses a lease below 1 second');
select throws_ok('select * from ffx_internal.outbox_claim(null, 120)', '22023', null, 'claim refuses a NULL limit');

-- mark_failed: backoff, then final failure ------------------------------------------------------
select is(ffx_internal.outbox_mark_failed(pg_temp.ob('due'), 'connection refused ' || repeat('x', 600), 8), 'pending',
  'a failed attempt with attempts left goes back to pending');
select results_eq(
  format('select status, attempts, next_attempt_at, locked_until, length(last_error), left(last_error, 18) from public.email_outbox where id = %s',
         pg_temp.ob('due')),
  $$values ('pending', 2, now() + interval '4 seconds', null::timestamptz, 500, 'connection refused')$$,
  'backoff is 2^attempts seconds (attempt 2: 4 s), the lease is released, last_error is cut to 500 characters');
select is((select count(*) from ffx_internal.outbox_claim(10, 120) c where c.id = pg_temp.ob('due')), 0::bigint,
  'a row in backoff is not claimed before next_attempt_at');

reset role;
update public.email_outbox set status = 'sending', attempts = 9, locked_until = now() + interval '1 minute'
 where id = pg_temp.ob('due');
set local role service_role;
select is(ffx_internal.outbox_mark_failed(pg_temp.ob('due'), 'timeout', 20), 'pending', 'attempt 9 of 20 goes back to pending');
select is((select next_attempt_at from public.email_outbox where id = pg_temp.ob('due')), now() + interval '300 seconds',
  'backoff is capped at 300 seconds');

reset role;
update public.email_outbox set status = 'sending', attempts = 8, next_attempt_at = '2001-01-01',
       locked_until = now() + interval '1 minute'
 where id = pg_temp.ob('due');
set local role service_role;
select is(ffx_internal.outbox_mark_failed(pg_temp.ob('due'), '550 mailbox unavailable', 8), 'failed',
  'the attempt that reaches p_max_attempts fails the row for good');
select results_eq(
  format('select status, attempts, next_attempt_at, locked_until, last_error from public.email_outbox where id = %s',
         pg_temp.ob('due')),
  $$values ('failed', 8, '2001-01-01'::timestamptz, null::timestamptz, '550 mailbox unavailable')$$,
  'a failed row keeps its attempts and next_attempt_at, records the error and releases the lease');
select is((select count(*) from ffx_internal.outbox_claim(10, 120) c where c.id = pg_temp.ob('due')), 0::bigint,
  'a failed row is never claimed');
select is(ffx_internal.outbox_mark_failed(pg_temp.ob('sent'), 'late failure', 8), 'sent',
  'mark_failed leaves a row that is already sent alone');
select is((select last_error from public.email_outbox where id = pg_temp.ob('sent')), null,
  'and does not touch its last_error');
select is(ffx_internal.outbox_mark_failed(-1, 'x', 8), null, 'mark_failed of a missing row returns NULL');

-- requeue (service_role) ----------------------------------------------------------------------
select is(ffx_internal.outbox_requeue(pg_temp.ob('due')), true, 'service_role can requeue a failed row');
select results_eq(
  format('select status, attempts, next_attempt_at, locked_until, last_error from public.email_outbox where id = %s',
         pg_temp.ob('due')),
  $$values ('pending', 0, now(), null::timestamptz, '550 mailbox unavailable')$$,
  'requeue: pending, attempts 0, due now; the last error stays for the record');
select is(ffx_internal.outbox_requeue(pg_temp.ob('due')), false, 'requeue of a row that is not failed changes nothing');
select is(ffx_internal.outbox_requeue(-1), false, 'requeue of a missing row returns false');

-- mark_sent -----------------------------------------------------------------------------------
select is((select count(*) from ffx_internal.outbox_claim(10, 120) c where c.id = pg_temp.ob('due')), 1::bigint,
  'the requeued row is claimed again');
select is(ffx_internal.outbox_mark_sent(pg_temp.ob('leased')), true, 'mark_sent of another template of the order');
select results_eq(
  format('select email_sent, email_sent_at from public.delivered_accounts where order_id = %L', pg_temp.ord('alice_1')),
  $$values (false, null::timestamptz)$$,
  'only account_delivery marks the delivered account');
select is(ffx_internal.outbox_mark_sent(pg_temp.ob('due')), true, 'mark_sent of the account_delivery e-mail');
select results_eq(
  format('select status, sent_at, locked_until from public.email_outbox where id = %s', pg_temp.ob('due')),
  $$values ('sent', now(), null::timestamptz)$$,
  'mark_sent: status sent, sent_at now, lease released');
select results_eq(
  format('select email_sent, email_sent_at from public.delivered_accounts where order_id = %L', pg_temp.ord('alice_1')),
  $$values (true, now())$$,
  'mark_sent of account_delivery sets email_sent and email_sent_at on the order''s delivered account');

reset role;
update public.email_outbox set sent_at = '2020-01-01' where id = pg_temp.ob('due');
update public.delivered_accounts set email_sent_at = '2020-01-01' where order_id = pg_temp.ord('alice_1');
set local role service_role;
select is(ffx_internal.outbox_mark_sent(pg_temp.ob('due')), true, 'mark_sent again (a resend) succeeds');
select results_eq(
  format($$select o.status, o.sent_at, d.email_sent, d.email_sent_at
             from public.email_outbox o join public.delivered_accounts d on d.order_id = o.order_id
            where o.id = %s$$, pg_temp.ob('due')),
  $$values ('sent', '2020-01-01'::timestamptz, true, '2020-01-01'::timestamptz)$$,
  'mark_sent is idempotent: the first sent_at and email_sent_at are kept');

select is(ffx_internal.outbox_mark_sent(pg_temp.ob('expired')), true,
  'mark_sent works for an order without a delivered account');
select is((select status from public.email_outbox where id = pg_temp.ob('expired')), 'sent', 'that row is sent');
select is(ffx_internal.outbox_mark_sent(-1), false, 'mark_sent of a missing row returns false');

-- the delivery transaction's insert, as the owner (deliver_account_to_user is SECURITY DEFINER)
reset role;
select lives_ok(
  format($$insert into public.email_outbox (order_id, template_name, to_email, variables)
           values (%L, 'welcome', 'bob@example.com', '{"first_name": "Bob"}')$$, pg_temp.ord('bob_1')),
  'the delivery transaction inserts an outbox row');
set local role service_role;
select throws_ok('delete from public.email_outbox', '42501', null, 'service_role cannot delete outbox rows');
select throws_ok('truncate public.email_outbox', '42501', null, 'service_role cannot truncate the outbox');

-- ==============================================================================================
-- alice: sees nothing, calls nothing
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;

select is((select count(*) from public.email_outbox), 0::bigint, 'alice sees no outbox row, not even her own e-mails');
select throws_ok('select * from ffx_internal.outbox_claim(10, 120)', '42501', null, 'alice cannot claim');
select throws_ok(format('select ffx_internal.outbox_mark_sent(%s)', pg_temp.ob('later')), '42501', null, 'alice cannot mark sent');
select throws_ok(format($$select ffx_internal.outbox_mark_failed(%s, 'x', 8)$$, pg_temp.ob('later')), '42501', null,
  'alice cannot mark failed');
select throws_ok(format('select ffx_internal.outbox_requeue(%s)', pg_temp.ob('dead')), '42501', 'admin only',
  'alice cannot requeue');
select throws_ok(
  format($$insert into public.email_outbox (order_id, template_name, to_email) values (%L, 'spam', 'x@example.com')$$,
         pg_temp.ord('alice_2')),
  '42501', null, 'alice cannot insert outbox rows');
select throws_ok($$update public.email_outbox set status = 'pending'$$, '42501', null, 'alice cannot update outbox rows');

-- ==============================================================================================
-- anon
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;

select throws_ok('select count(*) from public.email_outbox', '42501', null, 'anon cannot read the outbox');
select throws_ok('select * from ffx_internal.outbox_claim(10, 120)', '42501', null, 'anon cannot claim');
select throws_ok(format('select ffx_internal.outbox_requeue(%s)', pg_temp.ob('dead')), '42501', null, 'anon cannot requeue');

-- ==============================================================================================
-- admin: reads everything, requeues failed e-mails (audited), nothing else
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;

select is((select count(*) from public.email_outbox), 7::bigint, 'the admin sees every outbox row');
select is((select last_error from public.email_outbox where id = pg_temp.ob('due')), '550 mailbox unavailable',
  'the admin reads why an e-mail failed');
select is(ffx_internal.outbox_requeue(pg_temp.ob('dead')), true, 'the admin can requeue a failed e-mail');
select throws_ok($$update public.email_outbox set status = 'pending'$$, '42501', null,
  'the admin cannot update outbox rows directly');
select throws_ok('select * from ffx_internal.outbox_claim(10, 120)', '42501', null, 'the admin cannot claim');
select throws_ok(format('select ffx_internal.outbox_mark_sent(%s)', pg_temp.ob('later')), '42501', null,
  'the admin cannot mark sent');

reset role;
select results_eq(
  format('select status, attempts from public.email_outbox where id = %s', pg_temp.ob('dead')),
  $$values ('pending', 0)$$, 'the admin''s requeue made the row pending with 0 attempts');
select results_eq(
  $$select admin_id, admin_email, action_type, table_name, record_id, old_values ->> 'status', new_values ->> 'status'
      from public.admin_audit_log where action_type = 'requeue_email'$$,
  format($$values ('ad000000-0000-4000-8000-0000000000ad'::uuid, 'ops@example.com', 'requeue_email', 'email_outbox',
                   '%s', 'failed', 'pending')$$, pg_temp.ob('dead')),
  'the admin''s requeue is in the audit log; service_role''s is not');

-- ==============================================================================================
-- ffx_functions, the mailer's login role: nothing without SET LOCAL ROLE service_role
-- ==============================================================================================
set local session authorization ffx_functions;
select throws_ok('select * from ffx_internal.outbox_claim(10, 120)', '42501', null,
  'ffx_functions cannot claim without SET LOCAL ROLE');
select throws_ok('select count(*) from public.email_outbox', '42501', null,
  'ffx_functions cannot read the outbox without SET LOCAL ROLE');
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;
select lives_ok('select * from ffx_internal.outbox_claim(1, 120)', 'ffx_functions claims after SET LOCAL ROLE service_role');
reset role;
reset session authorization;

-- ==============================================================================================
-- two mailers at once (dblink): SKIP LOCKED hands each row to one claimer only
-- ==============================================================================================
create extension if not exists dblink;
-- sessions of their own, as the superuser over the server's unix socket
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
  perform dblink_connect('ffx_mailer_a', pg_temp.connstr());
  perform dblink_connect('ffx_mailer_b', pg_temp.connstr());
end $$;

-- committed fixtures: one order with three due e-mails
do $do$ begin
  perform dblink_exec('ffx_setup', $$
    insert into auth.users (id, email) values ('e0000000-0000-4000-8000-000000000001', 'eve@example.com');
    with o as (
      insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
      values ('e0000000-0000-4000-8000-000000000001', 'one_step', 10000, 'mt4', 649, 649) returning order_id)
    insert into public.email_outbox (order_id, template_name, to_email, next_attempt_at)
    select o.order_id, t, 'eve@example.com', '2001-01-01' from o, unnest(array['skip_1', 'skip_2', 'skip_3']) t
  $$);
  -- mailer A opens its transaction; mailer B too, with a lock_timeout: without SKIP LOCKED its
  -- claim would wait on A's row locks, and this turns the wait into an error instead of a hang
  perform dblink_exec('ffx_mailer_a', $$begin; select set_config('request.jwt.claims', '{"role":"service_role"}', true);
                                        set local role service_role$$);
  perform dblink_exec('ffx_mailer_b', $$begin; set local lock_timeout = '2s';
                                        select set_config('request.jwt.claims', '{"role":"service_role"}', true);
                                        set local role service_role$$);
end $do$;

-- A claims two and keeps its transaction (and the row locks) open; B claims meanwhile
create temp table claim_a as
  select id from dblink('ffx_mailer_a', 'select id from ffx_internal.outbox_claim(2, 60)') as t(id bigint);
create temp table claim_b as
  select id from dblink('ffx_mailer_b', 'select id from ffx_internal.outbox_claim(10, 60)') as t(id bigint);

select is((select count(*) from claim_a), 2::bigint, 'mailer A claimed two rows');
select is((select count(*) from claim_b), 1::bigint, 'mailer B, claiming at the same time, got only the third row');
select is((select count(*) from claim_a join claim_b using (id)), 0::bigint, 'no row was claimed by both mailers');
select is(
  (select array_agg(id order by id) from (select id from claim_a union all select id from claim_b) x),
  (select array_agg(id order by id) from public.email_outbox where template_name like 'skip\_%'),
  'together they claimed every due row exactly once');

do $do$ begin
  perform dblink_exec('ffx_mailer_a', 'rollback');
  perform dblink_exec('ffx_mailer_b', 'rollback');
  perform dblink_exec('ffx_setup', $$
    delete from public.email_outbox where to_email = 'eve@example.com';
    delete from public.orders where user_id = 'e0000000-0000-4000-8000-000000000001';
    delete from auth.users where id = 'e0000000-0000-4000-8000-000000000001'
  $$);
  perform dblink_disconnect('ffx_setup');
  perform dblink_disconnect('ffx_mailer_a');
  perform dblink_disconnect('ffx_mailer_b');
end $do$;

select * from finish();
rollback;
