-- The payment state machine: ipn_receive -> ipn_events -> payment_apply, run the way
-- payment-webhook runs it:
--   select set_config('request.jwt.claims', '{"role":"service_role"}', true);
--   set local role service_role;
--   select ffx_internal.ipn_receive(<verified body>::jsonb, 'raw' | 'canonical');
-- Users: alice (a...a) and bob (b...b) are customers; ops (ad...ad) carries app_metadata.role=admin.
-- Prices come from the pricing trigger: one_step 10000 = 649.
begin;
select plan(108);

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{"first_name": "Bob"}',   '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');

-- plenty of stock for one_step 10000 mt4, the product of every order below
insert into public.account_container (account_size, platform_type, server_name, login_id, password, investor_password, created_at)
select 10000, 'mt4', 'FlashFundX-Live01', (100000 + g)::text, 'pw-' || g, 'inv-' || g, now() - make_interval(mins => 100 - g)
  from generate_series(1, 40) g;

-- orders by name (order ids are drawn by the server); readable by every role
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
  'map_waiting', 'map_confirming', 'map_confirmed', 'map_sending', 'map_partially_paid', 'map_finished',
  'map_failed', 'map_expired', 'map_refunded', 'mono1', 'mono2', 'mono3', 'dup', 'kid', 'inv', 'late',
  'alive', 'refund', 'mis', 'mis_cur', 'broken', 'poll', 'adopt']) n;
update public.orders set invoice_id = '7001001' where order_id = pg_temp.ord('inv');

-- every notification gets a later updated_at (epoch ms), as NOWPayments' do
create temp sequence upd start 1765249461000;
grant usage on sequence upd to public;

-- ipn(payment_id, status, order name or NULL, overrides): an IPN body as NOWPayments sends it,
-- for the order's price in usd unless overridden
create function pg_temp.ipn(p_pid bigint, p_status text, p_order text, p_over jsonb default '{}') returns jsonb
language sql as $$
  select jsonb_build_object(
           'payment_id', p_pid, 'payment_status', p_status, 'order_id', pg_temp.ord(p_order),
           'parent_payment_id', null, 'invoice_id', null, 'pay_address', 'addr-' || p_pid,
           'pay_amount', 0.00656612, 'pay_currency', 'btc', 'price_amount', 649, 'price_currency', 'usd',
           'actually_paid', case when p_status in ('finished', 'confirmed', 'sending', 'refunded') then 0.00656612
                                 when p_status = 'partially_paid' then 0.00328306 else 0 end,
           'actually_paid_at_fiat', 0, 'outcome_amount', 0.0065, 'outcome_currency', 'btc',
           'order_description', 'FlashFundX one_step 10000 MT4', 'purchase_id', '5172103429',
           'updated_at', nextval('pg_temp.upd'))
         || p_over
$$;

create function pg_temp.recv(p jsonb) returns jsonb
language sql as $$ select ffx_internal.ipn_receive(p, 'raw') $$;

-- st(name): order_status/payment_status/delivery_status, plus " !reason" when flagged
create function pg_temp.st(p_name text) returns text
language sql stable as $$
  select o.order_status || '/' || o.payment_status || '/' || o.delivery_status || coalesce(' !' || o.needs_attention, '')
    from public.orders o where o.order_id = pg_temp.ord(p_name)
$$;

create function pg_temp.pay(p_pid text) returns text
language sql stable as $$
  select p.payment_status || case when p.needs_review then ' review' else '' end
    from public.payments p where p.payment_id = p_pid
$$;

create function pg_temp.delivered(p_name text) returns bigint
language sql stable as $$ select count(*) from public.delivered_accounts d where d.order_id = pg_temp.ord(p_name) $$;

create function pg_temp.event(p_pid text, p_status text) returns text
language sql stable as $$
  select string_agg(e.state || ':' || e.attempts, ',' order by e.id)
    from public.ipn_events e where e.payment_id = p_pid and e.payment_status = p_status
$$;

