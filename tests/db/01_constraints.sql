-- CHECK constraints (one rejected value per constraint), uniqueness and foreign keys.
-- Runs as the superuser: constraints hold for every role, RLS is not the subject here.
begin;
select plan(78);

-- rejects(sql, constraint): true when running sql fails with a check violation (23514) of exactly
-- that constraint. Each constraint that rejected is remembered, so the last test can prove that
-- every CHECK constraint in public was exercised.
create temp table checked_constraints (name text primary key);
create function pg_temp.rejects(q text, constraint_name text) returns boolean
language plpgsql as $$
declare
  got_state text;
  got_constraint text;
begin
  begin
    execute q;
  exception when others then
    get stacked diagnostics got_state = returned_sqlstate, got_constraint = constraint_name;
    if got_state = '23514' and got_constraint = rejects.constraint_name then
      insert into checked_constraints values (rejects.constraint_name) on conflict do nothing;
      return true;
    end if;
    raise notice 'expected 23514 on %, got % on %', rejects.constraint_name, got_state, got_constraint;
    return false;
  end;
  raise notice 'expected 23514 on %, statement succeeded', rejects.constraint_name;
  return false;
end
$$;

-- fixtures -------------------------------------------------------------------------------------
insert into auth.users (id, email, raw_user_meta_data) values
  ('a0000000-0000-4000-8000-00000000000a', 'alice@example.com', '{"first_name": "Alice"}'),
  ('b0000000-0000-4000-8000-00000000000b', 'bob@example.com', '{"first_name": "Bob"}');
insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
values ('a0000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt4', 649, 649);
insert into public.account_container (id, account_size, platform_type, server_name, login_id, password, investor_password)
values ('c0000000-0000-4000-8000-000000000001', 10000, 'mt4', 'FlashFundX-Live01', '12345678', 'pw1', 'inv1');
insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                       platform_type, server_name, login_id, password, investor_password,
                                       current_phase, challenge_status)
select o.order_id, o.user_id, 'c0000000-0000-4000-8000-000000000001', 'one_step', 10000,
       'mt4', 'FlashFundX-Live01', '12345678', 'pw1', 'inv1', 'challenge', 'active'
  from public.orders o;
insert into public.payment_transactions (order_id, user_id, provider_transaction_id, amount, currency, event_type)
select o.order_id, o.user_id, '5514469786', 649, 'USD', 'waiting' from public.orders o;
insert into public.payments (payment_id, order_id, user_id, payment_status)
select '5514469786', o.order_id, o.user_id, 'waiting' from public.orders o;

-- user_profiles --------------------------------------------------------------------------------
select ok(pg_temp.rejects($$update public.user_profiles set account_status = 'deleted'$$, 'user_profiles_account_status_check'), 'user_profiles.account_status rejects deleted');
select ok(pg_temp.rejects($$update public.user_profiles set total_orders = -1$$, 'user_profiles_total_orders_check'), 'user_profiles.total_orders rejects negatives');
select ok(pg_temp.rejects($$update public.user_profiles set total_spent = -0.01$$, 'user_profiles_total_spent_check'), 'user_profiles.total_spent rejects negatives');
select ok(pg_temp.rejects($$update public.user_profiles set first_name = repeat('x', 101)$$, 'user_profiles_first_name_length'), 'user_profiles.first_name is bounded');
select ok(pg_temp.rejects($$update public.user_profiles set last_name = repeat('x', 101)$$, 'user_profiles_last_name_length'), 'user_profiles.last_name is bounded');
select ok(pg_temp.rejects($$update public.user_profiles set phone = repeat('1', 51)$$, 'user_profiles_phone_length'), 'user_profiles.phone is bounded');
select ok(pg_temp.rejects($$update public.user_profiles set country = repeat('x', 101)$$, 'user_profiles_country_length'), 'user_profiles.country is bounded');

