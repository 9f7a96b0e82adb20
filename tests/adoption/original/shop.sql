-- A realistic shop on the ORIGINAL FlashFundX schema (schema.sql beside this file): what a
-- Supabase project running the original holds after about a year of trading. The adoption test
-- (tests/adoption/run.sh) adopts it with scripts/adopt and checks that every row survives.
--
-- Deterministic: no random(); every id, name, amount and time is a function of the row's number
-- (md5 of a label for uuids, fixed dates), so two builds are identical row for row. Set-based,
-- so it builds in about a second. Run as a superuser (users without a profile are inserted with
-- session_replication_role = replica, i.e. with the sign-up trigger not firing, as for users made
-- before the trigger existed), inside one transaction, after sql/shim, supabase_auth.sql and
-- schema.sql.
--
-- What it holds (n = the row's number; the awkward cases are fixed rows, named in comments):
--   3000 users inserted the way Supabase Auth inserts them: e-mail sign-ups carrying the sign-up
--     password in raw_user_meta_data (the original's trigger copies it into user_profiles),
--     Google sign-ups (no password), invited users who never signed in (n % 50 = 0), users
--     soft-deleted by Supabase Auth (n % 97 = 0), users without a profile (n % 89 = 0),
--     non-ASCII names and e-mails (n % 13 = 0), banned and suspended customers, the admin.
--   6000 orders in every status combination the original produces (the category is n % 40; see
--     fx_orders below), with NOWPayments ids, crypto amounts and addresses; discounts with cents;
--     payments by manual, stripe and lemon_squeezy; plus an order whose user is gone and one
--     whose status was hand-edited to a value the original never wrote.
--   payment_transactions, one row per IPN step the original recorded (and the refunds);
--   inventory in every status, one delivered account per delivered order, a duplicate login;
--   trading rules (two of them stored as money amounts), crypto addresses, audit rows.

-- ---- users ----

create temporary table fx_users on commit drop as
select n,
       md5('ffx-user-' || n)::uuid as id,
       case when n = 1 then 'admin'
            when n % 50 = 0 then 'invited'
            when n % 37 = 0 then 'google'
            else 'email' end as kind,
       case when n % 13 = 0
            then (array['Zoë', 'Jürgen', 'Søren', 'Łukasz', 'Ольга', '美咲', 'José', 'Çağla'])[n % 8 + 1]
            else (array['James', 'Mary', 'Ahmed', 'Priya', 'Lucas', 'Emma', 'Kwame', 'Anna', 'Omar', 'Chloe'])[n % 10 + 1] end
         as first_name,
       case when n % 13 = 0
            then (array['Müller', 'Ødegård', 'Wiśniewski', 'Иванова', '佐藤', 'Núñez', 'Öztürk', 'Dvořák'])[n % 8 + 1]
            else (array['Smith', 'Garcia', 'Khan', 'Patel', 'Silva', 'Brown', 'Mensah', 'Nowak', 'Haddad', 'Martin', 'Lee'])[n % 11 + 1] end
         as last_name,
       (array['US', 'GB', 'DE', 'IN', 'BR', 'NG', 'PL', 'AE', 'FR', 'JP', 'TR', 'ES'])[n % 12 + 1] as country,
       '2024-06-01 08:00:00+00'::timestamptz + n * interval '2 hours 17 minutes' as created_at
  from generate_series(1, 3000) as n;

alter table fx_users add column email text;
update fx_users
   set email = case when kind = 'admin' then 'admin@flashfundx.com'
                    when n % 13 = 0 then lower(first_name) || '.' || n || '@exämple.de'
                    else lower(first_name) || '.' || lower(last_name) || n || '@example.com' end;

-- Supabase Auth's insert: the bcrypt hash in encrypted_password, the empty token strings it writes,
-- the sign-up form's fields in raw_user_meta_data (the original frontend put the password there
-- too), the provider in raw_app_meta_data.
create temporary table fx_auth on commit drop as
select u.n, u.id, u.email, u.created_at,
       '00000000-0000-0000-0000-000000000000'::uuid as instance_id,
       case when u.kind in ('invited', 'google') then ''
            else '$2a$10$' || substr(md5('hash-' || u.n) || md5('salt-' || u.n), 1, 53) end as encrypted_password,
       case u.kind
         when 'email' then jsonb_build_object(
           'first_name', u.first_name, 'last_name', u.last_name,
           'phone', '+1555' || lpad((u.n * 7919 % 10000000)::text, 7, '0'), 'country', u.country,
           'marketing_consent', u.n % 3 = 0, 'email_verified', true,
           'password', 'Pw-' || substr(md5('pw-' || u.n), 1, 10) || '!')
         when 'google' then jsonb_build_object(
           'full_name', u.first_name || ' ' || u.last_name, 'name', u.first_name || ' ' || u.last_name,
           'avatar_url', 'https://lh3.googleusercontent.com/a/' || md5('avatar-' || u.n),
           'email_verified', true, 'iss', 'https://accounts.google.com')
         when 'admin' then jsonb_build_object('first_name', 'Shop', 'last_name', 'Admin',
           'password', 'Adm1n-' || substr(md5('admin'), 1, 8))
         else '{}'::jsonb end as raw_user_meta_data,
       case u.kind when 'google' then '{"provider": "google", "providers": ["google"]}'::jsonb
                   else '{"provider": "email", "providers": ["email"]}'::jsonb end as raw_app_meta_data,
       case when u.kind = 'invited' then null else u.created_at + interval '3 minutes' end as email_confirmed_at,
       case when u.kind = 'invited' then u.created_at end as invited_at,
       case when u.kind = 'invited' then null
            else u.created_at + (u.n % 200) * interval '1 day' end as last_sign_in_at,
       case when u.n % 97 = 0 and u.kind <> 'invited' then u.created_at + interval '120 days' end as deleted_at,
       u.n % 89 = 0 and u.kind <> 'admin' as no_profile
  from fx_users u;

insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        invited_at, confirmation_token, confirmation_sent_at, recovery_token,
                        email_change_token_new, email_change, last_sign_in_at, raw_app_meta_data,
                        raw_user_meta_data, is_super_admin, created_at, updated_at, deleted_at)
