-- Structure, privileges and seed data: what the migrations must have created.
begin;
select plan(51);

-- tables -------------------------------------------------------------------------------------
select tables_are('public', array[
  'user_profiles', 'orders', 'trading_rules', 'account_container', 'delivered_accounts',
  'payment_transactions', 'admin_audit_log', 'crypto_addresses', 'email_templates',
  'webhook_debug_log', 'payments', 'pricing', 'discount_codes', 'crypto_currency_map',
  'email_outbox', 'ipn_events', 'payment_settings', 'discount_code_uses', 'discount_code_attempts',
  'order_settings', 'payment_reservations', 'payment_refreshes', 'schema_migrations',
  'schema_definitions'
], 'public has exactly the application tables plus the runner''s schema_migrations and schema_definitions');

select is(
  array(select c.relname::text from pg_class c
         where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity
         order by 1),
  '{}'::text[],
  'row-level security is enabled on every public table');

-- no passwords for people (README "Deviations from the seed")
select hasnt_column('public', 'user_profiles', 'password', 'user_profiles has no password column');
select is(
  array(select column_name::text from information_schema.columns
         where table_schema = 'public' and table_name = 'user_profiles' and column_name ilike '%pass%'),
  '{}'::text[],
  'user_profiles has no column resembling a password');
