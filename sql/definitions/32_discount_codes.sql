-- 32_discount_codes: codes that cannot be burned, and a rate limit on guessing them.
--
-- A use counts when the order is PAID (orders.paid_at set, by whichever path), or is HELD while a
-- payment of the order is open, and the hold is RELEASED when the order fails or is cancelled
-- unpaid. discount_code_uses is the ledger (one row per order with a code); discount_codes.uses
-- (paid) and .held (open payments) count it under the code's row lock. max_uses bounds uses +
-- held, max_uses_per_user bounds one customer's uses + holds. An order is accepted when the code
-- would still have room at that moment, but nothing is taken then: the hold is taken when a
-- payment is opened (discount_hold_take, called by create-crypto-payment's reservation step
-- before NOWPayments is asked; FF400 'Invalid discount code' when there is no room). A payment
-- that reaches us some other way (an IPN of a payment we did not record) takes the hold through
-- the AFTER INSERT trigger on payments, without ever being refused. A hold that no live payment
-- backs is given back by discount_hold_release (a failed provider call) or, after
-- FFX_RECONCILE_EXPIRY_MINUTES, by the reconciler (discount_holds_release_stale). A payment that
-- pays an order whose hold was released (a late payment after expiry) is honoured and counted
-- even beyond max_uses, and audited ('discount_over_limit').
--
-- Guessing is rate-limited: every insert carrying a code counts as an attempt of its buyer, right
-- or wrong, and beyond order_settings.discount_attempts_per_hour attempts in the last hour the
-- insert fails with FF429 'Too many discount code attempts'. A failed INSERT would roll back the
-- attempt it recorded, so a refused code does not raise: the BEFORE INSERT trigger records the
-- attempt and skips the row (the statement succeeds with 0 rows; through PostgREST an empty
-- result). create-order calls order_create(), which turns the skipped row into its 400 'Invalid
-- discount code'. Wrong, expired, inactive, not yet valid and used-up codes all take the same
-- path and give the same answer.
--
-- discount_codes.uses and .held are the database's count, not an admin's to edit.

-- =============================================================================================
-- discount_codes: codes are stored upper-case; admin-only (customers never read the list)
-- =============================================================================================
create or replace trigger update_discount_codes_updated_at
  before update on public.discount_codes
  for each row execute function ffx_internal.update_updated_at_column();

create or replace function ffx_internal.discount_codes_normalize_code()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.code := upper(btrim(new.code));
  return new;
end
$$;
revoke all on function ffx_internal.discount_codes_normalize_code() from public, anon, authenticated, service_role;

create or replace trigger discount_codes_normalize_code
  before insert or update of code on public.discount_codes
  for each row execute function ffx_internal.discount_codes_normalize_code();

-- The counters are the ledger's: through the API (an admin, service_role) they cannot be set.
create or replace function ffx_internal.discount_codes_keep_counts()
returns trigger
language plpgsql
security invoker
as $$
begin
  if ffx_internal.runs_as_owner() then
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
revoke all on function ffx_internal.discount_codes_keep_counts() from public, anon, authenticated, service_role;

create or replace trigger discount_codes_keep_counts
  before insert or update on public.discount_codes
  for each row execute function ffx_internal.discount_codes_keep_counts();

revoke all on table public.discount_codes from public, anon, authenticated, service_role;
grant select, insert, update, delete on table public.discount_codes to authenticated;
-- service_role reads only: the backend never writes it directly (docs/DATA_API.md)
grant select on table public.discount_codes to service_role;

-- no policy for customers: they see no code and change none
drop policy if exists "Admins can manage discount codes" on public.discount_codes;
create policy "Admins can manage discount codes" on public.discount_codes
  for all to authenticated
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- =============================================================================================
-- The ledger and the attempts: admins (authenticated, narrowed by the policies) and the backend
-- read them; nobody but the owner's functions writes them
-- =============================================================================================
create or replace trigger update_discount_code_uses_updated_at
  before update on public.discount_code_uses
  for each row execute function ffx_internal.update_updated_at_column();