select instance_id, id, 'authenticated', 'authenticated', email, encrypted_password, email_confirmed_at,
       invited_at, case when invited_at is null then '' else md5('invite-' || n) end,
       coalesce(invited_at, created_at), '', '', '', last_sign_in_at, raw_app_meta_data,
       raw_user_meta_data, false, created_at, coalesce(deleted_at, last_sign_in_at, created_at), deleted_at
  from fx_auth
 where not no_profile
 order by n;

-- Users made before the sign-up trigger existed: they have no profile.
set local session_replication_role = replica;
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        confirmation_token, recovery_token, email_change_token_new, email_change,
                        last_sign_in_at, raw_app_meta_data, raw_user_meta_data, is_super_admin,
                        created_at, updated_at)
select instance_id, id, 'authenticated', 'authenticated', email, encrypted_password, email_confirmed_at,
       '', '', '', '', last_sign_in_at, raw_app_meta_data, raw_user_meta_data, false, created_at,
       coalesce(last_sign_in_at, created_at)
  from fx_auth
 where no_profile
 order by n;
set local session_replication_role = origin;

-- What the admin portal and later logins wrote on the profiles.
update public.user_profiles p
   set account_status = case when u.n % 211 = 0 then 'banned' when u.n % 157 = 0 then 'suspended' else 'active' end,
       signup_ip = ('198.51.100.' || (u.n % 250 + 1))::inet,
       last_login_at = a.last_sign_in_at,
       created_at = u.created_at
  from fx_users u join fx_auth a using (n)
 where p.id = u.id;

-- ---- orders ----

