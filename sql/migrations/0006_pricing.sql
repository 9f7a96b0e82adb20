-- 0006_pricing: server-side prices, discount codes, and the frontend -> NOWPayments coin map.
--
-- ARCHITECTURE.md section 5 / section 6: the client never chooses the price. Every INSERT into
-- orders goes through orders_apply_pricing(), which sets amount, discount_amount and final_amount
-- from the pricing table and the (optional) discount code, whatever the inserter sent, and counts
-- the code's use under a row lock so max_uses holds under concurrency.
--
-- Business errors are raised with SQLSTATE class FF (FF400 -> HTTP 400, ...) and the exact
-- client-facing text as the message; the C side maps them (common/db.c).
--
-- Privileges and policies follow 0003 (revoke all, grant back what each role needs; RLS on;
-- auth.uid()/is_admin() wrapped in (select ...)).

-- ---------------------------------------------------------------------------------------------
-- pricing: one USD price per product (type x size x platform). Inactive = not for sale.
-- ---------------------------------------------------------------------------------------------
create table public.pricing (
  id            uuid primary key default gen_random_uuid(),
  account_type  text not null,
  account_size  integer not null,
  platform_type text not null,
  price_usd     numeric(12,2) not null,
  active        boolean not null default true,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),

  constraint pricing_product_key            unique (account_type, account_size, platform_type),
  constraint pricing_account_type_check     check (account_type in ('instant', 'hft', 'one_step', 'two_step')),
  constraint pricing_account_size_check     check (account_size > 0),
  constraint pricing_platform_type_check    check (platform_type in ('mt4', 'mt5')),
  constraint pricing_price_usd_check        check (price_usd > 0)
);

comment on table public.pricing is
  'USD price per product; orders_apply_pricing() copies the active price into every new order.';

create trigger update_pricing_updated_at
  before update on public.pricing
  for each row execute function public.update_updated_at_column();

-- Seed: every type x size (as trading_rules) x platform = 48 rows; MT5 costs the same as MT4.
-- one_step 10000 = 649 is the seed document's example. A larger account always costs more, and
-- at every size instant > hft > one_step > two_step.
insert into public.pricing (account_type, account_size, platform_type, price_usd)
select t.account_type, s.account_size, p.platform_type, t.prices[s.i]
  from (values
          --                5000  10000  25000  50000  100000  200000
          ('instant',  array[449,   849,  1799,  3299,   5999,  10999]::numeric[]),
          ('hft',      array[399,   749,  1549,  2799,   4999,   8999]::numeric[]),
          ('one_step', array[349,   649,  1299,  2299,   3999,   7499]::numeric[]),
          ('two_step', array[299,   549,  1099,  1999,   3499,   6499]::numeric[])
       ) as t (account_type, prices)
 cross join (values (1, 5000), (2, 10000), (3, 25000), (4, 50000), (5, 100000), (6, 200000)) as s (i, account_size)
 cross join (values ('mt4'), ('mt5')) as p (platform_type);

-- ---------------------------------------------------------------------------------------------
-- discount_codes: either a percentage or a fixed USD amount off. Codes are stored upper-case
-- (discount_codes_normalize_code below upper-cases and trims whatever an admin types); orders
-- match them case-insensitively. Admin-only: customers never read the list.
-- ---------------------------------------------------------------------------------------------
create table public.discount_codes (
  code        text primary key,
  percent_off numeric(5,2),
  amount_off  numeric(12,2),
  valid_from  timestamptz,
  valid_until timestamptz,
  max_uses    integer,
  uses        integer not null default 0,
  active      boolean not null default true,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),

  -- upper-case letters, digits, '_' and '-', at most 64 (create-order accepts 64 characters)
  constraint discount_codes_code_format       check (code ~ '^[A-Z0-9][A-Z0-9_-]{0,63}$'),
  constraint discount_codes_percent_off_check check (percent_off > 0 and percent_off <= 100),
  constraint discount_codes_amount_off_check  check (amount_off > 0),
  constraint discount_codes_one_kind_check    check ((percent_off is null) <> (amount_off is null)),
  constraint discount_codes_validity_check    check (valid_until > valid_from),
  constraint discount_codes_max_uses_check    check (max_uses >= 0),
  constraint discount_codes_uses_check        check (uses >= 0)
);

comment on table public.discount_codes is
  'Discount codes (percent_off or amount_off). uses is counted by orders_apply_pricing() under a row lock.';
comment on column public.discount_codes.max_uses is
  'NULL = unlimited; a code with uses >= max_uses is refused.';

create trigger update_discount_codes_updated_at
  before update on public.discount_codes
  for each row execute function public.update_updated_at_column();

create function public.discount_codes_normalize_code()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.code := upper(btrim(new.code));
  return new;
end
$$;

