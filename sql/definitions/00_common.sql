-- 00_common: what every other definitions file uses: who is calling, and the server's clock.
--
-- Rules for every file in sql/definitions/ (scripts/migrate applies them):
--   * Each file holds the CURRENT definition of what can be re-created: functions, triggers,
--     views, policies, grants and the comments on them. Tables, columns, constraints, indexes and
--     data live in sql/migrations/. A function is defined in exactly one file.
--   * Every statement can run again: create or replace function/view/trigger, drop policy if
--     exists + create policy, revoke all + grant. scripts/migrate re-applies a file whenever its
--     sha256 differs from the one recorded in public.schema_definitions (and every file after a
--     migration ran), after the pending migrations, in file-name order, in ONE transaction.
--   * Removing something from a file does not remove it from a database: a function, trigger,
--     view or policy that is taken out (or whose signature, return type or view columns change)
--     needs a migration that drops it.
--   * No transaction control (BEGIN/COMMIT), no data changes, nothing created in schema auth
--     (triggers ON auth.users aside): the files must apply on real Supabase as `postgres`.
--   * SECURITY DEFINER functions check their caller and pin search_path = ''; every name is
--     schema-qualified. Privileges: revoke all from public, anon, authenticated, service_role,
--     then grant back exactly what each role needs (PUBLIC gets EXECUTE on a new function by
--     default, and Supabase grants the API roles everything on new objects).
--   * Business errors are SQLSTATE FF4xx with the client-facing text as the message
--     (common/db.c maps them to HTTP statuses).

-- ---------------------------------------------------------------------------------------------
-- updated_at maintenance (the triggers are in each table's file)
-- ---------------------------------------------------------------------------------------------
create or replace function public.update_updated_at_column()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- always the server's clock: a client-supplied updated_at is ignored
  new.updated_at := now();
  return new;
end
$$;
revoke all on function public.update_updated_at_column() from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Who is calling
-- ---------------------------------------------------------------------------------------------
-- ---------------------------------------------------------------------------------------------
-- Admin check: a claim set by the auth server in app_metadata (users cannot edit it), never an
-- e-mail address (ARCHITECTURE.md section 6).
-- ---------------------------------------------------------------------------------------------
create or replace function public.is_admin()
returns boolean
language sql
stable
as $$
  select coalesce((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin', false)
$$;
revoke all on function public.is_admin() from public, anon, authenticated, service_role;
grant execute on function public.is_admin() to anon, authenticated, service_role;

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
create or replace function public.runs_as_owner()
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
revoke all on function public.runs_as_owner() from public, anon, authenticated, service_role;
grant execute on function public.runs_as_owner() to anon, authenticated, service_role;

-- is_service_role(): the request runs as the backend (the verified claims' role is service_role).
-- Like is_admin(), a single expression without a SET clause, so the planner inlines it.
create or replace function public.is_service_role()
returns boolean
language sql
stable
as $$
  select coalesce(auth.role() = 'service_role', false)
$$;
comment on function public.is_service_role() is
  'True when the request''s claims carry role service_role (the backend, ffx-admin, the workers).';
revoke all on function public.is_service_role() from public, anon, authenticated, service_role;
grant execute on function public.is_service_role() to anon, authenticated, service_role;

-- The callers' guards. An entry point that only the backend may call starts with
-- `perform public.require_service_role();`, one that admins may call too with
-- `perform public.require_admin_or_service();`; both refuse with FF403 Unauthorized. SECURITY
-- INVOKER without a SET clause (they read only the claims), executable by the API roles because
-- SECURITY INVOKER entry points (the reports) call them as the caller.
create or replace function public.require_service_role()
returns void
language plpgsql
stable
as $$
begin
  if not public.is_service_role() then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
end
$$;
comment on function public.require_service_role() is
  'Guard: FF403 Unauthorized unless the caller is service_role.';
revoke all on function public.require_service_role() from public, anon, authenticated, service_role;
grant execute on function public.require_service_role() to authenticated, service_role;

create or replace function public.require_admin_or_service()
returns void
language plpgsql
stable
as $$
begin
  if not (public.is_admin() or public.is_service_role()) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
end
$$;
comment on function public.require_admin_or_service() is
  'Guard: FF403 Unauthorized unless the caller carries the admin claim or is service_role.';
revoke all on function public.require_admin_or_service() from public, anon, authenticated, service_role;
grant execute on function public.require_admin_or_service() to authenticated, service_role;

-- may_act_for(user): the caller may act for that user's orders: it is that user, an admin, or
-- service_role.
create or replace function public.may_act_for(p_user_id uuid)
returns boolean
language sql
stable
as $$
  select coalesce(auth.uid() = p_user_id, false) or public.is_admin() or public.is_service_role()
$$;
comment on function public.may_act_for(uuid) is
  'True when the caller is the user p_user_id, an admin or service_role.';
revoke all on function public.may_act_for(uuid) from public, anon, authenticated, service_role;
grant execute on function public.may_act_for(uuid) to authenticated, service_role;
