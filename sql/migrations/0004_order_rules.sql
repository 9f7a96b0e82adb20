-- 0004_order_rules: the tables and data of discount codes that cannot be burned, and of the order
-- settings (the rules and their functions: sql/definitions/30_orders.sql and
-- 32_discount_codes.sql).
--
-- replaces: 0017_order_rules

-- order_settings: one row of tunables for order creation.
create table public.order_settings (
  id                          boolean primary key default true,
  discount_attempts_per_hour  integer not null default 20,
  updated_at                  timestamptz not null default now(),

  constraint order_settings_one_row check (id),
  constraint order_settings_attempts_check check (discount_attempts_per_hour between 1 and 100000)
);

comment on table public.order_settings is
  'Tunables of order creation (one row). discount_attempts_per_hour: orders carrying a discount code one customer may attempt per rolling hour.';

insert into public.order_settings (id) values (true);

-- discount_code_attempts: every order attempt that carried a code, right or wrong (the rate
-- limit's memory; each customer's rows older than a day are purged at their next attempt).
create table public.discount_code_attempts (
  id           bigint generated always as identity primary key,
  user_id      uuid not null,
  code         text not null,
  accepted     boolean not null,
  attempted_at timestamptz not null default now()
);

comment on table public.discount_code_attempts is
  'Order attempts carrying a discount code, per customer: the rate limit of order_settings.discount_attempts_per_hour.';

create index discount_code_attempts_user_idx on public.discount_code_attempts (user_id, attempted_at);

-- discount_code_uses: the ledger of uses, one row per order that carries a code and ever held or
-- used it. held: a payment of the order is open; used: the order is paid; released: the order
-- failed or was cancelled unpaid. over_limit: paid although the code had no room left then.
create table public.discount_code_uses (
  order_id    text primary key references public.orders (order_id),
  code        text not null references public.discount_codes (code) on update cascade on delete cascade,
  user_id     uuid not null,
  state       text not null,
  over_limit  boolean not null default false,
  held_at     timestamptz,
  used_at     timestamptz,
  released_at timestamptz,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),

  constraint discount_code_uses_state_check check (state in ('held', 'used', 'released'))
);

comment on table public.discount_code_uses is
  'One row per order holding (open payment), having used (paid) or released (failed unpaid) its discount code; discount_codes.uses/held count it.';

-- the per-customer count of a code (max_uses_per_user)
create index discount_code_uses_code_user_idx on public.discount_code_uses (code, user_id)
  where state in ('held', 'used');

-- discount_codes: the count of open holds and the per-customer limit
alter table public.discount_codes add column held integer not null default 0;
alter table public.discount_codes add column max_uses_per_user integer;
alter table public.discount_codes add constraint discount_codes_held_check check (held >= 0);
alter table public.discount_codes add constraint discount_codes_max_uses_per_user_check check (max_uses_per_user >= 0);

comment on column public.discount_codes.uses is
  'Paid orders that used the code (discount_code_uses state used); counted by the database, not editable through the API.';
comment on column public.discount_codes.held is
  'Unpaid orders holding the code while a payment is open (discount_code_uses state held); counted by the database.';
comment on column public.discount_codes.max_uses is
  'NULL = unlimited; uses + held may not reach beyond it (a late payment is honoured beyond it, and audited).';
comment on column public.discount_codes.max_uses_per_user is
  'NULL = unlimited; one customer''s uses + holds of the code may not reach beyond it.';

alter table public.order_settings         enable row level security;
alter table public.discount_code_attempts enable row level security;
alter table public.discount_code_uses     enable row level security;

-- Backfill: ledger rows for the orders that have none (paid: used; open with a live payment:
-- held), then every code's counters from the ledger. This gives back the uses that unpaid orders
-- burned when a use was counted at insert. The same statements as the repair function
-- public.discount_code_uses_backfill() (sql/definitions/32_discount_codes.sql), inlined because
-- migrations run before the definitions.
lock table public.discount_codes in share row exclusive mode;

insert into public.discount_code_uses (order_id, code, user_id, state, held_at, used_at)
select o.order_id, d.code, o.user_id,
       case when o.paid_at is not null then 'used' else 'held' end,
       case when o.paid_at is null then now() end,
       o.paid_at
  from public.orders o
  join public.discount_codes d on d.code = o.discount_code
 where not exists (select 1 from public.discount_code_uses u where u.order_id = o.order_id)
   and (o.paid_at is not null
        or (o.order_status in ('pending', 'processing')
            and exists (select 1 from public.payments p
                         where p.order_id = o.order_id
                           and p.payment_status in ('waiting', 'confirming', 'confirmed', 'sending',
                                                    'partially_paid'))));

update public.discount_codes d
   set uses = coalesce(c.used, 0), held = coalesce(c.held, 0)
  from public.discount_codes k
  left join (select u.code,
                    count(*) filter (where u.state = 'used') as used,
                    count(*) filter (where u.state = 'held') as held
               from public.discount_code_uses u
              group by u.code) c on c.code = k.code
 where d.code = k.code
   and (d.uses, d.held) is distinct from (coalesce(c.used, 0)::integer, coalesce(c.held, 0)::integer);