-- (on a Supabase-shaped database auth.users is Supabase Auth's, which keeps its password hashes)
select case when exists (select 1 from pg_roles where rolname = 'supabase_admin')
  then has_column('auth', 'users', 'encrypted_password', 'Supabase Auth''s auth.users keeps its password hashes there')
  else hasnt_column('auth', 'users', 'encrypted_password', 'the shim''s auth.users has no password column') end;

select col_is_pk('public', 'user_profiles', 'id', 'user_profiles.id is the primary key');
select fk_ok('public', 'user_profiles', 'id', 'auth', 'users', 'id', 'user_profiles.id references auth.users');
select col_is_unique('public', 'orders', 'order_id', 'orders.order_id is unique');
select col_not_null('public', 'orders', 'order_id', 'orders.order_id is not null');
select col_is_unique('public', 'account_container', array['server_name', 'login_id'], 'account_container (server_name, login_id) is unique');
select col_is_unique('public', 'trading_rules', array['account_type', 'account_size'], 'trading_rules (account_type, account_size) is unique');
select col_is_unique('public', 'delivered_accounts', 'order_id', 'one delivered account per order');
select col_is_unique('public', 'delivered_accounts', 'container_account_id', 'one delivered account per inventory row');
select col_default_is('public', 'trading_rules', 'profit_share_percentage', '80', 'profit share defaults to 80');
select col_default_is('public', 'orders', 'payment_provider', 'nowpayments'::text, 'payment_provider defaults to nowpayments');

-- lookup indexes -------------------------------------------------------------------------------
select has_index('public', 'orders', 'orders_user_id_created_at_idx', 'index orders(user_id, created_at desc)');
select has_index('public', 'orders', 'orders_payment_provider_id_idx', 'index orders(payment_provider_id)');
select has_index('public', 'orders', 'orders_invoice_id_idx', 'index orders(invoice_id)');
select has_index('public', 'orders', 'orders_statuses_idx', 'index on orders statuses');
select has_index('public', 'account_container', 'account_container_available_idx', 'partial index on available inventory');
select has_index('public', 'user_profiles', 'user_profiles_email_idx', 'index user_profiles(email)');
select has_index('public', 'payment_transactions', 'payment_transactions_order_id_idx', 'index payment_transactions(order_id)');
select has_index('public', 'delivered_accounts', 'delivered_accounts_user_id_idx', 'index delivered_accounts(user_id)');

-- functions ------------------------------------------------------------------------------------
select is(
  array(select p.proname::text from pg_proc p
         where p.pronamespace in ('public'::regnamespace, 'ffx_internal'::regnamespace) and p.prosecdef
           and not coalesce(p.proconfig @> array['search_path=""'], false)
         order by 1),
  '{}'::text[],
  'every SECURITY DEFINER function in public and ffx_internal pins search_path to empty');
select is(
  array(select p.proname::text from pg_proc p
         where p.pronamespace in ('public'::regnamespace, 'ffx_internal'::regnamespace) and p.prosecdef
           and p.proname not like 'console\_%' order by 1),
  array['account_container_stock_arrived', 'admin_identity', 'admin_inventory_import',
        'admin_inventory_set_status', 'admin_ipn_reprocess', 'admin_login_redeem', 'admin_order_accept_payment',
        'admin_order_clear_attention', 'admin_order_deliver', 'admin_order_refund',
        'admin_resend_email',
        'admin_set_account_status', 'console', 'crypto_payment_begin',
        'crypto_payment_record', 'crypto_payment_release', 'deliver_account_to_user', 'deliver_waiting_orders',
        'discount_holds_release_stale', 'expire_stale_orders',
        'generate_order_id', 'get_available_accounts_count', 'handle_new_user', 'handle_user_deleted',
        'handle_user_email_changed', 'handle_user_soft_deleted', 'ipn_receive', 'ipn_reprocess',
        'metrics_gauges', 'order_quote', 'orders_discount_follow',
        'outbox_claim', 'outbox_mark_failed', 'outbox_mark_sent', 'outbox_requeue',
        'payment_apply', 'payment_refresh_claim', 'payments_discount_hold', 'reconcile_due_payments', 'reconcile_failed_events',
        'webhook_debug_record'],
  'the SECURITY DEFINER functions are exactly the expected ones (the console''s actions aside: 23_console_core)');
-- the guard every backend-only entry point needs is written once (sql/definitions/00_common.sql)
select is(
  array(select p.proname::text from pg_proc p
         where p.pronamespace in ('public'::regnamespace, 'ffx_internal'::regnamespace)
           and p.prosrc ~ 'auth\.role\(\)\s*(=|<>)\s*''service_role'''
           and p.proname <> 'is_service_role'
         order by 1),
  '{}'::text[],
  'no function but is_service_role() compares auth.role() with service_role (the guards call it)');
select trigger_is('auth', 'users', 'on_auth_user_created', 'ffx_internal', 'handle_new_user',
  'auth.users insert trigger creates the profile');
select trigger_is('public', 'orders', 'orders_set_order_id', 'ffx_internal', 'orders_set_order_id',
  'orders insert trigger sets the order id');
select trigger_is('public', 'orders', 'orders_apply_pricing', 'ffx_internal', 'orders_apply_pricing',
  'orders insert trigger sets the price');

-- privileges -----------------------------------------------------------------------------------
-- anon reads only the public catalogue
select is(
  array(select t from unnest(array['user_profiles', 'orders', 'account_container', 'delivered_accounts',
                                   'payment_transactions', 'admin_audit_log', 'email_templates',
                                   'webhook_debug_log', 'discount_codes', 'ipn_events',
                                   'discount_code_uses', 'discount_code_attempts', 'order_settings',
                                   'schema_migrations', 'schema_definitions']) t
         where has_table_privilege('anon', 'public.' || t, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')),
  '{}'::text[],
  'anon has no privilege on any private table');
select table_privs_are('public', 'trading_rules', 'anon', array['SELECT'], 'anon may only read trading_rules');
select table_privs_are('public', 'crypto_addresses', 'anon', array['SELECT'], 'anon may only read crypto_addresses');
select table_privs_are('public', 'pricing', 'anon', array['SELECT'], 'anon may only read pricing');
select table_privs_are('public', 'crypto_currency_map', 'anon', array['SELECT'], 'anon may only read crypto_currency_map');

-- audit log: nobody may change it
select is(
  array(select r || ':' || p
          from unnest(array['anon', 'authenticated', 'service_role', 'public']) r,
               unnest(array['UPDATE', 'DELETE', 'TRUNCATE']) p
         where (r = 'public' and exists (select 1 from information_schema.role_table_grants g
                                          where g.table_schema = 'public' and g.table_name = 'admin_audit_log'
                                            and g.grantee = 'PUBLIC' and g.privilege_type = p))
            or (r <> 'public' and has_table_privilege(r, 'public.admin_audit_log', p))),
  '{}'::text[],
  'no role holds UPDATE, DELETE or TRUNCATE on admin_audit_log');
select table_privs_are('public', 'admin_audit_log', 'authenticated', array['INSERT', 'SELECT'], 'authenticated may only append to and read the audit log');
select table_privs_are('public', 'admin_audit_log', 'service_role', array['SELECT'], 'service_role may only read the audit log (the admin_* functions append as the owner)');

-- user_profiles: users may update harmless columns only
select is(
  array(select c.column_name::text from information_schema.columns c
         where c.table_schema = 'public' and c.table_name = 'user_profiles'
           and has_column_privilege('authenticated', 'public.user_profiles', c.column_name, 'UPDATE')
         order by 1),
  array['country', 'first_name', 'last_name', 'marketing_consent', 'phone'],
  'authenticated may update only first_name, last_name, phone, country, marketing_consent');

-- TRUNCATE bypasses row-level security: no API role may hold it anywhere
select is(
  array(select c.relname || ':' || r from pg_class c, unnest(array['anon', 'authenticated']) r
         where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
           and has_table_privilege(r, c.oid, 'TRUNCATE')),
  '{}'::text[],
  'anon and authenticated hold TRUNCATE on no table');

select is(
  array(select r from unnest(array['anon', 'authenticated', 'service_role']) r
         where has_table_privilege(r, 'public.schema_migrations', 'SELECT, INSERT, UPDATE, DELETE')
            or has_table_privilege(r, 'public.schema_definitions', 'SELECT, INSERT, UPDATE, DELETE')),
  '{}'::text[],
  'no API role can touch schema_migrations or schema_definitions');

select function_privs_are('ffx_internal', 'webhook_debug_record', array['text', 'text', 'text', 'jsonb', 'bytea', 'text'],
  'anon', '{}'::text[], 'anon cannot call webhook_debug_record');
select function_privs_are('ffx_internal', 'webhook_debug_record', array['text', 'text', 'text', 'jsonb', 'bytea', 'text'],
  'authenticated', '{}'::text[], 'authenticated cannot call webhook_debug_record');
select function_privs_are('ffx_internal', 'webhook_debug_record', array['text', 'text', 'text', 'jsonb', 'bytea', 'text'],
  'service_role', array['EXECUTE'], 'service_role can call webhook_debug_record');
select function_privs_are('public', 'get_available_accounts_count', '{}'::text[],
  'anon', '{}'::text[], 'anon cannot read inventory counts');
select function_privs_are('ffx_internal', 'handle_new_user', '{}'::text[],
  'authenticated', '{}'::text[], 'handle_new_user is not callable by API roles');
select function_privs_are('ffx_internal', 'orders_apply_pricing', '{}'::text[],
  'authenticated', '{}'::text[], 'orders_apply_pricing is not callable by API roles');

-- seed data ------------------------------------------------------------------------------------
select is((select count(*) from public.trading_rules), 24::bigint, '24 trading_rules rows');
select set_eq(
  'select account_type, account_size from public.trading_rules',
  $$select t, s from unnest(array['instant', 'hft', 'one_step', 'two_step']) t,
                     unnest(array[5000, 10000, 25000, 50000, 100000, 200000]) s$$,
  'trading_rules covers every type x size');
select ok(
  (select bool_and(profit_share_percentage = 80) from public.trading_rules),
  'every seeded rule shares 80 % of profit');

select ok(
  (select bool_and(strpos(t.subject || t.html_body || t.text_body, '{{' || v || '}}') > 0)
     from public.email_templates t,
          unnest(array['first_name', 'order_id', 'account_type', 'account_size', 'platform_type',
                       'server_name', 'login_id', 'password', 'investor_password']) v
    where t.template_name = 'account_delivery' and t.is_active),
  'active account_delivery template uses every delivery placeholder');

select ok(
  exists (select 1 from public.crypto_addresses
           where crypto_name = 'USDT BEP20' and crypto_symbol = 'USDT' and network = 'BEP20'),
  'crypto_addresses has the USDT BEP20 row');

select * from finish();
rollback;
