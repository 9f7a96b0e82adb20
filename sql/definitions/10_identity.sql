-- 10_identity: customers' profiles and the audit log.
--
-- Every request runs as one of anon / authenticated / service_role (SET LOCAL ROLE) with the
-- verified JWT in request.jwt.claims. Privileges decide WHICH statements a role may run at all (a
-- missing grant is a 42501 before any policy runs); policies decide WHICH ROWS. An admin is an
-- `authenticated` request whose claims carry app_metadata.role = 'admin' (public.is_admin());
-- admins get policies for everything, so `authenticated` holds the DML privileges and the
-- policies narrow ordinary users down to their own rows. service_role has BYPASSRLS: its
-- privileges alone decide what it may do. Row-level security is on for every table (enabled in
-- the migration that creates it).
--
-- auth.uid() and is_admin() are wrapped in (select ...) in policies so the planner evaluates them
-- once per statement instead of once per row (Supabase's documented RLS performance idiom).

-- =============================================================================================
-- user_profiles
-- =============================================================================================
create or replace trigger update_user_profiles_updated_at
  before update on public.user_profiles
  for each row execute function public.update_updated_at_column();

-- Users update only harmless columns of their own row (column grant); status, totals, e-mail and
-- signup data change through service_role or admin_set_account_status().
revoke all on table public.user_profiles from public, anon, authenticated, service_role;
grant select, insert, delete on table public.user_profiles to authenticated;
grant update (first_name, last_name, phone, country, marketing_consent) on table public.user_profiles to authenticated;
grant select, insert, update, delete on table public.user_profiles to service_role;

drop policy if exists "Users can view own profile" on public.user_profiles;
create policy "Users can view own profile" on public.user_profiles
  for select to authenticated
  using ((select auth.uid()) = id);

drop policy if exists "Users can update own profile" on public.user_profiles;
create policy "Users can update own profile" on public.user_profiles
  for update to authenticated
  using ((select auth.uid()) = id)
  with check ((select auth.uid()) = id);

drop policy if exists "Admins can manage all profiles" on public.user_profiles;
create policy "Admins can manage all profiles" on public.user_profiles
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Profile creation on sign-up (trigger on auth.users, which Supabase permits).
-- ---------------------------------------------------------------------------------------------

-- SECURITY DEFINER: it runs as the auth server's role on Supabase, which has no rights on public.
-- Metadata is user-controlled (user_metadata at sign-up): values are truncated to the column
-- limits and marketing_consent is parsed leniently so odd input can never make sign-up fail.
-- Unlike the seed, no password is read or stored.
create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  meta jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
begin
  insert into public.user_profiles (id, email, first_name, last_name, phone, country, marketing_consent)
  values (
    new.id,
    new.email,
    left(coalesce(meta ->> 'first_name', ''), 100),
    left(coalesce(meta ->> 'last_name', ''), 100),
    nullif(left(coalesce(meta ->> 'phone', ''), 50), ''),
    nullif(left(coalesce(meta ->> 'country', ''), 100), ''),
    lower(coalesce(meta ->> 'marketing_consent', '')) in ('true', 't', 'yes', 'y', 'on', '1')
  )
  on conflict (id) do nothing;
  return new;
end
$$;
revoke all on function public.handle_new_user() from public, anon, authenticated, service_role;

create or replace trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();

-- customer_is_active(user): the customer's profile is neither banned nor suspended (no profile:
-- active, as Supabase creates it by trigger and older users may lack one). Owner only.
create or replace function public.customer_is_active(p_user_id uuid)
returns boolean
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce((select p.account_status = 'active' from public.user_profiles p where p.id = p_user_id), true)
$$;
revoke all on function public.customer_is_active(uuid) from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Admin: change a customer's account_status. Admin requests run as `authenticated`, whose UPDATE
-- on user_profiles is limited to harmless columns (above); this is the audited path for the rest.
-- ---------------------------------------------------------------------------------------------
create or replace function public.admin_set_account_status(p_user_id uuid, p_status text, p_reason text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  old_status text;
begin
  if not public.is_admin() then
    raise exception 'admin only' using errcode = 'insufficient_privilege';
  end if;

  select p.account_status into old_status
    from public.user_profiles p
   where p.id = p_user_id
   for update;
  if not found then
    raise exception 'user profile % not found', p_user_id using errcode = 'no_data_found';
  end if;

  update public.user_profiles set account_status = p_status where id = p_user_id;

  insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                      description, old_values, new_values)
  values (auth.uid(), auth.jwt() ->> 'email', 'update_account_status', 'user_profiles', p_user_id::text,
          p_reason,
          jsonb_build_object('account_status', old_status),
          jsonb_build_object('account_status', p_status));
end
$$;
revoke all on function public.admin_set_account_status(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.admin_set_account_status(uuid, text, text) to authenticated;

-- =============================================================================================
-- admin_audit_log: append-only, for every role including superusers and the table owner.
-- (Only disabling the triggers, an owner-level DDL act, gets around this.)
-- =============================================================================================
create or replace function public.admin_audit_log_refuse_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'admin_audit_log is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end
$$;
revoke all on function public.admin_audit_log_refuse_change() from public, anon, authenticated, service_role;

create or replace trigger admin_audit_log_no_update_delete
  before update or delete on public.admin_audit_log
  for each row execute function public.admin_audit_log_refuse_change();

create or replace trigger admin_audit_log_no_truncate
  before truncate on public.admin_audit_log
  for each statement execute function public.admin_audit_log_refuse_change();

-- The log's clock is the server's: an inserted created_at is replaced.
create or replace function public.admin_audit_log_stamp()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.created_at := now();
  return new;
end
$$;
revoke all on function public.admin_audit_log_stamp() from public, anon, authenticated, service_role;

create or replace trigger admin_audit_log_stamp
  before insert on public.admin_audit_log
  for each row execute function public.admin_audit_log_stamp();

-- Append and read only, for everyone. No UPDATE/DELETE/TRUNCATE grant exists anywhere.
revoke all on table public.admin_audit_log from public, anon, authenticated, service_role;
revoke all on sequence public.admin_audit_log_id_seq from public, anon, authenticated, service_role;
grant select, insert on table public.admin_audit_log to authenticated, service_role;

drop policy if exists "Admins can view audit log" on public.admin_audit_log;
create policy "Admins can view audit log" on public.admin_audit_log
  for select to authenticated
  using ((select public.is_admin()));

drop policy if exists "Admins can append to audit log as themselves" on public.admin_audit_log;
create policy "Admins can append to audit log as themselves" on public.admin_audit_log
  for insert to authenticated
  with check ((select public.is_admin()) and admin_id = (select auth.uid()));
