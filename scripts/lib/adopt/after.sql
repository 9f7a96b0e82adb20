-- scripts/lib/adopt/after.sql: the second half of the adoption, run by scripts/migrate --after
-- inside its one transaction, after the migrations and definitions built our schema and before
-- the commit. It copies every original row (in schema ffx_adopting since before.sql) into our
-- table of the same name with the mapping of docs/DEPLOYMENT.md ("Adopting an existing FlashFundX
-- project"), checks that every row arrived, destroys the plaintext passwords, writes one
-- `adopted` audit row, and drops ffx_adopting. Any error rolls back everything.
--
-- Our triggers would rewrite copied rows (orders_set_order_id, orders_apply_pricing, the audit
-- log's stamp, delivery on stock arrival, discount holds): they are disabled on the tables being
-- filled (`disable trigger user`: the table owner may, even where postgres is not a superuser;
-- foreign keys and checks stay enforced) and enabled again before the commit.

alter table public.user_profiles        disable trigger user;
alter table public.orders               disable trigger user;
alter table public.trading_rules        disable trigger user;
alter table public.account_container    disable trigger user;
alter table public.delivered_accounts   disable trigger user;
alter table public.payment_transactions disable trigger user;
alter table public.admin_audit_log      disable trigger user;
alter table public.crypto_addresses     disable trigger user;
alter table public.payments             disable trigger user;

-- ---------------------------------------------------------------------------------------------
-- Order ids: kept, except those that are not FFX + 9 digits (bad-order-id=renumber): FFX999999999
-- downwards, skipping any id in use.
-- ---------------------------------------------------------------------------------------------
create temporary table adopt_order_map on commit drop as
select o.order_id as old_id, o.order_id as new_id,
       case when o.user_id in (select id from adopt_user_ids) then o.user_id end as user_id
  from adopt_orders o
 where not o.bad_order_id;

do $$
declare
  r record;
  n bigint := 0;
  v_candidate text;
begin
  for r in select o.order_id, o.user_id from adopt_orders o where o.bad_order_id order by o.created_at, o.order_id loop
    loop
      v_candidate := 'FFX' || lpad((1000000000 - 1 - n)::text, 9, '0');
      n := n + 1;
      exit when not exists (select 1 from adopt_order_map m where m.new_id = v_candidate);
    end loop;
    insert into adopt_order_map (old_id, new_id, user_id)
    values (r.order_id, v_candidate, case when r.user_id in (select id from adopt_user_ids) then r.user_id end);
  end loop;
end
$$;
create index on adopt_order_map (old_id);
analyze adopt_order_map;

-- ---------------------------------------------------------------------------------------------
-- user_profiles: every profile (without its password column); users without one get one from
-- auth.users, as our handle_new_user makes it.
-- ---------------------------------------------------------------------------------------------
insert into public.user_profiles (id, first_name, last_name, email, phone, country, marketing_consent,
                                  account_status, total_orders, total_spent, signup_ip, last_login_at,
                                  created_at, updated_at)
select p.id, coalesce(p.first_name, ''), coalesce(p.last_name, ''), p.email, p.phone, p.country,
       coalesce(p.marketing_consent, false), coalesce(p.account_status, 'active'),
       coalesce(p.total_orders, 0), coalesce(p.total_spent, 0), p.signup_ip, p.last_login_at,
       coalesce(p.created_at, now()), coalesce(p.updated_at, p.created_at, now())
  from ffx_adopting.user_profiles p;

insert into public.user_profiles (id, email, first_name, last_name, phone, country, marketing_consent,
                                  created_at, updated_at)
select u.id, u.email,
       left(coalesce(u.raw_user_meta_data ->> 'first_name', ''), 100),
       left(coalesce(u.raw_user_meta_data ->> 'last_name', ''), 100),
       nullif(left(coalesce(u.raw_user_meta_data ->> 'phone', ''), 50), ''),
       nullif(left(coalesce(u.raw_user_meta_data ->> 'country', ''), 100), ''),
       lower(coalesce(u.raw_user_meta_data ->> 'marketing_consent', '')) in ('true', 't', 'yes', 'y', 'on', '1'),
       coalesce(u.created_at, now()), coalesce(u.created_at, now())
  from auth.users u
 where not exists (select 1 from public.user_profiles p where p.id = u.id);

-- ---------------------------------------------------------------------------------------------
-- orders: the status mapping by class (plan.sql, adopt_orders)
-- ---------------------------------------------------------------------------------------------
insert into public.orders (id, order_id, user_id, account_type, account_size, platform_type, amount,
                           discount_code, discount_amount, final_amount, order_status, payment_status,
                           delivery_status, payment_provider, payment_provider_id, crypto_currency,
                           crypto_amount, crypto_address, paid_at, delivered_at, created_at, updated_at,
                           pay_currency)
select o.id, m.new_id, m.user_id, o.account_type, o.account_size, o.platform_type,
       coalesce(o.amount, o.final_amount + coalesce(o.discount_amount, 0)),
       o.discount_code, coalesce(o.discount_amount, 0),
       coalesce(o.final_amount, greatest(o.amount - coalesce(o.discount_amount, 0), 0)),
       case o.class
         when 'delivered' then 'completed'
         when 'refunded_delivered' then 'refunded'
         when 'paid' then 'processing'
         when 'in_flight' then 'processing'
         when 'pending' then 'pending'
         when 'closed' then o.order_status
         else current_setting('ffx_adopt.unknown_status', true)
       end,
       case o.class
         when 'delivered' then 'paid'
         when 'refunded_delivered' then 'refunded'
         when 'paid' then 'paid'
         when 'in_flight' then 'pending'
         when 'pending' then 'pending'
         when 'closed' then case o.order_status when 'refunded' then 'refunded' when 'failed' then 'failed'
                                                 else o.payment_status end
         else case current_setting('ffx_adopt.unknown_status', true) when 'failed' then 'failed' else 'pending' end
       end,
       case
         when o.delivered then 'delivered'
         when o.class = 'closed' then o.delivery_status
         else 'pending'
       end,
       coalesce(o.payment_provider, 'nowpayments'), o.payment_provider_id, o.crypto_currency,
       o.crypto_amount, o.crypto_address,
       case
         when o.class in ('delivered', 'refunded_delivered') then coalesce(o.evidence_at, o.delivered_row_at, o.updated_at, o.created_at, now())
         when o.class in ('paid', 'closed') then o.evidence_at
       end,
       case when o.delivered then coalesce(o.delivered_row_at, o.updated_at, o.created_at, now()) end,
       coalesce(o.created_at, now()), coalesce(o.updated_at, o.created_at, now()),
       case when o.class = 'in_flight' then
         coalesce((select c.provider_code from public.crypto_currency_map c where c.code = lower(o.crypto_currency)),
                  lower(o.crypto_currency))
       end
  from adopt_orders o
  join adopt_order_map m on m.old_id = o.order_id;

-- An order in flight keeps its NOWPayments payment: the next IPN or status check is matched to it
-- by payment_id (whatever order id it carries) and goes through payment_apply's verified-payment
-- rule; the reconciler polls it at once (next_reconcile_at = now). provider_created_at stays NULL
-- and raw has no expiration date, so expire_stale_orders counts its age from the adoption, not
-- from months ago: the provider is asked before anything expires.
insert into public.payments (provider, payment_id, order_id, user_id, payment_status, pay_address, pay_amount,
                             pay_currency, price_amount, price_currency, raw, next_reconcile_at)
select 'nowpayments', btrim(o.payment_provider_id), n.order_id, n.user_id,
       coalesce(last.status, 'waiting'), o.crypto_address, o.crypto_amount, n.pay_currency,
       n.final_amount, 'usd', '{}'::jsonb, now()
  from adopt_orders o
  join adopt_order_map m on m.old_id = o.order_id
  join public.orders n on n.order_id = m.new_id
  -- (one pass over the transactions: the original has no index on their order_id)
  left join (
    select distinct on (t.order_id) t.order_id, t.provider_response ->> 'payment_status' as status
      from ffx_adopting.payment_transactions t
     where coalesce(t.provider, 'nowpayments') = 'nowpayments'
       and t.provider_response ->> 'payment_status' in ('waiting', 'confirming', 'confirmed', 'sending', 'partially_paid')
     order by t.order_id, t.created_at desc, t.id desc) last on last.order_id = o.order_id
 where o.class = 'in_flight';

-- ---------------------------------------------------------------------------------------------
-- trading_rules: the original's replace our seed rows of the same type and size; limits stored
-- as amounts (rule-amounts=convert) become percentages of the size.
-- ---------------------------------------------------------------------------------------------
delete from public.trading_rules t
 using ffx_adopting.trading_rules r
 where t.account_type = r.account_type and t.account_size = r.account_size;

-- a value above 100 is an amount (the plan refused it unless rule-amounts=convert): value / size
-- * 100, to 2 decimals
create function pg_temp.adopt_percent(p_value numeric, p_size integer) returns numeric
language sql immutable as $$
  select case when p_value > 100 then round(p_value / p_size * 100, 2) else p_value end
$$;

insert into public.trading_rules (id, account_type, account_size,
       challenge_profit_target, challenge_max_daily_loss, challenge_max_total_loss, challenge_min_trading_days,
       phase_1_profit_target, phase_1_max_daily_loss, phase_1_max_total_loss, phase_1_min_trading_days,
       phase_2_profit_target, phase_2_max_daily_loss, phase_2_max_total_loss, phase_2_min_trading_days,
       live_max_daily_loss, live_max_total_loss, profit_share_percentage, created_at, updated_at)
select r.id, r.account_type, r.account_size,
       pg_temp.adopt_percent(r.challenge_profit_target, r.account_size),
       pg_temp.adopt_percent(r.challenge_max_daily_loss, r.account_size),
       pg_temp.adopt_percent(r.challenge_max_total_loss, r.account_size), r.challenge_min_trading_days,
       pg_temp.adopt_percent(r.phase_1_profit_target, r.account_size),
       pg_temp.adopt_percent(r.phase_1_max_daily_loss, r.account_size),
       pg_temp.adopt_percent(r.phase_1_max_total_loss, r.account_size), r.phase_1_min_trading_days,
       pg_temp.adopt_percent(r.phase_2_profit_target, r.account_size),
       pg_temp.adopt_percent(r.phase_2_max_daily_loss, r.account_size),
       pg_temp.adopt_percent(r.phase_2_max_total_loss, r.account_size), r.phase_2_min_trading_days,
       pg_temp.adopt_percent(r.live_max_daily_loss, r.account_size),
       pg_temp.adopt_percent(r.live_max_total_loss, r.account_size),
       coalesce(r.profit_share_percentage, 80), coalesce(r.created_at, now()), coalesce(r.updated_at, r.created_at, now())
  from ffx_adopting.trading_rules r;

-- ---------------------------------------------------------------------------------------------
-- crypto_addresses: the original's replace our placeholder rows of the same name.
-- ---------------------------------------------------------------------------------------------
delete from public.crypto_addresses c
 using ffx_adopting.crypto_addresses a
 where c.crypto_name = a.crypto_name;

insert into public.crypto_addresses (id, crypto_name, crypto_symbol, network, wallet_address, is_active,
                                     created_at, updated_at)
select a.id, a.crypto_name, a.crypto_symbol, a.network, a.wallet_address, coalesce(a.is_active, true),
       coalesce(a.created_at, now()), coalesce(a.updated_at, a.created_at, now())
  from ffx_adopting.crypto_addresses a;

-- ---------------------------------------------------------------------------------------------
-- account_container: of the rows sharing a server and login the first is kept as it is: a
-- delivered one before the others, then the oldest. The others, with duplicate-logins=disable,
-- are copied `disabled` (never sold) with " (duplicate N)" after their login, which the unique
-- (server, login) needs; with keep-first they are not copied. The `adopted` audit row lists them
-- either way (without their passwords).
-- ---------------------------------------------------------------------------------------------
create temporary table adopt_inventory on commit drop as
select c.id,
       first_value(c.id) over (
         partition by c.server_name, c.login_id
         order by d.container_account_id is not null desc, c.status = 'delivered' desc, c.created_at, c.id) as kept_id,
       row_number() over (
         partition by c.server_name, c.login_id
         order by d.container_account_id is not null desc, c.status = 'delivered' desc, c.created_at, c.id) as rank
  from ffx_adopting.account_container c
  left join (select distinct x.container_account_id from ffx_adopting.delivered_accounts x) d
         on d.container_account_id = c.id;
create index on adopt_inventory (id);
analyze adopt_inventory;

insert into public.account_container (id, account_size, platform_type, server_name, login_id, password,
                                      investor_password, status, reserved_for_order_id, reserved_at,
                                      delivered_at, created_at, updated_at)
select c.id, c.account_size, c.platform_type, c.server_name,
       case when i.kept_id = c.id then c.login_id else format('%s (duplicate %s)', c.login_id, i.rank - 1) end,
       c.password, c.investor_password,
       case when i.kept_id <> c.id then 'disabled'
            when c.status in ('available', 'reserved', 'delivered', 'disabled') then c.status
            else 'disabled' end,
       case when i.kept_id = c.id then m.new_id end, c.reserved_at, c.delivered_at, coalesce(c.created_at, now()),
       coalesce(c.updated_at, c.created_at, now())
  from ffx_adopting.account_container c
  join adopt_inventory i
    on i.id = c.id
   and (i.kept_id = c.id or current_setting('ffx_adopt.duplicate_logins', true) = 'disable')
  left join adopt_order_map m on m.old_id = c.reserved_for_order_id;

-- ---------------------------------------------------------------------------------------------
-- delivered_accounts: a delivered account belongs to its order's customer; credentials and
-- product missing on the row come from its inventory row and order; the original's phase_status
-- is the status of the current phase; an inventory row delivered twice stays with its first
-- delivery (the later ones keep their copied credentials, container_account_id NULL).
-- ---------------------------------------------------------------------------------------------
insert into public.delivered_accounts (id, order_id, user_id, container_account_id, account_type, account_size,
                                       platform_type, server_name, login_id, password, investor_password,
                                       current_phase, challenge_status, phase_1_status, phase_2_status,
                                       live_status, account_status, email_sent, email_sent_at, delivered_at,
                                       created_at, updated_at)
select x.id, x.new_id, x.user_id,
       case when row_number() over (partition by x.kept_id order by x.delivered_at, x.created_at, x.id) = 1
            then x.kept_id end,
       x.account_type, x.account_size, x.platform_type, x.server_name, x.login_id, x.password,
       x.investor_password, x.phase,
       coalesce(x.challenge_status, case when x.phase = 'challenge' then x.phase_status end, 'not_started'),
       coalesce(x.phase_1_status, case when x.phase = 'phase_1' then x.phase_status end, 'not_started'),
       coalesce(x.phase_2_status, case when x.phase = 'phase_2' then x.phase_status end, 'not_started'),
       coalesce(x.live_status, case when x.phase = 'live' then x.phase_status end, 'not_started'),
       x.account_status, x.email_sent, x.email_sent_at, x.delivered_at, x.created_at, x.updated_at
  from (select d.id, m.new_id, m.user_id, i.kept_id,
               coalesce(d.account_type, o.account_type) as account_type,
               coalesce(d.account_size, o.account_size) as account_size,
               coalesce(d.platform_type, o.platform_type) as platform_type,
               coalesce(d.server_name, c.server_name) as server_name,
               coalesce(d.login_id, c.login_id) as login_id,
               coalesce(d.password, c.password) as password,
               coalesce(d.investor_password, c.investor_password) as investor_password,
               coalesce(d.current_phase, case coalesce(d.account_type, o.account_type)
                                           when 'instant' then 'live' when 'two_step' then 'phase_1'
                                           else 'challenge' end) as phase,
               d.phase_status, d.challenge_status, d.phase_1_status, d.phase_2_status, d.live_status,
               coalesce(d.account_status, 'active') as account_status,
               coalesce(d.email_sent, false) as email_sent, d.email_sent_at,
               coalesce(d.delivered_at, d.created_at, now()) as delivered_at,
               coalesce(d.created_at, d.delivered_at, now()) as created_at,
               coalesce(d.updated_at, d.created_at, now()) as updated_at
          from ffx_adopting.delivered_accounts d
          join adopt_order_map m on m.old_id = d.order_id
          join ffx_adopting.orders o on o.order_id = d.order_id
          left join ffx_adopting.account_container c on c.id = d.container_account_id
          left join adopt_inventory i on i.id = d.container_account_id) x;

-- ---------------------------------------------------------------------------------------------
-- payment_transactions: every row; an order or user that is gone becomes NULL
-- (orphan-orders=keep), a user who is not the order's becomes the order's; an unknown status
-- becomes the unknown-status resolution.
-- ---------------------------------------------------------------------------------------------
insert into public.payment_transactions (id, order_id, user_id, transaction_type, provider,
                                         provider_transaction_id, amount, currency, status, event_type,
                                         provider_response, created_at, updated_at)
select t.id, m.new_id,
       case
         when t.user_id is null then null
         when m.old_id is not null then m.user_id
         when t.user_id in (select id from adopt_user_ids) then t.user_id
       end,
       coalesce(t.transaction_type, 'payment'), coalesce(t.provider, 'nowpayments'), t.provider_transaction_id,
       t.amount, t.currency,
       case when t.status in ('pending', 'processing', 'completed', 'failed', 'cancelled') then t.status
            else current_setting('ffx_adopt.unknown_status', true) end,
       t.event_type, t.provider_response, coalesce(t.created_at, now()), coalesce(t.updated_at, t.created_at, now())
  from ffx_adopting.payment_transactions t
  left join adopt_order_map m on m.old_id = t.order_id;

-- ---------------------------------------------------------------------------------------------
-- admin_audit_log: every row, oldest first (our ids are a sequence); who, when and what as they were.
-- ---------------------------------------------------------------------------------------------
insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id, description,
                                    old_values, new_values, created_at)
select a.admin_id, a.admin_email, coalesce(a.action_type, 'unspecified'), a.table_name, a.record_id,
       a.description, a.old_values, a.new_values, coalesce(a.created_at, now())
  from ffx_adopting.admin_audit_log a
 order by a.created_at nulls last, a.id;

-- ---------------------------------------------------------------------------------------------
-- The sign-up passwords: the column goes with ffx_adopting; the metadata key goes here.
-- ---------------------------------------------------------------------------------------------
-- Who was exposed (ids only) is kept for the `adopted` audit row: the operator makes these users
-- reset their passwords after the adoption (docs/DEPLOYMENT.md).
create temporary table adopt_exposed on commit drop as select e.id from adopt_exposed_users e;

update auth.users u
   set raw_user_meta_data = u.raw_user_meta_data - 'password'
 where u.raw_user_meta_data ? 'password';

-- ---------------------------------------------------------------------------------------------
-- Every original row arrived (or was left out by a resolution that says so), then the audit row.
-- ---------------------------------------------------------------------------------------------
do $$
declare
  v_missing text;
begin
  select string_agg(m.what, '; ') into v_missing
    from (select 'user_profiles' as what
           where exists (select 1 from ffx_adopting.user_profiles x
                          where not exists (select 1 from public.user_profiles y where y.id = x.id))
          union all
          select 'orders' where exists (select 1 from ffx_adopting.orders x
                                         where not exists (select 1 from public.orders y where y.id = x.id))
          union all
          select 'trading_rules' where exists (select 1 from ffx_adopting.trading_rules x
                                                where not exists (select 1 from public.trading_rules y where y.id = x.id))
          union all
          select 'account_container' where exists (select 1 from adopt_inventory x
                                                    where (x.kept_id = x.id
                                                           or current_setting('ffx_adopt.duplicate_logins', true) = 'disable')
                                                      and not exists (select 1 from public.account_container y where y.id = x.id))
          union all
          select 'delivered_accounts' where exists (select 1 from ffx_adopting.delivered_accounts x
                                                     where not exists (select 1 from public.delivered_accounts y where y.id = x.id))
          union all
          select 'payment_transactions' where exists (select 1 from ffx_adopting.payment_transactions x
                                                       where not exists (select 1 from public.payment_transactions y where y.id = x.id))
          union all
          select 'admin_audit_log' where (select count(*) from public.admin_audit_log) <> (select count(*) from ffx_adopting.admin_audit_log)
          union all
          select 'crypto_addresses' where exists (select 1 from ffx_adopting.crypto_addresses x
                                                   where not exists (select 1 from public.crypto_addresses y where y.id = x.id))
          union all
          select 'auth.users still holds a password' where exists (select 1 from auth.users u where u.raw_user_meta_data ? 'password')
         ) m;
  if v_missing is not null then
    raise exception 'adopt: rows did not arrive: %', v_missing;
  end if;
end
$$;

insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id, description,
                                    old_values, new_values)
