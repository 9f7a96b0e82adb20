-- Triggers: order ids, profile creation on sign-up, updated_at maintenance.
begin;
select plan(25);

-- sign-up: handle_new_user builds the profile from user_metadata ------------------------------
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com',
   '{"first_name": "Alice", "last_name": "Archer", "phone": "+44 20 7946 0000", "country": "GB",
     "marketing_consent": true, "password": "must-not-be-stored"}',
   '{"provider": "email", "providers": ["email"]}');

select results_eq(
  $$select first_name, last_name, email, phone, country, marketing_consent, account_status, total_orders, total_spent
      from public.user_profiles where id = 'a0000000-0000-4000-8000-00000000000a'$$,
  $$values ('Alice', 'Archer', 'alice@example.com', '+44 20 7946 0000', 'GB', true, 'active', 0, 0.00::numeric(12,2))$$,
  'sign-up creates the profile from raw_user_meta_data and the e-mail');
select ok(
  not exists (select 1 from public.user_profiles p
               where p.id = 'a0000000-0000-4000-8000-00000000000a'
                 and to_jsonb(p)::text like '%must-not-be-stored%'),
  'a password in sign-up metadata is not stored in the profile');

insert into auth.users (id, email, raw_user_meta_data) values
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com', null);
select results_eq(
  $$select first_name, last_name, phone, country, marketing_consent
      from public.user_profiles where id = 'b0000000-0000-4000-8000-00000000000b'$$,
  $$values ('', '', null::text, null::text, false)$$,
  'sign-up without metadata creates an empty profile');

insert into auth.users (id, email, raw_user_meta_data) values
  ('c0000000-0000-4000-8000-00000000000c', 'carol@example.com',
   jsonb_build_object('first_name', repeat('x', 500), 'marketing_consent', 'maybe'));
select results_eq(
  $$select char_length(first_name), marketing_consent
      from public.user_profiles where id = 'c0000000-0000-4000-8000-00000000000c'$$,
  $$values (100, false)$$,
  'odd metadata cannot make sign-up fail: long names are cut, unparsable consent is false');

insert into auth.users (id, email, raw_user_meta_data) values
  ('d0000000-0000-4000-8000-00000000000d', 'dave@example.com', '{"marketing_consent": "true"}');
select is(
  (select marketing_consent from public.user_profiles where id = 'd0000000-0000-4000-8000-00000000000d'),
  true, 'marketing_consent given as the string "true" is accepted');

-- order ids ------------------------------------------------------------------------------------
select matches(ffx_internal.generate_order_id(), '^FFX[0-9]{9}$', 'generate_order_id() returns FFX + 9 digits');

insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
select 'b0000000-0000-4000-8000-00000000000b', 'hft', 5000, 'mt4', 99, 99 from generate_series(1, 300);
select is(
  (select count(distinct order_id) from public.orders), 300::bigint,
  '300 inserted orders get 300 distinct order ids');
select is(
  (select count(*) from public.orders where order_id !~ '^FFX[0-9]{9}$'), 0::bigint,
  'every generated order id has the FFX + 9 digits format');

-- as the customer, the way the C functions run a request
select set_config('request.jwt.claims',
  '{"sub":"a0000000-0000-4000-8000-00000000000a","role":"authenticated","email":"alice@example.com","app_metadata":{"provider":"email"}}',
  true);
set local role authenticated;

insert into public.orders (order_id, user_id, account_type, account_size, platform_type, amount, final_amount)
values ('FFX123456789', 'a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 649, 649);
select isnt(
  (select order_id from public.orders where user_id = 'a0000000-0000-4000-8000-00000000000a'),
  'FFX123456789', 'a client-supplied order_id is replaced by the server');
select matches(
  (select order_id from public.orders where user_id = 'a0000000-0000-4000-8000-00000000000a'),
  '^FFX[0-9]{9}$', 'the replacing order id has the FFX format');

reset role;
select throws_ok(
  $$update public.orders set order_id = 'FFX000000001' where user_id = 'a0000000-0000-4000-8000-00000000000a'$$,
  '23514', null, 'an issued order id cannot be changed, not even by the superuser');

-- updated_at: every UPDATE stamps the server's clock, even when the statement sets an old value
-- (without the trigger the row would read 2000-01-01 afterwards).
create function pg_temp.updated_at_after(q text) returns timestamptz
language plpgsql as $$
declare
  v timestamptz;
begin
  execute q into strict v;
  return v;
end
$$;

insert into public.account_container (id, account_size, platform_type, server_name, login_id, password)
values ('c0000000-0000-4000-8000-000000000001', 10000, 'mt4', 'FlashFundX-Live01', '12345678', 'pw');
insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                       platform_type, server_name, login_id, password, current_phase,
                                       created_at, updated_at)