-- The category of order n is n % 40:
--   0-13, 35-39  completed/paid/delivered, NOWPayments finished
--   14-19        pending cart: pending/pending/pending, no payment opened
--   20           waiting: pending/pending/pending with a NOWPayments id
--   21           confirming: processing/pending/pending
--   22           confirmed: processing/paid/pending (the original marks paid on a mere confirmed)
--   23           finished, no stock at the time: processing/paid/pending
--   24-25        failed/failed/pending (NOWPayments failed)
--   26-27        expired: failed/failed/pending
--   28-29        cancelled/pending/pending (29: after opening a payment)
--   30           refunded/refunded/delivered (refunded after delivery, account suspended)
--   31, 32, 33   completed/paid/delivered paid by manual, stripe, lemon_squeezy
--   34           processing/paid/pending recorded as received by hand (manual), not delivered
create temporary table fx_orders on commit drop as
select o.n, o.cat, o.user_n, o.account_type, o.account_size, o.platform_type, o.amount,
       o.discount_code, o.discount_amount, o.amount - o.discount_amount as final_amount, o.coin,
       o.created_at,
       md5('ffx-order-' || o.n)::uuid as id,
       'FFX' || lpad((o.n * 104729 % 1000000000)::text, 9, '0') as order_id,
       case when o.cat = 31 or o.cat = 34 then 'manual' when o.cat = 32 then 'stripe'
            when o.cat = 33 then 'lemon_squeezy' else 'nowpayments' end as provider,
       case when o.cat between 14 and 19 or o.cat = 28 then 'none'
            when o.cat in (31, 32, 33, 34) then 'other'
            else 'nowpayments' end as payment_kind
  from (select n, n % 40 as cat,
               null::integer as user_n,   -- set below
               (array['instant', 'hft', 'one_step', 'two_step'])[n / 7 % 4 + 1] as account_type,
               (array[5000, 10000, 25000, 50000, 100000, 200000])[n / 3 % 6 + 1] as account_size,
               (array['mt4', 'mt5'])[n / 11 % 2 + 1] as platform_type,
               p.price as amount,
               case when n % 9 = 0 then 'SAVE10' when n % 23 = 0 then 'WELCOME15' end as discount_code,
               case when n % 9 = 0 then round(p.price * 0.10, 2) when n % 23 = 0 then round(p.price * 0.15, 2)
                    else 0 end as discount_amount,
               (array['btc', 'eth', 'usdttrc20', 'usdtbsc', 'ltc'])[n % 5 + 1] as coin,
               '2025-01-01 00:00:00+00'::timestamptz + n * interval '1 hour 3 minutes' as created_at
          from generate_series(1, 6000) as n
          cross join lateral (
            select (array[449, 849, 1799, 3299, 5999, 10999,  399, 749, 1549, 2799, 4999, 8999,
                          349, 649, 1299, 2299, 3999, 7499,  299, 549, 1099, 1999, 3499, 6499]::numeric[])
                   [(n / 7 % 4) * 6 + n / 3 % 6 + 1] as price) p) o;

-- The customer: one who signed in (not the admin, not an invited user), spread over all of them.
update fx_orders o
   set user_n = e.n
  from (select n, row_number() over (order by n) - 1 as k
          from fx_users where kind in ('email', 'google')) e,
       (select count(*) as c from fx_users where kind in ('email', 'google')) total
 where e.k = (o.n * 7) % total.c;

alter table fx_orders add column status text[], add column steps text[], add column provider_id text,
  add column crypto_amount numeric, add column crypto_address text, add column delivered boolean;
update fx_orders
   set status = case
         when cat between 14 and 20 then array['pending', 'pending', 'pending']
         when cat = 21 then array['processing', 'pending', 'pending']
         when cat in (22, 23, 34) then array['processing', 'paid', 'pending']
         when cat between 24 and 27 then array['failed', 'failed', 'pending']
         when cat in (28, 29) then array['cancelled', 'pending', 'pending']
         when cat = 30 then array['refunded', 'refunded', 'delivered']
         else array['completed', 'paid', 'delivered'] end,
       steps = case
         when cat = 20 or cat = 29 then array['waiting']
         when cat = 21 then array['waiting', 'confirming']
         when cat = 22 then array['waiting', 'confirming', 'confirmed']
         when cat in (24, 25) then array['waiting', 'failed']
         when cat in (26, 27) then array['waiting', 'expired']
         when payment_kind = 'nowpayments' then array['waiting', 'confirming', 'confirmed', 'finished']
         else array[]::text[] end,
       provider_id = case payment_kind
         when 'nowpayments' then (4100000000 + n * 131)::text
         when 'other' then case provider when 'stripe' then 'pi_' || substr(md5('pi-' || n), 1, 24)
                                         when 'lemon_squeezy' then (2200000 + n)::text
                                         else null end end,
       crypto_amount = case when payment_kind = 'nowpayments' then
         round(final_amount / (case coin when 'btc' then 65000 when 'eth' then 3500 when 'ltc' then 80 else 1 end),
               case when coin like 'usdt%' then 6 else 8 end) end,
       crypto_address = case when payment_kind = 'nowpayments' then case coin
         when 'btc' then 'bc1q' || substr(md5('addr-' || n) || md5('addr2-' || n), 1, 38)
         when 'ltc' then 'ltc1q' || substr(md5('addr-' || n) || md5('addr2-' || n), 1, 38)
         when 'usdttrc20' then 'T' || upper(substr(md5('addr-' || n), 1, 16)) || substr(md5('addr2-' || n), 1, 17)
         else '0x' || substr(md5('addr-' || n) || md5('addr2-' || n), 1, 40) end end,
       delivered = cat between 0 and 13 or cat between 35 and 39 or cat in (30, 31, 32, 33);

