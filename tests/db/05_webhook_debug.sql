-- webhook_debug_record(): the webhook-debug sink keeps only the newest 1000 requests.
begin;
select plan(9);

select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;

select is(
  ffx_internal.webhook_debug_record('POST', '/webhook-debug', 'x=1', '{"content-type": "application/json"}',
                              convert_to('{"payment_status":"finished"}', 'UTF8'), '203.0.113.7'),
  now(), 'webhook_debug_record returns the row''s received_at');
select is(
  (select jsonb_build_object('method', method, 'path', path, 'query', query, 'headers', headers,
                             'body', convert_from(body, 'UTF8'), 'client_addr', client_addr)
     from public.webhook_debug_log),
  jsonb_build_object('method', 'POST', 'path', '/webhook-debug', 'query', 'x=1',
                     'headers', '{"content-type": "application/json"}'::jsonb,
                     'body', '{"payment_status":"finished"}', 'client_addr', '203.0.113.7'),
  'the request is stored as given');

-- 1004 more: 1005 in all
do $$
begin
  for i in 1..1004 loop
    perform ffx_internal.webhook_debug_record('POST', '/webhook-debug', 'n=' || i, '{}', null, '127.0.0.1');
  end loop;
end
$$;

reset role;
select is((select count(*) from public.webhook_debug_log), 1000::bigint, 'only 1000 rows are kept');
select is((select min(query) filter (where query = 'x=1') from public.webhook_debug_log), null,
  'the oldest request is gone');
select is((select query from public.webhook_debug_log order by id limit 1), 'n=5',
  'the oldest kept row is the 1000th newest');
select is((select query from public.webhook_debug_log order by id desc limit 1), 'n=1004',
  'the newest row is kept');

-- a few more calls keep the bound
set local role service_role;
do $$
begin
  for i in 1..10 loop
    perform ffx_internal.webhook_debug_record('GET', '/webhook-debug', null, null, null, null);
  end loop;
end
$$;
reset role;
select is((select count(*) from public.webhook_debug_log), 1000::bigint, 'still 1000 rows after further calls');

-- the bound holds because webhook_debug_record() is the only writer: service_role writes nothing directly
set local role service_role;
select throws_ok($$insert into public.webhook_debug_log (method, path) values ('POST', '/forged')$$, '42501', null,
  'service_role cannot insert into webhook_debug_log');
select throws_ok('delete from public.webhook_debug_log', '42501', null, 'service_role cannot delete from webhook_debug_log');
reset role;

select * from finish();
rollback;
