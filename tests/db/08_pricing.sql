-- pricing, discount codes and the coin map: the server sets every order's price, whatever
-- the inserter sent. Exercised the way the C functions run a request:
--   select set_config('request.jwt.claims', '<verified JWT payload>', true);
--   set local role authenticated | anon | service_role;
-- Users: alice (a...a) and bob (b...b) are customers; ops (ad...ad) carries app_metadata.role=admin.
begin;
select plan(84);

-- rows_affected(sql): run a DML statement as the current role, return how many rows it touched.
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

-- place(type, size, platform, code): insert an order for the caller (auth.uid()) claiming a price
-- of 1 USD and a discount of 0, and return what the database stored.
create function pg_temp.place(p_type text, p_size integer, p_platform text, p_code text default null)
returns table (amount numeric, discount_amount numeric, final_amount numeric, discount_code text)
language sql as $$
  insert into public.orders (user_id, account_type, account_size, platform_type,
                             amount, discount_amount, final_amount, discount_code)
  values (auth.uid(), p_type, p_size, p_platform, 1, 0, 1, p_code)
  returning amount, discount_amount, final_amount, discount_code
$$;

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{"first_name": "Bob"}',   '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');

insert into public.discount_codes (code, percent_off, amount_off, valid_from, valid_until, max_uses, active) values
  ('PCT10',  10,    null, null,                      null,                      null, true),
  ('ODD12',  12.5,  null, null,                      null,                      null, true),
  ('FLAT50', null,  50,   now() - interval '1 day',  now() + interval '1 day',  null, true),
  ('BIG',    null,  1000, null,                      null,                      null, true),
  ('OLD',    10,    null, null,                      now() - interval '1 day',  null, true),
  ('SOON',   10,    null, now() + interval '1 day',  null,                      null, true),
  ('TWICE',  5,     null, null,                      null,                      2,    true),
  ('OFF',    10,    null, null,                      null,                      null, false);

-- ==============================================================================================
-- structure
-- ==============================================================================================
select has_table('public', 'pricing', 'table pricing exists');
select has_table('public', 'discount_codes', 'table discount_codes exists');
select has_table('public', 'crypto_currency_map', 'table crypto_currency_map exists');
select col_is_unique('public', 'pricing', array['account_type', 'account_size', 'platform_type'],
  'pricing (account_type, account_size, platform_type) is unique');
select col_type_is('public', 'pricing', 'price_usd', 'numeric(12,2)', 'pricing.price_usd is numeric(12,2)');
select col_default_is('public', 'pricing', 'active', 'true', 'a price is active by default');
select col_is_pk('public', 'discount_codes', 'code', 'discount_codes.code is the primary key');
select col_type_is('public', 'discount_codes', 'percent_off', 'numeric(5,2)', 'discount_codes.percent_off is numeric(5,2)');
select col_type_is('public', 'discount_codes', 'amount_off', 'numeric(12,2)', 'discount_codes.amount_off is numeric(12,2)');
select col_default_is('public', 'discount_codes', 'uses', '0', 'discount_codes.uses starts at 0');
select col_is_pk('public', 'crypto_currency_map', 'code', 'crypto_currency_map.code is the primary key');
select col_not_null('public', 'crypto_currency_map', 'provider_code', 'crypto_currency_map.provider_code is not null');
select ok((select bool_and(relrowsecurity) from pg_class
            where oid in ('public.pricing'::regclass, 'public.discount_codes'::regclass,
                          'public.crypto_currency_map'::regclass)),
  'RLS is enabled on the three tables');

select results_eq(
  $$select p.prosecdef, p.proconfig is null from pg_proc p
     where p.oid = 'ffx_internal.orders_apply_pricing()'::regprocedure$$,
  $$values (false, true)$$,
  'orders_apply_pricing is SECURITY INVOKER (it must see who inserts; order_quote reads the codes), without a SET clause');
-- BEFORE INSERT row triggers on orders fire in name order: the price is set before (or with) the id
select is(
  array(select t.tgname::text from pg_trigger t
         where t.tgrelid = 'public.orders'::regclass and not t.tgisinternal
           and t.tgtype & 2 = 2   -- BEFORE
           and t.tgtype & 4 = 4   -- INSERT
           and t.tgtype & 1 = 1   -- FOR EACH ROW
         order by t.tgname),
  array['orders_apply_pricing', 'orders_set_order_id'],
  'orders has exactly two BEFORE INSERT triggers, the pricing one firing first');
select trigger_is('public', 'discount_codes', 'discount_codes_normalize_code', 'ffx_internal', 'discount_codes_normalize_code',
  'discount codes are normalised by a trigger');