insert into public.orders (id, order_id, user_id, account_type, account_size, platform_type, amount,
                           discount_code, discount_amount, final_amount, order_status, payment_status,
                           delivery_status, payment_provider, payment_provider_id, crypto_currency,
                           crypto_amount, crypto_address, created_at, updated_at)
select o.id, o.order_id, u.id, o.account_type, o.account_size, o.platform_type, o.amount,
       o.discount_code, o.discount_amount, o.final_amount, o.status[1], o.status[2], o.status[3],
       o.provider, o.provider_id, case when o.payment_kind = 'nowpayments' then o.coin end,
       o.crypto_amount, o.crypto_address, o.created_at, o.created_at + interval '40 minutes'
  from fx_orders o join fx_users u on u.n = o.user_n
 order by o.n;

-- ---- payment_transactions: one row per NOWPayments IPN the original recorded ----

insert into public.payment_transactions (id, order_id, user_id, transaction_type, provider,
                                         provider_transaction_id, amount, currency, status,
                                         event_type, provider_response, created_at, updated_at)
select md5('ffx-txn-' || o.n || '-' || s.i)::uuid, o.order_id, u.id, 'payment', 'nowpayments',
       o.provider_id, o.final_amount, 'usd',
       case s.step when 'waiting' then 'pending' when 'finished' then 'completed'
                   when 'failed' then 'failed' when 'expired' then 'failed' else 'processing' end,
       s.step,
       jsonb_build_object('payment_id', o.provider_id::bigint, 'payment_status', s.step,
                          'pay_address', o.crypto_address, 'pay_amount', o.crypto_amount,
                          'pay_currency', o.coin, 'price_amount', o.final_amount, 'price_currency', 'usd',
                          'actually_paid', case when s.step in ('waiting', 'failed', 'expired') then 0
                                                else o.crypto_amount end,
                          'order_id', o.order_id),
       o.created_at + s.i * interval '6 minutes', o.created_at + s.i * interval '6 minutes'
  from fx_orders o
  join fx_users u on u.n = o.user_n
  cross join lateral unnest(o.steps) with ordinality as s (step, i)
 where o.payment_kind = 'nowpayments';

-- Money recorded by another provider or by hand.
insert into public.payment_transactions (id, order_id, user_id, transaction_type, provider,
                                         provider_transaction_id, amount, currency, status,
                                         event_type, provider_response, created_at, updated_at)
select md5('ffx-txn-' || o.n || '-other')::uuid, o.order_id, u.id, 'payment', o.provider,
       o.provider_id, o.final_amount, 'usd', 'completed',
       case o.provider when 'stripe' then 'checkout.session.completed'
                       when 'lemon_squeezy' then 'order_created' else 'manual_payment' end,
       case o.provider when 'manual' then jsonb_build_object('note', 'bank transfer received', 'by', 'admin@flashfundx.com')
            else jsonb_build_object('id', o.provider_id, 'amount_total', (o.final_amount * 100)::bigint) end,
       o.created_at + interval '30 minutes', o.created_at + interval '30 minutes'
  from fx_orders o join fx_users u on u.n = o.user_n
 where o.payment_kind = 'other';

-- Refunds of category 30, after delivery.
insert into public.payment_transactions (id, order_id, user_id, transaction_type, provider,
                                         provider_transaction_id, amount, currency, status,
                                         event_type, provider_response, created_at, updated_at)
select md5('ffx-txn-' || o.n || '-refund')::uuid, o.order_id, u.id, 'refund', 'nowpayments',
       o.provider_id, o.final_amount, 'usd', 'completed', 'refunded',
       jsonb_build_object('payment_id', o.provider_id::bigint, 'payment_status', 'refunded'),
       o.created_at + interval '9 days', o.created_at + interval '9 days'
  from fx_orders o join fx_users u on u.n = o.user_n
 where o.cat = 30;

-- ---- inventory and deliveries ----

