-- The console's money actions (sql/definitions/96_console_money.sql) through console(): each
-- action's happy path, a bad input per argument kind, the capabilities (support cannot refund,
-- finance can), one audit row per change (admin_cli_audit's rows carry the "operator" key; the
-- delivery's and payment machinery's own rows do not), the second-admin rule for large refunds,
-- partial refunds capped at what was paid, dismissed IPN events leaving the dashboard's queue
-- and metrics_gauges, the finance export's CSV.
--
-- Identities (pg_temp.act): 'admin' ops (ad..ad) and 'admin2' ann (bd..bd) with app_metadata.role
-- admin, 'finance' fin (f1..f1), 'support' sue (5e..5e), 'service' service_role with operator sam,
-- 'super' the superuser for fixtures and checks. Prices: one_step 10000 = 649, 200000 bigger.
begin;
select plan(73);
set local client_min_messages = warning;

insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a1000000-0000-4000-8000-0000000000a1', 'carol@example.com', '{"first_name": "Carol", "last_name": "Zyx"}', '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com', '{}', '{"role": "admin"}'),
  ('bd000000-0000-4000-8000-0000000000bd', 'ann@example.com', '{}', '{"role": "admin"}'),
  ('f1000000-0000-4000-8000-0000000000f1', 'fin@example.com', '{}', '{"role": "finance"}'),
  ('5e000000-0000-4000-8000-00000000005e', 'sue@example.com', '{}', '{"role": "support"}');

create function pg_temp.act(p_who text) returns void
language sql as $$
  select set_config('request.jwt.claims',
    case p_who
      when 'admin'   then '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"role":"admin"}}'
      when 'admin2'  then '{"sub":"bd000000-0000-4000-8000-0000000000bd","role":"authenticated","email":"ann@example.com","app_metadata":{"role":"admin"}}'
      when 'finance' then '{"sub":"f1000000-0000-4000-8000-0000000000f1","role":"authenticated","email":"fin@example.com","app_metadata":{"role":"finance"}}'
      when 'support' then '{"sub":"5e000000-0000-4000-8000-00000000005e","role":"authenticated","email":"sue@example.com","app_metadata":{"role":"support"}}'
      when 'service' then '{"role":"service_role","operator":"sam"}'
      else '' end, true);
  select set_config('role', case p_who when 'service' then 'service_role' when 'super' then 'none' else 'authenticated' end, true);
$$;

create function pg_temp.c(p_action text, p_args jsonb default '{}') returns jsonb
language sql as $$ select ffx_internal.console(p_action, p_args) $$;

-- a statement's SQLSTATE and message, or 'ok' (rolled back either way)
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

create temp table fx (name text primary key, order_id text);
grant select, insert on fx to public;
create function pg_temp.ord(p_name text) returns text language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;
create temp table res (name text primary key, r jsonb);
grant select, insert on res to public;
create function pg_temp.r(p_name text) returns jsonb language sql stable as $$ select r from pg_temp.res where name = p_name $$;

-- mk(name, size, state): state 'pending', 'waiting' (paid, waiting for stock) or 'completed'
create function pg_temp.mk(p_name text, p_size int, p_state text) returns void
language plpgsql as $$
declare v text;
begin
  insert into public.orders (user_id, account_type, account_size, platform_type)
  values ('a1000000-0000-4000-8000-0000000000a1', 'one_step', p_size, 'mt4') returning order_id into v;
  insert into pg_temp.fx values (p_name, v);
  update public.orders
     set order_status = case p_state when 'waiting' then 'processing' when 'completed' then 'completed' else 'pending' end,
         payment_status = case p_state when 'pending' then 'pending' else 'paid' end,
         delivery_status = case p_state when 'completed' then 'delivered' else 'pending' end,
         paid_at = case when p_state <> 'pending' then now() end,
         delivered_at = case when p_state = 'completed' then now() end
   where order_id = v;
end
$$;

