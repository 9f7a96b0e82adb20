-- Order rules: discount codes that cannot be burned, who may buy, and what a direct insert
-- or update of orders may do through the Data API. Requests are reproduced as PostgREST makes
-- them: claims and role for the transaction, then the statement (pg_temp.act_as below).
-- Users: alice (a...a), bob (b...b), erin (e...e), frank (f...f), grace (9...9), hank (7...7) are
-- customers; carol (c...c) is banned, dave (d...d) suspended; ops (ad...ad) is an admin.
begin;
select plan(181);

-- act_as(who): the claims and the role of one request ('owner': the superuser, no claims).
create function pg_temp.act_as(p_who text) returns void
language plpgsql as $$
declare
  v_sub text := case p_who
    when 'alice' then 'a0000000-0000-4000-8000-00000000000a' when 'bob' then 'b0000000-0000-4000-8000-00000000000b'
    when 'carol' then 'c0000000-0000-4000-8000-00000000000c' when 'dave' then 'd0000000-0000-4000-8000-00000000000d'
    when 'erin' then 'e0000000-0000-4000-8000-00000000000e' when 'frank' then 'f0000000-0000-4000-8000-00000000000f'
    when 'grace' then '90000000-0000-4000-8000-000000000009' when 'hank' then '70000000-0000-4000-8000-000000000007'
    when 'ops' then 'ad000000-0000-4000-8000-0000000000ad' end;
begin
  reset role;
  perform set_config('request.jwt.claims', case
    when p_who = 'owner' then ''
    when p_who = 'anon' then '{"role":"anon"}'
    when p_who = 'service' then '{"role":"service_role"}'
    else json_build_object('sub', v_sub, 'role', 'authenticated', 'email', p_who || '@example.com',
                           'app_metadata', case when p_who = 'ops' then '{"provider":"email","role":"admin"}'::json
                                                else '{"provider":"email"}'::json end)::text
  end, true);
  if p_who <> 'owner' then
    execute format('set local role %I', case p_who when 'anon' then 'anon' when 'service' then 'service_role'
                                                   else 'authenticated' end);
  end if;
end
$$;

create function pg_temp.uid(p_who text) returns uuid
language sql immutable as $$
  select case p_who
    when 'alice' then 'a0000000-0000-4000-8000-00000000000a' when 'bob' then 'b0000000-0000-4000-8000-00000000000b'
    when 'carol' then 'c0000000-0000-4000-8000-00000000000c' when 'dave' then 'd0000000-0000-4000-8000-00000000000d'
    when 'erin' then 'e0000000-0000-4000-8000-00000000000e' when 'frank' then 'f0000000-0000-4000-8000-00000000000f'
    when 'grace' then '90000000-0000-4000-8000-000000000009' when 'hank' then '70000000-0000-4000-8000-000000000007'
    when 'ops' then 'ad000000-0000-4000-8000-0000000000ad' end::uuid
$$;

-- rows_affected(sql): run a statement as the current role, return how many rows it touched.
create function pg_temp.rows_affected(q text) returns bigint
language plpgsql as $$
declare
  n bigint;
begin
  execute q;
  get diagnostics n = row_count;
  return n;
end
$$;

-- place(code): a direct insert of a one_step 10000 MT4 order by the current caller (auth.uid()),
-- as the original frontend sends it (with amounts); its order id, NULL when no row was inserted.
create function pg_temp.place(p_code text default null, p_size integer default 10000) returns text
language plpgsql as $$
declare
  v text;
begin
  insert into public.orders (user_id, account_type, account_size, platform_type, amount, discount_amount,
                             final_amount, discount_code)
  values (auth.uid(), 'one_step', p_size, 'mt4', 649, 0, 649, p_code)
  returning order_id into v;
  return v;
end
$$;

-- named orders, readable by every role
create temp table fx (name text primary key, order_id text);
grant select, insert on fx to public;
create function pg_temp.ord(p_name text) returns text
language sql stable as $$ select order_id from pg_temp.fx where name = p_name $$;
create function pg_temp.keep(p_name text, p_order_id text) returns text
language sql as $$ insert into pg_temp.fx values (p_name, p_order_id) returning order_id $$;

-- open_payment(order, coin): create-crypto-payment's steps: crypto_payment_begin as the
-- current caller (the reservation, and with it the discount-code hold), then, as service_role with
-- the reservation's token, crypto_payment_record of what NOWPayments created; then back to the
-- caller.
create function pg_temp.open_payment(p_order_id text, p_coin text default 'usdt_bsc') returns jsonb
language plpgsql as $$
declare
  o        public.orders%rowtype;
  v_begin  jsonb;
  v_claims text := current_setting('request.jwt.claims', true);
  v_role   text := current_user;
  v        jsonb;
begin
  select * into o from public.orders x where x.order_id = p_order_id;
  v_begin := ffx_internal.crypto_payment_begin(o.order_id, o.user_id, o.account_type, o.account_size, o.platform_type,
                                         o.amount, o.final_amount, p_coin, 'pgtap:1:19', 20000);
  if v_begin ->> 'action' = 'reuse' then
    return v_begin;
  end if;
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
  set local role service_role;
  v := ffx_internal.crypto_payment_record(o.order_id, (v_begin ->> 'token')::uuid,
    case when o.invoice_id is null then jsonb_build_object('id', 'inv-' || o.order_id, 'invoice_url', 'https://pay/' || o.order_id) end,
    jsonb_build_object('payment_id', 'np-' || o.order_id || '-' || p_coin, 'payment_status', 'waiting',
                       'pay_address', 'addr-' || o.order_id, 'pay_amount', o.final_amount,
                       'pay_currency', v_begin ->> 'pay_currency', 'price_amount', o.final_amount,
                       'price_currency', 'usd', 'order_id', o.order_id, 'raw', '{}'::jsonb));
  perform set_config('request.jwt.claims', v_claims, true);
  execute format('set local role %I', v_role);
  return v;