-- orders ---------------------------------------------------------------------------------------
select ok(pg_temp.rejects($$update public.orders set account_type = 'three_step'$$, 'orders_account_type_check'), 'orders.account_type rejects three_step');
select ok(pg_temp.rejects($$update public.orders set account_size = 0$$, 'orders_account_size_check'), 'orders.account_size must be positive');
select ok(pg_temp.rejects($$update public.orders set platform_type = 'ctrader'$$, 'orders_platform_type_check'), 'orders.platform_type rejects ctrader');
select ok(pg_temp.rejects($$update public.orders set amount = -1$$, 'orders_amount_check'), 'orders.amount rejects negatives');
select ok(pg_temp.rejects($$update public.orders set discount_amount = -1$$, 'orders_discount_amount_check'), 'orders.discount_amount rejects negatives');
select ok(pg_temp.rejects($$update public.orders set final_amount = -1$$, 'orders_final_amount_check'), 'orders.final_amount rejects negatives');
select ok(pg_temp.rejects($$update public.orders set order_status = 'shipped'$$, 'orders_order_status_check'), 'orders.order_status rejects shipped');
select ok(pg_temp.rejects($$update public.orders set payment_status = 'finished'$$, 'orders_payment_status_check'), 'orders.payment_status rejects finished');
select ok(pg_temp.rejects($$update public.orders set delivery_status = 'sent'$$, 'orders_delivery_status_check'), 'orders.delivery_status rejects sent');
-- the insert trigger always replaces order_id, so the format check is exercised with it disabled
alter table public.orders disable trigger orders_set_order_id;
select ok(pg_temp.rejects($$insert into public.orders (order_id, user_id, account_type, account_size, platform_type, amount, final_amount)
                            values ('FFX12345', 'a0000000-0000-4000-8000-00000000000a', 'hft', 5000, 'mt5', 1, 1)$$,
                          'orders_order_id_format'), 'orders.order_id must be FFX + 9 digits');
alter table public.orders enable trigger orders_set_order_id;

-- trading_rules --------------------------------------------------------------------------------
select ok(pg_temp.rejects($$insert into public.trading_rules (account_type, account_size) values ('three_step', 7000)$$, 'trading_rules_account_type_check'), 'trading_rules.account_type rejects three_step');
select ok(pg_temp.rejects($$insert into public.trading_rules (account_type, account_size) values ('hft', -5000)$$, 'trading_rules_account_size_check'), 'trading_rules.account_size must be positive');
select ok(pg_temp.rejects($$update public.trading_rules set live_max_daily_loss = 101 where account_type = 'instant'$$, 'trading_rules_percentages_check'), 'trading_rules percentages stay within 0..100');
select ok(pg_temp.rejects($$update public.trading_rules set phase_1_min_trading_days = -1 where account_type = 'two_step'$$, 'trading_rules_min_days_check'), 'trading_rules minimum days are not negative');

-- account_container ----------------------------------------------------------------------------
select ok(pg_temp.rejects($$update public.account_container set account_size = 0$$, 'account_container_account_size_check'), 'account_container.account_size must be positive');
select ok(pg_temp.rejects($$update public.account_container set platform_type = 'mt6'$$, 'account_container_platform_type_check'), 'account_container.platform_type rejects mt6');
select ok(pg_temp.rejects($$update public.account_container set status = 'sold'$$, 'account_container_status_check'), 'account_container.status rejects sold');

-- delivered_accounts ---------------------------------------------------------------------------
select ok(pg_temp.rejects($$update public.delivered_accounts set account_type = 'swing'$$, 'delivered_accounts_account_type_check'), 'delivered_accounts.account_type rejects swing');
select ok(pg_temp.rejects($$update public.delivered_accounts set account_size = -1$$, 'delivered_accounts_account_size_check'), 'delivered_accounts.account_size must be positive');
select ok(pg_temp.rejects($$update public.delivered_accounts set platform_type = 'web'$$, 'delivered_accounts_platform_type_check'), 'delivered_accounts.platform_type rejects web');
select ok(pg_temp.rejects($$update public.delivered_accounts set current_phase = 'phase_3'$$, 'delivered_accounts_current_phase_check'), 'delivered_accounts.current_phase rejects phase_3');
select ok(pg_temp.rejects($$update public.delivered_accounts set challenge_status = 'done'$$, 'delivered_accounts_challenge_status_check'), 'delivered_accounts.challenge_status rejects done');
select ok(pg_temp.rejects($$update public.delivered_accounts set phase_1_status = 'done'$$, 'delivered_accounts_phase_1_status_check'), 'delivered_accounts.phase_1_status rejects done');
select ok(pg_temp.rejects($$update public.delivered_accounts set phase_2_status = 'done'$$, 'delivered_accounts_phase_2_status_check'), 'delivered_accounts.phase_2_status rejects done');
select ok(pg_temp.rejects($$update public.delivered_accounts set live_status = 'done'$$, 'delivered_accounts_live_status_check'), 'delivered_accounts.live_status rejects done');
select ok(pg_temp.rejects($$update public.delivered_accounts set account_status = 'banned'$$, 'delivered_accounts_account_status_check'), 'delivered_accounts.account_status rejects banned');

