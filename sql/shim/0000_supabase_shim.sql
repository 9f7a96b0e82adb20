-- Supabase compatibility shim for PLAIN PostgreSQL (dev, CI, self-hosted).
--
-- NEVER apply this to a real Supabase project: Supabase owns the auth schema, and
-- since supabase/postgres PR #994 the postgres role may not create objects in it.
-- The guard below refuses to run where Supabase's own roles exist.
--
-- Idempotent: every statement either checks first or is a create-or-replace / grant,
-- so `scripts/migrate --shim` can run it on every start.  Roles are cluster-wide;
-- everything else is per database.
--
-- Source of every definition: Supabase's own (auth functions verbatim from
-- supabase/auth migrations 20220224000811 and 20220531120530; roles from
-- supabase/postgres initial-schema; auth.users: the subset of its columns that
-- application SQL uses).  Deliberately no encrypted_password column: this project
-- stores no passwords (README "Deviations from the seed").

-- (supabase_auth_admin counts too, unless this shim created it: see the end of the file.)
do $$
begin
  if exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_admin')
     or exists (select 1 from pg_catalog.pg_roles r
                 where r.rolname = 'supabase_auth_admin'
                   and pg_catalog.shobj_description(r.oid, 'pg_authid') is distinct from 'ffx auth shim') then
    raise exception 'this looks like a Supabase database (role supabase_admin or supabase_auth_admin exists): the auth shim must not run here';
  end if;
end
$$;

-- API roles, exactly as Supabase creates them.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end
$$;

-- The login role that applies migrations (in dev also a possible connection role of the
-- C functions; their dedicated one is ffx_functions at the end of this file) must be able
-- to SET LOCAL ROLE to each API role (Supabase does the same:
-- migration 20230201083204 grant_auth_roles_to_postgres).  Checked first so that a
-- re-run prints no "already a member" notices.
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not pg_catalog.pg_has_role(current_user, r, 'member') then
      execute pg_catalog.format('grant %I to %I', r, current_user);
    end if;
  end loop;
end
$$;

create schema if not exists auth;

grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;

-- A subset of the real table's columns: the ones application SQL uses.
create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  phone text unique,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  email_confirmed_at timestamptz,
  phone_confirmed_at timestamptz,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  banned_until timestamptz,
  deleted_at timestamptz,
  is_anonymous boolean not null default false,
  is_sso_user boolean not null default false
);
create unique index if not exists users_email_partial_key on auth.users (email) where (is_sso_user = false);

-- auth.uid() / auth.role() / auth.email(): supabase/auth 20220224000811, verbatim.
create or replace function auth.uid()
returns uuid
language sql stable
as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role()
returns text
language sql stable
as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email()
returns text
language sql stable
as $$
  select
  coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

-- auth.jwt(): supabase/auth 20220531120530, verbatim.
create or replace function auth.jwt()
returns jsonb
language sql stable
as $$
  select
    coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';
comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';

-- The dedicated login role of the C functions (plain PostgreSQL only; on Supabase the functions
-- connect as postgres/authenticator instead).  NOINHERIT is the point: it holds no privilege of
-- its own and inherits none from the API roles, so a connection that has not done
-- SET LOCAL ROLE anon | authenticated | service_role inside its transaction can touch no
-- application table or function (only what PUBLIC may).  Membership (below) is what allows
-- that SET LOCAL ROLE.
--
-- DEV ONLY: the password 'ffx_functions' is public knowledge (it is in this file).  Any
-- non-development cluster must change it (alter role ffx_functions password '...') or use a
-- different login role.  Created with the password only on first run; a re-run never resets a
-- changed password, but it does restore the security attributes if someone altered them.
do $$
declare
  r record;
begin
  select rolcanlogin, rolinherit, rolsuper, rolbypassrls into r
    from pg_catalog.pg_roles where rolname = 'ffx_functions';
  if not found then
    create role ffx_functions login noinherit nosuperuser nobypassrls password 'ffx_functions';
  elsif not r.rolcanlogin or r.rolinherit or r.rolsuper or r.rolbypassrls then
    alter role ffx_functions login noinherit nosuperuser nobypassrls;
  end if;
end
$$;

-- grant anon, authenticated, service_role to ffx_functions; checked first so that a re-run
-- prints no "already a member" notices.
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not pg_catalog.pg_has_role('ffx_functions', r, 'member') then
      execute pg_catalog.format('grant %I to ffx_functions', r);
    end if;
  end loop;
end
$$;

-- authenticator: the role PostgREST logs in as on Supabase (supabase/postgres initial-schema:
-- `create user authenticator noinherit`, then `grant anon, authenticated, service_role to
-- authenticator`). Nothing of this backend uses it; it is here so that tests/db/data_api.sh can
-- look at the Data API exactly as PostgREST does on plain PostgreSQL. LOGIN without a password:
-- password authentication cannot succeed until someone sets one (the test does, on its own
-- cluster).
do $$
declare
  r text;
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  foreach r in array array['anon', 'authenticated', 'service_role'] loop
    if not pg_catalog.pg_has_role('authenticator', r, 'member') then
      execute pg_catalog.format('grant %I to authenticator', r);
    end if;
  end loop;
end
$$;

-- supabase_auth_admin: the role Supabase Auth connects as; it owns schema auth on Supabase and is
-- what deletes auth.users rows and rewrites their e-mail (supabase/postgres initial-schema:
-- `create user supabase_auth_admin noinherit createrole login noreplication`). Here it is NOLOGIN
-- (nothing logs in as it; tests SET ROLE to it to act as Supabase Auth) and holds exactly what it
-- needs on auth.users instead of owning it. The comment marks it as the shim's own, which the guard
-- at the top of this file lets through.
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_auth_admin') then
    create role supabase_auth_admin nologin noinherit;
    comment on role supabase_auth_admin is 'ffx auth shim';
  end if;
end
$$;
grant usage on schema auth to supabase_auth_admin;
grant select, insert, update, delete on table auth.users to supabase_auth_admin;