-- admin_cli_audit's rows (the operator's) since the mark
create temp table mark (id bigint);
grant select, insert, delete on mark to public;
create function pg_temp.mark() returns void language sql security definer as $$
  delete from pg_temp.mark; insert into pg_temp.mark select coalesce(max(id), 0) from public.admin_audit_log $$;
create function pg_temp.cli_rows() returns text language sql stable security definer as $$
  select coalesce(string_agg(action_type || ':' || coalesce(admin_email, ''), ',' order by id), '')
    from public.admin_audit_log where id > (select id from pg_temp.mark) and new_values ? 'operator' $$;

-- fixtures ------------------------------------------------------------------------------------
select pg_temp.mk('pend', 10000, 'pending');
select pg_temp.mk('pend2', 10000, 'pending');
select pg_temp.mk('done', 10000, 'completed');
select pg_temp.mk('done2', 10000, 'completed');
select pg_temp.mk('big', 200000, 'completed');
select pg_temp.mk('wait', 100000, 'waiting');
insert into public.delivered_accounts (order_id, user_id, account_type, account_size, platform_type, server_name,
                                       login_id, password, investor_password, current_phase)
values (pg_temp.ord('done'), 'a1000000-0000-4000-8000-0000000000a1', 'one_step', 10000, 'mt4', 'S', '1', 'secret-pw', 'secret-inv', 'challenge');
insert into public.email_outbox (order_id, template_name, to_email, status, variables, last_error)
values (pg_temp.ord('done'), 'account_delivery', 'carol@example.com', 'sent', '{"password": "secret-pw", "login_id": "1"}', null),
       (pg_temp.ord('done2'), 'account_delivery', 'carol@example.com', 'failed', '{"password": "x"}', 'smtp 550');
insert into public.account_container (account_size, platform_type, server_name, login_id, password, investor_password)
values (10000, 'mt4', 'S', '501', 'p', 'i');
insert into public.ipn_events (dedupe_key, payment_id, payment_status, order_id, payload, signature, state, attempts, last_error)
values ('9001:x', '9001', 'finished', null,
        jsonb_build_object('payment_id', 9001, 'payment_status', 'finished', 'price_amount', 649, 'price_currency', 'usd',
                           'pay_amount', 0.01, 'pay_currency', 'btc', 'actually_paid', 0.01),
        'raw', 'unmatched', 1, null),
       ('9002:x', '9002', 'finished', 'FFX000000001', '{"payment_id": 9002, "payment_status": "finished", "price_amount": "n/a"}',
        'raw', 'failed', 1, '22P02: invalid input syntax for type numeric');
create function pg_temp.ev(p text) returns bigint language sql stable as $$ select id from public.ipn_events where payment_id = p $$;

-- ==============================================================================================
-- capabilities and arguments
-- ==============================================================================================
select pg_temp.act('support');
select is(pg_temp.try(format($$select pg_temp.c('orders.refund', '{"order_id": "%s", "reason": "r"}')$$, pg_temp.ord('done'))),
  'FF403', 'support may not refund (console answers FF403)');
select throws_ok(format($$select pg_temp.c('orders.refund', '{"order_id": "%s", "reason": "r"}')$$, pg_temp.ord('done')),
  'FF403', 'The support role may not orders.refund', 'with a sentence naming the role and the action');
select is(pg_temp.try($$select pg_temp.c('export.finance', '{"from": "2026-01-01", "to": "2026-01-02"}')$$), 'FF403',
  'support may not export');
select is((pg_temp.c('orders.list') ->> 'total')::int, 6, 'support reads the orders');
select pg_temp.act('super');
select is((select order_status || '/' || payment_status from public.orders where order_id = pg_temp.ord('done')), 'completed/paid',
  'the refused refund changed nothing');
select pg_temp.act('finance');
select is(pg_temp.try($$select pg_temp.c('orders.deliver', '{"order_id": "FFX000000001", "reason": "r"}')$$), 'FF403',
  'finance may not deliver (manage)');
