-- Row-level security and privileges, exercised the way the C functions run a request:
--   select set_config('request.jwt.claims', '<verified JWT payload>', true);
--   set local role authenticated | anon | service_role;
-- Users: alice (a...a) and bob (b...b) are customers; ops (ad...ad) carries app_metadata.role=admin.
begin;
select plan(89);

-- rows_affected(sql): run a DML statement as the current role, return how many rows it touched.
-- RLS makes other people's rows invisible, so an UPDATE/DELETE on them "succeeds" with 0 rows.
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

-- fixtures (as the superuser) ------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}', '{"provider": "email"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com',   '{"first_name": "Bob"}',   '{"provider": "email"}'),
  ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com',   '{"first_name": "Ops"}',   '{"provider": "email", "role": "admin"}');

insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount) values
  ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 649, 649),
  ('b0000000-0000-4000-8000-00000000000b', 'two_step', 10000, 'mt4', 549, 549);

insert into public.account_container (id, account_size, platform_type, server_name, login_id, password, investor_password, status) values
  ('c0000000-0000-4000-8000-000000000001', 10000, 'mt4', 'FlashFundX-Live01', '1001', 'pw-alice', 'inv-alice', 'delivered'),
  ('c0000000-0000-4000-8000-000000000002', 10000, 'mt4', 'FlashFundX-Live01', '1002', 'pw-bob',   'inv-bob',   'delivered'),
  ('c0000000-0000-4000-8000-000000000003', 10000, 'mt4', 'FlashFundX-Live01', '1003', 'pw-stock', 'inv-stock', 'available');

insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                       platform_type, server_name, login_id, password, investor_password, current_phase)
select o.order_id, o.user_id, c.id, o.account_type, o.account_size, o.platform_type, c.server_name, c.login_id,
       c.password, c.investor_password, case o.account_type when 'two_step' then 'phase_1' else 'challenge' end
  from public.orders o
  join public.account_container c
    on c.id = case o.user_id when 'a0000000-0000-4000-8000-00000000000a' then 'c0000000-0000-4000-8000-000000000001'::uuid
                             else 'c0000000-0000-4000-8000-000000000002'::uuid end;

insert into public.payment_transactions (order_id, user_id, provider_transaction_id, amount, currency, event_type)
select order_id, user_id, 'np-' || order_id, final_amount, 'USD', 'finished' from public.orders;

insert into public.admin_audit_log (admin_id, admin_email, action_type, description)
values ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com', 'fixture', 'seeded by the test');
do $$ begin
  perform ffx_internal.webhook_debug_record('POST', '/webhook-debug', '', '{"content-type": "application/json"}', '{}'::bytea, '127.0.0.1');
end $$;
update public.crypto_addresses set wallet_address = '0xabc', is_active = true where crypto_name = 'USDT BEP20';

-- ==============================================================================================
-- alice: an ordinary customer
-- ==============================================================================================
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;

select results_eq('select id from public.user_profiles',
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid)$$, 'alice sees only her own profile');
select results_eq('select distinct user_id from public.orders',
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid)$$, 'alice sees only her own orders');
select results_eq('select user_id, login_id from public.delivered_accounts',
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid, '1001')$$, 'alice sees only her own delivered account');
select results_eq('select distinct user_id from public.payment_transactions',
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid)$$, 'alice sees only her own payment transactions');
select is((select count(*) from public.account_container), 0::bigint, 'alice sees no inventory');
select is((select count(*) from public.email_templates), 0::bigint, 'alice sees no e-mail templates');
select is((select count(*) from public.webhook_debug_log), 0::bigint, 'alice sees no webhook debug log');
select is((select count(*) from public.admin_audit_log), 0::bigint, 'alice sees no audit log');
select is((select count(*) from public.trading_rules), 24::bigint, 'alice reads all trading rules');
select results_eq('select crypto_name from public.crypto_addresses',
  $$values ('USDT BEP20')$$, 'alice sees only active crypto addresses');
select is(ffx_internal.is_admin(), false, 'alice is not an admin');

-- her profile: harmless columns only
select is(pg_temp.rows_affected($$update public.user_profiles set first_name = 'Alicia', marketing_consent = true
  where id = 'a0000000-0000-4000-8000-00000000000a'$$), 1::bigint, 'alice can update her own name and consent');