select table_privs_are('public', 'discount_codes', 'anon', '{}'::text[], 'anon has no privilege on discount_codes');
select table_privs_are('public', 'discount_codes', 'authenticated', array['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
  'authenticated holds DML on discount_codes (narrowed to admins by RLS)');
select table_privs_are('public', 'discount_codes', 'service_role', array['SELECT'],
  'service_role may only read discount_codes (admins manage them)');
select table_privs_are('public', 'pricing', 'authenticated', array['DELETE', 'INSERT', 'SELECT', 'UPDATE'],
  'authenticated holds DML on pricing (narrowed to admins by RLS)');
select table_privs_are('public', 'crypto_currency_map', 'service_role', array['SELECT'],
  'service_role may only read crypto_currency_map (admins manage it)');

-- ==============================================================================================
-- seed
-- ==============================================================================================
select is((select count(*) from public.pricing), 48::bigint, '48 prices');
select set_eq(
  'select account_type, account_size, platform_type from public.pricing where active',
  $$select t, s, p from unnest(array['instant', 'hft', 'one_step', 'two_step']) t,
                        unnest(array[5000, 10000, 25000, 50000, 100000, 200000]) s,
                        unnest(array['mt4', 'mt5']) p$$,
  'an active price for every type x size x platform');
select is((select price_usd from public.pricing where account_type = 'one_step' and account_size = 10000 and platform_type = 'mt4'),
  649.00, 'one_step 10000 MT4 costs 649 (the seed document''s example)');
select is(
  (select count(*) from public.pricing a join public.pricing b using (account_type, account_size)
    where a.platform_type = 'mt4' and b.platform_type = 'mt5' and a.price_usd <> b.price_usd),
  0::bigint, 'MT5 costs the same as MT4');
select is(
  (select count(*) from (
     select price_usd <= lag(price_usd) over (partition by account_type, platform_type order by account_size) as cheaper
       from public.pricing) s
    where cheaper),
  0::bigint, 'a larger account always costs more');
select set_eq(
  'select code, provider_code from public.crypto_currency_map where active',
  $$values ('usdt_bsc', 'usdtbsc'), ('usdt_polygon', 'usdtmatic'), ('usdt_trc20', 'usdttrc20'),
           ('bnb', 'bnbbsc'), ('btc', 'btc'), ('trx', 'trx')$$,
  'the coin map is the seed document''s six currencies, all active');

-- ==============================================================================================
-- alice: the price is the server's
-- ==============================================================================================
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;

select results_eq($$select * from pg_temp.place('one_step', 10000, 'mt4')$$,
  $$values (649::numeric, 0::numeric, 649::numeric, null::text)$$,
  'amount=1, final_amount=1 sent by a customer: the order costs 649/649 all the same');
select results_eq(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, discount_amount, final_amount)
    values ('a0000000-0000-4000-8000-00000000000a', 'instant', 200000, 'mt5', 999999, 999999, 0)
    returning amount, discount_amount, final_amount$$,
  $$values (10999.00::numeric(12,2), 0.00::numeric(12,2), 10999.00::numeric(12,2))$$,
  'an invented discount_amount is ignored too');
select results_eq(
  $$insert into public.orders (user_id, account_type, account_size, platform_type)
    values ('a0000000-0000-4000-8000-00000000000a', 'two_step', 10000, 'mt4')
    returning amount, discount_amount, final_amount$$,
  $$values (549.00::numeric(12,2), 0.00::numeric(12,2), 549.00::numeric(12,2))$$,
  'an insert without any amount (as create-order does it) is priced');
select results_eq($$select * from pg_temp.place('hft', 5000, 'mt4', '')$$,
  $$values (399::numeric, 0::numeric, 399::numeric, null::text)$$,
  'a blank discount code is no code');

-- discount codes
select results_eq($$select * from pg_temp.place('one_step', 10000, 'mt4', 'PCT10')$$,
  $$values (649::numeric, 64.90::numeric, 584.10::numeric, 'PCT10')$$,
  'a percentage code: 10 % of 649');
select results_eq($$select * from pg_temp.place('one_step', 5000, 'mt4', 'ODD12')$$,
  $$values (349::numeric, 43.63::numeric, 305.37::numeric, 'ODD12')$$,
  'a percentage discount is rounded to cents (12.5 % of 349 = 43.625 -> 43.63)');
select results_eq($$select * from pg_temp.place('two_step', 25000, 'mt5', 'FLAT50')$$,
  $$values (1099::numeric, 50::numeric, 1049::numeric, 'FLAT50')$$,
  'a fixed code inside its validity window: 50 off');
