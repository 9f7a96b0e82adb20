-- 10_identity: customers' profiles and the audit log.
--
-- Every request runs as one of anon / authenticated / service_role (SET LOCAL ROLE) with the
-- verified JWT in request.jwt.claims. Privileges decide WHICH statements a role may run at all (a
-- missing grant is a 42501 before any policy runs); policies decide WHICH ROWS. An admin is an
-- `authenticated` request whose claims carry app_metadata.role = 'admin' (ffx_internal.is_admin());
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
  for each row execute function ffx_internal.update_updated_at_column();

-- Users update only harmless columns of their own row (column grant); status, totals, e-mail and
-- signup data change through service_role or admin_set_account_status().
revoke all on table public.user_profiles from public, anon, authenticated, service_role;
grant select, insert, delete on table public.user_profiles to authenticated;
grant update (first_name, last_name, phone, country, marketing_consent) on table public.user_profiles to authenticated;
-- service_role reads only: handle_new_user(), erase_customer() and admin_set_account_status()
-- (run as the owner) write it
grant select on table public.user_profiles to service_role;

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
  using ((select ffx_internal.is_admin()))
  with check ((select ffx_internal.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Profile creation on sign-up (trigger on auth.users, which Supabase permits).
-- ---------------------------------------------------------------------------------------------

-- SECURITY DEFINER: it runs as the auth server's role on Supabase, which has no rights on public.
-- Metadata is user-controlled (user_metadata at sign-up): values are truncated to the column
-- limits and marketing_consent is parsed leniently so odd input can never make sign-up fail.
-- Unlike the seed, no password is read or stored.
create or replace function ffx_internal.handle_new_user()
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
revoke all on function ffx_internal.handle_new_user() from public, anon, authenticated, service_role;

create or replace trigger on_auth_user_created
  after insert on auth.users
  for each row execute function ffx_internal.handle_new_user();

-- customer_is_active(user): the customer's profile is neither banned nor suspended (no profile:
-- active, as Supabase creates it by trigger and older users may lack one). No user (NULL: the
-- customer was deleted, see erase_customer below): not active, so money arriving later for one of
-- their orders is held for an operator (customer_blocked) instead of delivering to nobody.
-- Owner only.
create or replace function ffx_internal.customer_is_active(p_user_id uuid)
returns boolean
language sql
stable
security invoker
set search_path = ''
as $$
  select p_user_id is not null
         and coalesce((select p.account_status = 'active' from public.user_profiles p where p.id = p_user_id), true)
$$;
revoke all on function ffx_internal.customer_is_active(uuid) from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Admin: change a customer's account_status. Admin requests run as `authenticated`, whose UPDATE
-- on user_profiles is limited to harmless columns (above); this is the audited path for the rest.
-- ---------------------------------------------------------------------------------------------
create or replace function ffx_internal.admin_set_account_status(p_user_id uuid, p_status text, p_reason text default null)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  old_status text;
begin
  if not ffx_internal.is_admin() then
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
revoke all on function ffx_internal.admin_set_account_status(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function ffx_internal.admin_set_account_status(uuid, text, text) to authenticated;

-- =============================================================================================
-- admin_audit_log: append-only, for every role including superusers and the table owner.
-- (Only disabling the triggers, an owner-level DDL act, gets around this.)
-- =============================================================================================
--
-- One exception: erase_customer() (below) redacts a deleted customer's e-mail and names from the
-- entries that hold them. It runs as the owner with ffx.erasing_user set to a user that is being
-- erased (still in auth.users, inside the same transaction), and it may change only the text
-- (admin_email, description, old_values, new_values): which entry, whose act and when stay.
create or replace function ffx_internal.admin_audit_log_refuse_change()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_erasing text := nullif(pg_catalog.current_setting('ffx.erasing_user', true), '');
begin
  if tg_op = 'UPDATE' and v_erasing is not null then
    if exists (select 1 from auth.users u where u.id::text = v_erasing)
       and (new.id, new.admin_id, new.action_type, new.table_name, new.record_id, new.created_at)
           is not distinct from (old.id, old.admin_id, old.action_type, old.table_name, old.record_id, old.created_at) then
      return new;
    end if;
  end if;
  raise exception 'admin_audit_log is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end
$$;
revoke all on function ffx_internal.admin_audit_log_refuse_change() from public, anon, authenticated, service_role;

create or replace trigger admin_audit_log_no_update_delete
  before update or delete on public.admin_audit_log
  for each row execute function ffx_internal.admin_audit_log_refuse_change();

create or replace trigger admin_audit_log_no_truncate
  before truncate on public.admin_audit_log
  for each statement execute function ffx_internal.admin_audit_log_refuse_change();

-- The log's clock is the server's: an inserted created_at is replaced.
create or replace function ffx_internal.admin_audit_log_stamp()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.created_at := now();
  return new;
end
$$;
revoke all on function ffx_internal.admin_audit_log_stamp() from public, anon, authenticated, service_role;

create or replace trigger admin_audit_log_stamp
  before insert on public.admin_audit_log
  for each row execute function ffx_internal.admin_audit_log_stamp();

-- Append and read only, for everyone. No UPDATE/DELETE/TRUNCATE grant exists anywhere.
revoke all on table public.admin_audit_log from public, anon, authenticated, service_role;
revoke all on sequence public.admin_audit_log_id_seq from public, anon, authenticated, service_role;
grant select, insert on table public.admin_audit_log to authenticated;
-- service_role reads only (ffx-admin audit): the admin_* functions append as the owner
grant select on table public.admin_audit_log to service_role;

drop policy if exists "Admins can view audit log" on public.admin_audit_log;
create policy "Admins can view audit log" on public.admin_audit_log
  for select to authenticated
  using ((select ffx_internal.is_admin()));

drop policy if exists "Admins can append to audit log as themselves" on public.admin_audit_log;
create policy "Admins can append to audit log as themselves" on public.admin_audit_log
  for insert to authenticated
  with check ((select ffx_internal.is_admin()) and admin_id = (select auth.uid()));

-- =============================================================================================
-- A customer leaves (docs/ARCHITECTURE.md, "When a customer leaves")
-- =============================================================================================
-- Supabase Auth (role supabase_auth_admin) deletes the auth.users row (dashboard, admin API) or,
-- for a "soft delete", sets deleted_at and rewrites the e-mail. Either way, in the same
-- transaction: the financial records stay (orders, payments, payment_transactions,
-- delivered_accounts with their credentials and inventory row, the outbox rows, the audit log),
-- lose their user (user_id NULL: only admins and service_role see them), and the personal data
-- goes: the profile is deleted; the e-mail and names are redacted from the text of the rows that
-- stay; e-mails not yet sent are cancelled; every outbox row loses its recipient and variables
-- (names, credentials). One audit entry user_erased records the user id and the counts, never the
-- e-mail.

-- redact_text(text, e-mails, names): every occurrence of each e-mail (anywhere, any case) and of
-- each name (as a whole word, any case) replaced by [erased]. Terms are matched literally.
create or replace function ffx_internal.redact_text(p_text text, p_emails text[], p_names text[])
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_text text := p_text;
  v_term text;
begin
  if v_text is null then
    return null;
  end if;
  foreach v_term in array coalesce(p_emails, '{}'::text[]) loop
    continue when coalesce(v_term, '') = '';
    v_text := pg_catalog.regexp_replace(v_text,
                pg_catalog.regexp_replace(v_term, '([^[:alnum:][:space:]])', '\\\1', 'g'), '[erased]', 'gi');
  end loop;
  foreach v_term in array coalesce(p_names, '{}'::text[]) loop
    continue when coalesce(v_term, '') = '';
    v_text := pg_catalog.regexp_replace(v_text,
                '\m' || pg_catalog.regexp_replace(v_term, '([^[:alnum:][:space:]])', '\\\1', 'g') || '\M',
                '[erased]', 'gi');
  end loop;
  return v_text;
end
$$;
revoke all on function ffx_internal.redact_text(text, text[], text[]) from public, anon, authenticated, service_role;

-- redact_jsonb(json, e-mails, names): redact_text applied to every string and key, at any depth;
-- numbers, booleans and the structure are untouched.
create or replace function ffx_internal.redact_jsonb(p_json jsonb, p_emails text[], p_names text[])
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  case pg_catalog.jsonb_typeof(p_json)
    when 'object' then
      return (select coalesce(pg_catalog.jsonb_object_agg(ffx_internal.redact_text(e.key, p_emails, p_names),
                                                         ffx_internal.redact_jsonb(e.value, p_emails, p_names)),
                              '{}'::jsonb)
                from pg_catalog.jsonb_each(p_json) e);
    when 'array' then
      return (select coalesce(pg_catalog.jsonb_agg(ffx_internal.redact_jsonb(e.value, p_emails, p_names) order by e.n),
                              '[]'::jsonb)
                from pg_catalog.jsonb_array_elements(p_json) with ordinality e (value, n));
    when 'string' then
      return pg_catalog.to_jsonb(ffx_internal.redact_text(p_json #>> '{}', p_emails, p_names));
    else
      return p_json;
  end case;
end
$$;
revoke all on function ffx_internal.redact_jsonb(jsonb, text[], text[]) from public, anon, authenticated, service_role;

-- erase_customer(user, auth e-mail): the erasure itself, called by the auth.users triggers below
-- while the auth.users row still exists. Children before orders: the composite (order_id,
-- user_id) keys of payments, payment_transactions and delivered_accounts must never name an order
-- row's old user. Names are redacted only where people write free text (the audit log, error
-- texts); provider JSON never carries names (the order description is built from the product:
-- 40_checkout), only e-mail addresses are looked for there. Returns the counts. Owner only.
create or replace function ffx_internal.erase_customer(p_user_id uuid, p_auth_email text)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_emails  text[];
  v_names   text[];
  v_orders  text[];
  v_role    text := coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user::text);
  v_actor   text := auth.jwt() ->> 'email';
  n_orders int; n_payments int; n_transactions int; n_deliveries int; n_outbox_kept int;
  n_outbox_cancelled int; n_outbox_scrubbed int; n_audit int; n_ipn int; n_reservations int;
  n_attempts int; n_debug int; n_profile int;
  v_counts  jsonb;
begin
  select array_remove(array[nullif(btrim(p_auth_email), ''), nullif(btrim(p.email), '')], null),
         array_remove(array[nullif(btrim(p.first_name), ''), nullif(btrim(p.last_name), '')], null)
    into v_emails, v_names
    from (select 1) one
    left join public.user_profiles p on p.id = p_user_id;
  select coalesce(array_agg(o.order_id), '{}'::text[]) into v_orders
    from public.orders o where o.user_id = p_user_id;

  -- lets exactly this erasure redact the audit log (admin_audit_log_refuse_change)
  perform pg_catalog.set_config('ffx.erasing_user', p_user_id::text, true);

  -- e-mails: the unsent ones are cancelled for good (no recipient: outbox_requeue refuses them),
  -- every one loses its recipient and variables
  update public.email_outbox e
     set status = 'failed', locked_until = null, last_error = 'cancelled: the recipient was erased'
   where (e.order_id = any (v_orders) or lower(e.to_email) = any (select lower(m) from unnest(v_emails) m))
     and e.status in ('pending', 'sending');
  get diagnostics n_outbox_cancelled = row_count;
  update public.email_outbox e
     set to_email = '', variables = '{}'::jsonb, last_error = ffx_internal.redact_text(e.last_error, v_emails, v_names)
   where (e.order_id = any (v_orders) or lower(e.to_email) = any (select lower(m) from unnest(v_emails) m))
     and (e.to_email <> '' or e.variables <> '{}'::jsonb
          or e.last_error is distinct from ffx_internal.redact_text(e.last_error, v_emails, v_names));
  get diagnostics n_outbox_scrubbed = row_count;
  select count(*) into n_outbox_kept from public.email_outbox e where e.order_id = any (v_orders);

  update public.delivered_accounts d set user_id = null where d.user_id = p_user_id;
  get diagnostics n_deliveries = row_count;
  update public.payments pm
     set user_id = null, raw = ffx_internal.redact_jsonb(pm.raw, v_emails, null)
   where pm.user_id = p_user_id;
  get diagnostics n_payments = row_count;
  update public.payment_transactions t
     set user_id = null, provider_response = ffx_internal.redact_jsonb(t.provider_response, v_emails, null)
   where t.user_id = p_user_id;
  get diagnostics n_transactions = row_count;
  update public.orders o
     set user_id = null, attention_detail = ffx_internal.redact_jsonb(o.attention_detail, v_emails, null)
   where o.user_id = p_user_id;
  get diagnostics n_orders = row_count;

  update public.ipn_events i
     set payload = ffx_internal.redact_jsonb(i.payload, v_emails, null),
         last_error = ffx_internal.redact_text(i.last_error, v_emails, v_names)
   where (i.order_id = any (v_orders) or i.matched_order_id = any (v_orders))
     and (i.payload is distinct from ffx_internal.redact_jsonb(i.payload, v_emails, null)
          or i.last_error is distinct from ffx_internal.redact_text(i.last_error, v_emails, v_names));
  get diagnostics n_ipn = row_count;

  update public.payment_reservations r
     set actor_email = null
   where r.actor_email is not null
     and (r.actor_id = p_user_id or lower(r.actor_email) = any (select lower(m) from unnest(v_emails) m));
  get diagnostics n_reservations = row_count;

  -- the entries about the user, by the user, or quoting the e-mail
  update public.admin_audit_log a
     set admin_email = ffx_internal.redact_text(a.admin_email, v_emails, v_names),
         description = ffx_internal.redact_text(a.description, v_emails, v_names),
         old_values  = ffx_internal.redact_jsonb(a.old_values, v_emails, v_names),
         new_values  = ffx_internal.redact_jsonb(a.new_values, v_emails, v_names)
   where (a.admin_id = p_user_id or a.record_id = p_user_id::text or a.record_id = any (v_orders)
          or exists (select 1 from unnest(v_emails) m where strpos(lower(a::text), lower(m)) > 0))
     and (a.admin_email is distinct from ffx_internal.redact_text(a.admin_email, v_emails, v_names)
          or a.description is distinct from ffx_internal.redact_text(a.description, v_emails, v_names)
          or a.old_values is distinct from ffx_internal.redact_jsonb(a.old_values, v_emails, v_names)
          or a.new_values is distinct from ffx_internal.redact_jsonb(a.new_values, v_emails, v_names));
  get diagnostics n_audit = row_count;

  -- not records: the discount rate limit's memory and raw debug requests quoting the e-mail
  delete from public.discount_code_attempts a where a.user_id = p_user_id;
  get diagnostics n_attempts = row_count;
  delete from public.webhook_debug_log w
   where exists (select 1 from unnest(v_emails) m
                  where strpos(lower(concat_ws(' ', w.path, w.query, w.headers::text, w.client_addr)), lower(m)) > 0
                     or position(convert_to(m, 'UTF8') in coalesce(w.body, ''::bytea)) > 0);
  get diagnostics n_debug = row_count;

  delete from public.user_profiles p where p.id = p_user_id;
  get diagnostics n_profile = row_count;

  v_counts := jsonb_build_object(
    'kept', jsonb_build_object('orders', n_orders, 'payments', n_payments,
                               'payment_transactions', n_transactions, 'delivered_accounts', n_deliveries,
                               'email_outbox', n_outbox_kept),
    'scrubbed', jsonb_build_object('email_outbox', n_outbox_scrubbed, 'admin_audit_log', n_audit,
                                   'ipn_events', n_ipn, 'payment_reservations', n_reservations),
    'cancelled', jsonb_build_object('email_outbox', n_outbox_cancelled),
    'removed', jsonb_build_object('user_profiles', n_profile, 'discount_code_attempts', n_attempts,
                                  'webhook_debug_log', n_debug),
    'by', v_role);

  insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id,
                                      description, new_values)
  values (nullif(auth.uid(), p_user_id),
          case when lower(v_actor) = any (select lower(m) from unnest(v_emails) m) then null else v_actor end,
          'user_erased', 'auth.users', p_user_id::text,
          'customer deleted from auth: personal data erased, financial records kept',
          v_counts);

  perform pg_catalog.set_config('ffx.erasing_user', '', true);
  return v_counts;
end
$$;
comment on function ffx_internal.erase_customer(uuid, text) is
  'A customer leaves: financial rows kept without their user, personal data erased, audited as user_erased (called by the auth.users triggers; owner only).';
revoke all on function ffx_internal.erase_customer(uuid, text) from public, anon, authenticated, service_role;

-- SECURITY DEFINER: they run as Supabase Auth's role, which has no rights on public (like
-- handle_new_user above). They check no caller: only a change of auth.users fires them.
create or replace function ffx_internal.handle_user_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform ffx_internal.erase_customer(old.id, old.email);
  return old;