select is(pg_temp.rows_affected($$update public.user_profiles set first_name = 'Mallory'
  where id = 'b0000000-0000-4000-8000-00000000000b'$$), 0::bigint, 'alice cannot update bob''s profile');
select throws_ok($$update public.user_profiles set account_status = 'active' where id = 'a0000000-0000-4000-8000-00000000000a'$$,
  '42501', null, 'alice cannot change her own account_status');
select throws_ok($$update public.user_profiles set total_spent = 1000000 where id = 'a0000000-0000-4000-8000-00000000000a'$$,
  '42501', null, 'alice cannot change her own totals');
select throws_ok($$update public.user_profiles set email = 'x@example.com' where id = 'a0000000-0000-4000-8000-00000000000a'$$,
  '42501', null, 'alice cannot change the e-mail on her profile');
select is(pg_temp.rows_affected($$delete from public.user_profiles$$), 0::bigint, 'alice cannot delete profiles');
select throws_ok($$insert into public.user_profiles (id) values ('b0000000-0000-4000-8000-00000000000b')$$,
  '42501', null, 'alice cannot insert profiles');

-- orders: create her own, in the initial state only; no changes afterwards. A direct insert keeps
-- only type, size, platform and code: whatever else she sends is replaced.
select lives_ok($$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount, crypto_currency)
  values ('a0000000-0000-4000-8000-00000000000a', 'hft', 25000, 'mt5', 199, 199, 'usdt_bsc')$$,
  'alice can create an order for herself');
select results_eq($$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
  values ('b0000000-0000-4000-8000-00000000000b', 'hft', 25000, 'mt5', 199, 199) returning user_id$$,
  $$values ('a0000000-0000-4000-8000-00000000000a'::uuid)$$,
  'an order alice makes for bob is hers: user_id is auth.uid()');
select results_eq($$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount,
                                             order_status, payment_status)
  values ('a0000000-0000-4000-8000-00000000000a', 'hft', 25000, 'mt5', 199, 199, 'completed', 'paid')
  returning order_status, payment_status$$,
  $$values ('pending', 'pending')$$, 'an order alice sends as already paid is created pending');
select results_eq($$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount,
                                             invoice_id, payment_provider_id)
  values ('a0000000-0000-4000-8000-00000000000a', 'hft', 25000, 'mt5', 199, 199, '1', '2')
  returning invoice_id, payment_provider_id$$,
  $$values (null::text, null::text)$$, 'provider ids alice attaches to a new order are dropped');
select is(pg_temp.rows_affected($$update public.orders set payment_status = 'paid'$$), 0::bigint,
  'alice cannot update any order, not even her own');
select is(pg_temp.rows_affected($$delete from public.orders$$), 0::bigint, 'alice cannot delete orders');

-- the other tables: read own at most, never write
select is(pg_temp.rows_affected($$update public.delivered_accounts set account_status = 'active', current_phase = 'live'$$),
  0::bigint, 'alice cannot update delivered accounts (not even her own)');
select throws_ok($$insert into public.delivered_accounts (order_id, user_id, account_type, account_size, platform_type,
                                                         server_name, login_id, password, current_phase)
  select order_id, user_id, 'hft', 25000, 'mt5', 'S', 'L', 'P', 'live' from public.orders where account_type = 'hft'$$,
  '42501', null, 'alice cannot deliver an account to herself');
select is(pg_temp.rows_affected($$delete from public.delivered_accounts$$), 0::bigint, 'alice cannot delete delivered accounts');
select throws_ok($$insert into public.payment_transactions (order_id, user_id, status)
  select order_id, user_id, 'completed' from public.orders limit 1$$,
  '42501', null, 'alice cannot record payment transactions');
select is(pg_temp.rows_affected($$update public.payment_transactions set status = 'completed'$$), 0::bigint,
  'alice cannot update payment transactions');
select is(pg_temp.rows_affected($$update public.account_container set status = 'available'$$), 0::bigint,
  'alice cannot update inventory');
select throws_ok($$insert into public.account_container (account_size, platform_type, server_name, login_id, password)
  values (10000, 'mt4', 'S', 'L', 'P')$$, '42501', null, 'alice cannot add inventory');
select is(pg_temp.rows_affected($$update public.trading_rules set profit_share_percentage = 100$$), 0::bigint,
  'alice cannot change trading rules');