select results_eq($$select * from pg_temp.place('one_step', 10000, 'mt4', 'BIG')$$,
  $$values (649::numeric, 649::numeric, 0::numeric, 'BIG')$$,
  'a fixed discount above the price is capped at the price: final amount 0');
select results_eq($$select * from pg_temp.place('two_step', 5000, 'mt4', '  flat50 ')$$,
  $$values (299::numeric, 50::numeric, 249::numeric, 'FLAT50')$$,
  'a lower-case code (with blanks) is accepted and stored upper-case');

select is((select count(*) from pg_temp.place('one_step', 10000, 'mt4', 'OLD')), 0::bigint,
  'an expired code is refused: no order (the row is skipped so that the attempt is kept)');
select is((select count(*) from pg_temp.place('one_step', 10000, 'mt4', 'SOON')), 0::bigint,
  'a code that is not yet valid is refused: no order (the row is skipped so that the attempt is kept)');
select is((select count(*) from pg_temp.place('one_step', 10000, 'mt4', 'OFF')), 0::bigint,
  'an inactive code is refused: no order (the row is skipped so that the attempt is kept)');
select is((select count(*) from pg_temp.place('one_step', 10000, 'mt4', 'NOPE')), 0::bigint,
  'an unknown code is refused: no order (the row is skipped so that the attempt is kept)');
select is((select count(*) from pg_temp.place('one_step', 10000, 'mt4', 'PCT10; drop table x')), 0::bigint,
  'garbage is just an unknown code');

select lives_ok($$select * from pg_temp.place('hft', 10000, 'mt4', 'TWICE')$$, 'TWICE: first use');
select lives_ok($$select * from pg_temp.place('hft', 10000, 'mt4', 'twice')$$, 'TWICE: second use');
select lives_ok($$select * from pg_temp.place('hft', 10000, 'mt4', 'TWICE')$$,
  'TWICE: a third unpaid order is accepted too: only paid orders (and open payments) use a code');

-- products
select throws_ok($$select * from pg_temp.place('one_step', 7000, 'mt4')$$,
  'FF400', 'Product not available', 'a size without a price cannot be ordered');
select throws_ok($$select * from pg_temp.place('one_step', 7000, 'mt4', 'PCT10')$$,
  'FF400', 'Product not available', 'nor with a valid code');

-- what alice may see and change
select is((select count(*) from public.pricing), 48::bigint, 'alice reads the active prices');
select is((select count(*) from public.discount_codes), 0::bigint, 'alice reads no discount code');
select is(pg_temp.rows_affected($$update public.discount_codes set uses = 0, max_uses = null$$), 0::bigint,
  'alice cannot reset a code''s uses');
select is(pg_temp.rows_affected($$update public.pricing set price_usd = 1$$), 0::bigint,
  'alice cannot change prices');
select throws_ok($$insert into public.pricing (account_type, account_size, platform_type, price_usd)
                   values ('hft', 7000, 'mt4', 1)$$, '42501', null, 'alice cannot add a price');
select throws_ok($$insert into public.discount_codes (code, percent_off) values ('MINE', 100)$$,
  '42501', null, 'alice cannot create a discount code');
select is((select count(*) from public.crypto_currency_map), 6::bigint, 'alice reads the coin map');
select is(pg_temp.rows_affected($$update public.crypto_currency_map set provider_code = 'btc'$$), 0::bigint,
  'alice cannot change the coin map');

-- ==============================================================================================
-- uses counted once per successful order (as the superuser, who sees the codes)
-- ==============================================================================================
reset role;
select results_eq(
  $$select code, uses from public.discount_codes order by code$$,
  $$values ('BIG', 0), ('FLAT50', 0), ('ODD12', 0), ('OFF', 0), ('OLD', 0), ('PCT10', 0), ('SOON', 0), ('TWICE', 0)$$,
  'an unpaid order uses nothing of its code (a use counts when the order is paid)');
select is((select count(*) from public.orders where discount_code = 'TWICE'), 3::bigint,
  'three unpaid orders carry TWICE');
select is((select count(*) from public.discount_code_uses), 0::bigint, 'and no order holds or used a code');

-- the superuser's inserts are priced too
select results_eq(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
    values ('b0000000-0000-4000-8000-00000000000b', 'hft', 25000, 'mt5', 1, 1)
    returning amount, final_amount$$,
  $$values (1549.00::numeric(12,2), 1549.00::numeric(12,2))$$,
  'even the superuser cannot choose the price');

-- ==============================================================================================
-- anon
-- ==============================================================================================
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;

