-- 0017_order_rules: discount codes that cannot be burned, who may buy, and what a direct insert
-- or update of orders may do (issue 13, items 6, 7 and 8).
--
-- Before this migration a discount code's use was counted when an order was INSERTED, paid or
-- not, and never given back; a banned or suspended customer could order; a customer's direct
-- insert through the Data API could set created_at, payment_provider and crypto_currency; and an
-- admin (or service_role) could UPDATE an order's statuses directly, around payment_apply() and
-- the audit log.
--
-- 1. Who writes. A trigger cannot trust a session flag (a client might set it), but it can trust
--    current_user: the Data API and the C functions run statements as anon, authenticated or
--    service_role, while inside our SECURITY DEFINER functions (payment_apply, the admin
--    functions, ...) current_user is their owner, the owner of the tables. runs_as_owner() tells
--    the two apart; the rules below bind every role that is NOT the owner (or a superuser).
--
-- 2. A direct insert into orders (orders_apply_pricing, BEFORE INSERT, replaced here). From the
--    API roles only the columns a customer chooses are taken: account_type, account_size,
--    platform_type and discount_code. user_id is auth.uid() (service_role, which has no uid,
--    names the buyer: that is the one more column it may choose); every other column is set by
--    the database, overwriting what was sent. The buyer must not be banned or suspended (FF403),
--    the product must have a price (FF400), and a discount code is checked as described in 3.
--    The owner's own inserts (fixtures, tools as the superuser) keep their columns but are priced
--    and checked the same way.
--
-- 3. Discount codes. A use counts when the order is PAID (orders.paid_at set, by whichever path),
--    or is HELD while a payment of the order is open, and the hold is RELEASED when the order fails
--    or is cancelled unpaid. discount_code_uses is the ledger (one row per order with a code);
--    discount_codes.uses (paid) and .held (open payments) count it under the code's row lock.
--    max_uses bounds uses + held, max_uses_per_user bounds one customer's uses + holds. An order
--    is accepted when the code would still have room at that moment, but nothing is taken then:
--    the hold is taken when a payment is opened (discount_hold_take, FF400 'Invalid discount
--    code' when there is no room), so unpaid orders no longer burn uses. Until the checkout's
--    reservation step calls it before NOWPayments is asked, the AFTER INSERT trigger on payments
--    takes it when create-crypto-payment records the payment (refusing it there). A hold that no
--    live payment backs is given back by discount_hold_release (a failed provider call) or, after
--    FFX_RECONCILE_EXPIRY_MINUTES, by the reconciler (discount_holds_release_stale). A payment that
--    pays an order whose hold was released (a late payment after expiry) is honoured and counted
--    even beyond max_uses, and audited ('discount_over_limit').
--
--    Guessing is rate-limited: every insert carrying a code counts as an attempt of its buyer,
--    right or wrong, and beyond order_settings.discount_attempts_per_hour attempts in the last
--    hour the insert fails with FF429 'Too many discount code attempts'. A failed INSERT would
--    roll back the attempt it recorded, so a refused code does not raise: the BEFORE INSERT
--    trigger records the attempt and skips the row (the statement succeeds with 0 rows; through
--    PostgREST an empty result). create-order calls order_create(), which turns the skipped row
--    into its 400 'Invalid discount code'. Wrong, expired, inactive, not yet valid and used-up
--    codes all take the same path and give the same answer.
--
-- 4. A direct UPDATE of orders by an API role (an admin's or service_role's; customers have no
--    UPDATE policy at all) is refused with FF403 and a message naming the way to change the
--    column: statuses, paid_at, delivered_at and needs_attention through payment_apply() or the
--    audited admin functions (admin_order_clear_attention, new here, for needs_attention), provider
--    columns through create-crypto-payment, the rest never.
--    Likewise discount_codes.uses and .held are the database's count, not an admin's to edit.
--
-- Business errors: SQLSTATE FF400/FF403/FF429 with the client message (common/db.c maps them).
--
-- The SECURITY DEFINER functions pin search_path to ''. The SECURITY INVOKER ones carry no SET
-- clause, for 0014's reason: they run on every insert and update of an order (payment_apply's
-- included), a SET clause costs a configuration save and restore on each call (about 0.1 ms of
-- a create-order's 0.25 ms here), and, naming everything schema-qualified and holding no
-- privilege of their own, they have no search path to protect.

-- =============================================================================================
-- Who writes
-- =============================================================================================

-- runs_as_owner(): whether the current role holds the privileges of the owner of the application
-- tables: a superuser, the owner, or code running inside one of our SECURITY DEFINER functions.
-- False for anon, authenticated and service_role, the roles of the Data API and the C functions.
-- SECURITY INVOKER on purpose: it must see the caller's current_user.
create function public.runs_as_owner()
returns boolean
language sql
stable
security invoker
as $$
  select pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')
    from pg_catalog.pg_class c
   where c.oid = 'public.orders'::pg_catalog.regclass
$$;

comment on function public.runs_as_owner() is
  'True when the current role has the table owner''s privileges (superuser, owner, our SECURITY DEFINER functions); false for anon, authenticated and service_role.';

-- =============================================================================================
-- Tables
-- =============================================================================================

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

create trigger update_order_settings_updated_at
  before update on public.order_settings
  for each row execute function public.update_updated_at_column();

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

create trigger update_discount_code_uses_updated_at
  before update on public.discount_code_uses
  for each row execute function public.update_updated_at_column();

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

-- The counters are the ledger's: through the API (an admin, service_role) they cannot be set.
create function public.discount_codes_keep_counts()
returns trigger
language plpgsql
security invoker
as $$
begin
  if public.runs_as_owner() then
    return new;
  end if;
  if tg_op = 'INSERT' then
    new.uses := 0;
    new.held := 0;
  elsif (new.uses, new.held) is distinct from (old.uses, old.held) then
    raise exception using errcode = 'FF403',
      message = 'discount_codes.uses and held are counted by the database: change max_uses instead';
  end if;
  return new;
end
$$;

create trigger discount_codes_keep_counts
  before insert or update on public.discount_codes
  for each row execute function public.discount_codes_keep_counts();

-- =============================================================================================
-- Pricing an order: buyer, product, code
-- =============================================================================================

-- order_buyer_check(user): a banned or suspended customer may not order (FF403). A user without a
-- profile is let through: the foreign key to auth.users decides about them.
create function public.order_buyer_check(p_user_id uuid)
returns void
language plpgsql
stable
security invoker
as $$
begin
  if exists (select 1 from public.user_profiles p
              where p.id = p_user_id and p.account_status in ('banned', 'suspended')) then
    raise exception using errcode = 'FF403', message = 'Account is suspended or banned';
  end if;
end
$$;

-- order_base_price(type, size, platform): the active USD price (FF400 without one).
create function public.order_base_price(p_account_type text, p_account_size integer, p_platform_type text)
returns numeric
language plpgsql
stable
security invoker
as $$
declare
  v_price numeric(12,2);
begin
  select p.price_usd into v_price
    from public.pricing p
   where p.account_type = p_account_type
     and p.account_size = p_account_size
     and p.platform_type = p_platform_type
     and p.active;
  if not found then
    raise exception using errcode = 'FF400', message = 'Product not available';
  end if;
  return v_price;
end
$$;

-- discount_code_verdict(code, user, price): the discount and whether the code may be used now by
-- this customer. ONE statement whatever the code is (unknown, inactive, outside its window, no
-- room left, or good): a wrong guess costs what an expired code costs, so timing tells nothing.
create function public.discount_code_verdict(p_code text, p_user_id uuid, p_price numeric,
                                             out discount numeric, out valid boolean)
language plpgsql
stable
security invoker
as $$
begin
  select coalesce(case when d.percent_off is not null then round(p_price * d.percent_off / 100, 2)
                       else least(d.amount_off, p_price) end, 0),
         coalesce(d.active
                  and (d.valid_from is null or d.valid_from <= now())
                  and (d.valid_until is null or d.valid_until > now())
                  and (d.max_uses is null or d.uses + d.held < d.max_uses)
                  and (d.max_uses_per_user is null or mine.n < d.max_uses_per_user), false)
    into discount, valid
    from (select p_code as code) k
    left join public.discount_codes d on d.code = k.code
   cross join lateral (select count(*) as n
                         from public.discount_code_uses u
                        where u.code = k.code and u.user_id = p_user_id and u.state in ('held', 'used')) mine;
end
$$;

-- discount_attempt_admit(user): FF429 when the customer made discount_attempts_per_hour code
-- attempts in the last hour. Attempts of one customer are serialised (advisory lock until the
-- end of the transaction) so that concurrent requests cannot all slip under the limit. A refused
-- attempt is not recorded: it tested no code.
create function public.discount_attempt_admit(p_user_id uuid)
returns void
language plpgsql
volatile
security invoker
as $$
declare
  v_limit integer;
  v_recent bigint;
begin
  perform pg_advisory_xact_lock(hashtextextended('ffx.discount_code_attempts:' || p_user_id::text, 0));
  select s.discount_attempts_per_hour into v_limit from public.order_settings s where s.id;
  select count(*) into v_recent
    from public.discount_code_attempts a
   where a.user_id = p_user_id and a.attempted_at > now() - interval '1 hour';
  if v_recent >= coalesce(v_limit, 20) then
    raise exception using errcode = 'FF429', message = 'Too many discount code attempts';
  end if;
end
$$;

-- discount_attempt_record(user, code, accepted): remember the attempt; forget this customer's
-- attempts older than a day (the window is an hour; a day leaves room for an investigation).
create function public.discount_attempt_record(p_user_id uuid, p_code text, p_accepted boolean)
returns void
language sql
volatile
security invoker
as $$
  delete from public.discount_code_attempts a
   where a.user_id = p_user_id and a.attempted_at < now() - interval '1 day';
  insert into public.discount_code_attempts (user_id, code, accepted)
  values (p_user_id, left(p_code, 64), p_accepted);
$$;

-- order_price_core(user, type, size, platform, code, count_attempt): the price of an order and
-- the verdict on its code, in the order of the checks: buyer (FF403), product (FF400), then, with
-- a code, the rate limit (FF429, only when attempts are counted), the code. code_refused: the
-- code may not be used (the caller decides how to answer). Owner only.
create function public.order_price_core(p_user_id uuid, p_account_type text, p_account_size integer,
                                        p_platform_type text, p_discount_code text, p_count_attempt boolean,
                                        out amount numeric, out discount_amount numeric,
                                        out final_amount numeric, out discount_code text,
                                        out code_refused boolean)
language plpgsql
volatile
security invoker
as $$
declare
  v_valid boolean;
begin
  perform public.order_buyer_check(p_user_id);
  amount := public.order_base_price(p_account_type, p_account_size, p_platform_type);
  discount_amount := 0;
  code_refused := false;
  -- codes are stored upper-case; a blank code is no code
  discount_code := nullif(upper(btrim(p_discount_code)), '');
  if discount_code is not null then
    if p_count_attempt then
      perform public.discount_attempt_admit(p_user_id);
    end if;
    select v.discount, v.valid into discount_amount, v_valid
      from public.discount_code_verdict(discount_code, p_user_id, amount) v;
    if p_count_attempt then
      perform public.discount_attempt_record(p_user_id, discount_code, v_valid);
    end if;
    if not v_valid then
      code_refused := true;
      discount_amount := 0;
    end if;
  end if;
  final_amount := amount - discount_amount;
end
$$;

-- order_quote(user, type, size, platform, code): order_price_core for the API roles, counting the
-- code attempt. SECURITY DEFINER (customers can read neither discount_codes nor the attempts) and
-- therefore checking its caller: service_role for anyone, a user for themselves. The insert
-- trigger calls it as the inserting role; called directly (an RPC) it is a price quote under the
-- very same rules and rate limit as an insert.
create function public.order_quote(p_user_id uuid, p_account_type text, p_account_size integer,
                                   p_platform_type text, p_discount_code text,
                                   out amount numeric, out discount_amount numeric,
                                   out final_amount numeric, out discount_code text,
                                   out code_refused boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not (coalesce(auth.role() = 'service_role', false)
          or coalesce(auth.uid() = p_user_id, false)) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  select c.amount, c.discount_amount, c.final_amount, c.discount_code, c.code_refused
    into amount, discount_amount, final_amount, discount_code, code_refused
    from public.order_price_core(p_user_id, p_account_type, p_account_size, p_platform_type,
                                 p_discount_code, true) c;
end
$$;

-- orders_insert_defaults(row): what is left of an API role's insert: the customer's choices
-- (account_type, account_size, platform_type, discount_code) and, for service_role only, user_id.
-- Every other column gets the database's value; the price is set next.
create function public.orders_insert_defaults(o public.orders)
returns public.orders
language plpgsql
stable
security invoker
as $$
begin
  o.id := gen_random_uuid();
  o.order_id := null; -- drawn by orders_set_order_id
  if current_user::text <> 'service_role' then
    o.user_id := auth.uid();
  end if;
  o.amount := 0;
  o.discount_amount := 0;
  o.final_amount := 0;
  o.order_status := 'pending';
  o.payment_status := 'pending';
  o.delivery_status := 'pending';
  o.payment_provider := 'nowpayments';
  o.payment_provider_id := null;
  o.invoice_id := null;
  o.invoice_url := null;
  o.pay_currency := null;
  o.crypto_currency := null;
  o.crypto_amount := null;
  o.crypto_address := null;
  o.paid_at := null;
  o.delivered_at := null;
  o.needs_attention := null;
  o.attention_detail := null;
  o.created_at := now();
  o.updated_at := now();
  return o;
end
$$;

comment on function public.orders_insert_defaults(public.orders) is
  'An API role''s new order: only account_type, account_size, platform_type, discount_code (and service_role''s user_id) survive. A new orders column must be added here.';

-- orders_apply_pricing: BEFORE INSERT on orders (replaces 0006's; same name, so it still fires
-- before orders_set_order_id). SECURITY INVOKER now: it must see who inserts.
--   API role:  columns reset (orders_insert_defaults), then order_quote: buyer, product, rate
--              limit, code; a refused code records its attempt and SKIPS the row (RETURN NULL):
--              raising would roll the attempt back with the insert.
--   the owner: its columns are kept; price and code by the same rules, a refused code raises.
create or replace function public.orders_apply_pricing()
returns trigger
language plpgsql
security invoker
as $$
declare
  q record;
begin
  if public.runs_as_owner() then
    select * into q
      from public.order_price_core(new.user_id, new.account_type, new.account_size, new.platform_type,
                                   new.discount_code, false);
    if q.code_refused then
      raise exception using errcode = 'FF400', message = 'Invalid discount code';
    end if;
  else
    new := public.orders_insert_defaults(new);
    select * into q
      from public.order_quote(new.user_id, new.account_type, new.account_size, new.platform_type,
                              new.discount_code);
    if q.code_refused then
      return null;
    end if;
  end if;

  new.amount          := q.amount;
  new.discount_amount := q.discount_amount;
  new.final_amount    := q.final_amount;
  new.discount_code   := q.discount_code;
  return new;
end
$$;

-- order_create(type, size, platform, code): create-order's one statement, as the customer. The
-- insert runs under RLS like a Data API insert; a refused code comes back as error (the attempt
-- is recorded: the transaction commits); every other refusal raises (FF400/FF403/FF429).
create function public.order_create(p_account_type text, p_account_size integer, p_platform_type text,
                                    p_discount_code text, out order_doc jsonb, out error text)
language plpgsql
volatile
security invoker
as $$
begin
  insert into public.orders (user_id, account_type, account_size, platform_type, discount_code)
  values (auth.uid(), p_account_type, p_account_size, p_platform_type, p_discount_code)
  returning jsonb_build_object(
              'order_id', order_id, 'account_type', account_type, 'account_size', account_size,
              'platform_type', platform_type, 'amount', amount, 'discount_code', discount_code,
              'discount_amount', discount_amount, 'final_amount', final_amount,
              'order_status', order_status, 'payment_status', payment_status,
              'delivery_status', delivery_status,
              'created_at', to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    into order_doc;
  if order_doc is null then
    -- the only row the trigger skips is one whose discount code was refused
    error := 'Invalid discount code';
  end if;
end
$$;

comment on function public.order_create(text, integer, text, text) is
  'create-order: insert the caller''s order; {order_doc} or {error: ''Invalid discount code''} (the attempt is kept). Other refusals raise FF400/FF403/FF429.';

-- =============================================================================================
-- Direct updates of orders
-- =============================================================================================

-- orders_refuse_direct_update: BEFORE UPDATE on orders. An API role changes no column of an
-- order (updated_at aside, which the server stamps anyway): the first changed column, statuses
-- first, is named with the way it does change. The owner's functions and the superuser pass.
-- Named to fire before orders_keep_order_id and update_orders_updated_at.
create function public.orders_refuse_direct_update()
returns trigger
language plpgsql
security invoker
as $$
declare
  v_column text;
begin
  if public.runs_as_owner() then
    return new;
  end if;
  select n.key into v_column
    from jsonb_each(to_jsonb(new)) n
   where n.key <> 'updated_at' and n.value is distinct from (to_jsonb(old) -> n.key)
   order by case
              when n.key in ('order_status', 'payment_status', 'delivery_status', 'paid_at',
                             'delivered_at', 'needs_attention', 'attention_detail') then 1
              when n.key in ('amount', 'discount_amount', 'final_amount', 'discount_code') then 2
              else 3
            end, n.key
   limit 1;
  if v_column is null then
    return new;
  end if;
  raise exception using errcode = 'FF403', message = case
    when v_column in ('order_status', 'payment_status', 'delivery_status', 'paid_at', 'delivered_at',
                      'needs_attention', 'attention_detail') then
      format('%s changes only through payment_apply() or the audited admin functions (ffx-admin orders deliver, accept-payment, refund, clear-attention)', v_column)
    when v_column in ('amount', 'discount_amount', 'final_amount', 'discount_code') then
      format('%s is set by the database when the order is created (pricing, discount_codes) and never changes', v_column)
    when v_column in ('payment_provider', 'payment_provider_id', 'invoice_id', 'invoice_url', 'pay_currency',
                      'crypto_currency', 'crypto_amount', 'crypto_address') then
      format('%s changes only through create-crypto-payment (crypto_payment_record())', v_column)
    else format('%s cannot change once the order exists', v_column)
  end;
end
$$;

create trigger orders_guard_direct_update
  before update on public.orders
  for each row execute function public.orders_refuse_direct_update();

-- admin_order_clear_attention(order, reason): the operator has dealt with what needs_attention
-- asked for (a price checked by hand, a refund decided outside the backend): the flag goes,
-- audited with the old value. Until now an admin cleared it with a direct UPDATE, which the guard
-- above refuses. The payments' needs_review marks stay as they are: payment_apply reads them to
-- tell a paying payment from one under review. Unknown order: FF404; nothing to clear: FF409.
create function public.admin_order_clear_attention(p_order_id text, p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  o          public.orders%rowtype;
  v_reviewed jsonb;
begin
  perform public.admin_cli_check(p_reason);
  if p_reason is null then
    raise exception using errcode = 'FF400', message = 'A reason is required';
  end if;
  select * into o from public.orders x where x.order_id = p_order_id for update;
  if not found then
    raise exception using errcode = 'FF404', message = 'Order not found';
  end if;
  if o.needs_attention is null then
    raise exception using errcode = 'FF409', message = 'Order needs no attention';
  end if;

  update public.orders x set needs_attention = null, attention_detail = null where x.order_id = o.order_id;
  select coalesce(jsonb_agg(p.payment_id order by p.created_at, p.id), '[]'::jsonb) into v_reviewed
    from public.payments p where p.order_id = o.order_id and p.needs_review;

  perform public.admin_cli_audit('clear_attention', 'orders', o.order_id, p_reason,
    jsonb_build_object('needs_attention', o.needs_attention, 'attention_detail', o.attention_detail),
    jsonb_build_object('needs_attention', null, 'payments_in_review', v_reviewed));
  return jsonb_build_object('success', true, 'order_id', o.order_id, 'old_needs_attention', o.needs_attention,
                            'needs_attention', null, 'payments_in_review', v_reviewed);
end
$$;

comment on function public.admin_order_clear_attention(text, text) is
  'ffx-admin orders clear-attention: clear an order''s needs_attention with a reason, audited. Admins and service_role.';

-- =============================================================================================
-- Uses: hold, use, release
-- =============================================================================================
--
-- Locks: the order row first (held by whoever moves the order; FOR SHARE when a hold is taken
-- outside such a transaction), then the code's row (FOR UPDATE): the same order as payment_apply
-- (order, payment, ...), so no new deadlock. Under the code's lock the ledger row and the
-- counters change together.

-- discount_hold_core(order, strict): take the order's hold, idempotently. 'none': no code, or the
-- order is closed unpaid, or (not strict) no room; 'held'; 'used': already paid. strict: no room
-- raises FF400 'Invalid discount code'. Owner only.
create function public.discount_hold_core(p_order_id text, p_strict boolean)
returns text
language plpgsql
volatile
security invoker
as $$
declare
  o      public.orders%rowtype;
  d      public.discount_codes%rowtype;
  v_was  text;
  v_mine bigint;
begin
  select * into o from public.orders x where x.order_id = p_order_id for share;
  if not found or o.discount_code is null then
    return 'none';
  end if;
  if o.paid_at is not null then
    return 'used';
  end if;
  if o.order_status in ('failed', 'cancelled', 'refunded') then
    return 'none';
  end if;

  select * into d from public.discount_codes c where c.code = o.discount_code for update;
  select u.state into v_was from public.discount_code_uses u where u.order_id = o.order_id;
  if v_was in ('held', 'used') then
    return v_was;
  end if;

  select count(*) into v_mine
    from public.discount_code_uses u
   where u.code = d.code and u.user_id = o.user_id and u.state in ('held', 'used');
  if d.code is null
     or (d.max_uses is not null and d.uses + d.held >= d.max_uses)
     or (d.max_uses_per_user is not null and v_mine >= d.max_uses_per_user) then
    if p_strict then
      raise exception using errcode = 'FF400', message = 'Invalid discount code';
    end if;
    return 'none';
  end if;

  insert into public.discount_code_uses (order_id, code, user_id, state, held_at)
  values (o.order_id, d.code, o.user_id, 'held', now())
  on conflict (order_id) do update
    set code = excluded.code, state = 'held', held_at = now(), released_at = null;
  update public.discount_codes c set held = c.held + 1 where c.code = d.code;
  return 'held';
end
$$;

-- discount_hold_take(order): the hold for a payment about to be opened, checked BEFORE the
-- provider is called, so two customers cannot both open a payment for a code's last use. FF400
-- 'Invalid discount code' when the code has no room left for this order. Idempotent per order.
-- Owner only: the create-crypto-payment reservation (a SECURITY DEFINER function) calls it.
create function public.discount_hold_take(p_order_id text)
returns text
language sql
volatile
security invoker
as $$
  select public.discount_hold_core(p_order_id, true)
$$;

comment on function public.discount_hold_take(text) is
  'Take the order''s discount-code hold before a payment is opened (idempotent); FF400 Invalid discount code when the code has no room. Owner only.';

-- discount_use_consume(order): the order is paid: its hold becomes a use, or, without a hold (a
-- late payment after the hold was released, a payment nobody opened through us), a use is
-- counted anyway, flagged over_limit and audited when the code had no room. Owner only.
create function public.discount_use_consume(p_order_id text)
returns text
language plpgsql
volatile
security invoker
as $$
declare
  o      public.orders%rowtype;
  d      public.discount_codes%rowtype;
  v_was  text;
  v_mine bigint;
  v_over boolean;
begin
  select * into o from public.orders x where x.order_id = p_order_id;
  if not found or o.discount_code is null then
    return 'none';
  end if;
  select * into d from public.discount_codes c where c.code = o.discount_code for update;
  if not found then
    return 'none'; -- the code was deleted: nothing left to count
  end if;
  select u.state into v_was from public.discount_code_uses u where u.order_id = o.order_id;
  if v_was = 'used' then
    return 'used';
  end if;

  if v_was = 'held' then
    update public.discount_code_uses u set state = 'used', used_at = now() where u.order_id = o.order_id;
    update public.discount_codes c set held = c.held - 1, uses = c.uses + 1 where c.code = d.code;
    return 'used';
  end if;

  select count(*) into v_mine
    from public.discount_code_uses u
   where u.code = d.code and u.user_id = o.user_id and u.state in ('held', 'used');
  v_over := (d.max_uses is not null and d.uses + d.held >= d.max_uses)
            or (d.max_uses_per_user is not null and v_mine >= d.max_uses_per_user);
  insert into public.discount_code_uses (order_id, code, user_id, state, over_limit, used_at)
  values (o.order_id, d.code, o.user_id, 'used', v_over, now())
  on conflict (order_id) do update
    set code = excluded.code, state = 'used', over_limit = excluded.over_limit, used_at = now();
  update public.discount_codes c set uses = c.uses + 1 where c.code = d.code;

  if v_over then
    insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                        description, old_values, new_values)
    values (auth.uid(), auth.jwt() ->> 'email', 'discount_over_limit', 'discount_codes', d.code,
            format('Order %s was paid with code %s beyond its limits: honoured (the money came in)',
                   o.order_id, d.code),
            jsonb_build_object('uses', d.uses, 'held', d.held, 'max_uses', d.max_uses,
                               'customer_uses', v_mine, 'max_uses_per_user', d.max_uses_per_user),
            jsonb_build_object('order_id', o.order_id, 'user_id', o.user_id, 'uses', d.uses + 1,
                               'held', d.held));
  end if;
  return 'used';
end
$$;

-- discount_hold_release(order): give the order's hold back: the order failed or was cancelled
-- unpaid (the trigger below), or a payment about to be opened was not (the provider call failed:
-- the caller of discount_hold_take releases it). A hold that a live payment of an open order still
-- backs is kept ('held'); a use is never released. 'released' or 'none'. Owner only.
create function public.discount_hold_release(p_order_id text)
returns text
language plpgsql
volatile
security invoker
as $$
declare
  o public.orders%rowtype;
begin
  select * into o from public.orders x where x.order_id = p_order_id;
  if not found or o.discount_code is null or o.paid_at is not null then
    return 'none';
  end if;
  -- a finished payment of an unpaid order is money held for an operator's review (0015): its
  -- hold stays until the operator accepts (the use then counts) or the order closes
  if o.order_status not in ('failed', 'cancelled', 'refunded')
     and exists (select 1 from public.payments p
                  where p.order_id = o.order_id
                    and p.payment_status in ('waiting', 'confirming', 'confirmed', 'sending', 'partially_paid',
                                             'finished')) then
    return 'held';
  end if;
  perform 1 from public.discount_codes c where c.code = o.discount_code for update;
  update public.discount_code_uses u set state = 'released', released_at = now()
   where u.order_id = o.order_id and u.state = 'held';
  if not found then
    return 'none';
  end if;
  update public.discount_codes c set held = c.held - 1 where c.code = o.discount_code;
  return 'released';
end
$$;

-- discount_holds_release_stale(max_age): the reconciler's sweep. A hold older than max_age that
-- no live payment backs (taken before a provider call whose process then died) is released, so
-- a code's last use cannot stay held by an order nobody can pay. Orders another transaction
-- holds are skipped (the next pass looks again); at most 500 a call. Returns how many holds it
-- released. service_role only (FF403 otherwise).
create function public.discount_holds_release_stale(p_max_age interval)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_order_id text;
  v_count    integer := 0;
begin
  if not coalesce(auth.role() = 'service_role', false) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
  if p_max_age is null or p_max_age < interval '0' then
    raise exception 'discount_holds_release_stale: p_max_age must be a non-negative interval'
      using errcode = 'invalid_parameter_value';
  end if;
  for v_order_id in
    select u.order_id from public.discount_code_uses u
     where u.state = 'held' and u.held_at < now() - p_max_age
     order by u.held_at, u.order_id
     limit 500
  loop
    -- the order's lock serialises with payment_apply and the recording of a new payment
    perform 1 from public.orders x where x.order_id = v_order_id for update skip locked;
    continue when not found;
    if public.discount_hold_release(v_order_id) = 'released' then
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end
$$;

comment on function public.discount_holds_release_stale(interval) is
  'Reconciler: release discount-code holds older than p_max_age that no live payment backs; returns how many. service_role only.';

-- Triggers. SECURITY DEFINER: a payment may be inserted by service_role, which cannot write the
-- ledger; the orders columns they watch change only in the owner's functions (see the guard).
create function public.orders_discount_follow()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.paid_at is not null then
    perform public.discount_use_consume(new.order_id);
  else
    perform public.discount_hold_release(new.order_id);
  end if;
  return null;
end
$$;

create trigger orders_discount_paid_on_insert
  after insert on public.orders
  for each row
  when (new.discount_code is not null and new.paid_at is not null)
  execute function public.orders_discount_follow();

create trigger orders_discount_follow
  after update of paid_at, order_status on public.orders
  for each row
  when (new.discount_code is not null
        and ((old.paid_at is null and new.paid_at is not null)
             or (new.paid_at is null and new.order_status in ('failed', 'cancelled')
                 and old.order_status is distinct from new.order_status)))
  execute function public.orders_discount_follow();

-- A payment opened for an order takes the order's hold. Inside create-crypto-payment's own
-- transaction (crypto_payment_begin planned this order: ffx.crypto_payment_order) a code without
-- room refuses the payment (FF400); on every other path (an IPN of a payment we did not record)
-- the hold is taken when there is room and the payment is never refused: money may be on its way.
create function public.payments_discount_hold()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform public.discount_hold_core(
    new.order_id, current_setting('ffx.crypto_payment_order', true) is not distinct from new.order_id);
  return null;
end
$$;

create trigger payments_discount_hold
  after insert on public.payments
  for each row
  when (new.payment_status in ('waiting', 'confirming', 'confirmed', 'sending', 'partially_paid'))
  execute function public.payments_discount_hold();

-- discount_code_uses_backfill(): ledger rows for the orders that have none (paid: used; open
-- with a live payment: held), then every code's counters from the ledger. The migration runs it
-- once, which gives back the uses that unpaid orders burned; an operator may run it as a repair.
-- Returns how many ledger rows it added. Owner only.
create function public.discount_code_uses_backfill()
returns integer
language plpgsql
volatile
security invoker
as $$
declare
  v_added integer;
begin
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
  get diagnostics v_added = row_count;

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
  return v_added;
end
$$;

select public.discount_code_uses_backfill();

-- =============================================================================================
-- Privileges and row-level security
-- =============================================================================================
revoke all on table public.order_settings, public.discount_code_attempts, public.discount_code_uses
from public, anon, authenticated, service_role;
revoke all on sequence public.discount_code_attempts_id_seq from public, anon, authenticated, service_role;

-- admins (authenticated, narrowed by the policies) read all three and tune the settings; the
-- backend reads them. Nobody but the owner's functions writes the attempts and the ledger.
grant select, update on table public.order_settings to authenticated, service_role;
grant select on table public.discount_code_attempts, public.discount_code_uses to authenticated, service_role;

alter table public.order_settings         enable row level security;
alter table public.discount_code_attempts enable row level security;
alter table public.discount_code_uses     enable row level security;

create policy "Admins can manage order settings" on public.order_settings
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

create policy "Admins can view discount code attempts" on public.discount_code_attempts
  for select to authenticated
  using ((select public.is_admin()));

create policy "Admins can view discount code uses" on public.discount_code_uses
  for select to authenticated
  using ((select public.is_admin()));

revoke all on function
  public.runs_as_owner(),
  public.discount_codes_keep_counts(),
  public.order_buyer_check(uuid),
  public.order_base_price(text, integer, text),
  public.discount_code_verdict(text, uuid, numeric),
  public.discount_attempt_admit(uuid),
  public.discount_attempt_record(uuid, text, boolean),
  public.order_price_core(uuid, text, integer, text, text, boolean),
  public.order_quote(uuid, text, integer, text, text),
  public.orders_insert_defaults(public.orders),
  public.orders_apply_pricing(),
  public.order_create(text, integer, text, text),
  public.orders_refuse_direct_update(),
  public.discount_hold_core(text, boolean),
  public.discount_hold_take(text),
  public.discount_use_consume(text),
  public.discount_hold_release(text),
  public.orders_discount_follow(),
  public.payments_discount_hold(),
  public.discount_code_uses_backfill(),
  public.admin_order_clear_attention(text, text),
  public.discount_holds_release_stale(interval)
from public, anon, authenticated, service_role;

-- The triggers run as the writing role and call these (the trigger functions themselves need no
-- EXECUTE): runs_as_owner and orders_insert_defaults read nothing; order_quote checks its caller.
grant execute on function public.runs_as_owner() to anon, authenticated, service_role;
grant execute on function public.orders_insert_defaults(public.orders) to authenticated, service_role;
grant execute on function public.order_quote(uuid, text, integer, text, text) to authenticated, service_role;
-- checks is_admin() / service_role itself (admin_cli_check)
grant execute on function public.admin_order_clear_attention(text, text) to authenticated, service_role;
-- the reconciler
grant execute on function public.discount_holds_release_stale(interval) to service_role;
-- create-order, as the customer
grant execute on function public.order_create(text, integer, text, text) to authenticated;
-- everything else (the *_core, the ledger functions, discount_hold_take): owner only