end
$$;

-- provider(order, status): payment_apply as the webhook applies a NOWPayments report: finished
-- for the order's first payment (the whole amount paid), any other status for each of them.
create function pg_temp.provider(p_order_id text, p_status text) returns jsonb
language plpgsql as $$
declare
  pm public.payments%rowtype;
  v jsonb;
begin
  for pm in select * from public.payments x where x.order_id = p_order_id order by x.created_at, x.id loop
    v := ffx_internal.payment_apply(jsonb_build_object(
      'payment_id', pm.payment_id, 'payment_status', p_status, 'order_id', p_order_id,
      'pay_address', pm.pay_address, 'pay_amount', pm.pay_amount, 'pay_currency', pm.pay_currency,
      'actually_paid', case when p_status = 'finished' then pm.pay_amount else 0 end,
      'price_amount', pm.price_amount, 'price_currency', 'usd',
      'updated_at', (extract(epoch from clock_timestamp()) * 1000)::bigint), 'ipn');
    exit when p_status = 'finished';
  end loop;
  return v;
end
$$;

-- ipn_waiting(order): a 'waiting' IPN of a payment create-crypto-payment never recorded.
create function pg_temp.ipn_waiting(p_order_id text) returns jsonb
language sql as $$
  select ffx_internal.payment_apply(jsonb_build_object('payment_id', 'np-ipn-' || p_order_id, 'payment_status', 'waiting',
    'order_id', p_order_id, 'pay_amount', 100, 'pay_currency', 'btc', 'price_amount', 584.10, 'price_currency', 'usd'), 'ipn')
$$;

create function pg_temp.use_state(p_order_id text) returns text
language sql stable as $$
  select coalesce((select state || case when over_limit then '+over' else '' end
                     from public.discount_code_uses where order_id = p_order_id), 'none')
