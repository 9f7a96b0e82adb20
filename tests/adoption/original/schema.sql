-- The ORIGINAL FlashFundX schema (the Supabase + Deno system this backend replaces), rebuilt by
-- this project from the original's technical documentation (docs/DEPLOYMENT.md, "Adopting an
-- existing FlashFundX project", says what it holds and how it maps onto ours). It is a test
-- fixture: tests build a shop on it and adopt it with scripts/adopt. It is deliberately as loose as the original: few checks, no composite keys, a
-- plaintext password column, admin by e-mail address, a trigger that copies the sign-up password.
--
-- Needs an `auth` schema with auth.users and auth.uid() (Supabase's, or sql/shim on plain
-- PostgreSQL). Run as the database owner, inside one transaction.

create table public.user_profiles (
  id                uuid primary key references auth.users (id) on delete cascade,
  first_name        text,
  last_name         text,
  email             text,
  password          text,                  -- "stored for admin portal viewing"
  phone             text,
  country           text,
  marketing_consent boolean default false,
  account_status    text default 'active', -- active/suspended/banned
  total_orders      integer default 0,
  total_spent       numeric(10,2) default 0,
  signup_ip         inet,
  last_login_at     timestamptz,
  created_at        timestamptz default now(),
  updated_at        timestamptz default now()
);

create table public.orders (
  id                  uuid primary key default gen_random_uuid(),
  order_id            text unique not null,
  user_id             uuid references auth.users (id),
  account_type        text not null,       -- instant/hft/one_step/two_step
  account_size        integer not null,
  platform_type       text not null,       -- mt4/mt5
  amount              numeric(10,2),
  discount_code       text,
  discount_amount     numeric(10,2) default 0,
  final_amount        numeric(10,2),
  order_status        text default 'pending',   -- pending/processing/completed/failed/cancelled/refunded
  payment_status      text default 'pending',   -- pending/paid/failed/refunded
  delivery_status     text default 'pending',   -- pending/delivered/failed
  payment_provider    text default 'nowpayments',
  payment_provider_id text,                     -- the NOWPayments payment_id
  crypto_currency     text,
  crypto_amount       numeric,
  crypto_address      text,
  created_at          timestamptz default now(),
  updated_at          timestamptz default now()
);

create table public.trading_rules (
  id                         uuid primary key default gen_random_uuid(),
  account_type               text not null,
  account_size               integer not null,
  challenge_profit_target    numeric(10,2),
  challenge_max_daily_loss   numeric(10,2),
  challenge_max_total_loss   numeric(10,2),
  challenge_min_trading_days integer,
  phase_1_profit_target      numeric(10,2),
  phase_1_max_daily_loss     numeric(10,2),
  phase_1_max_total_loss     numeric(10,2),
  phase_1_min_trading_days   integer,
  phase_2_profit_target      numeric(10,2),
  phase_2_max_daily_loss     numeric(10,2),
  phase_2_max_total_loss     numeric(10,2),
  phase_2_min_trading_days   integer,
  live_max_daily_loss        numeric(10,2),
  live_max_total_loss        numeric(10,2),
  profit_share_percentage    numeric(5,2) default 80,
  created_at                 timestamptz default now(),
  updated_at                 timestamptz default now(),
  unique (account_type, account_size)
);

create table public.account_container (
  id                    uuid primary key default gen_random_uuid(),
  account_size          integer not null,
  platform_type         text not null,
  server_name           text,
  login_id              text,
  password              text,
  investor_password     text,
  status                text default 'available', -- available/reserved/delivered/disabled
  reserved_for_order_id text,
  reserved_at           timestamptz,
  delivered_at          timestamptz,
  created_at            timestamptz default now(),
  updated_at            timestamptz default now()
);

create table public.delivered_accounts (
  id                   uuid primary key default gen_random_uuid(),
  order_id             text references public.orders (order_id),
  user_id              uuid references auth.users (id),
  container_account_id uuid references public.account_container (id),
  account_type         text,
  account_size         integer,
  platform_type        text,
  server_name          text,
  login_id             text,
  password             text,
  investor_password    text,
  current_phase        text,                 -- challenge/phase_1/phase_2/live
  phase_status         text default 'active',
  challenge_status     text,
  phase_1_status       text,
  phase_2_status       text,
  live_status          text,
  account_status       text default 'active', -- active/suspended/closed/breached
  email_sent           boolean default false,
  email_sent_at        timestamptz,
  delivered_at         timestamptz default now(),
  created_at           timestamptz default now(),
  updated_at           timestamptz default now()
);

create table public.payment_transactions (
  id                      uuid primary key default gen_random_uuid(),
  order_id                text,
  user_id                 uuid,
  transaction_type        text default 'payment', -- payment/refund/chargeback
  provider                text,                   -- lemon_squeezy/nowpayments/stripe/manual
  provider_transaction_id text,
  amount                  numeric,
  currency                text,
  status                  text,                   -- pending/processing/completed/failed/cancelled
  event_type              text,
  provider_response       jsonb,
  created_at              timestamptz default now(),
  updated_at              timestamptz default now()
);

create table public.admin_audit_log (
  id          uuid primary key default gen_random_uuid(),
  admin_id    uuid,
  admin_email text,
  action_type text,
  table_name  text,
  record_id   text,
  description text,
  old_values  jsonb,
  new_values  jsonb,
  created_at  timestamptz default now()
);

create table public.crypto_addresses (
  id             uuid primary key default gen_random_uuid(),
  crypto_name    text,
  crypto_symbol  text,
  network        text,
  wallet_address text,
  is_active      boolean default true,
  created_at     timestamptz default now(),
  updated_at     timestamptz default now()
);

