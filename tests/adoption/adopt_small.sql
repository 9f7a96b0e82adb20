-- A SMALL hand-written shop on the original FlashFundX schema (tests/adoption/original/schema.sql):
-- one or two rows for each rule of the adoption's mapping and each conflict kind, for
-- tests/adoption/adopt_small.sh. Every id is fixed so the test can name rows. (The big realistic
-- shop is tests/adoption's generated fixture; this one is for reading.)
--
-- Users: alice (profile; sign-up password in the profile and in the metadata), bob (no profile;
-- password in the metadata), carol (profile, no password), dave (invited, never signed in: no
-- profile, no metadata).
insert into auth.users (id, email, raw_user_meta_data, created_at) values
  ('00000000-0000-4000-8000-00000000000a', 'alice@example.com',
   '{"first_name": "Alice", "last_name": "Ärger", "password": "hunter2", "country": "DE"}', '2026-01-05 10:00+00'),
  ('00000000-0000-4000-8000-00000000000b', 'bob@example.com',
   '{"first_name": "Bob", "password": "bobs-secret"}', '2026-02-01 10:00+00'),
  ('00000000-0000-4000-8000-00000000000c', 'carol@example.com', '{"first_name": "Carol"}', '2026-02-02 10:00+00'),
  ('00000000-0000-4000-8000-00000000000d', 'dave@example.com', null, '2026-03-01 10:00+00');
-- the original's trigger made alice's and carol's profiles (and bob's and dave's, which go now:
-- "users without a profile")
delete from public.user_profiles where id in ('00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000d');
update public.user_profiles set total_orders = 2, total_spent = 1298.50, signup_ip = '203.0.113.7'
 where id = '00000000-0000-4000-8000-00000000000a';

-- Orders, one per mapping rule (A = alice, C = carol):
--   001 A delivered (delivered_accounts row)                   -> completed/paid/delivered
--   002 A processing/paid, a completed manual transaction      -> processing/paid/pending (waits for stock)
--   003 A processing/paid on a mere `confirmed`, NOWPayments   -> processing/pending/pending + payments row
--   004 C pending, NOWPayments payment created months ago      -> processing/pending/pending + payments row
--   005 C pending, no provider id                              -> pending/pending/pending
--   006 A failed / 007 A cancelled / 008 A refunded            -> the same words
--   009 A refunded after delivery                              -> refunded/refunded/delivered
--   013 C delivered on the same inventory row as 009           (duplicate-logins)
--   FFX00000010 C pending, 8 digits                            (bad-order-id)
--   011 C order_status 'on_hold'                               (unknown-status)
insert into public.orders (id, order_id, user_id, account_type, account_size, platform_type, amount,
                           discount_amount, final_amount, order_status, payment_status, delivery_status,
                           payment_provider, payment_provider_id, crypto_currency, crypto_amount,
                           crypto_address, created_at, updated_at) values
  ('00000000-0000-4000-9000-000000000001', 'FFX000000001', '00000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt5', 649.00, 0, 649.00, 'completed', 'paid', 'delivered', 'nowpayments', '5001', 'usdttrc20', 649.5, 'TAddr1', '2026-03-01 10:00+00', '2026-03-01 10:20+00'),
  ('00000000-0000-4000-9000-000000000002', 'FFX000000002', '00000000-0000-4000-8000-00000000000a', 'two_step', 200000, 'mt4', 6499.00, 0, 6499.00, 'processing', 'paid', 'pending', 'manual', null, null, null, null, '2026-03-02 10:00+00', '2026-03-02 11:00+00'),
  ('00000000-0000-4000-9000-000000000003', 'FFX000000003', '00000000-0000-4000-8000-00000000000a', 'one_step', 10000, 'mt5', 649.00, 0, 649.00, 'processing', 'paid', 'pending', 'nowpayments', '5003', 'usdt_trc20', 649.25, 'TAddr3', '2026-06-01 10:00+00', '2026-06-01 10:30+00'),
  ('00000000-0000-4000-9000-000000000004', 'FFX000000004', '00000000-0000-4000-8000-00000000000c', 'hft', 5000, 'mt4', 399.00, 40.00, 359.00, 'pending', 'pending', 'pending', 'nowpayments', '5004', 'btc', 0.00412345, 'bc1qaddr4', '2026-06-02 10:00+00', '2026-06-02 10:00+00'),
  ('00000000-0000-4000-9000-000000000005', 'FFX000000005', '00000000-0000-4000-8000-00000000000c', 'instant', 5000, 'mt4', 449.00, 0, 449.00, 'pending', 'pending', 'pending', 'nowpayments', null, null, null, null, '2026-06-03 10:00+00', '2026-06-03 10:00+00'),
  ('00000000-0000-4000-9000-000000000006', 'FFX000000006', '00000000-0000-4000-8000-00000000000a', 'hft', 5000, 'mt4', 399.00, 0, 399.00, 'failed', 'failed', 'pending', 'nowpayments', '5006', 'btc', 0.004, 'bc1qaddr6', '2026-04-01 10:00+00', '2026-04-02 10:00+00'),
  ('00000000-0000-4000-9000-000000000007', 'FFX000000007', '00000000-0000-4000-8000-00000000000a', 'hft', 5000, 'mt4', 399.00, 0, 399.00, 'cancelled', 'pending', 'pending', 'nowpayments', null, null, null, null, '2026-04-03 10:00+00', '2026-04-03 10:00+00'),
  ('00000000-0000-4000-9000-000000000008', 'FFX000000008', '00000000-0000-4000-8000-00000000000a', 'hft', 5000, 'mt4', 399.00, 0, 399.00, 'refunded', 'refunded', 'pending', 'stripe', 'pi_8', null, null, null, '2026-04-04 10:00+00', '2026-04-05 10:00+00'),
  ('00000000-0000-4000-9000-000000000009', 'FFX000000009', '00000000-0000-4000-8000-00000000000a', 'instant', 5000, 'mt4', 449.00, 0, 449.00, 'refunded', 'refunded', 'delivered', 'nowpayments', '5009', 'btc', 0.005, 'bc1qaddr9', '2026-04-06 10:00+00', '2026-04-08 10:00+00'),
  ('00000000-0000-4000-9000-000000000013', 'FFX000000013', '00000000-0000-4000-8000-00000000000c', 'instant', 5000, 'mt4', 449.00, 0, 449.00, 'completed', 'paid', 'delivered', 'manual', null, null, null, null, '2026-04-09 10:00+00', '2026-04-09 12:00+00'),
  ('00000000-0000-4000-9000-000000000010', 'FFX00000010', '00000000-0000-4000-8000-00000000000c', 'two_step', 5000, 'mt4', 299.00, 0, 299.00, 'pending', 'pending', 'pending', 'nowpayments', null, null, null, null, '2026-05-01 10:00+00', '2026-05-01 10:00+00'),
  ('00000000-0000-4000-9000-000000000011', 'FFX000000011', '00000000-0000-4000-8000-00000000000c', 'two_step', 5000, 'mt4', 299.00, 0, 299.00, 'on_hold', 'pending', 'pending', 'nowpayments', null, null, null, null, '2026-05-02 10:00+00', '2026-05-02 10:00+00');