-- payment_transactions -------------------------------------------------------------------------
select ok(pg_temp.rejects($$update public.payment_transactions set transaction_type = 'payout'$$, 'payment_transactions_transaction_type_check'), 'payment_transactions.transaction_type rejects payout');
select ok(pg_temp.rejects($$update public.payment_transactions set provider = 'paypal'$$, 'payment_transactions_provider_check'), 'payment_transactions.provider rejects paypal');
select ok(pg_temp.rejects($$update public.payment_transactions set status = 'finished'$$, 'payment_transactions_status_check'), 'payment_transactions.status rejects finished');
select ok(pg_temp.rejects($$update public.payment_transactions set amount = -1$$, 'payment_transactions_amount_check'), 'payment_transactions.amount rejects negatives');

-- payments -------------------------------------------------------------------------------------
select ok(pg_temp.rejects($$update public.payments set payment_status = 'paid'$$, 'payments_payment_status_check'), 'payments.payment_status rejects paid (not a provider status)');

-- pricing -------------------------------------------------------------------------------
select ok(pg_temp.rejects($$insert into public.pricing (account_type, account_size, platform_type, price_usd) values ('three_step', 5000, 'mt4', 1)$$, 'pricing_account_type_check'), 'pricing.account_type rejects three_step');
select ok(pg_temp.rejects($$insert into public.pricing (account_type, account_size, platform_type, price_usd) values ('hft', 0, 'mt4', 1)$$, 'pricing_account_size_check'), 'pricing.account_size must be positive');
select ok(pg_temp.rejects($$insert into public.pricing (account_type, account_size, platform_type, price_usd) values ('hft', 7000, 'ctrader', 1)$$, 'pricing_platform_type_check'), 'pricing.platform_type rejects ctrader');
select ok(pg_temp.rejects($$update public.pricing set price_usd = 0 where account_type = 'hft' and account_size = 5000$$, 'pricing_price_usd_check'), 'pricing.price_usd must be positive');

-- discount_codes ------------------------------------------------------------------------
insert into public.discount_codes (code, percent_off) values ('CHECKS', 10);
select ok(pg_temp.rejects($$insert into public.discount_codes (code, percent_off) values ('TWO WORDS', 10)$$, 'discount_codes_code_format'), 'discount_codes.code rejects a space');
select ok(pg_temp.rejects($$update public.discount_codes set percent_off = 100.01 where code = 'CHECKS'$$, 'discount_codes_percent_off_check'), 'discount_codes.percent_off is at most 100');
select ok(pg_temp.rejects($$insert into public.discount_codes (code, amount_off) values ('ZERO', 0)$$, 'discount_codes_amount_off_check'), 'discount_codes.amount_off must be positive');
select ok(pg_temp.rejects($$update public.discount_codes set amount_off = 5 where code = 'CHECKS'$$, 'discount_codes_one_kind_check'), 'a discount code is a percentage or an amount, not both');
select ok(pg_temp.rejects($$update public.discount_codes set valid_from = now(), valid_until = now() - interval '1 day' where code = 'CHECKS'$$, 'discount_codes_validity_check'), 'discount_codes.valid_until is after valid_from');
select ok(pg_temp.rejects($$update public.discount_codes set max_uses = -1 where code = 'CHECKS'$$, 'discount_codes_max_uses_check'), 'discount_codes.max_uses rejects negatives');
select ok(pg_temp.rejects($$update public.discount_codes set uses = -1 where code = 'CHECKS'$$, 'discount_codes_uses_check'), 'discount_codes.uses rejects negatives');