select null, 'operator:adopt', 'adopted', null, null,
       'original FlashFundX schema adopted by scripts/adopt: rows copied, statuses mapped, plaintext passwords destroyed',
       s.plan,
       jsonb_build_object(
         'tables', jsonb_build_object(
           'user_profiles', (select count(*) from public.user_profiles),
           'orders', (select count(*) from public.orders),
           'trading_rules', (select count(*) from public.trading_rules),
           'account_container', (select count(*) from public.account_container),
           'delivered_accounts', (select count(*) from public.delivered_accounts),
           'payment_transactions', (select count(*) from public.payment_transactions),
           'admin_audit_log', (select count(*) from public.admin_audit_log) + 1,
           'crypto_addresses', (select count(*) from public.crypto_addresses),
           'payments', (select count(*) from public.payments)),
         'exposed_password_user_ids', coalesce((select jsonb_agg(e.id order by e.id) from adopt_exposed e), '[]'),
         'renumbered_orders', coalesce((select jsonb_object_agg(m.old_id, m.new_id) from adopt_order_map m
                                         where m.old_id <> m.new_id), '{}'),
         case current_setting('ffx_adopt.duplicate_logins', true)
           when 'disable' then 'duplicate_inventory_disabled' else 'duplicate_inventory_left_out' end,
         coalesce((select jsonb_agg(to_jsonb(c) - 'password' - 'investor_password' order by c.id)
                     from ffx_adopting.account_container c
                     join adopt_inventory i on i.id = c.id and i.kept_id <> c.id), '[]'))
  from adopt_plan_snapshot s;

alter table public.user_profiles        enable trigger user;
alter table public.orders               enable trigger user;
alter table public.trading_rules        enable trigger user;
alter table public.account_container    enable trigger user;
alter table public.delivered_accounts   enable trigger user;
alter table public.payment_transactions enable trigger user;
alter table public.admin_audit_log      enable trigger user;
alter table public.crypto_addresses     enable trigger user;
alter table public.payments             enable trigger user;

drop schema ffx_adopting cascade;