-- One delivered account per delivered order, taken from inventory that is now `delivered`.
insert into public.account_container (id, account_size, platform_type, server_name, login_id,
                                      password, investor_password, status, reserved_for_order_id,
                                      delivered_at, created_at, updated_at)
select md5('ffx-acc-' || o.n)::uuid, o.account_size, o.platform_type,
       case o.platform_type when 'mt4' then 'FlashFundX-Live01' else 'FlashFundX-MT5' end,
       (30000000 + o.n)::text, 'Aa!' || substr(md5('acc-pw-' || o.n), 1, 9),
       'Ro' || substr(md5('acc-inv-' || o.n), 1, 8), 'delivered', o.order_id,
       o.created_at + interval '45 minutes', o.created_at - interval '30 days', o.created_at + interval '45 minutes'
  from fx_orders o where o.delivered;

insert into public.delivered_accounts (id, order_id, user_id, container_account_id, account_type,
                                       account_size, platform_type, server_name, login_id, password,
                                       investor_password, current_phase, phase_status,
                                       challenge_status, phase_1_status, phase_2_status,
                                       account_status, email_sent, email_sent_at, delivered_at,
                                       created_at, updated_at)
select md5('ffx-delivery-' || o.n)::uuid, o.order_id, u.id, a.id, o.account_type, o.account_size,
       o.platform_type, a.server_name, a.login_id, a.password, a.investor_password,
       case o.account_type when 'instant' then 'live' when 'two_step' then 'phase_1' else 'challenge' end,
       'active',
       -- the original wrote only current_phase; an admin later set a few of these by hand
       case when o.n % 17 = 0 and o.account_type in ('one_step', 'hft') then 'passed' end,
       case when o.n % 19 = 0 and o.account_type = 'two_step' then 'failed' end,
       null,
       case when o.cat = 30 then 'suspended' when o.n % 19 = 0 and o.account_type = 'two_step' then 'breached'
            else 'active' end,
       o.n % 11 <> 0, case when o.n % 11 <> 0 then a.delivered_at + interval '1 minute' end,
       a.delivered_at, a.delivered_at, a.delivered_at
  from fx_orders o
  join fx_users u on u.n = o.user_n
  join public.account_container a on a.id = md5('ffx-acc-' || o.n)::uuid
 where o.delivered;

-- Stock: 40 available per size and platform, 30 disabled, 20 reserved for orders still waiting.
insert into public.account_container (id, account_size, platform_type, server_name, login_id,
                                      password, investor_password, status, created_at, updated_at)
select md5('ffx-stock-' || s.size || '-' || p.platform || '-' || k)::uuid, s.size, p.platform,
       case p.platform when 'mt4' then 'FlashFundX-Live01' else 'FlashFundX-MT5' end,
       (50000000 + s.size / 1000 * 1000 + case p.platform when 'mt4' then 0 else 500 end + k)::text,
       'St!' || substr(md5('stock-pw-' || s.size || p.platform || k), 1, 9),
       'Ro' || substr(md5('stock-inv-' || s.size || p.platform || k), 1, 8),
       case when k <= 40 then 'available' else 'disabled' end,
       '2025-09-01 00:00:00+00'::timestamptz + k * interval '1 minute',
       '2025-09-01 00:00:00+00'::timestamptz + k * interval '1 minute'
  from unnest(array[5000, 10000, 25000, 50000, 100000, 200000]) as s (size)
  cross join unnest(array['mt4', 'mt5']) as p (platform)
  cross join generate_series(1, 43) as k
 where k <= 40 or (s.size + k) % 3 = 0;

insert into public.account_container (id, account_size, platform_type, server_name, login_id,
                                      password, investor_password, status, reserved_for_order_id,
                                      reserved_at, created_at, updated_at)
select md5('ffx-reserved-' || o.n)::uuid, o.account_size, o.platform_type, 'FlashFundX-Demo',
       (60000000 + o.n)::text, 'Rs!' || substr(md5('res-pw-' || o.n), 1, 9), null, 'reserved', o.order_id,
       o.created_at + interval '5 minutes', o.created_at, o.created_at + interval '5 minutes'
  from fx_orders o where o.cat = 20 order by o.n limit 20;

-- The duplicate login: the same account imported twice from two spreadsheets.
insert into public.account_container (id, account_size, platform_type, server_name, login_id,
                                      password, investor_password, status, created_at, updated_at)