-- FFX + 9 random digits, retried until unused
create function public.generate_order_id() returns text
language plpgsql as $$
declare
  candidate text;
begin
  loop
    candidate := 'FFX' || lpad(floor(random() * 1000000000)::text, 9, '0');
    exit when not exists (select 1 from public.orders where order_id = candidate);
  end loop;
  return candidate;
end
$$;

create function public.set_order_id() returns trigger
language plpgsql as $$
begin
  if new.order_id is null or new.order_id = '' then
    new.order_id := public.generate_order_id();
  end if;
  return new;
end
$$;

create function public.update_updated_at_column() returns trigger
language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- The original's sign-up trigger: note the password copied out of the sign-up metadata.
create function public.handle_new_user() returns trigger
language plpgsql security definer as $$
begin
  insert into public.user_profiles (id, first_name, last_name, email, password, phone, country,
                                    marketing_consent)
  values (new.id,
          coalesce(new.raw_user_meta_data ->> 'first_name', ''),
          coalesce(new.raw_user_meta_data ->> 'last_name', ''),
          new.email,
          coalesce(new.raw_user_meta_data ->> 'password', ''),
          coalesce(new.raw_user_meta_data ->> 'phone', ''),
          coalesce(new.raw_user_meta_data ->> 'country', ''),
          coalesce((new.raw_user_meta_data ->> 'marketing_consent')::boolean, false));
  return new;
end
$$;

-- The original's delivery: first available account of the size and platform, no lock.
create function public.deliver_account_to_user(p_order_id text, p_user_id uuid) returns jsonb
language plpgsql security definer as $$
declare
  o public.orders;
  acc public.account_container;
  phase text;
begin
  select * into o from public.orders where order_id = p_order_id and user_id = p_user_id;
  if not found or o.payment_status <> 'paid' or o.delivery_status = 'delivered' then
    return jsonb_build_object('success', false, 'error', 'Order not deliverable');
  end if;
  select * into acc from public.account_container
   where account_size = o.account_size and platform_type = o.platform_type and status = 'available'
   order by created_at limit 1;
  if not found then
    return jsonb_build_object('success', false, 'error', 'No available accounts');
  end if;
  phase := case o.account_type when 'instant' then 'live' when 'two_step' then 'phase_1' else 'challenge' end;
  update public.account_container
     set status = 'delivered', reserved_for_order_id = o.order_id, delivered_at = now()
   where id = acc.id;
  insert into public.delivered_accounts (order_id, user_id, container_account_id, account_type,
         account_size, platform_type, server_name, login_id, password, investor_password,
         current_phase, phase_status)
  values (o.order_id, o.user_id, acc.id, o.account_type, o.account_size, o.platform_type,
          acc.server_name, acc.login_id, acc.password, acc.investor_password, phase, 'active');
  update public.orders
     set order_status = 'completed', delivery_status = 'delivered'
   where order_id = o.order_id;
  update public.user_profiles
     set total_orders = total_orders + 1, total_spent = total_spent + coalesce(o.final_amount, 0)
   where id = o.user_id;
  return jsonb_build_object('success', true, 'login_id', acc.login_id);
end
$$;

create function public.get_available_accounts_count()
returns table (account_size integer, platform_type text, available_count bigint)
language sql security definer as $$
  select account_size, platform_type, count(*)
    from public.account_container
   where status = 'available'
   group by account_size, platform_type
   order by account_size, platform_type
$$;

create trigger set_order_id before insert on public.orders
  for each row execute function public.set_order_id();
create trigger update_user_profiles_updated_at before update on public.user_profiles
  for each row execute function public.update_updated_at_column();
create trigger update_orders_updated_at before update on public.orders
  for each row execute function public.update_updated_at_column();
create trigger update_account_container_updated_at before update on public.account_container
  for each row execute function public.update_updated_at_column();
create trigger update_delivered_accounts_updated_at before update on public.delivered_accounts
  for each row execute function public.update_updated_at_column();
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();

alter table public.user_profiles enable row level security;
alter table public.orders enable row level security;
alter table public.trading_rules enable row level security;
alter table public.account_container enable row level security;
alter table public.delivered_accounts enable row level security;
alter table public.payment_transactions enable row level security;
alter table public.admin_audit_log enable row level security;
alter table public.crypto_addresses enable row level security;

create policy "Users can view own profile" on public.user_profiles
  for select using (auth.uid() = id);
create policy "Users can update own profile" on public.user_profiles
  for update using (auth.uid() = id);
create policy "Users can view own orders" on public.orders
  for select using (auth.uid() = user_id);
create policy "Users can create own orders" on public.orders
  for insert with check (auth.uid() = user_id);
create policy "Users can view own delivered accounts" on public.delivered_accounts
  for select using (auth.uid() = user_id);
create policy "Anyone can view trading rules" on public.trading_rules
  for select using (true);
create policy "Anyone can view crypto addresses" on public.crypto_addresses
  for select using (true);

-- Admin: the one e-mail address, looked up in auth.users, on every table
do $$
declare
  t text;
begin
  foreach t in array array['user_profiles', 'orders', 'trading_rules', 'account_container',
                           'delivered_accounts', 'payment_transactions', 'admin_audit_log',
                           'crypto_addresses'] loop
    execute format($p$create policy "Admins can manage %1$s" on public.%1$I for all using (
      exists (select 1 from auth.users where id = auth.uid() and email = 'admin@flashfundx.com'))$p$, t);
  end loop;
end
$$;

-- Supabase's default privileges gave the API roles everything on these tables.
grant all on all tables in schema public to anon, authenticated, service_role;
grant execute on all functions in schema public to anon, authenticated, service_role;