-- Inventory: c1 (delivered to 001) and a second row with the same server and login
-- (duplicate-logins), c2 (delivered to 009 and again to 013), c3 available for 003's product,
-- c4 with a status nobody knows (unknown-status).
insert into public.account_container (id, account_size, platform_type, server_name, login_id, password,
                                      investor_password, status, reserved_for_order_id, delivered_at, created_at) values
  ('00000000-0000-4000-a000-0000000000c1', 10000, 'mt5', 'FFX-Live', '1001', 'pw1001', 'inv1001', 'delivered', 'FFX000000001', '2026-03-01 10:20+00', '2026-01-01 00:00+00'),
  ('00000000-0000-4000-a000-0000000000d1', 10000, 'mt5', 'FFX-Live', '1001', 'pw1001b', null, 'available', null, null, '2026-01-02 00:00+00'),
  ('00000000-0000-4000-a000-0000000000c2', 5000, 'mt4', 'FFX-Demo', '2002', 'pw2002', null, 'delivered', 'FFX000000009', '2026-04-06 11:00+00', '2026-01-01 00:00+00'),
  ('00000000-0000-4000-a000-0000000000c3', 10000, 'mt5', 'FFX-Live', '3003', 'pw3003', 'inv3003', 'available', null, null, '2026-01-03 00:00+00'),
  ('00000000-0000-4000-a000-0000000000c4', 25000, 'mt4', 'FFX-Live', '4004', 'pw4004', null, 'broken', null, null, '2026-01-04 00:00+00');

insert into public.delivered_accounts (id, order_id, user_id, container_account_id, account_type, account_size,
                                       platform_type, server_name, login_id, password, investor_password,
                                       current_phase, phase_status, challenge_status, account_status,
                                       email_sent, delivered_at) values
  ('00000000-0000-4000-b000-000000000001', 'FFX000000001', '00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-a000-0000000000c1', 'one_step', 10000, 'mt5', 'FFX-Live', '1001', 'pw1001', 'inv1001', 'challenge', 'active', null, 'active', true, '2026-03-01 10:20+00'),
  ('00000000-0000-4000-b000-000000000009', 'FFX000000009', '00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-a000-0000000000c2', 'instant', 5000, 'mt4', 'FFX-Demo', '2002', 'pw2002', null, 'live', 'active', null, 'suspended', true, '2026-04-06 11:00+00'),
  ('00000000-0000-4000-b000-000000000013', 'FFX000000013', '00000000-0000-4000-8000-00000000000c', '00000000-0000-4000-a000-0000000000c2', 'instant', 5000, 'mt4', null, null, null, null, null, 'passed', null, 'active', false, '2026-04-09 12:00+00');