select md5('ffx-duplicate-login')::uuid, account_size, platform_type, server_name, login_id,
       password, investor_password, 'available', created_at + interval '90 days', created_at + interval '90 days'
  from public.account_container
 where id = md5('ffx-stock-25000-mt5-7')::uuid;

-- ---- the awkward orders ----

-- An order whose user is gone (removed from auth.users by hand, past the foreign key), with its
-- payment and its delivered account.
set local session_replication_role = replica;
insert into public.orders (id, order_id, user_id, account_type, account_size, platform_type, amount,
                           discount_amount, final_amount, order_status, payment_status, delivery_status,
                           payment_provider, payment_provider_id, crypto_currency, crypto_amount,
                           crypto_address, created_at, updated_at)
values (md5('ffx-orphan-order')::uuid, 'FFX900000001', md5('ffx-gone-user')::uuid, 'one_step', 10000,
        'mt4', 649.00, 0, 649.00, 'completed', 'paid', 'delivered', 'nowpayments', '4099000001',
        'usdttrc20', 649.000000, 'TGONEUSER000000000000000000000001',
        '2024-11-02 10:00:00+00', '2024-11-02 10:50:00+00');
insert into public.payment_transactions (id, order_id, user_id, transaction_type, provider,
                                         provider_transaction_id, amount, currency, status, event_type,
                                         provider_response, created_at, updated_at)
values (md5('ffx-orphan-txn')::uuid, 'FFX900000001', md5('ffx-gone-user')::uuid, 'payment', 'nowpayments',
        '4099000001', 649.00, 'usd', 'completed', 'finished',
        '{"payment_id": 4099000001, "payment_status": "finished"}', '2024-11-02 10:40:00+00',
        '2024-11-02 10:40:00+00');
insert into public.account_container (id, account_size, platform_type, server_name, login_id, password,
                                      investor_password, status, reserved_for_order_id, delivered_at,
                                      created_at, updated_at)
values (md5('ffx-orphan-acc')::uuid, 10000, 'mt4', 'FlashFundX-Live01', '29999001', 'Aa!orphan001',
        'Roorphan1', 'delivered', 'FFX900000001', '2024-11-02 10:45:00+00', '2024-10-01 00:00:00+00',
        '2024-11-02 10:45:00+00');
insert into public.delivered_accounts (id, order_id, user_id, container_account_id, account_type,
                                       account_size, platform_type, server_name, login_id, password,
                                       investor_password, current_phase, account_status, email_sent,
                                       delivered_at, created_at, updated_at)
values (md5('ffx-orphan-delivery')::uuid, 'FFX900000001', md5('ffx-gone-user')::uuid,
        md5('ffx-orphan-acc')::uuid, 'one_step', 10000, 'mt4', 'FlashFundX-Live01', '29999001',
        'Aa!orphan001', 'Roorphan1', 'challenge', 'active', true, '2024-11-02 10:45:00+00',
        '2024-11-02 10:45:00+00', '2024-11-02 10:45:00+00');
set local session_replication_role = origin;

-- A status an admin typed by hand in the dashboard: a value the original never wrote.
insert into public.orders (id, order_id, user_id, account_type, account_size, platform_type, amount,
                           discount_amount, final_amount, order_status, payment_status, delivery_status,
                           payment_provider, created_at, updated_at)
select md5('ffx-on-hold-order')::uuid, 'FFX900000002', u.id, 'two_step', 50000, 'mt5', 1999.00, 0,
       1999.00, 'on_hold', 'pending', 'pending', 'nowpayments', '2025-03-03 12:00:00+00',
       '2025-03-04 09:00:00+00'
  from fx_users u where u.n = 2;

-- The profiles' counters, as deliver_account_to_user kept them.
update public.user_profiles p
   set total_orders = c.orders, total_spent = c.spent
  from (select user_id, count(*) as orders, sum(final_amount) as spent
          from public.orders where delivery_status = 'delivered' group by user_id) c
 where p.id = c.user_id;

-- ---- catalogue, addresses, audit ----

-- Percentages, except two rows an admin filled in as money amounts (m = 1 % of the balance in
-- dollars instead of 1): one_step 100000 and two_step 200000. instant has no challenge or phases.
insert into public.trading_rules (id, account_type, account_size, challenge_profit_target,
                                  challenge_max_daily_loss, challenge_max_total_loss,
                                  challenge_min_trading_days, phase_1_profit_target,
                                  phase_1_max_daily_loss, phase_1_max_total_loss,
                                  phase_1_min_trading_days, phase_2_profit_target,
                                  phase_2_max_daily_loss, phase_2_max_total_loss,
                                  phase_2_min_trading_days, live_max_daily_loss, live_max_total_loss,
                                  profit_share_percentage, created_at, updated_at)