select throws_ok($$select pg_temp.c('orders.list', '{"status": "shipped"}')$$, 'FF400',
  'status must be one of: pending, processing, completed, failed, cancelled, refunded', 'an out-of-set status is FF400');
select throws_ok($$select pg_temp.c('orders.list', '{"from": "yesterday"}')$$, 'FF400',
  'from must be a date (YYYY-MM-DD) or an ISO 8601 time', 'a bad date is FF400');
select throws_ok($$select pg_temp.c('orders.list', '{"limit": 0}')$$, 'FF400',
  'limit must be a whole number from 1 to 500', 'a bad limit is FF400');
select throws_ok($$select pg_temp.c('orders.get', '{"order_id": "12"}')$$, 'FF400', 'order_id must look like FFX123456789',
  'a bad order id is FF400');
select throws_ok($$select pg_temp.c('orders.get', '{"order_id": "FFX000000000"}')$$, 'FF404', 'Order FFX000000000 not found',
  'an unknown order is FF404');
select throws_ok(format($$select pg_temp.c('orders.refund', '{"order_id": "%s", "amount": "-5", "reason": "r"}')$$, pg_temp.ord('done')),
  'FF400', 'amount must be a positive amount', 'a negative amount is FF400');
select throws_ok(format($$select pg_temp.c('orders.refund', '{"order_id": "%s"}')$$, pg_temp.ord('done')),
  'FF400', 'A reason is required', 'a refund without a reason is FF400');