select order_id, user_id, 'c0000000-0000-4000-8000-000000000001', 'one_step', 10000, 'mt4',
       'FlashFundX-Live01', '12345678', 'pw', 'challenge', '2000-01-01', '2000-01-01'
  from public.orders where user_id = 'a0000000-0000-4000-8000-00000000000a';
insert into public.payment_transactions (order_id, user_id, amount, currency)
select order_id, user_id, 649, 'USD' from public.orders where user_id = 'a0000000-0000-4000-8000-00000000000a';

select is((select updated_at from public.delivered_accounts), '2000-01-01'::timestamptz,
  'an insert keeps an explicit updated_at (the trigger is BEFORE UPDATE only)');

select is(pg_temp.updated_at_after($$update public.user_profiles set first_name = 'Alicia', updated_at = '2000-01-01'
  where id = 'a0000000-0000-4000-8000-00000000000a' returning updated_at$$), now(), 'user_profiles.updated_at is stamped on update');
select is(pg_temp.updated_at_after($$update public.orders set order_status = 'processing', updated_at = '2000-01-01'
  where user_id = 'a0000000-0000-4000-8000-00000000000a' returning updated_at$$), now(), 'orders.updated_at is stamped on update');
select is(pg_temp.updated_at_after($$update public.trading_rules set profit_share_percentage = 85, updated_at = '2000-01-01'
  where account_type = 'hft' and account_size = 5000 returning updated_at$$), now(), 'trading_rules.updated_at is stamped on update');
select is(pg_temp.updated_at_after($$update public.account_container set status = 'delivered', updated_at = '2000-01-01'
  returning updated_at$$), now(), 'account_container.updated_at is stamped on update');
select is(pg_temp.updated_at_after($$update public.delivered_accounts set email_sent = true
  returning updated_at$$), now(), 'delivered_accounts.updated_at is stamped on update');
select is(pg_temp.updated_at_after($$update public.payment_transactions set status = 'completed', updated_at = '2000-01-01'
  returning updated_at$$), now(), 'payment_transactions.updated_at is stamped on update');
select is(pg_temp.updated_at_after($$update public.crypto_addresses set is_active = true, updated_at = '2000-01-01'
  where crypto_name = 'USDT BEP20' returning updated_at$$), now(), 'crypto_addresses.updated_at is stamped on update');
select is(pg_temp.updated_at_after($$update public.email_templates set subject = subject, updated_at = '2000-01-01'
  where template_name = 'account_delivery' returning updated_at$$), now(), 'email_templates.updated_at is stamped on update');
select is(
  array(select c.table_name::text from information_schema.columns c
         where c.table_schema = 'public' and c.column_name = 'updated_at'
           and not exists (select 1 from information_schema.triggers t
                            where t.event_object_schema = 'public' and t.event_object_table = c.table_name
                              and t.event_manipulation = 'UPDATE' and t.action_timing = 'BEFORE'
                              and t.action_statement = 'EXECUTE FUNCTION ffx_internal.update_updated_at_column()')
         order by 1),
  '{}'::text[],
  'every public table with updated_at has the BEFORE UPDATE trigger');

-- admin_audit_log stamps created_at itself ----------------------------------------------------
insert into public.admin_audit_log (action_type, created_at) values ('test', '2000-01-01');
select is((select created_at from public.admin_audit_log where action_type = 'test'), now(),
  'admin_audit_log.created_at is the server''s clock, not the inserter''s');

-- admin_set_account_status writes an audit row ------------------------------------------------
select set_config('request.jwt.claims',
  '{"sub":"d0000000-0000-4000-8000-00000000000d","role":"authenticated","email":"dave@example.com","app_metadata":{"provider":"email","role":"admin"}}',
  true);
set local role authenticated;
select lives_ok(
  $$select ffx_internal.admin_set_account_status('b0000000-0000-4000-8000-00000000000b', 'suspended', 'chargeback')$$,
  'an admin can suspend a customer through admin_set_account_status');
reset role;
select is((select account_status from public.user_profiles where id = 'b0000000-0000-4000-8000-00000000000b'),
  'suspended', 'the status changed');
select results_eq(
  $$select admin_id, admin_email, action_type, table_name, record_id, description, old_values, new_values
      from public.admin_audit_log where action_type = 'update_account_status'$$,
  $$values ('d0000000-0000-4000-8000-00000000000d'::uuid, 'dave@example.com', 'update_account_status', 'user_profiles',
            'b0000000-0000-4000-8000-00000000000b', 'chargeback',
            '{"account_status": "active"}'::jsonb, '{"account_status": "suspended"}'::jsonb)$$,
  'the change is in the audit log with who, what, before and after');

select * from finish();
rollback;