-- ==============================================================================================
-- structure and privileges
-- ==============================================================================================
select has_table('public', 'ipn_events', 'table ipn_events exists');
select results_eq(
  $$select a.attname::text collate "default", format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity::text,
           pg_get_expr(d.adbin, d.adrelid) collate "default"
      from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where a.attrelid = 'public.ipn_events'::regclass and a.attnum > 0 and not a.attisdropped
     order by a.attnum$$,
  $$values ('id', 'bigint', true, 'a', null::text),
           ('received_at', 'timestamp with time zone', true, '', 'now()'),
           ('dedupe_key', 'text', true, '', null),
           ('payment_id', 'text', true, '', null),
           ('payment_status', 'text', true, '', null),
           ('order_id', 'text', false, '', null),
           ('parent_payment_id', 'text', false, '', null),
           ('invoice_id', 'text', false, '', null),
           ('payload', 'jsonb', true, '', null),
           ('signature', 'text', false, '', null),
           ('state', 'text', true, '', '''pending''::text'),
           ('matched_order_id', 'text', false, '', null),
           ('attempts', 'integer', true, '', '0'),
           ('last_error', 'text', false, '', null),
           ('processed_at', 'timestamp with time zone', false, '', null),
           -- the reconciler's retry time
           ('next_retry_at', 'timestamp with time zone', false, '', null)$$,
  'ipn_events has exactly the documented columns, types, nullability and defaults');
select col_is_unique('public', 'ipn_events', 'dedupe_key', 'ipn_events.dedupe_key is unique');
select has_index('public', 'ipn_events', 'ipn_events_state_received_at_idx', array['state', 'received_at'],
  'index ipn_events(state, received_at)');
select has_index('public', 'ipn_events', 'ipn_events_payment_id_idx', array['payment_id'], 'index ipn_events(payment_id)');
select ok((select relrowsecurity from pg_class where oid = 'public.ipn_events'::regclass), 'RLS is enabled on ipn_events');
select table_privs_are('public', 'ipn_events', 'anon', '{}'::text[], 'anon has no privilege on ipn_events');
select table_privs_are('public', 'ipn_events', 'authenticated', array['SELECT'],
  'authenticated may only read ipn_events (and the policy shows admins only)');
select table_privs_are('public', 'ipn_events', 'service_role', array['SELECT'],
  'service_role may only read ipn_events (ipn_receive and the reprocessors write it)');
select results_eq(
  $$select c.table_name::text collate "default", c.column_name::text collate "default", c.data_type::text collate "default",
           c.is_nullable::text collate "default", c.column_default::text collate "default"
      from information_schema.columns c
     where c.table_schema = 'public' and (c.table_name, c.column_name) in (('orders', 'needs_attention'), ('payments', 'needs_review'))
     order by 1$$,
  $$values ('orders', 'needs_attention', 'text', 'YES', null::text), ('payments', 'needs_review', 'boolean', 'NO', 'false')$$,
  'orders.needs_attention (nullable text) and payments.needs_review (boolean, default false) exist');
select results_eq(
  $$select s, ffx_internal.payment_status_rank(s)
      from unnest(array['waiting', 'confirming', 'confirmed', 'sending', 'partially_paid', 'finished', 'failed',
                        'expired', 'refunded', 'cancelled']) s$$,
  $$values ('waiting', 1), ('confirming', 2), ('confirmed', 3), ('sending', 4), ('partially_paid', 5),
           ('finished', 6), ('failed', 7), ('expired', 7), ('refunded', 8), ('cancelled', 0)$$,
  'payment_status_rank orders the NOWPayments statuses');
select results_eq(
  $$select p.proname::text collate "default", p.prosecdef, p.proconfig = array['search_path=""'], p.prorettype = 'jsonb'::regtype
      from pg_proc p
     where p.oid in ('ffx_internal.payment_apply(jsonb, text)'::regprocedure, 'ffx_internal.ipn_receive(jsonb, text)'::regprocedure,
                     'ffx_internal.ipn_reprocess(bigint)'::regprocedure)
     order by 1$$,
  $$values ('ipn_receive', true, true, true), ('ipn_reprocess', true, true, true), ('payment_apply', true, true, true)$$,
  'ipn_receive, ipn_reprocess, payment_apply: SECURITY DEFINER, search_path pinned to empty, return jsonb');
select is(
  array(select f || ':' || r
          from unnest(array['payment_apply(jsonb, text)', 'ipn_receive(jsonb, text)', 'ipn_reprocess(bigint)',
                            'ipn_process_event(bigint)', 'deliver_account_to_user(text, uuid)',
                            'deliver_account_core(text, uuid, text)', 'deliver_waiting_orders(integer, text)',
                            'deliver_waiting_core(integer, text, text)', 'account_container_stock_arrived()',
                            'provider_timestamp(text)']) f,
               unnest(array['public', 'anon', 'authenticated', 'service_role']) r
         where has_function_privilege(r, 'ffx_internal.' || f, 'EXECUTE')
         order by 1),
  array['deliver_account_to_user(text, uuid):authenticated', 'deliver_account_to_user(text, uuid):service_role',
        'deliver_waiting_orders(integer, text):authenticated', 'deliver_waiting_orders(integer, text):service_role',
        'ipn_receive(jsonb, text):service_role', 'ipn_reprocess(bigint):authenticated',
        'ipn_reprocess(bigint):service_role', 'payment_apply(jsonb, text):service_role'],
  'EXECUTE: payment_apply and ipn_receive service_role only; the admin entry points authenticated and service_role; the cores nobody');
select ok(
  ffx_internal.ipn_dedupe_key('{"payment_id": 5800567260, "payment_status": "finished", "updated_at": 1765249461097, "actually_paid": 0.00656612, "outcome_amount": 0.00022187}')
    = ffx_internal.ipn_dedupe_key('{"outcome_amount": 0.00022187, "actually_paid": 0.00656612, "updated_at": 1765249461097, "payment_status": "finished", "payment_id": "5800567260"}')
  and ffx_internal.ipn_dedupe_key('{"payment_id": 5800567260, "payment_status": "finished", "updated_at": 1765249461097, "actually_paid": 0.00656612, "outcome_amount": 0.00022187}')
    = '5800567260:finished:1765249461097:0.00656612:0.00022187',
  'the dedupe key ignores key order and the type of payment_id');

-- ==============================================================================================
-- anon and customers cannot reach the state machine
-- ==============================================================================================
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;
select throws_ok($$select ffx_internal.ipn_receive('{"payment_id": 1, "payment_status": "finished"}', 'raw')$$, '42501', null,
  'anon cannot execute ipn_receive');
select throws_ok($$select ffx_internal.payment_apply('{"payment_id": 1, "payment_status": "finished"}', 'ipn')$$, '42501', null,
  'anon cannot execute payment_apply');

reset role;
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;
select throws_ok(format($$select ffx_internal.ipn_receive(%L, 'raw')$$, pg_temp.ipn(1, 'finished', 'map_finished')), '42501', null,
  'a customer cannot execute ipn_receive');
select throws_ok(format($$select ffx_internal.payment_apply(%L, 'ipn')$$, pg_temp.ipn(1, 'finished', 'map_finished')), '42501', null,
  'a customer cannot execute payment_apply');
select throws_ok('select ffx_internal.ipn_reprocess(1)', 'FF403', 'Unauthorized', 'a customer cannot reprocess events');

-- ==============================================================================================
-- service_role: the webhook
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;

-- the webhook stores and applies only through ipn_receive (SECURITY DEFINER), never directly
select throws_ok($$insert into public.ipn_events (payment_id, payload, signature) values ('1', '{}', 'raw')$$,
  '42501', null, 'service_role cannot insert into ipn_events');
select throws_ok($$update public.ipn_events set state = 'processed'$$, '42501', null,
  'service_role cannot update ipn_events');
select throws_ok($$select ffx_internal.ipn_receive('{"payment_status": "finished"}', 'raw')$$, 'FF400', 'Invalid payload',
  'a body without payment_id is refused before anything is stored');

-- every status of the mapping, each on a fresh order -----------------------------------------
select is(pg_temp.recv(pg_temp.ipn(1001, 'waiting', 'map_waiting')) ->> 'outcome', 'processed', 'waiting: processed');
select is(pg_temp.st('map_waiting'), 'processing/pending/pending', 'waiting -> processing/pending');
select pg_temp.recv(pg_temp.ipn(1002, 'confirming', 'map_confirming'));
select is(pg_temp.st('map_confirming'), 'processing/pending/pending', 'confirming -> processing/pending');
select pg_temp.recv(pg_temp.ipn(1003, 'confirmed', 'map_confirmed'));
select is(pg_temp.st('map_confirmed'), 'processing/pending/pending', 'confirmed -> processing/pending (not paid yet), no delivery');
select pg_temp.recv(pg_temp.ipn(1004, 'sending', 'map_sending'));
select is(pg_temp.st('map_sending'), 'processing/pending/pending', 'sending -> processing/pending (not paid yet), no delivery');
select pg_temp.recv(pg_temp.ipn(1005, 'partially_paid', 'map_partially_paid'));
select is(pg_temp.st('map_partially_paid'), 'processing/pending/pending !partially_paid',
  'partially_paid -> processing/pending, flagged partially_paid');
select results_eq(
  $$select r ->> 'outcome', r ->> 'order_status', r ->> 'payment_status', r ->> 'delivery_status', (r ->> 'delivered')::boolean,
           (r ->> 'changed')::boolean, r ->> 'order_id'
      from pg_temp.recv(pg_temp.ipn(1006, 'finished', 'map_finished')) r$$,
  format($$values ('processed', 'completed', 'paid', 'delivered', true, true, %L)$$, pg_temp.ord('map_finished')),
  'finished: the answer says processed, completed/paid/delivered, delivered now');
select is(pg_temp.st('map_finished'), 'completed/paid/delivered', 'finished -> completed/paid/delivered');
select is(pg_temp.delivered('map_finished'), 1::bigint, 'finished delivered one account');
select pg_temp.recv(pg_temp.ipn(1007, 'failed', 'map_failed'));
select is(pg_temp.st('map_failed'), 'failed/failed/pending', 'failed -> failed/failed');
select pg_temp.recv(pg_temp.ipn(1008, 'expired', 'map_expired'));
select is(pg_temp.st('map_expired'), 'failed/failed/pending', 'expired -> failed/failed');
select pg_temp.recv(pg_temp.ipn(1009, 'refunded', 'map_refunded'));
select is(pg_temp.st('map_refunded'), 'refunded/refunded/pending', 'refunded -> refunded/refunded');
select is(pg_temp.delivered('map_confirmed') + pg_temp.delivered('map_sending') + pg_temp.delivered('map_partially_paid'),
  0::bigint, 'nothing but finished delivers');
select results_eq(
  $$select e.state, e.matched_order_id, e.attempts, e.signature, e.processed_at is not null, e.order_id,
           e.dedupe_key = ffx_internal.ipn_dedupe_key(e.payload)
      from public.ipn_events e where e.payment_id = '1006'$$,
  format($$values ('processed', %L, 1, 'raw', true, %L, true)$$, pg_temp.ord('map_finished'), pg_temp.ord('map_finished')),
  'the inbox row: processed, matched to its order, one attempt, signature form and dedupe key stored');
select results_eq(
  $$select p.order_id, p.user_id, p.payment_status, p.price_amount, p.price_currency, p.actually_paid, p.pay_currency,
           p.provider_updated_at is not null, p.raw ->> 'purchase_id'
      from public.payments p where p.payment_id = '1006'$$,
  format($$values (%L, 'a0000000-0000-4000-8000-00000000000a'::uuid, 'finished', 649.00::numeric(12,2), 'usd',
                   0.00656612::numeric, 'btc', true, '5172103429')$$, pg_temp.ord('map_finished')),
  'the payments row is recorded with the order''s user, amounts, epoch-ms updated_at and the raw body');

-- payment_transactions and audit rows for one order's life ------------------------------------
select pg_temp.recv(pg_temp.ipn(2001, 'waiting', 'mono1'));
select pg_temp.recv(pg_temp.ipn(2001, 'confirming', 'mono1'));
select pg_temp.recv(pg_temp.ipn(2001, 'finished', 'mono1', '{"actually_paid": 0.00658}'));

-- monotonic: finished, then a late confirming changes nothing ---------------------------------
select results_eq(
  $$select r ->> 'outcome', (r ->> 'changed')::boolean, (r ->> 'delivered')::boolean, r ->> 'order_status'
      from pg_temp.recv(pg_temp.ipn(2001, 'confirming', 'mono1', '{"actually_paid": 0}')) r$$,
  $$values ('processed', false, false, 'completed')$$,
  'a confirming after finished is processed but changes nothing');
select is(pg_temp.st('mono1'), 'completed/paid/delivered', 'the order stays completed/paid/delivered');
select is(pg_temp.pay('2001'), 'finished', 'the payment stays finished');
select is((select actually_paid from public.payments where payment_id = '2001'), 0.00658::numeric,
  'the late event does not overwrite the finished amounts');
select is(pg_temp.delivered('mono1'), 1::bigint, 'still exactly one delivered account');
select results_eq(
  $$select event_type, status, transaction_type, provider_transaction_id, amount, currency
      from public.payment_transactions where order_id = pg_temp.ord('mono1') order by created_at, event_type$$,
  -- one transaction: created_at is the same instant for all; ordered by event_type
  $$values ('ipn_confirming', 'processing', 'payment', '2001', 649::numeric(20,8), 'usd'),
           ('ipn_confirming', 'processing', 'payment', '2001', 649::numeric(20,8), 'usd'),
           ('ipn_finished', 'completed', 'payment', '2001', 649::numeric(20,8), 'usd'),
           ('ipn_waiting', 'pending', 'payment', '2001', 649::numeric(20,8), 'usd')$$,
  'one payment_transactions row per event, the ignored one included');
select results_eq(
  $$select action_type, old_values ->> 'order_status', new_values ->> 'order_status', new_values ->> 'provider_status'
      from public.admin_audit_log where record_id in (pg_temp.ord('mono1'), '2001') order by id$$,
  $$values ('payment_status_changed', 'pending', 'processing', 'waiting'),
           ('account_delivered', 'processing', 'completed', null),
           ('payment_status_changed', 'processing', 'completed', 'finished'),
           ('payment_event_ignored', null, null, 'confirming')$$,
  'audit: a row per order change (confirming changed nothing), the delivery, and the ignored regression');

-- waiting after confirmed changes nothing ---------------------------------------------------
select pg_temp.recv(pg_temp.ipn(2002, 'confirmed', 'mono2'));
select is((pg_temp.recv(pg_temp.ipn(2002, 'waiting', 'mono2')) ->> 'changed')::boolean, false,
  'waiting after confirmed: changed false');
select is(pg_temp.st('mono2') || ' ' || pg_temp.pay('2002'), 'processing/pending/pending confirmed',
  'waiting after confirmed: order and payment unchanged');

-- a payment that ends partially_paid after confirmed: the order is not paid after all -----------
select pg_temp.recv(pg_temp.ipn(2003, 'confirmed', 'mono3'));
select pg_temp.recv(pg_temp.ipn(2003, 'partially_paid', 'mono3'));
select is(pg_temp.st('mono3'), 'processing/pending/pending !partially_paid',
  'confirmed then partially_paid: processing/pending, flagged');

-- duplicates ------------------------------------------------------------------------------------
create temp table dupbody as select pg_temp.ipn(3001, 'finished', 'dup') as b;
grant select on dupbody to public;
select is(pg_temp.recv((select b from dupbody)) ->> 'outcome', 'processed', 'first delivery of a finished IPN: processed');
select is(pg_temp.recv((select b from dupbody)) ->> 'outcome', 'duplicate', 'the same IPN again: duplicate');
select is(pg_temp.recv((select jsonb_set(b, '{payment_id}', to_jsonb((b ->> 'payment_id')::text)) from dupbody)) ->> 'outcome',
  'duplicate', 'the same IPN with payment_id as a string: duplicate');
select is(ffx_internal.ipn_receive(
            (select ('{' || string_agg(to_json(k)::text || ':' || v::text, ',' order by k desc) || '}')::jsonb
               from dupbody, jsonb_each(b) as e (k, v)), 'canonical') ->> 'outcome',
  'duplicate', 'the same IPN with its keys in another order (canonical signature): duplicate');
select is((select count(*) from public.ipn_events where payment_id = '3001'), 1::bigint, 'one inbox row for the duplicates');
select results_eq(
  $$select (select count(*) from public.delivered_accounts where order_id = pg_temp.ord('dup')),
           (select count(*) from public.email_outbox where order_id = pg_temp.ord('dup')),
           (select count(*) from public.payment_transactions where order_id = pg_temp.ord('dup'))$$,
  $$values (1::bigint, 1::bigint, 1::bigint)$$,
  'duplicates deliver once, e-mail once, record once');

-- unmatched -------------------------------------------------------------------------------------
select is(pg_temp.recv(pg_temp.ipn(4001, 'finished', null, '{"order_id": "FFX000000000"}')) ->> 'outcome', 'unmatched',
  'an unknown order_id: unmatched');
select is(pg_temp.recv(pg_temp.ipn(4002, 'finished', null, '{"parent_payment_id": 4999}')) ->> 'outcome', 'unmatched',
  'a child (order_id null) of an unknown parent: unmatched');
select results_eq(
  $$select payment_id, state, matched_order_id, attempts, processed_at is not null
      from public.ipn_events where payment_id in ('4001', '4002') order by payment_id$$,
  $$values ('4001', 'unmatched', null::text, 1, true), ('4002', 'unmatched', null::text, 1, true)$$,
  'unmatched events are stored as unmatched');
select is((select count(*) from public.payments where payment_id in ('4001', '4002')), 0::bigint,
  'an unmatched event writes no payment');

-- a child payment is matched through its parent -----------------------------------------------
select pg_temp.recv(pg_temp.ipn(5001, 'finished', 'kid'));
select results_eq(
  $$select r ->> 'outcome', r ->> 'order_id' from pg_temp.recv(pg_temp.ipn(5002, 'confirming', null, '{"parent_payment_id": 5001}')) r$$,
  format($$values ('processed', %L)$$, pg_temp.ord('kid')),
  'a child with order_id null is matched through parent_payment_id');
select results_eq(
  $$select p.order_id, p.parent_payment_id, e.matched_order_id
      from public.payments p join public.ipn_events e on e.payment_id = p.payment_id
     where p.payment_id = '5002'$$,
  format($$values (%L, '5001', %L)$$, pg_temp.ord('kid'), pg_temp.ord('kid')),
  'the child payment is stored for the parent''s order');
select is(pg_temp.st('kid'), 'completed/paid/delivered', 'a child confirming does not move a delivered order');

-- a child finished after delivery: no second account, flagged for refund review
select is(pg_temp.recv(pg_temp.ipn(5003, 'finished', null, '{"parent_payment_id": 5001, "price_amount": 649}')) ->> 'delivered',
  'false', 'child finished after delivery: not delivered');
select is(pg_temp.delivered('kid'), 1::bigint, 'still one delivered account for the order');
select is(pg_temp.pay('5003'), 'finished review', 'the child payment needs review');
select is(pg_temp.st('kid'), 'completed/paid/delivered !second_payment_refund_review',
  'the order stays completed and is flagged second_payment_refund_review');
select is((select count(*) from public.email_outbox where order_id = pg_temp.ord('kid')), 1::bigint, 'and gets no second e-mail');
-- the refund of that child closes the review and does not touch the order
select pg_temp.recv(pg_temp.ipn(5003, 'refunded', null, '{"parent_payment_id": 5001}'));
select is(pg_temp.st('kid') || ' ' || pg_temp.pay('5003'), 'completed/paid/delivered refunded',
  'refunding the extra child payment clears the flag and leaves the order delivered');
select is((select account_status from public.delivered_accounts where order_id = pg_temp.ord('kid')), 'active',
  'the delivered account stays active');

-- matched by invoice_id -------------------------------------------------------------------------
select is(pg_temp.recv(pg_temp.ipn(5101, 'confirming', null, '{"invoice_id": 7001001}')) ->> 'order_id', pg_temp.ord('inv'),
  'order_id null, no parent: matched through orders.invoice_id');

-- late payment: expired, then finished ----------------------------------------------------------
select pg_temp.recv(pg_temp.ipn(6001, 'expired', 'late'));
select is(pg_temp.st('late'), 'failed/failed/pending', 'expired: the order failed');
select is((pg_temp.recv(pg_temp.ipn(6001, 'finished', 'late')) ->> 'delivered')::boolean, true,
  'finished after expired is a late payment and is honoured');
select is(pg_temp.st('late') || ' ' || pg_temp.pay('6001'), 'completed/paid/delivered finished',
  'late payment: completed/paid/delivered');

-- a failed payment does not fail an order another payment is still paying --------------------
select pg_temp.recv(pg_temp.ipn(6101, 'waiting', 'alive'));
select pg_temp.recv(pg_temp.ipn(6102, 'confirming', 'alive'));
select pg_temp.recv(pg_temp.ipn(6101, 'failed', 'alive'));
select is(pg_temp.st('alive'), 'processing/pending/pending', 'failed with another active payment: the order is not failed');
select pg_temp.recv(pg_temp.ipn(6102, 'expired', 'alive'));
select is(pg_temp.st('alive'), 'failed/failed/pending', 'the last active payment expires: now the order fails');

-- refund after delivery -------------------------------------------------------------------------
select pg_temp.recv(pg_temp.ipn(6201, 'finished', 'refund'));
select is(pg_temp.st('refund'), 'completed/paid/delivered', 'delivered before the refund');
select is(pg_temp.recv(pg_temp.ipn(6201, 'refunded', 'refund')) ->> 'order_status', 'refunded', 'refunded answers refunded');
select is(pg_temp.st('refund'), 'refunded/refunded/delivered', 'refunded after delivery: refunded/refunded');
select is((select account_status from public.delivered_accounts where order_id = pg_temp.ord('refund')), 'suspended',
  'and the delivered account is suspended');
select results_eq(
  $$select transaction_type, status from public.payment_transactions
     where order_id = pg_temp.ord('refund') and event_type = 'ipn_refunded'$$,
  $$values ('refund', 'completed')$$,
  'the refund is recorded as a refund transaction');
-- once refunded nothing moves
select pg_temp.recv(pg_temp.ipn(6201, 'finished', 'refund'));
select is(pg_temp.st('refund') || ' ' || pg_temp.pay('6201'), 'refunded/refunded/delivered refunded',
  'a replayed finished after the refund moves nothing');
select pg_temp.recv(pg_temp.ipn(6202, 'finished', 'refund'));
select is(pg_temp.st('refund') || ' ' || pg_temp.pay('6202') || ' ' || pg_temp.delivered('refund'),
  'refunded/refunded/delivered !second_payment_refund_review finished review 1',
  'a new payment after the refund: no delivery, flagged for review, the order stays refunded');

-- price mismatch --------------------------------------------------------------------------------
select is((pg_temp.recv(pg_temp.ipn(6301, 'finished', 'mis', '{"price_amount": 600}')) ->> 'delivered')::boolean, false,
  'finished for the wrong price: not delivered');
select is(pg_temp.st('mis') || ' ' || pg_temp.pay('6301'), 'processing/pending/pending !price_mismatch finished',
  'wrong price: held (processing/pending, not paid), flagged price_mismatch');
select ok((select paid_at is null from public.orders where order_id = pg_temp.ord('mis'))
          and not exists (select 1 from public.orders_waiting_for_stock where order_id = pg_temp.ord('mis')),
  'a price mismatch is not settled: no paid_at, not waiting for stock');
select pg_temp.recv(pg_temp.ipn(6302, 'finished', 'mis_cur', '{"price_currency": "eur"}'));
select is(pg_temp.st('mis_cur') || ' ' || pg_temp.delivered('mis_cur'), 'processing/pending/pending !price_mismatch 0',
  'the right amount in another currency is a mismatch too');
-- a correct payment afterwards (e.g. the customer paid again) does pay the order
select pg_temp.recv(pg_temp.ipn(6303, 'finished', 'mis'));
select is(pg_temp.st('mis') || ' ' || pg_temp.delivered('mis') || ' ' || pg_temp.pay('6301'),
  'completed/paid/delivered !second_payment_refund_review 1 finished review',
  'a later finished payment of the right price delivers; the mismatched money goes to refund review');

-- a payment already recorded for another order is refused (the event fails for review) --------
select is(pg_temp.recv(pg_temp.ipn(6201, 'refunded', 'map_waiting', '{"updated_at": 1}')) ->> 'outcome', 'failed',
  'a payment reported for another order than its own: failed');
select matches((select last_error from public.ipn_events where payment_id = '6201' and payment_status = 'refunded'
                  and payload ->> 'updated_at' = '1'),
  '^22023: payment_apply: payment 6201 belongs to order FFX\d{9}, not FFX\d{9}$', 'with the reason');

-- a failing apply: stored as failed, retried by ipn_reprocess --------------------------------
create temp table broken as select pg_temp.ipn(6401, 'finished', 'broken', '{"price_amount": "abc"}') as b;
grant select on broken to public;
select results_eq(
  $$select r ->> 'outcome', r ->> 'error' from pg_temp.recv((select b from broken)) r$$,
  $$values ('failed', 'invalid input syntax for type numeric: "abc"')$$,
  'an apply that raises: outcome failed');
select results_eq(
  $$select state, attempts, last_error, processed_at from public.ipn_events where payment_id = '6401'$$,
  $$values ('failed', 1, '22P02: invalid input syntax for type numeric: "abc"', null::timestamptz)$$,
  'the event stays stored as failed, with one attempt and the error');
select is(pg_temp.st('broken') || ' ' || coalesce(pg_temp.pay('6401'), 'no payment'), 'pending/pending/pending no payment',
  'nothing of the failed apply remains');
select is(pg_temp.recv((select b from broken)) ->> 'outcome', 'duplicate', 'a retry of the same body is a duplicate (stored already)');

select is(ffx_internal.ipn_reprocess((select id from public.ipn_events where payment_id = '6401')) ->> 'outcome', 'failed',
  'service_role reprocesses it: still failing');
select is(pg_temp.event('6401', 'finished'), 'failed:2', 'attempts counted');

-- an operator repairs the stored body; an admin reprocesses it
reset role;
update public.ipn_events set payload = payload || '{"price_amount": 649}' where payment_id = '6401';
select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;
select is((select count(*) from public.ipn_events where state = 'failed'), 2::bigint, 'an admin sees the failed events');
select results_eq(
  $$select r ->> 'outcome', (r ->> 'delivered')::boolean from ffx_internal.ipn_reprocess((select id from public.ipn_events where payment_id = '6401')) r$$,
  $$values ('processed', true)$$,
  'an admin reprocesses the repaired event: processed and delivered');
select is(pg_temp.event('6401', 'finished'), 'processed:3', 'the event is processed after three attempts');
select is(pg_temp.st('broken'), 'completed/paid/delivered', 'the order is delivered');
select throws_ok(format('select ffx_internal.ipn_reprocess(%s)', (select id from public.ipn_events where payment_id = '6401')),
  'FF409', 'Event already processed', 'a processed event is not run again');
select throws_ok('select ffx_internal.ipn_reprocess(-1)', 'FF404', 'Event not found', 'an unknown event: FF404');
select is((select count(*) from public.admin_audit_log where action_type = 'ipn_reprocessed' and admin_id = 'ad000000-0000-4000-8000-0000000000ad'),
  1::bigint, 'the admin''s reprocess is audited');

-- the unmatched list, and a late match
select is(array(select payment_id from public.ipn_unmatched_events order by payment_id), array['4001', '4002'],
  'ipn_unmatched_events lists the unmatched events for an admin');

reset role;
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;
select is((select count(*) from public.ipn_events) + (select count(*) from public.ipn_unmatched_events), 0::bigint,
  'a customer sees no inbox rows, not even through the view');

reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;
select pg_temp.recv(pg_temp.ipn(4999, 'waiting', 'adopt'));
select is(ffx_internal.ipn_reprocess((select id from public.ipn_events where payment_id = '4002')) ->> 'order_id', pg_temp.ord('adopt'),
  'once its parent is known, reprocessing the unmatched child matches it');
select is(pg_temp.event('4002', 'finished') || ' ' || pg_temp.st('adopt'), 'processed:2 completed/paid/delivered',
  'the child paid the right price for an unpaid order: delivered');

-- the reconciler / status refresh: GET shape through payment_apply directly ---------------------
select results_eq(
  format($$select r ->> 'outcome', r ->> 'order_status', r ->> 'payment_status'
             from ffx_internal.payment_apply(%L::jsonb, 'reconcile') r$$,
         jsonb_build_object('payment_id', '6501', 'payment_status', 'confirmed', 'order_id', pg_temp.ord('poll'),
                            'invoice_id', null, 'price_amount', 649, 'price_currency', 'usd', 'pay_amount', 13.49,
                            'actually_paid', 13.49, 'pay_currency', 'usdterc20', 'created_at', '2025-08-26T16:31:32.669Z',
                            'updated_at', '2025-08-26T16:41:32.669Z')),
  $$values ('processed', 'processing', 'pending')$$,
  'payment_apply takes the GET shape (string id, ISO timestamps) from the reconciler');
select results_eq(
  $$select t.event_type, p.provider_created_at, p.provider_updated_at
      from public.payment_transactions t join public.payments p on p.payment_id = t.provider_transaction_id
     where t.provider_transaction_id = '6501'$$,
  $$values ('reconcile_confirmed', '2025-08-26T16:31:32.669Z'::timestamptz, '2025-08-26T16:41:32.669Z'::timestamptz)$$,
  'event_type is <source>_<status>; ISO timestamps are stored');
select is((select count(*) from public.ipn_events where payment_id = '6501'), 0::bigint,
  'payment_apply alone writes no inbox row');
select throws_ok($$select ffx_internal.payment_apply('{"payment_id": 1, "payment_status": "cancelled", "order_id": null}', 'reconcile')$$,
  '22023', 'payment_apply: unknown payment_status cancelled', 'an unknown status is refused');

select * from finish();
rollback;