select md5('ffx-rule-' || t.type || '-' || s.size)::uuid, t.type, s.size,
       case when c then 8 * m end, case when c then 5 * m end, case when c then 10 * m end,
       case when c then (case t.type when 'hft' then 1 else 4 end) end,
       case when ph then 8 * m end, case when ph then 5 * m end, case when ph then 10 * m end,
       case when ph then 4 end,
       case when ph then 5 * m end, case when ph then 5 * m end, case when ph then 10 * m end,
       case when ph then 4 end,
       4 * m, 8 * m,
       case t.type when 'instant' then 70 when 'hft' then 80 else 85 end,
       '2024-05-20 00:00:00+00', '2024-05-20 00:00:00+00'
  from unnest(array['instant', 'hft', 'one_step', 'two_step']) as t (type)
  cross join unnest(array[5000, 10000, 25000, 50000, 100000, 200000]) as s (size)
  cross join lateral (
    select t.type in ('hft', 'one_step') as c, t.type = 'two_step' as ph,
           case when (t.type, s.size) in (('one_step', 100000), ('two_step', 200000))
                then s.size / 100 else 1 end as m) r;

insert into public.crypto_addresses (id, crypto_name, crypto_symbol, network, wallet_address, is_active,
                                     created_at, updated_at)
values (md5('ffx-addr-btc')::uuid, 'Bitcoin', 'BTC', 'Bitcoin', 'bc1qflashfundxtreasury0000000000000000001', true, '2024-05-20', '2024-05-20'),
       (md5('ffx-addr-eth')::uuid, 'Ethereum', 'ETH', 'ERC20', '0x5f1a5f0d5f1a5f0d5f1a5f0d5f1a5f0d5f1a5f0d', true, '2024-05-20', '2024-05-20'),
       (md5('ffx-addr-usdt-trc')::uuid, 'Tether (TRC20)', 'USDT', 'TRC20', 'TFLASHFUNDXTREASURY0000000000000001', true, '2024-05-20', '2024-05-20'),
       (md5('ffx-addr-usdt-bsc')::uuid, 'Tether (BEP20)', 'USDT', 'BEP20', '0x9e1a5f0d5f1a5f0d5f1a5f0d5f1a5f0d5f1a5f0d', true, '2024-05-20', '2024-05-20'),
       (md5('ffx-addr-ltc')::uuid, 'Litecoin', 'LTC', 'Litecoin', 'ltc1qflashfundxtreasury000000000000000001', false, '2024-05-20', '2024-07-01');

-- The admin portal's audit rows: status edits, deliveries by hand, bans, inventory imports.
insert into public.admin_audit_log (id, admin_id, admin_email, action_type, table_name, record_id,
                                    description, old_values, new_values, created_at)
select md5('ffx-audit-' || k)::uuid, md5('ffx-user-1')::uuid, 'admin@flashfundx.com', a.action, a.tbl,
       case a.tbl when 'orders' then o.order_id when 'user_profiles' then md5('ffx-user-' || (k * 13 % 3000 + 1))::text
                  else md5('ffx-stock-import-' || k)::text end,
       case a.action
         when 'update_order_status' then 'Order ' || o.order_id || ' set to ' || o.status[1]
         when 'manual_delivery' then 'Account delivered by hand for ' || o.order_id
         when 'ban_user' then 'Banned for chargeback — «fraude» suspectée'
         else 'Imported ' || (k % 20 + 1) || ' accounts (' || o.account_size || ' ' || o.platform_type || ')' end,
       case a.tbl when 'orders' then jsonb_build_object('order_status', 'pending') end,
       case a.tbl when 'orders' then jsonb_build_object('order_status', o.status[1]) end,
       o.created_at + interval '2 hours'
  from generate_series(1, 600) as k
  join fx_orders o on o.n = k * 10
  cross join lateral (
    select (array['update_order_status', 'manual_delivery', 'ban_user', 'import_accounts'])[k % 4 + 1] as action,
           (array['orders', 'orders', 'user_profiles', 'account_container'])[k % 4 + 1] as tbl) a;
