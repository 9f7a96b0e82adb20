-- The metrics endpoint's database gauges: ffx_internal.metrics_gauges() is callable by admins and
-- service_role only, answers counts and ages (never row content), lists every known state and every
-- product on sale even at 0, and moves by exactly what the fixtures add.
-- Users: alice (a...a) is a customer; ops (ad...ad) carries app_metadata.role=admin.
begin;
select plan(36);

-- the function and its privileges --------------------------------------------------------------
select has_function('ffx_internal', 'metrics_gauges', '{}'::name[], 'metrics_gauges() exists');
select is((select prosecdef from pg_proc where oid = 'ffx_internal.metrics_gauges()'::regprocedure), true,
  'metrics_gauges is SECURITY DEFINER');
select ok((select proconfig @> array['search_path=""'] from pg_proc where oid = 'ffx_internal.metrics_gauges()'::regprocedure),
  'metrics_gauges pins search_path');
select is(
  array(select r from unnest(array['public', 'anon', 'authenticated', 'service_role']) r
         where r <> 'public' and has_function_privilege(r, 'ffx_internal.metrics_gauges()', 'EXECUTE')
            or r = 'public' and exists (select 1 from pg_proc p, aclexplode(p.proacl) a
                                         where p.oid = 'ffx_internal.metrics_gauges()'::regprocedure
                                           and a.grantee = 0 and a.privilege_type = 'EXECUTE')
         order by 1),
  array['authenticated', 'service_role'],
  'EXECUTE: authenticated (admins pass the check) and service_role; not PUBLIC, not anon');

-- g(metric, labels): one sample, read with service_role claims (as the superuser: no role switch)
create function pg_temp.g(p_metric text, p_labels jsonb default '{}') returns double precision
language plpgsql as $$
declare v double precision;
begin
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
  select m.value into v from ffx_internal.metrics_gauges() m where m.metric = p_metric and m.labels = p_labels;
  return v;
end $$;

create temp table before_ (metric text, labels jsonb, value double precision);
insert into before_
select m.* from (select set_config('request.jwt.claims', '{"role":"service_role"}', true)) s,
                lateral ffx_internal.metrics_gauges() m;
create function pg_temp.delta(p_metric text, p_labels jsonb default '{}') returns double precision
language sql as $$
  select pg_temp.g(p_metric, p_labels) - coalesce((select b.value from before_ b
                                                    where b.metric = p_metric and b.labels = p_labels), 0)
$$;

-- shape of an empty-ish database ---------------------------------------------------------------
select is((select count(*)::int from before_ where metric = 'ffx_ipn_events'), 4,
  'ffx_ipn_events: one sample per inbox state');
select set_eq($$select labels ->> 'state' from before_ where metric = 'ffx_ipn_events'$$,
  array['pending', 'processed', 'unmatched', 'failed'], 'the four inbox states');
select is((select count(*)::int from before_ where metric = 'ffx_orders'), 24,
  'ffx_orders: every order_status x payment_status pair (6 x 4), 0 when none');
select set_eq($$select labels ->> 'status' from before_ where metric = 'ffx_email_outbox_messages'$$,
  array['pending', 'sending', 'sent', 'failed'], 'ffx_email_outbox_messages: the four outbox states');
select set_eq(
  $$select (labels ->> 'account_size')::int, labels ->> 'platform_type' from before_ where metric = 'ffx_accounts_available'$$,
  $$select distinct account_size, platform_type from public.pricing where active$$,
  'ffx_accounts_available: every product on sale, sold out or not');
select is((select count(*)::int from before_ where metric in ('ffx_orders_paid_undelivered',
  'ffx_orders_paid_undelivered_oldest_age_seconds', 'ffx_email_outbox_oldest_pending_age_seconds')), 3,
  'the three single gauges are there');
select is(array(select distinct k from before_, jsonb_object_keys(labels) k order by 1),
  array['account_size', 'order_status', 'payment_status', 'platform_type', 'state', 'status'],
  'labels are only the state and product keys: no row content');
select ok((select bool_and(value >= 0) from before_), 'every gauge is a count or an age (>= 0)');
select is(
  array(select metric from ffx_internal.metrics_gauges() m),
  array(select metric from ffx_internal.metrics_gauges() m order by metric),
  'rows come sorted by metric (the endpoint writes one HELP/TYPE per metric)');

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');

-- stock first (the stock trigger delivers waiting orders of the same product on arrival)
insert into public.account_container (account_size, platform_type, server_name, login_id, password, status)
select s, p, 'FlashFundX-Metrics', 'm' || s || p || st || g, 'pw', st
  from (values (10000, 'mt4', 'available', 3), (10000, 'mt4', 'delivered', 2), (10000, 'mt4', 'disabled', 1),
               (7777, 'mt5', 'available', 2)) v (s, p, st, n),
       generate_series(1, v.n) g;

-- orders: 2 pending/pending, 1 processing/pending, and 2 paid and waiting (200000 mt5: no stock),
-- paid one and two hours ago
insert into public.orders (user_id, account_type, account_size, platform_type)
select 'a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4' from generate_series(1, 2);
insert into public.orders (user_id, account_type, account_size, platform_type, order_status)
values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 'processing');
insert into public.orders (user_id, account_type, account_size, platform_type, order_status, payment_status, paid_at)
select 'a0000000-0000-4000-8000-00000000000a', 'one_step', 200000, 'mt5', 'processing', 'paid', now() - h * interval '1 hour'
  from generate_series(1, 2) h;
