-- 0008_console: what the operator console (docs/CONSOLE.md) keeps that no earlier table held.
--
-- Staff roles need no table: a staff member's role is app_metadata.role on their auth.users row
-- (admin, finance or support), the claim Supabase Auth signs into every access token.
--
-- Login links (ffx-admin login-link) and the checkout switch are new state. The links live in
-- schema ffx_internal, which the Data API never serves: their hashes are nobody's business but
-- the admin function's.

-- A one-time sign-in link for the panel when Supabase Auth is not configured. Only the SHA-256 of
-- the secret is stored; the secret itself travels in the link's fragment and is exchanged once,
-- by a POST, for a short-lived console token.
create table ffx_internal.admin_login_links (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  secret_sha256 bytea not null check (octet_length(secret_sha256) = 32),
  created_by text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  check (expires_at > created_at)
);
comment on table ffx_internal.admin_login_links is
  'One-time panel sign-in links: the secret''s SHA-256 only; single use (used_at), short-lived (expires_at).';
revoke all on table ffx_internal.admin_login_links from public;

-- The seed's "payment system outage" procedure: while paused, create-crypto-payment answers 503
-- with the message; status checks, IPNs and deliveries go on.
alter table public.order_settings
  add column checkout_paused boolean not null default false,
  add column checkout_pause_message text,
  add column checkout_paused_by text,
  add column checkout_paused_at timestamptz,
  add constraint order_settings_pause_message check (not checkout_paused or checkout_pause_message ~ '[^[:space:]]');
comment on column public.order_settings.checkout_paused is
  'While true, create-crypto-payment refuses new payments with 503 and checkout_pause_message.';