$$;
create function pg_temp.counts(p_code text) returns text
language sql stable as $$ select uses || '/' || held from public.discount_codes where code = p_code $$;
create function pg_temp.attempts(p_user uuid) returns bigint
language sql stable as $$ select count(*) from public.discount_code_attempts where user_id = p_user $$;

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data)
select pg_temp.uid(w), w || '@example.com', '{}'::jsonb,
       case when w = 'ops' then '{"provider": "email", "role": "admin"}' else '{"provider": "email"}' end::jsonb
  from unnest(array['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'hank', 'ops']) w;
update public.user_profiles set account_status = 'banned' where id = pg_temp.uid('carol');
update public.user_profiles set account_status = 'suspended' where id = pg_temp.uid('dave');

insert into public.discount_codes (code, percent_off, amount_off, valid_from, valid_until, max_uses, max_uses_per_user, active) values
  ('LIMIT2', 10,   null, null,                     null,                     2,    null, true),
  ('LAST1',  10,   null, null,                     null,                     1,    null, true),
  ('ONCE',   null, 50,   null,                     null,                     null, 1,    true),
  ('OPEN',   10,   null, null,                     null,                     null, null, true),
  ('OLD',    10,   null, null,                     now() - interval '1 day', null, null, true),
  ('SOON',   10,   null, now() + interval '1 day', null,                     null, null, true),
  ('OFF',    10,   null, null,                     null,                     null, null, false),
  ('GONE',   10,   null, null,                     null,                     0,    null, true);

-- ==============================================================================================
-- structure
-- ==============================================================================================
select has_table('public', 'discount_code_uses', 'the ledger of discount code uses exists');
select has_table('public', 'discount_code_attempts', 'the discount code attempts exist');
select has_table('public', 'order_settings', 'the order settings exist');
select has_column('public', 'discount_codes', 'held', 'discount_codes counts open holds');
select has_column('public', 'discount_codes', 'max_uses_per_user', 'discount_codes has a per-customer limit');
select results_eq('select discount_attempts_per_hour from public.order_settings',
  $$values (20)$$, 'one settings row: 20 discount code attempts per customer and hour');
select throws_ok($$insert into public.order_settings (id) values (false)$$, '23514', null,
  'order_settings holds one row only');
select ok((select bool_and(relrowsecurity) from pg_class
            where oid in ('public.discount_code_uses'::regclass, 'public.discount_code_attempts'::regclass,
                          'public.order_settings'::regclass)),
  'RLS is enabled on the three new tables');
-- orders_insert_defaults must know every column: a new one must be classified there
select is(
  array(select a.attname::text from pg_attribute a
         where a.attrelid = 'public.orders'::regclass and a.attnum > 0 and not a.attisdropped order by 1),
  array['account_size', 'account_type', 'amount', 'attention_detail', 'created_at', 'crypto_address', 'crypto_amount',
        'crypto_currency', 'delivered_at', 'delivery_status', 'discount_amount', 'discount_code',
        'final_amount', 'id', 'invoice_id', 'invoice_url', 'needs_attention', 'order_id', 'order_status',
        'paid_at', 'pay_currency', 'payment_provider', 'payment_provider_id', 'payment_status',
        'platform_type', 'updated_at', 'user_id'],
  'orders has exactly the columns orders_insert_defaults classifies');
select function_privs_are('ffx_internal', 'discount_hold_take', array['text'], 'authenticated', '{}'::text[],
  'discount_hold_take is not callable by authenticated');
select function_privs_are('ffx_internal', 'discount_hold_take', array['text'], 'service_role', '{}'::text[],
  'discount_hold_take is not callable by service_role (owner only)');
select function_privs_are('ffx_internal', 'order_create', array['text', 'integer', 'text', 'text'], 'authenticated',
  array['EXECUTE'], 'order_create is callable by authenticated');
select function_privs_are('ffx_internal', 'order_create', array['text', 'integer', 'text', 'text'], 'anon',
  '{}'::text[], 'order_create is not callable by anon');
select function_privs_are('public', 'order_quote', array['uuid', 'text', 'integer', 'text', 'text'], 'anon',
  '{}'::text[], 'order_quote is not callable by anon');
select function_privs_are('ffx_internal', 'discount_use_consume', array['text'], 'service_role', '{}'::text[],
  'the ledger functions are owner only');

-- ==============================================================================================
-- the Data API insert: only the customer's four columns are taken
-- ==============================================================================================
create temp table ins as
select * from public.orders limit 0;
grant all on ins to public;
select pg_temp.act_as('alice');
with o as (
  insert into public.orders (id, order_id, user_id, account_type, account_size, platform_type, amount, discount_code,
                             discount_amount, final_amount, order_status, payment_status, delivery_status,
                             payment_provider, payment_provider_id, invoice_id, crypto_currency, crypto_amount,
                             crypto_address, paid_at, delivered_at, created_at, updated_at, invoice_url, pay_currency,
                             needs_attention, attention_detail)
  values ('00000000-0000-4000-8000-000000000001', 'FFX000000001', pg_temp.uid('bob'), 'one_step', 10000, 'mt4', 1,
          'open', 500, 1, 'completed', 'paid', 'delivered', 'stripe', 'PP-1', 'INV-1', 'btc', 1, 'bc1qattacker',
          '2000-01-01', '2000-01-01', '2000-01-01', '2000-01-01', 'https://phish.example', 'btc', 'price_mismatch',
          '{"verdict": "paid"}')
  returning *)
insert into ins select * from o;
select is((select count(*) from ins), 1::bigint, 'alice''s insert setting every column makes one order');
select isnt((select id from ins), '00000000-0000-4000-8000-000000000001'::uuid, 'id: the database''s');
select isnt((select order_id from ins), 'FFX000000001', 'order_id: the database''s');
select is((select user_id from ins), pg_temp.uid('alice'), 'user_id: auth.uid(), not bob');
select is((select account_type || ' ' || account_size || ' ' || platform_type from ins), 'one_step 10000 mt4',
  'account_type, account_size, platform_type: the customer''s');
select is((select discount_code from ins), 'OPEN', 'discount_code: the customer''s (normalised)');
select is((select amount from ins), 649.00, 'amount: the price list''s');
select is((select discount_amount from ins), 64.90, 'discount_amount: the code''s');
select is((select final_amount from ins), 584.10, 'final_amount: the database''s');
select is((select order_status || '/' || payment_status || '/' || delivery_status from ins), 'pending/pending/pending',
  'order_status, payment_status, delivery_status: pending');
select is((select payment_provider from ins), 'nowpayments', 'payment_provider: the default');
select is((select payment_provider_id from ins), null, 'payment_provider_id: none');
select is((select invoice_id from ins), null, 'invoice_id: none');
select is((select invoice_url from ins), null, 'invoice_url: none');
select is((select pay_currency from ins), null, 'pay_currency: none');
select is((select crypto_currency from ins), null, 'crypto_currency: none');
select is((select crypto_amount from ins), null, 'crypto_amount: none');
select is((select crypto_address from ins), null, 'crypto_address: none');
select is((select paid_at from ins), null, 'paid_at: none');
select is((select delivered_at from ins), null, 'delivered_at: none');
select is((select needs_attention from ins), null, 'needs_attention: none');
select is((select attention_detail from ins), null, 'attention_detail: none');
select is((select created_at from ins), now(), 'created_at: the server''s clock');
select is((select updated_at from ins), now(), 'updated_at: the server''s clock');
select is(pg_temp.use_state((select order_id from ins)), 'none', 'an unpaid order uses nothing of its code');

-- the admin's own direct insert: the same (an order is the inserting user's)
select pg_temp.act_as('ops');
select results_eq(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount, order_status,
                               payment_status, paid_at, crypto_currency, created_at)
    values ('b0000000-0000-4000-8000-00000000000b', 'hft', 5000, 'mt4', 1, 1, 'completed', 'paid', now(), 'btc', '2000-01-01')
    returning user_id, amount, final_amount, order_status, payment_status, paid_at, crypto_currency, created_at$$,
  $$values ('ad000000-0000-4000-8000-0000000000ad'::uuid, 399.00::numeric(12,2), 399.00::numeric(12,2), 'pending', 'pending',
            null::timestamptz, null::text, now())$$,
  'an admin''s direct insert is reset the same way: own order, pending, priced, server clock');

-- service_role names the buyer, nothing else
select pg_temp.act_as('service');
select results_eq(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount, order_status,
                               payment_status, delivery_status, paid_at, delivered_at, payment_provider, crypto_currency,
                               invoice_id, needs_attention, created_at)
    values ('b0000000-0000-4000-8000-00000000000b', 'hft', 5000, 'mt4', 1, 1, 'completed', 'paid', 'delivered', now(),
            now(), 'manual', 'btc', 'INV-9', 'partially_paid', '2000-01-01')
    returning user_id, amount, order_status, payment_status, delivery_status, paid_at, delivered_at, payment_provider,
              crypto_currency, invoice_id, needs_attention, created_at$$,
  $$values ('b0000000-0000-4000-8000-00000000000b'::uuid, 399.00::numeric(12,2), 'pending', 'pending', 'pending',
            null::timestamptz, null::timestamptz, 'nowpayments', null::text, null::text, null::text, now())$$,
  'service_role chooses the buyer; every other column is the database''s');

select pg_temp.act_as('anon');
select throws_ok($$select pg_temp.place()$$, '42501', null, 'anon cannot insert an order at all');

-- the owner (fixtures, tools as the superuser) keeps its columns but is priced
select pg_temp.act_as('owner');
select results_eq(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount, order_status,
                               created_at)
    values ('b0000000-0000-4000-8000-00000000000b', 'hft', 5000, 'mt4', 1, 1, 'processing', '2000-01-01')
    returning amount, order_status, created_at$$,
  $$values (399.00::numeric(12,2), 'processing', '2000-01-01'::timestamptz)$$,
  'the owner''s insert keeps its statuses and created_at, not its price');

