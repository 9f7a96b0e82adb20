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
--   * A function is created in schema ffx_internal unless the Data API must serve it
--     (docs/DATA_API.md; the next section).
--   * SECURITY DEFINER functions check their caller and pin search_path = ''; every name is
--     schema-qualified. Privileges: revoke all from public, anon, authenticated, service_role,
--     then grant back exactly what each role needs (PUBLIC gets EXECUTE on a new function by
--     default, and Supabase grants the API roles everything on new objects).
--   * Business errors are SQLSTATE FF4xx with the client-facing text as the message
--     (common/db.c maps them to HTTP statuses).

-- ---------------------------------------------------------------------------------------------
-- Where functions live (docs/DATA_API.md)
-- ---------------------------------------------------------------------------------------------
-- PostgREST serves schema public: a function there that an API role may EXECUTE is an RPC
-- endpoint. Only the functions the frontend calls over RPC are created in public
-- (get_available_accounts_count, order_quote); every other function is created in ffx_internal
-- (migration 0007), which PostgREST must never expose. USAGE on it goes to the roles whose
-- statements name its functions: authenticated and service_role (the C functions, ffx-admin and
-- the workers call them by name, and SECURITY INVOKER helpers such as require_service_role() name
-- others). anon names none: a policy, trigger or column default reaches its function by oid,
-- which needs EXECUTE but not USAGE.
revoke all on schema ffx_internal from public, anon, authenticated, service_role;
grant usage on schema ffx_internal to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- updated_at maintenance (the triggers are in each table's file)
-- ---------------------------------------------------------------------------------------------
create or replace function ffx_internal.update_updated_at_column()
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
revoke all on function ffx_internal.update_updated_at_column() from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Who is calling
-- ---------------------------------------------------------------------------------------------

-- is_admin(): a claim set by the auth server in app_metadata (users cannot edit it), never an
-- e-mail address (README "Deviations from the seed"). A single expression without a SET clause,
-- so the planner inlines it into the policies and queries that call it.
create or replace function ffx_internal.is_admin()
returns boolean
language sql
stable
as $$
  select coalesce((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin', false)
$$;
revoke all on function ffx_internal.is_admin() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.is_admin() to anon, authenticated, service_role;

-- runs_as_owner(): whether the current role holds the privileges of the owner of the application
-- tables: a superuser, the owner, or code running inside one of our SECURITY DEFINER functions.
-- False for anon, authenticated and service_role, the roles of the Data API and the C functions.
-- SECURITY INVOKER on purpose: it must see the caller's current_user. The triggers of 30_orders and
-- 32_discount_codes use it to bind the API roles and let our own functions through.
create or replace function ffx_internal.runs_as_owner()
returns boolean
language sql
stable
security invoker
as $$
  select pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')
    from pg_catalog.pg_class c
   where c.oid = 'public.orders'::pg_catalog.regclass
$$;

comment on function ffx_internal.runs_as_owner() is
  'True when the current role has the table owner''s privileges (superuser, owner, our SECURITY DEFINER functions); false for anon, authenticated and service_role.';
revoke all on function ffx_internal.runs_as_owner() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.runs_as_owner() to anon, authenticated, service_role;

-- is_service_role(): the request runs as the backend (the verified claims' role is service_role).
-- Like is_admin(), a single expression without a SET clause, so the planner inlines it.
create or replace function ffx_internal.is_service_role()
returns boolean
language sql
stable
as $$
  select coalesce(auth.role() = 'service_role', false)
$$;
comment on function ffx_internal.is_service_role() is
  'True when the request''s claims carry role service_role (the backend, ffx-admin, the workers).';
revoke all on function ffx_internal.is_service_role() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.is_service_role() to anon, authenticated, service_role;

-- The callers' guards. An entry point that only the backend may call starts with
-- `perform ffx_internal.require_service_role();`, one that admins may call too with
-- `perform ffx_internal.require_admin_or_service();`; both refuse with FF403 Unauthorized. SECURITY
-- INVOKER without a SET clause (they read only the claims), executable by the API roles because
-- SECURITY INVOKER entry points (the reports) call them as the caller.
create or replace function ffx_internal.require_service_role()
returns void
language plpgsql
stable
as $$
begin
  if not ffx_internal.is_service_role() then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
end
$$;
comment on function ffx_internal.require_service_role() is
  'Guard: FF403 Unauthorized unless the caller is service_role.';
revoke all on function ffx_internal.require_service_role() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.require_service_role() to authenticated, service_role;

create or replace function ffx_internal.require_admin_or_service()
returns void
language plpgsql
stable
as $$
begin
  if not (ffx_internal.is_admin() or ffx_internal.is_service_role()) then
    raise exception using errcode = 'FF403', message = 'Unauthorized';
  end if;
end
$$;
comment on function ffx_internal.require_admin_or_service() is
  'Guard: FF403 Unauthorized unless the caller carries the admin claim or is service_role.';
revoke all on function ffx_internal.require_admin_or_service() from public, anon, authenticated, service_role;
grant execute on function ffx_internal.require_admin_or_service() to authenticated, service_role;

-- may_act_for(user): the caller may act for that user's orders: it is that user, an admin, or
-- service_role.
create or replace function ffx_internal.may_act_for(p_user_id uuid)
returns boolean
language sql
stable
as $$
  select coalesce(auth.uid() = p_user_id, false) or ffx_internal.is_admin() or ffx_internal.is_service_role()
$$;
comment on function ffx_internal.may_act_for(uuid) is
  'True when the caller is the user p_user_id, an admin or service_role.';
revoke all on function ffx_internal.may_act_for(uuid) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.may_act_for(uuid) to authenticated, service_role;