-- crypto_currency_map -------------------------------------------------------------------
select ok(pg_temp.rejects($$insert into public.crypto_currency_map (code, provider_code) values ('USDT-ERC20', 'usdterc20')$$, 'crypto_currency_map_code_format'), 'crypto_currency_map.code is lower-case letters, digits and _');
select ok(pg_temp.rejects($$update public.crypto_currency_map set provider_code = 'usdt bsc' where code = 'usdt_bsc'$$, 'crypto_currency_map_provider_code_format'), 'crypto_currency_map.provider_code is lower-case letters and digits');

-- email_outbox -------------------------------------------------------------------------
select ok(pg_temp.rejects($$insert into public.email_outbox (order_id, template_name, to_email, status) select order_id, 'checks', 'x@example.com', 'queued' from public.orders limit 1$$, 'email_outbox_status_check'), 'email_outbox.status rejects queued');

-- lifecycle -----------------------------------------------------------------------------
select ok(pg_temp.rejects($$update public.orders set needs_attention = 'bored'$$, 'orders_needs_attention_check'), 'orders.needs_attention rejects an unknown reason');
insert into public.ipn_events (dedupe_key, payment_id, payment_status, payload, signature)
values ('5514469786:waiting:::', '5514469786', 'waiting', '{"payment_id": 5514469786, "payment_status": "waiting"}', 'raw');
select ok(pg_temp.rejects($$update public.ipn_events set signature = 'none'$$, 'ipn_events_signature_check'), 'ipn_events.signature is raw or canonical');
select ok(pg_temp.rejects($$update public.ipn_events set state = 'done'$$, 'ipn_events_state_check'), 'ipn_events.state rejects done');

-- payment verification -------------------------------------------------------------------
select ok(pg_temp.rejects($$insert into public.payment_settings (id) values (false)$$, 'payment_settings_single_row'), 'payment_settings has one row only');
select ok(pg_temp.rejects($$update public.payment_settings set underpay_tolerance = 0.1$$, 'payment_settings_underpay_tolerance_check'), 'the underpayment tolerance is below 10 %');
select ok(pg_temp.rejects($$update public.payment_settings set underpay_tolerance = -0.001$$, 'payment_settings_underpay_tolerance_check'), 'the underpayment tolerance is not negative');
-- order rules --------------------------------------------------------------------------
select ok(pg_temp.rejects($$update public.discount_codes set held = -1 where code = 'CHECKS'$$, 'discount_codes_held_check'), 'discount_codes.held rejects negatives');
select ok(pg_temp.rejects($$update public.discount_codes set max_uses_per_user = -1 where code = 'CHECKS'$$, 'discount_codes_max_uses_per_user_check'), 'discount_codes.max_uses_per_user rejects negatives');
select ok(pg_temp.rejects($$insert into public.order_settings (id) values (false)$$, 'order_settings_one_row'), 'order_settings holds one row (id true)');
select ok(pg_temp.rejects($$update public.order_settings set discount_attempts_per_hour = 0$$, 'order_settings_attempts_check'), 'order_settings.discount_attempts_per_hour is at least 1');
select ok(pg_temp.rejects($$update public.order_settings set checkout_paused = true, checkout_pause_message = ' '$$, 'order_settings_pause_message'), 'a paused checkout has a message for customers');
select ok(pg_temp.rejects($$insert into public.discount_code_uses (order_id, code, user_id, state) select order_id, 'CHECKS', user_id, 'burned' from public.orders limit 1$$, 'discount_code_uses_state_check'), 'discount_code_uses.state is held, used or released');
-- provider calls ---------------------------------------------------------------------------
select ok(pg_temp.rejects($$insert into public.payment_reservations (order_id, pay_currency, token, holder, actor_role, creates_invoice, expires_at)
  select order_id, 'btc', gen_random_uuid(), repeat('h', 201), 'service_role', true, now() + interval '1 minute' from public.orders limit 1$$,
  'payment_reservations_holder_length'), 'payment_reservations.holder is at most 200 characters');
select ok(pg_temp.rejects($$insert into public.payment_reservations (order_id, pay_currency, token, holder, actor_role, creates_invoice, expires_at)
  select order_id, 'btc', gen_random_uuid(), 'h:1:r', 'service_role', true, now() from public.orders limit 1$$,
  'payment_reservations_expiry'), 'a reservation expires after it was taken');