-- ==============================================================================================
-- who may buy
-- ==============================================================================================
select pg_temp.act_as('carol');
select throws_ok($$select pg_temp.place()$$, 'FF403', 'Account is suspended or banned',
  'a banned customer''s direct insert: FF403');
select throws_ok($$select * from ffx_internal.order_create('one_step', 10000, 'mt4', null)$$, 'FF403',
  'Account is suspended or banned', 'a banned customer through order_create (create-order): FF403');
select throws_ok($$select pg_temp.place('OPEN')$$, 'FF403', 'Account is suspended or banned',
  'a banned customer with a code: FF403 first');
select pg_temp.act_as('dave');
select throws_ok($$select pg_temp.place()$$, 'FF403', 'Account is suspended or banned',
  'a suspended customer''s direct insert: FF403');
select throws_ok($$select * from ffx_internal.order_create('one_step', 10000, 'mt4', null)$$, 'FF403',
  'Account is suspended or banned', 'a suspended customer through order_create: FF403');
select pg_temp.act_as('service');
select throws_ok(
  $$insert into public.orders (user_id, account_type, account_size, platform_type)
    values ('c0000000-0000-4000-8000-00000000000c', 'one_step', 10000, 'mt4')$$,
  'FF403', 'Account is suspended or banned', 'service_role cannot order for a banned customer');
select pg_temp.act_as('owner');
select throws_ok(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
    values ('d0000000-0000-4000-8000-00000000000d', 'one_step', 10000, 'mt4', 649, 649)$$,
  'FF403', 'Account is suspended or banned', 'not even the owner orders for a suspended customer');
select is((select count(*) from public.orders where user_id in (pg_temp.uid('carol'), pg_temp.uid('dave'))),
  0::bigint, 'neither carol nor dave has an order');
select is(pg_temp.attempts(pg_temp.uid('carol')), 0::bigint, 'and carol''s refused order counted no code attempt');
update public.user_profiles set account_status = 'active' where id = pg_temp.uid('dave');
select pg_temp.act_as('dave');
select isnt(pg_temp.place(), null, 'dave, active again, orders');

-- ==============================================================================================
-- direct updates: refused for every API role, with the way to make the change
-- ==============================================================================================
select pg_temp.act_as('owner');
select pg_temp.keep('upd', (select order_id from ins));

select pg_temp.act_as('anon');
select throws_ok($$update public.orders set order_status = 'completed'$$, '42501', null,
  'anon: no UPDATE on orders at all');

select pg_temp.act_as('alice');
select is(pg_temp.rows_affected(format($$update public.orders set order_status = 'completed', payment_status = 'paid',
  paid_at = now() where order_id = %L$$, pg_temp.ord('upd'))), 0::bigint, 'alice updates not even her own order');

