-- The small shop tests/db/data_api.sh looks at through the Data API: two customers (alice, the one
-- the test acts as, and bob), an admin, and at least one row in every table an API role can read,
-- written the way the running system writes it (its functions, as service_role or an admin; the
-- superuser only where an operator or the frontend writes directly). Rows of both customers
-- where a table has an owner, so that "own" and "all" differ.
\set ON_ERROR_STOP 1

create function pg_temp.as_service() returns void language sql as $$
  select set_config('request.jwt.claims', '{"role": "service_role", "operator": "data_api fixture"}', false)
$$;
create function pg_temp.as_admin() returns void language sql as $$
  select set_config('request.jwt.claims',
    '{"role": "authenticated", "sub": "ad000000-0000-4000-8000-0000000000ad", "email": "ops@example.com", "app_metadata": {"role": "admin"}}',
    false)
$$;

-- users (the profile trigger creates user_profiles)
insert into auth.users (id, email, aud, role, raw_user_meta_data, raw_app_meta_data, created_at) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', 'authenticated', 'authenticated',
   '{"first_name": "Alice"}', '{"provider": "email"}', now()),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com', 'authenticated', 'authenticated',
   '{"first_name": "Bob"}', '{"provider": "email"}', now()),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com', 'authenticated', 'authenticated',
   '{"first_name": "Ops"}', '{"provider": "email", "role": "admin"}', now());

-- reference data an operator edits; inventory through the operator's function (audited)
insert into public.discount_codes (code, percent_off, max_uses) values ('SPRING10', 10, 5);
update public.crypto_addresses set wallet_address = 'bc1qdataapifixture000000000000000000', is_active = true
 where crypto_name = 'Bitcoin';
select pg_temp.as_service();
select ffx_internal.admin_inventory_import(
  jsonb_build_array(
    jsonb_build_object('line', 1, 'size', '10000', 'platform', 'mt4', 'server', 'FFX-Live01', 'login', '1001', 'password', 'pw-1001', 'investor_password', 'inv-1001'),
    jsonb_build_object('line', 2, 'size', '10000', 'platform', 'mt4', 'server', 'FFX-Live01', 'login', '1002', 'password', 'pw-1002', 'investor_password', 'inv-1002'),
    jsonb_build_object('line', 3, 'size', '10000', 'platform', 'mt4', 'server', 'FFX-Live01', 'login', '1003', 'password', 'pw-1003', 'investor_password', 'inv-1003')),
  'data_api fixture stock');

-- orders, inserted by each customer as the original frontend does (the triggers price them and
-- record the discount code attempt)
create temp table fx (name text primary key, order_id text);
grant all on fx to authenticated;
create function pg_temp.mk(p_name text, p_user uuid, p_size integer, p_code text default null) returns text
language plpgsql as $$
declare
  v_id text;
begin
  perform set_config('request.jwt.claims',
    jsonb_build_object('role', 'authenticated', 'sub', p_user)::text, true);
  set local role authenticated;
  insert into public.orders (user_id, account_type, account_size, platform_type, discount_code)
  values (p_user, 'one_step', p_size, 'mt4', p_code) returning order_id into v_id;
  reset role;
  insert into pg_temp.fx values (p_name, v_id);
  return v_id;
end
$$;
create function pg_temp.ord(p_name text) returns text language sql stable as
$$ select order_id from pg_temp.fx where name = p_name $$;

select pg_temp.mk('alice_paid', 'a0000000-0000-4000-8000-00000000000a', 10000, 'SPRING10');
select pg_temp.mk('alice_open', 'a0000000-0000-4000-8000-00000000000a', 10000);
select pg_temp.mk('bob_paid', 'b0000000-0000-4000-8000-00000000000b', 10000);
select pg_temp.mk('bob_waiting', 'b0000000-0000-4000-8000-00000000000b', 200000);

-- IPNs through the inbox, as payment-webhook sends them: both paid orders get an account, bob's
-- order of a size out of stock waits, and one IPN matches nothing
select pg_temp.as_service();
create function pg_temp.ipn(p_pid bigint, p_status text, p_order text) returns jsonb
language sql as $$
  select ffx_internal.ipn_receive(jsonb_build_object(
           'payment_id', p_pid, 'payment_status', p_status, 'order_id', pg_temp.ord(p_order),
           'parent_payment_id', null, 'invoice_id', null, 'pay_address', 'addr-' || p_pid,
           'pay_amount', 0.00656612, 'pay_currency', 'btc',
           'price_amount', (select final_amount from public.orders where order_id = pg_temp.ord(p_order)),
           'price_currency', 'usd', 'actually_paid', 0.00656612,
           'outcome_amount', 0.0065, 'outcome_currency', 'btc',
           'updated_at', (extract(epoch from clock_timestamp()) * 1000)::bigint), 'raw')
$$;
select pg_temp.ipn(6001, 'finished', 'alice_paid');
select pg_temp.ipn(6002, 'finished', 'bob_paid');
select pg_temp.ipn(6003, 'finished', 'bob_waiting');
select ffx_internal.ipn_receive('{"payment_id": 6999, "payment_status": "finished", "order_id": "FFX999999999", "actually_paid": 1}', 'raw');

-- create-crypto-payment's reservation and a status refresh claim
select ffx_internal.crypto_payment_begin(pg_temp.ord('alice_open'), 'a0000000-0000-4000-8000-00000000000a',
  'one_step', 10000, 'mt4', o.amount, o.final_amount, 'btc', 'data_api fixture', 1000)
  from public.orders o where o.order_id = pg_temp.ord('alice_open');
select ffx_internal.payment_refresh_claim('6001', 0, 'data_api fixture');

-- an admin action; the webhook debug sink
select pg_temp.as_admin();
select ffx_internal.admin_set_account_status('b0000000-0000-4000-8000-00000000000b', 'suspended', 'data_api fixture');
select pg_temp.as_service();
select ffx_internal.webhook_debug_record('POST', '/functions/v1/webhook-debug', 'x=1',
  '{"content-type": "application/json"}', convert_to('{"hello": "world"}', 'UTF8'), '198.51.100.4');

select set_config('request.jwt.claims', '', false);
