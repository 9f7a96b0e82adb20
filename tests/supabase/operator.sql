-- tests/supabase/operator.sql - what an operator does on a Supabase project before installing
-- this backend, run as postgres (not a superuser there) by `scripts/stack pg-start` on the
-- Supabase-shaped cluster: the functions' dedicated login role, created exactly as
-- docs/DEPLOYMENT.md ("Supabase") says. PostgreSQL 15 lets postgres (CREATEROLE) grant the API
-- roles; 16 and later need the admin option on them (docs/DEPLOYMENT.md says what to do then).
-- The password is the dev stack's public one (scripts/lib/env.sh's FFX_FUNCTIONS_DATABASE_URL).
\set ON_ERROR_STOP on
create role ffx_functions login noinherit password 'ffx_functions';
grant anon, authenticated, service_role to ffx_functions;
