-- 0003_rls: privileges and row-level security.
--
-- Model (shared/reference/supabase.md sections 3.2, 3.4, 4.3):
--   * every request runs as one of anon / authenticated / service_role (SET LOCAL ROLE) with the
--     verified JWT in request.jwt.claims;
--   * privileges decide WHICH statements a role may run at all (a missing grant is a 42501 before
--     any policy runs); policies decide WHICH ROWS. Supabase grants everything on new public tables
--     and functions to all three roles by default, so we revoke all and grant back only what each
--     role needs;
--   * an admin is an `authenticated` request whose claims carry app_metadata.role = 'admin'
--     (public.is_admin()); admins get policies for everything, so `authenticated` holds the DML
--     privileges and the policies narrow ordinary users down to their own rows;
--   * service_role has BYPASSRLS: its privileges alone decide what it may do.
--
-- auth.uid() and is_admin() are wrapped in (select ...) so the planner evaluates them once per
-- statement instead of once per row (Supabase's documented RLS performance idiom).

-- ---------------------------------------------------------------------------------------------
-- Table privileges
-- ---------------------------------------------------------------------------------------------
revoke all on table
  public.user_profiles, public.orders, public.trading_rules, public.account_container,
  public.delivered_accounts, public.payment_transactions, public.admin_audit_log,
  public.crypto_addresses, public.email_templates, public.webhook_debug_log
from public, anon, authenticated, service_role;

revoke all on sequence public.admin_audit_log_id_seq, public.webhook_debug_log_id_seq
from public, anon, authenticated, service_role;

-- user_profiles: users update only harmless columns of their own row (column grant); status,
-- totals, e-mail and signup data change through service_role or admin_set_account_status().
grant select, insert, delete on table public.user_profiles to authenticated;
grant update (first_name, last_name, phone, country, marketing_consent) on table public.user_profiles to authenticated;

-- Tables whose rows anon may read (public catalogue data).
grant select on table public.trading_rules, public.crypto_addresses to anon;

-- Everything else: full DML for authenticated, narrowed by the policies below.
grant select, insert, update, delete on table
  public.orders, public.trading_rules, public.account_container, public.delivered_accounts,
  public.payment_transactions, public.crypto_addresses, public.email_templates,
  public.webhook_debug_log
to authenticated;

-- The backend's own role.
grant select, insert, update, delete on table
  public.user_profiles, public.orders, public.trading_rules, public.account_container,
  public.delivered_accounts, public.payment_transactions, public.crypto_addresses,
  public.email_templates, public.webhook_debug_log
to service_role;

-- Audit log: append and read only, for everyone. No UPDATE/DELETE/TRUNCATE grant exists anywhere
-- (and triggers from 0002 refuse them even for the owner).
grant select, insert on table public.admin_audit_log to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Function privileges (PUBLIC gets EXECUTE on new functions by default; Supabase also grants
-- anon/authenticated/service_role by default privileges).
-- ---------------------------------------------------------------------------------------------
revoke all on function
  public.update_updated_at_column(),
  public.generate_order_id(),
  public.orders_set_order_id(),
  public.orders_keep_order_id(),
  public.handle_new_user(),
  public.is_admin(),
  public.get_available_accounts_count(),
  public.admin_set_account_status(uuid, text, text),
  public.admin_audit_log_refuse_change(),
  public.admin_audit_log_stamp(),
  public.webhook_debug_record(text, text, text, jsonb, bytea, text)
from public, anon, authenticated, service_role;

-- Policies call is_admin() as the querying role, anon included.
grant execute on function public.is_admin() to anon, authenticated, service_role;
-- The orders_set_order_id trigger calls it as the inserting role.
grant execute on function public.generate_order_id() to authenticated, service_role;
grant execute on function public.get_available_accounts_count() to authenticated, service_role;
-- Checks is_admin() itself.
grant execute on function public.admin_set_account_status(uuid, text, text) to authenticated;
grant execute on function public.webhook_debug_record(text, text, text, jsonb, bytea, text) to service_role;
-- Trigger functions need no EXECUTE grant: privileges are checked when the trigger is created.

-- ---------------------------------------------------------------------------------------------
-- Row-level security: on for every table, policies per table.
-- ---------------------------------------------------------------------------------------------
alter table public.user_profiles        enable row level security;
alter table public.orders               enable row level security;
alter table public.trading_rules        enable row level security;
alter table public.account_container    enable row level security;
alter table public.delivered_accounts   enable row level security;
alter table public.payment_transactions enable row level security;
alter table public.admin_audit_log      enable row level security;
alter table public.crypto_addresses     enable row level security;
alter table public.email_templates      enable row level security;
alter table public.webhook_debug_log    enable row level security;

-- user_profiles
create policy "Users can view own profile" on public.user_profiles
  for select to authenticated
  using ((select auth.uid()) = id);

create policy "Users can update own profile" on public.user_profiles
  for update to authenticated
  using ((select auth.uid()) = id)
  with check ((select auth.uid()) = id);

create policy "Admins can manage all profiles" on public.user_profiles
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

-- orders
create policy "Users can view own orders" on public.orders
  for select to authenticated
  using ((select auth.uid()) = user_id);

-- A user creates only their own orders, and only in the initial state: the payment fields are
-- the webhook's and the admin's to set.
create policy "Users can create own orders" on public.orders
  for insert to authenticated
  with check (
        (select auth.uid()) = user_id
    and order_status = 'pending'
    and payment_status = 'pending'
    and delivery_status = 'pending'
    and payment_provider_id is null
    and invoice_id is null
    and crypto_amount is null
    and crypto_address is null
    and paid_at is null
    and delivered_at is null
  );

create policy "Admins can manage all orders" on public.orders
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

-- delivered_accounts
create policy "Users can view own delivered accounts" on public.delivered_accounts
  for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "Admins can manage all delivered accounts" on public.delivered_accounts
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

-- payment_transactions
create policy "Users can view own payment transactions" on public.payment_transactions
  for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "Admins can manage all payment transactions" on public.payment_transactions
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

-- trading_rules: public catalogue
create policy "Anyone can view trading rules" on public.trading_rules
  for select to anon, authenticated
  using (true);

create policy "Admins can manage trading rules" on public.trading_rules
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

-- crypto_addresses: active ones are public
create policy "Anyone can view active crypto addresses" on public.crypto_addresses
  for select to anon, authenticated
  using (is_active);

create policy "Admins can manage crypto addresses" on public.crypto_addresses
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

-- admin-only tables
create policy "Admins can manage account inventory" on public.account_container
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

create policy "Admins can manage email templates" on public.email_templates
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

create policy "Admins can manage webhook debug log" on public.webhook_debug_log
  for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

-- admin_audit_log: admins read all and append entries in their own name
create policy "Admins can view audit log" on public.admin_audit_log
  for select to authenticated
  using ((select public.is_admin()));

create policy "Admins can append to audit log as themselves" on public.admin_audit_log
  for insert to authenticated
  with check ((select public.is_admin()) and admin_id = (select auth.uid()));
