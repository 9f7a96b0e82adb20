-- The benchmark's data (tools/bench/run.mjs), in schema bench of the bench stack's database only.
--
-- Ids are derived from numbers so that the request files, the pgbench scripts and the database
-- agree without lookups: user n is b0000000-0000-4000-8000-<n, 12 digits>, order n is
-- FFX<100000000 + n>, payment n is 7000000000 + n and its invoice 7500000000 + n (above the
-- simulator's ids, 4000000000-6999999999, which create-crypto-payment stores). Bulk rows are written with
-- session_replication_role = replica (no triggers, no foreign-key checks) and hold exactly what
-- the triggers would have written: the right prices, ids and statuses.

create schema if not exists bench;

create or replace function bench.user_id(n bigint) returns uuid
language sql immutable as $$ select ('b0000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid $$;

create or replace function bench.order_id(n bigint) returns text
language sql immutable as $$ select 'FFX' || (100000000 + n)::text $$;

create or replace function bench.payment_id(n bigint) returns text
language sql immutable as $$ select (7000000000 + n)::text $$;

-- bench.clear_range(from, to): make room for orders from..to. create-order draws its ids at
-- random from all of FFX000000000-FFX999999999, so the orders the benchmark created through it
-- (pending, never paid: nothing refers to them) can hold ids of a range seeded later.
create or replace function bench.clear_range(p_from bigint, p_to bigint) returns void
language sql as $$
  delete from public.orders o
   where o.order_id between bench.order_id(p_from) and bench.order_id(p_to)
     and o.payment_provider_id is null and o.invoice_id is null
$$;

-- bench.add_users(count): customers 1..count (auth.users; the sign-up trigger makes profiles).
create or replace function bench.add_users(p_count integer) returns void
language sql as $$
  insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data)
  select bench.user_id(n), 'bench' || n || '@example.com', '{"first_name": "Bench"}',
         '{"provider": "email", "providers": ["email"]}'
    from generate_series(1, p_count) n
  on conflict (id) do nothing
$$;

-- bench.add_settled_orders(from, to, users): orders whose payment is final, as check-payment-status
-- sees them in steady state: 7 in 10 completed (finished payment), the rest failed (expired).
create or replace function bench.add_settled_orders(p_from bigint, p_to bigint, p_users integer) returns void
language plpgsql as $$
begin
  perform bench.clear_range(p_from, p_to);
  set local session_replication_role = replica;
  insert into public.orders (order_id, user_id, account_type, account_size, platform_type, amount,
                             final_amount, order_status, payment_status, delivery_status,
                             payment_provider_id, invoice_id, crypto_currency, crypto_amount,
                             crypto_address, pay_currency, paid_at, delivered_at, created_at, updated_at)
  select bench.order_id(n), bench.user_id(1 + n % p_users), 'one_step', 10000, 'mt4', 649, 649,
         case when n % 10 < 7 then 'completed' else 'failed' end,
         case when n % 10 < 7 then 'paid' else 'failed' end,
         case when n % 10 < 7 then 'delivered' else 'pending' end,
         bench.payment_id(n), (7500000000 + n)::text, 'usdtbsc', 649,
         '0x' || md5(n::text), 'usdtbsc',
         case when n % 10 < 7 then t + interval '20 minutes' end,
         case when n % 10 < 7 then t + interval '20 minutes' end, t, t + interval '20 minutes'
    from generate_series(p_from, p_to) n,
         lateral (select now() - interval '1 second' * (p_to - n + 3600)) as c(t);
  insert into public.payments (payment_id, order_id, user_id, invoice_id, payment_status, pay_address,
                               pay_amount, pay_currency, actually_paid, price_amount, price_currency,
                               provider_created_at, provider_updated_at, raw, created_at, updated_at)
  select bench.payment_id(n), bench.order_id(n), bench.user_id(1 + n % p_users), (7500000000 + n)::text,
         case when n % 10 < 7 then 'finished' else 'expired' end, '0x' || md5(n::text), 649, 'usdtbsc',
         case when n % 10 < 7 then 649 else 0 end, 649, 'usd', t, t + interval '20 minutes',
         jsonb_build_object('payment_id', 7000000000 + n), t, t + interval '20 minutes'
    from generate_series(p_from, p_to) n,
         lateral (select now() - interval '1 second' * (p_to - n + 3600)) as c(t);
end
$$;

-- bench.add_payable_orders(from, to, users, with_payment): pending orders. With a payment: as
-- create-crypto-payment leaves them (invoice, a waiting payment), for the IPN streams. Without:
-- for create-crypto-payment itself. The caller analyzes afterwards: the settled orders seeded
-- first hold no pending order, and with statistics that say so the planner would rather walk
-- orders_statuses_idx through every pending order than look one up by its id.
create or replace function bench.add_payable_orders(p_from bigint, p_to bigint, p_users integer,
                                                    p_with_payment boolean) returns void
language plpgsql as $$
begin
  perform bench.clear_range(p_from, p_to);
  set local session_replication_role = replica;
  insert into public.orders (order_id, user_id, account_type, account_size, platform_type, amount,
                             final_amount, payment_provider_id, invoice_id, crypto_currency,
                             crypto_amount, crypto_address, pay_currency)
  select bench.order_id(n), bench.user_id(1 + n % p_users), 'one_step', 10000, 'mt4', 649, 649,
         case when p_with_payment then bench.payment_id(n) end,
         case when p_with_payment then (7500000000 + n)::text end,
         case when p_with_payment then 'usdtbsc' end, case when p_with_payment then 649 end,
         case when p_with_payment then '0x' || md5(n::text) end,
         case when p_with_payment then 'usdtbsc' end
    from generate_series(p_from, p_to) n;
  if p_with_payment then
    insert into public.payments (payment_id, order_id, user_id, invoice_id, payment_status, pay_address,
                                 pay_amount, pay_currency, price_amount, price_currency, raw)
    select bench.payment_id(n), bench.order_id(n), bench.user_id(1 + n % p_users), (7500000000 + n)::text,
           'waiting', '0x' || md5(n::text), 649, 'usdtbsc', 649, 'usd',
           jsonb_build_object('payment_id', 7000000000 + n)
      from generate_series(p_from, p_to) n;
  end if;
end
$$;

-- bench.add_accounts(count): MT4 10000 accounts in the container, available.
create or replace function bench.add_accounts(p_count integer) returns void
language plpgsql as $$
declare
  v_base bigint := (select count(*) from public.account_container);
begin
  set local session_replication_role = replica;
  insert into public.account_container (account_size, platform_type, server_name, login_id, password,
                                        investor_password, created_at)
  select 10000, 'mt4', 'FlashFundX-Bench', (70000000 + v_base + n)::text, 'Bench-' || md5(n::text),
         'Inv-' || n, now() - interval '1 day' + interval '1 millisecond' * n
    from generate_series(1, p_count) n;
end
$$;

-- The DB ceilings' inputs: an IPN stream in order, a set of orders to pay, and the orders that
-- already have an open payment (create-crypto-payment's idempotent repeat).
create table if not exists bench.ipn_stream (n bigint primary key, payload jsonb not null);
create sequence if not exists bench.ipn_seq;
create table if not exists bench.fresh_orders (n bigint primary key, order_id text not null, user_id uuid not null);
create sequence if not exists bench.fresh_seq;
create table if not exists bench.paid_orders (k bigint primary key, order_id text not null, user_id uuid not null);

-- The DB ceilings run as the functions do (their login, then service_role or authenticated).
grant usage on schema bench to service_role, authenticated;
grant select on all tables in schema bench to service_role, authenticated;
grant usage, select, update on all sequences in schema bench to service_role, authenticated;
grant execute on all functions in schema bench to service_role, authenticated;
