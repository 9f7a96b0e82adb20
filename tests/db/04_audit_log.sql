-- admin_audit_log is append-only for everybody, the superuser and the table owner included.
-- This file runs as the superuser that owns the table (on the Supabase shape: postgres, its owner).
begin;
select plan(7);

select ok((select rolsuper from pg_roles where rolname = current_user)
          or pg_has_role(current_user, (select relowner from pg_class where oid = 'public.admin_audit_log'::regclass), 'usage'),
  'running as a superuser or as the table''s owner');

insert into public.admin_audit_log (admin_id, admin_email, action_type, table_name, record_id, description, new_values)
values ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com', 'update_order', 'orders', 'FFX000000001',
        'marked paid by hand', '{"payment_status": "paid"}');
select is((select count(*) from public.admin_audit_log), 1::bigint, 'an entry can be appended');

select throws_ok($$update public.admin_audit_log set description = 'nothing happened'$$,
  '42501', 'admin_audit_log is append-only: UPDATE refused', 'UPDATE is refused even for the superuser');
select throws_ok($$delete from public.admin_audit_log$$,
  '42501', 'admin_audit_log is append-only: DELETE refused', 'DELETE is refused even for the superuser');
select throws_ok($$truncate public.admin_audit_log$$,
  '42501', 'admin_audit_log is append-only: TRUNCATE refused', 'TRUNCATE is refused even for the superuser');
select results_eq(
  $$select description, new_values from public.admin_audit_log$$,
  $$values ('marked paid by hand', '{"payment_status": "paid"}'::jsonb)$$,
  'the entry is unchanged');

-- a deleted admin's entries stay: there is no cascading foreign key into the log (the erasure of
-- tests/db/20_user_erasure.sql redacts the admin's e-mail in them and appends user_erased)
insert into auth.users (id, email) values ('ad000000-0000-4000-8000-0000000000ad', 'ops@example.com');
delete from auth.users where id = 'ad000000-0000-4000-8000-0000000000ad';
select results_eq(
  $$select action_type, admin_email, description, new_values from public.admin_audit_log
     where action_type <> 'user_erased'$$,
  $$values ('update_order', '[erased]', 'marked paid by hand', '{"payment_status": "paid"}'::jsonb)$$,
  'deleting the admin user leaves the entry (its e-mail redacted)');

select * from finish();
rollback;