select is(pg_temp.rows_affected($$update public.crypto_addresses set wallet_address = 'attacker'$$), 0::bigint,
  'alice cannot change crypto addresses');
select is(pg_temp.rows_affected($$update public.email_templates set subject = 'phish'$$), 0::bigint,
  'alice cannot change e-mail templates');
select throws_ok($$insert into public.admin_audit_log (action_type) values ('forged')$$,
  '42501', null, 'alice cannot write to the audit log');
select throws_ok($$delete from public.admin_audit_log$$, '42501', null, 'alice cannot delete from the audit log');

-- functions
select results_eq('select * from public.get_available_accounts_count()',
  $$values (10000, 'mt4', 1::bigint)$$, 'alice gets inventory counts (and nothing else)');
select throws_ok($$select ffx_internal.webhook_debug_record('GET', '/', '', '{}', null, '')$$,
  '42501', null, 'alice cannot call webhook_debug_record');
select throws_ok($$select ffx_internal.admin_set_account_status('b0000000-0000-4000-8000-00000000000b', 'banned')$$,
  '42501', null, 'alice cannot call the admin status function');
select throws_ok('select * from public.schema_migrations', '42501', null, 'alice cannot read schema_migrations');
select throws_ok('select * from auth.users', '42501', null, 'alice cannot read auth.users');

-- ==============================================================================================
-- alice again, with "role": "admin" in user_metadata, which users can edit themselves
-- ==============================================================================================
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"},"user_metadata":{"role":"admin"}}',
  true);
select is(ffx_internal.is_admin(), false, 'user_metadata.role = admin does not make an admin');
select is((select count(*) from public.user_profiles), 1::bigint, 'and still sees only her own profile');

-- ==============================================================================================
-- anon: no JWT or the anon key
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"anon"}', true);
set local role anon;

select throws_ok('select * from public.user_profiles', '42501', null, 'anon cannot read user_profiles');
select throws_ok('select * from public.orders', '42501', null, 'anon cannot read orders');
select throws_ok('select * from public.delivered_accounts', '42501', null, 'anon cannot read delivered_accounts');
select throws_ok('select * from public.payment_transactions', '42501', null, 'anon cannot read payment_transactions');
select throws_ok('select * from public.account_container', '42501', null, 'anon cannot read account_container');
select throws_ok('select * from public.email_templates', '42501', null, 'anon cannot read email_templates');
select throws_ok('select * from public.admin_audit_log', '42501', null, 'anon cannot read admin_audit_log');
select throws_ok('select * from public.webhook_debug_log', '42501', null, 'anon cannot read webhook_debug_log');
select is((select count(*) from public.trading_rules), 24::bigint, 'anon reads the trading rules');
select results_eq('select crypto_name from public.crypto_addresses',
  $$values ('USDT BEP20')$$, 'anon sees only active crypto addresses');
select throws_ok($$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
  values ('a0000000-0000-4000-8000-00000000000a', 'hft', 5000, 'mt4', 1, 1)$$, '42501', null, 'anon cannot create orders');
select throws_ok('select * from public.get_available_accounts_count()', '42501', null, 'anon cannot read inventory counts');
select throws_ok('select ffx_internal.is_admin()', '42501', null,
  'anon cannot name a function of ffx_internal (no USAGE; its policies reach the helpers by oid)');