select pg_temp.act_as('ops');
select throws_ok(format($$update public.orders set order_status = 'completed' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'order_status changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'the admin: order_status refused, naming payment_apply() and the admin functions');
select throws_ok(format($$update public.orders set payment_status = 'paid' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'payment_status changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'the admin: payment_status refused');
select throws_ok(format($$update public.orders set delivery_status = 'delivered' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'delivery_status changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'the admin: delivery_status refused');
select throws_ok(format($$update public.orders set paid_at = now() where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'paid_at changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'the admin: paid_at refused');
select throws_ok(format($$update public.orders set delivered_at = now() where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'delivered_at changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'the admin: delivered_at refused');
select throws_ok(format($$update public.orders set needs_attention = 'price_mismatch' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'needs_attention changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'the admin: needs_attention refused');
select throws_ok(format($$update public.orders set attention_detail = '{}' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'attention_detail changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'the admin: attention_detail refused');
select throws_ok(format($$update public.orders set final_amount = 1 where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'final_amount is set by the database when the order is created (pricing, discount_codes) and never changes',
  'the admin: final_amount refused');
select throws_ok(format($$update public.orders set amount = 1, discount_amount = 0 where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'amount is set by the database when the order is created (pricing, discount_codes) and never changes',
  'the admin: amount refused');
select throws_ok(format($$update public.orders set crypto_currency = 'btc' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'crypto_currency changes only through create-crypto-payment (crypto_payment_record())',
  'the admin: crypto_currency refused');
select throws_ok(format($$update public.orders set user_id = 'ad000000-0000-4000-8000-0000000000ad' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'user_id cannot change once the order exists', 'the admin: user_id refused');
select throws_ok(format($$update public.orders set account_size = 200000, order_status = 'cancelled' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'order_status changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'several columns: the status is named first');
select is(pg_temp.rows_affected(format($$update public.orders set order_status = order_status where order_id = %L$$,
  pg_temp.ord('upd'))), 1::bigint, 'an update that changes nothing is no change');

select pg_temp.act_as('service');
select throws_ok(format($$update public.orders set order_status = 'completed', payment_status = 'paid' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'order_status changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'service_role: order_status refused');
select throws_ok(format($$update public.orders set paid_at = now() where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'paid_at changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'service_role: paid_at refused');
select throws_ok(format($$update public.orders set discount_code = 'LAST1' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'discount_code is set by the database when the order is created (pricing, discount_codes) and never changes',
  'service_role: discount_code refused');
select throws_ok(format($$update public.orders set invoice_id = 'INV-2' where order_id = %L$$, pg_temp.ord('upd')),
  'FF403', 'invoice_id changes only through create-crypto-payment (crypto_payment_record())',
  'service_role: invoice_id refused');

select pg_temp.act_as('owner');
select results_eq(format($$select order_status, payment_status, paid_at, final_amount from public.orders where order_id = %L$$, pg_temp.ord('upd')),
  $$values ('pending', 'pending', null::timestamptz, 584.10::numeric(12,2))$$, 'the order is untouched');
select lives_ok(format($$update public.orders set needs_attention = 'price_mismatch' where order_id = %L$$, pg_temp.ord('upd')),
  'the owner (the superuser, our SECURITY DEFINER functions) still updates');

-- needs_attention goes through the audited admin function
select pg_temp.act_as('alice');
select throws_ok(format($$select ffx_internal.admin_order_clear_attention(%L, 'mine')$$, pg_temp.ord('upd')), 'FF403', 'Unauthorized',
  'a customer cannot clear an order''s attention');
select pg_temp.act_as('ops');
select throws_ok(format($$select ffx_internal.admin_order_clear_attention(%L, null)$$, pg_temp.ord('upd')), 'FF400', 'A reason is required',
  'clearing needs a reason');
select throws_ok($$select ffx_internal.admin_order_clear_attention('FFX000000000', 'checked')$$, 'FF404', 'Order not found',
  'an unknown order: FF404');
select results_eq(format($$select r ->> 'success', r ->> 'old_needs_attention' from ffx_internal.admin_order_clear_attention(%L, 'price checked by hand') r$$,
  pg_temp.ord('upd')), $$values ('true', 'price_mismatch')$$, 'the admin clears needs_attention with a reason');
select throws_ok(format($$select ffx_internal.admin_order_clear_attention(%L, 'again')$$, pg_temp.ord('upd')), 'FF409',
  'Order needs no attention', 'twice: FF409');
select pg_temp.act_as('owner');
select is((select needs_attention from public.orders where order_id = pg_temp.ord('upd')), null, 'the flag is gone');
select results_eq(
  format($$select admin_email, description, old_values ->> 'needs_attention' from public.admin_audit_log
            where action_type = 'clear_attention' and record_id = %L$$, pg_temp.ord('upd')),
  $$values ('ops@example.com', 'price checked by hand', 'price_mismatch')$$, 'and audited with the admin, the reason and the old value');

-- the state machine itself, inside SECURITY DEFINER functions, is the owner: it moves orders
select pg_temp.act_as('alice');
select pg_temp.open_payment(pg_temp.ord('upd'));
select pg_temp.act_as('service');
select is(pg_temp.provider(pg_temp.ord('upd'), 'waiting') ->> 'order_status', 'processing',
  'payment_apply (service_role) still moves the order');

-- ==============================================================================================
-- discount codes: held while a payment is open, used when paid, released when it fails
-- ==============================================================================================
select pg_temp.act_as('alice');
select pg_temp.keep('a1', pg_temp.place('LIMIT2'));
select pg_temp.keep('a2', pg_temp.place('limit2'));
select pg_temp.keep('a3', pg_temp.place('LIMIT2'));
select isnt(pg_temp.ord('a3'), null, 'three unpaid orders with a 2-use code are all accepted');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LIMIT2'), '0/0', 'and use nothing: 0 used, 0 held');

select pg_temp.act_as('alice');
select lives_ok($$select pg_temp.open_payment(pg_temp.ord('a1'))$$, 'a payment opened for a1');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LIMIT2'), '0/1', 'a1 holds a use while its payment is open');
select is(pg_temp.use_state(pg_temp.ord('a1')), 'held', 'a1''s ledger row: held');
select pg_temp.act_as('alice');
select lives_ok($$select pg_temp.open_payment(pg_temp.ord('a1'), 'btc')$$, 'a second coin for a1');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LIMIT2'), '0/1', 'still one hold: a hold is per order');
select is(ffx_internal.discount_hold_take(pg_temp.ord('a1')), 'held', 'discount_hold_take on a held order: held');
select is(pg_temp.counts('LIMIT2'), '0/1', 'and takes nothing more (idempotent)');

select pg_temp.act_as('bob');
select pg_temp.keep('b1', pg_temp.place('LIMIT2'));
select lives_ok($$select pg_temp.open_payment(pg_temp.ord('b1'))$$, 'bob opens a payment: the second use');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LIMIT2'), '0/2', 'two held');
select pg_temp.act_as('alice');
select throws_ok($$select pg_temp.open_payment(pg_temp.ord('a2'))$$, 'FF400', 'Invalid discount code',
  'a third payment finds no room: refused before it is recorded');
select pg_temp.act_as('owner');
select throws_ok(format($$select ffx_internal.discount_hold_take(%L)$$, pg_temp.ord('a3')), 'FF400', 'Invalid discount code',
  'discount_hold_take: no room, FF400');
select is(pg_temp.counts('LIMIT2'), '0/2', 'the refused attempts took nothing');
select pg_temp.act_as('erin');
select is(pg_temp.place('LIMIT2'), null, 'while two are held a new order with the code is refused (no row)');

-- the hold of an order that expires comes back
select pg_temp.act_as('service');
select is(pg_temp.provider(pg_temp.ord('a1'), 'expired') ->> 'order_status', 'failed', 'a1''s payment expired: a1 failed');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LIMIT2'), '0/1', 'a1''s hold is released');
select is(pg_temp.use_state(pg_temp.ord('a1')), 'released', 'a1''s ledger row: released');
select pg_temp.act_as('erin');
select isnt(pg_temp.keep('e1', pg_temp.place('LIMIT2')), null, 'the code has room again: erin''s order is accepted');

-- paid: the hold becomes a use
select pg_temp.act_as('service');
select is(pg_temp.provider(pg_temp.ord('b1'), 'finished') ->> 'payment_status', 'paid', 'bob''s payment finished');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LIMIT2'), '1/0', 'bob''s hold became a use');
select is(pg_temp.use_state(pg_temp.ord('b1')), 'used', 'b1''s ledger row: used');
select pg_temp.act_as('service');
select is(pg_temp.provider(pg_temp.ord('b1'), 'finished') ->> 'payment_status', 'paid', 'the same finished again');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LIMIT2'), '1/0', 'counts once');

-- a late payment after expiry: honoured and counted
select pg_temp.act_as('service');
select is(pg_temp.provider(pg_temp.ord('a1'), 'finished') ->> 'payment_status', 'paid', 'a1''s late payment pays it');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LIMIT2'), '2/0', 'a1''s late payment is a use');
select is(pg_temp.use_state(pg_temp.ord('a1')), 'used', 'within max_uses: not over the limit');
select pg_temp.act_as('erin');
select throws_ok($$select pg_temp.open_payment(pg_temp.ord('e1'))$$, 'FF400', 'Invalid discount code',
  'the code is used up: erin''s accepted order cannot open a payment with it');

-- a late payment beyond max_uses: honoured, counted, flagged and audited
select pg_temp.act_as('erin');
select pg_temp.keep('e2', pg_temp.place('LAST1'));
select pg_temp.open_payment(pg_temp.ord('e2'));
select pg_temp.act_as('service');
select pg_temp.provider(pg_temp.ord('e2'), 'expired');
select pg_temp.act_as('frank');
select pg_temp.keep('f1', pg_temp.place('LAST1'));
select pg_temp.open_payment(pg_temp.ord('f1'));
select pg_temp.act_as('service');
select pg_temp.provider(pg_temp.ord('f1'), 'finished');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LAST1'), '1/0', 'LAST1: frank used the last use');
select pg_temp.act_as('service');
select is(pg_temp.provider(pg_temp.ord('e2'), 'finished') ->> 'payment_status', 'paid',
  'erin''s late payment after frank''s pays her order all the same');
select pg_temp.act_as('owner');
select is(pg_temp.counts('LAST1'), '2/0', 'and counts: 2 uses of a 1-use code');
select is(pg_temp.use_state(pg_temp.ord('e2')), 'used+over', 'flagged over_limit');
select results_eq(
  $$select action_type, table_name, record_id, new_values ->> 'order_id' from public.admin_audit_log
     where action_type = 'discount_over_limit'$$,
  format($$values ('discount_over_limit', 'discount_codes', 'LAST1', %L)$$, pg_temp.ord('e2')),
  'and audited');

-- paid by whichever path: an owner's update of paid_at counts too; a cancellation releases
select pg_temp.act_as('hank');
select pg_temp.keep('h1', pg_temp.place('OPEN'));
select pg_temp.keep('h2', pg_temp.place('OPEN'));
select pg_temp.keep('h3', pg_temp.place('OPEN'));
select pg_temp.open_payment(pg_temp.ord('h1'));
select pg_temp.open_payment(pg_temp.ord('h2'));
select pg_temp.act_as('owner');
select is(pg_temp.counts('OPEN'), '0/3', 'an unlimited code is held too (h1, h2 and upd)');
update public.orders set order_status = 'processing', payment_status = 'paid', paid_at = now() where order_id = pg_temp.ord('h1');
select is(pg_temp.use_state(pg_temp.ord('h1')), 'used', 'paid_at set by the owner directly: used');
update public.orders set order_status = 'cancelled' where order_id = pg_temp.ord('h2');
select is(pg_temp.use_state(pg_temp.ord('h2')), 'released', 'a cancelled unpaid order releases its hold');
select is(pg_temp.counts('OPEN'), '1/1', 'OPEN: 1 used (h1), 1 held (upd)');
select is(ffx_internal.discount_hold_take(pg_temp.ord('h2')), 'none', 'a closed order takes no hold');
select is(ffx_internal.discount_hold_take(pg_temp.ord('h1')), 'used', 'a paid order''s hold: used');
select is(ffx_internal.discount_hold_take(pg_temp.ord('h3')), 'held', 'discount_hold_take takes a hold before any payment');
select is(pg_temp.counts('OPEN'), '1/2', 'OPEN: h3 holds too');

-- a payment that comes in through an IPN (not through checkout) takes a hold when there is room
-- and is never refused for lack of it
select pg_temp.act_as('owner');
update public.discount_codes set max_uses = 3 where code = 'LAST1';
select pg_temp.act_as('grace');
select pg_temp.keep('g1', pg_temp.place('LAST1'));
select pg_temp.keep('g2', pg_temp.place('LAST1'));
select pg_temp.act_as('service');
select lives_ok($$select pg_temp.ipn_waiting(pg_temp.ord('g1'))$$, 'a waiting IPN of a payment we never recorded');
select pg_temp.act_as('owner');
select is(pg_temp.use_state(pg_temp.ord('g1')), 'held', 'holds the code when it has room (LAST1 is full now)');
select pg_temp.act_as('service');
select is(pg_temp.ipn_waiting(pg_temp.ord('g2')) ->> 'order_status', 'processing',
  'another IPN for a full code is applied all the same: money may be on its way');
select pg_temp.act_as('owner');
select is(pg_temp.use_state(pg_temp.ord('g2')), 'none', 'without a hold');

-- a hold no payment backs (taken before a provider call that then failed) is given back: by
-- discount_hold_release when the call fails, by the reconciler's sweep when nobody did
select pg_temp.act_as('hank');
select pg_temp.keep('s1', pg_temp.place('OPEN'));
select pg_temp.keep('s2', pg_temp.place('OPEN'));
select pg_temp.act_as('owner');
select is(ffx_internal.discount_hold_take(pg_temp.ord('s1')), 'held', 's1 holds OPEN before any payment');
select is(ffx_internal.discount_hold_release(pg_temp.ord('s1')), 'released', 'without a live payment the hold is released');
select is(ffx_internal.discount_hold_release(pg_temp.ord('h1')), 'none', 'a paid order''s use is never released');
select is(ffx_internal.discount_hold_take(pg_temp.ord('s1')), 'held', 'taken again');
select pg_temp.act_as('hank');
select pg_temp.open_payment(pg_temp.ord('s1'));
select pg_temp.act_as('owner');
select is(ffx_internal.discount_hold_release(pg_temp.ord('s1')), 'held', 'an open order with a live payment keeps its hold');
select is(ffx_internal.discount_hold_take(pg_temp.ord('s2')), 'held', 's2 holds OPEN before any payment');
update public.discount_code_uses set held_at = now() - interval '2 hours' where order_id in (pg_temp.ord('s1'), pg_temp.ord('s2'));
select pg_temp.act_as('alice');
select throws_ok($$select ffx_internal.discount_holds_release_stale(interval '1 hour')$$, '42501', null,
  'the sweep is the backend''s (no EXECUTE for customers)');
select pg_temp.act_as('service');
select is(ffx_internal.discount_holds_release_stale(interval '1 hour'), 1, 'the sweep releases the one stale hold without a payment');
select pg_temp.act_as('owner');
select is(pg_temp.use_state(pg_temp.ord('s2')) || ' ' || pg_temp.use_state(pg_temp.ord('s1')), 'released held',
  's2 released; s1, whose payment is open, kept');
select pg_temp.act_as('service');
select is(ffx_internal.discount_holds_release_stale(interval '1 hour'), 0, 'a second sweep releases nothing');

-- ==============================================================================================
-- per-customer limit
-- ==============================================================================================
select pg_temp.act_as('frank');
select pg_temp.keep('once1', pg_temp.place('ONCE'));
select pg_temp.keep('once2', pg_temp.place('ONCE'));
select isnt(pg_temp.ord('once2'), null, 'two unpaid orders with a once-per-customer code are accepted');
select lives_ok($$select pg_temp.open_payment(pg_temp.ord('once1'))$$, 'the first opens a payment');
select throws_ok($$select pg_temp.open_payment(pg_temp.ord('once2'))$$, 'FF400', 'Invalid discount code',
  'the second cannot: frank''s one use is held');
select is(pg_temp.place('ONCE'), null, 'nor can frank order with it again (no row)');
select pg_temp.act_as('bob');
select isnt(pg_temp.keep('once_b', pg_temp.place('ONCE')), null, 'bob still can');
select lives_ok($$select pg_temp.open_payment(pg_temp.ord('once_b'))$$, 'and open a payment');
select pg_temp.act_as('service');
select pg_temp.provider(pg_temp.ord('once1'), 'failed');
select pg_temp.act_as('frank');
select lives_ok($$select pg_temp.open_payment(pg_temp.ord('once2'))$$,
  'frank''s first payment failed: his second order may hold the code now');

-- ==============================================================================================
-- wrong, expired, inactive, not yet valid, used up: one answer
-- ==============================================================================================
select pg_temp.act_as('bob');
select results_eq(
  $$select c, (select error from ffx_internal.order_create('one_step', 10000, 'mt4', c)) from unnest(array['NOPE', 'OLD', 'SOON', 'OFF', 'GONE', 'LAST1x', ''' OR 1=1 --']) c$$,
  $$select c, 'Invalid discount code' from unnest(array['NOPE', 'OLD', 'SOON', 'OFF', 'GONE', 'LAST1x', ''' OR 1=1 --']) c$$,
  'order_create answers every refused code with the same error');
select results_eq(
  $$select c, pg_temp.place(c) from unnest(array['NOPE', 'OLD', 'SOON', 'OFF', 'GONE']) c$$,
  $$select c, null::text from unnest(array['NOPE', 'OLD', 'SOON', 'OFF', 'GONE']) c$$,
  'a direct insert with any refused code inserts nothing, without an error');
select pg_temp.act_as('frank');
select is((select error from ffx_internal.order_create('one_step', 10000, 'mt4', 'ONCE')), 'Invalid discount code',
  'a code this customer used up: the same answer');
select pg_temp.act_as('owner');
select throws_ok(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount, discount_code)
    values ('b0000000-0000-4000-8000-00000000000b', 'one_step', 10000, 'mt4', 649, 649, 'OLD')$$,
  'FF400', 'Invalid discount code', 'the owner''s direct insert with a refused code raises (nothing to record)');

-- ==============================================================================================
-- attempts and the rate limit
-- ==============================================================================================
select pg_temp.act_as('owner');
delete from public.discount_code_attempts where user_id = pg_temp.uid('grace');
update public.order_settings set discount_attempts_per_hour = 5;

select pg_temp.act_as('grace');
select is(pg_temp.rows_affected($$insert into public.orders (user_id, account_type, account_size, platform_type, discount_code)
  values (auth.uid(), 'one_step', 10000, 'mt4', 'GUESS1')$$), 0::bigint,
  'a wrong code: the insert succeeds with 0 rows');
select pg_temp.act_as('owner');
select results_eq($$select code, accepted from public.discount_code_attempts where user_id = '90000000-0000-4000-8000-000000000009'$$,
  $$values ('GUESS1', false)$$, 'and its attempt is recorded (the statement did not roll back)');
select pg_temp.act_as('grace');
select results_eq($$select order_doc, error from ffx_internal.order_create('one_step', 10000, 'mt4', 'guess2')$$,
  $$values (null::jsonb, 'Invalid discount code')$$, 'order_create: no order, the error');
select isnt((select order_doc from ffx_internal.order_create('one_step', 10000, 'mt4', 'OPEN')), null,
  'a good code is an attempt too, and accepted');
select is((select order_doc from ffx_internal.order_create('one_step', 10000, 'mt4', null)) ->> 'discount_code', null,
  'an order without a code is no attempt');
select is(pg_temp.place('GUESS3'), null, 'attempt 4: wrong');
select is(pg_temp.place('GUESS4'), null, 'attempt 5: wrong');
select pg_temp.act_as('owner');
select is(pg_temp.attempts(pg_temp.uid('grace')), 5::bigint, 'five attempts recorded, right and wrong');
select pg_temp.act_as('grace');
select throws_ok($$select pg_temp.place('OPEN')$$, 'FF429', 'Too many discount code attempts',
  'the sixth within the hour: FF429, even with a good code');
select throws_ok($$select * from ffx_internal.order_create('one_step', 10000, 'mt4', 'NOPE')$$, 'FF429',
  'Too many discount code attempts', 'order_create: FF429 too');
select isnt(pg_temp.place(), null, 'orders without a code are not limited');
select pg_temp.act_as('service');
select throws_ok(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, discount_code)
    values ('90000000-0000-4000-8000-000000000009', 'one_step', 10000, 'mt4', 'OPEN')$$,
  'FF429', 'Too many discount code attempts', 'service_role ordering for grace counts against grace');
select pg_temp.act_as('owner');
select is(pg_temp.attempts(pg_temp.uid('grace')), 5::bigint, 'refused attempts are not recorded');
select pg_temp.act_as('dave');
select isnt(pg_temp.place('OPEN'), null, 'another customer is not limited by grace''s attempts');
select pg_temp.act_as('owner');
update public.discount_code_attempts set attempted_at = now() - interval '61 minutes'
 where user_id = pg_temp.uid('grace');
select pg_temp.act_as('grace');
select isnt(pg_temp.place('OPEN'), null, 'an hour later grace may try again (a rolling hour)');
select pg_temp.act_as('owner');
update public.order_settings set discount_attempts_per_hour = 20;

-- order_quote, the trigger's entry point, is no way around any of it
select pg_temp.act_as('alice');
select throws_ok($$select * from public.order_quote('b0000000-0000-4000-8000-00000000000b', 'one_step', 10000, 'mt4', 'OPEN')$$,
  'FF403', 'Unauthorized', 'alice cannot quote (or count attempts) for bob');
select results_eq($$select amount, discount_amount, code_refused from public.order_quote(auth.uid(), 'one_step', 10000, 'mt4', 'OPEN')$$,
  $$values (649.00::numeric, 64.90::numeric, false)$$, 'her own quote follows the same rules');
select pg_temp.act_as('owner');
select is((select accepted from public.discount_code_attempts where user_id = pg_temp.uid('alice')
            order by id desc limit 1), true, 'and counts as an attempt');

-- ==============================================================================================
-- discount_codes: uses and held are the database's count
-- ==============================================================================================
select pg_temp.act_as('ops');
select throws_ok($$update public.discount_codes set uses = 0 where code = 'LIMIT2'$$, 'FF403',
  'discount_codes.uses and held are counted by the database: change max_uses instead',
  'an admin cannot reset uses');
select throws_ok($$update public.discount_codes set held = 5 where code = 'LIMIT2'$$, 'FF403',
  'discount_codes.uses and held are counted by the database: change max_uses instead',
  'an admin cannot drop holds');
select is(pg_temp.rows_affected($$update public.discount_codes set max_uses = 5, max_uses_per_user = 2 where code = 'LIMIT2'$$),
  1::bigint, 'an admin changes the limits');
select results_eq($$insert into public.discount_codes (code, percent_off, uses, held) values ('fresh', 5, 40, 3) returning uses, held$$,
  $$values (0, 0)$$, 'a new code starts at 0 uses, 0 held, whatever the admin sent');
select is((select count(*) from public.discount_code_uses) > 0, true, 'the admin reads the ledger');
select pg_temp.act_as('alice');
select is((select count(*) from public.discount_code_uses), 0::bigint, 'a customer reads no ledger row');
select is((select count(*) from public.discount_code_attempts), 0::bigint, 'nor any attempt');
select is((select count(*) from public.order_settings), 0::bigint, 'nor the settings');
select is(pg_temp.rows_affected($$update public.order_settings set discount_attempts_per_hour = 100000$$), 0::bigint,
  'nor change them');

-- ==============================================================================================
-- the counters are the ledger's, and the backfill rebuilds them
-- ==============================================================================================
select pg_temp.act_as('owner');
select is(
  (select count(*) from public.discount_codes d
    where (d.uses, d.held) is distinct from (
          (select count(*)::int from public.discount_code_uses u where u.code = d.code and u.state = 'used'),
          (select count(*)::int from public.discount_code_uses u where u.code = d.code and u.state = 'held'))),
  0::bigint, 'every code''s uses and held equal its ledger');
create temp table ledger_before as
  select order_id, state from public.discount_code_uses where state <> 'released';
delete from public.discount_code_uses;
update public.discount_codes set uses = 7, held = 7;
select is(ffx_internal.discount_code_uses_backfill(),
  (select count(*)::int from public.orders o
    where o.discount_code is not null
      and (o.paid_at is not null
           or (o.order_status in ('pending', 'processing')
               and exists (select 1 from public.payments p where p.order_id = o.order_id
                              and p.payment_status in ('waiting', 'confirming', 'confirmed', 'sending', 'partially_paid'))))),
  'the backfill adds a row for every paid order and every open one with a live payment');
select set_eq(
  $$select order_id, state from public.discount_code_uses$$,
  $$select order_id, state from ledger_before where order_id not in (select pg_temp.ord('h3'))
    union all select pg_temp.ord('g2'), 'held'$$,
  'the states as before, except h3 (held without a payment) and g2 (a live payment that found no room)');
select is(
  (select count(*) from public.discount_codes d
    where (d.uses, d.held) is distinct from (
          (select count(*)::int from public.discount_code_uses u where u.code = d.code and u.state = 'used'),
          (select count(*)::int from public.discount_code_uses u where u.code = d.code and u.state = 'held'))),
  0::bigint, 'and every code''s counters from its ledger again');
select is(ffx_internal.discount_code_uses_backfill(), 0, 'a second run adds nothing');

select * from finish();
rollback;