-- Payment transactions: 001's finished (evidence), 002's manual completed (evidence), 003's last
-- known `confirmed` (the original marked it paid), 004's `waiting`, one whose user is gone and one
-- whose order is gone (orphan-orders), one by carol on alice's order (orphan-orders: the order's
-- user wins), one with a status nobody knows (unknown-status).
insert into public.payment_transactions (id, order_id, user_id, transaction_type, provider, provider_transaction_id,
                                         amount, currency, status, event_type, provider_response, created_at) values
  ('00000000-0000-4000-c000-000000000001', 'FFX000000001', '00000000-0000-4000-8000-00000000000a', 'payment', 'nowpayments', '5001', 649.00, 'usd', 'completed', 'finished', '{"payment_id": 5001, "payment_status": "finished"}', '2026-03-01 10:15+00'),
  ('00000000-0000-4000-c000-000000000002', 'FFX000000002', '00000000-0000-4000-8000-00000000000a', 'payment', 'manual', 'bank-2', 6499.00, 'usd', 'completed', 'manual_received', null, '2026-03-02 11:00+00'),
  ('00000000-0000-4000-c000-000000000003', 'FFX000000003', '00000000-0000-4000-8000-00000000000a', 'payment', 'nowpayments', '5003', 649.00, 'usd', 'processing', 'confirmed', '{"payment_id": 5003, "payment_status": "confirmed"}', '2026-06-01 10:30+00'),
  ('00000000-0000-4000-c000-000000000004', 'FFX000000004', '00000000-0000-4000-8000-00000000000c', 'payment', 'nowpayments', '5004', 359.00, 'usd', 'pending', 'waiting', '{"payment_id": 5004, "payment_status": "waiting"}', '2026-06-02 10:00+00'),
  ('00000000-0000-4000-c000-0000000000e1', null, '00000000-0000-4000-8000-0000000000ee', 'payment', 'manual', 'gone-user', 10.00, 'usd', 'failed', null, null, '2026-02-01 00:00+00'),
  ('00000000-0000-4000-c000-0000000000e2', 'FFX000000099', null, 'refund', 'stripe', 're_99', 5.00, 'usd', 'completed', null, null, '2026-02-02 00:00+00'),
  ('00000000-0000-4000-c000-0000000000e3', 'FFX000000006', '00000000-0000-4000-8000-00000000000c', 'payment', 'nowpayments', '5006', 399.00, 'usd', 'failed', 'expired', '{"payment_status": "expired"}', '2026-04-02 10:00+00'),
  ('00000000-0000-4000-c000-0000000000e4', 'FFX000000007', '00000000-0000-4000-8000-00000000000a', 'payment', 'nowpayments', null, 399.00, 'usd', 'weird', null, null, '2026-04-03 10:00+00');

-- Trading rules: one_step 10000 stored as money amounts (rule-amounts), two_step 5000 as percentages.
insert into public.trading_rules (id, account_type, account_size, challenge_profit_target, challenge_max_daily_loss,
                                  challenge_max_total_loss, challenge_min_trading_days, live_max_daily_loss,
                                  live_max_total_loss, profit_share_percentage) values
  ('00000000-0000-4000-d000-000000000001', 'one_step', 10000, 1000, 400, 6, 3, 400, 600, 85),
  ('00000000-0000-4000-d000-000000000002', 'two_step', 5000, null, null, null, null, 5, 10, 80);
update public.trading_rules set phase_1_profit_target = 8, phase_1_max_daily_loss = 5, phase_1_max_total_loss = 10,
                                phase_1_min_trading_days = 4
 where id = '00000000-0000-4000-d000-000000000002';

insert into public.crypto_addresses (id, crypto_name, crypto_symbol, network, wallet_address, is_active) values
  ('00000000-0000-4000-e000-000000000001', 'USDT TRC20', 'USDT', 'TRC20', 'TRealAddress123', true),
  ('00000000-0000-4000-e000-000000000002', 'Litecoin', 'LTC', 'Litecoin', 'ltc1qreal', true);

insert into public.admin_audit_log (id, admin_id, admin_email, action_type, table_name, record_id, description,
                                    old_values, new_values, created_at) values
  ('00000000-0000-4000-f000-000000000002', '00000000-0000-4000-8000-00000000000c', 'admin@flashfundx.com', 'update_order', 'orders', 'FFX000000008', 'refund approved', '{"order_status": "completed"}', '{"order_status": "refunded"}', '2026-04-05 10:00+00'),
  ('00000000-0000-4000-f000-000000000001', null, 'admin@flashfundx.com', 'add_account', 'account_container', '00000000-0000-4000-a000-0000000000c1', 'stock', null, null, '2026-01-01 00:00+00');
