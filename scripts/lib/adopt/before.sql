-- scripts/lib/adopt/before.sql: the first half of the adoption, run by scripts/migrate --before
-- inside its one transaction, after its advisory lock and before the migrations (scripts/adopt
-- puts it there). Any error rolls back everything, the original included.
--
--   1. the plan's views (plan.sql) and a snapshot of the plan; refuse while a conflict has no
--      resolution (scripts/adopt checked it already; this repeats it under the lock);
--   2. the original's eight tables move aside to schema ffx_adopting, with their policies,
--      triggers and indexes, so the migrations can build ours in public;
--   3. the original's functions are dropped, and with them (CASCADE) the triggers that call them:
--      the updated_at triggers on the moved tables and on_auth_user_created on auth.users, which
--      copied the sign-up password into user_profiles.
-- after.sql copies the rows into our tables and drops ffx_adopting.

\ir plan.sql

do $$
declare
  v_open text;
begin
  if to_regclass('public.schema_migrations') is not null
     and exists (select 1 from public.schema_migrations) then
    raise exception 'adopt: this database is already on this project''s schema';
  end if;
  select string_agg(format('%s (%s)', c.kind, c.count), ', ' order by c.kind) into v_open
    from adopt_conflicts c where c.resolution is null;
  if v_open is not null then
    raise exception 'adopt: unresolved conflicts: %', v_open;
  end if;
end
$$;

create temporary table adopt_plan_snapshot on commit drop as select a.plan from adopt_plan a;

create schema ffx_adopting;
alter table public.user_profiles        set schema ffx_adopting;
alter table public.orders               set schema ffx_adopting;
alter table public.trading_rules        set schema ffx_adopting;
alter table public.account_container    set schema ffx_adopting;
alter table public.delivered_accounts   set schema ffx_adopting;
alter table public.payment_transactions set schema ffx_adopting;
alter table public.admin_audit_log      set schema ffx_adopting;
alter table public.crypto_addresses     set schema ffx_adopting;

-- The original's functions, by name (whatever their signature); our definitions define their own.
-- Nothing else in public is touched.
do $$
declare
  f regprocedure;
begin
  for f in
    select p.oid::regprocedure
      from pg_catalog.pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and p.proname in ('generate_order_id', 'set_order_id', 'update_updated_at_column', 'handle_new_user',
                         'deliver_account_to_user', 'get_available_accounts_count')
  loop
    execute format('drop function %s cascade', f);
  end loop;
end
$$;