-- ==============================================================================================
-- ops: app_metadata.role = admin
-- ==============================================================================================
reset role;
select is(ffx_internal.is_admin(), false, 'anon''s claims are not an admin''s');
select set_config('request.jwt.claims',
  '{"sub":"ad000000-0000-4000-8000-0000000000ad","role":"authenticated","email":"ops@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;

select is(ffx_internal.is_admin(), true, 'app_metadata.role = admin makes an admin');
select is((select count(*) from public.user_profiles), 3::bigint, 'the admin sees every profile');
select is((select count(*) from public.orders), 6::bigint, 'the admin sees every order');
select is((select count(*) from public.delivered_accounts), 2::bigint, 'the admin sees every delivered account');
select is((select count(*) from public.payment_transactions), 2::bigint, 'the admin sees every payment transaction');
select is((select count(*) from public.account_container), 3::bigint, 'the admin sees the inventory');
select is((select count(*) from public.email_templates), 2::bigint, 'the admin sees the e-mail templates');
select is((select count(*) from public.admin_audit_log), 1::bigint, 'the admin reads the audit log');
select is((select count(*) from public.webhook_debug_log), 1::bigint, 'the admin reads the webhook debug log');
select is((select count(*) from public.crypto_addresses), 6::bigint, 'the admin sees inactive crypto addresses too');

select throws_ok($$update public.orders set order_status = 'cancelled'
  where user_id = 'b0000000-0000-4000-8000-00000000000b'$$, 'FF403',
  'order_status changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'the admin sees every order but changes its status only through the audited functions');
select is(pg_temp.rows_affected($$update public.delivered_accounts set account_status = 'breached'
  where user_id = 'b0000000-0000-4000-8000-00000000000b'$$), 1::bigint, 'the admin can update any delivered account');
select lives_ok($$insert into public.account_container (account_size, platform_type, server_name, login_id, password)
  values (50000, 'mt5', 'FlashFundX-Live02', '2001', 'pw')$$, 'the admin can add inventory');
select is(pg_temp.rows_affected($$delete from public.account_container where login_id = '2001'$$), 1::bigint,
  'the admin can remove inventory');
select is(pg_temp.rows_affected($$update public.trading_rules set profit_share_percentage = 90
  where account_type = 'instant'$$), 6::bigint, 'the admin can change trading rules');
select is(pg_temp.rows_affected($$update public.email_templates set is_active = true$$), 2::bigint,
  'the admin can change e-mail templates');
select is(pg_temp.rows_affected($$update public.user_profiles set first_name = 'Robert'
  where id = 'b0000000-0000-4000-8000-00000000000b'$$), 1::bigint, 'the admin can edit another user''s name');
select throws_ok($$update public.user_profiles set account_status = 'banned' where id = 'b0000000-0000-4000-8000-00000000000b'$$,
  '42501', null, 'even the admin changes account_status only through admin_set_account_status()');
select lives_ok($$insert into public.admin_audit_log (action_type, table_name, record_id, description)
  values ('note', 'orders', 'FFX000000000', 'checked by hand')$$, 'the admin can append to the audit log');
select is((select admin_id from public.admin_audit_log where action_type = 'note'),
  'ad000000-0000-4000-8000-0000000000ad'::uuid, 'the entry is in the admin''s own name by default');
select throws_ok($$insert into public.admin_audit_log (admin_id, action_type)
  values ('a0000000-0000-4000-8000-00000000000a', 'forged')$$, '42501', null,
  'the admin cannot append an entry in someone else''s name');
select throws_ok($$update public.admin_audit_log set description = 'rewritten'$$, '42501', null,
  'the admin cannot change the audit log');
select throws_ok($$delete from public.admin_audit_log$$, '42501', null, 'the admin cannot delete from the audit log');

-- ==============================================================================================
-- service_role: the backend's key, BYPASSRLS
-- ==============================================================================================
reset role;
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
set local role service_role;

select is((select count(*) from public.user_profiles), 3::bigint, 'service_role sees every profile');
select is((select count(*) from public.orders), 6::bigint, 'service_role sees every order');
select is((select count(*) from public.account_container), 3::bigint, 'service_role sees the inventory');
select throws_ok($$update public.user_profiles set account_status = 'suspended', total_orders = 1
  where id = 'b0000000-0000-4000-8000-00000000000b'$$, '42501', null,
  'service_role cannot change a profile directly (admin_set_account_status() and the auth triggers do, as the owner)');
select throws_ok($$update public.orders set payment_status = 'paid', order_status = 'completed'
  where user_id = 'a0000000-0000-4000-8000-00000000000a' and account_type = 'one_step'$$, 'FF403',
  'order_status changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)',
  'service_role cannot move an order to paid directly: only payment_apply() does');
select lives_ok($$select ffx_internal.webhook_debug_record('POST', '/webhook-debug', 'a=1', '{}', 'x'::bytea, '10.0.0.1')$$,
  'service_role can call webhook_debug_record');
select throws_ok($$insert into public.admin_audit_log (action_type, description) values ('system', 'by the backend')$$,
  '42501', null, 'service_role cannot append to the audit log directly (the admin_* functions do, as the owner)');
select throws_ok($$update public.admin_audit_log set description = 'rewritten'$$, '42501', null,
  'service_role cannot change the audit log');
select throws_ok('select * from public.schema_migrations', '42501', null, 'service_role cannot read schema_migrations');

select * from finish();
rollback;
