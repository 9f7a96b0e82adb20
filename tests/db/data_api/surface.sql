-- What one API role reaches through PostgREST, run by tests/db/data_api.sh logged in as
-- authenticator after it switched role and set the claims as PostgREST does. psql variables:
-- none; current_user is the role. One line per object: kind|schema.name|privileges.
--
-- The schemas PostgREST serves on Supabase: public and graphql_public (pg_graphql's entry point,
-- when it exists); a schema the role has no USAGE on serves it nothing. An extension's objects
-- are left out (on Supabase they live in schema extensions; the plain-PostgreSQL test database
-- installs none in public).
with exposed as (
  select n.oid, n.nspname from pg_catalog.pg_namespace n
   where n.nspname in ('public', 'graphql_public') and has_schema_privilege(n.oid, 'USAGE')
), rels as (
  select c.oid, pg_catalog.format('%I.%I', x.nspname, c.relname) as name
    from pg_catalog.pg_class c join exposed x on x.oid = c.relnamespace
   where c.relkind in ('r', 'p', 'v', 'm', 'f')
     and not exists (select 1 from pg_catalog.pg_depend d
                      where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
), privs as (
  -- a table-wide privilege, else the columns it is granted on
  select r.name, p.ord,
         case when has_table_privilege(r.oid, p.priv) then p.priv
              when p.priv = 'delete' then null  -- a table-wide privilege only
              else (select p.priv || '(' || string_agg(a.attname, ',' order by a.attnum) || ')'
                      from pg_catalog.pg_attribute a
                     where a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
                       and has_column_privilege(r.oid, a.attnum, p.priv)) end as granted
    from rels r cross join (values (1, 'select'), (2, 'insert'), (3, 'update'), (4, 'delete')) p(ord, priv)
)
select 'table|' || name || '|' || string_agg(granted, ' ' order by ord)
  from privs where granted is not null group by name
union all
select 'function|' || pg_catalog.format('%I.%I', x.nspname, p.proname) || '('
       || pg_catalog.oidvectortypes(p.proargtypes) || ')|execute'
  from pg_catalog.pg_proc p join exposed x on x.oid = p.pronamespace
 where has_function_privilege(p.oid, 'EXECUTE')
   and not exists (select 1 from pg_catalog.pg_depend d
                    where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
order by 1;