insert into public.payments (payment_id, order_id, user_id, payment_status)
select '9100000001', order_id, user_id, 'waiting' from public.orders limit 1;
select ok(pg_temp.rejects($$insert into public.payment_refreshes (provider, payment_id, attempted_at, attempted_by)
  values ('nowpayments', '9100000001', now(), repeat('x', 65))$$, 'payment_refreshes_by_length'),
  'payment_refreshes.attempted_by is at most 64 characters');

-- every CHECK constraint in public was exercised above
select set_eq(
  $$select conname::text from pg_constraint where contype = 'c' and connamespace = 'public'::regnamespace$$,
  'select name from checked_constraints',
  'each CHECK constraint in public has a rejection test');

-- uniqueness and references --------------------------------------------------------------------
select throws_ok(
  $$insert into public.account_container (account_size, platform_type, server_name, login_id, password)
    values (25000, 'mt5', 'FlashFundX-Live01', '12345678', 'other')$$,
  '23505', 'duplicate key value violates unique constraint "account_container_server_login_key"',
  'the same login on the same server cannot be stocked twice');
select lives_ok(
  $$insert into public.account_container (account_size, platform_type, server_name, login_id, password)
    values (10000, 'mt4', 'FlashFundX-Live02', '12345678', 'pw')$$,
  'the same login on another server is fine');
select throws_ok(
  $$insert into public.delivered_accounts (order_id, user_id, account_type, account_size, platform_type,
                                           server_name, login_id, password, current_phase)
    select order_id, user_id, 'one_step', 10000, 'mt4', 'S', 'L', 'P', 'challenge' from public.orders$$,
  '23505', 'duplicate key value violates unique constraint "delivered_accounts_order_id_key"',
  'an order is delivered at most once');
select throws_ok(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
    values ('b0000000-0000-4000-8000-00000000000b', 'hft', 5000, 'mt4', 1, 1);
    insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type, account_size,
                                           platform_type, server_name, login_id, password, current_phase)
    select order_id, user_id, 'c0000000-0000-4000-8000-000000000001', 'hft', 5000, 'mt4', 'S', 'L', 'P', 'challenge'
      from public.orders where user_id = 'b0000000-0000-4000-8000-00000000000b'$$,
  '23505', 'duplicate key value violates unique constraint "delivered_accounts_container_account_id_key"',
  'an inventory account is delivered at most once');
select throws_ok(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
    values ('a0000000-0000-4000-8000-00000000000a', 'hft', 5000, 'mt4', 1, 1);
    insert into public.delivered_accounts (order_id, user_id, account_type, account_size, platform_type,
                                           server_name, login_id, password, current_phase)
    select order_id, 'b0000000-0000-4000-8000-00000000000b', 'hft', 5000, 'mt4', 'S', 'L2', 'P', 'challenge'
      from public.orders where user_id = 'a0000000-0000-4000-8000-00000000000a' and account_type = 'hft'$$,
  '23503', null,
  'a delivered account must belong to the order''s own user');
select throws_ok(
  $$insert into public.payment_transactions (order_id, user_id)
    select order_id, 'b0000000-0000-4000-8000-00000000000b' from public.orders
     where user_id = 'a0000000-0000-4000-8000-00000000000a'$$,
  '23503', null,
  'a payment transaction must name the order''s own user');
select throws_ok(
  $$insert into public.orders (user_id, account_type, account_size, platform_type, amount, final_amount)
    values ('ffffffff-0000-4000-8000-000000000000', 'hft', 5000, 'mt4', 1, 1)$$,
  '23503', null,
  'an order needs an existing auth user');
select throws_ok(
  $$insert into public.pricing (account_type, account_size, platform_type, price_usd) values ('hft', 5000, 'mt4', 1)$$,
  '23505', 'duplicate key value violates unique constraint "pricing_product_key"',
  'one price per type, size and platform');
select throws_ok(
  $$insert into public.discount_codes (code, amount_off) values ('checks', 5)$$,
  '23505', 'duplicate key value violates unique constraint "discount_codes_pkey"',
  'discount codes are unique regardless of case (stored upper-case)');
select throws_ok(
  $$insert into public.trading_rules (account_type, account_size) values ('hft', 5000)$$,
  '23505', 'duplicate key value violates unique constraint "trading_rules_account_type_size_key"',
  'one rule set per type and size');

select * from finish();
rollback;
