-- The columns of Supabase Auth's auth.users that sql/shim leaves out, added to a FIXTURE database
-- only, so the shop in shop.sql can insert users exactly as Supabase Auth does (a bcrypt hash in
-- encrypted_password, the invitation and confirmation columns). They are not in the shim on
-- purpose: the shim's auth.users holds only what this project's SQL uses, and it deliberately has
-- no password column (tests/db/00_structure.sql checks that). Types are Supabase Auth's own.
--
-- Run after sql/shim/0000_supabase_shim.sql, before schema.sql; idempotent.

alter table auth.users add column if not exists encrypted_password varchar(255);
alter table auth.users add column if not exists invited_at timestamptz;
alter table auth.users add column if not exists confirmation_token varchar(255);
alter table auth.users add column if not exists confirmation_sent_at timestamptz;
alter table auth.users add column if not exists recovery_token varchar(255);
alter table auth.users add column if not exists recovery_sent_at timestamptz;
alter table auth.users add column if not exists email_change_token_new varchar(255);
alter table auth.users add column if not exists email_change varchar(255);
alter table auth.users add column if not exists email_change_sent_at timestamptz;
alter table auth.users add column if not exists is_super_admin boolean;
