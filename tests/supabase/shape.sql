-- tests/supabase/shape.sql - a database shaped like a Supabase project, for the Supabase-shaped
-- test pass (FFX_PG_SHAPE=supabase scripts/test; README "Tests").
--
-- Run once, by `scripts/stack pg-start`, as the bootstrap superuser supabase_admin, on template1
-- of a cluster initdb'd with `-U supabase_admin`: every database created afterwards (postgres,
-- the pgTAP suite's ffx_dbtest, the integration tests' scratch databases) is a copy of it, as on
-- Supabase where every project database went through the same scripts.
--
-- Written for this project from Supabase's own scripts, in the order Supabase applies them:
--   supabase/postgres migrations/db/migrate.sh: postgres is created a SUPERUSER, the init scripts
--     run AS postgres (so the ALTER DEFAULT PRIVILEGES without FOR ROLE there are postgres's),
--     then the migrations run as supabase_admin and the first one demotes postgres;
--   init-scripts/00000000000000-initial-schema.sql (API roles, authenticator, extensions schema,
--     default privileges in public), 00000000000001-auth-schema.sql (auth schema, the first
--     auth tables and functions, supabase_auth_admin), 00000000000003-post-setup.sql
--     (search_path of postgres and supabase_admin);
--   migrations 10000000000000_demote-postgres, 20211115181400_update-auth-permissions,
--     20211124212715_update-auth-owner, 20220609081115 (supabase_auth_admin granted to
--     postgres), 20221103090837_revoke_admin, 20230201083204_grant_auth_roles_to_postgres,
--     20230224042246_grant_extensions_perms_for_postgres,
--     20230529180330_alter_api_roles_for_inherit, 20240606060239_grant_predefined_roles_to_postgres;
--   supabase/auth (Supabase Auth, which connects as supabase_auth_admin) migrations: the final
--     shape of auth.users, identities, sessions, refresh_tokens; auth.uid/role/email
--     (20220224000811), auth.jwt (20220531120530); RLS on its tables and SELECT to postgres
--     with grant option (20240612123726).
-- Left out, as nothing here touches them: storage, realtime, pgsodium/vault, pg_graphql, pg_net,
-- pg_cron, MFA/SAML/flow-state tables, supautils (which on Supabase lets postgres create
-- "privileged" extensions).
--
-- The dev passwords are public (like the plain stack's postgres/postgres): supabase_admin's is
-- set by initdb's --pwfile, the others here.
\set ON_ERROR_STOP on
set client_min_messages = warning;

-- ---- roles (cluster-wide) --------------------------------------------------------------------
-- migrate.sh: postgres is created a superuser for the init scripts; demoted further down.
create role postgres superuser login password 'postgres';

-- initial-schema: the super admin, the replication and read-only users.
alter role supabase_admin with superuser createdb createrole replication bypassrls;
create role supabase_replication_admin with login replication;
create role supabase_read_only_user with login bypassrls;
grant pg_read_all_data to supabase_read_only_user;

-- ---- the init scripts, as postgres (then a superuser) ----------------------------------------
set role postgres;

-- initial-schema: extension namespacing.
create schema if not exists extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;

-- initial-schema: the API roles and the role PostgREST logs in as.
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator login noinherit password 'authenticator';
grant anon to authenticator;
grant authenticated to authenticator;
grant service_role to authenticator;
grant supabase_admin to authenticator; -- revoked again by 20221103090837_revoke_admin below

grant usage on schema public to postgres, anon, authenticated, service_role;
-- Run as postgres: these are postgres's default privileges. Every table, sequence and function
-- postgres (the migrations) creates in public is granted to the API roles unless the definition
-- revokes it: the trap the Supabase-shaped pass exists to catch.
alter default privileges in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to postgres, anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to postgres, anon, authenticated, service_role;

grant usage on schema extensions to postgres, anon, authenticated, service_role;

alter role supabase_admin set search_path to public, extensions;

-- The same for objects supabase_admin creates in public.
alter default privileges for user supabase_admin in schema public grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for user supabase_admin in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for user supabase_admin in schema public grant all on functions to postgres, anon, authenticated, service_role;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

-- auth-schema: the schema belongs to supabase_admin, its tables to supabase_auth_admin.
create schema if not exists auth authorization supabase_admin;

create table auth.users (
  instance_id uuid null,
  id uuid not null unique,
  aud varchar(255) null,
  "role" varchar(255) null,
  email varchar(255) null unique,
  encrypted_password varchar(255) null,
  confirmed_at timestamptz null,
  invited_at timestamptz null,
  confirmation_token varchar(255) null,
  confirmation_sent_at timestamptz null,
  recovery_token varchar(255) null,
  recovery_sent_at timestamptz null,
  email_change_token varchar(255) null,
  email_change varchar(255) null,
  email_change_sent_at timestamptz null,
  last_sign_in_at timestamptz null,
  raw_app_meta_data jsonb null,
  raw_user_meta_data jsonb null,
  is_super_admin bool null,
  created_at timestamptz null,
  updated_at timestamptz null,
  constraint users_pkey primary key (id)
);
create index users_instance_id_email_idx on auth.users using btree (instance_id, email);
create index users_instance_id_idx on auth.users using btree (instance_id);
comment on table auth.users is 'Auth: Stores user login data within a secure schema.';

create table auth.refresh_tokens (
  instance_id uuid null,
  id bigserial not null,
  "token" varchar(255) null,
  user_id varchar(255) null,
  revoked bool null,
  created_at timestamptz null,
  updated_at timestamptz null,
  constraint refresh_tokens_pkey primary key (id)
);
create index refresh_tokens_instance_id_idx on auth.refresh_tokens using btree (instance_id);
create index refresh_tokens_instance_id_user_id_idx on auth.refresh_tokens using btree (instance_id, user_id);
create index refresh_tokens_token_idx on auth.refresh_tokens using btree (token);

create table auth.instances (
  id uuid not null,
  uuid uuid null,
  raw_base_config text null,
  created_at timestamptz null,
  updated_at timestamptz null,
  constraint instances_pkey primary key (id)
);

create table auth.audit_log_entries (
  instance_id uuid null,
  id uuid not null,
  payload json null,
  created_at timestamptz null,
  constraint audit_log_entries_pkey primary key (id)
);

create table auth.schema_migrations (
  "version" varchar(255) not null,
  constraint schema_migrations_pkey primary key ("version")
);

-- The first auth functions; Supabase Auth replaces them below.
create function auth.uid() returns uuid language sql stable
  as $$ select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
create function auth.role() returns text language sql stable
  as $$ select nullif(current_setting('request.jwt.claim.role', true), '')::text $$;
create function auth.email() returns text language sql stable
  as $$ select nullif(current_setting('request.jwt.claim.email', true), '')::text $$;

grant usage on schema auth to anon, authenticated, service_role;

create role supabase_auth_admin noinherit createrole login noreplication password 'supabase_auth_admin';
grant all privileges on schema auth to supabase_auth_admin;
grant all privileges on all tables in schema auth to supabase_auth_admin;
grant all privileges on all sequences in schema auth to supabase_auth_admin;
alter role supabase_auth_admin set search_path = "auth";
alter table auth.users owner to supabase_auth_admin;
alter table auth.refresh_tokens owner to supabase_auth_admin;
alter table auth.audit_log_entries owner to supabase_auth_admin;
alter table auth.instances owner to supabase_auth_admin;
alter table auth.schema_migrations owner to supabase_auth_admin;

-- post-setup.
alter role supabase_admin set search_path to "$user", public, auth, extensions;
alter role postgres set search_path to "$user", public, extensions;

-- The Supabase dashboard's role (post-setup; later migrations grant it rights on auth).
create role dashboard_user nosuperuser createdb createrole replication;
grant all on schema auth to dashboard_user;
grant all on schema extensions to dashboard_user;

reset role;

-- ---- the migrations, as supabase_admin -------------------------------------------------------
-- 10000000000000_demote-postgres (storage left out; GRANT ALL ON DATABASE postgres is moot here:
-- scripts/stack re-creates database postgres from this template with postgres as its owner, as
-- migrate.sh makes it).
grant all on schema auth to postgres;
grant all on schema extensions to postgres;
grant all on all tables in schema auth to postgres;
grant all on all tables in schema extensions to postgres;
grant all on all sequences in schema auth to postgres;
grant all on all sequences in schema extensions to postgres;
grant all on all routines in schema auth to postgres;
grant all on all routines in schema extensions to postgres;
alter role postgres nosuperuser createdb createrole login replication bypassrls;

-- 20211115181400_update-auth-permissions: what Supabase Auth creates later is postgres's too.
grant usage on schema auth to postgres;
grant all on all tables in schema auth to postgres, dashboard_user;
grant all on all sequences in schema auth to postgres, dashboard_user;
grant all on all routines in schema auth to postgres, dashboard_user;
alter default privileges for role supabase_auth_admin in schema auth grant all on tables to postgres, dashboard_user;
alter default privileges for role supabase_auth_admin in schema auth grant all on sequences to postgres, dashboard_user;
alter default privileges for role supabase_auth_admin in schema auth grant all on routines to postgres, dashboard_user;

-- 20211124212715_update-auth-owner.
alter function auth.uid owner to supabase_auth_admin;
alter function auth.role owner to supabase_auth_admin;
alter function auth.email owner to supabase_auth_admin;

-- 20220322085208_gotrue-session-limit.
alter role supabase_auth_admin set idle_in_transaction_session_timeout to 60000;

-- 20220609081115: so that postgres can manage auth's triggers without being a superuser.
grant supabase_auth_admin to postgres;

-- 20221103090837_revoke_admin.
revoke supabase_admin from authenticator;

-- 20230201083204_grant_auth_roles_to_postgres.
grant anon, authenticated, service_role to postgres;

-- 20230224042246_grant_extensions_perms_for_postgres.
grant all privileges on all tables in schema extensions to postgres with grant option;
grant all privileges on all routines in schema extensions to postgres with grant option;
grant all privileges on all sequences in schema extensions to postgres with grant option;
alter default privileges in schema extensions grant all on tables to postgres with grant option;
alter default privileges in schema extensions grant all on routines to postgres with grant option;
alter default privileges in schema extensions grant all on sequences to postgres with grant option;

-- 20230529180330_alter_api_roles_for_inherit (pgsodium left out).
alter role authenticated inherit;
alter role anon inherit;
alter role service_role inherit;

-- 20240606060239_grant_predefined_roles_to_postgres.
grant pg_read_all_data, pg_signal_backend to postgres;

-- 20221028101028_set_authenticator_timeout, 20231130133139_set_lock_timeout_to_authenticator_role.
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';

-- pgTAP, which Supabase offers in schema extensions (database.dev / the dashboard's
-- Extensions page); here supabase_admin installs it.
create extension if not exists pgtap with schema extensions;

-- ---- Supabase Auth's own migrations, as supabase_auth_admin ----------------------------------
set role supabase_auth_admin;

-- auth.users as its migrations leave it (20210710035447 alter_users, 20210722035447
-- adds_confirmed_at, 20210730183235 email_change_confirmed, 20220114185340 banned_until,
-- 20220323170000 reauthentication, 20221215195500 is_sso_user, 20230116124310 phone as text,
-- 20230116124412 deleted_at, 20240214120130 is_anonymous).
alter table auth.users
  add column phone varchar(15) null unique default null,
  add column phone_confirmed_at timestamptz null default null,
  add column phone_change varchar(15) null default '',
  add column phone_change_token varchar(255) null default '',
  add column phone_change_sent_at timestamptz null default null;
alter table auth.users rename column confirmed_at to email_confirmed_at;
alter table auth.users
  add column confirmed_at timestamptz generated always as (least(users.email_confirmed_at, users.phone_confirmed_at)) stored;
alter table auth.users
  add column email_change_token_current varchar(255) null default '',
  add column email_change_confirm_status smallint default 0
    check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2);
alter table auth.users rename column email_change_token to email_change_token_new;
alter table auth.users add column banned_until timestamptz null;
alter table auth.users
  add column reauthentication_token varchar(255) null default '',
  add column reauthentication_sent_at timestamptz null default null;
alter table only auth.users add column is_sso_user boolean not null default false;
alter table only auth.users drop constraint users_email_key;
create unique index users_email_partial_key on auth.users (email) where (is_sso_user = false);
alter table auth.users alter column phone type text, alter column phone_change type text;
alter table auth.users add column deleted_at timestamptz null;
alter table auth.users add column is_anonymous boolean not null default false;
create index users_is_anonymous_idx on auth.users using btree (is_anonymous);

-- refresh_tokens: parent (20210927181326, its foreign key dropped by 20221114143410), session_id.
alter table auth.refresh_tokens add column parent varchar(255) null;
alter table auth.refresh_tokens add constraint refresh_tokens_token_unique unique ("token");
create index refresh_tokens_parent_idx on auth.refresh_tokens using btree (parent);

-- identities (20210909172000, 20221215195800 email, 20231117164230 id primary key).
create table auth.identities (
  provider_id text not null,
  user_id uuid not null,
  identity_data jsonb not null,
  provider text not null,
  last_sign_in_at timestamptz null,
  created_at timestamptz null,
  updated_at timestamptz null,
  email text generated always as (lower(identity_data ->> 'email')) stored,
  id uuid default gen_random_uuid() primary key,
  constraint identities_provider_id_provider_unique unique (provider_id, provider),
  constraint identities_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade
);
create index identities_email_idx on auth.identities (email text_pattern_ops);
create index identities_user_id_idx on auth.identities using btree (user_id);

-- sessions (20220811173540, 20221003041400 aal, 20221114143122 not_after, 20231027141322,
-- 20231114161723 tag).
create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
create table auth.sessions (
  id uuid not null,
  user_id uuid not null,
  created_at timestamptz null,
  updated_at timestamptz null,
  factor_id uuid null,
  aal auth.aal_level null,
  not_after timestamptz,
  refreshed_at timestamp without time zone,
  user_agent text,
  ip inet,
  tag text,
  constraint sessions_pkey primary key (id),
  constraint sessions_user_id_fkey foreign key (user_id) references auth.users (id) on delete cascade
);
create index sessions_user_id_idx on auth.sessions (user_id);
alter table auth.refresh_tokens add column session_id uuid null;
alter table auth.refresh_tokens
  add constraint refresh_tokens_session_id_fkey foreign key (session_id) references auth.sessions (id) on delete cascade;
create index refresh_tokens_session_id_revoked_idx on auth.refresh_tokens (session_id, revoked);

-- 20220224000811_update_auth_functions and 20220531120530_add_auth_jwt_function.
create or replace function auth.uid() returns uuid language sql stable as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
create or replace function auth.role() returns text language sql stable as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
create or replace function auth.email() returns text language sql stable as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;
create or replace function auth.jwt() returns jsonb language sql stable as $$
  select
    coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;
comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';
comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';

-- 20240612123726_enable_rls_update_grants (for the tables made here).
alter table auth.schema_migrations enable row level security;
alter table auth.instances enable row level security;
alter table auth.users enable row level security;
alter table auth.audit_log_entries enable row level security;
alter table auth.refresh_tokens enable row level security;
alter table auth.sessions enable row level security;
alter table auth.identities enable row level security;
grant select on auth.schema_migrations, auth.instances, auth.users, auth.audit_log_entries,
  auth.refresh_tokens, auth.sessions, auth.identities to postgres with grant option;

reset role;

-- ---- what the operator may do on Supabase through supautils, given here directly --------------
-- supautils.privileged_extensions lists dblink (postgres creates it, supautils runs it as
-- supabase_admin); the pgTAP suite's concurrency checks use it. Installed like pgTAP.
create extension if not exists dblink with schema extensions;
-- supautils.privileged_role_allowed_configs lets postgres set session_replication_role; on plain
-- PostgreSQL 15 the same right is GRANT SET ON PARAMETER.
grant set on parameter session_replication_role to postgres;
