-- The reconciler's functions: reconcile_due_payments (which payments to poll, with a
-- per-payment backoff), expire_stale_orders (abandoned orders failed through payment_apply),
-- reconcile_failed_events (the inbox's second chance), and, with two sessions (dblink), that
-- concurrent reconcilers never claim the same payment and that a late 'finished' and the expiry
-- pass serialise in either order.
-- Users: alice (a...a) is the customer of every order; ops (ad...ad) carries app_metadata.role=admin.
-- Prices from the pricing trigger: one_step 10000 = 649.
begin;
select plan(76);

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');

insert into public.account_container (account_size, platform_type, server_name, login_id, password, investor_password)
select 10000, 'mt4', 'FlashFundX-Live01', (130000 + g)::text, 'pw-' || g, 'inv-' || g
  from generate_series(1, 10) g;

create temp table fx (name text primary key, order_id text);
grant select on fx to public;
create function pg_temp.ord(p_name text) returns text
language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;

create function pg_temp.mk(p_name text) returns void
language sql as $$
  with o as (
    insert into public.orders (user_id, account_type, account_size, platform_type)
    values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4') returning order_id)
  insert into pg_temp.fx select p_name, order_id from o
$$;

-- pm(order, payment_id, status, raw, created_at, updated_at): a payments row as the backend keeps
-- it; an explicit updated_at is kept on insert (the trigger stamps updates only)
create function pg_temp.pm(p_order text, p_pid text, p_status text, p_raw jsonb default '{}',
                           p_created timestamptz default now(), p_updated timestamptz default now()) returns void
language sql as $$
  insert into public.payments (payment_id, order_id, user_id, payment_status, pay_address, pay_amount, pay_currency,
                               price_amount, price_currency, raw, provider_created_at, created_at, updated_at)
  select p_pid, o.order_id, o.user_id, p_status, 'addr-' || p_pid, 0.00656612, 'btc', o.final_amount, 'usd', p_raw,
         p_created, p_created, p_updated
    from public.orders o where o.order_id = pg_temp.ord(p_order)
$$;

-- an ISO expiration_estimate_date, as the create response carries it
create function pg_temp.exp(p_at timestamptz) returns jsonb
language sql stable as $$
  select jsonb_build_object('expiration_estimate_date',
                            to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
$$;

create function pg_temp.st(p_name text) returns text
language sql stable as $$
  select o.order_status || '/' || o.payment_status || '/' || o.delivery_status
    from public.orders o where o.order_id = pg_temp.ord(p_name)
$$;

create function pg_temp.pay(p_pid text) returns text
language sql stable as $$ select p.payment_status from public.payments p where p.payment_id = p_pid $$;

create function pg_temp.delivered(p_name text) returns bigint
language sql stable as $$ select count(*) from public.delivered_accounts d where d.order_id = pg_temp.ord(p_name) $$;

create temp sequence upd start 1765249461000;
grant usage on sequence upd to public;
create function pg_temp.ipn(p_pid bigint, p_status text, p_order text, p_over jsonb default '{}') returns jsonb
language sql as $$
  select jsonb_build_object(
           'payment_id', p_pid, 'payment_status', p_status, 'order_id', pg_temp.ord(p_order),
           'parent_payment_id', null, 'invoice_id', null, 'pay_address', 'addr-' || p_pid,
           'pay_amount', 0.00656612, 'pay_currency', 'btc', 'price_amount', 649, 'price_currency', 'usd',
           'actually_paid', case when p_status in ('finished', 'partially_paid') then 0.00656612 else 0 end,
           'outcome_amount', 0.0065, 'outcome_currency', 'btc', 'updated_at', nextval('pg_temp.upd'))
         || p_over
$$;

-- an inbox row as ipn_receive would have left it
create function pg_temp.event(p_payload jsonb, p_state text, p_attempts int default 1,
                              p_received timestamptz default now(), p_next timestamptz default null) returns void
language sql as $$
  insert into public.ipn_events (dedupe_key, payment_id, payment_status, order_id, invoice_id, payload, signature,
                                 state, attempts, last_error, received_at, next_retry_at)
  values (ffx_internal.ipn_dedupe_key(p_payload), p_payload ->> 'payment_id', p_payload ->> 'payment_status',
          p_payload ->> 'order_id', p_payload ->> 'invoice_id', p_payload, 'raw', p_state, p_attempts,
          case when p_state = 'failed' then '40P01: deadlock detected' end, p_received, p_next)
$$;

create function pg_temp.ev(p_pid text) returns text
language sql stable as $$
  select e.state || ':' || e.attempts from public.ipn_events e where e.payment_id = p_pid
$$;

create temp table got (payment_id text, order_id text);
grant insert, select, delete on got to public;

select pg_temp.mk(n) from unnest(array[
  'rc', 'ex_one', 'ex_two', 'ex_fresh', 'ex_new', 'ex_mixed', 'ex_fin', 'ex_prev', 'ex_nopay', 'ex_paid',
  'ex_late', 'ex_bad', 'rf', 'rf_poison', 'rf_inv']) n;

-- reconcile_due_payments: one order, payments in every status
select pg_temp.pm('rc', '3001', 'waiting',        '{}', now() - interval '1 hour', now() - interval '10 minutes');
select pg_temp.pm('rc', '3002', 'confirming',     '{}', now() - interval '1 hour', now() - interval '10 minutes');
select pg_temp.pm('rc', '3003', 'confirmed',      '{}', now() - interval '1 hour', now() - interval '10 minutes');
select pg_temp.pm('rc', '3004', 'sending',        '{}', now() - interval '1 hour', now() - interval '10 minutes');
select pg_temp.pm('rc', '3005', 'partially_paid', '{}', now() - interval '1 hour', now() - interval '10 minutes');
select pg_temp.pm('rc', '3006', 'finished',       '{}', now() - interval '1 hour', now() - interval '10 minutes');
select pg_temp.pm('rc', '3007', 'expired',        '{}', now() - interval '1 hour', now() - interval '10 minutes');
select pg_temp.pm('rc', '3008', 'failed',         '{}', now() - interval '1 hour', now() - interval '10 minutes');
select pg_temp.pm('rc', '3009', 'refunded',       '{}', now() - interval '1 hour', now() - interval '10 minutes');
-- changed 30 s ago: an IPN may be on its way
select pg_temp.pm('rc', '3010', 'waiting',        '{}', now() - interval '1 hour', now() - interval '30 seconds');
-- in its backoff
select pg_temp.pm('rc', '3011', 'waiting',        '{}', now() - interval '1 hour', now() - interval '10 minutes');
-- backoff passed, after 3 and 10 polls
select pg_temp.pm('rc', '3012', 'waiting',        '{}', now() - interval '1 hour', now() - interval '10 minutes');
select pg_temp.pm('rc', '3013', 'waiting',        '{}', now() - interval '1 hour', now() - interval '10 minutes');
update public.payments set next_reconcile_at = now() + interval '1 minute' where payment_id = '3011';
update public.payments set next_reconcile_at = now() - interval '1 second', reconcile_attempts = 3 where payment_id = '3012';
update public.payments set next_reconcile_at = now() - interval '1 second', reconcile_attempts = 10 where payment_id = '3013';

-- expire_stale_orders
select pg_temp.pm('ex_one',   '4001', 'waiting', pg_temp.exp(now() - interval '1 minute'));
select pg_temp.pm('ex_two',   '4002', 'waiting', pg_temp.exp(now() - interval '5 minutes'));
select pg_temp.pm('ex_two',   '4003', 'waiting', '{}', now() - interval '2 hours');
select pg_temp.pm('ex_fresh', '4004', 'waiting', pg_temp.exp(now() + interval '10 minutes'), now() - interval '2 hours');
select pg_temp.pm('ex_new',   '4005', 'waiting', '{}', now() - interval '10 minutes');
select pg_temp.pm('ex_mixed', '4006', 'waiting', pg_temp.exp(now() - interval '1 minute'));
select pg_temp.pm('ex_mixed', '4007', 'confirming');
select pg_temp.pm('ex_fin',   '4008', 'finished');
select pg_temp.pm('ex_fin',   '4009', 'waiting', pg_temp.exp(now() - interval '1 minute'));
select pg_temp.pm('ex_prev',  '4010', 'expired');
select pg_temp.pm('ex_prev',  '4011', 'waiting', pg_temp.exp(now() - interval '1 minute'));
select pg_temp.pm('ex_paid',  '4012', 'waiting', pg_temp.exp(now() - interval '1 minute'));
select pg_temp.pm('ex_late',  '4013', 'waiting', pg_temp.exp(now() - interval '1 minute'));
select pg_temp.pm('ex_bad',   '4014', 'waiting', '{"expiration_estimate_date": "soon"}', now() - interval '2 hours');
update public.orders set order_status = 'processing'
 where order_id in (pg_temp.ord('ex_two'), pg_temp.ord('ex_prev'), pg_temp.ord('ex_mixed'));
update public.orders set order_status = 'processing', payment_status = 'paid', paid_at = now()
 where order_id = pg_temp.ord('ex_paid');

-- reconcile_failed_events
select pg_temp.event(pg_temp.ipn(5001, 'waiting', 'rf'), 'failed');
select pg_temp.event(pg_temp.ipn(5002, 'finished', 'rf_poison', '{"price_amount": "n/a"}'), 'failed');
select pg_temp.event('{"payment_id": 5003, "payment_status": "waiting", "order_id": null, "invoice_id": "9001"}', 'unmatched');
select pg_temp.event('{"payment_id": 5004, "payment_status": "waiting", "order_id": null, "invoice_id": "9001"}', 'unmatched',
                     1, now() - interval '8 days');
select pg_temp.event(pg_temp.ipn(5005, 'waiting', 'rf'), 'processed');
select pg_temp.event(pg_temp.ipn(5006, 'confirming', 'rf'), 'failed', 2, now(), now() + interval '1 minute');

-- ==============================================================================================
-- structure and privileges
-- ==============================================================================================
select results_eq(
  $$select c.table_name::text collate "default", c.column_name::text collate "default", c.data_type::text collate "default",
           c.is_nullable::text collate "default", c.column_default::text collate "default"
      from information_schema.columns c
     where c.table_schema = 'public'
       and (c.table_name, c.column_name) in (('payments', 'reconcile_attempts'), ('payments', 'next_reconcile_at'),
                                            ('ipn_events', 'next_retry_at'))
     order by 1, 2$$,
  $$values ('ipn_events', 'next_retry_at', 'timestamp with time zone', 'YES', null::text),
           ('payments', 'next_reconcile_at', 'timestamp with time zone', 'YES', null),
           ('payments', 'reconcile_attempts', 'integer', 'NO', '0')$$,
  'payments.reconcile_attempts (integer, default 0), payments.next_reconcile_at and ipn_events.next_retry_at exist');
select has_index('public', 'payments', 'payments_reconcile_due_idx', 'partial index for the reconciler''s scan of payments');
select has_index('public', 'ipn_events', 'ipn_events_retry_idx', 'partial index for the reconciler''s scan of the inbox');
select trigger_is('public', 'payments', 'payments_reset_reconcile', 'ffx_internal', 'payments_reset_reconcile',
  'a status change resets the reconcile backoff');
select results_eq(
  $$select p.proname::text collate "default", p.prosecdef, p.proconfig = array['search_path=""'],
           format_type(p.prorettype, null)::text collate "default"
      from pg_proc p
     where p.oid in ('ffx_internal.reconcile_due_payments(integer, integer)'::regprocedure,
                     'ffx_internal.expire_stale_orders(interval)'::regprocedure,
                     'ffx_internal.reconcile_failed_events(integer)'::regprocedure)
     order by 1$$,
  $$values ('expire_stale_orders', true, true, 'integer'), ('reconcile_due_payments', true, true, 'record'),
           ('reconcile_failed_events', true, true, 'integer')$$,
  'the three reconciler functions: SECURITY DEFINER, search_path pinned to empty');
select is(
  array(select f || ':' || r
          from unnest(array['reconcile_due_payments(integer, integer)', 'expire_stale_orders(interval)',
                            'reconcile_failed_events(integer)', 'payments_reset_reconcile()',
                            'payment_is_stale(jsonb, timestamptz, interval)', 'order_is_stale(text, interval)']) f,
               unnest(array['public', 'anon', 'authenticated', 'service_role', 'ffx_functions']) r
         where has_function_privilege(r, 'ffx_internal.' || f, 'EXECUTE')
         order by 1),
  array['expire_stale_orders(interval):service_role', 'reconcile_due_payments(integer, integer):service_role',
        'reconcile_failed_events(integer):service_role'],
  'EXECUTE: the three entry points service_role only; the helpers nobody');

-- ==============================================================================================
-- nobody else may call them
-- ==============================================================================================
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;
select throws_ok('select * from ffx_internal.reconcile_due_payments(10, 0)', '42501', null, 'anon cannot claim payments');
select throws_ok($$select ffx_internal.expire_stale_orders('1 hour')$$, '42501', null, 'anon cannot expire orders');
select throws_ok('select ffx_internal.reconcile_failed_events(10)', '42501', null, 'anon cannot reprocess events');

reset role;
select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;
select throws_ok('select * from ffx_internal.reconcile_due_payments(10, 0)', '42501', null, 'not even an admin claims payments');
select throws_ok($$select ffx_internal.expire_stale_orders('1 hour')$$, '42501', null, 'not even an admin expires orders');
select throws_ok('select ffx_internal.reconcile_failed_events(10)', '42501', null, 'not even an admin runs the inbox sweep');

-- the role granted but not the service's claims (a connection that forgot its request setup)
reset role;
select set_config('request.jwt.claims', '{"role":"authenticated"}', true);
set local role service_role;
select throws_ok('select * from ffx_internal.reconcile_due_payments(10, 0)', 'FF403', 'Unauthorized',
  'reconcile_due_payments checks the caller''s claims too');
select throws_ok($$select ffx_internal.expire_stale_orders('1 hour')$$, 'FF403', 'Unauthorized',
  'expire_stale_orders checks the caller''s claims too');
select throws_ok('select ffx_internal.reconcile_failed_events(10)', 'FF403', 'Unauthorized',
  'reconcile_failed_events checks the caller''s claims too');

-- ==============================================================================================
-- reconcile_due_payments
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;

select throws_ok('select * from ffx_internal.reconcile_due_payments(0, 60)', '22023', null, 'p_limit below 1 is refused');
select throws_ok('select * from ffx_internal.reconcile_due_payments(10, -1)', '22023', null, 'a negative p_min_age_s is refused');
select throws_ok('select * from ffx_internal.reconcile_due_payments(null, 60)', '22023', null, 'a NULL p_limit is refused');

insert into got select * from ffx_internal.reconcile_due_payments(2, 60);
select is((select count(*) from got), 2::bigint, 'p_limit caps the claim');
insert into got select * from ffx_internal.reconcile_due_payments(50, 60);
select results_eq('select payment_id from got order by 1',
  $$values ('3001'), ('3002'), ('3003'), ('3004'), ('3005'), ('3012'), ('3013')$$,
  'claimed: the non-final payments unchanged for a minute whose backoff has passed, each once');
select is((select count(distinct order_id) filter (where order_id = pg_temp.ord('rc')) from got), 1::bigint,
  'each comes with its order id');
select is((select count(*) from ffx_internal.reconcile_due_payments(50, 60)), 0::bigint,
  'claiming again at once finds nothing: every claimed payment is in its backoff');

reset role;
select results_eq(
  $$select payment_id, reconcile_attempts, next_reconcile_at - now(), updated_at = now() - interval '10 minutes'
      from public.payments where payment_id in ('3001', '3012', '3013', '3006', '3010') order by 1$$,
  $$values ('3001', 1, interval '30 seconds', true), ('3006', 0, null::interval, true), ('3010', 0, null, false),
           ('3012', 4, interval '4 minutes', true), ('3013', 11, interval '1 hour', true)$$,
  'a claim adds an attempt and moves the next poll 30 s x 2^attempts ahead (at most 1 h); updated_at is untouched');

-- a status change starts the backoff again, and is a change of the payment
update public.payments set payment_status = 'confirming' where payment_id = '3012';
select results_eq(
  $$select reconcile_attempts, next_reconcile_at, updated_at = now() from public.payments where payment_id = '3012'$$,
  $$values (0, null::timestamptz, true)$$,
  'a new status resets reconcile_attempts and next_reconcile_at; updated_at is stamped');
update public.payments set reconcile_attempts = 2 where payment_id = '3010';
select is((select updated_at from public.payments where payment_id = '3010'), now() - interval '30 seconds',
  'bookkeeping alone does not stamp updated_at');

set local role service_role;
-- (the expiry fixtures below, just inserted, are claimed too; their test does not mind)
select results_eq($$select payment_id from ffx_internal.reconcile_due_payments(50, 0) where payment_id like '30%' order by 1$$,
  $$values ('3010'), ('3012')$$,
  'p_min_age_s 0 takes even a payment changed just now, but never one in its backoff');
reset role;

-- ==============================================================================================
-- expire_stale_orders
-- ==============================================================================================
set local role service_role;
select throws_ok('select ffx_internal.expire_stale_orders(null)', '22023', null, 'a NULL max age is refused');
select throws_ok($$select ffx_internal.expire_stale_orders('-1 hour')$$, '22023', null, 'a negative max age is refused');

select is(ffx_internal.expire_stale_orders('1 hour'), 5,
  'five orders expired: one or two stale payments, an earlier expired one, a late one to come, an unreadable expiration');
select is(pg_temp.st('ex_one'), 'failed/failed/pending', 'the provider expiration passed: failed/failed');
select is(pg_temp.pay('4001'), 'expired', 'its payment is expired');
select is(pg_temp.st('ex_two'), 'failed/failed/pending', 'two stale payments: the order fails');
select is(pg_temp.pay('4002') || ',' || pg_temp.pay('4003'), 'expired,expired',
  'both payments expired (one by its expiration, one by age: no expiration known, created 2 h ago)');
select is(pg_temp.st('ex_fresh'), 'pending/pending/pending', 'an expiration still ahead wins over the age');
select is(pg_temp.st('ex_new'), 'pending/pending/pending', 'no expiration and younger than the max age: left alone');
select is(pg_temp.st('ex_mixed') || ' ' || pg_temp.pay('4006'), 'processing/pending/pending waiting',
  'another payment is confirming: nothing expires');
select is(pg_temp.st('ex_fin') || ' ' || pg_temp.pay('4009'), 'pending/pending/pending waiting',
  'a finished payment: nothing expires');
select is(pg_temp.st('ex_prev') || ' ' || pg_temp.pay('4011'), 'failed/failed/pending expired',
  'an earlier expired payment plus a stale waiting one: failed');
select is(pg_temp.st('ex_nopay'), 'pending/pending/pending', 'an order without a payment is not stale');
select is(pg_temp.st('ex_paid') || ' ' || pg_temp.pay('4012'), 'processing/paid/pending waiting', 'a paid order is never expired');
select is(pg_temp.st('ex_bad'), 'failed/failed/pending', 'an unreadable expiration falls back to the age');
select results_eq(
  $$select event_type, status, count(*)::int from public.payment_transactions
     where order_id = pg_temp.ord('ex_two') group by 1, 2$$,
  $$values ('reconcile_expiry_expired', 'failed', 2)$$,
  'through payment_apply: one payment_transactions row per expired payment, event reconcile_expiry_expired');
select results_eq(
  $$select action_type, old_values ->> 'order_status', new_values ->> 'order_status', new_values ->> 'source'
      from public.admin_audit_log where record_id = pg_temp.ord('ex_one')$$,
  $$values ('payment_status_changed', 'pending', 'failed', 'reconcile_expiry')$$,
  'and the usual audit row, naming the source');
select is((select raw ->> 'expiration_estimate_date' is not null and raw ->> 'payment_status' = 'expired'
             from public.payments where payment_id = '4001'), true,
  'the stored raw keeps the expiration and now says expired');
select is(ffx_internal.expire_stale_orders('1 hour'), 0, 'a second pass finds nothing to do');

-- a late payment after the expiry is honoured (the allowed expired -> finished)
select is(ffx_internal.ipn_receive(pg_temp.ipn(4013, 'finished', 'ex_late'), 'raw') ->> 'delivered', 'true',
  'a finished IPN after the expiry delivers');
select is(pg_temp.st('ex_late') || ' ' || pg_temp.pay('4013'), 'completed/paid/delivered finished',
  'the expired order is completed, its payment finished');
select is(pg_temp.delivered('ex_late'), 1::bigint, 'exactly one account');

-- max age 0: every payment without a known expiration is stale at once
select is(ffx_internal.expire_stale_orders('0 seconds'), 1, 'max age 0 expires the young order without an expiration');
select is(pg_temp.st('ex_new') || ' ' || pg_temp.st('ex_fresh'), 'failed/failed/pending pending/pending/pending',
  'but never one whose provider expiration is ahead');

-- ==============================================================================================
-- reconcile_failed_events
-- ==============================================================================================
select throws_ok('select ffx_internal.reconcile_failed_events(0)', '22023', null, 'p_limit below 1 is refused');
select is(ffx_internal.reconcile_failed_events(50), 1, 'one event recovered');
select is(pg_temp.ev('5001'), 'processed:2', 'the failed event is processed on its second attempt');
select is(pg_temp.st('rf'), 'processing/pending/pending', 'and its order moved');
select is(pg_temp.ev('5002'), 'failed:2', 'an event that cannot apply stays failed, one more attempt');
select is((select next_retry_at - now() from public.ipn_events where payment_id = '5002'), interval '2 minutes',
  'and backs off (30 s x 2^attempts)');
select is(pg_temp.ev('5003'), 'unmatched:2', 'a young unmatched event is tried again, still unmatched');
select is((select next_retry_at - now() from public.ipn_events where payment_id = '5003'), interval '5 minutes',
  'and waits 5 minutes for the next try');
select is(pg_temp.ev('5004'), 'unmatched:1', 'an unmatched event older than 7 days is left to the admins');
select is(pg_temp.ev('5005') || ' ' || pg_temp.ev('5006'), 'processed:1 failed:2',
  'processed events and events in their backoff are not touched');
select is(ffx_internal.reconcile_failed_events(50), 0, 'at once again: nothing is due');
select is(pg_temp.ev('5002') || ' ' || pg_temp.ev('5003'), 'failed:2 unmatched:2', 'no attempt was spent');

-- the order the unmatched event was waiting for appears (its invoice); 5 minutes later it matches
reset role;
update public.orders set invoice_id = '9001' where order_id = pg_temp.ord('rf_inv');
update public.ipn_events set next_retry_at = now() - interval '1 second' where payment_id = '5003';
set local role service_role;
select is(ffx_internal.reconcile_failed_events(50), 1, 'the unmatched event matches its order now');
select results_eq(
  $$select state, matched_order_id, next_retry_at from public.ipn_events where payment_id = '5003'$$,
  $$select 'processed'::text, pg_temp.ord('rf_inv'), null::timestamptz$$,
  'processed, matched to the order by its invoice; no retry time is left on it');
select is(pg_temp.st('rf_inv'), 'processing/pending/pending', 'the order moved');

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
create function pg_temp.open(p_name text, p_service boolean default true) returns void
language plpgsql as $$
begin
  perform dblink_exec(p_name, 'begin');
  perform dblink_exec(p_name, $q$set local lock_timeout = '2s'$q$);
  if p_service then
    perform dblink_exec(p_name, $q$set local request.jwt.claims = '{"role":"service_role"}'$q$);
    perform dblink_exec(p_name, 'set local role service_role');
  end if;
end
$$;
-- st_c(payment_id): the committed state of a payment's order and of the payment, seen by ffx_setup
create function pg_temp.st_c(p_pid text) returns text
language sql as $$
  select s from dblink('ffx_setup', format(
    $q$select o.order_status || '/' || o.payment_status || '/' || o.delivery_status || ' ' || p.payment_status
                || ' ' || (select count(*) from public.delivered_accounts d where d.order_id = o.order_id)
         from public.payments p join public.orders o on o.order_id = p.order_id where p.payment_id = %L$q$, p_pid))
    as t (s text)
$$;
create function pg_temp.finished_sql(p_pid text) returns text
language sql as $$
  select format($q$select r ->> 'outcome', r ->> 'delivered' from ffx_internal.ipn_receive(%L::jsonb, 'raw') r$q$,
                (select jsonb_build_object('payment_id', p_pid::bigint, 'payment_status', 'finished',
                                           'order_id', order_id, 'price_amount', 6499, 'price_currency', 'usd',
                                           'pay_amount', 0.00656612, 'actually_paid', 0.00656612,
                                           'pay_currency', 'btc', 'updated_at', 1765249999000)
                   from dblink('ffx_setup', format('select order_id from public.payments where payment_id = %L', p_pid))
                     as t (order_id text)))
$$;

do $$ begin
  perform dblink_connect('ffx_setup', pg_temp.connstr());
  perform dblink_connect('ffx_a', pg_temp.connstr());
  perform dblink_connect('ffx_b', pg_temp.connstr());
  -- committed: user fay, three orders and two accounts of their product
  perform dblink_exec('ffx_setup', $q$
    insert into auth.users (id, email) values ('f0000000-0000-4000-8000-00000000000f', 'fay@example.com');
    insert into public.orders (user_id, account_type, account_size, platform_type)
    select 'f0000000-0000-4000-8000-00000000000f', 'two_step', 200000, 'mt5' from generate_series(1, 3);
    insert into public.account_container (account_size, platform_type, server_name, login_id, password)
    values (200000, 'mt5', 'FlashFundX-Reconcile', 'rec-1', 'pw-rec-1'), (200000, 'mt5', 'FlashFundX-Reconcile', 'rec-2', 'pw-rec-2');
    -- order 1: two payments due for a poll (unchanged for an hour, expiration ahead)
    insert into public.payments (payment_id, order_id, user_id, payment_status, price_amount, price_currency, raw, updated_at)
    select p, (select min(order_id) from public.orders where user_id = 'f0000000-0000-4000-8000-00000000000f'),
           'f0000000-0000-4000-8000-00000000000f', 'waiting', 6499, 'usd',
           jsonb_build_object('expiration_estimate_date', to_char((now() + interval '1 hour') at time zone 'UTC',
                                                                  'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
           now() - interval '1 hour'
      from unnest(array['6001', '6002']) p;
    -- orders 2 and 3: one stale waiting payment each (their expiration passed)
    insert into public.payments (payment_id, order_id, user_id, payment_status, price_amount, price_currency, raw)
    select p, o, 'f0000000-0000-4000-8000-00000000000f', 'waiting', 6499, 'usd',
           '{"expiration_estimate_date": "2020-01-01T00:00:00.000Z"}'
      from (select order_id o, row_number() over (order by order_id) n
              from public.orders where user_id = 'f0000000-0000-4000-8000-00000000000f') x
      join (values (2, '6003'), (3, '6004')) v (n, p) using (n)
  $q$);
end $$;

-- two reconcilers at once: A claims one payment and keeps its transaction open; B neither waits
-- nor gets it
select pg_temp.open('ffx_a');
select pg_temp.open('ffx_b');
create temp table claim_a as select * from dblink('ffx_a', 'select payment_id from ffx_internal.reconcile_due_payments(1, 600)') as t (payment_id text);
create temp table claim_b as select * from dblink('ffx_b', 'select payment_id from ffx_internal.reconcile_due_payments(10, 600)') as t (payment_id text);
select results_eq(
  $$select (select count(*) from claim_a), (select count(*) from claim_b),
           (select array_agg(payment_id order by payment_id) from (table claim_a union all table claim_b) c)$$,
  $$values (1::bigint, 1::bigint, array['6001', '6002'])$$,
  'two reconcilers at once: each payment is claimed by exactly one of them, without waiting');
do $$ begin
  perform dblink_exec('ffx_a', 'rollback');
  perform dblink_exec('ffx_b', 'rollback');
end $$;

-- a late finished first: A applies it and holds the order; B's expiry pass skips the order
-- (SKIP LOCKED, no wait); after A's commit the order has a finished payment and is never expired
select pg_temp.open('ffx_a');
select pg_temp.open('ffx_b');
select results_eq(format('select * from dblink(%L, %L) as t (outcome text, delivered text)', 'ffx_a', pg_temp.finished_sql('6003')),
  $$values ('processed', 'true')$$, 'finished first: A delivers and keeps the order locked');
select is((select n from dblink('ffx_b', $q$select ffx_internal.expire_stale_orders('0 seconds')$q$) as t (n int)), 1,
  'B''s expiry pass at the same time does not wait and leaves the locked order alone (it expires only the other one)');
do $$ begin
  perform dblink_exec('ffx_b', 'rollback');
  perform dblink_exec('ffx_a', 'commit');
end $$;
select pg_temp.open('ffx_b');
select is((select n from dblink('ffx_b', $q$select ffx_internal.expire_stale_orders('0 seconds')$q$) as t (n int)), 1,
  'after A''s commit the expiry pass sees the finished payment: again only the other order expires');
select dblink_exec('ffx_b', 'rollback');
select is(pg_temp.st_c('6003'), 'completed/paid/delivered finished 1', 'finished first: delivered once, never expired');

-- the expiry first: A expires the order and holds it; B's late finished waits for the lock, then
-- finds the payment expired and takes the allowed expired -> finished: paid and delivered
select pg_temp.open('ffx_a');
select pg_temp.open('ffx_b');
select is((select n from dblink('ffx_a', $q$select ffx_internal.expire_stale_orders('0 seconds')$q$) as t (n int)), 1,
  'expiry first: A fails the order and keeps it locked');
select dblink_send_query('ffx_b', pg_temp.finished_sql('6004'));
select pg_sleep(0.3);
select is(dblink_is_busy('ffx_b'), 1, 'B''s finished IPN waits for the order''s lock');
select dblink_exec('ffx_a', 'commit');
select results_eq($$select * from dblink_get_result('ffx_b') as t (outcome text, delivered text)$$,
  $$values ('processed', 'true')$$, 'once A committed, the late finished is applied and delivers');
select * from dblink_get_result('ffx_b') as t (outcome text, delivered text);
select dblink_exec('ffx_b', 'commit');
select is(pg_temp.st_c('6004'), 'completed/paid/delivered finished 1',
  'expiry first, then the late payment: expired -> finished, delivered once');
select is((select s from dblink('ffx_setup', $q$
             select string_agg(event_type, ',' order by created_at, event_type) from public.payment_transactions
              where provider_transaction_id = '6004'$q$) as t (s text)),
  'reconcile_expiry_expired,ipn_finished',
  'both events are recorded for the order: the expiry and the late finished');

do $do$ begin
  -- the append-only audit log refuses deletes through its triggers; these rows are this test's
  perform dblink_exec('ffx_setup', $q$
    set session_replication_role = replica;
    delete from public.admin_audit_log
     where record_id in (select order_id from public.orders where user_id = 'f0000000-0000-4000-8000-00000000000f')
        or record_id in ('6001', '6002', '6003', '6004');
    set session_replication_role = origin;
    delete from public.email_outbox where order_id in (select order_id from public.orders where user_id = 'f0000000-0000-4000-8000-00000000000f');
    delete from public.delivered_accounts where user_id = 'f0000000-0000-4000-8000-00000000000f';
    delete from public.payment_transactions where user_id = 'f0000000-0000-4000-8000-00000000000f';
    delete from public.ipn_events where payment_id in ('6001', '6002', '6003', '6004');
    delete from public.payments where user_id = 'f0000000-0000-4000-8000-00000000000f';
    delete from public.orders where user_id = 'f0000000-0000-4000-8000-00000000000f';
    delete from public.account_container where server_name = 'FlashFundX-Reconcile';
    delete from auth.users where id = 'f0000000-0000-4000-8000-00000000000f'
  $q$);
  perform dblink_disconnect('ffx_setup');
  perform dblink_disconnect('ffx_a');
  perform dblink_disconnect('ffx_b');
end $do$;
select is((select count(*) from dblink(pg_temp.connstr(),
            $$select 1 from auth.users where id = 'f0000000-0000-4000-8000-00000000000f'
              union all select 1 from public.account_container where server_name = 'FlashFundX-Reconcile'
              union all select 1 from public.admin_audit_log where record_id in ('6001', '6002', '6003', '6004')$$) as t (x int)),
  0::bigint, 'the committed fixtures are gone again');

select * from finish();
rollback;