-- ==============================================================================================
-- orders.list / orders.get
-- ==============================================================================================
select is((pg_temp.c('orders.list', '{"q": "ZYX"}') ->> 'total')::int, 6, 'q finds by last name, case-insensitive');
select is((pg_temp.c('orders.list', format('{"q": "%s"}', lower(substr(pg_temp.ord('big'), 2)))::jsonb) #>> '{orders,0,order_id}'),
  pg_temp.ord('big'), 'q finds by a part of the order id');
select is((pg_temp.c('orders.list', '{"email": "CAROL@", "status": "pending", "limit": 1}') ->> 'total')::int, 2,
  'e-mail and status filter; total counts past the limit');
select is(jsonb_array_length(pg_temp.c('orders.list', '{"email": "carol", "status": "pending", "limit": 1}') -> 'orders'), 1,
  'limit applies to the page');
insert into res select 'get', pg_temp.c('orders.get', format('{"order_id": "%s"}', pg_temp.ord('done'))::jsonb);
select is((select array[pg_temp.r('get') #>> '{customer,email}', pg_temp.r('get') #>> '{delivery,login_id}',
                        (pg_temp.r('get') -> 'delivery' ? 'password')::text, (pg_temp.r('get') #> '{emails,0,variables}' ? 'password')::text,
                        (pg_temp.r('get')::text like '%secret-%')::text]),
  array['carol@example.com', '1', 'false', 'false', 'false'], 'orders.get: customer, delivery and e-mails without any password');
select ok(pg_temp.r('get') ?& array['order', 'customer', 'payments', 'transactions', 'ipn_events', 'delivery', 'emails', 'audit', 'refunds'],
  'orders.get has every related list');

-- ==============================================================================================
-- refunds: partial, capped, full, the second admin
-- ==============================================================================================
select pg_temp.mark();
insert into res select 'part', pg_temp.c('orders.refund', format('{"order_id": "%s", "amount": "200.50", "reason": "goodwill"}', pg_temp.ord('done'))::jsonb);
select is((pg_temp.r('part') ->> 'pending_approval', pg_temp.r('part') #>> '{refund,full}', pg_temp.r('part') #>> '{order,order_status}',
           pg_temp.r('part') #>> '{order,refunded_usd}'),
  ('false'::text, 'false'::text, 'completed'::text, '200.50'::text), 'finance refunds part: the order stays completed');
select is(pg_temp.cli_rows(), 'order_partial_refund:fin@example.com', 'one audit row naming the finance member');
select throws_ok(format($$select pg_temp.c('orders.refund', '{"order_id": "%s", "amount": 600, "reason": "r"}')$$, pg_temp.ord('done')),
  'FF409', 'Refunds cannot exceed what was paid: 649.00 USD paid, 200.50 USD already refunded, at most 448.50 USD left',
  'partial refunds are capped at what was paid');
select pg_temp.mark();
insert into res select 'rest', pg_temp.c('orders.refund', format('{"order_id": "%s", "reason": "chargeback"}', pg_temp.ord('done'))::jsonb);
select is((pg_temp.r('rest') #>> '{refund,amount}', pg_temp.r('rest') #>> '{refund,full}', pg_temp.r('rest') #>> '{order,order_status}',
           pg_temp.r('rest') #>> '{refund,accounts_suspended}'),
  ('448.50'::text, 'true'::text, 'refunded'::text, '1'::text), 'a full refund after a partial one refunds the rest and suspends the account');
select is(pg_temp.cli_rows(), 'order_refund:fin@example.com', 'one audit row');
select pg_temp.act('super');
select is((select sum(amount) from public.payment_transactions where order_id = pg_temp.ord('done') and transaction_type = 'refund'),
  649.00::numeric, 'the refunds add up to the price');
select pg_temp.act('finance');
select throws_ok(format($$select pg_temp.c('orders.refund', '{"order_id": "%s", "amount": 1, "reason": "r"}')$$, pg_temp.ord('done')),
  'FF409', format('Order %s is already refunded', pg_temp.ord('done')), 'nothing more once refunded');
select throws_ok(format($$select pg_temp.c('orders.refund', '{"order_id": "%s", "reason": "r"}')$$, pg_temp.ord('pend')),
  'FF409', format('Order %s is not paid (pending/pending): nothing to refund (cancel it instead)', pg_temp.ord('pend')),
  'an unpaid order is not refunded');

-- above the threshold (500): a request
select pg_temp.act('admin');
select pg_temp.mark();
insert into res select 'req', pg_temp.c('orders.refund', format('{"order_id": "%s", "reason": "customer left"}', pg_temp.ord('big'))::jsonb);
select is((pg_temp.r('req') ->> 'pending_approval', pg_temp.r('req') #>> '{refund,status}', pg_temp.r('req') #>> '{order,order_status}'),
  ('true'::text, 'pending'::text, 'completed'::text), 'a large refund waits for approval and changes nothing yet');
select is(pg_temp.cli_rows(), 'refund_requested:ops@example.com', 'the request: one audit row');
select throws_ok(format($$select pg_temp.c('orders.refund', '{"order_id": "%s", "reason": "again"}')$$, pg_temp.ord('big')),
  'FF409', format('Refund request %s for order %s is already waiting for approval', pg_temp.r('req') #>> '{refund,id}', pg_temp.ord('big')),
  'one waiting request per order');
select throws_ok(format($$select pg_temp.c('refunds.approve', '{"id": %s, "reason": "ok"}')$$, pg_temp.r('req') #>> '{refund,id}'),
  'FF403', format('You asked for refund %s: another admin must approve it', pg_temp.r('req') #>> '{refund,id}'),
  'the requester cannot approve it');
select pg_temp.act('finance');
select is(pg_temp.try(format($$select pg_temp.c('refunds.approve', '{"id": %s, "reason": "ok"}')$$, pg_temp.r('req') #>> '{refund,id}')),
  'FF403', 'finance cannot approve (manage)');
select is((pg_temp.c('refunds.list', '{"status": "pending"}') ->> 'total')::int, 1, 'refunds.list shows it waiting');
select pg_temp.act('admin2');
select pg_temp.mark();
insert into res select 'appr', pg_temp.c('refunds.approve', format('{"id": %s, "reason": "checked"}', pg_temp.r('req') #>> '{refund,id}')::jsonb);
select is((pg_temp.r('appr') #>> '{request,status}', pg_temp.r('appr') #>> '{order,order_status}', pg_temp.r('appr') #>> '{request,decided_by}'),
  ('approved'::text, 'refunded'::text, 'ann@example.com'::text), 'a second admin approves: the refund is carried out');
select is(pg_temp.cli_rows(), 'refund_approved:ann@example.com', 'one audit row, by the approver');
select throws_ok(format($$select pg_temp.c('refunds.reject', '{"id": %s, "reason": "no"}')$$, pg_temp.r('req') #>> '{refund,id}'),
  'FF409', format('Refund request %s is already approved', pg_temp.r('req') #>> '{refund,id}'), 'a decided request stays decided');

-- the bootstrap operator: the same operator name cannot approve its own request
select pg_temp.act('service');
select set_config('request.jwt.claims', '{"role":"service_role","operator":"sam"}', true);
insert into res select 'req2', pg_temp.c('orders.refund', format('{"order_id": "%s", "amount": 10, "reason": "r"}', pg_temp.ord('wait'))::jsonb);
select pg_temp.act('admin');
select lives_ok($$select pg_temp.c('settings.set', '{"refund_approval_threshold": 5, "reason": "tighter"}')$$, 'settings.set');
select pg_temp.act('service');
insert into res select 'req3', pg_temp.c('orders.refund', format('{"order_id": "%s", "amount": 10, "reason": "r"}', pg_temp.ord('wait'))::jsonb);
select is(pg_temp.try(format($$select pg_temp.c('refunds.approve', '{"id": %s, "reason": "ok"}')$$, pg_temp.r('req3') #>> '{refund,id}')),
  'FF403', 'operator:sam cannot approve operator:sam''s request');
select pg_temp.act('admin');
select pg_temp.mark();
select is(pg_temp.c('refunds.reject', format('{"id": %s, "reason": "duplicate"}', pg_temp.r('req3') #>> '{refund,id}')::jsonb) #>> '{request,status}',
  'rejected', 'refunds.reject');
select is(pg_temp.cli_rows(), 'refund_rejected:ops@example.com', 'one audit row');
select is(pg_temp.c('settings.get') #>> '{settings,refund_approval_threshold}', '5.00', 'settings.get');
select throws_ok($$select pg_temp.c('settings.set', '{"reason": "nothing"}')$$, 'FF400',
  'Give refund_approval_threshold or low_stock_threshold', 'settings.set needs something to set');

-- ==============================================================================================
-- record_payment, cancel, resend
-- ==============================================================================================
select pg_temp.act('finance');
select throws_ok(format($$select pg_temp.c('orders.record_payment', '{"order_id": "%s", "amount": 600, "currency": "eur", "reference": "T1", "method": "bank_transfer", "reason": "r"}')$$, pg_temp.ord('pend')),
  'FF400', 'amount_usd is required for a payment in eur: state its USD value', 'another currency needs its USD value');
select throws_ok(format($$select pg_temp.c('orders.record_payment', '{"order_id": "%s", "amount": 600, "currency": "usd", "reference": "T1", "method": "bank_transfer", "reason": "r"}')$$, pg_temp.ord('pend')),
  'FF409', '600 USD does not cover the order''s 649.00 USD: nothing recorded', 'too little is refused');
select throws_ok(format($$select pg_temp.c('orders.record_payment', '{"order_id": "%s", "amount": 649, "currency": "usd", "reference": "T1", "method": "pigeon", "reason": "r"}')$$, pg_temp.ord('pend')),
  'FF400', 'method must be one of: bank_transfer, other_provider, cash, other', 'an unknown method');
select pg_temp.mark();
insert into res select 'rec', pg_temp.c('orders.record_payment', format('{"order_id": "%s", "amount": 600, "currency": "eur", "amount_usd": 650, "reference": "SEPA 42", "method": "bank_transfer", "reason": "wire arrived"}', pg_temp.ord('pend'))::jsonb);
select is((pg_temp.r('rec') #>> '{order,order_status}', pg_temp.r('rec') #>> '{order,delivery_status}', pg_temp.r('rec') #>> '{delivery,login_id}'),
  ('completed'::text, 'delivered'::text, '501'::text), 'a recorded payment pays the order and delivers it');
select is(pg_temp.cli_rows(), 'payment_recorded:fin@example.com', 'one audit row naming its author');
select throws_ok(format($$select pg_temp.c('orders.record_payment', '{"order_id": "%s", "amount": 649, "currency": "usd", "reference": "T2", "method": "cash", "reason": "r"}')$$, pg_temp.ord('pend')),
  'FF409', format('A payment is already recorded for order %s', pg_temp.ord('pend')), 'a second record is refused');
select pg_temp.act('super');
select is((select provider || ':' || payment_status || ':' || counted || ':' || (raw ->> 'reference') from public.payments where order_id = pg_temp.ord('pend')),
  'manual:finished:true:SEPA 42', 'recorded as a counted manual payment');
select pg_temp.act('admin');
select throws_ok(format($$select pg_temp.c('orders.cancel', '{"order_id": "%s", "reason": "r"}')$$, pg_temp.ord('pend')),
  'FF409', format('Order %s is paid (completed/paid): refund it instead', pg_temp.ord('pend')), 'a paid order is not cancelled');
select pg_temp.mark();
select is(pg_temp.c('orders.cancel', format('{"order_id": "%s", "reason": "customer asked"}', pg_temp.ord('pend2'))::jsonb) #>> '{order,order_status}',
  'cancelled', 'orders.cancel');
select is(pg_temp.cli_rows(), 'order_cancel:ops@example.com', 'one audit row');
select pg_temp.act('support');
select throws_ok(format($$select pg_temp.c('orders.resend_email', '{"order_id": "%s", "reason": "r"}')$$, pg_temp.ord('done')),
  'FF409', 'The order is refunded: its credentials are not sent again', 'no credentials again for a refunded order');
select pg_temp.mark();
select is(pg_temp.c('orders.resend_email', format('{"order_id": "%s", "reason": "lost it"}', pg_temp.ord('done2'))::jsonb) #>> '{email,status}',
  'pending', 'support resends a failed e-mail');
select is(pg_temp.cli_rows(), 'resend_email:sue@example.com', 'one audit row');

-- ==============================================================================================
-- IPN events: dismiss leaves the queue and the gauges, reprocess fails loudly, link applies
-- ==============================================================================================
select pg_temp.act('admin');
select is((select count(*)::int from jsonb_array_elements(pg_temp.c('dashboard.get') #> '{attention,items}') i
            where i ->> 'event_id' = pg_temp.ev('9002')::text and i ->> 'action' = 'events.reprocess'), 1,
  'the failed event is in the attention queue with its fix');
select is(pg_temp.try(format($$select pg_temp.c('events.reprocess', '{"id": %s, "reason": "try"}')$$, pg_temp.ev('9002'))), 'FF409',
  'a reprocess that fails again is FF409, not success');
create temp table gauge_before as select labels ->> 'state' as state, value from ffx_internal.metrics_gauges() where metric = 'ffx_ipn_events';
grant select on gauge_before to public;
select pg_temp.mark();
select is(pg_temp.c('events.dismiss', format('{"id": %s, "reason": "test event from the dashboard"}', pg_temp.ev('9002'))::jsonb) #>> '{event,id}',
  pg_temp.ev('9002')::text, 'events.dismiss');
select is(pg_temp.cli_rows(), 'ipn_dismiss:ops@example.com', 'one audit row');
select is((select count(*)::int from jsonb_array_elements(pg_temp.c('dashboard.get') #> '{attention,items}') i
            where i ->> 'event_id' = pg_temp.ev('9002')::text), 0, 'the dismissed event left the attention queue');
select is((select g.value - b.value from ffx_internal.metrics_gauges() g join gauge_before b on b.state = g.labels ->> 'state'
            where g.metric = 'ffx_ipn_events' and b.state = 'failed'), -1::float8, 'and the failed gauge');
select is(pg_temp.try(format($$select pg_temp.c('events.dismiss', '{"id": %s, "reason": "again"}')$$, pg_temp.ev('9002'))), 'FF409',
  'dismissing twice is FF409');
select is((pg_temp.c('events.list', '{"unmatched": true}') ->> 'total')::int, 1, 'events.list unmatched');
select ok(not (pg_temp.c('events.list') #> '{events,0}' ? 'payload') and (pg_temp.c('events.get', format('{"id": %s}', pg_temp.ev('9001'))::jsonb) #> '{event}' ? 'payload'),
  'events.list has no payload, events.get has it');
select pg_temp.mk('linked', 10000, 'pending');
select pg_temp.act('admin');
select pg_temp.mark();
insert into res select 'link', pg_temp.c('events.link', format('{"id": %s, "order_id": "%s", "reason": "matched by amount"}', pg_temp.ev('9001'), pg_temp.ord('linked'))::jsonb);
select is((pg_temp.r('link') #>> '{event,state}', pg_temp.r('link') #>> '{event,matched_order_id}', pg_temp.r('link') #>> '{result,outcome}'),
  ('processed'::text, pg_temp.ord('linked'), 'processed'::text), 'events.link applies the event to the order');
select is(pg_temp.cli_rows(), 'ipn_link:ops@example.com', 'one audit row');

-- ==============================================================================================
-- dashboard and export
-- ==============================================================================================
insert into res select 'dash', pg_temp.c('dashboard.get');
select is((pg_temp.r('dash') #>> '{revenue,today,gross}')::numeric - (pg_temp.r('dash') #>> '{revenue,today,refunded}')::numeric,
          (pg_temp.r('dash') #>> '{revenue,today,net}')::numeric, 'net = gross - refunded');
select pg_temp.act('super');
select is((pg_temp.r('dash') #>> '{revenue,today,refunded}')::numeric,
  (select sum(ffx_internal.order_refunded_usd(o)) from public.orders o where o.paid_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC'),
  'refunded today: full and partial refunds of the orders paid today');
select pg_temp.act('finance');
select throws_ok($$select pg_temp.c('export.finance', '{"from": "2026-01-02"}')$$, 'FF400', 'from and to are required (dates, YYYY-MM-DD)',
  'export needs both dates');
select pg_temp.mark();
insert into res select 'csv', pg_temp.c('export.finance', jsonb_build_object('from', to_char(now() at time zone 'UTC', 'YYYY-MM-DD'),
                                                                             'to', to_char(now() at time zone 'UTC', 'YYYY-MM-DD')));
select is((split_part(pg_temp.r('csv') ->> 'csv', E'\r\n', 1), pg_temp.r('csv') ->> 'filename' like 'ffx-finance-%.csv'),
  ('type,time,order_id,reference,provider,method,detail,amount,currency,usd,paid_orders,gross_usd,refunded_usd,net_usd'::text, true),
  'the CSV has its header line and file name');
select ok((pg_temp.r('csv') ->> 'csv') like '%payment,%,manual,bank_transfer,SEPA 42,600,eur,650,%'
          and (pg_temp.r('csv') ->> 'csv') like '%refund,%,manual,console_partial_refund,goodwill,200.50,usd,200.50,%'
          and (pg_temp.r('csv') ->> 'rows')::int = array_length(string_to_array(pg_temp.r('csv') ->> 'csv', E'\r\n'), 1) - 2,
  'a line per payment and refund; rows counts the data lines');
select is(pg_temp.cli_rows(), 'finance_export:fin@example.com', 'the export is audited once');
select pg_temp.act('super');
select is(ffx_internal.console_csv_line(array['a,b', 'say "hi"', E'x\ny', 'plain']), E'"a,b","say ""hi""","x\ny",plain',
  'RFC 4180 quoting');

select * from finish();
rollback;