select is((select count(*) from public.pricing), 48::bigint, 'anon reads the prices');
select is((select count(*) from public.crypto_currency_map), 6::bigint, 'anon reads the coin map');
select throws_ok('select * from public.discount_codes', '42501', null, 'anon cannot read discount codes');
select throws_ok($$update public.pricing set price_usd = 1$$, '42501', null, 'anon cannot change prices');
select throws_ok($$select * from pg_temp.place('one_step', 10000, 'mt4')$$, '42501', null, 'anon cannot order');

-- ==============================================================================================
-- ops: the admin manages prices, codes and coins
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;

select is(pg_temp.rows_affected($$update public.pricing set active = false
  where account_type = 'hft' and account_size = 5000 and platform_type = 'mt5'$$), 1::bigint,
  'the admin can withdraw a product');
select is(pg_temp.rows_affected($$update public.pricing set price_usd = 599
  where account_type = 'one_step' and account_size = 10000 and platform_type = 'mt5'$$), 1::bigint,
  'the admin can change a price');
select is((select count(*) from public.pricing), 48::bigint, 'the admin sees inactive prices too');
select is((select count(*) from public.discount_codes), 8::bigint, 'the admin reads every discount code');
select lives_ok($$insert into public.discount_codes (code, amount_off, max_uses) values (' welcome5 ', 5, 100)$$,
  'the admin can create a discount code');
select is((select code from public.discount_codes where amount_off = 5), 'WELCOME5',
  'a new code is stored trimmed and upper-case');
select is(pg_temp.rows_affected($$update public.discount_codes set active = true where code = 'OFF'$$), 1::bigint,
  'the admin can re-activate a code');
select is(pg_temp.rows_affected($$update public.crypto_currency_map set active = false where code = 'trx'$$), 1::bigint,
  'the admin can withdraw a coin');

-- ==============================================================================================
-- alice again: the admin's changes apply to the next order
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;

select throws_ok($$select * from pg_temp.place('hft', 5000, 'mt5')$$,
  'FF400', 'Product not available', 'a withdrawn product cannot be ordered');
select is((select count(*) from public.pricing), 47::bigint, 'alice no longer sees the withdrawn price');
select results_eq($$select * from pg_temp.place('one_step', 10000, 'mt5', 'off')$$,
  $$values (599::numeric, 59.90::numeric, 539.10::numeric, 'OFF')$$,
  'the new price and the re-activated code apply');
select is((select count(*) from public.crypto_currency_map), 5::bigint, 'alice no longer sees the withdrawn coin');

-- ==============================================================================================
-- service_role: the backend reads everything; its orders are priced as well
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;

select is((select count(*) from public.discount_codes), 9::bigint, 'service_role reads every discount code');
select is((select count(*) from public.pricing), 48::bigint, 'service_role reads every price');
select results_eq(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount, discount_code)
    values ('b0000000-0000-4000-8000-00000000000b', 'two_step', 200000, 'mt4', 1, 1, 'Welcome5')
    returning amount, discount_amount, final_amount, discount_code$$,
  $$values (6499.00::numeric(12,2), 5.00::numeric(12,2), 6494.00::numeric(12,2), 'WELCOME5')$$,
  'service_role''s orders are priced and discounted by the same rules');
select is((select uses from public.discount_codes where code = 'WELCOME5'), 0, 'and use nothing until paid');
select is(pg_temp.rows_affected(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount, discount_code)
    values ('b0000000-0000-4000-8000-00000000000b', 'two_step', 200000, 'mt4', 1, 1, 'OLD')$$), 0::bigint,
  'service_role''s order with an expired code is refused the same way (no row)');

-- ==============================================================================================
-- the trigger does not depend on the caller's view: bob, with no access to codes, uses one
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims',
  '{"sub":"b0000000-0000-4000-8000-00000000000b","role":"authenticated","email":"bob@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;
select results_eq($$select * from pg_temp.place('instant', 5000, 'mt4', 'WELCOME5')$$,
  $$values (449::numeric, 5::numeric, 444::numeric, 'WELCOME5')$$,
  'bob redeems a code he cannot read');
reset role;
select is((select uses from public.discount_codes where code = 'WELCOME5'), 0, 'WELCOME5: two unpaid orders, no use');
select is((select uses from public.discount_codes where code = 'TWICE'), 0, 'TWICE: no use either');
select is((select count(*) from public.orders where user_id = 'a0000000-0000-4000-8000-00000000000a' and final_amount = 1),
  0::bigint, 'no order of alice''s carries the price she claimed');

select * from finish();
rollback;