-- paid but confirmed only (paid_at NULL): not counted as paid-undelivered
insert into public.orders (user_id, account_type, account_size, platform_type, order_status, payment_status)
values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 5000, 'mt4', 'processing', 'paid');

-- inbox: 3 processed, 1 unmatched, 2 failed
insert into public.ipn_events (dedupe_key, payment_id, payment_status, payload, state)
select 'metrics-' || st || '-' || g, '990' || g, 'finished', '{}', st
  from (values ('processed', 3), ('unmatched', 1), ('failed', 2)) v (st, n), generate_series(1, v.n) g;

-- outbox: 2 pending (the older created 30 minutes ago), 1 failed, 1 sent
insert into public.email_outbox (order_id, template_name, to_email, status, created_at)
select o.order_id, 't-' || v.st, 'alice@example.com', v.st, now() - v.age
  from (select order_id from public.orders where payment_status = 'paid' and paid_at is not null
         order by paid_at limit 1) o,
       (values ('pending', interval '30 minutes'), ('failed', interval '1 day'), ('sent', interval '2 days')) v (st, age);
insert into public.email_outbox (order_id, template_name, to_email, status, created_at)
select order_id, 't-pending-2', 'alice@example.com', 'pending', now() - interval '5 minutes'
  from public.orders where payment_status = 'paid' and paid_at is not null order by paid_at desc limit 1;

-- exact movements --------------------------------------------------------------------------------
select is(pg_temp.delta('ffx_orders', '{"order_status":"pending","payment_status":"pending"}'), 2::float8,
  'orders pending/pending +2');
select is(pg_temp.delta('ffx_orders', '{"order_status":"processing","payment_status":"pending"}'), 1::float8,
  'orders processing/pending +1');
select is(pg_temp.delta('ffx_orders', '{"order_status":"processing","payment_status":"paid"}'), 3::float8,
  'orders processing/paid +3');
select is(pg_temp.delta('ffx_orders', '{"order_status":"completed","payment_status":"paid"}'), 0::float8,
  'orders completed/paid unchanged');
select is(pg_temp.delta('ffx_orders_paid_undelivered'), 2::float8,
  'paid-but-undelivered +2 (paid_at set; a confirmed-only payment does not count)');
select is(pg_temp.g('ffx_orders_paid_undelivered_oldest_age_seconds'), 7200::float8,
  'the oldest paid-but-undelivered order was paid 7200 s ago');
select is(pg_temp.delta('ffx_ipn_events', '{"state":"processed"}'), 3::float8, 'inbox processed +3');
select is(pg_temp.delta('ffx_ipn_events', '{"state":"unmatched"}'), 1::float8, 'inbox unmatched +1');
select is(pg_temp.delta('ffx_ipn_events', '{"state":"failed"}'), 2::float8, 'inbox failed +2');
select is(pg_temp.delta('ffx_ipn_events', '{"state":"pending"}'), 0::float8, 'inbox pending unchanged');
select is(pg_temp.delta('ffx_email_outbox_messages', '{"status":"pending"}'), 2::float8, 'outbox backlog +2');
select is(pg_temp.delta('ffx_email_outbox_messages', '{"status":"failed"}'), 1::float8, 'outbox failed +1');
select is(pg_temp.delta('ffx_email_outbox_messages', '{"status":"sent"}'), 1::float8, 'outbox sent +1');
select is(pg_temp.g('ffx_email_outbox_oldest_pending_age_seconds'), 1800::float8,
  'the oldest pending e-mail is 1800 s old (failed and sent ones do not count)');
select is(pg_temp.delta('ffx_accounts_available', '{"account_size":"10000","platform_type":"mt4"}'), 3::float8,
  'available 10000/mt4 +3 (delivered and disabled accounts do not count)');
select is(pg_temp.g('ffx_accounts_available', '{"account_size":"7777","platform_type":"mt5"}'), 2::float8,
  'stock of a product not on sale is listed too');
select is(pg_temp.g('ffx_accounts_available', '{"account_size":"200000","platform_type":"mt5"}'), 0::float8,
  'a sold-out product on sale is listed at 0');

-- who may call it --------------------------------------------------------------------------------
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;
select throws_ok('select * from ffx_internal.metrics_gauges()', '42501', null, 'anon may not execute it');

reset role;
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;
select throws_ok('select * from ffx_internal.metrics_gauges()', 'FF403', 'Unauthorized', 'a customer is refused');

reset role;
select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;
select is((select count(*)::int from ffx_internal.metrics_gauges() where metric = 'ffx_ipn_events'), 4,
  'an admin reads the gauges');
select is((select value from ffx_internal.metrics_gauges()
            where metric = 'ffx_accounts_available' and labels = '{"account_size":"7777","platform_type":"mt5"}'),
  2::float8, 'an admin sees counts RLS would otherwise decide (SECURITY DEFINER)');

reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;
select is((select count(*)::int from ffx_internal.metrics_gauges() where metric = 'ffx_orders'), 24,
  'service_role reads the gauges');

-- the role granted but not the service's claims (a connection that forgot its request setup)
reset role;
select set_config('request.jwt.claims', '{"role":"authenticated"}', true);
set local role service_role;
select throws_ok('select * from ffx_internal.metrics_gauges()', 'FF403', 'Unauthorized',
  'metrics_gauges checks the caller''s claims too');

reset role;
select * from finish();
rollback;