create trigger discount_codes_normalize_code
  before insert or update of code on public.discount_codes
  for each row execute function public.discount_codes_normalize_code();

-- ---------------------------------------------------------------------------------------------
-- crypto_currency_map: the checkout's coin codes -> NOWPayments pay_currency (seed document,
-- "Supported Cryptocurrencies"). Inactive = not offered.
-- ---------------------------------------------------------------------------------------------
create table public.crypto_currency_map (
  code          text primary key,
  provider_code text not null,
  active        boolean not null default true,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),

  constraint crypto_currency_map_code_format          check (code ~ '^[a-z0-9_]{1,32}$'),
  constraint crypto_currency_map_provider_code_format check (provider_code ~ '^[a-z0-9]{1,32}$')
);

comment on table public.crypto_currency_map is
  'Frontend currency code -> NOWPayments pay_currency; used by crypto_payment_begin().';

create trigger update_crypto_currency_map_updated_at
  before update on public.crypto_currency_map
  for each row execute function public.update_updated_at_column();

insert into public.crypto_currency_map (code, provider_code) values
  ('usdt_bsc',     'usdtbsc'),
  ('usdt_polygon', 'usdtmatic'),
  ('usdt_trc20',   'usdttrc20'),
  ('bnb',          'bnbbsc'),
  ('btc',          'btc'),
  ('trx',          'trx');

-- ---------------------------------------------------------------------------------------------
-- orders_apply_pricing: BEFORE INSERT on orders. Named so that it fires before orders_set_order_id
-- (same-event triggers fire in name order).
--
-- SECURITY DEFINER: the inserting customer can neither read discount_codes nor update its uses.
-- The code row is locked (FOR UPDATE) before its uses are checked, so concurrent orders with one
-- code serialise on it and max_uses can never be exceeded; a failed insert rolls the increment
-- back with it. Whatever amount/discount_amount/final_amount the inserter sent is replaced.
-- ---------------------------------------------------------------------------------------------
create function public.orders_apply_pricing()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_price    numeric(12,2);
  v_code     public.discount_codes%rowtype;
  v_discount numeric(12,2) := 0;
begin
  select p.price_usd into v_price
    from public.pricing p
   where p.account_type = new.account_type
     and p.account_size = new.account_size
     and p.platform_type = new.platform_type
     and p.active;
  if not found then
    raise exception using errcode = 'FF400', message = 'Product not available';
  end if;

  -- a blank code is no code
  new.discount_code := nullif(upper(btrim(new.discount_code)), '');
  if new.discount_code is not null then
    select d.* into v_code
      from public.discount_codes d
     where d.code = new.discount_code
       for update;
    if not found
       or not v_code.active
       or (v_code.valid_from is not null and v_code.valid_from > now())
       or (v_code.valid_until is not null and v_code.valid_until <= now())
       or (v_code.max_uses is not null and v_code.uses >= v_code.max_uses) then
      raise exception using errcode = 'FF400', message = 'Invalid discount code';
    end if;

    if v_code.percent_off is not null then
      v_discount := round(v_price * v_code.percent_off / 100, 2);
    else
      v_discount := least(v_code.amount_off, v_price);
    end if;

    update public.discount_codes d set uses = d.uses + 1 where d.code = v_code.code;
  end if;

  new.amount          := v_price;
  new.discount_amount := v_discount;
  new.final_amount    := v_price - v_discount;
  return new;
end
$$;

create trigger orders_apply_pricing
  before insert on public.orders
  for each row execute function public.orders_apply_pricing();

-- ---------------------------------------------------------------------------------------------
-- Privileges
-- ---------------------------------------------------------------------------------------------
revoke all on table public.pricing, public.discount_codes, public.crypto_currency_map
from public, anon, authenticated, service_role;

-- public catalogue: anyone reads the active rows
grant select on table public.pricing, public.crypto_currency_map to anon;
-- authenticated: admins manage all three (policies); customers read active prices and coins only
grant select, insert, update, delete on table public.pricing, public.discount_codes, public.crypto_currency_map
to authenticated, service_role;

-- trigger functions: no role needs EXECUTE
revoke all on function public.orders_apply_pricing(), public.discount_codes_normalize_code()
from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Row-level security
-- ---------------------------------------------------------------------------------------------
alter table public.pricing             enable row level security;
alter table public.discount_codes      enable row level security;
alter table public.crypto_currency_map enable row level security;

create policy "Anyone can view active prices" on public.pricing
  for select to anon, authenticated
  using (active);

create policy "Admins can manage prices" on public.pricing
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

-- no policy for customers: they see no code and change none
create policy "Admins can manage discount codes" on public.discount_codes
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

create policy "Anyone can view active crypto currencies" on public.crypto_currency_map
  for select to anon, authenticated
  using (active);

create policy "Admins can manage crypto currencies" on public.crypto_currency_map
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));