revoke all on table public.discount_code_attempts, public.discount_code_uses
from public, anon, authenticated, service_role;
revoke all on sequence public.discount_code_attempts_id_seq from public, anon, authenticated, service_role;
grant select on table public.discount_code_attempts, public.discount_code_uses to authenticated, service_role;

drop policy if exists "Admins can view discount code attempts" on public.discount_code_attempts;
create policy "Admins can view discount code attempts" on public.discount_code_attempts
  for select to authenticated
  using ((select ffx_internal.is_admin()));

drop policy if exists "Admins can view discount code uses" on public.discount_code_uses;
create policy "Admins can view discount code uses" on public.discount_code_uses
  for select to authenticated
  using ((select ffx_internal.is_admin()));

-- =============================================================================================
-- Checking a code when an order is created
-- =============================================================================================
-- discount_code_verdict(code, user, price): the discount and whether the code may be used now by
-- this customer. ONE statement whatever the code is (unknown, inactive, outside its window, no
-- room left, or good): a wrong guess costs what an expired code costs, so timing tells nothing.
create or replace function ffx_internal.discount_code_verdict(p_code text, p_user_id uuid, p_price numeric,
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
revoke all on function ffx_internal.discount_code_verdict(text, uuid, numeric) from public, anon, authenticated, service_role;

-- discount_attempt_admit(user): FF429 when the customer made discount_attempts_per_hour code
-- attempts in the last hour. Attempts of one customer are serialised (advisory lock until the
-- end of the transaction) so that concurrent requests cannot all slip under the limit. A refused
-- attempt is not recorded: it tested no code.
create or replace function ffx_internal.discount_attempt_admit(p_user_id uuid)
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
revoke all on function ffx_internal.discount_attempt_admit(uuid) from public, anon, authenticated, service_role;

-- discount_attempt_record(user, code, accepted): remember the attempt; forget this customer's
-- attempts older than a day (the window is an hour; a day leaves room for an investigation).
create or replace function ffx_internal.discount_attempt_record(p_user_id uuid, p_code text, p_accepted boolean)
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
revoke all on function ffx_internal.discount_attempt_record(uuid, text, boolean) from public, anon, authenticated, service_role;

-- =============================================================================================
-- Uses: hold, use, release
-- =============================================================================================
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
create or replace function ffx_internal.discount_hold_core(p_order_id text, p_strict boolean)
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
revoke all on function ffx_internal.discount_hold_core(text, boolean) from public, anon, authenticated, service_role;

-- discount_hold_take(order): the hold for a payment about to be opened, checked BEFORE the
-- provider is called, so two customers cannot both open a payment for a code's last use. FF400
-- 'Invalid discount code' when the code has no room left for this order. Idempotent per order.
-- Owner only: the create-crypto-payment reservation (a SECURITY DEFINER function) calls it.
create or replace function ffx_internal.discount_hold_take(p_order_id text)
returns text
language sql
volatile
security invoker
as $$
  select ffx_internal.discount_hold_core(p_order_id, true)
$$;

comment on function ffx_internal.discount_hold_take(text) is
  'Take the order''s discount-code hold before a payment is opened (idempotent); FF400 Invalid discount code when the code has no room. Owner only.';
revoke all on function ffx_internal.discount_hold_take(text) from public, anon, authenticated, service_role;

-- discount_use_consume(order): the order is paid: its hold becomes a use, or, without a hold (a
-- late payment after the hold was released, a payment nobody opened through us), a use is
-- counted anyway, flagged over_limit and audited when the code had no room. Owner only.
create or replace function ffx_internal.discount_use_consume(p_order_id text)
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
revoke all on function ffx_internal.discount_use_consume(text) from public, anon, authenticated, service_role;

-- discount_hold_release(order): give the order's hold back: the order failed or was cancelled
-- unpaid (the trigger below), or a payment about to be opened was not (the provider call failed:
-- the caller of discount_hold_take releases it). A hold that a live payment of an open order still
-- backs is kept ('held'); a use is never released. 'released' or 'none'. Owner only.
create or replace function ffx_internal.discount_hold_release(p_order_id text)
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
  -- a finished payment of an unpaid order is money held for an operator's review (50_payments): its
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
revoke all on function ffx_internal.discount_hold_release(text) from public, anon, authenticated, service_role;

-- discount_holds_release_stale(max_age): the reconciler's sweep. A hold older than max_age that
-- no live payment backs (taken before a provider call whose process then died) is released, so
-- a code's last use cannot stay held by an order nobody can pay. Orders another transaction
-- holds are skipped (the next pass looks again); at most 500 a call. Returns how many holds it
-- released. service_role only (FF403 otherwise).
create or replace function ffx_internal.discount_holds_release_stale(p_max_age interval)
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
  perform ffx_internal.require_service_role();
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
    if ffx_internal.discount_hold_release(v_order_id) = 'released' then
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end
$$;

comment on function ffx_internal.discount_holds_release_stale(interval) is
  'Reconciler: release discount-code holds older than p_max_age that no live payment backs; returns how many. service_role only.';
revoke all on function ffx_internal.discount_holds_release_stale(interval) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.discount_holds_release_stale(interval) to service_role;

-- Triggers. SECURITY DEFINER: the ledger is written as its owner whoever fires the trigger (an
-- order inserted by a customer or by the service key); the orders columns they watch change only
-- in the owner's functions (see the guard).
create or replace function ffx_internal.orders_discount_follow()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.paid_at is not null then
    perform ffx_internal.discount_use_consume(new.order_id);
  else
    perform ffx_internal.discount_hold_release(new.order_id);
  end if;
  return null;
end
$$;
revoke all on function ffx_internal.orders_discount_follow() from public, anon, authenticated, service_role;

create or replace trigger orders_discount_paid_on_insert
  after insert on public.orders
  for each row
  when (new.discount_code is not null and new.paid_at is not null)
  execute function ffx_internal.orders_discount_follow();

create or replace trigger orders_discount_follow
  after update of paid_at, order_status on public.orders
  for each row
  when (new.discount_code is not null
        and ((old.paid_at is null and new.paid_at is not null)
             or (new.paid_at is null and new.order_status in ('failed', 'cancelled')
                 and old.order_status is distinct from new.order_status)))
  execute function ffx_internal.orders_discount_follow();

-- A payment recorded for an order takes the order's hold when there is room, and is never
-- refused: money may be on its way (an IPN of a payment we did not record). create-crypto-payment
-- has already taken the hold, strictly, in its reservation step (discount_hold_take, before
-- NOWPayments is asked), so for its payments this finds the hold in place.
create or replace function ffx_internal.payments_discount_hold()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform ffx_internal.discount_hold_core(new.order_id, false);
  return null;
end
$$;
revoke all on function ffx_internal.payments_discount_hold() from public, anon, authenticated, service_role;

create or replace trigger payments_discount_hold
  after insert on public.payments
  for each row
  when (new.payment_status in ('waiting', 'confirming', 'confirmed', 'sending', 'partially_paid'))
  execute function ffx_internal.payments_discount_hold();

-- discount_code_uses_backfill(): ledger rows for the orders that have none (paid: used; open
-- with a live payment: held), then every code's counters from the ledger. The migration runs it
-- once, which gives back the uses that unpaid orders burned; an operator may run it as a repair.
-- Returns how many ledger rows it added. Owner only.
create or replace function ffx_internal.discount_code_uses_backfill()
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
revoke all on function ffx_internal.discount_code_uses_backfill() from public, anon, authenticated, service_role;