end
$$;
revoke all on function ffx_internal.handle_user_deleted() from public, anon, authenticated, service_role;

create or replace trigger on_auth_user_deleted
  before delete on auth.users
  for each row execute function ffx_internal.handle_user_deleted();

create or replace function ffx_internal.handle_user_soft_deleted()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform ffx_internal.erase_customer(new.id, old.email);
  return null;
end
$$;
revoke all on function ffx_internal.handle_user_soft_deleted() from public, anon, authenticated, service_role;

create or replace trigger on_auth_user_soft_deleted
  after update of deleted_at on auth.users
  for each row
  when (old.deleted_at is null and new.deleted_at is not null)
  execute function ffx_internal.handle_user_soft_deleted();

-- An e-mail change in Auth reaches the profile (and nothing else does): NULL (a phone-only user)
-- is copied as NULL.
create or replace function ffx_internal.handle_user_email_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.user_profiles p set email = new.email where p.id = new.id and p.email is distinct from new.email;
  return null;
end
$$;
revoke all on function ffx_internal.handle_user_email_changed() from public, anon, authenticated, service_role;

create or replace trigger on_auth_user_email_changed
  after update of email on auth.users
  for each row
  when (old.email is distinct from new.email)
  execute function ffx_internal.handle_user_email_changed();
