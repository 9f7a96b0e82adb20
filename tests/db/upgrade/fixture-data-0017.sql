-- Data for the dev-0017 fixture, on top of fixture-data.sql: rows in the tables issue 13's
-- migrations 0015 .. 0017 added (discount-code attempts, a payment-status refresh claim, an open
-- payment reservation). tests/db/upgrade/make-fixtures.sh runs it after migrating to 0017.
\set ON_ERROR_STOP 1

-- a customer's order carrying a code: one attempt
begin;
select set_config('request.jwt.claims',
  '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-00000000000a", "email": "alice@example.com"}', true);
set local role authenticated;
select public.order_create('two_step', 5000, 'mt5', 'FIXED50');
commit;

-- check-payment-status claimed a refresh of the open checkout payment
select set_config('request.jwt.claims', '{"role": "service_role"}', false);
select public.payment_refresh_claim('5500001', 10, 'check-payment-status');

-- create-crypto-payment reserved (order, coin) and is at NOWPayments right now
begin;
select set_config('request.jwt.claims',
  '{"role": "authenticated", "sub": "a0000000-0000-4000-8000-00000000000a", "email": "alice@example.com"}', true);
select public.crypto_payment_begin(o.order_id, o.user_id, o.account_type, o.account_size, o.platform_type,
                                   o.amount, o.final_amount, 'usdt_trc20', 'fixture:1:req-1', 20000)
  from public.orders o
 where o.discount_code = 'FIXED50' and o.order_status = 'pending';
commit;

select set_config('request.jwt.claims', '', false);
